//! The JSON API's inbox and mail settings, each the same service call as the site's page:
//! the inbox newest first, paged by `before` (`GET /api/v1/inbox`), marking items read or
//! unread and deleting them (`POST /api/v1/inbox`), and how each kind of notification is
//! mailed (`GET`/`PUT /api/v1/mail-settings`).

use super::json_body;
use crate::auth::Ctx;
use crate::openapi::{codes, BodyRefusals, ChangeRefusals, ProblemDetails, Refusals};
use crate::service::mail::{self as service, InboxAction};
use crate::{AppState, Error};
use ajar_store::{MailMode, NoticeCategory};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::openapi::schema::{AdditionalProperties, Object, ObjectBuilder, Schema};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
#[schema(as = Notice)]
pub(crate) struct NoticeJson {
    id: i64,
    #[schema(inline, value_type = crate::openapi::NoticeKindCode)]
    kind: &'static str,
    /// What the inbox says of it, in a line.
    heading: String,
    detail: String,
    actor: Option<String>,
    title: String,
    work: Option<i64>,
    comment: Option<i64>,
    url: String,
    #[schema(format = DateTime)]
    created_at: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Inbox)]
pub(crate) struct InboxJson {
    unread: u64,
    items: Vec<NoticeJson>,
    /// `before` for the next (older) page, when there is one.
    next_before: Option<i64>,
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct InboxQuery {
    /// Items older than this id (`next_before` of the page before).
    before: Option<i64>,
}

/// Your inbox, newest first, 50 a page
#[utoipa::path(get, path = "/api/v1/inbox", security(("token" = []), ("basic" = [])), params(InboxQuery),
    responses((status = 200, description = "Yours.", body = InboxJson),
        (status = 400, description = "A parameter cannot be read.", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals))]
pub(crate) async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Json<InboxJson>, Error> {
    let Query(q) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let page = service::inbox(&state, &ctx, q.before).await?;
    let items = page
        .notices
        .into_iter()
        .map(|n| NoticeJson {
            heading: crate::mail::notice_heading(&n),
            id: n.id,
            kind: n.kind.code(),
            detail: n.detail,
            actor: n.actor,
            title: n.title,
            work: n.work.map(|w| w.0),
            comment: n.comment.map(|c| c.0),
            url: n.link,
            created_at: n.created_at.to_rfc3339(),
            read: n.read,
        })
        .collect();
    Ok(Json(InboxJson {
        unread: page.unread,
        items,
        next_before: page.older,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct InboxChange {
    #[schema(inline, value_type = crate::openapi::InboxActionCode)]
    action: String,
    /// The items (all but `read_all` need at least one).
    #[serde(default)]
    #[schema(max_items = 200)]
    ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = InboxChanged)]
pub(crate) struct Changed {
    changed: u64,
}

/// Mark inbox items read or unread, or delete them
#[utoipa::path(post, path = "/api/v1/inbox", security(("token" = []), ("basic" = [])), request_body = InboxChange,
    responses((status = 200, description = "How many changed (only your own items change).", body = Changed),
        BodyRefusals, ChangeRefusals))]
pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Changed>, Error> {
    let change: InboxChange = json_body(sent, "change")?;
    let action = InboxAction::parse(&change.action).ok_or_else(|| {
        Error::Invalid(vec![
            "action must be read, unread, delete or read_all.".to_owned()
        ])
    })?;
    let changed = service::update_inbox(&state, &ctx, action, &change.ids).await?;
    Ok(Json(Changed { changed }))
}

/// How each kind of notification is mailed.
#[derive(Serialize, ToSchema)]
#[schema(as = MailSettings)]
pub(crate) struct MailSettingsJson {
    #[schema(schema_with = mail_modes)]
    modes: BTreeMap<&'static str, &'static str>,
    /// Until it is, nothing but the confirmation link is mailed.
    email_confirmed: bool,
    /// A new address waiting for its confirmation link.
    pending_email: Option<String>,
}

/// An object with a mail mode for each kind of notification.
fn mail_modes() -> Object {
    let mut modes = ObjectBuilder::new()
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    for category in NoticeCategory::ALL {
        modes = modes.property(category.code(), codes(MailMode::ALL.map(MailMode::code)));
    }
    modes.build()
}

/// How each kind of notification is mailed to you
///
/// With whether the address is confirmed (until it is, nothing is mailed).
#[utoipa::path(get, path = "/api/v1/mail-settings", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "Yours.", body = MailSettingsJson), Refusals))]
pub(crate) async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<MailSettingsJson>, Error> {
    let (prefs, confirmed, pending) = service::mail_settings(&state, &ctx).await?;
    Ok(Json(MailSettingsJson {
        modes: prefs.iter().map(|(c, m)| (c.code(), m.code())).collect(),
        email_confirmed: confirmed,
        pending_email: pending,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MailModes)]
struct Modes {
    /// The kinds named change, the rest stay.
    #[schema(schema_with = mail_modes)]
    modes: BTreeMap<String, String>,
}

/// Choose how kinds of notification are mailed to you
///
/// `{"modes": {"comments": "now", "kudos": "digest"}}`: the kinds named change, the rest
/// stay.
#[utoipa::path(put, path = "/api/v1/mail-settings", security(("token" = []), ("basic" = [])), request_body = Modes,
    responses((status = 200, description = "The settings now.", body = MailSettingsJson),
        BodyRefusals, ChangeRefusals))]
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<MailSettingsJson>, Error> {
    let modes: Modes = json_body(sent, "settings")?;
    let choices: Vec<(String, String)> = modes.modes.into_iter().collect();
    service::set_mail_settings(&state, &ctx, &choices).await?;
    settings(State(state), ctx).await
}
