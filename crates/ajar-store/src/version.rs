//! A cheap answer to "has anything been written since?", for caches in front of the store.
//!
//! On SQLite every commit, by this process or another (an `ajar import` beside `ajar serve`),
//! grows or rewrites the write-ahead log, so the size and modification time of the database
//! files change: reading them is a system call, not a query. PostgreSQL offers nothing as
//! cheap, so there the answer is "unknown" and callers rely on time instead.

use crate::db::Pool;
use crate::Store;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

impl Store {
    /// A token that changes when a write is committed to this SQLite database (from any
    /// process); `None` on PostgreSQL and for an in-memory database. Two commits within the
    /// file system's timestamp granularity that leave the files the same size may share a
    /// token, so a cache keyed on it must still expire its entries.
    pub fn data_version(&self) -> Option<u64> {
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
