//! The search index against the store it follows, on SQLite and PostgreSQL: the follower,
//! every filter and sort (checked against the same filters done in SQL), exact facet
//! counts, the query language end to end, and rebuilding a missing or damaged index.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagKind, TagName, Work, WorkId};
use ajar_search::corpus::CorpusGenerator;
use ajar_search::{Opened, Search, SearchConfig, SearchRequest, Sort};
use ajar_store::{Audience, SqlSort, SqlWorkFilter, Store};
use std::collections::HashMap;
use std::time::{Duration, Instant};

ajar_store::backend_tests!(
    a_new_work_is_findable_within_a_second,
    a_commit_wakes_the_follower_on_postgres,
    counts_alone_wait_and_ride_with_the_next_change,
    held_counts_are_read_again_after_a_restart,
    filters_and_facets_agree_with_sql,
    sorts_order_by_their_field,
    the_query_language_finds_what_it_says,
    text_search_finds_a_phrase_with_a_snippet,
    the_search_box_finds_a_remembered_line,
    muted_creators_and_tags_are_left_out_of_counts,
    drafts_hidden_and_restricted_works_follow_the_visibility_rules,
    creator_filters_by_pseud_id_agree_with_sql,
    every_count_stays_exact_across_segments_and_deletions,
);

async fn corpus(store: &Store, works: u64) {
    let generator = CorpusGenerator::new(works, 11);
    let batch: Vec<_> = (0..works).map(|i| generator.work(i)).collect();
    let mut writer = store.corpus_writer();
    for chunk in batch.chunks(250) {
        store.write_corpus_batch(&mut writer, chunk).await.unwrap();
    }
}

async fn open(store: &Store) -> Search {
    let (search, opened) = Search::open(store.clone(), SearchConfig::in_memory(), |_, _| {})
        .await
        .unwrap();
    assert!(matches!(opened, Opened::Rebuilt { .. }));
    search
}

fn work(title: &str, body: &str) -> Work {
    Work {
        title: title.into(),
        creators: vec!["Lorelai".into()],
        fandoms: vec![TagName::parse("Gilmore Girls").unwrap()],
        tags: vec![TagName::parse("Coffee").unwrap()],
        rating: Rating::TeenAndUp,
        chapters: vec![Chapter {
            position: 1,
            body: Html::from_plain_text(body),
            ..Chapter::default()
        }],
        ..Work::default()
    }
}

fn ids(results: &ajar_search::SearchResults) -> Vec<WorkId> {
    results.hits.iter().map(|h| h.id).collect()
}

async fn a_new_work_is_findable_within_a_second(store: Store) {
    let search = open(&store).await;
    let follower = search.spawn_follower();
    let id = store
        .insert_work(&work("Nag Hammadi", "Coffee, coffee, coffee."))
        .await
        .unwrap();
    let started = Instant::now();
    let request = SearchRequest {
        query: "title:hammadi".into(),
        ..SearchRequest::default()
    };
    loop {
        let found = search.search(&request).await.unwrap();
        if ids(&found) == vec![id] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not findable after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(search.applied_seq(), store.last_change_seq().await.unwrap());
    follower.abort();
}

/// Waits until a title search finds `id`, for at most `limit`; whether it did.
async fn found_within(search: &Search, title: &str, id: WorkId, limit: Duration) -> bool {
    let started = Instant::now();
    let request = SearchRequest {
        query: format!("title:{title}"),
        ..SearchRequest::default()
    };
    while started.elapsed() < limit {
        if ids(&search.search(&request).await.unwrap()) == vec![id] {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Works the index counts at least one kudos on.
async fn with_kudos(search: &Search) -> Vec<WorkId> {
    let request = SearchRequest {
        query: "kudos>=1".into(),
        sort: Some(Sort::Title),
        ..SearchRequest::default()
    };
    ids(&search.search(&request).await.unwrap())
}

async fn guest_kudos(store: &Store, work: WorkId, cookie: &str) {
    let by = ajar_store::Kudoser::Guest {
        cookie,
        address: None,
    };
    store.leave_kudos(work, by).await.unwrap();
}

/// A kudos changes a work's count and nothing else: the follower holds it back for
/// `count_delay` (each index commit costs every search its kept results), unless another
/// change comes first, which takes the held counts with it.
async fn counts_alone_wait_and_ride_with_the_next_change(store: Store) {
    let delay = Duration::from_millis(1500);
    let config = SearchConfig {
        count_delay: delay,
        ..SearchConfig::in_memory()
    };
    let (search, _) = Search::open(store.clone(), config, |_, _| {})
        .await
        .unwrap();
    let follower = search.spawn_follower();
    let a = store.insert_work(&work("Almanac", "Tides.")).await.unwrap();
    let b = store.insert_work(&work("Bestiary", "Owls.")).await.unwrap();
    search.notify_changed();
    assert!(found_within(&search, "bestiary", b, Duration::from_secs(2)).await);

    // Held: not in the index while the delay runs, and the index says it is behind.
    guest_kudos(&store, a, "first").await;
    let left = Instant::now();
    search.notify_changed();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        with_kudos(&search).await.is_empty(),
        "a kudos was indexed at once"
    );
    assert!(search.applied_seq() < store.last_change_seq().await.unwrap());
    // Then indexed once the delay is over, and not long after.
    loop {
        if with_kudos(&search).await == vec![a] {
            break;
        }
        assert!(
            left.elapsed() < delay * 3,
            "the held kudos was never indexed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(left.elapsed() >= delay - Duration::from_millis(100));
    assert_eq!(search.applied_seq(), store.last_change_seq().await.unwrap());

    // A new work is indexed at once, and the kudos held meanwhile with it.
    guest_kudos(&store, b, "first").await;
    search.notify_changed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(with_kudos(&search).await, vec![a]);
    let c = store.insert_work(&work("Codex", "Ink.")).await.unwrap();
    search.notify_changed();
    assert!(found_within(&search, "codex", c, Duration::from_millis(1000)).await);
    assert_eq!(with_kudos(&search).await, vec![a, b]);

    // Catching up (as the command line does before it answers) takes held counts too.
    follower.abort();
    guest_kudos(&store, c, "first").await;
    search.catch_up().await.unwrap();
    assert_eq!(with_kudos(&search).await, vec![a, b, c]);
    assert_eq!(search.applied_seq(), store.last_change_seq().await.unwrap());
}

/// Held counts are never committed to the index as read: after a stop they are read from
/// the feed again.
async fn held_counts_are_read_again_after_a_restart(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let config = SearchConfig {
        count_delay: Duration::from_secs(600),
        ..SearchConfig::in_dir(dir.path().join("index"))
    };
    let a = store.insert_work(&work("Almanac", "Tides.")).await.unwrap();
    let (search, _) = Search::open(store.clone(), config.clone(), |_, _| {})
        .await
        .unwrap();
    let follower = search.spawn_follower();
    guest_kudos(&store, a, "first").await;
    let b = store.insert_work(&work("Bestiary", "Owls.")).await.unwrap();
    search.notify_changed();
    assert!(found_within(&search, "bestiary", b, Duration::from_secs(2)).await);
    assert_eq!(with_kudos(&search).await, vec![a]);
    // Held (for ten minutes) when the server stops.
    guest_kudos(&store, b, "first").await;
    search.notify_changed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(with_kudos(&search).await, vec![a]);
    follower.abort();
    let _ = follower.await;
    drop(search);

    let (search, opened) = Search::open(store.clone(), config, |_, _| {})
        .await
        .unwrap();
    let Opened::Existing { seq } = opened else {
        panic!("the index was rebuilt: {opened:?}");
    };
    assert!(seq < store.last_change_seq().await.unwrap());
    search.catch_up().await.unwrap();
    assert_eq!(with_kudos(&search).await, vec![a, b]);
}

/// With a follower that would look only once a minute, a work written through the store
/// (not through a service that wakes this node's follower) is findable at once on
/// PostgreSQL, which announces the commit (LISTEN/NOTIFY), as it would to every node.
/// SQLite announces nothing: the follower waits for its interval or a wake on this node.
async fn a_commit_wakes_the_follower_on_postgres(store: Store) {
    let config = SearchConfig {
        follow_interval: Duration::from_secs(60),
        ..SearchConfig::in_memory()
    };
    let (search, _) = Search::open(store.clone(), config, |_, _| {})
        .await
        .unwrap();
    let follower = search.spawn_follower();
    // The follower's first look, and its LISTEN, happen as it starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id = store
        .insert_work(&work("Ephemeris", "Tables of the moon."))
        .await
        .unwrap();
    match store.backend() {
        ajar_store::Backend::Postgres => assert!(
            found_within(&search, "ephemeris", id, Duration::from_secs(2)).await,
            "the follower was not woken by the commit"
        ),
        ajar_store::Backend::Sqlite => {
            assert!(!found_within(&search, "ephemeris", id, Duration::from_millis(500)).await);
            search.notify_changed();
            assert!(found_within(&search, "ephemeris", id, Duration::from_secs(2)).await);
        }
    }
    follower.abort();
}

/// The tag id of a name of a kind in the store.
async fn tag(store: &Store, kind: TagKind, name: &str) -> i64 {
    store.tag_id(kind, name).await.unwrap().unwrap().0
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(id: i64) -> ajar_core::TagId {
    ajar_core::TagId(id)
}

async fn filters_and_facets_agree_with_sql(store: Store) {
    corpus(&store, 600).await;
    let search = open(&store).await;
    let generator = CorpusGenerator::new(600, 11);
    let fandom = tag(
        &store,
        TagKind::Fandom,
        generator.fandom_names().next().unwrap(),
    )
    .await;
    let fluff = tag(&store, TagKind::Freeform, "Fluff").await;
    let angst = tag(&store, TagKind::Freeform, "Angst").await;
    let none_apply = tag(&store, TagKind::Warning, "No Archive Warnings Apply").await;
    let cases: Vec<(SearchRequest, SqlWorkFilter)> = vec![
        (SearchRequest::default(), SqlWorkFilter::default()),
        (
            SearchRequest {
                include_tag_ids: vec![t(fandom), t(fluff)],
                exclude_tag_ids: vec![t(angst)],
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                include_tags: vec![t(fandom), t(fluff)],
                exclude_tags: vec![t(angst)],
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                ratings: vec![Rating::Explicit, Rating::Mature],
                complete: Some(true),
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                ratings: vec!["explicit".into(), "mature".into()],
                complete: Some(true),
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                crossover: Some(true),
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                crossover: Some(true),
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                crossover: Some(false),
                complete: Some(false),
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                crossover: Some(false),
                complete: Some(false),
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                words_from: Some(2000),
                words_to: Some(20000),
                language: Some("en".into()),
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                words_min: Some(2000),
                words_max: Some(20000),
                language: Some("en".into()),
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                updated_from: Some(date("2015-01-01")),
                updated_to: Some(date("2019-12-31")),
                exclude_tag_ids: vec![t(none_apply)],
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                updated_from: Some(date("2015-01-01")),
                updated_to: Some(date("2019-12-31")),
                exclude_tags: vec![t(none_apply)],
                ..SqlWorkFilter::default()
            },
        ),
    ];
    for (request, mut filter) in cases {
        let found = search.search(&request).await.unwrap();
        filter.facets = true;
        filter.limit = 20;
        let sql = store.filter_works_sql(&filter).await.unwrap();
        assert_eq!(found.total, sql.total, "{request:?}");
        assert!(found.total > 0, "{request:?} matches nothing: a weak test");
        let sql_counts: HashMap<i64, u64> = sql.facets.iter().map(|(id, n)| (id.0, *n)).collect();
        let mut shown = 0;
        for group in &found.facets {
            for f in &group.tags {
                assert_eq!(
                    Some(&f.count),
                    sql_counts.get(&f.id.0),
                    "{} in {request:?}",
                    f.name
                );
                shown += 1;
            }
        }
        assert!(shown > 0);
        assert_eq!(found.hits.len(), sql.ids.len());
    }
}

async fn sorts_order_by_their_field(store: Store) {
    corpus(&store, 300).await;
    let search = open(&store).await;
    for (sort, sql_sort) in [
        (Sort::Kudos, SqlSort::Kudos),
        (Sort::Hits, SqlSort::Hits),
        (Sort::Bookmarks, SqlSort::Bookmarks),
        (Sort::Comments, SqlSort::Comments),
        (Sort::Words, SqlSort::Words),
        (Sort::Updated, SqlSort::Updated),
        (Sort::Published, SqlSort::Published),
    ] {
        let request = SearchRequest {
            sort: Some(sort),
            per_page: 30,
            page: 2,
            ..SearchRequest::default()
        };
        let found = search.search(&request).await.unwrap();
        let sql = store
            .filter_works_sql(&SqlWorkFilter {
                sort: sql_sort,
                limit: 30,
                offset: 30,
                ..SqlWorkFilter::default()
            })
            .await
            .unwrap();
        let ours = sort_values(
            sort,
            store
                .works_by_ids(Audience::Members, &ids(&found))
                .await
                .unwrap(),
        );
        let theirs = sort_values(
            sort,
            store
                .works_by_ids(Audience::Members, &sql.ids)
                .await
                .unwrap(),
        );
        if sort != Sort::Published {
            // The sorted values agree position by position, whatever ties did.
            assert_eq!(ours, theirs, "{sort:?}");
        }
        assert_eq!(found.hits.len(), 30);
    }
    // Title and creator sorts are alphabetical.
    for sort in [Sort::Title, Sort::Creator] {
        let found = search
            .search(&SearchRequest {
                sort: Some(sort),
                per_page: 50,
                ..SearchRequest::default()
            })
            .await
            .unwrap();
        let blurbs = store
            .works_by_ids(Audience::Members, &ids(&found))
            .await
            .unwrap();
        let keys: Vec<String> = blurbs
            .iter()
            .map(|b| match sort {
                Sort::Title => b.title.to_lowercase(),
                _ => b.creators[0].to_lowercase(),
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if sort == Sort::Title {
            // Leading articles and punctuation are skipped ("The Sea" sorts under S).
            let key = |t: &str| {
                let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
                ["the ", "a ", "an "]
                    .iter()
                    .find_map(|a| t.strip_prefix(a))
                    .unwrap_or(t)
                    .to_owned()
            };
            let keys: Vec<String> = keys.iter().map(|k| key(k)).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted);
        } else {
            assert_eq!(keys, sorted);
        }
        assert_eq!(keys.len(), 50);
    }
}

fn sort_values(sort: Sort, blurbs: Vec<ajar_store::WorkBlurb>) -> Vec<String> {
    blurbs
        .into_iter()
        .map(|b| match sort {
            Sort::Kudos => b.stats.kudos.to_string(),
            Sort::Hits => b.stats.hits.to_string(),
            Sort::Bookmarks => b.stats.bookmarks.to_string(),
            Sort::Comments => b.stats.comments.to_string(),
            Sort::Words => b.stats.words.to_string(),
            Sort::Updated => format!("{:?}", b.updated),
            _ => String::new(),
        })
        .collect()
}

async fn the_query_language_finds_what_it_says(store: Store) {
    let mut a = work("The Long Road Home", "They walked.");
    a.tags
        .push(TagName::parse("Major Character Death").unwrap());
    a.characters = vec![TagName::parse("Rory Gilmore").unwrap()];
    a.complete = Some(false);
    let a = store.insert_work(&a).await.unwrap();
    let mut b = work("Coffee at Luke's", "Luke poured coffee.");
    b.creators = vec!["Sookie".into()];
    b.complete = Some(true);
    b.fandoms.push(TagName::parse("Veronica Mars").unwrap());
    let b = store.insert_work(&b).await.unwrap();
    let mut c = work("Snow", "It snowed in Stars Hollow.");
    c.rating = Rating::Explicit;
    let c = store.insert_work(&c).await.unwrap();
    let search = open(&store).await;
    let cases: Vec<(&str, Vec<WorkId>)> = vec![
        ("road", vec![a]),
        ("\"long road\"", vec![a]),
        ("\"road long\"", vec![]),
        ("title:snow", vec![c]),
        ("creator:sookie", vec![b]),
        ("-tag:\"Major Character Death\"", vec![b, c]),
        ("character:rory", vec![a]),
        ("snow OR road", vec![a, c]),
        ("rating:explicit", vec![c]),
        ("rating:teen -snow", vec![a, b]),
        ("crossover:yes", vec![b]),
        // `c` does not say whether it is finished: it is in neither list.
        ("complete:yes", vec![b]),
        ("complete:no", vec![a]),
        ("fandom:\"veronica mars\"", vec![b]),
        ("(snow OR coffee) -crossover:yes", vec![a, c]),
        ("text:poured", vec![b]),
        ("words<10", vec![a, b, c]),
        ("words>100", vec![]),
    ];
    for (query, mut expected) in cases {
        expected.sort();
        // Best match scores with Tantivy; the other orders work the query out as sets.
        for sort in [None, Some(Sort::Kudos), Some(Sort::Title)] {
            let found = search
                .search(&SearchRequest {
                    query: query.into(),
                    sort,
                    ..SearchRequest::default()
                })
                .await
                .unwrap_or_else(|e| panic!("{query}: {e}"));
            let mut got = ids(&found);
            got.sort();
            assert_eq!(got, expected, "{query} ({sort:?})");
            assert_eq!(found.total, expected.len() as u64, "{query} ({sort:?})");
        }
    }
    let bad = search
        .search(&SearchRequest {
            query: "kudos:lots".into(),
            ..SearchRequest::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(bad, ajar_search::SearchError::Query(_)), "{bad}");
}

async fn text_search_finds_a_phrase_with_a_snippet(store: Store) {
    let id = store
        .insert_work(&work(
            "Gnostic",
            "It was late. \"There is no sunset here,\" she said, and went inside.",
        ))
        .await
        .unwrap();
    store
        .insert_work(&work("Other", "There is a sunset. No, there is none."))
        .await
        .unwrap();
    let search = open(&store).await;
    let found = search
        .search(&SearchRequest {
            text: "there is no sunset".into(),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&found), vec![id]);
    assert_eq!(found.total, 1);
    let snippet = found.hits[0].snippet.clone().unwrap();
    assert!(snippet.contains("<b>sunset</b>"), "{snippet}");
}

/// Readers remember lines, not titles: bare words in the search box look in the text of
/// works too, below works that name them, the line as typed before the same words scattered.
async fn the_search_box_finds_a_remembered_line(store: Store) {
    let line = store
        .insert_work(&work(
            "Gnostic",
            "It was late. \"There is no sunset here,\" she said, and went inside.",
        ))
        .await
        .unwrap();
    let scattered = store
        .insert_work(&work(
            "Other",
            "There is a sunset. No, there is none. There is no other sunset.",
        ))
        .await
        .unwrap();
    let titled = store
        .insert_work(&work("Sunset Road", "They drove all night."))
        .await
        .unwrap();
    let on_the_road = store
        .insert_work(&work(
            "Elsewhere",
            "The sunset road ran on. The sunset road ran on and on, sunset road, road.",
        ))
        .await
        .unwrap();
    let search = open(&store).await;
    let find = |query: &str, sort: Option<Sort>| {
        let search = search.clone();
        let request = SearchRequest {
            query: query.into(),
            sort,
            ..SearchRequest::default()
        };
        async move { search.search(&request).await.unwrap() }
    };

    let found = find("there is no sunset", None).await;
    assert_eq!(ids(&found), vec![line, scattered]);
    let snippet = found.hits[0].snippet.clone().unwrap();
    assert!(
        snippet.contains("<b>no</b> <b>sunset</b> here"),
        "{snippet}"
    );
    // In any other order the words are the same set of works.
    let mut by_kudos = ids(&find("there is no sunset", Some(Sort::Kudos)).await);
    by_kudos.sort();
    assert_eq!(by_kudos, vec![line, scattered]);
    // A quoted line is the line only.
    assert_eq!(ids(&find("\"there is no sunset\"", None).await), vec![line]);

    // The title that names the words ranks above the text that holds them, however often.
    let found = find("sunset road", None).await;
    assert_eq!(ids(&found), vec![titled, on_the_road]);
    assert_eq!(
        found.hits[0].snippet, None,
        "the title matched, not the text"
    );
    assert!(found.hits[1]
        .snippet
        .as_deref()
        .is_some_and(|s| s.contains("<b>sunset</b> <b>road</b>")));

    // `text:` still looks in the text alone.
    assert_eq!(
        ids(&find("text:\"sunset road\"", None).await),
        vec![on_the_road]
    );
    // And a word the text lacks leaves the work out.
    assert!(ids(&find("there is no sunset -inside", None).await) == vec![scattered]);
}

async fn muted_creators_and_tags_are_left_out_of_counts(store: Store) {
    store.insert_work(&work("One", "a")).await.unwrap();
    let mut two = work("Two", "b");
    two.creators = vec!["Muted Person".into()];
    two.tags.push(TagName::parse("Spiders").unwrap());
    store.insert_work(&two).await.unwrap();
    let mut three = work("Three", "c");
    three.tags.push(TagName::parse("Spiders").unwrap());
    store.insert_work(&three).await.unwrap();
    let search = open(&store).await;
    let found = search
        .search(&SearchRequest {
            exclude_creators: vec!["muted  person".into()],
            exclude_tags: vec!["spiders".into()],
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    let coffee = found
        .facets
        .iter()
        .find(|g| g.kind == TagKind::Freeform)
        .unwrap();
    assert_eq!(coffee.tags.len(), 1, "{coffee:?}");
    assert_eq!(
        (coffee.tags[0].name.as_str(), coffee.tags[0].count),
        ("Coffee", 1)
    );
}

/// A missing, damaged or outdated index folder is rebuilt on open (SQLite only: the index
/// is the same whatever the store).
#[test]
fn a_missing_or_damaged_index_is_rebuilt_on_open() {
    ajar_store::testing::run_blocking(ajar_store::Backend::Sqlite, |store| async move {
        store.insert_work(&work("Kept", "text")).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let config = SearchConfig::in_dir(&path);
        let open = || async {
            let (search, opened) = Search::open(store.clone(), config.clone(), |_, _| {})
                .await
                .unwrap();
            let found = search.search(&SearchRequest::default()).await.unwrap();
            assert_eq!(found.total, 1);
            opened
        };
        assert!(matches!(open().await, Opened::Rebuilt { .. }), "missing");
        assert!(matches!(open().await, Opened::Existing { .. }), "sound");

        // A second server given the same folder is refused before it touches the index.
        let (held, _) = Search::open(store.clone(), config.clone(), |_, _| {})
            .await
            .unwrap();
        let second = Search::open(store.clone(), config.clone(), |_, _| {}).await;
        assert!(
            matches!(second, Err(ajar_search::SearchError::Busy(_))),
            "{:?}",
            second.err()
        );
        let found = held.search(&SearchRequest::default()).await.unwrap();
        assert_eq!(found.total, 1, "the first server keeps its index");
        drop(held);
        assert!(matches!(open().await, Opened::Existing { .. }), "released");

        // A file of a segment gone (a server killed while another removed it).
        for entry in std::fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "term") {
                std::fs::remove_file(&p).unwrap();
            }
        }
        assert!(
            matches!(open().await, Opened::Rebuilt { .. }),
            "missing segment file"
        );
        std::fs::write(path.join("meta.json"), b"{ not json").unwrap();
        assert!(
            matches!(open().await, Opened::Rebuilt { .. }),
            "damaged meta"
        );
        for entry in std::fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "fast") {
                std::fs::write(&p, b"garbage").unwrap();
            }
        }
        assert!(
            matches!(open().await, Opened::Rebuilt { .. }),
            "damaged segment"
        );
        let meta = std::fs::read_to_string(path.join("meta.json")).unwrap();
        let older = meta.replace(
            &format!("\\\"schema_version\\\":{}", ajar_search::SCHEMA_VERSION),
            "\\\"schema_version\\\":0",
        );
        assert_ne!(meta, older, "the payload is in meta.json");
        std::fs::write(path.join("meta.json"), older).unwrap();
        assert!(
            matches!(open().await, Opened::Rebuilt { .. }),
            "old version"
        );
    });
}

/// Sets a work's visibility and hidden flag behind the store's back and records the change
/// in the feed, as the store's own update would.
async fn set_visibility(store: &Store, id: WorkId, visibility: &str, hidden: bool) {
    let hidden = if hidden { "TRUE" } else { "FALSE" };
    ajar_store::testing::execute_sql(
        store,
        &format!(
            "UPDATE works SET visibility = '{visibility}', hidden = {hidden} WHERE id = {id}; \
             INSERT INTO changes (entity, entity_id, op, at) \
             VALUES ('work', {id}, 'update', '2026-01-01T00:00:00+00:00');",
            id = id.0
        ),
    )
    .await
    .unwrap();
}

/// Tag counts shown in `found`, by tag id.
fn shown_counts(found: &ajar_search::SearchResults) -> HashMap<i64, u64> {
    found
        .facets
        .iter()
        .flat_map(|g| g.tags.iter().map(|f| (f.id.0, f.count)))
        .collect()
}

/// Every count shown agrees with SQL's count for the same filter, and the totals agree.
async fn assert_agrees_with_sql(
    store: &Store,
    found: &ajar_search::SearchResults,
    mut filter: SqlWorkFilter,
    what: &str,
) {
    filter.facets = true;
    filter.limit = 100;
    let sql = store.filter_works_sql(&filter).await.unwrap();
    assert_eq!(found.total, sql.total, "{what}: totals");
    let sql_counts: HashMap<i64, u64> = sql.facets.iter().map(|(id, n)| (id.0, *n)).collect();
    for (id, n) in shown_counts(found) {
        assert_eq!(Some(&n), sql_counts.get(&id), "{what}: tag {id}");
    }
    let mut ours = ids(found);
    let mut theirs = sql.ids.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "{what}: works");
}

async fn drafts_hidden_and_restricted_works_follow_the_visibility_rules(store: Store) {
    let open_work = store.insert_work(&work("Open", "a")).await.unwrap();
    let members = store.insert_work(&work("Members", "b")).await.unwrap();
    let mut draft = work("Draft", "c");
    draft.tags.push(TagName::parse("Drafty").unwrap());
    let draft = store.insert_work(&draft).await.unwrap();
    let hidden = store.insert_work(&work("Hidden", "d")).await.unwrap();
    set_visibility(&store, members, "restricted", false).await;
    set_visibility(&store, draft, "draft", false).await;
    set_visibility(&store, hidden, "public", true).await;
    let search = open(&store).await;
    let coffee = tag(&store, TagKind::Freeform, "Coffee").await;
    let drafty = tag(&store, TagKind::Freeform, "Drafty").await;
    let find = |query: &str, include_restricted: bool| SearchRequest {
        query: query.into(),
        include_restricted,
        ..SearchRequest::default()
    };

    // Guests see the public work only; logged-in readers the restricted one too.
    let guest = search.search(&find("", false)).await.unwrap();
    assert_eq!(ids(&guest), vec![open_work]);
    assert_eq!(shown_counts(&guest).get(&coffee), Some(&1));
    assert_agrees_with_sql(&store, &guest, SqlWorkFilter::default(), "guest").await;
    let member = search.search(&find("", true)).await.unwrap();
    let mut got = ids(&member);
    got.sort();
    assert_eq!(got, vec![open_work, members]);
    assert_eq!(shown_counts(&member).get(&coffee), Some(&2));
    assert_eq!(shown_counts(&member).get(&drafty), None, "a draft's tag");
    assert_agrees_with_sql(
        &store,
        &member,
        SqlWorkFilter {
            include_restricted: true,
            ..SqlWorkFilter::default()
        },
        "member",
    )
    .await;
    // Not by title, not by any other road.
    for (query, id) in [("title:members", members), ("title:draft", draft)] {
        assert!(!ids(&search.search(&find(query, false)).await.unwrap()).contains(&id));
    }
    for (query, id) in [("title:draft", draft), ("title:hidden", hidden)] {
        assert!(!ids(&search.search(&find(query, true)).await.unwrap()).contains(&id));
    }
    assert_eq!(
        search.num_docs(),
        2,
        "drafts and hidden works are not indexed"
    );

    // The follower takes a work out when it is hidden or made a draft, and puts it in when
    // it is posted or unhidden.
    set_visibility(&store, open_work, "public", true).await;
    set_visibility(&store, members, "draft", false).await;
    set_visibility(&store, hidden, "restricted", false).await;
    set_visibility(&store, draft, "public", false).await;
    search.catch_up().await.unwrap();
    let guest = search.search(&find("", false)).await.unwrap();
    assert_eq!(ids(&guest), vec![draft]);
    assert_eq!(shown_counts(&guest).get(&drafty), Some(&1));
    assert_agrees_with_sql(&store, &guest, SqlWorkFilter::default(), "guest after").await;
    let member = search.search(&find("", true)).await.unwrap();
    let mut got = ids(&member);
    got.sort();
    assert_eq!(got, vec![draft, hidden]);
    assert_eq!(shown_counts(&member).get(&coffee), Some(&2));
    assert_agrees_with_sql(
        &store,
        &member,
        SqlWorkFilter {
            include_restricted: true,
            ..SqlWorkFilter::default()
        },
        "member after",
    )
    .await;
    assert_eq!(search.num_docs(), 2);
}

async fn creator_filters_by_pseud_id_agree_with_sql(store: Store) {
    let by = |title: &str, creators: &[&str], extra: &str| {
        let mut w = work(title, "text");
        w.creators = creators.iter().map(|c| (*c).to_owned()).collect();
        w.tags.push(TagName::parse(extra).unwrap());
        w
    };
    let a = store
        .insert_work(&by("A", &["Lorelai"], "Dancing"))
        .await
        .unwrap();
    let b = store
        .insert_work(&by("B", &["Luke"], "Diner"))
        .await
        .unwrap();
    let c = store
        .insert_work(&by("C", &["Lorelai", "Luke"], "Diner"))
        .await
        .unwrap();
    let d = store
        .insert_work(&by("D", &["Sookie"], "Cooking"))
        .await
        .unwrap();
    let search = open(&store).await;
    let pseud = |name: &'static str| {
        let store = store.clone();
        async move { store.pseud_by_name(name).await.unwrap().unwrap().id.0 }
    };
    let (lorelai, luke, sookie) = (
        pseud("Lorelai").await,
        pseud("Luke").await,
        pseud("Sookie").await,
    );
    let cases: Vec<(Vec<i64>, Vec<i64>, Vec<WorkId>)> = vec![
        (vec![lorelai], vec![], vec![a, c]),
        (vec![luke, sookie], vec![], vec![b, c, d]),
        (vec![], vec![luke], vec![a, d]),
        (vec![lorelai], vec![luke], vec![a]),
        (vec![], vec![lorelai, luke, sookie], vec![]),
    ];
    for (include, exclude, expected) in cases {
        let request = SearchRequest {
            include_creator_ids: include.clone(),
            exclude_creator_ids: exclude.clone(),
            ..SearchRequest::default()
        };
        let found = search.search(&request).await.unwrap();
        let mut got = ids(&found);
        got.sort();
        assert_eq!(got, expected, "{include:?} − {exclude:?}");
        assert_agrees_with_sql(
            &store,
            &found,
            SqlWorkFilter {
                include_creators: include.clone(),
                exclude_creators: exclude.clone(),
                ..SqlWorkFilter::default()
            },
            &format!("{include:?} − {exclude:?}"),
        )
        .await;
    }
    // The tag counts follow the filter: Diner is on B and C, Luke's works.
    let diner = tag(&store, TagKind::Freeform, "Diner").await;
    let found = search
        .search(&SearchRequest {
            include_creator_ids: vec![luke],
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(shown_counts(&found).get(&diner), Some(&2));
    let found = search
        .search(&SearchRequest {
            exclude_creator_ids: vec![lorelai],
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(shown_counts(&found).get(&diner), Some(&1));
    // Muting by name still works, alongside muting by id.
    let found = search
        .search(&SearchRequest {
            exclude_creators: vec!["sookie".into()],
            exclude_creator_ids: vec![lorelai],
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&found), vec![b]);
}

/// Counts are computed differently for searches matching every work, most works, or few,
/// and pages are picked differently for broad and narrow searches: after the follower has
/// added segments and deleted documents, every tag's count and every page still agree with
/// SQL.
async fn every_count_stays_exact_across_segments_and_deletions(store: Store) {
    corpus(&store, 600).await;
    let search = open(&store).await;
    let generator = CorpusGenerator::new(600, 11);
    let fandom = tag(
        &store,
        TagKind::Fandom,
        generator.fandom_names().next().unwrap(),
    )
    .await;
    let angst = tag(&store, TagKind::Freeform, "Angst").await;
    // A tag on a handful of works: fewer matches than a segment has bitset words, which
    // counts the common tags work by work instead of by population count.
    let all = store
        .filter_works_sql(&SqlWorkFilter {
            facets: true,
            ..SqlWorkFilter::default()
        })
        .await
        .unwrap();
    let rare = all
        .facets
        .iter()
        .find(|(_, n)| (2..=5).contains(n))
        .map(|(id, _)| *id)
        .expect("a tag on a few works");
    // One of its works is hidden below: what its search kept (its matches' tags listed,
    // not a slot for every tag of the segment) must lose that work's tags.
    let rare_work = store
        .filter_works_sql(&SqlWorkFilter {
            include_tags: vec![rare],
            limit: 1,
            ..SqlWorkFilter::default()
        })
        .await
        .unwrap()
        .ids[0];
    let cases: Vec<(SearchRequest, SqlWorkFilter)> = vec![
        (SearchRequest::default(), SqlWorkFilter::default()),
        (
            SearchRequest {
                include_tag_ids: vec![rare],
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                include_tags: vec![rare],
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                exclude_tag_ids: vec![t(angst)],
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                exclude_tags: vec![t(angst)],
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                include_tag_ids: vec![t(fandom)],
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                include_tags: vec![t(fandom)],
                ..SqlWorkFilter::default()
            },
        ),
        (
            SearchRequest {
                complete: Some(true),
                ..SearchRequest::default()
            },
            SqlWorkFilter {
                complete: Some(true),
                ..SqlWorkFilter::default()
            },
        ),
    ];
    // Each search once before the deletions, so that what it matched is kept per segment:
    // after them, the kept matches less the deleted works must still be exact.
    check_cases(&search, &store, &cases).await;
    for id in 1..=60 {
        let (visibility, hidden) = match id % 3 {
            0 => ("restricted", false),
            1 => ("draft", false),
            _ => ("public", true),
        };
        set_visibility(&store, WorkId(id * 7), visibility, hidden).await;
        if id % 20 == 0 {
            search.catch_up().await.unwrap();
        }
    }
    set_visibility(&store, rare_work, "public", true).await;
    // Some come back, so that the newest segments hold re-added works.
    for id in 1..=10 {
        set_visibility(&store, WorkId(id * 7), "public", false).await;
    }
    search.catch_up().await.unwrap();
    check_cases(&search, &store, &cases).await;
    // Alphabetical pages are merged across segments by the text itself: pages in a row
    // follow on from each other, with no work twice.
    for sort in [Sort::Title, Sort::Creator] {
        let mut seen = Vec::new();
        for page in 1..=4 {
            let found = search
                .search(&SearchRequest {
                    sort: Some(sort),
                    per_page: 40,
                    page,
                    ..SearchRequest::default()
                })
                .await
                .unwrap();
            assert_eq!(found.hits.len(), 40, "{sort:?} page {page}");
            seen.extend(ids(&found));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: a work on two pages");
        let blurbs = store.works_by_ids(Audience::Members, &seen).await.unwrap();
        let by_id: HashMap<WorkId, &ajar_store::WorkBlurb> =
            blurbs.iter().map(|b| (b.id, b)).collect();
        let keys: Vec<String> = seen
            .iter()
            .map(|id| match sort {
                Sort::Title => by_id[id].title.to_lowercase(),
                _ => by_id[id].creators[0].to_lowercase(),
            })
            .map(|k| {
                ["the ", "a ", "an "]
                    .iter()
                    .find_map(|a| k.strip_prefix(a))
                    .unwrap_or(&k)
                    .to_owned()
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{sort:?}");
    }
}

/// Each case, for guests and members, on two pages, against SQL: total, every tag's count,
/// and the page's order.
async fn check_cases(search: &Search, store: &Store, cases: &[(SearchRequest, SqlWorkFilter)]) {
    for (request, filter) in cases {
        for include_restricted in [false, true] {
            for page in [1, 3] {
                let request = SearchRequest {
                    include_restricted,
                    sort: Some(Sort::Kudos),
                    per_page: 25,
                    page,
                    facet_limit: usize::MAX,
                    ..request.clone()
                };
                let found = search.search(&request).await.unwrap();
                let filter = SqlWorkFilter {
                    include_restricted,
                    sort: SqlSort::Kudos,
                    limit: 25,
                    offset: (page - 1) * 25,
                    facets: true,
                    ..filter.clone()
                };
                let sql = store.filter_works_sql(&filter).await.unwrap();
                let what = format!("{request:?}");
                assert_eq!(found.total, sql.total, "{what}");
                let sql_counts: HashMap<i64, u64> =
                    sql.facets.iter().map(|(id, n)| (id.0, *n)).collect();
                assert_eq!(shown_counts(&found), sql_counts, "{what}");
                let ours = sort_values(
                    Sort::Kudos,
                    store
                        .works_by_ids(Audience::Members, &ids(&found))
                        .await
                        .unwrap(),
                );
                let theirs = sort_values(
                    Sort::Kudos,
                    store
                        .works_by_ids(Audience::Members, &sql.ids)
                        .await
                        .unwrap(),
                );
                assert_eq!(ours, theirs, "{what}");
                assert_eq!(found.hits.len(), sql.ids.len(), "{what}");
            }
        }
    }
}
