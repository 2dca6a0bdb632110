//! Soak: many connections of mixed reads and writes, guests and logged-in readers, for minutes
//! on a generated archive; prints latency per route kind, errors, and the server's memory and
//! open files over the run.
//!
//! ```sh
//! cargo bench -p ajar --bench soak                                   # 200,000 works, 500 connections, 10 min
//! cargo bench -p ajar --bench soak -- --works 20000 --connections 100 --minutes 2
//! cargo bench -p ajar --bench soak -- --database-url postgres://u:p@host/db
//! ```
//!
//! The archive is generated once into `target/soak-<works>` (or `--data-dir`) with
//! `ajar gen-corpus` and reused by later runs. Errors are 5xx answers and requests that got no
//! answer; 4xx answers (a work that is a draft, kudos given twice) are counted apart. The home
//! page and `/fandoms` are left out unless `--all-pages` is given, while their counts are
//! computed at request time (a separate issue makes them fast at this size).
//!
//! Memory: the resident set is sampled every 10 s; "flat" compares the last minute with the
//! second (the first fills caches). Open files are counted in `/proc/PID/fd`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on what it did not expect

mod common;

use common::{
    cli, create_account, free_port, log_in, percent, rss_kib, tag_segment, wait_ready, Reader, Rng,
};
use reqwest::header::COOKIE;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READERS: usize = 20;

struct Args {
    works: u64,
    minutes: f64,
    connections: usize,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    all_pages: bool,
}

fn args() -> Args {
    let mut args = Args {
        works: 200_000,
        minutes: 10.0,
        connections: 500,
        data_dir: None,
        database_url: None,
        all_pages: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--works" => args.works = value().parse().expect("--works N"),
            "--minutes" => args.minutes = value().parse().expect("--minutes M"),
            "--connections" => args.connections = value().parse().expect("--connections N"),
            "--data-dir" => args.data_dir = Some(value().into()),
            "--database-url" => args.database_url = Some(value()),
            "--all-pages" => args.all_pages = true,
            "--bench" => {}
            other => panic!(
                "unknown argument {other} (--works N, --minutes M, --connections N, \
                 --data-dir DIR, --database-url URL, --all-pages)"
            ),
        }
    }
    args
}

/// The kinds of request, each with its share of the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Home,
    Fandoms,
    Work,
    Chapter,
    Tag,
    TagWorks,
    TagWorksFiltered,
    Search,
    Api,
    User,
    UserWorks,
    TagFeed,
    UserFeed,
    Kudos,
    Comment,
    Bookmark,
}

const MIX: &[(Kind, u32)] = &[
    (Kind::Home, 2),
    (Kind::Fandoms, 1),
    (Kind::Work, 25),
    (Kind::Chapter, 6),
    (Kind::Tag, 5),
    (Kind::TagWorks, 10),
    (Kind::TagWorksFiltered, 5),
    (Kind::Search, 10),
    (Kind::Api, 8),
    (Kind::User, 4),
    (Kind::UserWorks, 4),
    (Kind::TagFeed, 3),
    (Kind::UserFeed, 2),
    (Kind::Kudos, 6),
    (Kind::Comment, 3),
    (Kind::Bookmark, 2),
];

impl Kind {
    fn writes(self) -> bool {
        matches!(self, Kind::Kudos | Kind::Comment | Kind::Bookmark)
    }
}

/// What the load needs to know of the archive.
struct Sample {
    max_work: i64,
    tags: Vec<String>,
    creators: Vec<String>,
    words: Vec<&'static str>,
}

#[derive(Default)]
struct Tally {
    micros: Vec<u32>,
    server_errors: u64,
    no_answer: u64,
    client_errors: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let ajar = PathBuf::from(env!("CARGO_BIN_EXE_ajar"));
    let data = args.data_dir.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/soak-{}", args.works))
    });
    std::fs::create_dir_all(&data).unwrap();
    let db = args.database_url.as_deref();
    let marker = data.join("corpus-done");
    if !marker.exists() {
        println!(
            "generating {} works into {} ...",
            args.works,
            data.display()
        );
        let status = cli(&ajar, &data, db)
            .args(["gen-corpus", "--works", &args.works.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "ajar gen-corpus failed");
        std::fs::write(&marker, b"").unwrap();
    }
    for i in 0..READERS {
        create_account(&ajar, &data, db, &format!("soaker{i}"), "user");
    }
    let sample = sample(&data, db).await;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(data.join("serve.log")).unwrap();
    let mut server = cli(&ajar, &data, db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let pid = server.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.connections)
        .build()
        .unwrap();
    wait_ready(&http, &base, &mut server).await;
    let mut readers = Vec::new();
    for i in 0..READERS {
        readers.push(log_in(&http, &base, &format!("soaker{i}")).await);
    }

    let mix: Vec<(Kind, u32)> = MIX
        .iter()
        .copied()
        .filter(|(k, _)| args.all_pages || !matches!(k, Kind::Home | Kind::Fandoms))
        .collect();
    println!(
        "soak: {} works on {}, {} connections for {} min, pid {pid}",
        sample.max_work,
        if db.is_some() { "PostgreSQL" } else { "SQLite" },
        args.connections,
        args.minutes
    );
    let deadline = Instant::now() + Duration::from_secs_f64(args.minutes * 60.0);
    let tallies: Arc<Mutex<BTreeMap<Kind, Tally>>> = Arc::default();
    let sample = Arc::new(sample);
    let readers = Arc::new(readers);
    let tasks: Vec<_> = (0..args.connections)
        .map(|c| {
            let (http, base, mix, sample, readers, tallies) = (
                http.clone(),
                base.clone(),
                mix.clone(),
                sample.clone(),
                readers.clone(),
                tallies.clone(),
            );
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((c as u64 + 1) * 0x1000_0001));
                let total: u32 = mix.iter().map(|(_, w)| w).sum();
                let mut local: BTreeMap<Kind, Tally> = BTreeMap::new();
                while Instant::now() < deadline {
                    let mut pick = rng.below(u64::from(total)) as u32;
                    let kind = mix
                        .iter()
                        .find(|(_, w)| {
                            let hit = pick < *w;
                            pick = pick.saturating_sub(*w);
                            hit
                        })
                        .map_or(Kind::Work, |(k, _)| *k);
                    // Half the reads are a logged-in reader's; every write is.
                    let reader = (kind.writes() || rng.below(2) == 0)
                        .then(|| &readers[rng.below(readers.len() as u64) as usize]);
                    let started = Instant::now();
                    let outcome = request(&http, &base, kind, reader, &sample, &mut rng).await;
                    let tally = local.entry(kind).or_default();
                    tally
                        .micros
                        .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    match outcome {
                        Some(s) if s >= 500 => tally.server_errors += 1,
                        Some(s) if s >= 400 => tally.client_errors += 1,
                        Some(_) => {}
                        None => tally.no_answer += 1,
                    }
                }
                let mut all = tallies.lock().unwrap();
                for (kind, t) in local {
                    let into = all.entry(kind).or_default();
                    into.micros.extend(t.micros);
                    into.server_errors += t.server_errors;
                    into.client_errors += t.client_errors;
                    into.no_answer += t.no_answer;
                }
            })
        })
        .collect();

    // Memory and open files every 10 s while the load runs.
    let mut samples: Vec<(f64, u64, usize)> = Vec::new();
    let started = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let (rss, fds) = (rss_kib(pid), open_files(pid));
        let t = started.elapsed().as_secs_f64();
        println!("  {t:>5.0} s: RSS {} MiB, {fds} open files", rss / 1024);
        samples.push((t, rss, fds));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let _ = server.kill();
    let _ = server.wait();

    let elapsed = started.elapsed().as_secs_f64();
    let tallies = tallies.lock().unwrap();
    println!(
        "\n{:<20} {:>9} {:>8} {:>9} {:>9} {:>9} {:>6} {:>6} {:>6}",
        "route kind", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "5xx", "none", "4xx"
    );
    let (mut requests, mut errors) = (0u64, 0u64);
    for (kind, tally) in tallies.iter() {
        let mut sorted = tally.micros.clone();
        sorted.sort_unstable();
        let at = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .map_or(0.0, |&us| f64::from(us) / 1000.0)
        };
        requests += sorted.len() as u64;
        errors += tally.server_errors + tally.no_answer;
        println!(
            "{:<20} {:>9} {:>8.1} {:>9.1} {:>9.1} {:>9.1} {:>6} {:>6} {:>6}",
            format!("{kind:?}"),
            sorted.len(),
            sorted.len() as f64 / elapsed,
            at(0.5),
            at(0.99),
            at(1.0),
            tally.server_errors,
            tally.no_answer,
            tally.client_errors
        );
    }
    println!(
        "all: {requests} requests, {:.0} req/s, {errors} errors",
        requests as f64 / elapsed
    );
    let window = |from: f64, to: f64| -> (u64, usize) {
        let chosen: Vec<&(f64, u64, usize)> = samples
            .iter()
            .filter(|(t, _, _)| *t > from && *t <= to)
            .collect();
        let n = chosen.len().max(1);
        (
            chosen.iter().map(|s| s.1).sum::<u64>() / n as u64,
            chosen.iter().map(|s| s.2).sum::<usize>() / n,
        )
    };
    if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
        let end = last.0;
        let (early_rss, early_fds) =
            window(60.0_f64.min(end / 2.0), 120.0_f64.min(end / 2.0 + 10.0));
        let (late_rss, late_fds) = window(end - 60.0, end);
        println!(
            "RSS: {} MiB at {:.0} s, {} MiB in the second minute, {} MiB in the last minute ({:+.1}%); \
             open files {} -> {} -> {}",
            first.1 / 1024,
            first.0,
            early_rss / 1024,
            late_rss / 1024,
            (late_rss as f64 / early_rss.max(1) as f64 - 1.0) * 100.0,
            first.2,
            early_fds,
            late_fds
        );
    }
}

/// Reads what the load picks from: the highest work id, a spread of tags and creators.
async fn sample(data: &Path, database_url: Option<&str>) -> Sample {
    let words = vec![
        "coffee",
        "rain",
        "letter",
        "winter",
        "\"the diner\"",
        "kiss",
        "home",
    ];
    let (max_work, tags, creators): (i64, Vec<String>, Vec<String>) = match database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let r = (
                sqlx::query_scalar("SELECT MAX(id) FROM works")
                    .fetch_one(&pool)
                    .await
                    .unwrap(),
                sqlx::query_scalar("SELECT name FROM tags WHERE id % 37 = 1 LIMIT 200")
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
                sqlx::query_scalar("SELECT name FROM pseuds WHERE id % 53 = 1 LIMIT 200")
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
            );
            pool.close().await;
            r
        }
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(data.join("ajar.db"))
                .read_only(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            let r = (
                sqlx::query_scalar("SELECT MAX(id) FROM works")
                    .fetch_one(&pool)
                    .await
                    .unwrap(),
                sqlx::query_scalar("SELECT name FROM tags WHERE id % 37 = 1 LIMIT 200")
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
                sqlx::query_scalar("SELECT name FROM pseuds WHERE id % 53 = 1 LIMIT 200")
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
            );
            pool.close().await;
            r
        }
    };
    assert!(
        max_work > 0 && !tags.is_empty() && !creators.is_empty(),
        "an empty archive"
    );
    Sample {
        max_work,
        tags,
        creators,
        words,
    }
}

/// One request of `kind`; its status, or `None` when no answer came.
async fn request(
    http: &reqwest::Client,
    base: &str,
    kind: Kind,
    reader: Option<&Reader>,
    sample: &Sample,
    rng: &mut Rng,
) -> Option<u16> {
    let work = 1 + rng.below(sample.max_work as u64);
    let tag = &sample.tags[rng.below(sample.tags.len() as u64) as usize];
    let tag = tag_segment(tag);
    let creator = &sample.creators[rng.below(sample.creators.len() as u64) as usize];
    let creator: String = percent(creator);
    let word = sample.words[rng.below(sample.words.len() as u64) as usize];
    // Deep pages of small tags do not exist (404); most readers stay on the first.
    let page = if rng.below(4) == 0 { 2 } else { 1 };
    let (path, form): (String, Option<Vec<(&str, String)>>) = match kind {
        Kind::Home => ("/".into(), None),
        Kind::Fandoms => ("/fandoms".into(), None),
        Kind::Work => (format!("/works/{work}"), None),
        Kind::Chapter => (format!("/works/{work}/chapters/1"), None),
        Kind::Tag => (format!("/tags/{tag}"), None),
        Kind::TagWorks => (format!("/tags/{tag}/works?page={page}"), None),
        Kind::TagWorksFiltered => (
            format!("/tags/{tag}/works?rating=teen&complete=true&sort=kudos&page={page}"),
            None,
        ),
        Kind::Search => (format!("/works/search?q={}", percent(word)), None),
        Kind::Api => (
            format!("/api/v1/works?q={}&page={page}", percent(word)),
            None,
        ),
        Kind::User => (format!("/users/{creator}"), None),
        Kind::UserWorks => (format!("/users/{creator}/works"), None),
        Kind::TagFeed => (format!("/tags/{tag}/feed.atom"), None),
        Kind::UserFeed => (format!("/users/{creator}/works/feed.atom"), None),
        Kind::Kudos => (format!("/works/{work}/kudos"), Some(vec![])),
        Kind::Comment => (
            format!("/works/{work}/comments"),
            Some(vec![
                ("chapter", "1".to_owned()),
                ("body", format!("A soak comment {}.", rng.below(1 << 30))),
            ]),
        ),
        Kind::Bookmark => (
            format!("/works/{work}/bookmark"),
            Some(vec![
                ("notes", "Soaked.".to_owned()),
                ("tags", "Soak".to_owned()),
            ]),
        ),
    };
    let url = format!("{base}{path}");
    let builder = match form {
        None => http.get(url),
        Some(mut fields) => {
            let reader = reader?;
            fields.push(("csrf_token", reader.token.clone()));
            http.post(url).form(&fields)
        }
    };
    let builder = match reader {
        Some(r) => builder.header(COOKIE, &r.cookie),
        None => builder,
    };
    let response = builder.send().await.ok()?;
    let status = response.status().as_u16();
    response.bytes().await.ok()?;
    Some(status)
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}
