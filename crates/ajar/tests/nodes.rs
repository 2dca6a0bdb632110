//! Two `ajar serve` nodes on one PostgreSQL database, as an archive that outgrew one machine
//! runs: a work posted through one is found through the other's search, tag listing and
//! feed within two seconds; a log-in on one holds on the other; a log-in limit spent across
//! both holds on both; a node killed with SIGKILL under a bounded load catches up with
//! everything written meanwhile when it comes back; a new node serves before its index is
//! built and finds everything once it is.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_store::testing::TestStore;
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// `ajar --database-url URL ARGS...` (a data folder of its own for anything local).
fn ajar_on(url: &str, data: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    ajar(data, &all)
}

fn node(url: &str, data: &Path) -> Server {
    serve(data, &["--database-url", url])
}

/// Waits up to two seconds for `path` on `base` to answer 200 with `wanted` in it.
async fn within_two_seconds(http: &reqwest::Client, base: &str, path: &str, wanted: &str) {
    let started = Instant::now();
    loop {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        if status == 200 && body.contains(wanted) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path} on {base} did not show {wanted:?} within 2 s ({status}): {}",
            &body[..body.len().min(2000)]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post_work(http: &reqwest::Client, base: &str, token: &str, title: &str) -> i64 {
    let work = serde_json::json!({
        "title": title,
        "fandoms": ["Gilmore Girls"],
        "rating": "teen",
        "warnings": ["none"],
        "tags": ["Two Nodes"],
        "language": "English",
        "format": "markdown",
        "chapters": [{ "body": "Posted through one node, read through the other." }]
    });
    let response = http
        .post(format!("{base}/api/v1/works"))
        .bearer_auth(token)
        .json(&work)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// A log-in with a wrong password on the node at `base`; its status.
async fn failed_login(http: &reqwest::Client, base: &str, name: &str) -> u16 {
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let csrf = set_cookie(&page, "ajar_csrf").unwrap();
    http.post(format!("{base}/login"))
        .header("cookie", format!("ajar_csrf={csrf}"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("return_to", "/"),
            ("name", name),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn two_nodes_share_one_archive() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestStore::postgres()) else {
        return;
    };
    let url = db.database_url().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));

    let made = ajar_on(
        &url,
        &a_dir,
        &["user", "create", "lane", "--email", "lane@example.org"],
    );
    assert!(made.status.success(), "{}", text(&made));
    let password = stdout(&made)
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .unwrap()
        .to_owned();
    let token = ajar_on(&url, &a_dir, &["user", "token", "lane", "--scope", "write"]);
    assert!(token.status.success(), "{}", text(&token));
    let token = stdout(&token).trim().lines().last().unwrap().to_owned();

    let a = node(&url, &a_dir);
    let mut b = node(&url, &b_dir);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    rt.block_on(async {
        // Posted through A, found through B's search, tag listing and feed.
        let id = post_work(&http, &a.1, &token, "Lane Posted This On A").await;
        within_two_seconds(
            &http,
            &b.1,
            "/works/search?q=Posted",
            "Lane Posted This On A",
        )
        .await;
        within_two_seconds(
            &http,
            &b.1,
            "/tags/Two%20Nodes/works",
            "Lane Posted This On A",
        )
        .await;
        within_two_seconds(
            &http,
            &b.1,
            "/tags/Two%20Nodes/feed.atom",
            &format!("/works/{id}"),
        )
        .await;
        within_two_seconds(
            &http,
            &b.1,
            &format!("/works/{id}"),
            "read through the other",
        )
        .await;

        // Logged in on A, and so on B.
        let login_page = http.get(format!("{}/login", a.1)).send().await.unwrap();
        let csrf = set_cookie(&login_page, "ajar_csrf").unwrap();
        let logged_in = http
            .post(format!("{}/login", a.1))
            .header("cookie", format!("ajar_csrf={csrf}"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("return_to", "/"),
                ("name", "lane"),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(logged_in.status(), 303);
        let session = set_cookie(&logged_in, "ajar_session").unwrap();
        let account = http
            .get(format!("{}/account", b.1))
            .header(
                "cookie",
                format!("ajar_session={session}; ajar_csrf={csrf}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(account.status(), 200);
        assert!(account.text().await.unwrap().contains("lane@example.org"));

        // Ten failed log-ins for one name from one address are allowed in fifteen minutes,
        // wherever they are tried: six on A, four on B, and then neither lets an eleventh in
        // (each counted fewer than ten itself). Nodes hear of each other's within two
        // rounds of sharing, a second each.
        for _ in 0..6 {
            assert_ne!(failed_login(&http, &a.1, "lane").await, 429);
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        for _ in 0..4 {
            assert_ne!(failed_login(&http, &b.1, "lane").await, 429);
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(failed_login(&http, &a.1, "lane").await, 429, "on A");
        assert_eq!(failed_login(&http, &b.1, "lane").await, 429, "on B");
    });

    // B dies without a word in the middle of a bounded load (four readers going round both
    // nodes' home page, tag listing and search); A goes on serving every read and taking
    // works; B comes back and catches up.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (http, a, b, stop) = (http.clone(), a.1.clone(), b.1.clone(), stop.clone());
            rt.spawn(async move {
                let paths = ["/", "/tags/Two%20Nodes/works", "/works/search?q=Posted"];
                let (mut on_a, mut n) = (0u32, r);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let path = paths[n % paths.len()];
                    n += 1;
                    let status = http
                        .get(format!("{a}{path}"))
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(status, 200, "{path} on A during the load");
                    on_a += 1;
                    // B's answers (or its absence) are not what is tested here.
                    let _ = http.get(format!("{b}{path}")).send().await;
                }
                on_a
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    b.0.kill().unwrap();
    b.0.wait().unwrap();
    let later = rt.block_on(async {
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(
                post_work(
                    &http,
                    &a.1,
                    &token,
                    &format!("Written While B Was Down {n}"),
                )
                .await,
            );
        }
        ids
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let served: u32 = rt.block_on(async {
        let mut served = 0;
        for reader in readers {
            served += reader.await.unwrap();
        }
        served
    });
    assert!(served >= 8, "the load hardly ran ({served} reads on A)");
    drop(b);
    let b = node(&url, &b_dir);
    rt.block_on(async {
        for (n, id) in later.iter().enumerate() {
            let title = format!("Written While B Was Down {n}");
            within_two_seconds(&http, &b.1, "/works/search?q=Written", &title).await;
            within_two_seconds(&http, &b.1, &format!("/works/{id}"), &title).await;
        }
        within_two_seconds(
            &http,
            &b.1,
            "/tags/Two%20Nodes/works",
            "Written While B Was Down 2",
        )
        .await;
    });
    // A new node that serves before its index is built (`--index-wait 0`) reads works at
    // once and finds them by search as soon as its build is done.
    let c = serve(
        &dir.path().join("c"),
        &["--database-url", &url, "--index-wait", "0"],
    );
    rt.block_on(async {
        let id = later[2];
        within_two_seconds(
            &http,
            &c.1,
            &format!("/works/{id}"),
            "Written While B Was Down 2",
        )
        .await;
        within_two_seconds(
            &http,
            &c.1,
            "/works/search?q=Written",
            "Written While B Was Down 2",
        )
        .await;
    });
    drop((a, b, c));
    rt.block_on(db.cleanup());
}
