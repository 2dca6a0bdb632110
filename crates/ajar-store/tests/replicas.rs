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

/// One test at a time holds the replica: one of them pauses its replay.
static REPLICA: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh test database, its URL, and its URL on the replica; `None` (after printing why)
/// when PostgreSQL or the replica is not available here.
async fn database_and_replica() -> Option<(TestStore, String, String)> {
    let db = TestStore::postgres().await?;
    let url = db.database_url().unwrap().to_owned();
    let Some(replica) = replica_url_of(&url) else {
        db.cleanup().await;
        return None;
    };
    Some((db, url, replica))
}

async fn has(store: &Store, id: WorkId) -> bool {
    store.work(id).await.unwrap().is_some()
}

#[tokio::test]
async fn page_reads_go_to_a_replica_in_step_and_a_writer_reads_their_write() {
    let _replica = REPLICA.lock().await;
    let Some((db, url, replica)) = database_and_replica().await else {
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

/// A replica that goes away between two of the watcher's looks costs no read an error: the
/// read that finds it gone is made on the primary, and the replica is left out at once.
#[tokio::test]
async fn a_replica_that_goes_away_costs_no_read_an_error() {
    let _replica = REPLICA.lock().await;
    let Some((db, url, replica)) = database_and_replica().await else {
        return;
    };
    // The replica reached through a forwarder this test can cut: its listener and every
    // connection through it.
    // postgres://user:password@HOST:PORT/database
    let (_, after_at) = replica.rsplit_once('@').unwrap();
    let host_port = after_at.split('/').next().unwrap();
    let target: std::net::SocketAddr = host_port.parse().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let through = replica.replacen(host_port, &listener.local_addr().unwrap().to_string(), 1);
    let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let accepting = tokio::spawn({
        let connections = connections.clone();
        async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let copying = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(copying);
            }
        }
    });
    let store = open(&url, &through, Duration::from_secs(60)).await;
    eventually("the replica never came in step", || async {
        store.replicas_in_step() == (1, 1)
    })
    .await;
    let seen = store
        .insert_work(&work("Read Before The Cut"))
        .await
        .unwrap();
    eventually("the replica never showed the work", || has(&store, seen)).await;

    accepting.abort();
    for connection in connections.lock().unwrap().drain(..) {
        connection.abort();
    }
    for _ in 0..20 {
        assert!(has(&store, seen).await);
    }
    assert_eq!(store.replicas_in_step(), (0, 1));
    store.close().await;
    db.cleanup().await;
}
