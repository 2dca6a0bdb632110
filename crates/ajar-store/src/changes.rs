//! The `changes` feed: one row per change, appended in the transaction that made it, read by
//! whoever follows the store (the search index, other nodes) from the last `seq` they saw.

use crate::db::{Db, Sql};
use crate::{Change, Result, Store};
use chrono::{DateTime, Utc};

/// What happened to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Insert,
    // Editing and deleting works come later; the feed already has room for them.
    #[allow(dead_code)]
    Update,
    #[allow(dead_code)]
    Delete,
}

impl Op {
    fn code(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Appends a row to the feed inside the caller's write transaction (from
/// `Pool::begin_write`, whose lock makes rows commit in `seq` order); returns its `seq`.
pub(crate) async fn append(
    db: &mut Db<'_>,
    entity: &str,
    entity_id: i64,
    op: Op,
    at: DateTime<Utc>,
) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO changes (entity, entity_id, op, at) VALUES ($1, $2, $3, $4) RETURNING seq",
    )
    .bind(entity)
    .bind(entity_id)
    .bind(op.code())
    .bind(at);
    let (seq,): (i64,) = db.fetch_one(&sql).await?;
    Ok(seq)
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    entity: String,
    entity_id: i64,
    op: String,
    at: DateTime<Utc>,
}

impl Store {
    /// Rows of the `changes` feed with `seq > after`, oldest first, at most `limit`.
    pub async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
        let mut conn = self.pool.conn().await?;
        let sql = Sql::new(
            "SELECT seq, entity, entity_id, op, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit));
        let rows: Vec<ChangeRow> = conn.db().fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| Change {
                seq: r.seq,
                entity: r.entity,
                entity_id: r.entity_id,
                op: r.op,
                at: r.at,
            })
            .collect())
    }

    /// The newest `seq` in the feed, 0 when it is empty: where a follower that has just built
    /// its state from the store starts following.
    pub async fn last_change_seq(&self) -> Result<i64> {
        let mut conn = self.pool.conn().await?;
        let (seq,): (i64,) = conn
            .db()
            .fetch_one(&Sql::new("SELECT COALESCE(MAX(seq), 0) FROM changes"))
            .await?;
        Ok(seq)
    }
}
