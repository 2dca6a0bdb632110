//! Read-your-writes on an archive with read replicas (see `ajar_store`'s `replicas`): a
//! request that writes reads the primary throughout, and its answer gives the browser a
//! cookie with the primary's position after the write; for the next minute the reader's
//! requests are read from a replica that has replayed that far, or else from the primary.
//! Whoever has not written lately reads any replica in step. Without replicas this layer
//! does nothing.

use crate::AppState;
use ajar_store::{ReadAfter, WritePosition};
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// The cookie that carries a reader's last write position.
const COOKIE: &str = "ajar_read_after";

/// How long after a write the reader's requests wait for a replica to have it: past this,
/// every replica in step has it anyway (they are at most seconds behind).
const FOR_SECS: i64 = 60;

pub(crate) async fn route_reads(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.store.has_replicas() {
        return next.run(request).await;
    }
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if !writes {
        let after =
            crate::auth::cookie(request.headers(), COOKIE).and_then(WritePosition::from_token);
        return match after {
            Some(position) => {
                ajar_store::reading_after(ReadAfter::Position(position), next.run(request)).await
            }
            None => next.run(request).await,
        };
    }
    let secure = crate::auth::wants_secure_cookies(request.headers(), request.uri());
    let mut response = ajar_store::reading_after(ReadAfter::Primary, next.run(request)).await;
    // Whatever the request wrote has committed by now (a refused one wrote nothing).
    if response.status().is_success() || response.status().is_redirection() {
        match state.store.write_position().await {
            Ok(Some(position)) => {
                response.headers_mut().append(
                    SET_COOKIE,
                    crate::auth::set_cookie(COOKIE, &position.to_token(), FOR_SECS, secure),
                );
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the primary's write position"),
        }
    }
    response
}
