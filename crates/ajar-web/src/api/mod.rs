//! The JSON API's reads of one work: `GET /api/v1/works/{id}` (what its blurb shows, and its
//! chapters) and `GET /api/v1/works/{id}/chapters/{position}` (a chapter's text). Who may
//! read a work is decided as for its page (`access::visible_work`): a creator's draft, a
//! work restricted to logged-in readers for a token's account, nothing more.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::kudos::work_id;
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::WorkBlurb;
use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;

mod admin;
mod comments;
mod cursor;
mod inbox;
mod people;
mod pseuds;
mod reading;
mod tags;
pub(crate) mod validators;
mod writes;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/works", post(writes::create))
        .route(
            "/api/v1/works/{id}",
            get(work).patch(writes::update).delete(writes::delete),
        )
        .route("/api/v1/works/{id}/chapters", post(writes::add_chapter))
        .route(
            "/api/v1/works/{id}/chapters/{position}",
            get(chapter)
                .put(writes::edit_chapter)
                .delete(writes::delete_chapter),
        )
        .route(
            "/api/v1/works/{id}/chapter-order",
            put(writes::reorder_chapters),
        )
        .route(
            "/api/v1/works/{id}/comments",
            get(comments::list).post(comments::create),
        )
        .route(
            "/api/v1/comments/{id}",
            get(comments::show)
                .put(comments::edit)
                .delete(comments::delete),
        )
        .route("/api/v1/comments/{id}/replies", post(comments::reply))
        .route("/api/v1/comments/{id}/approve", post(comments::approve))
        .route("/api/v1/subscriptions", get(reading::subscriptions))
        .route(
            "/api/v1/subscriptions/{kind}/{id}",
            put(reading::subscribe).delete(reading::unsubscribe),
        )
        .route("/api/v1/history", get(reading::history))
        .route("/api/v1/updates", get(reading::updates))
        .route("/api/v1/later", get(reading::later))
        .route(
            "/api/v1/works/{id}/later",
            put(reading::mark_later).delete(reading::unmark_later),
        )
        .route("/api/v1/mutes", get(reading::stances))
        .route("/api/v1/inbox", get(inbox::inbox).post(inbox::update))
        .route(
            "/api/v1/mail-settings",
            get(inbox::settings).put(inbox::set_settings),
        )
        .route("/api/v1/invitations", get(people::invitations))
        .route("/api/v1/invitations/{work}/accept", post(people::accept))
        .route("/api/v1/invitations/{work}/decline", post(people::decline))
        .route("/api/v1/series/{id}", get(people::series))
        .route("/api/v1/series/{id}/parts", put(people::order))
        .route("/api/v1/reports", post(people::report))
        .route("/api/v1/pseuds", get(pseuds::list).post(pseuds::add))
        .route(
            "/api/v1/pseuds/{id}",
            axum::routing::patch(pseuds::rename).delete(pseuds::delete),
        )
        .route("/api/v1/admin/reports", get(admin::reports))
        .route("/api/v1/admin/reports/{id}", post(admin::act))
        .route(
            "/api/v1/admin/works/{id}/hidden",
            put(admin::hide).delete(admin::unhide),
        )
        .route(
            "/api/v1/admin/users/{id}/suspended",
            put(admin::suspend).delete(admin::unsuspend),
        )
        .route("/api/v1/admin/signup-mode", put(admin::signup_mode))
        .route("/api/v1/admin/invitations", post(admin::invitations))
        .route("/api/v1/tags/{name}", get(tags::tag))
        .route("/api/v1/tags/{name}/wrangle", post(tags::wrangle))
        .route("/api/v1/tags/{name}/canon", get(tags::canon))
        .route(
            "/api/v1/canon/progress",
            get(tags::progress).put(tags::set_progress),
        )
        .route("/api/v1/users/{name}", get(tags::creator))
        .route(
            "/api/v1/users/{name}/mute",
            put(reading::mute).delete(reading::unmute),
        )
        .route(
            "/api/v1/users/{name}/block",
            put(reading::block).delete(reading::unblock),
        )
}

/// A JSON request body read as `T`, or a 400 that says what is wrong with it (`what`
/// names the thing sent: "work", "chapter").
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    sent: Result<Json<serde_json::Value>, JsonRejection>,
    what: &str,
) -> Result<T, Error> {
    let Json(sent) = sent.map_err(|e| Error::BadRequest(e.body_text()))?;
    if !sent.is_object() {
        return Err(Error::BadRequest(format!(
            "Send the {what} as a JSON object."
        )));
    }
    serde_json::from_value(sent)
        .map_err(|e| Error::BadRequest(format!("The {what} cannot be read: {e}.")))
}

/// A work as every answer of the API shows it: its address and its blurb (what a listing
/// shows of it). Answers that say more about a work flatten this into theirs.
#[derive(Serialize)]
pub(crate) struct WorkJson {
    url: String,
    #[serde(flatten)]
    blurb: WorkBlurb,
}

impl From<WorkBlurb> for WorkJson {
    fn from(blurb: WorkBlurb) -> WorkJson {
        WorkJson {
            url: format!("/works/{}", blurb.id),
            blurb,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct WorkDetail {
    #[serde(flatten)]
    work: WorkJson,
    notes: String,
    end_notes: String,
    chapters: Vec<ChapterLink>,
    /// The series the work is part of.
    series: Vec<SeriesLink>,
}

#[derive(Serialize)]
struct SeriesLink {
    id: i64,
    title: String,
    part: u32,
    /// This API's address of the series.
    url: String,
}

#[derive(Serialize)]
struct ChapterLink {
    position: u32,
    title: Option<String>,
    words: u64,
    /// This API's address of the chapter's text.
    url: String,
}

#[derive(Serialize)]
pub(crate) struct ChapterText {
    work: i64,
    position: u32,
    title: Option<String>,
    /// Sanitized HTML, as the site shows them.
    summary: String,
    notes: String,
    end_notes: String,
    body: String,
}

pub(crate) fn chapter_url(id: WorkId, position: u32) -> String {
    format!("/api/v1/works/{id}/chapters/{position}")
}

async fn work(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<WorkDetail>, Error> {
    Ok(Json(work_detail(&state, &ctx, work_id(id)?).await?))
}

/// A work as `GET /api/v1/works/{id}` shows it to this viewer.
pub(crate) async fn work_detail(
    state: &AppState,
    ctx: &Ctx,
    id: WorkId,
) -> Result<WorkDetail, Error> {
    visible_work(state, ctx, id).await?;
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    let blurb = state.store.work_blurb(id).await?.ok_or(Error::NotFound)?;
    let chapters = header
        .work
        .chapters
        .iter()
        .zip(
            header
                .chapter_words
                .iter()
                .copied()
                .chain(std::iter::repeat(0)),
        )
        .map(|(c, words)| ChapterLink {
            position: c.position,
            title: c.title.clone(),
            words,
            url: chapter_url(id, c.position),
        })
        .collect();
    Ok(WorkDetail {
        work: blurb.into(),
        notes: header.work.notes.as_str().to_owned(),
        end_notes: header.work.end_notes.as_str().to_owned(),
        chapters,
        series: state
            .store
            .work_series(id)
            .await?
            .into_iter()
            .map(|s| SeriesLink {
                url: format!("/api/v1/series/{}", s.id.0),
                id: s.id.0,
                title: s.title,
                part: s.position,
            })
            .collect(),
    })
}

async fn chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<ChapterText>, Error> {
    let (id, position) = writes::work_and_position(path)?;
    visible_work(&state, &ctx, id).await?;
    Ok(Json(chapter_text(&state, id, position).await?))
}

/// A chapter's texts (the caller has checked the viewer may see the work).
pub(crate) async fn chapter_text(
    state: &AppState,
    id: WorkId,
    position: u32,
) -> Result<ChapterText, Error> {
    let chapter = state
        .store
        .chapter(id, position)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(ChapterText {
        work: id.0,
        position: chapter.position,
        title: chapter.title,
        summary: chapter.summary.as_str().to_owned(),
        notes: chapter.notes.as_str().to_owned(),
        end_notes: chapter.end_notes.as_str().to_owned(),
        body: chapter.body.as_str().to_owned(),
    })
}
