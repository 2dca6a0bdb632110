//! Rate-limited events shared between nodes: each node counts its limits in memory (see the
//! web layer's `ratelimit`) and, when several serve one database, writes its new events here
//! about once a second and reads the other nodes' recent ones, so that a limit holds across
//! nodes to within that second.

use crate::db::{value_rows, Sql, MAX_ARGS};
use crate::{Result, Store};
use chrono::{DateTime, Duration, Utc};

/// One event of a limited action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateEvent {
    /// The row's id (0 for an event not yet written).
    pub id: i64,
    /// What was done (the web layer's name for it) and by whom (its key).
    pub action: String,
    pub key: String,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Writes this node's events.
    pub async fn share_rate_events(&self, node: &str, events: &[RateEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_write().await?;
        // Quiet: no page shows these.
        tx.quiet();
        for chunk in events.chunks(MAX_ARGS / 4) {
            let mut sql = Sql::new(format!(
                "INSERT INTO rate_events (node, action, key, at) VALUES {}",
                value_rows(chunk.len(), 4, 1)
            ));
            for event in chunk {
                sql.push(node);
                sql.push(event.action.as_str());
                sql.push(event.key.as_str());
                sql.push(event.at);
            }
            tx.db().execute(&sql).await?;
        }
        tx.commit().await
    }

    /// Other nodes' events since `since`, oldest first.
    pub async fn others_rate_events(
        &self,
        node: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<RateEvent>> {
        let mut conn = self.pool.conn().await?;
        let rows: Vec<(i64, String, String, DateTime<Utc>)> = conn
            .db()
            .fetch_all(
                &Sql::new(
                    "SELECT id, action, key, at FROM rate_events \
                     WHERE at >= $1 AND node <> $2 ORDER BY at, id",
                )
                .bind(since)
                .bind(node),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, action, key, at)| RateEvent {
                id,
                action,
                key,
                at,
            })
            .collect())
    }

    /// Deletes events older than `age` (every window is shorter).
    pub async fn prune_rate_events(&self, age: Duration) -> Result<u64> {
        let mut tx = self.pool.begin_write().await?;
        tx.quiet();
        let deleted = tx
            .db()
            .execute(&Sql::new("DELETE FROM rate_events WHERE at < $1").bind(Utc::now() - age))
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
