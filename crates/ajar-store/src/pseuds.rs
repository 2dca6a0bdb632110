//! Renaming and deleting an account's pseuds. A pseud's works, comments and the
//! subscriptions to it go to the account's default pseud when it is deleted, in the same
//! transaction, and every work whose creators read differently afterwards is bumped and
//! appended to the `changes` feed so pages and the search index show the new names.
//!
//! The default pseud carries the account's name and is neither renamed nor deleted here.

use crate::accounts::{name_taken, pseud_name_in_use};
use crate::db::{Db, Sql};
use crate::works::now;
use crate::{name_key, Result, Store, StoreError};
use ajar_core::{PseudId, UserId};

/// The pseud as its owner may change it: theirs, and not their default one.
async fn own_other_pseud(db: &mut Db<'_>, user: UserId, pseud: PseudId) -> Result<()> {
    let row: Option<(Option<i64>, bool)> = db
        .fetch_optional(
            &Sql::new("SELECT user_id, is_default FROM pseuds WHERE id = $1").bind(pseud.0),
        )
        .await?;
    match row {
        Some((Some(owner), false)) if owner == user.0 => Ok(()),
        Some((Some(owner), true)) if owner == user.0 => Err(StoreError::Conflict(
            "Your default pseud is your account's name: it cannot be renamed or deleted.".into(),
        )),
        // Someone else's pseud is as good as none, so ids cannot be probed.
        _ => Err(StoreError::NotFound("pseud")),
    }
}

/// Bumps every work `pseud` is a creator of (their creators read differently now): what
/// `kudos::work_changed` does for one work, for all of them in two statements
/// rather than two per work, inside the write transaction.
async fn works_of_changed(db: &mut Db<'_>, pseud: PseudId) -> Result<()> {
    let at = now();
    db.execute(
        &Sql::new(
            "UPDATE works SET modified_at = $1 WHERE id IN \
             (SELECT work_id FROM work_creators WHERE pseud_id = $2)",
        )
        .bind(at)
        .bind(pseud.0),
    )
    .await?;
    db.execute(
        &Sql::new(
            "INSERT INTO changes (entity, entity_id, op, at) \
             SELECT 'work', work_id, 'update', $1 FROM work_creators WHERE pseud_id = $2 \
             ORDER BY work_id",
        )
        .bind(at)
        .bind(pseud.0),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Renames one of `user`'s pseuds (not the default one) to `name`, which the caller has
    /// checked is a valid pseud name. Refused with [`StoreError::Conflict`] when the name is
    /// taken by any other pseud or account.
    pub async fn rename_pseud(&self, user: UserId, pseud: PseudId, name: &str) -> Result<()> {
        let key = name_key(name);
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        own_other_pseud(&mut db, user, pseud).await?;
        if pseud_name_in_use(&mut db, &key, Some(pseud)).await? {
            return Err(name_taken(name));
        }
        db.execute(
            &Sql::new("UPDATE pseuds SET name = $1, name_key = $2 WHERE id = $3")
                .bind(name)
                .bind(&key)
                .bind(pseud.0),
        )
        .await?;
        works_of_changed(&mut db, pseud).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one of `user`'s pseuds (not the default one). Its works, its comments and
    /// the subscriptions to it move to the account's default pseud first, all in one
    /// transaction: a failure part-way leaves everything as it was.
    pub async fn delete_pseud(&self, user: UserId, pseud: PseudId) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        let mut db = tx.db();
        own_other_pseud(&mut db, user, pseud).await?;
        let (default,): (i64,) = db
            .fetch_one(
                &Sql::new("SELECT id FROM pseuds WHERE user_id = $1 AND is_default").bind(user.0),
            )
            .await?;
        works_of_changed(&mut db, pseud).await?;
        // Works both pseuds made keep one row, the default's (accepted if either was).
        db.execute(
            &Sql::new(
                "UPDATE work_creators SET accepted = TRUE WHERE pseud_id = $1 AND work_id IN \
                 (SELECT work_id FROM work_creators WHERE pseud_id = $2 AND accepted)",
            )
            .bind(default)
            .bind(pseud.0),
        )
        .await?;
        db.execute(
            &Sql::new(
                "DELETE FROM work_creators WHERE pseud_id = $1 AND work_id IN \
                 (SELECT work_id FROM work_creators WHERE pseud_id = $2)",
            )
            .bind(pseud.0)
            .bind(default),
        )
        .await?;
        db.execute(
            &Sql::new("UPDATE work_creators SET pseud_id = $1 WHERE pseud_id = $2")
                .bind(default)
                .bind(pseud.0),
        )
        .await?;
        db.execute(
            &Sql::new("UPDATE comments SET pseud_id = $1 WHERE pseud_id = $2")
                .bind(default)
                .bind(pseud.0),
        )
        .await?;
        // Readers subscribed to both keep one subscription.
        db.execute(
            &Sql::new(
                "DELETE FROM subscriptions WHERE kind = 'creator' AND target_id = $1 \
                 AND user_id IN (SELECT user_id FROM subscriptions \
                 WHERE kind = 'creator' AND target_id = $2)",
            )
            .bind(pseud.0)
            .bind(default),
        )
        .await?;
        db.execute(
            &Sql::new(
                "UPDATE subscriptions SET target_id = $1 WHERE kind = 'creator' AND target_id = $2",
            )
            .bind(default)
            .bind(pseud.0),
        )
        .await?;
        db.execute(&Sql::new("DELETE FROM pseuds WHERE id = $1").bind(pseud.0))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
