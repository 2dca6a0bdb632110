//! Kudos: the button (`POST /works/{id}/kudos`) and `POST /api/v1/works/{id}/kudos`, both
//! one call of `service::kudos::leave` (where the rules live).
//!
//! Also the work page's kudos section: the button and who left kudos.

use crate::accounts::see_other;
use crate::auth::{cookie, Ctx};
use crate::hits::VISITOR_COOKIE;
use crate::service;
use crate::tag_url::user_href;
use crate::views::{thousands, Layout, Link, Page};
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::{KudosOutcome, Kudoser, WorkAccess};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

/// Account names listed under a work; the rest are counted.
const NAMES_SHOWN: u32 = 50;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/works/{id}/kudos", post(leave_kudos))
}

/// A work id from a path segment; anything but digits names no work.
pub(crate) fn work_id(segment: Result<Path<String>, PathRejection>) -> Result<WorkId, Error> {
    id_number(segment).map(WorkId)
}

/// A positive number from a path segment (ids); anything else is a 404.
pub(crate) fn id_number(segment: Result<Path<String>, PathRejection>) -> Result<i64, Error> {
    let Path(segment) = segment.map_err(|_| Error::NotFound)?;
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    segment.parse().map_err(|_| Error::NotFound)
}

/// A page that says what happened, with a way back.
#[derive(Template)]
#[template(path = "reader/notice.html")]
pub(crate) struct NoticePage {
    layout: Layout,
    heading: String,
    message: String,
    back_href: String,
    back_label: String,
}

impl NoticePage {
    pub(crate) fn new(heading: &str, message: &str, back_href: String, back_label: &str) -> Self {
        NoticePage {
            layout: Layout::new(Some(heading.to_owned()), message),
            heading: heading.to_owned(),
            message: message.to_owned(),
            back_href,
            back_label: back_label.to_owned(),
        }
    }
}

async fn leave_kudos(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let id = work_id(id)?;
    match service::kudos::leave(&state, &ctx, cookie(&headers, VISITOR_COOKIE), id).await? {
        KudosOutcome::Left => Ok(see_other(&format!("/works/{id}#kudos"))),
        KudosOutcome::Already => Ok(Page(NoticePage::new(
            "Kudos",
            if ctx.is_guest() {
                "You have already left kudos here. :) A guest can leave kudos on a work once \
                 from each address."
            } else {
                "You have already left kudos here. :)"
            },
            format!("/works/{id}"),
            "Back to the work",
        ))
        .into_response()),
    }
}

/// Kudos on a work, as the API answers leaving them: `kudos` is `left`, or `already` when
/// this account had left kudos on the work before.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Kudos)]
struct KudosJson {
    work: i64,
    #[schema(inline, value_type = crate::openapi::KudosOutcome)]
    kudos: &'static str,
}

/// Leave kudos on a work
///
/// Once per account. Not on one's own work, nor on a work the account may not see. Needs a
/// token with the write scope.
#[utoipa::path(post, path = "/api/v1/works/{id}/kudos", security(("token" = []), ("basic" = [])), params(crate::openapi::WorkPath),
    responses((status = 201, description = "Kudos left.", body = KudosJson),
        (status = 200, description = "This account had left kudos on the work already (`kudos` is `already`).", body = KudosJson),
        crate::openapi::Missing, crate::openapi::ChangeRefusals))]
pub(crate) async fn api_leave_kudos(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let id = work_id(id)?;
    let (status, kudos) =
        match service::kudos::leave(&state, &ctx, cookie(&headers, VISITOR_COOKIE), id).await? {
            KudosOutcome::Left => (axum::http::StatusCode::CREATED, "left"),
            KudosOutcome::Already => (axum::http::StatusCode::OK, "already"),
        };
    let body = KudosJson { work: id.0, kudos };
    Ok((status, axum::Json(body)).into_response())
}

#[derive(Template)]
#[template(path = "reader/kudos.html")]
struct KudosSection {
    id: WorkId,
    csrf_token: String,
    can_leave: bool,
    note: Option<String>,
    user_count: String,
    users: Vec<Link>,
    more: Option<String>,
    guests: Option<String>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// The work page's kudos section. For guests the page is shared, so it offers the button
/// to every guest; a logged-in reader who left kudos is told so instead.
pub(crate) async fn section(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
) -> Result<String, Error> {
    let summary = state.store.kudos_summary(access.id, NAMES_SHOWN).await?;
    let mut can_leave = !access.is_creator(&ctx.viewer);
    let mut note = None;
    if let Some(user) = ctx.viewer.user_id() {
        if can_leave
            && state
                .store
                .has_left_kudos(access.id, Kudoser::User(user))
                .await?
        {
            can_leave = false;
            note = Some("You left kudos on this work.".to_owned());
        }
    }
    let shown = summary.users.len() as u64;
    let section = KudosSection {
        id: access.id,
        csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
        can_leave,
        note,
        user_count: plural(summary.user_count, "user", "users"),
        users: summary
            .users
            .iter()
            .map(|name| Link {
                name: name.clone(),
                href: Some(user_href(name)),
            })
            .collect(),
        more: (summary.user_count > shown)
            .then(|| plural(summary.user_count - shown, "more user", "more users")),
        guests: (summary.guest_count > 0).then(|| plural(summary.guest_count, "guest", "guests")),
    };
    Ok(section.render()?)
}
