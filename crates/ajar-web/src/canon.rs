//! Canon pages: a fandom's timeline (`/tags/NAME/canon`), one entry with the works about it
//! and those that spoil it (`/canon/ID`), and the lines on a work's page that say which
//! entries it spoils and is about (marked when they were read from the work's words and
//! not yet confirmed). Each handler reads its request and calls `service::canon`.

use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::kudos::id_number;
use crate::service::canon as service;
use crate::tag_url;
use crate::views::{Blurb, Layout, Page};
use crate::{AppState, Error};
use ajar_core::{TagId, TagName, WorkId};
use ajar_store::{CanonEntry, TimelineEntry};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tags/{name}/canon", get(timeline))
        .route("/tags/{name}/canon/edit", get(edit_form).post(save))
        .route("/canon/{id}", get(entry))
        .route("/works/{id}/canon", post(settle))
}

#[derive(serde::Deserialize)]
struct SettleForm {
    entry: String,
    relation: String,
    /// "confirm" or "remove".
    action: String,
}

async fn settle(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<SettleForm>, FormRejection>,
) -> Result<Response, Error> {
    let work = WorkId(id_number(id)?);
    let f = form(sent)?;
    let entry = f
        .entry
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::BadRequest("The entry is not a number.".to_owned()))?;
    let relation = f.relation.trim();
    match f.action.as_str() {
        "confirm" => service::settle_link(&state, &ctx, work, entry, relation, true).await?,
        "remove" => service::settle_link(&state, &ctx, work, entry, relation, false).await?,
        "add" => service::add_link(&state, &ctx, work, entry, relation).await?,
        _ => {
            return Err(Error::BadRequest(
                "Add, confirm or remove the link.".to_owned(),
            ))
        }
    }
    Ok(see_other(&format!("/works/{}", work.0)))
}

#[derive(Template)]
#[template(path = "canon/edit.html")]
struct EditPage {
    layout: Layout,
    fandom: String,
    timeline_href: String,
    action: String,
    text: String,
    errors: Vec<String>,
    csrf_token: &'static str,
}

impl EditPage {
    fn new(fandom: &TagName, text: String, errors: Vec<String>) -> EditPage {
        let timeline_href = tag_url::canon_href(fandom.as_str());
        EditPage {
            layout: Layout::new(
                Some(format!("Edit the canon timeline of {fandom}")),
                format!("The canon of {fandom} in order, as a CSV file, for wranglers to edit."),
            ),
            fandom: fandom.to_string(),
            action: format!("{timeline_href}/edit"),
            timeline_href,
            text,
            errors,
            csrf_token: crate::auth::CSRF_PLACEHOLDER,
        }
    }
}

fn fandom_of(name: Result<Path<String>, PathRejection>) -> Result<TagName, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    tag_url::decode(&segment).ok_or(Error::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Page<EditPage>, Error> {
    let (fandom, text) = service::timeline_text(&state, &ctx, &fandom_of(name)?).await?;
    Ok(Page(EditPage::new(&fandom, text, Vec::new())))
}

#[derive(serde::Deserialize)]
struct TimelineForm {
    timeline: String,
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Form<TimelineForm>, FormRejection>,
) -> Result<Response, Error> {
    let fandom = fandom_of(name)?;
    let text = form(sent)?.timeline;
    match service::save_timeline(&state, &ctx, &fandom, &text).await {
        Ok(_) => Ok(see_other(&tag_url::canon_href(fandom.as_str()))),
        Err(Error::Invalid(errors)) => Ok((
            axum::http::StatusCode::BAD_REQUEST,
            Page(EditPage::new(&fandom, text, errors)),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "canon/timeline.html")]
struct TimelinePage {
    layout: Layout,
    fandom: String,
    fandom_href: String,
    entries: Vec<TimelineEntry>,
    /// "I've seen … up to" (HTML).
    picker: String,
    /// The editor's address, for wranglers.
    edit_href: Option<String>,
}

async fn timeline(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Page<TimelinePage>, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let fandom = tag_url::decode(&segment).ok_or(Error::NotFound)?;
    let entries = service::timeline(&state, &fandom).await?;
    let name = entries
        .first()
        .map_or_else(|| fandom.to_string(), |e| e.entry.fandom.to_string());
    let ids: Vec<TagId> = entries
        .first()
        .map(|e| e.entry.fandom_id)
        .into_iter()
        .collect();
    let back = format!("/tags/{segment}/canon");
    let picker = crate::spoilers::pickers(&state.store, &ctx, &ids, &back).await?;
    Ok(Page(TimelinePage {
        layout: Layout::new(
            Some(format!("{name} - Canon timeline")),
            format!("The canon of {name} in order, with the works that spoil each entry and the works about it."),
        ),
        fandom_href: tag_url::tag_href(&name),
        fandom: name,
        entries,
        picker,
        edit_href: crate::service::wrangling::may_wrangle(&ctx)
            .then(|| format!("/tags/{segment}/canon/edit")),
    }))
}

#[derive(Template)]
#[template(path = "canon/entry.html")]
struct EntryPage {
    layout: Layout,
    entry: CanonEntry,
    heading: String,
    timeline_href: String,
    about: Vec<Blurb>,
    spoiling: Vec<Blurb>,
}

async fn entry(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<EntryPage>, Error> {
    let id = id_number(id)?;
    let (entry, about, spoiling) = service::entry(&state, &ctx, id).await?;
    let heading = entry.name();
    Ok(Page(EntryPage {
        layout: Layout::new(
            Some(heading.clone()),
            format!("Works about {heading}, and works that spoil it."),
        ),
        timeline_href: tag_url::canon_href(entry.fandom.as_str()),
        heading,
        entry,
        about: about.into_iter().map(Blurb::from).collect(),
        spoiling: spoiling.into_iter().map(Blurb::from).collect(),
    }))
}

/// One line of a work's canon links.
struct LinkLine {
    entry: i64,
    relation: String,
    what: &'static str,
    name: String,
    href: String,
    inferred: bool,
}

#[derive(Template)]
#[template(path = "canon/work_links.html")]
struct WorkLinks {
    work: i64,
    lines: Vec<LinkLine>,
    /// The viewer may confirm or remove links (the work's creators).
    settle: bool,
    csrf_token: &'static str,
    /// "I've seen … up to" for the fandoms of the linked entries (HTML).
    pickers: String,
    /// For its creators: the entries of its fandoms' timelines, to link it to (id, name).
    linkable: Vec<(i64, String)>,
    relations: Vec<(&'static str, &'static str)>,
}

/// The work page's lines naming the canon entries it spoils and is about; empty when none.
pub(crate) async fn work_section(
    state: &AppState,
    ctx: &Ctx,
    access: &ajar_store::WorkAccess,
) -> Result<String, Error> {
    let links = service::work_links(state, access.id).await?;
    let settle = service::may_settle(ctx, access);
    let linkable: Vec<(i64, String)> = if settle {
        state
            .store
            .canon_entries_for_work(access.id)
            .await?
            .iter()
            .map(|e| (e.id, e.name()))
            .collect()
    } else {
        Vec::new()
    };
    if links.is_empty() && linkable.is_empty() {
        return Ok(String::new());
    }
    let lines = links
        .iter()
        .map(|l| LinkLine {
            entry: l.entry.id,
            relation: l.relation.clone(),
            what: ajar_core::canon::relation_label(&l.relation).unwrap_or("linked to"),
            name: l.entry.name(),
            href: format!("/canon/{}", l.entry.id),
            inferred: l.inferred,
        })
        .collect();
    let mut fandoms: Vec<TagId> = links.iter().map(|l| l.entry.fandom_id).collect();
    fandoms.dedup();
    let back = ctx
        .page
        .clone()
        .unwrap_or_else(|| format!("/works/{}", access.id));
    let pickers = crate::spoilers::pickers(&state.store, ctx, &fandoms, &back).await?;
    WorkLinks {
        work: access.id.0,
        lines,
        settle,
        csrf_token: crate::auth::CSRF_PLACEHOLDER,
        pickers,
        linkable,
        relations: ajar_core::canon::relations().collect(),
    }
    .render()
    .map_err(Error::Render)
}
