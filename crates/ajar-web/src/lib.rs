//! ajar's web layer: the pages `ajar serve` shows.
//!
//! Each domain module (`home`, `works`, `posting`, `comments`, `api`, ...) exposes a
//! `router()` that is merged here into one [`axum::Router`] sharing one [`AppState`].
//! Everything a person can change goes through `service` (works, chapters, comments,
//! a reader's lists, reports): one function per action, taking the viewer explicitly, that
//! the HTML forms and the JSON API both call, so both doors keep the same rules. Handlers
//! translate HTTP into that call (or, for pages that only read, into store reads for the
//! viewer they are given) and render an askama template or JSON; templates escape
//! everything by default, and only work text that `ajar-core` has already sanitized
//! ([`ajar_core::Html`]) is written out as is.
//!
//! A request passes these layers: `compression::precompressed` (kept pages' compressed
//! copies), `compression` (brotli or gzip for everything else, when the client asks),
//! `edge` (load shedding; security and cache headers on every response, error pages
//! included), `auth::context` (who is asking) and, once a route has matched,
//! `auth::guard_writes` (Origin, CSRF token and body limits for writes; see `body`).

mod access;
mod accounts;
mod api;
mod api_docs;
mod assets;
mod auth;
mod body;
mod bookmarks;
mod cache;
mod canon;
mod comments;
mod compression;
mod counts;
mod downloads;
mod edge;
mod error;
mod feeds;
mod filters;
mod flash;
mod follows;
mod forms;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hits;
mod home;
mod inbox;
mod kudos;
mod listings;
pub mod mail;
mod metrics;
mod moderation;
mod opds;
mod opds2;
mod openapi;
mod people;
mod posting;
mod prefs;
mod proxy;
mod ratelimit;
mod read_after;
mod search;
mod search_slot;
mod service;
mod settings;
mod spoilers;
mod tag_url;
mod tokens;
mod views;
mod work_sections;
mod works;
mod wrangling;

pub use auth::{hash_password, new_access_token, random_token, token_hash, verify_password};
pub use error::Error;
pub use search_slot::SearchSlot;
pub use service::accounts::{create_account, NewAccount};
pub use service::canon::canon_entries;

use ajar_store::Store;
use axum::Router;
use std::future::Future;

/// The archive's name, shown in the header and in every page title.
pub const SITE_NAME: &str = "ajar";

/// What every handler can reach, behind one `Arc`: every extractor and middleware clones
/// the state for every request, and cloning its handles one by one (the store's pools, the
/// page cache, the metrics' dozens of counters: an atomic increment each, and a decrement
/// each when dropped) was two fifths of the time of a page served from the page cache.
#[derive(Clone)]
pub(crate) struct AppState(std::sync::Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> AppState {
        AppState(std::sync::Arc::new(shared))
    }
}

/// The state itself (see [`AppState`]).
pub(crate) struct Shared {
    pub(crate) store: Store,
    /// Views waiting to be counted (see `hits`).
    pub(crate) hits: hits::HitCounter,
    /// Recently rendered reading pages (see `cache`).
    pub(crate) pages: cache::PageCache,
    /// Every fandom's count, counted at most once per write or few seconds.
    pub(crate) fandom_counts: counts::FandomCounts,
    /// The tag fields' suggestions, counted from the index (see `counts::tag_suggestions`).
    pub(crate) typed_tags: counts::TypedTags,
    /// The search index, when the server runs one (`ajar serve` does; `app(store)` not) and
    /// has finished building it (see `search_slot`).
    pub(crate) search: SearchSlot,
    /// Rate limits on log-in attempts, sign-ups, comments and posting.
    pub(crate) limits: ratelimit::Limits,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `proxy`).
    pub(crate) trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
    /// Request bodies held in memory, all requests together (see `body`).
    pub(crate) bodies: body::BodyBudget,
    /// Requests being served; past [`edge::MAX_IN_FLIGHT`] the next is turned away.
    pub(crate) in_flight: std::sync::Arc<tokio::sync::Semaphore>,
    /// The operator's mail settings (links in mail start with its base URL).
    pub(crate) mail: std::sync::Arc<mail::MailConfig>,
    /// Woken when mail is queued, so it goes out at once.
    pub(crate) mail_worker: mail::MailWorker,
    /// Requests, latencies and the like for `/metrics`.
    pub(crate) metrics: metrics::Metrics,
    /// The secret that lets a scraper from elsewhere read `/metrics` (see `metrics`).
    pub(crate) metrics_token: Option<std::sync::Arc<str>>,
}

/// How the operator set up the server (`ajar serve`'s flags).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Reverse proxies in front of the server: requests from them are taken to come from the
    /// address they name in `X-Forwarded-For`. Empty: that header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How mail is sent (SMTP, `.eml` files, or only queued).
    pub mail: mail::MailConfig,
    /// A secret that lets a scraper that is not on this machine read `/metrics`
    /// (`Authorization: Bearer TOKEN`). Without it, only local requests may.
    pub metrics_token: Option<String>,
}

impl Shared {
    /// The state with `search` answering searches: its follower's progress through the
    /// `changes` feed also renews kept pages (see `cache`).
    fn with_search(store: Store, search: SearchSlot) -> Shared {
        let mut state = Shared::new(store);
        state.pages = cache::PageCache::new(
            cache::ttl_from_env(),
            cache::version_of(&state.store, search.clone()),
        );
        state.metrics = metrics::Metrics::new(&state.pages.counters);
        state.search = search;
        state
    }

    fn new(store: Store) -> Shared {
        let pages = cache::PageCache::new(
            cache::ttl_from_env(),
            cache::version_of(&store, SearchSlot::default()),
        );
        Shared {
            // Counting hits has a pool of its own, so that busy pages cannot starve it.
            hits: hits::HitCounter::new(store.background()),
            metrics: metrics::Metrics::new(&pages.counters),
            metrics_token: None,
            pages,
            fandom_counts: counts::FandomCounts::default(),
            typed_tags: counts::TypedTags::default(),
            search: SearchSlot::default(),
            limits: ratelimit::Limits::from_env(),
            trusted_proxies: std::sync::Arc::from([]),
            bodies: body::BodyBudget::new(body::BODY_BUDGET_BYTES),
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(edge::MAX_IN_FLIGHT)),
            mail: std::sync::Arc::new(mail::MailConfig::default()),
            mail_worker: mail::MailWorker::default(),
            store,
        }
    }
}

/// The whole site as one router, ready to serve (or to call with `oneshot` in tests).
pub fn app(store: Store) -> Router {
    router(Shared::new(store).into())
}

/// The whole site with search (`/works/search`, `/api/v1/works`) answered by `search`.
pub fn app_with_search(store: Store, search: ajar_search::Search) -> Router {
    router(Shared::with_search(store, search.into()).into())
}

fn router(state: AppState) -> Router {
    Router::new()
        .merge(accounts::router())
        .merge(filters::router())
        .merge(home::router())
        .merge(works::router())
        .merge(kudos::router())
        .merge(comments::router())
        .merge(bookmarks::router())
        .merge(downloads::router())
        .merge(feeds::router())
        .merge(listings::router())
        .merge(moderation::router())
        .merge(wrangling::router())
        .merge(canon::router())
        .merge(spoilers::router())
        .merge(follows::router())
        .merge(people::router())
        .merge(posting::router())
        .merge(settings::router())
        .merge(inbox::router())
        .merge(tokens::router())
        .merge(opds::router())
        .merge(opds2::router())
        .merge(search::router())
        .merge(openapi::router())
        .merge(api_docs::router())
        .merge(assets::router())
        .merge(metrics::router())
        // Only for routes that matched, with a method they take: anything else is answered
        // without a byte of its body read. (`route_layer` wraps each route's own 405 answer
        // too; setting that answer afterwards puts it outside the layer.)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard_writes,
        ))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::context,
        ))
        // Outside the session lookup, which reads the primary anyway, and around everything
        // a handler reads.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            read_after::route_reads,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(api::validators::api_validators))
        .layer(axum::middleware::from_fn(error::problems_for_api))
        // `guard_writes` has read the body within the route's limit already.
        .layer(axum::extract::DefaultBodyLimit::max(body::LARGE_BODY_BYTES))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(state, edge::edge))
        .layer(compression::layer())
        .layer(axum::middleware::from_fn(compression::precompressed))
}

/// Serves until `shutdown` resolves (the binary passes ctrl-c).
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, Shared::new(store), shutdown).await
}

/// [`serve`] with search answered by `search` (and its follower running).
pub async fn serve_with_search(
    listener: tokio::net::TcpListener,
    store: Store,
    search: ajar_search::Search,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_config(listener, store, search, Config::default(), shutdown).await
}

/// [`serve_with_search`] set up as `config` says. The index may still be being built
/// ([`SearchSlot::building`]): pages are served meanwhile.
pub async fn serve_with_config(
    listener: tokio::net::TcpListener,
    store: Store,
    search: impl Into<SearchSlot>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut state = Shared::with_search(store, search.into());
    state.trusted_proxies = config.trusted_proxies.into();
    state.mail = std::sync::Arc::new(config.mail);
    state.metrics_token = config.metrics_token.map(std::sync::Arc::from);
    serve_with(listener, state, shutdown).await
}

async fn serve_with(
    listener: tokio::net::TcpListener,
    mut state: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the archive");
    }
    let hits = state.hits.clone();
    let statistics = tokio::spawn(keep_statistics(state.store.clone()));
    // Several nodes serve one PostgreSQL; one SQLite file has one server.
    let sharing = match state.store.backend() {
        ajar_store::Backend::Postgres => state.limits.spawn_sharing(state.store.background()),
        ajar_store::Backend::Sqlite => None,
    };
    let mailer = mail::spawn_worker(
        state.store.clone(),
        state.mail.clone(),
        state.mail_worker.clone(),
    );
    let served = axum::serve(
        listener,
        router(state.into()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    statistics.abort();
    if let Some(sharing) = sharing {
        sharing.abort();
    }
    if let Some(mailer) = mailer {
        mailer.abort();
    }
    // Views gathered in the last second are counted before the server is gone.
    hits.flush().await;
    served
}

/// How often the SQLite planner's statistics are looked at while serving.
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Refreshes the planner's statistics now and every [`STATISTICS_EVERY`] (see
/// `Store::optimize`): an archive grows while it is served, and a plan chosen for a small
/// archive can walk every work of a large one.
async fn keep_statistics(store: Store) {
    let mut every = tokio::time::interval(STATISTICS_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = store.optimize().await {
            tracing::warn!(%error, "could not refresh the query planner's statistics");
        }
    }
}

/// A method the route does not take (axum adds the `Allow` header).
async fn method_not_allowed() -> axum::http::StatusCode {
    axum::http::StatusCode::METHOD_NOT_ALLOWED
}

/// Any URL no route claims.
async fn not_found() -> Error {
    Error::NotFound
}
