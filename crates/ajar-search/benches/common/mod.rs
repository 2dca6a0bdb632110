//! What the search crate's benchmarks share: their runtime, timings and percentiles.

#![allow(dead_code)] // each benchmark uses its part

use ajar_search::{Search, SearchRequest};
use std::future::Future;
use std::time::{Duration, Instant};

/// Runs a benchmark's body on a multi-threaded runtime, as `ajar serve` runs searches.
pub fn block_on<F: Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile (0 to 1) of sorted times; zero for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// p50 and p99 of `runs` searches for `r` that bypass the cache of recent results.
pub async fn latency(search: &Search, r: &SearchRequest, runs: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(search.search_uncached(r).await.unwrap());
        times.push(started.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}
