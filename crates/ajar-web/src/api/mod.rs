//! The JSON API's reads of one work: `GET /api/v1/works/{id}` (what its blurb shows, and its
//! chapters) and `GET /api/v1/works/{id}/chapters/{position}` (a chapter's text). Who may
//! read a work is decided as for its page (`access::visible_work`): a creator's draft, a
//! work restricted to logged-in readers for a token's account, nothing more.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::kudos::work_id;
use crate::openapi::{ChapterPath, Missing, Refusals, WorkPath};
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::WorkBlurb;
use axum::extract::rejection::JsonRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) mod admin;
mod comments;
mod cursor;
mod inbox;
mod people;
mod pseuds;
mod reading;
mod tags;
pub(crate) mod validators;
mod writes;

/// The API's routes in `api`, each with its operation (see `openapi`).
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(writes::create))
        .routes(routes!(work, writes::update, writes::delete))
        .routes(routes!(writes::add_chapter))
        .routes(routes!(
            chapter,
            writes::edit_chapter,
            writes::delete_chapter
        ))
        .routes(routes!(writes::reorder_chapters))
        .routes(routes!(comments::list, comments::create))
        .routes(routes!(comments::show, comments::edit, comments::delete))
        .routes(routes!(comments::reply))
        .routes(routes!(comments::approve))
        .routes(routes!(reading::subscriptions))
        .routes(routes!(reading::subscribe, reading::unsubscribe))
        .routes(routes!(reading::history))
        .routes(routes!(reading::updates))
        .routes(routes!(reading::later))
        .routes(routes!(reading::mark_later, reading::unmark_later))
        .routes(routes!(reading::stances))
        .routes(routes!(inbox::inbox, inbox::update))
        .routes(routes!(inbox::settings, inbox::set_settings))
        .routes(routes!(people::invitations))
        .routes(routes!(people::accept))
        .routes(routes!(people::decline))
        .routes(routes!(people::series))
        .routes(routes!(people::order))
        .routes(routes!(people::report))
        .routes(routes!(pseuds::list, pseuds::add))
        .routes(routes!(pseuds::rename, pseuds::delete))
        .routes(routes!(admin::reports))
        .routes(routes!(admin::act))
        .routes(routes!(admin::hide, admin::unhide))
        .routes(routes!(admin::suspend, admin::unsuspend))
        .routes(routes!(admin::signup_mode))
        .routes(routes!(admin::invitations))
        .routes(routes!(tags::fandoms))
        .routes(routes!(tags::tag))
        .routes(routes!(tags::wrangle))
        .routes(routes!(tags::canon))
        .routes(routes!(tags::progress, tags::set_progress))
        .routes(routes!(tags::creator))
        .routes(routes!(reading::mute, reading::unmute))
        .routes(routes!(reading::block, reading::unblock))
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
#[derive(Serialize, ToSchema)]
#[schema(as = Work)]
pub(crate) struct WorkJson {
    /// The work's page, relative to the site.
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

/// A work: what its blurb shows, its notes, and its chapters.
#[derive(Serialize, ToSchema)]
pub(crate) struct WorkDetail {
    #[serde(flatten)]
    work: WorkJson,
    /// Sanitized HTML.
    notes: String,
    /// Sanitized HTML.
    end_notes: String,
    chapters: Vec<ChapterLink>,
    /// The series the work is part of.
    series: Vec<SeriesLink>,
}

#[derive(Serialize, ToSchema)]
struct SeriesLink {
    id: i64,
    title: String,
    part: u32,
    /// This API's address of the series.
    url: String,
}

#[derive(Serialize, ToSchema)]
struct ChapterLink {
    #[schema(minimum = 1)]
    position: u32,
    title: Option<String>,
    words: u64,
    /// This API's address of the chapter's text.
    url: String,
}

/// A chapter's texts, sanitized HTML as the site shows them.
#[derive(Serialize, ToSchema)]
pub(crate) struct ChapterText {
    work: i64,
    #[schema(minimum = 1)]
    position: u32,
    title: Option<String>,
    summary: String,
    notes: String,
    end_notes: String,
    body: String,
}

pub(crate) fn chapter_url(id: WorkId, position: u32) -> String {
    format!("/api/v1/works/{id}/chapters/{position}")
}

/// A work and its chapters
///
/// What the work's blurb shows, its notes, and its chapters (position, title, words, and
/// where to read each). A work restricted to logged-in readers needs a token; a draft is its
/// creators' alone.
#[utoipa::path(get, path = "/api/v1/works/{id}", params(WorkPath),
    responses((status = 200, description = "The work.", body = WorkDetail), Missing, Refusals))]
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

/// A chapter's text
#[utoipa::path(get, path = "/api/v1/works/{id}/chapters/{position}", params(ChapterPath),
    responses((status = 200, description = "The chapter.", body = ChapterText), Missing, Refusals))]
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
