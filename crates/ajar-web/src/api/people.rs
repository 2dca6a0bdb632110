//! The JSON API's co-creation, series and reports, each the same service call as the
//! site's form: co-creator invitations (`GET /api/v1/invitations`, `POST
//! /api/v1/invitations/{work}/accept` and `.../decline`), a series as the viewer may list
//! it (`GET /api/v1/series/{id}`) and its order (`PUT /api/v1/series/{id}/parts`), and a
//! report to the admins (`POST /api/v1/reports`).

use super::json_body;
use crate::api::WorkJson;
use crate::auth::Ctx;
use crate::kudos::{id_number, work_id};
use crate::openapi::{BodyRefusals, ChangeRefusals, IdPath, Missing, Refusals};
use crate::{service, AppState, Error};
use ajar_core::{SeriesId, WorkId};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
#[schema(as = Invitation)]
pub(crate) struct InvitationJson {
    work: i64,
    title: String,
    /// The account's pseud the work would be credited to.
    pseud: String,
    creators: Vec<String>,
    /// The work's page on the site.
    url: String,
}

/// A work's id, in the path of an invitation.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by `work_id`
struct InvitationPath {
    #[param(minimum = 1)]
    work: u64,
}

/// Works you are invited to co-create
#[utoipa::path(get, path = "/api/v1/invitations", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The invitations waiting for your answer.", body = Vec<InvitationJson>), Refusals))]
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

/// Accept an invitation: the work is credited to your pseud too
#[utoipa::path(post, path = "/api/v1/invitations/{work}/accept", security(("token" = []), ("basic" = [])), params(InvitationPath),
    responses((status = 204, description = "Done."), Missing, ChangeRefusals))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    work: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::works::answer_invitation(&state, &ctx, work_id(work)?, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Decline an invitation
#[utoipa::path(post, path = "/api/v1/invitations/{work}/decline", security(("token" = []), ("basic" = [])), params(InvitationPath),
    responses((status = 204, description = "Done."), Missing, ChangeRefusals))]
pub(crate) async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    work: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::works::answer_invitation(&state, &ctx, work_id(work)?, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, ToSchema)]
#[schema(as = SeriesWork)]
pub(crate) struct SeriesWorkJson {
    part: u32,
    #[serde(flatten)]
    work: WorkJson,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Series)]
pub(crate) struct SeriesJson {
    id: i64,
    title: String,
    /// Its page on the site.
    url: String,
    /// Its works the viewer may list, by part.
    works: Vec<SeriesWorkJson>,
}

/// A series and its works
///
/// Its works the account may list, by part, as the series page shows them.
#[utoipa::path(get, path = "/api/v1/series/{id}", params(IdPath),
    responses((status = 200, description = "The series.", body = SeriesJson), Missing, Refusals))]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesOrder {
    /// Every work of the series, each with a different part number from 1.
    parts: Vec<SeriesPart>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesPart {
    work: i64,
    #[schema(minimum = 1)]
    part: u32,
}

/// Order a series
///
/// Every work of the series, each with a different part number from 1. By the series' owner.
#[utoipa::path(put, path = "/api/v1/series/{id}/parts", security(("token" = []), ("basic" = [])), params(IdPath), request_body = SeriesOrder,
    responses((status = 204, description = "Ordered."), BodyRefusals, Missing, ChangeRefusals))]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    /// The work reported; or send `comment`.
    work: Option<i64>,
    /// The comment reported; or send `work`.
    comment: Option<i64>,
    /// What is wrong, at most 2,000 characters.
    reason: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Report)]
pub(crate) struct ReportJson {
    #[schema(inline, value_type = crate::openapi::ReportedKind)]
    reported: &'static str,
    id: i64,
}

/// Report a work or a comment to the admins
#[utoipa::path(post, path = "/api/v1/reports", security(("token" = []), ("basic" = [])), request_body = ReportRequest,
    responses((status = 201, description = "The report was filed.", body = ReportJson),
        BodyRefusals, Missing, ChangeRefusals))]
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
    let (reported, id) = (target.item.entity(), target.item.id());
    Ok((StatusCode::CREATED, Json(ReportJson { reported, id })).into_response())
}
