//! The JSON API of a reader's own lists, each the same service call as its page on the
//! site (`service::reading`): subscriptions (`GET /api/v1/subscriptions`, `PUT` and
//! `DELETE /api/v1/subscriptions/{kind}/{id}`), history (`GET /api/v1/history`), works
//! marked for later (`GET /api/v1/later`, `PUT` and `DELETE /api/v1/works/{id}/later`),
//! and the accounts muted or blocked (`GET /api/v1/mutes`, `PUT` and `DELETE
//! /api/v1/users/{name}/mute` and `.../block`).

use crate::api::WorkJson;
use crate::auth::Ctx;
use crate::kudos::{id_number, work_id};
use crate::openapi::{
    ChangeRefusals, Missing, PageRefusals, ProblemDetails, PseudPath, Refusals, WorkPath,
};
use crate::service::reading::{self, Stance};
use crate::tag_url::{tag_href, user_href};
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::{Followed, OtherUser};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Works on one page of history or "later", as on the site.
const PER_PAGE: u32 = 20;

#[derive(Serialize, ToSchema)]
#[schema(as = Subscription)]
pub(crate) struct SubscriptionJson {
    #[schema(inline, value_type = crate::openapi::FollowedKind)]
    kind: &'static str,
    id: i64,
    /// The work's or series' title, the creator's or tag's name; `null` when it is no
    /// longer in the archive (or not one the account may see).
    name: Option<String>,
    /// Its page on the site, when it has one.
    url: Option<String>,
    created_at: DateTime<Utc>,
}

/// Your subscriptions
#[utoipa::path(get, path = "/api/v1/subscriptions", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The list.", body = Vec<SubscriptionJson>), Refusals))]
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<SubscriptionJson>>, Error> {
    let subs = reading::subscriptions(&state, &ctx).await?;
    Ok(Json(
        subs.into_iter()
            .map(|s| {
                let url = s.label.as_deref().map(|name| match s.followed {
                    Followed::Work(w) => format!("/works/{w}"),
                    Followed::Creator(_) => user_href(name),
                    Followed::Series(id) => format!("/series/{}", id.0),
                    Followed::Tag(_) => tag_href(name),
                });
                SubscriptionJson {
                    kind: s.followed.kind(),
                    id: s.followed.target_id(),
                    name: s.label,
                    url,
                    created_at: s.created_at,
                }
            })
            .collect(),
    ))
}

/// What a subscription is to, in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by `followed`
struct FollowedPath {
    #[param(inline, value_type = crate::openapi::FollowedKind)]
    kind: String,
    /// The work's, pseud's, series' or tag's id.
    #[param(minimum = 1)]
    id: u64,
}

fn followed(path: Result<Path<(String, String)>, PathRejection>) -> Result<Followed, Error> {
    let Path((kind, id)) = path.map_err(|_| Error::NotFound)?;
    let id = id_number(Ok(Path(id)))?;
    Followed::from_parts(&kind, id).ok_or(Error::NotFound)
}

/// Subscribe to a work, creator, series or tag
///
/// Subscribing again changes nothing.
#[utoipa::path(put, path = "/api/v1/subscriptions/{kind}/{id}", security(("token" = []), ("basic" = [])), params(FollowedPath),
    responses((status = 204, description = "Done (or already so)."), Missing, ChangeRefusals))]
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, Error> {
    reading::subscribe(&state, &ctx, followed(path)?, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unsubscribe
#[utoipa::path(delete, path = "/api/v1/subscriptions/{kind}/{id}", security(("token" = []), ("basic" = [])), params(FollowedPath),
    responses((status = 204, description = "Done (or already so)."), Missing, ChangeRefusals))]
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, Error> {
    reading::subscribe(&state, &ctx, followed(path)?, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// 20 works a page, from 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// The next page: `next_cursor` of the page before, as it came (not with `page`). A
    /// cursor continues after the last item shown, so items added or removed meanwhile
    /// neither repeat nor go missing.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Reading)]
pub(crate) struct ReadingJson {
    #[serde(flatten)]
    work: WorkJson,
    /// Times the account opened the work (0: marked for later, not opened yet).
    visits: u64,
    last_chapter: u32,
    later: bool,
    visited_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Readings)]
pub(crate) struct ReadingsJson {
    total: u64,
    /// The page's number when it was asked for by `page` (or neither); absent for a
    /// `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    per_page: u32,
    works: Vec<ReadingJson>,
    /// Ask for the next page with `cursor=` and this; `null` on the last page.
    next_cursor: Option<String>,
}

async fn readings(
    state: &AppState,
    ctx: &Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
    later: bool,
) -> Result<Json<ReadingsJson>, Error> {
    let Query(query) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let page = match query.page.as_deref().map(str::trim) {
        None => None,
        Some(text) => Some(
            text.parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::BadRequest("page: a number from 1.".to_owned()))?,
        ),
    };
    let start = super::cursor::page_start(page, query.cursor.as_deref(), PER_PAGE, |[at, work]| {
        Some((DateTime::<Utc>::from_timestamp_micros(at)?, WorkId(work)))
    })?;
    let found = reading::readings(state, ctx, later, start, PER_PAGE).await?;
    let page = query.cursor.is_none().then_some(page.unwrap_or(1));
    Ok(Json(ReadingsJson::new(found, page)))
}

impl ReadingsJson {
    fn new(found: reading::Readings, page: Option<u64>) -> ReadingsJson {
        ReadingsJson {
            total: found.total,
            page,
            next_cursor: found
                .next
                .map(|(at, work)| super::cursor::encode(&[at.timestamp_micros(), work.0])),
            per_page: PER_PAGE,
            works: found
                .works
                .into_iter()
                .map(|(r, work)| ReadingJson {
                    work: work.into(),
                    visits: r.visits,
                    last_chapter: r.last_chapter,
                    later: r.later,
                    visited_at: r.visited_at,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Update)]
pub(crate) struct UpdateJson {
    #[serde(flatten)]
    work: WorkJson,
    /// Every chapter is new: the work itself is.
    new_work: bool,
    new_chapters: u32,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Updates)]
pub(crate) struct UpdatesJson {
    /// When the account last looked (here or on `/updates`).
    since: Option<DateTime<Utc>>,
    works: Vec<UpdateJson>,
    /// Updated works that did not fit: the next call shows them.
    more: u64,
}

/// New works and chapters from your subscriptions since you last looked
///
/// Since the account last looked, on the site or here; reading them marks them seen, as the
/// page does.
#[utoipa::path(get, path = "/api/v1/updates", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The updates.", body = UpdatesJson), Refusals))]
pub(crate) async fn updates(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<UpdatesJson>, Error> {
    let found = reading::updates(&state, &ctx, crate::follows::UPDATES_SHOWN).await?;
    Ok(Json(UpdatesJson {
        since: found.last_seen,
        more: found.more,
        works: found
            .works
            .into_iter()
            .map(|(u, work)| UpdateJson {
                work: work.into(),
                new_work: u.new_work,
                new_chapters: u.new_chapters,
            })
            .collect(),
    }))
}

/// Works you opened, most recent first
#[utoipa::path(get, path = "/api/v1/history", security(("token" = []), ("basic" = [])), params(PageQuery),
    responses((status = 200, description = "A page of the list.", body = ReadingsJson), PageRefusals, Refusals))]
pub(crate) async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ReadingsJson>, Error> {
    readings(&state, &ctx, query, false).await
}

/// Works you marked for later
#[utoipa::path(get, path = "/api/v1/later", security(("token" = []), ("basic" = [])), params(PageQuery),
    responses((status = 200, description = "A page of the list.", body = ReadingsJson), PageRefusals, Refusals))]
pub(crate) async fn later(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ReadingsJson>, Error> {
    readings(&state, &ctx, query, true).await
}

/// Mark a work for later
#[utoipa::path(put, path = "/api/v1/works/{id}/later", security(("token" = []), ("basic" = [])), params(WorkPath),
    responses((status = 204, description = "Done (or already so)."), Missing, ChangeRefusals))]
pub(crate) async fn mark_later(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    reading::set_later(&state, &ctx, work_id(id)?, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Unmark a work for later
#[utoipa::path(delete, path = "/api/v1/works/{id}/later", security(("token" = []), ("basic" = [])), params(WorkPath),
    responses((status = 204, description = "Done (or already so)."), Missing, ChangeRefusals))]
pub(crate) async fn unmark_later(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    reading::set_later(&state, &ctx, work_id(id)?, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
#[schema(as = Person)]
pub(crate) struct PersonJson {
    name: String,
    /// Their page on the site.
    url: String,
    since: DateTime<Utc>,
}

impl PersonJson {
    fn new(u: OtherUser) -> PersonJson {
        PersonJson {
            url: user_href(&u.name),
            name: u.name,
            since: u.since,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = Mutes)]
pub(crate) struct StancesJson {
    muted: Vec<PersonJson>,
    blocked: Vec<PersonJson>,
}

/// Accounts you muted and blocked
#[utoipa::path(get, path = "/api/v1/mutes", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The lists.", body = StancesJson), Refusals))]
pub(crate) async fn stances(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<StancesJson>, Error> {
    let (muted, blocked) = reading::stances(&state, &ctx).await?;
    Ok(Json(StancesJson {
        muted: muted.into_iter().map(PersonJson::new).collect(),
        blocked: blocked.into_iter().map(PersonJson::new).collect(),
    }))
}

async fn set(
    state: &AppState,
    ctx: &Ctx,
    name: Result<Path<String>, PathRejection>,
    stance: Stance,
    on: bool,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    reading::set_stance(state, ctx, &name, stance, on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Mute an account
///
/// Its works, comments and bookmarks are left out of what you see.
#[utoipa::path(put, path = "/api/v1/users/{name}/mute", security(("token" = []), ("basic" = [])), params(PseudPath),
    responses((status = 204, description = "Done (or already so)."), (status = 400, description = "The account's own pseud, or a creator without an account here.", body = ProblemDetails, content_type = "application/problem+json"), Missing, ChangeRefusals))]
pub(crate) async fn mute(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    set(&state, &ctx, name, Stance::Mute, true).await
}

/// Stop muting an account
#[utoipa::path(delete, path = "/api/v1/users/{name}/mute", security(("token" = []), ("basic" = [])), params(PseudPath),
    responses((status = 204, description = "Done (or already so)."), (status = 400, description = "The account's own pseud, or a creator without an account here.", body = ProblemDetails, content_type = "application/problem+json"), Missing, ChangeRefusals))]
pub(crate) async fn unmute(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    set(&state, &ctx, name, Stance::Mute, false).await
}

/// Block an account
///
/// It may no longer comment on your works or reply to you.
#[utoipa::path(put, path = "/api/v1/users/{name}/block", security(("token" = []), ("basic" = [])), params(PseudPath),
    responses((status = 204, description = "Done (or already so)."), (status = 400, description = "The account's own pseud, or a creator without an account here.", body = ProblemDetails, content_type = "application/problem+json"), Missing, ChangeRefusals))]
pub(crate) async fn block(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    set(&state, &ctx, name, Stance::Block, true).await
}

/// Stop blocking an account
#[utoipa::path(delete, path = "/api/v1/users/{name}/block", security(("token" = []), ("basic" = [])), params(PseudPath),
    responses((status = 204, description = "Done (or already so)."), (status = 400, description = "The account's own pseud, or a creator without an account here.", body = ProblemDetails, content_type = "application/problem+json"), Missing, ChangeRefusals))]
pub(crate) async fn unblock(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    set(&state, &ctx, name, Stance::Block, false).await
}
