//! A reader's muted tags and saved filter: reading them, and checking and saving a change
//! (the `/account/filters` form and `PUT /api/v1/filters` both call [`set_filters`]).

use crate::auth::Ctx;
use crate::views::excerpt;
use crate::{AppState, Error};
use ajar_core::{Language, Rating};
use ajar_search::SearchRequest;
use ajar_store::UserFilters;

/// Most muted tags a reader keeps.
pub(crate) const MAX_MUTED_TAGS: usize = 500;

/// A reader's muted tags and saved filter, as sent (by the form or the API).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
#[schema(as = Filters)]
pub(crate) struct FiltersRequest {
    /// Tags left out of every search and listing.
    pub(crate) muted_tags: Vec<String>,
    /// The saved filter: tags left out unless a search says otherwise...
    pub(crate) exclude_tags: Vec<String>,
    /// ...ratings (codes) to keep...
    #[schema(inline, value_type = Vec<crate::openapi::RatingCode>)]
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
pub(crate) fn clean_names(names: &[String]) -> Vec<String> {
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

pub(crate) fn as_request(stored: UserFilters) -> FiltersRequest {
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
