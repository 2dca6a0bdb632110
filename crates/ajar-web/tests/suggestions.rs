//! The tag fields' suggestions (`GET /api/v1/tags/autocomplete`) come from the search index's
//! counts and agree with the store's SQL over the same works, for random works, tags and
//! queries: the same tags, in the same order (canonical first, then names that start with the
//! query, then the most used, then by name and kind), with the same counts of public works.
//! Then a work is hidden behind the index's back: SQL's answer changes, the endpoint's does
//! not, so an endpoint that counted in SQL fails the test. On SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(suggestions_agree_with_sql);

use ajar_core::{TagKind, TagName, Visibility, Work};
use ajar_store::TagSuggestion;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// A small deterministic generator (the cases are the same on every run and backend).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Names that share pieces ("ba", "an", "ra"), so a query finds several of several kinds.
const STEMS: [&str; 8] = [
    "Banana", "Bandit", "Cabana", "Rabbit", "Arabic", "Bard", "Nab", "Ann",
];

fn names(rng: &mut Rng, prefix: &str, count: usize) -> Vec<TagName> {
    (0..count)
        .map(|_| {
            let stem = STEMS[rng.below(STEMS.len())];
            TagName::parse(&format!("{prefix}{stem}{}", rng.below(4))).unwrap()
        })
        .collect()
}

async fn suggested(app: &TestApp, kind: Option<TagKind>, q: &str) -> Vec<TagSuggestion> {
    let kind = kind.map_or(String::new(), |k| format!("&kind={}", k.code()));
    let got = app
        .guest()
        .get(&format!("/api/v1/tags/autocomplete?q={q}{kind}"))
        .await;
    assert_eq!(got.status, StatusCode::OK, "{q}: {}", got.body);
    let listed: Vec<Value> = serde_json::from_str(&got.body).unwrap();
    listed
        .iter()
        .map(|s| TagSuggestion {
            kind: TagKind::from_code(s["kind"].as_str().unwrap()).unwrap(),
            name: s["name"].as_str().unwrap().to_owned(),
            uses: s["uses"].as_u64().unwrap(),
        })
        .collect()
}

async fn suggestions_agree_with_sql(app: &TestApp) {
    let backend = app.store.backend();
    let mut rng = Rng(7);
    let mut ids = Vec::new();
    for n in 0..90 {
        let counts = [1 + rng.below(2), rng.below(2), rng.below(3), rng.below(4)];
        let work = Work {
            fandoms: names(&mut rng, "F", counts[0]),
            relationships: names(&mut rng, "R", counts[1]),
            characters: names(&mut rng, "C", counts[2]),
            tags: names(&mut rng, "", counts[3]),
            ..common::one_chapter_work(&format!("Work {n}"), "writer")
        };
        let id = app.store.insert_work(&work).await.unwrap();
        // A third restricted to members, some drafts: neither counts for a public field.
        let visibility = match rng.below(6) {
            0 | 1 => Visibility::Restricted,
            2 => Visibility::Draft,
            _ => Visibility::Public,
        };
        app.store.set_visibility(id, visibility).await.unwrap();
        ids.push((id, visibility));
    }
    // Some tags canonical (suggested first).
    ajar_store::testing::execute_sql(
        &app.store,
        "UPDATE tags SET canonical = TRUE WHERE name_key LIKE '%1' OR name_key = 'fbandit2'",
    )
    .await
    .unwrap();
    let canonical = app.store.canonical_typed_tags().await.unwrap().len();
    assert!(canonical >= 5, "{backend:?}: {canonical} canonical tags");
    // Some tags made synonyms of canonical ones: not offered, their works counted (once a
    // work) for the canonical tag.
    app.user("wrangler").await;
    let wrangler = app
        .store
        .user_by_name("wrangler")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut synonyms = 0;
    for stem in STEMS {
        for prefix in ["C", "F", "R", ""] {
            let tag = |n: u32| TagName::parse(&format!("{prefix}{stem}{n}")).unwrap();
            let (Some(from), Some(to)) = (
                app.store.tag_state(&tag(0)).await.unwrap(),
                app.store.tag_state(&tag(1)).await.unwrap(),
            ) else {
                continue;
            };
            let change = ajar_store::Wrangle::SynonymOf(to.tag.id);
            app.store
                .wrangle(wrangler, from.tag.id, &change)
                .await
                .unwrap();
            synonyms += 1;
        }
    }
    assert!(synonyms >= 4, "{synonyms} synonyms made");
    app.caught_up().await;

    let kinds = [
        None,
        Some(TagKind::Fandom),
        Some(TagKind::Relationship),
        Some(TagKind::Character),
        Some(TagKind::Freeform),
    ];
    let mut compared = 0;
    let mut nonempty = 0;
    for _ in 0..120 {
        let stem = STEMS[rng.below(STEMS.len())].to_lowercase();
        let start = rng.below(stem.len());
        let end = start + 1 + rng.below(stem.len() - start);
        let q = &stem[start..end];
        let kind = kinds[rng.below(kinds.len())];
        let sql = app.store.tag_suggestions(kind, q, 10).await.unwrap();
        assert_eq!(
            suggested(app, kind, q).await,
            sql,
            "{backend:?} {kind:?} {q:?}"
        );
        compared += 1;
        nonempty += usize::from(!sql.is_empty());
    }
    assert!(nonempty > compared / 2, "the queries find tags: {nonempty}");

    // A public work hidden in SQL alone: the index, which follows changes, does not know.
    let (hidden, _) = ids.iter().find(|(_, v)| *v == Visibility::Public).unwrap();
    let before = suggested(app, None, "a").await;
    ajar_store::testing::execute_sql(
        &app.store,
        &format!("UPDATE works SET hidden = TRUE WHERE id = {}", hidden.0),
    )
    .await
    .unwrap();
    let sql = app.store.tag_suggestions(None, "a", 10).await.unwrap();
    assert_ne!(sql, before, "SQL counts the hidden work no more");
    assert_eq!(suggested(app, None, "a").await, before, "counted in SQL");

    // A tag posted now is offered once the index has it and the count kept is a second
    // old: the request that finds it stale starts a count, and a later one has the tag.
    let fresh = Work {
        tags: vec![TagName::parse("Zebrafish Crossing").unwrap()],
        ..common::one_chapter_work("Late", "writer")
    };
    app.store.insert_work(&fresh).await.unwrap();
    app.caught_up().await;
    let started = std::time::Instant::now();
    loop {
        let found = suggested(app, None, "zebra").await;
        if found
            .iter()
            .any(|s| s.name == "Zebrafish Crossing" && s.uses == 1)
        {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "the new tag is never offered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
