//! Who is asking, and whether a state-changing request is theirs: sessions, CSRF tokens,
//! cookies and password hashing.
//!
//! [`context`] runs around every request. It finds the session named by the `ajar_session`
//! cookie (a random token; the database keeps its SHA-256, so any node can serve any
//! request), and puts a [`Ctx`] (the [`Viewer`] and their CSRF token) into the request for
//! handlers. Pages are rendered without their viewer's parts (the header's account links,
//! the notice, the forms' token); `context` puts them in on the way out (see
//! `views::viewer_parts`).
//!
//! Every POST, PUT, PATCH or DELETE must carry the CSRF token, in a form field named
//! `csrf_token` (URL-encoded or multipart) or an `X-CSRF-Token` header, and must not come
//! from another origin; otherwise it is refused with 403 before any handler runs, so it
//! changes nothing. A logged-in reader's token is their session's; a guest's is the random
//! value of their `ajar_csrf` cookie (double submit). Pages are rendered with
//! [`CSRF_PLACEHOLDER`] and each viewer's token is put in on the way out, so guest pages
//! can be cached and shared between guests; pages for logged-in readers are never cached.

use crate::ratelimit::{Action, Quota};
use crate::{AppState, Error};
use ajar_core::Viewer;
use ajar_store::TokenScope;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::convert::Infallible;

pub(crate) const SESSION_COOKIE: &str = "ajar_session";
pub(crate) const CSRF_COOKIE: &str = "ajar_csrf";
/// What guest pages carry in place of the guest's CSRF token until it is sent.
pub(crate) const CSRF_PLACEHOLDER: &str = "ajar-guest-csrf-token-placeholder";
/// How long a session lasts after log-in.
pub(crate) const SESSION_DAYS: i64 = 30;

/// The reader a request is for, and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) viewer: Viewer,
    pub(crate) csrf_token: String,
    /// A guest's token made for this request (they had no cookie, so they cannot have sent
    /// it).
    pub(crate) fresh_guest_token: bool,
    /// The session's token hash (to end it at log-out, or keep it at a password change).
    pub(crate) session_hash: Option<String>,
    /// When the request came with a personal access token (API only) rather than a
    /// session: what the token may do. Such a request needs no CSRF token.
    pub(crate) token_scope: Option<TokenScope>,
    /// Whether cookies set for this request get the `Secure` flag.
    pub(crate) secure: bool,
    /// The client's address (see `proxy`), for rate limits and guest kudos.
    pub(crate) ip: Option<std::net::IpAddr>,
    /// The page asked for (path and query) when the request is a GET or HEAD: where a
    /// log-in sends a guest back to.
    pub(crate) page: Option<String>,
    /// The path of this site's page a form was sent from (its `Referer`), if it says.
    pub(crate) referer_path: Option<String>,
    /// A notice for the page this request lands on (see `flash`).
    pub(crate) notice: Option<crate::flash::Notice>,
    /// The guest's canon progress and what the address says of spoilers (see `spoilers`).
    pub(crate) spoilers: crate::spoilers::SpoilerView,
    /// A logged-in reader's unread inbox items (counted up to `UNREAD_SHOWN`), for the header.
    pub(crate) unread: u32,
}

impl Ctx {
    pub(crate) fn guest() -> Ctx {
        Ctx {
            viewer: Viewer::Guest,
            csrf_token: CSRF_PLACEHOLDER.to_owned(),
            fresh_guest_token: false,
            session_hash: None,
            token_scope: None,
            secure: false,
            ip: None,
            page: None,
            referer_path: None,
            notice: None,
            spoilers: crate::spoilers::SpoilerView::default(),
            unread: 0,
        }
    }

    pub(crate) fn is_guest(&self) -> bool {
        !self.viewer.is_logged_in()
    }

    /// The logged-in account; a guest is asked to log in (see `Error::LoginRequired`).
    pub(crate) fn require_user(&self) -> Result<&ajar_core::Account, Error> {
        self.viewer
            .account()
            .ok_or(Error::LoginRequired(crate::error::LoginReason::Page))
    }

    /// A rate-limit key for this reader: their account, else their address.
    pub(crate) fn actor_key(&self) -> String {
        match self.viewer.user_id() {
            Some(user) => format!("user:{user}"),
            None => self.address_key(),
        }
    }

    /// A rate-limit key for the client's address (an IPv6 address's /64), whoever is
    /// logged in.
    pub(crate) fn address_key(&self) -> String {
        match self.ip {
            Some(ip) => format!("ip:{}", crate::proxy::client_network(ip)),
            None => "ip:unknown".to_owned(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .unwrap_or_else(Ctx::guest))
    }
}

/// A random token: 32 bytes from the OS, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something a request can recover from.
    #[allow(clippy::expect_used)]
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex: what the database keeps of session and reset tokens.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with argon2id (OWASP's parameters: 19 MiB, 2 passes), off the async
/// threads.
pub async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt)
            .map_err(|e| Error::Internal(format!("no randomness for a password salt: {e}")))?;
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| Error::Internal(format!("encoding a password salt: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("the password hashing task failed: {e}")))?
}

/// Checks a password against a stored argon2 hash (constant-time), off the async threads.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a log-in for an
/// unknown name takes as long as one with a wrong password.
pub(crate) async fn dummy_verify(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = match DUMMY.get() {
        Some(h) => h.clone(),
        None => match hash_password("not a real password".to_owned()).await {
            Ok(h) => DUMMY.get_or_init(|| h).clone(),
            Err(_) => return,
        },
    };
    let _ = verify_password(password, hash).await;
}

/// The value of a cookie in the request.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure unless served to loopback
/// over plain HTTP.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Cookies get `Secure` unless the site is reached on a loopback address over plain HTTP
/// (`ajar serve --demo` on a laptop), where browsers would not send them back otherwise.
pub(crate) fn wants_secure_cookies(headers: &HeaderMap, uri: &axum::http::Uri) -> bool {
    if crate::hits::is_https(headers, uri) {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// The middleware around every request: session lookup, and on the way out the guest's
/// token in pages, their cookie, and the mark that the response is for this viewer alone.
/// It reads no request body ([`guard_writes`] does, for routes that take one).
pub(crate) async fn context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let secure = wants_secure_cookies(headers, request.uri());
    let gzip = crate::compression::accepts(headers, crate::compression::Encoding::Gzip);
    let ip = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| crate::proxy::client_address(c.0.ip(), headers, &state.trusted_proxies));

    let page = matches!(*request.method(), Method::GET | Method::HEAD)
        .then(|| {
            request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
        })
        .flatten();
    let mut ctx = Ctx {
        viewer: Viewer::Guest,
        csrf_token: String::new(),
        fresh_guest_token: false,
        session_hash: None,
        token_scope: None,
        secure,
        ip,
        page,
        referer_path: referer_path(headers),
        notice: cookie(headers, crate::flash::COOKIE).and_then(crate::flash::Notice::from_code),
        spoilers: crate::spoilers::SpoilerView::of(headers, request.uri().query()),
        unread: 0,
    };
    let mut clear_session = false;
    let tokens_taken = takes_tokens(request.uri().path());
    let mut quota: Option<Quota> = None;
    if let Some(sent) = headers.get(AUTHORIZATION).filter(|_| tokens_taken) {
        // An API client with a personal access token: it, not any cookie, says who asks.
        let Some(token) = sent.to_str().ok().and_then(bearer_or_basic) else {
            return Error::Unauthorized(
                "Send a personal access token as `Authorization: Bearer TOKEN` (or as the \
                 password of HTTP Basic)."
                    .to_owned(),
            )
            .into_response();
        };
        let hash = token_hash(&token);
        match state.store.access_token(&hash).await {
            Ok(Some(record)) if !record.suspended => {
                // Each token has its own allowance of requests, told in `RateLimit-*`.
                match state.limits.take(Action::Token, &format!("token:{hash}")) {
                    Ok(left) => quota = Some(left),
                    Err(refused) => {
                        let mut response = refused.into_response();
                        if let Some(wait) = response
                            .headers()
                            .get(axum::http::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok()?.parse().ok())
                        {
                            Quota {
                                limit: crate::ratelimit::TOKEN_REQUESTS_PER_MINUTE,
                                remaining: 0,
                                reset_secs: wait,
                            }
                            .set_headers(response.headers_mut());
                        }
                        return response;
                    }
                }
                ctx.viewer = Viewer::User(record.account);
                ctx.token_scope = Some(record.scope);
            }
            Ok(Some(_)) => {
                return Error::Unauthorized("This token's account is suspended.".to_owned())
                    .into_response()
            }
            Ok(None) => {
                return Error::Unauthorized(
                    "This token is not known here: it was revoked, or is mistyped.".to_owned(),
                )
                .into_response()
            }
            Err(e) => return Error::Store(e).into_response(),
        }
    } else if let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        let hash = token_hash(token);
        match state.store.session(&hash).await {
            Ok(Some(record)) if !record.suspended => {
                ctx.viewer = Viewer::User(record.account);
                ctx.csrf_token = record.csrf_token;
                ctx.session_hash = Some(hash);
                ctx.unread = record.unread;
            }
            Ok(_) => clear_session = true,
            Err(e) => return Error::Store(e).into_response(),
        }
    }
    if ctx.is_guest() && ctx.token_scope.is_none() {
        match cookie(headers, CSRF_COOKIE).filter(|t| valid_token_shape(t)) {
            Some(token) => ctx.csrf_token = token.to_owned(),
            None => {
                ctx.csrf_token = random_token();
                ctx.fresh_guest_token = true;
            }
        }
    }

    request.extensions_mut().insert(ctx.clone());
    let had_notice = ctx.notice.is_some();
    let guest = ctx.is_guest();
    let mut response = next.run(request).await;
    if let Some(why) = response
        .extensions()
        .get::<crate::error::LoginFirst>()
        .copied()
    {
        response = crate::error::login_first(response, why.0, &ctx);
    }
    if let Some(quota) = quota {
        quota.set_headers(response.headers_mut());
    }

    if had_notice {
        crate::flash::clear_when_shown(&mut response, secure);
    }
    let filled;
    (response, filled) = fill_viewer_parts(response, &ctx, gzip).await;
    // The cookie is only set with a page that has a form to use it on.
    if ctx.fresh_guest_token && filled {
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(CSRF_COOKIE, &ctx.csrf_token, 60 * 60 * 24 * 365, secure),
        );
    }
    // A stale session cookie is cleared, unless this very response (a log-in) sets a new one.
    if clear_session && !sets_session(&response) {
        response
            .headers_mut()
            .append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, secure));
    }
    if !guest || filled {
        response.extensions_mut().insert(crate::edge::ForThisViewer);
    }
    response
}

/// Whether a path is the JSON API's, where personal access tokens are taken and errors are
/// problem+json.
pub(crate) fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Whether a path takes personal access tokens: the API's, and the OPDS catalog's (reader
/// apps send one as the password of HTTP Basic). The site's own pages never do.
pub(crate) fn takes_tokens(path: &str) -> bool {
    is_api_path(path) || path == "/opds" || path.starts_with("/opds/")
}

/// The token of an `Authorization` header: `Bearer TOKEN`, or HTTP Basic with the token as
/// the password (what e-reader apps can send; the user name is not looked at). `None` when
/// the header is neither or carries no token.
fn bearer_or_basic(header: &str) -> Option<String> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let rest = rest.trim();
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        rest.to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        decoded.split_once(':')?.1.to_owned()
    } else {
        return None;
    };
    valid_access_token_shape(&token).then_some(token)
}

/// The prefix of every personal access token, so that secret scanners and people can tell
/// one when they see it.
pub(crate) const ACCESS_TOKEN_PREFIX: &str = "ajar_pat_";

/// A new personal access token: the prefix and 32 random bytes.
pub fn new_access_token() -> String {
    format!("{ACCESS_TOKEN_PREFIX}{}", random_token())
}

fn valid_access_token_shape(token: &str) -> bool {
    token
        .strip_prefix(ACCESS_TOKEN_PREFIX)
        .is_some_and(valid_token_shape)
}

/// The path of the `Referer` when it is a page of this host.
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let referer = headers.get(REFERER)?.to_str().ok()?;
    let (_, rest) = referer.split_once("://")?;
    let at = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(at);
    (authority.eq_ignore_ascii_case(host) && !path.is_empty()).then(|| path.to_owned())
}

/// Whether a response sets a (non-empty) session cookie.
fn sets_session(response: &Response) -> bool {
    let prefix = format!("{SESSION_COOKIE}=");
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix(&prefix))
        .any(|rest| !rest.starts_with(';') && !rest.is_empty())
}

/// How much of a body is searched for the CSRF token before all of it is read: forms put
/// the token first, so a wrong one ends a large upload after its first few kilobytes.
const TOKEN_PEEK_BYTES: usize = 64 * 1024;

/// The middleware around every route that matched (so never for an unknown address or a
/// method the route does not take, which are answered without reading a body): a POST,
/// PUT, PATCH or DELETE must come from this site and carry the right CSRF token, and its
/// body must fit the route's limit and the shared budget (see `body`). Everything that can
/// be checked before the body is read is checked first.
pub(crate) async fn guard_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let ctx = parts
        .extensions
        .get::<Ctx>()
        .cloned()
        .unwrap_or_else(Ctx::guest);
    match ctx.token_scope {
        Some(TokenScope::Read) => {
            return Error::Forbidden(
                "This token may only read: make one with the read and write scope to change \
                 anything."
                    .to_owned(),
            )
            .into_response()
        }
        // No cookie says who asks, so no other site can make the request: no CSRF check.
        Some(TokenScope::Write) => return with_body_within_limits(&state, parts, body, next).await,
        None => {}
    }
    // A mail's one-click unsubscribe (RFC 8058) is posted by the reader's mail client or
    // provider, with no cookie and from no page: the secret in its address is the key, and
    // all it can do is turn one kind of mail off.
    if parts.uri.path().starts_with("/unsubscribe/") {
        return with_body_within_limits(&state, parts, body, next).await;
    }
    let https = crate::hits::is_https(&parts.headers, &parts.uri);
    if !same_origin(&parts.headers, https) {
        return Error::Forbidden(
            "This form was sent from another site, so it was not accepted.".to_owned(),
        )
        .into_response();
    }
    let mut reader = match start_body(&state, &parts, body) {
        Ok(reader) => reader,
        Err(e) => return e.into_response(),
    };
    // A guest who had no cookie yet has no token to send: refused like a wrong one.
    if ctx.fresh_guest_token {
        return token_refused();
    }
    let right = |sent: &str| constant_time_eq(sent.as_bytes(), ctx.csrf_token.as_bytes());
    let mut accepted = match parts
        .headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
    {
        Some(sent) if right(sent) => true,
        Some(_) => return token_refused(),
        None => false,
    };
    loop {
        let before = reader.bytes.len();
        match reader.more(&state.bodies).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return e.into_response(),
        }
        // Looked for in the beginning only, each time it grew.
        let peeked = reader.bytes.len().min(TOKEN_PEEK_BYTES);
        if !accepted && before < TOKEN_PEEK_BYTES {
            let prefix = Bytes::copy_from_slice(&reader.bytes[..peeked]);
            match form_token(&parts.headers, prefix, false).await {
                Some(sent) if right(&sent) => accepted = true,
                Some(_) => return token_refused(),
                None => {}
            }
        }
    }
    let (bytes, held) = reader.finish();
    let bytes = Bytes::from(bytes);
    if !accepted
        && !form_token(&parts.headers, bytes.clone(), true)
            .await
            .is_some_and(|sent| right(&sent))
    {
        return token_refused();
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(held);
    response
}

/// Starts reading a request's body within its route's limit and the shared budget.
fn start_body(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<crate::body::Reader, Error> {
    let limit = crate::body::limit_for(
        parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(axum::extract::MatchedPath::as_str),
    );
    crate::body::Reader::start(body, &parts.headers, limit, &state.bodies)
}

/// Runs the route with its body read whole, within the route's limit and the shared budget.
async fn with_body_within_limits(
    state: &AppState,
    parts: axum::http::request::Parts,
    body: Body,
    next: Next,
) -> Response {
    let mut reader = match start_body(state, &parts, body) {
        Ok(reader) => reader,
        Err(e) => return e.into_response(),
    };
    loop {
        match reader.more(&state.bodies).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return e.into_response(),
        }
    }
    let (bytes, held) = reader.finish();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(held);
    response
}

fn token_refused() -> Response {
    Error::Forbidden(
        "This form has expired or did not come from this site (its security token is \
         missing or wrong). Go back, reload the page and try again."
            .to_owned(),
    )
    .into_response()
}

fn valid_token_shape(token: &str) -> bool {
    (20..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a secret someone sent is the one kept, compared in time that does not depend on
/// where they differ.
pub(crate) fn same_secret(sent: &str, kept: &str) -> bool {
    constant_time_eq(sent.as_bytes(), kept.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A state-changing request must not come from another site's page: its `Origin` (or, when a
/// browser sends none, its `Referer`) must name this host, over HTTPS when the request came
/// over HTTPS (`https` as `hits::is_https` sees it: a page served over plain HTTP, or by a
/// man in the middle, must not post to the secure site). Requests with neither header come
/// from no other site's page (browsers send `Origin` with every cross-site POST).
pub(crate) fn same_origin(headers: &HeaderMap, https: bool) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let source = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|h| h.to_str().ok());
    match source {
        None => true,
        Some("null") => false,
        Some(url) => url.split_once("://").is_some_and(|(scheme, rest)| {
            let scheme_fits = if https {
                scheme.eq_ignore_ascii_case("https")
            } else {
                // Seen as plain HTTP, the site may still sit behind a TLS proxy that does
                // not say so: its own HTTPS pages are not another site.
                scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            scheme_fits && authority.eq_ignore_ascii_case(host)
        }),
    }
}

/// The `csrf_token` field of a URL-encoded or multipart form body, of which `body` is all
/// (`complete`) or the beginning (then only fields wholly inside it count).
pub(crate) async fn form_token(headers: &HeaderMap, body: Bytes, complete: bool) -> Option<String> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|h| h.to_str().ok())?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let whole = if complete {
            &body[..]
        } else {
            // The last pair may be cut short.
            let end = memchr::memrchr(b'&', &body)?;
            &body[..end]
        };
        return form_urlencoded_field(whole, "csrf_token");
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        // A field cut short by the end of a prefix is an error, never a value.
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some("csrf_token") {
                return field.text().await.ok();
            }
        }
    }
    None
}

/// One field of a URL-encoded body, decoded (`+` is a space) as every form reads its fields:
/// without the characters XML cannot hold, so the check and the form agree on which field is
/// the token.
pub(crate) fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(key, _)| ajar_core::xml_text(key) == name)
        .map(|(_, value)| ajar_core::xml_text(&value).into_owned())
}

/// Puts the viewer's parts into an HTML page (see `views::viewer_parts`); says whether the
/// page had a form (now carrying the viewer's token). `gzip`: the client takes gzip.
async fn fill_viewer_parts(response: Response, ctx: &Ctx, gzip: bool) -> (Response, bool) {
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !is_html {
        return (response, false);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (Response::from_parts(parts, Body::empty()), false);
    };
    let filled = crate::views::viewer_parts::fill(&bytes, ctx);
    let Some(page) = filled.page else {
        return (Response::from_parts(parts, Body::from(bytes)), false);
    };
    let mut response = Response::from_parts(parts, Body::from(page));
    let kept = response
        .extensions()
        .get::<crate::compression::CachedBody>()
        .is_some();
    if kept && filled.token && !filled.personal && gzip {
        // A guest's copy differs from the kept page in its token alone: its gzip form is
        // made from the page's kept stretches around the field (see `compression`), so it
        // goes out in gzip even to a client that prefers brotli.
        response
            .extensions_mut()
            .insert(crate::compression::GuestField(filled.field));
    } else {
        // This viewer's copy, no longer the kept page (nor its kept compressed forms).
        response
            .extensions_mut()
            .remove::<crate::compression::CachedBody>();
    }
    response
        .headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
    (response, filled.token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn form_fields_are_decoded() {
        assert_eq!(
            form_urlencoded_field(b"a=1&csrf_token=ab%2Bc+d&b=2", "csrf_token").as_deref(),
            Some("ab+c d")
        );
        assert_eq!(form_urlencoded_field(b"a=1", "csrf_token"), None);
    }

    #[test]
    fn the_check_reads_the_token_field_the_form_reads() {
        // Found by the `form` fuzz target: the posting form drops characters XML cannot hold
        // from names too, so `csrf_tok\0en` was its token field, while the check read the next.
        for body in [
            &b"csrf_tok\0en=abc&csrf_token=def"[..],
            b"csrf_tok%01en=abc&csrf_token=d",
        ] {
            let form = crate::posting::form::Fields::read(&HeaderMap::new(), Bytes::from(body))
                .now_or_never()
                .and_then(Result::ok)
                .unwrap();
            assert_eq!(
                form_urlencoded_field(body, "csrf_token").as_deref(),
                Some(form.get("csrf_token")),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn origins() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("archive.example:8080"));
        assert!(same_origin(&h, false));
        h.insert(
            ORIGIN,
            HeaderValue::from_static("http://archive.example:8080"),
        );
        assert!(same_origin(&h, false));
        // A plain-HTTP page may not post to the site served over HTTPS.
        assert!(!same_origin(&h, true));
        h.insert(
            ORIGIN,
            HeaderValue::from_static("https://archive.example:8080"),
        );
        assert!(same_origin(&h, true));
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h, false));
        h.insert(ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h, false));
    }

    #[tokio::test]
    async fn tokens_are_found_in_whole_fields_of_a_prefix() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let body = Bytes::from_static(b"csrf_token=abc&body=xyz");
        assert_eq!(
            form_token(&h, body.clone(), true).await.as_deref(),
            Some("abc")
        );
        assert_eq!(
            form_token(&h, body.slice(..16), false).await.as_deref(),
            Some("abc")
        );
        assert_eq!(form_token(&h, body.slice(..12), false).await, None);
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XX"),
        );
        let body = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabcdef\r\n--XX\r\nContent-Disposition: form-data; name=\"story_file\"; filename=\"a.txt\"\r\n\r\nlong text\r\n--XX--\r\n",
        );
        assert_eq!(
            form_token(&h, body.clone(), true).await.as_deref(),
            Some("abcdef")
        );
        assert_eq!(
            form_token(&h, body.slice(..90), false).await.as_deref(),
            Some("abcdef")
        );
        assert_eq!(form_token(&h, body.slice(..60), false).await, None);
    }

    #[test]
    fn secure_cookies_except_on_loopback() {
        let uri = axum::http::Uri::from_static("/");
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(!wants_secure_cookies(&h, &uri));
        h.insert(HOST, HeaderValue::from_static("localhost:3000"));
        assert!(!wants_secure_cookies(&h, &uri));
        h.insert(HOST, HeaderValue::from_static("archive.example"));
        assert!(wants_secure_cookies(&h, &uri));
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse".into(), hash).await);
    }
}
