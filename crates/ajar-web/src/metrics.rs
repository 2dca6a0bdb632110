//! `GET /metrics`: the server's figures in Prometheus' text format, for an operator's
//! monitoring: requests and their latency per route, requests in flight, the search
//! follower's lag behind the `changes` feed, the mail outbox, read replicas in step and left
//! out, and the page cache's hits and misses. Each node answers for itself; Prometheus
//! scrapes every node.
//!
//! `GET /healthz` is for load balancers and anyone: 200 when this node can reach its
//! database and its search index is ready, 503 (saying why) while it builds its index or
//! when the database is away, so a balancer sends readers to nodes that are ready.
//!
//! Who may read `/metrics`: a request made on this machine straight to the server (from
//! loopback, with no `X-Forwarded-For`, so not through the reverse proxy that serves the
//! public), or one carrying `Authorization: Bearer` with the operator's `--metrics-token`.
//! Anyone else gets the 404 of a page that does not exist.

use crate::{AppState, Error};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
}

/// Whether this node is ready to serve everything (see the module's words).
async fn healthz(State(state): State<AppState>) -> Response {
    let (status, text) = match state.store.last_change_seq().await {
        Err(e) => {
            tracing::warn!(error = %e, "the health check cannot reach the database");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "the database cannot be reached\n".to_owned(),
            )
        }
        Ok(_) => match state.search.building_progress() {
            Some(b) => (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "building the search index: {} of {} works\n",
                    b.done, b.total
                ),
            ),
            None => (axum::http::StatusCode::OK, "ready\n".to_owned()),
        },
    };
    (
        status,
        [
            (CONTENT_TYPE, "text/plain; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    state: &'static str,
}

/// Latency buckets from 1 ms to about 16 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The figures one server keeps; cheap to clone.
#[derive(Clone)]
pub(crate) struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    follower_lag: Gauge,
    indexed_works: Gauge,
    outbox: Family<OutboxLabels, Gauge>,
    replicas: Family<ReplicaLabels, Gauge>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReplicaLabels {
    state: &'static str,
}

/// The page cache's counts, kept by the cache and read here.
#[derive(Debug, Clone, Default)]
pub(crate) struct CacheCounters {
    pub(crate) hits: Counter,
    pub(crate) misses: Counter,
}

impl Metrics {
    pub(crate) fn new(cache: &CacheCounters) -> Metrics {
        let mut registry = Registry::with_prefix("ajar");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by method and route",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        let follower_lag = Gauge::default();
        registry.register(
            "search_follower_lag_changes",
            "Changes committed to the database that this node's search index has not applied",
            follower_lag.clone(),
        );
        let indexed_works = Gauge::default();
        registry.register(
            "search_indexed_works",
            "Works in this node's search index",
            indexed_works.clone(),
        );
        let outbox = Family::<OutboxLabels, Gauge>::default();
        registry.register(
            "mail_outbox",
            "Mail in the outbox: waiting to be sent, or given up on after retries",
            outbox.clone(),
        );
        let replicas = Family::<ReplicaLabels, Gauge>::default();
        registry.register(
            "database_replicas",
            "Read replicas given to this node, in step (read from) or left out (behind or away)",
            replicas.clone(),
        );
        registry.register(
            "page_cache_hits",
            "Pages answered from the page cache",
            cache.hits.clone(),
        );
        registry.register(
            "page_cache_misses",
            "Pages rendered because the page cache had no current copy",
            cache.misses.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                in_flight,
                follower_lag,
                indexed_works,
                outbox,
                replicas,
            }),
        }
    }
}

/// A method as a label: the ones the site answers, and "other" for the rest, so that
/// nobody can grow the label set by inventing methods.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The layer that counts and times every request by the route it matched (`/works/{id}`,
/// never the address asked for, so the label set stays as small as the site's routes).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let metrics = &state.metrics.inner;
    metrics.in_flight.inc();
    let response = next.run(request).await;
    metrics.in_flight.dec();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method,
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Whether this request may read the figures (see the module's words).
fn allowed(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    if let Some(token) = &state.metrics_token {
        let offered = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(offered) = offered {
            return crate::auth::same_secret(offered.trim(), token);
        }
    }
    let direct = !headers.contains_key("x-forwarded-for") && !headers.contains_key("forwarded");
    direct && peer.is_some_and(|p| p.ip().is_loopback())
}

async fn metrics(State(state): State<AppState>, request: Request) -> Result<Response, Error> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !allowed(&state, peer, request.headers()) {
        return Err(Error::NotFound);
    }
    let metrics = &state.metrics.inner;
    sample_gauges(&state, metrics).await?;
    let mut body = String::with_capacity(16 * 1024);
    prometheus_client::encoding::prometheus_text::encode(&mut body, &metrics.registry)
        .map_err(|_| Error::Internal("cannot write the metrics".into()))?;
    Ok((
        [(
            CONTENT_TYPE,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )],
        body,
    )
        .into_response())
}

/// Sets the gauges read at scrape time: the search follower's lag and index size (or the
/// build's progress), the read replicas in step, and the mail outbox.
async fn sample_gauges(state: &AppState, metrics: &Inner) -> Result<(), Error> {
    if let Some(search) = state.search.get() {
        let last = state.store.last_change_seq().await?;
        metrics
            .follower_lag
            .set((last - search.applied_seq()).max(0));
        metrics
            .indexed_works
            .set(i64::try_from(search.num_docs()).unwrap_or(i64::MAX));
    } else if let Some(building) = state.search.building_progress() {
        // Still building: how far it has come, and the whole feed still to follow.
        metrics
            .follower_lag
            .set(state.store.last_change_seq().await?);
        metrics
            .indexed_works
            .set(i64::try_from(building.done).unwrap_or(i64::MAX));
    }
    let (in_step, replicas) = state.store.replicas_in_step();
    for (label, count) in [("in_step", in_step), ("left_out", replicas - in_step)] {
        metrics
            .replicas
            .get_or_create(&ReplicaLabels { state: label })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    let outbox = state.store.outbox_counts().await?;
    for (label, count) in [("pending", outbox.pending), ("failed", outbox.failed)] {
        metrics
            .outbox
            .get_or_create(&OutboxLabels { state: label })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    Ok(())
}
