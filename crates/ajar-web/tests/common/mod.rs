//! What the web tests share: a real server on a random port over a fresh store (SQLite, or
//! PostgreSQL when `AJAR_TEST_DATABASE_URL` is set and asked for), with the search index
//! following it, and [`Client`], a browser-like HTTP client that keeps cookies and fills in
//! each form's CSRF token the way a page would.

#![allow(dead_code)] // each test file uses its own share of these helpers

pub mod smtp;

use ajar_core::Work;
use ajar_search::{Search, SearchConfig};
use ajar_store::testing::TestStore;
use ajar_store::{Backend, Store};
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub search: Search,
    shutdown: Option<oneshot::Sender<()>>,
    db: Option<TestStore>,
}

impl TestApp {
    /// A server with search over a fresh SQLite store.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_on(Backend::Sqlite)
            .await
            .expect("SQLite is always there")
    }

    /// A server with search over a fresh store on `backend`; `None` (after printing why)
    /// when PostgreSQL is not configured and not required. Call [`TestApp::cleanup`] at the
    /// end to drop a PostgreSQL database.
    pub async fn spawn_on(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_configured(backend, ajar_web::Config::default()).await
    }

    /// A server over a fresh SQLite store, set up as `config` says.
    pub async fn spawn_with(config: ajar_web::Config) -> TestApp {
        TestApp::spawn_configured(Backend::Sqlite, config)
            .await
            .expect("SQLite is always there")
    }

    /// A server over a fresh SQLite store that takes its clients (on 127.0.0.1) for a
    /// trusted reverse proxy, so tests can send requests from other addresses with
    /// [`Client::post_forwarded`].
    pub async fn behind_proxy() -> TestApp {
        TestApp::spawn_with(ajar_web::Config {
            trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            ..ajar_web::Config::default()
        })
        .await
    }

    /// A server over a fresh store on `backend` whose connections are set up as `options`
    /// say (a tiny pool, a short time limit...).
    pub async fn spawn_with_store(
        backend: Backend,
        options: &ajar_store::StoreOptions,
    ) -> Option<TestApp> {
        TestApp::spawn_full(backend, options, ajar_web::Config::default()).await
    }

    /// A server over a fresh store on `backend`, set up as `config` says; `None` when
    /// that backend is not available here (see `TestStore`).
    pub async fn spawn_configured(backend: Backend, config: ajar_web::Config) -> Option<TestApp> {
        TestApp::spawn_full(backend, &ajar_store::StoreOptions::default(), config).await
    }

    /// A server over a fresh PostgreSQL database whose page reads go to the streaming replica
    /// of `AJAR_TEST_REPLICA_URL` (allowed to be `max_lag` behind); `None` when PostgreSQL or
    /// the replica is not available here.
    pub async fn spawn_with_replica(max_lag: Duration) -> Option<TestApp> {
        let db = TestStore::new(Backend::Postgres).await?;
        let url = db.database_url().expect("a PostgreSQL URL").to_owned();
        let Some(replica) = ajar_store::testing::replica_url_of(&url) else {
            db.cleanup().await;
            return None;
        };
        let options = ajar_store::StoreOptions {
            replica_urls: vec![replica],
            max_replica_lag: Some(max_lag),
            ..ajar_store::StoreOptions::default()
        };
        let store = Store::connect_with(&url, &options)
            .await
            .expect("the store with its replica");
        Some(TestApp::serve_store(db, store, ajar_web::Config::default()).await)
    }

    async fn spawn_full(
        backend: Backend,
        options: &ajar_store::StoreOptions,
        config: ajar_web::Config,
    ) -> Option<TestApp> {
        let db = TestStore::new_with(backend, options).await?;
        let store = db.store().clone();
        Some(TestApp::serve_store(db, store, config).await)
    }

    async fn serve_store(db: TestStore, store: Store, config: ajar_web::Config) -> TestApp {
        // As `ajar serve` does: the index follows through the background pool.
        let (search, _) = Search::open(store.background(), SearchConfig::in_memory(), |_, _| {})
            .await
            .expect("an index");
        // As `ajar serve` does: the index follows the store's changes.
        let _follower = search.spawn_follower();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("the bound address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(ajar_web::serve_with_config(
            listener,
            store.clone(),
            search.clone(),
            config,
            async {
                let _ = stopped.await;
            },
        ));
        TestApp {
            base: format!("http://{addr}"),
            store,
            search,
            shutdown: Some(shutdown),
            db: Some(db),
        }
    }

    /// Stops the server and removes its database.
    pub async fn cleanup(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    /// Stores a work as an import would (public, no account), and waits for the index.
    pub async fn insert(&self, work: &Work) -> ajar_core::WorkId {
        let id = self
            .store
            .insert_work(work)
            .await
            .expect("the work is stored");
        self.caught_up().await;
        id
    }

    /// Waits until the search index has applied every change so far.
    pub async fn caught_up(&self) {
        let target = self.store.last_change_seq().await.expect("the feed");
        self.search.notify_changed();
        for _ in 0..200 {
            if self.search.applied_seq() >= target {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the index did not catch up with seq {target}");
    }

    /// A new guest with an empty cookie jar.
    pub fn guest(&self) -> Client {
        Client::new(&self.base)
    }

    /// Signs up a new account (name, `NAME@example.org`, password `password-NAME`) and
    /// returns its logged-in client.
    pub async fn user(&self, name: &str) -> Client {
        let client = self.guest();
        let page = client.get("/signup").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let email = format!("{name}@example.org");
        let password = format!("password-{name}");
        let done = client
            .post(
                "/signup",
                &[
                    ("name", name),
                    ("email", &email),
                    ("password", &password),
                    ("password_confirmation", &password),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "sign-up: {}", done.body);
        client
    }

    /// An account made admin on the store, logged in.
    pub async fn admin(&self, name: &str) -> Client {
        let client = self.user(name).await;
        let user = self
            .store
            .user_by_name(name)
            .await
            .unwrap()
            .expect("the account");
        self.store
            .set_role(user.id, ajar_core::Role::Admin)
            .await
            .unwrap();
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Fetched {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first `name="csrf_token"` field on the page.
    pub fn csrf_token(&self) -> Option<String> {
        let at = self.body.find("name=\"csrf_token\" value=\"")?;
        let rest = &self.body[at + "name=\"csrf_token\" value=\"".len()..];
        Some(rest[..rest.find('"')?].to_owned())
    }
}

/// A browser-like client: keeps the cookies the server sets, follows no redirects (tests
/// look at them), and sends each form with the CSRF token of the last page it fetched.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
    token: Arc<Mutex<Option<String>>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            cookies: Arc::default(),
            token: Arc::default(),
        }
    }

    pub fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().unwrap();
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    async fn keep(&self, response: reqwest::Response) -> Fetched {
        {
            let mut jar = self.cookies.lock().unwrap();
            for header in response.headers().get_all(SET_COOKIE) {
                let Ok(header) = header.to_str() else {
                    continue;
                };
                let pair = header.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() || header.contains("Max-Age=0") {
                        jar.remove(k.trim());
                    } else {
                        jar.insert(k.trim().to_owned(), v.trim().to_owned());
                    }
                }
            }
        }
        let fetched = Fetched {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a text body"),
        };
        if let Some(token) = fetched.csrf_token() {
            *self.token.lock().unwrap() = Some(token);
        }
        fetched
    }

    pub async fn get(&self, path: &str) -> Fetched {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("the server answers");
        self.keep(response).await
    }

    /// The CSRF token a page of this site would give this client now.
    pub async fn csrf_token(&self) -> String {
        if let Some(t) = self.token.lock().unwrap().clone() {
            return t;
        }
        self.get("/login").await;
        self.token
            .lock()
            .unwrap()
            .clone()
            .expect("a page with a form")
    }

    /// Mutes the account `name` and saves `tags` (one a line) as muted tags, as a reader
    /// does from that account's page and their filters page.
    pub async fn mute(&self, name: &str, tags: &str) {
        let muted = self
            .post(&format!("/users/{name}/mute"), &[("on", "true")])
            .await;
        assert_eq!(muted.status, StatusCode::SEE_OTHER, "{}", muted.body);
        let saved = self.post("/account/filters", &[("muted_tags", tags)]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }

    /// Posts a URL-encoded form with the client's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Fetched {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Fetched {
        self.send_form(path, fields, None).await
    }

    /// Posts a form with the client's CSRF token as a reverse proxy passes it on, with
    /// `X-Forwarded-For: forwarded_for`.
    pub async fn post_forwarded(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        forwarded_for: &str,
    ) -> Fetched {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        all.extend_from_slice(fields);
        self.send_form(path, &all, Some(forwarded_for)).await
    }

    async fn send_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        forwarded_for: Option<&str>,
    ) -> Fetched {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields);
        if let Some(hops) = forwarded_for {
            request = request.header("x-forwarded-for", hops);
        }
        let response = request.send().await.expect("the server answers");
        let fetched = self.keep(response).await;
        // A log-in or log-out changes the token: the next form gets the new one.
        if fetched.csrf_token().is_none() {
            *self.token.lock().unwrap() = None;
        }
        fetched
    }

    /// Posts a multipart form (a file upload) with the client's CSRF token added.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Fetched {
        let token = self.csrf_token().await;
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .multipart(form.text("csrf_token", token))
            .send()
            .await
            .expect("the server answers");
        self.keep(response).await
    }
}

/// A work of one short chapter by `creator`, with nothing else set: tests add the tags they
/// need with `Work { fandoms, ..one_chapter_work(title, creator) }`.
pub fn one_chapter_work(title: &str, creator: &str) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.into()],
        chapters: vec![ajar_core::Chapter {
            body: ajar_core::Html::from_plain_text("Some words."),
            ..ajar_core::Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// The workspace's root folder (where `tests/browser/` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_browser_tool() -> Option<String> {
    let chromium = std::env::var("AJAR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "{chromium} is not installed (apt-get install chromium)"
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    let modules = workspace_root().join("tests/browser/node_modules/playwright-core");
    if !modules.exists() {
        return Some(
            "tests/browser/node_modules is missing (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/browser)"
                .into(),
        );
    }
    None
}

/// Whether to skip a browser test (printing `SKIP name: reason`) because Chromium, node or
/// Playwright is missing; panics instead under `AJAR_REQUIRE_ALL_TESTS=1`.
pub fn skip_without_browser(name: &str) -> bool {
    let Some(reason) = missing_browser_tool() else {
        return false;
    };
    if std::env::var("AJAR_REQUIRE_ALL_TESTS").is_ok_and(|v| v.trim() == "1") {
        panic!("{name}: {reason}, and AJAR_REQUIRE_ALL_TESTS=1 requires every test to run");
    }
    eprintln!("SKIP {name}: {reason}");
    true
}

/// The value of the pseud checkbox for `name` on `client`'s new-work form.
pub async fn pseud_value(client: &Client, name: &str) -> String {
    let page = client.get("/works/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let label = format!("> {name}</label>");
    let at = page.body.find(&label).expect("the pseud on the form");
    let before = &page.body[..at];
    let value_at = before.rfind("value=\"").unwrap() + "value=\"".len();
    before[value_at..value_at + before[value_at..].find('"').unwrap()].to_owned()
}

/// Runs each named test, an `async fn(&TestApp)`, against a fresh server on SQLite and on
/// PostgreSQL: two tests, `sqlite::NAME` and `postgres::NAME`. Without a PostgreSQL server
/// the second says why and passes, unless `AJAR_REQUIRE_ALL_TESTS=1` (see `TestStore`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::common::TestApp::spawn().await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = ajar_store::Backend::Postgres;
                    let Some(app) = $crate::common::TestApp::spawn_on(backend).await else {
                        return;
                    };
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )+
        }
    };
}

/// Gilmore Girls' season 4 from episode 12 on, as many episodes as `episodes` (at most 3),
/// imported as a canon timeline.
#[allow(dead_code)] // not every test binary uses it
pub async fn import_season_4(store: &Store, episodes: usize) {
    let gg = ajar_core::TagName::parse("Gilmore Girls").unwrap();
    let titles = [
        "A Family Matter",
        "Nag Hammadi Is Where They Found the Gnostic Gospels",
        "The Incredible Sinking Lorelais",
    ];
    let entries: Vec<ajar_store::NewCanonEntry<'_>> = titles
        .iter()
        .take(episodes)
        .enumerate()
        .map(|(i, title)| ajar_store::NewCanonEntry {
            fandom: &gg,
            position: i as u32 + 1,
            season: Some(4),
            number: Some(12 + i as u32),
            title,
            aired: None,
        })
        .collect();
    store.import_canon(&entries, |_, _| {}).await.unwrap();
}

/// The founding story as the importer reads it (it names no fandom), credited to `writer`.
#[allow(dead_code)] // not every test binary uses it
pub fn founding_story() -> Work {
    let path = workspace_root().join("tests/fixtures/stories/all-thats-left.txt");
    let mut seed =
        ajar_formats::read_story_file("all-thats-left.txt", &std::fs::read(path).unwrap()).unwrap();
    seed.creators = vec!["writer".into()];
    seed
}

/// Posts a one-chapter work through the form; returns its id.
pub async fn post_work(client: &Client, title: &str, visibility: &str) -> i64 {
    let pseud = pseud_value(client, &client_name(client).await).await;
    let posted = client
        .post(
            "/works/new",
            &[
                ("title", title),
                ("pseud", &pseud),
                ("fandoms", "Gilmore Girls"),
                ("rating", "teen"),
                ("warning", "none"),
                ("body", "They met on the bridge at night."),
                ("format", "markdown"),
                ("language", "English"),
                ("visibility", visibility),
                ("comments", "anyone"),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    posted.location()["/works/".len()..]
        .split(['/', '#', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The account name of a logged-in client (from its account page).
pub async fn client_name(client: &Client) -> String {
    let account = client.get("/account").await;
    let at = account.body.find("<a href=\"/users/").unwrap() + "<a href=\"/users/".len();
    account.body[at..at + account.body[at..].find('"').unwrap()].to_owned()
}
