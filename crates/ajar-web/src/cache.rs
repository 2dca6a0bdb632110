//! A micro-cache of rendered reading pages: each page (by URL and reader settings) is
//! rendered at most once a second, however many readers ask for it.
//!
//! Reading pages change rarely but are read constantly; under load this turns a burst of
//! requests for the same page into one render and a copy. The price is that a page may lag
//! the store by up to [`TTL`] (a new hit count, a just-imported work), on each node on its
//! own, which needs no coordination between nodes. Bounded in entries; when full, expired
//! entries go first, then whatever the map yields first.
//!
//! A page is also re-rendered as soon as this node's search index applies a change from
//! the `changes` feed (a work posted, edited, hidden, deleted; on any node sharing the
//! database), so a hidden work leaves every page at once on PostgreSQL too. On SQLite it is
//! re-rendered as soon as anything is written to the database, by this process or another
//! (`Store::data_version`), so an import shows at once; hit counts
//! are written once a second, so they refresh with the TTL anyway. Kudos change one work:
//! they leave the data version alone and the handler forgets that work's pages
//! ([`PageCache::forget_work`]), so its page shows the kudos at once while every other page
//! stays kept (blurbs elsewhere show the new count within the TTL).
//!
//! When a page expires while readers keep asking for it, one request renders its successor
//! and the others are served the expired copy for the few milliseconds that takes (for at
//! most [`GRACE`]), so that a busy page never has every request render it at once.

use crate::compression::{CachedBody, Encoding, GzipAround};
use crate::prefs::ReaderPrefs;
use crate::Error;
use ajar_core::WorkId;
use axum::body::Bytes;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a rendered page is served from memory.
pub(crate) const TTL: Duration = Duration::from_secs(1);

/// [`TTL`], or `AJAR_PAGE_CACHE_MS` milliseconds when set (0 turns the cache off, to measure
/// rendering itself or to debug).
pub(crate) fn ttl_from_env() -> Duration {
    std::env::var("AJAR_PAGE_CACHE_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .map_or(TTL, Duration::from_millis)
}

/// The version kept pages are checked against: the SQLite files' state (see
/// `Store::data_version`; none on PostgreSQL) and, with a search index (once built), the
/// last change it applied. `None` (no way to tell) leaves pages to their TTL.
pub(crate) fn version_of(store: &ajar_store::Store, search: crate::SearchSlot) -> DataVersion {
    let store = store.clone();
    Arc::new(move || {
        let applied = search.get().map(|s| s.applied_seq() as u64);
        match (store.data_version(), applied) {
            (Some(files), Some(seq)) => Some(files.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seq),
            (files, seq) => files.or(seq),
        }
    })
}

/// How long past its TTL a page may still be served while another request renders it anew.
const GRACE: Duration = Duration::from_secs(5);

/// Pages kept at most.
const CAPACITY: usize = 512;

/// Bytes of pages kept at most (a chapter page is tens of kilobytes; a whole long work
/// can be megabytes, and one larger than a quarter of this is not kept at all).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// A rendered page and the validators that go with it.
pub(crate) struct Rendered {
    pub(crate) body: Bytes,
    /// For work and chapter pages: the strong ETag and the HTTP date of the last change.
    pub(crate) validators: Option<Validators>,
    /// The body compressed, each coding made on the first request that asks for it and kept
    /// as long as the page is (see `compression`); `None` inside if compressing failed.
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    /// The body deflated around its CSRF fields, for guests' gzip copies; made on the first
    /// guest request that asks for gzip.
    gzip_around: OnceLock<Option<GzipAround>>,
    /// Whether a response has carried this rendering already: every later one is a cache hit
    /// (`X-Cache: hit`, which operators and the tests read).
    served: AtomicBool,
    /// A work page that shows the work (not its spoiler gate): a view of it counts as a hit.
    pub(crate) shows_work: bool,
}

#[derive(Clone)]
pub(crate) struct Validators {
    pub(crate) etag: String,
    pub(crate) last_modified: String,
    /// Seconds since the epoch, for comparing with `If-Modified-Since`.
    pub(crate) modified_secs: i64,
}

/// Where the cache learns that the data changed: a token that changes on every write, or
/// `None` when that cannot be told cheaply.
pub(crate) type DataVersion = Arc<dyn Fn() -> Option<u64> + Send + Sync>;

#[derive(Clone)]
pub(crate) struct PageCache {
    ttl: Duration,
    version: DataVersion,
    entries: Arc<Mutex<Entries>>,
    /// Pages answered from here and pages rendered, for `/metrics`.
    pub(crate) counters: crate::metrics::CacheCounters,
}

#[derive(Default)]
struct Entries {
    pages: HashMap<String, Entry>,
    /// The sum of the kept pages' body lengths.
    bytes: usize,
    /// Keys being rendered anew by some request right now.
    refreshing: std::collections::HashSet<String>,
}

/// What a request should do for a page.
enum Lookup {
    /// Serve this copy.
    Serve(Arc<Rendered>),
    /// Render it (and, if `refreshing`, clear the mark when done).
    Render { refreshing: bool },
}

/// Clears a key's "being rendered" mark however the render ends.
struct Refreshing<'a> {
    cache: &'a PageCache,
    key: &'a str,
}

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.cache.entries.lock() {
            entries.refreshing.remove(self.key);
        }
    }
}

/// When a page was rendered, the data version it was rendered from, and the page.
type Entry = (Instant, Option<u64>, Arc<Rendered>);

impl Entries {
    fn remove(&mut self, key: &str) {
        if let Some((_, _, page)) = self.pages.remove(key) {
            self.bytes -= page.body.len();
        }
    }
}

impl PageCache {
    pub(crate) fn new(ttl: Duration, version: DataVersion) -> PageCache {
        PageCache {
            ttl,
            version,
            entries: Arc::new(Mutex::new(Entries::default())),
            counters: crate::metrics::CacheCounters::default(),
        }
    }

    fn lookup(&self, key: &str, version: Option<u64>) -> Lookup {
        if self.ttl.is_zero() {
            return Lookup::Render { refreshing: false };
        }
        let Ok(mut entries) = self.entries.lock() else {
            return Lookup::Render { refreshing: false };
        };
        let (age, current, page) = match entries.pages.get(key) {
            Some((at, rendered_from, page)) => {
                (at.elapsed(), *rendered_from == version, Arc::clone(page))
            }
            None => return Lookup::Render { refreshing: false },
        };
        if age < self.ttl && current {
            Lookup::Serve(page)
        } else if age >= self.ttl + GRACE {
            Lookup::Render { refreshing: false }
        } else if entries.refreshing.insert(key.to_owned()) {
            Lookup::Render { refreshing: true }
        } else {
            Lookup::Serve(page)
        }
    }

    /// The page under `key` from memory, or rendered by `render` and remembered.
    pub(crate) async fn get_or_render<F, Fut>(
        &self,
        ctx: &crate::auth::Ctx,
        key: String,
        render: F,
    ) -> Result<Arc<Rendered>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Rendered, Error>>,
    {
        // Pages for a logged-in reader are theirs alone (their name, their token, their
        // kudos): never shared, so never cached. Nor are those of a reader who just wrote
        // on an archive with read replicas: they are read where that write is seen.
        if !ctx.is_guest() || ajar_store::reads_pinned() {
            return Ok(Arc::new(render().await?));
        }
        // Guests share pages only with guests who see spoilers as they do.
        let key = key + &ctx.spoilers.cache_key();
        self.get_or_render_shared(key, render()).await
    }

    /// [`PageCache::get_or_render`] for what is the same whoever asks (feeds), so kept for
    /// logged-in readers too. `render` is not run when the page is kept.
    pub(crate) async fn get_or_render_shared(
        &self,
        key: String,
        render: impl Future<Output = Result<Rendered, Error>>,
    ) -> Result<Arc<Rendered>, Error> {
        let version = (self.version)();
        let refreshing = match self.lookup(&key, version) {
            Lookup::Serve(page) => {
                self.counters.hits.inc();
                return Ok(page);
            }
            Lookup::Render { refreshing } => refreshing,
        };
        self.counters.misses.inc();
        let _mark = refreshing.then_some(Refreshing {
            cache: self,
            key: &key,
        });
        let page = Arc::new(render.await?);
        self.put(key.clone(), version, Arc::clone(&page));
        Ok(page)
    }

    /// Drops every kept page of one work (each chapter and the whole work, in every reader's
    /// settings) after a write that changed only that work (kudos), so its next reader sees
    /// the change at once while every other page stays kept.
    pub(crate) fn forget_work(&self, id: WorkId) {
        let prefix = work_prefix(id);
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let keys: Vec<String> = entries
            .pages
            .keys()
            .filter(|key| key.starts_with(&prefix))
            .cloned()
            .collect();
        for key in keys {
            entries.remove(&key);
        }
    }

    fn put(&self, key: String, version: Option<u64>, page: Arc<Rendered>) {
        let size = page.body.len();
        if self.ttl.is_zero() || size > MAX_BYTES / 4 {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.remove(&key);
        if entries.pages.len() >= CAPACITY || entries.bytes + size > MAX_BYTES {
            let ttl = self.ttl;
            let expired: Vec<String> = entries
                .pages
                .iter()
                .filter(|(_, (at, _, _))| at.elapsed() >= ttl + GRACE)
                .map(|(key, _)| key.clone())
                .collect();
            for key in expired {
                entries.remove(&key);
            }
            while entries.pages.len() >= CAPACITY || entries.bytes + size > MAX_BYTES {
                let Some(victim) = entries.pages.keys().next().cloned() else {
                    break;
                };
                entries.remove(&victim);
            }
        }
        entries.bytes += size;
        entries.pages.insert(key, (Instant::now(), version, page));
    }
}

/// The cache key of a page: its path and query, and the settings it was rendered with.
pub(crate) fn key(path_and_query: &str, prefs: &ReaderPrefs) -> String {
    format!("{path_and_query}|{}", prefs.to_cookie_value())
}

/// The cache key of a work's page: a chapter (`c2`) or the whole work (`full`), whatever URL
/// asked for it, in the settings it was rendered with.
pub(crate) fn work_key(id: WorkId, variant: &str, prefs: &ReaderPrefs) -> String {
    format!("{}{variant}|{}", work_prefix(id), prefs.to_cookie_value())
}

/// What every cache key of a work's pages starts with.
fn work_prefix(id: WorkId) -> String {
    format!("work:{id}:")
}

impl Rendered {
    pub(crate) fn new(body: Bytes, validators: Option<Validators>) -> Rendered {
        Rendered {
            body,
            validators,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            gzip_around: OnceLock::new(),
            served: AtomicBool::new(false),
            shows_work: true,
        }
    }

    /// A rendered template without validators.
    pub(crate) fn page(template: &impl askama::Template) -> Result<Rendered, Error> {
        Ok(Rendered::new(Bytes::from(template.render()?), None))
    }

    /// The body in `encoding`, compressed now if no request asked for it before.
    pub(crate) fn encoded(&self, encoding: Encoding) -> Option<Bytes> {
        let cell = match encoding {
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        };
        cell.get_or_init(|| match encoding.encode(&self.body) {
            Ok(bytes) => Some(Bytes::from(bytes)),
            Err(error) => {
                tracing::warn!(%error, ?encoding, "could not compress a page; sending it plain");
                None
            }
        })
        .clone()
    }

    /// The page gzipped with `field` in place of each placeholder field (see
    /// [`GzipAround`]); `None` if compressing failed.
    pub(crate) fn gzip_with_field(&self, field: &str) -> Option<Bytes> {
        let around = self.gzip_around.get_or_init(|| {
            let placeholder = crate::views::viewer_parts::placeholder_field();
            GzipAround::new(&self.body, placeholder.as_bytes())
                .inspect_err(|error| {
                    tracing::warn!(%error, "could not compress a page; sending it plain");
                })
                .ok()
        });
        Some(Bytes::from(around.as_ref()?.with(field.as_bytes())))
    }
}

/// Says whether a page came from the page cache.
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// A cached page as a `200 text/html` response. Pages depend on the settings cookie, so
/// caches must keep them apart (`Vary: Cookie`) and check back each time (`no-cache`). The
/// page rides along in the response so that `compression::precompressed` can send its
/// compressed form.
pub(crate) struct CachedPage(pub(crate) Arc<Rendered>);

impl IntoResponse for CachedPage {
    fn into_response(self) -> Response {
        let mut response = cached_response(self.0, "text/html; charset=utf-8");
        let headers = response.headers_mut();
        headers.insert(VARY, HeaderValue::from_static("Cookie"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        response
    }
}

/// A `200` response carrying a kept page of `content_type`, saying whether it was served
/// before (`X-Cache`), with the page attached for `compression::precompressed`.
pub(crate) fn cached_response(page: Arc<Rendered>, content_type: &'static str) -> Response {
    let hit = page.served.swap(true, Ordering::Relaxed);
    (
        Extension(CachedBody(Arc::clone(&page))),
        [
            (
                X_CACHE,
                HeaderValue::from_static(if hit { "hit" } else { "miss" }),
            ),
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        ],
        page.body.clone(),
    )
        .into_response()
}

impl Validators {
    /// Whether the reader's copy is current: `If-None-Match` decides when present (RFC 9110),
    /// else `If-Modified-Since`.
    pub(crate) fn fresh(&self, headers: &HeaderMap) -> bool {
        if let Some(list) = headers.get(IF_NONE_MATCH).and_then(|h| h.to_str().ok()) {
            return crate::assets::etag_matches(list, &self.etag);
        }
        headers
            .get(IF_MODIFIED_SINCE)
            .and_then(|h| h.to_str().ok())
            .and_then(|date| httpdate::parse_http_date(date).ok())
            .and_then(|since| since.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|since| self.modified_secs <= since.as_secs() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PageCache {
        /// The page under `key`, if rendered less than the TTL ago.
        fn get(&self, key: &str) -> Option<Arc<Rendered>> {
            if self.ttl.is_zero() {
                return None;
            }
            let entries = self.entries.lock().ok()?;
            let (at, _, page) = entries.pages.get(key)?;
            (at.elapsed() < self.ttl).then(|| Arc::clone(page))
        }
    }

    fn no_version() -> DataVersion {
        Arc::new(|| None)
    }

    fn page(body: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new(Bytes::from(body.to_owned()), None))
    }

    #[test]
    fn pages_expire_and_the_cache_stays_bounded() {
        let cache = PageCache::new(Duration::from_millis(50), no_version());
        cache.put("a".into(), None, page("A"));
        assert_eq!(
            cache.get("a").map(|p| p.body.clone()),
            Some(Bytes::from("A"))
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("a").is_none());
        // Expired but within the grace period: one caller renders, the others get the copy.
        assert!(matches!(
            cache.lookup("a", None),
            Lookup::Render { refreshing: true }
        ));
        assert!(matches!(cache.lookup("a", None), Lookup::Serve(_)));
        if let Ok(mut entries) = cache.entries.lock() {
            entries.refreshing.clear();
        }
        for n in 0..CAPACITY + 10 {
            cache.put(n.to_string(), None, page("x"));
        }
        assert!(cache.entries.lock().map(|e| e.pages.len()).unwrap_or(0) <= CAPACITY);
        let big = "x".repeat(MAX_BYTES / 5);
        for n in 0..10 {
            cache.put(format!("big{n}"), None, page(&big));
        }
        let kept = cache.entries.lock().map(|e| e.bytes).unwrap_or(usize::MAX);
        assert!(kept <= MAX_BYTES, "{kept}");
        cache.put("huge".into(), None, page(&"x".repeat(MAX_BYTES / 3)));
        assert!(cache.get("huge").is_none());
        let off = PageCache::new(Duration::ZERO, no_version());
        off.put("a".into(), None, page("A"));
        assert!(off.get("a").is_none());
    }

    #[test]
    fn a_write_makes_pages_stale_at_once() {
        let version = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let seen = Arc::clone(&version);
        let cache = PageCache::new(
            Duration::from_secs(60),
            Arc::new(move || Some(seen.load(std::sync::atomic::Ordering::SeqCst))),
        );
        cache.put("a".into(), Some(1), page("A"));
        assert!(matches!(cache.lookup("a", Some(1)), Lookup::Serve(_)));
        version.store(2, std::sync::atomic::Ordering::SeqCst);
        assert!(matches!(
            cache.lookup("a", Some(2)),
            Lookup::Render { refreshing: true }
        ));
    }
}
