//! Static assets: the one stylesheet, compiled into the binary.
//!
//! Pages link it as `/static/ajar.css?v=HASH`, where HASH is taken from its content at
//! compile time; a request carrying the current hash may be cached for a year, because a
//! changed stylesheet gets a new URL. Any other request revalidates with the ETag.

use crate::AppState;
use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::LazyLock;

pub(crate) const STYLESHEET_PATH: &str = "/static/ajar.css";
const STYLESHEET: &str = include_str!("../static/ajar.css");

/// FNV-1a: tiny, const, and plenty to tell one version of a file from the next.
pub(crate) const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

static STYLESHEET_VERSION: LazyLock<String> =
    LazyLock::new(|| format!("{:016x}", fnv1a(STYLESHEET.as_bytes())));
static STYLESHEET_HREF: LazyLock<String> =
    LazyLock::new(|| format!("{STYLESHEET_PATH}?v={}", *STYLESHEET_VERSION));
static STYLESHEET_ETAG: LazyLock<String> = LazyLock::new(|| format!("\"{}\"", *STYLESHEET_VERSION));

/// The stylesheet's URL with its content hash, for `<link rel="stylesheet">`.
pub(crate) fn stylesheet_href() -> &'static str {
    &STYLESHEET_HREF
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(STYLESHEET_PATH, get(stylesheet))
}

async fn stylesheet(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let etag = STYLESHEET_ETAG.as_str();
    let versioned = query.as_deref() == Some(&format!("v={}", *STYLESHEET_VERSION));
    let cache_control = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let common = [
        (CACHE_CONTROL, HeaderValue::from_static(cache_control)),
        (ETAG, HeaderValue::from_static(etag)),
    ];
    let if_none_match = headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|value| etag_matches(value, etag)) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        STYLESHEET,
    )
        .into_response()
}

/// Whether an `If-None-Match` value (`*`, or a list of possibly weak tags) names `etag`.
pub(crate) fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_url_carries_its_content_hash() {
        assert!(stylesheet_href().starts_with("/static/ajar.css?v="));
        assert_eq!(stylesheet_href().len(), "/static/ajar.css?v=".len() + 16);
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
    }

    #[test]
    fn etags_match_lists_weak_tags_and_stars() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abcd\"", "\"abc\""));
    }
}
