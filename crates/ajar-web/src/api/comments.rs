//! The JSON API's comments: `GET /api/v1/works/{id}/comments` (a page of threads, as the
//! work's page shows them to the viewer), `POST /api/v1/works/{id}/comments` (a new
//! thread under a chapter), `POST /api/v1/comments/{id}/replies`, `GET`, `PUT` (edit) and
//! `DELETE /api/v1/comments/{id}`, and `POST /api/v1/comments/{id}/approve`. Each is the
//! comment forms' service call (`service::comments`): the work's comment policy, blocks,
//! moderation, mutes and rate limit hold as on the site.

use super::json_body;
use crate::auth::Ctx;
use crate::comments::{signature_text, visible_comment};
use crate::kudos::{id_number, work_id};
use crate::openapi::{
    BodyRefusals, ChangeRefusals, IdPath, Missing, ProblemDetails, Refusals, WorkPath,
};
use crate::service::comments::{CommentRequest, Place};
use crate::{service, AppState, Error};
use ajar_core::CommentId;
use ajar_store::{Comment, CommentStatus};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A comment: on a chapter (a new thread, with `chapter`), or a reply (without).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CommentRequest)]
struct CommentFields {
    /// The chapter commented on (a new thread); not sent with a reply.
    #[schema(minimum = 1)]
    chapter: Option<u32>,
    /// HTML (sanitized) or plain text (as paragraphs); at most 10,000 characters.
    body: String,
    /// A guest's name; ignored for an account.
    #[serde(default)]
    name: String,
    /// The name of one of the account's pseuds; the default pseud when absent.
    pseud: Option<String>,
}

/// A comment as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = Comment)]
pub(crate) struct CommentJson {
    id: i64,
    work: i64,
    chapter: u32,
    /// The comment replied to.
    parent: Option<i64>,
    /// The pseud, or a guest's name followed by " (Guest)".
    author: String,
    /// Sanitized HTML.
    body: String,
    /// Waits for a creator's approval; seen only by its author and the work's creators.
    pending: bool,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    /// The comment's page on the site.
    url: String,
    /// In a thread: why the comment's text is left out ("(Previous comment deleted.)",
    /// a muted or suspended author), its replies being shown; `null` otherwise.
    #[schema(value_type = Option<String>)]
    placeholder: Option<&'static str>,
}

impl CommentJson {
    fn new(c: Comment) -> CommentJson {
        CommentJson {
            placeholder: None,
            id: c.id.0,
            work: c.work.0,
            chapter: c.chapter,
            parent: c.parent.map(|p| p.0),
            author: signature_text(&c),
            body: c.body.as_str().to_owned(),
            pending: c.status == CommentStatus::Pending,
            created_at: c.created_at,
            edited_at: c.edited_at,
            url: format!("/comments/{}", c.id),
        }
    }
}

/// The pseud id (as the comment form sends it) of the account's pseud named `name`.
async fn pseud_id(state: &AppState, ctx: &Ctx, name: Option<&str>) -> Result<String, Error> {
    let (Some(name), Some(account)) = (name, ctx.viewer.account()) else {
        return Ok(String::new());
    };
    let pseuds = state.store.pseuds_of(account.id).await?;
    pseuds
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .map(|p| p.id.0.to_string())
        .ok_or_else(|| {
            Error::Invalid(vec![format!(
                "pseud: “{}” is not one of your pseuds.",
                crate::views::excerpt(name, 60)
            )])
        })
}

async fn post(
    state: &AppState,
    ctx: &Ctx,
    place: Place,
    fields: CommentFields,
) -> Result<Response, Error> {
    let pseud = pseud_id(state, ctx, fields.pseud.as_deref()).await?;
    let request = CommentRequest {
        place,
        body: &fields.body,
        guest_name: &fields.name,
        pseud: &pseud,
    };
    let posted = service::comments::post(state, ctx, request).await?;
    let comment = state
        .store
        .comment(posted.id)
        .await?
        .ok_or(Error::NotFound)?;
    super::writes::created(
        &format!("/api/v1/comments/{}", posted.id),
        CommentJson::new(comment),
    )
}

/// Comment on a chapter
///
/// As the comment form: the work's comment policy decides who may (a moderated work's
/// comment waits for approval, `pending`), blocks hold, HTML is sanitized and plain text
/// becomes paragraphs. Send `chapter` and `body` (and `name` for a guest, `pseud` for an
/// account with several).
#[utoipa::path(post, path = "/api/v1/works/{id}/comments", security(("token" = []), ("basic" = [])), params(WorkPath), request_body = CommentFields,
    responses((status = 201, description = "The comment (its address in `Location`).", body = CommentJson),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let work = work_id(id)?;
    crate::access::visible_work(&state, &ctx, work).await?;
    let fields: CommentFields = json_body(sent, "comment")?;
    let Some(chapter) = fields.chapter else {
        return Err(Error::Invalid(vec![
            "chapter: say which chapter the comment is on (1 for the first).".to_owned(),
        ]));
    };
    post(&state, &ctx, Place::Chapter { work, chapter }, fields).await
}

/// Reply to a comment
///
/// Send `body` (and `name` or `pseud`), not `chapter`: a reply is on its comment's chapter.
#[utoipa::path(post, path = "/api/v1/comments/{id}/replies", security(("token" = []), ("basic" = [])), params(IdPath), request_body = CommentFields,
    responses((status = 201, description = "The reply (its address in `Location`).", body = CommentJson),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let id = CommentId(id_number(id)?);
    visible_comment(&state, &ctx, id).await?;
    let fields: CommentFields = json_body(sent, "reply")?;
    if fields.chapter.is_some() {
        return Err(Error::Invalid(vec![
            "chapter: a reply is on its comment's chapter; leave chapter out.".to_owned(),
        ]));
    }
    post(&state, &ctx, Place::Reply(id), fields).await
}

/// A comment
#[utoipa::path(get, path = "/api/v1/comments/{id}", params(IdPath),
    responses((status = 200, description = "The comment.", body = CommentJson), Missing, Refusals))]
pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CommentJson>, Error> {
    let (comment, _) = visible_comment(&state, &ctx, CommentId(id_number(id)?)).await?;
    Ok(Json(CommentJson::new(comment)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CommentEdit)]
pub(crate) struct EditFields {
    /// HTML (sanitized) or plain text; at most 10,000 characters.
    body: String,
}

/// Edit your comment
#[utoipa::path(put, path = "/api/v1/comments/{id}", security(("token" = []), ("basic" = [])), params(IdPath), request_body = EditFields,
    responses((status = 200, description = "The comment as edited.", body = CommentJson),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<CommentJson>, Error> {
    let id = CommentId(id_number(id)?);
    let fields: EditFields = json_body(sent, "comment")?;
    service::comments::edit(&state, &ctx, id, &fields.body).await?;
    let comment = state.store.comment(id).await?.ok_or(Error::NotFound)?;
    Ok(Json(CommentJson::new(comment)))
}

/// Delete a comment
///
/// Your own, or any on a work you created (or, for admins, any).
#[utoipa::path(delete, path = "/api/v1/comments/{id}", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 204, description = "Deleted."), Missing, ChangeRefusals))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    service::comments::delete(&state, &ctx, CommentId(id_number(id)?)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Approve a comment on your moderated work
#[utoipa::path(post, path = "/api/v1/comments/{id}/approve", security(("token" = []), ("basic" = [])), params(IdPath),
    responses((status = 200, description = "The comment, no longer pending.", body = CommentJson),
        Missing, ChangeRefusals))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CommentJson>, Error> {
    let id = CommentId(id_number(id)?);
    service::comments::approve(&state, &ctx, id).await?;
    let comment = state.store.comment(id).await?.ok_or(Error::NotFound)?;
    Ok(Json(CommentJson::new(comment)))
}

/// Threads on one page of `GET /api/v1/works/{id}/comments`, as on the work's page.
const THREADS_PER_PAGE: u32 = crate::comments::THREADS_PER_PAGE;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ThreadsQuery {
    /// One chapter's threads; every chapter's when left out.
    #[param(value_type = Option<u32>, minimum = 1)]
    chapter: Option<String>,
    /// 20 threads a page, from 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// The next page: `next_cursor` of the page before, as it came (not with `page`). A
    /// cursor continues after the last item shown, so items added or removed meanwhile
    /// neither repeat nor go missing.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CommentThreads)]
pub(crate) struct ThreadsJson {
    /// Top-level comments in all (on the chapter asked for, or the whole work).
    threads: u64,
    /// The page's number when it was asked for by `page` (or neither); absent for a
    /// `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    per_page: u32,
    /// Send as `cursor` for the next page; `null` when no thread follows (it may be given on
    /// a page that turns out to be the last: the page it leads to is then empty).
    next_cursor: Option<String>,
    /// The comments of the page's threads (its top-level comments and every reply under
    /// them), oldest first: `parent` says which comment each replies to.
    comments: Vec<CommentJson>,
}

/// A number from 1 in a query, or what is wrong with it.
fn query_number(name: &str, sent: Option<&str>) -> Result<Option<u64>, Error> {
    match sent {
        None => Ok(None),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Error::BadRequest(format!(
                "{name}: a number from 1, not “{}”.",
                crate::views::excerpt(text, 40)
            ))),
        },
    }
}

/// A work's comment threads
///
/// As the work's page shows them to the account: pending comments only to their author and
/// the work's creators, nothing by people the account muted, a deleted comment only as the
/// place of its replies.
#[utoipa::path(get, path = "/api/v1/works/{id}/comments", params(WorkPath, ThreadsQuery),
    responses((status = 200, description = "A page of threads.", body = ThreadsJson),
        (status = 400, description = "`chapter` or `page` is not a number from 1, `cursor` is not one this API gave, or both `page` and `cursor` were sent.", body = ProblemDetails, content_type = "application/problem+json"),
        Missing, Refusals))]
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    query: Result<axum::extract::Query<ThreadsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ThreadsJson>, Error> {
    let work = work_id(id)?;
    let axum::extract::Query(query) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let chapter = query_number("chapter", query.chapter.as_deref())?
        .map(|n| u32::try_from(n).map_err(|_| Error::NotFound))
        .transpose()?;
    let page = query_number("page", query.page.as_deref())?;
    let start = super::cursor::page_start(
        page,
        query.cursor.as_deref(),
        THREADS_PER_PAGE,
        |[chapter, id]| Some((u32::try_from(chapter).ok()?, CommentId(id))),
    )?;
    let threads =
        service::comments::threads(&state, &ctx, work, chapter, start, THREADS_PER_PAGE).await?;
    let page = query.cursor.is_none().then_some(page.unwrap_or(1));
    Ok(Json(ThreadsJson::new(threads, page)))
}

impl ThreadsJson {
    fn new(threads: service::comments::Threads, page: Option<u64>) -> ThreadsJson {
        ThreadsJson {
            threads: threads.threads,
            page,
            next_cursor: threads
                .next
                .map(|(chapter, id)| super::cursor::encode(&[i64::from(chapter), id.0])),
            per_page: THREADS_PER_PAGE,
            comments: threads
                .comments
                .into_iter()
                .map(|seen| {
                    let mut shown = CommentJson::new(seen.comment);
                    if let Some(placeholder) = seen.placeholder {
                        shown.placeholder = Some(placeholder);
                        shown.body = String::new();
                        shown.author = String::new();
                    }
                    shown
                })
                .collect(),
        }
    }
}
