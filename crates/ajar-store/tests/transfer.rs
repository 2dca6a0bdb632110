//! Copying a whole archive between stores (`ajar migrate`, `backup`, `restore`): every row
//! arrives, ids and id sequences are kept, an interrupted copy goes on, and a target that
//! holds an archive is refused. Each test's source is the backend at hand; targets are fresh
//! stores of both backends.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, Html, Rating, TagName, Work};
use ajar_store::testing::{execute_sql, TestStore};
use ajar_store::{Backend, CommentAuthor, CopyOptions, CopyStage, NewComment, Store, StoreError};
use chrono::NaiveDate;

/// Runs `test` with a fresh source store on each backend (PostgreSQL when configured).
/// Not `backend_tests!`: these tests open more stores of their own, whose futures that
/// macro's spawned tasks cannot carry.
macro_rules! from_each_backend {
    ($($name:ident),+ $(,)?) => {
        mod from {
            $(
                #[tokio::test]
                async fn $name() {
                    for backend in [ajar_store::Backend::Sqlite, ajar_store::Backend::Postgres] {
                        let Some(source) = ajar_store::testing::TestStore::new(backend).await else {
                            continue;
                        };
                        super::$name(source.store().clone()).await;
                        source.cleanup().await;
                    }
                }
            )+
        }
    };
}

from_each_backend!(
    an_archive_copies_to_each_backend_and_back_unchanged,
    an_interrupted_copy_goes_on_where_it_stopped,
    a_target_holding_an_archive_is_refused_unless_replaced,
    ids_handed_out_after_a_copy_are_new,
);

fn work(title: &str, fandom: &str, extra_tag: &str) -> Work {
    let day = NaiveDate::from_ymd_opt(2011, 3, 4).unwrap();
    Work {
        title: title.to_owned(),
        creators: vec!["Lorelai".to_owned(), format!("{title} Writer")],
        fandoms: vec![TagName::parse(fandom).unwrap()],
        tags: vec![TagName::parse(extra_tag).unwrap()],
        rating: Rating::TeenAndUp,
        summary: Html::from_plain_text("Coffee. Then more coffee — “quoted”, ünïcode."),
        chapters: vec![
            Chapter {
                title: Some("One".to_owned()),
                body: Html::from_plain_text("Stars Hollow at night."),
                ..Chapter::default()
            },
            Chapter {
                body: Html::from_plain_text("The diner, the next day."),
                ..Chapter::default()
            },
        ],
        published: Some(day),
        updated: Some(day),
        complete: Some(true),
        ..Work::default()
    }
}

/// An archive with works, tags, creators, chapters, an account, threaded comments, and a tag
/// merged into one made after it (a reference forwards within its own table).
async fn fill(store: &Store, works: usize) {
    let batch: Vec<Work> = (0..works)
        .map(|i| {
            work(
                &format!("Work {i}"),
                if i % 3 == 0 {
                    "Gilmore Girls"
                } else {
                    "Veronica Mars"
                },
                &format!("Tag {}", i % 7),
            )
        })
        .collect();
    for result in store.insert_works(&batch).await.unwrap() {
        result.unwrap();
    }
    let first = store.work_ids_after(ajar_core::WorkId(0), 1).await.unwrap()[0];
    let body = Html::from_plain_text("Loved it");
    let top = store
        .add_comment(&guest_comment(first, None, "Jess", &body))
        .await
        .unwrap();
    store
        .add_comment(&guest_comment(first, Some(top), "Rory", &body))
        .await
        .unwrap();
    // The first tag made is merged into the last one made.
    execute_sql(
        store,
        "UPDATE tags SET merger_id = (SELECT MAX(id) FROM tags) \
         WHERE id = (SELECT MIN(id) FROM tags WHERE kind = 'freeform')",
    )
    .await
    .unwrap();
}

fn guest_comment<'a>(
    work: ajar_core::WorkId,
    parent: Option<ajar_core::CommentId>,
    name: &'a str,
    body: &'a Html,
) -> NewComment<'a> {
    NewComment {
        work,
        chapter: 1,
        parent,
        author: CommentAuthor::Guest { name },
        body,
        pending: false,
    }
}

async fn sums(store: &Store) -> Vec<(String, ajar_store::TableSum)> {
    store.checksums().await.unwrap()
}

fn options(label: &str) -> CopyOptions {
    CopyOptions {
        batch_rows: 7,
        source_label: label.to_owned(),
        ..CopyOptions::default()
    }
}

async fn an_archive_copies_to_each_backend_and_back_unchanged(source: Store) {
    fill(&source, 40).await;
    let before = sums(&source).await;
    assert!(before.iter().any(|(t, s)| t == "works" && s.rows == 40));

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(middle) = TestStore::new(backend).await else {
            continue;
        };
        let report = source
            .copy_into(middle.store(), &options("source"), |_| {})
            .await
            .unwrap();
        assert!(report.verified(), "{backend:?}: {:?}", report.tables);
        assert!(!report.resumed);
        assert!(report.rows_copied > 100, "{}", report.rows_copied);
        assert_eq!(sums(middle.store()).await, before, "{backend:?}");

        // And back onto a fresh SQLite file: the same rows, the same sums.
        let back = TestStore::sqlite().await;
        let report = middle
            .store()
            .copy_into(back.store(), &options("middle"), |_| {})
            .await
            .unwrap();
        assert!(report.verified());
        assert_eq!(sums(back.store()).await, before, "{backend:?} and back");

        // What readers see is the same too.
        let id = source
            .work_ids_after(ajar_core::WorkId(0), 1)
            .await
            .unwrap()[0];
        let (a, b) = (
            source.work(id).await.unwrap().unwrap(),
            back.store().work(id).await.unwrap().unwrap(),
        );
        assert_eq!(a.work.title, b.work.title);
        assert_eq!(a.work.chapters, b.work.chapters);
        assert_eq!(a.created_at, b.created_at);
        assert_eq!(
            source.work_comments(id, None).await.unwrap().len(),
            back.store().work_comments(id, None).await.unwrap().len()
        );
        back.cleanup().await;
        middle.cleanup().await;
    }
}

async fn an_interrupted_copy_goes_on_where_it_stopped(source: Store) {
    fill(&source, 60).await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(target) = TestStore::new(backend).await else {
            continue;
        };
        // Stop the copy once three batches of works are in (the first report of a table
        // comes before its first batch).
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut stop = Some(stop);
        let mut works_reports = 0;
        let first_run = options("source");
        let copy = source.copy_into(target.store(), &first_run, |p| {
            if p.stage == CopyStage::Copying && p.table == "works" {
                works_reports += 1;
                if works_reports == 4 {
                    if let Some(stop) = stop.take() {
                        let _ = stop.send(());
                    }
                }
            }
        });
        tokio::select! {
            result = copy => panic!("the copy ended before it was stopped: {result:?}"),
            _ = stopped => {}
        }
        let halfway = sums(target.store()).await;
        let works = halfway.iter().find(|(t, _)| t == "works").unwrap().1.rows;
        assert!(
            works > 0 && works < 60,
            "{works} works copied before the stop"
        );

        // Another copy from elsewhere is refused; the same one goes on.
        let err = source
            .copy_into(target.store(), &options("another"), |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let report = source
            .copy_into(target.store(), &options("source"), |_| {})
            .await
            .unwrap();
        assert!(report.resumed);
        assert!(report.verified(), "{:?}", report.tables);
        assert_eq!(sums(target.store()).await, sums(&source).await);
        target.cleanup().await;
    }
}

async fn a_target_holding_an_archive_is_refused_unless_replaced(source: Store) {
    fill(&source, 5).await;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(target) = TestStore::new(backend).await else {
            continue;
        };
        target
            .store()
            .insert_work(&work("Already here", "Doctor Who", "Tardis"))
            .await
            .unwrap();
        let held = sums(target.store()).await;
        let err = source
            .copy_into(target.store(), &options("source"), |_| {})
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("already holds an archive"),
            "{err}"
        );
        assert_eq!(sums(target.store()).await, held, "a refusal writes nothing");

        let replace = CopyOptions {
            replace: true,
            ..options("source")
        };
        let report = source
            .copy_into(target.store(), &replace, |_| {})
            .await
            .unwrap();
        assert!(report.verified());
        assert_eq!(sums(target.store()).await, sums(&source).await);
        target.cleanup().await;
    }
}

async fn ids_handed_out_after_a_copy_are_new(source: Store) {
    fill(&source, 3).await;
    // The newest work is deleted: its id was handed out, and must never be again.
    let newest = source
        .work_ids_after(ajar_core::WorkId(0), 10)
        .await
        .unwrap()[2];
    execute_sql(
        &source,
        &format!("DELETE FROM works WHERE id = {}", newest.0),
    )
    .await
    .unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(target) = TestStore::new(backend).await else {
            continue;
        };
        let report = source
            .copy_into(target.store(), &options("source"), |_| {})
            .await
            .unwrap();
        assert!(report.verified());
        let next = target
            .store()
            .insert_work(&work("After the move", "Gilmore Girls", "New"))
            .await
            .unwrap();
        assert!(next.0 > newest.0, "{backend:?}: {next:?} after {newest:?}");
        target.cleanup().await;
    }
}
