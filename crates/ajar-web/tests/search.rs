//! The search page and `/api/v1/works` over real HTTP, on a fresh SQLite store with a
//! running search index and follower.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagName, Work, WorkId};
use ajar_search::{Search, SearchConfig};
use ajar_store::Store;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::oneshot;

struct TestApp {
    base: String,
    store: Store,
    search: Search,
    client: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
    _data: tempfile::TempDir,
}

impl TestApp {
    async fn spawn() -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let store = Store::open(None, data.path()).await.unwrap();
        let (search, _) = Search::open(store.clone(), SearchConfig::in_memory(), |_, _| {})
            .await
            .unwrap();
        search.spawn_follower();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(ajar_web::serve_with_search(
            listener,
            store.clone(),
            search.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        TestApp {
            base: format!("http://{addr}"),
            store,
            search,
            client: reqwest::Client::new(),
            _shutdown: shutdown,
            _data: data,
        }
    }

    async fn insert(&self, work: &Work) -> WorkId {
        let id = self.store.insert_work(work).await.unwrap();
        self.search.notify_changed();
        self.search.catch_up().await.unwrap();
        id
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

fn work(title: &str, fandom: &str, tags: &[&str], body: &str) -> Work {
    Work {
        title: title.into(),
        creators: vec!["Paris Geller".into()],
        fandoms: vec![TagName::parse(fandom).unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        rating: Rating::GeneralAudiences,
        chapters: vec![Chapter {
            position: 1,
            body: Html::from_plain_text(body),
            ..Chapter::default()
        }],
        ..Work::default()
    }
}

#[tokio::test]
async fn the_json_api_returns_works_and_facets() {
    let app = TestApp::spawn().await;
    let a = app
        .insert(&work(
            "Chilton",
            "Gilmore Girls",
            &["Fluff", "School"],
            "Paris studied.",
        ))
        .await;
    app.insert(&work("Neptune", "Veronica Mars", &["Angst"], "Rain."))
        .await;
    let (status, body) = app
        .get("/api/v1/works?q=fandom%3A%22gilmore+girls%22")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["works"][0]["id"], a.0);
    assert_eq!(json["works"][0]["title"], "Chilton");
    assert_eq!(json["works"][0]["url"], format!("/works/{a}"));
    assert_eq!(json["works"][0]["fandoms"][0], "Gilmore Girls");
    let freeforms = json["facets"]["freeform"].as_array().unwrap();
    let names: Vec<&str> = freeforms
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Fluff", "School"]);
    assert_eq!(freeforms[0]["count"], 1);

    // The same filters as the page: exclude a tag by name.
    let (_, body) = app.get("/api/v1/works?exclude_tags=fluff").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["works"][0]["title"], "Neptune");
}

#[tokio::test]
async fn malformed_searches_get_a_message_not_a_500() {
    let app = TestApp::spawn().await;
    for query in [
        "q=%22open",
        "q=(a",
        "q=words%3Elots",
        "sort=sideways",
        "page=0",
    ] {
        let (status, body) = app.get(&format!("/api/v1/works?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(!json["detail"].as_str().unwrap().is_empty());
        let (status, page) = app.get(&format!("/works/search?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.contains("The search could not be read"), "{page}");
    }
}

#[tokio::test]
async fn a_negated_phrase_leaves_those_works_out() {
    let app = TestApp::spawn().await;
    for i in 0..40 {
        let body = if i % 2 == 0 {
            "a slow burn of a story"
        } else {
            "burn it all, slowly"
        };
        app.insert(&work(&format!("Work {i}"), "Gilmore Girls", &[], body))
            .await;
    }
    for query in [
        "q=-text%3A%22slow+burn%22",
        "q=text%3Aburn+-text%3A%22slow+burn%22",
        "q=text%3Aburn+NOT+text%3A%22slow+burn%22",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/works?{query}&per_page=100"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["total"], 20, "{query}: {body}");
    }
}

#[tokio::test]
async fn the_search_page_lists_filters_and_pages() {
    let app = TestApp::spawn().await;
    for i in 0..25 {
        app.insert(&work(
            &format!("Story {i}"),
            "Gilmore Girls",
            &["Coffee"],
            "There is no sunset here, she said.",
        ))
        .await;
    }
    let (status, page) = app.get("/works/search").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("How to search"),
        "the query language is explained"
    );
    assert!(page.contains("1 - 20 of 25 Works found"), "{page}");
    assert!(
        page.contains("Gilmore Girls (25)"),
        "fandom facet with its count"
    );
    assert!(page.contains("name=\"include\""), "include checkboxes");
    assert!(page.contains("href=\"/works/search?page=2\""), "{page}");

    let (_, page) = app
        .get("/works/search?text=%22no+sunset%22&sort=title")
        .await;
    assert!(
        page.contains("<b>no</b> <b>sunset</b>") || page.contains("<b>sunset</b>"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/works/search?text=%22no+sunset%22&amp;sort=title&amp;page=2\"")
            || page.contains("sort=title&#38;page=2"),
        "pagination keeps the filters"
    );
}

/// The one search box (the home page's, or `q=`) finds a remembered line in the text of a
/// work, shows the line highlighted, and lists a work that names the words first.
#[tokio::test]
async fn the_search_box_finds_a_remembered_line_with_its_snippet() {
    let app = TestApp::spawn().await;
    app.insert(&work(
        "Nag Hammadi",
        "Gilmore Girls",
        &["Angst"],
        "Jess looked out. \"There is no sunset here,\" he said, and nobody answered.",
    ))
    .await;
    app.insert(&work(
        "Unrelated",
        "Gilmore Girls",
        &[],
        "Coffee at Luke's.",
    ))
    .await;
    let (status, page) = app.get("/works/search?q=there+is+no+sunset").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("1 Work found"), "{page}");
    assert!(page.contains("Nag Hammadi"), "{page}");
    assert!(!page.contains("Unrelated"), "{page}");
    assert!(
        page.contains("<b>There</b> <b>is</b> <b>no</b> <b>sunset</b> here"),
        "the line is shown highlighted: {page}"
    );

    // A work titled with the words comes before the one whose text holds them.
    app.insert(&work(
        "No Sunset",
        "Gilmore Girls",
        &[],
        "Rory read all evening.",
    ))
    .await;
    let (_, page) = app.get("/works/search?q=no+sunset").await;
    let titled = page
        .find("No Sunset</a>")
        .expect("the titled work is listed");
    let in_text = page
        .find("Nag Hammadi</a>")
        .expect("the text match is listed");
    assert!(titled < in_text, "{page}");

    // The API answers the same, with the snippet.
    let (_, body) = app.get("/api/v1/works?q=there+is+no+sunset").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["total"], 1);
    assert!(json["works"][0]["snippet"]
        .as_str()
        .is_some_and(|s| s.contains("<b>sunset</b>")));
}

#[tokio::test]
async fn a_new_work_shows_up_in_search_within_a_second() {
    let app = TestApp::spawn().await;
    app.store
        .insert_work(&work("Fresh", "Gilmore Girls", &[], "New."))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let (_, body) = app.get("/api/v1/works?q=fresh").await;
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        if json["total"] == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not found in time"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn without_an_index_search_says_so() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ajar_web::serve(listener, store, std::future::pending()));
    let response = reqwest::get(format!("http://{addr}/api/v1/works"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// A node whose index is still being built serves pages from the store (home, tag listing,
/// the work), while search answers 503 saying it is catching up and how far the build has
/// come; once the index is in place, search finds the works, and a work posted during the
/// build too. On SQLite and PostgreSQL.
#[tokio::test]
async fn while_the_index_is_built_pages_are_served_and_search_says_it_is_catching_up() {
    for backend in [ajar_store::Backend::Sqlite, ajar_store::Backend::Postgres] {
        let Some(db) = ajar_store::testing::TestStore::new(backend).await else {
            continue;
        };
        let store = db.store().clone();
        let first = store
            .insert_work(&work("Pennilyn Lott", "Gilmore Girls", &["Yale"], "Bones."))
            .await
            .unwrap();
        let slot = ajar_web::SearchSlot::building();
        slot.progress(12_000, 1_000_000);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(ajar_web::serve_with_config(
            listener,
            store.clone(),
            slot.clone(),
            ajar_web::Config::default(),
            async {
                let _ = stopped.await;
            },
        ));
        let get = |path: &str| {
            let url = format!("{base}{path}");
            async move {
                let response = reqwest::get(url).await.unwrap();
                let retry = response.headers().get("retry-after").cloned();
                (response.status(), retry, response.text().await.unwrap())
            }
        };

        let (status, _, body) = get("/healthz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, "building the search index: 12000 of 1000000 works\n");
        let (status, retry, body) = get("/works/search?q=bones").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{backend:?}");
        assert!(retry.is_some());
        assert!(body.contains("Search is catching up"), "{body}");
        assert!(body.contains("12,000 of 1,000,000 works"), "{body}");
        let (status, retry, body) = get("/api/v1/works?q=bones").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(retry.is_some());
        assert!(body.contains("catching up"), "{body}");
        for path in [
            "/".to_owned(),
            "/tags/Gilmore%20Girls/works".to_owned(),
            format!("/works/{}", first.0),
        ] {
            let (status, _, body) = get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path} on {backend:?}");
            assert!(body.contains("Pennilyn Lott"), "{path} on {backend:?}");
        }

        // Built from the store as it was; a work posted meanwhile is followed after.
        let (search, _) = Search::open(store.background(), SearchConfig::in_memory(), |_, _| {})
            .await
            .unwrap();
        let second = store
            .insert_work(&work(
                "Mitchum Huntzberger",
                "Gilmore Girls",
                &["Yale"],
                "Bones.",
            ))
            .await
            .unwrap();
        search.spawn_follower();
        assert!(slot.fill(search).is_ok());
        let started = std::time::Instant::now();
        loop {
            let (status, _, body) = get("/api/v1/works?q=bones").await;
            if status == StatusCode::OK
                && body.contains(&format!("\"id\":{}", first.0))
                && body.contains(&format!("\"id\":{}", second.0))
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{backend:?}: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(get("/healthz").await.2, "ready\n");
        let _ = shutdown.send(());
        db.cleanup().await;
    }
}
