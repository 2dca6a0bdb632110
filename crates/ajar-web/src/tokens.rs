//! Personal access tokens on the account page: made with a name and a scope (read, or read
//! and write), shown once, revoked with a button. The API (`/api/`) takes them as
//! `Authorization: Bearer TOKEN` or as the password of HTTP Basic (see `auth::context`);
//! a token never opens the site's own pages, so it cannot make or revoke tokens.

use crate::accounts::{form, refuse_on_account, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::kudos::id_number;
use crate::service;
use crate::views::{Layout, Page};
use crate::{AppState, Error};
use ajar_store::{AccessToken, TokenScope};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", post(make))
        .route("/account/tokens/{id}/revoke", post(revoke))
}

/// A token as the account page lists it.
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) scope: &'static str,
    pub(crate) created: String,
    pub(crate) last_used: String,
}

impl From<AccessToken> for TokenRow {
    fn from(t: AccessToken) -> TokenRow {
        TokenRow {
            id: t.id,
            name: t.name,
            scope: scope_label(t.scope),
            created: t.created_at.format("%Y-%m-%d").to_string(),
            last_used: t.last_used_at.map_or("never".to_owned(), |at| {
                at.format("%Y-%m-%d %H:%M UTC").to_string()
            }),
        }
    }
}

fn scope_label(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Read => "read",
        TokenScope::Write => "read and write",
    }
}

#[derive(Deserialize)]
struct MakeForm {
    name: String,
    scope: String,
}

/// The page that shows a new token, the only time it is ever shown.
#[derive(Template)]
#[template(path = "token_made.html")]
struct MadePage {
    layout: Layout,
    name: String,
    scope: &'static str,
    token: String,
}

async fn make(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<MakeForm>, FormRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let f = form(sent)?;
    let scope = TokenScope::parse(&f.scope);
    let token = match service::accounts::make_token(&state, &ctx, &f.name, scope).await {
        Ok(token) => token,
        Err(Error::Invalid(errors)) => {
            return refuse_on_account(&state, user, errors.join(" ")).await
        }
        Err(e) => return Err(e),
    };
    let page = MadePage {
        layout: Layout::new(
            Some("New access token".to_owned()),
            "A new personal access token.",
        ),
        name: f.name.trim().to_owned(),
        scope: scope.map_or("", scope_label),
        token,
    };
    // The token is in this page alone: no cache may keep it.
    let mut response = Page(page).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::accounts::revoke_token(&state, &ctx, id_number(id)?).await?;
    Ok(see_other("/account?done=token-revoked#tokens"))
}
