//! A server whose page reads go to a PostgreSQL streaming replica: whoever just wrote reads
//! their write at once, even from a replica held behind, while a reader who wrote nothing
//! reads the replica (and so the past, within the lag allowed).

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

async fn replay(paused: bool) {
    use sqlx::Connection;
    let admin = std::env::var(ajar_store::testing::REPLICA_URL_VAR).unwrap();
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let sql = if paused {
        "SELECT pg_wal_replay_pause()::text"
    } else {
        "SELECT pg_wal_replay_resume()::text"
    };
    let _: (String,) = sqlx::query_as(sql).fetch_one(&mut conn).await.unwrap();
}

async fn within_ten_seconds(client: &Client, path: &str, status: StatusCode) {
    let started = Instant::now();
    loop {
        let page = client.get(path).await;
        if page.status == status {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path}: {}",
            page.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_writer_reads_their_write_while_the_replica_is_behind() {
    let Some(app) = TestApp::spawn_with_replica(Duration::from_secs(60)).await else {
        return;
    };
    let started = Instant::now();
    while app.store.replicas_in_step() != (1, 1) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no replica in step"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let metrics = app.guest().get("/metrics").await;
    assert!(
        metrics
            .body
            .contains("ajar_database_replicas{state=\"in_step\"} 1"),
        "{}",
        metrics.body
    );
    let writer = app.user("rory").await;
    let guest = app.guest();
    let before = post_work(&writer, "Posted Before", "public").await;
    within_ten_seconds(&guest, &format!("/works/{before}"), StatusCode::OK).await;

    replay(true).await;
    let outcome = tokio::spawn({
        let (writer, guest) = (writer.clone(), guest.clone());
        async move {
            let id = post_work(&writer, "Posted While The Replica Waits", "public").await;
            let mine = writer.get(&format!("/works/{id}")).await;
            assert_eq!(mine.status, StatusCode::OK, "the writer's own work");
            assert!(mine.body.contains("Posted While The Replica Waits"));
            assert!(writer.cookie("ajar_read_after").is_some());
            // A reader who wrote nothing reads the replica, which has not replayed it yet.
            let theirs = guest.get(&format!("/works/{id}")).await;
            assert_eq!(
                theirs.status,
                StatusCode::NOT_FOUND,
                "read from the primary"
            );
            id
        }
    })
    .await;
    replay(false).await;
    let id = outcome.unwrap();
    within_ten_seconds(&guest, &format!("/works/{id}"), StatusCode::OK).await;
    app.cleanup().await;
}
