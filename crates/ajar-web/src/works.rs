//! Work pages: one chapter at a time (`/works/{id}`, `/works/{id}/chapters/{n}`) or the
//! whole work (`/works/{id}/full`, `/works/{id}?view_full_work=true`).
//!
//! A chapter page loads the work's header (metadata and chapter index, no bodies) and the one
//! chapter it shows, so a 200-chapter work costs no more to read a chapter of than a
//! one-shot. Only the full-work view loads every body.

use crate::views::{creators_or_anonymous, excerpt, lang_attribute, thousands, Layout, Page};
use crate::{AppState, Error};
use ajar_core::{Chapter, Work, WorkId};
use ajar_store::{Store, StoredWork, WorkHeader, WorkStats};
use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::Router;
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

async fn show_work(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<WorkQuery>, QueryRejection>,
) -> Result<Page<WorkPage>, Error> {
    let id: WorkId = parse_number(id.map(|Path(id)| id))?;
    let full = query.ok().and_then(|Query(q)| q.view_full_work).as_deref() == Some("true");
    let page = if full {
        full_work(&state.store, id).await?
    } else {
        chapter_page(&state.store, id, 1).await?
    };
    Ok(Page(page))
}

async fn show_full_work(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<WorkPage>, Error> {
    let id: WorkId = parse_number(id.map(|Path(id)| id))?;
    Ok(Page(full_work(&state.store, id).await?))
}

async fn show_chapter(
    State(state): State<AppState>,
    params: Result<Path<(String, String)>, PathRejection>,
) -> Result<Page<WorkPage>, Error> {
    let (id, position) = params.map_err(|_| Error::NotFound)?.0;
    let id: WorkId = parse_number(Ok(id))?;
    let position: u32 = parse_number(Ok(position))?;
    Ok(Page(chapter_page(&state.store, id, position).await?))
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

/// One chapter of a work, by 1-based position, with the work's header around it.
async fn chapter_page(store: &Store, id: WorkId, position: u32) -> Result<WorkPage, Error> {
    if position == 0 {
        return Err(Error::NotFound);
    }
    let (header, chapter) = tokio::try_join!(store.work_header(id), store.chapter(id, position))?;
    match (header, chapter) {
        (Some(header), Some(chapter)) => Ok(WorkPage::chapter(header, chapter)),
        _ => Err(Error::NotFound),
    }
}

/// Every chapter of a work on one page.
async fn full_work(store: &Store, id: WorkId) -> Result<WorkPage, Error> {
    let stored = store.work(id).await?.ok_or(Error::NotFound)?;
    Ok(WorkPage::full(stored))
}

#[derive(Template)]
#[template(path = "work.html")]
pub(crate) struct WorkPage {
    layout: Layout,
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
}

/// The work's "meta" block, formatted for reading.
struct WorkMeta {
    creators: Vec<String>,
    language: String,
    series: Vec<String>,
    published: Option<String>,
    /// "Updated" or "Completed", and the date.
    updated: Option<(&'static str, String)>,
    words: String,
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
    fn chapter(header: WorkHeader, chapter: Chapter) -> WorkPage {
        let showing = Showing::Chapter(chapter.position);
        WorkPage::new(
            header.id,
            header.work,
            header.stats,
            Some(vec![chapter]),
            showing,
        )
    }

    fn full(stored: StoredWork) -> WorkPage {
        WorkPage::new(stored.id, stored.work, stored.stats, None, Showing::Full)
    }

    /// `work.chapters` is the chapter index (bodies may be empty); `shown` are the chapters
    /// to render, bodies included, or `None` to render the index itself (the full work).
    fn new(
        id: WorkId,
        mut work: Work,
        stats: WorkStats,
        shown: Option<Vec<Chapter>>,
        showing: Showing,
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
        let meta = WorkMeta::new(&work, stats, chapter_label);
        let layout = Layout::new(Some(title), description(&work, &meta.creators));
        let lang = lang_attribute(work.language.code()).map(str::to_owned);
        WorkPage {
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
        }
    }
}

/// The work's summary as a sentence or two; its title and creators if it has none.
fn description(work: &Work, creators: &[String]) -> String {
    let summary = work.summary.to_text();
    if summary.trim().is_empty() {
        format!("{} by {}", work.title, creators.join(", "))
    } else {
        excerpt(&summary, 200)
    }
}

impl WorkMeta {
    fn new(work: &Work, stats: WorkStats, chapters: String) -> WorkMeta {
        let published = work.published.map(|d| d.to_string());
        let updated = work
            .updated
            .filter(|updated| Some(*updated) != work.published)
            .map(|d| {
                (
                    if work.complete {
                        "Completed"
                    } else {
                        "Updated"
                    },
                    d.to_string(),
                )
            });
        WorkMeta {
            creators: creators_or_anonymous(&work.creators),
            language: work.language.name().to_owned(),
            series: work
                .series
                .iter()
                .map(|s| format!("Part {} of {}", s.position, s.title))
                .collect(),
            published,
            updated,
            words: thousands(stats.words),
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
        }
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
            complete: true,
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
        let page = WorkPage::chapter(header(3), chapter(2));
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
        let page = WorkPage::chapter(header(1), chapter(1));
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
