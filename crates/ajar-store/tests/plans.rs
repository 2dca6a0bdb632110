//! The plans of the queries behind tag and creator pages and the home page's recent works
//! on an archive large enough for a bad plan to show (20,000 works, 300 fandoms, a heavy
//! tail), on each backend: they must read the `work_tags (tag_id)`, `work_creators
//! (pseud_id)` and `works_updated` indexes, never walk every work, once the store has gathered its planner statistics as `gen-corpus` and `import` do.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, Rating, TagName, UserId, Work};
use ajar_store::{Audience, CorpusWork, Muted, Store, WorkStats};
use chrono::NaiveDate;

ajar_store::backend_tests!(
    tag_and_creator_pages_read_indexes,
    deletes_find_their_rows_by_index
);

/// Deleting a work (a writer, through the site or the API) or a pseud (on the account page)
/// finds the rows that refer to it by an index, not by reading whole tables.
async fn deletes_find_their_rows_by_index(store: Store) {
    for table in ["works", "pseuds"] {
        let unindexed = ajar_store::testing::unindexed_foreign_keys(&store, table)
            .await
            .unwrap();
        assert!(
            unindexed.is_empty(),
            "{:?}: foreign keys to {table} that start no index: {unindexed:?}",
            store.backend()
        );
    }
}

const WORKS: usize = 20_000;
const FANDOMS: usize = 300;
const CREATORS: usize = 2_000;

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

/// Work `n`: fandoms by a heavy tail (fandom 0 has a third of the works, most have a few
/// dozen), ten works per creator, every third work tagged Fluff.
fn corpus_work(n: usize) -> CorpusWork {
    let fandom = match n % 3 {
        0 => 0,
        _ => 1 + (n * 7919) % (FANDOMS - 1),
    };
    let mut tags = vec![tag(&format!("Freeform {}", n % 50))];
    if n.is_multiple_of(3) {
        tags.push(tag("Fluff"));
    }
    let day = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new((n % 3000) as u64);
    let mut work = Work {
        title: format!("Work {n}"),
        creators: vec![format!("creator{}", n % CREATORS)],
        fandoms: vec![tag(&format!("Fandom {fandom}"))],
        rating: Rating::GeneralAudiences,
        tags,
        chapters: vec![Chapter {
            body: Html::from_plain_text("Words."),
            ..Chapter::default()
        }],
        published: Some(day),
        updated: Some(day),
        ..Work::default()
    };
    work.renumber_chapters();
    CorpusWork {
        work,
        stats: WorkStats {
            words: 1,
            chapters: 1,
            ..WorkStats::default()
        },
        chapter_words: vec![1],
    }
}

async fn tag_and_creator_pages_read_indexes(store: Store) {
    let mut writer = store.corpus_writer();
    for start in (0..WORKS).step_by(2_000) {
        let batch: Vec<CorpusWork> = (start..start + 2_000).map(corpus_work).collect();
        store.write_corpus_batch(&mut writer, &batch).await.unwrap();
    }
    store.analyze().await.unwrap();
    store.optimize().await.unwrap();

    let muted = Muted {
        pseud_ids: vec![1, 2],
        tag_ids: vec![3],
        unseen_canon: vec![1, 2, 3],
    };
    let mut bad = Vec::new();
    for muted in [Muted::default(), muted] {
        for audience in [Audience::Public, Audience::Members] {
            // A fandom of the tail (a few dozen works) and a creator of ten.
            let plans = store
                .listing_plans(audience, &muted, &tag("Fandom 17"), "creator7")
                .await
                .unwrap();
            assert_eq!(plans.len(), 7);
            for plan in plans {
                let text = plan.plan.to_lowercase();
                let index = if plan.query.starts_with("tag") {
                    "work_tags_tag"
                } else if plan.query.starts_with("creator") {
                    "work_creators_pseud"
                } else {
                    "works_updated"
                };
                if !text.contains(index) {
                    bad.push(format!(
                        "{} ({audience:?}, {muted:?}) does not read {index}:\n{}",
                        plan.query, plan.plan
                    ));
                }
                // SQLite: "SCAN w" walks the works table, and sorting the recent works means
                // reading them all. PostgreSQL's costs, at 20,000 works,
                // rightly prefer one sequential read of the table to a few hundred index
                // look-ups for a count, so there only the index use above is asserted.
                // The recent works page walks `works_updated` in order, and stops after a page.
                let walks_works = text.lines().any(|line| {
                    let line = line.trim_start_matches(|c: char| !c.is_alphabetic());
                    (line == "scan w" || line.starts_with("scan w "))
                        && !line.starts_with("scan w using index works_updated")
                        || line.contains("temp b-tree for order by") && index == "works_updated"
                });
                if walks_works {
                    bad.push(format!(
                        "{} ({audience:?}, {muted:?}) walks every work:\n{}",
                        plan.query, plan.plan
                    ));
                }
            }
        }
    }
    // Lists read through an index of their own. On SQLite only: this archive has no kudos
    // and no suspended accounts, and PostgreSQL rightly reads an empty table whole.
    if store.backend() == ajar_store::Backend::Sqlite {
        // The statistics a million-work archive had once readers were added after its last
        // ANALYZE: `pseuds_user` empty, 150,000 pseuds, a million credits. A plan that trusts
        // them to walk `pseuds_user` first must not be possible for a work's creators. (The
        // schema change makes every connection read the statistics again.)
        ajar_store::testing::execute_sql(
            &store,
            "DELETE FROM sqlite_stat1 WHERE tbl IN ('pseuds', 'work_creators'); \
             INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES \
             ('pseuds', 'pseuds_user', '0 0'), \
             ('pseuds', 'sqlite_autoindex_pseuds_1', '149647 1'), \
             ('work_creators', 'work_creators', '1050000 1 1'), \
             ('work_creators', 'work_creators_pseud', '1050000 101 1'); \
             CREATE TABLE stale_statistics (x); DROP TABLE stale_statistics;",
        )
        .await
        .unwrap();
        for (plan, index) in store.index_plans().await.unwrap() {
            if !plan.plan.to_lowercase().contains(index) {
                bad.push(format!(
                    "{} does not read {index}:\n{}",
                    plan.query, plan.plan
                ));
            }
        }
        // A history's count takes the few unlisted works off the readings.
        let plan = store.readings_count_plan(UserId(1)).await.unwrap();
        if !plan.to_lowercase().contains("works_unlisted") {
            bad.push(format!(
                "the history's count does not read works_unlisted:\n{plan}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}
