//! Who sees what: every kind of reader (guest, logged in, creator, co-creator, invited but
//! not yet accepted co-creator, admin) against a work in every state (public, restricted,
//! draft, hidden), on every surface that could leak it: the work, chapter and full-work
//! pages, downloads, the home page, tag and creator listings, fandom counts, the search page
//! and the JSON API. Each cell is checked against one rule; a leak anywhere fails.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, Rating, TagName, Work, WorkId};
use ajar_store::Backend;
use common::{Client, TestApp};
use reqwest::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Public,
    Restricted,
    Draft,
    Hidden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Guest,
    Reader,
    Creator,
    CoCreator,
    Invited,
    Admin,
}

/// May `who` open the work (pages, downloads)?
fn may_open(who: Who, state: State) -> bool {
    match (who, state) {
        (Who::Creator | Who::CoCreator | Who::Admin, _) => true,
        (_, State::Public) => true,
        (Who::Guest, State::Restricted) => false,
        (_, State::Restricted) => true,
        _ => false,
    }
}

/// Does the work show in `who`'s listings, search and counts? Drafts and hidden works are
/// listed to no one (drafts have their own page; hidden works wait for an admin).
fn listed(who: Who, state: State) -> bool {
    match state {
        State::Public => true,
        State::Restricted => who != Who::Guest,
        State::Draft | State::Hidden => false,
    }
}

fn work(title: &str, creators: &[&str]) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: creators.iter().map(|c| (*c).to_owned()).collect(),
        summary: Html::from_plain_text(&format!("Summary of {title}.")),
        fandoms: vec![TagName::parse("Matrix Fandom").unwrap()],
        rating: Rating::GeneralAudiences,
        tags: vec![TagName::parse("Matrix Tag").unwrap()],
        chapters: vec![
            Chapter {
                body: Html::from_plain_text(&format!("First chapter of {title}.")),
                ..Chapter::default()
            },
            Chapter {
                body: Html::from_plain_text(&format!("Second chapter of {title}.")),
                ..Chapter::default()
            },
        ],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn set_state(app: &TestApp, id: WorkId, state: State) {
    let (visibility, hidden) = match state {
        State::Public => ("public", "FALSE"),
        State::Restricted => ("restricted", "FALSE"),
        State::Draft => ("draft", "FALSE"),
        State::Hidden => ("public", "TRUE"),
    };
    let now = chrono::Utc::now().to_rfc3339();
    ajar_store::testing::execute_sql(
        &app.store,
        &format!(
            "UPDATE works SET visibility = '{visibility}', hidden = {hidden} WHERE id = {id}; \
             INSERT INTO changes (entity, entity_id, op, at) VALUES ('work', {id}, 'update', '{now}');"
        ),
    )
    .await
    .unwrap();
}

fn shows(body: &str, title: &str) -> bool {
    body.contains(title)
}

#[tokio::test]
async fn every_reader_sees_exactly_what_they_may_on_sqlite() {
    every_reader_sees_exactly_what_they_may(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_reader_sees_exactly_what_they_may_on_postgres() {
    every_reader_sees_exactly_what_they_may(Backend::Postgres).await;
}

async fn every_reader_sees_exactly_what_they_may(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let creator = app.user("creator1").await;
    let cocreator = app.user("cocreator1").await;
    let invited = app.user("invited1").await;
    let reader = app.user("reader1").await;
    let admin = app.admin("admin1").await;
    let guest = app.guest();

    // One work per state, by creator1 and cocreator1, with invited1 invited but not accepted.
    let states = [
        State::Public,
        State::Restricted,
        State::Draft,
        State::Hidden,
    ];
    let mut works = Vec::new();
    for state in states {
        let title = format!("Matrix {state:?} Work");
        let id = app
            .store
            .insert_work(&work(&title, &["creator1", "cocreator1", "invited1"]))
            .await
            .unwrap();
        ajar_store::testing::execute_sql(
            &app.store,
            &format!(
                "UPDATE work_creators SET accepted = FALSE WHERE work_id = {id} AND pseud_id = \
                 (SELECT id FROM pseuds WHERE name_key = 'invited1')"
            ),
        )
        .await
        .unwrap();
        set_state(&app, id, state).await;
        works.push((state, id, title));
    }
    app.caught_up().await;

    let people: [(Who, &Client); 6] = [
        (Who::Guest, &guest),
        (Who::Reader, &reader),
        (Who::Creator, &creator),
        (Who::CoCreator, &cocreator),
        (Who::Invited, &invited),
        (Who::Admin, &admin),
    ];
    let mut leaks = Vec::new();
    for (who, client) in people {
        // Listings and counts, one fetch each for all four works.
        let home = client.get("/").await.body;
        let tag = client.get("/tags/Matrix%20Tag/works").await.body;
        let by_creator = client.get("/users/creator1/works").await.body;
        let search = client.get("/works/search?q=Matrix").await.body;
        let api = client.get("/api/v1/works?q=Matrix").await.body;
        let fandoms = client.get("/fandoms").await.body;
        let expected_count = works.iter().filter(|(s, _, _)| listed(who, *s)).count();
        let api_json: serde_json::Value = serde_json::from_str(&api).unwrap();
        if api_json["total"].as_u64() != Some(expected_count as u64) {
            leaks.push(format!(
                "{who:?}: API total {} != {expected_count}",
                api_json["total"]
            ));
        }
        let fandom_count = format!("Matrix Fandom</a> <span class=\"count\">({expected_count}<");
        if !fandoms.contains(&fandom_count) {
            leaks.push(format!("{who:?}: /fandoms lacks {fandom_count:?}"));
        }
        for (state, id, title) in &works {
            let open = may_open(who, *state);
            let list = listed(who, *state);
            for path in [
                format!("/works/{id}"),
                format!("/works/{id}/chapters/2"),
                format!("/works/{id}/full"),
                format!("/works/{id}/download.epub"),
                format!("/works/{id}/download.txt"),
            ] {
                let page = client.get(&path).await;
                let got = page.status == StatusCode::OK;
                if got != open {
                    leaks.push(format!("{who:?} {state:?} {path}: {}", page.status));
                }
                if !open && page.body.contains("chapter of") {
                    leaks.push(format!("{who:?} {state:?} {path}: text in a refusal"));
                }
            }
            for (surface, body) in [
                ("home", &home),
                ("tag listing", &tag),
                ("creator listing", &by_creator),
                ("search page", &search),
                ("API", &api),
            ] {
                if shows(body, title) != list {
                    leaks.push(format!("{who:?} {state:?} {surface}: shown={}", !list));
                }
            }
        }
    }
    app.cleanup().await;
    assert!(
        leaks.is_empty(),
        "{backend:?}: {} wrong cells:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
