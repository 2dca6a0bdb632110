//! Muted tags and the saved filter: set on `/account/filters`, applied inside the reader's
//! searches and tag listings (totals included), and to no one else.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    muted_tags_and_the_saved_filter_apply_inside_searches,
    muted_people_disappear_from_the_muters_listings_and_searches,
    results_pages_show_their_filters_each_removable,
);

use ajar_core::{Chapter, Html, TagName, Work};
use common::TestApp;
use reqwest::StatusCode;

fn work(title: &str, tags: &[&str], complete: bool) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec!["someone".into()],
        fandoms: vec![TagName::parse("Filter Fandom").unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        complete: Some(complete),
        expected_chapters: complete.then_some(1),
        chapters: vec![Chapter {
            body: Html::from_plain_text("Some words."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

fn api_total(body: &str) -> u64 {
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    json["total"].as_u64().unwrap()
}

async fn muted_tags_and_the_saved_filter_apply_inside_searches(app: &TestApp) {
    app.insert(&work("Fluffy One", &["Fluff"], true)).await;
    app.insert(&work("Sad One", &["Angst"], true)).await;
    app.insert(&work("Unfinished One", &["Fluff"], false)).await;
    // Imported from a file that never said whether it is finished.
    let mut unsaid = work("Unsaid One", &["Fluff"], false);
    unsaid.complete = None;
    app.insert(&unsaid).await;
    let reader = app.user("reader").await;
    let guest = app.guest();
    let all = reader.get("/api/v1/works").await.body;
    assert_eq!(api_total(&all), 4);
    let json: serde_json::Value = serde_json::from_str(&all).unwrap();
    let unsaid = json["works"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["title"] == "Unsaid One")
        .unwrap();
    assert_eq!(unsaid["complete"], serde_json::Value::Null);

    let page = reader.get("/account/filters").await;
    assert_eq!(page.status, StatusCode::OK);
    let saved = reader
        .post(
            "/account/filters",
            &[("muted_tags", "angst\n"), ("words_from", "")],
        )
        .await;
    assert_eq!(saved.location(), "/account/filters?saved=1");
    assert!(reader.get("/account/filters").await.body.contains("angst"));

    // Gone from the API, the search page and the tag listing, totals and facets included.
    assert_eq!(api_total(&reader.get("/api/v1/works").await.body), 3);
    let search = reader.get("/works/search?q=One").await.body;
    assert!(!search.contains("Sad One") && search.contains("Fluffy One"));
    assert!(search.contains("Your muted tags"));
    let listing = reader.get("/tags/Filter%20Fandom/works").await.body;
    assert!(!listing.contains("Sad One") && listing.contains("Fluffy One"));
    // Not for anyone else.
    assert_eq!(api_total(&guest.get("/api/v1/works").await.body), 4);
    assert!(!guest
        .get("/works/search?q=One")
        .await
        .body
        .contains("Your muted tags"));

    // A saved filter: complete works only, unless a search says otherwise. A work that does
    // not say is neither complete nor in progress.
    reader
        .post(
            "/account/filters",
            &[("muted_tags", "Angst"), ("complete_only", "1")],
        )
        .await;
    let api = reader.get("/api/v1/works").await.body;
    assert_eq!(api_total(&api), 1, "{api}");
    assert!(api.contains("Fluffy One"));
    assert_eq!(
        api_total(&reader.get("/api/v1/works?complete=no").await.body),
        1
    );

    // Bad input: a message, nothing saved.
    let bad = reader
        .post(
            "/account/filters",
            &[("muted_tags", ""), ("words_from", "lots")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not a number of words"));
    assert_eq!(api_total(&reader.get("/api/v1/works").await.body), 1);
}

async fn muted_people_disappear_from_the_muters_listings_and_searches(app: &TestApp) {
    app.user("ivy").await;
    let reader = app.user("hank").await;
    let mut by_ivy = work("Ivy's Garden", &["Fluff"], true);
    by_ivy.creators = vec!["ivy".into()];
    app.insert(&by_ivy).await;
    app.insert(&work("Someone Else's", &["Fluff"], true)).await;
    assert!(reader.get("/").await.body.contains("Ivy&#39;s Garden"));

    let muted = reader.post("/users/ivy/mute", &[("on", "true")]).await;
    assert_eq!(muted.status, StatusCode::SEE_OTHER, "{}", muted.body);
    let home = reader.get("/").await.body;
    assert!(!home.contains("Ivy&#39;s Garden") && home.contains("Someone Else"));
    assert_eq!(api_total(&reader.get("/api/v1/works").await.body), 1);
    let listing = reader.get("/tags/Fluff/works").await.body;
    assert!(!listing.contains("Ivy&#39;s Garden") && listing.contains("Someone Else"));
    // Only for the muter.
    assert!(app.guest().get("/").await.body.contains("Ivy&#39;s Garden"));
    assert_eq!(api_total(&app.guest().get("/api/v1/works").await.body), 2);

    reader.post("/users/ivy/mute", &[("on", "false")]).await;
    assert!(reader.get("/").await.body.contains("Ivy&#39;s Garden"));
}

/// The chip (a link) of the filter labelled `label` on a results page: its address.
fn chip_href(body: &str, label: &str) -> Option<String> {
    let nav = &body[body.find("class=\"active-filters\"")?..];
    let at = nav.find(&format!("\">{label} <span"))?;
    let href_at = nav[..at].rfind("href=\"")? + "href=\"".len();
    let href = &nav[href_at..at];
    let href = &href[..href.find('"')?];
    Some(href.replace("&#38;", "&").replace("&amp;", "&"))
}

/// A results page says which filters are in force, each with a link that drops just it.
async fn results_pages_show_their_filters_each_removable(app: &TestApp) {
    app.insert(&work("Fluffy One", &["Fluff"], true)).await;
    app.insert(&work("Sad One", &["Angst"], true)).await;
    app.insert(&work("Unfinished One", &["Fluff"], false)).await;
    let guest = app.guest();

    let page = guest
        .get("/works/search?q=One&complete=yes&exclude_tags=Angst&words_from=1&sort=title")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Fluffy One") && !page.body.contains("Sad One"));
    for label in [
        "Search: One",
        "Complete works only",
        "Excluding: Angst",
        "At least 1 words",
    ] {
        assert!(
            chip_href(&page.body, label).is_some(),
            "{label} in {}",
            page.body
        );
    }
    assert!(page
        .body
        .contains("<a href=\"/works/search\">Clear all</a>"));
    // Dropping one filter keeps the others (and the sort).
    let href = chip_href(&page.body, "Complete works only").unwrap();
    assert!(
        href.contains("sort=title") && href.contains("exclude_tags=Angst"),
        "{href}"
    );
    let wider = guest.get(&href).await;
    assert!(wider.body.contains("Unfinished One"), "{}", wider.body);
    assert!(!wider.body.contains("Sad One"), "{href}: {}", wider.body);
    assert!(chip_href(&wider.body, "Complete works only").is_none());
    assert!(chip_href(&wider.body, "Excluding: Angst").is_some());
    // Tags excluded by id are named, though no result carries them.
    let angst = app.store.tag_id_named("Angst").await.unwrap().unwrap();
    let page = guest
        .get(&format!("/works/search?exclude={}", angst.0))
        .await;
    assert!(
        chip_href(&page.body, "Excluding: Angst").is_some(),
        "{}",
        page.body
    );
    // No filters, no list.
    let plain = guest.get("/works/search").await;
    assert!(!plain.body.contains("active-filters"));
}
