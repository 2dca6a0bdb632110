//! A cheap answer to "has anything been written since?", for caches in front of the store.
//!
//! On SQLite every commit, by this process or another (an `ajar import` beside `ajar serve`),
//! grows or rewrites the write-ahead log, so the size and modification time of the database
//! files change: reading them is a system call, not a query. PostgreSQL offers nothing as
//! cheap, so there the answer counts this process's own write transactions, and callers
//! learn of other nodes' writes otherwise (the search follower, time).
//!
//! Some writes change nothing a cached page shows but a counter that may lag: counting hits,
//! once a second on a busy archive, and the daily pruning of old hit records. Were each of
//! them a new version, no page would stay cached longer than a second. Such a write is
//! *quiet*: it notes the file state it found (holding the write lock, so no other writer can
//! commit in between) and the state it left, and [`Store::data_version`] steps over those
//! transitions without changing its answer. A write by another process that lands in the
//! instant between a quiet commit and its note is taken for part of it; caches expire their
//! entries anyway (see `data_version`).

use crate::db::Pool;
use crate::Store;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::Mutex;

/// Quiet transitions remembered until `data_version` looks (a busy second has one).
const QUIET_KEPT: usize = 16;

/// What `data_version` has seen; shared by a store's clones.
#[derive(Debug, Default)]
pub(crate) struct Versions {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The file state last looked at, and the version answered for it.
    last: Option<u64>,
    version: u64,
    /// `(before, after)` file states of quiet writes not yet stepped over.
    quiet: Vec<(Option<u64>, Option<u64>)>,
}

impl Store {
    /// A token that changes when a write is committed to this SQLite database (from any
    /// process), quiet writes (hit counting) aside; on PostgreSQL and for an in-memory
    /// database, when this process commits a write (not another process: see the page
    /// cache). Two commits within the file system's timestamp granularity that leave the
    /// files the same size may share a token, so a cache keyed on it must still expire its
    /// entries.
    pub fn data_version(&self) -> Option<u64> {
        let Some(now) = self.file_state() else {
            // PostgreSQL (or SQLite in memory): this process's own writes, which a node's
            // pages must show at once; another node's reach them through the search
            // follower, or the pages' TTL.
            return Some(crate::db::local_writes());
        };
        let Ok(mut state) = self.versions.state.lock() else {
            return Some(now);
        };
        if state.last != Some(now) {
            // Follow the quiet writes from the state last seen; a write of anything else (here
            // or in another process) leaves the chain somewhere else.
            let mut at = state.last;
            while let Some(i) = state.quiet.iter().position(|(before, _)| *before == at) {
                at = state.quiet.swap_remove(i).1;
            }
            if at != Some(now) || state.last.is_none() {
                state.version = state.version.wrapping_add(1);
            }
            state.last = Some(now);
            state.quiet.clear();
        }
        Some(state.version)
    }

    /// The database files' state now, before a quiet write (taken with the write lock held).
    pub(crate) fn quiet_write_begins(&self) -> Option<u64> {
        self.file_state()
    }

    /// Notes that a quiet write went from `before` to the files' state now.
    pub(crate) fn quiet_write_done(&self, before: Option<u64>) {
        let after = self.file_state();
        if before == after {
            return;
        }
        if let Ok(mut state) = self.versions.state.lock() {
            if state.quiet.len() >= QUIET_KEPT {
                state.quiet.remove(0);
            }
            state.quiet.push((before, after));
        }
    }

    /// A hash of the SQLite files' sizes and modification times.
    fn file_state(&self) -> Option<u64> {
        let Pool::Sqlite(pool) = &self.pool else {
            return None;
        };
        let options = pool.connect_options();
        let db = options.get_filename();
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        let mut hasher = DefaultHasher::new();
        let mut found = false;
        for path in [db, Path::new(&wal)] {
            if let Ok(meta) = std::fs::metadata(path) {
                found = true;
                meta.len().hash(&mut hasher);
                meta.modified().ok().hash(&mut hasher);
            }
        }
        found.then(|| hasher.finish())
    }
}
