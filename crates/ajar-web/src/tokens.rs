//! Personal access tokens on the account page: made with a name and a scope (read, or read
//! and write), shown once, revoked with a button. The API (`/api/`) takes them as
//! `Authorization: Bearer TOKEN` or as the password of HTTP Basic (see `auth::context`);
//! a token never opens the site's own pages, so it cannot make or revoke tokens.

use crate::accounts::{form, refuse_on_account, see_other};
use crate::auth::{new_access_token, token_hash, Ctx};
use crate::forms::Form;
use crate::kudos::id_number;
use crate::views::{Layout, Page};
use crate::{AppState, Error};
use ajar_store::{AccessToken, StoreError, TokenScope, MAX_TOKEN_NAME_CHARS};
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
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return refuse_on_account(
            &state,
            user,
            format!(
                "Give the token a name of 1 to {MAX_TOKEN_NAME_CHARS} characters (what it is \
                 for: \"e-reader\", \"backup script\")."
            ),
        )
        .await;
    }
    let Some(scope) = TokenScope::parse(&f.scope) else {
        return refuse_on_account(&state, user, "Choose what the token may do.".to_owned()).await;
    };
    let token = new_access_token();
    match state
        .store
        .create_access_token(user, name, scope, &token_hash(&token))
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(m)) => return refuse_on_account(&state, user, m).await,
        Err(e) => return Err(e.into()),
    }
    let page = MadePage {
        layout: Layout::new(
            Some("New access token".to_owned()),
            "A new personal access token.",
        ),
        name: name.to_owned(),
        scope: scope_label(scope),
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
    let user = ctx.require_user()?.id;
    let id = id_number(id)?;
    if !state.store.revoke_access_token(user, id).await? {
        return Err(Error::NotFound);
    }
    Ok(see_other("/account?done=token-revoked#tokens"))
}
