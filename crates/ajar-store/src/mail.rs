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

use crate::db::{placeholder_list, Arg, Db, Sql, MAX_ARGS};
use crate::works::now;
use crate::{to_u64, Result, Store, StoreError};
use ajar_core::{CommentId, UserId, WorkId};
use chrono::{DateTime, Duration, Utc};

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

/// An inbox row with whom it is mailed to.
#[derive(sqlx::FromRow)]
struct NoticeMailRow {
    user_id: i64,
    name: String,
    email: String,
    mail_token: Option<String>,
    #[sqlx(flatten)]
    notice: NoticeRow,
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

/// An event to write into inboxes (see [`notify`]).
pub(crate) struct Event<'a> {
    pub(crate) kind: NoticeKind,
    pub(crate) work: Option<i64>,
    pub(crate) comment: Option<i64>,
    pub(crate) actor: Option<&'a str>,
    /// The account that did it, which is never told of its own doing.
    pub(crate) actor_user: Option<i64>,
    pub(crate) title: &'a str,
    pub(crate) detail: &'a str,
    pub(crate) link: String,
}

/// The longest excerpt an inbox item keeps, in characters.
const DETAIL_CHARS: usize = 400;

/// The first [`DETAIL_CHARS`] characters of `text`, whitespace runs made single spaces.
pub(crate) fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if chars + len + 1 > DETAIL_CHARS {
            out.push('…');
            break;
        }
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += len;
    }
    out
}

/// Writes `event` into the inbox of each user `recipients` selects (SQL giving user ids,
/// its placeholders numbered from `$12`, bound from `args`), but not the one who did it.
/// Each row records how that user's settings want it mailed; an address not yet confirmed
/// is not mailed. Returns how many inboxes it reached.
pub(crate) async fn notify(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    event: &Event<'_>,
    recipients: &str,
    args: &[Arg<'_>],
) -> Result<u64> {
    let category = event.kind.category();
    let mut sql = Sql::new(format!(
        "INSERT INTO notifications (user_id, kind, work_id, comment_id, actor, title, detail, \
         link, mail, created_at) \
         SELECT u.id, $1, $2, $3, $4, $5, $6, $7, \
         CASE WHEN u.email_confirmed THEN COALESCE((SELECT p.mode FROM notification_prefs p \
         WHERE p.user_id = u.id AND p.category = $8), $9) ELSE 'off' END, $10 \
         FROM users u WHERE u.id <> COALESCE($11, 0) AND NOT u.suspended \
         AND u.id IN ({recipients}) RETURNING user_id, mail"
    ))
    .bind(event.kind.code())
    .bind(event.work)
    .bind(event.comment)
    .bind(event.actor)
    .bind(event.title)
    .bind(event.detail)
    .bind(event.link.as_str())
    .bind(category.code())
    .bind(category.default_mode().code())
    .bind(at)
    .bind(event.actor_user);
    for arg in args {
        sql.push(*arg);
    }
    let written: Vec<(i64, String)> = db.fetch_all(&sql).await?;
    // Those whose digest this starts are due a day from now (see `digests_due`).
    let digest: Vec<i64> = written
        .iter()
        .filter(|(_, mail)| mail == MailMode::Digest.code())
        .map(|(user, _)| *user)
        .collect();
    for chunk in digest.chunks(MAX_ARGS - 1) {
        let mut sql = Sql::new(format!(
            "UPDATE users SET digest_since = $1 WHERE digest_since IS NULL AND id IN ({})",
            placeholder_list(chunk.len(), 2)
        ))
        .bind(at);
        for user in chunk {
            sql.push(*user);
        }
        db.execute(&sql).await?;
    }
    Ok(written.len() as u64)
}

/// Sets when a member's oldest notification still waiting for their digest was written
/// (`NULL`: none waits), after a digest went out or such notifications were deleted.
async fn reset_digest_since(db: &mut Db<'_>, user: i64) -> Result<()> {
    db.execute(
        &Sql::new(
            "UPDATE users SET digest_since = (SELECT MIN(n.created_at) FROM notifications n \
             WHERE n.user_id = $1 AND n.mail = 'digest' AND n.mailed_at IS NULL) WHERE id = $1",
        )
        .bind(user),
    )
    .await?;
    Ok(())
}

/// The SQL (for [`notify`]) selecting the accounts behind a work's creators: `$12` the work.
pub(crate) const WORK_CREATOR_USERS: &str = "SELECT p.user_id FROM work_creators wc \
     JOIN pseuds p ON p.id = wc.pseud_id WHERE wc.work_id = $12 AND wc.accepted";

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// What caused it, unique: queuing the same key twice queues one mail.
    pub event_key: String,
    pub user: Option<UserId>,
    pub to_name: String,
    pub to_address: String,
    /// reset | confirm | email_changed | notification | digest | test
    pub kind: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The one-click unsubscribe address, for notifications.
    pub unsubscribe: Option<String>,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    pub kind: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe: Option<String>,
    /// Tries made before this one.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

type QueuedRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    DateTime<Utc>,
);

const QUEUED_COLUMNS: &str = "id, kind, to_name, to_address, subject, text_body, html_body, \
     unsubscribe, attempts, created_at";

fn queued_of(row: QueuedRow) -> QueuedMail {
    let (
        id,
        kind,
        to_name,
        to_address,
        subject,
        text_body,
        html_body,
        unsubscribe,
        attempts,
        created_at,
    ) = row;
    QueuedMail {
        id,
        kind,
        to_name,
        to_address,
        subject,
        text_body,
        html_body,
        unsubscribe,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        created_at,
    }
}

/// An outbox row as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// How many mails wait, have failed for good, and went out in the last day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub failed: u64,
    pub sent_last_day: u64,
}

/// Which outbox rows to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Failed,
    Sent,
}

/// A notification to mail alone, with whom it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeToMail {
    pub user: UserId,
    pub name: String,
    pub email: String,
    pub mail_token: Option<String>,
    pub notice: Notice,
}

/// A member whose digest is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestDue {
    pub user: UserId,
    pub name: String,
    pub email: String,
    pub mail_token: Option<String>,
}

/// Queues `mail` inside the caller's transaction; `false` when its event already queued one.
pub(crate) async fn queue_in(db: &mut Db<'_>, mail: &NewMail, at: DateTime<Utc>) -> Result<bool> {
    let added = db
        .execute(
            &Sql::new(
                "INSERT INTO mail_outbox (event_key, user_id, to_name, to_address, kind, subject, \
                 text_body, html_body, unsubscribe, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                 ON CONFLICT (event_key) DO NOTHING",
            )
            .bind(mail.event_key.as_str())
            .bind(mail.user.map(|u| u.0))
            .bind(mail.to_name.as_str())
            .bind(mail.to_address.as_str())
            .bind(mail.kind.as_str())
            .bind(mail.subject.as_str())
            .bind(mail.text_body.as_str())
            .bind(mail.html_body.as_str())
            .bind(mail.unsubscribe.as_deref())
            .bind(at),
        )
        .await?;
    Ok(added > 0)
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
        let set = if read {
            "read_at = $2 WHERE read_at IS NULL"
        } else {
            "read_at = NULL WHERE read_at IS NOT NULL AND $2 IS NOT NULL"
        };
        let mut sql = Sql::new(format!(
            "UPDATE notifications SET {set} AND user_id = $1{}",
            id_filter(ids)
        ))
        .bind(user.0)
        .bind(at);
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

    // -----------------------------------------------------------------------------------
    // Confirming addresses

    /// Stores a link to confirm `email` for `user` (a new account's address, or the new one
    /// of a change: it takes effect only when confirmed), replacing any earlier one, and
    /// queues `mails` with it, in one transaction.
    pub async fn start_email_confirmation(
        &self,
        user: UserId,
        email: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        mails: &[NewMail],
    ) -> Result<()> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        db.execute(&Sql::new("DELETE FROM email_confirmations WHERE user_id = $1").bind(user.0))
            .await?;
        db.execute(
            &Sql::new(
                "INSERT INTO email_confirmations (token_hash, user_id, email, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(email)
            .bind(at)
            .bind(expires_at),
        )
        .await?;
        for mail in mails {
            queue_in(&mut db, mail, at).await?;
        }
        tx.commit().await
    }

    /// The account and address a confirmation link is for, if it is live.
    pub async fn email_confirmation(&self, token_hash: &str) -> Result<Option<(UserId, String)>> {
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64, String, DateTime<Utc>)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT user_id, email, expires_at FROM email_confirmations \
                     WHERE token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        Ok(row
            .filter(|(_, _, expires)| *expires > now())
            .map(|(user, email, _)| (UserId(user), email)))
    }

    /// Spends a confirmation link: the account's address becomes the one it confirms, marked
    /// confirmed. `None` when the link is unknown, spent or expired; refused with
    /// [`StoreError::Conflict`] when another account took that address meanwhile.
    pub async fn confirm_email(&self, token_hash: &str) -> Result<Option<(UserId, String)>> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let row: Option<(i64, String, DateTime<Utc>)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT user_id, email, expires_at FROM email_confirmations \
                     WHERE token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        let Some((user, email, _)) = row.filter(|(_, _, expires)| *expires > at) else {
            return Ok(None);
        };
        let key = crate::name_key(&email);
        if crate::accounts::email_in_use_by(&mut db, &key, Some(UserId(user))).await? {
            return Err(crate::accounts::email_in_use());
        }
        db.execute(
            &Sql::new(
                "UPDATE users SET email = $1, email_key = $2, email_confirmed = TRUE WHERE id = $3",
            )
            .bind(email.as_str())
            .bind(key.as_str())
            .bind(user),
        )
        .await?;
        db.execute(&Sql::new("DELETE FROM email_confirmations WHERE user_id = $1").bind(user))
            .await?;
        tx.commit().await?;
        Ok(Some((UserId(user), email)))
    }

    /// Whether a member's address is confirmed, and the address a pending change would
    /// give them (waiting for its confirmation).
    pub async fn email_state(&self, user: UserId) -> Result<(bool, Option<String>)> {
        let mut conn = self.pool.conn().await?;
        let mut db = conn.db();
        let (confirmed,): (bool,) = db
            .fetch_one(&Sql::new("SELECT email_confirmed FROM users WHERE id = $1").bind(user.0))
            .await?;
        let pending: Option<(String, String)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT c.email, u.email FROM email_confirmations c \
                     JOIN users u ON u.id = c.user_id WHERE c.user_id = $1 AND c.expires_at > $2",
                )
                .bind(user.0)
                .bind(now()),
            )
            .await?;
        Ok((
            confirmed,
            pending
                .filter(|(new, old)| crate::name_key(new) != crate::name_key(old))
                .map(|(new, _)| new),
        ))
    }

    // -----------------------------------------------------------------------------------
    // The outbox

    /// Queues a mail by itself; `false` when its event already queued one.
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let added = queue_in(&mut tx.db(), mail, now()).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(added)
    }

    /// Notifications to mail one by one (their member chose "immediately"), oldest first,
    /// with whom they go to: only members whose address is confirmed.
    pub async fn notices_to_mail(&self, limit: u32) -> Result<Vec<NoticeToMail>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(format!(
            "SELECT u.id AS user_id, u.name, u.email, u.mail_token, {NOTICE_COLUMNS} \
             FROM notifications n \
             JOIN users u ON u.id = n.user_id \
             WHERE n.mail = 'now' AND n.mailed_at IS NULL AND u.email_confirmed \
             ORDER BY n.id LIMIT $1"
        ))
        .bind(i64::from(limit));
        let rows: Vec<NoticeMailRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(NoticeToMail {
                    user: UserId(r.user_id),
                    name: r.name,
                    email: r.email,
                    mail_token: r.mail_token,
                    notice: notice_of(r.notice)?,
                })
            })
            .collect()
    }

    /// Members with digest notifications waiting since before `since` (so a digest holds a
    /// day's events, not one event), at most `limit` of them.
    pub async fn digests_due(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<DigestDue>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String, String, Option<String>)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT id, name, email, mail_token FROM users \
                     WHERE digest_since IS NOT NULL AND digest_since <= $1 AND email_confirmed \
                     ORDER BY digest_since LIMIT $2",
                )
                .bind(since)
                .bind(i64::from(limit)),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email, mail_token)| DigestDue {
                user: UserId(id),
                name,
                email,
                mail_token,
            })
            .collect())
    }

    /// Recomputes when a member's digest is due (after another node sent it, say).
    pub async fn refresh_digest(&self, user: UserId) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        reset_digest_since(&mut tx.db(), user.0).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(())
    }

    /// A member's notifications waiting for their digest, oldest first (at most `limit`).
    pub async fn digest_notices(&self, user: UserId, limit: u32) -> Result<Vec<Notice>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<NoticeRow> = conn
            .db()
            .fetch_all(
                &Sql::new(format!(
                    "SELECT {NOTICE_COLUMNS} FROM notifications n WHERE n.user_id = $1 \
                     AND n.mail = 'digest' AND n.mailed_at IS NULL ORDER BY n.id LIMIT $2"
                ))
                .bind(user.0)
                .bind(i64::from(limit)),
            )
            .await?;
        rows.into_iter().map(notice_of).collect()
    }

    /// Queues mails made from notifications, each with the notifications it carries (one,
    /// or a digest's): in one transaction, each mail is queued only if its notifications
    /// were not mailed yet, and they are marked mailed. Returns how many mails were queued.
    pub async fn queue_notice_mails(&self, mails: &[(Vec<i64>, NewMail)]) -> Result<u64> {
        if mails.is_empty() {
            return Ok(0);
        }
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let mut db = tx.db();
        let mut queued = 0;
        for (ids, mail) in mails {
            if ids.is_empty() {
                continue;
            }
            let mut sql = Sql::new(format!(
                "UPDATE notifications SET mailed_at = $1 WHERE mailed_at IS NULL AND 1 = 1{}",
                id_filter_from(ids, 2)
            ))
            .bind(at);
            for id in ids {
                sql.push(*id);
            }
            if db.execute(&sql).await? == 0 {
                continue;
            }
            if mail.kind == "digest" {
                if let Some(user) = mail.user {
                    db.execute(
                        &Sql::new("UPDATE users SET digest_sent_at = $1 WHERE id = $2")
                            .bind(at)
                            .bind(user.0),
                    )
                    .await?;
                    reset_digest_since(&mut db, user.0).await?;
                }
            }
            if queue_in(&mut db, mail, at).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(queued)
    }

    /// Whether any mail is due to be sent (a read, so an idle worker writes nothing).
    pub async fn mail_due(&self) -> Result<bool> {
        let at = now();
        let mut conn = self.pool.conn().await?;
        let row: Option<(i64,)> = conn
            .db()
            .fetch_optional(
                &Sql::new(
                    "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                     AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1) \
                     LIMIT 1",
                )
                .bind(at),
            )
            .await?;
        Ok(row.is_some())
    }

    /// Claims up to `limit` due mails for `owner` (a sender) for `lease`: no other sender
    /// takes them until the lease runs out. Oldest first.
    pub async fn claim_mail(
        &self,
        owner: &str,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMail>> {
        let at = now();
        let until = at + lease;
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let mut db = tx.db();
        let claimed = db
            .execute(
                &Sql::new(
                    "UPDATE mail_outbox SET lease_owner = $1, lease_until = $2 \
                     WHERE sent_at IS NULL AND failed_at IS NULL \
                     AND (lease_until IS NULL OR lease_until < $3) \
                     AND id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL \
                     AND failed_at IS NULL AND next_attempt_at <= $3 \
                     AND (lease_until IS NULL OR lease_until < $3) ORDER BY id LIMIT $4)",
                )
                .bind(owner)
                .bind(until)
                .bind(at)
                .bind(i64::from(limit)),
            )
            .await?;
        let rows: Vec<QueuedRow> = if claimed == 0 {
            Vec::new()
        } else {
            db.fetch_all(
                &Sql::new(format!(
                    "SELECT {QUEUED_COLUMNS} FROM mail_outbox WHERE lease_owner = $1 \
                     AND lease_until = $2 AND sent_at IS NULL ORDER BY id"
                ))
                .bind(owner)
                .bind(until),
            )
            .await?
        };
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(rows.into_iter().map(queued_of).collect())
    }

    /// Records that a claimed mail went out. A mail carrying a link that stands for a
    /// password (a reset, an address confirmation) keeps no copy of it once sent.
    pub async fn mail_sent(&self, id: i64) -> Result<()> {
        self.outbox_write(
            Sql::new(
                "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, \
                 lease_owner = NULL, lease_until = NULL, last_error = NULL, \
                 text_body = CASE WHEN kind IN ('reset', 'confirm') THEN '' ELSE text_body END, \
                 html_body = CASE WHEN kind IN ('reset', 'confirm') THEN '' ELSE html_body END \
                 WHERE id = $2",
            )
            .bind(now())
            .bind(id),
        )
        .await
    }

    /// Records that sending a claimed mail failed with `error`: tried again at `retry_at`,
    /// or given up on (`None`).
    pub async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let at = now();
        let sql = match retry_at {
            Some(next) => Sql::new(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, \
                 next_attempt_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $3",
            )
            .bind(error)
            .bind(next)
            .bind(id),
            None => Sql::new(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, \
                 failed_at = $2, lease_owner = NULL, lease_until = NULL WHERE id = $3",
            )
            .bind(error)
            .bind(at)
            .bind(id),
        };
        self.outbox_write(sql).await
    }

    /// Deletes mail sent before `before`; returns how many rows went.
    pub async fn prune_sent_mail(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let quiet = self.quiet_write_begins();
        let gone = tx
            .db()
            .execute(&Sql::new("DELETE FROM mail_outbox WHERE sent_at < $1").bind(before))
            .await?;
        tx.commit().await?;
        self.quiet_write_done(quiet);
        Ok(gone)
    }

    /// Puts a mail given up on back in the queue, due now; `false` if it was not failed.
    pub async fn retry_mail(&self, id: i64) -> Result<bool> {
        let mut tx = self.pool.begin_write().await?;
        let changed = tx
            .db()
            .execute(
                &Sql::new(
                    "UPDATE mail_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $1 \
                     WHERE id = $2 AND failed_at IS NOT NULL",
                )
                .bind(now())
                .bind(id),
            )
            .await?;
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn outbox_write(&self, sql: Sql<'_>) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        tx.db().execute(&sql).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(())
    }

    /// How many mails wait, failed for good, and went out in the last day.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let day_ago = now() - Duration::days(1);
        let mut conn = self.pool.conn().await?;
        let (pending, failed, sent): (i64, i64, i64) = conn
            .db()
            .fetch_one(
                &Sql::new(
                    "SELECT \
                     (SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL), \
                     (SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT NULL), \
                     (SELECT COUNT(*) FROM mail_outbox WHERE sent_at >= $1)",
                )
                .bind(day_ago),
            )
            .await?;
        Ok(OutboxCounts {
            pending: to_u64(pending, "an outbox count")?,
            failed: to_u64(failed, "an outbox count")?,
            sent_last_day: to_u64(sent, "an outbox count")?,
        })
    }

    /// The outbox's rows in one state, newest first.
    pub async fn outbox(&self, state: OutboxState, limit: u32) -> Result<Vec<OutboxEntry>> {
        let filter = match state {
            OutboxState::Pending => "sent_at IS NULL AND failed_at IS NULL",
            OutboxState::Failed => "failed_at IS NOT NULL",
            OutboxState::Sent => "sent_at IS NOT NULL",
        };
        let mut conn = self.pool.conn().await?;
        type Row = (
            i64,
            String,
            String,
            String,
            i64,
            DateTime<Utc>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<String>,
        );
        let rows: Vec<Row> = conn
            .db()
            .fetch_all(
                &Sql::new(format!(
                    "SELECT id, kind, to_address, subject, attempts, created_at, next_attempt_at, \
                     sent_at, failed_at, last_error FROM mail_outbox WHERE {filter} \
                     ORDER BY id DESC LIMIT $1"
                ))
                .bind(i64::from(limit)),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| OutboxEntry {
                id: r.0,
                kind: r.1,
                to_address: r.2,
                subject: r.3,
                attempts: u32::try_from(r.4).unwrap_or(u32::MAX),
                created_at: r.5,
                next_attempt_at: r.6,
                sent_at: r.7,
                failed_at: r.8,
                last_error: r.9,
            })
            .collect())
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

/// ` AND id IN ($3, ...)` for `ids` bound after two arguments; empty for no ids.
fn id_filter(ids: &[i64]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        id_filter_from(ids, 3)
    }
}

fn id_filter_from(ids: &[i64], first: usize) -> String {
    format!(" AND id IN ({})", placeholder_list(ids.len(), first))
}

/// A work's title, for the inbox items an event on it makes.
pub(crate) async fn work_title(db: &mut Db<'_>, work: i64) -> Result<String> {
    let row: Option<(String,)> = db
        .fetch_optional(&Sql::new("SELECT title FROM works WHERE id = $1").bind(work))
        .await?;
    Ok(row.map(|(t,)| t).unwrap_or_default())
}

/// A work's byline (its creators' pseuds, in order), for what subscribers are told.
async fn byline(db: &mut Db<'_>, work: i64) -> Result<String> {
    Ok(crate::posting::accepted_creator_names(db, work)
        .await?
        .join(", "))
}

/// Tells subscribers that a posted work is new (`chapter` `None`: subscribers of its
/// creators, series and tags) or has a new chapter (those of the work, its creators and
/// series), inside the posting transaction. Drafts tell no one; the caller checks.
pub(crate) async fn notify_subscribers(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    work: i64,
    chapter: Option<u32>,
) -> Result<u64> {
    let title = work_title(db, work).await?;
    let actor = byline(db, work).await?;
    let owner: Option<(Option<i64>,)> = db
        .fetch_optional(
            &Sql::new(
                "SELECT p.user_id FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
                 WHERE wc.work_id = $1 AND wc.accepted ORDER BY wc.position LIMIT 1",
            )
            .bind(work),
        )
        .await?;
    let creators =
        "s.kind = 'creator' AND s.target_id IN (SELECT wc.pseud_id FROM work_creators wc \
         WHERE wc.work_id = $12 AND wc.accepted)";
    let series = "s.kind = 'series' AND s.target_id IN (SELECT sw.series_id FROM series_works sw \
         WHERE sw.work_id = $12)";
    let (kind, link, followed, detail) = match chapter {
        Some(n) => (
            NoticeKind::Chapter,
            format!("/works/{work}/chapters/{n}"),
            format!("(s.kind = 'work' AND s.target_id = $12) OR ({creators}) OR ({series})"),
            format!("Chapter {n}"),
        ),
        None => (
            NoticeKind::Work,
            format!("/works/{work}"),
            format!(
                "({creators}) OR ({series}) OR (s.kind = 'tag' AND s.target_id IN \
                 (SELECT st.id FROM tags st JOIN tags t ON t.name_key = st.name_key \
                 JOIN work_tags wt ON wt.tag_id = t.id WHERE wt.work_id = $12 \
                 UNION SELECT st.id FROM tags st JOIN tags c ON c.name_key = st.name_key \
                 JOIN tags t ON t.merger_id = c.id JOIN work_tags wt ON wt.tag_id = t.id \
                 WHERE wt.work_id = $12))"
            ),
            String::new(),
        ),
    };
    let event = Event {
        kind,
        work: Some(work),
        comment: None,
        actor: Some(&actor),
        actor_user: owner.and_then(|(u,)| u),
        title: &title,
        detail: &detail,
        link,
    };
    // A co-creator is not told of their own work; a restricted or hidden work's
    // subscribers are accounts, who may read it.
    notify(
        db,
        at,
        &event,
        &format!(
            "SELECT s.user_id FROM subscriptions s WHERE ({followed}) \
             AND s.user_id NOT IN ({WORK_CREATOR_USERS})"
        ),
        &[Arg::Int(work)],
    )
    .await
}

/// Tells the accounts `users` that a work was given to them (posted works only).
pub(crate) async fn notify_gift(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    work: i64,
    users: &[i64],
) -> Result<u64> {
    if users.is_empty() {
        return Ok(0);
    }
    let title = work_title(db, work).await?;
    let actor = byline(db, work).await?;
    let event = Event {
        kind: NoticeKind::Gift,
        work: Some(work),
        comment: None,
        actor: Some(&actor),
        actor_user: None,
        title: &title,
        detail: "",
        link: format!("/works/{work}"),
    };
    let args: Vec<Arg<'_>> = users.iter().map(|u| Arg::Int(*u)).collect();
    notify(db, at, &event, &placeholder_list(users.len(), 12), &args).await
}

/// Whether a work is posted (not a draft): only then are subscribers and gift receivers told.
pub(crate) async fn is_posted(db: &mut Db<'_>, work: i64) -> Result<bool> {
    let row: Option<(String,)> = db
        .fetch_optional(&Sql::new("SELECT visibility FROM works WHERE id = $1").bind(work))
        .await?;
    Ok(row.is_some_and(|(v,)| v != "draft"))
}

impl Store {
    /// Stores a password reset link (replacing any earlier one of the account) and queues
    /// the mail that carries it, in one transaction.
    pub async fn mail_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
        mail: &NewMail,
    ) -> Result<()> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        crate::accounts::replace_password_reset(&mut db, token_hash, user, expires_at).await?;
        db.execute(
            &Sql::new("UPDATE password_resets SET mailed_to = $1 WHERE token_hash = $2")
                .bind(mail.to_address.as_str())
                .bind(token_hash),
        )
        .await?;
        queue_in(&mut db, mail, at).await?;
        tx.commit().await
    }
}

/// Tells a work's creators of something `actor_user` (an account, or a guest: `None`) did
/// to it: kudos, a bookmark.
pub(crate) async fn notify_creators(
    db: &mut Db<'_>,
    at: DateTime<Utc>,
    kind: NoticeKind,
    work: i64,
    actor_user: Option<i64>,
) -> Result<()> {
    let name: Option<(String,)> = match actor_user {
        Some(u) => {
            db.fetch_optional(&Sql::new("SELECT name FROM users WHERE id = $1").bind(u))
                .await?
        }
        None => None,
    };
    let title = work_title(db, work).await?;
    let event = Event {
        kind,
        work: Some(work),
        comment: None,
        actor: name.as_ref().map(|(n,)| n.as_str()),
        actor_user,
        title: &title,
        detail: "",
        link: format!("/works/{work}"),
    };
    notify(db, at, &event, WORK_CREATOR_USERS, &[Arg::Int(work)]).await?;
    Ok(())
}
