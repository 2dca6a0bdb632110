//! What the benchmarks share: running the `ajar` binary on an archive, a free port, waiting
//! for the server, logging in, the CSRF token of a page, and a small deterministic random
//! generator.

#![allow(dead_code)] // each benchmark uses its own part

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `ajar --data-dir DATA [--database-url URL] ...`, with rate limits off (a benchmark is one
/// address sending far more than a person would).
pub fn cli(ajar: &Path, data: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(ajar);
    command
        .arg("--data-dir")
        .arg(data)
        .env("AJAR_RATE_LIMITS", "off")
        .env_remove("AJAR_DATABASE_URL");
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    command
}

/// A port on the loopback address that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The value of the first `csrf_token` field of a page.
pub fn csrf_token(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(page[at..at + page[at..].find('"')?].to_owned())
}

/// A small deterministic generator (xorshift), so a run can be repeated by its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// A logged-in account: its cookies and a CSRF token for its forms.
pub struct Reader {
    pub cookie: String,
    pub token: String,
}

pub fn password(user: &str) -> String {
    format!("soak-password-{user}")
}

/// Waits for the server to answer; panics at once if it exited instead (its log says why:
/// another server holding the index, a port taken...).
pub async fn wait_ready(http: &reqwest::Client, base: &str, server: &mut std::process::Child) {
    // A first start builds the search index (minutes at a million works).
    let deadline = Instant::now() + Duration::from_secs(1800);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("ajar serve exited ({status}) before answering at {base}; see its log");
        }
        let answer = http.get(format!("{base}/login")).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("ajar serve did not answer at {base}");
}

fn cookies(response: &reqwest::Response, jar: &mut BTreeMap<String, String>) {
    for header in response.headers().get_all(SET_COOKIE) {
        let header = header.to_str().unwrap_or("");
        if let Some((k, v)) = header.split(';').next().unwrap_or("").split_once('=') {
            jar.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join("; ")
}

pub async fn log_in(http: &reqwest::Client, base: &str, name: &str) -> Reader {
    let mut jar = BTreeMap::new();
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    cookies(&page, &mut jar);
    let token = csrf_token(&page.text().await.unwrap()).expect("a log-in form");
    let password = password(name);
    let done = http
        .post(format!("{base}/login"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", name),
            ("password", &password),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        done.headers().get(LOCATION).is_some(),
        "log-in as {name} failed: {}",
        done.status()
    );
    cookies(&done, &mut jar);
    jar.remove("ajar_csrf");
    let account = http
        .get(format!("{base}/account"))
        .header(COOKIE, cookie_header(&jar))
        .send()
        .await
        .unwrap();
    let token = csrf_token(&account.text().await.unwrap()).expect("the account page's form");
    Reader {
        cookie: cookie_header(&jar),
        token,
    }
}

/// Makes an account with [`password`] (already there from an earlier run: fine).
pub fn create_account(
    ajar: &Path,
    data: &Path,
    database_url: Option<&str>,
    name: &str,
    role: &str,
) {
    let mut child = cli(ajar, data, database_url)
        .args(["user", "create", name, "--role", role, "--email"])
        .arg(format!("{name}@example.org"))
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ajar user create");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(password(name).as_bytes());
    }
    let _ = child.wait();
}

/// A tag name as its URL segment, with AO3's escapes (see `ajar_web`'s `tag_url`).
pub fn tag_segment(name: &str) -> String {
    let escaped = name
        .replace('/', "*s*")
        .replace('&', "*a*")
        .replace('.', "*d*")
        .replace('?', "*q*")
        .replace('#', "*h*");
    percent(&escaped)
}

pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// A line of `/proc/PID/status` in KiB (0 when it cannot be read).
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// A process's resident memory in KiB: all of it, and its anonymous part (heap, stacks:
/// what the process itself holds). The rest is file pages it maps (the search index, the
/// database), which the kernel shares with its page cache and takes back when short.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss: u64,
    pub anon: u64,
}

pub fn memory_kib(pid: u32) -> Memory {
    Memory {
        rss: status_kib(pid, "VmRSS:"),
        anon: status_kib(pid, "RssAnon:"),
    }
}
