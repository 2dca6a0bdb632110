//! What reading pages ask of the store (fandoms by media, listings by tag name, creator and
//! series, hits once per visitor per day), on both backends.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, Html, Media, SeriesMembership, TagKind, TagName, Work, WorkId};
use ajar_store::Audience;
use ajar_store::{Backend, Hit, KudosOutcome, Kudoser, Store};
use chrono::NaiveDate;

ajar_store::backend_tests!(
    fandoms_are_grouped_by_media,
    listings_by_tag_name_creator_and_series,
    hits_count_once_per_visitor_per_day,
    the_data_version_changes_with_each_write,
);

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

fn work(title: &str, creator: &str, fandom: &str, day: u32) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec![creator.to_owned()],
        fandoms: vec![tag(fandom)],
        characters: vec![tag("Rory Gilmore")],
        chapters: vec![Chapter {
            body: Html::from_plain_text("Coffee."),
            ..Chapter::default()
        }],
        published: NaiveDate::from_ymd_opt(2020, 1, day),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn fandoms_are_grouped_by_media(store: Store) {
    store
        .insert_work(&work("A", "w", "Gilmore Girls", 1))
        .await
        .unwrap();
    store
        .insert_work(&work("B", "w", "Gilmore Girls", 2))
        .await
        .unwrap();
    store.insert_work(&work("C", "w", "Emma", 3)).await.unwrap();
    let seq = store.last_change_seq().await.unwrap();
    assert!(store
        .set_fandom_media(&tag("GILMORE GIRLS"), Media::TvShows)
        .await
        .unwrap());
    assert!(
        !store
            .set_fandom_media(&tag("Rory Gilmore"), Media::TvShows)
            .await
            .unwrap(),
        "not a fandom"
    );
    assert_eq!(
        store.changes_since(seq, 10).await.unwrap().len(),
        1,
        "one tag change"
    );

    let groups = store.fandoms_by_media(Audience::Public).await.unwrap();
    let summary: Vec<(Media, Vec<(String, u64)>)> = groups
        .iter()
        .map(|g| {
            (
                g.media,
                g.fandoms
                    .iter()
                    .map(|f| (f.name.to_string(), f.works))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (Media::TvShows, vec![("Gilmore Girls".to_owned(), 2)]),
            (Media::Uncategorized, vec![("Emma".to_owned(), 1)]),
        ]
    );
    let popular = store.popular_fandoms(Audience::Public, 1).await.unwrap();
    assert_eq!(popular.len(), 1);
    assert_eq!(
        (popular[0].name.as_str(), popular[0].works),
        ("Gilmore Girls", 2)
    );

    store
        .set_fandom_media(&tag("Gilmore Girls"), Media::Uncategorized)
        .await
        .unwrap();
    let groups = store.fandoms_by_media(Audience::Public).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].fandoms.len(), 2);
}

async fn listings_by_tag_name_creator_and_series(store: Store) {
    let mut a = work("Older", "Writer", "Gilmore Girls", 1);
    a.series = vec![SeriesMembership {
        title: "Saga".into(),
        position: 2,
    }];
    let mut b = work("Newer", "writer", "Emma", 9);
    b.series = vec![SeriesMembership {
        title: "saga".into(),
        position: 1,
    }];
    let a = store.insert_work(&a).await.unwrap();
    let b = store.insert_work(&b).await.unwrap();

    let (works, total) = store
        .works_tagged(Audience::Public, &tag("rory gilmore"), 20, 0)
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(works.iter().map(|w| w.id).collect::<Vec<_>>(), vec![b, a]);
    let (works, total) = store
        .works_tagged(Audience::Public, &tag("rory gilmore"), 1, 1)
        .await
        .unwrap();
    assert_eq!((works.len(), works[0].id, total), (1, a, 2));
    let (works, total) = store
        .works_tagged(Audience::Public, &tag("Nobody"), 20, 0)
        .await
        .unwrap();
    assert!(works.is_empty() && total == 0);
    let kinds = store
        .tags_named(Audience::Public, &tag("emma"))
        .await
        .unwrap();
    assert_eq!(kinds.len(), 1);
    assert_eq!((kinds[0].kind, kinds[0].works), (TagKind::Fandom, 1));
    // The same tags by id, uncounted (a tag page counts them in the search index).
    assert_eq!(
        store.tags_with_name(&tag("EMMA")).await.unwrap(),
        vec![(kinds[0].id, TagKind::Fandom)]
    );
    assert!(store
        .tags_with_name(&tag("Nobody"))
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .tags_named(Audience::Public, &tag("Nobody"))
        .await
        .unwrap()
        .is_empty());

    let creator = store
        .creator(Audience::Public, "WRITER")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((creator.name.as_str(), creator.works), ("Writer", 2));
    assert!(store
        .creator(Audience::Public, "someone else")
        .await
        .unwrap()
        .is_none());
    let (works, total) = store
        .works_by_creator(Audience::Public, &[], "writer", 20, 0)
        .await
        .unwrap();
    assert_eq!((works.len(), total), (2, 2));

    let parts = store.work_series(a).await.unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!((parts[0].title.as_str(), parts[0].position), ("Saga", 2));
    let series = store
        .series(Audience::Public, parts[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(series.title, "Saga");
    let order: Vec<(u32, WorkId)> = series.works.iter().map(|(p, w)| (*p, w.id)).collect();
    assert_eq!(order, vec![(1, b), (2, a)]);
    assert!(store
        .series(Audience::Public, ajar_core::SeriesId(9999))
        .await
        .unwrap()
        .is_none());
}

async fn hits_count_once_per_visitor_per_day(store: Store) {
    let id = store
        .insert_work(&work("Read", "w", "Emma", 1))
        .await
        .unwrap();
    let seq = store.last_change_seq().await.unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let hit = |visitor: &str, day: NaiveDate| Hit {
        work: id,
        visitor: visitor.to_owned(),
        day,
    };
    let added = store
        .record_hits(&[
            hit("a", day),
            hit("a", day),
            hit("b", day),
            Hit {
                work: WorkId(9999),
                ..hit("c", day)
            },
        ])
        .await
        .unwrap();
    assert_eq!(added, 2);
    assert_eq!(
        store
            .record_hits(&[hit("a", day), hit("b", day)])
            .await
            .unwrap(),
        0
    );
    let next = day.succ_opt().unwrap();
    assert_eq!(store.record_hits(&[hit("a", next)]).await.unwrap(), 1);
    assert_eq!(store.work_header(id).await.unwrap().unwrap().stats.hits, 3);
    assert_eq!(
        store.last_change_seq().await.unwrap(),
        seq,
        "hits stay out of the feed"
    );

    assert_eq!(store.prune_hits_before(next).await.unwrap(), 2);
    assert_eq!(store.record_hits(&[hit("a", next)]).await.unwrap(), 0);
    assert_eq!(store.record_hits(&[]).await.unwrap(), 0);
}

async fn the_data_version_changes_with_each_write(store: Store) {
    let before = store.data_version();
    assert!(before.is_some());
    if store.backend() == Backend::Postgres {
        // This process's writes: other tests write meanwhile, so only a change is certain.
        store.insert_work(&work("W", "w", "Emma", 1)).await.unwrap();
        assert_ne!(store.data_version(), before, "a write is a new version");
        return;
    }
    assert_eq!(store.data_version(), before, "reading changes nothing");
    store.work_count().await.unwrap();
    assert_eq!(store.data_version(), before);
    store.insert_work(&work("W", "w", "Emma", 1)).await.unwrap();
    let after = store.data_version();
    assert_ne!(after, before);
    let id = store.insert_work(&work("X", "w", "Emma", 2)).await.unwrap();
    let written = store.data_version();
    assert_ne!(written, after);
    // Counting hits changes no page but its counter: caches keyed on the version stay.
    let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    for visitor in ["one", "two"] {
        let hit = Hit {
            work: id,
            visitor: visitor.to_owned(),
            day,
        };
        assert_eq!(store.record_hits(&[hit]).await.unwrap(), 1);
    }
    assert_eq!(store.data_version(), written, "counting hits is quiet");
    // So is leaving kudos: the web layer forgets the work's own pages itself.
    let guest = Kudoser::Guest {
        cookie: "a guest",
        address: None,
    };
    assert_eq!(
        store.leave_kudos(id, guest).await.unwrap(),
        KudosOutcome::Left
    );
    assert_eq!(store.data_version(), written, "leaving kudos is quiet");
    store.insert_work(&work("Y", "w", "Emma", 3)).await.unwrap();
    assert_ne!(store.data_version(), written);
}
