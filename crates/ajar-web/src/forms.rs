//! The extractor every URL-encoded form is read with: axum's [`axum::Form`], after the
//! characters XML cannot hold are taken out of every field.
//!
//! Whatever a reader types may end up in a download, a feed or an e-reader years later, and
//! a control character that the page shows as nothing can, once an XML writer drops it,
//! join two harmless halves into a live link. So such characters never reach a handler, let
//! alone the store: see [`ajar_core::xml_text`]. Posting forms, which may carry a story
//! file, are read by `posting::form` with the same rule.

use axum::body::{Body, Bytes};
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// A URL-encoded form whose fields hold only characters XML can hold (see the module docs).
/// Rejections are axum's, so handlers match on [`FormRejection`] as before.
pub(crate) struct Form<T>(pub(crate) T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        // The body was read and size-checked by `auth::guard_writes` already; a failure here
        // leaves it to axum's extractor to answer as it would.
        let request = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => Request::from_parts(parts, Body::from(clean_fields(bytes))),
            Err(_) => Request::from_parts(parts, Body::empty()),
        };
        axum::Form::<T>::from_request(request, state)
            .await
            .map(|axum::Form(value)| Form(value))
    }
}

/// The body with every field's XML-invalid characters dropped; the same bytes when no field
/// has one (nearly always).
pub(crate) fn clean_fields(bytes: Bytes) -> Bytes {
    let dirty = form_urlencoded::parse(&bytes).any(|(k, v)| {
        matches!(ajar_core::xml_text(&k), Cow::Owned(_))
            || matches!(ajar_core::xml_text(&v), Cow::Owned(_))
    });
    if !dirty {
        return bytes;
    }
    let mut out = form_urlencoded::Serializer::new(String::with_capacity(bytes.len()));
    for (key, value) in form_urlencoded::parse(&bytes) {
        out.append_pair(&ajar_core::xml_text(&key), &ajar_core::xml_text(&value));
    }
    Bytes::from(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lose_what_xml_cannot_hold() {
        let body = Bytes::from_static(
            b"title=a%01b%EF%BF%BEc&x%0B=tab%09kept&plain=%E2%80%9Cq%E2%80%9D+x",
        );
        let cleaned = clean_fields(body);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&cleaned)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("title".to_owned(), "abc".to_owned()),
                ("x".to_owned(), "tab\tkept".to_owned()),
                ("plain".to_owned(), "“q” x".to_owned()),
            ]
        );
        let clean = Bytes::from_static(b"a=1&b=%E2%80%9C");
        assert_eq!(clean_fields(clean.clone()), clean);
    }
}
