//! Generated readers and series (`ajar gen-corpus --readers`), on both backends: what they
//! store is what the archive's own reads find.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, TagName, Work, WorkId};
use ajar_store::testing::{run_blocking, series_parts, table_row_counts};
use ajar_store::{Audience, Backend, CorpusReader, Store};

fn work(n: usize, creator: &str) -> Work {
    let mut work = Work {
        title: format!("Work {n}"),
        creators: vec![creator.into()],
        fandoms: vec![TagName::parse(if n.is_multiple_of(2) {
            "Even Saga"
        } else {
            "Odd Chronicles"
        })
        .unwrap()],
        chapters: vec![Chapter {
            body: Html::sanitize(&format!("<p>Text {n}.</p>")),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn readers_and_series_are_what_the_archive_reads(store: Store) {
    // Ann writes four works, Bob one.
    let mut ids = Vec::new();
    for n in 0..5 {
        let creator = if n < 4 { "Ann" } else { "Bob" };
        ids.push(store.insert_work(&work(n, creator)).await.unwrap());
    }
    assert_eq!(store.write_corpus_series(3, 3).await.unwrap(), 1);
    // A second pass finds no works outside a series with enough siblings.
    assert_eq!(store.write_corpus_series(3, 3).await.unwrap(), 0);
    assert_eq!(
        series_parts(&store, ids[2]).await,
        vec![("The Ann Cycle".to_owned(), 3)]
    );
    assert!(
        series_parts(&store, ids[3]).await.is_empty(),
        "at most 3 parts"
    );

    let readers: Vec<CorpusReader> = (0..300)
        .map(|n| CorpusReader {
            name: format!("reader_{n}"),
            // Twice the same work: one kudos, not an error.
            kudos: vec![ids[n % 5], ids[n % 5], ids[(n + 1) % 5]],
            bookmarks: vec![(ids[0], "to reread".into())],
            comments: vec![(ids[1], "<p>Lovely.</p>".into())],
            subscribed_works: vec![ids[2]],
            subscribed_creators_of: vec![ids[4]],
            subscribed_fandoms_of: vec![ids[1], ids[3]],
            history: vec![ids[3]],
        })
        .collect();
    store.write_corpus_readers(&readers[..200]).await.unwrap();
    store.write_corpus_readers(&readers[200..]).await.unwrap();
    let counts: std::collections::BTreeMap<_, _> =
        table_row_counts(&store).await.into_iter().collect();
    assert_eq!(counts["users"], 300);
    assert_eq!(counts["kudos"], 600);
    assert_eq!(counts["bookmarks"], 300);
    assert_eq!(counts["comments"], 300);
    // A work, Bob, and one fandom (works 1 and 3 are both odd).
    assert_eq!(counts["subscriptions"], 900);
    assert_eq!(counts["readings"], 300);
    // What a work page says of its kudos is what was left: 120 readers each, over both
    // batches; a guest's after them counts on.
    for id in &ids {
        let summary = store.kudos_summary(*id, 3).await.unwrap();
        assert_eq!((summary.user_count, summary.guest_count), (120, 0));
        assert_eq!(summary.users.len(), 3);
    }
    let guest = ajar_store::Kudoser::Guest {
        cookie: "a-guest",
        address: None,
    };
    store.leave_kudos(ids[0], guest).await.unwrap();
    let summary = store.kudos_summary(ids[0], 3).await.unwrap();
    assert_eq!((summary.user_count, summary.guest_count), (120, 1));

    let user = store.user_by_name("reader_250").await.unwrap().unwrap();
    let subscriptions = store
        .subscriptions(user.id, Audience::Public)
        .await
        .unwrap();
    let mut names: Vec<String> = subscriptions
        .iter()
        .filter_map(|s| s.label.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Bob", "Odd Chronicles", "Work 2"]);
    let (bookmarks, total) = store
        .user_bookmarks(user.id, Audience::Public, false, 20, 0)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(bookmarks[0].1.id, ids[0]);
    // New accounts after generated ones get fresh ids (PostgreSQL's sequence moved on).
    let later = store.insert_work(&work(9, "Cid")).await.unwrap();
    assert!(later > WorkId(5));
}

#[test]
fn readers_and_series_on_sqlite() {
    run_blocking(
        Backend::Sqlite,
        readers_and_series_are_what_the_archive_reads,
    );
}

#[test]
fn readers_and_series_on_postgres() {
    run_blocking(
        Backend::Postgres,
        readers_and_series_are_what_the_archive_reads,
    );
}
