//! Canon timelines in the store, on SQLite and PostgreSQL: entries stored in order and
//! updated by a second import, works linked from their spoiler lines and summaries on the
//! way in and when a timeline arrives later, and an unknown fandom's timeline making its tag.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Chapter, Html, TagName, Work};
use ajar_store::{NewCanonEntry, Store};

ajar_store::backend_tests!(
    works_are_linked_to_the_entries_their_words_name,
    a_second_import_updates_a_timeline_in_place,
    an_edit_reads_the_links_again_and_keeps_the_confirmed_ones,
    a_works_narration_is_worked_out_when_stored_and_when_a_chapter_changes,
    a_readers_progress_names_what_they_have_not_seen,
);

fn work(title: &str, fandom: Option<&str>, spoilers: &str, summary: &str) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec!["writer".into()],
        fandoms: fandom
            .map(|f| TagName::parse(f).unwrap())
            .into_iter()
            .collect(),
        spoilers: Some(spoilers.to_owned()),
        summary: Html::from_plain_text(summary),
        chapters: vec![Chapter {
            body: Html::from_plain_text("Words."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

fn season_4(fandom: &TagName) -> Vec<NewCanonEntry<'_>> {
    [
        (12, "A Family Matter"),
        (13, "Nag Hammadi Is Where They Found the Gnostic Gospels"),
        (14, "The Incredible Sinking Lorelais"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (n, title))| NewCanonEntry {
        fandom,
        position: i as u32 + 1,
        season: Some(4),
        number: Some(n),
        title,
        aired: None,
    })
    .collect()
}

async fn works_are_linked_to_the_entries_their_words_name(store: Store) {
    let gg = TagName::parse("Gilmore Girls").unwrap();
    // Stored before the timeline exists: linked when it arrives.
    let seed = store
        .insert_work(&work(
            "All That's Left",
            None,
            "If you haven't seen the season 4 episode 'Nag Hammadi...' this is spoilerish.",
            "Jess's return leaves Rory confused. Nag Hammadi re-write. One-Parter.",
        ))
        .await
        .unwrap();
    // One that says it only in a tag, with an empty summary, likewise.
    let mut tagged = work("Tagged", Some("Gilmore Girls"), "", "");
    tagged.spoilers = None;
    tagged.tags = vec![TagName::parse("Spoilers up to 4x14").unwrap()];
    let tagged = store.insert_work(&tagged).await.unwrap();
    let done = store.import_canon(&season_4(&gg), |_, _| {}).await.unwrap();
    assert_eq!((done.fandoms, done.entries, done.works_linked), (1, 3, 2));
    // The same timeline again reads the same links: no work is written to (nor reindexed).
    let seq = store.last_change_seq().await.unwrap();
    let again = store.import_canon(&season_4(&gg), |_, _| {}).await.unwrap();
    assert_eq!(again.works_linked, 2);
    assert_eq!(store.last_change_seq().await.unwrap(), seq);
    assert_eq!(
        store.work_canon(tagged).await.unwrap()[0].entry.label(),
        "4×14"
    );
    let links = store.work_canon(seed).await.unwrap();
    let found: Vec<(String, &str, bool)> = links
        .iter()
        .map(|l| (l.entry.label(), l.relation.as_str(), l.inferred))
        .collect();
    assert_eq!(
        found,
        [
            ("4×13".to_owned(), "rewrite", true),
            ("4×13".to_owned(), "spoils", true)
        ]
    );
    // Stored after: linked on the way in, within its fandom.
    let later = store
        .insert_work(&work(
            "Later",
            Some("Gilmore Girls"),
            "Spoilers through S4E12",
            "",
        ))
        .await
        .unwrap();
    let links = store.work_canon(later).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].entry.title, "A Family Matter");
    // Another fandom's work naming 4x12 is not linked to Gilmore Girls.
    let other = store
        .insert_work(&work("Elsewhere", Some("Other Show"), "4x12", ""))
        .await
        .unwrap();
    assert!(store.work_canon(other).await.unwrap().is_empty());

    let timeline = store.canon_timeline(&gg).await.unwrap();
    let counts: Vec<(u64, u64)> = timeline.iter().map(|t| (t.spoiling, t.about)).collect();
    assert_eq!(counts, [(1, 0), (1, 1), (1, 0)]);
    let entry = timeline[1].entry.id;
    assert_eq!(
        store.canon_entry_works(entry, true, 10).await.unwrap(),
        [seed]
    );
    assert_eq!(
        store.canon_entry_works(entry, false, 10).await.unwrap(),
        [seed]
    );
    // Deleting a work takes its links with it.
    store.delete_work(seed).await.unwrap();
    let counts: Vec<(u64, u64)> = store
        .canon_timeline(&gg)
        .await
        .unwrap()
        .iter()
        .map(|t| (t.spoiling, t.about))
        .collect();
    assert_eq!(counts, [(1, 0), (0, 0), (1, 0)]);
}

async fn a_second_import_updates_a_timeline_in_place(store: Store) {
    let gg = TagName::parse("Gilmore Girls").unwrap();
    store.import_canon(&season_4(&gg), |_, _| {}).await.unwrap();
    let first = store.canon_timeline(&gg).await.unwrap();
    let mut again = season_4(&gg);
    again.truncate(2);
    again[0].title = "A Family Matter (renamed)";
    store.import_canon(&again, |_, _| {}).await.unwrap();
    let second = store.canon_timeline(&gg).await.unwrap();
    assert_eq!(second.len(), 2, "entries past the file's last are removed");
    assert_eq!(
        second[0].entry.id, first[0].entry.id,
        "an entry keeps its id"
    );
    assert_eq!(second[0].entry.title, "A Family Matter (renamed)");
    assert!(store
        .canon_timeline(&TagName::parse("No Such Show").unwrap())
        .await
        .unwrap()
        .is_empty());
}

async fn an_edit_reads_the_links_again_and_keeps_the_confirmed_ones(store: Store) {
    let gg = TagName::parse("Gilmore Girls").unwrap();
    store.import_canon(&season_4(&gg), |_, _| {}).await.unwrap();
    let mut w = work(
        "Edited",
        Some("Gilmore Girls"),
        "4x12",
        "A Family Matter re-write.",
    );
    let id = store.insert_work(&w).await.unwrap();
    let relations = |links: &[ajar_store::CanonLink]| -> Vec<(String, String, bool)> {
        links
            .iter()
            .map(|l| (l.entry.label(), l.relation.clone(), l.inferred))
            .collect()
    };
    assert_eq!(
        relations(&store.work_canon(id).await.unwrap()),
        [
            ("4×12".to_owned(), "rewrite".to_owned(), true),
            ("4×12".to_owned(), "spoils".to_owned(), true)
        ]
    );
    let entry = store.work_canon(id).await.unwrap()[0].entry.id;
    assert!(store
        .settle_canon_link(id, entry, "rewrite", true)
        .await
        .unwrap());
    assert!(!store
        .settle_canon_link(id, entry, "divergence", true)
        .await
        .unwrap());
    let by = store
        .create_user(&ajar_store::NewUser {
            name: "editor",
            email: "editor@example.org",
            password_hash: "x",
            role: ajar_core::Role::User,
            invitation: None,
        })
        .await
        .unwrap();
    w.spoilers = Some("S4E13".into());
    w.summary = Html::from_plain_text("Something else entirely.");
    store.update_work_metadata(id, by, &w).await.unwrap();
    assert_eq!(
        relations(&store.work_canon(id).await.unwrap()),
        [
            ("4×12".to_owned(), "rewrite".to_owned(), false),
            ("4×13".to_owned(), "spoils".to_owned(), true)
        ]
    );
}

async fn a_works_narration_is_worked_out_when_stored_and_when_a_chapter_changes(store: Store) {
    let mut w = work("Told", None, "", "");
    w.chapters[0].body = Html::from_plain_text(
        "I walked to the diner before dawn. I ordered coffee and I waited for him, \
         as I always did, and my hands were cold.",
    );
    let id = store.insert_work(&w).await.unwrap();
    let (person, dialogue, names) = store.work_narration(id).await.unwrap().unwrap();
    assert_eq!(
        (person.as_str(), dialogue, names.as_str()),
        ("first", 0.0, "")
    );
    let chapter = Chapter {
        body: Html::from_plain_text(
            "\"Where were you?\" she asked.\n\n\"Out,\" he said. \"Walking. Thinking about \
             everything we said last night, and everything we did not say.\"",
        ),
        ..Chapter::default()
    };
    store.add_chapter(id, &chapter).await.unwrap();
    let (_, dialogue, _) = store.work_narration(id).await.unwrap().unwrap();
    assert!(
        dialogue > 0.3,
        "the new chapter's dialogue counts: {dialogue}"
    );
}

async fn a_readers_progress_names_what_they_have_not_seen(store: Store) {
    let gg = TagName::parse("Gilmore Girls").unwrap();
    store.import_canon(&season_4(&gg), |_, _| {}).await.unwrap();
    let timeline = store.canon_timeline(&gg).await.unwrap();
    let ids: Vec<i64> = timeline.iter().map(|t| t.entry.id).collect();
    let fandom = store
        .canon_fandoms()
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .0;
    assert_eq!(
        store.canon_fandom(fandom).await.unwrap(),
        Some((gg.clone(), 3))
    );
    let reader = store
        .create_user(&ajar_store::NewUser {
            name: "reader",
            email: "reader@example.org",
            password_hash: "x",
            role: ajar_core::Role::User,
            invitation: None,
        })
        .await
        .unwrap();
    assert_eq!(
        store.canon_progress(reader).await.unwrap(),
        ajar_store::CanonProgress::default()
    );
    // Seen up to 4×12: 4×13 and 4×14 are not seen.
    store
        .set_canon_progress(reader, fandom, Some(1))
        .await
        .unwrap();
    store.set_spoiler_blur(reader, true).await.unwrap();
    let progress = store.canon_progress(reader).await.unwrap();
    assert_eq!(progress.seen, [(fandom, 1)]);
    assert!(progress.blur);
    let unseen = store.unseen_canon(&progress.seen).await.unwrap();
    assert_eq!(unseen, ids[1..]);
    assert!(store.unseen_canon(&[(fandom, 3)]).await.unwrap().is_empty());
    assert_eq!(store.unseen_canon(&[(fandom, 0)]).await.unwrap(), ids);

    // A work that spoils 4×13 is named with that entry; one about 4×12 is not.
    let spoiler = store
        .insert_work(&work("Spoils", Some("Gilmore Girls"), "S4E13", ""))
        .await
        .unwrap();
    let safe = store
        .insert_work(&work("Safe", Some("Gilmore Girls"), "4x12", ""))
        .await
        .unwrap();
    let spoiled = store.spoiled_by(&[spoiler, safe], &unseen).await.unwrap();
    assert_eq!(spoiled.len(), 1);
    assert_eq!(spoiled[&spoiler].label(), "4×13");

    // Moving on, and leaving the canon, change only this reader's row.
    store
        .set_canon_progress(reader, fandom, Some(2))
        .await
        .unwrap();
    assert_eq!(
        store.canon_progress(reader).await.unwrap().seen,
        [(fandom, 2)]
    );
    store
        .set_canon_progress(reader, fandom, None)
        .await
        .unwrap();
    assert!(store.canon_progress(reader).await.unwrap().seen.is_empty());

    // A writer's own link is confirmed; an unknown entry or relation changes nothing.
    assert!(store.add_canon_link(safe, ids[2], "spoils").await.unwrap());
    assert!(!store.add_canon_link(safe, 999_999, "spoils").await.unwrap());
    assert!(!store.add_canon_link(safe, ids[2], "sequel").await.unwrap());
    let links: Vec<(String, bool)> = store
        .work_canon(safe)
        .await
        .unwrap()
        .iter()
        .map(|l| (l.entry.label(), l.inferred))
        .collect();
    assert_eq!(
        links,
        [("4×12".to_owned(), true), ("4×14".to_owned(), false)]
    );

    // A whole season in a spoiler line spoils up to its last entry.
    let whole = store
        .insert_work(&work(
            "Whole",
            Some("Gilmore Girls"),
            "Spoilers for all of season 4",
            "",
        ))
        .await
        .unwrap();
    let links = store.work_canon(whole).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].entry.label(), links[0].relation.as_str()),
        ("4×14".to_owned(), "spoils")
    );

    // AO3 writers often say it in a tag: "Spoilers for 4x12", "Spoilers through 4x13". With
    // no spoiler line, the latest entry the spoiler tags name is what the work spoils up to;
    // a tag that does not speak of spoilers is not read.
    let mut tagged = work("Tagged", Some("Gilmore Girls"), "", "");
    tagged.spoilers = None;
    tagged.tags = [
        "Spoilers for 4x12",
        "Spoilers through 4x13",
        "Fluff about 4x14",
    ]
    .iter()
    .map(|t| TagName::parse(t).unwrap())
    .collect();
    let tagged = store.insert_work(&tagged).await.unwrap();
    let links = store.work_canon(tagged).await.unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].entry.label(), "4×13");
}
