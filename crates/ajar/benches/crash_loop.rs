//! Crash loop: `kill -9` at random moments while works are posted, commented on, given kudos
//! and imported, then checks that nothing the archive acknowledged was lost and nothing half
//! written was kept.
//!
//! ```sh
//! cargo bench -p ajar --bench crash_loop                           # 100 rounds on SQLite
//! cargo bench -p ajar --bench crash_loop -- --rounds 20 --database-url postgres://u:p@host/postgres
//! ```
//!
//! Each round starts `ajar serve` on the same archive, runs writers (logged-in readers posting
//! works, commenting and leaving kudos over HTTP, as a browser would) beside an `ajar import`
//! of a folder of three-chapter story files, and kills the server and the importer with
//! SIGKILL after a random 0.2–2.5 s. Then, with nothing running, it checks:
//!
//! - every write that was answered with a redirect (the archive's "done") is in the database:
//!   each posted work with its title, each comment with its text, each kudos;
//! - every imported work is whole (all three chapters, the last one's closing line) or absent;
//! - SQLite's `integrity_check` and `foreign_key_check` are clean (PostgreSQL has no such
//!   check; its writes are checked as above);
//! - the on-disk search index, once it has caught up, answers exactly as an index rebuilt from
//!   the database (the same public works, and the same works for a logged-in reader).
//!
//! With `--database-url` (a server where the user may create databases) each run makes a
//! database of its own and drops it afterwards. It prints a line per round and the totals.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on what it did not expect

mod common;

use ajar_search::{Search, SearchConfig, SearchRequest, MAX_PER_PAGE, MAX_RESULT_WINDOW};
use ajar_store::Store;
use common::{cli, csrf_token, free_port, Rng};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 4;
const IMPORT_FILES: usize = 40;

struct Args {
    rounds: usize,
    database_url: Option<String>,
    seed: u64,
}

fn args() -> Args {
    let mut args = Args {
        rounds: 100,
        database_url: None,
        seed: 0x5eed,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => args.rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--database-url" => args.database_url = it.next(),
            "--seed" => args.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--bench" => {}
            other => panic!("unknown argument {other} (--rounds N, --database-url URL, --seed N)"),
        }
    }
    args
}

/// What the archive said was done.
#[derive(Default)]
struct Acked {
    /// (work id, title)
    works: Vec<(i64, String)>,
    /// (comment id, marker in its text)
    comments: Vec<(i64, String)>,
    /// (work id, user name)
    kudos: Vec<(i64, String)>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let ajar = PathBuf::from(env!("CARGO_BIN_EXE_ajar"));
    let data = tempfile::tempdir().unwrap();
    let (database_url, drop_database) = match &args.database_url {
        Some(server) => {
            let (url, drop) = fresh_postgres(server).await;
            (Some(url), Some(drop))
        }
        None => (None, None),
    };
    let backend = if database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "crash loop: {} rounds on {backend}, {WRITERS} writers and an importer, seed {}",
        args.rounds, args.seed
    );

    let users: Vec<String> = (0..WRITERS).map(|i| format!("crasher{i}")).collect();
    for user in &users {
        let mut command = cli(&ajar, data.path(), database_url.as_deref());
        command
            .args(["user", "create", user, "--email"])
            .arg(format!("{user}@example.org"))
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(password(user).as_bytes()).unwrap();
        drop(stdin);
        assert!(child.wait().unwrap().success(), "ajar user create {user}");
    }

    let mut rng = Rng(args.seed | 1);
    let acked = Arc::new(Mutex::new(Acked::default()));
    let started = Instant::now();
    let (mut kills, mut imported_whole) = (0usize, 0usize);
    for round in 0..args.rounds {
        let folder = data.path().join(format!("import-{round}"));
        write_story_files(&folder, round);

        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = cli(&ajar, data.path(), database_url.as_deref())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_ready(&base).await;

        let mut importer = cli(&ajar, data.path(), database_url.as_deref())
            .arg("import")
            .arg(&folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let writers: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(i, user)| {
                let (base, user, acked) = (base.clone(), user.clone(), acked.clone());
                let seed = rng.below(u64::MAX) | 1;
                tokio::spawn(async move {
                    write_until_killed(&base, &user, round, i, seed, &acked).await
                })
            })
            .collect();

        let wait = 200 + rng.below(2300);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        // SIGKILL: no shutdown code runs, as when the power goes.
        server.kill().unwrap();
        let _ = importer.kill();
        server.wait().unwrap();
        importer.wait().unwrap();
        kills += 1;
        for writer in writers {
            writer.await.unwrap();
        }

        // Writers are done: the list is only read until the next round.
        let a = std::mem::take(&mut *acked.lock().unwrap());
        let report = check(data.path(), database_url.as_deref(), &a).await;
        imported_whole = report.imported;
        println!(
            "round {:>3}: killed after {wait:>4} ms; acknowledged so far {} works, {} comments, \
             {} kudos: all present; {} imported works, all whole; {}",
            round + 1,
            a.works.len(),
            a.comments.len(),
            a.kudos.len(),
            report.imported,
            report.integrity
        );
        *acked.lock().unwrap() = a;
    }

    let a = std::mem::take(&mut *acked.lock().unwrap());
    println!(
        "\n{kills} kills in {:.0} s on {backend}: {} acknowledged writes ({} works, {} comments, \
         {} kudos), 0 lost; {imported_whole} imported works, 0 partial; the index equal to the \
         store after every round",
        started.elapsed().as_secs_f64(),
        a.works.len() + a.comments.len() + a.kudos.len(),
        a.works.len(),
        a.comments.len(),
        a.kudos.len(),
    );
    if let Some(drop) = drop_database {
        drop.await;
    }
}

fn password(user: &str) -> String {
    format!("crash-loop-password-{user}")
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if reqwest::get(format!("{base}/login"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ajar serve did not answer at {base} within two minutes");
}

/// Three-chapter story files whose last chapter ends with a line naming the file, so a work
/// cut short by a crash would show.
fn write_story_files(folder: &Path, round: usize) {
    std::fs::create_dir_all(folder).unwrap();
    let paragraph = "The diner was empty but for the two of them, and the coffee had gone cold \
                     an hour ago. Neither of them said so.\n\n"
        .repeat(30);
    for k in 0..IMPORT_FILES {
        let tag = bucket(k);
        let text = format!(
            "Title: Crash import {round}-{k}\n\nAuthor: importer\n\nFandom: Gilmore Girls\n\n\
             Tags: {tag}\n\nChapter 1\n\n{paragraph}Chapter 2\n\n{paragraph}Chapter 3\n\n\
             {paragraph}The end of {round}-{k}.\n"
        );
        std::fs::write(folder.join(format!("story-{k}.txt")), text).unwrap();
    }
}

/// A browser-like client: keeps its cookies, follows no redirects.
struct Client {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all(SET_COOKIE) {
            let header = header.to_str().unwrap_or("");
            if let Some((k, v)) = header.split(';').next().unwrap_or("").split_once('=') {
                if v.is_empty() || header.contains("Max-Age=0") {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies
                        .insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    async fn get(&mut self, path: &str) -> reqwest::Result<(StatusCode, String)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await?;
        self.keep(&response);
        let status = response.status();
        Ok((status, response.text().await?))
    }

    /// Posts a form; the redirect's target when the archive answered "done" (303).
    async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Result<Option<String>> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await?;
        self.keep(&response);
        let location = (response.status() == StatusCode::SEE_OTHER)
            .then(|| {
                response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .map(str::to_owned)
            })
            .flatten();
        response.bytes().await?;
        Ok(location)
    }
}

/// The value of the first pseud choice on the new-work form.
fn pseud_id(form: &str) -> Option<String> {
    let at = form.find("name=\"pseud\" value=\"")? + "name=\"pseud\" value=\"".len();
    Some(form[at..at + form[at..].find('"')?].to_owned())
}

/// Logs in, then posts works, comments and kudos until the server goes away.
async fn write_until_killed(
    base: &str,
    user: &str,
    round: usize,
    writer: usize,
    seed: u64,
    acked: &Mutex<Acked>,
) {
    let mut rng = Rng(seed);
    let mut client = Client::new(base);
    let result: reqwest::Result<()> = async {
        let (_, login) = client.get("/login").await?;
        let Some(token) = csrf_token(&login) else {
            return Ok(());
        };
        let password = password(user);
        client
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("name", user),
                    ("password", &password),
                ],
            )
            .await?;
        let (_, form) = client.get("/works/new").await?;
        let (Some(token), Some(pseud)) = (csrf_token(&form), pseud_id(&form)) else {
            panic!("{user} could not open the new-work form after logging in");
        };
        for n in 0.. {
            let known: Vec<i64> = acked
                .lock()
                .unwrap()
                .works
                .iter()
                .map(|(id, _)| *id)
                .collect();
            match (rng.below(3), known.is_empty()) {
                (0, _) | (_, true) => {
                    let title = format!("Crash work {round}-{writer}-{n}");
                    let done = client
                        .post(
                            "/works/new",
                            &[
                                ("csrf_token", &token),
                                ("title", &title),
                                ("pseud", &pseud),
                                ("fandoms", "Gilmore Girls"),
                                ("rating", "gen"),
                                ("warning", "none"),
                                ("freeforms", &bucket(n)),
                                ("language", "English"),
                                ("body", "A short work, posted while the server may die."),
                                ("format", "plain"),
                                ("visibility", "public"),
                                ("comments", "anyone"),
                                ("action", "post"),
                            ],
                        )
                        .await?;
                    if let Some(id) = done
                        .as_deref()
                        .and_then(|l| l.strip_prefix("/works/"))
                        .and_then(|id| id.parse().ok())
                    {
                        acked.lock().unwrap().works.push((id, title));
                    }
                }
                (1, false) => {
                    let work = known[rng.below(known.len() as u64) as usize];
                    let marker = format!("crash comment {round}-{writer}-{n}");
                    let done = client
                        .post(
                            &format!("/works/{work}/comments"),
                            &[("csrf_token", &token), ("chapter", "1"), ("body", &marker)],
                        )
                        .await?;
                    if let Some(id) = done
                        .as_deref()
                        .and_then(|l| l.rsplit_once("#comment-"))
                        .and_then(|(_, id)| id.parse().ok())
                    {
                        acked.lock().unwrap().comments.push((id, marker));
                    }
                }
                _ => {
                    let work = known[rng.below(known.len() as u64) as usize];
                    let done = client
                        .post(&format!("/works/{work}/kudos"), &[("csrf_token", &token)])
                        .await?;
                    if done.is_some() {
                        acked.lock().unwrap().kudos.push((work, user.to_owned()));
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    // The only way out is the server going away mid-request.
    let _ = result;
}

struct Report {
    imported: usize,
    integrity: &'static str,
}

/// Checks the archive with nothing running (see the module docs); panics on a lost or partial
/// write.
async fn check(data: &Path, database_url: Option<&str>, acked: &Acked) -> Report {
    let store = Store::open(database_url, data).await.unwrap();
    let db = Db::connect(data, database_url).await;

    for (id, title) in &acked.works {
        let stored: Option<String> = db.text("SELECT title FROM works WHERE id = $1", *id).await;
        assert_eq!(
            stored.as_deref(),
            Some(title.as_str()),
            "acknowledged work {id} lost"
        );
    }
    for (id, marker) in &acked.comments {
        let body = db
            .text("SELECT body_html FROM comments WHERE id = $1", *id)
            .await;
        assert!(
            body.as_deref().is_some_and(|b| b.contains(marker.as_str())),
            "acknowledged comment {id} lost"
        );
    }
    for (work, user) in &acked.kudos {
        let kept = db.kudos(*work, user).await;
        assert!(kept, "acknowledged kudos from {user} on work {work} lost");
    }
    let imported = db.imported_chapter_counts().await;
    for (title, chapters, ending) in &imported {
        assert_eq!(
            *chapters, 3,
            "imported work {title:?} kept {chapters} of 3 chapters"
        );
        assert!(ending, "imported work {title:?} lost its closing line");
    }
    let integrity = db.integrity().await;

    // The index on disk, caught up, against one rebuilt from the database.
    let index_dir = data.join("index");
    let (on_disk, _) = Search::open(store.clone(), SearchConfig::in_dir(index_dir), |_, _| {})
        .await
        .unwrap();
    on_disk.catch_up().await.unwrap();
    let (fresh, _) = Search::open(store.clone(), SearchConfig::in_memory(), |_, _| {})
        .await
        .unwrap();
    for include_restricted in [false, true] {
        let a = everything(&on_disk, include_restricted).await;
        let b = everything(&fresh, include_restricted).await;
        assert_eq!(
            a, b,
            "the index differs from the store (include_restricted: {include_restricted})"
        );
    }
    drop((on_disk, fresh));
    db.close().await;
    store.close().await;
    Report {
        imported: imported.len(),
        integrity,
    }
}

/// Every work carries one of ten bucket tags, so the index can be read whole a bucket at a
/// time (one search pages through at most `MAX_RESULT_WINDOW` works).
const BUCKETS: usize = 10;

fn bucket(n: usize) -> String {
    format!("Crash Bucket {}", n % BUCKETS)
}

/// What an index holds for a guest (or a logged-in reader): the total, every tag count, and
/// the set of ids, read a bucket and a page at a time (the order of works with equal sort keys
/// may differ between an index built a write at a time and one built at once, so ids are
/// compared as a set).
async fn everything(index: &Search, include_restricted: bool) -> (u64, Vec<String>, Vec<i64>) {
    let all = SearchRequest {
        include_restricted,
        facets: true,
        ..SearchRequest::default()
    };
    let first = index.search_uncached(&all).await.unwrap();
    let mut facets: Vec<String> = first
        .facets
        .iter()
        .flat_map(|g| {
            g.tags
                .iter()
                .map(move |t| format!("{} {} {}", g.kind, t.name, t.count))
        })
        .collect();
    facets.sort_unstable();
    let mut ids: Vec<i64> = Vec::new();
    for n in 0..BUCKETS {
        let mut request = SearchRequest {
            include_restricted,
            include_tags: vec![bucket(n)],
            per_page: MAX_PER_PAGE,
            ..SearchRequest::default()
        };
        for page in 1.. {
            request.page = page;
            let found = index.search_uncached(&request).await.unwrap();
            assert!(
                found.total <= MAX_RESULT_WINDOW,
                "a bucket outgrew one search: run fewer rounds"
            );
            ids.extend(found.hits.iter().map(|h| h.id.0));
            if page * u64::from(MAX_PER_PAGE) >= found.total {
                break;
            }
        }
    }
    ids.sort_unstable();
    assert_eq!(ids.len() as u64, first.total, "every work is in one bucket");
    (first.total, facets, ids)
}

/// Direct SQL on the archive's database, for what the checks read.
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    async fn connect(data: &Path, database_url: Option<&str>) -> Db {
        match database_url {
            Some(url) => Db::Postgres(sqlx::PgPool::connect(url).await.unwrap()),
            None => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(data.join("ajar.db"))
                    .read_only(true);
                Db::Sqlite(sqlx::SqlitePool::connect_with(options).await.unwrap())
            }
        }
    }

    async fn text(&self, sql: &str, id: i64) -> Option<String> {
        match self {
            Db::Sqlite(p) => sqlx::query_scalar(sql)
                .bind(id)
                .fetch_optional(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql)
                .bind(id)
                .fetch_optional(p)
                .await
                .unwrap(),
        }
    }

    async fn kudos(&self, work: i64, user: &str) -> bool {
        let sql = "SELECT COUNT(*) FROM kudos k JOIN users u ON u.id = k.user_id \
                   WHERE k.work_id = $1 AND u.name = $2";
        let n: i64 = match self {
            Db::Sqlite(p) => sqlx::query_scalar(sql)
                .bind(work)
                .bind(user)
                .fetch_one(p)
                .await
                .unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql)
                .bind(work)
                .bind(user)
                .fetch_one(p)
                .await
                .unwrap(),
        };
        n == 1
    }

    /// (title, chapters, whether the last chapter ends as written) of each imported work.
    async fn imported_chapter_counts(&self) -> Vec<(String, i64, bool)> {
        let sql = "SELECT w.title, COUNT(c.id), \
                   MAX(CASE WHEN c.body_html LIKE '%The end of %' THEN 1 ELSE 0 END) \
                   FROM works w LEFT JOIN chapters c ON c.work_id = w.id \
                   WHERE w.title LIKE 'Crash import %' GROUP BY w.id, w.title";
        let rows: Vec<(String, i64, i32)> = match self {
            Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        };
        rows.into_iter()
            .map(|(t, n, end)| (t, n, end == 1))
            .collect()
    }

    async fn integrity(&self) -> &'static str {
        match self {
            Db::Sqlite(p) => {
                let result: String = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_one(p)
                    .await
                    .unwrap();
                assert_eq!(result, "ok", "SQLite integrity_check");
                let broken: Vec<(String,)> =
                    sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                        .fetch_all(p)
                        .await
                        .unwrap();
                assert!(broken.is_empty(), "foreign keys broken in {broken:?}");
                "integrity_check ok, foreign keys ok"
            }
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    async fn close(self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A new database on the server at `server_url`, and a future that drops it.
async fn fresh_postgres(server_url: &str) -> (String, impl std::future::Future<Output = ()>) {
    use sqlx::Connection;
    let name = format!("ajar_crash_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(server_url).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (prefix, _) = server_url
        .rsplit_once('/')
        .expect("a URL ending in /DATABASE");
    let url = format!("{prefix}/{name}");
    let server_url = server_url.to_owned();
    let drop = async move {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&server_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
    };
    (url, drop)
}
