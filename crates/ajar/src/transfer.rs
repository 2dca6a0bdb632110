//! `ajar migrate`, `ajar backup` and `ajar restore`: a whole archive copied from one
//! database to another (SQLite ⇄ PostgreSQL), into a new SQLite file while it serves, or
//! back from such a file, each checked table by table when it is done (see
//! `ajar_store::Store::copy_into`).

use crate::cli::Global;
use ajar_store::{CopyOptions, CopyReport, CopyStage, Store};
use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// The archive to copy: `sqlite:PATH` (an ajar.db file, or the data folder holding it)
    /// or `postgres://user:pass@host/db`. Default: the archive --data-dir / --database-url
    /// name.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// Where to copy it: `postgres://...` or `sqlite:PATH` (created if missing). Its schema
    /// is brought up to date first. An interrupted copy into the same place goes on where
    /// it stopped.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Empty the target first if it already holds an archive (without this, that is
    /// refused and nothing is written).
    #[arg(long)]
    pub replace: bool,
    /// Rows committed to the target at a time.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub batch: usize,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The backup file to write: a SQLite database holding the whole archive, as it was at
    /// one moment (the archive may keep serving meanwhile). Must not exist yet.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A backup file written by `ajar backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Empty the archive first if it holds anything (without this, restoring over an
    /// archive is refused and nothing is written).
    #[arg(long)]
    pub replace: bool,
}

pub async fn migrate(global: &Global, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let (source, from_label) = match &args.from {
        Some(url) => (open_url(url, true).await?, ajar_store::redacted_url(url)),
        None => (crate::open_store(global).await?, archive_label(global)),
    };
    let target = open_url(&args.to, false).await?;
    let options = CopyOptions {
        batch_rows: args.batch,
        replace: args.replace,
        source_label: from_label.clone(),
    };
    let same = copy(
        &source,
        &target,
        &options,
        &ajar_store::redacted_url(&args.to),
    )
    .await?;
    source.close().await;
    target.close().await;
    Ok(exit(same))
}

pub async fn backup(global: &Global, args: BackupArgs) -> anyhow::Result<ExitCode> {
    if args.file.exists() {
        bail!(
            "{} already exists; a backup is written to a new file",
            args.file.display()
        );
    }
    // Written beside its name and renamed once checked, so a file by that name is whole.
    let mut partial = args.file.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    for leftover in sqlite_files(&partial) {
        let _ = std::fs::remove_file(leftover);
    }
    let source = crate::open_store(global).await?;
    let same = match source.backend() {
        ajar_store::Backend::Sqlite => backup_sqlite(&source, &partial).await?,
        ajar_store::Backend::Postgres => {
            // Copied (in one snapshot, checked) into a working file, which SQLite then
            // writes out whole as the backup (its write-ahead log folded in), checked again.
            let mut working = args.file.clone().into_os_string();
            working.push(".copying");
            let working = PathBuf::from(working);
            for leftover in sqlite_files(&working) {
                let _ = std::fs::remove_file(leftover);
            }
            let target = open_sqlite(&working, false).await?;
            let options = CopyOptions {
                source_label: archive_label(global),
                ..CopyOptions::default()
            };
            let label = args.file.display().to_string();
            let mut same = copy(&source, &target, &options, &label).await?;
            if same {
                same = backup_sqlite(&target, &partial).await?;
            }
            target.close().await;
            for file in sqlite_files(&working) {
                let _ = std::fs::remove_file(file);
            }
            same
        }
    };
    source.close().await;
    if same {
        // The backup is one file; what SQLite left beside it while checking holds nothing.
        for leftover in sqlite_files(&partial).into_iter().skip(1) {
            let _ = std::fs::remove_file(leftover);
        }
        std::fs::rename(&partial, &args.file).with_context(|| {
            format!(
                "cannot rename {} to {}",
                partial.display(),
                args.file.display()
            )
        })?;
        println!("Backup written to {}.", args.file.display());
    }
    Ok(exit(same))
}

pub async fn restore(global: &Global, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let source = open_sqlite(&args.file, true).await?;
    let target = crate::open_store(global).await?;
    let options = CopyOptions {
        replace: args.replace,
        source_label: args.file.display().to_string(),
        ..CopyOptions::default()
    };
    let same = copy(&source, &target, &options, &archive_label(global)).await?;
    source.close().await;
    target.close().await;
    if same {
        // The search index is derived from the database; the one there is of what was
        // replaced. `serve` and `reindex` build it again.
        let index = global.index_dir();
        if index.exists() {
            std::fs::remove_dir_all(&index)
                .with_context(|| format!("cannot remove the old index {}", index.display()))?;
        }
        println!("Restored. The search index is built again when `ajar serve` starts.");
    }
    Ok(exit(same))
}

/// A SQLite archive's backup (`VACUUM INTO`, then checked); says whether it is good.
async fn backup_sqlite(source: &Store, file: &Path) -> anyhow::Result<bool> {
    let started = Instant::now();
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("copying and checking");
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let backup = source
        .backup_sqlite(file)
        .await
        .with_context(|| format!("cannot back the archive up into {}", file.display()))?;
    spinner.finish_and_clear();
    let width = backup
        .tables
        .iter()
        .map(|(t, _)| t.len())
        .max()
        .unwrap_or(0);
    println!("{:width$}  {:>12}  checksum", "table", "rows");
    for (table, sum) in &backup.tables {
        println!("{table:width$}  {:>12}  {}", sum.rows, sum.checksum);
    }
    let rows: u64 = backup.tables.iter().map(|(_, s)| s.rows).sum();
    println!(
        "{} tables, {rows} rows in {:.1} s; the backup passes SQLite's integrity check.",
        backup.tables.len(),
        started.elapsed().as_secs_f64()
    );
    match backup.same_as_archive {
        Some(true) => {
            println!("Every table has the same rows and checksum as the archive.");
            Ok(true)
        }
        Some(false) => {
            eprintln!("The backup differs from the archive although nothing was written to it.");
            Ok(false)
        }
        None => {
            println!(
                "The archive was written to while the backup was made, so the two are not \
                 compared; the backup is the archive at one moment (SQLite's VACUUM INTO)."
            );
            Ok(true)
        }
    }
}

fn exit(same: bool) -> ExitCode {
    if same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Copies with a progress bar and prints the check, table by table; says whether every
/// table came out the same.
async fn copy(
    source: &Store,
    target: &Store,
    options: &CopyOptions,
    target_label: &str,
) -> anyhow::Result<bool> {
    let started = Instant::now();
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template(
        "{spinner} {prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows \
         ({per_sec}, {eta} left) {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let mut stage = None;
    let report = source
        .copy_into(target, options, |p| {
            if stage != Some(p.stage) {
                stage = Some(p.stage);
                bar.set_prefix(match p.stage {
                    CopyStage::Copying => "copying",
                    CopyStage::Verifying => "checking",
                });
                bar.reset();
            }
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(p.table.to_owned());
        })
        .await
        .with_context(|| format!("cannot copy {} into {target_label}", options.source_label))?;
    bar.finish_and_clear();
    print_report(&report, started.elapsed().as_secs_f64());
    if report.verified() {
        println!(
            "Copied {} into {target_label}: every table has the same rows and checksum on both sides.",
            options.source_label
        );
        Ok(true)
    } else {
        eprintln!(
            "The copy in {target_label} differs from {} (marked ✗ above): was the source \
             written to between an interrupted copy and this one? Run again with --replace \
             to start afresh.",
            options.source_label
        );
        Ok(false)
    }
}

fn print_report(report: &CopyReport, seconds: f64) {
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    println!(
        "{:width$}  {:>12}  {:32}  same",
        "table", "rows", "checksum"
    );
    for t in &report.tables {
        println!(
            "{:width$}  {:>12}  {:32}  {}",
            t.table,
            t.target.rows,
            t.target.checksum,
            if t.matches() { "✓" } else { "✗" }
        );
        if !t.matches() {
            println!(
                "{:width$}  {:>12}  {:32}  (the source)",
                "", t.source.rows, t.source.checksum
            );
        }
    }
    let rows: u64 = report.tables.iter().map(|t| t.target.rows).sum();
    println!(
        "{} tables, {rows} rows; {} copied in {seconds:.1} s{}.",
        report.tables.len(),
        report.rows_copied,
        if report.resumed {
            " (went on from an interrupted copy)"
        } else {
            ""
        }
    );
}

/// The archive the global flags name, in words.
fn archive_label(global: &Global) -> String {
    match &global.database_url {
        Some(url) => ajar_store::redacted_url(url),
        None => global.data_dir.join("ajar.db").display().to_string(),
    }
}

/// Opens `sqlite:PATH` or a PostgreSQL URL; a SQLite source must exist.
async fn open_url(url: &str, source: bool) -> anyhow::Result<Store> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Store::connect(url)
            .await
            .with_context(|| format!("cannot open {}", ajar_store::redacted_url(url)));
    }
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        bail!("\"{url}\" is not sqlite:PATH or postgres://user:pass@host/db");
    };
    let path = Path::new(path);
    let path = if path.is_dir() {
        path.join("ajar.db")
    } else {
        path.to_owned()
    };
    open_sqlite(&path, source).await
}

async fn open_sqlite(path: &Path, must_exist: bool) -> anyhow::Result<Store> {
    if must_exist && !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .with_context(|| format!("cannot open {}", path.display()))
}

/// A SQLite database file and the journal files beside it.
fn sqlite_files(path: &Path) -> Vec<PathBuf> {
    let name = path.as_os_str().to_owned();
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut n = name.clone();
            n.push(suffix);
            PathBuf::from(n)
        })
        .collect()
}
