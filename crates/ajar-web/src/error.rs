//! The web layer's one error type and how each kind of failure looks to a reader.
//!
//! A missing work, chapter or page is the reader's business: a friendly 404 page. Anything
//! else is ours: the cause goes to the log, and the reader sees a bare 500 page that names
//! nothing internal.

use crate::views::{InternalErrorPage, NotFoundPage};
use ajar_store::StoreError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such page, work or chapter (also: ids that are not numbers).
    #[error("not found")]
    NotFound,
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("rendering a page: {0}")]
    Render(#[from] askama::Error),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::NotFound => render_status(StatusCode::NOT_FOUND, &NotFoundPage::new()),
            Error::Store(ref cause) => {
                tracing::error!(error = %cause, "store error while serving a page");
                internal_error()
            }
            Error::Render(ref cause) => {
                tracing::error!(error = %cause, "a page failed to render");
                internal_error()
            }
        }
    }
}

fn internal_error() -> Response {
    render_status(StatusCode::INTERNAL_SERVER_ERROR, &InternalErrorPage::new())
}

/// Renders an error page; if even that fails, a plain line of text still carries the status.
fn render_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(cause) => {
            tracing::error!(error = %cause, "an error page failed to render");
            let text = status.canonical_reason().unwrap_or("Error");
            (status, text).into_response()
        }
    }
}
