//! The web layer's one error type and how each kind of failure looks to a reader.
//!
//! A missing work, chapter or page is the reader's business: a friendly 404 page. Anything
//! else is ours: the cause goes to the log, and the reader sees a bare 500 page that names
//! nothing internal. Under `/api/` the same error, with the same status, is an RFC 9457
//! `application/problem+json` body instead (see [`problems_for_api`]).

use crate::views::{InternalErrorPage, MessagePage, NotFoundPage};
use ajar_store::StoreError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Why a guest is asked to log in: the log-in page says so in words of its own (a closed
/// set, so that no link can make the archive say anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReason {
    /// A work posted for registered users only.
    RestrictedWork,
    /// A page of one's own account (drafts, inbox, an edit form) or for admins.
    Page,
}

impl LoginReason {
    /// The `why` of `/login?why=...`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            LoginReason::RestrictedWork => "restricted",
            LoginReason::Page => "page",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<LoginReason> {
        [LoginReason::RestrictedWork, LoginReason::Page]
            .into_iter()
            .find(|r| r.code() == code)
    }

    /// What the log-in page says.
    pub(crate) fn message(self) -> &'static str {
        match self {
            LoginReason::RestrictedWork => {
                "This work is only available to registered users of the archive. Log in to \
                 read it, or sign up for an account."
            }
            LoginReason::Page => "Please log in to see that page.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such page, work or chapter (also: ids that are not numbers).
    #[error("not found")]
    NotFound,
    /// The reader may not do this (not logged in where that is needed, not their work, a
    /// missing or wrong CSRF token); the message says why.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A guest asked for what a log-in would show them: a page to log in to, and back.
    #[error("log in first: {0:?}")]
    LoginRequired(LoginReason),
    /// An API request whose credentials are not valid (a revoked or mistyped access token,
    /// its account suspended): 401 with `WWW-Authenticate`; the message says which.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// A form or query that cannot be used as sent; the message says what to fix.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A request a service refused, with each thing to fix (a field's problem, a name that
    /// is no one's): 400. A form shows the list above its fields; the API sends it as the
    /// problem's `errors`.
    #[error("invalid: {}", .0.join(" "))]
    Invalid(Vec<String>),
    /// A rate limit: the message says how long to wait, and `Retry-After` the seconds.
    #[error("too many requests: {message}")]
    TooMany {
        message: String,
        retry_after_secs: u64,
    },
    /// A request body larger than its form takes (the limit, in bytes).
    #[error("request body over {0} bytes")]
    TooLarge(usize),
    /// The server is too busy right now (no database connection free in time, a query past
    /// its time limit, too many requests or request bodies at once): 503 with `Retry-After`.
    #[error("busy: {0}")]
    Busy(&'static str),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("rendering a page: {0}")]
    Render(#[from] askama::Error),
    /// Something of ours failed (hashing a password, a task that panicked): logged, and a
    /// bare 500 for the reader.
    #[error("internal: {0}")]
    Internal(String),
}

/// What an error response says, kept beside its HTML page so that an API route can say the
/// same as problem+json.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    title: &'static str,
    detail: String,
    /// `LoginRequired`: a 401 for an API client rather than the log-in form.
    login_required: bool,
    /// `Invalid`: each thing to fix.
    errors: Vec<String>,
}

impl Error {
    /// The title and detail an API client is told; nothing internal.
    fn problem(&self) -> Problem {
        let (title, detail) = match self {
            Error::NotFound | Error::Store(StoreError::NotFound(_)) => {
                ("Not found", "Nothing is at this address.".to_owned())
            }
            Error::Forbidden(message) => ("Not allowed", message.clone()),
            Error::LoginRequired(why) => (
                "Log in first",
                match why {
                    LoginReason::RestrictedWork => {
                        "This work is only available to registered users of the archive: \
                         send an access token."
                    }
                    LoginReason::Page => "This needs an account: send an access token.",
                }
                .to_owned(),
            ),
            Error::Unauthorized(message) => ("Not a valid token", message.clone()),
            Error::BadRequest(message) | Error::Store(StoreError::Conflict(message)) => {
                ("That did not work", message.clone())
            }
            Error::Store(StoreError::Invalid(cause)) => ("That did not work", cause.to_string()),
            Error::Invalid(errors) => ("That did not work", errors.join(" ")),
            Error::TooMany { message, .. } => ("Slow down", message.clone()),
            Error::TooLarge(limit) => (
                "That is too large",
                format!("This takes at most {} at once.", size_text(*limit)),
            ),
            Error::Busy(_) => (
                "The archive is busy",
                format!("Please try again in {RETRY_AFTER_SECS} seconds."),
            ),
            Error::Store(cause) if cause.is_overload() => (
                "The archive is busy",
                format!("Please try again in {RETRY_AFTER_SECS} seconds."),
            ),
            Error::Store(_) | Error::Render(_) | Error::Internal(_) => (
                "Something went wrong",
                "The failure has been logged.".to_owned(),
            ),
        };
        Problem {
            title,
            detail,
            login_required: matches!(self, Error::LoginRequired(_)),
            errors: match self {
                Error::Invalid(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let mut response = self.page();
        response.extensions_mut().insert(problem);
        response
    }
}

impl Error {
    /// The error as an HTML page.
    fn page(self) -> Response {
        match self {
            Error::NotFound | Error::Store(StoreError::NotFound(_)) => {
                render_status(StatusCode::NOT_FOUND, &NotFoundPage::new())
            }
            Error::Forbidden(message) => render_status(
                StatusCode::FORBIDDEN,
                &MessagePage::new("Not allowed", message),
            ),
            Error::LoginRequired(why) => login_first_page(why),
            Error::Unauthorized(message) => {
                let mut response = render_status(
                    StatusCode::UNAUTHORIZED,
                    &MessagePage::new("Not a valid token", message),
                );
                // API clients send a bearer token; reader apps ask for a user name and
                // password (the token) when told Basic.
                let headers = response.headers_mut();
                headers.append(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static(
                        "Bearer realm=\"ajar\", error=\"invalid_token\"",
                    ),
                );
                headers.append(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Basic realm=\"ajar\", charset=\"UTF-8\""),
                );
                response
            }
            Error::BadRequest(message) | Error::Store(StoreError::Conflict(message)) => {
                render_status(
                    StatusCode::BAD_REQUEST,
                    &MessagePage::new("That did not work", message),
                )
            }
            Error::Store(StoreError::Invalid(cause)) => render_status(
                StatusCode::BAD_REQUEST,
                &MessagePage::new("That did not work", cause.to_string()),
            ),
            Error::Invalid(errors) => render_status(
                StatusCode::BAD_REQUEST,
                &MessagePage::new("That did not work", errors.join(" ")),
            ),
            Error::TooMany {
                message,
                retry_after_secs,
            } => {
                let mut response = render_status(
                    StatusCode::TOO_MANY_REQUESTS,
                    &MessagePage::new("Slow down", message),
                );
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after_secs),
                );
                response
            }
            Error::TooLarge(limit) => render_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                &MessagePage::new(
                    "That is too large",
                    format!(
                        "This form takes at most {} sent at once. Nothing was saved.",
                        size_text(limit)
                    ),
                ),
            ),
            Error::Busy(what) => {
                tracing::warn!(cause = what, "shedding load: answered 503");
                busy()
            }
            Error::Store(ref cause) if cause.is_overload() => {
                tracing::warn!(error = %cause, "the database is overloaded: answered 503");
                busy()
            }
            Error::Store(ref cause) => {
                tracing::error!(error = %cause, "store error while serving a page");
                internal_error()
            }
            Error::Render(ref cause) => {
                tracing::error!(error = %cause, "a page failed to render");
                internal_error()
            }
            Error::Internal(ref cause) => {
                tracing::error!(error = %cause, "an internal failure while serving a page");
                internal_error()
            }
        }
    }
}

/// The middleware around the API (`/api/`) and the OPDS catalog (`/opds`): an error answered
/// under `/api/` is the same error, with the same status and headers (`Retry-After`,
/// `WWW-Authenticate`), as `application/problem+json` (RFC 9457) rather than an HTML page;
/// on either, a guest asked to log in is answered 401 rather than sent to the log-in form.
pub(crate) async fn problems_for_api(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    if !crate::auth::takes_tokens(path) {
        return next.run(request).await;
    }
    let api = crate::auth::is_api_path(path);
    let response = next.run(request).await;
    let Some(problem) = response.extensions().get::<Problem>().cloned() else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    if problem.login_required {
        // On the site, a redirect to the log-in form for a GET, 403 for a form. A client of
        // the API or the catalog is asked for its token instead (reader apps then ask their
        // user for a name and password).
        parts.status = StatusCode::UNAUTHORIZED;
        parts.headers.remove(axum::http::header::LOCATION);
        parts.headers.insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static(if api {
                "Bearer realm=\"ajar\""
            } else {
                "Basic realm=\"ajar\", charset=\"UTF-8\""
            }),
        );
    }
    if !api {
        return Response::from_parts(parts, body);
    }
    let body = serde_json::to_vec(&crate::openapi::ProblemDetails {
        kind: "about:blank",
        title: problem.title,
        status: parts.status.as_u16(),
        detail: problem.detail,
        errors: problem.errors,
    })
    .unwrap_or_default();
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Marks a response that asks a guest to log in first: `auth::context`, which knows the
/// page asked for, turns it into [`login_first`]'s answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoginFirst(pub(crate) LoginReason);

/// What a log-in-first answer is until `auth::context` finishes it (and stays, outside any
/// request context): a 403 page linking to the log-in.
fn login_first_page(why: LoginReason) -> Response {
    let mut page = MessagePage::new("Please log in", why.message());
    page.link = Some((format!("/login?why={}", why.code()), "Log in".to_owned()));
    let mut response = render_status(StatusCode::FORBIDDEN, &page);
    response.extensions_mut().insert(LoginFirst(why));
    response
}

/// A guest who asked for a page a log-in would show is sent to log in, and back to that
/// page afterwards (as AO3 does). A form sent (say, kudos on a restricted work after the
/// session ended) cannot be sent again by a redirect: a 403 page links to the log-in, and
/// back to the page the form was on. Keeps `marked`'s extensions (the API's problem).
pub(crate) fn login_first(marked: Response, why: LoginReason, ctx: &crate::auth::Ctx) -> Response {
    let href = |back: &str| {
        format!(
            "/login?return_to={}&why={}",
            crate::follows::query_value(&crate::accounts::local_return(Some(back))),
            why.code()
        )
    };
    let answer = if let Some(page) = &ctx.page {
        crate::accounts::see_other(&href(page))
    } else {
        let back = ctx.referer_path.as_deref().unwrap_or("/");
        let mut page = MessagePage::new("Please log in", why.message());
        page.link = Some((href(back), "Log in".to_owned()));
        render_status(StatusCode::FORBIDDEN, &page)
    };
    let (mut parts, _) = marked.into_parts();
    let (answer, body) = answer.into_parts();
    parts.status = answer.status;
    parts.headers = answer.headers;
    parts.extensions.remove::<LoginFirst>();
    Response::from_parts(parts, body)
}

/// How long a reader is asked to wait when the server is busy.
const RETRY_AFTER_SECS: u64 = 5;

/// A short page saying to try again, with `Retry-After`: an overload is not a fault.
fn busy() -> Response {
    let mut response = render_status(
        StatusCode::SERVICE_UNAVAILABLE,
        &MessagePage::new(
            "The archive is busy",
            format!("Too many readers at once. Please try again in {RETRY_AFTER_SECS} seconds."),
        ),
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(RETRY_AFTER_SECS),
    );
    response
}

/// A byte count for readers: "24 MiB", "512 KiB".
fn size_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_failures_are_a_bare_500() {
        let response = Error::Internal("hashing a password: argon2 said no".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("argon2"), "{body}");
    }
}
