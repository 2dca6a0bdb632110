//! One transaction on either backend, running the copy's SQL with [`Value`]s for arguments
//! and rows.

use super::values::{Kind, Value};
use crate::db::Pool;
use crate::{Backend, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Arguments, Encode, Postgres, Row, Sqlite, Type, TypeInfo, ValueRef};

/// One transaction on either backend.
pub(super) enum Side {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Side {
    /// A read transaction: every read sees one moment of the database.
    pub(super) async fn read(pool: &Pool) -> Result<Side> {
        Ok(match pool {
            Pool::Sqlite(p) => Side::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Side::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    pub(super) async fn write(pool: &Pool) -> Result<Side> {
        Ok(match pool {
            Pool::Sqlite(p) => Side::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Side::Postgres(p.begin().await?),
        })
    }

    pub(super) fn backend(&self) -> Backend {
        match self {
            Side::Sqlite(_) => Backend::Sqlite,
            Side::Postgres(_) => Backend::Postgres,
        }
    }

    pub(super) async fn finish(self) -> Result<()> {
        match self {
            Side::Sqlite(tx) => tx.commit().await?,
            Side::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub(super) async fn fetch(&mut self, sql: &str, args: Vec<Value>) -> Result<Vec<Vec<Value>>> {
        match self {
            Side::Sqlite(tx) => {
                let conn: &mut SqliteConnection = tx;
                let rows = sqlx::query_with(sql, arguments::<Sqlite>(args, &[])?)
                    .fetch_all(&mut *conn)
                    .await?;
                rows.iter().map(|r| row_values(r, sqlite_value)).collect()
            }
            Side::Postgres(tx) => {
                let conn: &mut PgConnection = tx;
                let rows = sqlx::query_with(sql, arguments::<Postgres>(args, &[])?)
                    .fetch_all(&mut *conn)
                    .await?;
                rows.iter().map(|r| row_values(r, postgres_value)).collect()
            }
        }
    }

    pub(super) async fn count(&mut self, sql: &str) -> Result<u64> {
        let rows = self.fetch(sql, Vec::new()).await?;
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Int(n)) => Ok(u64::try_from(*n).unwrap_or(0)),
            _ => Err(StoreError::Corrupt(format!("no count from {sql}"))),
        }
    }

    /// Runs a statement; on PostgreSQL `kinds` type its NULLs (one per argument, or none).
    pub(super) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
        kinds: &[Option<Kind>],
    ) -> Result<u64> {
        Ok(match self {
            Side::Sqlite(tx) => {
                let conn: &mut SqliteConnection = tx;
                sqlx::query_with(sql, arguments::<Sqlite>(args, &[])?)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            }
            Side::Postgres(tx) => {
                let conn: &mut PgConnection = tx;
                sqlx::query_with(sql, arguments::<Postgres>(args, kinds)?)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
            }
        })
    }
}

/// Binds `args` for backend `DB`, each NULL typed as `kinds` say (PostgreSQL wants a NULL of
/// its column's type; SQLite takes any).
fn arguments<'q, DB>(args: Vec<Value>, kinds: &[Option<Kind>]) -> Result<DB::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<f64>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
    for (i, value) in args.into_iter().enumerate() {
        let kind = kinds.get(i).copied().flatten();
        match (value, kind) {
            (Value::Null, Some(Kind::Int) | None) => out.add(None::<i64>),
            (Value::Null, Some(Kind::Real)) => out.add(None::<f64>),
            (Value::Null, Some(Kind::Text)) => out.add(None::<String>),
            (Value::Null, Some(Kind::Bytes)) => out.add(None::<Vec<u8>>),
            (Value::Null, Some(Kind::Bool)) => out.add(None::<bool>),
            (Value::Null, Some(Kind::Date)) => out.add(None::<NaiveDate>),
            (Value::Null, Some(Kind::Time)) => out.add(None::<DateTime<Utc>>),
            (Value::Int(v), _) => out.add(Some(v)),
            (Value::Real(v), _) => out.add(Some(v)),
            (Value::Text(v), _) => out.add(Some(v)),
            (Value::Bytes(v), _) => out.add(Some(v)),
            (Value::Bool(v), _) => out.add(Some(v)),
            (Value::Date(v), _) => out.add(Some(v)),
            (Value::Time(v), _) => out.add(Some(v)),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// A row's values, each read by `value` from its type's name unless NULL.
fn row_values<R>(row: &R, value: fn(&R, usize, &str) -> Result<Value>) -> Result<Vec<Value>>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
{
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let name = raw.type_info().name().to_owned();
            value(row, i, &name)
        })
        .collect()
}

/// A SQLite value, by its storage class.
fn sqlite_value(row: &SqliteRow, i: usize, class: &str) -> Result<Value> {
    Ok(match class {
        "INTEGER" => Value::Int(row.try_get_unchecked(i)?),
        "REAL" => Value::Real(row.try_get_unchecked(i)?),
        "BLOB" => Value::Bytes(row.try_get_unchecked(i)?),
        _ => Value::Text(row.try_get_unchecked(i)?),
    })
}

/// A PostgreSQL value, by its column's type.
fn postgres_value(row: &PgRow, i: usize, type_name: &str) -> Result<Value> {
    Ok(match type_name {
        "INT8" => Value::Int(row.try_get(i)?),
        "INT4" => Value::Int(row.try_get::<i32, _>(i)?.into()),
        "INT2" => Value::Int(row.try_get::<i16, _>(i)?.into()),
        "FLOAT8" => Value::Real(row.try_get(i)?),
        "FLOAT4" => Value::Real(row.try_get::<f32, _>(i)?.into()),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get(i)?),
        "BYTEA" => Value::Bytes(row.try_get(i)?),
        "BOOL" => Value::Bool(row.try_get(i)?),
        "DATE" => Value::Date(row.try_get(i)?),
        "TIMESTAMPTZ" => Value::Time(row.try_get(i)?),
        other => {
            return Err(StoreError::Corrupt(format!(
                "a column of type {other} cannot be copied (column {i} of a row)"
            )))
        }
    })
}
