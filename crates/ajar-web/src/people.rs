//! A reader's choices about other people: subscribe to a creator, mute them (their works
//! leave the reader's listings and search) or block them (they may not comment on the
//! reader's works or reply to the reader), at `/users/{NAME}/manage`, and the list of muted
//! and blocked accounts at `/account/muted`.
//!
//! A creator page is shared between readers (and cached for guests), so it links here
//! rather than showing each reader's state.

use crate::accounts::{form, local_return, see_other};
use crate::auth::Ctx;
use crate::follows::query_value;
use crate::forms::Form;
use crate::service::reading::{self, set_stance, stances, Stance, Standing};
use crate::tag_url::user_href;
use crate::views::{Layout, Page};
use crate::{AppState, Error};
use ajar_store::{OtherUser, Pseud};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{name}/manage", get(manage_page))
        .route("/users/{name}/mute", post(mute))
        .route("/users/{name}/block", post(block))
        .route("/account/muted", get(muted_page))
}

async fn pseud(
    state: &AppState,
    name: Result<Path<String>, PathRejection>,
) -> Result<Pseud, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    state
        .store
        .pseud_by_name(&name)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Template)]
#[template(path = "people/manage.html")]
struct ManagePage {
    layout: Layout,
    name: String,
    profile_href: String,
    /// The path segment of this creator's URLs.
    segment: String,
    pseud_id: i64,
    subscribed: bool,
    /// The creator has an account that is not the reader's: mute and block apply.
    other_account: bool,
    own: bool,
    muted: bool,
    blocked: bool,
}

impl ManagePage {
    fn new(pseud: Pseud, standing: Standing) -> ManagePage {
        let Standing {
            subscribed,
            own,
            muted,
            blocked,
        } = standing;
        let profile_href = user_href(&pseud.name);
        let segment = profile_href
            .strip_prefix("/users/")
            .unwrap_or(&profile_href)
            .to_owned();
        ManagePage {
            layout: Layout::new(
                Some(format!("{} - Subscribe, mute or block", pseud.name)),
                format!("Subscribe to, mute or block {}.", pseud.name),
            ),
            name: pseud.name,
            pseud_id: pseud.id.0,
            segment,
            profile_href,
            subscribed,
            other_account: pseud.user_id.is_some() && !own,
            own,
            muted,
            blocked,
        }
    }
}

async fn manage_page(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let pseud = pseud(&state, name).await?;
    let profile_href = user_href(&pseud.name);
    if ctx.is_guest() {
        let back = format!("{profile_href}/manage");
        return Ok(see_other(&format!(
            "/login?return_to={}",
            query_value(&back)
        )));
    }
    let standing = reading::standing(&state, &ctx, &pseud).await?;
    Ok(Page(ManagePage::new(pseud, standing)).into_response())
}

#[derive(Deserialize)]
struct ToggleForm {
    /// "true" to mute (block), "false" to undo it.
    on: String,
    return_to: Option<String>,
}

fn on_off(value: &str) -> Result<bool, Error> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::BadRequest("Expected true or false.".into())),
    }
}

async fn mute(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Form<ToggleForm>, FormRejection>,
) -> Result<Response, Error> {
    toggle(state, ctx, name, sent, Stance::Mute).await
}

async fn block(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Form<ToggleForm>, FormRejection>,
) -> Result<Response, Error> {
    toggle(state, ctx, name, sent, Stance::Block).await
}

async fn toggle(
    state: AppState,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Form<ToggleForm>, FormRejection>,
    stance: Stance,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    let f = form(sent)?;
    let pseud = set_stance(&state, &ctx, &name, stance, on_off(&f.on)?).await?;
    let back = format!("{}/manage", user_href(&pseud.name));
    Ok(see_other(&local_return(
        f.return_to.as_deref().or(Some(&back)),
    )))
}

/// A muted or blocked account as the list shows it.
struct PersonLine {
    name: String,
    segment: String,
    since: String,
}

impl PersonLine {
    fn new(u: OtherUser) -> PersonLine {
        let href = user_href(&u.name);
        PersonLine {
            segment: href.strip_prefix("/users/").unwrap_or(&href).to_owned(),
            since: u.since.format("%-d %B %Y").to_string(),
            name: u.name,
        }
    }
}

#[derive(Template)]
#[template(path = "people/muted.html")]
struct MutedPage {
    layout: Layout,
    muted: Vec<PersonLine>,
    blocked: Vec<PersonLine>,
}

async fn muted_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    if ctx.is_guest() {
        return Ok(see_other("/login?return_to=%2Faccount%2Fmuted"));
    }
    let (muted, blocked) = stances(&state, &ctx).await?;
    Ok(Page(MutedPage {
        layout: Layout::new(
            Some("Muted and blocked users".to_owned()),
            "The accounts you muted or blocked.",
        ),
        muted: muted.into_iter().map(PersonLine::new).collect(),
        blocked: blocked.into_iter().map(PersonLine::new).collect(),
    })
    .into_response())
}
