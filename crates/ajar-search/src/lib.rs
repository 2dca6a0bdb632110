//! ajar's search: a Tantivy index derived from the store, which it follows through the
//! `changes` feed, answering filtered, sorted, faceted searches for listings, the search
//! page and the JSON API.
//!
//! The index is disposable: [`Search::open`] rebuilds it from the store when it is missing,
//! unreadable or written by another schema version, and `ajar reindex` rebuilds it on
//! demand. One [`tantivy::IndexWriter`] per index, used by one task at a time (the rebuild,
//! or the follower that applies new changes in batches, one commit per batch); the last
//! applied `changes.seq` is kept in the commit's payload, so a restart resumes where it
//! stopped. Searches read from a reader that is reloaded after each commit.
//!
//! Where things live: `query` parses the search box's language; `request` holds
//! [`SearchRequest`] / [`SearchResults`] and their URL form; `schema` turns a stored work
//! into a document; `facets` counts tags exactly; `corpus` generates synthetic archives.

pub mod corpus;
mod facets;
mod plan;
pub mod query;
mod request;
mod schema;
mod segment;

pub use query::{Expr, QueryError};
pub use request::{
    encode, parse_pairs, FacetCount, FacetGroup, SearchHit, SearchRequest, SearchResults, Sort,
    DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_RESULT_WINDOW,
};
pub use schema::SCHEMA_VERSION;

use ajar_core::{TagId, TagKind, WorkId};
use ajar_store::{IndexWork, Store, StoreError};
use plan::Plan;
use query::{NumField, TextField};
use schema::{build_schema, complete_value, key, Fields};
use segment::Order;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};
use tantivy::indexer::{LogMergePolicy, MergePolicy, NoMergePolicy, UserOperation};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// Errors from the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The reader's query or filters cannot be read: show them the message.
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error("reading the store for the search index: {0}")]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("the search index folder {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the search index in {} is in use by another process (a running `ajar serve`?); stop \
         it first, or give this command another --index-dir",
        .0.display()
    )]
    Busy(PathBuf),
    #[error("a search task failed: {0}")]
    Task(String),
}

impl From<tokio::task::JoinError> for SearchError {
    fn from(e: tokio::task::JoinError) -> Self {
        SearchError::Task(e.to_string())
    }
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// Where the index lives and what goes in it.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// The index folder; `None` keeps it in memory (tests), rebuilt from the store at open.
    pub dir: Option<PathBuf>,
    /// Index the text of works too (phrase search over chapter text, snippets).
    pub index_text: bool,
    /// Indexing threads and their shared memory budget.
    pub writer_threads: usize,
    pub writer_memory_bytes: usize,
    /// Threads one search may spread its segments over (1: the calling thread only).
    pub search_threads: usize,
    /// Memory for bitsets kept between searches: half for the documents of common terms (a
    /// rating, a big fandom), half for what recent searches matched in each segment.
    pub term_cache_bytes: usize,
    /// Results kept for repeated searches (the front page, a fandom's listing), dropped
    /// whenever the index changes; 0 keeps none.
    pub result_cache_entries: usize,
    /// How often the follower looks at the feed when nothing wakes it (see
    /// [`Search::spawn_follower`]).
    pub follow_interval: Duration,
    /// How long the follower may hold back changes of a work's counts alone (kudos,
    /// comments, bookmarks) before indexing them; any other change indexes them at once.
    /// Zero indexes them with the next look, as every other change.
    pub count_delay: Duration,
}

impl SearchConfig {
    /// An index in `dir` with the text of works, two indexing threads.
    pub fn in_dir(dir: impl Into<PathBuf>) -> SearchConfig {
        SearchConfig {
            dir: Some(dir.into()),
            count_delay: COUNT_DELAY,
            ..SearchConfig::in_memory()
        }
    }

    pub fn in_memory() -> SearchConfig {
        SearchConfig {
            dir: None,
            index_text: true,
            writer_threads: 2,
            writer_memory_bytes: 256 * 1024 * 1024,
            search_threads: 2,
            term_cache_bytes: 128 * 1024 * 1024,
            result_cache_entries: 256,
            follow_interval: FOLLOW_INTERVAL,
            count_delay: Duration::ZERO,
        }
    }
}

/// How opening went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The index was there and sound; it follows on from this `changes.seq`.
    Existing { seq: i64 },
    /// The index was (re)built from the store, for this reason.
    Rebuilt { reason: String, works: u64 },
}

/// A handle on the index; cheap to clone.
#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    store: Store,
    config: SearchConfig,
    writer: Mutex<IndexWriter>,
    /// One applier at a time (the follower, or a test's `catch_up`).
    applying: tokio::sync::Mutex<()>,
    /// Every tag's kind and name by id, to group and label facet counts.
    tags: RwLock<schema::TagDict>,
    /// The last `changes.seq` searches see (the last commit's).
    applied: AtomicI64,
    /// What the follower has read past `applied` and holds back (see [`Held`]).
    held: Mutex<Held>,
    wake: tokio::sync::Notify,
    /// Per segment: tags per document, tag histograms, orders and common terms' bitsets
    /// (see `segment`).
    segments: Arc<segment::SegmentCache>,
    /// Bumped by every reload: cached results of an older generation are stale.
    generation: AtomicU64,
    results: Mutex<ResultCache>,
    /// The lock on the index folder (see [`lock_folder`]).
    _folder_lock: Option<std::fs::File>,
}

/// Changes of works' counts alone that the follower has read and not yet indexed: under a
/// steady stream of kudos each one re-indexed its work at once, and each index commit
/// empties the searches' kept results and recounts the live documents of the segment the
/// work was in, several times a second. They are indexed together with the next other
/// change, or once the oldest has waited [`SearchConfig::count_delay`]. Nothing here is
/// committed: a restart reads them again from the feed, after the last commit's `seq`.
#[derive(Default)]
struct Held {
    /// The last `changes.seq` read; at least `Inner::applied`.
    read: i64,
    works: BTreeSet<WorkId>,
    /// When the oldest of `works` was read.
    since: Option<Instant>,
}

/// Recent results by request, for one generation of the index.
#[derive(Default)]
struct ResultCache {
    generation: u64,
    clock: u64,
    entries: HashMap<String, (u64, SearchResults)>,
}

/// Works per batch when rebuilding, and changes per follower step.
const REBUILD_BATCH: u32 = 2000;
/// Readers of the store while rebuilding.
const REBUILD_READERS: usize = 2;
const FOLLOW_BATCH: u32 = 1000;
/// Segments with more documents than this are not merged further.
const MERGE_SEGMENTS_UP_TO: usize = 50_000;
/// An index this many changes behind the feed is rebuilt on open instead of caught up.
const REBUILD_WHEN_BEHIND: i64 = 50_000;
/// How long an index in a folder (a server's) holds back changes of counts alone (see
/// [`Held`]): a kudos shows in the works' order by kudos within seconds, while the pages
/// show its count from the store at once.
pub const COUNT_DELAY: Duration = Duration::from_secs(5);
/// How often the follower looks at the feed when nobody wakes it.
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);
/// The shortest time between two of the follower's looks, however often it is woken: under
/// a steady write load (a comment or kudos commits every few milliseconds, each announced)
/// changes are applied in batches, one index commit per gap, not one per write. Measured
/// with 1 node on PostgreSQL and 8 clients commenting while every commit was announced:
/// 264 comments/s without the gap, 312 with it (409 when nothing was announced; counts are
/// no longer announced, see `ajar_store`'s `changes::append_quietly`).
const FOLLOW_GAP: Duration = Duration::from_millis(50);

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    schema_version: u32,
    seq: i64,
    text: bool,
}

impl Search {
    /// Opens the index, rebuilding it from the store if it is missing, damaged, or of
    /// another schema version; `progress(done, total)` is called while rebuilding.
    pub async fn open(
        store: Store,
        config: SearchConfig,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> Result<(Search, Opened)> {
        let (schema, fields) = build_schema();
        // Held for as long as the index is open: a second server given the same folder is
        // refused here, before it could remove a running server's index to rebuild it.
        let folder_lock = match &config.dir {
            Some(dir) => Some(lock_folder(dir)?),
            None => None,
        };
        let existing = match &config.dir {
            // Tantivy may panic on a damaged file rather than return an error: either way,
            // the index is rebuilt.
            Some(dir) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                open_existing(dir, &schema, config.index_text)
            }))
            .unwrap_or_else(|_| Err("a file of the index is damaged".to_owned())),
            None => Err("the index is kept in memory".to_owned()),
        };
        // Far behind the feed (after `ajar gen-corpus` or a long stop), building anew is
        // faster than replaying every change.
        let existing = match existing {
            Ok((index, seq)) => {
                let behind = store.last_change_seq().await?.saturating_sub(seq);
                if behind > REBUILD_WHEN_BEHIND {
                    drop(index);
                    Err(format!("the index is {behind} changes behind"))
                } else {
                    Ok((index, seq))
                }
            }
            Err(reason) => Err(reason),
        };
        let (index, seq, reason) = match existing {
            Ok((index, seq)) => (index, seq, None),
            Err(reason) => {
                let index = match &config.dir {
                    Some(dir) => {
                        if dir.exists() {
                            tracing::warn!(dir = %dir.display(), %reason, "rebuilding the search index");
                            std::fs::remove_dir_all(dir).map_err(|source| SearchError::Io {
                                path: dir.clone(),
                                source,
                            })?;
                        }
                        std::fs::create_dir_all(dir).map_err(|source| SearchError::Io {
                            path: dir.clone(),
                            source,
                        })?;
                        Index::create_in_dir(dir, schema)?
                    }
                    None => Index::create_in_ram(schema),
                };
                (index, 0, Some(reason))
            }
        };
        let mut index = index;
        if config.search_threads > 1 {
            index.set_multithread_executor(config.search_threads)?;
        }
        let writer = index
            .writer_with_num_threads(config.writer_threads.max(1), config.writer_memory_bytes)
            .map_err(|e| match (&e, &config.dir) {
                (tantivy::TantivyError::LockFailure(..), Some(dir)) => {
                    SearchError::Busy(dir.clone())
                }
                _ => SearchError::Index(e),
            })?;
        writer.set_merge_policy(merge_policy());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let tags = store
            .all_tags()
            .await?
            .into_iter()
            .map(|t| (t.id.0 as u64, (t.kind, t.name)))
            .collect();
        let term_cache_bytes = config.term_cache_bytes;
        let search = Search {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                store,
                config,
                writer: Mutex::new(writer),
                applying: tokio::sync::Mutex::new(()),
                tags: RwLock::new(tags),
                applied: AtomicI64::new(seq),
                held: Mutex::new(Held {
                    read: seq,
                    ..Held::default()
                }),
                wake: tokio::sync::Notify::new(),
                segments: Arc::new(segment::SegmentCache::new(term_cache_bytes)),
                generation: AtomicU64::new(0),
                results: Mutex::new(ResultCache::default()),
                _folder_lock: folder_lock,
            }),
        };
        search.learn_graph(&[]).await?;
        match reason {
            None => {
                let inner = search.inner.clone();
                tokio::task::spawn_blocking(move || inner.reload()).await??;
                Ok((search, Opened::Existing { seq }))
            }
            Some(reason) => {
                let works = search.rebuild(progress).await?;
                Ok((search, Opened::Rebuilt { reason, works }))
            }
        }
    }

    /// Rebuilds the whole index from the store; returns the number of works indexed.
    /// Changes committed while it runs are applied by the follower afterwards.
    pub async fn rebuild(
        &self,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> Result<u64> {
        let _applying = self.inner.applying.lock().await;
        let store = &self.inner.store;
        let seq = store.last_change_seq().await?;
        let total = store.work_count().await?;
        let with_text = self.inner.config.index_text;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<IndexWork>>(4);
        // Two readers over ranges of ids, so that reading the store (one thread per SQLite
        // connection) keeps up with two indexing threads.
        let last = store.last_work_id().await?.0;
        let next = Arc::new(AtomicI64::new(1));
        let mut producers = Vec::new();
        for _ in 0..REBUILD_READERS {
            let (store, search, tx, next) = (store.clone(), self.clone(), tx.clone(), next.clone());
            producers.push(tokio::spawn(async move {
                loop {
                    let from = next.fetch_add(i64::from(REBUILD_BATCH), Ordering::SeqCst);
                    if from > last {
                        return Ok(());
                    }
                    let to = WorkId(from.saturating_add(i64::from(REBUILD_BATCH)));
                    let batch = store.index_works_in(WorkId(from), to, with_text).await?;
                    if batch.is_empty() {
                        continue;
                    }
                    search.learn_tags(&batch).await?;
                    if tx.send(batch).await.is_err() {
                        return Ok::<(), SearchError>(());
                    }
                }
            }));
        }
        drop(tx);
        let producer = async move {
            for p in producers {
                p.await??;
            }
            Ok::<(), SearchError>(())
        };
        let inner = self.inner.clone();
        let consumer = tokio::task::spawn_blocking(move || -> Result<u64> {
            let writer = inner.writer.lock().map_err(|_| poisoned())?;
            // Merging the segments of a rebuild as they come would redo much of its work.
            writer.set_merge_policy(Box::new(NoMergePolicy));
            writer.delete_all_documents()?;
            let mut done = 0u64;
            while let Some(batch) = rx.blocking_recv() {
                let dict = inner.tags.read().map_err(|_| poisoned())?;
                // A few hundred documents per message to the indexing threads: one at a time,
                // they spend a tenth of the build waking each other.
                for chunk in batch.chunks(250) {
                    writer.run(
                        chunk
                            .iter()
                            .map(|work| {
                                UserOperation::Add(schema::document(&inner.fields, work, &dict))
                            })
                            .collect::<Vec<_>>(),
                    )?;
                }
                drop(dict);
                done += batch.len() as u64;
                progress(done, total.max(done));
            }
            Ok(done)
        });
        let produced = producer.await;
        let consumed = consumer.await?;
        let inner = self.inner.clone();
        let done = tokio::task::spawn_blocking(move || -> Result<u64> {
            let mut writer = inner.writer.lock().map_err(|_| poisoned())?;
            writer.set_merge_policy(merge_policy());
            match (produced, consumed) {
                (Ok(()), Ok(done)) => {
                    commit(&mut writer, seq, inner.config.index_text)?;
                    inner.reload()?;
                    inner.applied.store(seq, Ordering::SeqCst);
                    // Everything held was read before `seq` and is in the new index.
                    *inner.held.lock().map_err(|_| poisoned())? = Held {
                        read: seq,
                        ..Held::default()
                    };
                    Ok(done)
                }
                (Err(e), _) => {
                    writer.rollback()?;
                    Err(e)
                }
                (_, Err(e)) => {
                    writer.rollback()?;
                    Err(e)
                }
            }
        })
        .await??;
        Ok(done)
    }

    /// Applies the changes committed since the last applied one, a batch at a time, until
    /// none are left, counts held back included; returns how many it applied.
    pub async fn catch_up(&self) -> Result<usize> {
        let mut applied = 0;
        loop {
            let n = self.apply_batch(true).await?;
            applied += n;
            if n < FOLLOW_BATCH as usize {
                return Ok(applied);
            }
        }
    }

    /// Reads the next changes of the feed and indexes them, holding back changes of counts
    /// alone unless `flush` or they are due (see [`Held`]); returns how many it read.
    async fn apply_batch(&self, flush: bool) -> Result<usize> {
        let _applying = self.inner.applying.lock().await;
        let after = self.inner.held.lock().map_err(|_| poisoned())?.read;
        let changes = self.inner.store.changes_since(after, FOLLOW_BATCH).await?;
        let last = changes.last().map_or(after, |c| c.seq);
        let mut ids = BTreeSet::new();
        let mut counts = BTreeSet::new();
        for c in changes.iter().filter(|c| c.entity == "work") {
            if c.counts_only() {
                counts.insert(WorkId(c.entity_id));
            } else {
                ids.insert(WorkId(c.entity_id));
            }
        }
        // Wrangling changed tags: names, synonyms, meta tags. Filters and counts follow
        // the graph, so no work needs indexing again.
        let tags_changed: Vec<TagId> = changes
            .iter()
            .filter(|c| c.entity == "tag")
            .map(|c| TagId(c.entity_id))
            .collect();
        let now = Instant::now();
        let held: Vec<WorkId> = {
            let mut held = self.inner.held.lock().map_err(|_| poisoned())?;
            held.read = last;
            if !counts.is_empty() && held.since.is_none() {
                held.since = Some(now);
            }
            held.works.extend(counts);
            // With nothing held, whatever was read is committed (if only to say how far the
            // index has read).
            let due = flush
                || held.works.is_empty()
                || !ids.is_empty()
                || !tags_changed.is_empty()
                || held.works.len() >= FOLLOW_BATCH as usize
                || held
                    .since
                    .is_some_and(|t| now.duration_since(t) >= self.inner.config.count_delay);
            if !due || held.works.is_empty() && last == self.applied_seq() {
                return Ok(changes.len());
            }
            held.works.iter().copied().collect()
        };
        ids.extend(held);
        let ids: Vec<WorkId> = ids.into_iter().collect();
        let indexed = self.index_changed(&ids, &tags_changed, last).await;
        let mut held = self.inner.held.lock().map_err(|_| poisoned())?;
        match indexed {
            Ok(()) => {
                held.works.clear();
                held.since = None;
                Ok(changes.len())
            }
            Err(e) => {
                // Read again next time: nothing of this batch is in the index.
                held.read = after;
                Err(e)
            }
        }
    }

    /// Indexes the works `ids` as they are now (deleted ones leave the index) and commits,
    /// marking the index as reflecting the feed up to `seq`.
    async fn index_changed(&self, ids: &[WorkId], tags_changed: &[TagId], seq: i64) -> Result<()> {
        if !tags_changed.is_empty() {
            self.learn_graph(tags_changed).await?;
        }
        let works = self
            .inner
            .store
            .index_works(ids, self.inner.config.index_text)
            .await?;
        self.learn_tags(&works).await?;
        let inner = self.inner.clone();
        let ids = ids.to_vec();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let mut writer = inner.writer.lock().map_err(|_| poisoned())?;
            // Deleted works are absent from `works`: deleting every changed id first covers
            // inserts, edits and deletes alike.
            for id in &ids {
                writer.delete_term(Term::from_field_u64(inner.fields.id, id.0 as u64));
            }
            {
                let dict = inner.tags.read().map_err(|_| poisoned())?;
                for work in &works {
                    writer.add_document(schema::document(&inner.fields, work, &dict))?;
                }
            }
            commit(&mut writer, seq, inner.config.index_text)?;
            inner.reload()?;
            inner.applied.store(seq, Ordering::SeqCst);
            Ok(())
        })
        .await?
    }

    /// Starts the follower: a task that applies new changes every
    /// [`SearchConfig::follow_interval`], or at once when woken: by [`Search::notify_changed`]
    /// (a write on this node), or on PostgreSQL by the database announcing a commit that
    /// appended changes on any node (LISTEN/NOTIFY, see [`Store::listen_changes`]; looking
    /// every interval stays as the fallback for a notification lost while reconnecting). It
    /// stops when every handle on this index has been dropped.
    pub fn spawn_follower(&self) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let listening = tokio::spawn(wake_on_notifications(
            self.inner.store.clone(),
            Arc::downgrade(&self.inner),
        ));
        let interval = self.inner.config.follow_interval;
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                let Some(inner) = weak.upgrade() else {
                    listening.abort();
                    return;
                };
                let search = Search { inner };
                let pause = match search.apply_batch(false).await {
                    Ok(n) if n >= FOLLOW_BATCH as usize => Duration::ZERO,
                    Ok(_) => {
                        failures = 0;
                        interval
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        tracing::warn!(error = %e, "the search follower could not apply changes; retrying");
                        FOLLOW_INTERVAL * failures.min(25)
                    }
                };
                if pause.is_zero() {
                    continue;
                }
                let notified = search.inner.clone();
                drop(search);
                // A wake meanwhile is kept (a `Notify` permit) and answered after the gap.
                tokio::time::sleep(FOLLOW_GAP).await;
                tokio::select! {
                    _ = notified.wake.notified() => {}
                    _ = tokio::time::sleep(pause.saturating_sub(FOLLOW_GAP)) => {}
                }
            }
        })
    }

    /// Reads the graph of synonyms and meta tags again, and the names of the `changed` tags
    /// (a canonical tag can be renamed); counts fold synonyms by the new graph from now on.
    async fn learn_graph(&self, changed: &[TagId]) -> Result<()> {
        let graph = self.inner.store.tag_graph().await?;
        let renamed = if changed.is_empty() {
            Vec::new()
        } else {
            self.inner.store.tags_by_ids(changed).await?
        };
        let fold: std::collections::HashMap<u32, u32> = graph
            .mergers()
            .filter_map(|(s, c)| Some((u32::try_from(s.0).ok()?, u32::try_from(c.0).ok()?)))
            .collect();
        let same = {
            let mut tags = self.inner.tags.write().map_err(|_| poisoned())?;
            for t in renamed {
                tags.insert(t.id.0 as u64, (t.kind, t.name));
            }
            let same = *tags.graph == graph;
            tags.graph = Arc::new(graph);
            same
        };
        if !same {
            self.inner.segments.set_fold(fold);
        }
        Ok(())
    }

    /// Makes sure the tag dictionary knows every tag of these works (tags made since the
    /// index was opened are read from the store).
    async fn learn_tags(&self, works: &[IndexWork]) -> Result<()> {
        let missing: Vec<TagId> = {
            let tags = self.inner.tags.read().map_err(|_| poisoned())?;
            let mut missing: Vec<TagId> = works
                .iter()
                .flat_map(|w| w.tag_ids.iter())
                .filter(|id| !tags.contains(id.0 as u64))
                .copied()
                .collect();
            missing.sort();
            missing.dedup();
            missing
        };
        if missing.is_empty() {
            return Ok(());
        }
        let found = self.inner.store.tags_by_ids(&missing).await?;
        let mut tags = self.inner.tags.write().map_err(|_| poisoned())?;
        for t in found {
            tags.insert(t.id.0 as u64, (t.kind, t.name));
        }
        Ok(())
    }

    /// Wakes the follower after a local write, so the change is findable at once.
    pub fn notify_changed(&self) {
        self.inner.wake.notify_one();
    }

    /// The last `changes.seq` the index reflects.
    pub fn applied_seq(&self) -> i64 {
        self.inner.applied.load(Ordering::SeqCst)
    }

    /// Works in the index.
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Runs a search: ids of one page of works in order, the total, facet counts, and
    /// snippets from the works' text when the search looked in it. The same request against
    /// the same state of the index is answered from a cache of recent results.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let capacity = self.inner.config.result_cache_entries;
        if capacity == 0 {
            return self.search_uncached(request).await;
        }
        let key = format!("{request:?}");
        let generation = self.inner.generation.load(Ordering::SeqCst);
        if let Ok(mut cache) = self.inner.results.lock() {
            if cache.generation == generation {
                cache.clock += 1;
                let now = cache.clock;
                if let Some((used, found)) = cache.entries.get_mut(&key) {
                    *used = now;
                    return Ok(found.clone());
                }
            }
        }
        let found = self.search_uncached(request).await?;
        if let Ok(mut cache) = self.inner.results.lock() {
            if cache.generation != generation {
                if generation < cache.generation {
                    // The index changed while this ran: the results may be stale already.
                    return Ok(found);
                }
                cache.entries.clear();
                cache.generation = generation;
            }
            if cache.entries.len() >= capacity {
                let oldest = cache
                    .entries
                    .iter()
                    .min_by_key(|(_, (used, _))| *used)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    cache.entries.remove(&oldest);
                }
            }
            cache.clock += 1;
            let now = cache.clock;
            cache.entries.insert(key, (now, found.clone()));
        }
        Ok(found)
    }

    /// [`Search::search`] without the cache of recent results (for measuring).
    pub async fn search_uncached(&self, request: &SearchRequest) -> Result<SearchResults> {
        let built = self.inner.build(request)?;
        let inner = self.inner.clone();
        let req = request.clone();
        let (total, ids, counts, snippets) =
            tokio::task::spawn_blocking(move || inner.run(built, &req)).await??;
        let facets = if request.facets {
            // Counts are by canonical tag: a filter by a synonym pins its canonical tag.
            let pinned: Vec<u64> = {
                let tags = self.inner.tags.read().map_err(|_| poisoned())?;
                request
                    .include_tag_ids
                    .iter()
                    .chain(&request.exclude_tag_ids)
                    .map(|t| tags.canonical_of(t.0 as u64))
                    .collect()
            };
            self.group_facets(counts, request.facet_limit, request.facet_kind, &pinned)
                .await?
        } else {
            Vec::new()
        };
        let snippets = match snippets {
            Some(generator) if !ids.is_empty() => {
                let texts = self.inner.store.work_texts(&ids).await?;
                ids.iter()
                    .map(|id| {
                        texts.get(id).and_then(|t| {
                            let s = generator.snippet(t);
                            (!s.highlighted().is_empty()).then(|| s.to_html())
                        })
                    })
                    .collect()
            }
            _ => vec![None; ids.len()],
        };
        // What the spoiler filter hid: the same search turned around, counting only. It costs
        // what the unseen entries' works cost, not what the archive holds.
        let spoilers_hidden =
            if request.unseen_canon.is_empty() || request.only_unseen || request.only_excluded {
                0
            } else {
                let count = SearchRequest {
                    only_unseen: true,
                    sort: Some(Sort::Updated),
                    page: 1,
                    per_page: 1,
                    facets: false,
                    ..request.clone()
                };
                let built = self.inner.build(&count)?;
                let inner = self.inner.clone();
                let (hidden, ..) =
                    tokio::task::spawn_blocking(move || inner.run(built, &count)).await??;
                hidden
            };
        Ok(SearchResults {
            total,
            spoilers_hidden,
            hits: ids
                .into_iter()
                .zip(snippets)
                .map(|(id, snippet)| SearchHit { id, snippet })
                .collect(),
            facets,
        })
    }

    /// Facet counts grouped by kind (AO3's sidebar order), most common first, at most
    /// `limit` per kind plus any `pinned` tag (a filter in use) that has a count. `counts`
    /// holds matching works by tag id.
    async fn group_facets(
        &self,
        counts: segment::TagCounts,
        limit: usize,
        only: Option<TagKind>,
        pinned: &[u64],
    ) -> Result<Vec<FacetGroup>> {
        let missing: Vec<TagId> = {
            let tags = self.inner.tags.read().map_err(|_| poisoned())?;
            let mut missing = Vec::new();
            counts.for_each(|id, _| {
                if !tags.contains(id as u64) {
                    missing.push(TagId(id as i64));
                }
            });
            missing
        };
        if !missing.is_empty() {
            let found = self.inner.store.tags_by_ids(&missing).await?;
            let mut tags = self.inner.tags.write().map_err(|_| poisoned())?;
            for t in found {
                tags.insert(t.id.0 as u64, (t.kind, t.name));
            }
        }
        let tags = self.inner.tags.read().map_err(|_| poisoned())?;
        let order = [
            TagKind::Rating,
            TagKind::Warning,
            TagKind::Category,
            TagKind::Fandom,
            TagKind::Character,
            TagKind::Relationship,
            TagKind::Freeform,
        ];
        // Names are cloned only for the tags shown: a broad search counts tens of thousands.
        let mut by_kind: Vec<Vec<(u64, u64)>> = vec![Vec::new(); order.len()];
        counts.for_each(|id, count| {
            let id = id as u64;
            if let Some(kind) = tags.kind(id).filter(|k| only.is_none_or(|o| o == *k)) {
                if let Some(list) = order
                    .iter()
                    .position(|k| *k == kind)
                    .and_then(|i| by_kind.get_mut(i))
                {
                    list.push((u64::from(count), id));
                }
            }
        });
        let most_first = |a: &(u64, u64), b: &(u64, u64)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        Ok(order
            .into_iter()
            .zip(by_kind)
            .filter(|(_, list)| !list.is_empty())
            .map(|(kind, mut list)| {
                let pinned_here: Vec<(u64, u64)> = list
                    .iter()
                    .filter(|(_, id)| pinned.contains(id))
                    .copied()
                    .collect();
                if list.len() > limit && limit > 0 {
                    list.select_nth_unstable_by(limit - 1, most_first);
                }
                list.truncate(limit);
                for p in pinned_here {
                    if !list.contains(&p) {
                        list.push(p);
                    }
                }
                let mut shown: Vec<FacetCount> = list
                    .into_iter()
                    .filter_map(|(count, id)| {
                        tags.get(id).map(|tag| FacetCount {
                            id: TagId(id as i64),
                            name: tag.name.clone(),
                            count,
                        })
                    })
                    .collect();
                shown.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
                FacetGroup { kind, tags: shown }
            })
            .collect())
    }
}

fn poisoned() -> SearchError {
    SearchError::Task("a search task panicked while holding the index".to_owned())
}

/// Takes the lock that makes one server the index folder's only user: an exclusive lock on
/// `<folder>.lock` beside it (not inside: a rebuild removes the folder), released when the
/// process ends, however it ends.
fn lock_folder(dir: &Path) -> Result<std::fs::File> {
    let mut name = dir.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| SearchError::Io {
            path: parent.to_owned(),
            source,
        })?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| SearchError::Io {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(SearchError::Busy(dir.to_owned())),
        Err(std::fs::TryLockError::Error(source)) => Err(SearchError::Io { path, source }),
    }
}

/// Opens an index folder and checks that it is whole and of this version; the `changes`
/// seq it reflects, or why it must be rebuilt.
fn open_existing(
    dir: &Path,
    schema: &tantivy::schema::Schema,
    text: bool,
) -> Result<(Index, i64), String> {
    if !dir.join("meta.json").exists() {
        return Err("there is no index yet".to_owned());
    }
    let index = Index::open_in_dir(dir).map_err(|e| format!("the index cannot be opened: {e}"))?;
    if &index.schema() != schema {
        return Err("the index was written with another schema".to_owned());
    }
    let metas = index
        .load_metas()
        .map_err(|e| format!("the index cannot be read: {e}"))?;
    let payload: Payload = metas
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| "the index has no record of the changes it reflects".to_owned())?;
    if payload.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "the index has schema version {}, this ajar uses {SCHEMA_VERSION}",
            payload.schema_version
        ));
    }
    if payload.text != text {
        return Err("the index was built with another choice about works' text".to_owned());
    }
    // Check every file's checksum and open every segment once, so that damage is found
    // now rather than by a reader.
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("the index cannot be checked: {e}"))?;
    if !damaged.is_empty() {
        return Err(format!("{} files of the index are damaged", damaged.len()));
    }
    let reader = index
        .reader()
        .map_err(|e| format!("the index cannot be read: {e}"))?;
    let searcher = reader.searcher();
    for segment in searcher.segment_readers() {
        segment
            .fast_fields()
            .u64("id")
            .map_err(|e| format!("a segment of the index is damaged: {e}"))?;
    }
    Ok((index, payload.seq))
}

/// Wakes the follower of `inner` whenever the store announces new changes, for as long as
/// the index is open; does nothing on a store that cannot announce them (SQLite). A lost
/// listening connection is made again after a pause that grows with each failure.
async fn wake_on_notifications(store: Store, inner: Weak<Inner>) {
    let mut failures = 0u32;
    loop {
        let mut listener = match store.listen_changes().await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, "cannot listen for changes; the search follower looks every so often meanwhile");
                tokio::time::sleep(FOLLOW_INTERVAL * failures.min(50)).await;
                continue;
            }
        };
        loop {
            match listener.changed().await {
                Ok(()) => {
                    failures = 0;
                    let Some(inner) = inner.upgrade() else { return };
                    inner.wake.notify_one();
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, "lost the connection that listens for changes");
                    tokio::time::sleep(FOLLOW_INTERVAL * failures.min(50)).await;
                    break;
                }
            }
        }
    }
}

/// Segments as large as a rebuild writes are left alone; the small ones the follower adds
/// are merged among themselves, and with the rebuild's last, smaller ones.
fn merge_policy() -> Box<dyn MergePolicy> {
    let mut policy = LogMergePolicy::default();
    policy.set_max_docs_before_merge(MERGE_SEGMENTS_UP_TO);
    Box::new(policy)
}

fn commit(writer: &mut IndexWriter, seq: i64, text: bool) -> Result<()> {
    let payload = serde_json::to_string(&Payload {
        schema_version: SCHEMA_VERSION,
        seq,
        text,
    })
    .map_err(|e| SearchError::Task(e.to_string()))?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

/// A request turned into index queries.
struct Built {
    /// What best-match order scores by (the words asked for), if anything.
    scored: Option<Box<dyn Query>>,
    /// Which works are in.
    filter: Plan,
    /// The part that looks in the works' text, for snippets.
    text: Option<Box<dyn Query>>,
    /// Best match for bare words, which look in the text of works too (see [`Tiers`]).
    tiers: Option<Tiers>,
}

/// Best match for words that may be found in the text of works, in three tiers: works that
/// name the words (title, creators, tags, summary, notes), scored by Tantivy as before the
/// text was searched (`Built::scored`, with `Built::filter` holding every match); then works
/// whose text has the words in the order typed (a remembered line); then works that hold
/// them scattered; the text tiers most kudos first. Scoring every work whose text holds
/// common words would cost a step through Tantivy's scorers per work (a hundred milliseconds
/// for a common pair at a million works); the tiers cost a few bitset passes, and the text
/// tiers are only looked at when a page reaches past the works that name the words.
struct Tiers {
    /// Every match, with the filters: the total and the facet counts.
    all: Plan,
    /// Matches found through the text only with the line as typed, then the rest.
    line: Plan,
    rest: Plan,
}

type Ran = (
    u64,
    Vec<WorkId>,
    segment::TagCounts,
    Option<SnippetGenerator>,
);

impl Inner {
    /// Makes the last commit visible to searches, facet lists of new segments loaded first
    /// so that no search pays for them.
    fn reload(&self) -> tantivy::Result<()> {
        self.reader.reload()?;
        self.segments.refresh(&self.reader.searcher())?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn build(&self, r: &SearchRequest) -> Result<Built> {
        let f = &self.fields;
        let mut text_parts: Vec<Box<dyn Query>> = Vec::new();
        let mut scored: Vec<Box<dyn Query>> = Vec::new();
        let mut filters: Vec<Plan> = Vec::new();
        let mut tiers = None;
        // Best match needs Tantivy's scores for the words asked for; any other order needs
        // only the set of works, so the words join the filters.
        let by_score = r.effective_sort() == Sort::BestMatch;
        let expr = query::parse(&r.query)?;
        if let Some(expr) = &expr {
            let mut has_words = false;
            let mut bare_words = false;
            collect_text_parts(expr, &mut |field, text, phrase| {
                has_words = true;
                // Bare words look in the text too, so they get snippets.
                bare_words |= field.is_none();
                if matches!(field, None | Some(TextField::Text)) {
                    if let Ok(q) = self.words(f.text, text, phrase) {
                        text_parts.push(q);
                    }
                }
            });
            // A search box holding only conditions (`words>5000`, `rating:teen`) has nothing
            // to score: every match would tie and come in index order. It filters, and best
            // match is the newest first, as for an empty box.
            if by_score && has_words && bare_words && self.config.index_text {
                scored.push(self.expr(expr, Words::Named)?);
                let with = |extra: Vec<Plan>| -> Result<Plan> {
                    let mut parts = self.filters(r, true)?;
                    parts.push(self.plan(expr)?);
                    parts.extend(extra);
                    Ok(Plan::And(parts))
                };
                let named = || -> Result<Plan> {
                    Ok(Plan::Not(Box::new(self.plan_of(expr, Words::Named)?)))
                };
                let line = || -> Plan {
                    let lines: Vec<Plan> = match expr {
                        Expr::And(parts) => lines_of_words(parts),
                        _ => Vec::new(),
                    }
                    .iter()
                    .filter_map(|line| self.words(f.text, line, true).ok())
                    .map(Plan::Query)
                    .collect();
                    match lines.len() {
                        0 => Plan::Nothing,
                        _ => Plan::Or(lines),
                    }
                };
                tiers = Some(Tiers {
                    all: with(Vec::new())?,
                    line: with(vec![named()?, line()])?,
                    rest: with(vec![named()?, Plan::Not(Box::new(line()))])?,
                });
                filters.push(self.plan(expr)?);
            } else if by_score && has_words {
                scored.push(self.expr(expr, Words::Anywhere)?);
            } else {
                filters.push(self.plan(expr)?);
            }
        }
        // The text phrase is scored with the words, unless the tiers order the works.
        let score_text = by_score && tiers.is_none() && !r.text.trim().is_empty();
        if !r.text.trim().is_empty() {
            let q = self.words(f.text, &r.text, true)?;
            text_parts.push(q.box_clone());
            if score_text {
                scored.push(q);
            }
        }
        filters.extend(self.filters(r, !score_text)?);
        let scored = match scored.len() {
            0 => None,
            1 => scored.pop(),
            _ => Some(Box::new(BooleanQuery::new(
                scored.into_iter().map(|q| (Occur::Must, q)).collect(),
            )) as Box<dyn Query>),
        };
        let text = match text_parts.len() {
            0 => None,
            1 => text_parts.pop(),
            _ => Some(Box::new(BooleanQuery::new(
                text_parts.into_iter().map(|q| (Occur::Should, q)).collect(),
            )) as Box<dyn Query>),
        };
        Ok(Built {
            scored,
            filter: match filters.len() {
                0 => Plan::All,
                1 => filters.remove(0),
                _ => Plan::And(filters),
            },
            text,
            tiers,
        })
    }

    /// Every filter of a request but its search box: the text phrase (`with_text`, when it
    /// is not scored), tags, creators, visibility, the sidebar's conditions.
    fn filters(&self, r: &SearchRequest, with_text: bool) -> Result<Vec<Plan>> {
        let f = &self.fields;
        let mut filters: Vec<Plan> = Vec::new();
        if with_text && !r.text.trim().is_empty() {
            filters.push(Plan::Query(self.words(f.text, &r.text, true)?));
        }
        let tag = |id: u64| Term::from_field_u64(f.tag_ids, id);
        // A tag takes in its synonyms and sub tags (see `TagDict::expand`).
        let tags = self.tags.read().map_err(|_| poisoned())?;
        for id in &r.include_tag_ids {
            filters.push(Plan::any_term(
                tags.expand(&[id.0 as u64]).into_iter().map(tag),
            ));
        }
        for name in &r.include_tags {
            filters.push(Plan::any_term(
                tags.expand(tags.ids_named(&key(name))).into_iter().map(tag),
            ));
        }
        if !r.include_creator_ids.is_empty() {
            filters.push(Plan::any_term(
                r.include_creator_ids
                    .iter()
                    .filter_map(|id| u64::try_from(*id).ok())
                    .map(|id| Term::from_field_u64(f.creator_ids, id)),
            ));
        }
        // Everything left out (excluded and muted tags, muted creators, saved filters) is
        // one set.
        let mut excluded: Vec<Term> = Vec::new();
        let ids: Vec<u64> = r.exclude_tag_ids.iter().map(|id| id.0 as u64).collect();
        excluded.extend(tags.expand(&ids).into_iter().map(tag));
        for name in &r.exclude_tags {
            excluded.extend(tags.expand(tags.ids_named(&key(name))).into_iter().map(tag));
        }
        drop(tags);
        excluded.extend(
            r.exclude_creators
                .iter()
                .map(|name| Term::from_field_text(f.creator_key, &key(name))),
        );
        excluded.extend(
            r.exclude_creator_ids
                .iter()
                .filter_map(|id| u64::try_from(*id).ok())
                .map(|id| Term::from_field_u64(f.creator_ids, id)),
        );
        let spoilers = r
            .unseen_canon
            .iter()
            .filter_map(|id| u64::try_from(*id).ok())
            .map(|id| Term::from_field_u64(f.canon, id));
        if r.only_excluded {
            // What the reader's view leaves out, spoilers with the rest.
            excluded.extend(spoilers);
            filters.push(Plan::any_term(excluded));
        } else if r.only_unseen {
            if !excluded.is_empty() {
                filters.push(Plan::Not(Box::new(Plan::any_term(excluded))));
            }
            filters.push(Plan::any_term(spoilers));
        } else {
            excluded.extend(spoilers);
            if !excluded.is_empty() {
                filters.push(Plan::Not(Box::new(Plan::any_term(excluded))));
            }
        }
        // Guests do not see restricted works.
        if !r.include_restricted {
            filters.push(Plan::Not(Box::new(Plan::Term(Term::from_field_u64(
                f.restricted,
                1,
            )))));
        }
        // The sidebar's filters are conditions of the query language, planned the same way.
        let mut conditions: Vec<Expr> = Vec::new();
        if !r.ratings.is_empty() {
            conditions.push(Expr::Or(
                r.ratings.iter().map(|x| Expr::Rating(*x)).collect(),
            ));
        }
        conditions.extend(r.warnings.iter().map(|w| Expr::Warning(*w)));
        if !r.categories.is_empty() {
            conditions.push(Expr::Or(
                r.categories.iter().map(|x| Expr::Category(*x)).collect(),
            ));
        }
        conditions.extend(r.complete.map(Expr::Complete));
        conditions.extend(r.crossover.map(Expr::Crossover));
        conditions.extend(r.language.clone().map(Expr::Language));
        let days = |d: Option<chrono::NaiveDate>| d.map(query::date_days);
        for (field, lo, hi) in [
            (NumField::Words, r.words_from, r.words_to),
            (NumField::Updated, days(r.updated_from), days(r.updated_to)),
            (
                NumField::Published,
                days(r.published_from),
                days(r.published_to),
            ),
        ] {
            if lo.is_some() || hi.is_some() {
                conditions.push(Expr::Range { field, lo, hi });
            }
        }
        for condition in &conditions {
            filters.push(self.plan(condition)?);
        }
        Ok(filters)
    }

    /// A query-language tree as a set of works, for orders that need no scores.
    fn plan(&self, e: &Expr) -> Result<Plan> {
        self.plan_of(e, Words::Anywhere)
    }

    /// [`Inner::plan`], bare words looking where `words` says.
    fn plan_of(&self, e: &Expr, words: Words) -> Result<Plan> {
        let f = &self.fields;
        Ok(match e {
            Expr::Text {
                field: Some(field),
                text,
                phrase,
            } => Plan::Query(self.words(self.text_field(*field), text, *phrase)?),
            // Each field a set of its own: a bitset pass per posting list, where Tantivy's
            // union of scorers would take a step per work.
            Expr::Text {
                field: None,
                text,
                phrase,
            } => {
                let mut any = Vec::new();
                for (field, _) in self.bare_word_fields(words) {
                    any.push(Plan::Query(self.words(field, text, *phrase)?));
                }
                any.push(Plan::any_term(
                    self.tag_words(text, None)?
                        .into_iter()
                        .map(|id| Term::from_field_u64(f.tag_ids, id)),
                ));
                Plan::Or(any)
            }
            Expr::Tag { kind, name } => Plan::any_term(
                self.tag_words(name, *kind)?
                    .into_iter()
                    .map(|id| Term::from_field_u64(f.tag_ids, id)),
            ),
            Expr::Rating(_)
            | Expr::Warning(_)
            | Expr::Category(_)
            | Expr::Language(_)
            | Expr::Narration(_)
            | Expr::Complete(_) => self.term_of(e).map_or(Plan::Nothing, Plan::Term),
            Expr::Crossover(c) => {
                let (lo, hi) = crossover_bounds(*c);
                Plan::Range {
                    field: "fandoms",
                    lo,
                    hi,
                }
            }
            Expr::Range { field, lo, hi } => Plan::Range {
                field: field.name(),
                lo: *lo,
                hi: *hi,
            },
            Expr::And(parts) => Plan::And(
                parts
                    .iter()
                    .map(|p| match p {
                        Expr::Not(inner) => {
                            Ok(Plan::Not(Box::new(self.negated_plan(inner, words)?)))
                        }
                        other => self.plan_of(other, words),
                    })
                    .collect::<Result<_>>()?,
            ),
            Expr::Or(parts) => Plan::Or(
                parts
                    .iter()
                    .map(|p| self.plan_of(p, words))
                    .collect::<Result<_>>()?,
            ),
            Expr::Not(inner) => Plan::Not(Box::new(self.negated_plan(inner, words)?)),
        })
    }

    /// What a `-` or NOT leaves out, as [`Inner::negated`] has it.
    fn negated_plan(&self, e: &Expr, words: Words) -> Result<Plan> {
        match self.exactly_named(e)? {
            Some(ids) => Ok(Plan::any_term(
                ids.into_iter()
                    .map(|id| Term::from_field_u64(self.fields.tag_ids, id)),
            )),
            None => self.plan_of(e, words),
        }
    }

    /// The fields bare words look in, with what a match in each counts for best match:
    /// works that name the words before works whose text merely holds them.
    fn bare_word_fields(&self, words: Words) -> Vec<(Field, f32)> {
        let f = &self.fields;
        let mut fields = vec![
            (f.title, 3.0),
            (f.creator, 2.0),
            (f.summary, 1.0),
            (f.notes, 0.5),
        ];
        if words == Words::Anywhere {
            fields.push((f.text, 0.2));
        }
        fields
    }

    fn text_field(&self, field: TextField) -> Field {
        let f = &self.fields;
        match field {
            TextField::Title => f.title,
            TextField::Creator => f.creator,
            TextField::Summary => f.summary,
            TextField::Notes => f.notes,
            TextField::Text => f.text,
        }
    }

    /// The term of a condition that is one term in the index (a rating, a warning, a
    /// category, a language, complete or not).
    fn term_of(&self, e: &Expr) -> Option<Term> {
        let f = &self.fields;
        Some(match e {
            Expr::Rating(r) => Term::from_field_text(f.rating, r.code()),
            Expr::Warning(w) => Term::from_field_text(f.warning, w.code()),
            Expr::Category(c) => Term::from_field_text(f.category, c.code()),
            Expr::Language(l) => Term::from_field_text(f.language, &l.to_lowercase()),
            Expr::Narration(p) => Term::from_field_text(f.narration, p),
            Expr::Complete(c) => Term::from_field_u64(f.complete, complete_value(Some(*c))),
            _ => return None,
        })
    }

    /// A tag of several words under a `-` or NOT is matched by its exact name
    /// (`-tag:"Major Character Death"`, as AO3's exclude filter does) rather than as a
    /// phrase within names, since exclusion should be precise: the ids with that name, or
    /// `None` for anything else.
    fn exactly_named(&self, e: &Expr) -> Result<Option<Vec<u64>>> {
        match e {
            Expr::Tag { name, .. } if name.split_whitespace().count() > 1 => {
                let tags = self.tags.read().map_err(|_| poisoned())?;
                Ok(Some(tags.expand(tags.ids_named(&key(name)))))
            }
            _ => Ok(None),
        }
    }

    /// Works carrying any of these tags (none: no work), from the kept unions of tags.
    fn tagged(&self, ids: &[u64]) -> Box<dyn Query> {
        let tag_ids = self.fields.tag_ids;
        match ids {
            [] => Box::new(EmptyQuery),
            [id] => term_u64(tag_ids, *id),
            _ => Box::new(plan::TermsQuery {
                terms: Arc::new(
                    ids.iter()
                        .map(|id| Term::from_field_u64(tag_ids, *id))
                        .collect(),
                ),
                cache: self.segments.clone(),
            }),
        }
    }

    /// A query-language tree as an index query.
    fn expr(&self, e: &Expr, words: Words) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        Ok(match e {
            Expr::Text {
                field,
                text,
                phrase,
            } => match field {
                Some(field) => self.words(self.text_field(*field), text, *phrase)?,
                None => {
                    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                    for (field, boost) in self.bare_word_fields(words) {
                        let q = self.words(field, text, *phrase)?;
                        any.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
                    }
                    let tags = self.tagged(&self.tag_words(text, None)?);
                    any.push((Occur::Should, Box::new(BoostQuery::new(tags, 2.0))));
                    Box::new(BooleanQuery::new(any))
                }
            },
            Expr::Tag { kind, name } => self.tagged(&self.tag_words(name, *kind)?),
            Expr::Rating(_)
            | Expr::Warning(_)
            | Expr::Category(_)
            | Expr::Language(_)
            | Expr::Narration(_)
            | Expr::Complete(_) => match self.term_of(e) {
                Some(term) => Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                None => Box::new(EmptyQuery),
            },
            Expr::Crossover(c) => {
                let (lo, hi) = crossover_bounds(*c);
                range(f.fandoms, lo, hi)
            }
            Expr::Range { field, lo, hi } => {
                let field = match field {
                    NumField::Words => f.words,
                    NumField::Chapters => f.chapters,
                    NumField::Kudos => f.kudos,
                    NumField::Hits => f.hits,
                    NumField::Bookmarks => f.bookmarks,
                    NumField::Comments => f.comments,
                    NumField::Published => f.published,
                    NumField::Updated => f.updated,
                    NumField::Dialogue => f.dialogue,
                };
                range(field, *lo, *hi)
            }
            Expr::And(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for p in parts {
                    match p {
                        Expr::Not(inner) => {
                            clauses.push((Occur::MustNot, self.negated(inner, words)?))
                        }
                        other => clauses.push((Occur::Must, self.expr(other, words)?)),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(parts) => Box::new(BooleanQuery::new(
                parts
                    .iter()
                    .map(|p| Ok((Occur::Should, self.expr(p, words)?)))
                    .collect::<Result<Vec<_>>>()?,
            )),
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, self.negated(inner, words)?),
            ])),
        })
    }

    /// What a `-` or NOT leaves out (see [`Inner::exactly_named`]).
    fn negated(&self, e: &Expr, words: Words) -> Result<Box<dyn Query>> {
        match self.exactly_named(e)? {
            Some(ids) => Ok(self.tagged(&ids)),
            None => self.expr(e, words),
        }
    }

    /// Ids of the tags (of a kind, or any) whose names hold the words of `text` as a phrase.
    fn tag_words(&self, text: &str, kind: Option<TagKind>) -> Result<Vec<u64>> {
        let words = schema::words_of(&mut schema::word_analyzer(), text);
        if words.is_empty() {
            return Err(QueryError {
                message: format!("\"{text}\" has no words to search for."),
            }
            .into());
        }
        let tags = self.tags.read().map_err(|_| poisoned())?;
        Ok(tags.expand(&tags.ids_with_words(&words, kind)))
    }

    /// Words in a text field: every word (a phrase: in order, next to each other).
    fn words(&self, field: Field, text: &str, phrase: bool) -> Result<Box<dyn Query>> {
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(Term::from_field_text(field, &stream.token().text));
        }
        Ok(match terms.len() {
            0 => {
                return Err(QueryError {
                    message: format!("\"{text}\" has no words to search for."),
                }
                .into())
            }
            1 => Box::new(TermQuery::new(
                terms.remove(0),
                IndexRecordOption::WithFreqs,
            )),
            _ if phrase => Box::new(PhraseQuery::new(terms)),
            // Words joined by punctuation ("Spider-Man") belong together too.
            _ => Box::new(PhraseQuery::new(terms)),
        })
    }

    fn run(&self, built: Built, r: &SearchRequest) -> Result<Ran> {
        let searcher = self.reader.searcher();
        let per_page = r.per_page.clamp(1, MAX_PER_PAGE) as usize;
        let offset = usize::try_from(r.page.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(per_page);
        let order = |order: Order| segment::ORDERS.iter().position(|o| *o == order);
        let by = match r.effective_sort() {
            Sort::Published => order(Order::Largest("published")),
            Sort::Kudos => order(Order::Largest("kudos")),
            Sort::Hits => order(Order::Largest("hits")),
            Sort::Bookmarks => order(Order::Largest("bookmarks")),
            Sort::Comments => order(Order::Largest("comments")),
            Sort::Words => order(Order::Largest("words")),
            Sort::Dialogue => order(Order::Largest("dialogue")),
            Sort::Title => order(Order::Alphabetical("title_sort")),
            Sort::Creator => order(Order::Alphabetical("creator_sort")),
            // Best match without words to score is the newest first, as no order at all.
            Sort::Updated | Sort::BestMatch => order(Order::Largest("updated")),
        };
        let filter = built.filter.prepare(&searcher)?;
        let found = match &built.scored {
            Some(scored) if built.tiers.is_some() => {
                let tiers = built.tiers.as_ref().ok_or_else(poisoned)?;
                self.run_tiers(
                    &searcher,
                    scored.as_ref(),
                    &filter,
                    tiers,
                    r.facets,
                    offset,
                    per_page,
                )?
            }
            // Words are scored only in best-match order (see `build`).
            Some(scored) => searcher.search(
                scored.as_ref(),
                &facets::Scored {
                    cache: &self.segments,
                    filter: &filter,
                    facets: r.facets,
                    page: facets::Page {
                        order: None,
                        offset,
                        limit: per_page,
                    },
                },
            )?,
            _ => facets::run_plan(
                &searcher,
                &self.segments,
                &filter,
                Some(built.filter.key(&self.segments.plan_keys)),
                r.facets,
                facets::Page {
                    order: by,
                    offset,
                    limit: per_page,
                },
            )?,
        };
        let (addrs, count, tags) = (found.page, found.count, found.tag_counts);
        let mut ids = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let column = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("id")?;
            if let Some(id) = column.first(addr.doc_id) {
                ids.push(WorkId(id as i64));
            }
        }
        let snippets = match &built.text {
            Some(text) => {
                let mut generator =
                    SnippetGenerator::create(&searcher, text.as_ref(), self.fields.text)?;
                generator.set_max_num_chars(240);
                Some(generator)
            }
            None => None,
        };
        Ok((count, ids, tags, snippets))
    }
}

/// Where bare words look: everywhere, or only where a work names things (title, creators,
/// tags, summary, notes), as best match's first tier scores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    Anywhere,
    Named,
}

/// Runs of two or more bare words typed one after another (`there is no sunset` in
/// `there is no sunset -tag:angst`), each joined into one line.
fn lines_of_words(parts: &[Expr]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    for part in parts.iter().map(Some).chain([None]) {
        match part {
            Some(Expr::Text {
                field: None,
                text,
                phrase: false,
            }) => run.push(text),
            _ => {
                if run.len() > 1 {
                    lines.push(run.join(" "));
                }
                run.clear();
            }
        }
    }
    lines
}

impl Inner {
    /// Best match in [`Tiers`]: the total and facet counts of every match, then the page
    /// from the works that name the words (scored), the works with the line as typed, the
    /// rest, in that order.
    #[allow(clippy::too_many_arguments)]
    fn run_tiers(
        &self,
        searcher: &tantivy::Searcher,
        scored: &dyn Query,
        filter: &plan::Prepared,
        tiers: &Tiers,
        with_facets: bool,
        offset: usize,
        per_page: usize,
    ) -> Result<facets::Found> {
        let all = tiers.all.prepare(searcher)?;
        let mut found = facets::run_plan(
            searcher,
            &self.segments,
            &all,
            Some(tiers.all.key(&self.segments.plan_keys)),
            with_facets,
            facets::Page {
                order: None,
                offset: 0,
                limit: 0,
            },
        )?;
        let named = searcher.search(
            scored,
            &facets::Scored {
                cache: &self.segments,
                filter,
                facets: false,
                page: facets::Page {
                    order: None,
                    offset,
                    limit: per_page,
                },
            },
        )?;
        let mut page = named.page;
        // How many works of the text tiers come before the page.
        let mut skip = usize::try_from(named.count).map_or(0, |named| offset.saturating_sub(named));
        let by_kudos = segment::ORDERS
            .iter()
            .position(|o| *o == Order::Largest("kudos"));
        for tier in [&tiers.line, &tiers.rest] {
            if page.len() >= per_page {
                break;
            }
            let more = facets::run_plan(
                searcher,
                &self.segments,
                &tier.prepare(searcher)?,
                Some(tier.key(&self.segments.plan_keys)),
                false,
                facets::Page {
                    order: by_kudos,
                    offset: skip,
                    limit: per_page - page.len(),
                },
            )?;
            skip = usize::try_from(more.count).map_or(0, |n| skip.saturating_sub(n));
            page.extend(more.page);
        }
        found.page = page;
        Ok(found)
    }
}

fn collect_text_parts(e: &Expr, out: &mut impl FnMut(Option<TextField>, &str, bool)) {
    match e {
        Expr::Text {
            field,
            text,
            phrase,
        } => out(*field, text, *phrase),
        Expr::And(parts) | Expr::Or(parts) => {
            for p in parts {
                collect_text_parts(p, out);
            }
        }
        // What is excluded is not shown highlighted.
        _ => {}
    }
}

fn term_u64(field: Field, value: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, value),
        IndexRecordOption::Basic,
    ))
}

fn range(field: Field, lo: Option<u64>, hi: Option<u64>) -> Box<dyn Query> {
    if lo.is_none() && hi.is_none() {
        return Box::new(AllQuery);
    }
    let bound = |v: Option<u64>| match v {
        Some(v) => Bound::Included(Term::from_field_u64(field, v)),
        None => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(bound(lo), bound(hi)))
}

/// The range of the `fandoms` count for crossovers (`yes`: two or more) or not (one).
fn crossover_bounds(yes: bool) -> (Option<u64>, Option<u64>) {
    if yes {
        (Some(2), None)
    } else {
        (None, Some(1))
    }
}

#[cfg(test)]
mod send_tests {
    use super::*;

    #[test]
    fn futures_can_move_between_threads() {
        fn send<T: Send>(_: &T) {}
        fn check(search: &Search, store: Store, request: &SearchRequest) {
            send(&search.search(request));
            send(&search.catch_up());
            send(&search.rebuild(|_, _| {}));
            send(&Search::open(store, SearchConfig::in_memory(), |_, _| {}));
        }
        let _ = check;
    }
}
