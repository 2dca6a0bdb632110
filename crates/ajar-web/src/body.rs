//! What a request may send, and how much of it the server holds at once.
//!
//! A request body is read only for a route that takes it (an unknown address or a method
//! the route does not take is answered unread; see `auth::guard_writes`), only up to that
//! route's limit ([`limit_for`]: a `Content-Length` over it is refused before a byte of the
//! body is read, and a body that grows past it is cut off), and only while the bodies held
//! by all requests together stay within [`BodyBudget`]; past that the server answers
//! 503 with `Retry-After` instead of buffering more. A stranger can thus make the server
//! hold at most the budget, however many requests they send.

use crate::Error;
use axum::body::Body;
use axum::http::header::CONTENT_LENGTH;
use axum::http::HeaderMap;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What most forms may send (comments, log-in, sign-up, settings, bookmarks, reports...).
pub(crate) const SMALL_BODY_BYTES: usize = 1024 * 1024;
/// What the forms that carry a work's text or a story file may send: a 10 MiB story file,
/// or a chapter of a million characters percent-encoded, with room to spare.
pub(crate) const LARGE_BODY_BYTES: usize = 24 * 1024 * 1024;
/// The most request bodies all requests together may hold in memory at once.
pub(crate) const BODY_BUDGET_BYTES: usize = 128 * 1024 * 1024;

/// The largest body the route `route` (axum's matched path) takes.
pub(crate) fn limit_for(route: Option<&str>) -> usize {
    match route {
        Some(
            "/works/new"
            | "/works/{id}/edit"
            | "/works/{id}/chapters/new"
            | "/works/{id}/chapters/{position}/edit"
            | "/api/v1/works"
            | "/api/v1/works/{id}"
            | "/api/v1/works/{id}/chapters"
            | "/api/v1/works/{id}/chapters/{position}",
        ) => LARGE_BODY_BYTES,
        _ => SMALL_BODY_BYTES,
    }
}

/// The body size a request declares, if it declares one it can be held to.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The bytes of request bodies that may be in memory at once, shared by all requests.
#[derive(Clone)]
pub(crate) struct BodyBudget(Arc<Semaphore>);

impl BodyBudget {
    pub(crate) fn new(bytes: usize) -> BodyBudget {
        BodyBudget(Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))))
    }

    /// Takes `bytes` from the budget without waiting; `None` when it has not that many left.
    fn take(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let bytes = u32::try_from(bytes).ok()?;
        self.0.clone().try_acquire_many_owned(bytes).ok()
    }
}

/// A body's share of the budget, given back when dropped (after the handler is done).
pub(crate) struct Held(Option<OwnedSemaphorePermit>);

/// A request body being read under its route's limit and the shared budget.
pub(crate) struct Reader {
    stream: axum::body::BodyDataStream,
    limit: usize,
    declared: Option<u64>,
    held: Held,
    pub(crate) bytes: Vec<u8>,
}

impl Reader {
    /// Starts reading `body`; refuses at once, unread, a declared size over `limit` (413)
    /// or over what is left of `budget` (503).
    pub(crate) fn start(
        body: Body,
        headers: &HeaderMap,
        limit: usize,
        budget: &BodyBudget,
    ) -> Result<Reader, Error> {
        let declared = declared_length(headers);
        let held = match declared {
            Some(n) if n > limit as u64 => return Err(Error::TooLarge(limit)),
            Some(n) => Some(
                budget
                    .take(n as usize)
                    .ok_or(Error::Busy("request bodies in memory"))?,
            ),
            None => None,
        };
        Ok(Reader {
            stream: body.into_data_stream(),
            limit,
            declared,
            held: Held(held),
            bytes: Vec::with_capacity(declared.map_or(0, |n| n as usize)),
        })
    }

    /// Reads the next piece of the body into [`Reader::bytes`]; `Ok(false)` at the end.
    pub(crate) async fn more(&mut self, budget: &BodyBudget) -> Result<bool, Error> {
        let Some(chunk) = self.stream.next().await else {
            return Ok(false);
        };
        let chunk = chunk.map_err(|_| {
            Error::BadRequest("The form could not be read. Go back and try again.".to_owned())
        })?;
        if self.bytes.len() + chunk.len() > self.limit {
            return Err(Error::TooLarge(self.limit));
        }
        if self.declared.is_none() {
            // No size said up front: each piece is taken from the budget as it comes.
            let more = budget
                .take(chunk.len())
                .ok_or(Error::Busy("request bodies in memory"))?;
            match &mut self.held.0 {
                Some(held) => held.merge(more),
                None => self.held.0 = Some(more),
            }
        }
        self.bytes.extend_from_slice(&chunk);
        Ok(true)
    }

    /// The whole body, and its hold on the budget (keep it until the handler is done).
    pub(crate) fn finish(self) -> (Vec<u8>, Held) {
        (self.bytes, self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forms_with_a_works_text_take_large_bodies() {
        assert_eq!(limit_for(Some("/works/new")), LARGE_BODY_BYTES);
        assert_eq!(
            limit_for(Some("/works/{id}/chapters/{position}/edit")),
            LARGE_BODY_BYTES
        );
        assert_eq!(limit_for(Some("/works/{id}/comments")), SMALL_BODY_BYTES);
        assert_eq!(limit_for(Some("/login")), SMALL_BODY_BYTES);
        assert_eq!(limit_for(None), SMALL_BODY_BYTES);
    }

    #[test]
    fn the_budget_refuses_what_it_has_not_got() {
        let budget = BodyBudget::new(100);
        let first = budget.take(60).expect("60 of 100");
        assert!(budget.take(60).is_none());
        drop(first);
        assert!(budget.take(60).is_some());
    }
}
