//! The database: the archive's source of truth.
//!
//! One [`Store`] talks to SQLite (the embedded default, `./ajar-data/ajar.db`, WAL mode) or
//! PostgreSQL (scale-out), with the same SQL wherever the two agree and one migrations folder
//! per backend. Every write commits whole or not at all, and appends to the `changes` feed
//! in the same transaction, so the search index and other nodes can follow it.
//!
//! Where things live: `db` runs one query, written once, on either backend; `works` stores
//! and reads works, chapters and blurbs; `tags` lists tags and the works that carry one;
//! `changes` appends to and reads the feed; the schema is in `migrations/sqlite` and
//! `migrations/postgres`. With the `testing` feature, `testing` gives tests (this crate's
//! and other crates') a fresh store on each backend.

use ajar_core::{
    ArchiveWarning, Category, Html, Language, Rating, TagId, TagKind, TagName, Work, WorkId,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

mod access;
mod accounts;
mod bookmarks;
mod canon;
mod changes;
mod comments;
mod corpus;
mod db;
mod exports;
mod follows;
mod hits;
mod kudos;
mod listings;
mod mail;
mod moderation;
#[cfg(feature = "openapi")]
pub mod openapi;
mod posting;
mod pseuds;
mod rate_events;
mod replicas;
mod search_feed;
mod sources;
mod statistics;
mod suspension;
mod tags;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod transfer;
mod version;
mod works;
mod wrangling;

pub use access::{Audience, UserFilters, WorkAccess};

/// Where a page of a list starts: after so many of its items, or just after an item of it
/// (a keyset cursor, the sort key of the last item of the page before: items added or
/// removed meanwhile neither repeat nor go missing, and a deep page costs what the first
/// does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStart<K> {
    Offset(u64),
    After(K),
}

impl<K> PageStart<K> {
    /// The offset to skip (0 after a key) and the key to start after, for a query.
    pub(crate) fn split(self) -> (u64, Option<K>) {
        match self {
            PageStart::Offset(offset) => (offset, None),
            PageStart::After(key) => (0, Some(key)),
        }
    }
}
pub use accounts::{NewUser, Pseud, SessionRecord, User, UNREAD_SHOWN};
pub use bookmarks::{Bookmark, NewBookmark};
pub use canon::{CanonEntry, CanonImport, CanonLink, CanonProgress, NewCanonEntry, TimelineEntry};
pub use changes::ChangeListener;
pub use comments::{Comment, CommentAuthor, CommentStatus, CommentThreads, NewComment};
pub use corpus::{CorpusReader, CorpusWork, CorpusWriter};
use db::Pool;
pub use exports::work_fingerprint;
pub use follows::{Followed, Reading, Subscription, Update, UpdatesPage, UpdatesPlan};
pub use hits::{Hit, Visit};
pub use kudos::{KudosOutcome, KudosSummary, Kudoser};
pub use listings::{Creator, MediaFandoms, Muted, QueryPlan, Series, SeriesPart};
pub use mail::{
    DigestDue, MailMode, NewMail, Notice, NoticeCategory, NoticeKind, NoticeToMail, OutboxCounts,
    OutboxEntry, OutboxState, QueuedMail,
};
pub use moderation::{HiddenWork, OtherUser, Report, ReportAction, Reported};
pub use posting::{CoCreatorInvitation, OwnedSeries, TagSuggestion, WorkEdit};
pub use rate_events::RateEvent;
pub use replicas::{reading_after, reads_pinned, ReadAfter, WritePosition};
pub use search_feed::{IndexTag, IndexWork, SqlSort, SqlWorkFilter, SqlWorkResults};
pub use sources::TextSource;
pub use tokens::{AccessToken, TokenRecord, TokenScope, MAX_ACCESS_TOKENS, MAX_TOKEN_NAME_CHARS};
pub use transfer::{
    CopyOptions, CopyProgress, CopyReport, CopyStage, SqliteBackup, TableCheck, TableSum,
};
pub use wrangling::{QueuedTag, TagRef, TagState, Wrangle, WrangleRecord};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the work is not valid: {0}")]
    Invalid(#[from] ajar_core::ValidationError),
    #[error("cannot open the database at {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A write that would break a uniqueness rule (a taken name, a spent invitation); the
    /// message says which, for the person who asked.
    #[error("{0}")]
    Conflict(String),
    /// A write about something that does not exist (or that the caller may not see).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("cannot create the data folder {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "unsupported database URL \"{0}\": use postgres://user:password@host/database or \
         sqlite://path/to/ajar.db"
    )]
    UnsupportedUrl(String),
}

impl StoreError {
    /// Whether the database is too busy right now rather than broken: no connection came
    /// free in time, a query ran past its time limit (see [`StoreOptions`]), or SQLite stayed
    /// locked by another writer. Asking again later may well work.
    pub fn is_overload(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            StoreError::Database(sqlx::Error::Database(e)) => {
                let code = e.code();
                match backend_of(e.as_ref()) {
                    // query_canceled (statement_timeout), lock_not_available
                    Backend::Postgres => matches!(code.as_deref(), Some("57014" | "55P03")),
                    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT (and their extended codes)
                    Backend::Sqlite => code
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6 | 9)),
                }
            }
            _ => false,
        }
    }
}

/// Which backend a database error came from.
fn backend_of(e: &dyn sqlx::error::DatabaseError) -> Backend {
    if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (it holds connection pools).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// A small pool of its own for background work (see [`Store::background`]).
    background: Pool,
    /// What `data_version` has seen (see `version`).
    versions: std::sync::Arc<version::Versions>,
    /// Read replicas for pages (see `replicas`); none on SQLite.
    replicas: Option<std::sync::Arc<replicas::Replicas>>,
}

/// How a store shares out its connections and how long it lets a query run. The defaults
/// suit one-shot commands (imports, reindexing): no time limit. `ajar serve` asks for
/// [`StoreOptions::serving`], so that one slow page cannot hold the database for the rest.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Connections for pages and writes (default: 8 on SQLite, 10 on PostgreSQL).
    pub max_connections: Option<u32>,
    /// How long a caller waits for a free connection before the store gives up with an
    /// error that [`StoreError::is_overload`] (default: 10 s).
    pub acquire_timeout: Option<Duration>,
    /// The longest a query may run before it is cancelled with an error that
    /// [`StoreError::is_overload`]. PostgreSQL applies it to each statement
    /// (`statement_timeout`); SQLite has no such setting, so there a statement still running
    /// this long after its connection was taken from the pool is interrupted (a progress
    /// handler). Migrations and the background pool run without it.
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL standbys of the database that may answer the reads of pages (see
    /// `replicas`). Ignored on SQLite.
    pub replica_urls: Vec<String>,
    /// A replica further behind the primary than this is not read from (default: 2 s).
    pub max_replica_lag: Option<Duration>,
}

impl StoreOptions {
    /// What a web server wants: a short wait for a connection, and no query longer than 10 s.
    pub fn serving() -> StoreOptions {
        StoreOptions {
            max_connections: None,
            acquire_timeout: Some(Duration::from_secs(3)),
            statement_timeout: Some(Duration::from_secs(10)),
            ..StoreOptions::default()
        }
    }
}

/// A PostgreSQL URL's connection settings, with the store's statement cache.
fn pg_options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map(|connect| connect.statement_cache_capacity(STATEMENT_CACHE))
        .map_err(|source| StoreError::Open {
            url: redact(url),
            source,
        })
}

/// `connect` with PostgreSQL's `statement_timeout` set to `limit`, when there is one.
fn with_time_limit(connect: PgConnectOptions, limit: Option<Duration>) -> PgConnectOptions {
    match limit {
        Some(limit) => connect.options([(
            "statement_timeout",
            format!("{}ms", limit.as_millis().max(1)),
        )]),
        None => connect,
    }
}

/// How far behind the primary a replica may be and still be read from, unless set.
const DEFAULT_MAX_REPLICA_LAG: Duration = Duration::from_secs(2);

/// Connections in the background pool: the search follower and hit counting need few.
const BACKGROUND_CONNECTIONS: u32 = 2;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish()
    }
}

/// A stored work with its id and counters, chapters included.
#[derive(Debug, Clone, Serialize)]
pub struct StoredWork {
    pub id: WorkId,
    pub work: Work,
    pub stats: WorkStats,
    /// When the row was created / last changed (not the dates readers see, which are in `work`).
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

/// Counters readers see in a work's stats line.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Stats))]
pub struct WorkStats {
    pub words: u64,
    pub chapters: u32,
    pub hits: u64,
    pub kudos: u64,
    pub comments: u64,
    pub bookmarks: u64,
}

/// A work's header without chapter bodies: enough for a work page's metadata and chapter
/// index, cheap to load even for a 200-chapter work.
#[derive(Debug, Clone, Serialize)]
pub struct WorkHeader {
    pub id: WorkId,
    /// The work with `chapters` holding every chapter's position, title and notes but an
    /// empty `body`.
    pub work: Work,
    /// Words per chapter, in position order.
    pub chapter_words: Vec<u64>,
    pub stats: WorkStats,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

/// What a listing ("blurb") shows of a work.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkBlurb {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: WorkId,
    pub title: String,
    pub creators: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub fandoms: Vec<TagName>,
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::ratings))]
    pub rating: Rating,
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::warnings))]
    pub warnings: Vec<ArchiveWarning>,
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::categories))]
    pub categories: Vec<Category>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub relationships: Vec<TagName>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub characters: Vec<TagName>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub tags: Vec<TagName>,
    /// Sanitized HTML.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub summary: Html,
    /// The language's name.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub language: Language,
    /// `null` when the work's story file did not say whether it is finished (shown as "Not
    /// stated"); such a work matches neither complete=yes nor complete=no.
    pub complete: Option<bool>,
    pub expected_chapters: Option<u32>,
    pub updated: Option<chrono::NaiveDate>,
    pub published: Option<chrono::NaiveDate>,
    /// When the row was created / last changed (feeds give entries a time of day from them).
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub stats: WorkStats,
    /// The canon entry it spoils that the reader has not seen ("Gilmore Girls 4×13, …"),
    /// when the web layer marks it (shown because the reader blurs spoilers or asked with
    /// `spoilers=show`); not stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub spoils: Option<String>,
}

/// One row of the `changes` feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub seq: i64,
    /// What changed: "work", later "comment", "tag", ...
    pub entity: String,
    pub entity_id: i64,
    /// "insert", "update", "delete", or "count" (an update of a work's counts alone:
    /// kudos, comments, bookmarks).
    pub op: String,
    /// When the change was committed (to the second or better; for display and lag metrics).
    pub at: DateTime<Utc>,
}

impl Change {
    /// Whether this changed a work's counts and nothing else, which a follower may take its
    /// time over.
    pub fn counts_only(&self) -> bool {
        self.op == changes::Op::Count.code()
    }
}

/// A tag with the number of works that carry it (for "all fandoms" pages and tag clouds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    pub id: TagId,
    pub kind: TagKind,
    pub name: TagName,
    pub works: u64,
}

/// How much of an SQLite database file each connection reads through a memory map: none.
///
/// A map saves copying pages out of the kernel, but in WAL mode SQLite unmaps a connection's
/// whole map whenever the database has changed since its last read (`pagerBeginReadTransaction`
/// calls `sqlite3OsUnfetch(fd, 0, 0)`), and on a live archive something commits every second.
/// Each of the pool's connections then unmapped up to a gigabyte and faulted its pages in again;
/// `munmap` holds the process's memory-map lock, so every thread of the server that touched a
/// mapped page (the search index is mapped too) waited. At a million works, with five writes a
/// second from another connection and nothing else changed, a random tag's feed went from 874
/// to 530-605 req/s and 11 to 30 ms at p99 with the map, and stayed at 880-918 req/s, 9-11 ms
/// without it (`perf`: `unmap_page_range` and page faults). Without writes the map served a
/// quarter more requests a second; no live archive is without writes.
const SQLITE_MMAP_BYTES: u64 = 0;

/// How long a SQLite connection waits for another writer (this process or another, such as
/// `ajar import` beside `ajar serve`) before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a caller waits for a free connection unless [`StoreOptions`] say otherwise.
const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection. Batched inserts make one statement per batch
/// size, so the cache is larger than sqlx's default of 100.
const STATEMENT_CACHE: usize = 400;

impl Store {
    /// Opens the archive's database: PostgreSQL when `database_url` is given
    /// (`postgres://...`), else SQLite at `data_dir/ajar.db`, creating the folder and file.
    /// Brings the schema up to date either way.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store> {
        Store::open_with(database_url, data_dir, &StoreOptions::default()).await
    }

    /// [`Store::open`] with its connections set up as `options` say.
    pub async fn open_with(
        database_url: Option<&str>,
        data_dir: &Path,
        options: &StoreOptions,
    ) -> Result<Store> {
        if let Some(url) = database_url {
            return Store::connect_with(url, options).await;
        }
        tokio::fs::create_dir_all(data_dir)
            .await
            .map_err(|source| StoreError::DataDir {
                path: data_dir.to_owned(),
                source,
            })?;
        let path = data_dir.join("ajar.db");
        let connect = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        Store::open_sqlite(connect, &path.display().to_string(), false, options).await
    }

    /// Opens a database by URL (`sqlite://path?mode=rwc` or `postgres://...`) and migrates it.
    /// A SQLite file is created if missing (unless the URL says `mode=ro`); `sqlite::memory:`
    /// gives a private in-memory database that lives as long as the store.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, &StoreOptions::default()).await
    }

    /// [`Store::connect`] with its connections set up as `options` say.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Store::open_postgres(pg_options(url)?, url, options).await;
        }
        if url.starts_with("sqlite:") {
            let connect =
                SqliteConnectOptions::from_str(url).map_err(|source| StoreError::Open {
                    url: redact(url),
                    source,
                })?;
            let connect = if url.contains("mode=ro") {
                connect
            } else {
                connect.create_if_missing(true)
            };
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            return Store::open_sqlite(connect, url, in_memory, options).await;
        }
        Err(StoreError::UnsupportedUrl(redact(url)))
    }

    async fn open_sqlite(
        connect: SqliteConnectOptions,
        label: &str,
        in_memory: bool,
        options: &StoreOptions,
    ) -> Result<Store> {
        let open_error = |source| StoreError::Open {
            url: redact(label),
            source,
        };
        let connect = connect
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .statement_cache_capacity(STATEMENT_CACHE)
            .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string());
        let acquire_timeout = options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT);
        if in_memory {
            // An in-memory database lives as long as one of its connections: keep exactly one,
            // for ever (and migrate on it: another connection would be another database).
            let pool = sqlite_pool_options()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(open_error)?;
            migrate_sqlite(&pool).await?;
            return Ok(Store {
                pool: Pool::Sqlite(pool.clone()),
                background: Pool::Sqlite(pool),
                versions: Default::default(),
                replicas: None,
            });
        }
        // Migrations run before the time limit applies: a schema change on a large archive
        // may take a while, once.
        {
            let pool = sqlite_pool_options()
                .max_connections(1)
                .connect_with(connect.clone())
                .await
                .map_err(open_error)?;
            let migrated = migrate_sqlite(&pool).await;
            pool.close().await;
            migrated?;
        }
        let mut pool_options = sqlite_pool_options()
            .max_connections(options.max_connections.unwrap_or(8))
            .acquire_timeout(acquire_timeout);
        if let Some(limit) = options.statement_timeout {
            pool_options = pool_options
                .after_connect(move |conn, _| Box::pin(sqlite_deadline(conn, limit)))
                .before_acquire(move |conn, _| {
                    Box::pin(async move { sqlite_deadline(conn, limit).await.map(|()| true) })
                });
        }
        let pool = pool_options
            .connect_with(connect.clone())
            .await
            .map_err(open_error)?;
        let background = sqlite_pool_options()
            .max_connections(BACKGROUND_CONNECTIONS)
            .connect_lazy_with(connect);
        tracing::debug!(database = %redact(label), "opened SQLite store");
        Ok(Store {
            pool: Pool::Sqlite(pool),
            background: Pool::Sqlite(background),
            versions: Default::default(),
            replicas: None,
        })
    }

    async fn open_postgres(
        connect: PgConnectOptions,
        url: &str,
        options: &StoreOptions,
    ) -> Result<Store> {
        let open_error = |source| StoreError::Open {
            url: redact(url),
            source,
        };
        // sqlx serializes migrations across nodes with an advisory lock. They run on a
        // connection of their own, without the statement timeout.
        {
            let mut conn = PgConnection::connect_with(&connect)
                .await
                .map_err(open_error)?;
            let migrated = sqlx::migrate!("./migrations/postgres").run(&mut conn).await;
            let _ = conn.close().await;
            migrated?;
        }
        let background = PgPoolOptions::new()
            .max_connections(BACKGROUND_CONNECTIONS)
            .connect_lazy_with(connect.clone());
        let connect = with_time_limit(connect, options.statement_timeout);
        let pool_options = PgPoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(10))
            .acquire_timeout(options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT));
        let pool = pool_options
            .clone()
            .connect_with(connect)
            .await
            .map_err(open_error)?;
        // Replicas are connected to as they are needed: one that is away at start is left
        // out by the watcher until it answers, rather than keeping the server from starting.
        let mut replica_pools = Vec::new();
        for replica in &options.replica_urls {
            let connect = with_time_limit(pg_options(replica)?, options.statement_timeout);
            replica_pools.push((
                redact(replica),
                pool_options.clone().connect_lazy_with(connect),
            ));
        }
        let replicas = if replica_pools.is_empty() {
            None
        } else {
            let replicas = std::sync::Arc::new(replicas::Replicas::new(
                replica_pools,
                options.max_replica_lag.unwrap_or(DEFAULT_MAX_REPLICA_LAG),
            ));
            replicas::spawn_watcher(&replicas, background.clone());
            Some(replicas)
        };
        tracing::debug!(database = %redact(url), "opened PostgreSQL store");
        Ok(Store {
            pool: Pool::Postgres(pool),
            background: Pool::Postgres(background),
            versions: Default::default(),
            replicas,
        })
    }

    /// The same database through a small pool of its own, for background work (the search
    /// follower, counting hits): however busy pages keep the main pool, these still get a
    /// connection. Its queries have no time limit.
    pub fn background(&self) -> Store {
        Store {
            pool: self.background.clone(),
            background: self.background.clone(),
            versions: std::sync::Arc::clone(&self.versions),
            // Background work (the follower, hit counting, mail) reads the primary.
            replicas: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Closes every connection, waiting for those in use to be returned. Later calls on any
    /// clone of this store fail.
    pub async fn close(&self) {
        self.pool.close().await;
        self.background.close().await;
    }
}

/// Brings a SQLite database's schema up to date.
async fn migrate_sqlite(pool: &sqlx::SqlitePool) -> Result<()> {
    // Two processes starting on a fresh file at once both try to create the schema; the
    // loser sees "table exists" or a busy database, and on retry finds it up to date.
    let mut attempt = 0;
    loop {
        match sqlx::migrate!("./migrations/sqlite").run(pool).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "migrating the SQLite database failed; retrying");
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// SQLite pools' options: every connection is looked at as it goes back to the pool (see
/// [`sqlite_released`]).
fn sqlite_pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new().after_release(|conn, _| Box::pin(sqlite_released(conn)))
}

/// Rolls back a transaction left open on a connection going back to the pool.
///
/// sqlx-sqlite's `begin_with` (our `BEGIN IMMEDIATE`) has a moment, after the worker began the
/// transaction and before the `Transaction` exists, when a dropped future (a client gone
/// away, a timeout) leaves the transaction open with nothing to end it: the connection would
/// keep SQLite's write lock, and refuse every later `begin_with`. A `Transaction` dropped
/// unfinished has queued its rollback on the connection's worker; a ping waits behind it, so
/// a transaction still open after one is one nobody will end.
async fn sqlite_released(conn: &mut sqlx::SqliteConnection) -> sqlx::Result<bool> {
    use sqlx::TransactionManager;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    while conn.is_in_transaction() {
        tracing::debug!("rolling back a transaction left open by a dropped write");
        sqlx::sqlite::SqliteTransactionManager::rollback(conn).await?;
    }
    Ok(true)
}

/// Makes SQLite interrupt any statement on `conn` still running `limit` from now (the
/// connection was just opened or taken from the pool).
async fn sqlite_deadline(conn: &mut sqlx::SqliteConnection, limit: Duration) -> sqlx::Result<()> {
    let deadline = std::time::Instant::now() + limit;
    // Called every few thousand virtual machine steps; `false` interrupts the statement.
    conn.lock_handle()
        .await?
        .set_progress_handler(SQLITE_PROGRESS_STEPS, move || {
            std::time::Instant::now() < deadline
        });
    Ok(())
}

/// How many SQLite virtual machine steps run between two looks at the clock.
const SQLITE_PROGRESS_STEPS: i32 = 10_000;

/// The URL with its password replaced, fit for error messages and logs.
pub fn redacted_url(url: &str) -> String {
    redact(url)
}

fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

/// The key names are matched by, case-insensitively: Unicode lowercase, computed here so
/// that both backends agree (SQLite's `lower()` folds ASCII only).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Database integers to the unsigned counters of the domain (a negative count is damage).
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} is negative: {value}")))
}

pub(crate) fn to_u32(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("{what} is out of range: {value}")))
}

/// Domain counters to database integers (i64 holds any count the archive can reach).
pub(crate) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://ajar:secret@db.example:5432/ajar?sslmode=require"),
            "postgres://ajar:***@db.example:5432/ajar?sslmode=require"
        );
        assert_eq!(
            redact("postgres://ajar@localhost/ajar"),
            "postgres://ajar@localhost/ajar"
        );
        assert_eq!(
            redact("sqlite://ajar-data/ajar.db"),
            "sqlite://ajar-data/ajar.db"
        );
        assert_eq!(redact("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn store_futures_can_move_between_threads() {
        fn send<T: Send>(_: &T) {}
        fn check(store: &Store, work: &Work) {
            send(&store.insert_work(work));
            send(&store.work(WorkId(1)));
            send(&store.work_header(WorkId(1)));
            send(&store.recent_works(Audience::Public, None, 1, 0));
            send(&store.changes_since(0, 1));
        }
        let _ = check;
    }

    #[tokio::test]
    async fn sqlite_connections_read_without_a_memory_map() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(None, dir.path(), &StoreOptions::serving())
            .await
            .unwrap();
        for pool in [&store.pool, &store.background] {
            let Pool::Sqlite(pool) = pool else {
                panic!("a data folder without a database URL is SQLite");
            };
            let mapped: i64 = sqlx::query_scalar("PRAGMA mmap_size")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(mapped, 0);
        }
    }
}
