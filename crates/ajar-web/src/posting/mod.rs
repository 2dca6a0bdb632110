//! Posting: the forms creators use to make and keep their works.
//!
//! `/works/new` (a new work with its first chapter: preview, save as draft, post, or fill the
//! form from an uploaded story file), `/works/{id}/edit` (metadata and notes),
//! `/works/{id}/chapters/new`, `/works/{id}/chapters/{n}/edit`, `/works/{id}/chapters/manage`
//! (reorder, delete), `/works/{id}/delete` (with a confirmation page), `/works/{id}/post`
//! (post a draft), `/drafts`, and `/api/v1/tags/autocomplete` for the tag fields (filled in
//! by `/static/posting.js` where scripts run; the forms work without it).
//!
//! Every handler that acts on a work asks `access::own_work` first: only its creators (and
//! admins) get past it. Posting new works and chapters is rate-limited.

pub(crate) mod form;

use crate::access::{own_work, OwnedWork};
use crate::accounts::see_other;
use crate::auth::Ctx;
use crate::flash::Notice;
use crate::tag_url::user_href;
use crate::views::{thousands, Layout, Link, MessagePage, Page};
use crate::work_sections::Part;
use crate::{service, AppState, Error};
use ajar_core::{Chapter, Html, SeriesId, TagKind, Visibility, Work, WorkId};
use ajar_store::WorkAccess;
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use form::{ChapterForm, Choice, Fields, WorkForm, MAX_UPLOAD_BYTES};
use serde::{Deserialize, Serialize};

pub(crate) const SCRIPT_PATH: &str = "/static/posting.js";
const SCRIPT: &str = include_str!("../../static/posting.js");

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/works/new", get(new_work_form).post(new_work))
        .route("/works/{id}/edit", get(edit_work_form).post(edit_work))
        .route("/works/{id}/post", axum::routing::post(post_draft))
        .route(
            "/works/{id}/delete",
            get(delete_work_form).post(delete_work),
        )
        .route(
            "/works/{id}/chapters/new",
            get(new_chapter_form).post(new_chapter),
        )
        .route("/works/{id}/chapters/manage", get(manage_chapters))
        .route(
            "/works/{id}/chapters/reorder",
            axum::routing::post(reorder_chapters),
        )
        .route(
            "/works/{id}/chapters/{position}/edit",
            get(edit_chapter_form).post(edit_chapter),
        )
        .route(
            "/works/{id}/chapters/{position}/delete",
            get(delete_chapter_form).post(delete_chapter),
        )
        .route("/drafts", get(drafts))
        .route("/invitations", get(invitations))
        .route(
            "/invitations/{id}/accept",
            axum::routing::post(accept_invitation),
        )
        .route(
            "/invitations/{id}/decline",
            axum::routing::post(decline_invitation),
        )
        .route(
            "/series/{id}/parts",
            get(series_parts_form).post(series_parts),
        )
        .route(SCRIPT_PATH, get(script))
}

/// Ids and chapter numbers in URLs are plain digits; anything else names no page.
fn number<T: std::str::FromStr>(segment: &str) -> Result<T, Error> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    segment.parse().map_err(|_| Error::NotFound)
}

fn work_id(segment: &str) -> Result<WorkId, Error> {
    number::<i64>(segment).map(WorkId)
}

/// A form page sent back with what to fix.
fn refused<T: Template>(page: T) -> Response {
    (StatusCode::BAD_REQUEST, Page(page)).into_response()
}

/// A form page sent back with each thing to fix.
fn refused_with<T: Template + HasErrors>(mut page: T, errors: Vec<String>) -> Response {
    page.set_errors(errors);
    refused(page)
}

/// A form page that lists what to fix above its fields.
trait HasErrors {
    fn set_errors(&mut self, errors: Vec<String>);
}

impl HasErrors for WorkFormPage {
    fn set_errors(&mut self, errors: Vec<String>) {
        self.errors = errors;
    }
}

impl HasErrors for ChapterFormPage {
    fn set_errors(&mut self, errors: Vec<String>) {
        self.errors = errors;
    }
}

// ---------------------------------------------------------------------------------------
// Preview

/// The names a preview offers as character tags (see `service::works::names_in_text`).
async fn named(state: &AppState, work: &Work) -> Result<Vec<(String, Option<String>)>, Error> {
    Ok(service::works::names_in_text(state, work)
        .await?
        .into_iter()
        .map(|n| (n.name, n.canonical))
        .collect())
}

/// A work as it would look, for the preview above a form.
struct Preview {
    title: String,
    creators: String,
    tag_groups: Vec<(&'static str, Vec<String>)>,
    language: String,
    series: Option<String>,
    summary: Html,
    notes: Html,
    end_notes: Html,
    spoilers: Option<String>,
    chapters: Vec<PreviewChapter>,
    words: String,
    /// Names the text uses most that no character tag holds yet, with the canonical
    /// character each likely is: offered as character tags.
    names: Vec<(String, Option<String>)>,
    /// The canon entries its spoiler note and summary name, as they will be linked.
    canon: Vec<service::works::CanonInText>,
}

struct PreviewChapter {
    heading: String,
    summary: Html,
    notes: Html,
    end_notes: Html,
    body: Html,
}

impl Preview {
    fn new(work: &Work, creators: &[String]) -> Preview {
        let names = |tags: &[ajar_core::TagName]| -> Vec<String> {
            tags.iter().map(|t| t.as_str().to_owned()).collect()
        };
        let tag_groups = vec![
            ("Rating", vec![work.rating.name().to_owned()]),
            (
                "Archive Warnings",
                work.warnings.iter().map(|w| w.name().to_owned()).collect(),
            ),
            (
                "Categories",
                work.categories
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect(),
            ),
            ("Fandoms", names(&work.fandoms)),
            ("Relationships", names(&work.relationships)),
            ("Characters", names(&work.characters)),
            ("Additional Tags", names(&work.tags)),
        ]
        .into_iter()
        .filter(|(_, tags)| !tags.is_empty())
        .collect();
        let single = work.chapters.len() == 1;
        Preview {
            title: work.title.clone(),
            creators: creators.join(", "),
            tag_groups,
            language: work.language.name().to_owned(),
            series: Some(
                work.series
                    .iter()
                    .map(|s| match s.position {
                        0 => format!("Next part of {}", s.title),
                        n => format!("Part {n} of {}", s.title),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .filter(|s| !s.is_empty()),
            summary: work.summary.clone(),
            notes: work.notes.clone(),
            end_notes: work.end_notes.clone(),
            spoilers: work.spoilers.clone(),
            chapters: work
                .chapters
                .iter()
                .map(|c| PreviewChapter::new(c, single))
                .collect(),
            words: thousands(work.words()),
            names: Vec::new(),
            canon: Vec::new(),
        }
    }
}

impl PreviewChapter {
    fn new(c: &Chapter, single: bool) -> PreviewChapter {
        let title = c.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let heading = match (single, title) {
            (true, Some(t)) => t.to_owned(),
            (true, None) => "Work Text".to_owned(),
            (false, Some(t)) => format!("Chapter {}: {t}", c.position),
            (false, None) => format!("Chapter {}", c.position),
        };
        PreviewChapter {
            heading,
            summary: c.summary.clone(),
            notes: c.notes.clone(),
            end_notes: c.end_notes.clone(),
            body: c.body.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// New work and metadata edits

/// What the work form is for.
struct Editing {
    id: WorkId,
    draft: bool,
    creators: String,
    /// The series the work is in: (id, title), for links to order their parts.
    series: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "posting/work_form.html")]
struct WorkFormPage {
    layout: Layout,
    form: WorkForm,
    /// `None` for a new work.
    editing: Option<Editing>,
    pseuds: Vec<Choice>,
    errors: Vec<String>,
    notice: Option<String>,
    preview: Option<Preview>,
    max_upload_mib: usize,
    /// For a work with no fandom: the fandoms whose episodes its spoiler note names, each
    /// with the entry it names, offered with one click.
    fandom_suggestions: Vec<(String, String)>,
}

impl WorkFormPage {
    fn new(form: WorkForm, editing: Option<Editing>, pseuds: &[ajar_store::Pseud]) -> Self {
        let form = form.within_limits();
        let title = match &editing {
            Some(_) => format!("Edit {}", form.title),
            None => "Post new work".to_owned(),
        };
        let pseuds = pseuds
            .iter()
            .map(|p| Choice {
                value: p.id.0.to_string(),
                label: p.name.clone(),
                checked: form.pseuds.contains(&p.id.0),
            })
            .collect();
        WorkFormPage {
            layout: Layout::new(
                Some(title),
                "Post a work: its tags, notes and text, previewed before it goes up.",
            ),
            form,
            editing,
            pseuds,
            errors: Vec::new(),
            notice: None,
            preview: None,
            max_upload_mib: MAX_UPLOAD_BYTES / (1024 * 1024),
            fandom_suggestions: Vec::new(),
        }
    }

    fn action(&self) -> String {
        match &self.editing {
            Some(e) => format!("/works/{}/edit", e.id),
            None => "/works/new".to_owned(),
        }
    }

    fn is_new(&self) -> bool {
        self.editing.is_none()
    }

    fn is_draft(&self) -> bool {
        self.editing.as_ref().is_none_or(|e| e.draft)
    }
}

async fn new_work_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    // A guest following "Post new work" is sent to log in, and back here afterwards.
    let Some(account) = ctx.viewer.account() else {
        return Ok(see_other("/login?return_to=/works/new"));
    };
    let pseuds = state.store.pseuds_of(account.id).await?;
    let form = WorkForm::blank(pseuds.first().map(|p| p.id.0));
    Ok(Page(WorkFormPage::new(form, None, &pseuds)).into_response())
}

async fn new_work(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let account = ctx.require_user()?.clone();
    let fields = Fields::read(&headers, body).await?;
    let form = WorkForm::from_fields(&fields);
    let pseuds = state.store.pseuds_of(account.id).await?;
    match fields.get("action") {
        "upload" => form_from_upload(&state, form, fields.file.as_ref(), &pseuds).await,
        "preview" => preview_new_work(&state, &ctx, form, &pseuds).await,
        // A preview's "Add" buttons: the tag added, and the preview again.
        add if add.starts_with("add-") => {
            let mut form = form;
            form.add_suggested(add);
            preview_new_work(&state, &ctx, form, &pseuds).await
        }
        action => post_new_work(&state, &ctx, form, action == "draft", &pseuds).await,
    }
}

/// The new-work form again with the work as it would look, or with what to fix.
async fn preview_new_work(
    state: &AppState,
    ctx: &Ctx,
    form: WorkForm,
    pseuds: &[ajar_store::Pseud],
) -> Result<Response, Error> {
    match service::works::check_new(state, ctx, &form).await {
        Ok(checked) => {
            let names: Vec<String> = checked.pseuds.iter().map(|p| p.name.clone()).collect();
            let mut page = WorkFormPage::new(form, None, pseuds);
            let mut preview = Preview::new(&checked.work, &names);
            preview.names = named(state, &checked.work).await?;
            preview.canon = service::works::canon_in_text(state, &checked.work).await?;
            page.preview = Some(preview);
            page.notice =
                Some("This is a preview: nothing is saved until you post or save a draft.".into());
            Ok(Page(page).into_response())
        }
        Err(Error::Invalid(errors)) => {
            let mut page = WorkFormPage::new(form, None, pseuds);
            if page.form.fandoms.trim().is_empty() {
                page.fandom_suggestions =
                    service::works::fandoms_named(state, &page.form.words_only()).await?;
            }
            Ok(refused_with(page, errors))
        }
        Err(e) => Err(e),
    }
}

/// Posts the new work (or saves it as a draft), and goes to it; or the form again with
/// what to fix.
async fn post_new_work(
    state: &AppState,
    ctx: &Ctx,
    form: WorkForm,
    draft: bool,
    pseuds: &[ajar_store::Pseud],
) -> Result<Response, Error> {
    let new = service::works::NewWork { form, draft };
    match service::works::post(state, ctx, &new).await {
        Ok(id) => {
            let notice = if draft {
                Notice::DraftSaved
            } else {
                Notice::WorkPosted
            };
            Ok(notice.on(see_other(&format!("/works/{id}")), ctx.secure))
        }
        Err(Error::Invalid(errors)) => Ok(refused_with(
            WorkFormPage::new(new.form, None, pseuds),
            errors,
        )),
        Err(e) => Err(e),
    }
}

/// The new-work form filled in from an uploaded story file (a fresh form: the upload
/// form is its own), or sent back with why it could not be.
async fn form_from_upload(
    state: &AppState,
    form: WorkForm,
    file: Option<&form::Upload>,
    pseuds: &[ajar_store::Pseud],
) -> Result<Response, Error> {
    let refusal = match file {
        None => "Choose a story file to fill the form from.".to_owned(),
        Some(file) if file.bytes.len() > MAX_UPLOAD_BYTES => format!(
            "The file {} is too large: the form takes files of at most {} MiB.",
            file.name,
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ),
        Some(file) => {
            let name = if file.name.is_empty() {
                "the file"
            } else {
                &file.name
            };
            // A file without a title fills the form all the same: the form asks for it.
            match ajar_formats::read_story_draft(name, &file.bytes) {
                Ok(work) => return filled_from(state, &work, name, pseuds).await,
                Err(e) => format!(
                    "That file could not be read as a story: {}",
                    form::sentence(&e.to_string())
                ),
            }
        }
    };
    Ok(refused_with(
        WorkFormPage::new(form, None, pseuds),
        vec![refusal],
    ))
}

/// A fresh new-work form filled from a story file read as `work`.
async fn filled_from(
    state: &AppState,
    work: &Work,
    name: &str,
    pseuds: &[ajar_store::Pseud],
) -> Result<Response, Error> {
    let mut form = WorkForm::blank(pseuds.first().map(|p| p.id.0));
    form.fill_from(work);
    let mut page = WorkFormPage::new(form, None, pseuds);
    page.fandom_suggestions = service::works::fandoms_named(state, work).await?;
    if work.title.trim().is_empty() {
        page.errors.push(format!(
            "Title: {name} does not say the work's title; give it one below."
        ));
    }
    let more = page.form.more_chapters.len();
    page.notice = Some(if more > 0 {
        format!(
            "The form is filled in from {name}, with its {} chapters (the first is below; \
             the others are posted after it). Check everything, then preview or post.",
            more + 1
        )
    } else {
        format!("The form is filled in from {name}. Check everything, then preview or post.")
    });
    Ok(Page(page).into_response())
}

/// The edit form of a stored work, filled in, and the work.
async fn edit_page(
    state: &AppState,
    id: WorkId,
    access: &WorkAccess,
) -> Result<(WorkFormPage, Work), Error> {
    let (form, stored) = stored_form_and_work(state, id, access).await?;
    let mut series = Vec::new();
    for part in state.store.work_series(id).await? {
        series.push((part.id.0, part.title));
    }
    let editing = Editing {
        id,
        draft: access.visibility == Visibility::Draft,
        creators: stored.creators.join(", "),
        series,
    };
    Ok((WorkFormPage::new(form, Some(editing), &[]), stored))
}

/// The edit form's fields for a stored work (its texts as written where they were not
/// written in HTML), and the work.
async fn stored_form_and_work(
    state: &AppState,
    id: WorkId,
    access: &WorkAccess,
) -> Result<(WorkForm, Work), Error> {
    let stored = state.store.work(id).await?.ok_or(Error::NotFound)?;
    let mut form = WorkForm::blank(None);
    form.fill_from(&stored.work);
    if let Some(source) = state.store.work_source(id).await? {
        form.use_source(&source, &stored.work);
    }
    form.visibility = access.visibility.code().to_owned();
    form.comments = access.comment_policy.code().to_owned();
    form.gifts = state.store.gifts_of(id).await?.join(", ");
    Ok((form, stored.work))
}

/// The edit form's fields for a stored work, for a change sent through the API.
pub(crate) async fn stored_form(
    state: &AppState,
    id: WorkId,
    access: &WorkAccess,
) -> Result<WorkForm, Error> {
    Ok(stored_form_and_work(state, id, access).await?.0)
}

async fn edit_work_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let access = own_work(&state, &ctx, id).await?;
    let (page, _) = edit_page(&state, id, &access).await?;
    Ok(Page(page).into_response())
}

async fn edit_work(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let access = own_work(&state, &ctx, id).await?;
    let fields = Fields::read(&headers, body).await?;
    let action = fields.get("action");
    let (mut page, stored) = edit_page(&state, id, &access).await?;
    page.form = WorkForm::from_fields(&fields);
    let added = page.form.add_suggested(action);
    page.layout.title = Some(format!("Edit {}", stored.title));
    let work = match service::works::check_change(&page.form) {
        Ok(work) => work,
        Err(Error::Invalid(errors)) => return Ok(refused_with(page, errors)),
        Err(e) => return Err(e),
    };
    if action == "preview" || added {
        return preview_change(&state, page, work, &stored).await;
    }
    let change = service::works::WorkChange {
        form: page.form,
        post_draft: action == "post",
    };
    match service::works::edit(&state, &ctx, &access, &change).await {
        Ok(()) => Ok(see_other(&format!("/works/{id}"))),
        Err(Error::Invalid(errors)) => {
            page.form = change.form;
            Ok(refused_with(page, errors))
        }
        Err(e) => Err(e),
    }
}

/// The edit page again, showing the work as the change would make it (its chapters as
/// stored); nothing is saved.
async fn preview_change(
    state: &AppState,
    mut page: WorkFormPage,
    mut shown: Work,
    stored: &Work,
) -> Result<Response, Error> {
    shown.chapters = stored.chapters.clone();
    let mut preview = Preview::new(&shown, &stored.creators);
    preview.names = named(state, &shown).await?;
    preview.canon = service::works::canon_in_text(state, &shown).await?;
    page.preview = Some(preview);
    page.notice = Some("This is a preview: nothing is saved until you save.".into());
    Ok(Page(page).into_response())
}

#[derive(Deserialize)]
struct PostDraftForm {
    #[serde(default)]
    visibility: String,
}

/// Posts a draft (from the drafts page or the work page).
async fn post_draft(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    sent: Result<crate::forms::Form<PostDraftForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let sent = crate::accounts::form(sent)?;
    let visibility = Visibility::from_code(&sent.visibility).unwrap_or(Visibility::Public);
    let work = own_work(&state, &ctx, id).await?;
    service::works::post_draft(&state, &work, visibility).await?;
    Ok(see_other(&format!("/works/{id}")))
}

// ---------------------------------------------------------------------------------------
// Deleting

#[derive(Template)]
#[template(path = "posting/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    heading: String,
    question: String,
    action: String,
    button: String,
    back: String,
}

async fn delete_work_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    own_work(&state, &ctx, id).await?;
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    let title = header.work.title;
    Ok(Page(ConfirmPage {
        layout: Layout::new(Some(format!("Delete {title}")), "Delete a work."),
        heading: format!("Delete “{title}”?"),
        question: "Are you sure you want to delete this work, with its chapters, comments, \
                   kudos and bookmarks? This cannot be undone."
            .to_owned(),
        action: format!("/works/{id}/delete"),
        button: "Yes, delete the work".to_owned(),
        back: format!("/works/{id}"),
    })
    .into_response())
}

async fn delete_work(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let work = own_work(&state, &ctx, work_id(&id)?).await?;
    let title = service::works::delete(&state, &work).await?;
    Ok(Page(MessagePage::new(
        "Work deleted",
        format!("“{title}” was deleted."),
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Chapters

#[derive(Template)]
#[template(path = "posting/chapter_form.html")]
struct ChapterFormPage {
    layout: Layout,
    id: WorkId,
    work_title: String,
    /// `None` for a new chapter.
    position: Option<u32>,
    form: ChapterForm,
    errors: Vec<String>,
    notice: Option<String>,
    preview: Option<PreviewChapter>,
}

impl ChapterFormPage {
    fn new(id: WorkId, work_title: String, position: Option<u32>, form: ChapterForm) -> Self {
        let form = form.within_limits();
        let title = match position {
            Some(n) => format!("Edit chapter {n} of {work_title}"),
            None => format!("New chapter of {work_title}"),
        };
        ChapterFormPage {
            layout: Layout::new(Some(title), "Write a chapter of a work."),
            id,
            work_title,
            position,
            form,
            errors: Vec::new(),
            notice: None,
            preview: None,
        }
    }

    fn action(&self) -> String {
        match self.position {
            Some(n) => format!("/works/{}/chapters/{n}/edit", self.id),
            None => format!("/works/{}/chapters/new", self.id),
        }
    }
}

async fn work_title(state: &AppState, id: WorkId) -> Result<(String, u32), Error> {
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    Ok((header.work.title, header.stats.chapters))
}

async fn new_chapter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    own_work(&state, &ctx, id).await?;
    let (title, _) = work_title(&state, id).await?;
    // A new chapter is written as the work was.
    let form = ChapterForm {
        format: ChapterForm::format_of(state.store.work_source(id).await?.as_ref()),
        ..ChapterForm::default()
    };
    Ok(Page(ChapterFormPage::new(id, title, None, form)).into_response())
}

/// A form sent about one of the viewer's works (path segment `id`): the work, its title and
/// number of chapters, and the form's fields (read only once the work is known to be theirs).
async fn owned_form(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(OwnedWork, String, u32, Fields), Error> {
    let work = own_work(state, ctx, work_id(id)?).await?;
    let (title, chapters) = work_title(state, work.id()).await?;
    let fields = Fields::read(headers, body).await?;
    Ok((work, title, chapters, fields))
}

async fn new_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let (work, title, chapters, fields) = owned_form(&state, &ctx, &id, &headers, body).await?;
    save_chapter(&state, &ctx, &work, title, None, chapters + 1, &fields).await
}

async fn edit_chapter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, position)): Path<(String, String)>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let position: u32 = number(&position)?;
    own_work(&state, &ctx, id).await?;
    let (title, _) = work_title(&state, id).await?;
    let chapter = state
        .store
        .chapter(id, position)
        .await?
        .ok_or(Error::NotFound)?;
    let mut form = ChapterForm::from_chapter(&chapter);
    if let Some(source) = state.store.chapter_source(id, position).await? {
        form.use_source(&source, &chapter);
    }
    Ok(Page(ChapterFormPage::new(id, title, Some(position), form)).into_response())
}

async fn edit_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, position)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let position: u32 = number(&position)?;
    let (work, title, chapters, fields) = owned_form(&state, &ctx, &id, &headers, body).await?;
    if position == 0 || position > chapters {
        return Err(Error::NotFound);
    }
    save_chapter(
        &state,
        &ctx,
        &work,
        title,
        Some(position),
        position,
        &fields,
    )
    .await
}

/// Previews or saves a new or edited chapter.
async fn save_chapter(
    state: &AppState,
    ctx: &Ctx,
    work: &OwnedWork,
    title: String,
    editing: Option<u32>,
    position: u32,
    fields: &Fields,
) -> Result<Response, Error> {
    let id = work.id();
    let form = ChapterForm::from_fields(fields);
    let mut page = ChapterFormPage::new(id, title, editing, form);
    if fields.get("action") == "preview" {
        return match service::chapters::check(&page.form, position) {
            Ok(chapter) => {
                page.preview = Some(PreviewChapter::new(&chapter, false));
                page.notice = Some("This is a preview: nothing is saved until you save.".into());
                Ok(Page(page).into_response())
            }
            Err(Error::Invalid(errors)) => Ok(refused_with(page, errors)),
            Err(e) => Err(e),
        };
    }
    let saved = match editing {
        Some(n) => service::chapters::edit(state, work, n, &page.form)
            .await
            .map(|()| n),
        None => service::chapters::add(state, ctx, work, &page.form).await,
    };
    match saved {
        Ok(n) if editing.is_none() => Ok(
            Notice::ChapterAdded.on(see_other(&format!("/works/{id}/chapters/{n}")), ctx.secure)
        ),
        Ok(n) => Ok(see_other(&format!("/works/{id}/chapters/{n}"))),
        Err(Error::Invalid(errors)) => Ok(refused_with(page, errors)),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "posting/chapters.html")]
struct ManageChaptersPage {
    layout: Layout,
    id: WorkId,
    work_title: String,
    chapters: Vec<(u32, String, String)>,
    error: Option<String>,
}

async fn manage_page(
    state: &AppState,
    id: WorkId,
    error: Option<String>,
) -> Result<ManageChaptersPage, Error> {
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    let chapters = header
        .work
        .chapters
        .iter()
        .zip(header.chapter_words.iter())
        .map(|(c, words)| {
            let label = match c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => format!("Chapter {}: {t}", c.position),
                None => format!("Chapter {}", c.position),
            };
            (c.position, label, thousands(*words))
        })
        .collect();
    Ok(ManageChaptersPage {
        layout: Layout::new(
            Some(format!("Chapters of {}", header.work.title)),
            "Reorder, edit and delete a work's chapters.",
        ),
        id,
        work_title: header.work.title,
        chapters,
        error,
    })
}

async fn manage_chapters(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    own_work(&state, &ctx, id).await?;
    Ok(Page(manage_page(&state, id, None).await?).into_response())
}

/// The chapter order the manage form asks for: each chapter's new position as typed
/// (`position_N` for chapter N), the order being the chapters sorted by it; positions that
/// are not each of 1 to `count` once are refused.
fn order_from_positions(fields: &Fields, count: u32) -> Result<Vec<u32>, Error> {
    let mut wanted = Vec::with_capacity(count as usize);
    let mut bad = false;
    for old in 1..=count {
        match fields.get(&format!("position_{old}")).trim().parse::<u32>() {
            Ok(new) => wanted.push((new, old)),
            Err(_) => bad = true,
        }
    }
    wanted.sort();
    let numbered_right = wanted
        .iter()
        .enumerate()
        .all(|(i, (new, _))| *new as usize == i + 1);
    if bad || !numbered_right {
        return Err(Error::Invalid(vec![format!(
            "Give each of the {count} chapters a different position from 1 to {count}."
        )]));
    }
    Ok(wanted.iter().map(|(_, old)| *old).collect())
}

async fn reorder_chapters(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let (work, _, count, fields) = owned_form(&state, &ctx, &id, &headers, body).await?;
    let id = work.id();
    let outcome = match order_from_positions(&fields, count) {
        Ok(order) => service::chapters::reorder(&state, &work, &order).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/works/{id}/chapters/manage"))),
        Err(Error::Invalid(errors)) => Ok(refused(
            manage_page(&state, id, Some(errors.join(" "))).await?,
        )),
        Err(e) => Err(e),
    }
}

async fn delete_chapter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, position)): Path<(String, String)>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let position: u32 = number(&position)?;
    own_work(&state, &ctx, id).await?;
    let (title, count) = work_title(&state, id).await?;
    if position == 0 || position > count {
        return Err(Error::NotFound);
    }
    Ok(Page(ConfirmPage {
        layout: Layout::new(
            Some(format!("Delete chapter {position} of {title}")),
            "Delete a chapter.",
        ),
        heading: format!("Delete chapter {position} of “{title}”?"),
        question: "Are you sure you want to delete this chapter and its comments? The chapters \
                   after it move up one. This cannot be undone."
            .to_owned(),
        action: format!("/works/{id}/chapters/{position}/delete"),
        button: "Yes, delete the chapter".to_owned(),
        back: format!("/works/{id}/chapters/manage"),
    })
    .into_response())
}

async fn delete_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, position)): Path<(String, String)>,
) -> Result<Response, Error> {
    let id = work_id(&id)?;
    let position: u32 = number(&position)?;
    let work = own_work(&state, &ctx, id).await?;
    match service::chapters::delete(&state, &work, position).await {
        Ok(()) => Ok(see_other(&format!("/works/{id}/chapters/manage"))),
        Err(Error::Invalid(errors)) => Ok(refused(
            manage_page(&state, id, Some(errors.join(" "))).await?,
        )),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Drafts

struct DraftRow {
    id: WorkId,
    title: String,
    updated: String,
    chapters: u32,
    words: String,
}

#[derive(Template)]
#[template(path = "posting/drafts.html")]
struct DraftsPage {
    layout: Layout,
    drafts: Vec<DraftRow>,
}

async fn drafts(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    let account = ctx.require_user()?;
    let drafts = state
        .store
        .drafts_of(account.id)
        .await?
        .into_iter()
        .map(|b| DraftRow {
            id: b.id,
            title: b.title,
            updated: b.updated.map(|d| d.to_string()).unwrap_or_default(),
            chapters: b.stats.chapters,
            words: thousands(b.stats.words),
        })
        .collect();
    Ok(Page(DraftsPage {
        layout: Layout::new(
            Some("My drafts".to_owned()),
            "Works you have saved but not posted yet.",
        ),
        drafts,
    })
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Co-creator invitations

#[derive(Template)]
#[template(path = "posting/invitations.html")]
struct InvitationsPage {
    layout: Layout,
    invitations: Vec<ajar_store::CoCreatorInvitation>,
}

async fn invitations(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    let invitations = service::works::invitations(&state, &ctx).await?;
    Ok(Page(InvitationsPage {
        layout: Layout::new(
            Some("Co-creator invitations".to_owned()),
            "Works you have been invited to co-create.",
        ),
        invitations,
    })
    .into_response())
}

async fn answer_invitation(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    accept: bool,
) -> Result<Response, Error> {
    let id = work_id(id)?;
    service::works::answer_invitation(state, ctx, id, accept).await?;
    let next = if accept {
        format!("/works/{id}")
    } else {
        "/invitations".to_owned()
    };
    Ok(see_other(&next))
}

async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    answer_invitation(&state, &ctx, &id, true).await
}

async fn decline_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    answer_invitation(&state, &ctx, &id, false).await
}

// ---------------------------------------------------------------------------------------
// Series parts

#[derive(Template)]
#[template(path = "posting/series_parts.html")]
struct SeriesPartsPage {
    layout: Layout,
    series: ajar_store::OwnedSeries,
    error: Option<String>,
}

/// A series its owner (or an admin) may order.
async fn own_series(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<ajar_store::OwnedSeries, Error> {
    ctx.require_user()?;
    service::works::own_series(state, ctx, SeriesId(number(id)?)).await
}

fn series_parts_page(series: ajar_store::OwnedSeries, error: Option<String>) -> SeriesPartsPage {
    SeriesPartsPage {
        layout: Layout::new(
            Some(format!("Order the parts of {}", series.title)),
            "Set the order of a series' works.",
        ),
        series,
        error,
    }
}

async fn series_parts_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let series = own_series(&state, &ctx, &id).await?;
    Ok(Page(series_parts_page(series, None)).into_response())
}

async fn series_parts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let series = own_series(&state, &ctx, &id).await?;
    let fields = Fields::read(&headers, body).await?;
    let mut parts = Vec::with_capacity(series.parts.len());
    let mut bad = false;
    for (_, work, _) in &series.parts {
        match fields.get(&format!("part_{work}")).trim().parse::<u32>() {
            Ok(n) => parts.push((*work, n)),
            Err(_) => bad = true,
        }
    }
    let outcome = if bad {
        Err(Error::Invalid(vec![
            "Give each work of the series a different part number from 1.".into(),
        ]))
    } else {
        service::works::order_series(&state, &ctx, series.id, &parts).await
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/series/{}", series.id.0))),
        Err(Error::Invalid(errors)) => {
            Ok(refused(series_parts_page(series, Some(errors.join(" ")))))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Tag autocomplete

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AutocompleteQuery {
    /// Only tags of this kind; any of them when left out.
    #[serde(default)]
    #[param(inline, value_type = crate::openapi::FreeKindCode)]
    kind: String,
    /// The start of a word of the tag's name (the first 100 characters count).
    #[serde(default)]
    q: String,
}

/// A tag name to offer, with how many works carry it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TagSuggestion)]
pub(crate) struct Suggestion {
    name: String,
    #[schema(inline, value_type = crate::openapi::FreeKindCode)]
    kind: &'static str,
    uses: u64,
}

/// Tag names for a tag field, most used first
///
/// At most 10 tags, of the kinds a creator types in (fandoms, relationships, characters,
/// additional tags), whose name has a word starting with `q`.
#[utoipa::path(get, path = "/api/v1/tags/autocomplete", params(AutocompleteQuery),
    responses((status = 200, description = "The suggestions.", body = Vec<Suggestion>),
        (status = 400, description = "`kind` is not one of the kinds listed.", body = crate::openapi::ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::Refusals))]
pub(crate) async fn api_autocomplete(
    State(state): State<AppState>,
    query: Result<Query<AutocompleteQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let Query(query) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let kind = match query.kind.trim() {
        "" => None,
        code => match TagKind::TYPED.into_iter().find(|k| k.code() == code) {
            Some(kind) => Some(kind),
            None => {
                return Err(Error::BadRequest(
                    "kind must be one of fandom, relationship, character, freeform.".to_owned(),
                ))
            }
        },
    };
    let q: String = query.q.chars().take(100).collect();
    let found = crate::counts::tag_suggestions(&state, kind, &q, 10).await?;
    let body: Vec<Suggestion> = found
        .into_iter()
        .map(|s| Suggestion {
            name: s.name,
            kind: s.kind.code(),
            uses: s.uses,
        })
        .collect();
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}

async fn script() -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        SCRIPT,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// The work page's owner tools

#[derive(Template)]
#[template(path = "posting/owner_tools.html")]
struct OwnerTools {
    id: WorkId,
    badge: Option<&'static str>,
    gifts: Vec<Link>,
    owner: bool,
    draft: bool,
    hidden: bool,
    /// Hidden while every creator's account is suspended (only admins see it then).
    suspended: bool,
    chapter: Option<u32>,
    csrf_token: String,
}

/// The badge, who the work is a gift for, and, for the work's creators and admins, the tools
/// above a work page.
pub(crate) async fn owner_tools(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
    part: Part,
) -> Result<String, Error> {
    let owner = access.is_creator(&ctx.viewer) || ctx.viewer.is_admin();
    let badge = match access.visibility {
        Visibility::Public => None,
        Visibility::Restricted => Some("Restricted"),
        Visibility::Draft => Some("Draft"),
    };
    let gifts: Vec<Link> = state
        .store
        .gifts_of(access.id)
        .await?
        .into_iter()
        .map(|name| Link {
            href: Some(user_href(&name)),
            name,
        })
        .collect();
    if !owner && badge.is_none() && !access.hidden && !access.creators_suspended && gifts.is_empty()
    {
        return Ok(String::new());
    }
    let chapter = match part {
        Part::Chapter { position, .. } => Some(position),
        Part::Full { .. } => None,
    };
    Ok(OwnerTools {
        id: access.id,
        badge,
        gifts,
        owner,
        draft: access.visibility == Visibility::Draft,
        hidden: access.hidden,
        suspended: access.creators_suspended,
        chapter,
        csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
    }
    .render()?)
}
