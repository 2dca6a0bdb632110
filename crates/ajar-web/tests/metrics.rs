//! `/metrics` as Prometheus reads it: requests and latencies by route, the follower's lag,
//! the mail outbox, page cache hits; readable from this machine or with the operator's
//! token, and a page that does not exist to anyone else.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

/// The value of the sample whose line starts with `prefix` (name and labels).
fn sample(body: &str, prefix: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn get_metrics(app: &TestApp, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_route_for_a_local_scraper() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_chapter_work("Counted", "Writer")).await;
    app.caught_up().await;
    let guest = app.guest();
    for _ in 0..3 {
        assert_eq!(guest.get(&format!("/works/{id}")).await.status, 200);
    }
    assert_eq!(guest.get("/no/such/page").await.status, 404);

    let (status, kind, body) = get_metrics(&app, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    // By the route matched, never by the address asked for.
    let works = sample(
        &body,
        "ajar_http_requests_total{method=\"GET\",route=\"/works/{id}\",status=\"200\"}",
    );
    assert_eq!(works, Some(3.0), "{body}");
    assert!(!body.contains(&format!("/works/{id}\"")), "{body}");
    assert_eq!(
        sample(
            &body,
            "ajar_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            "ajar_http_request_duration_seconds_count{method=\"GET\",route=\"/works/{id}\"}"
        ),
        Some(3.0),
        "{body}"
    );
    assert_eq!(sample(&body, "ajar_search_follower_lag_changes"), Some(0.0));
    assert_eq!(sample(&body, "ajar_search_indexed_works"), Some(1.0));
    assert_eq!(
        sample(&body, "ajar_mail_outbox{state=\"pending\"}"),
        Some(0.0)
    );
    let hits = sample(&body, "ajar_page_cache_hits_total").unwrap();
    let misses = sample(&body, "ajar_page_cache_misses_total").unwrap();
    assert!(hits >= 2.0 && misses >= 1.0, "{hits} hits, {misses} misses");

    // Through a proxy (which names the client) it is not there.
    let (status, _, _) = get_metrics(&app, &[("x-forwarded-for", "203.0.113.9")]).await;
    assert_eq!(status, 404);
    app.cleanup().await;
}

#[tokio::test]
async fn a_remote_scraper_needs_the_token() {
    let app = TestApp::spawn_with(ajar_web::Config {
        metrics_token: Some("scrape-secret-1".to_owned()),
        ..ajar_web::Config::default()
    })
    .await;
    let proxied = ("x-forwarded-for", "203.0.113.9");
    let (status, _, body) = get_metrics(
        &app,
        &[proxied, ("authorization", "Bearer scrape-secret-1")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("ajar_http_requests_in_flight"), "{body}");
    for wrong in ["Bearer scrape-secret-2", "Bearer ", "Basic c2NyYXBl"] {
        let (status, _, _) = get_metrics(&app, &[proxied, ("authorization", wrong)]).await;
        assert_eq!(status, 404, "{wrong}");
    }
    app.cleanup().await;
}
