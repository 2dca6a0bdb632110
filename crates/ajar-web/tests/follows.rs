//! Subscriptions and the updates page, reading history and "mark for later".

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    updates_show_new_works_and_chapters_from_subscriptions_only,
    history_counts_visits_and_later_keeps_a_list,
    a_long_backlog_of_updates_is_shown_over_visits_not_dropped,
);

use ajar_core::{Chapter, Html, Rating, SeriesMembership, TagName, Visibility, Work};
use common::{Client, TestApp};
use reqwest::StatusCode;

fn work(title: &str, creator: &str, tags: &[&str], chapters: usize) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.to_owned()],
        fandoms: vec![TagName::parse("Follow Fandom").unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        rating: Rating::GeneralAudiences,
        chapters: (0..chapters)
            .map(|n| Chapter {
                body: Html::from_plain_text(&format!("Chapter {} of {title}.", n + 1)),
                ..Chapter::default()
            })
            .collect(),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn subscribe(client: &Client, kind: &str, target: &str, on: bool) {
    let done = client
        .post(
            "/subscriptions",
            &[
                ("kind", kind),
                ("target", target),
                ("subscribe", if on { "true" } else { "false" }),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/subscriptions");
}

async fn updates_show_new_works_and_chapters_from_subscriptions_only(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.insert(&work("Old Alice Work", "alice", &[], 1)).await;
    let followed_work = app
        .insert(&work("Followed Serial", "Someone Else", &[], 1))
        .await;
    let mut in_series = work("Series Part One", "Series Writer", &[], 1);
    in_series.series = vec![SeriesMembership {
        title: "The Long Series".into(),
        position: 1,
    }];
    app.insert(&in_series).await;
    app.insert(&work("Old Fluff", "Stranger", &["Fluffy Tag"], 1))
        .await;

    // Guests are sent to log in.
    let guest = app.guest();
    for path in [
        "/updates",
        "/subscriptions",
        "/subscriptions/new?tag=Fluffy%20Tag",
    ] {
        let page = guest.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().starts_with("/login?return_to="), "{path}");
    }
    let refused = guest
        .post(
            "/subscriptions",
            &[("kind", "tag"), ("target", "1"), ("subscribe", "true")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Bob subscribes to a creator (from their manage page), a tag, a series and a work.
    let alice_pseud = app.store.pseud_by_name("alice").await.unwrap().unwrap().id;
    let manage = bob.get("/users/alice/manage").await;
    assert!(manage.body.contains(">Subscribe<"), "{}", manage.body);
    subscribe(&bob, "creator", &alice_pseud.to_string(), true).await;
    let manage = bob.get("/users/alice/manage").await;
    assert!(manage.body.contains(">Unsubscribe<"), "{}", manage.body);

    let tag_page = bob.get("/tags/Fluffy%20Tag").await;
    assert!(
        tag_page
            .body
            .contains("/subscriptions/new?tag=Fluffy%20Tag"),
        "{}",
        tag_page.body
    );
    let page = bob.get("/subscriptions/new?tag=Fluffy%20Tag").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Subscribe to the tag Fluffy Tag"));
    let tag_id = app.store.tag_id_named("Fluffy Tag").await.unwrap().unwrap();
    subscribe(&bob, "tag", &tag_id.to_string(), true).await;
    let page = bob.get("/subscriptions/new?tag=Fluffy%20Tag").await;
    assert!(page.body.contains(">Unsubscribe<"), "{}", page.body);

    let series_page = bob.get("/series/1").await;
    assert!(series_page.body.contains("/subscriptions/new?series=1"));
    let page = bob.get("/subscriptions/new?series=1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The Long Series"));
    subscribe(&bob, "series", "1", true).await;

    let work_page = bob.get(&format!("/works/{followed_work}")).await;
    assert!(work_page.body.contains(">Subscribe<"), "{}", work_page.body);
    subscribe(&bob, "work", &followed_work.to_string(), true).await;
    let work_page = bob.get(&format!("/works/{followed_work}")).await;
    assert!(work_page.body.contains(">Unsubscribe<"));

    let bad = bob
        .post(
            "/subscriptions",
            &[("kind", "planet"), ("target", "1"), ("subscribe", "true")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = bob
        .post(
            "/subscriptions",
            &[("kind", "work"), ("target", "9999"), ("subscribe", "true")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let list = bob.get("/subscriptions").await;
    assert_eq!(list.status, StatusCode::OK);
    for text in [
        "Creator:",
        ">alice<",
        "Tag:",
        ">Fluffy Tag<",
        "Series:",
        ">The Long Series<",
        "Work:",
        ">Followed Serial<",
    ] {
        assert!(list.body.contains(text), "{text} in {}", list.body);
    }

    // Nothing is new yet: what existed before subscribing is not an update.
    let updates = bob.get("/updates").await;
    assert_eq!(updates.status, StatusCode::OK);
    assert!(updates.body.contains("Nothing new"), "{}", updates.body);

    // New things arrive: some followed, some not.
    app.insert(&work("New Alice Work", "alice", &[], 2)).await;
    app.insert(&work("New Fluff", "Stranger", &["Fluffy Tag"], 1))
        .await;
    app.insert(&work("Unfollowed Angst", "Stranger", &["Angst"], 1))
        .await;
    let mut part_two = work("Series Part Two", "Series Writer", &[], 1);
    part_two.series = vec![SeriesMembership {
        title: "The Long Series".into(),
        position: 2,
    }];
    app.insert(&part_two).await;
    let chapter = Chapter {
        body: Html::from_plain_text("The second chapter."),
        ..Chapter::default()
    };
    app.store
        .add_chapter(followed_work, &chapter)
        .await
        .unwrap();
    // A draft by a followed creator is no update for anyone else.
    let draft = app.insert(&work("Alice Draft", "alice", &[], 1)).await;
    app.store
        .set_visibility(draft, Visibility::Draft)
        .await
        .unwrap();

    let updates = bob.get("/updates").await;
    assert_eq!(updates.status, StatusCode::OK);
    for text in [
        "New Alice Work",
        "New Fluff",
        "Series Part Two",
        "Followed Serial",
        "1 new chapter",
        "New work",
        "since your last visit",
    ] {
        assert!(updates.body.contains(text), "{text} in {}", updates.body);
    }
    for text in [
        "Unfollowed Angst",
        "Old Alice Work",
        "Old Fluff",
        "Alice Draft",
    ] {
        assert!(!updates.body.contains(text), "{text} in {}", updates.body);
    }
    // Newest first.
    let at = |t: &str| updates.body.find(t).unwrap();
    assert!(at("Followed Serial") < at("New Alice Work"));

    // Seen now.
    let again = bob.get("/updates").await;
    assert!(again.body.contains("Nothing new"), "{}", again.body);
    // The draft, posted now, is new to its creator's subscribers.
    app.store
        .set_visibility(draft, Visibility::Public)
        .await
        .unwrap();
    let posted = bob.get("/updates").await;
    assert!(posted.body.contains("Alice Draft"), "{}", posted.body);
    assert!(bob.get("/updates").await.body.contains("Nothing new"));
    // Carol follows nothing.
    let hers = carol.get("/updates").await;
    assert!(hers.body.contains("Nothing new"));

    // Unsubscribed: the tag's next work is no update.
    subscribe(&bob, "tag", &tag_id.to_string(), false).await;
    app.insert(&work("More Fluff", "Stranger", &["Fluffy Tag"], 1))
        .await;
    let updates = bob.get("/updates").await;
    assert!(!updates.body.contains("More Fluff"), "{}", updates.body);
    let list = bob.get("/subscriptions").await;
    assert!(!list.body.contains(">Fluffy Tag<"));
}

async fn history_counts_visits_and_later_keeps_a_list(app: &TestApp) {
    let bob = app.user("bob").await;
    let long = app.insert(&work("Long Read", "Writer", &[], 3)).await;
    let short = app.insert(&work("Short Read", "Writer", &[], 1)).await;
    let unopened = app.insert(&work("Someday Read", "Writer", &[], 1)).await;
    let draft = app.insert(&work("Secret Draft", "Writer", &[], 1)).await;
    app.store
        .set_visibility(draft, Visibility::Draft)
        .await
        .unwrap();

    let history = bob.get("/history").await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("You have not opened any works yet."));

    assert_eq!(
        bob.get(&format!("/works/{long}")).await.status,
        StatusCode::OK
    );
    let page = bob.get(&format!("/works/{long}/chapters/2")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(">Mark for later<"), "{}", page.body);
    bob.get(&format!("/works/{short}")).await;
    // Guests leave no history.
    app.guest().get(&format!("/works/{unopened}")).await;

    let history = bob.get("/history").await;
    for text in [
        "Long Read",
        "visited 2 times",
        "last chapter read: 2",
        "Short Read",
        "visited once",
    ] {
        assert!(history.body.contains(text), "{text} in {}", history.body);
    }
    assert!(!history.body.contains("Someday Read"));
    assert!(history.body.find("Short Read").unwrap() < history.body.find("Long Read").unwrap());

    // Mark for later: from the work page, and one never opened.
    let done = bob
        .post(
            &format!("/works/{long}/later"),
            &[
                ("later", "true"),
                ("return_to", &format!("/works/{long}/chapters/2")),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), format!("/works/{long}/chapters/2"));
    let done = bob
        .post(&format!("/works/{unopened}/later"), &[("later", "true")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = bob.get(&format!("/works/{long}")).await;
    assert!(page.body.contains(">Remove from later<"));

    let later = bob.get("/later").await;
    assert_eq!(later.status, StatusCode::OK);
    for text in [
        "Long Read",
        "Someday Read",
        "not opened yet",
        "Remove from later",
    ] {
        assert!(later.body.contains(text), "{text} in {}", later.body);
    }
    assert!(!later.body.contains("Short Read"));
    let history = bob.get("/history").await;
    assert!(!history.body.contains("Someday Read"));

    // A work one may not see cannot be marked; guests cannot mark at all.
    let refused = bob
        .post(&format!("/works/{draft}/later"), &[("later", "true")])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let refused = app
        .guest()
        .post(&format!("/works/{long}/later"), &[("later", "true")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let guest_page = app.guest().get("/later").await;
    assert_eq!(guest_page.status, StatusCode::SEE_OTHER);

    // Removing: the never-opened one leaves no trace, the read one stays in history.
    for id in [unopened, long] {
        let done = bob
            .post(
                &format!("/works/{id}/later"),
                &[("later", "false"), ("return_to", "/later")],
            )
            .await;
        assert_eq!(done.location(), "/later");
    }
    let later = bob.get("/later").await;
    assert!(
        later.body.contains("Nothing is marked for later."),
        "{}",
        later.body
    );
    let history = bob.get("/history").await;
    assert!(history.body.contains("Long Read"));
    assert!(!history.body.contains("Someday Read"));
}

async fn a_long_backlog_of_updates_is_shown_over_visits_not_dropped(app: &TestApp) {
    let bob = app.user("bob").await;
    app.insert(&work("Old Backlog", "Stranger", &["Backlog Tag"], 1))
        .await;
    let tag_id = app
        .store
        .tag_id_named("Backlog Tag")
        .await
        .unwrap()
        .unwrap();
    subscribe(&bob, "tag", &tag_id.to_string(), true).await;
    assert!(bob.get("/updates").await.body.contains("Nothing new"));

    // 105 new works, oldest first: more than a page.
    let backlog: Vec<Work> = (1..=105)
        .map(|n| work(&format!("Backlog {n:03}"), "Stranger", &["Backlog Tag"], 1))
        .collect();
    for stored in app.store.insert_works(&backlog).await.unwrap() {
        stored.unwrap();
    }
    app.caught_up().await;
    let shown = |body: &str| -> Vec<u32> {
        (1..=105)
            .filter(|n| body.contains(&format!("Backlog {n:03}<")))
            .collect()
    };

    // The first visit shows the oldest 100 and says 5 more are waiting.
    let first = bob.get("/updates").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(shown(&first.body), (1..=100).collect::<Vec<_>>());
    assert!(
        first
            .body
            .contains("5 more updated works will be shown on your next visit"),
        "{}",
        first.body
    );

    // The next shows the other 5, and nothing is left after that.
    let second = bob.get("/updates").await;
    assert_eq!(shown(&second.body), (101..=105).collect::<Vec<_>>());
    assert!(!second.body.contains("more updated"), "{}", second.body);
    assert!(bob.get("/updates").await.body.contains("Nothing new"));
}
