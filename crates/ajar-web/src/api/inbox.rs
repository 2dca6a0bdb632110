//! The JSON API's inbox and mail settings, each the same service call as the site's page:
//! the inbox newest first, paged by `before` (`GET /api/v1/inbox`), marking items read or
//! unread and deleting them (`POST /api/v1/inbox`), and how each kind of notification is
//! mailed (`GET`/`PUT /api/v1/mail-settings`).

use super::json_body;
use crate::auth::Ctx;
use crate::service::mail::{self as service, InboxAction};
use crate::{AppState, Error};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize)]
pub(crate) struct NoticeJson {
    id: i64,
    kind: &'static str,
    /// What the inbox says of it, in a line.
    heading: String,
    detail: String,
    actor: Option<String>,
    title: String,
    work: Option<i64>,
    comment: Option<i64>,
    url: String,
    created_at: String,
    read: bool,
}

#[derive(Serialize)]
pub(crate) struct InboxJson {
    unread: u64,
    items: Vec<NoticeJson>,
    /// `before` for the next (older) page, when there is one.
    next_before: Option<i64>,
}

#[derive(Deserialize, Default)]
pub(crate) struct InboxQuery {
    before: Option<i64>,
}

/// `GET /api/v1/inbox`.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxChange {
    action: String,
    #[serde(default)]
    ids: Vec<i64>,
}

#[derive(Serialize)]
pub(crate) struct Changed {
    changed: u64,
}

/// `POST /api/v1/inbox`: `{"action": "read" | "unread" | "delete" | "read_all", "ids": [...]}`.
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

/// `GET /api/v1/mail-settings`: each kind of notification and how it is mailed, with
/// whether the address is confirmed (until it is, nothing is mailed).
pub(crate) async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<serde_json::Value>, Error> {
    let (prefs, confirmed, pending) = service::mail_settings(&state, &ctx).await?;
    let modes: BTreeMap<&str, &str> = prefs.iter().map(|(c, m)| (c.code(), m.code())).collect();
    Ok(Json(serde_json::json!({
        "modes": modes,
        "email_confirmed": confirmed,
        "pending_email": pending,
    })))
}

/// `PUT /api/v1/mail-settings`: `{"modes": {"comments": "now", "kudos": "digest", ...}}`
/// (the kinds named change, the rest stay); answers the settings as `GET` does.
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<serde_json::Value>, Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Modes {
        modes: BTreeMap<String, String>,
    }
    let modes: Modes = json_body(sent, "settings")?;
    let choices: Vec<(String, String)> = modes.modes.into_iter().collect();
    service::set_mail_settings(&state, &ctx, &choices).await?;
    settings(State(state), ctx).await
}
