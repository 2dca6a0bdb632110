//! Comments on a work's chapters, threaded by `parent_id`. A deleted comment keeps its row
//! (status 'deleted', body emptied) so that replies to it keep their place in the thread.
//! `works.comment_count` counts visible comments and follows every change in the same
//! transaction, with the work's `modified_at` and a `changes` row.
//!
//! Who may comment, reply, edit, delete or approve, and who sees what (pending comments,
//! muted authors), is decided by the web layer's service functions; this module stores and
//! reads, and refuses what could never be right (a reply to a deleted comment, a chapter the
//! work does not have).

use crate::accounts::own_pseud_name;
use crate::db::{placeholder_list, Arg, Db, Sql, MAX_ARGS};
use crate::kudos::work_count_changed;
use crate::mail::{self, NoticeKind};
use crate::suspension::author_not_suspended;
use crate::works::now;
use crate::{to_i64, to_u32, to_u64, Result, Store, StoreError};
use ajar_core::{CommentId, Html, PseudId, UserId, WorkId};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Who writes a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAuthor<'a> {
    User {
        user: UserId,
        pseud: PseudId,
    },
    /// A guest, by the name they gave.
    Guest {
        name: &'a str,
    },
}

/// A comment to store.
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub work: WorkId,
    /// The chapter's position; a reply takes its parent's.
    pub chapter: u32,
    pub parent: Option<CommentId>,
    pub author: CommentAuthor<'a>,
    pub body: &'a Html,
    /// Under moderation: shown once a creator approves it.
    pub pending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentStatus {
    Visible,
    Pending,
    Deleted,
}

impl CommentStatus {
    fn from_code(code: &str) -> Result<CommentStatus> {
        match code {
            "visible" => Ok(CommentStatus::Visible),
            "pending" => Ok(CommentStatus::Pending),
            "deleted" => Ok(CommentStatus::Deleted),
            other => Err(StoreError::Corrupt(format!(
                "a comment has status {other:?}"
            ))),
        }
    }
}

/// A page of a work's comment threads (see [`Store::comment_threads`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentThreads {
    /// The page's top-level comments and every reply under them, by chapter, oldest first.
    pub comments: Vec<Comment>,
    /// How many top-level comments there are on every page.
    pub threads: u64,
}

/// A stored comment with its author's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub work: WorkId,
    pub chapter: u32,
    pub parent: Option<CommentId>,
    /// The author's account (none for guests, or when the account was deleted).
    pub user: Option<UserId>,
    /// The pseud the comment was left under.
    pub pseud_name: Option<String>,
    pub guest_name: Option<String>,
    pub body: Html,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// The author's account is suspended: the comment is hidden from everyone else (and
    /// left out of the work's comment count) until the suspension is lifted.
    pub author_suspended: bool,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    work_id: i64,
    chapter: i64,
    parent_id: Option<i64>,
    user_id: Option<i64>,
    pseud_name: Option<String>,
    guest_name: Option<String>,
    body_html: String,
    status: String,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    author_suspended: bool,
}

const COMMENT_COLUMNS: &str = "c.id, c.work_id, c.chapter, c.parent_id, c.user_id, \
     p.name AS pseud_name, c.guest_name, c.body_html, c.status, c.created_at, c.edited_at, \
     EXISTS (SELECT 1 FROM users su WHERE su.id = c.user_id AND su.suspended) \
     AS author_suspended";

impl CommentRow {
    fn into_comment(self) -> Result<Comment> {
        Ok(Comment {
            id: CommentId(self.id),
            work: WorkId(self.work_id),
            chapter: to_u32(self.chapter, "a comment's chapter")?,
            parent: self.parent_id.map(CommentId),
            user: self.user_id.map(UserId),
            pseud_name: self.pseud_name,
            guest_name: self.guest_name,
            body: Html::from_stored(self.body_html),
            status: CommentStatus::from_code(&self.status)?,
            created_at: self.created_at,
            edited_at: self.edited_at,
            author_suspended: self.author_suspended,
        })
    }
}

/// Sets a comment's status inside the caller's write transaction: approves a pending
/// comment or deletes one; false when the comment is missing or already so.
pub(crate) async fn set_comment_status_in(
    db: &mut Db<'_>,
    id: CommentId,
    to: CommentStatus,
) -> Result<bool> {
    let at = now();
    let Some(comment) = comment_by_id(db, id).await? else {
        return Ok(false);
    };
    let sql = match (comment.status, to) {
        (CommentStatus::Pending, CommentStatus::Visible) => {
            Sql::new("UPDATE comments SET status = 'visible' WHERE id = $1").bind(id.0)
        }
        (CommentStatus::Visible | CommentStatus::Pending, CommentStatus::Deleted) => {
            Sql::new("UPDATE comments SET status = 'deleted', body_html = '' WHERE id = $1")
                .bind(id.0)
        }
        _ => return Ok(false),
    };
    db.execute(&sql).await?;
    comments_changed(db, comment.work, at).await?;
    if to == CommentStatus::Visible {
        notify_approved_reply(db, at, &comment).await?;
    }
    Ok(true)
}

/// A reply that waited for approval is news to the comment it answers once it shows.
async fn notify_approved_reply(db: &mut Db<'_>, at: DateTime<Utc>, reply: &Comment) -> Result<()> {
    let Some(parent) = reply.parent else {
        return Ok(());
    };
    let Some(parent_user) = comment_by_id(db, parent).await?.and_then(|p| p.user) else {
        return Ok(());
    };
    let title = mail::work_title(db, reply.work.0).await?;
    let detail = mail::excerpt(&reply.body.to_text());
    let event = mail::Event {
        kind: NoticeKind::Reply,
        work: Some(reply.work.0),
        comment: Some(reply.id.0),
        actor: reply.pseud_name.as_deref().or(reply.guest_name.as_deref()),
        actor_user: reply.user.map(|u| u.0),
        title: &title,
        detail: &detail,
        link: format!("/comments/{}", reply.id.0),
    };
    mail::notify(db, at, &event, "$12", &[Arg::Int(parent_user.0)]).await?;
    Ok(())
}

async fn comment_by_id(db: &mut Db<'_>, id: CommentId) -> Result<Option<Comment>> {
    let sql = Sql::new(format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c LEFT JOIN pseuds p ON p.id = c.pseud_id \
         WHERE c.id = $1"
    ))
    .bind(id.0);
    let row: Option<CommentRow> = db.fetch_optional(&sql).await?;
    row.map(CommentRow::into_comment).transpose()
}

/// Recounts a work's visible comments (suspended accounts' left out) after a change, bumping
/// the work for pages and index.
async fn comments_changed(db: &mut Db<'_>, work: WorkId, at: DateTime<Utc>) -> Result<()> {
    db.execute(
        &Sql::new(format!(
            "UPDATE works SET comment_count = (SELECT COUNT(*) FROM comments c \
                 WHERE c.work_id = $1 AND c.status = 'visible' AND {}) WHERE id = $1",
            author_not_suspended("c")
        ))
        .bind(work.0),
    )
    .await?;
    work_count_changed(db, work, at).await
}

/// Tells a new comment's work's creators of it (one awaiting approval too), and the author
/// of the comment it answers (once it is visible), in the comment's transaction.
async fn notify_comment(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    new: &NewComment<'_>,
    id: i64,
    author: &str,
    parent_user: Option<UserId>,
) -> Result<()> {
    let title = mail::work_title(db, new.work.0).await?;
    let text = mail::excerpt(&new.body.to_text());
    let detail = if new.pending {
        format!("Awaiting your approval: {text}")
    } else {
        text
    };
    let actor_user = match new.author {
        CommentAuthor::User { user, .. } => Some(user.0),
        CommentAuthor::Guest { .. } => None,
    };
    let mut event = mail::Event {
        kind: NoticeKind::Comment,
        work: Some(new.work.0),
        comment: Some(id),
        actor: Some(author),
        actor_user,
        title: &title,
        detail: &detail,
        link: format!("/comments/{id}"),
    };
    // The author of the comment answered hears of it as a reply, not twice.
    let creators = format!(
        "{} AND p.user_id <> COALESCE($13, 0)",
        mail::WORK_CREATOR_USERS
    );
    let reply_to = parent_user.filter(|_| !new.pending).map(|u| u.0);
    mail::notify(
        db,
        at,
        &event,
        &creators,
        &[Arg::Int(new.work.0), Arg::OptInt(reply_to)],
    )
    .await?;
    if let Some(user) = reply_to {
        event.kind = NoticeKind::Reply;
        mail::notify(db, at, &event, "$12", &[Arg::Int(user)]).await?;
    }
    Ok(())
}

impl Store {
    /// Stores a comment. Refused with [`StoreError::NotFound`] when the work, the chapter or
    /// the parent (on this work) does not exist, and with [`StoreError::Conflict`] when the
    /// parent is deleted or still awaits approval.
    pub async fn add_comment(&self, new: &NewComment<'_>) -> Result<CommentId> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let author_name = match new.author {
            CommentAuthor::User { user, pseud } => {
                own_pseud_name(&mut db, user, pseud).await?.ok_or_else(|| {
                    StoreError::Conflict(
                        "You can only comment under one of your own pseuds.".into(),
                    )
                })?
            }
            CommentAuthor::Guest { name } => name.to_owned(),
        };
        let mut chapter = i64::from(new.chapter);
        let mut parent_user = None;
        if let Some(parent) = new.parent {
            let parent = comment_by_id(&mut db, parent)
                .await?
                .filter(|p| p.work == new.work)
                .ok_or(StoreError::NotFound("comment"))?;
            match parent.status {
                CommentStatus::Visible => {}
                CommentStatus::Deleted => {
                    return Err(StoreError::Conflict(
                        "That comment has been deleted, so it can't be replied to.".into(),
                    ))
                }
                CommentStatus::Pending => {
                    return Err(StoreError::Conflict(
                        "That comment awaits approval, so it can't be replied to yet.".into(),
                    ))
                }
            }
            chapter = i64::from(parent.chapter);
            parent_user = parent.user;
        }
        let found: Option<(i64,)> = db
            .fetch_optional(
                &Sql::new("SELECT id FROM chapters WHERE work_id = $1 AND position = $2")
                    .bind(new.work.0)
                    .bind(chapter),
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound("chapter"));
        }
        let (user, pseud, guest) = match new.author {
            CommentAuthor::User { user, pseud } => (Some(user.0), Some(pseud.0), None),
            CommentAuthor::Guest { name } => (None, None, Some(name)),
        };
        let status = if new.pending { "pending" } else { "visible" };
        let (id,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "INSERT INTO comments (work_id, chapter, parent_id, user_id, pseud_id, \
                     guest_name, body_html, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(new.work.0)
                .bind(chapter)
                .bind(new.parent.map(|p| p.0))
                .bind(user)
                .bind(pseud)
                .bind(guest)
                .bind(new.body.as_str())
                .bind(status)
                .bind(at),
            )
            .await?;
        if !new.pending {
            comments_changed(&mut db, new.work, at).await?;
        }
        notify_comment(&mut db, at, new, id, &author_name, parent_user).await?;
        tx.commit().await?;
        Ok(CommentId(id))
    }

    /// One comment, whatever its status.
    pub async fn comment(&self, id: CommentId) -> Result<Option<Comment>> {
        let mut conn = self.pool.conn().await?;
        comment_by_id(&mut conn.db(), id).await
    }

    /// A work's comments, every status, oldest first: on one chapter, or on all.
    pub async fn work_comments(&self, work: WorkId, chapter: Option<u32>) -> Result<Vec<Comment>> {
        let mut conn = self.read_conn().await?;
        let sql = match chapter {
            Some(position) => Sql::new(format!(
                "SELECT {COMMENT_COLUMNS} FROM comments c LEFT JOIN pseuds p ON p.id = c.pseud_id \
                 WHERE c.work_id = $1 AND c.chapter = $2 ORDER BY c.id"
            ))
            .bind(work.0)
            .bind(i64::from(position)),
            None => Sql::new(format!(
                "SELECT {COMMENT_COLUMNS} FROM comments c LEFT JOIN pseuds p ON p.id = c.pseud_id \
                 WHERE c.work_id = $1 ORDER BY c.chapter, c.id"
            ))
            .bind(work.0),
        };
        let rows: Vec<CommentRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter().map(CommentRow::into_comment).collect()
    }

    /// One page of a work's comment threads, oldest first: `per_page` top-level comments
    /// from `start` on (an offset, or after a thread's chapter and id), on one chapter or on
    /// all (by chapter), each with every
    /// reply under it, in any status; and how many threads there are in all. A work with
    /// thousands of comments is read and shown a page at a time, as on AO3.
    pub async fn comment_threads(
        &self,
        work: WorkId,
        chapter: Option<u32>,
        per_page: u32,
        start: crate::PageStart<(u32, CommentId)>,
    ) -> Result<CommentThreads> {
        let (offset, after) = start.split();
        let keyset = if after.is_some() {
            " AND (c.chapter > $5 OR (c.chapter = $5 AND c.id > $6))"
        } else {
            ""
        };
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let on_chapter = if chapter.is_some() {
            " AND c.chapter = $2"
        } else {
            " AND $2 = $2"
        };
        let chapter = i64::from(chapter.unwrap_or(0));
        let (threads,): (i64,) = db
            .fetch_one(
                &Sql::new(format!(
                    "SELECT COUNT(*) FROM comments c WHERE c.work_id = $1{on_chapter} \
                     AND c.parent_id IS NULL"
                ))
                .bind(work.0)
                .bind(chapter),
            )
            .await?;
        // One walk down from the page's top-level comments finds every reply, however deep.
        let mut sql = Sql::new(format!(
            "WITH RECURSIVE thread (id) AS (\
             SELECT id FROM (SELECT c.id FROM comments c WHERE c.work_id = $1{on_chapter} \
             AND c.parent_id IS NULL{keyset} ORDER BY c.chapter, c.id LIMIT $3 OFFSET $4) roots \
             UNION ALL SELECT r.id FROM comments r JOIN thread t ON r.parent_id = t.id) \
             SELECT {COMMENT_COLUMNS} FROM comments c \
             LEFT JOIN pseuds p ON p.id = c.pseud_id \
             WHERE c.id IN (SELECT id FROM thread) ORDER BY c.chapter, c.id"
        ))
        .bind(work.0)
        .bind(chapter)
        .bind(i64::from(per_page))
        .bind(to_i64(offset));
        if let Some((after_chapter, after_id)) = after {
            sql.push(i64::from(after_chapter));
            sql.push(after_id.0);
        }
        let rows: Vec<CommentRow> = db.fetch_all(&sql).await?;
        tx.commit().await?;
        Ok(CommentThreads {
            comments: rows
                .into_iter()
                .map(CommentRow::into_comment)
                .collect::<Result<_>>()?,
            threads: to_u64(threads, "a count of comment threads")?,
        })
    }

    /// The page (1-based, `per_page` threads a page) of its chapter's comments on which
    /// comment `id` shows, with its thread; `None` when there is no such comment.
    pub async fn comment_page(&self, id: CommentId, per_page: u32) -> Result<Option<u64>> {
        let mut conn = self.read_conn().await?;
        let row: Option<(i64,)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "WITH RECURSIVE up (id, parent_id) AS (\
                     SELECT id, parent_id FROM comments WHERE id = $1 \
                     UNION ALL SELECT c.id, c.parent_id FROM comments c \
                     JOIN up ON c.id = up.parent_id) \
                     SELECT (SELECT COUNT(*) FROM comments o WHERE o.work_id = r.work_id \
                     AND o.chapter = r.chapter AND o.parent_id IS NULL AND o.id <= r.id) \
                     FROM comments r WHERE r.id = (SELECT id FROM up WHERE parent_id IS NULL)",
                )
                .bind(id.0),
            )
            .await?;
        match row {
            Some((rank,)) => {
                let rank = to_u64(rank, "a comment thread's place")?;
                Ok(Some(rank.max(1).div_ceil(u64::from(per_page.max(1)))))
            }
            None => Ok(None),
        }
    }

    /// A work's comments awaiting approval, oldest first.
    pub async fn pending_comments(&self, work: WorkId) -> Result<Vec<Comment>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c LEFT JOIN pseuds p ON p.id = c.pseud_id \
             WHERE c.work_id = $1 AND c.status = 'pending' ORDER BY c.id"
        ))
        .bind(work.0);
        let rows: Vec<CommentRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter().map(CommentRow::into_comment).collect()
    }

    /// Replaces a comment's text; false when it does not exist or is deleted.
    pub async fn edit_comment(&self, id: CommentId, body: &Html) -> Result<bool> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let Some(comment) = comment_by_id(&mut db, id).await? else {
            return Ok(false);
        };
        if comment.status == CommentStatus::Deleted {
            return Ok(false);
        }
        db.execute(
            &Sql::new("UPDATE comments SET body_html = $1, edited_at = $2 WHERE id = $3")
                .bind(body.as_str())
                .bind(at)
                .bind(id.0),
        )
        .await?;
        comments_changed(&mut db, comment.work, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes a comment: its text goes, its place in the thread stays. False when it does
    /// not exist or was deleted already.
    pub async fn delete_comment(&self, id: CommentId) -> Result<bool> {
        self.set_comment_status(id, CommentStatus::Deleted).await
    }

    /// Approves a pending comment; false when it is not pending.
    pub async fn approve_comment(&self, id: CommentId) -> Result<bool> {
        self.set_comment_status(id, CommentStatus::Visible).await
    }

    async fn set_comment_status(&self, id: CommentId, to: CommentStatus) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let changed = set_comment_status_in(&mut tx.db(), id, to).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// How many of the comments each of `works` counts (`works.comment_count`) are by
    /// accounts `user` muted: what `user`'s own counts leave out, as their pages leave out
    /// the comments. Works with none are not in the map. One query on the
    /// `comments (user_id, work_id)` index per page of blurbs, whatever the works' sizes.
    pub async fn muted_comment_counts(
        &self,
        user: UserId,
        works: &[WorkId],
    ) -> Result<HashMap<WorkId, u64>> {
        let mut out = HashMap::new();
        if works.is_empty() {
            return Ok(out);
        }
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        for chunk in works.chunks(MAX_ARGS) {
            // CROSS JOIN keeps SQLite on the mutes first, then `comments_user`: a seek per
            // muted account and work, never a scan of a long thread's comments.
            let mut sql = Sql::new(format!(
                "SELECT c.work_id, COUNT(*) FROM user_mutes m CROSS JOIN comments c \
                 WHERE m.user_id = $1 AND c.user_id = m.target_id AND c.status = 'visible' \
                 AND c.work_id IN ({}) AND {} GROUP BY c.work_id",
                placeholder_list(chunk.len(), 2),
                author_not_suspended("c")
            ))
            .bind(user.0);
            for work in chunk {
                sql.push(work.0);
            }
            for (work, n) in db.fetch_all::<(i64, i64)>(&sql).await? {
                out.insert(WorkId(work), to_u64(n, "a muted comment count")?);
            }
        }
        Ok(out)
    }

    /// The accounts `user` has muted.
    pub async fn comment_mutes(&self, user: UserId) -> Result<Vec<UserId>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64,)> = conn
            .db()
            .fetch_all(
                &Sql::new("SELECT target_id FROM user_mutes WHERE user_id = $1").bind(user.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| UserId(id)).collect())
    }

    /// Whether any of `blockers` has blocked `target`.
    pub async fn commenter_blocked(&self, blockers: &[UserId], target: UserId) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        for blocker in blockers {
            let row: Option<(i64,)> = db
                .fetch_optional(
                    &Sql::new(
                        "SELECT target_id FROM user_blocks WHERE user_id = $1 AND target_id = $2",
                    )
                    .bind(blocker.0)
                    .bind(target.0),
                )
                .await?;
            if row.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
