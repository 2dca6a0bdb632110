//! Statistics for the query planner. Without them SQLite guesses every table's size and, on a
//! large archive, can pick a plan that walks every work for a tag page where the
//! `work_tags (tag_id)` index would read a few hundred rows. SQLite gathers none by itself:
//! `ajar serve` asks on start and every hour ([`Store::optimize`], cheap when little
//! changed), and bulk writes (`ajar import`, `gen-corpus`) ask for a fresh look
//! ([`Store::analyze`]). PostgreSQL's autovacuum keeps statistics, but only some time after a
//! bulk load, so `analyze` runs `ANALYZE` there.

use crate::db::Pool;
use crate::{Result, Store};

/// Rows SQLite samples per index when analyzing: enough for the planner's choices, and
/// quick (milliseconds) whatever the archive's size.
const SQLITE_ANALYSIS_LIMIT: u32 = 1000;

impl Store {
    /// Refreshes the SQLite planner's statistics of the tables whose size changed much since
    /// they were last gathered (or that have none). Nothing on PostgreSQL, whose autovacuum
    /// does this. Runs on the background pool, without the time limit of pages.
    pub async fn optimize(&self) -> Result<()> {
        if let Pool::Sqlite(pool) = &self.background {
            let sql = format!(
                "PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}; PRAGMA optimize = 0x10002;"
            );
            sqlx::raw_sql(&sql).execute(pool).await?;
        }
        Ok(())
    }

    /// Gathers the planner's statistics of every table anew: after a bulk write.
    pub async fn analyze(&self) -> Result<()> {
        match &self.background {
            Pool::Sqlite(pool) => {
                let sql = format!("PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}; ANALYZE;");
                sqlx::raw_sql(&sql).execute(pool).await?;
            }
            Pool::Postgres(pool) => {
                sqlx::raw_sql("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }
}
