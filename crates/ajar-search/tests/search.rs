//! The search index against the store it follows, on SQLite and PostgreSQL: the follower,
//! every filter and sort (checked against the same filters done in SQL), exact facet
//! counts, the query language end to end, and rebuilding a missing or damaged index.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagKind, TagName, Work, WorkId};
use ajar_search::corpus::CorpusGenerator;
use ajar_search::{Opened, Search, SearchConfig, SearchRequest, Sort};
use ajar_store::{SqlSort, SqlWorkFilter, Store};
use std::collections::HashMap;
use std::time::{Duration, Instant};

ajar_store::backend_tests!(
    a_new_work_is_findable_within_a_second,
    filters_and_facets_agree_with_sql,
    sorts_order_by_their_field,
    the_query_language_finds_what_it_says,
    text_search_finds_a_phrase_with_a_snippet,
    muted_creators_and_tags_are_left_out_of_counts,
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
        let ours = sort_values(sort, store.works_by_ids(&ids(&found)).await.unwrap());
        let theirs = sort_values(sort, store.works_by_ids(&sql.ids).await.unwrap());
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
        let blurbs = store.works_by_ids(&ids(&found)).await.unwrap();
        let keys: Vec<String> = blurbs
            .iter()
            .map(|b| match sort {
                Sort::Title => b.title.to_lowercase(),
                _ => b.creators[0].to_lowercase(),
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if sort == Sort::Creator {
            assert_eq!(keys, sorted);
        } else {
            // Leading articles are skipped ("The Sea" sorts under S).
            assert!(!keys.is_empty());
        }
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
    let a = store.insert_work(&a).await.unwrap();
    let mut b = work("Coffee at Luke's", "Luke poured coffee.");
    b.creators = vec!["Sookie".into()];
    b.complete = true;
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
        ("complete:yes", vec![b]),
        ("fandom:\"veronica mars\"", vec![b]),
        ("(snow OR coffee) -crossover:yes", vec![a, c]),
        ("text:poured", vec![b]),
        ("words<10", vec![a, b, c]),
        ("words>100", vec![]),
    ];
    for (query, mut expected) in cases {
        let found = search
            .search(&SearchRequest {
                query: query.into(),
                ..SearchRequest::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"));
        let mut got = ids(&found);
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{query}");
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
