//! A reader's muted tags and saved filter (`/account/filters`): a permanent exclude list and
//! default filters that apply inside every search and tag listing they see, so that totals
//! and facet counts stay right (AO3's readers fake this with userscripts that hide works
//! after the counts were made).

use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::views::{excerpt, Layout, Page};
use crate::{AppState, Error};
use ajar_core::{Language, Rating};
use ajar_search::SearchRequest;
use ajar_store::UserFilters;
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Most muted tags a reader keeps.
const MAX_MUTED_TAGS: usize = 500;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/filters", get(show).post(save))
        .route("/api/v1/filters", get(api_get).put(api_put))
}

/// Applies a reader's muted tags and saved filter to a search: muted tags are always left
/// out; the saved filter fills in what the search itself does not say.
pub(crate) fn apply(request: &mut SearchRequest, filters: &UserFilters) {
    request
        .exclude_tags
        .extend(filters.muted_tags.iter().cloned());
    if filters.saved_query.is_empty() {
        return;
    }
    let Ok(saved) = SearchRequest::from_query_string(&filters.saved_query) else {
        return;
    };
    request.exclude_tags.extend(saved.exclude_tags);
    if request.ratings.is_empty() {
        request.ratings = saved.ratings;
    }
    request.complete = request.complete.or(saved.complete);
    request.crossover = request.crossover.or(saved.crossover);
    request.words_from = request.words_from.or(saved.words_from);
    request.words_to = request.words_to.or(saved.words_to);
    if request.language.is_none() {
        request.language = saved.language;
    }
}

#[derive(Template)]
#[template(path = "filters.html")]
struct FiltersPage {
    layout: Layout,
    muted_tags: String,
    exclude_tags: String,
    ratings: Vec<(String, String, bool)>,
    complete_only: bool,
    no_crossovers: bool,
    words_from: String,
    words_to: String,
    language: String,
    saved: bool,
    error: Option<String>,
}

impl FiltersPage {
    fn new(filters: &UserFilters, saved: bool, error: Option<String>) -> FiltersPage {
        let s = SearchRequest::from_query_string(&filters.saved_query).unwrap_or_default();
        FiltersPage {
            layout: Layout::new(
                Some("Muted tags and saved filter".to_owned()),
                "Tags you never want to see, and the filters every search and listing starts \
                 from.",
            ),
            muted_tags: filters.muted_tags.join("\n"),
            exclude_tags: s.exclude_tags.join(", "),
            ratings: Rating::ALL
                .iter()
                .map(|r| {
                    (
                        r.code().to_owned(),
                        r.name().to_owned(),
                        s.ratings.contains(r),
                    )
                })
                .collect(),
            complete_only: s.complete == Some(true),
            no_crossovers: s.crossover == Some(false),
            words_from: s.words_from.map(|n| n.to_string()).unwrap_or_default(),
            words_to: s.words_to.map(|n| n.to_string()).unwrap_or_default(),
            language: s.language.unwrap_or_default(),
            saved,
            error,
        }
    }
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let Some(account) = ctx.viewer.account() else {
        return Ok(see_other("/login?return_to=/account/filters"));
    };
    let filters = state.store.user_filters(account.id).await?;
    let saved = query.is_ok_and(|Query(q)| q.saved.is_some());
    Ok(Page(FiltersPage::new(&filters, saved, None)).into_response())
}

/// The form is read as pairs: `rating` may repeat.
async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let pairs = form(sent)?;
    let field = |name: &str| -> String {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let names = |text: &str| -> Vec<String> {
        text.split(['\n', ','])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let request = FiltersRequest {
        muted_tags: names(&field("muted_tags")),
        exclude_tags: names(&field("exclude_tags")),
        ratings: pairs
            .iter()
            .filter(|(k, _)| k == "rating")
            .map(|(_, v)| v.clone())
            .collect(),
        complete_only: !field("complete_only").is_empty(),
        no_crossovers: !field("no_crossovers").is_empty(),
        words_from: Some(field("words_from")).filter(|v| !v.is_empty()),
        words_to: Some(field("words_to")).filter(|v| !v.is_empty()),
        language: Some(field("language")).filter(|v| !v.is_empty()),
    };
    if let Err(e) = set_filters(&state, &ctx, &request).await {
        let Error::Invalid(errors) = e else {
            return Err(e);
        };
        // Shown again as typed, unless the list itself is what was refused.
        let muted = clean_names(&request.muted_tags);
        let filters = UserFilters {
            muted_tags: if muted.len() > MAX_MUTED_TAGS {
                Vec::new()
            } else {
                muted
            },
            saved_query: String::new(),
        };
        return Ok((
            StatusCode::BAD_REQUEST,
            Page(FiltersPage::new(&filters, false, Some(errors.join(" ")))),
        )
            .into_response());
    }
    Ok(see_other("/account/filters?saved=1"))
}

/// A reader's muted tags and saved filter, as sent (by the form or the API).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FiltersRequest {
    /// Tags left out of every search and listing.
    pub(crate) muted_tags: Vec<String>,
    /// The saved filter: tags left out unless a search says otherwise...
    pub(crate) exclude_tags: Vec<String>,
    /// ...ratings (codes) to keep...
    pub(crate) ratings: Vec<String>,
    pub(crate) complete_only: bool,
    pub(crate) no_crossovers: bool,
    /// ...words, as typed ("10,000" reads as 10000)...
    pub(crate) words_from: Option<String>,
    pub(crate) words_to: Option<String>,
    /// ...and a language (name or code).
    pub(crate) language: Option<String>,
}

/// Tag names trimmed, duplicates (any case) dropped, each at most as long as a tag.
fn clean_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            out.push(name.chars().take(150).collect());
        }
    }
    out
}

/// Checks and saves the viewer's muted tags and saved filter (`Error::Invalid` says what to
/// fix); answers them as stored.
pub(crate) async fn set_filters(
    state: &AppState,
    ctx: &Ctx,
    request: &FiltersRequest,
) -> Result<UserFilters, Error> {
    let user = ctx.require_user()?.id;
    let refuse = |message: String| Err(Error::Invalid(vec![message]));
    let muted_tags = clean_names(&request.muted_tags);
    if muted_tags.len() > MAX_MUTED_TAGS {
        return refuse(format!("You can mute at most {MAX_MUTED_TAGS} tags."));
    }
    let mut saved: Vec<(&str, String)> = Vec::new();
    for name in clean_names(&request.exclude_tags) {
        saved.push(("exclude_tags", name));
    }
    for code in &request.ratings {
        match Rating::from_code(code) {
            Some(r) => saved.push(("rating", r.code().to_owned())),
            None => return refuse(format!("\"{}\" is not a rating.", excerpt(code, 60))),
        }
    }
    if request.complete_only {
        saved.push(("complete", "yes".to_owned()));
    }
    if request.no_crossovers {
        saved.push(("crossover", "no".to_owned()));
    }
    for (key, sent) in [
        ("words_from", &request.words_from),
        ("words_to", &request.words_to),
    ] {
        let value = sent.as_deref().unwrap_or("").replace([',', ' '], "");
        if value.is_empty() {
            continue;
        }
        match value.parse::<u64>() {
            Ok(n) => saved.push((key, n.to_string())),
            Err(_) => {
                return refuse(format!(
                    "\"{}\" is not a number of words.",
                    excerpt(&value, 60)
                ))
            }
        }
    }
    if let Some(language) = request
        .language
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match Language::parse(language) {
            Some(l) => saved.push(("language", l.code().to_owned())),
            None => {
                return refuse(format!(
                    "\"{}\" is not a language we know.",
                    excerpt(language, 60)
                ))
            }
        }
    }
    let saved_query = saved
        .iter()
        .map(|(k, v)| format!("{k}={}", ajar_search::encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    if let Err(e) = SearchRequest::from_query_string(&saved_query) {
        return refuse(e.message);
    }
    let filters = UserFilters {
        muted_tags,
        saved_query,
    };
    state.store.set_user_filters(user, &filters).await?;
    Ok(filters)
}

/// The viewer's muted tags and saved filter, as [`set_filters`] takes them.
pub(crate) async fn filters(state: &AppState, ctx: &Ctx) -> Result<FiltersRequest, Error> {
    let user = ctx.require_user()?.id;
    let stored = state.store.user_filters(user).await?;
    Ok(as_request(stored))
}

fn as_request(stored: UserFilters) -> FiltersRequest {
    let saved = SearchRequest::from_query_string(&stored.saved_query).unwrap_or_default();
    FiltersRequest {
        muted_tags: stored.muted_tags,
        exclude_tags: saved.exclude_tags,
        ratings: saved.ratings.iter().map(|r| r.code().to_owned()).collect(),
        complete_only: saved.complete == Some(true),
        no_crossovers: saved.crossover == Some(false),
        words_from: saved.words_from.map(|n| n.to_string()),
        words_to: saved.words_to.map(|n| n.to_string()),
        language: saved.language,
    }
}

/// `GET /api/v1/filters`: the account's muted tags and saved filter.
pub(crate) async fn api_get(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<axum::Json<FiltersRequest>, Error> {
    Ok(axum::Json(filters(&state, &ctx).await?))
}

/// `PUT /api/v1/filters` with the same fields: replaces them; answers them as saved.
pub(crate) async fn api_put(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::Json<FiltersRequest>, Error> {
    ctx.require_user()?;
    let sent: FiltersRequest = crate::api::json_body(sent, "filters")?;
    let saved = set_filters(&state, &ctx, &sent).await?;
    Ok(axum::Json(as_request(saved)))
}
