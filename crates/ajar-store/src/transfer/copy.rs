//! The copy itself: readying the target, copying each table in key order from where the
//! target stopped, the second pass for references, id sequences, and the checksums.

use super::catalog::{quote, Role, Table};
use super::side::Side;
use super::values::{conform, feed, int, text, Kind, Value};
use super::{CopyOptions, TableSum, MARKER, MAX_VALUES};
use crate::db::Pool;
use crate::{Backend, Result, Store, StoreError};
use chrono::Utc;
use sha2::{Digest, Sha256};

/// Makes the target ready: emptied when asked, refused when it holds an archive that is not
/// an interrupted copy. Says whether a copy is resumed.
pub(super) async fn prepare_target(
    target: &Store,
    plan: &[Table],
    options: &CopyOptions,
) -> Result<bool> {
    let mut side = Side::read(&target.pool).await?;
    let marker_exists = match side.backend() {
        Backend::Sqlite => format!("SELECT COUNT(*) FROM sqlite_master WHERE name = '{MARKER}'"),
        Backend::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '{MARKER}'"
        ),
    };
    let marker = if side.count(&marker_exists).await? > 0 {
        side.fetch(&format!("SELECT source FROM {MARKER}"), Vec::new())
            .await?
            .first()
            .map(|r| text(&r[0]))
    } else {
        None
    };
    let mut holding = Vec::new();
    for table in plan {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT 1) AS t",
            quote(&table.name)
        );
        if side.count(&sql).await? > 0 {
            holding.push(table.name.as_str());
        }
    }
    side.finish().await?;

    let resumed = match (&marker, options.replace) {
        (_, true) => {
            empty_target(&target.pool, plan).await?;
            false
        }
        (Some(from), false) if *from == options.source_label => true,
        (Some(from), false) => {
            return Err(StoreError::Conflict(format!(
                "the target holds an unfinished copy from {from}, not from {}; \
                 --replace empties it and starts again",
                options.source_label
            )))
        }
        (None, false) if holding.is_empty() => false,
        (None, false) => {
            return Err(StoreError::Conflict(format!(
                "the target already holds an archive (rows in {}); \
                 --replace empties it first",
                holding.join(", ")
            )))
        }
    };
    if !resumed {
        let mut tx = Side::write(&target.pool).await?;
        tx.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {MARKER} (source TEXT NOT NULL, started_at TEXT NOT NULL)"
            ),
            Vec::new(),
            &[],
        )
        .await?;
        tx.execute(&format!("DELETE FROM {MARKER}"), Vec::new(), &[])
            .await?;
        tx.execute(
            &format!("INSERT INTO {MARKER} (source, started_at) VALUES ($1, $2)"),
            vec![
                Value::Text(options.source_label.clone()),
                Value::Text(Utc::now().to_rfc3339()),
            ],
            &[Some(Kind::Text), Some(Kind::Text)],
        )
        .await?;
        tx.finish().await?;
    }
    Ok(resumed)
}

/// Deletes every row of the target, and starts its id sequences again.
async fn empty_target(pool: &Pool, plan: &[Table]) -> Result<()> {
    let mut tx = Side::write(pool).await?;
    match tx.backend() {
        Backend::Postgres => {
            let all = plan
                .iter()
                .map(|t| quote(&t.name))
                .collect::<Vec<_>>()
                .join(", ");
            tx.execute(
                &format!("TRUNCATE {all} RESTART IDENTITY CASCADE"),
                Vec::new(),
                &[],
            )
            .await?;
        }
        Backend::Sqlite => {
            // Foreign keys are checked at commit, when every table is empty.
            tx.execute("PRAGMA defer_foreign_keys = ON", Vec::new(), &[])
                .await?;
            for table in plan.iter().rev() {
                tx.execute(
                    &format!("DELETE FROM {}", quote(&table.name)),
                    Vec::new(),
                    &[],
                )
                .await?;
            }
            tx.execute("DELETE FROM sqlite_sequence", Vec::new(), &[])
                .await?;
        }
    }
    tx.finish().await
}

/// What copying one table came to.
pub(super) struct Copied {
    /// Rows the target holds of it now.
    pub(super) rows: u64,
    /// Of which this run wrote.
    pub(super) new_rows: u64,
}

/// Copies one table's rows after the last one the target already holds.
pub(super) async fn copy_table(
    source: &mut Side,
    target: &Pool,
    table: &Table,
    batch_rows: usize,
    mut progress: impl FnMut(u64),
) -> Result<Copied> {
    let (mut after, mut rows) = {
        let mut side = Side::read(target).await?;
        let keys: Vec<String> = table
            .key
            .iter()
            .map(|&i| quote(&table.columns[i]))
            .collect();
        let last = side
            .fetch(
                &format!(
                    "SELECT {} FROM {} ORDER BY {} LIMIT 1",
                    keys.join(", "),
                    quote(&table.name),
                    table.ordered_descending(&table.key, Role::Target)
                ),
                Vec::new(),
            )
            .await?;
        let count = side
            .count(&format!("SELECT COUNT(*) FROM {}", quote(&table.name)))
            .await?;
        side.finish().await?;
        let after = last
            .into_iter()
            .next()
            .map(|key| conform_key(key, table, Role::Source));
        (after.transpose()?, count)
    };
    progress(rows);
    let mut new_rows = 0;
    if !table.paged && rows > 0 {
        // Written whole in one transaction by an earlier run.
        return Ok(Copied { rows, new_rows });
    }
    let per_insert = (MAX_VALUES / table.columns.len().max(1)).max(1);
    let identity = match target {
        Pool::Postgres(_) if table.identity.is_some() => " OVERRIDING SYSTEM VALUE",
        _ => "",
    };
    loop {
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY {}{}",
            table.column_list(),
            quote(&table.name),
            table.after_key(Role::Source, after.is_some()),
            table.ordered(&table.key, Role::Source),
            table.limit(batch_rows),
        );
        let batch = source
            .fetch(&sql, after.clone().unwrap_or_default())
            .await?;
        let Some(last) = batch.last() else { break };
        let last_key: Vec<Value> = table.key.iter().map(|&i| last[i].clone()).collect();
        let fetched = batch.len();
        let mut tx = Side::write(target).await?;
        let mut batch = batch.into_iter().peekable();
        while batch.peek().is_some() {
            let chunk: Vec<Vec<Value>> = batch.by_ref().take(per_insert).collect();
            let mut args = Vec::with_capacity(chunk.len() * table.columns.len());
            let mut kinds = Vec::with_capacity(args.capacity());
            for row in &chunk {
                for (i, value) in row.iter().enumerate() {
                    let value = if table.deferred.contains(&i) {
                        Value::Null
                    } else {
                        conform(value.clone(), table.target_kinds[i])
                            .map_err(|why| cannot_copy(table, i, why))?
                    };
                    args.push(value);
                    kinds.push(table.target_kinds[i]);
                }
            }
            let sql = format!(
                "INSERT INTO {} ({}){identity} VALUES {}",
                quote(&table.name),
                table.column_list(),
                crate::db::value_rows(chunk.len(), table.columns.len(), 1)
            );
            tx.execute(&sql, args, &kinds).await?;
        }
        tx.finish().await?;
        rows += fetched as u64;
        new_rows += fetched as u64;
        progress(rows);
        after = Some(last_key);
        if fetched < batch_rows || !table.paged {
            break;
        }
    }
    Ok(Copied { rows, new_rows })
}

/// A key read from the target, put in the form the source compares it in.
fn conform_key(key: Vec<Value>, table: &Table, role: Role) -> Result<Vec<Value>> {
    key.into_iter()
        .zip(&table.key)
        .map(|(value, &i)| {
            conform(value, table.kinds(role)[i]).map_err(|why| cannot_copy(table, i, why))
        })
        .collect()
}

fn cannot_copy(table: &Table, column: usize, why: String) -> StoreError {
    StoreError::Corrupt(format!(
        "cannot copy {}.{}: {why}",
        table.name, table.columns[column]
    ))
}

/// Writes the references left empty on the first pass (see [`Table::deferred`]).
pub(super) async fn copy_deferred(
    source: &mut Side,
    target: &Pool,
    table: &Table,
    batch_rows: usize,
) -> Result<()> {
    let mut picked: Vec<usize> = table.key.clone();
    picked.extend(&table.deferred);
    let list = picked
        .iter()
        .map(|&i| quote(&table.columns[i]))
        .collect::<Vec<_>>()
        .join(", ");
    let any_set = table
        .deferred
        .iter()
        .map(|&i| format!("{} IS NOT NULL", quote(&table.columns[i])))
        .collect::<Vec<_>>()
        .join(" OR ");
    let sets = table
        .deferred
        .iter()
        .enumerate()
        .map(|(n, &i)| format!("{} = ${}", quote(&table.columns[i]), n + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let matches = table
        .key
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            format!(
                "{} = ${}",
                quote(&table.columns[i]),
                n + 1 + table.deferred.len()
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    let update = format!("UPDATE {} SET {sets} WHERE {matches}", quote(&table.name));
    let kinds: Vec<Option<Kind>> = table
        .deferred
        .iter()
        .chain(&table.key)
        .map(|&i| table.target_kinds[i])
        .collect();
    let mut after: Option<Vec<Value>> = None;
    loop {
        let keyset = table.after_key(Role::Source, after.is_some());
        let filter = if keyset.is_empty() {
            format!(" WHERE ({any_set})")
        } else {
            format!("{keyset} AND ({any_set})")
        };
        let sql = format!(
            "SELECT {list} FROM {}{filter} ORDER BY {} LIMIT {batch_rows}",
            quote(&table.name),
            table.ordered(&table.key, Role::Source),
        );
        let batch = source
            .fetch(&sql, after.clone().unwrap_or_default())
            .await?;
        let Some(last) = batch.last() else { break };
        after = Some(last[..table.key.len()].to_vec());
        let fetched = batch.len();
        let mut tx = Side::write(target).await?;
        for row in batch {
            let (key, refs) = row.split_at(table.key.len());
            let mut args = Vec::with_capacity(row.len());
            for (value, &i) in refs.iter().zip(&table.deferred) {
                args.push(
                    conform(value.clone(), table.target_kinds[i])
                        .map_err(|why| cannot_copy(table, i, why))?,
                );
            }
            for (value, &i) in key.iter().zip(&table.key) {
                args.push(
                    conform(value.clone(), table.target_kinds[i])
                        .map_err(|why| cannot_copy(table, i, why))?,
                );
            }
            tx.execute(&update, args, &kinds).await?;
        }
        tx.finish().await?;
        if fetched < batch_rows {
            break;
        }
    }
    Ok(())
}

/// The last id the source's sequence for `table` handed out (0 if none).
pub(super) async fn last_id(source: &mut Side, table: &Table, column: &str) -> Result<i64> {
    let highest = source
        .fetch(
            &format!(
                "SELECT COALESCE(MAX({}), 0) FROM {}",
                quote(column),
                quote(&table.name)
            ),
            Vec::new(),
        )
        .await?
        .first()
        .map(|r| int(&r[0]))
        .unwrap_or(0);
    let handed_out = match source.backend() {
        Backend::Sqlite => source
            .fetch(
                "SELECT seq FROM sqlite_sequence WHERE name = $1",
                vec![Value::Text(table.name.clone())],
            )
            .await?
            .first()
            .map(|r| int(&r[0]))
            .unwrap_or(0),
        Backend::Postgres => {
            let sequence = source
                .fetch(
                    "SELECT pg_get_serial_sequence($1, $2)",
                    vec![
                        Value::Text(quote(&table.name)),
                        Value::Text(column.to_owned()),
                    ],
                )
                .await?
                .first()
                .map(|r| text(&r[0]))
                .unwrap_or_default();
            if sequence.is_empty() {
                0
            } else {
                source
                    .fetch(
                        &format!(
                            "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END \
                             FROM {sequence}"
                        ),
                        Vec::new(),
                    )
                    .await?
                    .first()
                    .map(|r| int(&r[0]))
                    .unwrap_or(0)
            }
        }
    };
    Ok(highest.max(handed_out))
}

/// Moves the target's id sequence for `table` on so that the next id is after `last`.
pub(super) async fn advance_id(
    target: &Pool,
    table: &Table,
    column: &str,
    last: i64,
) -> Result<()> {
    let mut tx = Side::write(target).await?;
    match tx.backend() {
        Backend::Postgres => {
            let sql = if last > 0 {
                "SELECT setval(pg_get_serial_sequence($1, $2), $3, true)"
            } else {
                "SELECT setval(pg_get_serial_sequence($1, $2), 1, false) WHERE $3 = 0"
            };
            tx.fetch(
                sql,
                vec![
                    Value::Text(quote(&table.name)),
                    Value::Text(column.to_owned()),
                    Value::Int(last),
                ],
            )
            .await?;
        }
        Backend::Sqlite => {
            let name = Value::Text(table.name.clone());
            let updated = tx
                .execute(
                    "UPDATE sqlite_sequence SET seq = $1 WHERE name = $2",
                    vec![Value::Int(last), name.clone()],
                    &[],
                )
                .await?;
            if updated == 0 && last > 0 {
                tx.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ($2, $1)",
                    vec![Value::Int(last), name],
                    &[],
                )
                .await?;
            }
        }
    }
    tx.finish().await
}

/// One table's row count and checksum on one side (rows in key order, in batches).
pub(super) async fn checksum(side: &mut Side, table: &Table, role: Role) -> Result<TableSum> {
    const BATCH: usize = 5000;
    let mut hash = Sha256::new();
    let mut rows = 0u64;
    let mut after: Option<Vec<Value>> = None;
    loop {
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY {}{}",
            table.column_list(),
            quote(&table.name),
            table.after_key(role, after.is_some()),
            table.ordered(&table.key, role),
            table.limit(BATCH),
        );
        let batch = side.fetch(&sql, after.clone().unwrap_or_default()).await?;
        for row in &batch {
            for value in row {
                feed(&mut hash, value);
            }
        }
        rows += batch.len() as u64;
        match batch.last() {
            Some(last) if batch.len() == BATCH && table.paged => {
                after = Some(table.key.iter().map(|&i| last[i].clone()).collect());
            }
            _ => break,
        }
    }
    let counted = side
        .count(&format!("SELECT COUNT(*) FROM {}", quote(&table.name)))
        .await?;
    if counted != rows {
        // Rows a key order cannot reach: say so rather than vouch for a part.
        return Err(StoreError::Corrupt(format!(
            "{} has {counted} rows but {rows} were read in key order",
            table.name
        )));
    }
    let digest = hash.finalize();
    let checksum = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(TableSum { rows, checksum })
}
