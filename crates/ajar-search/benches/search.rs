//! The search benchmark: a synthetic AO3-shaped archive (`ajar gen-corpus`'s generator),
//! its index built from scratch, and 22 realistic searches, each timed in the index and, in
//! the same run, done with SQL on the store as the baseline.
//!
//! ```text
//! cargo bench -p ajar-search --bench search -- --works 100000 [--seed 1] [--runs 100]
//!     [--sql-runs 5] [--data DIR] [--reuse-index] [--no-sql] [--only 3,12]
//! ```
//!
//! The corpus is kept in `DIR` (default `target/bench-search-<works>-<seed>`) and reused
//! when it already holds that many works; the index is always rebuilt, and timed, unless
//! `--reuse-index` is given.
//!
//! Per search: `first` is its first run after the index was opened (nothing of it cached);
//! p50 / p99 are over `--runs` further runs that bypass the cache of recent results, as a
//! search repeated after the index changed does: each segment's kept matches and unions are
//! reused (less any documents deleted since), the page is picked anew; `cached` is the p50
//! of the same search answered from that cache, as a repeated front-page or fandom listing
//! is.

#![allow(clippy::unwrap_used)] // a benchmark may stop at what it did not expect

use ajar_core::{Rating, TagId, TagKind};
use ajar_search::corpus::CorpusGenerator;
use ajar_search::{Search, SearchConfig, SearchRequest, Sort};
use ajar_store::{SqlSort, SqlWorkFilter, Store};
use common::percentile;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

struct Args {
    works: u64,
    seed: u64,
    runs: usize,
    sql_runs: usize,
    data: PathBuf,
    /// Open the index left by an earlier run instead of timing a rebuild.
    reuse_index: bool,
    /// Leave out the SQL baseline.
    no_sql: bool,
    /// Run only these searches (1-based numbers, comma-separated).
    only: Vec<usize>,
}

fn args() -> Args {
    let mut works = 100_000;
    let mut seed = 1;
    let mut runs = 100;
    let mut sql_runs = 5;
    let mut data = None;
    let mut reuse_index = false;
    let mut no_sql = false;
    let mut only = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match a.as_str() {
            "--works" => works = value().parse().unwrap(),
            "--seed" => seed = value().parse().unwrap(),
            "--runs" => runs = value().parse().unwrap(),
            "--sql-runs" => sql_runs = value().parse().unwrap(),
            "--data" => data = Some(PathBuf::from(value())),
            "--reuse-index" => reuse_index = true,
            "--no-sql" => no_sql = true,
            "--only" => {
                only = value()
                    .split(',')
                    .map(|n| n.trim().parse().unwrap())
                    .collect()
            }
            _ => {} // cargo passes --bench
        }
    }
    let data = data.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target")
            .join(format!("bench-search-{works}-{seed}"))
    });
    Args {
        works,
        seed,
        runs,
        sql_runs,
        data,
        reuse_index,
        no_sql,
        only,
    }
}

struct Case {
    name: &'static str,
    request: SearchRequest,
    sql: Option<SqlWorkFilter>,
}

fn ms(d: Duration) -> String {
    format!("{:.2}", common::ms(d))
}

/// CPU time this process has used so far (user + system), from `/proc/self/stat`; zero
/// where there is no such file. The machine may be shared: works per CPU-second says what
/// the build costs whatever else runs beside it.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second).
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    common::block_on(run(args()));
}

async fn run(args: Args) {
    std::fs::create_dir_all(&args.data).unwrap();
    let store = Store::open(None, &args.data).await.unwrap();
    let have = store.work_count().await.unwrap();
    let generator = CorpusGenerator::new(args.works, args.seed);
    if have != args.works {
        assert_eq!(
            have,
            0,
            "{} holds {have} works, not {}: remove it or pass another --data",
            args.data.display(),
            args.works
        );
        let started = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let (works, seed) = (args.works, args.seed);
        let producer = tokio::task::spawn_blocking(move || {
            let g = CorpusGenerator::new(works, seed);
            let mut i = 0;
            while i < works {
                let end = (i + 2000).min(works);
                let batch: Vec<_> = (i..end).map(|n| g.work(n)).collect();
                if tx.blocking_send(batch).is_err() {
                    return;
                }
                i = end;
            }
        });
        let mut writer = store.corpus_writer();
        let mut done = 0u64;
        while let Some(batch) = rx.recv().await {
            done += store
                .write_corpus_batch(&mut writer, &batch)
                .await
                .unwrap()
                .len() as u64;
        }
        producer.await.unwrap();
        assert_eq!(done, args.works);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "corpus: {} works written in {secs:.1} s ({:.0} works/s)",
            args.works,
            args.works as f64 / secs
        );
    } else {
        println!("corpus: reusing {have} works in {}", args.data.display());
    }

    let index_dir = args.data.join("index");
    let search = if args.reuse_index {
        Search::open(store.clone(), SearchConfig::in_dir(&index_dir), |_, _| {})
            .await
            .unwrap()
            .0
    } else {
        build(&args, &store).await
    };
    queries(&args, &store, &search, &generator).await;
}

async fn build(args: &Args, store: &Store) -> Search {
    let plain_dir = args.data.join("index-no-text");
    let _ = std::fs::remove_dir_all(&plain_dir);
    let started = Instant::now();
    let cpu = cpu_seconds();
    let config = SearchConfig {
        index_text: false,
        ..SearchConfig::in_dir(&plain_dir)
    };
    let (plain, _) = Search::open(store.clone(), config, |_, _| {})
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "index build (metadata only, --no-text): {} works in {secs:.1} s ({:.0} works/s; \
         {cpu:.0} CPU-s, {:.0} works per CPU-s)",
        args.works,
        args.works as f64 / secs,
        args.works as f64 / cpu.max(1e-9)
    );
    drop(plain);
    let _ = std::fs::remove_dir_all(&plain_dir);

    let index_dir = args.data.join("index");
    let _ = std::fs::remove_dir_all(&index_dir);
    let started = Instant::now();
    let cpu = cpu_seconds();
    let (search, _) = Search::open(store.clone(), SearchConfig::in_dir(&index_dir), |_, _| {})
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "index build (with chapter text): {} works in {secs:.1} s ({:.0} works/s; \
         {cpu:.0} CPU-s, {:.0} works per CPU-s)",
        args.works,
        args.works as f64 / secs,
        args.works as f64 / cpu.max(1e-9)
    );
    search
}

async fn queries(args: &Args, store: &Store, search: &Search, generator: &CorpusGenerator) {
    let cases = cases(store, generator).await;
    println!(
        "\n{} runs per search ({} for SQL), {} works, SQLite baseline, same machine\n",
        args.runs, args.sql_runs, args.works
    );
    println!(
        "| # | query | matches | first ms | index p50 ms | index p99 ms | cached p50 ms | SQL p50 ms | SQL p99 ms | SQL/index (p50) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, case) in cases.iter().enumerate() {
        if !args.only.is_empty() && !args.only.contains(&(n + 1)) {
            continue;
        }
        let t = Instant::now();
        let found = search.search_uncached(&case.request).await.unwrap();
        let first = t.elapsed();
        let mut times = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let t = Instant::now();
            let r = search.search_uncached(&case.request).await.unwrap();
            times.push(t.elapsed());
            std::hint::black_box(r);
        }
        times.sort();
        let mut cached = Vec::with_capacity(args.runs);
        std::hint::black_box(search.search(&case.request).await.unwrap());
        for _ in 0..args.runs {
            let t = Instant::now();
            let r = search.search(&case.request).await.unwrap();
            cached.push(t.elapsed());
            std::hint::black_box(r);
        }
        cached.sort();
        let (sql50, sql99, ratio) = match &case.sql {
            Some(filter) if !args.no_sql => {
                let sql = store.filter_works_sql(filter).await.unwrap();
                assert_eq!(
                    sql.total, found.total,
                    "{}: SQL and index disagree",
                    case.name
                );
                // Every tag count shown is exact.
                let counts: std::collections::HashMap<i64, u64> =
                    sql.facets.iter().map(|(id, n)| (id.0, *n)).collect();
                for f in found.facets.iter().flat_map(|g| g.tags.iter()) {
                    assert_eq!(
                        Some(&f.count),
                        counts.get(&f.id.0),
                        "{}: the count of {}",
                        case.name,
                        f.name
                    );
                }
                let mut sql_times = Vec::with_capacity(args.sql_runs);
                for _ in 0..args.sql_runs {
                    let t = Instant::now();
                    std::hint::black_box(store.filter_works_sql(filter).await.unwrap());
                    sql_times.push(t.elapsed());
                }
                sql_times.sort();
                let p50 = percentile(&sql_times, 0.5);
                (
                    ms(p50),
                    ms(percentile(&sql_times, 0.99)),
                    format!(
                        "{:.0}×",
                        p50.as_secs_f64() / percentile(&times, 0.5).as_secs_f64().max(1e-9)
                    ),
                )
            }
            _ => ("–".into(), "–".into(), "–".into()),
        };
        let cached_ms = format!("{:.3}", percentile(&cached, 0.5).as_secs_f64() * 1000.0);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            n + 1,
            case.name,
            found.total,
            ms(first),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            cached_ms,
            sql50,
            sql99,
            ratio
        );
    }
}

async fn cases(store: &Store, g: &CorpusGenerator) -> Vec<Case> {
    let tag = |kind: TagKind, name: String| {
        let store = store.clone();
        async move { store.tag_id(kind, &name).await.unwrap().unwrap() }
    };
    let fandoms: Vec<String> = g.fandom_names().map(str::to_owned).collect();
    let big = tag(TagKind::Fandom, fandoms[0].clone()).await;
    let mid = tag(TagKind::Fandom, fandoms[9].clone()).await;
    let small = tag(TagKind::Fandom, fandoms[fandoms.len().min(100) - 1].clone()).await;
    let fluff = tag(TagKind::Freeform, "Fluff".into()).await;
    let angst = tag(TagKind::Freeform, "Angst".into()).await;
    let hc = tag(TagKind::Freeform, "Hurt/Comfort".into()).await;
    let au = tag(TagKind::Freeform, "Alternate Universe".into()).await;
    let mcd = tag(TagKind::Warning, "Major Character Death".into()).await;
    let chars: Vec<String> = g.character_names(0).map(str::to_owned).collect();
    let character = tag(TagKind::Character, chars[0].clone()).await;
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let req = |f: &dyn Fn(&mut SearchRequest)| {
        let mut r = SearchRequest::default();
        f(&mut r);
        r
    };
    let sql = |f: &dyn Fn(&mut SqlWorkFilter)| {
        let mut s = SqlWorkFilter {
            limit: 20,
            facets: true,
            ..SqlWorkFilter::default()
        };
        f(&mut s);
        Some(s)
    };
    let ids = |v: &[TagId]| v.to_vec();
    vec![
        Case {
            name: "big fandom + 2 tags − 1 tag, by kudos, facets",
            request: req(&|r| {
                r.include_tag_ids = ids(&[big, fluff, hc]);
                r.exclude_tag_ids = ids(&[angst]);
                r.sort = Some(Sort::Kudos);
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[big, fluff, hc]);
                s.exclude_tags = ids(&[angst]);
                s.sort = SqlSort::Kudos;
            }),
        },
        Case {
            name: "big fandom, by kudos, facets",
            request: req(&|r| {
                r.include_tag_ids = ids(&[big]);
                r.sort = Some(Sort::Kudos);
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[big]);
                s.sort = SqlSort::Kudos;
            }),
        },
        Case {
            name: "all works, by date updated, facets",
            request: req(&|_| {}),
            sql: sql(&|_| {}),
        },
        Case {
            name: "10th fandom, by date updated, facets",
            request: req(&|r| r.include_tag_ids = ids(&[mid])),
            sql: sql(&|s| s.include_tags = ids(&[mid])),
        },
        Case {
            name: "100th fandom, by date updated, facets",
            request: req(&|r| r.include_tag_ids = ids(&[small])),
            sql: sql(&|s| s.include_tags = ids(&[small])),
        },
        Case {
            name: "crossovers only, by kudos, facets",
            request: req(&|r| {
                r.crossover = Some(true);
                r.sort = Some(Sort::Kudos);
            }),
            sql: sql(&|s| {
                s.crossover = Some(true);
                s.sort = SqlSort::Kudos;
            }),
        },
        Case {
            name: "big fandom, no crossovers, G/T, by hits, facets",
            request: req(&|r| {
                r.include_tag_ids = ids(&[big]);
                r.crossover = Some(false);
                r.ratings = vec![Rating::GeneralAudiences, Rating::TeenAndUp];
                r.sort = Some(Sort::Hits);
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[big]);
                s.crossover = Some(false);
                s.ratings = vec!["general".into(), "teen".into()];
                s.sort = SqlSort::Hits;
            }),
        },
        Case {
            name: "Explicit + complete, by hits, facets",
            request: req(&|r| {
                r.ratings = vec![Rating::Explicit];
                r.complete = Some(true);
                r.sort = Some(Sort::Hits);
            }),
            sql: sql(&|s| {
                s.ratings = vec!["explicit".into()];
                s.complete = Some(true);
                s.sort = SqlSort::Hits;
            }),
        },
        Case {
            name: "50k+ words, complete, by words, facets",
            request: req(&|r| {
                r.words_from = Some(50_000);
                r.complete = Some(true);
                r.sort = Some(Sort::Words);
            }),
            sql: sql(&|s| {
                s.words_min = Some(50_000);
                s.complete = Some(true);
                s.sort = SqlSort::Words;
            }),
        },
        Case {
            name: "French, by date updated, facets",
            request: req(&|r| r.language = Some("fr".into())),
            sql: sql(&|s| s.language = Some("fr".into())),
        },
        Case {
            name: "updated in 2020, by kudos, facets",
            request: req(&|r| {
                r.updated_from = date("2020-01-01");
                r.updated_to = date("2020-12-31");
                r.sort = Some(Sort::Kudos);
            }),
            sql: sql(&|s| {
                s.updated_from = date("2020-01-01");
                s.updated_to = date("2020-12-31");
                s.sort = SqlSort::Kudos;
            }),
        },
        Case {
            name: "3 muted tags, by date updated, facets",
            request: req(&|r| r.exclude_tag_ids = ids(&[angst, mcd, au])),
            sql: sql(&|s| s.exclude_tags = ids(&[angst, mcd, au])),
        },
        Case {
            name: "big fandom + top character, by bookmarks, facets",
            request: req(&|r| {
                r.include_tag_ids = ids(&[big, character]);
                r.sort = Some(Sort::Bookmarks);
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[big, character]);
                s.sort = SqlSort::Bookmarks;
            }),
        },
        Case {
            name: "Fluff + Angst − MCD, by comments, facets",
            request: req(&|r| {
                r.include_tag_ids = ids(&[fluff, angst]);
                r.exclude_tag_ids = ids(&[mcd]);
                r.sort = Some(Sort::Comments);
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[fluff, angst]);
                s.exclude_tags = ids(&[mcd]);
                s.sort = SqlSort::Comments;
            }),
        },
        Case {
            name: "deep page: big fandom by kudos, page 250",
            request: req(&|r| {
                r.include_tag_ids = ids(&[big]);
                r.sort = Some(Sort::Kudos);
                r.page = 250;
            }),
            sql: sql(&|s| {
                s.include_tags = ids(&[big]);
                s.sort = SqlSort::Kudos;
                s.offset = 249 * 20;
            }),
        },
        Case {
            name: "deep page: all works by date, page 500",
            request: req(&|r| {
                r.page = 500;
            }),
            sql: sql(&|s| {
                s.offset = 499 * 20;
            }),
        },
        Case {
            name: "all works by title, no facets",
            request: req(&|r| {
                r.sort = Some(Sort::Title);
                r.facets = false;
            }),
            sql: sql(&|s| {
                s.sort = SqlSort::Title;
                s.facets = false;
            }),
        },
        Case {
            name: "text: phrase in chapter text + snippet",
            request: req(&|r| r.text = "no sunset".into()),
            sql: None,
        },
        Case {
            name: "words: `sunset road`, best match, facets",
            request: req(&|r| r.query = "sunset road".into()),
            sql: None,
        },
        Case {
            name: "words: `there is no sunset`, best match, facets",
            request: req(&|r| r.query = "there is no sunset".into()),
            sql: None,
        },
        Case {
            name: "words: `home` (in a third of all texts), best match, facets",
            request: req(&|r| r.query = "home".into()),
            sql: None,
        },
        Case {
            name: "words: `coffee`, best match, facets",
            request: req(&|r| r.query = "coffee".into()),
            sql: None,
        },
        Case {
            name: "words: `sunset road`, by kudos, facets",
            request: req(&|r| {
                r.query = "sunset road".into();
                r.sort = Some(Sort::Kudos);
            }),
            sql: None,
        },
        Case {
            name: "query language: fandom + kudos range − tag, by kudos",
            request: req(&|r| {
                r.query = format!(
                    "fandom:\"{}\" kudos:100..5000 -tag:angst words>=1000",
                    fandoms[0]
                );
                r.sort = Some(Sort::Kudos);
            }),
            sql: None,
        },
    ]
}
