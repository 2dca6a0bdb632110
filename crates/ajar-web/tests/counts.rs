//! Every count the fandoms index, a tag's page, a creator's pages and the home page show is
//! the search index's, and agrees with SQL over the same store: for a guest (no restricted
//! works), a logged-in reader (restricted works too) and a reader who muted a creator and a
//! tag (left out where those pages always left them out: the fandom and tag counts; a
//! creator's pages leave nothing out, the home page's total only the muted creator's works).
//!
//! The works are laid out so that each wrong answer shows: guests and readers count
//! differently everywhere, mutes change the tag and fandom counts, applying them to a
//! creator's page or the tag mute to the home page would change those, and one name is both a
//! fandom and a character, on one work both. Then a work is hidden behind the index's back
//! (SQL only, no change for it to follow): the pages still show the index's counts, which
//! now differ from SQL's, so a count read from SQL fails the test.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{TagName, UserId, Visibility, Work, WorkId};
use ajar_search::SearchRequest;
use ajar_store::{Audience, Backend, Muted, Store};
use common::{Client, TestApp};
use reqwest::StatusCode;
use std::collections::BTreeMap;

const NAME: &str = "Count Fandom";
const OTHER: &str = "Other Fandom";
const CREATOR: &str = "prolific";

fn work(title: &str, creator: &str, fandoms: &[&str], characters: &[&str], tags: &[&str]) -> Work {
    let names = |list: &[&str]| list.iter().map(|t| TagName::parse(t).unwrap()).collect();
    Work {
        fandoms: names(fandoms),
        characters: names(characters),
        tags: names(tags),
        ..common::one_chapter_work(title, creator)
    }
}

/// A work's title, creator, fandoms, characters, other tags and who may see it.
type Laid = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    Visibility,
);

/// What a page (or the index, or SQL) says about the works laid out below.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    /// The fandoms index: works per fandom.
    fandoms: BTreeMap<String, u64>,
    /// The home page's popular fandoms.
    popular: BTreeMap<String, u64>,
    /// The home page's "N works in the archive".
    home: u64,
    /// The tag page of [`NAME`]: works per kind ("Fandom", "Character"), and in all.
    tag_kinds: BTreeMap<String, u64>,
    tag_total: u64,
    /// The creator's page, and the heading of their works listing.
    creator: u64,
    creator_works: u64,
}

/// One reader and what the counts must leave out for them.
struct Reader {
    who: &'static str,
    client: Client,
    audience: Audience,
    user: Option<UserId>,
    muted: Muted,
}

/// The number after `marker` on a page ("1,234" reads as 1234).
fn number_after(body: &str, marker: &str) -> Option<u64> {
    let at = body.find(marker)? + marker.len();
    let digits: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn fandom_counts(body: &str) -> BTreeMap<String, u64> {
    [NAME, OTHER]
        .into_iter()
        .filter_map(|f| {
            let n = number_after(body, &format!("{f}</a> <span class=\"count\">("))?;
            Some((f.to_owned(), n))
        })
        .collect()
}

/// What the pages show `client`.
async fn shown(client: &Client) -> Counts {
    let get = |path: &'static str| async move {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        page.body
    };
    let fandoms = get("/fandoms").await;
    let home = get("/").await;
    let tag = get("/tags/Count%20Fandom").await;
    let creator = get("/users/prolific").await;
    let creator_works = get("/users/prolific/works").await;
    let tag_kinds = ["Fandom", "Character"]
        .into_iter()
        .filter_map(|kind| {
            let n = number_after(&tag, &format!("<dt>{kind}</dt><dd>"))?;
            Some((kind.to_owned(), n))
        })
        .collect();
    Counts {
        fandoms: fandom_counts(&fandoms),
        popular: fandom_counts(&home),
        home: number_after(&home, "<p class=\"intro\">").unwrap(),
        tag_kinds,
        tag_total: number_after(&tag, &format!("Works tagged {NAME}</a> (")).unwrap(),
        creator: number_after(&creator, "<p class=\"intro\">").unwrap(),
        creator_works: number_after(&creator_works, "<h1>").unwrap(),
    }
}

/// The counts as the search index has them for `reader`: totals of searches and facet
/// counts, asked for here as each page's rules say.
async fn by_index(app: &TestApp, reader: &Reader) -> Counts {
    let seen = SearchRequest {
        include_restricted: reader.audience == Audience::Members,
        per_page: 1,
        facet_limit: usize::MAX,
        ..SearchRequest::default()
    };
    let muted = SearchRequest {
        exclude_creator_ids: reader.muted.pseud_ids.clone(),
        exclude_tag_ids: reader
            .muted
            .tag_ids
            .iter()
            .map(|id| ajar_core::TagId(*id))
            .collect(),
        ..seen.clone()
    };
    let search = |request: SearchRequest| async move { app.search.search(&request).await.unwrap() };
    let facet = |found: &ajar_search::SearchResults, kind: ajar_core::TagKind, name: &str| {
        found
            .facets
            .iter()
            .filter(|g| g.kind == kind)
            .flat_map(|g| &g.tags)
            .find(|t| t.name == name)
            .map(|t| t.count)
    };
    let everything = search(muted.clone()).await;
    let fandoms: BTreeMap<String, u64> = [NAME, OTHER]
        .into_iter()
        .filter_map(|f| {
            Some((
                f.to_owned(),
                facet(&everything, ajar_core::TagKind::Fandom, f)?,
            ))
        })
        .collect();
    let tagged = search(SearchRequest {
        include_tags: vec![NAME.to_owned()],
        ..muted.clone()
    })
    .await;
    let tag_kinds = [
        ("Fandom", ajar_core::TagKind::Fandom),
        ("Character", ajar_core::TagKind::Character),
    ]
    .into_iter()
    .filter_map(|(label, kind)| Some((label.to_owned(), facet(&tagged, kind, NAME)?)))
    .collect();
    let pseud = app.store.pseud_by_name(CREATOR).await.unwrap().unwrap();
    let creator = search(SearchRequest {
        include_creator_ids: vec![pseud.id.0],
        ..seen.clone()
    })
    .await
    .total;
    let home = search(SearchRequest {
        exclude_creator_ids: reader.muted.pseud_ids.clone(),
        ..seen.clone()
    })
    .await
    .total;
    Counts {
        popular: fandoms.clone(),
        fandoms,
        home,
        tag_kinds,
        tag_total: tagged.total,
        creator,
        creator_works: creator,
    }
}

/// The same counts by SQL over the store.
async fn by_sql(store: &Store, reader: &Reader) -> Counts {
    let (audience, muted) = (reader.audience, &reader.muted);
    let fandoms: BTreeMap<String, u64> = store
        .fandoms_by_media_for(audience, muted)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|g| g.fandoms)
        .map(|f| (f.name.as_str().to_owned(), f.works))
        .collect();
    let popular = store
        .popular_fandoms_for(audience, muted, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.name.as_str().to_owned(), f.works))
        .collect();
    let name = TagName::parse(NAME).unwrap();
    let tag_kinds = store
        .tags_named_for(audience, muted, &name)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.works > 0)
        .map(|t| (format!("{:?}", t.kind), t.works))
        .collect();
    let (_, tag_total) = store
        .works_tagged_for(audience, muted, &name, 1, 0)
        .await
        .unwrap();
    let creator = store
        .creator(audience, CREATOR)
        .await
        .unwrap()
        .unwrap()
        .works;
    Counts {
        fandoms,
        popular,
        home: store
            .listed_work_count(audience, reader.user)
            .await
            .unwrap(),
        tag_kinds,
        tag_total,
        creator,
        creator_works: creator,
    }
}

async fn counts_come_from_the_index(backend: Backend) {
    // Pages are rendered for every request, so each one shows what its source says now.
    std::env::set_var("AJAR_PAGE_CACHE_MS", "0");
    let Some(app) = TestApp::spawn_on(backend).await else {
        return;
    };
    app.user("loud").await;
    let plain = app.user("plain").await;
    let muter = app.user("muter").await;
    let layout: [Laid; 8] = [
        ("One", CREATOR, &[NAME], &[], &["Fluff"], Visibility::Public),
        (
            "Two",
            CREATOR,
            &[NAME],
            &[],
            &["Fluff"],
            Visibility::Restricted,
        ),
        (
            "Three",
            "loud",
            &[NAME],
            &[],
            &["Fluff"],
            Visibility::Public,
        ),
        (
            "Four",
            CREATOR,
            &[NAME],
            &[],
            &["Fluff", "Spiders"],
            Visibility::Public,
        ),
        (
            "Five",
            CREATOR,
            &[OTHER],
            &[NAME],
            &["Fluff"],
            Visibility::Restricted,
        ),
        (
            "Six",
            "loud",
            &[OTHER],
            &[],
            &["Spiders"],
            Visibility::Restricted,
        ),
        ("Seven", CREATOR, &[OTHER], &[NAME], &[], Visibility::Public),
        (
            "Eight",
            CREATOR,
            &[NAME, OTHER],
            &[NAME],
            &[],
            Visibility::Public,
        ),
    ];
    let mut ids: Vec<WorkId> = Vec::new();
    for (title, creator, fandoms, characters, tags, visibility) in layout {
        let id = app
            .store
            .insert_work(&work(title, creator, fandoms, characters, tags))
            .await
            .unwrap();
        app.store.set_visibility(id, visibility).await.unwrap();
        ids.push(id);
    }
    muter.mute("loud", "spiders").await;
    app.caught_up().await;

    let user = |name: &'static str| {
        let store = app.store.clone();
        async move { store.user_by_name(name).await.unwrap().unwrap().id }
    };
    let muter_id = user("muter").await;
    let readers = [
        Reader {
            who: "guest",
            client: app.guest(),
            audience: Audience::Public,
            user: None,
            muted: Muted::default(),
        },
        Reader {
            who: "reader",
            client: plain,
            audience: Audience::Members,
            user: Some(user("plain").await),
            muted: Muted::default(),
        },
        Reader {
            who: "muter",
            client: muter,
            audience: Audience::Members,
            user: Some(muter_id),
            muted: app.store.muted(muter_id).await.unwrap(),
        },
    ];
    assert_eq!(readers[2].muted.pseud_ids.len(), 1, "loud's pseud is muted");
    assert!(!readers[2].muted.tag_ids.is_empty(), "Spiders is muted");

    let mut seen = Vec::new();
    for reader in &readers {
        let index = by_index(&app, reader).await;
        let sql = by_sql(&app.store, reader).await;
        let pages = shown(&reader.client).await;
        assert_eq!(index, sql, "{}: the index and SQL disagree", reader.who);
        assert_eq!(pages, index, "{}: the pages show other counts", reader.who);
        seen.push(pages);
    }
    // The layout tells every reader apart, so a count with another reader's rules shows.
    let [guest, reader, muter] = &seen[..] else {
        unreachable!()
    };
    let expected =
        |fandom: u64, other: u64, home: u64, kinds: (u64, u64), total: u64, by: u64| Counts {
            fandoms: [(NAME.to_owned(), fandom), (OTHER.to_owned(), other)].into(),
            popular: [(NAME.to_owned(), fandom), (OTHER.to_owned(), other)].into(),
            home,
            tag_kinds: [
                ("Fandom".to_owned(), kinds.0),
                ("Character".to_owned(), kinds.1),
            ]
            .into(),
            tag_total: total,
            creator: by,
            creator_works: by,
        };
    assert_eq!(*guest, expected(4, 2, 5, (4, 2), 5, 4), "guest");
    assert_eq!(*reader, expected(5, 4, 8, (5, 3), 7, 6), "reader");
    // The muter's creator pages count loud's and Spiders' works as everyone's do; their home
    // total leaves out loud's works only.
    assert_eq!(*muter, expected(3, 3, 6, (3, 3), 5, 6), "muter");

    // Work One is hidden in SQL alone: the index, which follows changes, does not know.
    ajar_store::testing::execute_sql(
        &app.store,
        &format!("UPDATE works SET hidden = TRUE WHERE id = {}", ids[0]),
    )
    .await
    .unwrap();
    for (reader, before) in readers.iter().zip(&seen) {
        let sql = by_sql(&app.store, reader).await;
        assert_ne!(
            &sql, before,
            "{}: SQL counts the hidden work no more",
            reader.who
        );
        let pages = shown(&reader.client).await;
        assert_eq!(&pages, before, "{}: a page counted in SQL", reader.who);
        assert_eq!(pages, by_index(&app, reader).await, "{}", reader.who);
    }
    app.cleanup().await;
}

#[tokio::test]
async fn counts_come_from_the_index_and_agree_with_sql_on_sqlite() {
    counts_come_from_the_index(Backend::Sqlite).await;
}

#[tokio::test]
async fn counts_come_from_the_index_and_agree_with_sql_on_postgres() {
    counts_come_from_the_index(Backend::Postgres).await;
}
