//! The index against a plain SQL reference, on random filters: whatever the index answers,
//! SQL on the same store must answer the same (the same total, the same facet counts, every
//! work on the page a match, and the page in the same order of its sort key), on SQLite and
//! PostgreSQL. Every filter takes part: tags by id and by name (muted tags), creators by id
//! and by name (muted creators), ratings, warnings, categories, completion, crossovers, every
//! range with either or both bounds, language, both date ranges, and the spoiler filter
//! (canon entries a reader has not seen; works are linked to random entries of two
//! timelines, and the works it hides are counted as SQL counts them). A wrong work in a
//! filtered list is worse than a slow one.
//!
//! `AJAR_DIFFERENTIAL_CASES` sets the number of random cases (default 1,500 per backend); a
//! failing case prints as the search page's address, so a person can open it.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{ArchiveWarning, Category, Rating, TagId, TagName, WorkId};
use ajar_search::corpus::CorpusGenerator;
use ajar_search::{Search, SearchConfig, SearchRequest, Sort};
use ajar_store::{Audience, NewCanonEntry, SqlSort, SqlWorkFilter, Store};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

ajar_store::backend_tests!(
    random_filters_agree_with_sql,
    random_filters_agree_with_sql_through_wrangled_tags
);

const WORKS: u64 = 500;

/// A small deterministic generator: a failing run repeats with the same cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

async fn random_filters_agree_with_sql(store: Store) {
    agree_with_sql(store, false).await;
}

/// The same, after wrangling: synonyms (some on works that carry their canonical tag too,
/// so a work must be counted once), merges and meta tags at two depths. A filter by a tag
/// takes in its family, and facet counts are by canonical tag, in the index and in SQL.
async fn random_filters_agree_with_sql_through_wrangled_tags(store: Store) {
    agree_with_sql(store, true).await;
}

/// Makes canonical tags, synonyms and meta tags of the `tags` (most common first) as
/// wrangler `who`, the way wranglers would: every kind pairs only with its own.
async fn wrangle_some(store: &Store, tags: &[TagId], rng: &mut Rng) {
    use ajar_store::Wrangle;
    let who = store
        .create_user(&ajar_store::NewUser {
            name: "wrangler",
            email: "wrangler@example.org",
            password_hash: "x",
            role: ajar_core::Role::Wrangler,
            invitation: None,
        })
        .await
        .unwrap();
    let mut by_kind: HashMap<ajar_core::TagKind, Vec<TagId>> = HashMap::new();
    for id in tags {
        let state = store.tag_state_by_id(*id).await.unwrap().unwrap();
        by_kind.entry(state.tag.kind).or_default().push(*id);
    }
    let mut wrangled = 0;
    for (kind, ids) in by_kind {
        if matches!(
            kind,
            ajar_core::TagKind::Rating | ajar_core::TagKind::Warning | ajar_core::TagKind::Category
        ) || ids.len() < 3
        {
            continue;
        }
        for id in &ids {
            store
                .wrangle(who, *id, &Wrangle::Canonical(true))
                .await
                .unwrap();
        }
        // The first is a meta tag of the second, which is a meta tag of the third.
        store
            .wrangle(who, ids[1], &Wrangle::AddMeta(ids[0]))
            .await
            .unwrap();
        store
            .wrangle(who, ids[2], &Wrangle::AddMeta(ids[1]))
            .await
            .unwrap();
        // Others become synonyms (of a sub tag, or merged into the first).
        for id in &ids[3..] {
            let target = *rng.pick(&ids[..3]);
            if rng.chance(3) {
                store
                    .wrangle(who, *id, &Wrangle::SynonymOf(target))
                    .await
                    .unwrap();
                wrangled += 1;
            }
        }
    }
    assert!(wrangled >= 3, "too few synonyms for a test");
}

async fn agree_with_sql(store: Store, wrangled: bool) {
    let generator = CorpusGenerator::new(WORKS, 23);
    let batch: Vec<_> = (0..WORKS).map(|i| generator.work(i)).collect();
    let mut writer = store.corpus_writer();
    for chunk in batch.chunks(250) {
        store.write_corpus_batch(&mut writer, chunk).await.unwrap();
    }
    // Generated works are stored without what their text says: read it, for the dialogue
    // order.
    store.analyze_texts(100, |_, _| {}).await.unwrap();
    let (search, _) = Search::open(store.clone(), SearchConfig::in_memory(), |_, _| {})
        .await
        .unwrap();

    // Tags that occur, most common first, so that filters both narrow and leave something.
    let everything = store
        .filter_works_sql(&SqlWorkFilter {
            include_restricted: true,
            facets: true,
            limit: 1,
            ..SqlWorkFilter::default()
        })
        .await
        .unwrap();
    let mut tags = everything.facets.clone();
    tags.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), id.0));
    let tags: Vec<TagId> = tags.into_iter().map(|(id, _)| id).take(60).collect();
    assert!(tags.len() >= 20, "the corpus has too few tags for a test");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let entries = link_canon(&store, &mut rng).await;
    search.catch_up().await.unwrap();
    if wrangled {
        wrangle_some(&store, &tags, &mut rng).await;
        search.catch_up().await.unwrap();
    }
    // Names, for the filters that name tags and creators (muted tags, muted creators): the
    // index resolves the names itself, SQL compares them with the stored names.
    let every_tag = search
        .search_uncached(&SearchRequest {
            facets: true,
            facet_limit: 100_000,
            include_restricted: true,
            per_page: 1,
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    let tag_names: HashMap<TagId, String> = every_tag
        .facets
        .iter()
        .flat_map(|g| g.tags.iter().map(|t| (t.id, t.name.clone())))
        .collect();
    let names: Vec<String> = tags
        .iter()
        .filter_map(|id| tag_names.get(id).cloned())
        .collect();
    let some_works: Vec<WorkId> = (1..=60).map(WorkId).collect();
    let mut creators: Vec<String> = store
        .works_by_ids(Audience::Members, &some_works)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|b| b.creators)
        .collect();
    creators.sort();
    creators.dedup();
    assert!(
        names.len() >= 20 && creators.len() >= 10,
        "too few names for a test"
    );

    let cases: u64 = std::env::var("AJAR_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500);
    let mut nonempty = 0;
    for case in 0..cases {
        let (request, filter) = random_case(&mut rng, &tags, &names, &creators, &entries);
        let url = format!(
            "/works/search?{}&page={} (case {case})",
            request.to_query_string(),
            request.page
        );
        let found = search.search_uncached(&request).await.unwrap();
        let all = store
            .filter_works_sql(&SqlWorkFilter {
                facets: true,
                limit: u32::MAX,
                offset: 0,
                ..filter.clone()
            })
            .await
            .unwrap();
        if !request.unseen_canon.is_empty() {
            // What the spoiler filter hid is what SQL finds without it, less what it finds.
            let without = store
                .filter_works_sql(&SqlWorkFilter {
                    unseen_canon: Vec::new(),
                    limit: 1,
                    ..filter.clone()
                })
                .await
                .unwrap();
            assert_eq!(
                found.spoilers_hidden,
                without.total - all.total,
                "the hidden count differs for {url} (unseen {:?})",
                request.unseen_canon
            );
        }
        if found.total != all.total {
            let first = SearchRequest {
                page: 1,
                per_page: 100,
                ..request.clone()
            };
            let ids: Vec<WorkId> = search
                .search_uncached(&first)
                .await
                .unwrap()
                .hits
                .iter()
                .map(|h| h.id)
                .collect();
            let extra: Vec<WorkId> = ids
                .iter()
                .filter(|id| !all.ids.contains(id))
                .copied()
                .collect();
            let blurbs = store.works_by_ids(Audience::Members, &extra).await.unwrap();
            panic!(
                "totals differ for {url}: index {}, SQL {}; on the index's first page but not in SQL: {:?}",
                found.total,
                all.total,
                blurbs.iter().map(|b| (b.id.0, b.updated, b.stats.words, b.complete)).collect::<Vec<_>>()
            );
        }
        nonempty += usize::from(all.total > 0);

        // Every work on the page matches the filter in SQL.
        let matching: HashSet<WorkId> = all.ids.iter().copied().collect();
        for hit in &found.hits {
            assert!(
                matching.contains(&hit.id),
                "work {} is on the page but does not match in SQL: {url}",
                hit.id.0
            );
        }
        // The page holds what SQL's page holds, in the order of the sort key.
        let per_page = u64::from(request.per_page);
        let offset = (request.page - 1) * per_page;
        let expected = all.total.saturating_sub(offset).min(per_page);
        assert_eq!(
            found.hits.len() as u64,
            expected,
            "page size differs for {url}"
        );
        let sql_page = &all.ids[offset.min(all.total) as usize..][..expected as usize];
        let ours = sort_keys(&store, request.sort, found.hits.iter().map(|h| h.id)).await;
        let theirs = sort_keys(&store, request.sort, sql_page.iter().copied()).await;
        assert_eq!(ours, theirs, "the page's order differs for {url}");

        // Every count in the sidebar is SQL's count.
        let sql_counts: HashMap<i64, u64> = all.facets.iter().map(|(id, n)| (id.0, *n)).collect();
        for group in &found.facets {
            for tag in &group.tags {
                assert_eq!(
                    Some(&tag.count),
                    sql_counts.get(&tag.id.0),
                    "the count of {} differs for {url}",
                    tag.name
                );
            }
        }

        // Turned around, the exclusions find exactly the works they leave out: with and
        // without them adds up to the search without any, in the total and every count.
        if case % 4 == 0 {
            let every_count = |r: SearchRequest| {
                let search = &search;
                async move {
                    let found = search
                        .search_uncached(&SearchRequest {
                            facets: true,
                            facet_limit: 100_000,
                            ..r
                        })
                        .await
                        .unwrap();
                    let counts: HashMap<TagId, u64> = found
                        .facets
                        .iter()
                        .flat_map(|g| g.tags.iter().map(|t| (t.id, t.count)))
                        .collect();
                    (found.total, counts)
                }
            };
            let (kept, kept_counts) = every_count(request.clone()).await;
            let (left_out, left_out_counts) = every_count(SearchRequest {
                only_excluded: true,
                ..request.clone()
            })
            .await;
            let (whole, whole_counts) = every_count(SearchRequest {
                exclude_tag_ids: Vec::new(),
                exclude_tags: Vec::new(),
                exclude_creators: Vec::new(),
                exclude_creator_ids: Vec::new(),
                unseen_canon: Vec::new(),
                ..request.clone()
            })
            .await;
            assert_eq!(kept + left_out, whole, "totals don't add up for {url}");
            for (tag, n) in &whole_counts {
                let sum =
                    kept_counts.get(tag).unwrap_or(&0) + left_out_counts.get(tag).unwrap_or(&0);
                assert_eq!(sum, *n, "counts of tag {} don't add up for {url}", tag.0);
            }
        }
    }
    assert!(
        nonempty * 3 >= cases as usize,
        "only {nonempty} of {cases} random cases matched any work: a weak test"
    );
}

/// Two timelines of twelve entries, and a third of the works linked to one to three random
/// entries (as spoiling or about them): the entry ids.
async fn link_canon(store: &Store, rng: &mut Rng) -> Vec<i64> {
    let fandoms = [
        TagName::parse("Differential Canon A").unwrap(),
        TagName::parse("Differential Canon B").unwrap(),
    ];
    let titles: Vec<String> = (1..=12).map(|n| format!("Episode {n}")).collect();
    let entries: Vec<NewCanonEntry<'_>> = fandoms
        .iter()
        .flat_map(|fandom| {
            titles
                .iter()
                .enumerate()
                .map(move |(i, title)| NewCanonEntry {
                    fandom,
                    position: i as u32 + 1,
                    season: Some(1),
                    number: Some(i as u32 + 1),
                    title,
                    aired: None,
                })
        })
        .collect();
    store.import_canon(&entries, |_, _| {}).await.unwrap();
    let mut ids = Vec::new();
    for fandom in &fandoms {
        ids.extend(
            store
                .canon_timeline(fandom)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.entry.id),
        );
    }
    assert_eq!(ids.len(), 24);
    for work in 1..=WORKS as i64 {
        if rng.chance(3) {
            for _ in 0..=rng.below(3) {
                let relation = *rng.pick(&["spoils", "spoils", "rewrite", "missing-scene"]);
                let entry = *rng.pick(&ids);
                assert!(store
                    .add_canon_link(WorkId(work), entry, relation)
                    .await
                    .unwrap());
            }
        }
    }
    ids
}

/// A random request and the same filter for SQL.
fn random_case(
    rng: &mut Rng,
    tags: &[TagId],
    names: &[String],
    creators: &[String],
    entries: &[i64],
) -> (SearchRequest, SqlWorkFilter) {
    let mut r = SearchRequest {
        facets: true,
        ..SearchRequest::default()
    };
    let mut f = SqlWorkFilter::default();
    let include_restricted = rng.chance(2);
    r.include_restricted = include_restricted;
    f.include_restricted = include_restricted;
    for _ in 0..rng.below(3) {
        // Mostly common tags, so that the intersection is not always empty.
        let within = rng.below(tags.len() as u64) + 1;
        let tag = tags[rng.below(within) as usize];
        r.include_tag_ids.push(tag);
        f.include_tags.push(tag);
    }
    for _ in 0..rng.below(3) {
        let tag = *rng.pick(tags);
        r.exclude_tag_ids.push(tag);
        f.exclude_tags.push(tag);
    }
    // A name as a reader types it: any case.
    let typed = |rng: &mut Rng, name: &str| match rng.below(3) {
        0 => name.to_uppercase(),
        1 => name.to_lowercase(),
        _ => name.to_owned(),
    };
    if rng.chance(5) {
        let within = rng.below(names.len() as u64) + 1;
        let name = &names[rng.below(within) as usize];
        r.include_tags.push(typed(rng, name));
        f.include_tag_names.push(name.clone());
    }
    if rng.chance(4) {
        // Muted tags.
        for _ in 0..=rng.below(3) {
            let name = rng.pick(names);
            r.exclude_tags.push(typed(rng, name));
            f.exclude_tag_names.push(name.clone());
        }
    }
    if rng.chance(5) {
        // Muted creators.
        for _ in 0..=rng.below(2) {
            let name = rng.pick(creators);
            r.exclude_creators.push(typed(rng, name));
            f.exclude_creator_names.push(name.clone());
        }
    }
    if rng.chance(6) {
        for _ in 0..=rng.below(2) {
            let warning = *rng.pick(&ArchiveWarning::ALL);
            r.warnings.push(warning);
            f.warnings.push(warning.name().to_owned());
        }
    }
    if rng.chance(6) {
        for _ in 0..=rng.below(2) {
            let category = *rng.pick(&Category::ALL);
            r.categories.push(category);
            f.categories.push(category.name().to_owned());
        }
    }
    if rng.chance(4) {
        let ratings = [
            Rating::GeneralAudiences,
            Rating::TeenAndUp,
            Rating::Mature,
            Rating::Explicit,
            Rating::NotRated,
        ];
        for _ in 0..=rng.below(2) {
            let rating = *rng.pick(&ratings);
            r.ratings.push(rating);
            f.ratings.push(rating.code().to_owned());
        }
    }
    if rng.chance(3) {
        let complete = rng.chance(2);
        r.complete = Some(complete);
        f.complete = Some(complete);
    }
    if rng.chance(4) {
        let crossover = rng.chance(2);
        r.crossover = Some(crossover);
        f.crossover = Some(crossover);
    }
    let words = |rng: &mut Rng| {
        [0, 1, 10, 500, 1000, 1500, 2452, 5000, 20_000, 100_000][rng.below(10) as usize]
            + rng.below(300)
    };
    if rng.chance(2) {
        let (lo, hi) = (
            rng.chance(2).then(|| words(rng)),
            rng.chance(2).then(|| words(rng)),
        );
        let forwards = !matches!((lo, hi), (Some(lo), Some(hi)) if lo > hi);
        if rng.chance(3) && forwards && (lo.is_some() || hi.is_some()) {
            // The same range in the search box's language (scored in best-match order).
            let side = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
            r.query = format!("words:{}..{}", side(lo), side(hi));
        } else {
            r.words_from = lo;
            r.words_to = hi;
        }
        f.words_min = lo;
        f.words_max = hi;
    }
    if rng.chance(5) {
        let language = rng.pick(&["en", "fr", "de", "es", "xx"]).to_string();
        r.language = Some(language.clone());
        f.language = Some(language);
    }
    let day = |rng: &mut Rng| {
        NaiveDate::from_ymd_opt(
            2008 + rng.below(20) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
    };
    if rng.chance(2) {
        let (from, to) = (
            rng.chance(2).then(|| day(rng)).flatten(),
            rng.chance(2).then(|| day(rng)).flatten(),
        );
        r.updated_from = from;
        r.updated_to = to;
        f.updated_from = from;
        f.updated_to = to;
    }
    if rng.chance(4) {
        let (from, to) = (
            rng.chance(2).then(|| day(rng)).flatten(),
            rng.chance(2).then(|| day(rng)).flatten(),
        );
        r.published_from = from;
        r.published_to = to;
        f.published_from = from;
        f.published_to = to;
    }
    if rng.chance(3) {
        // A reader part way through one or both canons: the rest of each timeline.
        for timeline in entries.chunks(12) {
            if rng.chance(2) {
                let seen = rng.below(13) as usize;
                r.unseen_canon.extend(&timeline[seen..]);
                f.unseen_canon.extend(&timeline[seen..]);
            }
        }
    }
    if rng.chance(6) {
        // Pseud ids are 1 upwards; an unknown one matches nothing (or leaves everything).
        let pseud = 1 + rng.below(80) as i64;
        if rng.chance(2) {
            r.include_creator_ids.push(pseud);
            f.include_creators.push(pseud);
        } else {
            r.exclude_creator_ids.push(pseud);
            f.exclude_creators.push(pseud);
        }
    }
    let sorts = [
        (Sort::BestMatch, SqlSort::Updated),
        (Sort::Updated, SqlSort::Updated),
        (Sort::Published, SqlSort::Published),
        (Sort::Kudos, SqlSort::Kudos),
        (Sort::Hits, SqlSort::Hits),
        (Sort::Bookmarks, SqlSort::Bookmarks),
        (Sort::Comments, SqlSort::Comments),
        (Sort::Words, SqlSort::Words),
        (Sort::Dialogue, SqlSort::Dialogue),
    ];
    let (sort, sql_sort) = *rng.pick(&sorts);
    r.sort = Some(sort);
    f.sort = sql_sort;
    r.per_page = 1 + rng.below(40) as u32;
    r.page = 1 + rng.below(3);
    (r, f)
}

/// The sort key of each work, in the page's order (works with equal keys may come in either
/// order, so the keys are compared rather than the ids).
async fn sort_keys(
    store: &Store,
    sort: Option<Sort>,
    ids: impl Iterator<Item = WorkId>,
) -> Vec<String> {
    let ids: Vec<WorkId> = ids.collect();
    let blurbs = store.works_by_ids(Audience::Members, &ids).await.unwrap();
    let by_id: HashMap<WorkId, &ajar_store::WorkBlurb> = blurbs.iter().map(|b| (b.id, b)).collect();
    let mut dialogue: HashMap<WorkId, u64> = HashMap::new();
    if sort == Some(Sort::Dialogue) {
        for id in &ids {
            let share = store
                .work_narration(*id)
                .await
                .unwrap()
                .map_or(0.0, |n| n.1);
            dialogue.insert(*id, (share * 1000.0).round() as u64);
        }
    }
    ids.iter()
        .map(|id| {
            let b = by_id[id];
            match sort {
                Some(Sort::Kudos) => b.stats.kudos.to_string(),
                Some(Sort::Hits) => b.stats.hits.to_string(),
                Some(Sort::Bookmarks) => b.stats.bookmarks.to_string(),
                Some(Sort::Comments) => b.stats.comments.to_string(),
                Some(Sort::Words) => b.stats.words.to_string(),
                Some(Sort::Dialogue) => dialogue[id].to_string(),
                Some(Sort::Published) => String::new(), // blurbs carry no date posted
                _ => format!("{:?}", b.updated),
            }
        })
        .collect()
}
