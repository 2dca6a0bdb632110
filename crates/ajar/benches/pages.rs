//! Every kind of page at archive scale, with the page cache off: p50/p99 and req/s per route,
//! for a guest and for a logged-in reader with muted tags, a muted creator and a saved
//! filter, while a bounded write load runs beside (kudos, comments, a new chapter every few
//! seconds, and the hits the page views themselves count). Then the hot work page with the
//! cache on against nginx serving a saved copy of it, in the same run.
//!
//! ```sh
//! scripts/bench-pages.sh                                   # 1,000,000 works on SQLite
//! cargo bench -p ajar --bench pages -- --works 20000 --seconds 3
//! cargo bench -p ajar --bench pages -- --database-url postgres://u:p@host/db
//! ```
//!
//! The archive is generated once (`ajar gen-corpus`, with its readers, series, kudos,
//! bookmarks, comments and subscriptions) into `target/pages-<works>` (or `--data-dir`) and
//! reused. On PostgreSQL the database must be empty or hold an archive this benchmark made.
//! Errors are 5xx answers and requests that got no answer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on what it did not expect

mod common;

use common::{
    cli, create_account, free_port, log_in, memory_kib, rss_kib, tag_segment, wait_ready, Reader,
    Rng,
};
use reqwest::header::{ACCEPT_ENCODING, COOKIE};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    works: u64,
    seconds: f64,
    connections: usize,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    writes: bool,
    only: Option<String>,
    /// Seconds per route and viewer of a first pass that is not measured.
    warm_up: f64,
}

fn args() -> Args {
    let mut args = Args {
        works: 1_000_000,
        seconds: 8.0,
        connections: 4,
        data_dir: None,
        database_url: None,
        writes: true,
        only: None,
        warm_up: 1.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--works" => args.works = value().parse().expect("--works N"),
            "--seconds" => args.seconds = value().parse().expect("--seconds S"),
            "--connections" => args.connections = value().parse().expect("--connections N"),
            "--data-dir" => args.data_dir = Some(value().into()),
            "--database-url" => args.database_url = Some(value()),
            "--no-writes" => args.writes = false,
            "--only" => args.only = Some(value()),
            "--warm-up" => args.warm_up = value().parse().expect("--warm-up S"),
            "--bench" => {}
            "--help" | "-h" => {
                println!(
                    "cargo bench -p ajar --bench pages -- [--works N (1000000)] [--seconds S per \
                     route and viewer (8)] [--connections N (4)] [--data-dir DIR] \
                     [--database-url URL] [--no-writes] [--only ROUTE-SUBSTRING,...] [--warm-up S \
                     per route and viewer, not measured (1)]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other} (try --help)"),
        }
    }
    args
}

/// What the routes pick from, read from the archive once.
struct Sample {
    max_work: i64,
    /// Tags spread over all kinds and sizes.
    tags: Vec<String>,
    /// The most used fandom and the most used additional tag.
    big_fandom: String,
    big_freeform: String,
    /// Creators with the most works.
    prolific: Vec<String>,
    /// Generated readers (bookmarks pages).
    readers: Vec<String>,
    series: Vec<i64>,
    /// Works with the most comments.
    commented: Vec<i64>,
    media: String,
    words: Vec<&'static str>,
}

/// How a route's address is made from the sample.
type Url = fn(&Sample, &mut Rng) -> String;

type Route = (&'static str, Url);

/// Every route kind a visitor reaches. Account pages are measured for the reader only.
const ROUTES: &[Route] = &[
    ("home", |_, _| "/".into()),
    ("fandoms", |_, _| "/fandoms".into()),
    ("media fandoms", |s, _| {
        format!("/media/{}/fandoms", s.media)
    }),
    ("tag page, big", |s, _| {
        format!("/tags/{}", tag_segment(&s.big_freeform))
    }),
    ("tag page, fandom", |s, _| {
        format!("/tags/{}", tag_segment(&s.big_fandom))
    }),
    ("tag page, any", |s, r| {
        format!("/tags/{}", tag_segment(pick(&s.tags, r).as_str()))
    }),
    ("tag works, big", |s, _| {
        format!("/tags/{}/works", tag_segment(&s.big_freeform))
    }),
    ("tag works, any", |s, r| {
        format!("/tags/{}/works", tag_segment(pick(&s.tags, r).as_str()))
    }),
    ("tag works, filtered", |s, _| {
        format!(
            "/tags/{}/works?rating=teen&complete=true&sort=kudos",
            tag_segment(&s.big_fandom)
        )
    }),
    ("tag works, page 200", |s, _| {
        format!("/tags/{}/works?page=200", tag_segment(&s.big_freeform))
    }),
    ("user page", |s, r| {
        format!("/users/{}", pick(&s.prolific, r))
    }),
    ("user works", |s, r| {
        format!("/users/{}/works", pick(&s.prolific, r))
    }),
    ("user bookmarks", |s, r| {
        format!("/users/{}/bookmarks", pick(&s.readers, r))
    }),
    ("series", |s, r| format!("/series/{}", pick(&s.series, r))),
    ("work", |s, r| format!("/works/{}", work(s, r))),
    ("chapter", |s, r| {
        format!("/works/{}/chapters/1", work(s, r))
    }),
    ("full work", |s, r| format!("/works/{}/full", work(s, r))),
    ("work with comments", |s, r| {
        format!("/works/{}/chapters/1", pick(&s.commented, r))
    }),
    ("search, words", |s, r| {
        format!("/works/search?q={}", pick(&s.words, r))
    }),
    ("search, filter", |s, _| {
        format!(
            "/works/search?q=fandom:%22{}%22+words:1000..5000&sort=kudos",
            s.big_fandom.replace(' ', "+")
        )
    }),
    ("api works", |s, r| {
        format!("/api/v1/works?q={}", pick(&s.words, r))
    }),
    ("api works, all", |_, _| "/api/v1/works".into()),
    ("api work", |s, r| format!("/api/v1/works/{}", work(s, r))),
    ("api chapter", |s, r| {
        format!("/api/v1/works/{}/chapters/1", work(s, r))
    }),
    ("api comments", |s, r| {
        format!("/api/v1/works/{}/comments", pick(&s.commented, r))
    }),
    ("api fandoms", |_, _| "/api/v1/fandoms".into()),
    ("api fandoms, media", |s, _| {
        format!("/api/v1/fandoms?media={}", s.media)
    }),
    ("api autocomplete", |s, r| {
        let start: String = pick(&s.words, r).chars().take(3).collect();
        format!("/api/v1/tags/autocomplete?q={start}")
    }),
    ("api series", |s, r| {
        format!("/api/v1/series/{}", pick(&s.series, r))
    }),
    ("tag feed", |s, r| {
        format!("/tags/{}/feed.atom", tag_segment(pick(&s.tags, r).as_str()))
    }),
    ("tag feed, big", |s, _| {
        format!("/tags/{}/feed.atom", tag_segment(&s.big_freeform))
    }),
    ("user feed", |s, r| {
        format!("/users/{}/works/feed.atom", pick(&s.prolific, r))
    }),
    ("work feed", |s, r| {
        format!("/works/{}/feed.atom", work(s, r))
    }),
    ("download epub", |s, r| {
        format!("/works/{}/download.epub", work(s, r))
    }),
    ("opds recent", |_, _| "/opds/recent".into()),
    ("opds fandoms", |_, _| "/opds/fandoms".into()),
    ("opds tag", |s, r| {
        format!("/opds/tags/{}", tag_segment(pick(&s.tags, r).as_str()))
    }),
    ("opds search", |s, r| {
        format!("/opds/search?q={}", pick(&s.words, r))
    }),
];

const ACCOUNT_ROUTES: &[Route] = &[
    ("updates", |_, _| "/updates".into()),
    ("history", |_, _| "/history".into()),
    ("api history", |_, _| "/api/v1/history".into()),
    ("api subscriptions", |_, _| "/api/v1/subscriptions".into()),
    ("api mutes", |_, _| "/api/v1/mutes".into()),
    ("account", |_, _| "/account".into()),
    ("filters", |_, _| "/account/filters".into()),
    ("inbox", |_, _| "/inbox".into()),
    ("mail settings", |_, _| "/account/mail".into()),
    ("admin", |_, _| "/admin".into()),
];

fn pick<'a, T>(items: &'a [T], rng: &mut Rng) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

fn work(s: &Sample, rng: &mut Rng) -> i64 {
    1 + rng.below(s.max_work as u64) as i64
}

#[derive(Default)]
struct Tally {
    micros: Vec<u32>,
    errors: u64,
    client_errors: u64,
}

impl Tally {
    fn at(&self, q: f64) -> f64 {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |&us| f64::from(us) / 1000.0)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let ajar = PathBuf::from(env!("CARGO_BIN_EXE_ajar"));
    let data = args.data_dir.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/pages-{}", args.works))
    });
    std::fs::create_dir_all(&data).unwrap();
    // nginx reads the paths of its configuration from its own prefix, not from here.
    let data = std::fs::canonicalize(&data).unwrap();
    let db = args.database_url.as_deref();
    let marker = data.join(if db.is_some() {
        "corpus-done-postgres"
    } else {
        "corpus-done"
    });
    if !marker.exists() {
        println!(
            "generating {} works into {} ...",
            args.works,
            data.display()
        );
        let started = Instant::now();
        let status = cli(&ajar, &data, db)
            .args(["gen-corpus", "--works", &args.works.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "ajar gen-corpus failed");
        std::fs::write(&marker, b"").unwrap();
        println!("  took {:.0} s", started.elapsed().as_secs_f64());
    }
    create_account(&ajar, &data, db, "bench_reader", "user");
    create_account(&ajar, &data, db, "bench_admin", "admin");
    create_account(&ajar, &data, db, "bench_writer", "user");
    let mut sample = sample(&data, db).await;

    // The page cache off: every request is answered from the store and the index.
    let (mut server, base) = serve(&ajar, &data, db, "0", "serve-nocache.log");
    let pid = server.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    wait_ready(&http, &base, &mut server).await;
    println!(
        "serving {} works on {} (ready after {:.0} s, pid {pid}); RSS {} MiB",
        sample.max_work,
        if db.is_some() { "PostgreSQL" } else { "SQLite" },
        started.elapsed().as_secs_f64(),
        rss_kib(pid) / 1024
    );
    sample.media = first_media(&http, &base).await;
    let reader = log_in(&http, &base, "bench_reader").await;
    prepare_reader(&http, &base, &reader, &sample).await;
    let admin = log_in(&http, &base, "bench_admin").await;
    let writer = log_in(&http, &base, "bench_writer").await;
    let writer_work = post_work(&http, &base, &writer).await;

    // The write load: bounded, so reads are measured beside writes, not drowned by them.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let write_errors = Arc::new(AtomicU64::new(0));
    let write_task = args.writes.then(|| {
        let (http, base, stop, writes, write_errors) = (
            http.clone(),
            base.clone(),
            stop.clone(),
            writes.clone(),
            write_errors.clone(),
        );
        let max_work = sample.max_work;
        tokio::spawn(async move {
            write_load(
                &http,
                &base,
                &writer,
                writer_work,
                max_work,
                &stop,
                &writes,
                &write_errors,
            )
            .await
        })
    });

    let sampling_from = Instant::now();
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let started = sampling_from;
            let mut rss = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                rss.push((started.elapsed().as_secs(), memory_kib(pid)));
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            rss
        })
    };

    println!(
        "\npage cache off, {} connections, {} s per route and viewer{}",
        args.connections,
        args.seconds,
        if args.writes {
            ", with writes: a kudos every 200 ms, a comment a second, a chapter every 5 s"
        } else {
            ""
        }
    );
    println!(
        "{:<22} {:<7} {:>7} {:>8} {:>8} {:>8} {:>5} {:>8} {:>8}",
        "route", "viewer", "req/s", "p50 ms", "p99 ms", "max ms", "err", "bytes", "gz bytes"
    );
    let sample = Arc::new(sample);
    let mut worst: Vec<(f64, String)> = Vec::new();
    let viewers: [(&str, Option<&Reader>); 2] = [("guest", None), ("reader", Some(&reader))];
    let routes = ROUTES
        .iter()
        .map(|r| (r, false))
        .chain(ACCOUNT_ROUTES.iter().map(|r| (r, true)));
    let mut runs: Vec<(&str, Url, &str, Option<&Reader>)> = Vec::new();
    for ((name, url), account) in routes {
        if args
            .only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|o| name.contains(o)))
        {
            continue;
        }
        for (viewer, who) in viewers {
            let who = match (account, *name, who) {
                (true, _, None) => continue,
                (true, "admin", Some(_)) => Some(&admin),
                (_, _, who) => who,
            };
            runs.push((name, *url, viewer, who));
        }
    }
    // Every route once before measuring: the server's caches (term bitsets, kept matches,
    // prepared statements) fill as it meets routes for the first time, which the memory
    // figures would otherwise show as growth.
    if args.warm_up > 0.0 {
        for (_, url, _, who) in &runs {
            load(
                &http,
                &base,
                *url,
                &sample,
                *who,
                args.connections,
                args.warm_up,
            )
            .await;
        }
    }
    let measured_from = sampling_from.elapsed().as_secs();
    for (name, url, viewer, who) in runs {
        let tally = load(
            &http,
            &base,
            url,
            &sample,
            who,
            args.connections,
            args.seconds,
        )
        .await;
        let path = url(&sample, &mut Rng(7));
        let (plain, gzipped) = sizes(&http, &base, &path, who).await;
        let p99 = tally.at(0.99);
        worst.push((p99, format!("{name} ({viewer})")));
        println!(
            "{:<22} {:<7} {:>7.1} {:>8.1} {:>8.1} {:>8.1} {:>5} {:>8} {:>8}",
            name,
            viewer,
            tally.micros.len() as f64 / args.seconds,
            tally.at(0.5),
            p99,
            tally.at(1.0),
            tally.errors,
            plain,
            gzipped
        );
        if tally.client_errors > 0 {
            println!("  ({} answers were 4xx)", tally.client_errors);
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(task) = write_task {
        task.await.unwrap();
    }
    let rss = sampler.await.unwrap();
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "\nslowest p99: {}",
        worst
            .iter()
            .take(5)
            .map(|(ms, n)| format!("{n} {ms:.0} ms"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "writes: {} done, {} failed",
        writes.load(Ordering::Relaxed),
        write_errors.load(Ordering::Relaxed)
    );
    // Flat means: the end against the start of the measured pass (the warm-up filled the
    // caches). The anonymous part is what the server holds; the rest is mapped index and
    // database pages, which grow as more of them are read and are the kernel's to take back.
    let warm = rss
        .iter()
        .find(|(t, _)| *t >= measured_from)
        .or(rss.first());
    if let (Some((t0, first)), Some((t1, last))) = (warm, rss.last()) {
        let change = |a: u64, b: u64| (b as f64 / a.max(1) as f64 - 1.0) * 100.0;
        let max = rss.iter().map(|r| r.1.rss).max().unwrap_or(0);
        println!(
            "RSS: {} MiB at {t0} s, {} MiB at {t1} s ({:+.1}%), {} MiB at most; of it anonymous \
             (heap): {} MiB, {} MiB ({:+.1}%); mapped files (index, database): {} MiB, {} MiB",
            first.rss / 1024,
            last.rss / 1024,
            change(first.rss, last.rss),
            max / 1024,
            first.anon / 1024,
            last.anon / 1024,
            change(first.anon, last.anon),
            first.rss.saturating_sub(first.anon) / 1024,
            last.rss.saturating_sub(last.anon) / 1024,
        );
        // Whether it levels off: bounded caches fill, then stop; a leak keeps climbing. One
        // sample against another says little where the heap swings with what the route in
        // hand builds (an EPUB, a full work): the band of every sample around their mean
        // says whether it stays level.
        let pass: Vec<_> = rss
            .iter()
            .filter(|(t, _)| *t >= *t0)
            .map(|(_, m)| m)
            .collect();
        for (what, of) in [
            ("resident", (|m| m.rss) as fn(&&common::Memory) -> u64),
            ("anonymous", |m| m.anon),
        ] {
            let mib: Vec<u64> = pass.iter().map(|m| of(m) / 1024).collect();
            let mean = mib.iter().sum::<u64>() as f64 / mib.len().max(1) as f64;
            let (low, high) = (
                mib.iter().min().copied().unwrap_or(0) as f64,
                mib.iter().max().copied().unwrap_or(0) as f64,
            );
            println!(
                "{what} MiB, every 5 s of the measured pass: mean {mean:.0}, within {:+.1}% .. \
                 {:+.1}% of it; each half minute: {}",
                (low / mean.max(1.0) - 1.0) * 100.0,
                (high / mean.max(1.0) - 1.0) * 100.0,
                mib.iter()
                    .step_by(6)
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let _ = server.kill();
    let _ = server.wait();

    hot_page_against_nginx(&ajar, &data, db, &http, &args).await;
}

/// Starts `ajar serve` with the page cache kept `cache_ms` milliseconds.
fn serve(ajar: &Path, data: &Path, db: Option<&str>, cache_ms: &str, log: &str) -> (Child, String) {
    let port = free_port();
    let log = std::fs::File::create(data.join(log)).unwrap();
    let server = cli(ajar, data, db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("AJAR_PAGE_CACHE_MS", cache_ms)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    (server, format!("http://127.0.0.1:{port}"))
}

/// `connections` clients asking for `url`'s pages for `seconds`.
async fn load(
    http: &reqwest::Client,
    base: &str,
    url: fn(&Sample, &mut Rng) -> String,
    sample: &Arc<Sample>,
    who: Option<&Reader>,
    connections: usize,
    seconds: f64,
) -> Tally {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let cookie = who.map(|r| r.cookie.clone());
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (http, base, sample, cookie) = (
                http.clone(),
                base.to_owned(),
                sample.clone(),
                cookie.clone(),
            );
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((c as u64 + 1) * 0x1000_0001));
                let mut tally = Tally::default();
                while Instant::now() < deadline {
                    let path = url(&sample, &mut rng);
                    let mut request = http.get(format!("{base}{path}"));
                    if let Some(cookie) = &cookie {
                        request = request.header(COOKIE, cookie);
                    }
                    let started = Instant::now();
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            response.bytes().await.ok().map(|_| status)
                        }
                        Err(_) => None,
                    };
                    tally
                        .micros
                        .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    match status {
                        Some(s) if s >= 500 => tally.errors += 1,
                        Some(s) if s >= 400 => tally.client_errors += 1,
                        Some(_) => {}
                        None => tally.errors += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await.unwrap();
        all.micros.extend(t.micros);
        all.errors += t.errors;
        all.client_errors += t.client_errors;
    }
    all
}

/// The body's size as sent plainly and when the client accepts gzip and brotli.
async fn sizes(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    who: Option<&Reader>,
) -> (usize, usize) {
    let mut out = [0usize; 2];
    for (i, encoding) in ["identity", "gzip, br"].into_iter().enumerate() {
        let mut request = http
            .get(format!("{base}{path}"))
            .header(ACCEPT_ENCODING, encoding);
        if let Some(r) = who {
            request = request.header(COOKIE, &r.cookie);
        }
        if let Ok(response) = request.send().await {
            out[i] = response.bytes().await.map_or(0, |b| b.len());
        }
    }
    (out[0], out[1])
}

/// Kudos, comments and new chapters at a fixed pace until `stop`.
#[allow(clippy::too_many_arguments)]
async fn write_load(
    http: &reqwest::Client,
    base: &str,
    writer: &Reader,
    writer_work: i64,
    max_work: i64,
    stop: &AtomicBool,
    writes: &AtomicU64,
    errors: &AtomicU64,
) {
    let mut rng = Rng(0xDEC0_DE00_1234_5678);
    let mut tick = 0u64;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        tick += 1;
        let work = 1 + rng.below(max_work as u64) as i64;
        let (path, mut form): (String, Vec<(&str, String)>) = if tick.is_multiple_of(25) {
            (
                format!("/works/{writer_work}/chapters/new"),
                vec![
                    ("title", format!("Chapter of tick {tick}")),
                    ("body", format!("The chapter written at tick {tick}.")),
                    ("format", "plain".into()),
                    ("action", "save".into()),
                ],
            )
        } else if tick.is_multiple_of(5) {
            (
                format!("/works/{work}/comments"),
                vec![
                    ("chapter", "1".into()),
                    ("body", format!("A benchmark comment {tick}.")),
                ],
            )
        } else {
            (format!("/works/{work}/kudos"), vec![])
        };
        form.push(("csrf_token", writer.token.clone()));
        let answer = http
            .post(format!("{base}{path}"))
            .header(COOKIE, &writer.cookie)
            .form(&form)
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_server_error() => errors.fetch_add(1, Ordering::Relaxed),
            Ok(_) => writes.fetch_add(1, Ordering::Relaxed),
            Err(_) => errors.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// The writer's own work, to add chapters to.
async fn post_work(http: &reqwest::Client, base: &str, writer: &Reader) -> i64 {
    let form = http
        .get(format!("{base}/works/new"))
        .header(COOKIE, &writer.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let label = "> bench_writer</label>";
    let at = form.find(label).expect("the pseud on the posting form");
    let before = &form[..at];
    let value = before.rfind("value=\"").unwrap() + "value=\"".len();
    let pseud = &before[value..value + before[value..].find('"').unwrap()];
    let answer = http
        .post(format!("{base}/works/new"))
        .header(COOKIE, &writer.cookie)
        .form(&[
            ("csrf_token", writer.token.as_str()),
            ("title", "The Benchmark Serial"),
            ("pseud", pseud),
            ("fandoms", "Original Work"),
            ("rating", "general"),
            ("warning", "none"),
            ("language", "English"),
            ("chapter_title", "One"),
            ("body", "The first chapter."),
            ("format", "plain"),
            ("expected_chapters", ""),
            ("visibility", "public"),
            ("comments", "anyone"),
            ("action", "post"),
        ])
        .send()
        .await
        .unwrap();
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_else(|| panic!("posting the writer's work failed: {}", answer.status()))
        .to_owned();
    location
        .trim_start_matches("/works/")
        .split(['/', '?', '#'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no work id in {location}"))
}

/// Mutes three tags and a prolific creator, saves a filter, subscribes to creators and
/// works, and reads a few works (history), as a settled reader has.
async fn prepare_reader(http: &reqwest::Client, base: &str, reader: &Reader, sample: &Sample) {
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf_token", reader.token.clone()));
        http.post(format!("{base}{path}"))
            .header(COOKIE, &reader.cookie)
            .form(&form)
            .send()
    };
    let muted = sample
        .tags
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let saved = post(
        "/account/filters".into(),
        vec![
            ("muted_tags", muted),
            ("rating", "explicit".into()),
            ("exclude_tags", sample.tags[3].clone()),
            ("words_from", "100".into()),
        ],
    )
    .await
    .unwrap();
    assert!(
        saved.status().is_redirection() || saved.status().is_success(),
        "saving the reader's filters: {}",
        saved.status()
    );
    post(format!("/users/{}/mute", sample.prolific[0]), vec![])
        .await
        .unwrap();
    let mut rng = Rng(99);
    for i in 0..20 {
        let work = work(sample, &mut rng);
        let subscribed = post(
            "/subscriptions".into(),
            vec![
                ("kind", "work".into()),
                ("target", work.to_string()),
                ("subscribe", "true".into()),
            ],
        )
        .await
        .unwrap();
        assert!(
            subscribed.status().is_redirection(),
            "subscribing the reader to work {work}: {}",
            subscribed.status()
        );
        if i % 2 == 0 {
            let _ = http
                .get(format!("{base}/works/{work}"))
                .header(COOKIE, &reader.cookie)
                .send()
                .await;
        }
    }
}

/// The hot work page with the page cache on, against nginx serving a saved copy of it.
async fn hot_page_against_nginx(
    ajar: &Path,
    data: &Path,
    db: Option<&str>,
    http: &reqwest::Client,
    args: &Args,
) {
    let (mut server, base) = serve(ajar, data, db, "60000", "serve-cache.log");
    wait_ready(http, &base, &mut server).await;
    let path = "/works/1";
    let page = http.get(format!("{base}{path}")).send().await.unwrap();
    let body = page.bytes().await.unwrap();
    let connections = args.connections * 4;
    let ajar_rate = hammer(
        http,
        &format!("{base}{path}"),
        connections,
        args.seconds,
        None,
    )
    .await;
    let ajar_gzip = hammer(
        http,
        &format!("{base}{path}"),
        connections,
        args.seconds,
        Some("gzip, br"),
    )
    .await;
    let _ = server.kill();
    let _ = server.wait();

    let Some(nginx) = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        println!(
            "\nhot work page, cache on: {ajar_rate:.0} req/s ({ajar_gzip:.0} req/s asking for \
             gzip); nginx is not installed, so no baseline (apt-get install nginx)"
        );
        return;
    };
    let root = data.join("nginx");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("www/works")).unwrap();
    std::fs::write(root.join("www/works/1"), &body).unwrap();
    let port = free_port();
    let conf = format!(
        "daemon off; worker_processes 2; pid {root}/nginx.pid; error_log {root}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{ access_log off; client_body_temp_path {root}; proxy_temp_path {root}; \
         fastcgi_temp_path {root}; uwsgi_temp_path {root}; scgi_temp_path {root};\n\
         server {{ listen 127.0.0.1:{port}; root {root}/www; \
         location / {{ default_type text/html; }} }} }}\n",
        root = root.display()
    );
    std::fs::write(root.join("nginx.conf"), conf).unwrap();
    let mut nginx = std::process::Command::new(nginx)
        .arg("-c")
        .arg(root.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let nginx_base = format!("http://127.0.0.1:{port}");
    wait_ready_path(http, &format!("{nginx_base}{path}")).await;
    let nginx_rate = hammer(
        http,
        &format!("{nginx_base}{path}"),
        connections,
        args.seconds,
        None,
    )
    .await;
    // SIGTERM, so that the master stops its workers (SIGKILL would leave them serving).
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &nginx.id().to_string()])
        .status();
    let _ = nginx.wait();
    println!(
        "\nhot work page ({} bytes), cache on, {connections} connections: ajar {ajar_rate:.0} \
         req/s ({ajar_gzip:.0} req/s asking for gzip), nginx static {nginx_rate:.0} req/s: \
         ajar/nginx = {:.2}",
        body.len(),
        ajar_rate / nginx_rate.max(1.0)
    );
}

async fn wait_ready_path(http: &reqwest::Client, url: &str) {
    for _ in 0..100 {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing answered at {url}");
}

/// Requests a second for one URL from `connections` clients.
async fn hammer(
    http: &reqwest::Client,
    url: &str,
    connections: usize,
    seconds: f64,
    encoding: Option<&'static str>,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let done = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (http, url, done) = (http.clone(), url.to_owned(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let mut request = http.get(&url);
                    if let Some(e) = encoding {
                        request = request.header(ACCEPT_ENCODING, e);
                    }
                    if let Ok(r) = request.send().await {
                        if r.status().is_success() && r.bytes().await.is_ok() {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / seconds
}

/// A media kind as the fandoms page links it.
async fn first_media(http: &reqwest::Client, base: &str) -> String {
    let page = http
        .get(format!("{base}/fandoms"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page
        .find("href=\"/media/")
        .expect("a media link on /fandoms")
        + "href=\"/media/".len();
    page[at..at + page[at..].find('/').unwrap()].to_owned()
}

async fn sample(data: &Path, database_url: Option<&str>) -> Sample {
    let queries = [
        "SELECT MAX(id) FROM works",
        "SELECT name FROM tags WHERE id % 37 = 1 ORDER BY id LIMIT 200",
        "SELECT p.name FROM pseuds p JOIN (SELECT pseud_id, COUNT(*) AS n FROM work_creators \
         GROUP BY pseud_id ORDER BY n DESC LIMIT 20) c ON c.pseud_id = p.id WHERE p.user_id IS NULL",
        "SELECT name FROM users WHERE name LIKE 'reader%' ORDER BY id LIMIT 200",
        "SELECT CAST(id AS TEXT) FROM series ORDER BY id LIMIT 200",
        "SELECT CAST(work_id AS TEXT) FROM comments GROUP BY work_id ORDER BY COUNT(*) DESC LIMIT 50",
        "SELECT name FROM tags WHERE kind = 'fandom' AND id = (SELECT tag_id FROM work_tags \
         WHERE tag_id IN (SELECT id FROM tags WHERE kind = 'fandom') GROUP BY tag_id \
         ORDER BY COUNT(*) DESC LIMIT 1)",
        "SELECT name FROM tags WHERE kind = 'freeform' AND id = (SELECT tag_id FROM work_tags \
         WHERE tag_id IN (SELECT id FROM tags WHERE kind = 'freeform') GROUP BY tag_id \
         ORDER BY COUNT(*) DESC LIMIT 1)",
    ];
    let mut max_work = 0i64;
    let mut lists: Vec<Vec<String>> = Vec::new();
    match database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            max_work = sqlx::query_scalar(queries[0])
                .fetch_one(&pool)
                .await
                .unwrap();
            for q in &queries[1..] {
                let rows: Vec<(String,)> = sqlx::query_as(q).fetch_all(&pool).await.unwrap();
                lists.push(rows.into_iter().map(|r| r.0).collect());
            }
            pool.close().await;
        }
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(data.join("ajar.db"))
                .read_only(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            max_work = sqlx::query_scalar(queries[0])
                .fetch_one(&pool)
                .await
                .unwrap_or(max_work);
            for q in &queries[1..] {
                let rows: Vec<(String,)> = sqlx::query_as(q).fetch_all(&pool).await.unwrap();
                lists.push(rows.into_iter().map(|r| r.0).collect());
            }
            pool.close().await;
        }
    }
    let ids = |v: &[String]| -> Vec<i64> { v.iter().filter_map(|s| s.parse().ok()).collect() };
    let first = |v: &[String]| v.first().cloned().expect("a generated archive");
    let sample = Sample {
        max_work,
        tags: lists[0].clone(),
        prolific: lists[1].clone(),
        readers: lists[2].clone(),
        series: ids(&lists[3]),
        commented: ids(&lists[4]),
        big_fandom: first(&lists[5]),
        big_freeform: first(&lists[6]),
        media: String::new(),
        words: vec![
            "coffee",
            "rain",
            "letter",
            "winter",
            "%22the+diner%22",
            "kiss",
            "home",
        ],
    };
    assert!(
        max_work > 0
            && sample.tags.len() > 3
            && !sample.prolific.is_empty()
            && !sample.readers.is_empty()
            && !sample.series.is_empty()
            && !sample.commented.is_empty(),
        "the archive lacks works, readers, series or comments: generate it with \
         `ajar gen-corpus` (which adds readers)"
    );
    sample
}
