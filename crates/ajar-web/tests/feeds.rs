//! Atom feeds: a tag's, a creator's and a work's, read back with the `atom_syndication`
//! parser as a feed reader would, and announced in the head of the pages they follow. Who
//! sees what in them (never a restricted, draft or hidden work) is in `access_matrix.rs`.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    feeds_list_works_and_chapters_for_feed_readers,
    a_tag_feed_holds_the_twenty_latest_works,
);

use ajar_core::{Chapter, Html, Rating, TagName, Work};
use atom_syndication::Feed;
use chrono::NaiveDate;
use common::TestApp;
use reqwest::StatusCode;

fn work(title: &str, creator: &str, tag: &str, updated: NaiveDate) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.to_owned()],
        summary: Html::from_plain_text(&format!("Summary of {title}.")),
        fandoms: vec![TagName::parse("Feed Fandom").unwrap()],
        rating: Rating::GeneralAudiences,
        tags: vec![TagName::parse(tag).unwrap()],
        chapters: vec![
            Chapter {
                body: Html::from_plain_text("The first chapter."),
                ..Chapter::default()
            },
            Chapter {
                title: Some("The Return".into()),
                summary: Html::from_plain_text("Chapter two's summary."),
                body: Html::from_plain_text("The second chapter."),
                ..Chapter::default()
            },
        ],
        published: Some(updated),
        updated: Some(updated),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

/// Fetches a feed, checks it is served as Atom, and parses it.
async fn feed(client: &common::Client, path: &str) -> Feed {
    let fetched = client.get(path).await;
    assert_eq!(fetched.status, StatusCode::OK, "{path}: {}", fetched.body);
    let content_type = fetched.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{path}: {content_type}"
    );
    Feed::read_from(fetched.body.as_bytes()).unwrap()
}

async fn feeds_list_works_and_chapters_for_feed_readers(app: &TestApp) {
    let older = app
        .insert(&work("Older Feed Work", "feedwriter", "Feed Tag", day(1)))
        .await;
    let newer = app
        .insert(&work("Newer Feed Work", "feedwriter", "Feed Tag", day(9)))
        .await;
    let guest = app.guest();

    // A tag's feed: most recently updated first, each work with what a blurb shows.
    let tag = feed(&guest, "/tags/Feed%20Tag/feed.atom").await;
    assert!(tag.title.as_str().contains("Feed Tag"), "{:?}", tag.title);
    assert_eq!(tag.id, format!("{}/tags/Feed%20Tag/feed.atom", app.base));
    let titles: Vec<&str> = tag.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Newer Feed Work", "Older Feed Work"]);
    let entry = &tag.entries[0];
    let url = format!("{}/works/{newer}", app.base);
    assert_eq!(entry.id, url);
    assert_eq!(entry.links[0].href, url);
    assert_eq!(entry.authors[0].name, "feedwriter");
    assert_eq!(
        entry.authors[0].uri.as_deref(),
        Some(format!("{}/users/feedwriter", app.base).as_str())
    );
    assert_eq!(entry.updated.date_naive(), day(9));
    assert_eq!(tag.updated, entry.updated);
    let terms: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
    assert!(
        terms.contains(&"Feed Tag") && terms.contains(&"Feed Fandom"),
        "{terms:?}"
    );
    let summary = entry.summary.as_ref().unwrap().as_str();
    assert!(summary.contains("Summary of Newer Feed Work."), "{summary}");
    assert!(summary.contains("Additional Tags: Feed Tag"), "{summary}");

    // A creator's feed.
    let creator = feed(&guest, "/users/feedwriter/works/feed.atom").await;
    let titles: Vec<&str> = creator.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Newer Feed Work", "Older Feed Work"]);

    // A work's feed: its chapters, newest first.
    let chapters = feed(&guest, &format!("/works/{older}/feed.atom")).await;
    assert_eq!(chapters.title.as_str(), "Older Feed Work");
    let titles: Vec<&str> = chapters.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Chapter 2: The Return", "Chapter 1"]);
    assert_eq!(
        chapters.entries[0].id,
        format!("{}/works/{older}/chapters/2", app.base)
    );
    assert!(chapters.entries[0]
        .summary
        .as_ref()
        .unwrap()
        .as_str()
        .contains("Chapter two"));

    // No feed for what is not there.
    for path in [
        "/tags/No%20Such%20Tag/feed.atom",
        "/users/nobody_here/works/feed.atom",
        "/works/999999/feed.atom",
        "/works/abc/feed.atom",
    ] {
        assert_eq!(
            guest.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Pages announce their feed; a tag listing offers it to readers too.
    let tag_works = guest.get("/tags/Feed%20Tag/works").await.body;
    assert!(
        tag_works.contains("href=\"/tags/Feed%20Tag/feed.atom\">Subscribe to the feed</a>"),
        "{tag_works}"
    );
    for (page, feed_href) in [
        ("/tags/Feed%20Tag/works", "/tags/Feed%20Tag/feed.atom"),
        ("/tags/Feed%20Tag", "/tags/Feed%20Tag/feed.atom"),
        ("/users/feedwriter", "/users/feedwriter/works/feed.atom"),
        (
            "/users/feedwriter/works",
            "/users/feedwriter/works/feed.atom",
        ),
        (
            &format!("/works/{older}"),
            &format!("/works/{older}/feed.atom"),
        ),
    ] {
        let body = guest.get(page).await.body;
        let (start, end) = (
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"",
            format!("\" href=\"{feed_href}\">"),
        );
        let announced = body
            .split(start)
            .skip(1)
            .any(|rest| rest.lines().next().is_some_and(|l| l.ends_with(&end)));
        assert!(announced, "{page} does not announce {feed_href}");
    }
}

async fn a_tag_feed_holds_the_twenty_latest_works(app: &TestApp) {
    let works: Vec<Work> = (1..=21)
        .map(|n| work(&format!("Many Work {n}"), "prolific", "Many Tag", day(n)))
        .collect();
    for result in app.store.insert_works(&works).await.unwrap() {
        result.unwrap();
    }
    // A tag's feed, like its listing, comes from the search index (within a second).
    app.caught_up().await;
    let tag = feed(&app.guest(), "/tags/Many%20Tag/feed.atom").await;
    assert_eq!(tag.entries.len(), 20);
    assert_eq!(tag.entries[0].title.as_str(), "Many Work 21");
    assert!(tag
        .entries
        .iter()
        .all(|e| e.title.as_str() != "Many Work 1"));
}
