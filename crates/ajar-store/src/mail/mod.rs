//! The inbox and the mail outbox.
//!
//! An event that concerns someone (a comment on their work, a new chapter they subscribed
//! to...) writes a row into their inbox (`notifications`) in the transaction of the event
//! itself, through [`notify`]; the row says how their settings want it mailed (at once, in
//! the day's digest, or not). The mail worker (in the web layer, which renders mail) turns
//! those rows into outbox rows ([`Store::queue_notice_mails`]) and sends the outbox
//! ([`Store::claim_mail`], [`Store::mail_sent`], [`Store::mail_failed`]). Account mail (a
//! password reset, an address to confirm) goes into the outbox directly, in the transaction
//! that makes its token.
//!
//! Every outbox row has a unique `event_key`, so one event never makes two mails, and a
//! sender leases the rows it sends under the store's write lock (SQLite's one writer, the
//! advisory lock on PostgreSQL), so with several nodes each mail is sent by one of them.
//! The worker's writes are quiet (see `version`): sending mail changes no page.

mod notify;
mod outbox;

pub(crate) use notify::{
    excerpt, is_posted, notify, notify_creators, notify_gift, notify_subscribers, work_title,
    Event, WORK_CREATOR_USERS,
};
pub use outbox::{
    DigestDue, NewMail, NoticeToMail, OutboxCounts, OutboxEntry, OutboxState, QueuedMail,
};

use crate::db::{placeholder_list, Db, Sql};
use crate::works::now;
use crate::{to_u64, Result, Store, StoreError};
use ajar_core::{CommentId, UserId, WorkId};
use chrono::{DateTime, Utc};
use notify::reset_digest_since;

/// What happened, as an inbox shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// A comment on one of your works (also one waiting for your approval).
    Comment,
    /// A reply to one of your comments.
    Reply,
    Kudos,
    /// A new chapter of a work, or of a creator or series, you subscribed to.
    Chapter,
    /// A new work by a creator, in a series or with a tag you subscribed to.
    Work,
    Gift,
    CoCreator,
    /// Someone bookmarked your work (public bookmarks only).
    Bookmark,
    /// What came of a report you made, or a moderator's action on your work.
    Moderation,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::Comment,
        NoticeKind::Reply,
        NoticeKind::Kudos,
        NoticeKind::Chapter,
        NoticeKind::Work,
        NoticeKind::Gift,
        NoticeKind::CoCreator,
        NoticeKind::Bookmark,
        NoticeKind::Moderation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Comment => "comment",
            NoticeKind::Reply => "reply",
            NoticeKind::Kudos => "kudos",
            NoticeKind::Chapter => "chapter",
            NoticeKind::Work => "work",
            NoticeKind::Gift => "gift",
            NoticeKind::CoCreator => "co_creator",
            NoticeKind::Bookmark => "bookmark",
            NoticeKind::Moderation => "moderation",
        }
    }

    pub fn from_code(code: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The setting that decides how this kind is mailed.
    pub fn category(self) -> NoticeCategory {
        match self {
            NoticeKind::Comment | NoticeKind::Reply => NoticeCategory::Comments,
            NoticeKind::Kudos => NoticeCategory::Kudos,
            NoticeKind::Chapter | NoticeKind::Work => NoticeCategory::Subscriptions,
            NoticeKind::Gift => NoticeCategory::Gifts,
            NoticeKind::CoCreator => NoticeCategory::CoCreators,
            NoticeKind::Bookmark => NoticeCategory::Bookmarks,
            NoticeKind::Moderation => NoticeCategory::Moderation,
        }
    }
}

/// A kind of notification a member chooses how to get by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeCategory {
    Comments,
    Kudos,
    Subscriptions,
    Gifts,
    CoCreators,
    Bookmarks,
    Moderation,
}

impl NoticeCategory {
    pub const ALL: [NoticeCategory; 7] = [
        NoticeCategory::Comments,
        NoticeCategory::Subscriptions,
        NoticeCategory::Kudos,
        NoticeCategory::Gifts,
        NoticeCategory::CoCreators,
        NoticeCategory::Bookmarks,
        NoticeCategory::Moderation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeCategory::Comments => "comments",
            NoticeCategory::Kudos => "kudos",
            NoticeCategory::Subscriptions => "subscriptions",
            NoticeCategory::Gifts => "gifts",
            NoticeCategory::CoCreators => "co_creators",
            NoticeCategory::Bookmarks => "bookmarks",
            NoticeCategory::Moderation => "moderation",
        }
    }

    pub fn from_code(code: &str) -> Option<NoticeCategory> {
        NoticeCategory::ALL.into_iter().find(|c| c.code() == code)
    }

    /// What a member who never chose gets: kudos come in the digest, bookmarks not at all
    /// (AO3's defaults), the rest at once.
    pub fn default_mode(self) -> MailMode {
        match self {
            NoticeCategory::Kudos => MailMode::Digest,
            NoticeCategory::Bookmarks => MailMode::Off,
            _ => MailMode::Now,
        }
    }

    /// How the settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            NoticeCategory::Comments => "Comments on your works and replies to your comments",
            NoticeCategory::Kudos => "Kudos on your works",
            NoticeCategory::Subscriptions => "New works and chapters you subscribed to",
            NoticeCategory::Gifts => "Works given to you",
            NoticeCategory::CoCreators => "Invitations to be a co-creator",
            NoticeCategory::Bookmarks => "Bookmarks of your works",
            NoticeCategory::Moderation => "Reports and moderation",
        }
    }
}

/// How a member gets a category of notification by mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailMode {
    /// One mail per event, as it happens.
    Now,
    /// Grouped with the day's others into one mail.
    Digest,
    /// Not mailed (the inbox still shows it).
    Off,
}

impl MailMode {
    pub const ALL: [MailMode; 3] = [MailMode::Now, MailMode::Digest, MailMode::Off];

    pub fn code(self) -> &'static str {
        match self {
            MailMode::Now => "now",
            MailMode::Digest => "digest",
            MailMode::Off => "off",
        }
    }

    pub fn from_code(code: &str) -> Option<MailMode> {
        MailMode::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            MailMode::Now => "Immediately",
            MailMode::Digest => "Daily digest",
            MailMode::Off => "Off",
        }
    }
}

/// One inbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub work: Option<WorkId>,
    pub comment: Option<CommentId>,
    /// Who did it, as shown; `None` for the archive itself.
    pub actor: Option<String>,
    /// The work's title (or the subject) at the time.
    pub title: String,
    /// An excerpt, plain text (a comment's first words, a moderator's note).
    pub detail: String,
    /// Where on the site it is (a path beginning with `/`).
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

const NOTICE_COLUMNS: &str = "n.id, n.kind, n.work_id, n.comment_id, n.actor, n.title, \
     n.detail, n.link, n.created_at, n.read_at IS NOT NULL AS is_read";

/// An inbox row as [`NOTICE_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    kind: String,
    work_id: Option<i64>,
    comment_id: Option<i64>,
    actor: Option<String>,
    title: String,
    detail: String,
    link: String,
    created_at: DateTime<Utc>,
    is_read: bool,
}

fn notice_of(row: NoticeRow) -> Result<Notice> {
    let kind = NoticeKind::from_code(&row.kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown notification kind {:?}", row.kind)))?;
    Ok(Notice {
        id: row.id,
        kind,
        work: row.work_id.map(WorkId),
        comment: row.comment_id.map(CommentId),
        actor: row.actor,
        title: row.title,
        detail: row.detail,
        link: row.link,
        created_at: row.created_at,
        read: row.is_read,
    })
}

impl Store {
    // -----------------------------------------------------------------------------------
    // The inbox

    /// A member's inbox, newest first: at most `limit` items older than `before` (an id).
    pub async fn notices(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Notice>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<NoticeRow> = conn
            .db()
            .fetch_all(
                &Sql::new(format!(
                    "SELECT {NOTICE_COLUMNS} FROM notifications n WHERE n.user_id = $1 \
                     AND n.id < $2 ORDER BY n.id DESC LIMIT $3"
                ))
                .bind(user.0)
                .bind(before.unwrap_or(i64::MAX))
                .bind(i64::from(limit)),
            )
            .await?;
        rows.into_iter().map(notice_of).collect()
    }

    /// One of a member's inbox items.
    pub async fn notice(&self, user: UserId, id: i64) -> Result<Option<Notice>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<NoticeRow> = conn
            .db()
            .fetch_optional(
                &Sql::new(format!(
                    "SELECT {NOTICE_COLUMNS} FROM notifications n WHERE n.id = $1 AND n.user_id = $2"
                ))
                .bind(id)
                .bind(user.0),
            )
            .await?;
        row.map(notice_of).transpose()
    }

    /// How many of a member's inbox items are unread.
    pub async fn unread_notices(&self, user: UserId) -> Result<u64> {
        let mut conn = self.pool.conn().await?;
        let (n,): (i64,) = conn
            .db()
            .fetch_one(
                &Sql::new(
                    "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
                )
                .bind(user.0),
            )
            .await?;
        to_u64(n, "an unread count")
    }

    /// Marks some of a member's inbox items (all of them when `ids` is empty) read or
    /// unread; returns how many changed.
    pub async fn mark_notices(&self, user: UserId, ids: &[i64], read: bool) -> Result<u64> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        // Marking read binds the time as `$2`, so the ids follow from `$3`.
        let mut sql = if read {
            Sql::new(format!(
                "UPDATE notifications SET read_at = $2 WHERE read_at IS NULL AND user_id = $1{}",
                id_filter_from(ids, 3)
            ))
            .bind(user.0)
            .bind(at)
        } else {
            Sql::new(format!(
                "UPDATE notifications SET read_at = NULL WHERE read_at IS NOT NULL \
                 AND user_id = $1{}",
                id_filter_from(ids, 2)
            ))
            .bind(user.0)
        };
        for id in ids {
            sql.push(*id);
        }
        let changed = tx.db().execute(&sql).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(changed)
    }

    /// Deletes some of a member's inbox items (only theirs); returns how many went.
    pub async fn delete_notices(&self, user: UserId, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let mut sql = Sql::new(format!(
            "DELETE FROM notifications WHERE user_id = $1{}",
            id_filter_from(ids, 2)
        ))
        .bind(user.0);
        for id in ids {
            sql.push(*id);
        }
        let gone = tx.db().execute(&sql).await?;
        reset_digest_since(&mut tx.db(), user.0).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(gone)
    }

    // -----------------------------------------------------------------------------------
    // Settings and unsubscribing

    /// How a member gets each category by mail (the defaults where they never chose).
    pub async fn mail_prefs(&self, user: UserId) -> Result<Vec<(NoticeCategory, MailMode)>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(String, String)> = conn
            .db()
            .fetch_all(
                &Sql::new("SELECT category, mode FROM notification_prefs WHERE user_id = $1")
                    .bind(user.0),
            )
            .await?;
        Ok(NoticeCategory::ALL
            .into_iter()
            .map(|c| {
                let chosen = rows
                    .iter()
                    .find(|(code, _)| code == c.code())
                    .and_then(|(_, mode)| MailMode::from_code(mode));
                (c, chosen.unwrap_or(c.default_mode()))
            })
            .collect())
    }

    /// Sets how a member gets one category by mail (quiet: no page shows it).
    pub async fn set_mail_pref(
        &self,
        user: UserId,
        category: NoticeCategory,
        mode: MailMode,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        set_pref_in(&mut tx.db(), user, category, mode).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(())
    }

    /// The token of a member's unsubscribe links, made from `candidate` the first time.
    pub async fn ensure_mail_token(&self, user: UserId, candidate: &str) -> Result<String> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let mut db = tx.db();
        db.execute(
            &Sql::new("UPDATE users SET mail_token = $1 WHERE id = $2 AND mail_token IS NULL")
                .bind(candidate)
                .bind(user.0),
        )
        .await?;
        let (token,): (Option<String>,) = db
            .fetch_one(&Sql::new("SELECT mail_token FROM users WHERE id = $1").bind(user.0))
            .await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        token.ok_or(StoreError::NotFound("user"))
    }

    /// The member an unsubscribe token belongs to, and their name.
    pub async fn user_by_mail_token(&self, token: &str) -> Result<Option<(UserId, String)>> {
        if token.is_empty() {
            return Ok(None);
        }
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64, String)> = conn
            .db()
            .fetch_optional(
                &Sql::new("SELECT id, name FROM users WHERE mail_token = $1").bind(token),
            )
            .await?;
        Ok(row.map(|(id, name)| (UserId(id), name)))
    }

    /// Turns one category's mail off for the member whose unsubscribe token this is
    /// (nothing else changes); `None` for an unknown token.
    pub async fn unsubscribe_by_token(
        &self,
        token: &str,
        category: NoticeCategory,
    ) -> Result<Option<UserId>> {
        let Some((user, _)) = self.user_by_mail_token(token).await? else {
            return Ok(None);
        };
        self.set_mail_pref(user, category, MailMode::Off).await?;
        Ok(Some(user))
    }

    /// Whether an account other than `user` has `email` (compared as the store compares
    /// addresses), so a change to it can be refused before any link is mailed.
    pub async fn email_taken(&self, email: &str, user: UserId) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        crate::accounts::email_in_use_by(&mut conn.db(), &crate::name_key(email), Some(user)).await
    }

    /// Turns off every category the member gets in their daily digest (what a digest's
    /// one-click link does), in one transaction; `None` for an unknown token.
    pub async fn unsubscribe_digest_by_token(&self, token: &str) -> Result<Option<UserId>> {
        let Some((user, _)) = self.user_by_mail_token(token).await? else {
            return Ok(None);
        };
        let digest: Vec<NoticeCategory> = self
            .mail_prefs(user)
            .await?
            .into_iter()
            .filter(|(_, mode)| *mode == MailMode::Digest)
            .map(|(category, _)| category)
            .collect();
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        for category in digest {
            set_pref_in(&mut tx.db(), user, category, MailMode::Off).await?;
        }
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(Some(user))
    }
}

async fn set_pref_in(
    db: &mut Db<'_>,
    user: UserId,
    category: NoticeCategory,
    mode: MailMode,
) -> Result<()> {
    db.execute(
        &Sql::new(
            "INSERT INTO notification_prefs (user_id, category, mode) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, category) DO UPDATE SET mode = excluded.mode",
        )
        .bind(user.0)
        .bind(category.code())
        .bind(mode.code()),
    )
    .await?;
    Ok(())
}

/// ` AND id IN ($first, ...)` for `ids`; nothing for no ids (every row).
fn id_filter_from(ids: &[i64], first: usize) -> String {
    if ids.is_empty() {
        return String::new();
    }
    format!(" AND id IN ({})", placeholder_list(ids.len(), first))
}
