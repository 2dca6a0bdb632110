//! Read replicas against a real PostgreSQL streaming replica (`.ci/start-postgres-replica.sh`):
//! page reads go to the replica, a writer reads their own write wherever it is, and a
//! replica held behind is left out once it is further behind than allowed.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagName, Work, WorkId};
use ajar_store::testing::{replica_url_of, TestStore};
use ajar_store::{reading_after, ReadAfter, Store, StoreOptions};
use std::time::{Duration, Instant};

fn work(title: &str) -> Work {
    Work {
        title: title.to_owned(),
        creators: vec!["Emily".to_owned()],
        fandoms: vec![TagName::parse("Gilmore Girls").unwrap()],
        rating: Rating::GeneralAudiences,
        chapters: vec![Chapter {
            position: 1,
            body: Html::from_plain_text("Friday night dinner."),
            ..Chapter::default()
        }],
        ..Work::default()
    }
}

async fn open(url: &str, replica: &str, max_lag: Duration) -> Store {
    let options = StoreOptions {
        replica_urls: vec![replica.to_owned()],
        max_replica_lag: Some(max_lag),
        ..StoreOptions::default()
    };
    Store::connect_with(url, &options).await.unwrap()
}

/// Waits up to ten seconds for `check` to hold.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Pauses (or resumes) the replica's replay: it stays up and answers, but shows the past.
async fn replay(replica_admin: &str, paused: bool) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(replica_admin).await.unwrap();
    let sql = if paused {
        "SELECT pg_wal_replay_pause()::text"
    } else {
        "SELECT pg_wal_replay_resume()::text"
    };
    let _: (String,) = sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

async fn has(store: &Store, id: WorkId) -> bool {
    store.work(id).await.unwrap().is_some()
}

#[tokio::test]
async fn page_reads_go_to_a_replica_in_step_and_a_writer_reads_their_write() {
    let Some(db) = TestStore::postgres().await else {
        return;
    };
    let url = db.database_url().unwrap().to_owned();
    let Some(replica) = replica_url_of(&url) else {
        db.cleanup().await;
        return;
    };
    let replica_admin = std::env::var(ajar_store::testing::REPLICA_URL_VAR).unwrap();
    let store = open(&url, &replica, Duration::from_secs(60)).await;
    assert!(store.has_replicas());
    eventually("the replica never came in step", || async {
        store.replicas_in_step() == (1, 1)
    })
    .await;
    let seen = store.insert_work(&work("Seen Everywhere")).await.unwrap();
    eventually("the replica never showed the work", || has(&store, seen)).await;

    // Held behind (within the minute allowed): page reads show the past there...
    replay(&replica_admin, true).await;
    let written = store
        .insert_work(&work("Written While Paused"))
        .await
        .unwrap();
    let position = store.write_position().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(store.replicas_in_step(), (1, 1));
    assert!(
        !has(&store, written).await,
        "a page read went to the primary"
    );
    assert!(has(&store, seen).await);
    // ...but the writer, reading after their write, and any write request, see it.
    assert!(reading_after(ReadAfter::Position(position), has(&store, written)).await);
    assert!(reading_after(ReadAfter::Primary, has(&store, written)).await);

    // Further behind than allowed: left out, and every read goes to the primary.
    let strict = open(&url, &replica, Duration::from_millis(800)).await;
    let later = store.insert_work(&work("Written Later")).await.unwrap();
    eventually("a replica held behind stayed in step", || async {
        strict.replicas_in_step() == (0, 1)
    })
    .await;
    assert!(has(&strict, written).await && has(&strict, later).await);

    replay(&replica_admin, false).await;
    eventually("the replica did not catch up", || has(&store, later)).await;
    eventually("the caught-up replica was not taken back", || async {
        strict.replicas_in_step() == (1, 1)
    })
    .await;
    strict.close().await;
    store.close().await;
    db.cleanup().await;
}
