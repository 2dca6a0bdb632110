//! `ajar canon`: canon timelines. `ajar canon import FILE.csv` stores each fandom's entries
//! (episodes, book chapters, films, in order) and links the works whose spoiler lines and
//! summaries name them; `ajar canon list [FANDOM]` shows what is stored.

use crate::cli::Global;
use ajar_core::TagName;
use ajar_formats::canon_csv::read_canon_csv;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct CanonArgs {
    #[command(subcommand)]
    pub command: CanonCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CanonCommand {
    /// Store canon timelines from a CSV file, one entry per line. The header says the shape:
    /// `fandom,season,episode,title` (TV), `fandom,book,chapter,title` (books) or
    /// `fandom,order,title` (anything ordered), with an optional `date` column
    /// (YYYY-MM-DD). Importing a fandom's timeline again updates it. A malformed file is
    /// refused with its line number and nothing is stored.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List the fandoms with a timeline, or one fandom's entries with how many works spoil
    /// each and are about each.
    List {
        /// A fandom's name ("Gilmore Girls").
        fandom: Option<String>,
    },
}

pub async fn run(global: &Global, args: CanonArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CanonCommand::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = match read_canon_csv(&bytes) {
                Ok(rows) => rows,
                Err(e) => {
                    eprintln!("{}: {e}; nothing was imported", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            let entries = ajar_web::canon_entries(&rows);
            let store = crate::open_store(global).await?;
            // The bar counts the works read for links, once the entries are stored.
            let bar = crate::search::bar(0, "linking works");
            let done = store
                .import_canon(&entries, |done, of| {
                    bar.set_length(of);
                    bar.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "Stored {} canon entries for {} fandom{}; {} works link to them.",
                done.entries,
                done.fandoms,
                if done.fandoms == 1 { "" } else { "s" },
                done.works_linked
            );
            Ok(ExitCode::SUCCESS)
        }
        CanonCommand::List { fandom } => {
            let store = crate::open_store(global).await?;
            match fandom {
                None => {
                    for (_, name, entries) in store.canon_fandoms().await? {
                        println!("{name}\t{entries} entries");
                    }
                }
                Some(name) => {
                    let name = TagName::parse(&name).with_context(|| format!("fandom {name:?}"))?;
                    let timeline = store.canon_timeline(&name).await?;
                    if timeline.is_empty() {
                        anyhow::bail!("{name} has no canon timeline");
                    }
                    for t in timeline {
                        println!(
                            "{}\t{}\t{} spoil it\t{} about it",
                            t.entry.label(),
                            t.entry.title,
                            t.spoiling,
                            t.about
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `ajar analyze-texts`: narration, dialogue and names for the works stored without them.
pub async fn analyze_texts(global: &Global) -> anyhow::Result<ExitCode> {
    let store = crate::open_store(global).await?;
    let bar = crate::search::bar(0, "reading works");
    let done = store
        .analyze_texts(200, |done, of| {
            bar.set_length(of);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "Read the text of {done} work{}; the search index takes them in as it follows the archive.",
        if done == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}
