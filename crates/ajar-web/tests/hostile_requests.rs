//! What a stranger can send, and what it may cost: bodies are refused before they are read
//! wherever they can be (unknown addresses, methods a route does not take, sizes over a
//! form's limit, wrong tokens), the bodies held at once have a ceiling, a busy database is
//! "503, try again" rather than an error, and the CSRF check knows the scheme, fills in
//! guests' tokens only in form fields, and lets a reader with a stale cookie log in.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_store::testing::occupy_connection;
use ajar_store::{Backend, StoreOptions};
use common::TestApp;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Posts a public work through the form as `writer`; returns its address.
async fn post_work(writer: &common::Client, fields: &[(&str, &str)]) -> common::Fetched {
    let form = writer.get("/works/new").await;
    let pseud = form
        .body
        .split("name=\"pseud\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let mut all = vec![
        ("title", "A Long Night"),
        ("pseud", pseud.as_str()),
        ("fandoms", "Gilmore Girls"),
        ("rating", "general"),
        ("warning", "none"),
        ("language", "English"),
        ("format", "plain"),
        ("visibility", "public"),
        ("comments", "anyone"),
        ("action", "post"),
    ];
    for (k, v) in fields {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    writer.post("/works/new", &all).await
}

/// 55 MB: what each of the 32 requests of the memory-exhaustion probe sent.
const PROBE_BYTES: u64 = 55_000_000;

/// Sends a request's head and `start` of its body (of `length` bytes) and returns the
/// connection and the status the server answered within `wait`, if any.
async fn send_head(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    length: u64,
    start: &[u8],
    wait: Duration,
) -> (TcpStream, Option<u16>) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {length}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(start).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let status = read.ok().and_then(|()| {
        let text = String::from_utf8_lossy(&answer);
        text.split(' ').nth(1).and_then(|code| code.parse().ok())
    });
    (stream, status)
}

/// The status of a request whose head says `length` bytes follow, sent without them.
async fn status_before_body(base: &str, method: &str, path: &str, length: u64) -> Option<u16> {
    send_head(
        base,
        method,
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        length,
        b"",
        Duration::from_secs(10),
    )
    .await
    .1
}

#[tokio::test]
async fn large_bodies_are_refused_before_a_byte_of_them_is_read() {
    let app = TestApp::spawn().await;
    // The probe: 32 at once to an address no route claims, then to a comment form.
    let unknown = futures_util::future::join_all(
        (0..32).map(|_| status_before_body(&app.base, "POST", "/no/such/path", PROBE_BYTES)),
    )
    .await;
    assert!(unknown.iter().all(|s| *s == Some(404)), "{unknown:?}");
    let comments = futures_util::future::join_all(
        (0..32).map(|_| status_before_body(&app.base, "POST", "/works/1/comments", PROBE_BYTES)),
    )
    .await;
    assert!(comments.iter().all(|s| *s == Some(413)), "{comments:?}");
    // A method the route does not take; the largest form's limit; a small form's limit.
    assert_eq!(
        status_before_body(&app.base, "PUT", "/works/1", PROBE_BYTES).await,
        Some(405)
    );
    assert_eq!(
        status_before_body(&app.base, "POST", "/works/new", PROBE_BYTES).await,
        Some(413)
    );
    assert_eq!(
        status_before_body(&app.base, "POST", "/login", 2 * 1024 * 1024).await,
        Some(413)
    );

    // The server still serves, and a work's text of 2 MB is within the posting form's limit.
    let writer = app.user("lorelai").await;
    // 960,000 characters, 1.1 MB URL-encoded: over the small forms' limit.
    let text = "Coffee, coffee, coffee. ".repeat(40_000);
    let posted = post_work(&writer, &[("body", &text)]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
}

/// A multipart upload's first bytes: the form's token, then the start of a story file.
fn upload_start(token: &str) -> Vec<u8> {
    format!(
        "--XYZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --XYZ\r\nContent-Disposition: form-data; name=\"story_file\"; filename=\"big.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nTitle: Big\r\n\r\n{}",
        "It was a long story. ".repeat(200)
    )
    .into_bytes()
}

#[tokio::test]
async fn a_wrong_token_ends_an_upload_at_its_first_field_and_bodies_in_memory_have_a_ceiling() {
    let app = TestApp::spawn().await;
    let guest = app.guest();
    let token = guest.csrf_token().await;
    let cookie = format!("ajar_csrf={}", guest.cookie("ajar_csrf").unwrap());
    let multipart = "multipart/form-data; boundary=XYZ";
    let headers = [("Cookie", cookie.as_str()), ("Content-Type", multipart)];

    // 20 MB announced, a wrong token in the first field: refused after the first kilobytes.
    let (_, status) = send_head(
        &app.base,
        "POST",
        "/works/new",
        &headers,
        20_000_000,
        &upload_start("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(status, Some(403));

    // With the right token, six 20 MB uploads that are slow to arrive are held (120 MB);
    // a seventh would pass the ceiling, and is told to come back later.
    let mut held = Vec::new();
    for _ in 0..6 {
        let (stream, status) = send_head(
            &app.base,
            "POST",
            "/works/new",
            &headers,
            20_000_000,
            &upload_start(&token),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(status, None, "still being received");
        held.push(stream);
    }
    let (_, status) = send_head(
        &app.base,
        "POST",
        "/works/new",
        &headers,
        20_000_000,
        &upload_start(&token),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(status, Some(503));
    // Small forms still fit beside them.
    assert_eq!(app.guest().get("/login").await.status, StatusCode::OK);

    // Abandoned uploads give their share back.
    drop(held);
    let mut taken = false;
    for _ in 0..50 {
        let (_, status) = send_head(
            &app.base,
            "POST",
            "/works/new",
            &headers,
            20_000_000,
            &upload_start(&token),
            Duration::from_millis(200),
        )
        .await;
        if status.is_none() {
            taken = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(taken, "the ceiling was not given back");
}

/// One connection, a short wait for it, a short time limit per query.
fn tiny_pool() -> StoreOptions {
    StoreOptions {
        max_connections: Some(1),
        acquire_timeout: Some(Duration::from_millis(300)),
        statement_timeout: Some(Duration::from_secs(2)),
        ..StoreOptions::default()
    }
}

async fn a_busy_database_is_503_and_pages_come_back(backend: Backend) {
    let Some(app) = TestApp::spawn_with_store(backend, &tiny_pool()).await else {
        return;
    };
    let reader = app.user("paris").await;
    let work = common_work();
    let id = app.insert(&work).await;

    let held = occupy_connection(&app.store).await;
    for (who, path) in [
        (app.guest(), format!("/works/{}", id.0)),
        (reader.clone(), "/".to_owned()),
    ] {
        let page = who.get(&path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(page.headers.contains_key("retry-after"), "{path}");
        assert!(page.body.contains("try again"), "{}", page.body);
    }
    // The search index still follows the store: it has connections of its own.
    let background = app.store.background();
    let second = background.insert_work(&common_work()).await.unwrap();
    let target = background.last_change_seq().await.unwrap();
    app.search.notify_changed();
    let mut followed = false;
    for _ in 0..200 {
        if app.search.applied_seq() >= target {
            followed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(followed, "the follower stalled while pages had the pool");

    drop(held);
    for path in [format!("/works/{}", id.0), format!("/works/{}", second.0)] {
        let page = app.guest().get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
    }
    assert_eq!(reader.get("/").await.status, StatusCode::OK);
    app.cleanup().await;
}

fn common_work() -> ajar_core::Work {
    let mut work = ajar_core::Work {
        title: "Busy Night".to_owned(),
        creators: vec!["someone".to_owned()],
        chapters: vec![ajar_core::Chapter {
            body: ajar_core::Html::from_plain_text("The diner was full."),
            ..ajar_core::Chapter::default()
        }],
        ..ajar_core::Work::default()
    };
    work.renumber_chapters();
    work
}

#[tokio::test]
async fn sqlite_a_busy_database_is_503_and_pages_come_back() {
    a_busy_database_is_503_and_pages_come_back(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_busy_database_is_503_and_pages_come_back() {
    a_busy_database_is_503_and_pages_come_back(Backend::Postgres).await;
}

#[tokio::test]
async fn a_page_served_over_plain_http_cannot_post_to_the_https_site() {
    let app = TestApp::spawn().await;
    let reader = app.user("dean").await;
    let token = reader.csrf_token().await;
    let host = app.base.strip_prefix("http://").unwrap().to_owned();
    let post = |origin: String| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}/logout", app.base))
            .header("origin", origin)
            .header("x-forwarded-proto", "https")
            .header("cookie", reader.cookie_header())
            .form(&[("csrf_token", token.as_str())])
            .send()
    };
    let insecure = post(format!("http://{host}")).await.unwrap();
    assert_eq!(insecure.status(), StatusCode::FORBIDDEN);
    assert!(
        reader.get("/").await.body.contains("Log out"),
        "still logged in"
    );
    let secure = post(format!("https://{host}")).await.unwrap();
    assert_eq!(secure.status(), StatusCode::SEE_OTHER);
}

const PLACEHOLDER: &str = "ajar-guest-csrf-token-placeholder";

#[tokio::test]
async fn a_guests_token_goes_only_into_form_fields_never_into_work_text() {
    let app = TestApp::spawn().await;
    let writer = app.user("kirk").await;
    let field = format!(r#"<input type="hidden" name="csrf_token" value="{PLACEHOLDER}">"#);
    let title = format!("Title {PLACEHOLDER} {field}");
    let body = format!(
        "<p>Text {PLACEHOLDER}</p><p><a href=\"https://evil.example/?t={PLACEHOLDER}\">a link</a></p>\
         <p>{field}</p><p>name=\"csrf_token\" value=\"{PLACEHOLDER}\"</p>"
    );
    let posted = post_work(
        &writer,
        &[
            ("title", &title),
            ("summary", &field),
            ("body", &body),
            ("format", "html"),
        ],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let path = posted.location().to_owned();
    app.caught_up().await;

    for page in [
        path.clone(),
        "/".to_owned(),
        "/works/search?q=Title".to_owned(),
    ] {
        let guest = app.guest();
        let shown = guest.get(&page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}");
        assert!(
            shown.body.contains(PLACEHOLDER),
            "{page}: the text is shown as written"
        );
        if let Some(token) = guest.cookie("ajar_csrf") {
            let fields = shown.body.matches("name=\"csrf_token\" value=\"").count();
            let filled = shown
                .body
                .matches(&format!("name=\"csrf_token\" value=\"{token}\""))
                .count();
            assert_eq!(shown.body.matches(token.as_str()).count(), filled, "{page}");
            assert!(filled >= 1 && filled <= fields, "{page}");
        }
    }
}

#[tokio::test]
async fn logging_in_with_a_stale_session_cookie_keeps_the_new_session() {
    let app = TestApp::spawn().await;
    let reader = app.user("luke").await;
    let stale = reader.cookie("ajar_session").unwrap();
    let out = reader.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(reader.cookie("ajar_session").is_none());

    reader.get("/login").await;
    // The browser still sends the old cookie (another tab, a restored session...).
    reader.set_cookie("ajar_session", &stale);
    let login = reader
        .post("/login", &[("name", "luke"), ("password", "password-luke")])
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let fresh = reader
        .cookie("ajar_session")
        .expect("the new session is kept");
    assert_ne!(fresh, stale);
    assert!(reader.get("/").await.body.contains("Log out"), "logged in");
}

/// A request as a browser would send it with `cookies`, over HTTPS through the proxy when
/// `https`; the status and headers of the answer.
async fn fetch(
    app: &TestApp,
    cookies: &str,
    method: reqwest::Method,
    path: &str,
    https: bool,
    form: Option<&[(&str, &str)]>,
) -> (StatusCode, reqwest::header::HeaderMap) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client
        .request(method, format!("{}{path}", app.base))
        .header("cookie", cookies);
    if https {
        request = request.header("x-forwarded-proto", "https");
    }
    if let Some(form) = form {
        request = request.form(form);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.headers().clone())
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn every_response_carries_the_security_and_cache_headers() {
    // The test client is on 127.0.0.1, which this server takes for its reverse proxy.
    let app = TestApp::behind_proxy().await;
    let writer = app.user("rory").await;
    let posted = post_work(&writer, &[("body", "The text.")]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let work = posted.location().to_owned();
    app.caught_up().await;
    let guest = app.guest();
    let home = guest.get("/").await;
    let stylesheet = home
        .body
        .split("href=\"")
        .find(|rest| rest.starts_with("/static/ajar.css"))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let token = guest.csrf_token().await;
    let reader = app.user("jess").await;
    let reader_token = reader.csrf_token().await;

    use reqwest::Method;
    let gets = [
        "/".to_owned(),
        work.clone(),
        format!("{work}/download.epub"),
        format!("{work}/feed.atom"),
        "/fandoms".to_owned(),
        "/tags/Gilmore%20Girls/works".to_owned(),
        "/works/search?q=text".to_owned(),
        "/api/v1/works?q=text".to_owned(),
        "/api/v1/openapi.json".to_owned(),
        stylesheet,
        "/login".to_owned(),
        "/account".to_owned(),
        "/admin".to_owned(),
        "/no/such/page".to_owned(),
        "/works/999999".to_owned(),
    ];
    let mut seen = Vec::new();
    for (who, cookies, token) in [
        ("guest", guest.cookie_header(), token.as_str()),
        ("reader", reader.cookie_header(), reader_token.as_str()),
    ] {
        for https in [false, true] {
            for path in &gets {
                let (status, headers) = fetch(&app, &cookies, Method::GET, path, https, None).await;
                seen.push((who, "GET", path.clone(), https, status, headers));
            }
            let posts: [(&str, Vec<(&str, &str)>); 4] = [
                ("/login", vec![("name", "nobody")]),
                ("/no/such/page", vec![("csrf_token", token)]),
                (
                    "/login",
                    vec![("csrf_token", token), ("name", "x"), ("password", "y")],
                ),
                ("/settings", vec![("csrf_token", token), ("theme", "dark")]),
            ];
            for (path, form) in &posts {
                let (status, headers) =
                    fetch(&app, &cookies, Method::POST, path, https, Some(form)).await;
                seen.push((who, "POST", path.to_string(), https, status, headers));
            }
        }
    }
    let statuses: std::collections::BTreeSet<u16> = seen.iter().map(|s| s.4.as_u16()).collect();
    for wanted in [200, 303, 403, 404] {
        assert!(statuses.contains(&wanted), "no {wanted} among {statuses:?}");
    }
    for (who, method, path, https, status, headers) in &seen {
        let what = format!("{who} {method} {path} (https: {https}) -> {status}");
        let csp = header(headers, "content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
            "{what}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{what}: {csp}"
        );
        assert!(
            header(headers, "permissions-policy").contains("camera=()"),
            "{what}"
        );
        assert!(
            header(headers, "permissions-policy").contains("geolocation=()"),
            "{what}"
        );
        assert_eq!(
            header(headers, "x-content-type-options"),
            "nosniff",
            "{what}"
        );
        assert_eq!(
            headers.contains_key("strict-transport-security"),
            *https,
            "{what}"
        );
        let cache = header(headers, "cache-control");
        assert!(!cache.is_empty(), "{what}: no Cache-Control");
        if status.is_client_error() || status.is_server_error() || *method == "POST" {
            assert_eq!(cache, "no-store", "{what}");
        }
        if path.starts_with("/static/") && status.is_success() {
            assert!(cache.contains("max-age=31536000"), "{what}: {cache}");
        }
        // Whatever depends on who asks is the asker's alone.
        if *who == "reader" && status.is_success() && !cache.contains("no-store") {
            let shared = path.ends_with(".atom")
                || path.starts_with("/static/")
                || path.ends_with(".epub")
                || path.ends_with("openapi.json");
            if !shared {
                assert!(cache.contains("private"), "{what}: {cache}");
                assert!(header(headers, "vary").contains("Cookie"), "{what}");
            }
        }
    }

    // A client that is not the proxy does not get HSTS by saying "https" itself.
    let direct = TestApp::spawn().await;
    let (_, headers) = fetch(&direct, "", Method::GET, "/", true, None).await;
    assert!(!headers.contains_key("strict-transport-security"));
}
