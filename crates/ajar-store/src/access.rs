//! Who may see what: the visibility rules of `ajar_core::Viewer::can_see`, as SQL for
//! listings and counts, and a work's access facts for the service layer's checks.

use crate::db::{Db, Sql};
use crate::{Result, Store, StoreError};
use ajar_core::{CommentPolicy, UserId, Viewer, Visibility, WorkId};
use serde::Serialize;

/// The accounts behind a work's creator pseuds (`$1`), in credit order. The unary `+` keeps
/// the planner from reading `pseuds_user` first: SQLite's statistics of that partial index
/// can say it is empty (gathered before readers had accounts), and walking every account's
/// pseud to find the work's few took 9 ms a work page on a million-work archive, where
/// starting from the work's own `work_creators` rows takes 0.1 ms.
pub(crate) const WORK_ACCOUNTS: &str = "SELECT p.user_id, wc.accepted FROM work_creators wc \
     JOIN pseuds p ON p.id = wc.pseud_id \
     WHERE wc.work_id = $1 AND +p.user_id IS NOT NULL ORDER BY wc.position";

/// Whom a listing or a count is for. Listings and counts show posted works only (drafts
/// live on their creators' drafts page), and hidden works (by an admin, or because every
/// creator's account is suspended) to no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Audience {
    /// Guests: public works.
    Public,
    /// Logged-in readers: public and restricted works.
    Members,
}

impl Audience {
    pub fn of(viewer: &Viewer) -> Audience {
        if viewer.is_logged_in() {
            Audience::Members
        } else {
            Audience::Public
        }
    }

    /// A condition on the works table aliased `alias` ("w", or "works"): the works this
    /// audience sees in listings and counts.
    pub fn listed(self, alias: &str) -> String {
        match self {
            Audience::Public => format!(
                "({alias}.visibility = 'public' AND NOT {alias}.hidden \
                 AND NOT {alias}.creators_suspended)"
            ),
            Audience::Members => format!(
                "({alias}.visibility IN ('public', 'restricted') AND NOT {alias}.hidden \
                 AND NOT {alias}.creators_suspended)"
            ),
        }
    }
}

/// What decides who may see and comment on a work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkAccess {
    pub id: WorkId,
    pub visibility: Visibility,
    /// Hidden by an admin.
    pub hidden: bool,
    /// Every creator's account is suspended: hidden as if by an admin, until the
    /// suspension is lifted.
    pub creators_suspended: bool,
    pub comment_policy: CommentPolicy,
    /// Accounts of the work's accepted creators.
    pub creators: Vec<UserId>,
    /// Accounts invited as co-creators who have not accepted yet.
    pub invited: Vec<UserId>,
}

impl WorkAccess {
    /// Whether `viewer` is one of the work's (accepted) creators.
    pub fn is_creator(&self, viewer: &Viewer) -> bool {
        viewer.user_id().is_some_and(|u| self.creators.contains(&u))
    }

    /// Whether `viewer` may see the work at all (page, chapters, downloads).
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        viewer.can_see(
            self.visibility,
            self.hidden || self.creators_suspended,
            self.is_creator(viewer),
        )
    }

    /// Whether any logged-in reader may see the work (it is posted for registered users
    /// only, and not hidden): a guest is asked to log in for it, not told it is not there.
    pub fn open_to_members(&self) -> bool {
        self.visibility == Visibility::Restricted && !self.hidden && !self.creators_suspended
    }
}

impl Store {
    /// Ids of the pseuds of every account `user` has muted: their works are left out of
    /// `user`'s searches and listings.
    pub async fn muted_pseud_ids(&self, user: UserId) -> Result<Vec<i64>> {
        let mut conn = self.pool.conn().await?;
        muted_pseud_ids(&mut conn.db(), user).await
    }

    /// A work's access facts; `None` when there is no such work.
    pub async fn work_access(&self, id: WorkId) -> Result<Option<WorkAccess>> {
        let mut tx = self.pool.begin_read().await?;
        let mut db = tx.db();
        let row: Option<(String, bool, bool, String)> = db
            .fetch_optional(
                &Sql::new(
                    "SELECT visibility, hidden, creators_suspended, comment_policy \
                     FROM works WHERE id = $1",
                )
                .bind(id.0),
            )
            .await?;
        let Some((visibility, hidden, creators_suspended, comment_policy)) = row else {
            return Ok(None);
        };
        let people: Vec<(i64, bool)> = db.fetch_all(&Sql::new(WORK_ACCOUNTS).bind(id.0)).await?;
        let mut creators = Vec::new();
        let mut invited = Vec::new();
        for (user, accepted) in people {
            let list = if accepted {
                &mut creators
            } else {
                &mut invited
            };
            if !list.contains(&UserId(user)) {
                list.push(UserId(user));
            }
        }
        Ok(Some(WorkAccess {
            id,
            visibility: Visibility::from_code(&visibility).ok_or_else(|| {
                StoreError::Corrupt(format!("work {id} has visibility {visibility:?}"))
            })?,
            hidden,
            creators_suspended,
            comment_policy: CommentPolicy::from_code(&comment_policy).ok_or_else(|| {
                StoreError::Corrupt(format!("work {id} has comment policy {comment_policy:?}"))
            })?,
            creators,
            invited,
        }))
    }
}

/// A reader's muted tags and saved filter (see the `user_filters` table).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserFilters {
    pub muted_tags: Vec<String>,
    /// The search form's query string of the saved filter; empty for none.
    pub saved_query: String,
}

impl Store {
    pub async fn user_filters(&self, user: UserId) -> Result<UserFilters> {
        let mut conn = self.pool.conn().await?;
        user_filters(&mut conn.db(), user).await
    }

    pub async fn set_user_filters(&self, user: UserId, filters: &UserFilters) -> Result<()> {
        let muted = filters.muted_tags.join("\n");
        let mut tx = self.pool.begin_write().await?;
        tx.db()
            .execute(
                &Sql::new(
                    "INSERT INTO user_filters (user_id, muted_tags, saved_query, updated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
                     muted_tags = excluded.muted_tags, saved_query = excluded.saved_query, \
                     updated_at = excluded.updated_at",
                )
                .bind(user.0)
                .bind(muted.as_str())
                .bind(filters.saved_query.as_str())
                .bind(crate::works::now()),
            )
            .await?;
        tx.commit().await
    }
}

/// [`Store::muted_pseud_ids`] on the caller's connection or transaction.
pub(crate) async fn muted_pseud_ids(db: &mut Db<'_>, user: UserId) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db
        .fetch_all(
            &Sql::new(
                "SELECT p.id FROM user_mutes m JOIN pseuds p ON p.user_id = m.target_id \
                 WHERE m.user_id = $1 ORDER BY p.id",
            )
            .bind(user.0),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// [`Store::user_filters`] on the caller's connection or transaction.
pub(crate) async fn user_filters(db: &mut Db<'_>, user: UserId) -> Result<UserFilters> {
    let row: Option<(String, String)> = db
        .fetch_optional(
            &Sql::new("SELECT muted_tags, saved_query FROM user_filters WHERE user_id = $1")
                .bind(user.0),
        )
        .await?;
    Ok(
        row.map_or_else(UserFilters::default, |(muted, saved_query)| UserFilters {
            muted_tags: muted
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            saved_query,
        }),
    )
}
