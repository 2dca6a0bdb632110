//! The JSON API's writes of works and chapters: `POST /api/v1/works` (a new work with its
//! chapters), `PATCH` and `DELETE /api/v1/works/{id}`, `POST /api/v1/works/{id}/chapters`,
//! `PUT` and `DELETE /api/v1/works/{id}/chapters/{position}`, and
//! `PUT /api/v1/works/{id}/chapter-order`. Each reads its JSON into the typed request the
//! posting forms fill (`WorkForm`, `ChapterForm`) and calls the same service function, so
//! every rule is the forms' rule. The API is stricter than a form only where a form cannot
//! send a wrong value: an unknown rating, warning, category, language, visibility, comment
//! policy or text format is refused by name rather than read as the default.

use super::{chapter_text, json_body, work_detail, ChapterText, WorkDetail};
use crate::access::own_work;
use crate::auth::Ctx;
use crate::kudos::{id_number, work_id};
use crate::openapi::{BodyRefusals, ChangeRefusals, ChapterPath, Missing, WorkPath};
use crate::posting::form::{ChapterForm, Format, WorkForm};
use crate::service;
use crate::{AppState, Error};
use ajar_core::{ArchiveWarning, Category, CommentPolicy, Language, Rating, Visibility, WorkId};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

/// `null` and absent told apart: `Some(None)` is an explicit `null`.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A work's fields as the API takes them; every one optional. A new work needs `title`,
/// `fandoms` and `chapters` (the checks ask for them by name); a change sends the fields that
/// change, and neither `creators` nor `chapters`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WorkRequest)]
pub(crate) struct WorkFields {
    /// At most 255 characters.
    title: Option<String>,
    /// Names of the poster's own pseuds; the default pseud when left out. Only when posting.
    creators: Option<Vec<String>>,
    /// At least one. No commas or semicolons in a name.
    fandoms: Option<Vec<String>>,
    #[schema(inline, value_type = Option<crate::openapi::RatingCode>)]
    rating: Option<String>,
    #[schema(inline, value_type = Option<Vec<crate::openapi::WarningCode>>)]
    warnings: Option<Vec<String>>,
    #[schema(inline, value_type = Option<Vec<crate::openapi::CategoryCode>>)]
    categories: Option<Vec<String>>,
    /// Relationship tags.
    relationships: Option<Vec<String>>,
    /// Character tags.
    characters: Option<Vec<String>>,
    /// Additional tags.
    tags: Option<Vec<String>>,
    /// A language's name or code (English, en).
    language: Option<String>,
    /// Written in `format`; HTML is sanitized.
    summary: Option<String>,
    notes: Option<String>,
    end_notes: Option<String>,
    /// What the work spoils, in words.
    spoilers: Option<String>,
    series: Option<Vec<SeriesPart>>,
    /// Chapters in all; `null` when not known yet. Left out of a new work: as many as it is
    /// posted with, unless `more_to_come`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    expected_chapters: Option<Option<u32>>,
    more_to_come: Option<bool>,
    /// For a work first posted elsewhere: YYYY-MM-DD, not in the future.
    #[schema(format = Date)]
    published: Option<String>,
    /// How every text of the request is written; `html` when left out.
    #[schema(inline, value_type = Option<crate::openapi::FormatCode>)]
    format: Option<String>,
    #[schema(inline, value_type = Option<crate::openapi::VisibilityCode>)]
    visibility: Option<String>,
    /// Who may comment.
    #[schema(inline, value_type = Option<crate::openapi::CommentPolicyCode>)]
    comments: Option<String>,
    /// User names the work is a gift for.
    gifts: Option<Vec<String>>,
    /// Pseud names invited as co-creators.
    co_creators: Option<Vec<String>>,
    /// Only when posting, at least one; written in the work's `format`.
    chapters: Option<Vec<ChapterFields>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SeriesPart {
    /// One of the account's series, or a new one.
    title: String,
    /// The part number; after the last part when left out.
    #[schema(minimum = 1)]
    part: Option<u32>,
}

/// A chapter's fields as the API takes them.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChapterRequest)]
pub(crate) struct ChapterFields {
    title: Option<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    end_notes: String,
    /// The chapter's text: at least one word, at most a million characters.
    #[serde(default)]
    body: String,
    /// Only on a chapter sent alone; a work's chapters are written in the work's `format`.
    #[schema(inline, value_type = Option<crate::openapi::FormatCode>)]
    format: Option<String>,
}

/// Reads a code against the values a type takes, or says which it takes.
fn code<T: Copy>(
    errors: &mut Vec<String>,
    field: &str,
    sent: &str,
    all: &[T],
    code_of: impl Fn(T) -> &'static str,
) -> Option<T> {
    let found = all.iter().copied().find(|v| code_of(*v) == sent.trim());
    if found.is_none() {
        let codes: Vec<&str> = all.iter().map(|v| code_of(*v)).collect();
        errors.push(format!(
            "{field}: “{}” is not one of {}.",
            crate::views::excerpt(sent, 60),
            codes.join(", ")
        ));
    }
    found
}

fn format_of(errors: &mut Vec<String>, sent: Option<&str>) -> Format {
    match sent {
        None => Format::Html,
        Some(sent) => {
            code(errors, "format", sent, &Format::ALL, Format::code).unwrap_or(Format::Html)
        }
    }
}

/// A list of names as a form's comma-separated field; a name that holds a separator is
/// refused rather than split.
fn list(errors: &mut Vec<String>, field: &str, names: &[String]) -> String {
    for name in names {
        if name.contains([',', '，', ';']) {
            errors.push(format!(
                "{field}: “{}” holds a comma or semicolon, which separate names; send each \
                 as its own string.",
                crate::views::excerpt(name, 60)
            ));
        }
    }
    names.join(", ")
}

impl ChapterFields {
    fn into_form(self, format: Format) -> ChapterForm {
        ChapterForm {
            title: self.title.unwrap_or_default(),
            summary: self.summary,
            notes: self.notes,
            end_notes: self.end_notes,
            body: self.body,
            format,
        }
    }

    /// The chapter form this fills, or what to fix.
    fn form(self) -> Result<ChapterForm, Error> {
        let mut errors = Vec::new();
        let format = format_of(&mut errors, self.format.as_deref());
        if errors.is_empty() {
            Ok(self.into_form(format))
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

impl WorkFields {
    /// Writes the fields sent over `form` (a blank form for a new work, the stored work's
    /// for a change); answers whether a draft is to be kept as one (`visibility: draft`)
    /// or posted (another visibility), or `None` when not said.
    fn apply(self, form: &mut WorkForm, errors: &mut Vec<String>) -> Option<bool> {
        let mut draft = None;
        let format = format_of(errors, self.format.as_deref());
        form.format = format;
        if let Some(title) = self.title {
            form.title = title;
        }
        let lists = [
            ("fandoms", self.fandoms, &mut form.fandoms),
            ("relationships", self.relationships, &mut form.relationships),
            ("characters", self.characters, &mut form.characters),
            ("tags", self.tags, &mut form.freeforms),
            ("gifts", self.gifts, &mut form.gifts),
            ("co_creators", self.co_creators, &mut form.co_creators),
        ];
        for (field, sent, target) in lists {
            if let Some(sent) = sent {
                *target = list(errors, field, &sent);
            }
        }
        if let Some(rating) = self.rating {
            if let Some(r) = code(errors, "rating", &rating, &Rating::ALL, Rating::code) {
                form.rating = r.code().to_owned();
            }
        }
        if let Some(warnings) = self.warnings {
            form.warnings = warnings
                .iter()
                .filter_map(|w| {
                    code(
                        errors,
                        "warnings",
                        w,
                        &ArchiveWarning::ALL,
                        ArchiveWarning::code,
                    )
                })
                .map(|w| w.code().to_owned())
                .collect();
        }
        if let Some(categories) = self.categories {
            form.categories = categories
                .iter()
                .filter_map(|c| code(errors, "categories", c, &Category::ALL, Category::code))
                .map(|c| c.code().to_owned())
                .collect();
        }
        if let Some(language) = self.language {
            match Language::parse(&language) {
                Some(l) => form.language = l.name().to_owned(),
                None => errors.push(format!(
                    "language: “{}” is not a language the archive knows (send its name or \
                     code, e.g. English or en).",
                    crate::views::excerpt(&language, 60)
                )),
            }
        }
        for (sent, target) in [
            (self.summary, &mut form.summary),
            (self.notes, &mut form.notes),
            (self.end_notes, &mut form.end_notes),
            (self.spoilers, &mut form.spoilers),
            (self.published, &mut form.backdate),
        ] {
            if let Some(sent) = sent {
                *target = sent;
            }
        }
        if let Some(series) = self.series {
            form.series = series
                .into_iter()
                .map(|s| (s.title, s.part.map(|n| n.to_string()).unwrap_or_default()))
                .collect();
        }
        match self.expected_chapters {
            Some(Some(n)) => form.expected_chapters = n.to_string(),
            Some(None) => form.expected_chapters = "?".to_owned(),
            None => {}
        }
        if let Some(more) = self.more_to_come {
            form.more_to_come = more;
        }
        if let Some(visibility) = self.visibility {
            if let Some(v) = code(
                errors,
                "visibility",
                &visibility,
                Visibility::ALL,
                Visibility::code,
            ) {
                draft = Some(v == Visibility::Draft);
                if v != Visibility::Draft {
                    form.visibility = v.code().to_owned();
                }
            }
        }
        if let Some(comments) = self.comments {
            if let Some(c) = code(
                errors,
                "comments",
                &comments,
                CommentPolicy::ALL,
                CommentPolicy::code,
            ) {
                form.comments = c.code().to_owned();
            }
        }
        if let Some(chapters) = self.chapters {
            let mut chapters = chapters.into_iter();
            if let Some(first) = chapters.next() {
                if first.format.is_some() {
                    errors.push(
                        "chapters: a work's chapters are written in the work's format; send \
                         format once, beside the title."
                            .to_owned(),
                    );
                }
                form.chapter_title = first.title.unwrap_or_default();
                form.chapter_summary = first.summary;
                form.chapter_notes = first.notes;
                form.chapter_end_notes = first.end_notes;
                form.body = first.body;
            }
            form.later_chapters = chapters.map(|c| c.into_form(format)).collect();
        }
        draft
    }
}

/// The ids of the account's pseuds named, or what to fix.
async fn pseud_ids(
    state: &AppState,
    ctx: &Ctx,
    names: Option<Vec<String>>,
    errors: &mut Vec<String>,
) -> Result<Vec<i64>, Error> {
    let account = ctx.require_user()?;
    let pseuds = state.store.pseuds_of(account.id).await?;
    let Some(names) = names else {
        return Ok(pseuds.first().map(|p| p.id.0).into_iter().collect());
    };
    let mut ids = Vec::new();
    for name in names {
        match pseuds
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        {
            Some(p) => ids.push(p.id.0),
            None => errors.push(format!(
                "creators: “{}” is not one of your pseuds.",
                crate::views::excerpt(&name, 60)
            )),
        }
    }
    Ok(ids)
}

/// Post a work
///
/// A new work with its chapters, under the account's pseuds (its default pseud when
/// `creators` is left out); `visibility: draft` keeps it as a draft. Needs a token with the
/// write scope.
#[utoipa::path(post, path = "/api/v1/works", security(("token" = []), ("basic" = [])), request_body = WorkFields,
    responses((status = 201, description = "The work as posted (its address in `Location`).", body = WorkDetail),
        BodyRefusals, ChangeRefusals))]
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let mut fields: WorkFields = json_body(sent, "work")?;
    let mut errors = Vec::new();
    let pseuds = pseud_ids(&state, &ctx, fields.creators.take(), &mut errors).await?;
    if fields.chapters.as_ref().is_none_or(Vec::is_empty) {
        errors.push("chapters: a new work needs at least one chapter.".to_owned());
    }
    let mut form = WorkForm::blank(None);
    form.pseuds = pseuds;
    let draft = fields.apply(&mut form, &mut errors).unwrap_or(false);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let new = service::works::NewWork { form, draft };
    let id = service::works::post(&state, &ctx, &new).await?;
    created(
        &format!("/api/v1/works/{id}"),
        work_detail(&state, &ctx, id).await?,
    )
}

impl WorkFields {
    /// What a change may not send: chapters and creators change elsewhere.
    fn not_changed_here(&self, id: WorkId) -> Vec<String> {
        let mut errors = Vec::new();
        if self.chapters.is_some() {
            errors.push(format!(
                "chapters: a work's chapters are changed at /api/v1/works/{id}/chapters."
            ));
        }
        if self.creators.is_some() {
            errors.push(
                "creators: a posted work's creators do not change here; invite co-creators \
                 with co_creators."
                    .to_owned(),
            );
        }
        errors
    }
}

pub(super) fn created<T: serde::Serialize>(location: &str, body: T) -> Result<Response, Error> {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().insert(
        LOCATION,
        axum::http::HeaderValue::from_str(location).map_err(|e| Error::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Change a work
///
/// The fields sent change; the others stay. Not its chapters (see chapters) nor its
/// creators. A draft sent a visibility other than `draft` is posted.
#[utoipa::path(patch, path = "/api/v1/works/{id}", security(("token" = []), ("basic" = [])), params(WorkPath), request_body = WorkFields,
    responses((status = 200, description = "The work as changed.", body = WorkDetail),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<WorkDetail>, Error> {
    let id = work_id(id)?;
    let access = own_work(&state, &ctx, id).await?;
    let fields: WorkFields = json_body(sent, "change")?;
    let mut errors = fields.not_changed_here(id);
    let mut form = crate::posting::stored_form(&state, id, &access).await?;
    let draft = fields.apply(&mut form, &mut errors);
    if draft == Some(true) && access.visibility != Visibility::Draft {
        errors.push("visibility: a posted work cannot become a draft again.".to_owned());
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let change = service::works::WorkChange {
        form,
        post_draft: draft == Some(false),
    };
    service::works::edit(&state, &ctx, &access, &change).await?;
    Ok(Json(work_detail(&state, &ctx, id).await?))
}

/// Delete a work
///
/// With its chapters, comments, kudos and bookmarks. By its creators only.
#[utoipa::path(delete, path = "/api/v1/works/{id}", security(("token" = []), ("basic" = [])), params(WorkPath),
    responses((status = 204, description = "Deleted."), Missing, ChangeRefusals))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let work = own_work(&state, &ctx, work_id(id)?).await?;
    service::works::delete(&state, &work).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A work id and a chapter number from a path; anything else names no page.
pub(super) fn work_and_position(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(WorkId, u32), Error> {
    let Path((id, position)) = path.map_err(|_| Error::NotFound)?;
    let id = work_id(Ok(Path(id)))?;
    let position = u32::try_from(id_number(Ok(Path(position)))?).map_err(|_| Error::NotFound)?;
    Ok((id, position))
}

/// Add a chapter
///
/// After the work's last chapter.
#[utoipa::path(post, path = "/api/v1/works/{id}/chapters", security(("token" = []), ("basic" = [])), params(WorkPath), request_body = ChapterFields,
    responses((status = 201, description = "The chapter as added (its address in `Location`).", body = ChapterText),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn add_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let id = work_id(id)?;
    let work = own_work(&state, &ctx, id).await?;
    let form = json_body::<ChapterFields>(sent, "chapter")?.form()?;
    let position = service::chapters::add(&state, &ctx, &work, &form).await?;
    created(
        &super::chapter_url(id, position),
        chapter_text(&state, id, position).await?,
    )
}

/// Replace a chapter's title, notes and text
#[utoipa::path(put, path = "/api/v1/works/{id}/chapters/{position}", security(("token" = []), ("basic" = [])), params(ChapterPath), request_body = ChapterFields,
    responses((status = 200, description = "The chapter as saved.", body = ChapterText),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn edit_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<ChapterText>, Error> {
    let (id, position) = work_and_position(path)?;
    let work = own_work(&state, &ctx, id).await?;
    let form = json_body::<ChapterFields>(sent, "chapter")?.form()?;
    service::chapters::edit(&state, &work, position, &form).await?;
    Ok(Json(chapter_text(&state, id, position).await?))
}

/// Delete a chapter
///
/// With its comments; the chapters after it move up one. A work's only chapter cannot be
/// deleted (delete the work): that is answered 400.
#[utoipa::path(delete, path = "/api/v1/works/{id}/chapters/{position}", security(("token" = []), ("basic" = [])), params(ChapterPath),
    responses((status = 204, description = "Deleted."), BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn delete_chapter(
    State(state): State<AppState>,
    ctx: Ctx,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, Error> {
    let (id, position) = work_and_position(path)?;
    let work = own_work(&state, &ctx, id).await?;
    service::chapters::delete(&state, &work, position).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChapterOrder {
    /// The current chapter numbers, each once, in their new order (`[2, 1, 3]`).
    #[schema(inline, value_type = Vec<u32>)]
    order: Vec<u32>,
}

/// Reorder a work's chapters
#[utoipa::path(put, path = "/api/v1/works/{id}/chapter-order", security(("token" = []), ("basic" = [])), params(WorkPath), request_body = ChapterOrder,
    responses((status = 200, description = "The work, its chapters in their new order.", body = WorkDetail),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn reorder_chapters(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<WorkDetail>, Error> {
    let id = work_id(id)?;
    let work = own_work(&state, &ctx, id).await?;
    let order: ChapterOrder = json_body(sent, "chapter order")?;
    service::chapters::reorder(&state, &work, &order.order).await?;
    Ok(Json(work_detail(&state, &ctx, id).await?))
}
