//! Strong validators on the JSON API's reads: every `200` JSON answer to a `GET` under
//! `/api/` carries an `ETag` (the SHA-256 of its body), and a request whose
//! `If-None-Match` names it is answered `304 Not Modified` with no body. The tag is made
//! from the very bytes sent, so it changes exactly when the answer does — for this viewer:
//! two accounts (or a guest) asking for the same address get their own answers and tags.
//! A client polling a work, its comments or its history pays one small request, not the
//! body, while nothing changed.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The largest answer given a tag: larger ones (a long work's chapter is at most a few
/// megabytes) are sent as they are.
const MAX_TAGGED_BYTES: usize = 16 * 1024 * 1024;

/// Whether `If-None-Match` (a list of tags, or `*`) names `tag`; weak tags compare by
/// their opaque part, as RFC 9110 asks for `If-None-Match`.
fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|sent| sent == "*" || sent.strip_prefix("W/").unwrap_or(sent) == tag)
}

pub(crate) async fn api_validators(request: Request, next: Next) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reads || !crate::auth::is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let if_none_match = request
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::OK || !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "an API answer could not be read to tag it");
            return crate::Error::Internal(e.to_string()).into_response();
        }
    };
    let tag = format!("\"{:x}\"", Sha256::digest(&bytes));
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(ETAG, value);
    if if_none_match.is_some_and(|sent| matches(&sent, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(CONTENT_LENGTH);
        parts.headers.remove(CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_names_a_tag_in_its_list_weak_or_strong_or_any() {
        let tag = "\"abc\"";
        assert!(matches("\"abc\"", tag));
        assert!(matches("\"x\", W/\"abc\"", tag));
        assert!(matches("*", tag));
        assert!(!matches("\"abcd\"", tag));
        assert!(!matches("abc", tag));
        assert!(!matches("", tag));
    }
}
