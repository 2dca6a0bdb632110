//! Reader settings without an account (`/settings`): a plain form that saves to the
//! `ajar_prefs` cookie and sends the reader back where they came from.
//!
//! Saving is not an account action (CSRF tokens come with accounts), but a page elsewhere
//! must still not be able to change a reader's settings: the cookie is `SameSite=Lax`, and a
//! POST whose `Origin` (or, without one, `Referer`) names another host is refused with 403.
//! Browsers send `Origin` with every cross-site POST, so a request with neither header comes
//! from no other site's page.

use crate::accounts::see_other;
use crate::auth::set_cookie;
use crate::forms::Form;
use crate::hits::is_https;
use crate::prefs::{ReaderPrefs, Theme, Width, FONT_SIZES, PREFS_COOKIE};
use crate::views::{Layout, Page, Section};
use crate::{AppState, Error};
use ajar_core::TagId;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{OriginalUri, Query, State};
use axum::http::header::{HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/settings", get(show).post(save))
}

#[derive(Deserialize, Default)]
struct SettingsQuery {
    return_to: Option<String>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub(crate) struct SettingsPage {
    layout: Layout,
    prefs: ReaderPrefs,
    themes: Vec<Choice>,
    fonts: Vec<Choice>,
    widths: Vec<Choice>,
    return_to: Option<String>,
    saved: bool,
    /// "I've seen … up to" for each canon the reader follows (HTML).
    canon_pickers: String,
    /// Every fandom with a canon timeline: its name and its timeline's address.
    canons: Vec<(String, String)>,
    guest: bool,
}

/// One radio button.
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

impl SettingsPage {
    fn new(prefs: ReaderPrefs, return_to: Option<String>, saved: bool) -> SettingsPage {
        SettingsPage {
            layout: Layout::new(
                Some("Reader Settings".to_owned()),
                "Choose how the archive looks to you: theme, text size, line width, and what \
                 listings hide. Saved in this browser, no account needed.",
            )
            .in_section(Section::Settings)
            .with_prefs(prefs),
            themes: Theme::ALL
                .into_iter()
                .map(|t| Choice {
                    value: t.code().to_owned(),
                    label: t.label().to_owned(),
                    checked: t == prefs.theme,
                })
                .collect(),
            fonts: FONT_SIZES
                .into_iter()
                .map(|size| Choice {
                    value: size.to_string(),
                    label: format!("{size}%"),
                    checked: size == prefs.font,
                })
                .collect(),
            widths: Width::ALL
                .into_iter()
                .map(|w| Choice {
                    value: w.code().to_owned(),
                    label: w.label().to_owned(),
                    checked: w == prefs.width,
                })
                .collect(),
            prefs,
            return_to,
            saved,
            canon_pickers: String::new(),
            canons: Vec::new(),
            guest: true,
        }
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    prefs: ReaderPrefs,
    headers: HeaderMap,
    query: Result<Query<SettingsQuery>, QueryRejection>,
) -> Result<Page<SettingsPage>, Error> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let return_to = query
        .return_to
        .as_deref()
        .and_then(local_path)
        .or_else(|| referer_path(&headers))
        .filter(|path| !path.starts_with("/settings"));
    let mut page = SettingsPage::new(prefs, return_to, query.saved.as_deref() == Some("1"));
    page.guest = ctx.is_guest();
    page.add_canons(&state, &ctx).await?;
    Ok(Page(page))
}

impl SettingsPage {
    /// How far the reader is in each canon they follow (on their account, or in this
    /// browser), and the canons they could follow.
    async fn add_canons(&mut self, state: &AppState, ctx: &crate::auth::Ctx) -> Result<(), Error> {
        let followed: Vec<TagId> = crate::spoilers::progress(&state.store, ctx)
            .await?
            .seen
            .into_iter()
            .map(|(fandom, _)| fandom)
            .collect();
        self.canon_pickers =
            crate::spoilers::pickers(&state.store, ctx, &followed, "/settings").await?;
        self.canons = state
            .store
            .canon_fandoms()
            .await?
            .into_iter()
            .map(|(_, name, _)| {
                let href = crate::tag_url::canon_href(name.as_str());
                (name.to_string(), href)
            })
            .collect();
        Ok(())
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    theme: Option<String>,
    font: Option<String>,
    width: Option<String>,
    hide_tags: Option<String>,
    hide_warnings: Option<String>,
    return_to: Option<String>,
    reset: Option<String>,
}

/// How long the settings cookie keeps (a year, in seconds).
const YEAR: i64 = 31_536_000;

impl SettingsForm {
    /// The preferences the form asks for, read as the cookie would be: unknown values are
    /// dropped.
    fn prefs(&self) -> ReaderPrefs {
        let hide = [
            self.hide_tags.is_some().then_some("tags"),
            self.hide_warnings.is_some().then_some("warnings"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(".");
        ReaderPrefs::parse(&format!(
            "theme={}&font={}&width={}&hide={hide}",
            self.theme.as_deref().unwrap_or(""),
            self.font.as_deref().unwrap_or(""),
            self.width.as_deref().unwrap_or(""),
        ))
    }
}

async fn save(
    headers: HeaderMap,
    uri: OriginalUri,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Result<Response, Error> {
    if !same_origin(&headers) {
        return Ok((
            StatusCode::FORBIDDEN,
            "Settings can only be changed from this site's own settings page.",
        )
            .into_response());
    }
    let Ok(Form(form)) = form else {
        return Ok((
            StatusCode::BAD_REQUEST,
            "The settings form was not understood.",
        )
            .into_response());
    };
    let secure = is_https(&headers, &uri.0);
    let cookie = match form.reset {
        Some(_) => set_cookie(PREFS_COOKIE, "", 0, secure),
        None => set_cookie(PREFS_COOKIE, &form.prefs().to_cookie_value(), YEAR, secure),
    };
    let location = form.return_to.as_deref().and_then(local_path);
    let mut response = see_other(location.as_deref().unwrap_or("/settings?saved=1"));
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Whether a POST comes from a page of this site, by `Origin`, else `Referer`.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let source = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    match source {
        None => true,
        Some(source) => url_host(source).is_some_and(|h| h.eq_ignore_ascii_case(host)),
    }
}

/// `host[:port]` of an absolute http(s) URL.
fn url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A path on this site to send a reader back to: starts with one `/`, no scheme, no host,
/// nothing that could make a header out of it.
fn local_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 2000
        && path.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| path.to_owned())
}

/// The path of a same-site `Referer`, to return to after saving.
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(REFERER)?.to_str().ok()?;
    let host = headers.get(HOST)?.to_str().ok()?;
    if !url_host(referer)?.eq_ignore_ascii_case(host) {
        return None;
    }
    let rest = referer.split_once("://")?.1;
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    local_path(path.split('#').next().unwrap_or("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(axum::http::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), axum::http::HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        let host = (HOST, "archive.example:8080");
        assert!(same_origin(&headers(&[
            host.clone(),
            (ORIGIN, "http://archive.example:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host.clone(),
            (ORIGIN, "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[host.clone(), (ORIGIN, "null")])));
        assert!(!same_origin(&headers(&[
            host.clone(),
            (REFERER, "https://archive.example.evil/settings")
        ])));
        assert!(same_origin(&headers(&[
            host.clone(),
            (REFERER, "http://archive.example:8080/settings")
        ])));
        assert!(same_origin(&headers(&[host])));
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/works/1?x=2").as_deref(), Some("/works/1?x=2"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a b",
            "works",
        ] {
            assert!(local_path(bad).is_none(), "{bad}");
        }
        let h = headers(&[(HOST, "a.example"), (REFERER, "http://a.example/works/3#x")]);
        assert_eq!(referer_path(&h).as_deref(), Some("/works/3"));
        let h = headers(&[(HOST, "a.example"), (REFERER, "http://b.example/works/3")]);
        assert!(referer_path(&h).is_none());
    }
}
