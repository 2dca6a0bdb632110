//! ajar's web layer: the pages `ajar serve` shows.
//!
//! Each domain module (`home`, `works`, later `tags`, `series`, ...) exposes a `router()`
//! that is merged here into one [`axum::Router`] sharing one [`AppState`]. Handlers are
//! short: they translate HTTP into a call on the store (the read side's service) and render
//! an askama template; templates escape everything by default, and only work text that
//! `ajar-core` has already sanitized ([`ajar_core::Html`]) is written out as is. Every
//! response, error pages included, carries the security headers set in [`security_headers`].

mod assets;
mod error;
mod home;
mod views;
mod works;

pub use error::Error;

use ajar_store::Store;
use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::Router;
use std::future::Future;

/// The archive's name, shown in the header and in every page title.
pub const SITE_NAME: &str = "ajar";

/// What every handler can reach. Cheap to clone: the store is a connection pool handle.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) store: Store,
}

/// The whole site as one router, ready to serve (or to call with `oneshot` in tests).
pub fn app(store: Store) -> Router {
    Router::new()
        .merge(home::router())
        .merge(works::router())
        .merge(assets::router())
        .fallback(not_found)
        .with_state(AppState { store })
        .layer(axum::middleware::map_response(security_headers))
}

/// Serves until `shutdown` resolves (the binary passes ctrl-c).
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the archive");
    }
    axum::serve(listener, app(store))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Pages use no inline script or style, so the policy can forbid both outright; work text
/// is sanitized on the way in, and this is the second line of defence.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Any URL no route claims.
async fn not_found() -> Error {
    Error::NotFound
}
