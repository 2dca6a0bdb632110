//! What readers do with a work, over real HTTP: kudos, comments (threads, edits, deletes,
//! every comment policy, mutes and blocks) and bookmarks.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    kudos_once_per_account_and_never_on_ones_own_work,
    no_kudos_on_works_the_reader_cannot_see,
    comment_reply_edit_and_delete,
    guests_sign_their_comments_and_bad_comments_are_refused,
    hostile_comment_html_is_sanitized,
    comment_policies_users_moderated_and_off,
    blocked_users_cannot_comment_and_muted_ones_are_hidden,
    no_comments_on_works_the_reader_cannot_see,
    bookmarks_public_and_private,
    commenting_too_fast_is_refused_with_a_message,
    a_long_chain_of_replies_is_shown_whole_at_a_bounded_depth,
    a_work_with_many_comments_shows_twenty_threads_a_page,
);

use ajar_core::{Chapter, Html, Work, WorkId};
use ajar_store::testing::execute_sql;
use common::{Client, TestApp};
use reqwest::StatusCode;

/// A work by `creator` (an account made beforehand, so the work is theirs) with `chapters`
/// chapters.
fn work_by(creator: &str, title: &str, chapters: u32) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec![creator.to_owned()],
        chapters: (1..=chapters)
            .map(|n| Chapter {
                body: Html::from_plain_text(&format!("The text of chapter {n}.")),
                ..Chapter::default()
            })
            .collect(),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn sql(app: &TestApp, statement: &str) {
    execute_sql(&app.store, statement).await.unwrap();
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    app.store.user_by_name(name).await.unwrap().unwrap().id.0
}

/// The kudos count in a work page's stats.
fn kudos_stat(page: &str) -> &str {
    stat(page, "kudos")
}

fn stat<'a>(page: &'a str, class: &str) -> &'a str {
    let marker = format!("<dd class=\"{class}\">");
    let at = page.find(&marker).unwrap() + marker.len();
    &page[at..at + page[at..].find('<').unwrap()]
}

async fn stored_stats(app: &TestApp, id: WorkId) -> ajar_store::WorkStats {
    app.store.work_header(id).await.unwrap().unwrap().stats
}

// ---------------------------------------------------------------------------------------
// Kudos

async fn kudos_once_per_account_and_never_on_ones_own_work(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = app.insert(&work_by("alice", "Kudos Please", 1)).await;
    let before = app
        .store
        .work_header(id)
        .await
        .unwrap()
        .unwrap()
        .modified_at;

    let page = bob.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("No kudos yet."), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/works/{id}/kudos\"")));

    let left = bob.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    assert_eq!(left.location(), format!("/works/{id}#kudos"));
    let again = bob.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("You have already left kudos here"));
    assert_eq!(stored_stats(app, id).await.kudos, 1, "no double count");

    carol.post(&format!("/works/{id}/kudos"), &[]).await;
    let page = bob.get(&format!("/works/{id}")).await;
    assert_eq!(kudos_stat(&page.body), "2");
    assert!(
        page.body
            .contains("2 users left kudos: <a href=\"/users/carol\">carol</a> and <a href=\"/users/bob\">bob</a>"),
        "{}",
        page.body
    );
    // Bob has left kudos: no button for him, a note instead.
    assert!(page.body.contains("You left kudos on this work."));
    assert!(!page.body.contains(&format!("action=\"/works/{id}/kudos\"")));

    // The creator gets no button, and is refused if they try.
    let own = alice.get(&format!("/works/{id}")).await;
    assert!(!own.body.contains(&format!("action=\"/works/{id}/kudos\"")));
    let refused = alice.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("your own work"));
    assert_eq!(stored_stats(app, id).await.kudos, 2);

    // The work changed for pages and the index.
    let after = app
        .store
        .work_header(id)
        .await
        .unwrap()
        .unwrap()
        .modified_at;
    assert!(after > before);
    let changes = app.store.changes_since(0, 100).await.unwrap();
    assert!(changes
        .iter()
        .any(|c| c.entity == "work" && c.entity_id == id.0 && c.counts_only()));

    // No such work: 404, nothing stored.
    let missing = bob.post("/works/9999/kudos", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn kudos_once_per_guest() {
    // Behind a proxy (this test's client), so that guests can come from several addresses.
    let app = TestApp::behind_proxy().await;
    app.user("alice").await;
    let id = app.insert(&work_by("alice", "Guests Welcome", 1)).await;

    let first = app.guest();
    first.get(&format!("/works/{id}")).await;
    assert!(first.cookie("ajar_visitor").is_some());
    let left = first.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    let again = first.post(&format!("/works/{id}/kudos"), &[]).await;
    assert!(again.body.contains("You have already left kudos here"));

    // Clearing cookies (a fresh jar) from the same address gives no second kudos.
    let cleared = app.guest();
    cleared.get(&format!("/works/{id}")).await;
    let refused = cleared.post(&format!("/works/{id}/kudos"), &[]).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .body
            .contains("A guest can leave kudos on a work once from each address"),
        "{}",
        refused.body
    );
    assert_eq!(stored_stats(&app, id).await.kudos, 1);

    // A guest without a visitor cookie is known by their CSRF cookie (and their address).
    let second = app.guest();
    second.get("/login").await;
    assert!(second.cookie("ajar_visitor").is_none());
    let kudos = format!("/works/{id}/kudos");
    let left = second.post_forwarded(&kudos, &[], "198.51.100.2").await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.body);
    let again = second.post_forwarded(&kudos, &[], "198.51.100.3").await;
    assert!(again.body.contains("You have already left kudos here"));

    let page = app.guest().get(&format!("/works/{id}")).await;
    assert_eq!(kudos_stat(&page.body), "2");
    assert!(
        page.body.contains("2 guests left kudos on this work."),
        "{}",
        page.body
    );
    // Guests share the page: everyone gets the button.
    assert!(page.body.contains(&format!("action=\"/works/{id}/kudos\"")));
    assert_eq!(stored_stats(&app, id).await.kudos, 2);

    // Without the CSRF token: refused, nothing counted.
    let forged = app
        .guest()
        .post_raw(&format!("/works/{id}/kudos"), &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(stored_stats(&app, id).await.kudos, 2);
}

async fn no_kudos_on_works_the_reader_cannot_see(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let draft = app.insert(&work_by("alice", "Draft", 1)).await;
    let restricted = app.insert(&work_by("alice", "Members Only", 1)).await;
    sql(
        app,
        &format!("UPDATE works SET visibility = 'draft' WHERE id = {draft}"),
    )
    .await;
    sql(
        app,
        &format!("UPDATE works SET visibility = 'restricted' WHERE id = {restricted}"),
    )
    .await;

    let refused = bob.post(&format!("/works/{draft}/kudos"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let guest = app.guest();
    let refused = guest.post(&format!("/works/{restricted}/kudos"), &[]).await;
    // A guest is asked to log in (403 with a log-in link), and nothing is counted.
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("/login?return_to="),
        "{}",
        refused.body
    );
    assert_eq!(stored_stats(app, draft).await.kudos, 0);
    assert_eq!(stored_stats(app, restricted).await.kudos, 0);
    // A member may.
    let ok = bob.post(&format!("/works/{restricted}/kudos"), &[]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

// ---------------------------------------------------------------------------------------
// Comments

/// Posts a comment on a chapter; returns the comment id from the redirect.
async fn comment(client: &Client, work: WorkId, chapter: u32, body: &str) -> i64 {
    let chapter = chapter.to_string();
    let sent = client
        .post(
            &format!("/works/{work}/comments"),
            &[("chapter", &chapter), ("body", body)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    comment_id(&sent)
}

fn comment_id(sent: &common::Fetched) -> i64 {
    let location = sent.location();
    location
        .rsplit_once("#comment-")
        .unwrap_or_else(|| panic!("no comment in {location}"))
        .1
        .parse()
        .unwrap()
}

async fn comment_rows(app: &TestApp, work: WorkId) -> usize {
    app.store.work_comments(work, None).await.unwrap().len()
}

async fn comment_reply_edit_and_delete(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = app.insert(&work_by("alice", "Two Parts", 2)).await;
    let before = app
        .store
        .work_header(id)
        .await
        .unwrap()
        .unwrap()
        .modified_at;

    let page = bob.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("No comments yet."), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("action=\"/works/{id}/comments\"")));

    let first = comment(&bob, id, 1, "Loved the opening.\n\nMore, please!").await;
    let page = carol.get(&format!("/works/{id}/chapters/1")).await;
    assert!(
        page.body.contains("<p>Loved the opening.</p>"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("id=\"comment-{first}\"")));
    assert!(page.body.contains("<a href=\"/users/bob\">bob</a>"));
    assert!(page
        .body
        .contains(&format!("href=\"/reports/new?comment={first}\"")));
    assert_eq!(stat(&page.body, "comments"), "1");
    assert!(
        app.store
            .work_header(id)
            .await
            .unwrap()
            .unwrap()
            .modified_at
            > before
    );
    // Not under the other chapter; under its own in the full work.
    let other = carol.get(&format!("/works/{id}/chapters/2")).await;
    assert!(!other.body.contains("Loved the opening."));
    let full = carol.get(&format!("/works/{id}/full")).await;
    assert!(full.body.contains("Comments on Chapter 1"), "{}", full.body);
    assert!(full.body.contains("Loved the opening."));

    // A reply, nested under the comment.
    let form = carol.get(&format!("/comments/{first}/reply")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("bob wrote:"));
    let sent = carol
        .post(&format!("/comments/{first}/reply"), &[("body", "Me too!")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let reply = comment_id(&sent);
    assert_eq!(
        sent.location(),
        format!("/works/{id}/chapters/1#comment-{reply}")
    );
    let page = bob.get(&format!("/works/{id}")).await;
    let parent_at = page.body.find(&format!("id=\"comment-{first}\"")).unwrap();
    let thread_at = parent_at
        + page.body[parent_at..]
            .find("<ol class=\"thread\">")
            .unwrap();
    let reply_at = page.body.find(&format!("id=\"comment-{reply}\"")).unwrap();
    assert!(
        parent_at < thread_at && thread_at < reply_at,
        "{}",
        page.body
    );
    assert_eq!(stat(&page.body, "comments"), "2");

    // Only the author edits.
    assert_eq!(
        carol.get(&format!("/comments/{first}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = carol
        .post(&format!("/comments/{first}/edit"), &[("body", "Hijacked")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let form = bob.get(&format!("/comments/{first}/edit")).await;
    assert!(form.body.contains("Loved the opening."), "{}", form.body);
    let edited = bob
        .post(
            &format!("/comments/{first}/edit"),
            &[("body", "Loved the opening, truly.")],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let page = carol.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("Loved the opening, truly."));
    assert!(page.body.contains("(edited"));
    assert!(!page.body.contains("Hijacked"));

    // Only the author, the work's creators and admins delete.
    let refused = carol.post(&format!("/comments/{first}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let guest = app.guest();
    guest.get(&format!("/works/{id}")).await;
    let refused = guest.post(&format!("/comments/{first}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let confirm = bob.get(&format!("/comments/{first}/delete")).await;
    assert!(confirm.body.contains("Yes, delete it"), "{}", confirm.body);
    let deleted = bob.post(&format!("/comments/{first}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    // The thread stays, with a placeholder.
    let page = carol.get(&format!("/works/{id}")).await;
    assert!(
        page.body.contains("(Previous comment deleted.)"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Loved the opening"));
    assert!(page.body.contains("Me too!"));
    assert_eq!(stat(&page.body, "comments"), "1");
    assert_eq!(
        carol.get(&format!("/comments/{first}/reply")).await.status,
        StatusCode::NOT_FOUND
    );

    // The creator deletes a reader's comment on their work; the empty thread goes.
    let deleted = alice.post(&format!("/comments/{reply}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    let page = carol.get(&format!("/works/{id}")).await;
    assert!(!page.body.contains("(Previous comment deleted.)"));
    assert!(page.body.contains("No comments yet."));
    assert_eq!(stat(&page.body, "comments"), "0");
    assert_eq!(
        app.store
            .work_header(id)
            .await
            .unwrap()
            .unwrap()
            .stats
            .comments,
        0
    );

    // An admin deletes any comment.
    let third = comment(&carol, id, 2, "Chapter two!").await;
    let root = app.admin("root").await;
    let deleted = root.post(&format!("/comments/{third}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert_eq!(
        app.store
            .work_header(id)
            .await
            .unwrap()
            .unwrap()
            .stats
            .comments,
        0
    );
}

async fn guests_sign_their_comments_and_bad_comments_are_refused(app: &TestApp) {
    app.user("alice").await;
    let id = app.insert(&work_by("alice", "Open House", 1)).await;
    let guest = app.guest();
    let page = guest.get(&format!("/works/{id}")).await;
    assert!(
        page.body.contains("name=\"name\""),
        "guests are asked their name"
    );

    let nameless = guest
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "1"), ("body", "Hello!")],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert!(
        nameless.body.contains("Please give your name"),
        "{}",
        nameless.body
    );
    assert!(nameless.body.contains("Hello!"), "what was typed is kept");

    let long = "word ".repeat(2_500);
    let too_long = guest
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "1"), ("body", &long), ("name", "Visitor")],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(
        too_long.body.contains("at most 10,000 characters"),
        "{}",
        too_long.body
    );
    let empty = guest
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "1"), ("body", "   "), ("name", "Visitor")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let no_chapter = guest
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "7"), ("body", "Hi"), ("name", "Visitor")],
        )
        .await;
    assert_eq!(no_chapter.status, StatusCode::NOT_FOUND);
    assert_eq!(comment_rows(app, id).await, 0, "nothing stored");

    let sent = guest
        .post(
            &format!("/works/{id}/comments"),
            &[
                ("chapter", "1"),
                ("body", "Hello from outside!"),
                ("name", "Visitor"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(
        page.body
            .contains("Visitor</span> <span class=\"guest\">(Guest)</span>")
            || page
                .body
                .contains("Visitor <span class=\"guest\">(Guest)</span>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Hello from outside!"));
    // Guests cannot edit (not even their own).
    let cid = comment_id(&sent);
    let refused = guest
        .post(&format!("/comments/{cid}/edit"), &[("body", "x")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn hostile_comment_html_is_sanitized(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.insert(&work_by("alice", "Target", 1)).await;
    comment(
        &bob,
        id,
        1,
        "<p>Nice <b>work</b><script>alert('x')</script> <a href=\"javascript:alert(1)\" onclick=\"evil()\">link</a><img src=x onerror=\"alert(2)\"></p><iframe src=\"https://evil.example\"></iframe>",
    )
    .await;
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(page.body.contains("Nice <b>work</b>"), "{}", page.body);
    for bad in [
        "alert(",
        "javascript:",
        "onclick",
        "onerror",
        "<iframe",
        "evil.example",
    ] {
        assert!(!page.body.contains(bad), "{bad} in {}", page.body);
    }
}

async fn comment_policies_users_moderated_and_off(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = app.insert(&work_by("alice", "Policies", 1)).await;
    let path = format!("/works/{id}");
    let post_path = format!("/works/{id}/comments");

    // Logged-in users only: guests see why and are refused.
    sql(
        app,
        &format!("UPDATE works SET comment_policy = 'users' WHERE id = {id}"),
    )
    .await;
    let guest = app.guest();
    let page = guest.get(&path).await;
    assert!(
        page.body.contains("Only logged-in users can comment"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("action=\"{post_path}\"")));
    let refused = guest
        .post(
            &post_path,
            &[("chapter", "1"), ("body", "Hi"), ("name", "G")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Only logged-in users"));
    assert_eq!(comment_rows(app, id).await, 0);
    comment(&bob, id, 1, "Members may.").await;

    // Moderated: pending until a creator approves.
    sql(
        app,
        &format!("UPDATE works SET comment_policy = 'moderated' WHERE id = {id}"),
    )
    .await;
    let page = bob.get(&path).await;
    assert!(page.body.contains("Comments on this work are moderated"));
    let sent = bob
        .post(
            &post_path,
            &[("chapter", "1"), ("body", "Waiting for approval.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("once a creator approves it"));
    assert_eq!(
        stored_stats(app, id).await.comments,
        1,
        "pending is not counted"
    );
    assert!(!app
        .guest()
        .get(&path)
        .await
        .body
        .contains("Waiting for approval."));
    assert!(!carol
        .get(&path)
        .await
        .body
        .contains("Waiting for approval."));
    let own = bob.get(&path).await;
    assert!(
        own.body.contains("Waiting for approval."),
        "the author sees it"
    );
    assert!(own.body.contains("Awaiting approval"));
    let creator = alice.get(&path).await;
    assert!(creator.body.contains("Waiting for approval."));
    assert!(
        creator.body.contains("1 comment awaits your approval"),
        "{}",
        creator.body
    );
    let queue = alice.get(&format!("/works/{id}/comments/pending")).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("Waiting for approval."));
    let pending_id = app
        .store
        .pending_comments(id)
        .await
        .unwrap()
        .first()
        .unwrap()
        .id
        .0;
    assert_eq!(
        carol
            .get(&format!("/works/{id}/comments/pending"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let refused = carol
        .post(&format!("/comments/{pending_id}/approve"), &[])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "carol cannot see it at all"
    );
    let refused = bob
        .post(&format!("/comments/{pending_id}/approve"), &[])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "its author cannot approve it"
    );
    let approved = alice
        .post(
            &format!("/comments/{pending_id}/approve"),
            &[("return_to", &format!("/works/{id}/comments/pending"))],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert!(app
        .guest()
        .get(&path)
        .await
        .body
        .contains("Waiting for approval."));
    assert_eq!(stored_stats(app, id).await.comments, 2);
    assert!(alice
        .get(&format!("/works/{id}/comments/pending"))
        .await
        .body
        .contains("No comments are waiting"));
    // The creator's own comments need no approval.
    comment(&alice, id, 1, "Thank you all!").await;
    assert_eq!(stored_stats(app, id).await.comments, 3);

    // Off: no form, refused.
    sql(
        app,
        &format!("UPDATE works SET comment_policy = 'off' WHERE id = {id}"),
    )
    .await;
    let page = bob.get(&path).await;
    assert!(page.body.contains("Comments are off"));
    assert!(!page.body.contains(&format!("action=\"{post_path}\"")));
    assert!(
        page.body.contains("Thank you all!"),
        "earlier comments stay"
    );
    let refused = bob
        .post(&post_path, &[("chapter", "1"), ("body", "Hi")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(comment_rows(app, id).await, 3);
}

async fn blocked_users_cannot_comment_and_muted_ones_are_hidden(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let erin = app.user("erin").await;
    let id = app.insert(&work_by("alice", "Boundaries", 1)).await;
    let (alice_id, bob_id, carol_id, dave_id, erin_id) = (
        user_id(app, "alice").await,
        user_id(app, "bob").await,
        user_id(app, "carol").await,
        user_id(app, "dave").await,
        user_id(app, "erin").await,
    );
    let now = "2026-01-01T00:00:00Z";
    sql(
        app,
        &format!(
            "INSERT INTO user_blocks (user_id, target_id, created_at) VALUES ({alice_id}, {dave_id}, '{now}'), ({bob_id}, {carol_id}, '{now}'); \
             INSERT INTO user_mutes (user_id, target_id, created_at) VALUES ({erin_id}, {bob_id}, '{now}')"
        ),
    )
    .await;

    // Blocked by the work's creator: no comments on the work.
    let page = dave.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("blocked you"), "{}", page.body);
    let refused = dave
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "1"), ("body", "Let me in")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("blocked you"));
    assert_eq!(comment_rows(app, id).await, 0);

    // Blocked by a comment's author: no replies to them.
    let bobs = comment(&bob, id, 1, "Bob was here.").await;
    let refused = carol
        .post(&format!("/comments/{bobs}/reply"), &[("body", "Hey Bob")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("author has blocked you"),
        "{}",
        refused.body
    );
    assert_eq!(comment_rows(app, id).await, 1);
    comment(&carol, id, 1, "Carol was here.").await;

    // Muted: hidden from the muter only.
    let muter = erin.get(&format!("/works/{id}")).await;
    assert!(!muter.body.contains("Bob was here."), "{}", muter.body);
    assert!(muter.body.contains("Carol was here."));
    assert!(carol
        .get(&format!("/works/{id}"))
        .await
        .body
        .contains("Bob was here."));
    assert!(app
        .guest()
        .get(&format!("/works/{id}"))
        .await
        .body
        .contains("Bob was here."));
    // The muter's count leaves Bob's comment out, as their page does; others count both.
    assert_eq!(stat(&muter.body, "comments"), "1");
    let other = carol.get(&format!("/works/{id}")).await;
    assert_eq!(stat(&other.body, "comments"), "2");
}

async fn no_comments_on_works_the_reader_cannot_see(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let draft = app.insert(&work_by("alice", "Secret Draft", 1)).await;
    let restricted = app.insert(&work_by("alice", "Members Only", 1)).await;
    let alices = comment(&alice, draft, 1, "Note to self.").await;
    sql(
        app,
        &format!("UPDATE works SET visibility = 'draft' WHERE id = {draft}"),
    )
    .await;
    sql(
        app,
        &format!("UPDATE works SET visibility = 'restricted' WHERE id = {restricted}"),
    )
    .await;

    let refused = bob
        .post(
            &format!("/works/{draft}/comments"),
            &[("chapter", "1"), ("body", "Peek")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/comments/{alices}"),
        format!("/comments/{alices}/reply"),
        format!("/comments/{alices}/delete"),
    ] {
        assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let refused = bob
        .post(&format!("/comments/{alices}/reply"), &[("body", "Peek")])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let guest = app.guest();
    guest.get("/login").await;
    let refused = guest
        .post(
            &format!("/works/{restricted}/comments"),
            &[("chapter", "1"), ("body", "Peek"), ("name", "G")],
        )
        .await;
    // A guest is asked to log in, and nothing is stored.
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(comment_rows(app, draft).await, 1);
    assert_eq!(comment_rows(app, restricted).await, 0);
    // Logged-in readers may comment on restricted works.
    comment(&bob, restricted, 1, "Members welcome.").await;
}

// ---------------------------------------------------------------------------------------
// Bookmarks

async fn bookmarks_public_and_private(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let public = app.insert(&work_by("alice", "Worth Keeping", 1)).await;
    let secret = app.insert(&work_by("alice", "Guilty Pleasure", 1)).await;
    let members = app.insert(&work_by("alice", "Members Only", 1)).await;
    sql(
        app,
        &format!("UPDATE works SET visibility = 'restricted' WHERE id = {members}"),
    )
    .await;

    // Guests are asked to log in, and refused.
    let guest = app.guest();
    let page = guest.get(&format!("/works/{public}")).await;
    assert!(page.body.contains("to bookmark this work"), "{}", page.body);
    let refused = guest.post(&format!("/works/{public}/bookmark"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let page = bob.get(&format!("/works/{public}")).await;
    assert!(page
        .body
        .contains(&format!("action=\"/works/{public}/bookmark\"")));
    let saved = bob
        .post(
            &format!("/works/{public}/bookmark"),
            &[
                ("notes", "A favourite.\n\nRead twice."),
                ("tags", " comfort read, ,  slow burn "),
                ("rec", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let saved = bob
        .post(
            &format!("/works/{secret}/bookmark"),
            &[("notes", "Nobody needs to know."), ("private", "on")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    bob.post(
        &format!("/works/{members}/bookmark"),
        &[("tags", "members")],
    )
    .await;

    // Counts: public bookmarks only.
    assert_eq!(stored_stats(app, public).await.bookmarks, 1);
    assert_eq!(stored_stats(app, secret).await.bookmarks, 0);
    let page = carol.get(&format!("/works/{public}")).await;
    assert_eq!(stat(&page.body, "bookmarks"), "1");

    // The owner sees everything, with their private one marked.
    let own = bob.get("/users/bob/bookmarks").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        own.body.contains("<title>Bookmarks by bob - ajar</title>"),
        "{}",
        own.body
    );
    assert!(own.body.contains("3 bookmarks by bob"));
    assert!(own.body.contains("Worth Keeping") && own.body.contains("Guilty Pleasure"));
    assert!(own.body.contains("Private"));
    assert!(own.body.contains("Nobody needs to know."));
    assert!(
        own.body.contains("<li>comfort read</li><li>slow burn</li>"),
        "{}",
        own.body
    );
    assert!(own.body.contains("rec-badge"));
    assert!(own.body.contains("<p>A favourite.</p>"));
    // Others: public ones only; guests: public works only.
    let theirs = carol.get("/users/bob/bookmarks").await;
    assert!(
        theirs.body.contains("2 bookmarks by bob"),
        "{}",
        theirs.body
    );
    assert!(theirs.body.contains("Worth Keeping") && theirs.body.contains("Members Only"));
    assert!(!theirs.body.contains("Guilty Pleasure"));
    assert!(!theirs.body.contains("Nobody needs to know."));
    let guests = app.guest().get("/users/bob/bookmarks").await;
    assert!(guests.body.contains("1 bookmark by bob"), "{}", guests.body);
    assert!(!guests.body.contains("Members Only"));
    assert_eq!(
        app.guest().get("/users/nobody/bookmarks").await.status,
        StatusCode::NOT_FOUND
    );

    // Edit in place (one per user per work): making it private takes it out of the count.
    let page = bob.get(&format!("/works/{public}")).await;
    assert!(page.body.contains("Update bookmark"));
    assert!(
        page.body.contains("comfort read, slow burn"),
        "{}",
        page.body
    );
    bob.post(
        &format!("/works/{public}/bookmark"),
        &[("notes", "Now private."), ("private", "on")],
    )
    .await;
    assert_eq!(stored_stats(app, public).await.bookmarks, 0);
    assert!(!carol
        .get("/users/bob/bookmarks")
        .await
        .body
        .contains("Worth Keeping"));
    // Public again, then deleted.
    bob.post(
        &format!("/works/{public}/bookmark"),
        &[("notes", "Public.")],
    )
    .await;
    assert_eq!(stored_stats(app, public).await.bookmarks, 1);
    let deleted = bob
        .post(&format!("/works/{public}/bookmark/delete"), &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(stored_stats(app, public).await.bookmarks, 0);
    assert!(app
        .store
        .bookmark(ajar_core::UserId(user_id(app, "bob").await), public)
        .await
        .unwrap()
        .is_none());

    // Bad input: a clear message, nothing changed.
    let long = "x".repeat(5_001);
    let refused = carol
        .post(&format!("/works/{public}/bookmark"), &[("notes", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("at most 5,000 characters"),
        "{}",
        refused.body
    );
    assert!(carol
        .get("/users/carol/bookmarks")
        .await
        .body
        .contains("0 bookmarks by carol"));

    // Works the reader cannot see: 404, nothing stored.
    sql(
        app,
        &format!("UPDATE works SET visibility = 'draft' WHERE id = {secret}"),
    )
    .await;
    let refused = carol.post(&format!("/works/{secret}/bookmark"), &[]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // Drafts leave listings, the owner's bookmarks page included.
    assert!(!bob
        .get("/users/bob/bookmarks")
        .await
        .body
        .contains("Guilty Pleasure"));
}

async fn commenting_too_fast_is_refused_with_a_message(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.insert(&work_by("alice", "Popular", 1)).await;
    for n in 0..10 {
        comment(&bob, id, 1, &format!("Comment number {n}.")).await;
    }
    let refused = bob
        .post(
            &format!("/works/{id}/comments"),
            &[("chapter", "1"), ("body", "One too many.")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("You are commenting too fast"),
        "{}",
        refused.body
    );
    assert_eq!(comment_rows(app, id).await, 10);
}

async fn a_long_chain_of_replies_is_shown_whole_at_a_bounded_depth(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let id = app.insert(&work_by("alice", "Chatty", 1)).await;
    let mut ids = vec![comment(&bob, id, 1, "Reply 0").await];
    for n in 1..16 {
        let who = if n % 2 == 1 { &carol } else { &bob };
        let parent = ids[ids.len() - 1];
        let sent = who
            .post(
                &format!("/comments/{parent}/reply"),
                &[("body", &format!("Reply {n}"))],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        ids.push(comment_id(&sent));
    }
    let page = app.guest().get(&format!("/works/{id}")).await;
    let mut last = 0;
    for (n, cid) in ids.iter().enumerate() {
        let marker = format!("id=\"comment-{cid}\"");
        assert_eq!(page.body.matches(&marker).count(), 1, "comment {n}");
        let at = page.body.find(&marker).unwrap();
        assert!(at > last, "in thread order");
        last = at;
    }
    assert!(page.body.matches("<ol class=\"thread\">").count() <= 12);
}

async fn a_work_with_many_comments_shows_twenty_threads_a_page(app: &TestApp) {
    app.user("alice").await;
    let bob = app.user("bob").await;
    let id = app.insert(&work_by("alice", "Much Discussed", 1)).await;
    let mut ids = Vec::new();
    for n in 1..=45 {
        let body = Html::from_plain_text(&format!("Thread {n} says hello."));
        let comment = ajar_store::NewComment {
            work: id,
            chapter: 1,
            parent: None,
            author: ajar_store::CommentAuthor::Guest { name: "Visitor" },
            body: &body,
            pending: false,
        };
        ids.push(app.store.add_comment(&comment).await.unwrap().0);
    }
    let shows = |page: &str, n: usize| page.contains(&format!("id=\"comment-{}\"", ids[n - 1]));

    let first = app.guest().get(&format!("/works/{id}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(shows(&first.body, 1) && shows(&first.body, 20));
    assert!(!shows(&first.body, 21), "page 1 holds 20 threads");
    assert!(
        first
            .body
            .contains(&format!("/works/{id}/chapters/1?comments_page=3#comments")),
        "links to the last page of comments"
    );

    let last = app
        .guest()
        .get(&format!("/works/{id}/chapters/1?comments_page=3"))
        .await;
    assert_eq!(last.status, StatusCode::OK);
    assert!(shows(&last.body, 41) && shows(&last.body, 45));
    assert!(!shows(&last.body, 40));
    for page in ["4", "0", "two"] {
        let past = app
            .guest()
            .get(&format!("/works/{id}/chapters/1?comments_page={page}"))
            .await;
        assert_eq!(past.status, StatusCode::NOT_FOUND, "comments_page={page}");
    }

    // A reply to a thread on page 2 takes the reader to page 2, at the reply, shown in
    // its thread.
    let parent = ids[24];
    let sent = bob
        .post(
            &format!("/comments/{parent}/reply"),
            &[("body", "A reply on the second page.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let reply = comment_id(&sent);
    let location = sent.location();
    assert!(
        location.ends_with(&format!(
            "/works/{id}/chapters/1?comments_page=2#comment-{reply}"
        )),
        "{location}"
    );
    let second = bob
        .get(&format!("/works/{id}/chapters/1?comments_page=2"))
        .await;
    assert!(second.body.contains(&format!("id=\"comment-{reply}\"")));
    assert!(second.body.contains("A reply on the second page."));
    // And a new thread goes to the last page.
    let newest = comment(&bob, id, 1, "The forty-sixth thread.").await;
    let page3 = bob
        .get(&format!("/works/{id}/chapters/1?comments_page=3"))
        .await;
    assert!(page3.body.contains(&format!("id=\"comment-{newest}\"")));
}
