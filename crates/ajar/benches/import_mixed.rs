//! `ajar import` of a folder of 10,000 story files in every format (plain text, Markdown,
//! AO3-style HTML, EPUB), in works/s, beside a baseline measured in the same run: reading
//! and parsing the same files without storing them.
//!
//! `cargo bench -p ajar --bench import_mixed` (add `-- --quick` for 1,000 files).

#![allow(clippy::unwrap_used)] // a benchmark may panic on what it did not expect

use ajar::import::{collect_files, import_files, read_works, Defaults};
use ajar_formats::{read_story_file, write_work, ExportContext, ExportFormat};
use indicatif::ProgressBar;
use std::path::Path;
use std::time::Instant;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let count = if quick { 1_000 } else { 10_000 };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/stories");
    let mut sources = Vec::new();
    for name in ["all-thats-left.txt", "the-long-way-round.txt"] {
        let bytes = std::fs::read(fixtures.join(name)).unwrap();
        sources.push(read_story_file(name, &bytes).unwrap());
    }
    for (name, text) in ajar::demo::DEMO_WORKS {
        sources.push(read_story_file(name, text.as_bytes()).unwrap());
    }

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("stories");
    std::fs::create_dir_all(&folder).unwrap();
    let ctx = ExportContext::default();
    let mut bytes_total = 0;
    for i in 0..count {
        let mut work = sources[i % sources.len()].clone();
        work.title = format!("{} (copy {i})", work.title);
        let format = ExportFormat::ALL[i % ExportFormat::ALL.len()];
        let bytes = write_work(&work, format, &ctx).unwrap();
        bytes_total += bytes.len();
        let sub = folder.join(format!("{:03}", i / 100));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{i}.{}", format.extension())), bytes).unwrap();
    }
    println!(
        "folder: {count} files (txt, md, html, epub in turn), {:.1} MB",
        bytes_total as f64 / 1e6
    );

    let (files, refused) = collect_files(std::slice::from_ref(&folder));
    assert!(refused.is_empty());
    assert_eq!(files.len(), count);

    let start = Instant::now();
    let mut parsed = 0;
    for file in &files {
        parsed += read_works(file, &Defaults::default())
            .iter()
            .filter(|(_, r)| r.is_ok())
            .count();
    }
    let parse = start.elapsed();
    assert_eq!(parsed, count);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (import, report) = runtime.block_on(async {
        let data = dir.path().join("data");
        let store = ajar_store::Store::open(None, &data).await.unwrap();
        let start = Instant::now();
        let report = import_files(&store, files, Defaults::default(), &ProgressBar::hidden()).await;
        let elapsed = start.elapsed();
        store.close().await;
        (elapsed, report)
    });
    assert_eq!(report.imported.len(), count, "{:?}", report.refused.first());
    let rate = |d: std::time::Duration| count as f64 / d.as_secs_f64();
    println!(
        "baseline: read and parse only  {:6.2} s  {:8.0} works/s",
        parse.as_secs_f64(),
        rate(parse)
    );
    println!(
        "import into SQLite             {:6.2} s  {:8.0} works/s  (duplicate check included)",
        import.as_secs_f64(),
        rate(import)
    );
}
