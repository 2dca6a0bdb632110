//! What a database's catalog says of its tables (columns, primary keys, foreign keys, id
//! sequences), and the plan of a copy: the tables in the order they are written, with what
//! each side says of them.

use super::side::Side;
use super::values::{int, text, Kind, Value};
use super::MARKER;
use crate::{Backend, Result, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// A column as one database describes it.
#[derive(Debug, Clone)]
pub(super) struct ColumnDesc {
    pub(super) name: String,
    /// On PostgreSQL only.
    pub(super) kind: Option<Kind>,
    pub(super) nullable: bool,
}

/// A table as one database describes it.
#[derive(Debug, Clone)]
pub(super) struct TableDesc {
    pub(super) columns: Vec<ColumnDesc>,
    /// The primary key's columns, in order.
    pub(super) key: Vec<String>,
    /// (column, the table it refers to).
    pub(super) references: Vec<(String, String)>,
    /// The column whose values an id sequence hands out (SQLite AUTOINCREMENT, PostgreSQL
    /// identity).
    pub(super) identity: Option<String>,
}

/// One table as the copy handles it.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(super) name: String,
    /// The target's columns, in its order.
    pub(super) columns: Vec<String>,
    /// Each column's kind on the source and on the target (`None` on SQLite).
    pub(super) source_kinds: Vec<Option<Kind>>,
    pub(super) target_kinds: Vec<Option<Kind>>,
    /// Indexes into `columns` of the key that orders rows: the primary key, or every column.
    pub(super) key: Vec<usize>,
    /// Read in batches after a key; false for a table without a primary key, which is read
    /// and written whole (a key of every column cannot page past NULLs).
    pub(super) paged: bool,
    /// Indexes of foreign-key columns written in a second pass.
    pub(super) deferred: Vec<usize>,
    pub(super) identity: Option<String>,
}

/// Which side a statement runs on, for the kinds and dialect it uses.
#[derive(Debug, Clone, Copy)]
pub(super) enum Role {
    Source,
    Target,
}

impl Table {
    pub(super) fn kinds(&self, role: Role) -> &[Option<Kind>] {
        match role {
            Role::Source => &self.source_kinds,
            Role::Target => &self.target_kinds,
        }
    }

    /// `"a", "b"` for the columns at `indexes`, text compared byte by byte on PostgreSQL
    /// (as SQLite does) so both sides order rows alike whatever the database's collation.
    pub(super) fn ordered(&self, indexes: &[usize], role: Role) -> String {
        let kinds = self.kinds(role);
        indexes
            .iter()
            .map(|&i| match kinds[i] {
                Some(Kind::Text) => format!("{} COLLATE \"C\"", quote(&self.columns[i])),
                _ => quote(&self.columns[i]),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// [`Table::ordered`], last first.
    pub(super) fn ordered_descending(&self, indexes: &[usize], role: Role) -> String {
        indexes
            .iter()
            .map(|&i| format!("{} DESC", self.ordered(&[i], role)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `LIMIT n` for a paged table, nothing for one read whole.
    pub(super) fn limit(&self, rows: usize) -> String {
        if self.paged {
            format!(" LIMIT {rows}")
        } else {
            String::new()
        }
    }

    pub(super) fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `WHERE (key) > (after)` when there is an after, numbering placeholders from 1.
    pub(super) fn after_key(&self, role: Role, after: bool) -> String {
        if !after {
            return String::new();
        }
        let places = (1..=self.key.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(" WHERE ({}) > ({places})", self.ordered(&self.key, role))
    }
}

/// Double-quotes an identifier read from a catalog.
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every table of the archive's schema (not sqlx's bookkeeping, nor the marker).
pub(super) async fn describe(side: &mut Side) -> Result<BTreeMap<String, TableDesc>> {
    let names_sql = match side.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx%'"
        }
    };
    let mut tables = BTreeMap::new();
    for row in side.fetch(names_sql, Vec::new()).await? {
        let Some(Value::Text(name)) = row.into_iter().next() else {
            continue;
        };
        if name == MARKER {
            continue;
        }
        let desc = match side.backend() {
            Backend::Sqlite => describe_sqlite(side, &name).await?,
            Backend::Postgres => describe_postgres(side, &name).await?,
        };
        tables.insert(name, desc);
    }
    Ok(tables)
}

async fn describe_sqlite(side: &mut Side, table: &str) -> Result<TableDesc> {
    let name = Value::Text(table.to_owned());
    let mut key = Vec::new();
    let mut columns = Vec::new();
    for row in side
        .fetch(
            "SELECT name, pk, \"notnull\" FROM pragma_table_info($1) ORDER BY cid",
            vec![name.clone()],
        )
        .await?
    {
        let column = text(&row[0]);
        if int(&row[1]) > 0 {
            key.push((int(&row[1]), column.clone()));
        }
        columns.push(ColumnDesc {
            name: column,
            kind: None,
            nullable: int(&row[2]) == 0,
        });
    }
    key.sort();
    let key: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
    let references = side
        .fetch(
            "SELECT \"from\", \"table\" FROM pragma_foreign_key_list($1)",
            vec![name.clone()],
        )
        .await?
        .iter()
        .map(|row| (text(&row[0]), text(&row[1])))
        .collect();
    let sql = side
        .fetch(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1",
            vec![name],
        )
        .await?;
    let autoincrement = sql
        .first()
        .map(|row| text(&row[0]).to_ascii_uppercase().contains("AUTOINCREMENT"))
        .unwrap_or(false);
    let identity = match (&key[..], autoincrement) {
        ([only], true) => Some(only.clone()),
        _ => None,
    };
    Ok(TableDesc {
        columns,
        key,
        references,
        identity,
    })
}

async fn describe_postgres(side: &mut Side, table: &str) -> Result<TableDesc> {
    let name = Value::Text(table.to_owned());
    let mut columns = Vec::new();
    let mut identity = None;
    for row in side
        .fetch(
            "SELECT column_name::text, data_type::text, is_nullable::text, is_identity::text \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position",
            vec![name.clone()],
        )
        .await?
    {
        let column = text(&row[0]);
        let data_type = text(&row[1]);
        let kind = Kind::of_postgres(&data_type).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "column {table}.{column} is of type {data_type}, which a copy cannot carry"
            ))
        })?;
        if text(&row[3]) == "YES" {
            identity = Some(column.clone());
        }
        columns.push(ColumnDesc {
            name: column,
            kind: Some(kind),
            nullable: text(&row[2]) == "YES",
        });
    }
    let key = side
        .fetch(
            "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_name = tc.constraint_name \
              AND kcu.constraint_schema = tc.constraint_schema \
              AND kcu.table_name = tc.table_name \
             WHERE tc.constraint_type = 'PRIMARY KEY' \
               AND tc.table_schema = current_schema() AND tc.table_name = $1 \
             ORDER BY kcu.ordinal_position",
            vec![name.clone()],
        )
        .await?
        .iter()
        .map(|row| text(&row[0]))
        .collect();
    let references = side
        .fetch(
            "SELECT att.attname::text, ref.relname::text \
             FROM pg_constraint con \
             JOIN pg_class cl ON cl.oid = con.conrelid \
             JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
             JOIN pg_class ref ON ref.oid = con.confrelid \
             CROSS JOIN LATERAL unnest(con.conkey) AS k(attnum) \
             JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum \
             WHERE con.contype = 'f' AND ns.nspname = current_schema() AND cl.relname = $1",
            vec![name],
        )
        .await?
        .iter()
        .map(|row| (text(&row[0]), text(&row[1])))
        .collect();
    Ok(TableDesc {
        columns,
        key,
        references,
        identity,
    })
}

/// The tables in the order a copy writes them (every table after those it refers to), with
/// what each side says of them; refused when the two schemas differ.
pub(super) fn plan(
    source: &BTreeMap<String, TableDesc>,
    target: &BTreeMap<String, TableDesc>,
) -> Result<Vec<Table>> {
    let source_names: BTreeSet<&String> = source.keys().collect();
    let target_names: BTreeSet<&String> = target.keys().collect();
    if source_names != target_names {
        let only = |a: &BTreeSet<&String>, b: &BTreeSet<&String>| {
            a.difference(b)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(schemas_differ(format!(
            "tables only in the source: [{}]; only in the target: [{}]",
            only(&source_names, &target_names),
            only(&target_names, &source_names)
        )));
    }

    let mut placed: Vec<String> = Vec::new();
    let mut waiting: BTreeSet<String> = target.keys().cloned().collect();
    let mut deferred: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while !waiting.is_empty() {
        let ready = waiting.iter().find(|name| {
            target[*name].references.iter().all(|(column, to)| {
                to == *name
                    || placed.contains(to)
                    || !target.contains_key(to)
                    || deferred.get(*name).is_some_and(|d| d.contains(column))
            })
        });
        let name = match ready {
            Some(name) => name.clone(),
            None => {
                // A cycle: write the first waiting table's references into the others later.
                let name = waiting.iter().next().cloned().unwrap_or_default();
                let later: BTreeSet<String> = target[&name]
                    .references
                    .iter()
                    .filter(|(_, to)| waiting.contains(to) && *to != name)
                    .map(|(column, _)| column.clone())
                    .collect();
                if later.is_empty() {
                    name
                } else {
                    deferred.entry(name).or_default().extend(later);
                    continue;
                }
            }
        };
        waiting.remove(&name);
        placed.push(name);
    }

    placed
        .into_iter()
        .map(|name| {
            let (from, to) = (&source[&name], &target[&name]);
            let mut source_kinds = Vec::with_capacity(to.columns.len());
            for column in &to.columns {
                let Some(theirs) = from.columns.iter().find(|c| c.name == column.name) else {
                    return Err(schemas_differ(format!(
                        "column {name}.{} is not in the source",
                        column.name
                    )));
                };
                source_kinds.push(theirs.kind);
            }
            if from.columns.len() != to.columns.len() {
                return Err(schemas_differ(format!(
                    "table {name} has {} columns in the source and {} in the target",
                    from.columns.len(),
                    to.columns.len()
                )));
            }
            let columns: Vec<String> = to.columns.iter().map(|c| c.name.clone()).collect();
            let position = |c: &String| columns.iter().position(|n| n == c);
            let key: Vec<usize> = if to.key.is_empty() {
                (0..columns.len()).collect()
            } else {
                to.key.iter().filter_map(position).collect()
            };
            let mut later: BTreeSet<String> = deferred.remove(&name).unwrap_or_default();
            later.extend(
                to.references
                    .iter()
                    .filter(|(_, refers)| *refers == name)
                    .map(|(column, _)| column.clone()),
            );
            let mut deferred_columns = Vec::new();
            for column in &later {
                let Some(i) = position(column) else { continue };
                if !to.columns[i].nullable || key.contains(&i) || to.key.is_empty() {
                    return Err(schemas_differ(format!(
                        "{name}.{column} refers round a cycle and cannot be left empty a while"
                    )));
                }
                deferred_columns.push(i);
            }
            Ok(Table {
                paged: !to.key.is_empty(),
                target_kinds: to.columns.iter().map(|c| c.kind).collect(),
                source_kinds,
                key,
                deferred: deferred_columns,
                identity: to.identity.clone().or_else(|| from.identity.clone()),
                columns,
                name,
            })
        })
        .collect()
}

fn schemas_differ(what: String) -> StoreError {
    StoreError::Conflict(format!(
        "the two databases' schemas differ ({what}); open both with the same ajar version first"
    ))
}
