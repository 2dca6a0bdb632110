//! The JSON API's co-creation, series and reports, each the same service call as the
//! site's form: co-creator invitations (`GET /api/v1/invitations`, `POST
//! /api/v1/invitations/{work}/accept` and `.../decline`), a series as the viewer may list
//! it (`GET /api/v1/series/{id}`) and its order (`PUT /api/v1/series/{id}/parts`), and a
//! report to the admins (`POST /api/v1/reports`).

use super::json_body;
use crate::api::WorkJson;
use crate::auth::Ctx;
use crate::kudos::{id_number, work_id};
use crate::{service, AppState, Error};
use ajar_core::{SeriesId, WorkId};
use ajar_store::Reported;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(crate) struct InvitationJson {
    work: i64,
    title: String,
    /// The account's pseud the work would be credited to.
    pseud: String,
    creators: Vec<String>,
    url: String,
}

/// `GET /api/v1/invitations`: the works the account is invited to co-create.
pub(crate) async fn invitations(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<InvitationJson>>, Error> {
    let found = service::works::invitations(&state, &ctx).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|i| InvitationJson {
                url: format!("/works/{}", i.work),
                work: i.work.0,
                title: i.title,
                pseud: i.pseud,
                creators: i.creators,
            })
            .collect(),
    ))
}

/// `POST /api/v1/invitations/{work}/accept`: `204`.
pub(crate) async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    work: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::works::answer_invitation(&state, &ctx, work_id(work)?, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/invitations/{work}/decline`: `204`.
pub(crate) async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    work: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::works::answer_invitation(&state, &ctx, work_id(work)?, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
pub(crate) struct SeriesWorkJson {
    part: u32,
    #[serde(flatten)]
    work: WorkJson,
}

#[derive(Serialize)]
pub(crate) struct SeriesJson {
    id: i64,
    title: String,
    url: String,
    /// Its works the viewer may list, by part.
    works: Vec<SeriesWorkJson>,
}

/// `GET /api/v1/series/{id}`: the series and its works, as its page lists them.
pub(crate) async fn series(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SeriesJson>, Error> {
    let id = SeriesId(id_number(id)?);
    let series = crate::service::listings::series(&state, &ctx, id).await?;
    Ok(Json(SeriesJson {
        id: id.0,
        url: format!("/series/{}", id.0),
        title: series.title,
        works: series
            .works
            .into_iter()
            .map(|(part, work)| SeriesWorkJson {
                part,
                work: work.into(),
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesOrder {
    parts: Vec<SeriesPart>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesPart {
    work: i64,
    part: u32,
}

/// `PUT /api/v1/series/{id}/parts` with `{"parts": [{"work", "part"}]}`: `204`.
pub(crate) async fn order(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let id = SeriesId(id_number(id)?);
    ctx.require_user()?;
    service::works::own_series(&state, &ctx, id).await?;
    let sent: SeriesOrder = json_body(sent, "order")?;
    let parts: Vec<(WorkId, u32)> = sent
        .parts
        .iter()
        .map(|p| (WorkId(p.work), p.part))
        .collect();
    service::works::order_series(&state, &ctx, id, &parts).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    work: Option<i64>,
    comment: Option<i64>,
    reason: String,
}

#[derive(Serialize)]
pub(crate) struct ReportJson {
    /// work or comment.
    reported: &'static str,
    id: i64,
}

/// `POST /api/v1/reports` with `{"work"}` or `{"comment"}` and `"reason"`: `201`.
pub(crate) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let sent: ReportRequest = json_body(sent, "report")?;
    let (work, comment) = match (sent.work, sent.comment) {
        (Some(w), None) => (Some(w.to_string()), None),
        (None, Some(c)) => (None, Some(c.to_string())),
        _ => {
            return Err(Error::Invalid(vec![
                "Say what to report: a work or a comment, not both.".to_owned(),
            ]))
        }
    };
    let target = service::moderation::report(
        &state,
        &ctx,
        work.as_deref(),
        comment.as_deref(),
        &sent.reason,
    )
    .await?;
    let (reported, id) = match target.item {
        Reported::Work(w) => ("work", w.0),
        Reported::Comment(c) => ("comment", c.0),
    };
    Ok((StatusCode::CREATED, Json(ReportJson { reported, id })).into_response())
}
