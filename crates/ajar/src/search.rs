//! `ajar reindex` and `ajar gen-corpus`, and opening the search index for `ajar serve`.

use crate::cli::Global;
use ajar_search::corpus::CorpusGenerator;
use ajar_search::{Opened, Search, SearchConfig};
use ajar_store::{CorpusWork, Store};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Args)]
pub struct ReindexArgs {
    /// Leave the text of works out of the index (smaller and faster to build; `text:`
    /// searches then find nothing).
    #[arg(long)]
    pub no_text: bool,
}

#[derive(Debug, Clone, Args)]
pub struct GenCorpusArgs {
    /// How many works to generate.
    #[arg(long, value_name = "N")]
    pub works: u64,
    /// Seed: the same seed and N give the same archive.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Works per database transaction.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub batch: usize,
}

fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} ({{per_sec}}, {{eta}} left)"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Opens (and if need be rebuilds) the search index as the flags say, with a progress bar
/// when it has to rebuild.
pub async fn open_search(global: &Global, store: Store, text: bool) -> anyhow::Result<Search> {
    let dir = global.index_dir();
    let config = SearchConfig {
        index_text: text,
        ..SearchConfig::in_dir(&dir)
    };
    let progress = bar(0, "indexing");
    let p = progress.clone();
    let (search, opened) = Search::open(store, config, move |done, total| {
        p.set_length(total);
        p.set_position(done);
    })
    .await
    .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    progress.finish_and_clear();
    if let Opened::Rebuilt { reason, works } = &opened {
        tracing::info!(%reason, works, "rebuilt the search index");
    }
    Ok(search)
}

pub async fn reindex(global: &Global, args: ReindexArgs) -> anyhow::Result<ExitCode> {
    let store = crate::open_store(global).await?;
    let dir = global.index_dir();
    let started = Instant::now();
    // Opening rebuilds an index that is missing or stale; otherwise rebuild it here.
    let config = SearchConfig {
        index_text: !args.no_text,
        ..SearchConfig::in_dir(&dir)
    };
    let progress = bar(store.work_count().await?, "indexing");
    let p = progress.clone();
    let on_progress = move |done: u64, total: u64| {
        p.set_length(total);
        p.set_position(done);
    };
    let (search, opened) = Search::open(store, config, on_progress.clone())
        .await
        .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    let works = match opened {
        Opened::Rebuilt { works, .. } => works,
        Opened::Existing { .. } => search.rebuild(on_progress).await?,
    };
    progress.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Indexed {works} works in {secs:.1} s ({:.0} works/s) into {}.",
        works as f64 / secs.max(0.001),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn gen_corpus(global: &Global, args: GenCorpusArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let store = crate::open_store(global).await?;
    let started = Instant::now();
    let written = write_corpus(&store, args.works, args.seed, args.batch, true).await?;
    // The planner's statistics of an empty archive would choose plans that walk every work.
    store
        .analyze()
        .await
        .context("cannot gather the query planner's statistics")?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Wrote {written} works in {secs:.1} s ({:.0} works/s). `ajar serve` indexes them on \
         start (or run `ajar reindex`).",
        written as f64 / secs.max(0.001)
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates `works` works on a blocking thread while the store writes earlier batches.
pub async fn write_corpus(
    store: &Store,
    works: u64,
    seed: u64,
    batch: usize,
    show_progress: bool,
) -> anyhow::Result<u64> {
    let progress = if show_progress {
        bar(works, "writing works")
    } else {
        ProgressBar::hidden()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<CorpusWork>>(4);
    let generator = tokio::task::spawn_blocking(move || {
        let corpus = CorpusGenerator::new(works, seed);
        let mut i = 0;
        while i < works {
            let end = (i + batch as u64).min(works);
            let chunk: Vec<CorpusWork> = (i..end).map(|n| corpus.work(n)).collect();
            if tx.blocking_send(chunk).is_err() {
                return;
            }
            i = end;
        }
    });
    let mut writer = store.corpus_writer();
    let mut written = 0u64;
    while let Some(chunk) = rx.recv().await {
        let ids = store
            .write_corpus_batch(&mut writer, &chunk)
            .await
            .context("cannot write generated works")?;
        written += ids.len() as u64;
        progress.set_position(written);
    }
    generator.await.context("the generator stopped")?;
    progress.finish_and_clear();
    Ok(written)
}
