//! `ajar reindex` and `ajar gen-corpus`, and opening the search index for `ajar serve`.

use crate::cli::Global;
use ajar_core::WorkId;
use ajar_search::corpus::{CorpusGenerator, Rng, Zipf};
use ajar_search::{Opened, Search, SearchConfig};
use ajar_store::{CorpusReader, CorpusWork, Store};
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
    /// Reader accounts to add, with their kudos, bookmarks, comments, subscriptions and
    /// reading history over the archive's works (popular works get most); also groups
    /// prolific creators' works into series. Default: one reader per 20 works. With
    /// `--works 0` this adds readers to an archive generated earlier. The accounts cannot
    /// log in (`ajar user create` makes one that can).
    #[arg(long, value_name = "N")]
    pub readers: Option<u64>,
}

/// A progress bar for `total` things, labelled `what`.
pub(crate) fn bar(total: u64, what: &str) -> ProgressBar {
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
    open_search_with(global, store, text, |_, _| {}).await
}

/// [`open_search`], telling `also(done, total)` of a rebuild's progress too.
pub async fn open_search_with(
    global: &Global,
    store: Store,
    text: bool,
    also: impl Fn(u64, u64) + Send + Sync + 'static,
) -> anyhow::Result<Search> {
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
        also(done, total);
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
    if written > 0 {
        println!(
            "Wrote {written} works in {secs:.1} s ({:.0} works/s).",
            written as f64 / secs.max(0.001)
        );
    }
    let readers = args.readers.unwrap_or(args.works / 20);
    if readers > 0 {
        let started = Instant::now();
        let works = store.work_count().await?;
        anyhow::ensure!(works > 0, "there are no works for readers to read");
        let series = store
            .write_corpus_series(3, 12)
            .await
            .context("cannot group works into series")?;
        write_readers(&store, readers, works, args.seed).await?;
        // Readers make accounts, kudos, bookmarks and series: statistics gathered before
        // them would say those tables (and `pseuds_user`) are empty.
        store
            .analyze()
            .await
            .context("cannot gather the query planner's statistics")?;
        println!(
            "Added {readers} readers and {series} series in {:.1} s.",
            started.elapsed().as_secs_f64()
        );
    }
    println!("`ajar serve` indexes the works on start (or run `ajar reindex`).");
    Ok(ExitCode::SUCCESS)
}

/// Readers whose activity follows popularity: a few works get most kudos, bookmarks and
/// comments, as on a real archive. Works are 1..=`works` (a generated archive).
async fn write_readers(store: &Store, readers: u64, works: u64, seed: u64) -> anyhow::Result<()> {
    let progress = bar(readers, "adding readers");
    let first = store.user_count().await? + 1;
    let popular = Zipf::new(works.min(2_000_000) as usize, 0.9);
    // Popularity rank to work id: a fixed shuffle, so popular works are spread over the
    // archive rather than being its oldest.
    let stride = coprime_stride(works);
    let pick = move |rng: &mut Rng| {
        let rank = popular.sample(rng) as u64;
        WorkId((rank * stride % works + 1) as i64)
    };
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_4EAD);
    let mut done = 0u64;
    while done < readers {
        let batch: Vec<CorpusReader> = (done..(done + 500).min(readers))
            .map(|n| {
                let many = |mean: f64, rng: &mut Rng| {
                    let count = (mean * (-rng.unit().max(1e-9).ln())).round() as usize;
                    (0..count.min(400)).map(|_| pick(rng)).collect::<Vec<_>>()
                };
                let kudos = many(20.0, &mut rng);
                let bookmarks = many(4.0, &mut rng)
                    .into_iter()
                    .map(|w| (w, "to reread, favourite".to_owned()))
                    .collect();
                let comments = many(1.5, &mut rng)
                    .into_iter()
                    .map(|w| (w, format!("<p>Comment {n}: this chapter made my week.</p>")))
                    .collect();
                CorpusReader {
                    name: format!("reader_{}", first + n),
                    kudos,
                    bookmarks,
                    comments,
                    subscribed_works: many(2.0, &mut rng),
                    subscribed_creators_of: many(2.0, &mut rng),
                    subscribed_fandoms_of: many(1.0, &mut rng),
                    history: many(15.0, &mut rng),
                }
            })
            .collect();
        store
            .write_corpus_readers(&batch)
            .await
            .context("cannot write generated readers")?;
        done += batch.len() as u64;
        progress.set_position(done);
    }
    progress.finish_and_clear();
    Ok(())
}

/// A step near `n`'s golden-ratio point that shares no factor with `n`.
fn coprime_stride(n: u64) -> u64 {
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let mut stride = ((n as f64 * 0.618_033_988_7) as u64).max(1);
    while gcd(stride, n) != 1 {
        stride += 1;
    }
    stride
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
