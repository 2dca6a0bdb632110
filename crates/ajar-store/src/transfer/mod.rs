//! Copying a whole archive from one store to another, and proving the copy whole: `ajar
//! migrate` (SQLite ⇄ PostgreSQL), `ajar backup` (a running archive into a new SQLite file)
//! and `ajar restore` all run [`Store::copy_into`].
//!
//! The copy is driven by what the two databases' catalogs say (tables, columns, primary
//! keys, foreign keys), not by a list kept by hand, so a table a later migration adds is
//! copied with no change here; two databases whose schemas differ are refused. The source is
//! read in one transaction, so the copy is of one moment even while the archive serves.
//! Tables are copied parents first, each in primary-key order, in batches that commit on
//! their own: an interrupted copy resumes after the last row the target holds (a marker
//! table, `ajar_transfer`, says a copy is under way). Foreign keys that point back into their
//! own table or round a cycle are written in a second pass. Ids are copied as they are and
//! id sequences moved on to where the source's were, so no id is ever handed out twice.
//!
//! At the end both sides are checksummed table by table in key order over values put in one
//! form whatever the backend (a time is its microsecond, a boolean a number), so a SQLite
//! archive, its PostgreSQL copy and the SQLite copy of that agree.

mod catalog;
mod copy;
mod side;
mod values;

use crate::{Result, Store};
use catalog::{describe, plan, quote, Role};
use copy::{advance_id, checksum, copy_deferred, copy_table, last_id, prepare_target};
use side::Side;

/// The table in a target that says a copy into it is under way (and from where).
pub(super) const MARKER: &str = "ajar_transfer";

/// The most values one INSERT binds (see `db::MAX_ARGS`).
pub(super) const MAX_VALUES: usize = 900;

/// How a copy runs.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Rows read from the source and committed to the target at a time.
    pub batch_rows: usize,
    /// Empty the target first when it already holds an archive (otherwise that is refused).
    pub replace: bool,
    /// Where the copy comes from, in words for the marker (a URL with its password left out).
    pub source_label: String,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            batch_rows: 5000,
            replace: false,
            source_label: String::new(),
        }
    }
}

/// Where a copy is, for a progress bar.
#[derive(Debug, Clone)]
pub struct CopyProgress {
    pub stage: CopyStage,
    pub table: String,
    /// Rows done of `total` in this stage, over all tables.
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyStage {
    /// Copying rows.
    Copying,
    /// Checksumming both sides.
    Verifying,
}

/// What a copy did, and whether every table came out the same on both sides.
#[derive(Debug, Clone)]
pub struct CopyReport {
    /// It went on from an interrupted copy into the same target.
    pub resumed: bool,
    /// Rows copied by this run (a resumed run does not count what an earlier one did).
    pub rows_copied: u64,
    pub tables: Vec<TableCheck>,
}

impl CopyReport {
    /// Every table has the same rows on both sides.
    pub fn verified(&self) -> bool {
        self.tables.iter().all(TableCheck::matches)
    }
}

/// One table's row count and checksum on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub table: String,
    pub source: TableSum,
    pub target: TableSum,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source == self.target
    }
}

/// A table's row count and a checksum of its rows in key order (SHA-256, first 16 bytes in
/// hex) over values in a form both backends share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSum {
    pub rows: u64,
    pub checksum: String,
}

impl Store {
    /// Copies every row of this store into `target` (see the module's words) and checks the
    /// copy table by table. A target that already holds rows is refused unless
    /// `options.replace` says to empty it, or it is a copy from here that was interrupted,
    /// which is resumed. `progress` hears how far it has come.
    pub async fn copy_into(
        &self,
        target: &Store,
        options: &CopyOptions,
        mut progress: impl FnMut(CopyProgress),
    ) -> Result<CopyReport> {
        let mut source = Side::read(&self.pool).await?;
        let source_tables = describe(&mut source).await?;
        let target_tables = {
            let mut side = Side::read(&target.pool).await?;
            let tables = describe(&mut side).await?;
            side.finish().await?;
            tables
        };
        let plan = plan(&source_tables, &target_tables)?;

        let resumed = prepare_target(target, &plan, options).await?;
        let mut totals = Vec::with_capacity(plan.len());
        for table in &plan {
            let sql = format!("SELECT COUNT(*) FROM {}", quote(&table.name));
            totals.push(source.count(&sql).await?);
        }
        let total: u64 = totals.iter().sum();
        let mut done = 0;
        let mut rows_copied = 0;
        for table in &plan {
            let copied = copy_table(
                &mut source,
                &target.pool,
                table,
                options.batch_rows.max(1),
                |rows| {
                    progress(CopyProgress {
                        stage: CopyStage::Copying,
                        table: table.name.clone(),
                        done: done + rows,
                        total,
                    })
                },
            )
            .await?;
            rows_copied += copied.new_rows;
            done += copied.rows;
        }
        for table in &plan {
            if !table.deferred.is_empty() {
                copy_deferred(&mut source, &target.pool, table, options.batch_rows.max(1)).await?;
            }
        }
        for table in &plan {
            if let Some(column) = &table.identity {
                let next = last_id(&mut source, table, column).await?;
                advance_id(&target.pool, table, column, next).await?;
            }
        }

        let mut tables = Vec::with_capacity(plan.len());
        let mut target_side = Side::read(&target.pool).await?;
        let mut checked = 0;
        for (table, rows) in plan.iter().zip(&totals) {
            progress(CopyProgress {
                stage: CopyStage::Verifying,
                table: table.name.clone(),
                done: checked,
                total,
            });
            let source_sum = checksum(&mut source, table, Role::Source).await?;
            let target_sum = checksum(&mut target_side, table, Role::Target).await?;
            checked += rows;
            tables.push(TableCheck {
                table: table.name.clone(),
                source: source_sum,
                target: target_sum,
            });
        }
        target_side.finish().await?;
        source.finish().await?;
        let report = CopyReport {
            resumed,
            rows_copied,
            tables,
        };
        if report.verified() {
            let mut tx = Side::write(&target.pool).await?;
            tx.execute(&format!("DROP TABLE IF EXISTS {MARKER}"), Vec::new(), &[])
                .await?;
            tx.finish().await?;
        }
        Ok(report)
    }

    /// Every table's row count and checksum, read in one transaction (see [`TableSum`]).
    pub async fn checksums(&self) -> Result<Vec<(String, TableSum)>> {
        let mut side = Side::read(&self.pool).await?;
        let tables = describe(&mut side).await?;
        let plan = plan(&tables, &tables)?;
        let mut sums = Vec::with_capacity(plan.len());
        for table in &plan {
            sums.push((
                table.name.clone(),
                checksum(&mut side, table, Role::Source).await?,
            ));
        }
        side.finish().await?;
        Ok(sums)
    }

    /// Backs a SQLite archive up into a new file at `path` with SQLite's `VACUUM INTO`, which
    /// copies one moment of the database in seconds while it serves (a copy row by row takes
    /// over a hundred times as long at a million works), then checks the file: SQLite's
    /// `integrity_check`, and every table's rows and checksum, compared with the archive's
    /// when nothing was written to it from the backup's start to the end of the check.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<SqliteBackup> {
        let crate::db::Pool::Sqlite(pool) = &self.pool else {
            return Err(crate::StoreError::Conflict(
                "a PostgreSQL archive is backed up by copying it (Store::copy_into)".into(),
            ));
        };
        let mut conn = pool.acquire().await?;
        // Changes when another connection commits (see SQLite's `PRAGMA data_version`).
        let version = "PRAGMA data_version";
        let before: i64 = sqlx::query_scalar(version).fetch_one(&mut *conn).await?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(&mut *conn)
            .await?;
        let backup = Store::connect(&format!("sqlite://{}", path.display())).await?;
        let checked = async {
            let integrity: String = match &backup.pool {
                crate::db::Pool::Sqlite(p) => {
                    sqlx::query_scalar("PRAGMA integrity_check")
                        .fetch_one(p)
                        .await?
                }
                crate::db::Pool::Postgres(_) => String::new(),
            };
            if integrity != "ok" {
                return Err(crate::StoreError::Corrupt(format!(
                    "the backup fails SQLite's integrity check: {integrity}"
                )));
            }
            backup.checksums().await
        }
        .await;
        backup.close().await;
        let tables = checked?;
        let archive = self.checksums().await?;
        let after: i64 = sqlx::query_scalar(version).fetch_one(&mut *conn).await?;
        Ok(SqliteBackup {
            same_as_archive: (before == after).then(|| archive == tables),
            tables,
        })
    }
}

/// What [`Store::backup_sqlite`] wrote and found.
#[derive(Debug, Clone)]
pub struct SqliteBackup {
    /// The backup's tables, each with its row count and checksum.
    pub tables: Vec<(String, TableSum)>,
    /// Whether they are the archive's: `None` when the archive was written to while the
    /// backup was made and checked (a serving archive counts page views every second), so
    /// the two are of different moments; the backup is still one moment of it.
    pub same_as_archive: Option<bool>,
}
