//! What the search index reads from the store: works hydrated in bulk, one row per work,
//! with their creators in credit order, every tag, and every chapter's text in order. Runs
//! on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, Html, TagName, Work, WorkId};
use ajar_store::testing::execute_sql;
use ajar_store::Store;

ajar_store::backend_tests!(works_for_the_index_carry_creators_tags_and_text_in_order,);

fn chapter(position: u32, html: &str) -> Chapter {
    Chapter {
        position,
        body: Html::from_stored(html.to_owned()),
        ..Chapter::default()
    }
}

async fn works_for_the_index_carry_creators_tags_and_text_in_order(store: Store) {
    let mut work = Work {
        title: "The Long Way Round".into(),
        creators: vec!["Zed \"Quotes\" O'Neil".into(), "amy, comma".into()],
        summary: Html::from_stored("<p>A <em>summary</em>.</p>".into()),
        chapters: vec![
            chapter(1, "<p>First chapter words.</p>"),
            chapter(2, "<p>Second chapter words.</p>"),
            chapter(3, "<p>Third &amp; last.</p>"),
        ],
        ..Work::default()
    };
    work.fandoms = vec![TagName::parse("Gilmore Girls").unwrap()];
    work.characters = vec![
        TagName::parse("Rory Gilmore").unwrap(),
        TagName::parse("Jess Mariano").unwrap(),
    ];
    let id = store.insert_work(&work).await.unwrap();
    let mut draft = work.clone();
    draft.title = "A draft".into();
    let draft = store.insert_work(&draft).await.unwrap();
    execute_sql(
        &store,
        &format!(
            "UPDATE works SET visibility = 'draft' WHERE id = {}",
            draft.0
        ),
    )
    .await
    .unwrap();

    for found in [
        store
            .index_works_in(WorkId(1), WorkId(100), true)
            .await
            .unwrap(),
        store
            .index_works(&[id, draft, WorkId(9999)], true)
            .await
            .unwrap(),
    ] {
        assert_eq!(found.len(), 1, "drafts and missing works are left out");
        let w = &found[0];
        assert_eq!(w.id, id);
        let names: Vec<&str> = w.creators.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["Zed \"Quotes\" O'Neil", "amy, comma"]);
        assert!(w.creators.iter().all(|(pseud, _)| *pseud > 0));
        // The rating is a tag too: 1 fandom + 2 characters + 1.
        let mut tags = w.tag_ids.clone();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), 4, "{:?}", w.tag_ids);
        let text = w.text.as_deref().unwrap();
        let first = text.find("First").unwrap();
        let second = text.find("Second").unwrap();
        let third = text.find("Third & last").unwrap();
        assert!(first < second && second < third, "{text}");
        assert_eq!(w.summary, "A summary.");
    }
    let without = store
        .index_works_in(WorkId(0), WorkId(100), false)
        .await
        .unwrap();
    assert_eq!(store.last_work_id().await.unwrap(), draft);
    assert_eq!(without[0].text, None);
    assert_eq!(without[0].creators.len(), 2);
}
