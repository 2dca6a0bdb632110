//! The API end to end, as a script a writer would write against a real server: make a
//! token on the account page (the one step in a browser), then only HTTP with that token —
//! post a work with two chapters written in Markdown, read it back, change it, add, edit,
//! reorder and delete chapters, comment, reply, edit and delete comments, leave kudos,
//! bookmark, subscribe, mark for later and mute from a second account, find it with search
//! filters, and delete it. Every refusal along the way
//! is problem+json with the same status as the site's. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_store::Backend;
use common::{Client, TestApp};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Makes a token on the account page; returns it as the page shows it, once.
async fn make_token(client: &Client, scope: &str) -> String {
    let made = client
        .post("/account/tokens", &[("name", "script"), ("scope", scope)])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    made.body[at..at + made.body[at..].find('"').unwrap()].to_owned()
}

/// What a script holds: the server's address and a token.
struct Script {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// An answer: status, `Location`, `Content-Type`, and the body as JSON (`Null` if none).
struct Answer {
    status: StatusCode,
    location: Option<String>,
    content_type: String,
    json: Value,
}

impl Script {
    fn new(base: &str, token: String) -> Script {
        Script {
            base: base.to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let text = response.text().await.unwrap();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        Answer {
            status,
            location,
            content_type,
            json,
        }
    }

    /// A GET with `If-None-Match: etag`, when given.
    async fn get_if_none_match(&self, path: &str, etag: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, format!("Bearer {}", self.token));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.send().await.unwrap()
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>, want: StatusCode) -> Value {
        let answer = self.call(method.clone(), path, body).await;
        assert_eq!(answer.status, want, "{method} {path}: {}", answer.json);
        answer.json
    }

    /// A refusal: its status, as problem+json; answers the problem.
    async fn refused(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        want: StatusCode,
    ) -> Value {
        let answer = self.call(method.clone(), path, body).await;
        assert_eq!(answer.status, want, "{method} {path}: {}", answer.json);
        assert_eq!(answer.content_type, "application/problem+json");
        assert_eq!(answer.json["status"], want.as_u16());
        answer.json
    }
}

fn titles(page: &Value) -> Vec<String> {
    page["works"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_script_posts_reads_changes_and_deletes_a_work_through_the_api_on_sqlite() {
    a_script_posts_reads_changes_and_deletes_a_work(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_script_posts_reads_changes_and_deletes_a_work_through_the_api_on_postgres() {
    a_script_posts_reads_changes_and_deletes_a_work(Backend::Postgres).await;
}

async fn a_script_posts_reads_changes_and_deletes_a_work(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let writer = app.user("scriptwriter").await;
    let writer = Script::new(&app.base, make_token(&writer, "write").await);
    let reader_site = app.user("scriptreader").await;
    let reader = Script::new(&app.base, make_token(&reader_site, "write").await);
    let read_only_site = app.user("scriptlurker").await;
    let read_only = Script::new(&app.base, make_token(&read_only_site, "read").await);

    // A second pseud to post under; a name someone has is refused.
    let pseuds = writer
        .ok(Method::GET, "/api/v1/pseuds", None, StatusCode::OK)
        .await;
    assert_eq!(pseuds[0]["name"], "scriptwriter");
    assert_eq!(pseuds[0]["default"], true);
    let pen = writer
        .ok(
            Method::POST,
            "/api/v1/pseuds",
            Some(json!({ "name": "Nightwriter" })),
            StatusCode::CREATED,
        )
        .await;
    let pen_path = format!("/api/v1/pseuds/{}", pen["id"]);
    let renamed = writer
        .ok(
            Method::PATCH,
            &pen_path,
            Some(json!({ "name": "Night Writer" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(renamed["name"], "Night Writer");
    writer
        .refused(
            Method::POST,
            "/api/v1/pseuds",
            Some(json!({ "name": "scriptreader" })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    reader
        .refused(Method::DELETE, &pen_path, None, StatusCode::NOT_FOUND)
        .await;
    writer
        .ok(Method::DELETE, &pen_path, None, StatusCode::NO_CONTENT)
        .await;
    let pseuds = writer
        .ok(Method::GET, "/api/v1/pseuds", None, StatusCode::OK)
        .await;
    assert_eq!(pseuds.as_array().unwrap().len(), 1);

    // What is wrong with a work is said field by field, and nothing is stored.
    let problem = writer
        .refused(
            Method::POST,
            "/api/v1/works",
            Some(json!({ "title": "", "rating": "spicy", "fandoms": ["A, B"] })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    let errors: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for wanted in ["chapters:", "rating:", "fandoms:"] {
        assert!(
            errors.iter().any(|e| e.starts_with(wanted)),
            "{wanted} in {errors:?}"
        );
    }
    let unknown_field = writer
        .refused(
            Method::POST,
            "/api/v1/works",
            Some(json!({ "title": "T", "colour": "blue" })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(unknown_field["detail"].as_str().unwrap().contains("colour"));
    // A read token posts nothing.
    read_only
        .refused(
            Method::POST,
            "/api/v1/works",
            Some(json!({ "title": "T" })),
            StatusCode::FORBIDDEN,
        )
        .await;

    // Post a work with two chapters, written in Markdown.
    let sent = json!({
        "title": "All That's Left",
        "fandoms": ["Gilmore Girls"],
        "rating": "teen",
        "warnings": ["none"],
        "categories": ["fm"],
        "relationships": ["Rory Gilmore/Jess Mariano"],
        "characters": ["Rory Gilmore", "Jess Mariano"],
        "tags": ["Angst", "First Person"],
        "language": "English",
        "summary": "Rory, *after* the party.",
        "spoilers": "Season 4 episode 'Nag Hammadi...'",
        "format": "markdown",
        "comments": "anyone",
        "series": [{ "title": "Gilmore Nights" }],
        "co_creators": ["scriptreader"],
        "chapters": [
            { "title": "The Bridge", "notes": "Rory's POV.", "body": "I went to the **bridge**.\n\nHe was there." },
            { "title": "The Car", "body": "We drove <script>alert(1)</script> home." }
        ]
    });
    let answer = writer.call(Method::POST, "/api/v1/works", Some(sent)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    let work = answer.json;
    let id = work["id"].as_i64().unwrap();
    assert_eq!(answer.location.unwrap(), format!("/api/v1/works/{id}"));
    assert_eq!(work["title"], "All That's Left");
    assert_eq!(work["creators"], json!(["scriptwriter"]));
    assert_eq!(work["rating"], "Teen And Up Audiences");
    assert_eq!(work["complete"], true, "two chapters of two");
    assert!(work["summary"].as_str().unwrap().contains("<em>after</em>"));
    let chapters = work["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 2);
    assert_eq!(chapters[1]["title"], "The Car");

    // The series it started, as a reader lists it; its owner orders it.
    let series = work["series"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(work["series"][0]["title"], "Gilmore Nights");
    let listed = reader.ok(Method::GET, &series, None, StatusCode::OK).await;
    assert_eq!(listed["works"][0]["id"], id, "{listed}");
    assert_eq!(listed["works"][0]["part"], 1);
    let order = format!("{series}/parts");
    writer
        .ok(
            Method::PUT,
            &order,
            Some(json!({ "parts": [{ "work": id, "part": 1 }] })),
            StatusCode::NO_CONTENT,
        )
        .await;
    reader
        .refused(
            Method::PUT,
            &order,
            Some(json!({ "parts": [{ "work": id, "part": 1 }] })),
            StatusCode::FORBIDDEN,
        )
        .await;
    // The invited co-creator sees the invitation, and declines it.
    let invited = reader
        .ok(Method::GET, "/api/v1/invitations", None, StatusCode::OK)
        .await;
    assert_eq!(invited[0]["work"], id, "{invited}");
    reader
        .ok(
            Method::POST,
            &format!("/api/v1/invitations/{id}/decline"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let invited = reader
        .ok(Method::GET, "/api/v1/invitations", None, StatusCode::OK)
        .await;
    assert_eq!(invited, json!([]));

    // Read it back: the chapters' texts as the site shows them (Markdown made HTML, the
    // script tag gone).
    let first = writer
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/chapters/1"),
            None,
            StatusCode::OK,
        )
        .await;
    assert!(first["body"]
        .as_str()
        .unwrap()
        .contains("<strong>bridge</strong>"));
    assert!(first["notes"].as_str().unwrap().contains("Rory's POV."));
    let second = writer
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/chapters/2"),
            None,
            StatusCode::OK,
        )
        .await;
    assert!(second["body"].as_str().unwrap().contains("We drove"));
    assert!(!second["body"].as_str().unwrap().contains("<script"));
    // And so does the site, to a guest.
    let page = app.guest().get(&format!("/works/{id}/chapters/2")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("We drove"));

    // Reads carry a strong ETag: asking again with it costs a 304 until the work changes.
    let work_path = format!("/api/v1/works/{id}");
    let first_read = writer.get_if_none_match(&work_path, None).await;
    let etag = first_read.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 20, "{etag}");
    let again = writer.get_if_none_match(&work_path, Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.text().await.unwrap().is_empty());

    // Change it: the fields sent, nothing else.
    let changed = writer
        .ok(
            Method::PATCH,
            &format!("/api/v1/works/{id}"),
            Some(json!({ "title": "All That's Left (revised)", "expected_chapters": null })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(changed["title"], "All That's Left (revised)");
    assert_eq!(changed["fandoms"], json!(["Gilmore Girls"]));
    assert_eq!(changed["complete"], false, "more chapters to come");
    let changed_read = writer.get_if_none_match(&work_path, Some(&etag)).await;
    assert_eq!(
        changed_read.status(),
        StatusCode::OK,
        "a changed work is sent again"
    );
    assert_ne!(changed_read.headers()["etag"].to_str().unwrap(), etag);
    // Another account's token cannot change it, nor delete it.
    reader
        .refused(
            Method::PATCH,
            &format!("/api/v1/works/{id}"),
            Some(json!({ "title": "Mine now" })),
            StatusCode::FORBIDDEN,
        )
        .await;
    reader
        .refused(
            Method::DELETE,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;

    // Chapters: add a third, edit it, put it first, delete it.
    let added = writer
        .call(
            Method::POST,
            &format!("/api/v1/works/{id}/chapters"),
            Some(json!({ "title": "Coda", "body": "It was *late*.", "format": "markdown" })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.json);
    assert_eq!(
        added.location.unwrap(),
        format!("/api/v1/works/{id}/chapters/3")
    );
    assert!(added.json["body"]
        .as_str()
        .unwrap()
        .contains("<em>late</em>"));
    let edited = writer
        .ok(
            Method::PUT,
            &format!("/api/v1/works/{id}/chapters/3"),
            Some(json!({ "title": "Coda", "body": "It was very late." })),
            StatusCode::OK,
        )
        .await;
    assert!(edited["body"].as_str().unwrap().contains("very late"));
    writer
        .refused(
            Method::PUT,
            &format!("/api/v1/works/{id}/chapters/3"),
            Some(json!({ "title": "Coda", "body": "   " })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    let reordered = writer
        .ok(
            Method::PUT,
            &format!("/api/v1/works/{id}/chapter-order"),
            Some(json!({ "order": [3, 1, 2] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(reordered["chapters"][0]["title"], "Coda");
    writer
        .refused(
            Method::PUT,
            &format!("/api/v1/works/{id}/chapter-order"),
            Some(json!({ "order": [1, 1, 2] })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    writer
        .ok(
            Method::DELETE,
            &format!("/api/v1/works/{id}/chapters/1"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let now = writer
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::OK,
        )
        .await;
    let titles_now: Vec<&str> = now["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles_now, ["The Bridge", "The Car"]);

    // A reader comments, the writer replies; kudos and a bookmark.
    let comment = reader
        .call(
            Method::POST,
            &format!("/api/v1/works/{id}/comments"),
            Some(json!({ "chapter": 2, "body": "The car scene <b>hurt</b>." })),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED, "{}", comment.json);
    let comment_id = comment.json["id"].as_i64().unwrap();
    assert_eq!(comment.json["author"], "scriptreader");
    assert_eq!(comment.json["chapter"], 2);
    let reply = writer
        .ok(
            Method::POST,
            &format!("/api/v1/comments/{comment_id}/replies"),
            Some(json!({ "body": "Thank you!" })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(reply["parent"], comment_id);
    assert_eq!(reply["chapter"], 2);
    reader
        .refused(
            Method::POST,
            &format!("/api/v1/works/{id}/comments"),
            Some(json!({ "chapter": 9, "body": "Where?" })),
            StatusCode::NOT_FOUND,
        )
        .await;
    reader
        .refused(
            Method::POST,
            &format!("/api/v1/works/{id}/comments"),
            Some(json!({ "chapter": 1, "body": "" })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    // (A logged-in reader's pages are never served from the page cache, which may keep a
    // guest's copy for a second on PostgreSQL.)
    let shown = reader_site.get(&format!("/works/{id}/chapters/2")).await;
    assert!(
        shown.body.contains("The car scene <b>hurt</b>."),
        "the comment is on the chapter's page: {}",
        shown.body
    );
    assert!(shown.body.contains("Thank you!"));
    reader
        .ok(
            Method::POST,
            &format!("/api/v1/works/{id}/kudos"),
            None,
            StatusCode::CREATED,
        )
        .await;
    reader
        .ok(
            Method::PUT,
            &format!("/api/v1/works/{id}/bookmark"),
            Some(json!({ "notes": "Reread yearly.", "tags": "comfort read", "rec": true })),
            StatusCode::OK,
        )
        .await;
    let read = reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(read["stats"]["kudos"], 1);
    assert_eq!(read["stats"]["bookmarks"], 1);
    assert_eq!(read["stats"]["comments"], 2);

    // The thread as the work's page shows it; its author edits the comment, the work's
    // creator may delete it but not edit it; its reply keeps its place.
    let thread = reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/comments?chapter=2"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(thread["threads"], 1);
    let listed = thread["comments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{thread}");
    assert_eq!(listed[0]["id"], comment_id);
    assert_eq!(listed[1]["parent"], comment_id);
    let on_first = reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/comments?chapter=1"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(on_first["comments"], json!([]));
    reader
        .refused(
            Method::GET,
            &format!("/api/v1/works/{id}/comments?page=0"),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    let path = format!("/api/v1/comments/{comment_id}");
    let edited = reader
        .ok(
            Method::PUT,
            &path,
            Some(json!({ "body": "The car scene hurt. A lot." })),
            StatusCode::OK,
        )
        .await;
    assert!(edited["body"].as_str().unwrap().contains("A lot."));
    assert!(edited["edited_at"].is_string());
    writer
        .refused(
            Method::PUT,
            &path,
            Some(json!({ "body": "Nicer." })),
            StatusCode::FORBIDDEN,
        )
        .await;
    writer
        .ok(Method::DELETE, &path, None, StatusCode::NO_CONTENT)
        .await;
    reader
        .refused(Method::GET, &path, None, StatusCode::NOT_FOUND)
        .await;
    let thread = reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/comments"),
            None,
            StatusCode::OK,
        )
        .await;
    let listed = thread["comments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{thread}");
    assert!(listed[0]["placeholder"].is_string(), "{thread}");
    assert_eq!(listed[0]["body"], "");
    assert_eq!(listed[1]["body"], reply["body"]);

    // The reader's own lists: a subscription, "later", history, a mute.
    let sub = format!("/api/v1/subscriptions/work/{id}");
    reader
        .ok(Method::PUT, &sub, None, StatusCode::NO_CONTENT)
        .await;
    let subs = reader
        .ok(Method::GET, "/api/v1/subscriptions", None, StatusCode::OK)
        .await;
    assert_eq!(subs[0]["kind"], "work", "{subs}");
    assert_eq!(subs[0]["name"], "All That's Left (revised)");
    // A new chapter reaches the subscriber's updates once, then they are seen.
    let first_look = reader
        .ok(Method::GET, "/api/v1/updates", None, StatusCode::OK)
        .await;
    assert_eq!(first_look["works"], json!([]), "{first_look}");
    writer
        .ok(
            Method::POST,
            &format!("/api/v1/works/{id}/chapters"),
            Some(json!({ "title": "Epilogue", "body": "And then, morning." })),
            StatusCode::CREATED,
        )
        .await;
    let updates = reader
        .ok(Method::GET, "/api/v1/updates", None, StatusCode::OK)
        .await;
    assert_eq!(updates["works"][0]["id"], id, "{updates}");
    assert_eq!(updates["works"][0]["new_chapters"], 1);
    let seen = reader
        .ok(Method::GET, "/api/v1/updates", None, StatusCode::OK)
        .await;
    assert_eq!(seen["works"], json!([]), "{seen}");
    writer
        .ok(
            Method::DELETE,
            &format!("/api/v1/works/{id}/chapters/3"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    reader
        .ok(Method::DELETE, &sub, None, StatusCode::NO_CONTENT)
        .await;
    let subs = reader
        .ok(Method::GET, "/api/v1/subscriptions", None, StatusCode::OK)
        .await;
    assert_eq!(subs, json!([]));
    reader
        .refused(
            Method::PUT,
            "/api/v1/subscriptions/planet/1",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    let later = format!("/api/v1/works/{id}/later");
    reader
        .ok(Method::PUT, &later, None, StatusCode::NO_CONTENT)
        .await;
    let marked = reader
        .ok(Method::GET, "/api/v1/later", None, StatusCode::OK)
        .await;
    assert_eq!(marked["total"], 1, "{marked}");
    assert_eq!(marked["works"][0]["id"], id);
    assert_eq!(marked["works"][0]["later"], true);
    reader
        .ok(Method::DELETE, &later, None, StatusCode::NO_CONTENT)
        .await;
    let marked = reader
        .ok(Method::GET, "/api/v1/later", None, StatusCode::OK)
        .await;
    assert_eq!(marked["total"], 0, "{marked}");
    let history = reader
        .ok(Method::GET, "/api/v1/history", None, StatusCode::OK)
        .await;
    assert_eq!(
        history["works"][0]["id"], id,
        "the chapter opened above: {history}"
    );
    assert!(history["works"][0]["visits"].as_u64().unwrap() >= 1);
    reader
        .ok(
            Method::PUT,
            "/api/v1/users/scriptwriter/mute",
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    let mutes = reader
        .ok(Method::GET, "/api/v1/mutes", None, StatusCode::OK)
        .await;
    assert_eq!(mutes["muted"][0]["name"], "scriptwriter", "{mutes}");
    let thread = reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}/comments"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        thread["comments"],
        json!([]),
        "nothing left to show: a deleted comment and a muted writer's reply"
    );
    reader
        .ok(
            Method::DELETE,
            "/api/v1/users/scriptwriter/mute",
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    reader
        .refused(
            Method::PUT,
            "/api/v1/users/scriptreader/mute",
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    read_only
        .refused(Method::PUT, &later, None, StatusCode::FORBIDDEN)
        .await;

    // A report to the admins needs a reason.
    let report = reader
        .ok(
            Method::POST,
            "/api/v1/reports",
            Some(json!({ "work": id, "reason": "Testing the report form." })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(report, json!({ "reported": "work", "id": id }));
    reader
        .refused(
            Method::POST,
            "/api/v1/reports",
            Some(json!({ "work": id, "reason": " " })),
            StatusCode::BAD_REQUEST,
        )
        .await;

    // A muted tag leaves the work out of the reader's searches until unmuted; the saved
    // filter reads back as saved.
    app.caught_up().await;
    let saved = reader
        .ok(
            Method::PUT,
            "/api/v1/filters",
            Some(json!({ "muted_tags": ["Angst"], "words_from": "1,000", "ratings": ["teen"] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(saved["words_from"], "1000", "{saved}");
    assert_eq!(saved["ratings"], json!(["teen"]));
    let muted = reader
        .ok(
            Method::GET,
            "/api/v1/works?include_tags=Angst",
            None,
            StatusCode::OK,
        )
        .await;
    assert!(titles(&muted).is_empty(), "{muted}");
    reader
        .refused(
            Method::PUT,
            "/api/v1/filters",
            Some(json!({ "ratings": ["spicy"] })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    reader
        .ok(
            Method::PUT,
            "/api/v1/filters",
            Some(json!({})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        reader
            .ok(Method::GET, "/api/v1/filters", None, StatusCode::OK)
            .await["muted_tags"],
        json!([])
    );

    // Search finds it with filters, and not with filters it does not match.
    app.caught_up().await;
    let found = reader
        .ok(
            Method::GET,
            "/api/v1/works?include_tags=Angst&rating=teen&complete=no&q=bridge",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(titles(&found), ["All That's Left (revised)"]);
    let other = reader
        .ok(
            Method::GET,
            "/api/v1/works?rating=explicit",
            None,
            StatusCode::OK,
        )
        .await;
    assert!(titles(&other).is_empty());

    // Its tag and its creator, as their pages show them.
    let tag = reader
        .ok(Method::GET, "/api/v1/tags/Angst", None, StatusCode::OK)
        .await;
    assert_eq!(tag["works"], 1, "{tag}");
    assert_eq!(tag["kinds"], json!([{ "kind": "freeform", "works": 1 }]));
    let by_tag = reader
        .ok(
            Method::GET,
            tag["works_url"].as_str().unwrap(),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(titles(&by_tag), ["All That's Left (revised)"]);
    let creator = reader
        .ok(
            Method::GET,
            "/api/v1/users/scriptwriter",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(creator["works"], 1, "{creator}");
    assert_eq!(creator["latest"][0]["id"], id);
    reader
        .refused(
            Method::GET,
            "/api/v1/tags/No%20Such%20Tag",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    reader
        .refused(
            Method::GET,
            "/api/v1/users/nobody_here",
            None,
            StatusCode::NOT_FOUND,
        )
        .await;

    // Delete it: gone from the API, the site and search.
    writer
        .ok(
            Method::DELETE,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    writer
        .refused(
            Method::GET,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        reader_site.get(&format!("/works/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    app.caught_up().await;
    let gone = reader
        .ok(
            Method::GET,
            "/api/v1/works?include_tags=Angst",
            None,
            StatusCode::OK,
        )
        .await;
    assert!(titles(&gone).is_empty());
    app.cleanup().await;
}

#[tokio::test]
async fn an_admin_script_works_through_reports_on_sqlite() {
    an_admin_script_works_through_reports(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_admin_script_works_through_reports_on_postgres() {
    an_admin_script_works_through_reports(Backend::Postgres).await;
}

/// The admin page's actions through the API, by an admin's token; everyone else's token is
/// refused them.
async fn an_admin_script_works_through_reports(backend: Backend) {
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    let admin_site = app.admin("scriptadmin").await;
    let admin = Script::new(&app.base, make_token(&admin_site, "write").await);
    let writer_site = app.user("spammer").await;
    let writer = Script::new(&app.base, make_token(&writer_site, "write").await);
    let reader_site = app.user("watcher").await;
    let reader = Script::new(&app.base, make_token(&reader_site, "write").await);

    let posted = writer
        .ok(
            Method::POST,
            "/api/v1/works",
            Some(json!({
                "title": "Buy Cheap Things",
                "fandoms": ["Original Work"],
                "chapters": [{ "body": "Visit my shop." }]
            })),
            StatusCode::CREATED,
        )
        .await;
    let id = posted["id"].as_i64().unwrap();
    reader
        .ok(
            Method::POST,
            "/api/v1/reports",
            Some(json!({ "work": id, "reason": "Spam." })),
            StatusCode::CREATED,
        )
        .await;

    // Only an admin sees the queue and acts on it.
    for path in ["/api/v1/admin/reports"] {
        reader
            .refused(Method::GET, path, None, StatusCode::FORBIDDEN)
            .await;
    }
    reader
        .refused(
            Method::PUT,
            &format!("/api/v1/admin/works/{id}/hidden"),
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    let queue = admin
        .ok(Method::GET, "/api/v1/admin/reports", None, StatusCode::OK)
        .await;
    assert_eq!(queue[0]["item"], id, "{queue}");
    assert_eq!(queue[0]["reason"], "Spam.");
    assert_eq!(queue[0]["owners"][0]["name"], "spammer");
    let report = queue[0]["id"].as_i64().unwrap();
    let spammer = queue[0]["owners"][0]["id"].as_i64().unwrap();
    admin
        .refused(
            Method::POST,
            &format!("/api/v1/admin/reports/{report}"),
            Some(json!({ "action": "obliterate" })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    let done = admin
        .ok(
            Method::POST,
            &format!("/api/v1/admin/reports/{report}"),
            Some(json!({ "action": "hide" })),
            StatusCode::OK,
        )
        .await;
    assert!(done["resolution"].is_string(), "{done}");
    let queue = admin
        .ok(Method::GET, "/api/v1/admin/reports", None, StatusCode::OK)
        .await;
    assert_eq!(queue, json!([]));
    reader
        .refused(
            Method::GET,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    admin
        .ok(
            Method::DELETE,
            &format!("/api/v1/admin/works/{id}/hidden"),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    reader
        .ok(
            Method::GET,
            &format!("/api/v1/works/{id}"),
            None,
            StatusCode::OK,
        )
        .await;

    // A suspended account's token stops working; lifting the suspension restores it.
    let suspension = format!("/api/v1/admin/users/{spammer}/suspended");
    admin
        .ok(Method::PUT, &suspension, None, StatusCode::NO_CONTENT)
        .await;
    writer
        .refused(
            Method::GET,
            "/api/v1/pseuds",
            None,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    admin
        .ok(Method::DELETE, &suspension, None, StatusCode::NO_CONTENT)
        .await;
    writer
        .ok(Method::GET, "/api/v1/pseuds", None, StatusCode::OK)
        .await;

    // How accounts are made, and invitation codes.
    admin
        .ok(
            Method::PUT,
            "/api/v1/admin/signup-mode",
            Some(json!({ "mode": "invite" })),
            StatusCode::NO_CONTENT,
        )
        .await;
    let codes = admin
        .ok(
            Method::POST,
            "/api/v1/admin/invitations",
            Some(json!({ "count": 2 })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(codes["codes"].as_array().unwrap().len(), 2);
    admin
        .refused(
            Method::POST,
            "/api/v1/admin/invitations",
            Some(json!({ "count": 0 })),
            StatusCode::BAD_REQUEST,
        )
        .await;
    let signup = app.guest().get("/signup").await;
    assert!(signup.body.contains("invitation"), "{}", signup.body);
    app.cleanup().await;
}
