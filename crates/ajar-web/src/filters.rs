//! A reader's muted tags and saved filter (`/account/filters`): a permanent exclude list and
//! default filters that apply inside every search and tag listing they see, so that totals
//! and facet counts stay right (AO3's readers fake this with userscripts that hide works
//! after the counts were made).

use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::service::filters::{
    as_request, clean_names, filters, set_filters, FiltersRequest, MAX_MUTED_TAGS,
};
use crate::views::{Layout, Page};
use crate::{AppState, Error};
use ajar_core::Rating;
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
    ctx.require_user()?;
    let request = request_from_form(&form(sent)?);
    match set_filters(&state, &ctx, &request).await {
        Ok(_) => Ok(see_other("/account/filters?saved=1")),
        Err(Error::Invalid(errors)) => Ok((
            StatusCode::BAD_REQUEST,
            Page(FiltersPage::refused(&request, &errors)),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

/// The filters form's fields as the service takes them: tag lists one a line (or
/// comma-separated), a box per rating, empty fields left out.
fn request_from_form(pairs: &[(String, String)]) -> FiltersRequest {
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
    FiltersRequest {
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
    }
}

impl FiltersPage {
    /// The form again after a refusal: the muted tags as typed (unless the list itself is
    /// what was refused), and what to fix.
    fn refused(request: &FiltersRequest, errors: &[String]) -> FiltersPage {
        let muted = clean_names(&request.muted_tags);
        let filters = UserFilters {
            muted_tags: if muted.len() > MAX_MUTED_TAGS {
                Vec::new()
            } else {
                muted
            },
            saved_query: String::new(),
        };
        FiltersPage::new(&filters, false, Some(errors.join(" ")))
    }
}

/// Your muted tags and saved filter
#[utoipa::path(get, path = "/api/v1/filters", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "Yours.", body = FiltersRequest), crate::openapi::Refusals))]
pub(crate) async fn api_get(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<axum::Json<FiltersRequest>, Error> {
    Ok(axum::Json(filters(&state, &ctx).await?))
}

/// Replace your muted tags and saved filter
///
/// Muted tags are left out of every search and listing you see; the saved filter fills in
/// what a search does not say.
#[utoipa::path(put, path = "/api/v1/filters", security(("token" = []), ("basic" = [])), request_body = FiltersRequest,
    responses((status = 200, description = "As saved.", body = FiltersRequest),
        crate::openapi::BodyRefusals, crate::openapi::ChangeRefusals))]
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
