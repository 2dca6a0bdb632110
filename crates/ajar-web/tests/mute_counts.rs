//! A reader who muted people or tags sees counts that agree with their listings: the
//! fandoms index, a tag's page, the home page's popular fandoms and the tag listing leave
//! the muted works out for them (and for no one else), with the search index or without it.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, TagName, Work};
use common::{Client, TestApp};
use reqwest::StatusCode;
use tokio::sync::oneshot;

fn work(title: &str, creator: &str, tags: &[&str]) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.into()],
        fandoms: vec![TagName::parse("Mute Fandom").unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        chapters: vec![Chapter {
            body: Html::from_plain_text("Some words."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// What `client` is told about "Mute Fandom" on the pages that count its works.
async fn counts_seen(client: &Client, expected: usize) -> Vec<String> {
    let works = if expected == 1 {
        "1 work".to_owned()
    } else {
        format!("{expected} works")
    };
    let mut wrong = Vec::new();
    for (path, shown) in [
        (
            "/fandoms",
            format!("Mute Fandom</a> <span class=\"count\">({expected}<"),
        ),
        (
            "/",
            format!("Mute Fandom</a> <span class=\"count\">({expected}<"),
        ),
        ("/tags/Mute%20Fandom", format!("({works})")),
        (
            "/tags/Mute%20Fandom/works",
            format!("{expected} Works in Mute Fandom"),
        ),
    ] {
        let body = client.get(path).await.body;
        if !body.contains(&shown) {
            wrong.push(format!("{path} lacks {shown:?}"));
        }
        for title in ["Loud Work", "Spider Work"] {
            if path.ends_with("/works") && body.contains(title) == (expected == 2) {
                wrong.push(format!("{path}: {title} shown={}", expected != 2));
            }
        }
    }
    wrong
}

#[tokio::test]
async fn a_muters_counts_leave_out_what_they_muted() {
    let app = TestApp::spawn().await;
    app.user("loud").await;
    let muter = app.user("muter").await;
    let guest = app.guest();
    app.insert(&work("Quiet Work One", "quiet", &["Fluff"]))
        .await;
    app.insert(&work("Quiet Work Two", "quiet", &["Fluff"]))
        .await;
    app.insert(&work("Loud Work", "loud", &["Fluff"])).await;
    app.insert(&work("Spider Work", "quiet", &["Spiders"]))
        .await;
    // Before muting anything, the muter counts what everyone counts.
    let before = counts_seen(&muter, 4).await;
    assert!(before.is_empty(), "{before:#?}");

    muter.mute("loud", "spiders").await;

    let muters = counts_seen(&muter, 2).await;
    assert!(muters.is_empty(), "the muter: {muters:#?}");
    let guests = counts_seen(&guest, 4).await;
    assert!(guests.is_empty(), "a guest: {guests:#?}");

    // A server without a search index lists tags from the store: the same exclusions.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(ajar_web::serve(listener, app.store.clone(), async {
        let _ = stopped.await;
    }));
    let muter = Client::new(&base);
    muter.get("/login").await;
    let login = muter
        .post(
            "/login",
            &[("name", "muter"), ("password", "password-muter")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let without_index = counts_seen(&muter, 2).await;
    assert!(without_index.is_empty(), "no index: {without_index:#?}");
    let _ = stop.send(());
    app.cleanup().await;
}
