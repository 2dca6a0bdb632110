//! What keeps pages cheap to serve: compressed responses (and the page cache's kept
//! compressed copies), feeds answered from the cache with ETag / `304`, and a page cache that
//! neither counting hits nor kudos empty.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, Rating, TagName, Work};
use atom_syndication::Feed;
use chrono::{NaiveDate, Utc};
use common::TestApp;
use reqwest::header::{ETAG, IF_NONE_MATCH, VARY};
use reqwest::StatusCode;
use std::io::Read;

fn work(title: &str, tag: &str, day: NaiveDate) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec!["cachewriter".to_owned()],
        summary: Html::from_plain_text(&format!("The summary of {title}.")),
        fandoms: vec![TagName::parse("Cache Fandom").unwrap()],
        rating: Rating::GeneralAudiences,
        tags: vec![TagName::parse(tag).unwrap()],
        chapters: vec![Chapter {
            body: Html::from_plain_text(
                &"A long enough chapter to be worth compressing. ".repeat(40),
            ),
            ..Chapter::default()
        }],
        published: Some(day),
        updated: Some(day),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

struct Raw {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as the client reads it, decoded as `Content-Encoding` says.
    fn text(&self) -> String {
        let mut out = String::new();
        match self.header("content-encoding") {
            "gzip" => {
                flate2::read::GzDecoder::new(&self.bytes[..])
                    .read_to_string(&mut out)
                    .unwrap();
            }
            "br" => {
                brotli::Decompressor::new(&self.bytes[..], 4096)
                    .read_to_string(&mut out)
                    .unwrap();
            }
            "" => out = String::from_utf8(self.bytes.clone()).unwrap(),
            other => panic!("unexpected coding {other}"),
        }
        out
    }
}

/// A GET without cookies and with these headers, its body left as sent (reqwest decodes
/// nothing here).
async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Raw {
    let client = reqwest::Client::new();
    let mut request = client.get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    Raw {
        status: response.status(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

/// A page with each guest's own form token taken out.
fn without_token(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = rest.find("name=\"csrf_token\" value=\"") {
        let value = at + "name=\"csrf_token\" value=\"".len();
        out.push_str(&rest[..value]);
        rest = &rest[value..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Lets the page cache keep pages long enough for a test on a busy machine to look twice.
fn long_page_cache() {
    // Every test in this file wants the same, so setting it from any thread is harmless.
    std::env::set_var("AJAR_PAGE_CACHE_MS", "60000");
}

#[tokio::test]
async fn pages_go_out_compressed_when_the_client_asks() {
    long_page_cache();
    let app = TestApp::spawn().await;
    let id = app.insert(&work("Squeezed", "Cache Tag", today())).await;

    for path in [
        "/".to_owned(),
        "/tags/Cache%20Tag/works".to_owned(),
        format!("/works/{id}"),
        "/api/v1/works".to_owned(),
        "/tags/Cache%20Tag/feed.atom".to_owned(),
    ] {
        let plain = fetch(&app, &path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.header("content-encoding"), "", "{path}");
        for coding in ["gzip", "br"] {
            let packed = fetch(&app, &path, &[("accept-encoding", coding)]).await;
            assert_eq!(packed.status, StatusCode::OK, "{path}");
            assert_eq!(packed.header("content-encoding"), coding, "{path}");
            assert!(packed.bytes.len() < plain.bytes.len(), "{path} {coding}");
            assert_eq!(
                without_token(&packed.text()),
                without_token(&plain.text()),
                "{path} {coding}"
            );
            assert!(
                packed.headers.get_all(VARY).iter().any(|v| v
                    .to_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .contains("accept-encoding")),
                "{path}: {:?}",
                packed.headers
            );
        }
        // A browser's usual list gets brotli, but a kept page with a guest's form gets gzip
        // (made around their token, see the next test); a refused coding is not sent.
        let chrome = fetch(
            &app,
            &path,
            &[("accept-encoding", "gzip, deflate, br, zstd")],
        )
        .await;
        let guest_form =
            !chrome.header("x-cache").is_empty() && plain.text().contains("csrf_token");
        let expected = if guest_form { "gzip" } else { "br" };
        assert_eq!(chrome.header("content-encoding"), expected, "{path}");
        let refused = fetch(&app, &path, &[("accept-encoding", "br;q=0, gzip;q=0")]).await;
        assert_eq!(refused.header("content-encoding"), "", "{path}");
    }

    // A cached page is compressed once: asked twice, the same bytes, the second from memory.
    let path = "/tags/Cache%20Tag/works";
    let first = fetch(&app, path, &[("accept-encoding", "gzip")]).await;
    let second = fetch(&app, path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(second.header("x-cache"), "hit");
    assert_eq!(first.bytes, second.bytes);
    // A work page's ETag is weak when compressed (same page, other bytes) and still
    // revalidates.
    let path = format!("/works/{id}");
    let second = fetch(&app, &path, &[("accept-encoding", "gzip")]).await;
    let etag = second.header("etag").to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = fetch(
        &app,
        &path,
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // Already compressed downloads go out as they are.
    let epub = fetch(
        &app,
        &format!("/works/{id}/download.epub"),
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(
        epub.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&epub.bytes)
    );
    assert_eq!(epub.header("content-encoding"), "");
    assert!(epub.bytes.starts_with(b"PK"));
    app.cleanup().await;
}

#[tokio::test]
async fn a_guest_gets_a_kept_page_gzipped_with_their_own_token() {
    long_page_cache();
    let app = TestApp::spawn().await;
    let id = app.insert(&work("Token Kept", "Guest Tag", today())).await;
    let path = format!("/works/{id}");
    let browser = [("accept-encoding", "gzip, deflate, br, zstd")];
    let plain = fetch(&app, &path, &[]).await;
    let first = fetch(&app, &path, &browser).await;
    let second = fetch(&app, &path, &browser).await;
    assert_eq!(second.header("x-cache"), "hit");
    let mut tokens = Vec::new();
    for guest in [&first, &second] {
        assert_eq!(guest.header("content-encoding"), "gzip");
        let page = guest.text();
        let token = guest
            .headers
            .get_all("set-cookie")
            .iter()
            .find_map(|c| c.to_str().unwrap().strip_prefix("ajar_csrf="))
            .and_then(|c| c.split(';').next())
            .unwrap_or_else(|| panic!("no token cookie: {:?}", guest.headers))
            .to_owned();
        assert!(
            page.contains(&format!(r#"name="csrf_token" value="{token}""#)),
            "{page}"
        );
        assert!(!page.contains("ajar-guest-csrf-token-placeholder"));
        assert_eq!(without_token(&page), without_token(&plain.text()));
        tokens.push(token);
    }
    assert_ne!(tokens[0], tokens[1], "each guest has their own token");

    // The token in the gzip copy is one the server takes: the guest's kudos with it counts.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let left = client
        .post(format!("{}/works/{id}/kudos", app.base))
        .header("cookie", format!("ajar_csrf={}", tokens[1]))
        .form(&[("csrf_token", tokens[1].as_str())])
        .send()
        .await
        .unwrap();
    assert!(left.status().is_redirection(), "{}", left.status());
    let header = app.store.work_header(id).await.unwrap().unwrap();
    assert_eq!(header.stats.kudos, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn counting_hits_leaves_other_pages_cached() {
    long_page_cache();
    let app = TestApp::spawn().await;
    let read = app.insert(&work("Read Often", "Hit Tag", today())).await;
    let other = app.insert(&work("Left Alone", "Hit Tag", today())).await;

    let page = format!("/works/{other}");
    assert_eq!(fetch(&app, &page, &[]).await.header("x-cache"), "miss");
    assert_eq!(fetch(&app, &page, &[]).await.header("x-cache"), "hit");
    assert_eq!(fetch(&app, "/", &[]).await.header("x-cache"), "miss");

    // Readers open another work; their hits are counted (written once a second).
    app.store
        .record_hits(&[ajar_store::Hit {
            work: read,
            visitor: "0123456789abcdef0123456789abcdef".to_owned(),
            day: today(),
        }])
        .await
        .unwrap();
    for n in 0..3 {
        fetch(
            &app,
            &format!("/works/{read}"),
            &[("user-agent", &format!("reader {n}"))],
        )
        .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let header = app.store.work_header(read).await.unwrap().unwrap();
    assert!(
        header.stats.hits >= 2,
        "the hits were written: {:?}",
        header.stats
    );

    assert_eq!(fetch(&app, &page, &[]).await.header("x-cache"), "hit");
    assert_eq!(fetch(&app, "/", &[]).await.header("x-cache"), "hit");

    // Any other write still shows at once.
    app.insert(&work("Just Posted", "Hit Tag", today())).await;
    let home = fetch(&app, "/", &[]).await;
    assert_eq!(home.header("x-cache"), "miss");
    assert!(home.text().contains("Just Posted"));
    app.cleanup().await;
}

#[tokio::test]
async fn kudos_leave_other_pages_cached() {
    long_page_cache();
    let app = TestApp::spawn().await;
    let liked = app.insert(&work("Liked A Lot", "Kudos Tag", today())).await;
    let other = app
        .insert(&work("Left Alone Too", "Kudos Tag", today()))
        .await;
    let reader = app.user("kudosgiver").await;
    reader.get(&format!("/works/{liked}")).await;

    let liked_page = format!("/works/{liked}");
    let other_page = format!("/works/{other}");
    let listing = "/tags/Kudos%20Tag/works";
    for path in [liked_page.as_str(), other_page.as_str(), listing] {
        fetch(&app, path, &[]).await;
        assert_eq!(
            fetch(&app, path, &[]).await.header("x-cache"),
            "hit",
            "{path}"
        );
    }

    let left = reader.post(&format!("/works/{liked}/kudos"), &[]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);

    // The work's own page shows the kudos at once, to the next guest...
    let page = fetch(&app, &liked_page, &[]).await;
    assert_eq!(page.header("x-cache"), "miss");
    let text = page.text();
    assert!(text.contains("<dd class=\"kudos\">1</dd>"), "{text}");
    assert!(text.contains("kudosgiver"), "{text}");
    // ...and every other page stays kept: another work's, and a listing, whose blurbs may
    // show the kudos count a moment late.
    assert_eq!(fetch(&app, &other_page, &[]).await.header("x-cache"), "hit");
    assert_eq!(fetch(&app, listing, &[]).await.header("x-cache"), "hit");
    app.cleanup().await;
}

#[tokio::test]
async fn feeds_are_kept_and_revalidated() {
    long_page_cache();
    let app = TestApp::spawn().await;
    let id = app
        .insert(&work("Fresh Feed Work", "Feed Cache Tag", today()))
        .await;
    let old = app
        .insert(&work(
            "Imported Feed Work",
            "Feed Cache Tag",
            NaiveDate::from_ymd_opt(2012, 5, 4).unwrap(),
        ))
        .await;
    let stored = app.store.work_header(id).await.unwrap().unwrap();

    for path in [
        "/tags/Feed%20Cache%20Tag/feed.atom".to_owned(),
        "/users/cachewriter/works/feed.atom".to_owned(),
        format!("/works/{id}/feed.atom"),
    ] {
        let first = fetch(&app, &path, &[]).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let etag = first.header("etag").to_owned();
        assert!(etag.starts_with('"'), "{path}: {etag}");
        assert!(!first.header("last-modified").is_empty(), "{path}");
        let second = fetch(&app, &path, &[]).await;
        assert_eq!(second.header("x-cache"), "hit", "{path}");
        assert_eq!(second.header("etag"), etag, "{path}");

        // A poll with the copy it has gets no body; so does one by date.
        let poll = fetch(&app, &path, &[(IF_NONE_MATCH.as_str(), &etag)]).await;
        assert_eq!(poll.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(poll.bytes.is_empty());
        assert_eq!(poll.header(ETAG.as_str()), etag);
        let by_date = fetch(
            &app,
            &path,
            &[("if-modified-since", first.header("last-modified"))],
        )
        .await;
        assert_eq!(by_date.status, StatusCode::NOT_MODIFIED, "{path}");
        let stale = fetch(&app, &path, &[(IF_NONE_MATCH.as_str(), "\"other\"")]).await;
        assert_eq!(stale.status, StatusCode::OK, "{path}");

        // Entries say when the work was published and updated, to the second when known.
        let feed = Feed::read_from(&first.bytes[..]).unwrap();
        let entry = feed
            .entries
            .iter()
            .find(|e| {
                e.title.as_str() == "Fresh Feed Work" || e.title.as_str().starts_with("Chapter")
            })
            .unwrap();
        assert_eq!(
            entry.updated.timestamp(),
            stored.modified_at.timestamp(),
            "{path}"
        );
        assert_eq!(
            entry.published.map(|p| p.timestamp()),
            Some(stored.created_at.timestamp()),
            "{path}"
        );
        if !path.starts_with("/works/") {
            let content = entry
                .content
                .as_ref()
                .and_then(|c| c.value.as_deref())
                .unwrap();
            assert!(
                content.contains("The summary of Fresh Feed Work."),
                "{content}"
            );
            let imported = feed
                .entries
                .iter()
                .find(|e| e.id.ends_with(&format!("/works/{old}")))
                .unwrap();
            assert_eq!(imported.updated.to_rfc3339(), "2012-05-04T00:00:00+00:00");
        }
    }

    // A new work in the tag is a new feed, at once.
    let before = fetch(&app, "/tags/Feed%20Cache%20Tag/feed.atom", &[]).await;
    app.insert(&work("Newest Feed Work", "Feed Cache Tag", today()))
        .await;
    let after = fetch(
        &app,
        "/tags/Feed%20Cache%20Tag/feed.atom",
        &[(IF_NONE_MATCH.as_str(), before.header("etag"))],
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.header("etag"), before.header("etag"));
    assert!(after.text().contains("Newest Feed Work"));
    app.cleanup().await;
}
