//! Canon pages: a fandom's timeline (`/tags/NAME/canon`), one entry with the works about it
//! and those that spoil it (`/canon/ID`), and the lines on a work's page that say which
//! entries it spoils and is about (marked when they were read from the work's words and
//! not yet confirmed). Each handler reads its request and calls `service::canon`.

use crate::auth::Ctx;
use crate::kudos::id_number;
use crate::service::canon as service;
use crate::tag_url;
use crate::views::{Blurb, Layout, Page};
use crate::{AppState, Error};
use ajar_core::canon::About;
use ajar_core::WorkId;
use ajar_store::{CanonEntry, TimelineEntry};
use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tags/{name}/canon", get(timeline))
        .route("/canon/{id}", get(entry))
}

/// An entry as pages name it: "Gilmore Girls 4×13, “Nag Hammadi Is Where…”".
fn entry_name(e: &CanonEntry) -> String {
    format!("{} {}, “{}”", e.fandom, e.label(), e.title)
}

#[derive(Template)]
#[template(path = "canon/timeline.html")]
struct TimelinePage {
    layout: Layout,
    fandom: String,
    fandom_href: String,
    entries: Vec<TimelineEntry>,
}

async fn timeline(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Page<TimelinePage>, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let fandom = tag_url::decode(&segment).ok_or(Error::NotFound)?;
    let entries = service::timeline(&state, &fandom).await?;
    let name = entries
        .first()
        .map_or_else(|| fandom.to_string(), |e| e.entry.fandom.to_string());
    Ok(Page(TimelinePage {
        layout: Layout::new(
            Some(format!("{name} - Canon timeline")),
            format!("The canon of {name} in order, with the works that spoil each entry and the works about it."),
        ),
        fandom_href: tag_url::tag_href(&name),
        fandom: name,
        entries,
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
    let heading = entry_name(&entry);
    Ok(Page(EntryPage {
        layout: Layout::new(
            Some(heading.clone()),
            format!("Works about {heading}, and works that spoil it."),
        ),
        timeline_href: format!("/tags/{}/canon", tag_url::encode(entry.fandom.as_str())),
        heading,
        entry,
        about: about.into_iter().map(Blurb::from).collect(),
        spoiling: spoiling.into_iter().map(Blurb::from).collect(),
    }))
}

/// One line of a work's canon links.
struct LinkLine {
    what: &'static str,
    name: String,
    href: String,
    inferred: bool,
}

#[derive(Template)]
#[template(path = "canon/work_links.html")]
struct WorkLinks {
    lines: Vec<LinkLine>,
}

/// The work page's lines naming the canon entries it spoils and is about; empty when none.
pub(crate) async fn work_section(state: &AppState, work: WorkId) -> Result<String, Error> {
    let links = service::work_links(state, work).await?;
    if links.is_empty() {
        return Ok(String::new());
    }
    let lines = links
        .iter()
        .map(|l| LinkLine {
            what: match About::from_code(&l.relation) {
                Some(about) => about.label(),
                None => "spoils up to",
            },
            name: entry_name(&l.entry),
            href: format!("/canon/{}", l.entry.id),
            inferred: l.inferred,
        })
        .collect();
    WorkLinks { lines }.render().map_err(Error::Render)
}
