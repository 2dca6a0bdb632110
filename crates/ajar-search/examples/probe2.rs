#![allow(clippy::unwrap_used)]
use ajar_core::WorkId;
use ajar_store::Store;
use std::time::Instant;
#[tokio::main]
async fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let n: u64 = std::env::args().nth(2).unwrap().parse().unwrap();
    let text = std::env::args().nth(3).is_some();
    let store = Store::open(None, std::path::Path::new(&dir)).await.unwrap();
    let t = Instant::now();
    let mut after = WorkId(0);
    let mut done = 0u64;
    while done < n {
        let b = store.index_works_after(after, 2000, text).await.unwrap();
        let Some(l) = b.last() else { break };
        after = l.id;
        done += b.len() as u64;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "read {done} works (text {text}) in {s:.1}s = {:.0}/s",
        done as f64 / s
    );
}
