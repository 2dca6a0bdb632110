//! Posting: works made by accounts, and what their creators do with them afterwards —
//! editing metadata and notes; adding, editing, reordering and deleting chapters; visibility
//! and comment settings; deleting the work; co-creator invitations, gifts and owned series.
//!
//! Each write is one transaction that bumps `works.modified_at` (the work page's ETag and the
//! download cache key) and appends a `changes` row, so pages, downloads and the search index
//! follow. Who may make a change is the caller's check (the web layer's `access::own_work`);
//! the store checks what the data itself requires: the pseuds a work is posted under belong
//! to the account posting it, a series belongs to whoever adds works to it, chapters stay
//! numbered 1..n.

use crate::access::Audience;
use crate::accounts::own_pseud_name;
use crate::changes::{self, Op};
use crate::db::{Arg, Db, Sql};
use crate::mail::{self, NoticeKind};
use crate::works::{blurbs, insert, now, BlurbRow, NewWork, BLURB_COLUMNS};
use crate::{name_key, to_i64, to_u32, to_u64, Result, Store, StoreError, WorkBlurb};
use ajar_core::{
    Chapter, CommentPolicy, PseudId, SeriesId, TagId, TagKind, UserId, ValidationError, Visibility,
    Work, WorkId,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Chapters are moved out of the way by this much while they are renumbered, because
/// `(work_id, position)` is unique at every step and positions must stay positive.
const RENUMBER_OFFSET: i64 = 10_000_000;

/// What the edit form of a work saves (see [`Store::edit_work`]).
#[derive(Debug, Clone, Copy)]
pub struct WorkEdit<'a> {
    pub work: &'a Work,
    /// Account names the work is a gift for (replacing earlier gifts).
    pub gifts: &'a [String],
    /// Pseuds to invite as co-creators (in addition to those already invited).
    pub co_creators: &'a [String],
    pub comment_policy: CommentPolicy,
    pub visibility: Visibility,
}

/// A tag offered while someone types in a tag field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagSuggestion {
    pub kind: TagKind,
    pub name: String,
    /// How many public works carry it.
    pub uses: u64,
}

/// A co-creator invitation waiting for its invitee's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoCreatorInvitation {
    pub work: WorkId,
    pub title: String,
    /// The invitee's pseud the work would be credited to.
    pub pseud: String,
    /// The work's accepted creators.
    pub creators: Vec<String>,
}

/// A series made by a user, with its parts in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnedSeries {
    pub id: SeriesId,
    pub title: String,
    pub owner: Option<UserId>,
    /// `(part, work id, work title)` by part.
    pub parts: Vec<(u32, WorkId, String)>,
}

impl Store {
    /// Stores a work posted by `owner` under `pseuds` (which must be the owner's), with the
    /// given visibility and comment settings, in one transaction. Its creators are those
    /// pseuds, whatever `work.creators` says; `published` is today, or `work.published` if
    /// given (a backdate; refused in the future), and `updated` the same. A series
    /// named in `work.series` must be the owner's (a new title makes a new series owned by
    /// them); a position of 0 puts the work after the series' last part.
    pub async fn post_work(
        &self,
        owner: UserId,
        pseuds: &[PseudId],
        work: &Work,
        visibility: Visibility,
        comment_policy: CommentPolicy,
    ) -> Result<WorkId> {
        self.post_work_for(owner, pseuds, work, visibility, comment_policy, &[], &[])
            .await
    }

    /// [`Store::post_work`], with the work a gift for the accounts named in `gifts` and the
    /// pseuds in `co_creators` invited, all in the one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn post_work_for(
        &self,
        owner: UserId,
        pseuds: &[PseudId],
        work: &Work,
        visibility: Visibility,
        comment_policy: CommentPolicy,
        gifts: &[String],
        co_creators: &[String],
    ) -> Result<WorkId> {
        let now = now();
        let mut work = work.clone();
        work.creators.clear();
        // A work may be backdated ("Set a different publication date"), not dated ahead.
        if work.published.is_some_and(|d| d > now.date_naive()) {
            return Err(StoreError::Conflict(
                "The publication date cannot be in the future.".into(),
            ));
        }
        work.updated = None;
        work.complete = Some(work.expected_chapters == Some(work.chapters.len() as u32));
        work.validate()?;
        if pseuds.is_empty() {
            return Err(StoreError::Conflict(
                "Choose at least one of your pseuds to post as.".into(),
            ));
        }
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        for pseud in pseuds {
            match own_pseud_name(&mut db, owner, *pseud).await? {
                Some(name) => work.creators.push(name),
                None => {
                    return Err(StoreError::Conflict(
                        "You can only post under your own pseuds.".into(),
                    ))
                }
            }
        }
        for series in &mut work.series {
            let id = owned_series(&mut db, owner, &series.title, |_| false, now).await?;
            if series.position == 0 {
                series.position = next_part(&mut db, id).await?;
            }
        }
        let new = NewWork::prepare(&work, now.date_naive())?;
        let id = insert(&mut db, &new, now).await?;
        db.execute(
            &Sql::new("UPDATE works SET visibility = $1, comment_policy = $2 WHERE id = $3")
                .bind(visibility.code())
                .bind(comment_policy.code())
                .bind(id.0),
        )
        .await?;
        if !gifts.is_empty() {
            set_gifts_in(tx.db(), id, gifts).await?;
        }
        invite_co_creators_in(tx.db(), id, co_creators).await?;
        if visibility != Visibility::Draft {
            mail::notify_subscribers(&mut tx.db(), now, id.0, None).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Everything the edit form of a work changes, in one transaction: co-creators invited
    /// (`co_creators`), metadata and notes (see [`Store::update_work_metadata`]), gifts,
    /// comment settings and visibility. Refused whole, with nothing changed, when any part
    /// is.
    pub async fn edit_work(&self, id: WorkId, by: UserId, edit: &WorkEdit<'_>) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        invite_co_creators_in(tx.db(), id, edit.co_creators).await?;
        update_work_metadata_in(tx.db(), id, by, edit.work).await?;
        set_gifts_in(tx.db(), id, edit.gifts).await?;
        set_comment_policy_in(tx.db(), id, edit.comment_policy).await?;
        let current: Option<(String,)> = tx
            .db()
            .fetch_optional(&Sql::new("SELECT visibility FROM works WHERE id = $1").bind(id.0))
            .await?;
        if current.is_some_and(|(v,)| v != edit.visibility.code()) {
            set_visibility_in(tx.db(), id, edit.visibility).await?;
        }
        tx.commit().await
    }

    /// Replaces a work's metadata and notes (title, summary, notes, end notes, rating,
    /// warnings, categories, tags, language, spoiler note, series, expected chapters) with
    /// those of `work`; its chapters, creators and dates are left as they are. `by` is the
    /// account making the change: series the work joins must be theirs.
    pub async fn update_work_metadata(&self, id: WorkId, by: UserId, work: &Work) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        update_work_metadata_in(tx.db(), id, by, work).await?;
        tx.commit().await
    }

    /// Adds a chapter at the end of a work; returns its position. A posted work's `updated`
    /// date becomes today; an expected chapter count that is passed grows with the work.
    pub async fn add_chapter(&self, id: WorkId, chapter: &Chapter) -> Result<u32> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let count = chapter_count(&mut db, id).await?;
        let position = count + 1;
        check_chapter(chapter, position)?;
        if position as usize > Work::MAX_CHAPTERS {
            return Err(ValidationError::TooManyChapters.into());
        }
        db.execute(
            &Sql::new(
                "INSERT INTO chapters (work_id, position, title, summary_html, notes_html, \
                 end_notes_html, body_html, word_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(i64::from(position))
            .bind(chapter_title(chapter))
            .bind(chapter.summary.as_str())
            .bind(chapter.notes.as_str())
            .bind(chapter.end_notes.as_str())
            .bind(chapter.body.as_str())
            .bind(to_i64(chapter.words())),
        )
        .await?;
        db.execute(
            &Sql::new("UPDATE works SET updated = $1 WHERE id = $2 AND visibility <> 'draft'")
                .bind(now.date_naive())
                .bind(id.0),
        )
        .await?;
        refresh_counts(&mut db, id, now).await?;
        crate::canon::restore_narration(&mut db, id.0).await?;
        changes::append(&mut db, "work", id.0, Op::Update, now).await?;
        if mail::is_posted(&mut db, id.0).await? {
            mail::notify_subscribers(&mut db, now, id.0, Some(position)).await?;
        }
        tx.commit().await?;
        Ok(position)
    }

    /// Replaces a chapter's title, summary, notes and text.
    pub async fn update_chapter(&self, id: WorkId, position: u32, chapter: &Chapter) -> Result<()> {
        check_chapter(chapter, position)?;
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let n = db
            .execute(
                &Sql::new(
                    "UPDATE chapters SET title = $1, summary_html = $2, notes_html = $3, \
                     end_notes_html = $4, body_html = $5, word_count = $6 \
                     WHERE work_id = $7 AND position = $8",
                )
                .bind(chapter_title(chapter))
                .bind(chapter.summary.as_str())
                .bind(chapter.notes.as_str())
                .bind(chapter.end_notes.as_str())
                .bind(chapter.body.as_str())
                .bind(to_i64(chapter.words()))
                .bind(id.0)
                .bind(i64::from(position)),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("chapter"));
        }
        refresh_counts(&mut db, id, now).await?;
        crate::canon::restore_narration(&mut db, id.0).await?;
        changes::append(&mut db, "work", id.0, Op::Update, now).await?;
        tx.commit().await
    }

    /// Deletes a chapter (and the comments on it); the chapters after it move up one. The
    /// last chapter of a work cannot be deleted: delete the work instead.
    pub async fn delete_chapter(&self, id: WorkId, position: u32) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let count = chapter_count(&mut db, id).await?;
        if position == 0 || position > count {
            return Err(StoreError::NotFound("chapter"));
        }
        if count == 1 {
            return Err(StoreError::Conflict(
                "A work needs at least one chapter: delete the work instead.".into(),
            ));
        }
        let pos = i64::from(position);
        db.execute(
            &Sql::new("DELETE FROM chapters WHERE work_id = $1 AND position = $2")
                .bind(id.0)
                .bind(pos),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE chapters SET position = position + $1 WHERE work_id = $2 AND position > $3",
            )
            .bind(RENUMBER_OFFSET)
            .bind(id.0)
            .bind(pos),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE chapters SET position = position - $1 WHERE work_id = $2 AND position > $1",
            )
            .bind(RENUMBER_OFFSET + 1)
            .bind(id.0),
        )
        .await?;
        let (gone,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "SELECT COUNT(*) FROM comments WHERE work_id = $1 AND chapter = $2 \
                     AND status = 'visible'",
                )
                .bind(id.0)
                .bind(pos),
            )
            .await?;
        db.execute(
            &Sql::new("DELETE FROM comments WHERE work_id = $1 AND chapter = $2")
                .bind(id.0)
                .bind(pos),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE comments SET chapter = chapter - 1 WHERE work_id = $1 AND chapter > $2",
            )
            .bind(id.0)
            .bind(pos),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE readings SET last_chapter = last_chapter - 1 \
                 WHERE work_id = $1 AND last_chapter > $2",
            )
            .bind(id.0)
            .bind(pos),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE works SET comment_count = CASE WHEN comment_count > $1 \
                 THEN comment_count - $1 ELSE 0 END WHERE id = $2",
            )
            .bind(gone)
            .bind(id.0),
        )
        .await?;
        refresh_counts(&mut db, id, now).await?;
        changes::append(&mut db, "work", id.0, Op::Update, now).await?;
        tx.commit().await
    }

    /// Puts a work's chapters in a new order: `order` lists every current position once, in
    /// the order they are to have. Comments follow their chapters.
    pub async fn reorder_chapters(&self, id: WorkId, order: &[u32]) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let count = chapter_count(&mut db, id).await?;
        let distinct: HashSet<u32> = order.iter().copied().collect();
        if order.len() != count as usize
            || distinct.len() != order.len()
            || order.iter().any(|&p| p == 0 || p > count)
        {
            return Err(StoreError::Conflict(format!(
                "Give each of the {count} chapters a different position from 1 to {count}."
            )));
        }
        for table in [("chapters", "position"), ("comments", "chapter")] {
            let (table, column) = table;
            db.execute(
                &Sql::new(format!(
                    "UPDATE {table} SET {column} = {column} + $1 WHERE work_id = $2"
                ))
                .bind(RENUMBER_OFFSET)
                .bind(id.0),
            )
            .await?;
            for (i, old) in order.iter().enumerate() {
                db.execute(
                    &Sql::new(format!(
                        "UPDATE {table} SET {column} = $1 WHERE work_id = $2 AND {column} = $3"
                    ))
                    .bind(i as i64 + 1)
                    .bind(id.0)
                    .bind(i64::from(*old) + RENUMBER_OFFSET),
                )
                .await?;
            }
        }
        refresh_counts(&mut db, id, now).await?;
        changes::append(&mut db, "work", id.0, Op::Update, now).await?;
        tx.commit().await
    }

    /// Sets who may see a work. A draft that is posted gets today as its published and
    /// updated dates.
    pub async fn set_visibility(&self, id: WorkId, visibility: Visibility) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        set_visibility_in(tx.db(), id, visibility).await?;
        tx.commit().await
    }

    /// Sets who may comment on a work.
    pub async fn set_comment_policy(&self, id: WorkId, policy: CommentPolicy) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        set_comment_policy_in(tx.db(), id, policy).await?;
        tx.commit().await
    }

    /// Deletes a work and everything that hangs on it (chapters, tags links, comments,
    /// kudos, bookmarks, ...).
    pub async fn delete_work(&self, id: WorkId) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let n = db
            .execute(&Sql::new("DELETE FROM works WHERE id = $1").bind(id.0))
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("work"));
        }
        db.execute(
            &Sql::new("DELETE FROM subscriptions WHERE kind = 'work' AND target_id = $1")
                .bind(id.0),
        )
        .await?;
        changes::append(&mut db, "work", id.0, Op::Delete, now).await?;
        tx.commit().await
    }

    /// A user's drafts, most recently changed first.
    pub async fn drafts_of(&self, user: UserId) -> Result<Vec<WorkBlurb>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let sql = Sql::new(format!(
            "SELECT {BLURB_COLUMNS} FROM works w WHERE w.visibility = 'draft' AND EXISTS (\
             SELECT 1 FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
             WHERE wc.work_id = w.id AND wc.accepted AND p.user_id = $1) \
             ORDER BY w.modified_at DESC, w.id DESC"
        ))
        .bind(user.0);
        let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let found = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The canonical tags among those a creator types in (fandoms, relationships,
    /// characters, additional tags): suggestions offer them first.
    pub async fn canonical_typed_tags(&self) -> Result<Vec<TagId>> {
        let sql = Sql::new(format!(
            "SELECT id FROM tags WHERE canonical AND kind IN ({})",
            kind_list(&TagKind::TYPED)
        ));
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64,)> = conn.db().fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|(id,)| TagId(id)).collect())
    }

    /// Tags whose name has `query` in it (any case), of one kind or of any a creator types
    /// in, for a tag field's suggestions: the canonical first (see wrangling), then those
    /// whose name starts with it, then the most used, then by name and kind. A synonym is
    /// not offered: its works count for its canonical tag (once a work), as everywhere tags
    /// are counted. Only tags on public works are offered, so a draft's tags stay private.
    /// Counted in SQL: the
    /// reference for the search index's counts (`ajar_web::counts`), and the answer of a
    /// server without an index.
    pub async fn tag_suggestions(
        &self,
        kind: Option<TagKind>,
        query: &str,
        limit: u32,
    ) -> Result<Vec<TagSuggestion>> {
        let key = name_key(query.trim());
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let escaped = key
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let kinds = match kind {
            Some(k) => kind_list(&[k]),
            None => kind_list(&TagKind::TYPED),
        };
        let contains = format!("%{escaped}%");
        let starts = format!("{escaped}%");
        let sql = Sql::new(format!(
            "SELECT t.kind, t.name, COUNT(DISTINCT w.id) AS uses FROM tags t \
             JOIN tags s ON s.id = t.id OR s.merger_id = t.id \
             JOIN work_tags wt ON wt.tag_id = s.id JOIN works w ON w.id = wt.work_id \
             WHERE t.merger_id IS NULL AND t.kind IN ({kinds}) \
             AND t.name_key LIKE $1 ESCAPE '\\' AND {} \
             GROUP BY t.id, t.kind, t.name, t.name_key, t.canonical \
             ORDER BY CASE WHEN t.canonical THEN 0 ELSE 1 END, \
             CASE WHEN t.name_key LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, \
             COUNT(DISTINCT w.id) DESC, t.name_key, t.kind LIMIT $3",
            Audience::Public.listed("w")
        ))
        .bind(contains.as_str())
        .bind(starts.as_str())
        .bind(i64::from(limit));
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(String, String, i64)> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .filter_map(|(kind, name, uses)| {
                TagKind::from_code(&kind).map(|kind| (kind, name, uses))
            })
            .map(|(kind, name, uses)| {
                Ok(TagSuggestion {
                    kind,
                    name,
                    uses: to_u64(uses, "a tag's use count")?,
                })
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Co-creators, gifts and series

/// The pseuds credited on a work (co-creators who accepted), in byline order.
pub(crate) async fn accepted_creator_names(db: &mut Db<'_>, work: i64) -> Result<Vec<String>> {
    let names: Vec<(String,)> = db
        .fetch_all(
            &Sql::new(
                "SELECT p.name FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
                 WHERE wc.work_id = $1 AND wc.accepted ORDER BY wc.position",
            )
            .bind(work),
        )
        .await?;
    Ok(names.into_iter().map(|(n,)| n).collect())
}

impl Store {
    /// Invites the pseuds named in `names` (each an account's) as co-creators of a work. They
    /// are not credited until they accept. Refused, with nothing stored, when a name is no
    /// account's pseud or its account is a creator (or invitee) of the work already.
    pub async fn invite_co_creators(&self, id: WorkId, names: &[String]) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        invite_co_creators_in(tx.db(), id, names).await?;
        tx.commit().await
    }

    /// Co-creator invitations waiting for `user`'s answer, newest work first.
    pub async fn co_creator_invitations(&self, user: UserId) -> Result<Vec<CoCreatorInvitation>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let rows: Vec<(i64, String, String)> = db
            .fetch_all(
                &Sql::new(
                    "SELECT w.id, w.title, p.name FROM work_creators wc \
                     JOIN pseuds p ON p.id = wc.pseud_id JOIN works w ON w.id = wc.work_id \
                     WHERE p.user_id = $1 AND NOT wc.accepted ORDER BY w.id DESC",
                )
                .bind(user.0),
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (work, title, pseud) in rows {
            let creators = accepted_creator_names(&mut db, work).await?;
            out.push(CoCreatorInvitation {
                work: WorkId(work),
                title,
                pseud,
                creators,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Accepts (the work is credited to the invited pseud from now on) or declines (the
    /// invitation is gone) `user`'s invitation to co-create a work.
    pub async fn answer_co_creator_invitation(
        &self,
        user: UserId,
        id: WorkId,
        accept: bool,
    ) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let rows = if accept {
            "UPDATE work_creators SET accepted = TRUE"
        } else {
            "DELETE FROM work_creators"
        };
        let n = db
            .execute(
                &Sql::new(format!(
                    "{rows} WHERE work_id = $1 AND NOT accepted AND pseud_id IN \
                     (SELECT id FROM pseuds WHERE user_id = $2)"
                ))
                .bind(id.0)
                .bind(user.0),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("invitation"));
        }
        crate::suspension::creators_changed(&mut db, id).await?;
        touch(&mut db, id, now).await?;
        tx.commit().await
    }

    /// Makes a work a gift for the accounts named in `names` (replacing earlier gifts).
    /// Refused, with nothing changed, when a name is no account's.
    pub async fn set_gifts(&self, id: WorkId, names: &[String]) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        set_gifts_in(tx.db(), id, names).await?;
        tx.commit().await
    }

    /// The names of the users a work is a gift for.
    pub async fn gifts_of(&self, id: WorkId) -> Result<Vec<String>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(String,)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT u.name FROM gifts g JOIN users u ON u.id = g.user_id \
                     WHERE g.work_id = $1 ORDER BY u.name_key",
                )
                .bind(id.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// A series with its owner and parts (every work, whatever its visibility: for its
    /// owner's page that orders them).
    pub async fn owned_series(&self, series: SeriesId) -> Result<Option<OwnedSeries>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let row: Option<(String, Option<i64>)> = db
            .fetch_optional(
                &Sql::new("SELECT title, owner_id FROM series WHERE id = $1").bind(series.0),
            )
            .await?;
        let Some((title, owner)) = row else {
            return Ok(None);
        };
        let parts: Vec<(i64, i64, String)> = db
            .fetch_all(
                &Sql::new(
                    "SELECT sw.position, w.id, w.title FROM series_works sw \
                     JOIN works w ON w.id = sw.work_id WHERE sw.series_id = $1 \
                     ORDER BY sw.position, w.id",
                )
                .bind(series.0),
            )
            .await?;
        tx.commit().await?;
        Ok(Some(OwnedSeries {
            id: series,
            title,
            owner: owner.map(UserId),
            parts: parts
                .into_iter()
                .map(|(position, id, title)| {
                    Ok((to_u32(position, "a series part")?, WorkId(id), title))
                })
                .collect::<Result<Vec<_>>>()?,
        }))
    }

    /// Sets the part numbers of a series' works: `parts` gives each work of the series its
    /// part (numbers from 1, each used once).
    pub async fn set_series_parts(&self, series: SeriesId, parts: &[(WorkId, u32)]) -> Result<()> {
        let now = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let works: Vec<(i64,)> = db
            .fetch_all(
                &Sql::new("SELECT work_id FROM series_works WHERE series_id = $1").bind(series.0),
            )
            .await?;
        let works: HashSet<i64> = works.into_iter().map(|(w,)| w).collect();
        let given: HashSet<i64> = parts.iter().map(|(w, _)| w.0).collect();
        let numbers: HashSet<u32> = parts.iter().map(|(_, n)| *n).collect();
        if given != works || numbers.len() != parts.len() || numbers.contains(&0) {
            return Err(StoreError::Conflict(
                "Give each work of the series a different part number from 1.".into(),
            ));
        }
        for (work, part) in parts {
            db.execute(
                &Sql::new(
                    "UPDATE series_works SET position = $1 WHERE series_id = $2 AND work_id = $3",
                )
                .bind(i64::from(*part))
                .bind(series.0)
                .bind(work.0),
            )
            .await?;
            touch(&mut db, *work, now).await?;
        }
        tx.commit().await
    }
}

// ---------------------------------------------------------------------------------------
// Helpers inside a write transaction

/// Bumps a work's `modified_at` and appends its `changes` row.
async fn touch(db: &mut Db<'_>, id: WorkId, now: DateTime<Utc>) -> Result<()> {
    db.execute(
        &Sql::new("UPDATE works SET modified_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.0),
    )
    .await?;
    changes::append(db, "work", id.0, Op::Update, now).await?;
    Ok(())
}

fn check_title(title: &str) -> Result<()> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ValidationError::EmptyTitle.into());
    }
    if title.chars().count() > Work::MAX_TITLE_CHARS {
        return Err(ValidationError::TitleTooLong.into());
    }
    Ok(())
}

fn check_chapter(chapter: &Chapter, position: u32) -> Result<()> {
    if !chapter.body.has_text() {
        return Err(ValidationError::EmptyChapter(position).into());
    }
    let body = chapter.body.as_str();
    if body.len() > Chapter::MAX_BODY_CHARS * 4 || body.chars().count() > Chapter::MAX_BODY_CHARS {
        return Err(ValidationError::ChapterTooLong(position).into());
    }
    Ok(())
}

fn chapter_title(chapter: &Chapter) -> Option<&str> {
    chapter
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// How many chapters a work has; `NotFound` when there is no such work.
async fn chapter_count(db: &mut Db<'_>, id: WorkId) -> Result<u32> {
    let row: Option<(i64,)> = db
        .fetch_optional(&Sql::new("SELECT chapter_count FROM works WHERE id = $1").bind(id.0))
        .await?;
    let (n,) = row.ok_or(StoreError::NotFound("work"))?;
    to_u32(n, "a work's chapter count")
}

/// Recounts a work's words and chapters from its chapter rows, keeps its expected chapter
/// count at least the number it has (and "complete" when they meet), and bumps
/// `modified_at`.
async fn refresh_counts(db: &mut Db<'_>, id: WorkId, now: DateTime<Utc>) -> Result<()> {
    let (words, chapters): (i64, i64) = db
        .fetch_one(
            &Sql::new(
                "SELECT CAST(COALESCE(SUM(word_count), 0) AS BIGINT), COUNT(*) FROM chapters \
                 WHERE work_id = $1",
            )
            .bind(id.0),
        )
        .await?;
    let (expected,): (Option<i64>,) = db
        .fetch_one(&Sql::new("SELECT expected_chapters FROM works WHERE id = $1").bind(id.0))
        .await?;
    let expected = expected.map(|e| e.max(chapters));
    db.execute(
        &Sql::new(
            "UPDATE works SET word_count = $1, chapter_count = $2, expected_chapters = $3, \
             complete = $4, modified_at = $5 WHERE id = $6",
        )
        .bind(words)
        .bind(chapters)
        .bind(expected)
        .bind(expected == Some(chapters))
        .bind(now)
        .bind(id.0),
    )
    .await?;
    Ok(())
}

/// The id of the series titled `title` if `owner` may add works to it (theirs, or one
/// `allowed`), creating it (owned by them) when no series has that title.
async fn owned_series(
    db: &mut Db<'_>,
    owner: UserId,
    title: &str,
    allowed: impl Fn(i64) -> bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let title = title.trim();
    let key = name_key(title);
    let row: Option<(i64, Option<i64>)> = db
        .fetch_optional(
            &Sql::new("SELECT id, owner_id FROM series WHERE title_key = $1").bind(key.as_str()),
        )
        .await?;
    let id = match row {
        Some((id, Some(o))) if o == owner.0 => id,
        Some((id, _)) if allowed(id) => id,
        Some(_) => {
            return Err(StoreError::Conflict(format!(
                "The series \"{title}\" belongs to someone else: choose another title."
            )))
        }
        None => {
            let (id,): (i64,) = db
                .fetch_one(
                    &Sql::new(
                        "INSERT INTO series (title, title_key, created_at, owner_id) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(title)
                    .bind(key.as_str())
                    .bind(now)
                    .bind(owner.0),
                )
                .await?;
            id
        }
    };
    Ok(id)
}

/// The part number after a series' last; asked only when a work needs one.
async fn next_part(db: &mut Db<'_>, series: i64) -> Result<u32> {
    let (last,): (Option<i64>,) = db
        .fetch_one(
            &Sql::new("SELECT MAX(position) FROM series_works WHERE series_id = $1").bind(series),
        )
        .await?;
    to_u32(last.unwrap_or(0) + 1, "a series part")
}

/// Replaces a work's tag rows with the tags of `work`, in display order.
async fn set_tags(db: &mut Db<'_>, id: WorkId, work: &Work, now: DateTime<Utc>) -> Result<()> {
    db.execute(&Sql::new("DELETE FROM work_tags WHERE work_id = $1").bind(id.0))
        .await?;
    crate::works::write_work_tags(db, id.0, &crate::works::work_tags(work), now).await
}

/// [`Store::update_work_metadata`] inside the caller's write transaction.
async fn update_work_metadata_in(db: Db<'_>, id: WorkId, by: UserId, work: &Work) -> Result<()> {
    let mut db = db;
    check_title(&work.title)?;
    work.check_tag_count()?;
    let now = now();
    let chapters = chapter_count(&mut db, id).await?;
    if let Some(expected) = work.expected_chapters {
        if expected < chapters {
            return Err(ValidationError::ExpectedBelowActual {
                expected,
                actual: chapters,
            }
            .into());
        }
    }
    let sql = Sql::new(
        "UPDATE works SET title = $1, summary_html = $2, notes_html = $3, \
         end_notes_html = $4, rating = $5, language = $6, spoilers = $7, \
         expected_chapters = $8, complete = $9, completion_stated = TRUE, modified_at = $10 \
         WHERE id = $11",
    )
    .bind(work.title.trim())
    .bind(work.summary.as_str())
    .bind(work.notes.as_str())
    .bind(work.end_notes.as_str())
    .bind(work.rating.code())
    .bind(work.language.code())
    .bind(work.spoilers.as_deref())
    .bind(work.expected_chapters.map(i64::from))
    .bind(work.expected_chapters == Some(chapters))
    .bind(now)
    .bind(id.0);
    db.execute(&sql).await?;
    set_tags(&mut db, id, work, now).await?;
    crate::canon::link_new_work(&mut db, id.0, work).await?;

    // Series: `work.series` is every series the work is to be in. It may stay in series
    // that are not `by`'s and join series of `by`'s; one it stays in without a part number
    // keeps its part.
    let current: Vec<(i64, i64)> = db
        .fetch_all(
            &Sql::new("SELECT series_id, position FROM series_works WHERE work_id = $1").bind(id.0),
        )
        .await?;
    let current: HashMap<i64, i64> = current.into_iter().collect();
    let mut wanted = Vec::new();
    let mut seen = HashSet::new();
    for series in &work.series {
        if series.title.trim().is_empty() {
            continue;
        }
        let series_id = owned_series(
            &mut db,
            by,
            &series.title,
            |s| current.contains_key(&s),
            now,
        )
        .await?;
        let position = match (series.position, current.get(&series_id)) {
            (0, Some(&part)) => to_u32(part, "a series part")?,
            (0, None) => next_part(&mut db, series_id).await?,
            (position, _) => position,
        };
        if seen.insert(series_id) {
            wanted.push((series_id, position));
        }
    }
    db.execute(&Sql::new("DELETE FROM series_works WHERE work_id = $1").bind(id.0))
        .await?;
    for (ordinal, (series_id, position)) in wanted.into_iter().enumerate() {
        db.execute(
            &Sql::new(
                "INSERT INTO series_works (series_id, work_id, position, ordinal) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(series_id)
            .bind(id.0)
            .bind(i64::from(position))
            .bind(ordinal as i64 + 1),
        )
        .await?;
    }
    changes::append(&mut db, "work", id.0, Op::Update, now).await?;
    Ok(())
}

/// [`Store::set_visibility`] inside the caller's write transaction.
async fn set_visibility_in(db: Db<'_>, id: WorkId, visibility: Visibility) -> Result<()> {
    let mut db = db;
    let now = now();
    let row: Option<(String, NaiveDate, DateTime<Utc>)> = db
        .fetch_optional(
            &Sql::new("SELECT visibility, published, created_at FROM works WHERE id = $1")
                .bind(id.0),
        )
        .await?;
    let Some((current, published, created_at)) = row else {
        return Err(StoreError::NotFound("work"));
    };
    let posting = current == Visibility::Draft.code() && visibility != Visibility::Draft;
    let sql = if posting {
        // A draft is dated the day it is posted, unless it was backdated (its date is
        // before the day it was saved).
        let date = if published < created_at.date_naive() {
            published
        } else {
            now.date_naive()
        };
        Sql::new(
            "UPDATE works SET visibility = $1, modified_at = $2, published = $3, \
             updated = $3 WHERE id = $4",
        )
        .bind(visibility.code())
        .bind(now)
        .bind(date)
        .bind(id.0)
    } else {
        Sql::new("UPDATE works SET visibility = $1, modified_at = $2 WHERE id = $3")
            .bind(visibility.code())
            .bind(now)
            .bind(id.0)
    };
    db.execute(&sql).await?;
    if posting {
        // Subscribers' updates pages find new chapters by id (ids only grow): a draft's
        // chapters were stored before it was posted, so they get new ids now, as if
        // written today. Nothing refers to a chapter by id.
        for statement in [
            "INSERT INTO chapters (work_id, position, title, summary_html, notes_html, \
             end_notes_html, body_html, word_count) SELECT work_id, position + 1000000, \
             title, summary_html, notes_html, end_notes_html, body_html, word_count \
             FROM chapters WHERE work_id = $1 ORDER BY position",
            "DELETE FROM chapters WHERE work_id = $1 AND position < 1000000",
            "UPDATE chapters SET position = position - 1000000 WHERE work_id = $1",
        ] {
            db.execute(&Sql::new(statement).bind(id.0)).await?;
        }
        mail::notify_subscribers(&mut db, now, id.0, None).await?;
        let gifted: Vec<(i64,)> = db
            .fetch_all(&Sql::new("SELECT user_id FROM gifts WHERE work_id = $1").bind(id.0))
            .await?;
        let gifted: Vec<i64> = gifted.into_iter().map(|(u,)| u).collect();
        mail::notify_gift(&mut db, now, id.0, &gifted).await?;
    }
    changes::append(&mut db, "work", id.0, Op::Update, now).await?;
    Ok(())
}

/// [`Store::set_comment_policy`] inside the caller's write transaction.
async fn set_comment_policy_in(db: Db<'_>, id: WorkId, policy: CommentPolicy) -> Result<()> {
    let mut db = db;
    let now = now();
    let n = db
        .execute(
            &Sql::new("UPDATE works SET comment_policy = $1, modified_at = $2 WHERE id = $3")
                .bind(policy.code())
                .bind(now)
                .bind(id.0),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound("work"));
    }
    changes::append(&mut db, "work", id.0, Op::Update, now).await?;
    Ok(())
}

/// [`Store::invite_co_creators`] inside the caller's write transaction.
async fn invite_co_creators_in(db: Db<'_>, id: WorkId, names: &[String]) -> Result<()> {
    let mut db = db;
    if names.is_empty() {
        return Ok(());
    }
    let now = now();
    chapter_count(&mut db, id).await?;
    for name in names {
        let name = name.trim();
        let row: Option<(i64, Option<i64>)> = db
            .fetch_optional(
                &Sql::new("SELECT id, user_id FROM pseuds WHERE name_key = $1")
                    .bind(name_key(name).as_str()),
            )
            .await?;
        let (pseud, user) = match row {
            Some((pseud, Some(user))) => (pseud, user),
            _ => {
                return Err(StoreError::Conflict(format!(
                    "There is no account with the pseud \"{name}\" to invite."
                )))
            }
        };
        let already: Option<(i64,)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT wc.pseud_id FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
                     WHERE wc.work_id = $1 AND p.user_id = $2",
                )
                .bind(id.0)
                .bind(user),
            )
            .await?;
        if already.is_some() {
            return Err(StoreError::Conflict(format!(
                "\"{name}\" is a creator of this work already, or has been invited."
            )));
        }
        db.execute(
            &Sql::new(
                "INSERT INTO work_creators (work_id, pseud_id, position, accepted) \
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM work_creators \
                 WHERE work_id = $1), FALSE)",
            )
            .bind(id.0)
            .bind(pseud),
        )
        .await?;
        let title = mail::work_title(&mut db, id.0).await?;
        let event = mail::Event {
            kind: NoticeKind::CoCreator,
            work: Some(id.0),
            comment: None,
            actor: None,
            actor_user: None,
            title: &title,
            detail: name,
            link: "/invitations".to_owned(),
        };
        mail::notify(&mut db, now, &event, "$12", &[Arg::Int(user)]).await?;
    }
    touch(&mut db, id, now).await?;
    Ok(())
}

/// [`Store::set_gifts`] inside the caller's write transaction.
async fn set_gifts_in(db: Db<'_>, id: WorkId, names: &[String]) -> Result<()> {
    let mut db = db;
    let now = now();
    chapter_count(&mut db, id).await?;
    let mut users = Vec::new();
    for name in names {
        let name = name.trim();
        let row: Option<(i64,)> = db
            .fetch_optional(
                &Sql::new("SELECT id FROM users WHERE name_key = $1").bind(name_key(name).as_str()),
            )
            .await?;
        match row {
            Some((user,)) if !users.contains(&user) => users.push(user),
            Some(_) => {}
            None => {
                return Err(StoreError::Conflict(format!(
                    "There is no user named \"{name}\" to give the work to."
                )))
            }
        }
    }
    let before: Vec<(i64,)> = db
        .fetch_all(&Sql::new("SELECT user_id FROM gifts WHERE work_id = $1").bind(id.0))
        .await?;
    let new: Vec<i64> = users
        .iter()
        .copied()
        .filter(|u| !before.iter().any(|(b,)| b == u))
        .collect();
    if mail::is_posted(&mut db, id.0).await? {
        mail::notify_gift(&mut db, now, id.0, &new).await?;
    }
    db.execute(&Sql::new("DELETE FROM gifts WHERE work_id = $1").bind(id.0))
        .await?;
    for user in users {
        db.execute(
            &Sql::new("INSERT INTO gifts (work_id, user_id) VALUES ($1, $2)")
                .bind(id.0)
                .bind(user),
        )
        .await?;
    }
    touch(&mut db, id, now).await?;
    Ok(())
}

/// Tag kinds as an SQL list of their codes (`'fandom', 'character'`); the codes are fixed
/// words, never input.
fn kind_list(kinds: &[TagKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("'{}'", k.code()))
        .collect::<Vec<_>>()
        .join(", ")
}
