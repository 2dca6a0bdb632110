//! Bookmarks: the work page's bookmark form (`POST /works/{id}/bookmark`, one bookmark per
//! user per work, edited in place; `POST /works/{id}/bookmark/delete`) and a user's
//! bookmarks page (`/users/{name}/bookmarks`), which lists the works as blurbs with the
//! bookmark's notes, tags and rec badge. Private bookmarks are shown to their owner only,
//! and only works the viewer may see are listed.

use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::home::page_number;
use crate::kudos::work_id;
use crate::openapi::{BodyRefusals, ChangeRefusals, Missing, ProblemDetails, Refusals, WorkPath};
use crate::prefs::ReaderPrefs;
use crate::service::{
    self,
    bookmarks::{BookmarkRequest, UserBookmarks, MAX_NOTES_CHARS, MAX_TAGS_CHARS},
};
use crate::tag_url::user_href;
use crate::views::{thousands, Blurb, Layout, Page, Pagination};
use crate::{AppState, Error};
use ajar_core::{Html, WorkId};
use ajar_store::WorkAccess;
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

const BOOKMARKS_PER_PAGE: u32 = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/works/{id}/bookmark", post(save))
        .route("/works/{id}/bookmark/delete", post(delete))
        .route("/users/{name}/bookmarks", get(user_bookmarks))
}

/// A bookmark as the API shows it.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Bookmark)]
struct ApiBookmark {
    work: i64,
    /// Sanitized HTML.
    notes: String,
    /// The reader's own tags.
    tags: Vec<String>,
    private: bool,
    rec: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// The reader's bookmark of a work, as the API shows it.
async fn bookmark_json(state: &AppState, ctx: &Ctx, work: WorkId) -> Result<Response, Error> {
    let b = service::bookmarks::get(state, ctx, work).await?;
    Ok(axum::Json(ApiBookmark {
        work: work.0,
        notes: b.notes.as_str().to_owned(),
        tags: b.tag_list().into_iter().map(str::to_owned).collect(),
        private: b.private,
        rec: b.rec,
        created_at: b.created_at,
        updated_at: b.updated_at,
    })
    .into_response())
}

/// Your bookmark of a work
#[utoipa::path(get, path = "/api/v1/works/{id}/bookmark", security(("token" = []), ("basic" = [])), params(WorkPath),
    responses((status = 200, description = "The bookmark.", body = ApiBookmark),
        (status = 404, description = "No such work, not one the account may see, or no bookmark of it.", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals))]
pub(crate) async fn api_get(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    bookmark_json(&state, &ctx, work_id(id)?).await
}

/// Bookmark a work (or change your bookmark)
///
/// One bookmark per account and work; sending again replaces it. Needs a token with the write
/// scope.
#[utoipa::path(put, path = "/api/v1/works/{id}/bookmark", security(("token" = []), ("basic" = [])), params(WorkPath),
    request_body = crate::service::bookmarks::BookmarkRequest,
    responses((status = 200, description = "The bookmark as saved.", body = ApiBookmark),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn api_save(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<axum::Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Error> {
    let work = work_id(id)?;
    let sent: BookmarkRequest = crate::api::json_body(sent, "bookmark")?;
    service::bookmarks::save(&state, &ctx, work, &sent).await?;
    bookmark_json(&state, &ctx, work).await
}

/// Delete your bookmark of a work
#[utoipa::path(delete, path = "/api/v1/works/{id}/bookmark", security(("token" = []), ("basic" = [])), params(WorkPath),
    responses((status = 204, description = "Deleted."),
        (status = 404, description = "No such work, not one the account may see, or no bookmark of it.", body = ProblemDetails, content_type = "application/problem+json"),
        ChangeRefusals))]
pub(crate) async fn api_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    if !service::bookmarks::delete(&state, &ctx, work_id(id)?).await? {
        return Err(Error::NotFound);
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct BookmarkFields {
    #[serde(default)]
    notes: String,
    #[serde(default)]
    tags: String,
    private: Option<String>,
    rec: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<BookmarkFields>, FormRejection>,
) -> Result<Response, Error> {
    let work = work_id(id)?;
    let fields = form(sent)?;
    let sent = BookmarkRequest {
        notes: fields.notes,
        tags: fields.tags,
        private: fields.private.is_some(),
        rec: fields.rec.is_some(),
    };
    service::bookmarks::save(&state, &ctx, work, &sent).await?;
    Ok(see_other(&format!("/works/{work}#bookmark")))
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let work = work_id(id)?;
    service::bookmarks::delete(&state, &ctx, work).await?;
    Ok(see_other(&format!("/works/{work}#bookmark")))
}

#[derive(Template)]
#[template(path = "reader/bookmark.html")]
struct BookmarkSection {
    id: WorkId,
    csrf_token: String,
    /// The logged-in reader's name; `None` for guests.
    user: Option<String>,
    existing: bool,
    notes: String,
    tags: String,
    private: bool,
    rec: bool,
    max_notes: usize,
    max_tags: usize,
}

/// The work page's bookmark section: the reader's bookmark form, or a log-in link for
/// guests (whose page is shared).
pub(crate) async fn section(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
) -> Result<String, Error> {
    let account = ctx.viewer.account();
    let existing = match account {
        Some(a) => state.store.bookmark(a.id, access.id).await?,
        None => None,
    };
    let section = BookmarkSection {
        id: access.id,
        csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
        user: account.map(|a| a.name.clone()),
        existing: existing.is_some(),
        notes: existing
            .as_ref()
            .map(|b| b.notes.as_str().to_owned())
            .unwrap_or_default(),
        tags: existing
            .as_ref()
            .map(|b| b.tags.clone())
            .unwrap_or_default(),
        private: existing.as_ref().is_some_and(|b| b.private),
        rec: existing.as_ref().is_some_and(|b| b.rec),
        max_notes: MAX_NOTES_CHARS,
        max_tags: MAX_TAGS_CHARS,
    };
    Ok(section.render()?)
}

/// What the bookmarks page shows of one bookmark beside its work's blurb.
struct Mark {
    datetime: String,
    date: String,
    rec: bool,
    private: bool,
    tags: Vec<String>,
    notes: Html,
}

#[derive(Template)]
#[template(path = "reader/bookmarks.html")]
struct BookmarksPage {
    layout: Layout,
    heading: String,
    name: String,
    profile_href: String,
    entries: Vec<(Blurb, Mark)>,
    pagination: Pagination,
    empty: String,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

impl BookmarksPage {
    /// Page `page` of someone's bookmarks.
    fn new(bookmarks: UserBookmarks, page: u64, prefs: ReaderPrefs) -> BookmarksPage {
        let UserBookmarks { user, found, total } = bookmarks;
        let per_page = u64::from(BOOKMARKS_PER_PAGE);
        let who = user.name.clone();
        let count = match total {
            1 => "1 bookmark".to_owned(),
            n => format!("{} bookmarks", thousands(n)),
        };
        let title = match page {
            1 => format!("Bookmarks by {who}"),
            n => format!("Bookmarks by {who}, page {n}"),
        };
        let entries = found
            .into_iter()
            .map(|(bookmark, blurb)| {
                let mark = Mark {
                    datetime: bookmark
                        .updated_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    date: bookmark.updated_at.format("%Y-%m-%d").to_string(),
                    rec: bookmark.rec,
                    private: bookmark.private,
                    tags: bookmark.tag_list().into_iter().map(str::to_owned).collect(),
                    notes: bookmark.notes,
                };
                (Blurb::from(blurb), mark)
            })
            .collect();
        let path = format!("{}/bookmarks", user_href(&who));
        BookmarksPage {
            layout: Layout::new(Some(title), format!("{count} by {who} in the archive."))
                .with_prefs(prefs),
            heading: format!("{count} by {who}"),
            profile_href: user_href(&who),
            entries,
            pagination: Pagination::new(&path, page, total, per_page),
            empty: format!("{who} has no bookmarks you can see."),
            name: who,
        }
    }
}

async fn user_bookmarks(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Page<BookmarksPage>, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    let page = page_number(query.ok().and_then(|Query(q)| q.page))?;
    let found = service::bookmarks::of_user(&state, &ctx, &name, page, BOOKMARKS_PER_PAGE).await?;
    Ok(Page(BookmarksPage::new(found, page, prefs)))
}
