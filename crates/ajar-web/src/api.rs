//! The JSON API's reads of one work: `GET /api/v1/works/{id}` (what its blurb shows, and its
//! chapters) and `GET /api/v1/works/{id}/chapters/{position}` (a chapter's text). Who may
//! read a work is decided as for its page (`access::visible_work`): a creator's draft, a
//! work restricted to logged-in readers for a token's account, nothing more.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::kudos::{id_number, work_id};
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::WorkBlurb;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/works/{id}", get(work))
        .route("/api/v1/works/{id}/chapters/{position}", get(chapter))
}

#[derive(Serialize)]
struct WorkDetail {
    url: String,
    #[serde(flatten)]
    blurb: WorkBlurb,
    notes: String,
    end_notes: String,
    chapters: Vec<ChapterLink>,
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
struct ChapterText {
    work: i64,
    position: u32,
    title: Option<String>,
    /// Sanitized HTML, as the site shows them.
    summary: String,
    notes: String,
    end_notes: String,
    body: String,
}

fn chapter_url(id: WorkId, position: u32) -> String {
    format!("/api/v1/works/{id}/chapters/{position}")
}

async fn work(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<WorkDetail>, Error> {
    let id = work_id(id)?;
    visible_work(&state, &ctx, id).await?;
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
    Ok(Json(WorkDetail {
        url: format!("/works/{id}"),
        blurb,
        notes: header.work.notes.as_str().to_owned(),
        end_notes: header.work.end_notes.as_str().to_owned(),
        chapters,
    }))
}

async fn chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<ChapterText>, Error> {
    let Path((id, position)) = path.map_err(|_| Error::NotFound)?;
    let id = work_id(Ok(Path(id)))?;
    let position = u32::try_from(id_number(Ok(Path(position)))?).map_err(|_| Error::NotFound)?;
    visible_work(&state, &ctx, id).await?;
    let chapter = state
        .store
        .chapter(id, position)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(ChapterText {
        work: id.0,
        position: chapter.position,
        title: chapter.title,
        summary: chapter.summary.as_str().to_owned(),
        notes: chapter.notes.as_str().to_owned(),
        end_notes: chapter.end_notes.as_str().to_owned(),
        body: chapter.body.as_str().to_owned(),
    }))
}
