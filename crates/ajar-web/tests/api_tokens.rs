//! Personal access tokens over real HTTP, as a reader who scripts the API uses them: made on
//! the account page and shown once, read and read+write scopes, revoked; the API's errors
//! as problem+json; a token never opens the site's own pages.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::{post_work, Client, Fetched, TestApp};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;

/// Makes a token on the account page; returns it as the page shows it, once.
async fn make_token(client: &Client, name: &str, scope: &str) -> String {
    let made = client
        .post("/account/tokens", &[("name", name), ("scope", scope)])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(
        made.headers.get("cache-control").unwrap(),
        "no-store",
        "a page with a token in it is kept by no cache"
    );
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    made.body[at..at + made.body[at..].find('"').unwrap()].to_owned()
}

/// A request to the API with `Authorization: value` and nothing else (no cookie, no CSRF
/// token), as a script sends it.
async fn api(method: reqwest::Method, base: &str, path: &str, auth: Option<&str>) -> Fetched {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = http.request(method, format!("{base}{path}"));
    if let Some(auth) = auth {
        request = request.header(AUTHORIZATION, auth);
    }
    let response = request.send().await.unwrap();
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

fn problem(fetched: &Fetched, status: StatusCode) -> serde_json::Value {
    assert_eq!(fetched.status, status, "{}", fetched.body);
    assert_eq!(
        fetched.headers.get(CONTENT_TYPE).unwrap(),
        "application/problem+json",
        "{}",
        fetched.body
    );
    let body: serde_json::Value = serde_json::from_str(&fetched.body).unwrap();
    assert_eq!(body["status"], status.as_u16());
    body
}

fn titles(fetched: &Fetched) -> Vec<String> {
    assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.body);
    let body: serde_json::Value = serde_json::from_str(&fetched.body).unwrap();
    body["works"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_token_made_on_the_account_page_acts_as_its_account_on_the_api_until_revoked() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    let bob = app.user("tokenbob").await;
    post_work(&bob, "Open Diner", "public").await;
    let members_only = post_work(&bob, "Members Diner", "restricted").await;
    let ann = app.user("tokenann").await;
    let own = post_work(&ann, "Ann's Own", "public").await;
    app.caught_up().await;

    let page = ann.get("/account").await;
    assert!(page.body.contains("Personal access tokens"));
    assert!(page.body.contains("You have no tokens."));
    let reader = make_token(&ann, "e-reader", "read").await;
    let writer = make_token(&ann, "kudos script", "write").await;
    assert_ne!(reader, writer);
    let page = ann.get("/account").await;
    assert!(page.body.contains("e-reader") && page.body.contains("kudos script"));
    assert!(
        !page.body.contains(&reader),
        "a token is shown once, never again"
    );

    // Without a token the API answers as to a guest; with one, as to its account.
    let guest = titles(&api(reqwest::Method::GET, &base, "/api/v1/works", None).await);
    assert!(guest.contains(&"Open Diner".to_owned()));
    assert!(!guest.contains(&"Members Diner".to_owned()));
    let bearer = format!("Bearer {reader}");
    let member = titles(&api(reqwest::Method::GET, &base, "/api/v1/works", Some(&bearer)).await);
    assert!(member.contains(&"Members Diner".to_owned()), "{member:?}");
    // One work and its chapters: a members' work needs the token (401 without, as
    // problem+json), and reads as on its page with it.
    let one = format!("/api/v1/works/{members_only}");
    let asked = api(reqwest::Method::GET, &base, &one, None).await;
    problem(&asked, StatusCode::UNAUTHORIZED);
    let detail = api(reqwest::Method::GET, &base, &one, Some(&bearer)).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let detail: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert_eq!(detail["title"], "Members Diner");
    assert_eq!(detail["chapters"].as_array().unwrap().len(), 1);
    let first = detail["chapters"][0]["url"].as_str().unwrap().to_owned();
    let text = api(reqwest::Method::GET, &base, &first, Some(&bearer)).await;
    assert_eq!(text.status, StatusCode::OK, "{}", text.body);
    assert!(text.body.contains("They met on the bridge at night."));
    let missing = format!("/api/v1/works/{members_only}/chapters/2");
    problem(
        &api(reqwest::Method::GET, &base, &missing, Some(&bearer)).await,
        StatusCode::NOT_FOUND,
    );
    // HTTP Basic with the token as the password, as e-reader apps send it.
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("tokenann:{reader}"))
    );
    let member = titles(&api(reqwest::Method::GET, &base, "/api/v1/works", Some(&basic)).await);
    assert!(member.contains(&"Members Diner".to_owned()));

    // A read token cannot change anything; a write token can, with no CSRF token: no
    // cookie says who asks, so no other site can send it.
    let kudos = format!("/api/v1/works/{members_only}/kudos");
    let refused = api(reqwest::Method::POST, &base, &kudos, Some(&bearer)).await;
    let body = problem(&refused, StatusCode::FORBIDDEN);
    assert!(body["detail"].as_str().unwrap().contains("only read"));
    let with_write = format!("Bearer {writer}");
    let left = api(reqwest::Method::POST, &base, &kudos, Some(&with_write)).await;
    assert_eq!(left.status, StatusCode::CREATED, "{}", left.body);
    assert!(left.body.contains("\"left\""));
    // As the API's description says.
    let doc: serde_json::Value = serde_json::from_str(
        &api(reqwest::Method::GET, &base, "/api/v1/openapi.json", None)
            .await
            .body,
    )
    .unwrap();
    assert!(doc["paths"]["/api/v1/works/{id}/kudos"]["post"]["responses"]["201"].is_object());
    let answer: serde_json::Value = serde_json::from_str(&left.body).unwrap();
    for field in doc["components"]["schemas"]["Kudos"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(answer.get(field.as_str().unwrap()).is_some(), "{answer}");
    }
    let again = api(reqwest::Method::POST, &base, &kudos, Some(&with_write)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(again.body.contains("\"already\""));
    let work = bob.get(&format!("/works/{members_only}")).await;
    assert!(work.body.contains("tokenann"), "the kudos is ann's");
    // The site's rules hold on the API: no kudos on one's own work.
    let own_kudos = format!("/api/v1/works/{own}/kudos");
    let body = problem(
        &api(reqwest::Method::POST, &base, &own_kudos, Some(&with_write)).await,
        StatusCode::FORBIDDEN,
    );
    assert!(body["detail"].as_str().unwrap().contains("your own work"));
    // A work that is not there is a 404, as problem+json.
    problem(
        &api(
            reqwest::Method::POST,
            &base,
            "/api/v1/works/999999/kudos",
            Some(&with_write),
        )
        .await,
        StatusCode::NOT_FOUND,
    );

    // A bookmark through the API is the one the site shows, and the other way round.
    let bookmark = format!("/api/v1/works/{members_only}/bookmark");
    let http = reqwest::Client::new();
    let put = |auth: String, body: serde_json::Value| {
        let (http, url) = (http.clone(), format!("{base}{bookmark}"));
        async move {
            let response = http
                .put(url)
                .header(AUTHORIZATION, auth)
                .json(&body)
                .send()
                .await
                .unwrap();
            Fetched {
                status: response.status(),
                headers: response.headers().clone(),
                body: response.text().await.unwrap(),
            }
        }
    };
    let body =
        serde_json::json!({"notes": "Best diner.", "tags": "coffee, <b>luke</b>", "rec": true});
    problem(
        &put(bearer.clone(), body.clone()).await,
        StatusCode::FORBIDDEN,
    );
    let saved = put(with_write.clone(), body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: serde_json::Value = serde_json::from_str(&saved.body).unwrap();
    assert_eq!(saved["tags"], serde_json::json!(["coffee", "<b>luke</b>"]));
    assert_eq!(saved["rec"], true);
    let listed = bob.get("/users/tokenann/bookmarks").await;
    assert!(listed.body.contains("Best diner."), "{}", listed.body);
    assert!(
        !listed.body.contains("<b>luke</b>"),
        "tags are text, escaped"
    );
    let read = api(reqwest::Method::GET, &base, &bookmark, Some(&bearer)).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.contains("Best diner."));
    let long = serde_json::json!({"notes": "x".repeat(5001)});
    let refused = problem(
        &put(with_write.clone(), long).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(refused["detail"].as_str().unwrap().contains("at most"));
    let not_json = problem(
        &put(with_write.clone(), serde_json::json!(["a list"])).await,
        StatusCode::BAD_REQUEST,
    );
    assert!(not_json["detail"].is_string());
    let deleted = api(reqwest::Method::DELETE, &base, &bookmark, Some(&with_write)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    problem(
        &api(reqwest::Method::GET, &base, &bookmark, Some(&bearer)).await,
        StatusCode::NOT_FOUND,
    );
    assert!(!bob
        .get("/users/tokenann/bookmarks")
        .await
        .body
        .contains("Best diner."));

    // A token does not open the site's pages (it cannot make or revoke tokens).
    let site = api(reqwest::Method::GET, &base, "/account", Some(&with_write)).await;
    assert_eq!(site.status, StatusCode::SEE_OTHER);
    assert!(site
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("/login"));

    // Revoked on the account page, it works no more.
    let page = ann.get("/account").await;
    let at = page.body.find("/account/tokens/").unwrap() + "/account/tokens/".len();
    let newest = &page.body[at..at + page.body[at..].find('/').unwrap()];
    let revoked = ann
        .post(&format!("/account/tokens/{newest}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let gone = api(
        reqwest::Method::GET,
        &base,
        "/api/v1/works",
        Some(&with_write),
    )
    .await;
    let body = problem(&gone, StatusCode::UNAUTHORIZED);
    assert!(body["detail"].as_str().unwrap().contains("revoked"));
    assert!(gone.headers.get(WWW_AUTHENTICATE).is_some());
    // Another reader cannot revoke ann's other token.
    let at = page.body.rfind("/account/tokens/").unwrap() + "/account/tokens/".len();
    let older = &page.body[at..at + page.body[at..].find('/').unwrap()];
    let not_theirs = bob
        .post(&format!("/account/tokens/{older}/revoke"), &[])
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
    let still = api(reqwest::Method::GET, &base, "/api/v1/works", Some(&bearer)).await;
    assert_eq!(still.status, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test]
async fn the_api_refuses_bad_credentials_and_unsigned_cookie_writes_as_problem_json() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    let bob = app.user("apibob").await;
    let work = post_work(&bob, "A Work", "public").await;
    app.caught_up().await;

    for auth in [
        "Bearer ajar_pat_ThisTokenWasNeverMadeByAnyoneAtAll1234",
        "Bearer not-a-token",
        "Token ajar_pat_abc",
        "Basic %%%",
        "Bearer",
    ] {
        let refused = api(reqwest::Method::GET, &base, "/api/v1/works", Some(auth)).await;
        problem(&refused, StatusCode::UNAUTHORIZED);
        assert!(refused.headers.get(WWW_AUTHENTICATE).is_some(), "{auth}");
    }
    // An unknown API address is a 404 as problem+json, not an HTML page.
    problem(
        &api(reqwest::Method::GET, &base, "/api/v1/no-such-thing", None).await,
        StatusCode::NOT_FOUND,
    );

    // A logged-in reader's cookie without the CSRF token writes nothing.
    let ann = app.user("apiann").await;
    let unsigned = ann
        .post_raw(&format!("/api/v1/works/{work}/kudos"), &[])
        .await;
    problem(&unsigned, StatusCode::FORBIDDEN);
    let page = bob.get(&format!("/works/{work}")).await;
    assert!(!page.body.contains("apiann"), "no kudos was left");

    // Tokens are made with a name and a known scope, or not at all.
    for fields in [
        [("name", ""), ("scope", "read")],
        [("name", "ok"), ("scope", "admin")],
    ] {
        let refused = ann.post("/account/tokens", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    }
    assert!(ann
        .get("/account")
        .await
        .body
        .contains("You have no tokens."));
    app.cleanup().await;
}

#[tokio::test]
async fn each_token_has_an_allowance_of_requests_told_in_ratelimit_headers() {
    let app = TestApp::spawn().await;
    let base = app.base.clone();
    let ann = app.user("limitann").await;
    let token = format!("Bearer {}", make_token(&ann, "busy script", "read").await);
    let other = format!("Bearer {}", make_token(&ann, "quiet script", "read").await);
    let header = |f: &Fetched, name: &str| -> u64 {
        f.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let first = api(reqwest::Method::GET, &base, "/api/v1/works", Some(&token)).await;
    assert_eq!(first.status, StatusCode::OK);
    let limit = header(&first, "ratelimit-limit");
    assert!(limit >= 60, "{limit}");
    assert_eq!(header(&first, "ratelimit-remaining"), limit - 1);
    assert!((1..=60).contains(&header(&first, "ratelimit-reset")));
    for _ in 1..limit {
        let answer = api(reqwest::Method::GET, &base, "/opds", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let refused = api(reqwest::Method::GET, &base, "/api/v1/works", Some(&token)).await;
    let body = problem(&refused, StatusCode::TOO_MANY_REQUESTS);
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("Too many requests"));
    assert_eq!(header(&refused, "ratelimit-remaining"), 0);
    assert!((1..=60).contains(&header(&refused, "retry-after")));
    // Another token, and the site's pages, are not held back.
    let fine = api(reqwest::Method::GET, &base, "/api/v1/works", Some(&other)).await;
    assert_eq!(fine.status, StatusCode::OK);
    assert_eq!(header(&fine, "ratelimit-remaining"), limit - 1);
    assert_eq!(ann.get("/account").await.status, StatusCode::OK);
    app.cleanup().await;
}
