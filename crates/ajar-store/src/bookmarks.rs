//! Bookmarks: one per user per work, with the user's notes, their own tags, a private flag
//! and a "rec" flag. `works.bookmark_count` counts public bookmarks and follows every change
//! in the same transaction, with the work's `modified_at` and a `changes` row.

use crate::db::{placeholder_list, Db, Sql};
use crate::kudos::work_count_changed;
use crate::mail::{self, NoticeKind};
use crate::suspension::author_not_suspended;
use crate::works::{blurbs, now, BlurbRow, BLURB_COLUMNS};
use crate::{to_i64, to_u64, Audience, Result, Store, StoreError, WorkBlurb};
use ajar_core::{Html, UserId, WorkId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What a user keeps about a work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub work: WorkId,
    pub notes: Html,
    /// The user's own tags, as typed (comma-separated).
    pub tags: String,
    pub private: bool,
    pub rec: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Bookmark {
    /// The user's tags one by one, trimmed, empty ones left out.
    pub fn tag_list(&self) -> Vec<&str> {
        self.tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// A bookmark to save (new, or replacing the user's earlier one for the work).
#[derive(Debug, Clone)]
pub struct NewBookmark<'a> {
    pub notes: &'a Html,
    pub tags: &'a str,
    pub private: bool,
    pub rec: bool,
}

#[derive(sqlx::FromRow)]
struct BookmarkRow {
    work_id: i64,
    notes_html: String,
    tags: String,
    private: bool,
    rec: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<BookmarkRow> for Bookmark {
    fn from(r: BookmarkRow) -> Bookmark {
        Bookmark {
            work: WorkId(r.work_id),
            notes: Html::from_stored(r.notes_html),
            tags: r.tags,
            private: r.private,
            rec: r.rec,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const BOOKMARK_COLUMNS: &str =
    "b.work_id, b.notes_html, b.tags, b.private, b.rec, b.created_at, b.updated_at";

/// Recounts a work's public bookmarks (suspended accounts' left out); when the count
/// changed, bumps the work for pages and the index.
async fn recount(db: &mut Db<'_>, work: WorkId, at: DateTime<Utc>) -> Result<()> {
    let (before,): (i64,) = db
        .fetch_one(&Sql::new("SELECT bookmark_count FROM works WHERE id = $1").bind(work.0))
        .await?;
    let (after,): (i64,) = db
        .fetch_one(
            &Sql::new(format!(
                "SELECT COUNT(*) FROM bookmarks b WHERE b.work_id = $1 AND NOT b.private AND {}",
                author_not_suspended("b")
            ))
            .bind(work.0),
        )
        .await?;
    if before != after {
        db.execute(
            &Sql::new("UPDATE works SET bookmark_count = $1 WHERE id = $2")
                .bind(after)
                .bind(work.0),
        )
        .await?;
        work_count_changed(db, work, at).await?;
    }
    Ok(())
}

impl Store {
    /// Saves a user's bookmark of a work, replacing their earlier one. The caller has checked
    /// that the user may see the work.
    pub async fn save_bookmark(
        &self,
        user: UserId,
        work: WorkId,
        bookmark: &NewBookmark<'_>,
    ) -> Result<()> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let exists: Option<(i64,)> = db
            .fetch_optional(&Sql::new("SELECT id FROM works WHERE id = $1").bind(work.0))
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("work"));
        }
        // Only a new public bookmark is news to the work's creators, not an edit.
        let had: Option<(i64,)> = db
            .fetch_optional(
                &Sql::new("SELECT work_id FROM bookmarks WHERE user_id = $1 AND work_id = $2")
                    .bind(user.0)
                    .bind(work.0),
            )
            .await?;
        db.execute(
            &Sql::new(
                "INSERT INTO bookmarks (user_id, work_id, notes_html, tags, private, rec, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                 ON CONFLICT (user_id, work_id) DO UPDATE SET notes_html = excluded.notes_html, \
                 tags = excluded.tags, private = excluded.private, rec = excluded.rec, \
                 updated_at = excluded.updated_at",
            )
            .bind(user.0)
            .bind(work.0)
            .bind(bookmark.notes.as_str())
            .bind(bookmark.tags)
            .bind(bookmark.private)
            .bind(bookmark.rec)
            .bind(at),
        )
        .await?;
        recount(&mut db, work, at).await?;
        if !bookmark.private && had.is_none() {
            mail::notify_creators(&mut db, at, NoticeKind::Bookmark, work.0, Some(user.0)).await?;
        }
        tx.commit().await
    }

    /// Deletes a user's bookmark of a work; false when they had none.
    pub async fn delete_bookmark(&self, user: UserId, work: WorkId) -> Result<bool> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let n = db
            .execute(
                &Sql::new("DELETE FROM bookmarks WHERE user_id = $1 AND work_id = $2")
                    .bind(user.0)
                    .bind(work.0),
            )
            .await?;
        if n > 0 {
            recount(&mut db, work, at).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A user's bookmark of a work, if any.
    pub async fn bookmark(&self, user: UserId, work: WorkId) -> Result<Option<Bookmark>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!(
            "SELECT {BOOKMARK_COLUMNS} FROM bookmarks b WHERE b.user_id = $1 AND b.work_id = $2"
        ))
        .bind(user.0)
        .bind(work.0);
        let row: Option<BookmarkRow> = conn.db().fetch_optional(&sql).await?;
        Ok(row.map(Bookmark::from))
    }

    /// One page of a user's bookmarks, newest first, of works `audience` sees in listings,
    /// private ones only when `with_private`; and how many there are.
    pub async fn user_bookmarks(
        &self,
        user: UserId,
        audience: Audience,
        with_private: bool,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<(Bookmark, WorkBlurb)>, u64)> {
        let private = if with_private {
            ""
        } else {
            "AND NOT b.private"
        };
        let filter = format!(
            "FROM bookmarks b JOIN works w ON w.id = b.work_id \
             WHERE b.user_id = $1 {private} AND {}",
            audience.listed("w")
        );
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let (total,): (i64,) = db
            .fetch_one(&Sql::new(format!("SELECT COUNT(*) {filter}")).bind(user.0))
            .await?;
        let total = to_u64(total, "a bookmark count")?;
        let rows: Vec<BookmarkRow> = db
            .fetch_all(
                &Sql::new(format!(
                    "SELECT {BOOKMARK_COLUMNS} {filter} \
                     ORDER BY b.updated_at DESC, b.id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(user.0)
                .bind(i64::from(limit))
                .bind(to_i64(offset)),
            )
            .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok((Vec::new(), total));
        }
        let mut sql = Sql::new(format!(
            "SELECT {BLURB_COLUMNS} FROM works w WHERE w.id IN ({})",
            placeholder_list(rows.len(), 1)
        ));
        for row in &rows {
            sql.push(row.work_id);
        }
        let found: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let mut by_id: HashMap<WorkId, WorkBlurb> = blurbs(&mut db, found)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        tx.commit().await?;
        let out = rows
            .into_iter()
            .filter_map(|row| {
                let blurb = by_id.remove(&WorkId(row.work_id))?;
                Some((Bookmark::from(row), blurb))
            })
            .collect();
        Ok((out, total))
    }
}
