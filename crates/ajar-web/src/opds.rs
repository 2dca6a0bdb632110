//! An OPDS 1.2 catalog at `/opds`, so that e-reader apps (KOReader, Thorium, Moon+ Reader,
//! Librera) browse the archive and download EPUBs straight into their library: recent works,
//! popular fandoms and their works, a creator's works, and search through an OpenSearch
//! description. Entries carry their creators, summary (as text, as OPDS asks), tags as
//! categories, and an acquisition link to the EPUB.
//!
//! A catalog added without credentials is a guest's: public works only. Added with the
//! account's name and a personal access token as the password (HTTP Basic, which reader apps
//! support), it is that account's view, restricted works and mutes included: the same search,
//! with the same rules, as the site's pages (see `search::hydrate`).

use crate::auth::Ctx;
use crate::feeds::{work_entry, Site};
use crate::home::page_number;
use crate::{AppState, Error};
use ajar_search::{SearchRequest, Sort};
use ajar_store::{TagCount, WorkBlurb};
use atom_syndication::{Content, Entry, Feed, Link, Text};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/opds", get(root))
        .route("/opds/recent", get(recent::<false>))
        .route("/opds/fandoms", get(fandoms))
        .route("/opds/tags/{name}", get(tag::<false>))
        .route("/opds/users/{name}", get(creator::<false>))
        .route("/opds/search", get(search))
        .route("/opds/search.xml", get(opensearch))
}

/// Entries per page of an acquisition feed (reader apps page on).
pub(crate) const PER_PAGE: u32 = 25;
/// Fandoms the catalog lists, most works first.
pub(crate) const FANDOMS: u32 = 200;

const NAVIGATION: &str = "application/atom+xml;profile=opds-catalog;kind=navigation";
const ACQUISITION: &str = "application/atom+xml;profile=opds-catalog;kind=acquisition";
const ACQUIRE: &str = "http://opds-spec.org/acquisition";
const EPUB: &str = "application/epub+zip";

/// The address of a work's EPUB for catalog readers (it takes their token, as the site's own
/// download link does not).
pub(crate) fn epub_href(id: ajar_core::WorkId) -> String {
    format!("/opds/works/{id}/download.epub")
}

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<String>,
    q: Option<String>,
}

pub(crate) fn page_of(
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<(u64, Option<String>), Error> {
    let query = query.map_err(|_| Error::BadRequest("The address cannot be read.".to_owned()))?;
    Ok((page_number(query.0.page)?, query.0.q))
}

/// A name from the path (a tag's, a creator's) and the page asked for.
pub(crate) fn named_page(
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<(String, u64), Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    Ok((name, page_of(query)?.0))
}

fn link(href: String, rel: &str, mime_type: &str, title: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        title: title.map(str::to_owned),
        ..Default::default()
    }
}

/// The links every feed of the catalog carries: itself, the catalog's start, and search.
fn common_links(site: &Site, self_href: &str, kind: &str) -> Vec<Link> {
    vec![
        link(site.url(self_href), "self", kind, None),
        link(site.url("/opds"), "start", NAVIGATION, Some("ajar")),
        link(
            site.url("/opds/search.xml"),
            "search",
            "application/opensearchdescription+xml",
            Some("Search works"),
        ),
    ]
}

/// A navigation entry: a link to another feed of the catalog.
fn section(site: &Site, href: &str, title: String, about: String, updated: DateTime<Utc>) -> Entry {
    Entry {
        title: Text::plain(title),
        id: site.url(href),
        updated: updated.fixed_offset(),
        links: vec![link(site.url(href), "subsection", ACQUISITION, None)],
        content: Some(Content {
            value: Some(about),
            content_type: Some("text".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn root(headers: HeaderMap) -> Result<Response, Error> {
    let site = Site::of(&headers);
    let now = Utc::now();
    let feed = Feed {
        title: Text::plain(format!("{} catalog", crate::SITE_NAME)),
        id: site.url("/opds"),
        updated: now.fixed_offset(),
        links: common_links(&site, "/opds", NAVIGATION),
        entries: vec![
            section(
                &site,
                "/opds/recent",
                "Recent works".to_owned(),
                "Works most recently posted or updated.".to_owned(),
                now,
            ),
            {
                let mut entry = section(
                    &site,
                    "/opds/fandoms",
                    "Fandoms".to_owned(),
                    "The fandoms with the most works, and their works.".to_owned(),
                    now,
                );
                entry.links[0].mime_type = Some(NAVIGATION.to_owned());
                entry
            },
        ],
        ..Default::default()
    };
    Ok(catalog(feed, NAVIGATION))
}

/// A fandom in the fandoms catalog: a link to its works, with how many there are.
fn fandom_entry(site: &Site, fandom: &TagCount, now: DateTime<Utc>) -> Entry {
    let name = fandom.name.as_str();
    let works = match fandom.works {
        1 => "1 work".to_owned(),
        n => format!("{} works", crate::views::thousands(n)),
    };
    let href = format!("/opds/tags/{}", crate::tag_url::encode(name));
    section(site, &href, name.to_owned(), works, now)
}

async fn fandoms(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let site = Site::of(&headers);
    let audience = crate::access::audience(&ctx);
    let muted = crate::access::muted(&state.store, &ctx).await?;
    let now = Utc::now();
    let entries = crate::counts::popular_fandoms(&state, audience, &muted, FANDOMS)
        .await?
        .into_iter()
        .map(|fandom| fandom_entry(&site, &fandom, now))
        .collect();
    let feed = Feed {
        title: Text::plain("Fandoms"),
        id: site.url("/opds/fandoms"),
        updated: now.fixed_offset(),
        links: common_links(&site, "/opds/fandoms", NAVIGATION),
        entries,
        ..Default::default()
    };
    Ok(catalog(feed, NAVIGATION))
}

/// What an acquisition feed lists, whichever edition of the catalog shows it: its path
/// below the catalog's root (`/opds` or `/opds/v2`), its title, and the search behind it.
pub(crate) struct Listing {
    pub(crate) path: String,
    pub(crate) title: String,
    pub(crate) request: SearchRequest,
}

impl Listing {
    /// Every work, last updated first.
    pub(crate) fn recent() -> Listing {
        Listing {
            path: "/recent".to_owned(),
            title: "Recent works".to_owned(),
            request: SearchRequest {
                sort: Some(Sort::Updated),
                ..SearchRequest::default()
            },
        }
    }

    /// A tag's works (its name as in the address).
    pub(crate) fn tag(name: &str) -> Result<Listing, Error> {
        let tag = crate::tag_url::decode(name).ok_or(Error::NotFound)?;
        Ok(Listing {
            path: format!("/tags/{}", crate::tag_url::encode(tag.as_str())),
            title: tag.as_str().to_owned(),
            request: SearchRequest {
                include_tags: vec![tag.as_str().to_owned()],
                sort: Some(Sort::Updated),
                ..SearchRequest::default()
            },
        })
    }

    /// A creator's works (a pseud's name).
    pub(crate) async fn creator(state: &AppState, name: &str) -> Result<Listing, Error> {
        let pseud = state
            .store
            .pseud_by_name(name)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Listing {
            path: format!("/users/{}", crate::tag_url::encode(&pseud.name)),
            title: format!("Works by {}", pseud.name),
            request: SearchRequest {
                include_creator_ids: vec![pseud.id.0],
                sort: Some(Sort::Updated),
                ..SearchRequest::default()
            },
        })
    }

    /// What a search finds; `parameter` is the edition's name for the words (`q`, `query`).
    pub(crate) fn search(words: &str, parameter: &str) -> Listing {
        Listing {
            path: format!("/search?{parameter}={}", crate::follows::query_value(words)),
            title: format!("Search: {words}"),
            request: SearchRequest {
                query: words.to_owned(),
                ..SearchRequest::default()
            },
        }
    }
}

/// Page `n` of the feed at `href`: the feed's own address for the first.
pub(crate) fn page_href(href: &str, n: u64) -> String {
    match n {
        1 => href.to_owned(),
        n if href.contains('?') => format!("{href}&page={n}"),
        n => format!("{href}?page={n}"),
    }
}

pub(crate) async fn recent<const JSON: bool>(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let (page, _) = page_of(query)?;
    edition_feed::<JSON>(&state, &ctx, &headers, Listing::recent(), page).await
}

pub(crate) async fn tag<const JSON: bool>(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let (name, page) = named_page(name, query)?;
    edition_feed::<JSON>(&state, &ctx, &headers, Listing::tag(&name)?, page).await
}

pub(crate) async fn creator<const JSON: bool>(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let (name, page) = named_page(name, query)?;
    let listing = Listing::creator(&state, &name).await?;
    edition_feed::<JSON>(&state, &ctx, &headers, listing, page).await
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let (page, q) = page_of(query)?;
    let listing = Listing::search(&q.unwrap_or_default(), "q");
    works_feed(&state, &ctx, &headers, listing, page).await
}

/// A feed of `listing` in the catalog's JSON edition (OPDS 2.0) or its Atom one (1.2): the
/// handlers above serve both, as `recent::<true>` and `recent::<false>`.
async fn edition_feed<const JSON: bool>(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    listing: Listing,
    page: u64,
) -> Result<Response, Error> {
    if JSON {
        crate::opds2::works(state, ctx, headers, listing, page).await
    } else {
        works_feed(state, ctx, headers, listing, page).await
    }
}

/// The OpenSearch description reader apps read to offer a search box.
async fn opensearch(headers: HeaderMap) -> Response {
    let site = Site::of(&headers);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\
         <ShortName>{name}</ShortName>\
         <Description>Search the works of {name}: words, \"phrases\", tags, \
         field:value.</Description>\
         <InputEncoding>UTF-8</InputEncoding><OutputEncoding>UTF-8</OutputEncoding>\
         <Url type=\"{ACQUISITION}\" template=\"{base}/opds/search?q={{searchTerms}}\"/>\
         </OpenSearchDescription>\n",
        name = crate::SITE_NAME,
        base = site.url(""),
    );
    let mut response = body.into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/opensearchdescription+xml"),
    );
    response
}

/// One page of an acquisition feed: the works the search finds for whoever asks (a guest, or
/// the token's account), newest first unless the request says otherwise, with links to the
/// pages before and after.
async fn works_feed(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    listing: Listing,
    page: u64,
) -> Result<Response, Error> {
    let (total, works) = catalog_works(state, ctx, listing.request, page).await?;
    let site = Site::of(headers);
    let href = format!("/opds{}", listing.path);
    let title = listing.title.as_str();
    let page_href = |n: u64| page_href(&href, n);
    let self_href = page_href(page);
    let mut links = common_links(&site, &self_href, ACQUISITION);
    if page > 1 {
        links.push(link(
            site.url(&page_href(page - 1)),
            "previous",
            ACQUISITION,
            None,
        ));
    }
    if page.saturating_mul(u64::from(PER_PAGE)) < total {
        links.push(link(
            site.url(&page_href(page + 1)),
            "next",
            ACQUISITION,
            None,
        ));
    }
    let entries: Vec<Entry> = works.into_iter().map(|w| entry(&site, w)).collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| Utc::now().fixed_offset());
    let feed = Feed {
        title: Text::plain(title),
        id: site.url(&href),
        updated,
        links,
        entries,
        ..Default::default()
    };
    Ok(catalog(feed, ACQUISITION))
}

/// A page of an acquisition feed's works (1.2 and 2.0 alike) and how many there are in all:
/// the works the search finds for whoever asks (a guest, or the token's account), newest
/// first unless the request says otherwise.
pub(crate) async fn catalog_works(
    state: &AppState,
    ctx: &Ctx,
    mut request: SearchRequest,
    page: u64,
) -> Result<(u64, Vec<WorkBlurb>), Error> {
    let Some(search) = state.search.get() else {
        return Err(Error::Busy("the catalog needs the search index"));
    };
    if page.saturating_mul(u64::from(PER_PAGE)) > ajar_search::MAX_RESULT_WINDOW {
        return Err(Error::NotFound);
    }
    request.page = page;
    request.per_page = PER_PAGE;
    request.facets = false;
    let (results, works) = match crate::search::hydrate(search, &state.store, ctx, &request).await {
        Ok(found) => found,
        Err(ajar_search::SearchError::Query(e)) => return Err(Error::BadRequest(e.to_string())),
        Err(e) => return Err(Error::Internal(format!("a catalog search failed: {e}"))),
    };
    if page > 1 && works.is_empty() {
        return Err(Error::NotFound);
    }
    Ok((results.total, works))
}

/// A work as a catalog entry: the feed's entry (creators, tags as categories, the summary
/// with tags and length as HTML content), its summary as plain text (OPDS allows no markup
/// there), the EPUB to acquire, and each creator's works (`related`).
fn entry(site: &Site, work: WorkBlurb) -> Entry {
    let id = work.id;
    let summary = work.summary.to_text();
    let language = work.language.code().to_owned();
    // Each creator's works, so a reader's app can go from a book to more by its author.
    let by_creators: Vec<Link> = work
        .creators
        .iter()
        .map(|name| {
            let href = site.url(&format!("/opds/users/{}", crate::tag_url::encode(name)));
            let title = format!("Works by {name}");
            link(href, "related", ACQUISITION, Some(&title))
        })
        .collect();
    let mut entry = work_entry(site, work);
    entry.summary = (!summary.trim().is_empty()).then(|| Text::plain(summary));
    entry
        .links
        .push(link(site.url(&epub_href(id)), ACQUIRE, EPUB, Some("EPUB")));
    entry.links.extend(by_creators);
    entry.extensions.entry("dc".to_owned()).or_default().insert(
        "language".to_owned(),
        vec![atom_syndication::extension::Extension {
            name: "dc:language".to_owned(),
            value: Some(language),
            ..Default::default()
        }],
    );
    entry
}

/// A catalog feed as its response: OPDS's media type, kept by no shared cache (what a
/// catalog lists depends on who asks).
fn catalog(mut feed: Feed, kind: &'static str) -> Response {
    feed.namespaces
        .insert("dc".to_owned(), "http://purl.org/dc/terms/".to_owned());
    feed.namespaces.insert(
        "opds".to_owned(),
        "http://opds-spec.org/2010/catalog".to_owned(),
    );
    let body = match feed.write_to(Vec::new()) {
        Ok(body) => body,
        Err(e) => return Error::Internal(format!("writing an OPDS feed: {e}")).into_response(),
    };
    let body = ajar_core::xml_text(&String::from_utf8_lossy(&body)).into_owned();
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}
