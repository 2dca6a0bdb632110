//! The JSON API of the account's pseuds, the same service calls as the account page's
//! forms (`service::accounts`): `GET` and `POST /api/v1/pseuds`, `PATCH` and `DELETE
//! /api/v1/pseuds/{id}`.

use super::json_body;
use crate::auth::Ctx;
use crate::kudos::id_number;
use crate::openapi::{BodyRefusals, ChangeRefusals, IdPath, Missing, ProblemDetails, Refusals};
use crate::{service, AppState, Error};
use ajar_core::PseudId;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[schema(as = Pseud)]
pub(crate) struct PseudJson {
    id: i64,
    name: String,
    /// The pseud works and comments go under unless another is chosen.
    default: bool,
    /// Its page on the site.
    url: String,
}

async fn own(state: &AppState, ctx: &Ctx) -> Result<Vec<PseudJson>, Error> {
    let user = ctx.require_user()?.id;
    Ok(state
        .store
        .pseuds_of(user)
        .await?
        .into_iter()
        .map(|p| PseudJson {
            id: p.id.0,
            url: crate::tag_url::user_href(&p.name),
            default: p.is_default,
            name: p.name,
        })
        .collect())
}

/// Your pseuds, the default first
#[utoipa::path(get, path = "/api/v1/pseuds", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "The pseuds.", body = Vec<PseudJson>), Refusals))]
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<PseudJson>>, Error> {
    Ok(Json(own(&state, &ctx).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PseudName {
    /// 1 to 40 characters, no slash; a name no other account uses.
    name: String,
}

/// Add a pseud to post under
///
/// At most 20 an account; a name no one else has.
#[utoipa::path(post, path = "/api/v1/pseuds", security(("token" = []), ("basic" = [])), request_body = PseudName,
    responses((status = 201, description = "The pseud.", body = PseudJson), BodyRefusals, ChangeRefusals))]
pub(crate) async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let sent: PseudName = json_body(sent, "pseud")?;
    let id = service::accounts::add_pseud(&state, &ctx, &sent.name).await?;
    let made = own(&state, &ctx)
        .await?
        .into_iter()
        .find(|p| p.id == id.0)
        .ok_or(Error::NotFound)?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Rename a pseud
#[utoipa::path(patch, path = "/api/v1/pseuds/{id}", security(("token" = []), ("basic" = [])), params(IdPath), request_body = PseudName,
    responses((status = 200, description = "The pseud, renamed.", body = PseudJson), BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<PseudJson>, Error> {
    let id = PseudId(id_number(id)?);
    ctx.require_user()?;
    let sent: PseudName = json_body(sent, "pseud")?;
    service::accounts::rename_pseud(&state, &ctx, id, &sent.name).await?;
    own(&state, &ctx)
        .await?
        .into_iter()
        .find(|p| p.id == id.0)
        .map(Json)
        .ok_or(Error::NotFound)
}

/// Delete a pseud (not the default): its works move to the default
#[utoipa::path(delete, path = "/api/v1/pseuds/{id}", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Deleted."),
        (status = 400, description = "The default pseud.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, ChangeRefusals))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::accounts::delete_pseud(&state, &ctx, PseudId(id_number(id)?)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
