//! Atom feeds: a tag's works (`/tags/{NAME}/feed.atom`), a creator's works
//! (`/users/{NAME}/works/feed.atom`) and a work's chapters (`/works/{ID}/feed.atom`).
//!
//! Feed readers fetch without cookies, and a feed URL is often shared, so a feed always
//! shows what a guest may see, whoever asks: it reads through the same store functions as
//! the listing pages with [`Audience::Public`], and the same access check as the work page
//! with a guest [`Viewer`]. A work that a guest may not open has no feed (404), exactly as
//! it has no page.
//!
//! Feed readers poll. So a feed is rendered at most once per page-cache lifetime whoever asks
//! (it is the same for everyone), kept with its compressed forms like a page, and answered
//! with an ETag (a hash of its bytes) and a Last-Modified (its newest entry), so a poll that
//! finds nothing new gets a bodiless `304`. A tag's and a creator's works come from the search
//! index when the server runs one: the newest twenty of a tag with 200,000 works, without
//! counting them in SQL.

use crate::cache::{cached_response, Rendered, Validators};
use crate::service::listings::creator_page_from_search;
use crate::tag_url::{self, tag_works_href, user_href, user_works_href};
use crate::views::thousands;
use crate::{AppState, Error};
use ajar_core::{escape_html, TagName, Viewer, WorkId};
use ajar_search::{SearchRequest, Sort};
use ajar_store::{Audience, WorkBlurb};
use atom_syndication::{Category, Content, Feed, FixedDateTime, Link, Person, Text};
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{OriginalUri, Path, State};
use axum::http::header::{CACHE_CONTROL, ETAG, LAST_MODIFIED};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use std::future::Future;

/// Entries in a tag's or a creator's feed (AO3's tag feeds show 20; a creator's feed is the
/// first page of their listing, as many).
const FEED_ENTRIES: u32 = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tags/{name}/feed.atom", get(tag_feed))
        .route("/users/{name}/works/feed.atom", get(creator_feed))
        .route("/works/{id}/feed.atom", get(work_feed))
}

/// A feed's title and URL: the feed's own, and what pages announce in
/// `<link rel="alternate">` (see `Layout::with_feed`).
pub(crate) type FeedLink = (String, String);

/// A tag's works feed.
pub(crate) fn tag_feed_link(name: &str) -> FeedLink {
    (
        format!("{name} - Works"),
        format!("/tags/{}/feed.atom", tag_url::encode(name)),
    )
}

/// A creator's works feed.
pub(crate) fn creator_feed_link(name: &str) -> FeedLink {
    (
        format!("Works by {name}"),
        format!("{}/works/feed.atom", user_href(name)),
    )
}

/// The feed URL of a work's chapters.
pub(crate) fn work_feed_href(id: WorkId) -> String {
    format!("/works/{id}/feed.atom")
}

async fn tag_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let name = tag_url::decode(&segment).ok_or(Error::NotFound)?;
    // A synonym's feed is its canonical tag's.
    if let Some(to) = crate::service::wrangling::canonical_name(&state, &name).await? {
        let to = format!("/tags/{}/feed.atom", tag_url::encode(to.as_str()));
        return Ok(axum::response::Redirect::temporary(&to).into_response());
    }
    cached_feed(&state, &headers, &uri, async {
        let display = state
            .store
            .listed_tag_name(Audience::Public, &name)
            .await?
            .ok_or(Error::NotFound)?;
        // A feed address may carry its reader's canon progress (see `spoilers`).
        let unseen = crate::spoilers::unseen_for_feed(&state.store, uri.0.query()).await?;
        let works = tag_feed_works(&state, &display, unseen).await?;
        works_feed(
            &headers,
            tag_feed_link(display.as_str()),
            &tag_works_href(display.as_str()),
            works,
        )
    })
    .await
}

/// A tag feed's works: the newest carrying the tag as a guest sees them, without those
/// linked to the `unseen` canon entries; from the search index, or the store without one.
async fn tag_feed_works(
    state: &AppState,
    name: &TagName,
    unseen: Vec<i64>,
) -> Result<Vec<WorkBlurb>, Error> {
    if let Some(works) = newest_tagged(state, name, &unseen).await {
        return Ok(works);
    }
    let shown = ajar_store::Muted {
        unseen_canon: unseen,
        ..ajar_store::Muted::default()
    };
    let store = &state.store;
    Ok(store
        .works_tagged_for(Audience::Public, &shown, name, FEED_ENTRIES, 0)
        .await?
        .0)
}

/// [`tag_feed_works`] from the search index; `None` when the server runs no index or the
/// search failed (logged): the caller reads the store.
async fn newest_tagged(state: &AppState, name: &TagName, unseen: &[i64]) -> Option<Vec<WorkBlurb>> {
    let search = state.search.get()?;
    let request = SearchRequest {
        include_tags: vec![name.as_str().to_owned()],
        unseen_canon: unseen.to_vec(),
        sort: Some(Sort::Updated),
        per_page: FEED_ENTRIES,
        facets: false,
        ..SearchRequest::default()
    };
    let found = match search.search(&request).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, tag = %name.as_str(), "a tag feed fell back to the store");
            return None;
        }
    };
    let ids: Vec<WorkId> = found.hits.iter().map(|h| h.id).collect();
    match state.store.works_by_ids(Audience::Public, &ids).await {
        Ok(works) => Some(works),
        Err(e) => {
            tracing::warn!(error = %e, "a tag feed fell back to the store");
            None
        }
    }
}

/// A creator's feed's works, as a guest sees them without those linked to the `unseen`
/// canon entries: from the search index, or the store without one.
async fn creator_feed_works(
    state: &AppState,
    creator: &ajar_store::Pseud,
    unseen: &[i64],
) -> Result<Vec<WorkBlurb>, Error> {
    let found = creator_page_from_search(state, creator, Audience::Public, unseen, 1).await;
    if let Some((works, _)) = found {
        return Ok(works);
    }
    let store = &state.store;
    Ok(store
        .works_by_creator(Audience::Public, unseen, &creator.name, FEED_ENTRIES, 0)
        .await?
        .0)
}

async fn creator_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    cached_feed(&state, &headers, &uri, async {
        let creator = state
            .store
            .pseud_by_name(&name)
            .await?
            .ok_or(Error::NotFound)?;
        let unseen = crate::spoilers::unseen_for_feed(&state.store, uri.0.query()).await?;
        let works = creator_feed_works(&state, &creator, &unseen).await?;
        works_feed(
            &headers,
            creator_feed_link(&creator.name),
            &user_works_href(&creator.name),
            works,
        )
    })
    .await
}

async fn work_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: OriginalUri,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let id = crate::kudos::work_id(id)?;
    cached_feed(&state, &headers, &uri, chapters_feed(&state, &headers, id)).await
}

/// A feed from the page cache (rendered by `render` when not kept), or `304` when the
/// reader's copy is current. Keyed by URL and by the address the reader used, which the
/// feed's links are made of.
async fn cached_feed(
    state: &AppState,
    headers: &HeaderMap,
    uri: &OriginalUri,
    render: impl Future<Output = Result<Feed, Error>>,
) -> Result<Response, Error> {
    let path = uri.0.path_and_query().map_or("/", |p| p.as_str());
    let key = format!("feed:{path}|{}", Site::of(headers).base);
    let page = state
        .pages
        .get_or_render_shared(key, async { rendered(&render.await?) })
        .await?;
    let Some(validators) = page.validators.clone() else {
        return Err(Error::Internal("a feed without validators".to_owned()));
    };
    let mut response = if validators.fresh(headers) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        cached_response(page, "application/atom+xml; charset=utf-8")
    };
    let out = response.headers_mut();
    out.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if let Ok(etag) = HeaderValue::from_str(&validators.etag) {
        out.insert(ETAG, etag);
    }
    if let Ok(date) = HeaderValue::from_str(&validators.last_modified) {
        out.insert(LAST_MODIFIED, date);
    }
    Ok(response)
}

/// A work's chapters as a feed.
async fn chapters_feed(state: &AppState, headers: &HeaderMap, id: WorkId) -> Result<Feed, Error> {
    crate::access::visible_work_to(state, &Viewer::Guest, id).await?;
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    let site = Site::of(headers);
    let work = &header.work;
    let updated = work.updated.or(work.published).map_or_else(
        || header.modified_at.fixed_offset(),
        |day| at_time(day, header.modified_at),
    );
    let published = work.published.map(|day| at_time(day, header.created_at));
    let work_url = site.url(&format!("/works/{id}"));
    let authors = people(&site, &work.creators);
    let mut entries: Vec<atom_syndication::Entry> = work
        .chapters
        .iter()
        .map(|chapter| {
            let url = site.url(&format!("/works/{id}/chapters/{}", chapter.position));
            let title = match &chapter.title {
                Some(t) if !t.trim().is_empty() => {
                    format!("Chapter {}: {}", chapter.position, t.trim())
                }
                _ => format!("Chapter {}", chapter.position),
            };
            atom_syndication::Entry {
                title: Text::plain(title),
                id: url.clone(),
                updated,
                authors: authors.clone(),
                links: vec![alternate(url)],
                published,
                summary: (!chapter.summary.is_empty())
                    .then(|| Text::html(chapter.summary.as_str())),
                ..Default::default()
            }
        })
        .collect();
    // Newest chapter first, as feed readers expect.
    entries.reverse();
    Ok(Feed {
        title: Text::plain(work.title.clone()),
        id: site.url(&work_feed_href(id)),
        updated,
        authors,
        links: vec![alternate(work_url), self_link(&site, &work_feed_href(id))],
        entries,
        ..Default::default()
    })
}

/// The archive's address as the feed reader asked for it: links and ids in a feed are
/// absolute. Taken from the request's `Host` (and `X-Forwarded-Proto` behind a proxy);
/// anything that is not a plain host name and port is ignored.
pub(crate) struct Site {
    base: String,
}

impl Site {
    pub(crate) fn of(headers: &HeaderMap) -> Site {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            })
            .unwrap_or("localhost");
        let scheme = if crate::hits::forwarded_https(headers) {
            "https"
        } else {
            "http"
        };
        Site {
            base: format!("{scheme}://{host}"),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A feed of works, most recently updated first (the order the store gives).
fn works_feed(
    headers: &HeaderMap,
    (title, feed_href): FeedLink,
    page_href: &str,
    works: Vec<WorkBlurb>,
) -> Result<Feed, Error> {
    let site = &Site::of(headers);
    let entries: Vec<atom_syndication::Entry> =
        works.into_iter().map(|w| work_entry(site, w)).collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| DateTime::UNIX_EPOCH.fixed_offset());
    Ok(Feed {
        title: Text::plain(title),
        id: site.url(&feed_href),
        updated,
        links: vec![alternate(site.url(page_href)), self_link(site, &feed_href)],
        entries,
        ..Default::default()
    })
}

/// One work as a feed entry: its title, creators, summary with its tags and length (as the
/// summary and as the content, which most readers show), the tags as categories, its URL as
/// the entry's id, and when it was published and updated.
pub(crate) fn work_entry(site: &Site, work: WorkBlurb) -> atom_syndication::Entry {
    let url = site.url(&format!("/works/{}", work.id));
    let updated = work.updated.map_or_else(
        || work.modified_at.fixed_offset(),
        |day| at_time(day, work.modified_at),
    );
    let published = work.published.map(|day| at_time(day, work.created_at));
    let mut summary = work.summary.as_str().to_owned();
    let mut line = |label: &str, names: Vec<&str>| {
        if !names.is_empty() {
            let names: Vec<String> = names.into_iter().map(escape_html).collect();
            summary.push_str(&format!("<p>{label}: {}</p>", names.join(", ")));
        }
    };
    line(
        "Fandoms",
        work.fandoms.iter().map(TagName::as_str).collect(),
    );
    line("Rating", vec![work.rating.name()]);
    line("Warnings", work.warnings.iter().map(|w| w.name()).collect());
    line(
        "Relationships",
        work.relationships.iter().map(TagName::as_str).collect(),
    );
    line(
        "Characters",
        work.characters.iter().map(TagName::as_str).collect(),
    );
    line(
        "Additional Tags",
        work.tags.iter().map(TagName::as_str).collect(),
    );
    let chapters = match work.expected_chapters {
        Some(n) => format!("{}/{n}", work.stats.chapters),
        None => format!("{}/?", work.stats.chapters),
    };
    summary.push_str(&format!(
        "<p>Words: {}, Chapters: {chapters}</p>",
        thousands(work.stats.words)
    ));
    let categories = work
        .fandoms
        .iter()
        .chain(&work.relationships)
        .chain(&work.characters)
        .chain(&work.tags)
        .map(|t| Category {
            term: t.as_str().to_owned(),
            scheme: Some(site.url(&tag_works_href(t.as_str()))),
            label: None,
        })
        .collect();
    atom_syndication::Entry {
        title: Text::plain(work.title),
        id: url.clone(),
        updated,
        published,
        authors: people(site, &work.creators),
        categories,
        links: vec![alternate(url)],
        summary: Some(Text::html(summary.clone())),
        content: Some(Content {
            value: Some(summary),
            content_type: Some("html".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A work's creators as Atom authors; a work credited to no one is by "Anonymous".
fn people(site: &Site, creators: &[String]) -> Vec<Person> {
    if creators.is_empty() {
        return vec![Person {
            name: "Anonymous".to_owned(),
            ..Default::default()
        }];
    }
    creators
        .iter()
        .map(|name| Person {
            name: name.clone(),
            uri: Some(site.url(&user_href(name))),
            ..Default::default()
        })
        .collect()
}

fn alternate(href: String) -> Link {
    Link {
        href,
        rel: "alternate".to_owned(),
        mime_type: Some("text/html".to_owned()),
        ..Default::default()
    }
}

fn self_link(site: &Site, feed_href: &str) -> Link {
    Link {
        href: site.url(feed_href),
        rel: "self".to_owned(),
        mime_type: Some("application/atom+xml".to_owned()),
        ..Default::default()
    }
}

/// A day readers see (published, updated) as an instant: the time of the write that set it
/// when that was on the same day (posting, a new chapter), else the day's start in UTC (an
/// imported work's dates are days, and nothing more is known).
pub(crate) fn at_time(day: NaiveDate, written: DateTime<Utc>) -> FixedDateTime {
    if written.date_naive() == day {
        written.fixed_offset()
    } else {
        day.and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .fixed_offset()
    }
}

/// A feed's bytes, with an ETag that is a hash of them and its newest entry's time as
/// Last-Modified.
fn rendered(feed: &Feed) -> Result<Rendered, Error> {
    let body = feed
        .write_to(Vec::new())
        .map_err(|e| Error::Internal(format!("writing an Atom feed: {e}")))?;
    // Text stored before the archive dropped XML-invalid characters on the way in would make
    // the whole feed unreadable for every subscriber; the writer escapes markup, not those.
    let body = match String::from_utf8(body) {
        Ok(text) => ajar_core::xml_text(&text).into_owned(),
        Err(e) => return Err(Error::Internal(format!("an Atom feed is not UTF-8: {e}"))),
    };
    let digest = Sha256::digest(body.as_bytes());
    let etag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let modified_secs = feed.updated.timestamp();
    let validators = Validators {
        etag: format!("\"f{etag}\""),
        last_modified: httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified_secs.max(0) as u64),
        ),
        modified_secs,
    };
    Ok(Rendered::new(Bytes::from(body), Some(validators)))
}
