//! EPUB export of a 500,000-word, 100-chapter work (target: at most 100 ms), beside two
//! baselines measured in the same run: the plain-text export of the same work, and zipping
//! the same chapter bytes with the same compression and no XHTML work at all.
//!
//! `cargo bench -p ajar-formats --bench export`

#![allow(clippy::unwrap_used)] // a benchmark may panic on what it did not expect

use ajar_core::{Chapter, Html, Work};
use ajar_formats::{read_story_file, write_work, ExportContext, ExportFormat};
use std::io::Write;
use std::time::{Duration, Instant};

/// About 100 words of prose with the typography and emphasis real works have.
const PARAGRAPH: &str = "“Not even fries?” Rory asked, and he said <em>no</em> — which meant yes, \
    of course… She laughed. The car belonged to Luke, which meant it was clean, which meant \
    Jess was not allowed to eat in it; it’s the rule &amp; he knew it. Somewhere past Hartford \
    the radio gave up, and so they talked instead, about books and bad coffee and the town \
    that had raised them both, loudly and with <strong>far</strong> too many opinions, until \
    the city came up over the hill all at once, bright and loud and indifferent to them.";

fn big_work() -> Work {
    // Every paragraph different (words rotated, numbered), so compression sees prose, not
    // one paragraph repeated.
    let words: Vec<&str> = PARAGRAPH.split_whitespace().collect();
    let paragraphs = 5_000 / words.len() + 1;
    let chapter = |n: usize| {
        let body: String = (0..paragraphs)
            .map(|k| {
                let mut rotated = words.clone();
                rotated.rotate_left((n * 31 + k * 7) % words.len());
                format!("<p>{n}.{k} {}</p>\n", rotated.join(" "))
            })
            .collect();
        Html::sanitize(&body)
    };
    let mut work = Work {
        title: "The Long Way Round, Extended".into(),
        creators: vec!["paperlanterns".into()],
        summary: Html::sanitize("<p>Five hundred thousand words of a road trip.</p>"),
        chapters: (1..=100)
            .map(|n| Chapter {
                title: Some(format!("Mile {n}")),
                notes: Html::sanitize("<p>A note.</p>"),
                body: chapter(n),
                ..Chapter::default()
            })
            .collect(),
        expected_chapters: Some(100),
        complete: Some(true),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

fn best_of<F: FnMut() -> usize>(runs: usize, mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut size = 0;
    for _ in 0..runs {
        let start = Instant::now();
        size = std::hint::black_box(f());
        best = best.min(start.elapsed());
    }
    (best, size)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 15 };
    let work = big_work();
    let ctx = ExportContext::default();
    println!(
        "work: {} words, {} chapters, {:.1} MB of HTML",
        work.words(),
        work.chapters.len(),
        work.chapters
            .iter()
            .map(|c| c.body.as_str().len())
            .sum::<usize>() as f64
            / 1e6
    );

    let (zip_only, zip_size) = best_of(runs, || {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        for (i, c) in work.chapters.iter().enumerate() {
            zip.start_file(format!("{i}.html"), opts).unwrap();
            zip.write_all(c.body.as_str().as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner().len()
    });
    let (txt, txt_size) = best_of(runs, || {
        write_work(&work, ExportFormat::Txt, &ctx).unwrap().len()
    });
    let (epub, epub_size) = best_of(runs, || {
        write_work(&work, ExportFormat::Epub, &ctx).unwrap().len()
    });
    let (html, _) = best_of(runs, || {
        write_work(&work, ExportFormat::Html, &ctx).unwrap().len()
    });
    let (md, _) = best_of(runs, || {
        write_work(&work, ExportFormat::Md, &ctx).unwrap().len()
    });
    println!(
        "baseline: zip the chapter HTML (deflate 1)  {:8.1} ms  ({} bytes)",
        ms(zip_only),
        zip_size
    );
    println!(
        "baseline: TXT export                        {:8.1} ms  ({} bytes)",
        ms(txt),
        txt_size
    );
    println!("EPUB export                                 {:8.1} ms  ({} bytes)  {:.2}x the zip baseline", ms(epub), epub_size, epub.as_secs_f64() / zip_only.as_secs_f64());
    println!(
        "HTML export                                 {:8.1} ms",
        ms(html)
    );
    println!(
        "Markdown export                             {:8.1} ms",
        ms(md)
    );
    let bytes = write_work(&work, ExportFormat::Epub, &ctx).unwrap();
    let (read, _) = best_of(if quick { 1 } else { 3 }, || {
        read_story_file("big.epub", &bytes).unwrap().chapters.len()
    });
    println!(
        "EPUB import of the same file                {:8.1} ms",
        ms(read)
    );
    println!(
        "target: EPUB export <= 100 ms: {}",
        if ms(epub) <= 100.0 { "met" } else { "NOT met" }
    );
}
