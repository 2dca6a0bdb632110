//! What a suspension does besides ending an account's sessions: as on AO3, the account's
//! works, comments and bookmarks are hidden from everyone else pending review, and come
//! back when the suspension is lifted.
//!
//! A work is hidden while every one of its accepted creators is a suspended account
//! (`works.creators_suspended`); a co-created work with one creator in good standing stays
//! up, since the others did nothing wrong (an admin can still hide it). The flag is kept
//! here, in the transaction that suspends or reinstates an account, so that listings,
//! counts and the search index test one column as they test `hidden`, never a join over
//! creators and accounts. Comment and bookmark counts leave out suspended accounts' comments
//! and bookmarks, and are recounted here for the works those touch; every work whose flag or
//! counts change gets a `changes` row, so the search index drops it (or takes it back).

use crate::db::{placeholder_list, Db, Sql, MAX_ARGS};
use crate::kudos::work_changed;
use crate::Result;
use ajar_core::{UserId, WorkId};
use chrono::{DateTime, Utc};

/// SQL: whether work `{alias}` has no accepted creator in good standing (an imported pseud,
/// with no account, counts as one).
fn no_active_creator(alias: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM work_creators sc JOIN pseuds sp ON sp.id = sc.pseud_id \
         LEFT JOIN users su ON su.id = sp.user_id WHERE sc.work_id = {alias}.id AND sc.accepted \
         AND (su.id IS NULL OR NOT su.suspended))"
    )
}

/// SQL: a condition on `comments` (or `bookmarks`) aliased `alias` that its author's account
/// is not suspended.
pub(crate) fn author_not_suspended(alias: &str) -> String {
    format!("NOT EXISTS (SELECT 1 FROM users su WHERE su.id = {alias}.user_id AND su.suspended)")
}

/// The ids `sql` (taking `user` as `$1`) selects.
async fn ids(db: &mut Db<'_>, sql: &'static str, user: UserId) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = db.fetch_all(&Sql::new(sql).bind(user.0)).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// After `user`'s account was suspended or reinstated (in the caller's transaction): sets
/// `creators_suspended` on the works credited to them, recounts the comments and bookmarks
/// of the works they commented on or bookmarked, and tells the search index about each.
pub(crate) async fn account_standing_changed(
    db: &mut Db<'_>,
    user: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let credited = ids(
        db,
        "SELECT DISTINCT wc.work_id FROM work_creators wc JOIN pseuds p ON p.id = wc.pseud_id \
         WHERE p.user_id = $1 AND wc.accepted",
        user,
    )
    .await?;
    let commented = ids(
        db,
        "SELECT DISTINCT work_id FROM comments WHERE user_id = $1 AND status = 'visible'",
        user,
    )
    .await?;
    let bookmarked = ids(
        db,
        "SELECT work_id FROM bookmarks WHERE user_id = $1 AND NOT private",
        user,
    )
    .await?;
    for chunk in credited.chunks(MAX_ARGS) {
        let mut sql = Sql::new(format!(
            "UPDATE works SET creators_suspended = {} WHERE id IN ({})",
            no_active_creator("works"),
            placeholder_list(chunk.len(), 1)
        ));
        for id in chunk {
            sql.push(*id);
        }
        db.execute(&sql).await?;
    }
    for chunk in commented.chunks(MAX_ARGS) {
        let mut sql = Sql::new(format!(
            "UPDATE works SET comment_count = (SELECT COUNT(*) FROM comments c \
             WHERE c.work_id = works.id AND c.status = 'visible' AND {}) WHERE id IN ({})",
            author_not_suspended("c"),
            placeholder_list(chunk.len(), 1)
        ));
        for id in chunk {
            sql.push(*id);
        }
        db.execute(&sql).await?;
    }
    for chunk in bookmarked.chunks(MAX_ARGS) {
        let mut sql = Sql::new(format!(
            "UPDATE works SET bookmark_count = (SELECT COUNT(*) FROM bookmarks b \
             WHERE b.work_id = works.id AND NOT b.private AND {}) WHERE id IN ({})",
            author_not_suspended("b"),
            placeholder_list(chunk.len(), 1)
        ));
        for id in chunk {
            sql.push(*id);
        }
        db.execute(&sql).await?;
    }
    let mut touched: Vec<i64> = credited
        .into_iter()
        .chain(commented)
        .chain(bookmarked)
        .collect();
    touched.sort_unstable();
    touched.dedup();
    for work in touched {
        work_changed(db, WorkId(work), at).await?;
    }
    Ok(())
}

/// After a work's creators changed (an invited co-creator accepted): sets its
/// `creators_suspended` anew.
pub(crate) async fn creators_changed(db: &mut Db<'_>, work: WorkId) -> Result<()> {
    db.execute(
        &Sql::new(format!(
            "UPDATE works SET creators_suspended = {} WHERE id = $1",
            no_active_creator("works")
        ))
        .bind(work.0),
    )
    .await?;
    Ok(())
}
