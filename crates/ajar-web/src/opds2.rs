//! OPDS 2.0, the JSON edition of the catalog, beside the 1.2 one: the same feeds under
//! `/opds/v2` (recent works, fandoms and their works, a creator's works, search through a
//! URI template), with the same audience rules, paging and EPUB acquisition links, for
//! reader apps that speak it (Thorium, the Readium-based apps). Served as
//! `application/opds+json`.

use crate::auth::Ctx;
use crate::feeds::{at_time, Site};
use crate::opds::{
    catalog_works, creator, epub_href, page_href, recent, tag, Listing, FANDOMS, PER_PAGE,
};
use crate::{AppState, Error};
use ajar_core::TagName;
use ajar_store::WorkBlurb;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/opds/v2", get(root))
        .route("/opds/v2/recent", get(recent::<true>))
        .route("/opds/v2/fandoms", get(fandoms))
        .route("/opds/v2/tags/{name}", get(tag::<true>))
        .route("/opds/v2/users/{name}", get(creator::<true>))
        .route("/opds/v2/search", get(search))
}

const OPDS2: &str = "application/opds+json";

/// The links every feed carries: itself, the catalog's start, and search as a URI template.
fn feed_links(site: &Site, self_href: &str) -> Vec<Value> {
    vec![
        json!({ "rel": "self", "href": site.url(self_href), "type": OPDS2 }),
        json!({ "rel": "start", "href": site.url("/opds/v2"), "type": OPDS2 }),
        json!({
            "rel": "search",
            "href": format!("{}{{?query}}", site.url("/opds/v2/search")),
            "type": OPDS2,
            "templated": true
        }),
    ]
}

async fn root(headers: HeaderMap) -> Response {
    let site = Site::of(&headers);
    let nav = |href: &str, title: &str| json!({ "href": site.url(href), "title": title, "type": OPDS2, "rel": "subsection" });
    feed(json!({
        "metadata": { "title": crate::SITE_NAME },
        "links": feed_links(&site, "/opds/v2"),
        "navigation": [
            nav("/opds/v2/recent", "Recent works"),
            nav("/opds/v2/fandoms", "Fandoms"),
        ]
    }))
}

async fn fandoms(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let site = Site::of(&headers);
    let audience = crate::access::audience(&ctx);
    let muted = crate::access::muted(&state.store, &ctx).await?;
    let navigation: Vec<Value> = crate::counts::popular_fandoms(&state, audience, &muted, FANDOMS)
        .await?
        .into_iter()
        .map(|fandom| {
            let href = format!(
                "/opds/v2/tags/{}",
                crate::tag_url::encode(fandom.name.as_str())
            );
            json!({
                "href": site.url(&href),
                "title": fandom.name.as_str(),
                "type": OPDS2,
                "rel": "subsection",
                "properties": { "numberOfItems": fandom.works }
            })
        })
        .collect();
    Ok(feed(json!({
        "metadata": { "title": "Fandoms" },
        "links": feed_links(&site, "/opds/v2/fandoms"),
        "navigation": navigation
    })))
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    query: Option<String>,
    page: Option<String>,
}

/// The search template's address: the words in `query`, as OPDS 2.0 names them.
async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let Query(q) =
        query.map_err(|_| Error::BadRequest("The address cannot be read.".to_owned()))?;
    let page = crate::home::page_number(q.page)?;
    let listing = Listing::search(&q.query.unwrap_or_default(), "query");
    works(&state, &ctx, &headers, listing, page).await
}

/// One page of publications, as `opds::catalog_works` finds them for whoever asks.
pub(crate) async fn works(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    listing: Listing,
    page: u64,
) -> Result<Response, Error> {
    let (total, found) = catalog_works(state, ctx, listing.request, page).await?;
    let site = Site::of(headers);
    let href = format!("/opds/v2{}", listing.path);
    let mut links = feed_links(&site, &page_href(&href, page));
    if page > 1 {
        let previous = site.url(&page_href(&href, page - 1));
        links.push(json!({ "rel": "previous", "href": previous, "type": OPDS2 }));
    }
    if page.saturating_mul(u64::from(PER_PAGE)) < total {
        let next = site.url(&page_href(&href, page + 1));
        links.push(json!({ "rel": "next", "href": next, "type": OPDS2 }));
    }
    let publications: Vec<Value> = found.into_iter().map(|w| publication(&site, w)).collect();
    Ok(feed(json!({
        "metadata": {
            "title": listing.title,
            "numberOfItems": total,
            "itemsPerPage": PER_PAGE,
            "currentPage": page
        },
        "links": links,
        "publications": publications
    })))
}

/// A work as an OPDS 2.0 publication: its metadata (creators as authors linking to their
/// works' feed, fandoms and tags as subjects, the summary as plain text), its page and the
/// EPUB to acquire.
fn publication(site: &Site, work: WorkBlurb) -> Value {
    let url = site.url(&format!("/works/{}", work.id));
    let modified = work.updated.map_or(work.modified_at.fixed_offset(), |day| {
        at_time(day, work.modified_at)
    });
    let subjects: Vec<Value> = work
        .fandoms
        .iter()
        .chain(&work.relationships)
        .chain(&work.characters)
        .chain(&work.tags)
        .map(TagName::as_str)
        .map(|name| json!({ "name": name }))
        .collect();
    let mut metadata = json!({
        "@type": "http://schema.org/Book",
        "title": work.title,
        "identifier": url,
        // Each author links to their works in the catalog, so a reader's app can browse them.
        "author": work.creators.iter().map(|name| json!({
            "name": name,
            "links": [{
                "href": site.url(&format!("/opds/v2/users/{}", crate::tag_url::encode(name))),
                "type": OPDS2
            }]
        })).collect::<Vec<_>>(),
        "language": work.language.code(),
        "modified": modified.to_rfc3339(),
        "subject": subjects,
    });
    if let Some(day) = work.published {
        metadata["published"] = json!(day.to_string());
    }
    let summary = work.summary.to_text();
    if !summary.trim().is_empty() {
        metadata["description"] = json!(summary.trim());
    }
    json!({
        "metadata": metadata,
        "links": [
            { "rel": "self", "href": url, "type": "text/html" },
            { "rel": "http://opds-spec.org/acquisition", "href": site.url(&epub_href(work.id)), "type": "application/epub+zip" }
        ],
        "images": []
    })
}

/// A feed as its response: OPDS 2.0's media type, kept by no shared cache (what a catalog
/// lists depends on who asks).
fn feed(body: Value) -> Response {
    let mut response = body.to_string().into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(OPDS2));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    response
}
