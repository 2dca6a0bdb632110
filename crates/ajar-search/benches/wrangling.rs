//! The wrangling benchmark: on a generated archive (default the page benchmark's million
//! works, `target/pages-1000000`, made by `scripts/bench-pages.sh` or `ajar gen-corpus`),
//! make an additional tag carried by about 100,000 works a synonym of another, and time how
//! long until a search shows the new counts; then time filters through the tag graph against
//! the same filter before it (a ratio, measured in the same run). The change is undone at
//! the end, so the archive is left as it was.
//!
//! ```text
//! cargo bench -p ajar-search --bench wrangling -- [--data DIR] [--works-on-tag 100000]
//!     [--runs 50]
//! ```

#![allow(clippy::unwrap_used)] // a benchmark may stop at what it did not expect

use ajar_core::{Role, TagId, TagKind};
use ajar_search::{Search, SearchConfig, SearchRequest, SearchResults};
use ajar_store::{Audience, NewUser, SqlWorkFilter, Store, Wrangle};
use common::ms;
use std::path::PathBuf;
use std::time::Instant;

mod common;

struct Args {
    data: PathBuf,
    works_on_tag: u64,
    runs: usize,
}

fn args() -> Args {
    let mut data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pages-1000000");
    let mut works_on_tag = 100_000;
    let mut runs = 50;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match a.as_str() {
            "--data" => data = PathBuf::from(value()),
            "--works-on-tag" => works_on_tag = value().parse().unwrap(),
            "--runs" => runs = value().parse().unwrap(),
            _ => {} // cargo passes --bench
        }
    }
    Args {
        data,
        works_on_tag,
        runs,
    }
}

fn main() {
    common::block_on(run(args()));
}

/// The works carrying `tag` (through the graph), with facet counts, as a tag page asks.
fn request(tag: TagId) -> SearchRequest {
    SearchRequest {
        include_tag_ids: vec![tag],
        facets: true,
        ..SearchRequest::default()
    }
}

fn count_of(found: &SearchResults, tag: TagId) -> Option<u64> {
    found
        .facets
        .iter()
        .flat_map(|g| g.tags.iter())
        .find(|t| t.id == tag)
        .map(|t| t.count)
}

/// p50 and p99 of `runs` uncached searches for `r`, in ms.
async fn latency(search: &Search, r: &SearchRequest, runs: usize) -> (f64, f64) {
    let (p50, p99) = common::latency(search, r, runs).await;
    (ms(p50), ms(p99))
}

/// Times `f` once, in ms, printing `what`.
async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = f.await;
    println!("  {what}: {:.1} ms", ms(started.elapsed()));
    out
}

/// The store reads behind the wranglers' pages, on an archive where nothing is wrangled
/// yet (every tag is in the queue): the queue (all, and a big fandom's), a tag's state and
/// history, and what its works share (the co-occurrence suggestion), each timed once cold.
async fn queue_reads(store: &Store, tag: &ajar_store::TagCount) {
    println!("wranglers' pages, store reads:");
    let fandoms = store
        .tag_work_counts(Audience::Public, TagKind::Fandom)
        .await
        .unwrap();
    let big = fandoms.iter().max_by_key(|f| f.works).unwrap();
    let queued = timed(
        "the queue, 51 oldest unwrangled tags of any fandom",
        store.unwrangled_tags(None, 51, 0),
    )
    .await
    .unwrap();
    timed("its third page", store.unwrangled_tags(None, 51, 100))
        .await
        .unwrap();
    timed(
        &format!(
            "the queue of the biggest fandom ({}, {} works)",
            big.name, big.works
        ),
        store.unwrangled_tags(Some(big.id), 51, 0),
    )
    .await
    .unwrap();
    for near in [15_000u64, 25_000] {
        let mid = fandoms
            .iter()
            .min_by_key(|f| f.works.abs_diff(near))
            .unwrap();
        timed(
            &format!(
                "the queue of a fandom of {} works ({})",
                mid.works, mid.name
            ),
            store.unwrangled_tags(Some(mid.id), 51, 0),
        )
        .await
        .unwrap();
    }
    let small = fandoms.iter().min_by_key(|f| f.works).unwrap();
    timed(
        &format!(
            "the queue of the smallest fandom ({}, {} works)",
            small.name, small.works
        ),
        store.unwrangled_tags(Some(small.id), 51, 0),
    )
    .await
    .unwrap();
    timed(
        &format!("a tag's state (\"{}\")", tag.name),
        store.tag_state(&tag.name),
    )
    .await
    .unwrap();
    timed("its history", store.wrangling_history(Some(tag.id), 50))
        .await
        .unwrap();
    timed(
        &format!("canonical tags sharing its works (500 of {})", tag.works),
        store.co_occurring_canonical(tag.id, TagKind::Fandom, 500, 1),
    )
    .await
    .unwrap();
    timed("how many works carry it", store.tag_use_count(tag.id))
        .await
        .unwrap();
    let mut all = std::time::Duration::ZERO;
    for q in &queued {
        let started = Instant::now();
        store
            .co_occurring_canonical(q.tag.id, q.tag.kind, 500, 1)
            .await
            .unwrap();
        all += started.elapsed();
    }
    println!(
        "  co-occurrence suggestions for a queue page ({} tags): {:.1} ms",
        queued.len(),
        ms(all)
    );
}

async fn run(args: Args) {
    assert!(
        args.data.join("ajar.db").exists(),
        "no archive in {}: run scripts/bench-pages.sh (or ajar --data-dir DIR gen-corpus) first",
        args.data.display()
    );
    let store = Store::open(None, &args.data).await.unwrap();
    let started = Instant::now();
    let (search, opened) = Search::open(
        store.clone(),
        SearchConfig::in_dir(args.data.join("index")),
        |_, _| {},
    )
    .await
    .unwrap();
    println!(
        "archive: {} works; index opened in {:.1} s ({opened:?})",
        search.num_docs(),
        started.elapsed().as_secs_f64()
    );

    // The additional tag closest to --works-on-tag works, and the commonest other one.
    let mut tags = store
        .tag_work_counts(Audience::Public, TagKind::Freeform)
        .await
        .unwrap();
    tags.sort_by_key(|t| t.works.abs_diff(args.works_on_tag));
    let synonym = tags[0].clone();
    let canonical = tags
        .iter()
        .filter(|t| t.id != synonym.id)
        .max_by_key(|t| t.works)
        .unwrap()
        .clone();
    println!(
        "synonym: \"{}\" ({} works) into \"{}\" ({} works)",
        synonym.name, synonym.works, canonical.name, canonical.works
    );
    let wrangler = match store.user_by_name("bench-wrangler").await.unwrap() {
        Some(u) => u.id,
        None => store
            .create_user(&NewUser {
                name: "bench-wrangler",
                email: "bench-wrangler@example.org",
                password_hash: "not a hash: this account cannot log in",
                role: Role::Wrangler,
                invitation: None,
            })
            .await
            .unwrap(),
    };
    // An earlier run stopped half-way is undone first.
    let _ = store
        .wrangle(wrangler, synonym.id, &Wrangle::NoSynonym)
        .await;
    let _ = store
        .wrangle(wrangler, canonical.id, &Wrangle::Canonical(false))
        .await;
    search.catch_up().await.unwrap();

    queue_reads(&store, &synonym).await;

    let r = request(canonical.id);
    let before = search.search_uncached(&r).await.unwrap();
    let (p50_before, p99_before) = latency(&search, &r, args.runs).await;
    println!(
        "filter by \"{}\" with facet counts, before: {} works, p50 {p50_before:.1} ms, p99 {p99_before:.1} ms",
        canonical.name, before.total
    );

    store
        .wrangle(wrangler, canonical.id, &Wrangle::Canonical(true))
        .await
        .unwrap();
    search.catch_up().await.unwrap();

    // The change, until a search shows the new counts.
    let t0 = Instant::now();
    store
        .wrangle(wrangler, synonym.id, &Wrangle::SynonymOf(canonical.id))
        .await
        .unwrap();
    let wrangled = t0.elapsed();
    search.catch_up().await.unwrap();
    let followed = t0.elapsed();
    let after = search.search_uncached(&r).await.unwrap();
    let shown = t0.elapsed();
    let expected = store
        .filter_works_sql(&SqlWorkFilter {
            include_tags: vec![canonical.id],
            limit: 1,
            ..SqlWorkFilter::default()
        })
        .await
        .unwrap()
        .total;
    assert_eq!(after.total, expected, "the index and SQL disagree");
    assert_eq!(
        count_of(&after, canonical.id),
        Some(expected),
        "the folded count"
    );
    assert_eq!(
        count_of(&after, synonym.id),
        None,
        "the synonym is folded in"
    );
    println!(
        "synonym made: the store's transaction {:.0} ms, the index followed at {:.0} ms, \
         the first search with the new counts at {:.0} ms ({} works, was {}; SQL agrees)",
        ms(wrangled),
        ms(followed),
        ms(shown),
        after.total,
        before.total
    );
    let (p50, p99) = latency(&search, &r, args.runs).await;
    println!(
        "filter through the tag graph (canonical + synonym): p50 {p50:.1} ms, p99 {p99:.1} ms; \
         {:.2}x / {:.2}x the plain filter",
        p50 / p50_before,
        p99 / p99_before
    );

    let t0 = Instant::now();
    store
        .wrangle(wrangler, synonym.id, &Wrangle::NoSynonym)
        .await
        .unwrap();
    store
        .wrangle(wrangler, canonical.id, &Wrangle::Canonical(false))
        .await
        .unwrap();
    search.catch_up().await.unwrap();
    let undone = search.search_uncached(&r).await.unwrap();
    assert_eq!(undone.total, before.total);
    println!(
        "undone (two changes) and shown in {:.0} ms",
        ms(t0.elapsed())
    );
}
