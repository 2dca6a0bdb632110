//! Work pages: one chapter at a time (`/works/{id}`, `/works/{id}/chapters/{n}`) or the
//! whole work (`/works/{id}/full`, `/works/{id}?view_full_work=true`).
//!
//! A chapter page loads the work's header (metadata and chapter index, no bodies) and the one
//! chapter it shows, so a 200-chapter work costs no more to read a chapter of than a
//! one-shot. Only the full-work view loads every body.

use crate::assets::fnv1a;
use crate::auth::Ctx;
use crate::cache::{CachedPage, Rendered, Validators};
use crate::hits::Visitor;
use crate::prefs::ReaderPrefs;
use crate::tag_url::tag_works_href;
use crate::views::{creators_or_anonymous, excerpt, lang_attribute, thousands, Layout, Link};
use crate::{AppState, Error};
use ajar_core::{Chapter, Work, WorkId};
use ajar_store::{SeriesPart, WorkStats};
use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, OriginalUri, Path, Query};
use axum::http::header::{ETAG, LAST_MODIFIED, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/works/{id}", get(show_work))
        .route("/works/{id}/full", get(show_full_work))
        .route("/works/{id}/chapters/{position}", get(show_chapter))
}

#[derive(Deserialize)]
struct WorkQuery {
    view_full_work: Option<String>,
}

/// What every work page handler needs besides the work and the part of it.
struct Request {
    state: AppState,
    ctx: Ctx,
    prefs: ReaderPrefs,
    headers: HeaderMap,
    uri: Uri,
    /// The client's address, as the auth middleware worked it out (see `proxy`).
    client: Option<std::net::IpAddr>,
}

impl FromRequestParts<AppState> for Request {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        let ctx = Ctx::from_request_parts(parts, state).await?;
        Ok(Request {
            state: state.clone(),
            prefs: ReaderPrefs::from_headers(&parts.headers),
            headers: parts.headers.clone(),
            uri,
            client: ctx.ip,
            ctx,
        })
    }
}

async fn show_work(
    request: Request,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<WorkQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let id: WorkId = parse_number(id.map(|Path(id)| id))?;
    let full = query.ok().and_then(|Query(q)| q.view_full_work).as_deref() == Some("true");
    let showing = if full {
        Showing::Full
    } else {
        Showing::Chapter(1)
    };
    work_response(request, id, showing).await
}

async fn show_full_work(
    request: Request,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let id: WorkId = parse_number(id.map(|Path(id)| id))?;
    work_response(request, id, Showing::Full).await
}

async fn show_chapter(
    request: Request,
    params: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, Error> {
    let (id, position) = params.map_err(|_| Error::NotFound)?.0;
    let id: WorkId = parse_number(Ok(id))?;
    let position: u32 = parse_number(Ok(position))?;
    if position == 0 {
        return Err(Error::NotFound);
    }
    work_response(request, id, Showing::Chapter(position)).await
}

/// A work page as a response: from the page cache or rendered, counted as a hit, and a
/// `304 Not Modified` when the reader's copy is current.
///
/// The ETag names the work's last change, the part shown, the reader's settings (which
/// change the markup) and the build (templates and stylesheet), so any of them changing
/// makes a new page. The hit and view counts on a page are not in it: a reader's
/// revalidated copy may show counts a little behind, as on AO3.
async fn work_response(request: Request, id: WorkId, showing: Showing) -> Result<Response, Error> {
    let Request {
        state,
        ctx,
        prefs,
        headers,
        uri,
        client,
    } = request;
    let comments_page = comments_page(&uri)?;
    let mut variant = match showing {
        Showing::Full => "full".to_owned(),
        Showing::Chapter(n) => format!("c{n}"),
    };
    if comments_page > 1 {
        variant.push_str(&format!("p{comments_page}"));
    }
    // A guest's progress changes the page (a gate, the picker): their validators say so.
    variant.push_str(&ctx.spoilers.cache_key());
    let key = crate::cache::work_key(id, &variant, &prefs);
    let rendered = state
        .pages
        .get_or_render(&ctx, key, || {
            render_work(
                state.clone(),
                ctx.clone(),
                id,
                showing,
                comments_page,
                prefs,
                variant,
            )
        })
        .await?;

    let visitor = Visitor::of(&headers, &uri, client);
    // A reader stopped at the spoiler gate has not read the work.
    if rendered.shows_work {
        state.hits.record(id, &visitor);
    }

    // A logged-in reader's page is theirs (their name, their kudos and comments): it gets no
    // validators, so no shared or earlier copy is ever revalidated as theirs.
    let validators = rendered.validators.as_ref().filter(|_| ctx.is_guest());
    let mut response = match validators {
        Some(v) if v.fresh(&headers) => StatusCode::NOT_MODIFIED.into_response(),
        _ => CachedPage(rendered.clone()).into_response(),
    };
    let out = response.headers_mut();
    if let Some(v) = validators {
        if let Ok(etag) = HeaderValue::from_str(&v.etag) {
            out.insert(ETAG, etag);
        }
        if let Ok(date) = HeaderValue::from_str(&v.last_modified) {
            out.insert(LAST_MODIFIED, date);
        }
    }
    if response.status() == StatusCode::NOT_MODIFIED {
        let out = response.headers_mut();
        out.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        out.insert(axum::http::header::VARY, HeaderValue::from_static("Cookie"));
    }
    if let Some(cookie) = visitor.set_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `?comments_page=N` of a work page's address: absent is 1, anything but a positive
/// number is no page.
fn comments_page(uri: &axum::http::Uri) -> Result<u64, Error> {
    #[derive(Deserialize)]
    struct CommentsQuery {
        comments_page: Option<String>,
    }
    let page = Query::<CommentsQuery>::try_from_uri(uri)
        .ok()
        .and_then(|Query(q)| q.comments_page);
    crate::home::page_number(page)
}

/// Renders a work page and its validators.
async fn render_work(
    state: AppState,
    ctx: Ctx,
    id: WorkId,
    showing: Showing,
    comments_page: u64,
    prefs: ReaderPrefs,
    variant: String,
) -> Result<Rendered, Error> {
    let access = crate::access::visible_work(&state, &ctx, id).await?;
    let store = state.store.clone();
    if let Some(entry) = crate::spoilers::gate(&store, &ctx, id).await? {
        let title = crate::access::work_title(&state, id).await?;
        let here = ctx.page.clone().unwrap_or_else(|| format!("/works/{id}"));
        let gate = crate::spoilers::GatePage::new(title, entry, &here, prefs);
        let mut rendered = Rendered::page(&gate)?;
        rendered.shows_work = false;
        return Ok(rendered);
    }
    let (mut page, modified_at) = match showing {
        Showing::Chapter(position) => {
            let (header, chapter, series) = tokio::try_join!(
                store.work_header(id),
                store.chapter(id, position),
                store.work_series(id)
            )?;
            let (Some(header), Some(chapter)) = (header, chapter) else {
                return Err(Error::NotFound);
            };
            let modified_at = header.modified_at;
            let mut stats = header.stats;
            crate::access::own_stats(&store, &ctx, id, &mut stats).await?;
            let page = WorkPage::new(
                header.id,
                header.work,
                stats,
                series,
                Some(vec![chapter]),
                showing,
                prefs,
            );
            (page, modified_at)
        }
        Showing::Full => {
            let (stored, series) = tokio::try_join!(store.work(id), store.work_series(id))?;
            let stored = stored.ok_or(Error::NotFound)?;
            let modified_at = stored.modified_at;
            let mut stats = stored.stats;
            crate::access::own_stats(&store, &ctx, id, &mut stats).await?;
            let page = WorkPage::new(stored.id, stored.work, stats, series, None, showing, prefs);
            (page, modified_at)
        }
    };
    let chapters = page.nav.as_ref().map_or(1, |n| n.index.len() as u32);
    if matches!(showing, Showing::Chapter(_)) && chapters > 1 {
        page.chapters.iter_mut().for_each(ChapterView::read_stats);
    }
    let part = match showing {
        Showing::Chapter(position) => crate::work_sections::Part::Chapter { position, chapters },
        Showing::Full => crate::work_sections::Part::Full { chapters },
    };
    let (sections, narration) = tokio::try_join!(
        crate::work_sections::render(&state, &ctx, &access, part, comments_page),
        async { Ok::<_, Error>(state.store.work_narration(id).await?) },
    )?;
    page.sections = sections;
    if let Some((person, share, names)) = narration {
        page.narration = ajar_core::narration::Person::from_code(&person)
            .map(|person| (person.label(), format!("{:.0}%", share * 100.0)));
        page.names = names;
    }
    // Feeds show what guests see: a work with none has no feed to announce.
    if access.visible_to(&ajar_core::Viewer::Guest) {
        page.layout.feed = Some((
            format!("{} - Chapters", page.work.title),
            crate::feeds::work_feed_href(id),
        ));
    }
    let body = Bytes::from(page.render()?);
    Ok(Rendered::new(
        body,
        Some(validators(id, modified_at, &variant, prefs)),
    ))
}

/// The validators of one rendering of a work page.
fn validators(
    id: WorkId,
    modified_at: DateTime<Utc>,
    variant: &str,
    prefs: ReaderPrefs,
) -> Validators {
    let build = fnv1a(
        format!(
            "{}|{}|{}",
            env!("CARGO_PKG_VERSION"),
            crate::assets::stylesheet_href(),
            prefs.to_cookie_value()
        )
        .as_bytes(),
    );
    Validators {
        etag: format!(
            "\"w{id}-{}-{variant}-{build:016x}\"",
            modified_at.timestamp_micros()
        ),
        last_modified: httpdate::fmt_http_date(
            std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(modified_at.timestamp().max(0) as u64),
        ),
        modified_secs: modified_at.timestamp(),
    }
}

/// Ids and chapter numbers in URLs are plain digits; anything else names no page (404, not
/// 400: to a reader, `/works/abc` is simply not there).
fn parse_number<T: std::str::FromStr>(segment: Result<String, PathRejection>) -> Result<T, Error> {
    let segment = segment.map_err(|_| Error::NotFound)?;
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    segment.parse().map_err(|_| Error::NotFound)
}

#[derive(Template)]
#[template(path = "work.html")]
pub(crate) struct WorkPage {
    layout: Layout,
    /// The work's id, for its download links.
    id: WorkId,
    /// The work's metadata; its `chapters` are moved into `chapters` below.
    work: Work,
    meta: WorkMeta,
    /// The chapters this page shows: one, or all of them in the full-work view.
    chapters: Vec<ChapterView>,
    /// Chapter navigation; `None` for a one-chapter work.
    nav: Option<ChapterNav>,
    /// The work's start notes and extra header fields: on its first page only, as on AO3.
    show_preface_notes: bool,
    /// The work's end notes: after its last chapter.
    show_end_notes: bool,
    /// `lang` of the work's text, when its language is a known tag.
    lang: Option<String>,
    /// What other features add to the page (see `work_sections`).
    sections: crate::work_sections::Sections,
    /// What the text says of its narration: "First person" and "26%" of its words in
    /// dialogue, once worked out.
    narration: Option<(&'static str, String)>,
    /// The names its text uses most ("Rory, Jess, Luke"), once worked out.
    names: String,
}

/// The work's "meta" block, formatted for reading.
struct WorkMeta {
    creators: Vec<Link>,
    language: String,
    series: Vec<Link>,
    published: Option<String>,
    /// "Updated" or "Completed", and the date.
    updated: Option<(&'static str, String)>,
    /// "Not stated" when the work's story file did not say whether it is finished (a
    /// stated completion shows in `updated` and the chapter count, as on AO3).
    completion: Option<&'static str>,
    words: String,
    /// "11 min" at an average adult's pace.
    reading: String,
    chapters: String,
    comments: String,
    kudos: String,
    bookmarks: String,
    hits: String,
}

struct ChapterView {
    /// The chapter's `id` in the page: `chapter-2`.
    anchor: String,
    /// "Chapter 2: The Middle".
    heading: String,
    /// A one-chapter work's text needs no visible heading; screen readers still get one.
    heading_hidden: bool,
    chapter: Chapter,
    /// On a chapter's own page of a work of several: what its text says ("First person,
    /// 31% dialogue, 12 min").
    stats: Option<String>,
}

struct ChapterNav {
    full: bool,
    full_href: String,
    by_chapter_href: String,
    previous: Option<String>,
    next: Option<String>,
    index: Vec<IndexEntry>,
}

struct IndexEntry {
    href: String,
    label: String,
    current: bool,
}

/// Which part of a work a page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Showing {
    Chapter(u32),
    Full,
}

impl WorkPage {
    /// `/tags/NAME/works` for a tag the page shows.
    fn works_href(&self, name: &str) -> String {
        tag_works_href(name)
    }

    /// `work.chapters` is the chapter index (bodies may be empty); `shown` are the chapters
    /// to render, bodies included, or `None` to render the index itself (the full work).
    fn new(
        id: WorkId,
        mut work: Work,
        stats: WorkStats,
        series: Vec<SeriesPart>,
        shown: Option<Vec<Chapter>>,
        showing: Showing,
        prefs: ReaderPrefs,
    ) -> WorkPage {
        let chapter_label = work.chapter_label();
        let index = std::mem::take(&mut work.chapters);
        let last = index.iter().map(|c| c.position).max().unwrap_or(1);
        let single = index.len() <= 1;
        let nav = (!single).then(|| ChapterNav::new(id, &index, showing));
        let (show_preface_notes, show_end_notes) = match showing {
            Showing::Full => (true, true),
            Showing::Chapter(n) => (n <= 1, n >= last),
        };
        let title = match showing {
            Showing::Chapter(n) if n > 1 => format!("{} - Chapter {n}", work.title),
            _ => work.title.clone(),
        };
        let meta = WorkMeta::new(&work, stats, chapter_label, series);
        let layout = Layout::new(Some(title), description(&work)).with_prefs(prefs);
        let lang = lang_attribute(work.language.code()).map(str::to_owned);
        WorkPage {
            id,
            layout,
            chapters: shown
                .unwrap_or(index)
                .into_iter()
                .map(|c| ChapterView::new(c, single))
                .collect(),
            work,
            meta,
            nav,
            show_preface_notes,
            show_end_notes,
            lang,
            sections: Default::default(),
            narration: None,
            names: String::new(),
        }
    }
}

/// The work's summary as a sentence or two; its title and creators if it has none.
fn description(work: &Work) -> String {
    let summary = work.summary.to_text();
    if summary.trim().is_empty() {
        let creators = creators_or_anonymous(&work.creators);
        format!("{} by {}", work.title, creators.join(", "))
    } else {
        excerpt(&summary, 200)
    }
}

impl WorkMeta {
    fn new(work: &Work, stats: WorkStats, chapters: String, series: Vec<SeriesPart>) -> WorkMeta {
        let published = work.published.map(|d| d.to_string());
        let updated = work
            .updated
            .filter(|updated| Some(*updated) != work.published)
            .map(|d| {
                (
                    if work.complete == Some(true) {
                        "Completed"
                    } else {
                        "Updated"
                    },
                    d.to_string(),
                )
            });
        WorkMeta {
            creators: Link::creators(&work.creators),
            language: work.language.name().to_owned(),
            series: series
                .into_iter()
                .map(|s| Link {
                    name: format!("Part {} of {}", s.position, s.title),
                    href: Some(format!("/series/{}", s.id)),
                })
                .collect(),
            published,
            updated,
            completion: work
                .complete
                .is_none()
                .then(|| ajar_core::completion_name(None)),
            words: thousands(stats.words),
            reading: format!("{} min", ajar_core::reading_minutes(stats.words)),
            chapters,
            comments: thousands(stats.comments),
            kudos: thousands(stats.kudos),
            bookmarks: thousands(stats.bookmarks),
            hits: thousands(stats.hits),
        }
    }
}

impl ChapterView {
    fn new(chapter: Chapter, single: bool) -> ChapterView {
        let title = chapter
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let (heading, heading_hidden) = match (single, title) {
            (true, Some(title)) => (title.to_owned(), false),
            (true, None) => ("Work Text".to_owned(), true),
            (false, _) => (chapter_heading(chapter.position, title), false),
        };
        ChapterView {
            anchor: format!("chapter-{}", chapter.position),
            heading,
            heading_hidden,
            chapter,
            stats: None,
        }
    }

    /// What this chapter's text says, as its page shows it.
    fn read_stats(&mut self) {
        let text = ajar_core::html_to_text(self.chapter.body.as_str());
        let n = ajar_core::narration::analyze(&text);
        self.stats = Some(format!(
            "This chapter: {} words, about {} min; {} narration, {:.0}% dialogue",
            thousands(self.chapter.words()),
            ajar_core::reading_minutes(self.chapter.words()),
            n.person.label().to_lowercase(),
            n.dialogue_share * 100.0
        ));
    }
}

/// "Chapter 2: The Middle", or "Chapter 2" for an untitled chapter.
fn chapter_heading(position: u32, title: Option<&str>) -> String {
    match title {
        Some(title) => format!("Chapter {position}: {title}"),
        None => format!("Chapter {position}"),
    }
}

impl ChapterNav {
    fn new(id: WorkId, index: &[Chapter], showing: Showing) -> ChapterNav {
        let chapter_href = |n: u32| format!("/works/{id}/chapters/{n}");
        let positions: Vec<u32> = index.iter().map(|c| c.position).collect();
        let (previous, next, current) = match showing {
            Showing::Full => (None, None, None),
            Showing::Chapter(n) => (
                positions
                    .iter()
                    .rev()
                    .find(|&&p| p < n)
                    .map(|&p| chapter_href(p)),
                positions.iter().find(|&&p| p > n).map(|&p| chapter_href(p)),
                Some(n),
            ),
        };
        let index = index
            .iter()
            .map(|c| IndexEntry {
                href: match showing {
                    Showing::Full => format!("#chapter-{}", c.position),
                    Showing::Chapter(_) => chapter_href(c.position),
                },
                label: chapter_heading(
                    c.position,
                    c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()),
                ),
                current: Some(c.position) == current,
            })
            .collect();
        ChapterNav {
            full: showing == Showing::Full,
            full_href: format!("/works/{id}/full"),
            by_chapter_href: chapter_href(positions.first().copied().unwrap_or(1)),
            previous,
            next,
            index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajar_core::Html;
    use ajar_store::WorkHeader;

    fn page(header: WorkHeader, chapter: Chapter) -> WorkPage {
        WorkPage::new(
            header.id,
            header.work,
            header.stats,
            Vec::new(),
            Some(vec![chapter.clone()]),
            Showing::Chapter(chapter.position),
            ReaderPrefs::default(),
        )
    }

    fn header(chapters: u32) -> WorkHeader {
        let mut work = Work {
            title: "The Long Way Round".into(),
            creators: vec!["someone".into()],
            summary: Html::from_plain_text("A summary."),
            notes: Html::from_plain_text("Start notes."),
            end_notes: Html::from_plain_text("End notes."),
            spoilers: Some("Season 4.".into()),
            chapters: (1..=chapters)
                .map(|n| Chapter {
                    title: (n == 2).then(|| "The Middle".to_owned()),
                    ..Chapter::default()
                })
                .collect(),
            expected_chapters: Some(chapters),
            complete: Some(true),
            ..Work::default()
        };
        work.renumber_chapters();
        WorkHeader {
            id: WorkId(7),
            work,
            chapter_words: vec![10; chapters as usize],
            stats: WorkStats {
                words: 1234,
                chapters,
                ..WorkStats::default()
            },
            created_at: Default::default(),
            modified_at: Default::default(),
        }
    }

    fn chapter(position: u32) -> Chapter {
        Chapter {
            position,
            title: (position == 2).then(|| "The Middle".to_owned()),
            body: Html::from_plain_text(&format!("Body of chapter {position}.")),
            ..Chapter::default()
        }
    }

    #[test]
    fn ids_are_digits_only() {
        assert_eq!(parse_number::<u32>(Ok("12".into())).ok(), Some(12));
        for bad in ["abc", "", "-1", "+1", "1.5", "99999999999999999999"] {
            assert!(parse_number::<i64>(Ok(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_middle_chapter_links_both_ways() {
        let page = page(header(3), chapter(2));
        let nav = page.nav.as_ref().expect("a chapter index");
        assert_eq!(nav.previous.as_deref(), Some("/works/7/chapters/1"));
        assert_eq!(nav.next.as_deref(), Some("/works/7/chapters/3"));
        assert_eq!(page.chapters[0].heading, "Chapter 2: The Middle");
        assert!(!page.show_preface_notes && !page.show_end_notes);
        let html = page.render().expect("the page renders");
        assert!(
            html.contains("<title>The Long Way Round - Chapter 2 - ajar</title>"),
            "{html}"
        );
        assert!(html.contains("← Previous Chapter"), "{html}");
        assert!(html.contains("Next Chapter →"), "{html}");
        assert!(
            html.contains("aria-current=\"page\">Chapter 2: The Middle"),
            "{html}"
        );
        assert!(!html.contains("Start notes."), "{html}");
    }

    #[test]
    fn a_one_shot_has_no_chapter_navigation() {
        let page = page(header(1), chapter(1));
        assert!(page.nav.is_none());
        assert!(page.chapters[0].heading_hidden);
        let html = page.render().expect("the page renders");
        let spoilers = html.find("Spoilers:").expect("a spoiler box");
        let text = html.find("Body of chapter 1.").expect("the text");
        assert!(spoilers < text, "{html}");
        assert!(
            html.contains("Start notes.") && html.contains("End notes."),
            "{html}"
        );
        assert!(html.contains("1,234"), "{html}");
    }
}
