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
    Router::new().route("/account/filters", get(show).post(save))
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
    let user = ctx.require_user()?.id;
    let pairs = form(sent)?;
    let field = |name: &str| -> String {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let names = |text: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in text
            .split(['\n', ','])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                out.push(name.chars().take(150).collect());
            }
        }
        out
    };
    let muted_tags = names(&field("muted_tags"));
    let refuse = |message: String| -> Result<Response, Error> {
        // Shown again as typed, unless the list itself is what was refused.
        let shown = if muted_tags.len() > MAX_MUTED_TAGS {
            Vec::new()
        } else {
            muted_tags.clone()
        };
        let filters = UserFilters {
            muted_tags: shown,
            saved_query: String::new(),
        };
        Ok((
            StatusCode::BAD_REQUEST,
            Page(FiltersPage::new(&filters, false, Some(message))),
        )
            .into_response())
    };
    if muted_tags.len() > MAX_MUTED_TAGS {
        return refuse(format!("You can mute at most {MAX_MUTED_TAGS} tags."));
    }
    let mut saved: Vec<(&str, String)> = Vec::new();
    for name in names(&field("exclude_tags")) {
        saved.push(("exclude_tags", name));
    }
    for (k, v) in &pairs {
        if k == "rating" {
            match Rating::from_code(v) {
                Some(r) => saved.push(("rating", r.code().to_owned())),
                None => return refuse(format!("\"{}\" is not a rating.", excerpt(v, 60))),
            }
        }
    }
    if !field("complete_only").is_empty() {
        saved.push(("complete", "yes".to_owned()));
    }
    if !field("no_crossovers").is_empty() {
        saved.push(("crossover", "no".to_owned()));
    }
    for key in ["words_from", "words_to"] {
        let value = field(key).replace([',', ' '], "");
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
    let language = field("language");
    if !language.is_empty() {
        match Language::parse(&language) {
            Some(l) => saved.push(("language", l.code().to_owned())),
            None => {
                return refuse(format!(
                    "\"{}\" is not a language we know.",
                    excerpt(&language, 60)
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
    state
        .store
        .set_user_filters(
            user,
            &UserFilters {
                muted_tags,
                saved_query,
            },
        )
        .await?;
    Ok(see_other("/account/filters?saved=1"))
}
