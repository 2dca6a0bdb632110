//! Moderation and a reader's own boundaries: reports of works and comments and what admins
//! do about them (hide a work, remove a comment, resolve the report), and each reader's
//! mutes (their works are hidden from the muter) and blocks (they may not comment on the
//! blocker's works or reply to the blocker).
//!
//! `Store::act_on_report` does what an admin decided (hide, remove, suspend, dismiss) and
//! resolves the report in one transaction, using the in-transaction halves of
//! `Store::set_suspended` (accounts) and `Store::delete_comment` (comments); this module
//! finds whose account a reported item belongs to.

use crate::accounts::set_suspended_in;
use crate::changes::{self, Op};
use crate::comments::{set_comment_status_in, CommentStatus};
use crate::db::{Arg, Db, Sql};
use crate::mail::{self, NoticeKind};
use crate::works::now;
use crate::{Result, Store, StoreError};
use ajar_core::{CommentId, UserId, WorkId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Reported {
    Work(WorkId),
    Comment(CommentId),
}

impl Reported {
    /// Every kind [`Reported::entity`] names.
    pub const KINDS: [&'static str; 2] = [
        Reported::Work(WorkId(0)).entity(),
        Reported::Comment(CommentId(0)).entity(),
    ];

    /// What is reported: "work" or "comment".
    pub const fn entity(self) -> &'static str {
        match self {
            Reported::Work(_) => "work",
            Reported::Comment(_) => "comment",
        }
    }

    /// The work's or the comment's id.
    pub fn id(self) -> i64 {
        match self {
            Reported::Work(w) => w.0,
            Reported::Comment(c) => c.0,
        }
    }

    fn from_row(entity: &str, id: i64) -> Result<Reported> {
        match entity {
            "work" => Ok(Reported::Work(WorkId(id))),
            "comment" => Ok(Reported::Comment(CommentId(id))),
            other => Err(StoreError::Corrupt(format!(
                "a report is about {other:?}, not a work or comment"
            ))),
        }
    }
}

/// An open report, with what an admin needs to judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub id: i64,
    pub item: Reported,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// The reporter's account name; `None` for a guest (or a deleted account).
    pub reporter: Option<String>,
    /// The reported work, or the work the reported comment is on.
    pub work_id: Option<WorkId>,
    /// The work's title (`None` when the work is gone).
    pub work_title: Option<String>,
    pub work_hidden: bool,
    /// The chapter (position) a reported comment is on.
    pub chapter: Option<i64>,
    /// A reported comment's text (sanitized HTML) and status.
    pub comment_html: Option<String>,
    pub comment_status: Option<String>,
    /// The accounts answerable for the item: the work's creators, or the comment's author,
    /// as (id, name).
    pub owners: Vec<(UserId, String)>,
}

/// A user someone muted or blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherUser {
    pub id: UserId,
    pub name: String,
    pub since: DateTime<Utc>,
}

/// A hidden work, for the admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenWork {
    pub id: WorkId,
    pub title: String,
}

/// Which of a reader's two lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Mutes,
    Blocks,
}

impl List {
    fn table(self) -> &'static str {
        match self {
            List::Mutes => "user_mutes",
            List::Blocks => "user_blocks",
        }
    }
}

/// What an admin does about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// Hide the reported work.
    HideWork,
    /// Remove the reported comment.
    RemoveComment,
    /// Suspend an account answerable for the reported item.
    Suspend(UserId),
    /// Close the report without doing anything.
    Dismiss,
}

impl ReportAction {
    /// The resolution stored on the report, and said back to the admin.
    pub fn resolution(self) -> &'static str {
        match self {
            ReportAction::HideWork => "hidden",
            ReportAction::RemoveComment => "removed",
            ReportAction::Suspend(_) => "suspended",
            ReportAction::Dismiss => "dismissed",
        }
    }
}

/// The accounts answerable for a reported item: a work's accepted creators, a comment's
/// author.
async fn item_owners(db: &mut Db<'_>, item: Reported) -> Result<Vec<UserId>> {
    match item {
        Reported::Work(w) => Ok(work_owners(db, w.0)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect()),
        Reported::Comment(c) => {
            let row: Option<(Option<i64>,)> = db
                .fetch_optional(&Sql::new("SELECT user_id FROM comments WHERE id = $1").bind(c.0))
                .await?;
            Ok(row
                .and_then(|(user,)| user)
                .map(UserId)
                .into_iter()
                .collect())
        }
    }
}

/// [`Store::set_work_hidden`] inside the caller's write transaction.
async fn set_work_hidden_in(db: &mut Db<'_>, work: WorkId, hidden: bool) -> Result<bool> {
    let now = now();
    let n = db
        .execute(
            &Sql::new("UPDATE works SET hidden = $1, modified_at = $2 WHERE id = $3")
                .bind(hidden)
                .bind(now)
                .bind(work.0),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    changes::append(db, "work", work.0, Op::Update, now).await?;
    Ok(true)
}

/// Resolves every open report about `item` inside the caller's write transaction;
/// returns how many.
async fn resolve_item_reports(
    db: &mut Db<'_>,
    item: Reported,
    by: UserId,
    resolution: &str,
) -> Result<u64> {
    notify_resolution(db, item, resolution).await?;
    db.execute(
        &Sql::new(
            "UPDATE reports SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE entity = $4 AND entity_id = $5 AND resolved_at IS NULL",
        )
        .bind(now())
        .bind(by.0)
        .bind(resolution)
        .bind(item.entity())
        .bind(item.id()),
    )
    .await
}

/// Tells the people who reported `item` (their reports still open) what came of it, and a
/// hidden work's creators that it was hidden.
async fn notify_resolution(db: &mut Db<'_>, item: Reported, resolution: &str) -> Result<()> {
    let at = now();
    let (work, link) = match item {
        Reported::Work(w) => (w.0, format!("/works/{}", w.0)),
        Reported::Comment(c) => {
            let row: Option<(i64,)> = db
                .fetch_optional(&Sql::new("SELECT work_id FROM comments WHERE id = $1").bind(c.0))
                .await?;
            let Some((work,)) = row else { return Ok(()) };
            (work, format!("/comments/{}", c.0))
        }
    };
    let title = mail::work_title(db, work).await?;
    let what = match item {
        Reported::Work(_) => "the work",
        Reported::Comment(_) => "a comment on the work",
    };
    let outcome = match resolution {
        "hidden" => "it has been hidden",
        "removed" => "it has been removed",
        "suspended" => "the account answerable for it has been suspended",
        _ => "no action was needed",
    };
    let detail = format!("Your report about {what} was reviewed: {outcome}.");
    let event = mail::Event {
        kind: NoticeKind::Moderation,
        work: Some(work),
        comment: None,
        actor: None,
        actor_user: None,
        title: &title,
        detail: &detail,
        link,
    };
    mail::notify(
        db,
        at,
        &event,
        "SELECT reporter_id FROM reports WHERE entity = $12 AND entity_id = $13 \
         AND resolved_at IS NULL AND reporter_id IS NOT NULL",
        &[Arg::Text(item.entity()), Arg::Int(item.id())],
    )
    .await?;
    if let (Reported::Work(_), "hidden") = (item, resolution) {
        let event = mail::Event {
            detail: "A moderator hid this work after a report; only you and the archive's \
                     admins can see it now.",
            ..event
        };
        mail::notify(db, at, &event, mail::WORK_CREATOR_USERS, &[Arg::Int(work)]).await?;
    }
    Ok(())
}

/// What an open report is about; None when it is resolved or missing.
async fn open_report_item(db: &mut Db<'_>, report: i64) -> Result<Option<Reported>> {
    let row: Option<(String, i64)> = db
        .fetch_optional(
            &Sql::new(
                "SELECT entity, entity_id FROM reports WHERE id = $1 AND resolved_at IS NULL",
            )
            .bind(report),
        )
        .await?;
    row.map(|(entity, id)| Reported::from_row(&entity, id))
        .transpose()
}

/// The work's accepted creators' accounts.
async fn work_owners(db: &mut Db<'_>, work: i64) -> Result<Vec<(UserId, String)>> {
    let rows: Vec<(i64, String)> = db
        .fetch_all(
            &Sql::new(
                "SELECT DISTINCT u.id, u.name FROM work_creators wc \
                 JOIN pseuds p ON p.id = wc.pseud_id JOIN users u ON u.id = p.user_id \
                 WHERE wc.work_id = $1 AND wc.accepted ORDER BY u.id",
            )
            .bind(work),
        )
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (UserId(id), n)).collect())
}

/// A reported comment's work, chapter, text, status and author (id, name).
type CommentFacts = (i64, i64, String, String, Option<i64>, Option<String>);

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    entity: String,
    entity_id: i64,
    reason: String,
    created_at: DateTime<Utc>,
    reporter: Option<String>,
}

/// The first `$1` suspended accounts by name: read from the partial index
/// `users_suspended`, not every account.
pub(crate) const SUSPENDED_USERS: &str =
    "SELECT id, name FROM users WHERE suspended ORDER BY name_key LIMIT $1";

impl Store {
    /// Files a report; [`StoreError::NotFound`] when the work or comment does not exist.
    /// (Whether the reporter may see it is the caller's check.)
    pub async fn create_report(
        &self,
        reporter: Option<UserId>,
        item: Reported,
        reason: &str,
    ) -> Result<i64> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let exists = match item {
            Reported::Work(w) => db
                .fetch_optional::<(i64,)>(&Sql::new("SELECT id FROM works WHERE id = $1").bind(w.0))
                .await?
                .is_some(),
            Reported::Comment(c) => db
                .fetch_optional::<(i64,)>(
                    &Sql::new("SELECT id FROM comments WHERE id = $1 AND status <> 'deleted'")
                        .bind(c.0),
                )
                .await?
                .is_some(),
        };
        if !exists {
            return Err(StoreError::NotFound(item.entity()));
        }
        let (id,): (i64,) = db
            .fetch_one(
                &Sql::new(
                    "INSERT INTO reports (reporter_id, entity, entity_id, reason, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(reporter.map(|u| u.0))
                .bind(item.entity())
                .bind(item.id())
                .bind(reason)
                .bind(now()),
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Open reports, oldest first, with what each is about.
    pub async fn open_reports(&self, limit: u32) -> Result<Vec<Report>> {
        self.reports_where("r.resolved_at IS NULL", None, limit)
            .await
    }

    /// One open report.
    pub async fn open_report(&self, id: i64) -> Result<Option<Report>> {
        Ok(self
            .reports_where("r.resolved_at IS NULL AND r.id = $2", Some(id), 1)
            .await?
            .into_iter()
            .next())
    }

    async fn reports_where(
        &self,
        clause: &'static str,
        id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Report>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let mut sql = Sql::new(format!(
            "SELECT r.id, r.entity, r.entity_id, r.reason, r.created_at, u.name AS reporter \
             FROM reports r LEFT JOIN users u ON u.id = r.reporter_id \
             WHERE {clause} ORDER BY r.id LIMIT $1"
        ))
        .bind(i64::from(limit));
        if let Some(id) = id {
            sql.push(id);
        }
        let rows: Vec<ReportRow> = db.fetch_all(&sql).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let item = Reported::from_row(&r.entity, r.entity_id)?;
            let mut report = Report {
                id: r.id,
                item,
                reason: r.reason,
                created_at: r.created_at,
                reporter: r.reporter,
                work_id: None,
                work_title: None,
                work_hidden: false,
                chapter: None,
                comment_html: None,
                comment_status: None,
                owners: Vec::new(),
            };
            let work = match item {
                Reported::Work(w) => Some(w.0),
                Reported::Comment(c) => {
                    let row: Option<CommentFacts> = db
                        .fetch_optional(
                            &Sql::new(
                                "SELECT c.work_id, c.chapter, c.body_html, c.status, u.id, u.name \
                                 FROM comments c LEFT JOIN users u ON u.id = c.user_id \
                                 WHERE c.id = $1",
                            )
                            .bind(c.0),
                        )
                        .await?;
                    row.map(|(work, chapter, body, status, user, name)| {
                        report.chapter = Some(chapter);
                        report.comment_html = Some(body);
                        report.comment_status = Some(status);
                        if let (Some(user), Some(name)) = (user, name) {
                            report.owners.push((UserId(user), name));
                        }
                        work
                    })
                }
            };
            if let Some(work) = work {
                let row: Option<(String, bool)> = db
                    .fetch_optional(
                        &Sql::new("SELECT title, hidden FROM works WHERE id = $1").bind(work),
                    )
                    .await?;
                if let Some((title, hidden)) = row {
                    report.work_id = Some(WorkId(work));
                    report.work_title = Some(title);
                    report.work_hidden = hidden;
                    if matches!(item, Reported::Work(_)) {
                        report.owners = work_owners(&mut db, work).await?;
                    }
                }
            }
            out.push(report);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Marks every open report about the same item as `report` resolved by `by` with
    /// `resolution` ('hidden', 'removed', 'suspended', 'dismissed'); returns how many.
    pub async fn resolve_report(&self, report: i64, by: UserId, resolution: &str) -> Result<u64> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let Some(item) = open_report_item(&mut db, report).await? else {
            return Ok(0);
        };
        let n = resolve_item_reports(&mut db, item, by, resolution).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Does what admin `by` decided about an open report and resolves every open report
    /// about the same item, in one transaction: the action and the resolution are saved
    /// together or not at all. Refused ([`StoreError::Conflict`], nothing changed) when the
    /// report is resolved already or missing, when the action does not fit the item (hiding
    /// a comment), or when the account to suspend is not answerable for the item or is
    /// `by`'s own. Returns the resolution.
    pub async fn act_on_report(
        &self,
        report: i64,
        by: UserId,
        action: ReportAction,
    ) -> Result<&'static str> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let Some(item) = open_report_item(&mut db, report).await? else {
            return Err(StoreError::Conflict(
                "That report is resolved already, or does not exist.".into(),
            ));
        };
        match (action, item) {
            (ReportAction::HideWork, Reported::Work(work)) => {
                if !set_work_hidden_in(&mut db, work, true).await? {
                    return Err(StoreError::NotFound("work"));
                }
            }
            (ReportAction::RemoveComment, Reported::Comment(comment)) => {
                set_comment_status_in(&mut db, comment, CommentStatus::Deleted).await?;
            }
            (ReportAction::Suspend(user), _) => {
                if !item_owners(&mut db, item).await?.contains(&user) {
                    return Err(StoreError::Conflict(
                        "Choose an account answerable for the reported item to suspend.".into(),
                    ));
                }
                if user == by {
                    return Err(StoreError::Conflict(
                        "You cannot suspend your own account.".into(),
                    ));
                }
                set_suspended_in(&mut db, user, true).await?;
            }
            (ReportAction::Dismiss, _) => {}
            (ReportAction::HideWork, Reported::Comment(_)) => {
                return Err(StoreError::Conflict(
                    "A comment cannot be hidden: remove it, suspend its author or dismiss the \
                     report."
                        .into(),
                ))
            }
            (ReportAction::RemoveComment, Reported::Work(_)) => {
                return Err(StoreError::Conflict(
                    "A work cannot be removed here: hide it, suspend a creator or dismiss the \
                     report."
                        .into(),
                ))
            }
        }
        resolve_item_reports(&mut db, item, by, action.resolution()).await?;
        tx.commit().await?;
        Ok(action.resolution())
    }

    /// Hides a work from everyone but admins and its creators (or shows it again), telling
    /// the search index; false when there is no such work.
    pub async fn set_work_hidden(&self, work: WorkId, hidden: bool) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let found = set_work_hidden_in(&mut tx.db(), work, hidden).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Hidden works, newest first (for the admin page).
    pub async fn hidden_works(&self, limit: u32) -> Result<Vec<HiddenWork>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String)> = conn
            .db()
            .fetch_all(
                &Sql::new("SELECT id, title FROM works WHERE hidden ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit)),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title)| HiddenWork {
                id: WorkId(id),
                title,
            })
            .collect())
    }

    /// Accounts whose sessions are suspended, by name (for the admin page).
    pub async fn suspended_users(&self, limit: u32) -> Result<Vec<(UserId, String)>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String)> = conn
            .db()
            .fetch_all(&Sql::new(SUSPENDED_USERS).bind(i64::from(limit)))
            .await?;
        Ok(rows.into_iter().map(|(id, n)| (UserId(id), n)).collect())
    }

    // -----------------------------------------------------------------------------------
    // Mutes and blocks

    async fn add_to_list(&self, list: List, user: UserId, target: UserId) -> Result<()> {
        if user == target {
            return Err(StoreError::Conflict(
                "You cannot mute or block yourself.".into(),
            ));
        }
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(
                &Sql::new(format!(
                    "INSERT INTO {} (user_id, target_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id, target_id) DO NOTHING",
                    list.table()
                ))
                .bind(user.0)
                .bind(target.0)
                .bind(now()),
            )
            .await?;
        tx.commit().await
    }

    async fn remove_from_list(&self, list: List, user: UserId, target: UserId) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let n = tx
            .db()
            .execute(
                &Sql::new(format!(
                    "DELETE FROM {} WHERE user_id = $1 AND target_id = $2",
                    list.table()
                ))
                .bind(user.0)
                .bind(target.0),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn list_of(&self, list: List, user: UserId) -> Result<Vec<OtherUser>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String, DateTime<Utc>)> = conn
            .db()
            .fetch_all(
                &Sql::new(format!(
                    "SELECT u.id, u.name, l.created_at FROM {} l JOIN users u ON u.id = l.target_id \
                     WHERE l.user_id = $1 ORDER BY u.name_key",
                    list.table()
                ))
                .bind(user.0),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, since)| OtherUser {
                id: UserId(id),
                name,
                since,
            })
            .collect())
    }

    async fn on_list(&self, list: List, user: UserId, target: UserId) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64,)> = conn
            .db()
            .fetch_optional(
                &Sql::new(format!(
                    "SELECT target_id FROM {} WHERE user_id = $1 AND target_id = $2",
                    list.table()
                ))
                .bind(user.0)
                .bind(target.0),
            )
            .await?;
        Ok(row.is_some())
    }

    /// `user` mutes `target`: their works (and comments) are hidden from `user`.
    pub async fn mute_user(&self, user: UserId, target: UserId) -> Result<()> {
        self.add_to_list(List::Mutes, user, target).await
    }

    pub async fn unmute_user(&self, user: UserId, target: UserId) -> Result<bool> {
        self.remove_from_list(List::Mutes, user, target).await
    }

    /// The users `user` muted, by name.
    pub async fn muted_users(&self, user: UserId) -> Result<Vec<OtherUser>> {
        self.list_of(List::Mutes, user).await
    }

    pub async fn has_muted(&self, user: UserId, target: UserId) -> Result<bool> {
        self.on_list(List::Mutes, user, target).await
    }

    /// The names of every pseud of every user `user` muted: what listings and search leave
    /// out for them (`SearchRequest::exclude_creators`).
    pub async fn muted_creator_names(&self, user: UserId) -> Result<Vec<String>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(String,)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT p.name FROM user_mutes m JOIN pseuds p ON p.user_id = m.target_id \
                     WHERE m.user_id = $1 ORDER BY p.name_key",
                )
                .bind(user.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// `user` blocks `target`: they may not comment on `user`'s works or reply to `user`.
    pub async fn block_user(&self, user: UserId, target: UserId) -> Result<()> {
        self.add_to_list(List::Blocks, user, target).await
    }

    pub async fn unblock_user(&self, user: UserId, target: UserId) -> Result<bool> {
        self.remove_from_list(List::Blocks, user, target).await
    }

    /// The users `user` blocked, by name.
    pub async fn blocked_users(&self, user: UserId) -> Result<Vec<OtherUser>> {
        self.list_of(List::Blocks, user).await
    }

    /// Whether `blocker` blocked `target`.
    pub async fn has_blocked(&self, blocker: UserId, target: UserId) -> Result<bool> {
        self.on_list(List::Blocks, blocker, target).await
    }
}
