//! The JSON API of the account's pseuds, the same service calls as the account page's
//! forms (`service::accounts`): `GET` and `POST /api/v1/pseuds`, `PATCH` and `DELETE
//! /api/v1/pseuds/{id}`.

use super::json_body;
use crate::auth::Ctx;
use crate::kudos::id_number;
use crate::{service, AppState, Error};
use ajar_core::PseudId;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(crate) struct PseudJson {
    id: i64,
    name: String,
    /// The pseud works and comments go under unless another is chosen.
    default: bool,
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

/// `GET /api/v1/pseuds`: the account's pseuds, the default first.
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<PseudJson>>, Error> {
    Ok(Json(own(&state, &ctx).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PseudName {
    name: String,
}

/// `POST /api/v1/pseuds` with `{"name"}`: `201` with the pseud.
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

/// `PATCH /api/v1/pseuds/{id}` with `{"name"}`: the pseud renamed.
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

/// `DELETE /api/v1/pseuds/{id}`: `204`; its works move to the default pseud.
pub(crate) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::accounts::delete_pseud(&state, &ctx, PseudId(id_number(id)?)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
