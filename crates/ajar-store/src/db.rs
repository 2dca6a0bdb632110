//! How one query runs on either backend.
//!
//! Each query is written once: SQL text with `$1` placeholders (which sqlx's SQLite accepts
//! too) and a list of [`Arg`]s, run through [`Db`], which binds the arguments for the backend
//! at hand and decodes rows into any type that derives `FromRow` (see [`Record`]). Only this
//! module and the connect code know that there are two backends; everything else is plain,
//! non-generic async code. The price is one small `Vec` of arguments per query.

use crate::{Backend, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Arguments, Database, Encode, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Type};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

/// The PostgreSQL advisory lock that store writers hold for their transaction (see
/// [`Pool::begin_write`]). Any constant will do, as long as nothing else uses it.
const WRITE_LOCK: i64 = 0x616a_6172_0001; // "ajar" 1

/// A backend's connection pool.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One argument of a query.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Text(&'a str),
    OptText(Option<&'a str>),
    Bool(bool),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Time(DateTime<Utc>),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v)
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::OptText(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<NaiveDate> for Arg<'_> {
    fn from(v: NaiveDate) -> Self {
        Arg::Date(v)
    }
}
impl From<Option<NaiveDate>> for Arg<'_> {
    fn from(v: Option<NaiveDate>) -> Self {
        Arg::OptDate(v)
    }
}
impl From<DateTime<Utc>> for Arg<'_> {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Time(v)
    }
}

/// A query: SQL text and its arguments, in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Sql<'a> {
    text: Cow<'static, str>,
    args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    pub(crate) fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Sql {
            text: text.into(),
            args: Vec::new(),
        }
    }

    pub(crate) fn bind(mut self, arg: impl Into<Arg<'a>>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub(crate) fn push(&mut self, arg: impl Into<Arg<'a>>) {
        self.args.push(arg.into());
    }
}

/// The most arguments one batched statement gets. SQLite allows 32,766 and PostgreSQL
/// 65,535; staying far below keeps each statement's plan cheap and its size bounded.
pub(crate) const MAX_ARGS: usize = 900;

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` placeholders each, numbered from
/// `first`.
pub(crate) fn value_rows(rows: usize, columns: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    let mut n = first - 1;
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        }
        out.push(')');
    }
    out
}

/// `$1, $2, $3` for an `IN (...)` list of `n` items, numbered from `first`.
pub(crate) fn placeholder_list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row type both backends can decode (anything deriving `sqlx::FromRow`, or a tuple).
pub(crate) trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Binds `args` for backend `DB`.
fn arguments<'q, DB>(args: &'q [Arg<'q>]) -> Result<DB::Arguments<'q>, sqlx::Error>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    NaiveDate: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
    for arg in args {
        match *arg {
            Arg::Int(v) => out.add(v),
            Arg::OptInt(v) => out.add(v),
            Arg::Text(v) => out.add(v),
            Arg::OptText(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Date(v) => out.add(v),
            Arg::OptDate(v) => out.add(v),
            Arg::Time(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// A connection of either backend, borrowed from a pool connection or a transaction.
pub(crate) enum Db<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Db<'_> {
    /// SQL for the character with this code (`char(n)` on SQLite, `chr(n)` on PostgreSQL).
    pub(crate) fn character(&self, code: u8) -> String {
        match self {
            Db::Sqlite(_) => format!("char({code})"),
            Db::Postgres(_) => format!("chr({code})"),
        }
    }

    /// SQL aggregating the text `expr` of a group's rows, in `order_by` order, joined by the
    /// character `separator` (`group_concat` on SQLite, `string_agg` on PostgreSQL).
    pub(crate) fn joined(&self, expr: &str, separator: u8, order_by: &str) -> String {
        let separator = self.character(separator);
        match self {
            Db::Sqlite(_) => format!("group_concat({expr}, {separator} ORDER BY {order_by})"),
            Db::Postgres(_) => format!("string_agg({expr}, {separator} ORDER BY {order_by})"),
        }
    }

    /// Runs a statement; returns the number of rows it affected.
    pub(crate) async fn execute(&mut self, q: &Sql<'_>) -> Result<u64> {
        let affected = match self {
            Db::Sqlite(c) => sqlx::query_with(&q.text, arguments::<Sqlite>(&q.args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
            Db::Postgres(c) => sqlx::query_with(&q.text, arguments::<Postgres>(&q.args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
        };
        Ok(affected)
    }

    pub(crate) async fn fetch_all<T: Record>(&mut self, q: &Sql<'_>) -> Result<Vec<T>> {
        let rows = match self {
            Db::Sqlite(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Sqlite>(&q.args)?)
                    .fetch_all(&mut **c)
                    .await?
            }
            Db::Postgres(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Postgres>(&q.args)?)
                    .fetch_all(&mut **c)
                    .await?
            }
        };
        Ok(rows)
    }

    pub(crate) async fn fetch_optional<T: Record>(&mut self, q: &Sql<'_>) -> Result<Option<T>> {
        let row = match self {
            Db::Sqlite(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Sqlite>(&q.args)?)
                    .fetch_optional(&mut **c)
                    .await?
            }
            Db::Postgres(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Postgres>(&q.args)?)
                    .fetch_optional(&mut **c)
                    .await?
            }
        };
        Ok(row)
    }

    pub(crate) async fn fetch_one<T: Record>(&mut self, q: &Sql<'_>) -> Result<T> {
        let row = match self {
            Db::Sqlite(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Sqlite>(&q.args)?)
                    .fetch_one(&mut **c)
                    .await?
            }
            Db::Postgres(c) => {
                sqlx::query_as_with::<_, T, _>(&q.text, arguments::<Postgres>(&q.args)?)
                    .fetch_one(&mut **c)
                    .await?
            }
        };
        Ok(row)
    }
}

/// A connection taken from the pool for a few independent reads.
pub(crate) enum Conn {
    Sqlite(sqlx::pool::PoolConnection<Sqlite>),
    Postgres(sqlx::pool::PoolConnection<Postgres>),
}

impl Conn {
    pub(crate) fn db(&mut self) -> Db<'_> {
        match self {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(c) => Db::Postgres(c),
        }
    }
}

/// Write transactions this process has committed, quiet ones aside (see [`Tx::quiet`]): what
/// `Store::data_version` answers where the database files cannot tell (PostgreSQL).
static LOCAL_WRITES: AtomicU64 = AtomicU64::new(0);

/// [`LOCAL_WRITES`] now.
pub(crate) fn local_writes() -> u64 {
    LOCAL_WRITES.load(Ordering::Acquire)
}

/// A transaction; dropped without [`Tx::commit`], it rolls back.
pub(crate) struct Tx {
    inner: TxInner,
    /// A write that counts in [`LOCAL_WRITES`] when committed.
    counted: bool,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn db(&mut self) -> Db<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Db::Sqlite(t),
            TxInner::Postgres(t) => Db::Postgres(t),
        }
    }

    /// Marks a write that changes nothing a kept page shows at once (hit counts, kudos: see
    /// `version`), so that committing it does not count as a new version.
    pub(crate) fn quiet(&mut self) {
        self.counted = false;
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        if self.counted {
            LOCAL_WRITES.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }
}

impl Pool {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn conn(&self) -> Result<Conn> {
        Ok(match self {
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A write transaction; one at a time per database, on either backend.
    ///
    /// On SQLite it takes the database's write lock at once (`BEGIN IMMEDIATE`, waiting up to
    /// the busy timeout for another writer, in this process or another), so it cannot fail
    /// half-way with SQLITE_BUSY when it first writes.
    ///
    /// On PostgreSQL it first takes a transaction-scoped advisory lock, for two reasons.
    /// `changes.seq` values are handed out at insert but become visible at commit, possibly
    /// in another order, and a follower that read up to seq 11 must never find 10 appear
    /// behind it: serialized writers commit in `seq` order. And a batch that holds a lock
    /// while inserting a new tag can deadlock with a writer that inserted the same tag and
    /// waits for the lock: taking it first, before writing anything, rules that out. The
    /// price is one writer at a time, as on SQLite, which an archive's write load allows;
    /// followers that tolerate gaps would lift it.
    pub(crate) async fn begin_write(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx {
                inner: TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
                counted: true,
            },
            Pool::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Tx {
                    inner: TxInner::Postgres(tx),
                    counted: true,
                }
            }
        })
    }

    /// A read transaction: several queries see one snapshot of the database, so a work is
    /// never read half-updated.
    pub(crate) async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx {
                inner: TxInner::Sqlite(p.begin().await?),
                counted: false,
            },
            Pool::Postgres(p) => Tx {
                inner: TxInner::Postgres(
                    p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        .await?,
                ),
                counted: false,
            },
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_one() {
        assert_eq!(value_rows(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows(1, 2, 3), "($3, $4)");
        assert_eq!(placeholder_list(3, 1), "$1, $2, $3");
        assert_eq!(placeholder_list(2, 2), "$2, $3");
    }
}
