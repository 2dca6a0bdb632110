//! The service layer: each thing a person can do to the archive's works, chapters and
//! comments, as one function that every door calls — the HTML forms, the JSON API (and,
//! through them, scripts and reader apps).
//!
//! A service function takes who is asking (an explicit [`Ctx`](crate::auth::Ctx): the
//! viewer, their account and roles, the key their rate limits count under) and a typed
//! request (the form's fields as typed, which the API fills from JSON), and owns what
//! makes the action right whatever door it came through: the access check, validation,
//! the rate limit and the store's transaction. It answers with what was done, or an
//! [`Error`](crate::Error): [`Error::Invalid`](crate::Error::Invalid) lists what to fix
//! (a form shows the list above its fields, the API sends it as problem+json), and the
//! other kinds (404, 403, 429...) answer the same status on every door.
//!
//! Doors stay thin: a handler reads its request into the typed request, calls one
//! service function, and renders the answer.

pub(crate) mod accounts;
pub(crate) mod bookmarks;
pub(crate) mod canon;
pub(crate) mod chapters;
pub(crate) mod comments;
pub(crate) mod downloads;
pub(crate) mod filters;
pub(crate) mod kudos;
pub(crate) mod listings;
pub(crate) mod mail;
pub(crate) mod moderation;
pub(crate) mod reading;
pub(crate) mod works;
pub(crate) mod wrangling;

use crate::Error;
use ajar_store::StoreError;

/// A store refusal the person can act on (a name that is no one's, a series that is not
/// theirs, too many chapters) as what to fix; anything else is ours.
pub(crate) fn refusal(error: StoreError) -> Error {
    match error {
        StoreError::Conflict(message) => Error::Invalid(vec![message]),
        StoreError::Invalid(cause) => {
            Error::Invalid(vec![crate::posting::form::sentence(&cause.to_string())])
        }
        other => other.into(),
    }
}
