//! The wranglers' pages: the queue of unwrangled tags (`/wrangling`, per fandom with
//! `?fandom=NAME`), each with its likely canonical tag and one-click buttons; a tag's
//! wrangling page (`/tags/NAME/wrangle`: status, synonyms, parents, meta and sub tags, every
//! change, the history); mass actions over a list of tags; and assigning oneself to a
//! fandom. Each handler reads its request and calls one `service::wrangling` function, which
//! checks the role: an ordinary account gets 403 and nothing changes.

use crate::accounts::{form, local_return, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::service::wrangling::{self as service, Queue, Suggested, WrangleRequest};
use crate::tag_url;
use crate::views::{Layout, Page};
use crate::{AppState, Error};
use ajar_core::{TagKind, TagName};
use ajar_store::{TagRef, TagState, WrangleRecord};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// History lines a tag's wrangling page shows.
const HISTORY_SHOWN: u32 = 50;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/wrangling", get(queue_page))
        .route("/wrangling/mass", post(mass))
        .route("/wrangling/assign", post(assign))
        .route("/tags/{name}/wrangle", get(tag_page).post(wrangle))
}

/// A link to a tag's page, as the templates show it.
pub(crate) struct TagLink {
    pub(crate) name: String,
    pub(crate) href: String,
    pub(crate) wrangle_href: String,
    pub(crate) kind: &'static str,
}

impl TagLink {
    pub(crate) fn of(tag: &TagRef) -> TagLink {
        TagLink {
            name: tag.name.as_str().to_owned(),
            href: tag_url::tag_href(tag.name.as_str()),
            wrangle_href: wrangle_href(tag.name.as_str()),
            kind: tag.kind.label(),
        }
    }
}

pub(crate) fn wrangle_href(name: &str) -> String {
    format!("/tags/{}/wrangle", tag_url::encode(name))
}

fn links(tags: &[TagRef]) -> Vec<TagLink> {
    tags.iter().map(TagLink::of).collect()
}

// ---------------------------------------------------------------------------------------
// The queue

#[derive(Deserialize, Default)]
struct QueueQuery {
    fandom: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

struct QueueLine {
    tag: TagLink,
    works: u64,
    since: String,
    suggestion: Option<(TagLink, String)>,
}

#[derive(Template)]
#[template(path = "wrangling/queue.html")]
struct QueuePage {
    layout: Layout,
    notice: Option<String>,
    fandom: Option<TagLink>,
    assigned: Vec<TagLink>,
    /// Whether the viewer looks after the fandom shown.
    looked_after: bool,
    lines: Vec<QueueLine>,
    /// This page's own address (forms come back to it).
    here: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    actions: &'static [&'static str],
    mass_errors: Vec<String>,
}

fn queue_href(fandom: Option<&str>, page: u64) -> String {
    let mut href = "/wrangling".to_owned();
    let mut sep = '?';
    if let Some(f) = fandom {
        href.push_str(&format!("{sep}fandom={}", ajar_search::encode(f)));
        sep = '&';
    }
    if page > 1 {
        href.push_str(&format!("{sep}page={page}"));
    }
    href
}

impl QueuePage {
    fn new(queue: Queue, notice: Option<String>, mass_errors: Vec<String>) -> QueuePage {
        let fandom_name = queue.fandom.as_ref().map(|f| f.name.as_str().to_owned());
        let title = match &fandom_name {
            Some(f) => format!("Unwrangled tags in {f}"),
            None => "Unwrangled tags".to_owned(),
        };
        let here = queue_href(fandom_name.as_deref(), queue.page);
        QueuePage {
            layout: Layout::new(
                Some(title),
                "Tags waiting for a wrangler, oldest first, with their likely canonical tags.",
            ),
            notice,
            prev_href: (queue.page > 1).then(|| queue_href(fandom_name.as_deref(), queue.page - 1)),
            next_href: queue
                .more
                .then(|| queue_href(fandom_name.as_deref(), queue.page + 1)),
            looked_after: queue
                .fandom
                .as_ref()
                .is_some_and(|f| queue.assigned.iter().any(|a| a.id == f.id)),
            fandom: queue.fandom.as_ref().map(TagLink::of),
            assigned: links(&queue.assigned),
            lines: queue
                .entries
                .into_iter()
                .map(|e| QueueLine {
                    tag: TagLink::of(&e.queued.tag),
                    works: e.queued.works,
                    since: e.queued.created_at.format("%Y-%m-%d").to_string(),
                    suggestion: e
                        .suggestion
                        .map(|Suggested { tag, why }| (TagLink::of(&tag), why)),
                })
                .collect(),
            here,
            actions: &service::ACTIONS,
            mass_errors,
        }
    }
}

fn done_notice(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "wrangled" => "The tag was wrangled; listings and counts follow at once.",
            "assigned" => "You look after this fandom now.",
            "unassigned" => "You no longer look after this fandom.",
            "mass" => "Every listed tag was changed.",
            _ => return None,
        }
        .to_owned(),
    )
}

async fn queue_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Page<QueuePage>, Error> {
    service::require_wrangler(&ctx)?;
    let Query(q) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let fandom = match q.fandom.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(TagName::parse(f).map_err(|_| Error::NotFound)?),
        None => None,
    };
    let page = crate::home::page_number(q.page)?;
    let queue = service::queue(&state, &ctx, fandom.as_ref(), page).await?;
    Ok(Page(QueuePage::new(
        queue,
        done_notice(q.done.as_deref()),
        Vec::new(),
    )))
}

#[derive(Deserialize)]
struct MassForm {
    tags: String,
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    back: String,
}

async fn mass(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<MassForm>, FormRejection>,
) -> Result<Response, Error> {
    service::require_wrangler(&ctx)?;
    let f = form(sent)?;
    let request = WrangleRequest {
        action: f.action,
        target: f.target,
    };
    let outcome = service::wrangle_many(&state, &ctx, &f.tags, &request).await;
    let refused = match outcome {
        Ok(o) if o.refused.is_empty() => {
            return Ok(see_other(&with_done(&local_return(Some(&f.back)), "mass")))
        }
        Ok(o) => {
            let mut lines = vec![format!(
                "Changed {} tags; these were refused:",
                o.changed.len()
            )];
            lines.extend(o.refused);
            lines
        }
        Err(Error::Invalid(why)) => why,
        Err(e) => return Err(e),
    };
    let queue = service::queue(&state, &ctx, None, 1).await?;
    Ok((
        StatusCode::BAD_REQUEST,
        Page(QueuePage::new(queue, None, refused)),
    )
        .into_response())
}

/// `back` with `done=WHAT` added to its query.
fn with_done(back: &str, what: &str) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}done={what}")
}

#[derive(Deserialize)]
struct AssignForm {
    fandom: String,
    assigned: String,
}

async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<AssignForm>, FormRejection>,
) -> Result<Response, Error> {
    service::require_wrangler(&ctx)?;
    let f = form(sent)?;
    let fandom = TagName::parse(f.fandom.trim()).map_err(|_| Error::NotFound)?;
    let assigned = f.assigned == "yes";
    service::assign(&state, &ctx, &fandom, assigned).await?;
    let back = queue_href(Some(fandom.as_str()), 1);
    Ok(see_other(&with_done(
        &back,
        if assigned { "assigned" } else { "unassigned" },
    )))
}

// ---------------------------------------------------------------------------------------
// One tag

#[derive(Template)]
#[template(path = "wrangling/tag.html")]
struct TagWranglePage {
    layout: Layout,
    notice: Option<String>,
    errors: Vec<String>,
    tag: TagLink,
    status: String,
    canonical: bool,
    unwrangleable: bool,
    fixed: bool,
    merger: Option<TagLink>,
    relations: Vec<Relation>,
    suggestion: Option<(TagLink, String)>,
    /// The kind whose canonical tags the synonym and meta fields offer.
    kind_code: &'static str,
    /// The kind parents are offered from.
    parent_kind: &'static str,
    history: Vec<HistoryLine>,
    here: String,
}

/// One list of related tags, and the action that removes one (none: not from here).
struct Relation {
    heading: &'static str,
    list: Vec<TagLink>,
    remove: &'static str,
}

struct HistoryLine {
    who: String,
    at: String,
    action: String,
    before: String,
    after: String,
}

impl TagWranglePage {
    fn new(
        tag: TagState,
        suggestion: Option<Suggested>,
        history: Vec<WrangleRecord>,
        notice: Option<String>,
        errors: Vec<String>,
    ) -> TagWranglePage {
        let link = TagLink::of(&tag.tag);
        TagWranglePage {
            layout: Layout::new(
                Some(format!("Wrangle {}", tag.tag.name)),
                "Make the tag canonical or a synonym, set its parents, meta and sub tags.",
            ),
            notice,
            errors,
            here: link.wrangle_href.clone(),
            status: tag.status(),
            canonical: tag.canonical,
            unwrangleable: tag.unwrangleable,
            fixed: matches!(
                tag.tag.kind,
                TagKind::Rating | TagKind::Warning | TagKind::Category
            ),
            merger: tag.merger.as_ref().map(TagLink::of),
            relations: [
                ("Synonyms", &tag.synonyms, ""),
                ("Parents", &tag.parents, "remove-parent"),
                ("Children", &tag.children, ""),
                ("Meta tags", &tag.metas, "remove-meta"),
                ("Sub tags", &tag.subs, "remove-sub"),
            ]
            .into_iter()
            .map(|(heading, list, remove)| Relation {
                heading,
                list: links(list),
                remove,
            })
            .collect(),
            suggestion: suggestion.map(|Suggested { tag, why }| (TagLink::of(&tag), why)),
            kind_code: tag.tag.kind.code(),
            parent_kind: if tag.tag.kind == TagKind::Relationship {
                ""
            } else {
                "fandom"
            },
            tag: link,
            history: history
                .into_iter()
                .map(|r| HistoryLine {
                    who: r.user.unwrap_or_else(|| "a deleted account".to_owned()),
                    at: r.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                    action: r.action,
                    before: r.before,
                    after: r.after,
                })
                .collect(),
        }
    }
}

fn tag_name(name: Result<Path<String>, PathRejection>) -> Result<TagName, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    tag_url::decode(&segment).ok_or(Error::NotFound)
}

/// The tag's wrangling page, with `notice` or `errors` above it.
async fn render_tag(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<Page<TagWranglePage>, Error> {
    let tag = service::tag_state(state, name).await?;
    let history = service::history(state, ctx, name, HISTORY_SHOWN).await?;
    let suggestion = service::suggestion(state, ctx, &tag).await?;
    Ok(Page(TagWranglePage::new(
        tag, suggestion, history, notice, errors,
    )))
}

async fn tag_page(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Page<TagWranglePage>, Error> {
    service::require_wrangler(&ctx)?;
    let name = tag_name(name)?;
    let done = query.ok().and_then(|Query(q)| q.done);
    render_tag(
        &state,
        &ctx,
        &name,
        done_notice(done.as_deref()),
        Vec::new(),
    )
    .await
}

#[derive(Deserialize)]
struct WrangleForm {
    action: String,
    #[serde(default)]
    target: String,
    /// Where to go after (the queue, for one-click buttons there); the tag's page if none.
    #[serde(default)]
    back: String,
}

async fn wrangle(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Form<WrangleForm>, FormRejection>,
) -> Result<Response, Error> {
    service::require_wrangler(&ctx)?;
    let name = tag_name(name)?;
    let f = form(sent)?;
    let request = WrangleRequest {
        action: f.action,
        target: f.target,
    };
    match service::wrangle(&state, &ctx, &name, &request).await {
        Ok(after) => {
            let back = match f.back.trim() {
                "" => wrangle_href(after.tag.name.as_str()),
                back => local_return(Some(back)),
            };
            Ok(see_other(&with_done(&back, "wrangled")))
        }
        Err(Error::Invalid(errors)) => {
            let page = render_tag(&state, &ctx, &name, None, errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
