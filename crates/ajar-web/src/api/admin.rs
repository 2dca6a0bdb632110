//! The JSON API of the admin page, the same service calls (`service::moderation`), for
//! admins' tokens: `GET /api/v1/admin/reports`, `POST /api/v1/admin/reports/{id}` (act on
//! one), `PUT`/`DELETE /api/v1/admin/works/{id}/hidden`, `PUT`/`DELETE
//! /api/v1/admin/users/{id}/suspended`, `PUT /api/v1/admin/signup-mode` and `POST
//! /api/v1/admin/invitations`.

use super::json_body;
use crate::auth::Ctx;
use crate::kudos::id_number;
use crate::openapi::{BodyRefusals, ChangeRefusals, IdPath, Missing, ProblemDetails, Refusals};
use crate::service::moderation as service;
use crate::{AppState, Error};
use ajar_core::{SignupMode, UserId, WorkId};
use ajar_store::ReportAction;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an admin may do with a report (`action`).
pub(crate) const DECISIONS: [&str; 4] = ["hide", "remove", "suspend", "dismiss"];

/// Open reports listed at once, as on the admin page.
const REPORTS_SHOWN: u32 = 100;

#[derive(Serialize, ToSchema)]
pub(crate) struct Owner {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = OpenReport)]
pub(crate) struct ReportJson {
    id: i64,
    #[schema(inline, value_type = crate::openapi::ReportedKind)]
    reported: &'static str,
    /// The work's or the comment's id.
    item: i64,
    reason: String,
    reporter: Option<String>,
    created_at: DateTime<Utc>,
    work: Option<i64>,
    work_title: Option<String>,
    work_hidden: bool,
    /// A reported comment's text (sanitized HTML).
    comment: Option<String>,
    /// The accounts answerable for the item (a work's creators, a comment's author).
    owners: Vec<Owner>,
}

/// Open reports, oldest first (admins)
#[utoipa::path(get, path = "/api/v1/admin/reports", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The open reports.", body = Vec<ReportJson>),
        (status = 403, description = "Not an admin's.", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals))]
pub(crate) async fn reports(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ReportJson>>, Error> {
    let open = service::open_reports(&state, &ctx, REPORTS_SHOWN).await?;
    Ok(Json(
        open.into_iter()
            .map(|r| ReportJson {
                id: r.id,
                reported: r.item.entity(),
                item: r.item.id(),
                reason: r.reason,
                reporter: r.reporter,
                created_at: r.created_at,
                work: r.work_id.map(|w| w.0),
                work_title: r.work_title,
                work_hidden: r.work_hidden,
                comment: r.comment_html,
                owners: r
                    .owners
                    .into_iter()
                    .map(|(id, name)| Owner { id: id.0, name })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReportDecision)]
pub(crate) struct Decision {
    #[schema(inline, value_type = crate::openapi::ReportDecisionCode)]
    action: String,
    /// With suspend: the account answerable for the item.
    user: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ReportResolved)]
pub(crate) struct Resolved {
    /// How it was resolved, in words.
    resolution: String,
}

/// Act on a report and close it (admins)
///
/// `action` (and `user` to suspend).
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}", security(("token" = []), ("basic" = [])), params(IdPath), request_body = Decision,
    responses((status = 200, description = "How it was resolved.", body = Resolved),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Resolved>, Error> {
    let id = id_number(id)?;
    service::require_admin(&ctx)?;
    let sent: Decision = json_body(sent, "decision")?;
    let action = match (sent.action.as_str(), sent.user) {
        ("hide", _) => ReportAction::HideWork,
        ("remove", _) => ReportAction::RemoveComment,
        ("suspend", Some(user)) => ReportAction::Suspend(UserId(user)),
        ("suspend", None) => {
            return Err(Error::Invalid(vec![
                "user: say which account answerable for the item to suspend.".to_owned(),
            ]))
        }
        ("dismiss", _) => ReportAction::Dismiss,
        _ => {
            return Err(Error::Invalid(vec![format!(
                "action: one of {}.",
                DECISIONS.join(", ")
            )]))
        }
    };
    let resolution = service::act_on_report(&state, &ctx, id, action).await?;
    Ok(Json(Resolved { resolution }))
}

async fn hidden(
    state: &AppState,
    ctx: &Ctx,
    id: Result<Path<String>, PathRejection>,
    on: bool,
) -> Result<Response, Error> {
    let id = WorkId(id_number(id)?);
    service::set_work_hidden(state, ctx, id, on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Hide a work from everyone but admins
#[utoipa::path(put, path = "/api/v1/admin/works/{id}/hidden", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Done (or already so)."),
        (status = 400, description = "Your own account.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, ChangeRefusals))]
pub(crate) async fn hide(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    hidden(&state, &ctx, id, true).await
}

/// Show a hidden work again
#[utoipa::path(delete, path = "/api/v1/admin/works/{id}/hidden", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Done (or already so)."),
        (status = 400, description = "Your own account.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, ChangeRefusals))]
pub(crate) async fn unhide(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    hidden(&state, &ctx, id, false).await
}

async fn suspended(
    state: &AppState,
    ctx: &Ctx,
    id: Result<Path<String>, PathRejection>,
    on: bool,
) -> Result<Response, Error> {
    let user = UserId(id_number(id)?);
    service::set_suspended(state, ctx, user, on).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Suspend an account: its works, comments and bookmarks are hidden, its tokens stop working
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/suspended", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Done (or already so)."),
        (status = 400, description = "Your own account.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, ChangeRefusals))]
pub(crate) async fn suspend(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    suspended(&state, &ctx, id, true).await
}

/// Lift a suspension
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/suspended", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Done (or already so)."),
        (status = 400, description = "Your own account.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, ChangeRefusals))]
pub(crate) async fn unsuspend(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    suspended(&state, &ctx, id, false).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SignupMode)]
pub(crate) struct Mode {
    #[schema(inline, value_type = crate::openapi::SignupModeCode)]
    mode: String,
}

/// How new accounts are made: open, by invitation, or closed (admins)
#[utoipa::path(put, path = "/api/v1/admin/signup-mode", security(("token" = []), ("basic" = [])), request_body = Mode,
    responses((status = 204, description = "Set."), BodyRefusals, ChangeRefusals))]
pub(crate) async fn signup_mode(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    service::require_admin(&ctx)?;
    let sent: Mode = json_body(sent, "mode")?;
    let mode = SignupMode::from_code(&sent.mode)
        .ok_or_else(|| Error::Invalid(vec!["mode: one of open, invite or closed.".to_owned()]))?;
    service::set_signup_mode(&state, &ctx, mode).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = InvitationCount)]
pub(crate) struct Count {
    #[schema(minimum = 1, maximum = 100)]
    count: u32,
}

#[derive(Serialize, ToSchema)]
#[schema(as = InvitationCodes)]
pub(crate) struct Codes {
    codes: Vec<String>,
}

/// Make invitation codes, each good for one account (admins)
#[utoipa::path(post, path = "/api/v1/admin/invitations", security(("token" = []), ("basic" = [])), request_body = Count,
    responses((status = 201, description = "The codes.", body = Codes), BodyRefusals, ChangeRefusals))]
pub(crate) async fn invitations(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    service::require_admin(&ctx)?;
    let sent: Count = json_body(sent, "count")?;
    let codes = service::make_invitations(&state, &ctx, sent.count).await?;
    Ok((StatusCode::CREATED, Json(Codes { codes })).into_response())
}
