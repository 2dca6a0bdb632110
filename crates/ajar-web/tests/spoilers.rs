//! Spoiler-aware browsing on the site, on SQLite and PostgreSQL: the founding story spoils
//! Gilmore Girls 4×13, so a reader who has seen up to 4×12 does not find it in the fandom's
//! listing, in a search (its total and facet counts) or in a feed, is told how many works
//! were left out, meets a gate on its page, and finds it again once they move on to 4×13.
//! A guest gets the same from a cookie, without another guest's pages being touched; a
//! reader who blurs sees it with its summary hidden. Bad progress changes nothing.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    a_reader_short_of_the_episode_does_not_see_what_spoils_it,
    a_guest_keeps_their_progress_in_a_cookie,
    a_script_sets_and_reads_progress_with_a_token,
);

use ajar_core::{Chapter, Html, TagName, Work};
use common::{Client, TestApp};
use reqwest::StatusCode;

/// A line of the founding story's text: on its page only past the gate.
const SEED_TEXT: &str = "The past twenty-four hours have gone by in a blur.";
/// Its title as pages write it.
const SEED_TITLE: &str = "All That&#39;s Left";

/// Season 4, episodes 12 to 14, and the works: the founding story (in Gilmore Girls, as its
/// writer would tag it), one that spoils only 4×12, and one that spoils nothing. Returns
/// the seed's id and the fandom's tag id.
async fn archive(app: &TestApp) -> (ajar_core::WorkId, i64) {
    let gg = TagName::parse("Gilmore Girls").unwrap();
    common::import_season_4(&app.store, 3).await;
    let mut seed = common::founding_story();
    seed.fandoms = vec![gg.clone()];
    let seed = app.insert(&seed).await;
    for (title, spoilers) in [("Safe Harbour", Some("4x12")), ("Plain Coffee", None)] {
        let mut work = Work {
            title: title.into(),
            creators: vec!["other".into()],
            fandoms: vec![gg.clone()],
            spoilers: spoilers.map(str::to_owned),
            summary: Html::from_plain_text("Coffee at Luke's."),
            chapters: vec![Chapter {
                body: Html::from_plain_text("Words."),
                ..Chapter::default()
            }],
            ..Work::default()
        };
        work.renumber_chapters();
        app.insert(&work).await;
    }
    let fandom = app.store.canon_fandoms().await.unwrap()[0].0 .0;
    (seed, fandom)
}

/// Says how far `client` is in the fandom's canon, as the picker does.
async fn seen_up_to(client: &Client, fandom: i64, seen: &str, mode: &str) {
    let fandom = fandom.to_string();
    let done = client
        .post(
            "/canon/progress",
            &[
                ("fandom", &fandom),
                ("seen", seen),
                ("mode", mode),
                ("back", "/tags/Gilmore%20Girls"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/tags/Gilmore%20Girls");
}

/// What the reader finds of the seed in the listing, a search, the API and the work page,
/// when it is hidden from them (`hidden`) or not.
async fn sees(client: &Client, seed: ajar_core::WorkId, hidden: bool) {
    let listing = client.get("/tags/Gilmore%20Girls/works").await;
    assert_eq!(listing.status, StatusCode::OK);
    assert_eq!(
        listing.body.contains(SEED_TITLE),
        !hidden,
        "{}",
        listing.body
    );
    assert!(listing.body.contains("Safe Harbour"), "{}", listing.body);
    assert_eq!(
        listing.body.contains(
            "<strong>1 work</strong> hidden because they spoil episodes you haven’t seen"
        ),
        hidden,
        "{}",
        listing.body
    );
    let heading = if hidden {
        "2 Works in Gilmore Girls"
    } else {
        "3 Works in Gilmore Girls"
    };
    assert!(listing.body.contains(heading), "{}", listing.body);

    let home = client.get("/").await;
    assert_eq!(home.body.contains(SEED_TITLE), !hidden, "{}", home.body);
    assert!(home.body.contains("Safe Harbour"), "{}", home.body);

    let search = client.get("/works/search?q=coffee%20OR%20rory").await;
    assert_eq!(search.body.contains(SEED_TITLE), !hidden, "{}", search.body);

    // The API: the total and the fandom's facet count leave it out, and say so.
    let api = client
        .get("/api/v1/works?include_tags=Gilmore%20Girls")
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let (total, hidden_count) = if hidden { (2, 1) } else { (3, 0) };
    assert_eq!(json["total"], total, "{json}");
    assert_eq!(json["spoilers_hidden"], hidden_count, "{json}");
    let fandom_count = json["facets"]["fandom"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Gilmore Girls")
        .map(|t| t["count"].clone());
    assert_eq!(fandom_count, Some(serde_json::json!(total)), "{json}");

    let page = client.get(&format!("/works/{seed}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.contains(SEED_TEXT), !hidden, "{}", page.body);
    assert_eq!(
        page.body.contains(
            "This work spoils <a href=\"/canon/2\">Gilmore Girls 4×13, “Nag Hammadi Is Where They Found the Gnostic Gospels”</a>"
        ),
        hidden,
        "{}",
        page.body
    );
}

async fn a_reader_short_of_the_episode_does_not_see_what_spoils_it(app: &TestApp) {
    let (seed, fandom) = archive(app).await;
    let reader = app.user("reader").await;
    sees(&reader, seed, false).await;

    // The fandom's page offers the picker.
    let tag = reader.get("/tags/Gilmore%20Girls").await;
    assert!(
        tag.body.contains("action=\"/canon/progress\""),
        "{}",
        tag.body
    );
    assert!(tag.body.contains("4×13 Nag Hammadi"), "{}", tag.body);

    seen_up_to(&reader, fandom, "1", "hide").await;
    sees(&reader, seed, true).await;
    let tag = reader.get("/tags/Gilmore%20Girls").await;
    assert!(
        tag.body
            .contains("<option value=\"1\" selected>4×12 A Family Matter</option>"),
        "{}",
        tag.body
    );
    // The settings page lists the canons they follow, set where they are.
    let settings = reader.get("/settings").await;
    assert!(
        settings
            .body
            .contains("<option value=\"1\" selected>4×12 A Family Matter</option>"),
        "{}",
        settings.body
    );
    assert!(settings.body.contains("Kept on your account."));
    // The line's link shows them, marked; the gate's link shows the text.
    let shown = reader
        .get("/tags/Gilmore%20Girls/works?spoilers=show")
        .await;
    assert!(shown.body.contains(SEED_TITLE), "{}", shown.body);
    assert!(
        shown.body.contains("Spoils Gilmore Girls 4×13"),
        "{}",
        shown.body
    );
    let page = reader.get(&format!("/works/{seed}?spoilers=show")).await;
    assert!(page.body.contains(SEED_TEXT), "{}", page.body);

    // The listing's feed carries the progress: a feed reader sends no cookies.
    let listing = reader.get("/tags/Gilmore%20Girls/works").await;
    let feed_href = format!("/tags/Gilmore%20Girls/feed.atom?seen={fandom}-1");
    assert!(listing.body.contains(&feed_href), "{}", listing.body);
    let feed = app.guest().get(&feed_href).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(!feed.body.contains("All That"), "{}", feed.body);
    assert!(feed.body.contains("Safe Harbour"), "{}", feed.body);
    let feed = app.guest().get("/tags/Gilmore%20Girls/feed.atom").await;
    assert!(feed.body.contains("All That"), "{}", feed.body);
    // So may an API client's address, whoever asks.
    let api = app
        .guest()
        .get(&format!(
            "/api/v1/works?include_tags=Gilmore%20Girls&seen={fandom}-1"
        ))
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        (json["total"].clone(), json["spoilers_hidden"].clone()),
        (2.into(), 1.into()),
        "{json}"
    );
    let shown = app
        .guest()
        .get(&format!(
            "/api/v1/works?include_tags=Gilmore%20Girls&seen={fandom}-1&spoilers=show"
        ))
        .await;
    let json: serde_json::Value = serde_json::from_str(&shown.body).unwrap();
    assert_eq!(json["total"], 3, "{json}");
    let marked: Vec<&serde_json::Value> = json["works"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w.get("spoils").is_some())
        .collect();
    assert_eq!(marked.len(), 1, "{json}");
    assert!(marked[0]["spoils"]
        .as_str()
        .unwrap()
        .starts_with("Gilmore Girls 4×13"));

    // Bad progress is refused and changes nothing.
    let fandom_text = fandom.to_string();
    for (fields, status) in [
        (
            vec![("fandom", fandom_text.as_str()), ("seen", "4")],
            StatusCode::BAD_REQUEST,
        ),
        (
            vec![("fandom", fandom_text.as_str()), ("seen", "-1")],
            StatusCode::BAD_REQUEST,
        ),
        (
            vec![("fandom", "abc"), ("seen", "2")],
            StatusCode::BAD_REQUEST,
        ),
        (
            vec![("fandom", "999999"), ("seen", "2")],
            StatusCode::NOT_FOUND,
        ),
        (
            vec![
                ("fandom", fandom_text.as_str()),
                ("seen", "2"),
                ("mode", "loud"),
            ],
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = reader.post("/canon/progress", &fields).await;
        assert_eq!(refused.status, status, "{fields:?}: {}", refused.body);
    }
    sees(&reader, seed, true).await;

    // Moved on to 4×13: it is theirs to read.
    seen_up_to(&reader, fandom, "2", "hide").await;
    sees(&reader, seed, false).await;

    // Blurring: shown, its summary behind a control, and nothing counted as hidden.
    seen_up_to(&reader, fandom, "1", "blur").await;
    let listing = reader.get("/tags/Gilmore%20Girls/works").await;
    assert!(listing.body.contains(SEED_TITLE), "{}", listing.body);
    assert!(
        listing.body.contains("<summary>Spoils Gilmore Girls 4×13"),
        "{}",
        listing.body
    );
    assert!(!listing.body.contains("hidden because"), "{}", listing.body);

    // Another reader, who said nothing, sees everything.
    sees(&app.user("bystander").await, seed, false).await;
}

async fn a_guest_keeps_their_progress_in_a_cookie(app: &TestApp) {
    let (seed, fandom) = archive(app).await;
    // A view stopped at the gate is not a hit; a view of the work is.
    let hits = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.work_header(seed).await.unwrap().unwrap().stats.hits }
    };
    let gated = app.guest();
    gated.set_cookie("ajar_seen", &format!("{fandom}-1"));
    let page = gated.get(&format!("/works/{seed}")).await;
    assert!(page.body.contains("spoiler-gate"), "{}", page.body);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(hits(app).await, 0);
    app.guest().get(&format!("/works/{seed}")).await;
    let mut counted = 0;
    for _ in 0..40 {
        counted = hits(app).await;
        if counted == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(counted, 1);
    let guest = app.guest();
    let bystander = app.guest();
    // Both guests' pages are rendered (and kept) before either says anything.
    sees(&guest, seed, false).await;
    sees(&bystander, seed, false).await;

    seen_up_to(&guest, fandom, "1", "hide").await;
    assert_eq!(guest.cookie("ajar_seen"), Some(format!("{fandom}-1")));
    sees(&guest, seed, true).await;
    // The other guest's kept pages are not this guest's.
    sees(&bystander, seed, false).await;

    seen_up_to(&guest, fandom, "2", "hide").await;
    assert_eq!(guest.cookie("ajar_seen"), Some(format!("{fandom}-2")));
    sees(&guest, seed, false).await;

    // "Seen everything" forgets the canon; a damaged cookie hides nothing.
    seen_up_to(&guest, fandom, "all", "hide").await;
    assert_eq!(guest.cookie("ajar_seen"), None);
    guest.set_cookie("ajar_seen", "x-1.--.blur.9999999999999999999999-3");
    sees(&guest, seed, false).await;
}

/// The API's progress resource, with a personal access token (no cookie, no CSRF token):
/// set, read back, refused when wrong, and applied to the account's searches.
async fn a_script_sets_and_reads_progress_with_a_token(app: &TestApp) {
    let (seed, fandom) = archive(app).await;
    let reader = app.user("scripter").await;
    let made = reader
        .post("/account/tokens", &[("name", "script"), ("scope", "write")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    let token = made.body[at..at + made.body[at..].find('"').unwrap()].to_owned();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(&token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let get_json = |path: &'static str| {
        let answer = call(reqwest::Method::GET, path, None);
        async move {
            answer
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let set = call(
        reqwest::Method::PUT,
        "/api/v1/canon/progress",
        Some(serde_json::json!({ "fandom": fandom, "seen": 1 })),
    )
    .await
    .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let read = get_json("/api/v1/canon/progress").await;
    assert_eq!(read["canons"][0]["fandom"], "Gilmore Girls", "{read}");
    assert_eq!(read["canons"][0]["seen"], 1, "{read}");
    assert_eq!(read["canons"][0]["entries"], 3, "{read}");
    assert_eq!(read["blur"], false, "{read}");
    let found = get_json("/api/v1/works?include_tags=Gilmore%20Girls").await;
    assert_eq!(found["spoilers_hidden"], 1, "{found}");
    assert!(
        !found.to_string().contains(&format!("\"/works/{seed}\"")),
        "{found}"
    );
    for (body, status) in [
        (
            serde_json::json!({ "fandom": fandom, "seen": 9 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({ "fandom": 999_999, "seen": 1 }),
            StatusCode::NOT_FOUND,
        ),
        (
            serde_json::json!({ "fandom": fandom, "mode": "loud" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({ "fandom": fandom, "extra": 1 }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = call(
            reqwest::Method::PUT,
            "/api/v1/canon/progress",
            Some(body.clone()),
        )
        .await
        .unwrap();
        assert_eq!(refused.status(), status, "{body}");
    }
    // Seen it all: followed no more.
    let set = call(
        reqwest::Method::PUT,
        "/api/v1/canon/progress",
        Some(serde_json::json!({ "fandom": fandom, "seen": null })),
    )
    .await
    .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let read = get_json("/api/v1/canon/progress").await;
    assert_eq!(read["canons"], serde_json::json!([]), "{read}");
    let guest = app.guest().get("/api/v1/canon/progress").await;
    assert_eq!(guest.status, StatusCode::UNAUTHORIZED);
}
