//! The OPDS catalog as an e-reader app walks it: the start feed, recent works page by page,
//! fandoms and their works, a creator's works, search through the OpenSearch description,
//! and each entry's EPUB; a guest's view, and an account's with a personal access token as
//! the password of HTTP Basic.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::TagName;
use base64::Engine;
use common::{one_chapter_work, Client, TestApp};
use quick_xml::events::Event;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;

/// A link of a feed or an entry.
#[derive(Debug, Default, Clone)]
struct FeedLink {
    rel: String,
    href: String,
    kind: String,
}

#[derive(Debug, Default)]
struct FeedEntry {
    title: String,
    summary: Option<(String, String)>,
    links: Vec<FeedLink>,
}

#[derive(Debug, Default)]
struct Catalog {
    links: Vec<FeedLink>,
    entries: Vec<FeedEntry>,
}

impl Catalog {
    fn link(&self, rel: &str) -> Option<&FeedLink> {
        self.links.iter().find(|l| l.rel == rel)
    }

    fn titles(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.title.as_str()).collect()
    }

    fn entry(&self, title: &str) -> &FeedEntry {
        self.entries
            .iter()
            .find(|e| e.title == title)
            .unwrap_or_else(|| panic!("no entry {title:?} in {:?}", self.titles()))
    }
}

/// Reads an Atom feed as a reader app does; panics if it is not well-formed XML.
fn parse(xml: &str) -> Catalog {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut catalog = Catalog::default();
    let mut entry: Option<FeedEntry> = None;
    let mut text_of: Option<(String, String)> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attr = |key: &str| {
                    e.attributes()
                        .map(Result::unwrap)
                        .find(|a| a.key.as_ref() == key.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap_or_default()
                };
                match name.as_str() {
                    "entry" => entry = Some(FeedEntry::default()),
                    "link" => {
                        let link = FeedLink {
                            rel: attr("rel"),
                            href: attr("href"),
                            kind: attr("type"),
                        };
                        match &mut entry {
                            Some(entry) => entry.links.push(link),
                            None => catalog.links.push(link),
                        }
                    }
                    "title" | "summary" => text_of = Some((name, attr("type"))),
                    _ => {}
                }
            }
            Event::Text(t) => push_text(&text_of, &mut entry, &t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                let text = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                push_text(&text_of, &mut entry, text);
            }
            Event::End(e) => match e.name().as_ref() {
                b"entry" => catalog.entries.push(entry.take().unwrap()),
                b"title" | b"summary" => text_of = None,
                _ => {}
            },
            _ => {}
        }
    }
    catalog
}

/// Text inside an entry's title or summary.
fn push_text(text_of: &Option<(String, String)>, entry: &mut Option<FeedEntry>, text: &str) {
    if let (Some((name, kind)), Some(entry)) = (text_of, entry) {
        match name.as_str() {
            "title" => entry.title.push_str(text),
            _ => {
                let summary = entry
                    .summary
                    .get_or_insert_with(|| (kind.clone(), String::new()));
                summary.1.push_str(text);
            }
        }
    }
}

/// A GET as a reader app sends it: no cookies, and the account's name and token as Basic
/// credentials when it has them.
async fn app_get(base: &str, href: &str, token: Option<&str>) -> reqwest::Response {
    let url = if href.starts_with("http") {
        href.to_owned()
    } else {
        format!("{base}{href}")
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = http.get(url);
    if let Some(token) = token {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("reader:{token}"));
        request = request.header(AUTHORIZATION, format!("Basic {basic}"));
    }
    request.send().await.unwrap()
}

async fn catalog(base: &str, href: &str, token: Option<&str>, kind: &str) -> Catalog {
    let response = app_get(base, href, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{href}");
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        content_type,
        format!("application/atom+xml;profile=opds-catalog;kind={kind}"),
        "{href}"
    );
    parse(&response.text().await.unwrap())
}

/// Makes a read token for `client` on the account page.
async fn read_token(client: &Client) -> String {
    let made = client
        .post(
            "/account/tokens",
            &[("name", "e-reader"), ("scope", "read")],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    made.body[at..at + made.body[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_reader_app_browses_searches_and_downloads_from_the_catalog() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    for i in 0..27 {
        let mut work = one_chapter_work(&format!("Diner Story {i:02}"), "luke");
        work.fandoms = vec![TagName::parse("Gilmore Girls").unwrap()];
        work.summary = ajar_core::Html::sanitize("<p>Coffee at <b>Luke's</b>.</p>");
        app.insert(&work).await;
    }
    let mut other = one_chapter_work("Across the Pond", "someone");
    other.fandoms = vec![TagName::parse("Doctor Who").unwrap()];
    other.relationships = vec![TagName::parse("Rose Tyler/The Doctor").unwrap()];
    app.insert(&other).await;
    // A work for logged-in readers only, posted by its writer.
    let writer = app.user("opdswriter").await;
    let pseud = common::pseud_value(&writer, "opdswriter").await;
    let posted = writer
        .post(
            "/works/new",
            &[
                ("title", "Members Diner"),
                ("pseud", &pseud),
                ("fandoms", "Gilmore Girls"),
                ("rating", "teen"),
                ("warning", "none"),
                ("body", "For members."),
                ("format", "markdown"),
                ("language", "English"),
                ("visibility", "restricted"),
                ("comments", "anyone"),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let members_id: i64 = posted.location()["/works/".len()..]
        .split(['/', '#', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    app.caught_up().await;

    // The start: where recent works and fandoms are, and how to search.
    let start = catalog(&base, "/opds", None, "navigation").await;
    assert_eq!(start.titles(), ["Recent works", "Fandoms"]);
    assert!(start.link("start").is_some() && start.link("self").is_some());
    let search = start.link("search").unwrap();
    assert_eq!(search.kind, "application/opensearchdescription+xml");

    // Recent works, a page at a time, each with its EPUB; a guest sees no members' work.
    let recent = &start.entry("Recent works").links[0];
    assert_eq!(recent.rel, "subsection");
    let first = catalog(&base, &recent.href, None, "acquisition").await;
    assert_eq!(first.entries.len(), 25);
    assert!(first.link("previous").is_none());
    let second = catalog(
        &base,
        &first.link("next").unwrap().href,
        None,
        "acquisition",
    )
    .await;
    assert_eq!(second.entries.len(), 3, "{:?}", second.titles());
    assert!(second.link("next").is_none() && second.link("previous").is_some());
    let all: Vec<&str> = first.titles().into_iter().chain(second.titles()).collect();
    assert!(!all.contains(&"Members Diner"));
    assert_eq!(
        app_get(&base, "/opds/recent?page=9", None).await.status(),
        StatusCode::NOT_FOUND
    );
    let entry = first
        .entries
        .iter()
        .find(|e| e.title.starts_with("Diner Story"))
        .unwrap();
    let (kind, summary) = entry.summary.clone().unwrap();
    assert!(
        kind.is_empty() || kind == "text",
        "OPDS summaries are text: {kind}"
    );
    assert!(summary.contains("Coffee at Luke's") && !summary.contains("<b>"));
    let epub = entry
        .links
        .iter()
        .find(|l| l.rel == "http://opds-spec.org/acquisition")
        .unwrap();
    assert_eq!(epub.kind, "application/epub+zip");
    let file = app_get(&base, &epub.href, None).await;
    assert_eq!(file.status(), StatusCode::OK);
    // From a book to more by its author: the creator's own acquisition feed.
    let by = entry.links.iter().find(|l| l.rel == "related").unwrap();
    assert!(by.kind.ends_with("kind=acquisition"), "{}", by.kind);
    let theirs = catalog(&base, &by.href, None, "acquisition").await;
    assert!(theirs.titles().iter().all(|t| t.starts_with("Diner Story")));
    assert_eq!(theirs.entries.len(), 25);
    assert_eq!(file.headers()[CONTENT_TYPE], "application/epub+zip");
    assert!(file.bytes().await.unwrap().starts_with(b"PK"));

    // Fandoms, most works first, each leading to its works.
    let fandoms = catalog(&base, "/opds/fandoms", None, "navigation").await;
    assert_eq!(fandoms.titles(), ["Gilmore Girls", "Doctor Who"]);
    let who = &fandoms.entry("Doctor Who").links[0];
    let who = catalog(&base, &who.href, None, "acquisition").await;
    assert_eq!(who.titles(), ["Across the Pond"]);
    // A tag whose name holds a slash, in the site's own tag addresses.
    let pairing = catalog(
        &base,
        "/opds/tags/Rose%20Tyler*s*The%20Doctor",
        None,
        "acquisition",
    )
    .await;
    assert_eq!(pairing.titles(), ["Across the Pond"]);

    // Search, as the OpenSearch description says to.
    let description = app_get(&base, &search.href, None)
        .await
        .text()
        .await
        .unwrap();
    let at = description.find("template=\"").unwrap() + "template=\"".len();
    let template = &description[at..at + description[at..].find('"').unwrap()];
    let found = catalog(
        &base,
        &template.replace("{searchTerms}", "pond"),
        None,
        "acquisition",
    )
    .await;
    assert_eq!(found.titles(), ["Across the Pond"]);

    // With the account's token as the password, the account's view: members' works too,
    // and their EPUB; without it, that EPUB asks for credentials.
    let reader = app.user("opdsreader").await;
    let token = read_token(&reader).await;
    let mut seen = Vec::new();
    let mut next = Some("/opds/recent".to_owned());
    while let Some(href) = next {
        let page = catalog(&base, &href, Some(&token), "acquisition").await;
        seen.extend(page.titles().into_iter().map(str::to_owned));
        next = page.link("next").map(|l| l.href.clone());
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (29, 29),
        "every work once, the members' one too"
    );
    assert!(seen.contains(&"Members Diner".to_owned()));
    let members = format!("/opds/works/{members_id}/download.epub");
    let asked = app_get(&base, &members, None).await;
    assert_eq!(asked.status(), StatusCode::UNAUTHORIZED);
    assert!(asked.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let file = app_get(&base, &members, Some(&token)).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.bytes().await.unwrap().starts_with(b"PK"));
    let by = catalog(&base, "/opds/users/opdswriter", Some(&token), "acquisition").await;
    assert_eq!(by.titles(), ["Members Diner"]);
    // A wrong token is refused, with the challenge reader apps answer.
    let wrong = app_get(
        &base,
        "/opds",
        Some("ajar_pat_WrongWrongWrongWrongWrongWrong"),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("Basic")));
    app.cleanup().await;
}

/// A JSON feed of the OPDS 2.0 catalog, as a reader app reads it.
async fn feed2(base: &str, href: &str, token: Option<&str>) -> serde_json::Value {
    let response = app_get(base, href, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{href}");
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/opds+json",
        "{href}"
    );
    response.json().await.unwrap()
}

fn link2<'a>(feed: &'a serde_json::Value, rel: &str) -> Option<&'a str> {
    feed["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .map(|l| l["href"].as_str().unwrap())
}

fn titles2(feed: &serde_json::Value) -> Vec<String> {
    feed["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_reader_app_walks_the_opds2_catalog() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    for i in 0..27 {
        let mut work = one_chapter_work(&format!("Diner Story {i:02}"), "luke");
        work.fandoms = vec![TagName::parse("Gilmore Girls").unwrap()];
        work.summary = ajar_core::Html::sanitize("<p>Coffee at <b>Luke's</b>.</p>");
        app.insert(&work).await;
    }
    let mut other = one_chapter_work("Across the Pond", "someone");
    other.fandoms = vec![TagName::parse("Doctor Who").unwrap()];
    app.insert(&other).await;
    let writer = app.user("opdswriter").await;
    common::post_work(&writer, "Members Diner", "restricted").await;
    app.caught_up().await;

    let start = feed2(&base, "/opds/v2", None).await;
    let nav: Vec<&str> = start["navigation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(nav, ["Recent works", "Fandoms"]);
    let search = start["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "search")
        .unwrap();
    assert_eq!(search["templated"], true);
    let template = search["href"].as_str().unwrap();
    assert!(template.ends_with("/opds/v2/search{?query}"), "{template}");

    // Recent works a page at a time; a guest sees no members' work.
    let recent = start["navigation"][0]["href"].as_str().unwrap();
    let first = feed2(&base, recent, None).await;
    assert_eq!(first["metadata"]["numberOfItems"], 28);
    assert_eq!(titles2(&first).len(), 25);
    assert!(link2(&first, "previous").is_none());
    let second = feed2(&base, link2(&first, "next").unwrap(), None).await;
    assert_eq!(titles2(&second).len(), 3);
    assert!(link2(&second, "next").is_none());
    let all: Vec<String> = titles2(&first)
        .into_iter()
        .chain(titles2(&second))
        .collect();
    assert!(!all.iter().any(|t| t == "Members Diner"));
    let publication = first["publications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["metadata"]["title"]
                .as_str()
                .unwrap()
                .starts_with("Diner Story")
        })
        .unwrap();
    assert_eq!(publication["metadata"]["author"][0]["name"], "luke");
    // The author leads to their works in the catalog.
    let theirs = publication["metadata"]["author"][0]["links"][0]["href"]
        .as_str()
        .unwrap()
        .strip_prefix(&base)
        .unwrap()
        .to_owned();
    assert_eq!(theirs, "/opds/v2/users/luke");
    let theirs = feed2(&base, &theirs, None).await;
    assert!(theirs["publications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["metadata"]["title"] == publication["metadata"]["title"]));
    assert_eq!(publication["metadata"]["description"], "Coffee at Luke's.");
    let acquisition = publication["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://opds-spec.org/acquisition")
        .unwrap();
    assert_eq!(acquisition["type"], "application/epub+zip");
    let file = app_get(&base, acquisition["href"].as_str().unwrap(), None).await;
    assert_eq!(file.status(), StatusCode::OK);

    // Fandoms lead to their works; search fills the template.
    let fandoms = feed2(
        &base,
        start["navigation"][1]["href"].as_str().unwrap(),
        None,
    )
    .await;
    let who = fandoms["navigation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "Doctor Who")
        .unwrap();
    assert_eq!(who["properties"]["numberOfItems"], 1);
    let doctor = feed2(&base, who["href"].as_str().unwrap(), None).await;
    assert_eq!(titles2(&doctor), ["Across the Pond"]);
    let found = feed2(&base, &template.replace("{?query}", "?query=pond"), None).await;
    assert_eq!(titles2(&found), ["Across the Pond"]);

    // With the account's token, its view: the members' work is there.
    let token = read_token(&writer).await;
    let mine = feed2(&base, "/opds/v2/search?query=members", Some(&token)).await;
    assert_eq!(titles2(&mine), ["Members Diner"]);
    let guest = feed2(&base, "/opds/v2/search?query=members", None).await;
    assert!(titles2(&guest).is_empty());
    assert_eq!(
        app_get(&base, "/opds/v2/recent?page=x", None)
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "a page that is not a number is no page, as on the site"
    );
    assert_eq!(
        app_get(&base, "/opds/v2/users/nobody-here", None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}
