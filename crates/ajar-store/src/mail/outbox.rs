//! The outbox: mail queued in the transaction of what causes it (a password reset, an
//! address to confirm, notifications turned into mail), claimed by one sender at a time,
//! sent or retried, kept a while, then deleted; and the address confirmations whose mail
//! it carries.

use super::notify::reset_digest_since;
use super::{id_filter_from, notice_of, Notice, NoticeRow, NOTICE_COLUMNS};
use crate::db::{Db, Sql};
use crate::works::now;
use crate::{to_u64, Result, Store};
use ajar_core::UserId;
use chrono::{DateTime, Duration, Utc};

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

/// A mail in the outbox (read as [`QUEUED_COLUMNS`] give it).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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
    #[sqlx(try_from = "i64")]
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

const QUEUED_COLUMNS: &str = "id, kind, to_name, to_address, subject, text_body, html_body, \
     unsubscribe, attempts, created_at";

/// An outbox row as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    #[sqlx(try_from = "i64")]
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
/// The account and address of a confirmation link not expired at `at`.
async fn live_confirmation(
    db: &mut Db<'_>,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<Option<(UserId, String)>> {
    let row: Option<(i64, String, DateTime<Utc>)> = db
        .fetch_optional(
            &Sql::new(
                "SELECT user_id, email, expires_at FROM email_confirmations WHERE token_hash = $1",
            )
            .bind(token_hash),
        )
        .await?;
    Ok(row
        .filter(|(_, _, expires)| *expires > at)
        .map(|(user, email, _)| (UserId(user), email)))
}

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

impl Store {
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
        live_confirmation(&mut conn.db(), token_hash, now()).await
    }

    /// Spends a confirmation link: the account's address becomes the one it confirms, marked
    /// confirmed. `None` when the link is unknown, spent or expired; refused with
    /// [`StoreError::Conflict`] when another account took that address meanwhile.
    pub async fn confirm_email(&self, token_hash: &str) -> Result<Option<(UserId, String)>> {
        let at = now();
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        let Some((UserId(user), email)) = live_confirmation(&mut db, token_hash, at).await? else {
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
        let rows: Vec<QueuedMail> = if claimed == 0 {
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
        Ok(rows)
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
        let rows: Vec<OutboxEntry> = conn
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
        Ok(rows)
    }

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
