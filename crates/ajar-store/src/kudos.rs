//! Kudos: once per account or per guest per work. A guest is known by a key the web layer
//! derives from their cookies, and by one from their address (hashes, never the cookie or
//! the address itself); either one having left kudos on a work is enough to refuse more.
//! The work's `kudos_count` follows in the same transaction, with its `modified_at` and a
//! `changes` row, so pages, downloads and the search index see the new count.
//!
//! Leaving kudos is a quiet write (see `version`), as counting hits is: it changes one work's
//! pages, which the web layer forgets itself, and a counter on blurbs that may lag by a page
//! cache's lifetime. Were it a new data version, every kudos would empty the whole page cache.

use crate::changes::{self, Op};
use crate::db::{Db, Sql};
use crate::mail::{self, NoticeKind};
use crate::works::now;
use crate::{to_u64, Result, Store, StoreError};
use ajar_core::{UserId, WorkId};
use chrono::{DateTime, Utc};

/// Who leaves kudos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kudoser<'a> {
    User(UserId),
    /// A guest, by the keys the web layer derived from their cookies and (when known) their
    /// address.
    Guest {
        cookie: &'a str,
        address: Option<&'a str>,
    },
}

/// What became of a kudos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KudosOutcome {
    Left,
    /// This account, or a guest with this cookie or address, had left kudos on the work
    /// before; nothing changed.
    Already,
}

/// Who left kudos on a work: account names (newest first, at most the number asked for),
/// how many accounts in all, and how many guests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KudosSummary {
    pub users: Vec<String>,
    pub user_count: u64,
    pub guest_count: u64,
}

/// After a write that changes what pages or the search index show of a work: bumps its
/// `modified_at` (pages' ETags and download caches key off it) and appends a `changes` row,
/// inside the caller's write transaction.
pub(crate) async fn work_changed(db: &mut Db<'_>, work: WorkId, at: DateTime<Utc>) -> Result<()> {
    touch_modified(db, work, at).await?;
    changes::append(db, "work", work.0, Op::Update, at).await?;
    Ok(())
}

/// [`work_changed`] for a change of one of its counts (kudos, comments, bookmarks), which
/// other nodes' search indexes pick up at their next look rather than being woken for, and
/// may hold back for a few seconds (its `changes` row says `count`).
pub(crate) async fn work_count_changed(
    db: &mut Db<'_>,
    work: WorkId,
    at: DateTime<Utc>,
) -> Result<()> {
    touch_modified(db, work, at).await?;
    changes::append_quietly(db, "work", work.0, Op::Count, at).await?;
    Ok(())
}

async fn touch_modified(db: &mut Db<'_>, work: WorkId, at: DateTime<Utc>) -> Result<()> {
    db.execute(
        &Sql::new("UPDATE works SET modified_at = $1 WHERE id = $2")
            .bind(at)
            .bind(work.0),
    )
    .await
    .map(|_| ())
}

/// The names of a work's (`$1`) latest `$2` kudos givers, newest first: read along
/// `kudos_work_recent`, which gives them in order.
pub(crate) const LATEST_KUDOS_NAMES: &str = "SELECT u.name FROM kudos k \
     JOIN users u ON u.id = k.user_id WHERE k.work_id = $1 ORDER BY k.id DESC LIMIT $2";

impl Store {
    /// Leaves kudos on a work, once per account or guest. The caller has checked that the
    /// reader may see the work and is not one of its creators.
    pub async fn leave_kudos(&self, work: WorkId, by: Kudoser<'_>) -> Result<KudosOutcome> {
        let at = now();
        let (user, guest, address) = match by {
            Kudoser::User(u) => (Some(u.0), None, None),
            Kudoser::Guest { cookie, address } => (None, Some(cookie), address),
        };
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let before = self.quiet_write_begins();
        let mut db = tx.db();
        let exists: Option<(i64,)> = db
            .fetch_optional(&Sql::new("SELECT id FROM works WHERE id = $1").bind(work.0))
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("work"));
        }
        let added = db
            .execute(
                &Sql::new(
                    "INSERT INTO kudos (work_id, user_id, guest_key, guest_address, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(work.0)
                .bind(user)
                .bind(guest)
                .bind(address)
                .bind(at),
            )
            .await?;
        if added == 0 {
            return Ok(KudosOutcome::Already);
        }
        // Counted up, not recounted: the row went in within this transaction, and a count of
        // the work's kudos would read them all (hundreds of thousands on a loved work) while
        // every other write waits.
        db.execute(
            &Sql::new("UPDATE works SET kudos_count = kudos_count + 1 WHERE id = $1").bind(work.0),
        )
        .await?;
        let (users, guests) = if user.is_some() { (1, 0) } else { (0, 1) };
        db.execute(
            &Sql::new(
                "INSERT INTO work_kudos (work_id, users, guests) VALUES ($1, $2, $3) \
                 ON CONFLICT (work_id) DO UPDATE SET users = work_kudos.users + excluded.users, \
                 guests = work_kudos.guests + excluded.guests",
            )
            .bind(work.0)
            .bind(users)
            .bind(guests),
        )
        .await?;
        work_count_changed(&mut db, work, at).await?;
        mail::notify_creators(&mut db, at, NoticeKind::Kudos, work.0, user).await?;
        tx.commit().await?;
        self.quiet_write_done(before);
        Ok(KudosOutcome::Left)
    }

    /// Whether this account or guest has left kudos on the work.
    pub async fn has_left_kudos(&self, work: WorkId, by: Kudoser<'_>) -> Result<bool> {
        let mut conn = self.pool.conn().await?;
        let sql = match by {
            Kudoser::User(u) => {
                Sql::new("SELECT id FROM kudos WHERE work_id = $1 AND user_id = $2")
                    .bind(work.0)
                    .bind(u.0)
            }
            Kudoser::Guest { cookie, address } => Sql::new(
                "SELECT id FROM kudos WHERE work_id = $1 \
                 AND (guest_key = $2 OR guest_address = $3) LIMIT 1",
            )
            .bind(work.0)
            .bind(cookie)
            .bind(address),
        };
        let row: Option<(i64,)> = conn.db().fetch_optional(&sql).await?;
        Ok(row.is_some())
    }

    /// Who left kudos on a work: at most `names` account names, newest first, and the counts.
    pub async fn kudos_summary(&self, work: WorkId, names: u32) -> Result<KudosSummary> {
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let (users, guests): (i64, i64) = db
            .fetch_optional(
                &Sql::new("SELECT users, guests FROM work_kudos WHERE work_id = $1").bind(work.0),
            )
            .await?
            .unwrap_or((0, 0));
        let rows: Vec<(String,)> = db
            .fetch_all(
                &Sql::new(LATEST_KUDOS_NAMES)
                    .bind(work.0)
                    .bind(i64::from(names)),
            )
            .await?;
        Ok(KudosSummary {
            users: rows.into_iter().map(|(n,)| n).collect(),
            user_count: to_u64(users, "a kudos count")?,
            guest_count: to_u64(guests, "a kudos count")?,
        })
    }
}
