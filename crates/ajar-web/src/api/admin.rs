//! The JSON API of the admin page, the same service calls (`service::moderation`), for
//! admins' tokens: `GET /api/v1/admin/reports`, `POST /api/v1/admin/reports/{id}` (act on
//! one), `PUT`/`DELETE /api/v1/admin/works/{id}/hidden`, `PUT`/`DELETE
//! /api/v1/admin/users/{id}/suspended`, `PUT /api/v1/admin/signup-mode` and `POST
//! /api/v1/admin/invitations`.

use super::json_body;
use crate::auth::Ctx;
use crate::kudos::id_number;
use crate::service::moderation as service;
use crate::{AppState, Error};
use ajar_core::{SignupMode, UserId, WorkId};
use ajar_store::{ReportAction, Reported};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Open reports listed at once, as on the admin page.
const REPORTS_SHOWN: u32 = 100;

#[derive(Serialize)]
pub(crate) struct Owner {
    id: i64,
    name: String,
}

#[derive(Serialize)]
pub(crate) struct ReportJson {
    id: i64,
    /// work or comment.
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

/// `GET /api/v1/admin/reports`: the open reports, oldest first.
pub(crate) async fn reports(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ReportJson>>, Error> {
    let open = service::open_reports(&state, &ctx, REPORTS_SHOWN).await?;
    Ok(Json(
        open.into_iter()
            .map(|r| {
                let (reported, item) = match r.item {
                    Reported::Work(w) => ("work", w.0),
                    Reported::Comment(c) => ("comment", c.0),
                };
                ReportJson {
                    id: r.id,
                    reported,
                    item,
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
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    /// hide, remove, suspend or dismiss.
    action: String,
    /// With suspend: the account answerable for the item.
    user: Option<i64>,
}

#[derive(Serialize)]
pub(crate) struct Resolved {
    resolution: String,
}

/// `POST /api/v1/admin/reports/{id}` with `{"action"}` (and `"user"` to suspend).
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
            return Err(Error::Invalid(vec![
                "action: one of hide, remove, suspend or dismiss.".to_owned(),
            ]))
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

/// `PUT /api/v1/admin/works/{id}/hidden`: hides the work; `204`.
pub(crate) async fn hide(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    hidden(&state, &ctx, id, true).await
}

/// `DELETE /api/v1/admin/works/{id}/hidden`: shows the work again; `204`.
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

/// `PUT /api/v1/admin/users/{id}/suspended`: `204`.
pub(crate) async fn suspend(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    suspended(&state, &ctx, id, true).await
}

/// `DELETE /api/v1/admin/users/{id}/suspended`: `204`.
pub(crate) async fn unsuspend(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    suspended(&state, &ctx, id, false).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Mode {
    mode: String,
}

/// `PUT /api/v1/admin/signup-mode` with `{"mode": "open" | "invite" | "closed"}`: `204`.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Count {
    count: u32,
}

#[derive(Serialize)]
pub(crate) struct Codes {
    codes: Vec<String>,
}

/// `POST /api/v1/admin/invitations` with `{"count"}`: `201` with the codes.
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
