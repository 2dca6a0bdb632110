//! What a hostile probe of the archive found (issue 10, its small fixes and the suspended
//! accounts), each kept fixed over real HTTP: tag pages that told a stranger which tags
//! drafts use, a muted reader's comment counts, refused forms that echoed an oversized field
//! back whole, works with thousands of tags, and a suspended account's works, comments and
//! bookmarks.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, Rating, TagName, Visibility, Work, WorkId};
use common::{Client, TestApp};
use reqwest::StatusCode;

fn work(title: &str, creator: &str, tags: &[&str]) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.into()],
        fandoms: vec![TagName::parse("Probe Fandom").unwrap()],
        rating: Rating::GeneralAudiences,
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        chapters: vec![Chapter {
            body: Html::from_plain_text(&format!("The text of {title}.")),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn status(client: &Client, path: &str) -> StatusCode {
    client.get(path).await.status
}

/// A tag that only drafts, hidden or (for guests) restricted works carry answers exactly as a
/// tag no one ever used: 404 on its page, its listing and its feed. Tags on listed works
/// and the fixed tags (ratings, warnings, categories) keep their pages.
#[tokio::test]
async fn tags_only_unlisted_works_carry_are_not_there() {
    let app = TestApp::spawn().await;
    let reader = app.user("reader").await;
    let guest = app.guest();
    let draft = app
        .insert(&work("Draft Work", "writer", &["Draft Only Tag"]))
        .await;
    app.store
        .set_visibility(draft, Visibility::Draft)
        .await
        .unwrap();
    let hidden = app
        .insert(&work("Hidden Work", "writer", &["Hidden Only Tag"]))
        .await;
    app.store.set_work_hidden(hidden, true).await.unwrap();
    let restricted = app
        .insert(&work("Restricted Work", "writer", &["Members Only Tag"]))
        .await;
    app.store
        .set_visibility(restricted, Visibility::Restricted)
        .await
        .unwrap();
    app.insert(&work("Public Work", "writer", &["Public Tag"]))
        .await;
    app.caught_up().await;

    for tag in [
        "Draft%20Only%20Tag",
        "Hidden%20Only%20Tag",
        "Members%20Only%20Tag",
        "Never%20Used%20Tag",
    ] {
        for path in [
            format!("/tags/{tag}"),
            format!("/tags/{tag}/works"),
            format!("/tags/{tag}/feed.atom"),
        ] {
            assert_eq!(status(&guest, &path).await, StatusCode::NOT_FOUND, "{path}");
            if !tag.starts_with("Members") {
                assert_eq!(
                    status(&reader, &path).await,
                    StatusCode::NOT_FOUND,
                    "{path} for a reader"
                );
            }
        }
    }
    // The restricted work's tag is there for those who may list the work (its feed is the
    // public view, whoever fetches it).
    assert_eq!(
        status(&reader, "/tags/Members%20Only%20Tag").await,
        StatusCode::OK
    );
    assert_eq!(
        status(&reader, "/tags/Members%20Only%20Tag/works").await,
        StatusCode::OK
    );
    for path in [
        "/tags/Public%20Tag",
        "/tags/Public%20Tag/works",
        "/tags/Public%20Tag/feed.atom",
        "/tags/Probe%20Fandom",
        "/tags/General%20Audiences",
    ] {
        assert_eq!(status(&guest, path).await, StatusCode::OK, "{path}");
    }
    // A fixed tag stays even when only a draft carries it.
    let mut explicit = work("Explicit Draft", "writer", &[]);
    explicit.rating = Rating::Explicit;
    let explicit = app.insert(&explicit).await;
    app.store
        .set_visibility(explicit, Visibility::Draft)
        .await
        .unwrap();
    assert_eq!(status(&guest, "/tags/Explicit").await, StatusCode::OK);
    // And the tag's page does not name the draft's work either.
    let page = guest.get("/tags/Explicit").await;
    assert!(page.body.contains("0 works"), "{}", page.body);
}
