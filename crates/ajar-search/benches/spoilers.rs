//! The spoiler filter's benchmark: on a copy of a generated archive (default the page
//! benchmark's million works, `target/pages-1000000`, made by `scripts/bench-pages.sh` or
//! `ajar gen-corpus`), the five biggest fandoms get a canon timeline of 100 entries and a
//! quarter of their works a link to one of them; then a fandom's listing (newest first, with
//! its facet counts) and the whole archive are searched as readers at several points of the
//! canon would search them, against the same search without the filter in the same run (a
//! ratio), with the store reads a listing adds (the unseen entries, the marks on a page).
//!
//! ```text
//! cargo bench -p ajar-search --bench spoilers -- [--data DIR] [--copy DIR] [--runs 100]
//! ```
//!
//! The copy (default `target/bench-spoilers`) is made once and reused; its index is built
//! without chapter text (the filter reads no text) on first use and reused after.

#![allow(clippy::unwrap_used)] // a benchmark may stop at what it did not expect

use ajar_core::{TagId, TagKind, WorkId};
use ajar_search::{Search, SearchConfig, SearchRequest, Sort};
use ajar_store::{Audience, NewCanonEntry, SqlWorkFilter, Store};
use common::{latency, ms, percentile};
use std::path::PathBuf;
use std::time::Instant;

mod common;

/// Entries in each timeline, and fandoms given one.
const ENTRIES: u32 = 100;
const FANDOMS: usize = 5;

struct Args {
    data: PathBuf,
    copy: PathBuf,
    runs: usize,
}

fn args() -> Args {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let mut data = target.join("pages-1000000");
    let mut copy = target.join("bench-spoilers");
    let mut runs = 100;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match a.as_str() {
            "--data" => data = PathBuf::from(value()),
            "--copy" => copy = PathBuf::from(value()),
            "--runs" => runs = value().parse().unwrap(),
            _ => {} // cargo passes --bench
        }
    }
    Args { data, copy, runs }
}

fn main() {
    common::block_on(run(args()));
}

/// Timelines for the biggest fandoms and links from a quarter of their works (made once):
/// each fandom's entry ids in order.
async fn prepare(store: &Store, marker: &std::path::Path) -> Vec<(TagId, String, Vec<i64>)> {
    let mut fandoms = store
        .tag_work_counts(Audience::Public, TagKind::Fandom)
        .await
        .unwrap();
    fandoms.sort_by_key(|f| std::cmp::Reverse(f.works));
    fandoms.truncate(FANDOMS);
    let fresh = !marker.exists();
    let mut out = Vec::new();
    for fandom in &fandoms {
        if fresh {
            let titles: Vec<String> = (1..=ENTRIES).map(|n| format!("Episode {n}")).collect();
            let entries: Vec<NewCanonEntry<'_>> = titles
                .iter()
                .enumerate()
                .map(|(i, title)| NewCanonEntry {
                    fandom: &fandom.name,
                    position: i as u32 + 1,
                    season: Some(1 + i as u32 / 25),
                    number: Some(1 + i as u32 % 25),
                    title,
                    aired: None,
                })
                .collect();
            let started = Instant::now();
            store.import_canon(&entries, |_, _| {}).await.unwrap();
            println!(
                "timeline of {} ({} works): imported and its works read for links in {:.1} s",
                fandom.name,
                fandom.works,
                started.elapsed().as_secs_f64()
            );
        }
        let ids: Vec<i64> = store
            .canon_timeline(&fandom.name)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.entry.id)
            .collect();
        if fresh {
            let works = store
                .filter_works_sql(&SqlWorkFilter {
                    include_tags: vec![fandom.id],
                    include_restricted: true,
                    limit: u32::MAX,
                    ..SqlWorkFilter::default()
                })
                .await
                .unwrap()
                .ids;
            let links: Vec<(WorkId, i64, &str)> = works
                .iter()
                .filter(|w| w.0 % 4 == 0)
                .map(|w| (*w, ids[(w.0 as usize / 4) % ids.len()], "spoils"))
                .collect();
            let started = Instant::now();
            for chunk in links.chunks(20_000) {
                store.link_canon(chunk).await.unwrap();
            }
            println!(
                "  {} links stored in {:.1} s",
                links.len(),
                started.elapsed().as_secs_f64()
            );
        }
        out.push((fandom.id, fandom.name.as_str().to_owned(), ids));
    }
    std::fs::write(marker, b"").unwrap();
    out
}

async fn run(args: Args) {
    let source = args.data.join("ajar.db");
    assert!(
        source.exists(),
        "no archive in {}: run scripts/bench-pages.sh (or ajar --data-dir DIR gen-corpus) first",
        args.data.display()
    );
    std::fs::create_dir_all(&args.copy).unwrap();
    let marker = args.copy.join("spoilers-done");
    if !marker.exists() {
        let started = Instant::now();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(args.copy.join(format!("ajar.db{suffix}")));
        }
        let _ = std::fs::remove_dir_all(args.copy.join("index"));
        std::fs::copy(&source, args.copy.join("ajar.db")).unwrap();
        println!(
            "copied {} in {:.1} s",
            source.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let store = Store::open(None, &args.copy).await.unwrap();
    let timelines = prepare(&store, &marker).await;
    let started = Instant::now();
    let config = SearchConfig {
        index_text: false,
        ..SearchConfig::in_dir(args.copy.join("index"))
    };
    let (search, _) = Search::open(store.clone(), config, |_, _| {})
        .await
        .unwrap();
    search.catch_up().await.unwrap();
    println!(
        "index opened (built when new) in {:.1} s: {} works\n",
        started.elapsed().as_secs_f64(),
        search.num_docs()
    );

    let (big, big_name, big_ids) = &timelines[0];
    let listing = SearchRequest {
        include_tag_ids: vec![*big],
        sort: Some(Sort::Updated),
        per_page: 20,
        ..SearchRequest::default()
    };
    let everything = SearchRequest {
        sort: Some(Sort::Updated),
        per_page: 20,
        ..SearchRequest::default()
    };
    let all_unseen: Vec<i64> = timelines
        .iter()
        .flat_map(|(_, _, ids)| ids.clone())
        .collect();
    let cases: Vec<(String, SearchRequest, SearchRequest)> = vec![
        (
            format!("{big_name}: seen none of {ENTRIES}"),
            listing.clone(),
            SearchRequest {
                unseen_canon: big_ids.clone(),
                ..listing.clone()
            },
        ),
        (
            format!("{big_name}: seen half"),
            listing.clone(),
            SearchRequest {
                unseen_canon: big_ids[ENTRIES as usize / 2..].to_vec(),
                ..listing.clone()
            },
        ),
        (
            format!("{big_name}: one entry left"),
            listing.clone(),
            SearchRequest {
                unseen_canon: big_ids[ENTRIES as usize - 1..].to_vec(),
                ..listing.clone()
            },
        ),
        (
            format!("whole archive: seen none of {FANDOMS} canons"),
            everything.clone(),
            SearchRequest {
                unseen_canon: all_unseen.clone(),
                ..everything.clone()
            },
        ),
        (
            "whole archive, Explicit + complete: seen none".to_owned(),
            SearchRequest {
                ratings: vec![ajar_core::Rating::Explicit],
                complete: Some(true),
                ..everything.clone()
            },
            SearchRequest {
                ratings: vec![ajar_core::Rating::Explicit],
                complete: Some(true),
                unseen_canon: all_unseen.clone(),
                ..everything.clone()
            },
        ),
    ];
    println!(
        "{} runs each, uncached; the baseline is the same search without the filter\n",
        args.runs
    );
    println!("| search | matches | hidden | baseline p50 / p99 ms | filtered p50 / p99 ms | ratio p50 / p99 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, base, filtered) in &cases {
        // First runs load each segment's kept data; they are not timed.
        let plain = search.search_uncached(base).await.unwrap();
        let found = search.search_uncached(filtered).await.unwrap();
        assert_eq!(
            found.total + found.spoilers_hidden,
            plain.total,
            "{name}: shown and hidden add up to the whole"
        );
        let (b50, b99) = latency(&search, base, args.runs).await;
        let (f50, f99) = latency(&search, filtered, args.runs).await;
        println!(
            "| {name} | {} | {} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2}× / {:.2}× |",
            found.total,
            found.spoilers_hidden,
            ms(b50),
            ms(b99),
            ms(f50),
            ms(f99),
            f50.as_secs_f64() / b50.as_secs_f64(),
            f99.as_secs_f64() / b99.as_secs_f64()
        );
    }

    // What a listing adds in the store: the reader's unseen entries, and the marks on a
    // page of works shown blurred.
    let seen: Vec<(TagId, u32)> = timelines.iter().map(|(id, _, _)| (*id, 0)).collect();
    let mut unseen_times = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        std::hint::black_box(store.unseen_canon(&seen).await.unwrap());
        unseen_times.push(t.elapsed());
    }
    unseen_times.sort();
    let page: Vec<WorkId> = search
        .search_uncached(&SearchRequest {
            only_unseen: true,
            unseen_canon: all_unseen.clone(),
            ..listing.clone()
        })
        .await
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect();
    let mut mark_times = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        let marked = store.spoiled_by(&page, &all_unseen).await.unwrap();
        mark_times.push(t.elapsed());
        assert_eq!(marked.len(), page.len());
    }
    mark_times.sort();
    println!(
        "\nstore: the unseen entries of {FANDOMS} canons ({} ids) p50 {:.2} / p99 {:.2} ms; \
         the marks of a page of {} works p50 {:.2} / p99 {:.2} ms",
        all_unseen.len(),
        ms(percentile(&unseen_times, 0.5)),
        ms(percentile(&unseen_times, 0.99)),
        page.len(),
        ms(percentile(&mark_times, 0.5)),
        ms(percentile(&mark_times, 0.99)),
    );
}
