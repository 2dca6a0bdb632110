//! The API's lists page by cursor: walking a reader's history and a work's comment threads
//! from `next_cursor` to `next_cursor` yields every item once, in order, and when the list
//! changes under the walk, nothing twice (where page numbers show an item again); a cursor
//! this API did not give is a 400. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Html, WorkId};
use ajar_store::{Backend, CommentAuthor, NewComment};
use common::{one_chapter_work, Client, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

async fn json(client: &Client, path: &str) -> Value {
    let got = client.get(path).await;
    assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.body);
    serde_json::from_str(&got.body).unwrap()
}

/// Follows `next_cursor` from `first` to the end: the ids listed under `items`, in order.
async fn walk(client: &Client, first: &str, items: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut page = json(client, first).await;
    loop {
        let listed = page[items].as_array().unwrap();
        ids.extend(listed.iter().map(|w| w["id"].as_i64().unwrap()));
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        let sep = if first.contains('?') { '&' } else { '?' };
        page = json(client, &format!("{first}{sep}cursor={cursor}")).await;
        assert!(
            page.get("page").is_none(),
            "a cursor's page has no number: {page}"
        );
    }
    ids
}

async fn lists_page_by_cursor(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let reader = app.user("reader").await;
    let user = app.store.user_by_name("reader").await.unwrap().unwrap().id;

    // 45 works read one after another: the history lists them newest first.
    let mut works = Vec::new();
    for n in 0..45 {
        let id = app
            .store
            .insert_work(&one_chapter_work(&format!("Work {n}"), "Writer"))
            .await
            .unwrap();
        app.store.record_reading(user, id, 1).await.unwrap();
        works.push(id);
    }
    let walked = walk(&reader, "/api/v1/history", "works").await;
    let newest_first: Vec<i64> = works.iter().rev().map(|w| w.0).collect();
    assert_eq!(walked, newest_first);

    // After the first page the reader opens again a work further down: it moves to the
    // front, ahead of the cursor. The walk goes on from where it was, showing nothing
    // twice and every work that stayed put; the moved one is first in the next walk.
    let mut shown = Vec::new();
    let mut page = json(&reader, "/api/v1/history").await;
    loop {
        let listed = page["works"].as_array().unwrap();
        shown.extend(listed.iter().map(|w| w["id"].as_i64().unwrap()));
        if shown.len() == 20 {
            app.store.record_reading(user, works[5], 1).await.unwrap();
        }
        let Some(cursor) = page["next_cursor"].as_str() else {
            break;
        };
        page = json(&reader, &format!("/api/v1/history?cursor={cursor}")).await;
    }
    let stayed: Vec<i64> = newest_first
        .iter()
        .copied()
        .filter(|id| *id != works[5].0)
        .collect();
    assert_eq!(shown, stayed);
    let again = json(&reader, "/api/v1/history").await;
    assert_eq!(again["works"][0]["id"], works[5].0);
    // Page numbers, by contrast, show the last work of page 1 again on page 2.
    let by_number = json(&reader, "/api/v1/history?page=2").await;
    assert_eq!(by_number["page"], 2);
    assert_eq!(by_number["works"][0]["id"], shown[19]);

    // 23 comment threads on chapter 1 of one work (one with replies): 20 a page.
    let work: WorkId = works[0];
    let body = Html::from_plain_text("Lovely.");
    let mut threads = Vec::new();
    for n in 0..23 {
        let name = format!("Guest {n}");
        let new = NewComment {
            work,
            chapter: 1,
            parent: None,
            author: CommentAuthor::Guest { name: &name },
            body: &body,
            pending: false,
        };
        threads.push(app.store.add_comment(&new).await.unwrap());
    }
    let reply = NewComment {
        work,
        chapter: 1,
        parent: Some(threads[20]),
        author: CommentAuthor::Guest { name: "Replier" },
        body: &body,
        pending: false,
    };
    let reply = app.store.add_comment(&reply).await.unwrap();
    let path = format!("/api/v1/works/{}/comments", work.0);
    let walked = walk(&reader, &path, "comments").await;
    // Oldest first, replies among them (`parent` says where each belongs).
    let mut expected: Vec<i64> = threads.iter().map(|c| c.0).collect();
    expected.push(reply.0);
    assert_eq!(walked, expected);

    // A cursor is what the API gave, and not with a page number.
    for bad in ["?cursor=", "?cursor=bm90IG9uZQ", "?cursor=YzEuMQ&page=1"] {
        let got = reader.get(&format!("{path}{bad}")).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{bad}: {}", got.body);
        let got = reader.get(&format!("/api/v1/history{bad}")).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{bad}: {}", got.body);
    }
    app.cleanup().await;
}

#[tokio::test]
async fn lists_page_by_cursor_on_sqlite() {
    lists_page_by_cursor(Backend::Sqlite).await;
}

#[tokio::test]
async fn lists_page_by_cursor_on_postgres() {
    lists_page_by_cursor(Backend::Postgres).await;
}

/// `GET /api/v1/fandoms` pages 500 fandoms at a time by cursor: walked to the end it lists
/// every fandom once, by name, with its count; a fandom added under the walk before the
/// cursor is not listed again nor shifts anything; an unknown media is a 400.
async fn fandoms_page_by_cursor(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let guest = app.guest();
    for n in 0..1_050 {
        let mut work = one_chapter_work(&format!("Work {n}"), "Writer");
        work.fandoms = vec![ajar_core::TagName::parse(&format!("Fandom {n:04}")).unwrap()];
        app.store.insert_work(&work).await.unwrap();
    }
    let mut two = one_chapter_work("Two", "Writer");
    two.fandoms = vec![ajar_core::TagName::parse("Fandom 0007").unwrap()];
    app.store.insert_work(&two).await.unwrap();
    app.caught_up().await;

    let first = json(&guest, "/api/v1/fandoms").await;
    let page: Vec<&str> = first["fandoms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(page.len(), 500);
    assert_eq!((page[0], page[499]), ("Fandom 0000", "Fandom 0499"));
    assert_eq!(first["fandoms"][7]["works"], 2);
    assert_eq!(first["fandoms"][7]["media"], "Uncategorized Fandoms");
    // A fandom that sorts before the cursor, added under the walk.
    let mut early = one_chapter_work("Early", "Writer");
    early.fandoms = vec![ajar_core::TagName::parse("Fandom 0001a").unwrap()];
    app.store.insert_work(&early).await.unwrap();
    app.caught_up().await;
    let ids_of = |page: &Value| -> Vec<i64> {
        let listed = page["fandoms"].as_array().unwrap();
        listed.iter().map(|f| f["id"].as_i64().unwrap()).collect()
    };
    let mut ids = ids_of(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let page = json(&guest, &format!("/api/v1/fandoms?cursor={next}")).await;
        ids.extend(ids_of(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let unique: std::collections::HashSet<i64> = ids.iter().copied().collect();
    assert_eq!((ids.len(), unique.len()), (1_050, 1_050), "{backend:?}");

    let by_media = json(&guest, "/api/v1/fandoms?media=Uncategorized%20Fandoms").await;
    assert_eq!(by_media["fandoms"].as_array().unwrap().len(), 500);
    let none = json(&guest, "/api/v1/fandoms?media=Anime%20%26%20Manga").await;
    assert_eq!(none["fandoms"].as_array().unwrap().len(), 0);
    assert!(none["next_cursor"].is_null());
    let wrong = guest.get("/api/v1/fandoms?media=Sideways").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("Anime & Manga"), "{}", wrong.body);
    let forged = guest.get("/api/v1/fandoms?cursor=Yzk").await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fandoms_page_by_cursor_on_sqlite() {
    fandoms_page_by_cursor(Backend::Sqlite).await;
}

#[tokio::test]
async fn fandoms_page_by_cursor_on_postgres() {
    fandoms_page_by_cursor(Backend::Postgres).await;
}
