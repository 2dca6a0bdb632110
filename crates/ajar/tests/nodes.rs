//! Two `ajar serve` nodes on one PostgreSQL database, as an archive that outgrew one machine
//! runs: a work posted through one is found through the other's search, tag listing and
//! feed within two seconds; a log-in on one holds on the other; a log-in limit spent across
//! both holds on both; a node killed with SIGKILL under a bounded load catches up with
//! everything written meanwhile when it comes back; a new node serves before its index is
//! built and finds everything once it is. And with each node on a host of its own (two
//! network namespaces made by the test, as root; the database reached over the network): a
//! work posted through one found through the other, a log-in on one holding on the other.

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

/// Makes account `name` (`NAME@example.org`) with the CLI; returns its password and a
/// write-scoped access token.
fn account(url: &str, data: &Path, name: &str) -> (String, String) {
    let email = format!("{name}@example.org");
    let made = ajar_on(url, data, &["user", "create", name, "--email", &email]);
    assert!(made.status.success(), "{}", text(&made));
    let password = stdout(&made)
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .unwrap()
        .to_owned();
    let token = ajar_on(url, data, &["user", "token", name, "--scope", "write"]);
    assert!(token.status.success(), "{}", text(&token));
    let token = stdout(&token).trim().lines().last().unwrap().to_owned();
    (password, token)
}

/// Logs `name` in through the form on `on`, then opens `/account` on `then` with that
/// session: it must show the account's address.
async fn logged_in_on_one_is_logged_in_on_the_other(
    http: &reqwest::Client,
    on: &str,
    then: &str,
    name: &str,
    password: &str,
) {
    let login_page = http.get(format!("{on}/login")).send().await.unwrap();
    let csrf = set_cookie(&login_page, "ajar_csrf").unwrap();
    let logged_in = http
        .post(format!("{on}/login"))
        .header("cookie", format!("ajar_csrf={csrf}"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("return_to", "/"),
            ("name", name),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(logged_in.status(), 303);
    let session = set_cookie(&logged_in, "ajar_session").unwrap();
    let account = http
        .get(format!("{then}/account"))
        .header(
            "cookie",
            format!("ajar_session={session}; ajar_csrf={csrf}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    assert!(account
        .text()
        .await
        .unwrap()
        .contains(&format!("{name}@example.org")));
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

    let (password, token) = account(&url, &a_dir, "lane");

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
        logged_in_on_one_is_logged_in_on_the_other(&http, &a.1, &b.1, "lane", &password).await;

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

/// Two network namespaces made for a test, each joined to this one by a veth pair: node
/// `k` sees the host at `10.213.k.1` and is reached at `10.213.k.2`. Removed when dropped.
struct Hosts {
    names: Vec<String>,
}

impl Hosts {
    /// The namespaces, or why they cannot be made here (not root, no `ip`, no permission).
    fn make(count: u8) -> Result<Hosts, String> {
        let mut hosts = Hosts { names: Vec::new() };
        let pid = std::process::id() % 100_000;
        for k in 1..=count {
            let ns = format!("ajar-{pid}-{k}");
            let (host_end, node_end) = (format!("aj{pid}h{k}"), format!("aj{pid}n{k}"));
            let (host_ip, node_ip) = (format!("10.213.{k}.1/24"), format!("10.213.{k}.2/24"));
            ip(&["netns", "add", &ns])?;
            hosts.names.push(ns.clone());
            let steps: [&[&str]; 8] = [
                &[
                    "link", "add", &host_end, "type", "veth", "peer", "name", &node_end,
                ],
                &["link", "set", &node_end, "netns", &ns],
                &["addr", "add", &host_ip, "dev", &host_end],
                &["link", "set", &host_end, "up"],
                &[
                    "netns", "exec", &ns, "ip", "addr", "add", &node_ip, "dev", &node_end,
                ],
                &["netns", "exec", &ns, "ip", "link", "set", &node_end, "up"],
                &["netns", "exec", &ns, "ip", "link", "set", "lo", "up"],
                &[
                    "netns",
                    "exec",
                    &ns,
                    "ip",
                    "route",
                    "add",
                    "default",
                    "via",
                    host_ip.trim_end_matches("/24"),
                ],
            ];
            for step in steps {
                ip(step)?;
            }
        }
        Ok(hosts)
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        // Removing a namespace removes its end of the veth pair, and so the pair.
        for ns in &self.names {
            let _ = ip(&["netns", "del", ns]);
        }
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), text(&out).trim()))
    }
}

/// Forwards TCP connections to `listener` on to `to`, for as long as the runtime runs: the
/// database, which listens on loopback only, reached from other hosts.
async fn forward(listener: tokio::net::TcpListener, to: std::net::SocketAddr) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

/// The two-node scenario with each node on a host of its own (a network namespace, its own
/// loopback and address), reaching the database over the network: a work posted on A is
/// found through B's search and tag listing, and a log-in on A holds on B.
#[test]
fn nodes_on_separate_hosts_share_one_archive() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestStore::postgres()) else {
        return;
    };
    let hosts = match Hosts::make(2) {
        Ok(hosts) => hosts,
        Err(why) => {
            rt.block_on(db.cleanup());
            if std::env::var(ajar_store::testing::REQUIRE_ALL_VAR).is_ok_and(|v| v.trim() == "1") {
                panic!("cannot make network namespaces ({why}), and AJAR_REQUIRE_ALL_TESTS=1 requires this test; run it as root with iproute2");
            }
            eprintln!("SKIP separate hosts: cannot make network namespaces: {why}");
            return;
        }
    };
    let url = db.database_url().unwrap().to_owned();
    // The database as the nodes reach it: through a forwarder on the host's side of each pair.
    let parsed = reqwest::Url::parse(&url).unwrap();
    let database = std::net::SocketAddr::new(
        parsed.host_str().unwrap().parse().unwrap(),
        parsed.port().unwrap_or(5432),
    );
    let forwarder = rt
        .block_on(tokio::net::TcpListener::bind("0.0.0.0:0"))
        .unwrap();
    let forwarded = forwarder.local_addr().unwrap().port();
    rt.spawn(forward(forwarder, database));
    let url_from = |k: u8| {
        let mut u = parsed.clone();
        u.set_host(Some(&format!("10.213.{k}.1"))).unwrap();
        u.set_port(Some(forwarded)).unwrap();
        u.to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let (password, token) = account(&url, &dir.path().join("cli"), "lorelai");
    let start = |k: u8| {
        let mut command = std::process::Command::new("ip");
        command
            .args(["netns", "exec", &hosts.names[usize::from(k) - 1]])
            .env_remove("AJAR_DATABASE_URL")
            .env_remove("AJAR_TRUSTED_PROXIES")
            .stderr(std::process::Stdio::null());
        let data = dir.path().join(format!("host{k}"));
        serve_by(
            command,
            &data,
            &format!("10.213.{k}.2:0"),
            &["--database-url", &url_from(k)],
        )
    };
    let (a, b) = (start(1), start(2));
    assert!(a.1.starts_with("http://10.213.1.2:") && b.1.starts_with("http://10.213.2.2:"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    rt.block_on(async {
        post_work(&http, &a.1, &token, "Posted From Another Host").await;
        within_two_seconds(
            &http,
            &b.1,
            "/works/search?q=Another",
            "Posted From Another Host",
        )
        .await;
        within_two_seconds(
            &http,
            &b.1,
            "/tags/Two%20Nodes/works",
            "Posted From Another Host",
        )
        .await;

        logged_in_on_one_is_logged_in_on_the_other(&http, &a.1, &b.1, "lorelai", &password).await;
    });
    drop((a, b));
    drop(hosts);
    rt.block_on(db.cleanup());
}
