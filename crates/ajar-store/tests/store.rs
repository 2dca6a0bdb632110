//! The store's behaviour, one suite for both backends: every `async fn(Store)` below runs as
//! `sqlite::<name>` on a fresh SQLite file and as `postgres::<name>` on a fresh PostgreSQL
//! database (see `ajar_store::testing` for how to point it at one).

#![allow(clippy::unwrap_used)]

use ajar_core::{
    ArchiveWarning, Category, Chapter, ExtraField, Html, Language, Rating, SeriesMembership,
    TagKind, TagName, Work, WorkId,
};
use ajar_store::testing::{
    drop_failing_trigger, execute_sql, failing_trigger, table_row_counts, TestStore,
};
use ajar_store::Audience;
use ajar_store::{Backend, SqlWorkFilter, Store, StoreError, WorkStats};
use chrono::NaiveDate;

ajar_store::backend_tests!(
    a_rich_work_reads_back_as_stored,
    the_store_fills_in_dates_and_renumbers_chapters,
    tags_and_creators_are_shared_case_insensitively,
    tags_keep_their_kinds,
    each_insert_appends_a_change,
    an_invalid_work_is_refused_and_stores_nothing,
    a_failure_half_way_leaves_nothing_behind,
    a_batch_stores_the_good_works_and_drops_the_bad,
    recent_works_are_newest_first_with_their_blurbs,
    works_by_ids_keeps_the_given_order,
    completion_is_stored_as_stated_or_not_stated,
    a_header_has_no_bodies_but_knows_chapter_words,
    chapters_by_position_and_missing_ids,
    concurrent_writers_share_new_tags,
    a_write_given_up_half_way_leaves_no_transaction_open,
);

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn chapter(title: Option<&str>, text: &str) -> Chapter {
    Chapter {
        position: 0,
        title: title.map(str::to_owned),
        body: Html::from_plain_text(text),
        ..Chapter::default()
    }
}

/// A small valid work.
fn simple_work(title: &str) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec!["Writer".to_owned()],
        fandoms: vec![tag("Gilmore Girls")],
        chapters: vec![chapter(None, "Coffee, coffee, coffee.")],
        published: Some(date(2010, 5, 1)),
        updated: Some(date(2010, 5, 1)),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// A work that uses every field, with text from several scripts.
fn rich_work() -> Work {
    let mut work = Work {
        title: "All That's Left — «Ce qui reste» 残されたもの".to_owned(),
        creators: vec!["Ľubica Nováková".to_owned(), "夜の作家".to_owned()],
        summary: Html::sanitize(
            "<p>After <em>Nag Hammadi</em>, Rory &amp; Jess talk. <a href=\"https://example.org/x\">link</a></p>",
        ),
        notes: Html::sanitize("<p>Written the night it aired.</p><blockquote>“So… this is it?”</blockquote>"),
        end_notes: Html::sanitize("<p>Thanks for reading! <strong>Kudos</strong> welcome.</p>"),
        fandoms: vec![tag("Gilmore Girls"), tag("Gilmore Girls: A Year in the Life")],
        rating: Rating::Mature,
        warnings: vec![ArchiveWarning::MajorCharacterDeath, ArchiveWarning::GraphicViolence],
        categories: vec![Category::FM, Category::Gen],
        relationships: vec![tag("Rory Gilmore/Jess Mariano")],
        characters: vec![tag("Rory Gilmore"), tag("Jess Mariano"), tag("Lorelai Gilmore")],
        tags: vec![tag("Post-Canon"), tag("Angst"), tag("Ångström-level Pining"), tag("日本語のタグ")],
        language: Language::parse("Français").unwrap(),
        spoilers: Some("If you haven't seen the season 4 episode 'Nag Hammadi...'".to_owned()),
        series: vec![
            SeriesMembership { title: "Stars Hollow Nights".to_owned(), position: 2 },
            SeriesMembership { title: "Après tout".to_owned(), position: 1 },
        ],
        chapters: vec![
            Chapter {
                position: 0,
                title: Some("Chapitre un : le café".to_owned()),
                summary: Html::sanitize("<p>Coffee.</p>"),
                notes: Html::sanitize("<p>Beta'd by a friend.</p>"),
                end_notes: Html::sanitize("<p>More soon.</p>"),
                body: Html::from_plain_text(
                    "The past twenty-four hours have gone by.\n\n“So… this is it?” she asked.\n\nЁжик в тумане. 日本語です。",
                ),
            },
            chapter(None, "Second chapter, no title.\nA line break.\n\nAnd a <tag> in text."),
            Chapter {
                position: 0,
                title: Some("Epilogue 🌙".to_owned()),
                body: Html::sanitize("<p>The <em>end</em>.</p><hr><ul><li>one</li><li>two</li></ul>"),
                ..Chapter::default()
            },
        ],
        expected_chapters: Some(5),
        complete: Some(false),
        published: Some(date(2004, 2, 3)),
        updated: Some(date(2024, 12, 31)),
        extra: vec![
            ExtraField { key: "Disclaimer".to_owned(), value: "Not mine; ASP's.".to_owned() },
            ExtraField { key: "Beta".to_owned(), value: "Ölmez 🐢".to_owned() },
            ExtraField { key: "Disclaimer".to_owned(), value: "A second disclaimer, kept too.".to_owned() },
        ],
    };
    work.renumber_chapters();
    work
}

async fn a_rich_work_reads_back_as_stored(store: Store) {
    let work = rich_work();
    let id = store.insert_work(&work).await.unwrap();
    let stored = store.work(id).await.unwrap().expect("the work is stored");
    assert_eq!(stored.id, id);
    assert_eq!(stored.work, work);
    assert_eq!(
        stored.stats,
        WorkStats {
            words: work.words(),
            chapters: 3,
            ..WorkStats::default()
        }
    );
    assert!(stored.created_at <= chrono::Utc::now());
    assert_eq!(stored.created_at, stored.modified_at);
    // A second read gives the same (nothing is re-derived differently on the way out).
    assert_eq!(store.work(id).await.unwrap().unwrap().work, work);
}

async fn the_store_fills_in_dates_and_renumbers_chapters(store: Store) {
    let mut work = simple_work("Dateless");
    work.published = None;
    work.updated = None;
    work.chapters = vec![chapter(Some("A"), "One."), chapter(Some("B"), "Two.")];
    work.chapters[0].position = 7;
    work.chapters[1].position = 7;
    let id = store.insert_work(&work).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap().work;

    let today = chrono::Utc::now().date_naive();
    assert!(stored.published == Some(today) || stored.published == today.pred_opt());
    assert_eq!(stored.updated, stored.published);

    let mut expected = work.clone();
    expected.renumber_chapters();
    expected.published = stored.published;
    expected.updated = stored.published;
    assert_eq!(stored, expected);

    // Updated but no published date: published is today, updated stays.
    let mut work = simple_work("Updated only");
    work.published = None;
    work.updated = Some(date(2001, 1, 1));
    let id = store.insert_work(&work).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap().work;
    assert_eq!(stored.updated, Some(date(2001, 1, 1)));
    assert!(stored.published.is_some());
}

async fn tags_and_creators_are_shared_case_insensitively(store: Store) {
    let mut first = simple_work("First");
    first.creators = vec!["Anna Ångström".to_owned()];
    first.fandoms = vec![tag("Gilmore Girls")];
    first.tags = vec![tag("Slow Burn"), tag("ÉTÉ")];
    first.series = vec![SeriesMembership {
        title: "The Series".to_owned(),
        position: 1,
    }];
    let mut second = simple_work("Second");
    second.creators = vec![
        "anna ångström".to_owned(),
        "Bob".to_owned(),
        "BOB".to_owned(),
    ];
    second.fandoms = vec![tag("gilmore girls"), tag("GILMORE GIRLS")];
    second.tags = vec![tag("slow burn"), tag("été")];
    second.series = vec![SeriesMembership {
        title: "the series".to_owned(),
        position: 2,
    }];

    let a = store.insert_work(&first).await.unwrap();
    let b = store.insert_work(&second).await.unwrap();
    let second_back = store.work(b).await.unwrap().unwrap().work;
    // Existing rows are reused with their first spelling; repeats within a work collapse.
    assert_eq!(second_back.creators, ["Anna Ångström", "Bob"]);
    assert_eq!(second_back.fandoms, [tag("Gilmore Girls")]);
    assert_eq!(second_back.tags, [tag("Slow Burn"), tag("ÉTÉ")]);
    assert_eq!(
        second_back.series,
        [SeriesMembership {
            title: "The Series".to_owned(),
            position: 2
        }]
    );
    assert_eq!(store.work(a).await.unwrap().unwrap().work, first);

    let fandoms = store.fandoms_with_counts(Audience::Public).await.unwrap();
    assert_eq!(fandoms.len(), 1);
    assert_eq!(fandoms[0].name, tag("Gilmore Girls"));
    assert_eq!(fandoms[0].kind, TagKind::Fandom);
    assert_eq!(fandoms[0].works, 2);

    let counts = table_row_counts(&store).await;
    let count = |table: &str| counts.iter().find(|(t, _)| *t == table).unwrap().1;
    assert_eq!(count("pseuds"), 2);
    assert_eq!(count("series"), 1);
    // rating + warning-free works: 1 rating tag, 1 fandom, 2 freeform.
    assert_eq!(count("tags"), 4);

    let listed = store
        .works_with_tag(
            Audience::Public,
            TagKind::Freeform,
            &tag("SLOW BURN"),
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|w| w.id).collect::<Vec<_>>(), [b, a]);
    assert_eq!(
        store
            .count_works_with_tag(Audience::Public, TagKind::Freeform, &tag("slow burn"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_works_with_tag(Audience::Public, TagKind::Fandom, &tag("slow burn"))
            .await
            .unwrap(),
        0
    );
}

async fn tags_keep_their_kinds(store: Store) {
    let mut work = rich_work();
    // The same name as a character and as an additional tag: two tags.
    work.tags.push(tag("Rory Gilmore"));
    let id = store.insert_work(&work).await.unwrap();
    let back = store.work(id).await.unwrap().unwrap().work;
    assert_eq!(back.characters, work.characters);
    assert_eq!(back.tags, work.tags);

    let characters = store
        .tag_work_counts(Audience::Public, TagKind::Character)
        .await
        .unwrap();
    let names: Vec<&str> = characters.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Jess Mariano", "Lorelai Gilmore", "Rory Gilmore"]);
    assert!(characters
        .iter()
        .all(|t| t.kind == TagKind::Character && t.works == 1));

    let freeform = store
        .tag_work_counts(Audience::Public, TagKind::Freeform)
        .await
        .unwrap();
    assert!(freeform.iter().any(|t| t.name == tag("Rory Gilmore")));
    let rory_character = characters
        .iter()
        .find(|t| t.name == tag("Rory Gilmore"))
        .unwrap();
    let rory_freeform = freeform
        .iter()
        .find(|t| t.name == tag("Rory Gilmore"))
        .unwrap();
    assert_ne!(rory_character.id, rory_freeform.id);

    // The required tags are tags too, with AO3's names.
    let ratings = store
        .tag_work_counts(Audience::Public, TagKind::Rating)
        .await
        .unwrap();
    assert_eq!(
        ratings.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Mature"]
    );
    let warnings = store
        .tag_work_counts(Audience::Public, TagKind::Warning)
        .await
        .unwrap();
    assert_eq!(
        warnings.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Graphic Depictions Of Violence", "Major Character Death"]
    );
    let categories = store
        .tag_work_counts(Audience::Public, TagKind::Category)
        .await
        .unwrap();
    assert_eq!(
        categories
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["F/M", "Gen"]
    );
    let by_warning = store
        .works_with_tag(
            Audience::Public,
            TagKind::Warning,
            &tag("major character death"),
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(by_warning.len(), 1);
    assert_eq!(by_warning[0].id, id);
}

async fn each_insert_appends_a_change(store: Store) {
    assert_eq!(store.changes_since(0, 100).await.unwrap(), []);
    assert_eq!(store.last_change_seq().await.unwrap(), 0);
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three"] {
        ids.push(store.insert_work(&simple_work(title)).await.unwrap());
    }
    let changes = store.changes_since(0, 100).await.unwrap();
    assert_eq!(changes.len(), 3);
    for (change, id) in changes.iter().zip(&ids) {
        assert_eq!(change.entity, "work");
        assert_eq!(change.entity_id, id.0);
        assert_eq!(change.op, "insert");
    }
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(changes.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(store.last_change_seq().await.unwrap(), changes[2].seq);

    let after_first = store.changes_since(changes[0].seq, 100).await.unwrap();
    assert_eq!(after_first, changes[1..]);
    let limited = store.changes_since(0, 2).await.unwrap();
    assert_eq!(limited, changes[..2]);
    assert_eq!(store.changes_since(changes[2].seq, 100).await.unwrap(), []);
}

async fn assert_empty(store: &Store) {
    for (table, rows) in table_row_counts(store).await {
        assert_eq!(rows, 0, "table {table} has rows left");
    }
}

async fn an_invalid_work_is_refused_and_stores_nothing(store: Store) {
    let mut work = rich_work();
    work.chapters.clear();
    let err = store.insert_work(&work).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid(ajar_core::ValidationError::NoChapters)
        ),
        "{err}"
    );

    let mut work = rich_work();
    work.title = "   ".to_owned();
    assert!(matches!(
        store.insert_work(&work).await,
        Err(StoreError::Invalid(_))
    ));
    assert_empty(&store).await;
}

async fn a_failure_half_way_leaves_nothing_behind(store: Store) {
    let backend = store.backend();
    // The `changes` row is the last thing written: failing there, everything before it (the
    // pseuds, tags, series, work, chapters...) must be rolled back.
    execute_sql(
        &store,
        &failing_trigger(backend, "INSERT", "changes", "NEW.entity = 'work'"),
    )
    .await
    .unwrap();
    let err = store.insert_work(&rich_work()).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err}");
    assert!(err.to_string().contains("forced failure"), "{err}");
    assert_empty(&store).await;

    // Half-way through the chapters.
    execute_sql(&store, &drop_failing_trigger(backend, "changes"))
        .await
        .unwrap();
    execute_sql(
        &store,
        &failing_trigger(backend, "INSERT", "chapters", "NEW.position = 3"),
    )
    .await
    .unwrap();
    assert!(store.insert_work(&rich_work()).await.is_err());
    assert_empty(&store).await;

    // The store is still usable, and a later insert goes through whole.
    execute_sql(&store, &drop_failing_trigger(backend, "chapters"))
        .await
        .unwrap();
    let id = store.insert_work(&rich_work()).await.unwrap();
    assert_eq!(store.work(id).await.unwrap().unwrap().work, rich_work());
    assert_eq!(store.changes_since(0, 10).await.unwrap().len(), 1);
}

async fn a_batch_stores_the_good_works_and_drops_the_bad(store: Store) {
    let backend = store.backend();
    execute_sql(
        &store,
        &failing_trigger(backend, "INSERT", "works", "NEW.title = 'Doomed'"),
    )
    .await
    .unwrap();
    let mut doomed = simple_work("Doomed");
    doomed.creators = vec!["Ghost Writer".to_owned()];
    doomed.tags = vec![tag("Only In Doomed")];
    let mut invalid = simple_work("Invalid");
    invalid.chapters.clear();
    let works = [simple_work("Good one"), doomed, invalid, rich_work()];

    let results = store.insert_works(&works).await.unwrap();
    assert_eq!(results.len(), 4);
    let first = *results[0].as_ref().unwrap();
    assert!(matches!(results[1], Err(StoreError::Database(_))));
    assert!(matches!(results[2], Err(StoreError::Invalid(_))));
    let last = *results[3].as_ref().unwrap();

    assert_eq!(store.work_count().await.unwrap(), 2);
    assert_eq!(store.work(first).await.unwrap().unwrap().work, works[0]);
    assert_eq!(store.work(last).await.unwrap().unwrap().work, works[3]);
    let changes = store.changes_since(0, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| c.entity_id).collect::<Vec<_>>(),
        [first.0, last.0]
    );
    // Nothing of the doomed work survived, not even the tag and pseud it brought.
    assert_eq!(
        store
            .count_works_with_tag(Audience::Public, TagKind::Freeform, &tag("Only In Doomed"))
            .await
            .unwrap(),
        0
    );
    assert!(store
        .tag_work_counts(Audience::Public, TagKind::Freeform)
        .await
        .unwrap()
        .iter()
        .all(|t| t.name != tag("Only In Doomed")));
    let counts = table_row_counts(&store).await;
    let pseuds = counts.iter().find(|(t, _)| *t == "pseuds").unwrap().1;
    assert_eq!(
        pseuds, 3,
        "Writer and the rich work's two creators, not the ghost"
    );

    // A batch of only invalid works touches nothing; an empty batch is fine.
    assert!(store.insert_works(&[works[2].clone()]).await.unwrap()[0].is_err());
    assert!(store.insert_works(&[]).await.unwrap().is_empty());
}

async fn recent_works_are_newest_first_with_their_blurbs(store: Store) {
    let mut old = simple_work("Old");
    old.updated = Some(date(2011, 1, 1));
    let mut new = simple_work("New");
    new.updated = Some(date(2020, 6, 1));
    let mut tie_a = simple_work("Tie A");
    tie_a.updated = Some(date(2015, 3, 3));
    let mut tie_b = simple_work("Tie B");
    tie_b.updated = Some(date(2015, 3, 3));
    let old_id = store.insert_work(&old).await.unwrap();
    let new_id = store.insert_work(&new).await.unwrap();
    let a_id = store.insert_work(&tie_a).await.unwrap();
    let b_id = store.insert_work(&tie_b).await.unwrap();
    let rich = rich_work();
    let rich_id = store.insert_work(&rich).await.unwrap();

    let all = store
        .recent_works(Audience::Public, None, 10, 0)
        .await
        .unwrap();
    let order: Vec<WorkId> = all.iter().map(|b| b.id).collect();
    // Rich (2024), New (2020), Tie B, Tie A (same day: newer id first), Old (2011).
    assert_eq!(order, [rich_id, new_id, b_id, a_id, old_id]);
    assert_eq!(store.work_count().await.unwrap(), 5);

    let page: Vec<WorkId> = store
        .recent_works(Audience::Public, None, 2, 1)
        .await
        .unwrap()
        .iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(page, [new_id, b_id]);
    assert!(store
        .recent_works(Audience::Public, None, 10, 5)
        .await
        .unwrap()
        .is_empty());

    let blurb = &all[0];
    assert_eq!(blurb.title, rich.title);
    assert_eq!(blurb.creators, rich.creators);
    assert_eq!(blurb.fandoms, rich.fandoms);
    assert_eq!(blurb.rating, Rating::Mature);
    assert_eq!(blurb.warnings, rich.warnings);
    assert_eq!(blurb.categories, rich.categories);
    assert_eq!(blurb.relationships, rich.relationships);
    assert_eq!(blurb.characters, rich.characters);
    assert_eq!(blurb.tags, rich.tags);
    assert_eq!(blurb.summary, rich.summary);
    assert_eq!(blurb.language, rich.language);
    assert_eq!(blurb.complete, Some(false));
    assert_eq!(blurb.expected_chapters, Some(5));
    assert_eq!(blurb.updated, Some(date(2024, 12, 31)));
    assert_eq!(
        blurb.stats,
        WorkStats {
            words: rich.words(),
            chapters: 3,
            ..WorkStats::default()
        }
    );

    let plain = &all[4];
    assert_eq!(plain.title, "Old");
    assert_eq!(plain.creators, ["Writer"]);
    assert_eq!(plain.fandoms, [tag("Gilmore Girls")]);
    assert_eq!(plain.rating, Rating::NotRated);
    assert!(plain.warnings.is_empty() && plain.tags.is_empty());
    assert_eq!(plain.language.code(), "en");
    assert_eq!(plain.stats.words, 3);

    // Walking every id, a page at a time.
    let first = store.work_ids_after(WorkId(0), 3).await.unwrap();
    let rest = store
        .work_ids_after(*first.last().unwrap(), 3)
        .await
        .unwrap();
    assert_eq!(
        [first, rest].concat(),
        [old_id, new_id, a_id, b_id, rich_id]
    );
}

async fn works_by_ids_keeps_the_given_order(store: Store) {
    let a = store.insert_work(&simple_work("A")).await.unwrap();
    let b = store.insert_work(&rich_work()).await.unwrap();
    let c = store.insert_work(&simple_work("C")).await.unwrap();
    let blurbs = store
        .works_by_ids(Audience::Public, &[c, WorkId(999_999), a, b, c])
        .await
        .unwrap();
    let ids: Vec<WorkId> = blurbs.iter().map(|w| w.id).collect();
    assert_eq!(ids, [c, a, b, c]);
    // Every tag list, in the order the work gives it (tags are folded into one row per work).
    let rich = rich_work();
    assert_eq!(blurbs[2].fandoms, rich.fandoms);
    assert_eq!(blurbs[2].warnings, rich.warnings);
    assert_eq!(blurbs[2].categories, rich.categories);
    assert_eq!(blurbs[2].relationships, rich.relationships);
    assert_eq!(blurbs[2].characters, rich.characters);
    assert_eq!(blurbs[2].tags, rich.tags);
    assert_eq!(blurbs[0].fandoms, simple_work("C").fandoms);
    assert_eq!(blurbs[0].title, "C");
    assert!(store
        .works_by_ids(Audience::Public, &[])
        .await
        .unwrap()
        .is_empty());
}

async fn completion_is_stored_as_stated_or_not_stated(store: Store) {
    let mut ids = Vec::new();
    for complete in [Some(true), Some(false), None] {
        let mut work = simple_work(&format!("{complete:?}"));
        work.complete = complete;
        work.expected_chapters = (complete == Some(true)).then_some(1);
        let id = store.insert_work(&work).await.unwrap();
        assert_eq!(
            store.work(id).await.unwrap().unwrap().work.complete,
            complete
        );
        ids.push(id);
    }
    let blurbs = store.works_by_ids(Audience::Public, &ids).await.unwrap();
    let read: Vec<_> = blurbs.iter().map(|b| b.complete).collect();
    assert_eq!(read, [Some(true), Some(false), None]);
    // A work that does not say is neither complete nor in progress to a filter.
    for (complete, want) in [
        (Some(true), vec![ids[0]]),
        (Some(false), vec![ids[1]]),
        (None, ids.clone()),
    ] {
        let found = store
            .filter_works_sql(&SqlWorkFilter {
                complete,
                limit: 10,
                ..SqlWorkFilter::default()
            })
            .await
            .unwrap();
        let mut got = found.ids;
        got.sort();
        assert_eq!(got, want, "complete = {complete:?}");
    }
}

async fn a_header_has_no_bodies_but_knows_chapter_words(store: Store) {
    let work = rich_work();
    let id = store.insert_work(&work).await.unwrap();
    let header = store.work_header(id).await.unwrap().expect("a header");
    assert_eq!(header.id, id);
    assert!(header.work.chapters.iter().all(|c| c.body.is_empty()));
    let words: Vec<u64> = work.chapters.iter().map(Chapter::words).collect();
    assert_eq!(header.chapter_words, words);
    assert_eq!(header.stats.words, words.iter().sum::<u64>());
    assert_eq!(header.stats.chapters, 3);

    let mut expected = work.clone();
    for chapter in &mut expected.chapters {
        chapter.body = Html::default();
    }
    assert_eq!(header.work, expected);
}

async fn chapters_by_position_and_missing_ids(store: Store) {
    let work = rich_work();
    let id = store.insert_work(&work).await.unwrap();
    for (i, expected) in work.chapters.iter().enumerate() {
        let chapter = store
            .chapter(id, i as u32 + 1)
            .await
            .unwrap()
            .expect("a chapter");
        assert_eq!(&chapter, expected);
    }
    assert_eq!(store.chapter(id, 0).await.unwrap(), None);
    assert_eq!(store.chapter(id, 4).await.unwrap(), None);
    let missing = WorkId(id.0 + 1000);
    assert_eq!(store.chapter(missing, 1).await.unwrap(), None);
    assert!(store.work(missing).await.unwrap().is_none());
    assert!(store.work_header(missing).await.unwrap().is_none());
}

async fn concurrent_writers_share_new_tags(store: Store) {
    // Writers of single works and of batches at once, all bringing the same new tags and
    // creators: every work is stored, each tag once, and the feed has every work in order.
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let works: Vec<Work> = (0..6)
                .map(|i| {
                    let mut work = simple_work(&format!("Writer {writer} work {i}"));
                    work.creators = vec![format!("Shared Creator {}", i % 3)];
                    work.tags = vec![tag(&format!("Shared Tag {}", i % 3)), tag("Everyone")];
                    work
                })
                .collect();
            if writer % 2 == 0 {
                let mut ids = Vec::new();
                for work in &works {
                    ids.push(store.insert_work(work).await.unwrap());
                }
                ids
            } else {
                let (a, b) = works.split_at(3);
                let mut ids = Vec::new();
                for batch in [a, b] {
                    for result in store.insert_works(batch).await.unwrap() {
                        ids.push(result.unwrap());
                    }
                }
                ids
            }
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }
    assert_eq!(ids.len(), 24);
    assert_eq!(store.work_count().await.unwrap(), 24);
    let freeform = store
        .tag_work_counts(Audience::Public, TagKind::Freeform)
        .await
        .unwrap();
    let names: Vec<(&str, u64)> = freeform
        .iter()
        .map(|t| (t.name.as_str(), t.works))
        .collect();
    assert_eq!(
        names,
        [
            ("Everyone", 24),
            ("Shared Tag 0", 8),
            ("Shared Tag 1", 8),
            ("Shared Tag 2", 8)
        ]
    );
    let changes = store.changes_since(0, 100).await.unwrap();
    assert_eq!(changes.len(), 24);
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    let mut changed: Vec<i64> = changes.iter().map(|c| c.entity_id).collect();
    changed.sort_unstable();
    let mut stored: Vec<i64> = ids.iter().map(|id| id.0).collect();
    stored.sort_unstable();
    assert_eq!(changed, stored);
}

// ---------------------------------------------------------------------------------------
// SQLite only: opening, and two processes on one file.

#[tokio::test]
async fn sqlite_open_creates_the_folder_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("ajar-data");
    let store = Store::open(None, &data).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.insert_work(&simple_work("First")).await.unwrap();
    assert!(data.join("ajar.db").is_file());
    assert!(
        data.join("ajar.db-wal").exists(),
        "the database is in WAL mode"
    );
    store.close().await;

    // Reopening finds the work; migrations are not re-run destructively.
    let store = Store::open(None, &data).await.unwrap();
    assert_eq!(store.work_count().await.unwrap(), 1);
    store.close().await;

    let url = format!("sqlite://{}", data.join("ajar.db").display());
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.work_count().await.unwrap(), 1);
    store.close().await;
}

#[tokio::test]
async fn urls_are_understood_or_refused_clearly() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let id = store.insert_work(&simple_work("In memory")).await.unwrap();
    assert_eq!(
        store.work(id).await.unwrap().unwrap().work.title,
        "In memory"
    );

    let err = Store::connect("mysql://root:hunter2@localhost/ajar")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)));
    assert!(!err.to_string().contains("hunter2"), "{err}");

    let err = Store::connect("postgres://ajar:hunter2@127.0.0.1:1/nothing")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_second_process_writes_while_the_first_reads() {
    let db = TestStore::sqlite().await;
    let server = db.store().clone();
    // A second handle on the same file, as `ajar import` beside `ajar serve`.
    let importer = Store::open(None, db.data_dir().unwrap()).await.unwrap();

    let writer = tokio::spawn({
        let importer = importer.clone();
        async move {
            let mut ids = Vec::new();
            for i in 0..30 {
                ids.push(
                    importer
                        .insert_work(&simple_work(&format!("Imported {i}")))
                        .await
                        .unwrap(),
                );
                if i % 10 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            ids
        }
    });
    // Meanwhile the server reads, never blocked or refused.
    let mut seen = 0;
    let mut reads = 0;
    while !writer.is_finished() || seen < 30 {
        let count = server.work_count().await.unwrap();
        assert!(count >= seen, "counts never go backwards");
        seen = count;
        let listed = server
            .recent_works(Audience::Public, None, 5, 0)
            .await
            .unwrap();
        assert!(listed.len() as u64 <= count.max(5));
        reads += 1;
        if writer.is_finished() && seen < 30 {
            seen = server.work_count().await.unwrap();
            break;
        }
    }
    let ids = writer.await.unwrap();
    assert_eq!(seen, 30);
    assert!(reads > 1);
    // The server sees the newest work, whole, without reopening.
    let last = server
        .work(*ids.last().unwrap())
        .await
        .unwrap()
        .expect("visible to the reader");
    assert_eq!(last.work.title, "Imported 29");

    // Both handles writing at once: BEGIN IMMEDIATE + busy timeout serialize them.
    let a = tokio::spawn({
        let s = server.clone();
        async move {
            for i in 0..15 {
                s.insert_work(&simple_work(&format!("Server {i}")))
                    .await
                    .unwrap();
            }
        }
    });
    let b = tokio::spawn({
        let s = importer.clone();
        async move {
            let batch: Vec<Work> = (0..15)
                .map(|i| simple_work(&format!("Batch {i}")))
                .collect();
            for result in s.insert_works(&batch).await.unwrap() {
                result.unwrap();
            }
        }
    });
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(server.work_count().await.unwrap(), 60);
    assert_eq!(importer.work_count().await.unwrap(), 60);
    let changes = server.changes_since(0, 1000).await.unwrap();
    assert_eq!(changes.len(), 60);
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));

    importer.close().await;
    db.cleanup().await;
}

/// SQLite is built as `.cargo/config.toml` asks (`LIBSQLITE3_FLAGS`): each connection keeps
/// a page cache of its own, and no global lock guards memory statistics. libsqlite3-sys's
/// defaults put every connection's pages behind one global mutex, which the page benchmark
/// showed as lock waits on every query.
#[tokio::test]
async fn sqlite_is_built_for_connections_on_threads_of_their_own() {
    let test = ajar_store::testing::TestStore::sqlite().await;
    let options = ajar_store::testing::sqlite_compile_options(test.store())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
    test.cleanup().await;
}

async fn a_write_given_up_half_way_leaves_no_transaction_open(store: Store) {
    // A request's write is dropped wherever it is when its client goes away. Give up writes
    // after every delay from nothing to a whole write's time: whatever moment each was
    // stopped at, the connections go back to the pool with no transaction open, so every
    // connection's next write goes through (an open one would hold SQLite's write lock, and
    // its connection would refuse to begin another).
    for step in 0..400u64 {
        let work = simple_work(&format!("Given up {step}"));
        let _ = tokio::time::timeout(
            std::time::Duration::from_micros(step * 5),
            store.insert_work(&work),
        )
        .await;
    }
    let mut writers = Vec::new();
    for writer in 0..12 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            tokio::time::timeout(
                std::time::Duration::from_secs(20),
                store.insert_work(&simple_work(&format!("Kept {writer}"))),
            )
            .await
        }));
    }
    for writer in writers {
        let written = writer.await.unwrap();
        assert!(
            matches!(written, Ok(Ok(_))),
            "a write after the given-up ones failed: {written:?}"
        );
    }
}
