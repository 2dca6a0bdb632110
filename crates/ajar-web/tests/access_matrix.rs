//! Who sees what: every kind of reader (guest, logged in, creator, co-creator, invited but
//! not yet accepted co-creator, admin) against a work in every state (public, restricted,
//! draft, hidden), on every surface that could leak it: the work, chapter and full-work
//! pages, every download format, the home page, tag, creator, series and bookmark listings,
//! the counts on tag, creator and fandom pages, the search page, the JSON API's totals and
//! facet counts, its tag and creator counts, the Atom feeds (which show what a guest sees, whoever fetches them), and the
//! OPDS catalog; and the API and the catalog again with each reader's personal access tokens
//! of both scopes, which must see exactly what their account sees.
//! Each cell is checked against one rule; a leak anywhere fails.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, Rating, SeriesMembership, TagName, Work, WorkId};
use ajar_store::Backend;
use base64::Engine;
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

/// May `who` open the work (pages, downloads)? Drafts are their creators' alone; admins
/// see restricted and hidden works, to moderate them.
fn may_open(who: Who, state: State) -> bool {
    match (who, state) {
        (Who::Creator | Who::CoCreator, _) => true,
        (Who::Admin, State::Draft) => false,
        (Who::Admin, _) => true,
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

/// The account name each kind of reader logs in as below.
fn client_name(who: Who) -> &'static str {
    match who {
        Who::Guest => "",
        Who::Reader => "reader1",
        Who::Creator => "creator1",
        Who::CoCreator => "cocreator1",
        Who::Invited => "invited1",
        Who::Admin => "admin1",
    }
}

fn work(title: &str, creators: &[&str]) -> Work {
    let mut work = Work {
        series: vec![SeriesMembership {
            title: "Matrix Series".into(),
            position: 1,
        }],
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

/// A personal access token of `scope` made on `client`'s account page.
async fn token(client: &Client, scope: &str) -> String {
    let made = client
        .post("/account/tokens", &[("name", scope), ("scope", scope)])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    made.body[at..at + made.body[at..].find('"').unwrap()].to_owned()
}

/// A GET with `Authorization: auth` and no cookie, as a script or a reader app sends it.
async fn with_token(base: &str, path: &str, auth: &str) -> (StatusCode, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}{path}"))
        .header(reqwest::header::AUTHORIZATION, auth)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
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
    for (part, state) in (1..).zip(states) {
        let title = format!("Matrix {state:?} Work");
        let mut new = work(&title, &["creator1", "cocreator1", "invited1"]);
        new.series[0].position = part;
        let id = app.store.insert_work(&new).await.unwrap();
        ajar_store::testing::execute_sql(
            &app.store,
            &format!(
                "UPDATE work_creators SET accepted = FALSE WHERE work_id = {id} AND pseud_id = \
                 (SELECT id FROM pseuds WHERE name_key = 'invited1')"
            ),
        )
        .await
        .unwrap();
        works.push((state, id, title));
    }
    // reader1 bookmarked each work while it was public.
    let reader_id = app.store.user_by_name("reader1").await.unwrap().unwrap().id;
    for (_, id, _) in &works {
        let notes = Html::from_plain_text("");
        let bookmark = ajar_store::NewBookmark {
            notes: &notes,
            tags: "",
            private: false,
            rec: false,
        };
        app.store
            .save_bookmark(reader_id, *id, &bookmark)
            .await
            .unwrap();
    }
    for (state, id, _) in &works {
        set_state(&app, *id, *state).await;
    }
    let series = app.store.work_series(works[0].1).await.unwrap();
    let series_path = format!("/series/{}", series[0].id);
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
        let series_page = client.get(&series_path).await.body;
        let bookmarks = client.get("/users/reader1/bookmarks").await.body;
        let tag_feed = client.get("/tags/Matrix%20Tag/feed.atom").await.body;
        let creator_feed = client.get("/users/creator1/works/feed.atom").await.body;
        let expected_count = works.iter().filter(|(s, _, _)| listed(who, *s)).count();
        let api_json: serde_json::Value = serde_json::from_str(&api).unwrap();
        if api_json["total"].as_u64() != Some(expected_count as u64) {
            leaks.push(format!(
                "{who:?}: API total {} != {expected_count}",
                api_json["total"]
            ));
        }
        let facet = api_json["facets"]["fandom"]
            .as_array()
            .and_then(|tags| tags.iter().find(|t| t["name"] == "Matrix Fandom"))
            .map(|t| t["count"].clone());
        if facet.as_ref().and_then(|c| c.as_u64()) != Some(expected_count as u64) {
            leaks.push(format!(
                "{who:?}: API fandom facet {facet:?} != {expected_count}"
            ));
        }
        // The API's tag and creator counts are the pages' counts.
        for (path, field) in [
            ("/api/v1/tags/Matrix%20Tag", "works"),
            ("/api/v1/users/creator1", "works"),
        ] {
            let got = client.get(path).await;
            let count = serde_json::from_str::<serde_json::Value>(&got.body)
                .ok()
                .and_then(|v| v[field].as_u64());
            if count != Some(expected_count as u64) {
                leaks.push(format!("{who:?}: {path} {} {count:?}", got.status));
            }
        }
        let api_fandoms = client.get("/api/v1/fandoms").await;
        let count = serde_json::from_str::<serde_json::Value>(&api_fandoms.body)
            .ok()
            .and_then(|v| {
                let listed = v["fandoms"].as_array()?.clone();
                let matrix = listed.into_iter().find(|f| f["name"] == "Matrix Fandom")?;
                matrix["works"].as_u64()
            });
        if count != Some(expected_count as u64) {
            leaks.push(format!("{who:?}: /api/v1/fandoms {count:?}"));
        }
        let fandom_count = format!("Matrix Fandom</a> <span class=\"count\">({expected_count}<");
        if !fandoms.contains(&fandom_count) {
            leaks.push(format!("{who:?}: /fandoms lacks {fandom_count:?}"));
        }
        let works_count = match expected_count {
            1 => "1 work".to_owned(),
            n => format!("{n} works"),
        };
        for (path, counted) in [
            ("/tags/Matrix%20Tag", format!("<dd>{works_count}</dd>")),
            ("/tags/Matrix%20Tag", format!("({works_count})")),
            ("/users/creator1", format!("{works_count} in the archive")),
        ] {
            let page = client.get(path).await.body;
            if !page.contains(&counted) {
                leaks.push(format!("{who:?}: {path} lacks {counted:?}"));
            }
        }
        // The API and the catalog with the account's own tokens (Bearer and Basic), each
        // scope: the account's view, no more. A guest has none; the catalog as a guest is
        // checked below with the other surfaces.
        if who != Who::Guest {
            let name = client_name(who);
            for scope in ["read", "write"] {
                let made = token(client, scope).await;
                let basic = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{name}:{made}"))
                );
                for auth in [format!("Bearer {made}"), basic] {
                    let (status, api) =
                        with_token(&app.base, "/api/v1/works?q=Matrix", &auth).await;
                    let total = serde_json::from_str::<serde_json::Value>(&api)
                        .ok()
                        .and_then(|v| v["total"].as_u64());
                    if status != StatusCode::OK || total != Some(expected_count as u64) {
                        leaks.push(format!(
                            "{who:?} {scope} token: API {status} total {total:?}"
                        ));
                    }
                    let (_, catalog) = with_token(&app.base, "/opds/search?q=Matrix", &auth).await;
                    for (state, id, title) in &works {
                        if shows(&catalog, title) != listed(who, *state) {
                            leaks.push(format!("{who:?} {scope} token {state:?}: catalog"));
                        }
                        let path = format!("/opds/works/{id}/download.epub");
                        let (status, _) = with_token(&app.base, &path, &auth).await;
                        if (status == StatusCode::OK) != may_open(who, *state) {
                            leaks.push(format!("{who:?} {scope} token {state:?} {path}: {status}"));
                        }
                    }
                }
            }
        }
        let catalog = client.get("/opds/search?q=Matrix").await.body;
        for (path, feed) in [("tag", &tag_feed), ("creator", &creator_feed)] {
            if let Err(e) = atom_syndication::Feed::read_from(feed.as_bytes()) {
                leaks.push(format!("{who:?}: the {path} feed does not parse: {e}"));
            }
        }
        for (state, id, title) in &works {
            let open = may_open(who, *state);
            let list = listed(who, *state);
            // Feeds are a guest's view, whoever fetches them.
            let in_feeds = listed(Who::Guest, *state);
            let paths = [
                (format!("/works/{id}"), open),
                (format!("/works/{id}/chapters/2"), open),
                (format!("/works/{id}/full"), open),
                (format!("/works/{id}/download.epub"), open),
                (format!("/works/{id}/download.txt"), open),
                (format!("/works/{id}/download.html"), open),
                (format!("/works/{id}/download.md"), open),
                (format!("/opds/works/{id}/download.epub"), open),
                (format!("/api/v1/works/{id}"), open),
                (format!("/api/v1/works/{id}/chapters/2"), open),
                (format!("/works/{id}/feed.atom"), in_feeds),
            ];
            for (path, allowed) in paths {
                let page = client.get(&path).await;
                let got = page.status == StatusCode::OK;
                if got != allowed {
                    leaks.push(format!("{who:?} {state:?} {path}: {}", page.status));
                }
                if !allowed && page.body.contains("chapter of") {
                    leaks.push(format!("{who:?} {state:?} {path}: text in a refusal"));
                }
            }
            for (surface, body, expected) in [
                ("home", &home, list),
                ("tag listing", &tag, list),
                ("creator listing", &by_creator, list),
                ("series page", &series_page, list),
                ("bookmarks page", &bookmarks, list),
                ("search page", &search, list),
                ("API", &api, list),
                ("catalog", &catalog, list),
                ("tag feed", &tag_feed, in_feeds),
                ("creator feed", &creator_feed, in_feeds),
            ] {
                if shows(body, title) != expected {
                    leaks.push(format!("{who:?} {state:?} {surface}: shown={}", !expected));
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

/// A guest opening a work posted for registered users is asked to log in, as on AO3: no
/// "Page not found", no word of the work, and back to the work once logged in. Pages of
/// one's own or for admins send a guest to log in too; a logged-in reader without the right
/// gets a page saying why (403).
#[tokio::test]
async fn guests_are_asked_to_log_in_where_a_log_in_would_help() {
    let app = TestApp::spawn().await;
    let reader = app.user("reader2").await;
    let id = app.insert(&work("Members Only Story", &["Someone"])).await;
    set_state(&app, id, State::Restricted).await;
    let guest = app.guest();

    for path in [format!("/works/{id}"), format!("/works/{id}/chapters/2")] {
        let refused = guest.get(&path).await;
        assert_eq!(
            refused.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            refused.body
        );
        let to = refused.location().to_owned();
        assert!(to.starts_with("/login?return_to="), "{to}");
        let login = guest.get(&to).await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(
            login
                .body
                .contains("This work is only available to registered users of the archive."),
            "{}",
            login.body
        );
        assert!(!login.body.contains("Members Only Story"), "{}", login.body);
        let back = format!("name=\"return_to\" value=\"{path}\"");
        assert!(login.body.contains(&back), "{back} in {}", login.body);
    }
    // Logging in from there leads back to the work.
    let name = "reader2";
    let password = "password-reader2";
    let login = guest
        .get(&format!("/login?return_to=/works/{id}&why=restricted"))
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let done = guest
        .post(
            "/login",
            &[
                ("name", name),
                ("password", password),
                ("return_to", &format!("/works/{id}")),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/works/{id}"));
    let page = guest.get(&format!("/works/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Members Only Story"));

    // A hidden work is still simply not there.
    let hidden = app.insert(&work("Hidden Story", &["Someone"])).await;
    set_state(&app, hidden, State::Hidden).await;
    let gone = app.guest().get(&format!("/works/{hidden}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // Pages of one's own, or for admins: to log in, and back.
    for path in ["/admin", "/drafts", "/invitations", "/updates"] {
        let sent = app.guest().get(path).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{path}: {}", sent.body);
        let expected = format!("/login?return_to={}&why=page", path.replace('/', "%2F"));
        assert_eq!(sent.location(), expected, "{path}");
        let login = app.guest().get(sent.location()).await;
        assert!(
            login.body.contains("Please log in to see that page."),
            "{}",
            login.body
        );
    }
    // A form sent as a guest: a 403 page with a log-in link, not a bare refusal.
    let kudos = app.guest();
    kudos.get("/").await;
    let refused = kudos.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("href=\"/login?return_to="),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("Members Only Story"));
    // A logged-in reader who may not: a clear 403.
    let admin_page = reader.get("/admin").await;
    assert_eq!(admin_page.status, StatusCode::FORBIDDEN);
    assert!(
        admin_page.body.contains("Only admins"),
        "{}",
        admin_page.body
    );
}

/// A request with `Authorization: auth` (if any), a JSON body (if any) and no cookie.
async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<serde_json::Value>,
) -> StatusCode {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(auth) = auth {
        request = request.header(reqwest::header::AUTHORIZATION, auth);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn api_changes_are_made_by_exactly_who_may_make_them_on_sqlite() {
    api_changes_are_made_by_exactly_who_may_make_them(Backend::Sqlite).await;
}

#[tokio::test]
async fn api_changes_are_made_by_exactly_who_may_make_them_on_postgres() {
    api_changes_are_made_by_exactly_who_may_make_them(Backend::Postgres).await;
}

/// The API's changes (a work's fields, its chapters, comments, deleting it) by every kind of
/// account, with tokens of both scopes and with none, against a work in every state: a read
/// token changes nothing (403); a write token changes a work its account may open only if
/// the account is one of its creators (an invited co-creator is not yet) or an admin (403
/// otherwise), and a work it may not open is not found (404), as on the site's forms.
/// Anyone who may open a work may comment on it (the works take comments from anyone).
async fn api_changes_are_made_by_exactly_who_may_make_them(backend: Backend) {
    use reqwest::Method;
    use serde_json::json;
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let kinds = [
        Who::Reader,
        Who::Creator,
        Who::CoCreator,
        Who::Invited,
        Who::Admin,
    ];
    let mut clients = Vec::new();
    for who in kinds {
        let client = if who == Who::Admin {
            app.admin(client_name(who)).await
        } else {
            app.user(client_name(who)).await
        };
        clients.push((who, client));
    }
    let states = [
        State::Public,
        State::Restricted,
        State::Draft,
        State::Hidden,
    ];
    let mut works = Vec::new();
    for state in states {
        let mut new = work(
            &format!("Writes {state:?} Work"),
            &["creator1", "cocreator1", "invited1"],
        );
        new.series.clear();
        let id = app.store.insert_work(&new).await.unwrap();
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
        works.push((state, id));
    }
    app.caught_up().await;

    let mut wrong = Vec::new();
    let mut check = |what: String, got: StatusCode, want: StatusCode| {
        if got != want {
            wrong.push(format!("{what}: {got}, not {want}"));
        }
    };
    // No credentials at all: a guest's request to change anything is refused.
    let (_, public) = works[0];
    for (method, path) in [
        (Method::POST, "/api/v1/works".to_owned()),
        (Method::PATCH, format!("/api/v1/works/{public}")),
        (Method::DELETE, format!("/api/v1/works/{public}")),
        (Method::POST, format!("/api/v1/works/{public}/chapters")),
    ] {
        let got = call(
            &app.base,
            method.clone(),
            &path,
            None,
            Some(json!({ "title": "x" })),
        )
        .await;
        let want = if got == StatusCode::UNAUTHORIZED {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::FORBIDDEN
        };
        check(format!("guest {method} {path}"), got, want);
    }
    for (who, client) in &clients {
        for scope in ["read", "write"] {
            let auth = format!("Bearer {}", token(client, scope).await);
            let auth = Some(auth.as_str());
            for (state, id) in &works {
                let open = may_open(*who, *state);
                let owns = matches!(who, Who::Creator | Who::CoCreator | Who::Admin);
                let (change, add, comment) = match (scope, open, owns) {
                    ("read", ..) => (
                        StatusCode::FORBIDDEN,
                        StatusCode::FORBIDDEN,
                        StatusCode::FORBIDDEN,
                    ),
                    (_, false, _) => (
                        StatusCode::NOT_FOUND,
                        StatusCode::NOT_FOUND,
                        StatusCode::NOT_FOUND,
                    ),
                    (_, true, true) => (StatusCode::OK, StatusCode::CREATED, StatusCode::CREATED),
                    (_, true, false) => (
                        StatusCode::FORBIDDEN,
                        StatusCode::FORBIDDEN,
                        StatusCode::CREATED,
                    ),
                };
                let cell = |what: &str| format!("{who:?} {scope} {state:?} {what}");
                let path = format!("/api/v1/works/{id}");
                let got = call(
                    &app.base,
                    Method::PATCH,
                    &path,
                    auth,
                    Some(json!({ "summary": "Changed." })),
                )
                .await;
                check(cell("PATCH work"), got, change);
                let got = call(
                    &app.base,
                    Method::POST,
                    &format!("{path}/chapters"),
                    auth,
                    Some(json!({ "body": "A third chapter." })),
                )
                .await;
                check(cell("POST chapter"), got, add);
                // The chapter just added (or, where none was, the second) goes again.
                let last = if add == StatusCode::CREATED { 3 } else { 2 };
                let deleted = match change {
                    StatusCode::OK => StatusCode::NO_CONTENT,
                    other => other,
                };
                let got = call(
                    &app.base,
                    Method::DELETE,
                    &format!("{path}/chapters/{last}"),
                    auth,
                    None,
                )
                .await;
                check(cell("DELETE chapter"), got, deleted);
                let got = call(
                    &app.base,
                    Method::PUT,
                    &format!("{path}/chapter-order"),
                    auth,
                    Some(json!({ "order": [1, 2] })),
                )
                .await;
                check(cell("PUT chapter order"), got, change);
                let got = call(
                    &app.base,
                    Method::POST,
                    &format!("{path}/comments"),
                    auth,
                    Some(json!({ "chapter": 1, "body": "A comment." })),
                )
                .await;
                check(cell("POST comment"), got, comment);
            }
        }
    }
    // Deleting: refused to a reader (who sees the public and restricted works), done by a
    // creator.
    let reader = &clients[0].1;
    let creator = &clients[1].1;
    let reader_auth = format!("Bearer {}", token(reader, "write").await);
    let creator_auth = format!("Bearer {}", token(creator, "write").await);
    for (state, id) in &works {
        let path = format!("/api/v1/works/{id}");
        let want = if may_open(Who::Reader, *state) {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        let got = call(&app.base, Method::DELETE, &path, Some(&reader_auth), None).await;
        check(format!("Reader {state:?} DELETE work"), got, want);
        let got = call(&app.base, Method::DELETE, &path, Some(&creator_auth), None).await;
        check(
            format!("Creator {state:?} DELETE work"),
            got,
            StatusCode::NO_CONTENT,
        );
        let got = call(&app.base, Method::GET, &path, Some(&creator_auth), None).await;
        check(
            format!("Creator {state:?} GET deleted work"),
            got,
            StatusCode::NOT_FOUND,
        );
    }
    app.cleanup().await;
    assert!(
        wrong.is_empty(),
        "{backend:?}: {} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
