//! Hits: a work's view counter, counted at most once per visitor per work per UTC day.
//!
//! The web layer gathers hits in memory and hands them over in batches (one write
//! transaction a second, not one per page view). A hit is a `work_hits` row keyed by
//! (work, visitor, day); a batch inserts its rows with `ON CONFLICT DO NOTHING` and adds to
//! `works.hits` only what was actually inserted, so repeats within a batch, across batches and
//! across nodes are all refused by the same unique key.
//!
//! Hits do not append to the `changes` feed: a row per view would flood every follower for a
//! number that only sorts listings. Followers that sort by hits read the counter when they
//! next index the work (or on `ajar reindex`).
//!
//! A logged-in reader's visits to works, for their reading history ([`Visit`]), go in the
//! same batches: written one by one, every page a reader opened was a commit, and on SQLite
//! each commit makes every connection drop its page cache, and made every kept page of the
//! web layer's cache stale (these writes are quiet, as hits are: see `version`).

use crate::db::{value_rows, Sql, MAX_ARGS};
use crate::{to_u64, Result, Store};
use ajar_core::{UserId, WorkId};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One page view to count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    pub work: WorkId,
    /// An opaque, already hashed visitor key (never a raw IP address or cookie).
    pub visitor: String,
    /// The UTC day of the view.
    pub day: NaiveDate,
}

/// A logged-in reader opened a chapter of a work (or the whole work: its last chapter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub user: UserId,
    pub work: WorkId,
    pub chapter: u32,
    pub at: DateTime<Utc>,
}

/// Which of `ids` are rows of `table` (`works` or `users`), within the transaction.
async fn existing_ids(
    db: &mut crate::db::Db<'_>,
    table: &str,
    ids: BTreeSet<i64>,
) -> Result<BTreeSet<i64>> {
    let mut existing = BTreeSet::new();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(MAX_ARGS) {
        let mut sql = Sql::new(format!(
            "SELECT id FROM {table} WHERE id IN ({})",
            crate::db::placeholder_list(chunk.len(), 1)
        ));
        for id in chunk {
            sql.push(*id);
        }
        let found: Vec<(i64,)> = db.fetch_all(&sql).await?;
        existing.extend(found.into_iter().map(|(id,)| id));
    }
    Ok(existing)
}

impl Store {
    /// Counts these views: each (work, visitor, day) adds one hit to its work the first time
    /// it is recorded and never again. Views of works that do not exist (any more) are
    /// dropped. Returns how many hits were added.
    pub async fn record_hits(&self, hits: &[Hit]) -> Result<u64> {
        self.record_views(hits, &[]).await
    }

    /// [`Store::record_hits`], and readers' visits to works in their history (in order: the
    /// last visit to a work is the one its history shows), in one quiet transaction. Visits
    /// to works or by accounts that are gone are dropped.
    pub async fn record_views(&self, hits: &[Hit], visits: &[Visit]) -> Result<u64> {
        let unique: BTreeSet<&Hit> = hits.iter().collect();
        if unique.is_empty() && visits.is_empty() {
            return Ok(0);
        }
        let work_ids: BTreeSet<i64> = unique
            .iter()
            .map(|h| h.work.0)
            .chain(visits.iter().map(|v| v.work.0))
            .collect();
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        // Counting hits is a quiet write: cached pages stay (see `version`).
        let before = self.quiet_write_begins();
        let mut db = tx.db();

        let existing = existing_ids(&mut db, "works", work_ids).await?;
        let users =
            existing_ids(&mut db, "users", visits.iter().map(|v| v.user.0).collect()).await?;
        for visit in visits {
            if existing.contains(&visit.work.0) && users.contains(&visit.user.0) {
                db.execute(&crate::follows::reading_upsert(visit)).await?;
            }
        }
        let rows: Vec<&Hit> = unique
            .into_iter()
            .filter(|h| existing.contains(&h.work.0))
            .collect();

        let mut added: BTreeMap<i64, i64> = BTreeMap::new();
        for chunk in rows.chunks(MAX_ARGS / 3) {
            let mut sql = Sql::new(format!(
                "INSERT INTO work_hits (work_id, visitor, day) VALUES {} \
                 ON CONFLICT (work_id, visitor, day) DO NOTHING RETURNING work_id",
                value_rows(chunk.len(), 3, 1)
            ));
            for hit in chunk {
                sql.push(hit.work.0);
                sql.push(hit.visitor.as_str());
                sql.push(hit.day);
            }
            let inserted: Vec<(i64,)> = db.fetch_all(&sql).await?;
            for (work,) in inserted {
                *added.entry(work).or_default() += 1;
            }
        }
        let mut total = 0;
        for (work, n) in added {
            let sql = Sql::new("UPDATE works SET hits = hits + $1 WHERE id = $2")
                .bind(n)
                .bind(work);
            db.execute(&sql).await?;
            total += to_u64(n, "a number of hits")?;
        }
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(total)
    }

    /// Forgets which visitors were counted before `day`: their rows only refuse a second hit
    /// on the same day. Returns how many rows were removed.
    pub async fn prune_hits_before(&self, day: NaiveDate) -> Result<u64> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let removed = tx
            .db()
            .execute(&Sql::new("DELETE FROM work_hits WHERE day < $1").bind(day))
            .await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(removed)
    }
}
