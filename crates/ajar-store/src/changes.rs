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
    /// A work's counts changed (kudos, comments, bookmarks), nothing else of it.
    Count,
}

impl Op {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::Count => "count",
        }
    }
}

/// Appends a row to the feed inside the caller's write transaction (from
/// `Pool::begin_write`, whose lock makes rows commit in `seq` order), and on PostgreSQL
/// announces it: at commit every node listening is told (see [`ChangeListener`]), so their
/// search followers apply it at once. Returns its `seq`.
pub(crate) async fn append(
    db: &mut Db<'_>,
    entity: &str,
    entity_id: i64,
    op: Op,
    at: DateTime<Utc>,
) -> Result<i64> {
    let seq = append_quietly(db, entity, entity_id, op, at).await?;
    if let Db::Postgres(_) = db {
        // Delivered at commit, once per transaction however many rows it appended.
        db.execute(&Sql::new("SELECT pg_notify($1, '')").bind(CHANGES_CHANNEL))
            .await?;
    }
    Ok(seq)
}

/// [`append`] without the announcement, for a change no reader waits for: a count (kudos,
/// comments, bookmarks) that followers pick up at their next look. Announcing every such
/// commit cost a fifth of the comments a second one node could take (326 against 409 on 2
/// cores at a million works), each one waking every node.
pub(crate) async fn append_quietly(
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

/// The channel PostgreSQL announces new rows of `changes` on (see [`append`]).
const CHANGES_CHANNEL: &str = "ajar_changes";

/// Word from the database that rows were appended to `changes`, by this node or any other
/// sharing the database: a follower waits on it instead of looking every so often.
/// PostgreSQL only (LISTEN/NOTIFY). A notification can be lost while the listening
/// connection is re-made, so a follower still looks now and then.
pub struct ChangeListener {
    listener: sqlx::postgres::PgListener,
}

impl ChangeListener {
    /// Waits for the next commit that appended changes. When the connection is lost, this
    /// connects again (waiting as long as the database is away) and returns, so that the
    /// caller looks at the feed for what it may have missed meanwhile.
    pub async fn changed(&mut self) -> Result<()> {
        self.listener.try_recv().await?;
        Ok(())
    }
}

impl Store {
    /// Listens for new changes on a connection of its own, or `None` on SQLite, whose
    /// writers are found by looking (see [`ChangeListener`]).
    pub async fn listen_changes(&self) -> Result<Option<ChangeListener>> {
        let crate::db::Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        // A pool of one connection with the store's own settings: the listener keeps it for
        // as long as it listens, and connects through it again after a loss.
        let options = (*pool.connect_options()).clone();
        let own = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(options);
        let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        Ok(Some(ChangeListener { listener }))
    }
}
