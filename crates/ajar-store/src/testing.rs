//! Fresh stores for tests, on SQLite and on PostgreSQL (the `testing` feature).
//!
//! Every test gets its own database: a temporary folder with a new SQLite file, or a new
//! PostgreSQL database `ajar_test_<random>` created through the admin URL in
//! `AJAR_TEST_DATABASE_URL` (e.g. `postgres://ajar:ajar@127.0.0.1:5432/postgres`, which
//! `.ci/start-postgres.sh` sets up and prints) and dropped afterwards.
//! Without that variable the PostgreSQL half of a test prints
//! `SKIP postgres: AJAR_TEST_DATABASE_URL is not set` and passes, unless
//! `AJAR_REQUIRE_ALL_TESTS=1`, when it fails for that reason (CI sets it).
//!
//! From another crate's tests (`ajar-store = { workspace = true, features = ["testing"] }`
//! in `[dev-dependencies]`):
//!
//! ```ignore
//! use ajar_store::Store;
//!
//! // Makes `sqlite::posts_a_work` and `postgres::posts_a_work`, each on a fresh database.
//! ajar_store::backend_tests!(posts_a_work);
//!
//! async fn posts_a_work(store: Store) {
//!     // ...
//! }
//! ```
//!
//! or by hand, e.g. to start a server on the store:
//! `let Some(db) = TestStore::new(Backend::Postgres).await else { return };` ...
//! `db.cleanup().await`.
//!
//! This is test support: failures to set up panic with a message saying what to do.

use crate::{Backend, Store, StoreOptions};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable holding the PostgreSQL admin URL tests create their databases through.
pub const DATABASE_URL_VAR: &str = "AJAR_TEST_DATABASE_URL";
/// Set to `1` to make tests fail, instead of skip, when a backend is not available.
pub const REQUIRE_ALL_VAR: &str = "AJAR_REQUIRE_ALL_TESTS";

/// A fresh store and the database behind it, removed by [`TestStore::cleanup`] (a SQLite
/// folder is also removed on drop).
pub struct TestStore {
    store: Store,
    place: Place,
}

enum Place {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        url: String,
        database: String,
    },
}

impl TestStore {
    /// A fresh store on `backend`; `None` (after printing why) when PostgreSQL is not
    /// configured and not required.
    pub async fn new(backend: Backend) -> Option<TestStore> {
        TestStore::new_with(backend, &StoreOptions::default()).await
    }

    /// [`TestStore::new`] with the store's connections set up as `options` say.
    pub async fn new_with(backend: Backend, options: &StoreOptions) -> Option<TestStore> {
        match backend {
            Backend::Sqlite => Some(TestStore::sqlite_with(options).await),
            Backend::Postgres => TestStore::postgres_with(options).await,
        }
    }

    /// A store on a new SQLite file in a temporary folder.
    pub async fn sqlite() -> TestStore {
        TestStore::sqlite_with(&StoreOptions::default()).await
    }

    async fn sqlite_with(options: &StoreOptions) -> TestStore {
        let dir = tempfile::Builder::new()
            .prefix("ajar-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"));
        let store = Store::open_with(None, dir.path(), options)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a SQLite store in {}: {e}",
                    dir.path().display()
                )
            });
        TestStore {
            store,
            place: Place::Sqlite(dir),
        }
    }

    /// A store on a new PostgreSQL database; `None` when [`postgres_admin_url`] is.
    pub async fn postgres() -> Option<TestStore> {
        TestStore::postgres_with(&StoreOptions::default()).await
    }

    async fn postgres_with(options: &StoreOptions) -> Option<TestStore> {
        let admin_url = postgres_admin_url()?;
        let database = format!("ajar_test_{:016x}", random());
        // UTF-8 whatever the cluster's default, so text round-trips the same everywhere.
        let create = format!(
            "CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE 'C' LC_CTYPE 'C'"
        );
        admin_execute(&admin_url, &create).await;
        let url = with_database(&admin_url, &database);
        let store = Store::connect_with(&url, options)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database {database}: {e}"));
        Some(TestStore {
            store,
            place: Place::Postgres {
                admin_url,
                url,
                database,
            },
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// The folder of a SQLite store (`ajar.db` is inside): pass it as a data dir to open a
    /// second handle, as a second process would.
    pub fn data_dir(&self) -> Option<&Path> {
        match &self.place {
            Place::Sqlite(dir) => Some(dir.path()),
            Place::Postgres { .. } => None,
        }
    }

    /// The URL of a PostgreSQL store, to open a second handle on it.
    pub fn database_url(&self) -> Option<&str> {
        match &self.place {
            Place::Sqlite(_) => None,
            Place::Postgres { url, .. } => Some(url),
        }
    }

    /// Closes the store and removes its database.
    pub async fn cleanup(self) {
        self.store.close().await;
        match self.place {
            Place::Sqlite(dir) => {
                let _ = dir.close();
            }
            Place::Postgres {
                admin_url,
                database,
                ..
            } => {
                drop_database(&admin_url, &database).await;
            }
        }
    }
}

/// A connection taken from a store's main pool and kept until dropped: with a pool of one,
/// everything else that needs a connection has to wait.
pub struct OccupiedConnection {
    _conn: crate::db::Conn,
}

/// Takes one connection of `store`'s main pool out of use until the result is dropped.
pub async fn occupy_connection(store: &Store) -> OccupiedConnection {
    let conn = store
        .pool
        .conn()
        .await
        .unwrap_or_else(|e| panic!("cannot take a connection from the pool: {e}"));
    OccupiedConnection { _conn: conn }
}

/// Runs a query on `store`'s main pool that takes far longer than any time limit a test
/// sets (minutes), and returns how it ended.
pub async fn run_slow_query(store: &Store) -> crate::Result<()> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000000) \
             SELECT count(*) FROM n"
        }
        Backend::Postgres => "SELECT count(*) FROM (SELECT pg_sleep(300)) AS s",
    };
    let mut conn = store.pool.conn().await?;
    conn.db()
        .fetch_one::<(i64,)>(&crate::db::Sql::new(sql))
        .await
        .map(|_| ())
}

/// The PostgreSQL admin URL from `AJAR_TEST_DATABASE_URL`. When it is not set: panics if
/// `AJAR_REQUIRE_ALL_TESTS=1`, else prints the SKIP line and returns `None`.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let reason = format!("{DATABASE_URL_VAR} is not set");
            if std::env::var(REQUIRE_ALL_VAR).is_ok_and(|v| v.trim() == "1") {
                panic!(
                    "postgres: {reason}, and {REQUIRE_ALL_VAR}=1 requires every backend; run \
                     .ci/start-postgres.sh and export the URL it prints"
                );
            }
            eprintln!("SKIP postgres: {reason}");
            None
        }
    }
}

/// The variable naming a streaming replica of the test server (`.ci/start-postgres-replica.sh`
/// starts one and prints its URL).
pub const REPLICA_URL_VAR: &str = "AJAR_TEST_REPLICA_URL";

/// The URL of `database` (a test store's, see [`TestStore::database_url`]) on the replica
/// that `AJAR_TEST_REPLICA_URL` names, which has it as soon as it has replayed its
/// creation. When the variable is not set: panics if `AJAR_REQUIRE_ALL_TESTS=1`, else prints
/// the SKIP line and returns `None`.
pub fn replica_url_of(database_url: &str) -> Option<String> {
    let replica = match std::env::var(REPLICA_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            let reason = format!("{REPLICA_URL_VAR} is not set");
            if std::env::var(REQUIRE_ALL_VAR).is_ok_and(|v| v.trim() == "1") {
                panic!(
                    "replica: {reason}, and {REQUIRE_ALL_VAR}=1 requires every service; run \
                     .ci/start-postgres-replica.sh and export the URL it prints"
                );
            }
            eprintln!("SKIP replica: {reason}");
            return None;
        }
    };
    let name = database_url.rsplit('/').next().unwrap_or_default();
    let base = replica
        .rsplit_once('/')
        .map_or(replica.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// Runs `test` on a fresh store on `backend`, then removes the database, also when the test
/// panics (the panic is passed on). Skips PostgreSQL as [`postgres_admin_url`] says.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    assert_eq!(
        db.backend(),
        backend,
        "the test store is on the wrong backend"
    );
    let outcome = tokio::spawn(test(db.store().clone())).await;
    db.cleanup().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("the test was cancelled: {e}");
    }
}

/// [`run`] on a new multi-threaded Tokio runtime, for plain `#[test]` functions.
pub fn run_blocking<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("cannot start a Tokio runtime: {e}"));
    runtime.block_on(run(backend, test));
}

/// Declares each named `async fn(Store)` as two tests, `sqlite::<name>` and
/// `postgres::<name>`, each on a fresh database (see [`testing`](crate::testing)).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::testing::run_blocking($crate::Backend::Sqlite, super::$name);
                }
            )+
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    $crate::testing::run_blocking($crate::Backend::Postgres, super::$name);
                }
            )+
        }
    };
}

/// Every table the store keeps, for checking that a failed write left nothing behind.
pub const TABLES: [&str; 38] = [
    "works",
    "chapters",
    "work_sources",
    "chapter_sources",
    "pseuds",
    "work_creators",
    "tags",
    "work_tags",
    "series",
    "series_works",
    "work_extra",
    "changes",
    "users",
    "sessions",
    "site_settings",
    "invitations",
    "password_resets",
    "gifts",
    "kudos",
    "work_kudos",
    "comments",
    "bookmarks",
    "subscriptions",
    "readings",
    "user_mutes",
    "user_blocks",
    "reports",
    "user_filters",
    "work_hits",
    "tag_parents",
    "tag_meta",
    "wrangling_log",
    "wrangler_fandoms",
    "canon_entries",
    "work_canon",
    "notifications",
    "mail_outbox",
    "email_confirmations",
];

/// The number of rows in each of [`TABLES`].
pub async fn table_row_counts(store: &Store) -> Vec<(&'static str, u64)> {
    let mut conn = store
        .pool
        .conn()
        .await
        .unwrap_or_else(|e| panic!("cannot connect: {e}"));
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let sql = crate::db::Sql::new(format!("SELECT COUNT(*) FROM {table}"));
        let (n,): (i64,) = conn
            .db()
            .fetch_one(&sql)
            .await
            .unwrap_or_else(|e| panic!("cannot count the rows of {table}: {e}"));
        out.push((table, u64::try_from(n).unwrap_or(0)));
    }
    out
}

/// SQL that makes every `event` (`INSERT` or `UPDATE`) on `table` fail when `when` (about
/// `NEW`) is true, per backend: for tests that a write failing half-way leaves nothing
/// behind. Install it with [`execute_sql`]; [`drop_failing_trigger`] takes it away.
pub fn failing_trigger(backend: Backend, event: &str, table: &str, when: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            "CREATE TRIGGER fail_{table} BEFORE {event} ON {table} WHEN {when} \
             BEGIN SELECT RAISE(ABORT, 'forced failure'); END;"
        ),
        Backend::Postgres => format!(
            "CREATE OR REPLACE FUNCTION ajar_test_fail() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$; \
             CREATE TRIGGER fail_{table} BEFORE {event} ON {table} FOR EACH ROW WHEN ({when}) \
             EXECUTE FUNCTION ajar_test_fail();"
        ),
    }
}

/// SQL that drops what [`failing_trigger`] made on `table`.
pub fn drop_failing_trigger(backend: Backend, table: &str) -> String {
    match backend {
        Backend::Sqlite => format!("DROP TRIGGER fail_{table}"),
        Backend::Postgres => format!("DROP TRIGGER fail_{table} ON {table}"),
    }
}

/// The series a work is in, as (title, part), sorted by title.
pub async fn series_parts(store: &Store, work: ajar_core::WorkId) -> Vec<(String, u32)> {
    let mut parts: Vec<(String, u32)> = store
        .work_series(work)
        .await
        .unwrap_or_else(|e| panic!("cannot read the series of work {work}: {e}"))
        .into_iter()
        .map(|s| (s.title, s.position))
        .collect();
    parts.sort();
    parts
}

/// Runs raw SQL (several statements allowed) on the store's database, e.g. to install a
/// trigger that makes a write fail half-way. Test support only: the store's own queries live
/// in the store.
pub async fn execute_sql(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    match &store.pool {
        crate::db::Pool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
        crate::db::Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()),
    }
}

/// The options the SQLite library was compiled with (`PRAGMA compile_options`), or `None` on
/// PostgreSQL.
pub async fn sqlite_compile_options(store: &Store) -> Result<Option<Vec<String>>, sqlx::Error> {
    match &store.pool {
        crate::db::Pool::Sqlite(pool) => sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(pool)
            .await
            .map(Some),
        crate::db::Pool::Postgres(_) => Ok(None),
    }
}

/// Drops a test's database. `WITH (FORCE)` ends the sessions still in it, but a test role
/// may not end an autovacuum worker (it runs as the superuser: "must be a member of the role
/// whose process is being terminated"), so a drop that meets one waits and tries again; a
/// database still there after that is left to the throwaway cluster, with a note, rather than
/// failing a test that passed.
async fn drop_database(admin_url: &str, database: &str) {
    use sqlx::Connection;
    let statement = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    let mut last = String::new();
    for _ in 0..20 {
        match sqlx::PgConnection::connect(admin_url).await {
            Ok(mut conn) => {
                let done = sqlx::raw_sql(&statement).execute(&mut conn).await;
                let _ = conn.close().await;
                match done {
                    Ok(_) => return,
                    Err(e) => last = e.to_string(),
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    eprintln!("note: the test database {database} was left behind: {last}");
}

/// Runs one statement through the admin URL (CREATE / DROP DATABASE cannot run in a
/// transaction or be prepared, hence the raw connection and `raw_sql`).
async fn admin_execute(admin_url: &str, statement: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to {DATABASE_URL_VAR} ({}): {e}",
                crate::redact(admin_url)
            )
        });
    sqlx::raw_sql(statement)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    let _ = conn.close().await;
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A random-enough number for unique database names (no extra dependency).
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(t.as_nanos());
    }
    hasher.finish()
}

/// Foreign keys to `to` (a table) whose column starts no index, as `table.column`: a delete
/// of a `to` row then reads the whole referencing table (to cascade, to set null, or to
/// check nothing still refers to it).
pub async fn unindexed_foreign_keys(store: &Store, to: &str) -> Result<Vec<String>, sqlx::Error> {
    match &store.pool {
        crate::db::Pool::Sqlite(pool) => {
            sqlx::query_scalar(
                "SELECT m.name || '.' || p.\"from\" FROM sqlite_master m \
                 JOIN pragma_foreign_key_list(m.name) p \
                 WHERE m.type = 'table' AND p.\"table\" = ?1 \
                 AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il \
                     JOIN pragma_index_info(il.name) ii \
                     WHERE ii.seqno = 0 AND ii.name = p.\"from\") \
                 AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) ti \
                     WHERE ti.name = p.\"from\" AND ti.pk = 1 AND upper(ti.type) = 'INTEGER') \
                 ORDER BY 1",
            )
            .bind(to)
            .fetch_all(pool)
            .await
        }
        crate::db::Pool::Postgres(pool) => {
            sqlx::query_scalar(
                "SELECT c.conrelid::regclass::text || '.' || a.attname FROM pg_constraint c \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
                 WHERE c.contype = 'f' AND c.confrelid = $1::regclass \
                 AND NOT EXISTS (SELECT 1 FROM pg_index i \
                     WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) \
                 ORDER BY 1",
            )
            .bind(to)
            .fetch_all(pool)
            .await
        }
    }
}

/// Makes an account `name` (address `NAME@example.org`, a placeholder password hash) and
/// answers it with its default pseud.
pub async fn account(store: &Store, name: &str) -> (ajar_core::UserId, ajar_core::PseudId) {
    let email = format!("{name}@example.org");
    let id = store
        .create_user(&crate::NewUser {
            name,
            email: &email,
            password_hash: "x",
            role: ajar_core::Role::User,
            invitation: None,
        })
        .await
        .unwrap_or_else(|e| panic!("cannot make the account {name}: {e}"));
    let pseuds = store
        .pseuds_of(id)
        .await
        .unwrap_or_else(|e| panic!("cannot read {name}'s pseuds: {e}"));
    (id, pseuds[0].id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped() {
        assert_eq!(
            with_database("postgres://ajar:ajar@127.0.0.1:5432/postgres", "t1"),
            "postgres://ajar:ajar@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://ajar@localhost?sslmode=disable", "t1"),
            "postgres://ajar@localhost/t1?sslmode=disable"
        );
    }
}
