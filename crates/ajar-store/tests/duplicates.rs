//! Finding a work that is already stored (same title, creators and text), on both backends.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Work};
use ajar_store::testing::run;
use ajar_store::{work_fingerprint, Backend, Store};

fn work(title: &str, creator: &str, body: &str) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.into()],
        chapters: vec![Chapter {
            body: Html::sanitize(body),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn duplicates_are_found_by_title_creators_and_text(store: Store) {
    let original = work("Lanterns", "Ann", "<p>It snowed.</p><p>The end.</p>");
    let id = store.insert_work(&original).await.unwrap();
    // The same work read from another format: other markup, same words.
    let same = work(
        "Lanterns",
        "Ann",
        "<p>It <em>snowed</em>.</p>\n<p>The end.</p>",
    );
    assert_eq!(work_fingerprint(&same), work_fingerprint(&original));
    assert_eq!(store.find_duplicate(&same).await.unwrap(), Some(id));
    // Different text, creator or title: not a duplicate.
    let other_text = work("Lanterns", "Ann", "<p>It rained.</p>");
    assert_eq!(store.find_duplicate(&other_text).await.unwrap(), None);
    let other_creator = work("Lanterns", "Bob", "<p>It snowed.</p><p>The end.</p>");
    assert_eq!(store.find_duplicate(&other_creator).await.unwrap(), None);
    let other_title = work("Candles", "Ann", "<p>It snowed.</p><p>The end.</p>");
    assert_eq!(store.find_duplicate(&other_title).await.unwrap(), None);
}

#[tokio::test]
async fn duplicates_sqlite() {
    run(
        Backend::Sqlite,
        duplicates_are_found_by_title_creators_and_text,
    )
    .await;
}

#[tokio::test]
async fn duplicates_postgres() {
    run(
        Backend::Postgres,
        duplicates_are_found_by_title_creators_and_text,
    )
    .await;
}
