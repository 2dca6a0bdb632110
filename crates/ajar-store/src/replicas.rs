//! Read replicas: PostgreSQL standbys that answer the reads of pages, so that the primary
//! keeps its capacity for writes and for what must be read where it was written.
//!
//! Only the reads of public pages go to a replica ([`Store::read_conn`] and
//! [`Store::read_tx`] in works, listings,
//! tags, comments, kudos, canon, bookmarks and sources): accounts, sessions, tokens, access
//! checks, moderation, mail, rate limits and the `changes` feed stay on the primary, and so
//! does every write and every read inside a write transaction.
//!
//! Two rules keep a reader from seeing the past:
//!
//! - **Read your writes.** The web layer runs a request inside [`reading_after`]: a request
//!   that writes reads the primary throughout ([`ReadAfter::Primary`]), and its answer tells
//!   the browser the primary's WAL position after the write ([`Store::write_position`]);
//!   the browser's next requests carry it ([`ReadAfter::Position`]), and only a replica that
//!   has replayed that far answers them, else the primary.
//! - **No replica far behind.** A watcher samples the primary's WAL position and each
//!   replica's replayed position every [`WATCH_EVERY`]; a replica that has not replayed what
//!   the primary had written `max_lag` ago (or cannot be reached, or is no standby) is left
//!   out until it has.
//!
//! Outside any scope (background work, commands), reads may go to any replica in step.

use crate::db::{Conn, Pool, Tx};
use crate::{Result, Store};
use sqlx::postgres::PgPool;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often the watcher looks at the primary and the replicas.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// A position in the primary's write-ahead log (PostgreSQL's `pg_lsn`), as a number: a
/// replica that has replayed this far shows everything committed before it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WritePosition(u64);

impl WritePosition {
    /// Reads PostgreSQL's text form (`16/B374D848`).
    fn from_lsn(text: &str) -> Option<WritePosition> {
        let (high, low) = text.split_once('/')?;
        let high = u64::from_str_radix(high, 16).ok()?;
        let low = u64::from_str_radix(low, 16).ok()?;
        if high > u64::from(u32::MAX) || low > u64::from(u32::MAX) {
            return None;
        }
        Some(WritePosition(high << 32 | low))
    }

    /// A short text for a cookie: the number in hexadecimal.
    pub fn to_token(self) -> String {
        format!("{:x}", self.0)
    }

    /// Reads [`WritePosition::to_token`]'s text back; `None` for anything else.
    pub fn from_token(text: &str) -> Option<WritePosition> {
        if text.is_empty() || text.len() > 16 {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(WritePosition)
    }
}

/// Where the reads of a request may go (see the module's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAfter {
    /// The primary only: the request writes.
    Primary,
    /// A replica that has replayed at least this far, else the primary.
    Position(WritePosition),
}

tokio::task_local! {
    static READ_AFTER: ReadAfter;
}

/// Runs `f` with its reads routed as `after` says.
pub async fn reading_after<F: std::future::Future>(after: ReadAfter, f: F) -> F::Output {
    READ_AFTER.scope(after, f).await
}

/// Whether the reads of this task are held to the primary or to a position (inside
/// [`reading_after`]): what it renders then is for this reader, not to be kept for others.
pub fn reads_pinned() -> bool {
    READ_AFTER.try_with(|_| ()).is_ok()
}

/// The replicas of a store and what the watcher last saw of them.
pub(crate) struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    max_lag: Duration,
    /// The primary's WAL position, sampled every [`WATCH_EVERY`] for the last `max_lag` and
    /// a little more, oldest first.
    samples: Mutex<VecDeque<(Instant, WritePosition)>>,
}

struct Replica {
    /// The address without its password, for logs.
    label: String,
    pool: Pool,
    replayed: AtomicU64,
    in_step: AtomicBool,
    /// Whether "not a standby" was already logged.
    warned: AtomicBool,
}

impl Replica {
    /// A read could not start here: out of step until the watcher finds it answering again.
    fn failed(&self, error: &crate::StoreError) {
        if self.in_step.swap(false, Ordering::Release) {
            tracing::warn!(replica = %self.label, %error, "a read replica failed a read: reads go elsewhere until it answers again");
        }
    }
}

impl Replicas {
    pub(crate) fn new(pools: Vec<(String, PgPool)>, max_lag: Duration) -> Replicas {
        Replicas {
            list: pools
                .into_iter()
                .map(|(label, pool)| Replica {
                    label,
                    pool: Pool::Postgres(pool),
                    replayed: AtomicU64::new(0),
                    in_step: AtomicBool::new(false),
                    warned: AtomicBool::new(false),
                })
                .collect(),
            next: AtomicUsize::new(0),
            max_lag,
            samples: Mutex::new(VecDeque::new()),
        }
    }

    /// A replica in step that has replayed at least `after`, taken in turn; `None` when
    /// none is.
    fn pick(&self, after: Option<WritePosition>) -> Option<&Replica> {
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|i| &self.list[(start + i) % n]).find(|r| {
            r.in_step.load(Ordering::Acquire)
                && after.is_none_or(|p| r.replayed.load(Ordering::Acquire) >= p.0)
        })
    }

    /// One look at the primary and every replica.
    async fn watch_once(&self, primary: &PgPool) {
        let now = Instant::now();
        match current_position(primary).await {
            Ok(position) => {
                let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
                samples.push_back((now, position));
                let keep = self.max_lag + WATCH_EVERY * 5;
                while samples
                    .front()
                    .is_some_and(|(at, _)| now.duration_since(*at) > keep)
                {
                    samples.pop_front();
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the primary's WAL position"),
        }
        // What the primary had written `max_lag` ago: a replica behind it is too far behind.
        // Until the watcher has watched that long, the oldest sample stands in.
        let due = {
            let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
            samples
                .iter()
                .rev()
                .find(|(at, _)| now.duration_since(*at) >= self.max_lag)
                .or(samples.front())
                .map(|(_, p)| *p)
        };
        for replica in &self.list {
            let Pool::Postgres(pool) = &replica.pool else {
                continue;
            };
            let replayed = match replayed_position(pool).await {
                Ok(Some(p)) => p,
                Ok(None) => {
                    if !replica.warned.swap(true, Ordering::Relaxed) {
                        tracing::warn!(replica = %replica.label, "this database is not a standby (pg_last_wal_replay_lsn is NULL): no reads go to it");
                    }
                    replica.in_step.store(false, Ordering::Release);
                    continue;
                }
                Err(e) => {
                    if replica.in_step.swap(false, Ordering::Release) {
                        tracing::warn!(replica = %replica.label, error = %e, "a read replica cannot be reached: reads go elsewhere");
                    }
                    continue;
                }
            };
            replica.replayed.store(replayed.0, Ordering::Release);
            let in_step = due.is_some_and(|due| replayed >= due);
            let was = replica.in_step.swap(in_step, Ordering::Release);
            if was && !in_step {
                tracing::warn!(replica = %replica.label, "a read replica fell behind: reads go elsewhere until it catches up");
            }
        }
    }
}

async fn current_position(pool: &PgPool) -> Result<WritePosition> {
    let (text,): (String,) = sqlx::query_as("SELECT pg_current_wal_lsn()::text")
        .fetch_one(pool)
        .await?;
    WritePosition::from_lsn(&text)
        .ok_or_else(|| crate::StoreError::Corrupt(format!("an unreadable WAL position {text}")))
}

async fn replayed_position(pool: &PgPool) -> Result<Option<WritePosition>> {
    let (text,): (Option<String>,) = sqlx::query_as("SELECT pg_last_wal_replay_lsn()::text")
        .fetch_one(pool)
        .await?;
    Ok(text.as_deref().and_then(WritePosition::from_lsn))
}

/// Watches `replicas` every [`WATCH_EVERY`] for as long as the store holding them lives.
pub(crate) fn spawn_watcher(replicas: &Arc<Replicas>, primary: PgPool) {
    let weak: Weak<Replicas> = Arc::downgrade(replicas);
    tokio::spawn(async move {
        loop {
            let Some(replicas) = weak.upgrade() else {
                return;
            };
            replicas.watch_once(&primary).await;
            drop(replicas);
            tokio::time::sleep(WATCH_EVERY).await;
        }
    });
}

impl Store {
    /// Where a read of a page goes: a replica in step (and, inside [`reading_after`], one
    /// that has replayed the reader's last write), or `None` for the primary.
    fn replica_for_read(&self) -> Option<&Replica> {
        let replicas = self.replicas.as_ref()?;
        match READ_AFTER.try_with(|a| *a) {
            Ok(ReadAfter::Primary) => None,
            Ok(ReadAfter::Position(p)) => replicas.pick(Some(p)),
            Err(_) => replicas.pick(None),
        }
    }

    /// A connection for a read of a page (see [`Store::replica_for_read`]). A replica that
    /// cannot give one (gone since the watcher last looked) is left out at once and the
    /// primary reads instead, so a replica going away costs no reader an error.
    pub(crate) async fn read_conn(&self) -> Result<Conn> {
        if let Some(replica) = self.replica_for_read() {
            match replica.pool.conn().await {
                Ok(conn) => return Ok(conn),
                Err(e) => replica.failed(&e),
            }
        }
        self.pool.conn().await
    }

    /// [`Store::read_conn`] for several queries in one snapshot (a read transaction).
    pub(crate) async fn read_tx(&self) -> Result<Tx> {
        if let Some(replica) = self.replica_for_read() {
            match replica.pool.begin_read().await {
                Ok(tx) => return Ok(tx),
                Err(e) => replica.failed(&e),
            }
        }
        self.pool.begin_read().await
    }

    /// Whether this store has read replicas (see [`StoreOptions::replica_urls`]).
    ///
    /// [`StoreOptions::replica_urls`]: crate::StoreOptions::replica_urls
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }

    /// The primary's WAL position now: after a write has committed, a replica that has
    /// replayed this far shows it. `None` for a store without replicas.
    pub async fn write_position(&self) -> Result<Option<WritePosition>> {
        match (&self.replicas, &self.pool) {
            (Some(_), Pool::Postgres(pool)) => Ok(Some(current_position(pool).await?)),
            _ => Ok(None),
        }
    }

    /// How many replicas are in step now, of how many.
    pub fn replicas_in_step(&self) -> (usize, usize) {
        match &self.replicas {
            Some(r) => (
                r.list
                    .iter()
                    .filter(|r| r.in_step.load(Ordering::Acquire))
                    .count(),
                r.list.len(),
            ),
            None => (0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_postgres_text_and_round_trip_as_tokens() {
        let p = WritePosition::from_lsn("16/B374D848").unwrap();
        assert_eq!(p.0, 0x16_B374_D848);
        assert_eq!(WritePosition::from_token(&p.to_token()), Some(p));
        assert!(WritePosition::from_lsn("0/0").unwrap() < p);
        for bad in ["", "16", "x/1", "1/", "100000000/0"] {
            assert_eq!(WritePosition::from_lsn(bad), None, "{bad}");
        }
        for bad in ["", "zz", "12345678901234567", "-1"] {
            assert_eq!(WritePosition::from_token(bad), None, "{bad}");
        }
    }
}
