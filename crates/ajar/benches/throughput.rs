//! Story-file parsing (MB/s) and import (works/s into SQLite), each beside a baseline
//! measured in the same run, so the ratio means something on a noisy machine.
//!
//! `cargo bench -p ajar --bench throughput` (add `-- --quick` for a short run).
//!
//! - Parsing is compared with the least any reader must do with the same bytes: check they
//!   are UTF-8 and walk every line and word once.
//! - Import is compared with the least any store must do: one SQLite transaction per work
//!   inserting its whole text as one row, with the same pragmas as the archive (WAL,
//!   synchronous = NORMAL).

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar::import::{import_files, Defaults};
use indicatif::ProgressBar;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/stories");
    let mut files: Vec<(String, Vec<u8>)> = ["all-thats-left.txt", "the-long-way-round.txt"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(fixtures.join(n)).expect("fixture"),
            )
        })
        .collect();
    for (name, text) in ajar::demo::DEMO_WORKS {
        files.push((name.to_string(), text.as_bytes().to_vec()));
    }
    files
}

/// Copies of the corpus, each with a title of its own, to about `target_bytes`.
fn scaled(corpus: &[(String, Vec<u8>)], target_bytes: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut n = 0usize;
    while total < target_bytes {
        for (name, bytes) in corpus {
            n += 1;
            let text = String::from_utf8_lossy(bytes);
            let retitled = text.replacen("Title: ", &format!("Title: Copy {n} of "), 1);
            total += retitled.len();
            out.push((format!("{n}-{name}"), retitled.into_bytes()));
        }
    }
    out
}

fn best_of<F: FnMut() -> u64>(runs: usize, mut f: F) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut check = 0;
    for _ in 0..runs {
        let start = Instant::now();
        check = std::hint::black_box(f());
        best = best.min(start.elapsed());
    }
    (best, check)
}

fn bench_parsing(files: &[(String, Vec<u8>)], runs: usize) {
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mb = bytes as f64 / 1e6;
    let (baseline, base_words) = best_of(runs, || {
        let mut words = 0u64;
        for (_, b) in files {
            let text = std::str::from_utf8(b).expect("utf-8");
            for line in text.lines() {
                words += line.split_whitespace().count() as u64;
            }
        }
        words
    });
    let (parse, words) = best_of(runs, || {
        let mut words = 0u64;
        for (name, b) in files {
            let work = ajar_formats::read_story_file(name, b).expect("corpus parses");
            words += work.words();
        }
        words
    });
    println!(
        "parsing: {} files, {mb:.1} MB ({words} words in works, {base_words} whitespace words)",
        files.len()
    );
    println!(
        "  baseline (utf-8 check + walk lines and words): {:>8.1} MB/s",
        mb / baseline.as_secs_f64()
    );
    println!(
        "  ajar story-file reader:                        {:>8.1} MB/s",
        mb / parse.as_secs_f64()
    );
    println!(
        "  ratio reader / baseline time:                  {:>8.1}x",
        parse.as_secs_f64() / baseline.as_secs_f64()
    );
}

async fn bench_import(files: &[(String, Vec<u8>)]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let story_dir = dir.path().join("stories");
    std::fs::create_dir_all(&story_dir).expect("mkdir");
    let mut paths: Vec<PathBuf> = Vec::new();
    for (name, bytes) in files {
        let p = story_dir.join(name);
        std::fs::write(&p, bytes).expect("write story");
        paths.push(p);
    }
    let n = files.len() as f64;

    // Baseline: raw rows, one transaction each, same pragmas.
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("sqlite");
    sqlx::query(
        "CREATE TABLE raw (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await
    .expect("create");
    let start = Instant::now();
    for p in &paths {
        let body = std::fs::read_to_string(p).expect("read");
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO raw (name, body) VALUES ($1, $2)")
            .bind(p.display().to_string())
            .bind(body)
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    let baseline = start.elapsed();
    pool.close().await;

    let store = ajar_store::Store::open(None, &dir.path().join("archive"))
        .await
        .expect("store");
    let start = Instant::now();
    let report = import_files(&store, paths, Defaults::default(), &ProgressBar::hidden()).await;
    let import = start.elapsed();
    assert!(report.refused.is_empty(), "{:?}", report.refused.first());
    assert_eq!(report.imported.len(), files.len());

    println!("import into SQLite: {} works", files.len());
    println!(
        "  baseline (raw row per work, one transaction each): {:>8.0} works/s",
        n / baseline.as_secs_f64()
    );
    println!(
        "  ajar import (parse, tags, chapters, changes feed): {:>8.0} works/s",
        n / import.as_secs_f64()
    );
    println!(
        "  ratio import / baseline time:                      {:>8.1}x",
        import.as_secs_f64() / baseline.as_secs_f64()
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let corpus = corpus();
    let (parse_bytes, runs, import_bytes) = if quick {
        (2_000_000, 3, 1_000_000)
    } else {
        (20_000_000, 5, 10_000_000)
    };
    bench_parsing(&scaled(&corpus, parse_bytes), runs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench_import(&scaled(&corpus, import_bytes)));
}
