//! A busy database is an overload, not a fault: a query past its time limit is cancelled,
//! a caller that cannot get a connection in time is told so at once, and background work
//! has connections of its own that pages cannot take.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_store::testing::{self, TestStore};
use ajar_store::{Backend, StoreOptions};
use std::time::{Duration, Instant};

/// One connection, a short wait for it, and one second per query.
fn tiny() -> StoreOptions {
    StoreOptions {
        max_connections: Some(1),
        acquire_timeout: Some(Duration::from_millis(300)),
        statement_timeout: Some(Duration::from_secs(1)),
        ..StoreOptions::default()
    }
}

async fn slow_queries_are_cancelled(backend: Backend) {
    let Some(db) = TestStore::new_with(backend, &tiny()).await else {
        return;
    };
    let started = Instant::now();
    let error = testing::run_slow_query(db.store())
        .await
        .expect_err("the query is cancelled");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cancelled only after {:?}",
        started.elapsed()
    );
    assert!(error.is_overload(), "{error}");
    // The connection it ran on serves the next query.
    assert_eq!(db.store().work_count().await.unwrap(), 0);
    db.cleanup().await;
}

async fn a_full_pool_is_an_overload_but_background_work_goes_on(backend: Backend) {
    let Some(db) = TestStore::new_with(backend, &tiny()).await else {
        return;
    };
    let store = db.store();
    let held = testing::occupy_connection(store).await;
    let started = Instant::now();
    let error = store.work_count().await.expect_err("no connection is free");
    assert!(error.is_overload(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The background pool is not the pages' pool.
    assert_eq!(store.background().work_count().await.unwrap(), 0);
    drop(held);
    assert_eq!(store.work_count().await.unwrap(), 0);
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_slow_queries_are_cancelled() {
    slow_queries_are_cancelled(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_slow_queries_are_cancelled() {
    slow_queries_are_cancelled(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_full_pool_is_an_overload_but_background_work_goes_on() {
    a_full_pool_is_an_overload_but_background_work_goes_on(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_full_pool_is_an_overload_but_background_work_goes_on() {
    a_full_pool_is_an_overload_but_background_work_goes_on(Backend::Postgres).await;
}
