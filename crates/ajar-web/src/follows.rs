//! What a logged-in reader keeps track of: subscriptions to works, creators, series and tags
//! (`/subscriptions`, subscribe forms on work pages and `/subscriptions/new?tag=NAME`,
//! `?series=ID`), the updates page (`/updates`: what is new since the last visit), reading
//! history (`/history`) and "mark for later" (`/later`).
//!
//! Also the work page's actions (subscribe, mark for later, report), and recording a visit
//! there: one upsert per page a logged-in reader opens; guests leave no history.

use crate::accounts::{form, local_return, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::kudos::work_id;
use crate::service::reading::{subscribe_target, Readings, Subscribable, SubscribeTarget, Updates};
use crate::tag_url::{tag_href, user_href};
use crate::views::{thousands, Blurb, Layout, Page, Pagination};
use crate::work_sections::Part;
use crate::{AppState, Error};
use ajar_core::{SeriesId, TagName, WorkId};
use ajar_store::{Followed, PageStart, WorkAccess};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// Works listed per page of history or "later".
const PER_PAGE: u32 = 20;
/// Works the updates page lists at most.
pub(crate) const UPDATES_SHOWN: u32 = 100;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/subscriptions",
            get(subscriptions_page).post(change_subscription),
        )
        .route("/subscriptions/new", get(subscribe_page))
        .route("/updates", get(updates_page))
        .route("/history", get(history_page))
        .route("/later", get(later_page))
        .route("/works/{id}/later", post(mark_for_later))
}

/// Where a logged-in page sends a guest: the log-in form, then back.
fn login_first(path: &str) -> Response {
    see_other(&format!("/login?return_to={}&why=page", query_value(path)))
}

/// A value for a URL's query string.
pub(crate) fn query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

// ---------------------------------------------------------------------------------------
// The work page's actions

#[derive(Template)]
#[template(path = "follow/work_actions.html")]
struct WorkActions {
    csrf_token: String,
    work: WorkId,
    /// Whether the reader is logged in (guests see the report link only).
    member: bool,
    subscribed: bool,
    later: bool,
    return_to: String,
}

/// The work page's actions for this reader; records a logged-in reader's visit.
pub(crate) async fn work_actions(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
    part: Part,
) -> Result<String, Error> {
    let work = access.id;
    let (return_to, chapter) = match part {
        Part::Chapter { position, .. } => (format!("/works/{work}/chapters/{position}"), position),
        Part::Full { chapters } => (format!("/works/{work}/full"), chapters.max(1)),
    };
    let mut actions = WorkActions {
        csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
        work,
        member: false,
        subscribed: false,
        later: false,
        return_to,
    };
    if let Some(user) = ctx.viewer.user_id() {
        // Written with the hits, within a second (see `hits`).
        state.hits.record_visit(user, work, chapter);
        let (subscribed, reading) = tokio::try_join!(
            state.store.is_subscribed(user, Followed::Work(work)),
            state.store.reading(user, work),
        )?;
        actions.member = true;
        actions.subscribed = subscribed;
        actions.later = reading.is_some_and(|r| r.later);
    }
    Ok(actions.render()?)
}

// ---------------------------------------------------------------------------------------
// Subscribing

#[derive(Deserialize)]
struct SubscriptionForm {
    kind: String,
    target: String,
    /// "true" to subscribe, "false" to unsubscribe.
    subscribe: String,
    return_to: Option<String>,
}

async fn change_subscription(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<SubscriptionForm>, FormRejection>,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let f = form(sent)?;
    let id = f
        .target
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::BadRequest("Say what to subscribe to.".into()))?;
    let followed = Followed::from_parts(f.kind.trim(), id).ok_or_else(|| {
        Error::BadRequest("You can subscribe to a work, a creator, a series or a tag.".into())
    })?;
    let subscribe = match f.subscribe.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(Error::BadRequest("Subscribe or unsubscribe?".into())),
    };
    crate::service::reading::subscribe(&state, &ctx, followed, subscribe).await?;
    Ok(see_other(&local_return(
        f.return_to.as_deref().or(Some("/subscriptions")),
    )))
}

#[derive(Deserialize, Default)]
struct SubscribeQuery {
    tag: Option<String>,
    series: Option<String>,
}

#[derive(Template)]
#[template(path = "follow/subscribe.html")]
struct SubscribePage {
    layout: Layout,
    /// "the tag Fluff", "the series Title".
    what: String,
    kind: &'static str,
    target: i64,
    subscribed: bool,
    back_href: String,
}

/// A page with one subscribe (or unsubscribe) button, for tags and series, whose shared
/// pages cannot show each reader's state.
async fn subscribe_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<SubscribeQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    if ctx.is_guest() {
        return Ok(login_first(ctx.page.as_deref().unwrap_or("/subscriptions")));
    }
    let tag = q.tag.as_deref().map(TagName::parse).transpose();
    let tag = tag.map_err(|_| Error::NotFound)?;
    let (asked, back_href) = match (&tag, q.series.as_deref()) {
        (Some(name), _) => (Subscribable::Tag(name), tag_href(name.as_str())),
        (None, Some(series)) => {
            let id = SeriesId(series.trim().parse().map_err(|_| Error::NotFound)?);
            (Subscribable::Series(id), format!("/series/{}", id.0))
        }
        (None, None) => {
            return Err(Error::BadRequest(
                "Say what to subscribe to: ?tag=NAME or ?series=ID.".into(),
            ))
        }
    };
    let target = subscribe_target(&state, &ctx, asked).await?;
    Ok(Page(SubscribePage::new(target, back_href)).into_response())
}

impl SubscribePage {
    fn new(target: SubscribeTarget, back_href: String) -> SubscribePage {
        let SubscribeTarget {
            followed,
            what,
            subscribed,
        } = target;
        SubscribePage {
            layout: Layout::new(
                Some(format!("Subscribe to {what}")),
                format!("Get {what}'s new works on your updates page."),
            ),
            what,
            kind: followed.kind(),
            target: followed.target_id(),
            subscribed,
            back_href,
        }
    }
}

/// One subscription as the list shows it.
struct SubscriptionLine {
    kind: &'static str,
    /// "Work", "Creator", "Series", "Tag".
    kind_label: &'static str,
    target: i64,
    label: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "follow/subscriptions.html")]
struct SubscriptionsPage {
    layout: Layout,
    lines: Vec<SubscriptionLine>,
}

impl From<ajar_store::Subscription> for SubscriptionLine {
    fn from(s: ajar_store::Subscription) -> SubscriptionLine {
        let (kind_label, href) = match (s.followed, s.label.as_deref()) {
            (_, None) => (kind_label(s.followed), None),
            (Followed::Work(w), Some(_)) => ("Work", Some(format!("/works/{w}"))),
            (Followed::Creator(_), Some(name)) => ("Creator", Some(user_href(name))),
            (Followed::Series(id), Some(_)) => ("Series", Some(format!("/series/{}", id.0))),
            (Followed::Tag(_), Some(name)) => ("Tag", Some(tag_href(name))),
        };
        SubscriptionLine {
            kind: s.followed.kind(),
            kind_label,
            target: s.followed.target_id(),
            label: s
                .label
                .unwrap_or_else(|| "(no longer in the archive)".to_owned()),
            href,
        }
    }
}

async fn subscriptions_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    if ctx.is_guest() {
        return Ok(login_first("/subscriptions"));
    }
    let subs = crate::service::reading::subscriptions(&state, &ctx).await?;
    let lines = subs.into_iter().map(SubscriptionLine::from).collect();
    Ok(Page(SubscriptionsPage {
        layout: Layout::new(
            Some("My subscriptions".to_owned()),
            "The works, creators, series and tags you follow.",
        ),
        lines,
    })
    .into_response())
}

fn kind_label(f: Followed) -> &'static str {
    match f {
        Followed::Work(_) => "Work",
        Followed::Creator(_) => "Creator",
        Followed::Series(_) => "Series",
        Followed::Tag(_) => "Tag",
    }
}

// ---------------------------------------------------------------------------------------
// Updates, history and "later"

/// A work in a personal list, with what the list says about it.
struct Entry {
    note: String,
    blurb: Blurb,
    /// Offer "Remove from later" (on the later page).
    later: bool,
}

#[derive(Template)]
#[template(path = "follow/works.html")]
struct WorksPage {
    layout: Layout,
    heading: String,
    intro: String,
    entries: Vec<Entry>,
    empty: String,
    pagination: Option<Pagination>,
    return_to: String,
}

impl WorksPage {
    /// The updates page: what is new from the reader's subscriptions.
    fn updates(page: Updates) -> WorksPage {
        let last = page.last_seen;
        let entries = page
            .works
            .into_iter()
            .map(|(u, blurb)| {
                let note = if u.new_work {
                    "New work".to_owned()
                } else if u.new_chapters == 1 {
                    "1 new chapter".to_owned()
                } else {
                    format!("{} new chapters", thousands(u64::from(u.new_chapters)))
                };
                Entry {
                    note,
                    blurb: Blurb::from(blurb),
                    later: false,
                }
            })
            .collect();
        let mut intro = match last {
            Some(at) => format!(
                "New works and chapters from your subscriptions since your last visit on {}.",
                at.format("%-d %B %Y, %H:%M UTC")
            ),
            None => "New works and chapters from your subscriptions.".to_owned(),
        };
        if page.more > 0 {
            intro.push_str(&format!(
                " These are the oldest {UPDATES_SHOWN}; {} more updated {} will be shown on \
                 your next visit.",
                thousands(page.more),
                if page.more == 1 { "work" } else { "works" }
            ));
        }
        WorksPage {
            layout: Layout::new(
                Some("Updates".to_owned()),
                "What is new from your subscriptions.",
            ),
            heading: "Updates".to_owned(),
            intro,
            entries,
            empty: "Nothing new since your last visit. Subscribe to works, creators, series and \
                    tags to see their new works and chapters here."
                .to_owned(),
            pagination: None,
            return_to: "/updates".to_owned(),
        }
    }

    /// Page `page` of the reader's history, or of their works marked for later.
    fn readings(readings: Readings, later: bool, page: u64, path: &str) -> WorksPage {
        let total = readings.total;
        let entries = readings
            .works
            .into_iter()
            .map(|(r, blurb)| {
                let note = if r.visits == 0 {
                    "Marked for later; not opened yet.".to_owned()
                } else {
                    let times = match r.visits {
                        1 => "once".to_owned(),
                        n => format!("{} times", thousands(n)),
                    };
                    format!(
                        "Last visited {}; visited {times}; last chapter read: {}.",
                        r.visited_at.format("%-d %B %Y"),
                        r.last_chapter
                    )
                };
                Entry {
                    note,
                    blurb: Blurb::from(blurb),
                    later,
                }
            })
            .collect();
        let (heading, intro, empty) = if later {
            (
                "Marked for later",
                "Works you marked to read later, most recently visited first.",
                "Nothing is marked for later. Use \"Mark for later\" on a work to keep it here.",
            )
        } else {
            (
                "History",
                "Works you opened, most recent first.",
                "You have not opened any works yet.",
            )
        };
        WorksPage {
            layout: Layout::new(Some(heading.to_owned()), intro),
            heading: heading.to_owned(),
            intro: intro.to_owned(),
            entries,
            empty: empty.to_owned(),
            pagination: (total > u64::from(PER_PAGE))
                .then(|| Pagination::new(path, page, total, u64::from(PER_PAGE))),
            return_to: path.to_owned(),
        }
    }
}

async fn updates_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    if ctx.is_guest() {
        return Ok(login_first("/updates"));
    }
    let page = crate::service::reading::updates(&state, &ctx, UPDATES_SHOWN).await?;
    Ok(Page(WorksPage::updates(page)).into_response())
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<String>,
}

async fn history_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    readings_page(state, ctx, query, false).await
}

async fn later_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    readings_page(state, ctx, query, true).await
}

async fn readings_page(
    state: AppState,
    ctx: Ctx,
    query: Result<Query<PageQuery>, QueryRejection>,
    later: bool,
) -> Result<Response, Error> {
    let path = if later { "/later" } else { "/history" };
    if ctx.is_guest() {
        return Ok(login_first(path));
    }
    let page = crate::home::page_number(query.ok().and_then(|Query(q)| q.page))?;
    let start = PageStart::Offset((page - 1).saturating_mul(u64::from(PER_PAGE)));
    let readings = crate::service::reading::readings(&state, &ctx, later, start, PER_PAGE).await?;
    Ok(Page(WorksPage::readings(readings, later, page, path)).into_response())
}

#[derive(Deserialize)]
struct LaterForm {
    later: String,
    return_to: Option<String>,
}

async fn mark_for_later(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<LaterForm>, FormRejection>,
) -> Result<Response, Error> {
    ctx.require_user()?;
    let id = work_id(id)?;
    let f = form(sent)?;
    let later = match f.later.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(Error::BadRequest("Mark for later, or remove?".into())),
    };
    crate::service::reading::set_later(&state, &ctx, id, later).await?;
    let back = format!("/works/{id}");
    Ok(see_other(&local_return(
        f.return_to.as_deref().or(Some(&back)),
    )))
}
