//! The outermost layer: what every response carries, and when the server says "busy".
//!
//! Every response, error pages included, gets the security headers (a strict
//! Content-Security-Policy, `nosniff`, a same-origin referrer, a `Permissions-Policy` that
//! turns off device features no page uses, and `Strict-Transport-Security` when the reader
//! came over HTTPS) and a `Cache-Control`, decided here in one place:
//!
//! - errors (4xx, 5xx) and answers to POST and other writes: `no-store`;
//! - a response whose handler said how to cache it keeps that (the stylesheet for a year,
//!   feeds and public downloads for minutes: the same for everyone);
//! - a response for this viewer alone (a logged-in reader's, or a guest's page carrying their
//!   form token or a cookie; `auth::context` marks them with [`ForThisViewer`]):
//!   `private, no-cache`;
//! - any other guest page: `public, max-age=60`.
//!
//! Pages that depend on cookies also say `Vary: Cookie`.
//!
//! With more than [`MAX_IN_FLIGHT`] requests being served at once, the next one is answered
//! 503 with `Retry-After` at once rather than queued.

use crate::{AppState, Error};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, SET_COOKIE, STRICT_TRANSPORT_SECURITY,
    VARY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Pages use no inline script or style, so the policy can forbid both outright; work text
/// is sanitized on the way in, and this is the second line of defence.
pub(crate) const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Device and tracking features no page of the archive uses.
pub(crate) const PERMISSIONS_POLICY_VALUE: &str = "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), xr-spatial-tracking=()";

/// A year: browsers keep to HTTPS for this long after they last saw the header.
const HSTS_VALUE: &str = "max-age=31536000";

/// Requests served at once before the next is turned away with 503.
pub(crate) const MAX_IN_FLIGHT: usize = 1024;

/// Marks a response as meant for the viewer who asked alone (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ForThisViewer;

/// The layer: load shedding, then the headers above on whatever the site answered.
pub(crate) async fn edge(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = over_https(&state, &request);
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = match state.in_flight.clone().try_acquire_owned() {
        Ok(slot) => {
            let response = next.run(request).await;
            drop(slot);
            response
        }
        Err(_) => Error::Busy("requests in flight").into_response(),
    };
    headers(response, https, writes)
}

/// Whether the reader reached us over HTTPS: directly, or through a trusted proxy that says
/// so (anyone else may send `X-Forwarded-Proto`).
fn over_https(state: &AppState, request: &Request) -> bool {
    if request.uri().scheme_str() == Some("https") {
        return true;
    }
    let from_trusted_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|peer| state.trusted_proxies.contains(&peer.0.ip()));
    from_trusted_proxy && crate::hits::forwarded_https(request.headers())
}

fn headers(mut response: Response, https: bool, writes: bool) -> Response {
    let for_this_viewer = response.extensions().get::<ForThisViewer>().is_some()
        || response.headers().contains_key(SET_COOKIE);
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY_VALUE),
    );
    if https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS_VALUE),
        );
    }
    let cache_control = if status.is_client_error() || status.is_server_error() || writes {
        Some("no-store")
    } else if headers.contains_key(CACHE_CONTROL) {
        None
    } else if for_this_viewer {
        Some("private, no-cache")
    } else {
        Some("public, max-age=60")
    };
    if let Some(value) = cache_control {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(value));
        let varies = headers
            .get_all(VARY)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains("cookie"));
        if !varies {
            headers.append(VARY, HeaderValue::from_static("Cookie"));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn cache_control(response: &Response) -> &str {
        response
            .headers()
            .get(CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn responses_say_how_to_cache_them() {
        let plain = headers(Response::new("page".into()), false, false);
        assert_eq!(cache_control(&plain), "public, max-age=60");
        assert_eq!(plain.headers().get(VARY).unwrap(), "Cookie");
        assert!(!plain.headers().contains_key(STRICT_TRANSPORT_SECURITY));

        let mut mine = Response::new("page".into());
        mine.extensions_mut().insert(ForThisViewer);
        assert_eq!(
            cache_control(&headers(mine, true, false)),
            "private, no-cache"
        );

        let mut missing = Response::new("gone".into());
        *missing.status_mut() = StatusCode::NOT_FOUND;
        missing.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
        assert_eq!(cache_control(&headers(missing, false, false)), "no-store");

        let redirect = headers(Response::new("".into()), true, true);
        assert_eq!(cache_control(&redirect), "no-store");
        assert_eq!(
            redirect.headers().get(STRICT_TRANSPORT_SECURITY).unwrap(),
            HSTS_VALUE
        );
    }
}
