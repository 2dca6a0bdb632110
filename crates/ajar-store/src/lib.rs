//! The database: the archive's source of truth.
//!
//! One [`Store`] talks to SQLite (the embedded default, `./ajar-data/ajar.db`, WAL mode) or
//! PostgreSQL (scale-out), with the same SQL wherever the two agree and one migrations folder
//! per backend. Every write commits whole or not at all, and appends to the `changes` feed
//! in the same transaction, so the search index and other nodes can follow it.
//!
//! NOTE (interface agreed between crates; bodies are being written): the signatures below are
//! what `ajar-web` and the `ajar` binary call.

use ajar_core::{ArchiveWarning, Category, Chapter, Html, Language, Rating, TagName, Work, WorkId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::Path;

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
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (it holds a connection pool).
#[derive(Clone)]
pub struct Store {
    _private: (),
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
pub struct WorkBlurb {
    pub id: WorkId,
    pub title: String,
    pub creators: Vec<String>,
    pub fandoms: Vec<TagName>,
    pub rating: Rating,
    pub warnings: Vec<ArchiveWarning>,
    pub categories: Vec<Category>,
    pub relationships: Vec<TagName>,
    pub characters: Vec<TagName>,
    pub tags: Vec<TagName>,
    pub summary: Html,
    pub language: Language,
    pub complete: bool,
    pub expected_chapters: Option<u32>,
    pub updated: Option<chrono::NaiveDate>,
    pub stats: WorkStats,
}

/// One row of the `changes` feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub seq: i64,
    /// What changed: "work", later "comment", "tag", ...
    pub entity: String,
    pub entity_id: i64,
    /// "insert", "update" or "delete".
    pub op: String,
}

impl Store {
    /// Opens the archive's database: PostgreSQL when `database_url` is given
    /// (`postgres://...`), else SQLite at `data_dir/ajar.db`, creating the folder and file.
    /// Brings the schema up to date either way.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store> {
        let _ = (database_url, data_dir);
        todo!()
    }

    /// Opens a database by URL (`sqlite://path?mode=rwc` or `postgres://...`) and migrates it.
    pub async fn connect(url: &str) -> Result<Store> {
        let _ = url;
        todo!()
    }

    pub fn backend(&self) -> Backend {
        todo!()
    }

    /// Stores a new work (validated first) with its tags, creators, chapters and series, and
    /// a `changes` row, in one transaction.
    pub async fn insert_work(&self, work: &Work) -> Result<WorkId> {
        let _ = work;
        todo!()
    }

    /// A whole work, chapters and bodies included.
    pub async fn work(&self, id: WorkId) -> Result<Option<StoredWork>> {
        let _ = id;
        todo!()
    }

    /// A work's metadata and chapter index, without chapter bodies.
    pub async fn work_header(&self, id: WorkId) -> Result<Option<WorkHeader>> {
        let _ = id;
        todo!()
    }

    /// One chapter, by 1-based position.
    pub async fn chapter(&self, id: WorkId, position: u32) -> Result<Option<Chapter>> {
        let _ = (id, position);
        todo!()
    }

    /// Most recently updated works first (then newest id first).
    pub async fn recent_works(&self, limit: u32, offset: u64) -> Result<Vec<WorkBlurb>> {
        let _ = (limit, offset);
        todo!()
    }

    pub async fn work_count(&self) -> Result<u64> {
        todo!()
    }

    /// Rows of the `changes` feed with `seq > after`, oldest first, at most `limit`.
    pub async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
        let _ = (after, limit);
        todo!()
    }
}
