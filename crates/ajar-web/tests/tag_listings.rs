//! Tag listings (`/tags/{NAME}/works`) served from the search index match the store's
//! listing (same works, order, total and pages) and carry the filter sidebar with counts.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagName, Work};
use ajar_search::{Search, SearchConfig};
use ajar_store::Store;
use chrono::NaiveDate;
use reqwest::StatusCode;
use tokio::sync::oneshot;

/// One store served twice: with the search index and without (the store path).
struct TestApp {
    with_search: String,
    store_only: String,
    client: reqwest::Client,
    _shutdown: Vec<oneshot::Sender<()>>,
    _data: tempfile::TempDir,
}

impl TestApp {
    async fn spawn(works: &[Work]) -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let store = Store::open(None, data.path()).await.unwrap();
        for work in works {
            store.insert_work(work).await.unwrap();
        }
        let (search, _) = Search::open(store.clone(), SearchConfig::in_memory(), |_, _| {})
            .await
            .unwrap();
        search.catch_up().await.unwrap();
        let (a, stop_a) = oneshot::channel::<()>();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let with_search = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(ajar_web::serve_with_search(
            listener,
            store.clone(),
            search,
            async {
                let _ = stop_a.await;
            },
        ));
        let (b, stop_b) = oneshot::channel::<()>();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let store_only = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(ajar_web::serve(listener, store, async {
            let _ = stop_b.await;
        }));
        TestApp {
            with_search,
            store_only,
            client: reqwest::Client::new(),
            _shutdown: vec![a, b],
            _data: data,
        }
    }

    async fn get(&self, base: &str, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

fn work(n: u32, fandom: &str, tags: &[&str]) -> Work {
    let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(n));
    Work {
        title: format!("Work {n}"),
        creators: vec!["Paris Geller".into()],
        fandoms: vec![TagName::parse(fandom).unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        rating: if n.is_multiple_of(2) {
            Rating::GeneralAudiences
        } else {
            Rating::TeenAndUp
        },
        chapters: vec![Chapter {
            position: 1,
            body: Html::from_plain_text("Some words here."),
            ..Chapter::default()
        }],
        published: Some(day),
        updated: Some(day),
        ..Work::default()
    }
}

/// The ids of the works a page lists, in order.
fn work_ids(html: &str) -> Vec<String> {
    html.split("<article class=\"blurb\" id=\"work-")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

fn heading(html: &str) -> &str {
    html.split("<h1>")
        .nth(1)
        .unwrap()
        .split("</h1>")
        .next()
        .unwrap()
}

#[tokio::test]
async fn a_tag_listing_from_search_matches_the_store_and_has_the_sidebar() {
    let mut works = Vec::new();
    for n in 0..25_u32 {
        let tags: &[&str] = if n.is_multiple_of(3) {
            &["Fluff"]
        } else {
            &["Angst"]
        };
        works.push(work(n, "Gilmore Girls", tags));
    }
    for n in 25..30 {
        works.push(work(n, "Veronica Mars", &["Fluff"]));
    }
    let app = TestApp::spawn(&works).await;

    for path in [
        "/tags/Gilmore%20Girls/works",
        "/tags/Gilmore%20Girls/works?page=2",
        "/tags/fluff/works",
    ] {
        let (status, searched) = app.get(&app.with_search, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {searched}");
        let (status, stored) = app.get(&app.store_only, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {stored}");
        assert_eq!(heading(&searched), heading(&stored), "{path}");
        assert_eq!(work_ids(&searched), work_ids(&stored), "{path}");
        assert!(!work_ids(&searched).is_empty(), "{path}");
        // The sidebar only where the index served the page.
        assert!(searched.contains("<form class=\"filters\""), "{path}");
        assert!(!stored.contains("<form class=\"filters\""), "{path}");
    }

    let (_, first) = app
        .get(&app.with_search, "/tags/Gilmore%20Girls/works")
        .await;
    assert!(
        heading(&first).contains("1 - 20 of 25 Works in Gilmore Girls"),
        "{}",
        heading(&first)
    );
    assert_eq!(work_ids(&first).len(), 20);
    assert!(
        first.contains("/tags/Gilmore%20Girls/works?page=2"),
        "{first}"
    );
    let (_, second) = app
        .get(&app.with_search, "/tags/Gilmore%20Girls/works?page=2")
        .await;
    assert_eq!(work_ids(&second).len(), 5);
    // Past the last page is no page, as on the store path.
    let (status, _) = app
        .get(&app.with_search, "/tags/Gilmore%20Girls/works?page=3")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(&app.with_search, "/tags/No%20Such%20Tag/works")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The sidebar: the search page's form, the tag pre-filled, counts from the same search.
    assert!(first.contains("action=\"/works/search\""), "{first}");
    assert!(
        first.contains("name=\"include_tags\" value=\"Gilmore Girls\""),
        "{first}"
    );
    assert!(first.contains("Fluff (9)"), "{first}");
    assert!(first.contains("Angst (16)"), "{first}");
    assert!(first.contains("General Audiences (13)"), "{first}");
    assert!(first.contains("Teen And Up Audiences (12)"), "{first}");
}
