//! Reports, the admin queue and what admins do with it (hide works, remove comments,
//! suspend accounts, sign-up settings), and readers' mutes and blocks.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    reports_reach_the_queue_and_hiding_a_work_takes_it_away_from_everyone_else,
    suspending_an_account_ends_its_sessions_and_log_ins,
    a_reported_comment_can_be_removed_and_counts_follow,
    admins_set_the_signup_mode_and_make_invitation_codes,
    mutes_and_blocks_are_listed_and_undone,
    reports_are_rate_limited,
);

use ajar_core::{Chapter, Html, Rating, SignupMode, TagName, Work, WorkId};
use ajar_store::{CommentAuthor, CommentStatus, NewComment};
use common::TestApp;
use reqwest::StatusCode;

fn work(title: &str, creator: &str, body: &str) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.to_owned()],
        fandoms: vec![TagName::parse("Moderation Fandom").unwrap()],
        rating: Rating::GeneralAudiences,
        chapters: vec![Chapter {
            body: Html::from_plain_text(body),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn open_report_ids(app: &TestApp) -> Vec<i64> {
    app.store
        .open_reports(100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn reports_reach_the_queue_and_hiding_a_work_takes_it_away_from_everyone_else(app: &TestApp) {
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let admin = app.admin("root").await;
    let guest = app.guest();
    let id = app
        .insert(&work("Zanzibar Nights", "alice", "Quixotic wombats dance."))
        .await;

    // Everyone sees it before: page, search, listings; the page links to the report form.
    let page = guest.get(&format!("/works/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/reports/new?work={id}")));
    let found = guest.get("/works/search?text=wombats").await;
    assert!(found.body.contains("Zanzibar Nights"), "{}", found.body);

    // A guest reports it.
    let form = guest.get(&format!("/reports/new?work={id}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Report the work “Zanzibar Nights”"));
    assert!(form.body.contains("<title>"));
    let sent = guest
        .post(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", "Spam from a bot.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Report sent"));

    // An empty reason, a too long one, a missing token or an unknown work file nothing.
    let empty = bob
        .post(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("reason is required"), "{}", empty.body);
    let long = "x".repeat(2001);
    let too_long = bob
        .post(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", &long)],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    let no_token = bob
        .post_raw(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let unknown = bob
        .post("/reports/new", &[("work", "99999"), ("reason", "x")])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(open_report_ids(app).await.len(), 1);

    // A user reports it too.
    let sent = bob
        .post(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", "It copies my story.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let reports = open_report_ids(app).await;
    assert_eq!(reports.len(), 2);

    // The queue shows both, to admins only.
    let queue = admin.get("/admin").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    for text in [
        "Zanzibar Nights",
        "a guest",
        "Spam from a bot.",
        "bob",
        "It copies my story.",
        "Suspend alice",
    ] {
        assert!(queue.body.contains(text), "{text} in {}", queue.body);
    }
    for client in [&bob, &alice, &guest] {
        let expected = if client.cookie("ajar_session").is_some() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(client.get("/admin").await.status, expected);
        let refused = client
            .post(
                &format!("/admin/reports/{}", reports[0]),
                &[("action", "hide")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = client
            .post(&format!("/admin/works/{id}/hidden"), &[("hidden", "true")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        guest.get(&format!("/works/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(open_report_ids(app).await.len(), 2);

    // Hiding it resolves both reports.
    let done = admin
        .post(
            &format!("/admin/reports/{}", reports[0]),
            &[("action", "hide")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/admin?done=hidden");
    assert!(open_report_ids(app).await.is_empty());
    app.caught_up().await;

    for client in [&guest, &bob] {
        assert_eq!(
            client.get(&format!("/works/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let found = client.get("/works/search?text=wombats").await;
        assert!(!found.body.contains("Zanzibar Nights"), "{}", found.body);
        let listed = client.get("/users/alice").await;
        assert!(!listed.body.contains("Zanzibar Nights"), "{}", listed.body);
        let listed = client.get("/tags/Moderation%20Fandom/works").await;
        assert!(!listed.body.contains("Zanzibar Nights"), "{}", listed.body);
    }
    assert_eq!(
        alice.get(&format!("/works/{id}")).await.status,
        StatusCode::OK
    );
    let queue = admin.get("/admin").await;
    assert!(queue.body.contains("No open reports."));
    assert!(queue.body.contains(&format!("/admin/works/{id}/hidden")));

    // And unhiding brings it back.
    let done = admin
        .post(&format!("/admin/works/{id}/hidden"), &[("hidden", "false")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    app.caught_up().await;
    assert_eq!(
        guest.get(&format!("/works/{id}")).await.status,
        StatusCode::OK
    );
    let found = guest.get("/works/search?text=wombats").await;
    assert!(found.body.contains("Zanzibar Nights"), "{}", found.body);
}

async fn suspending_an_account_ends_its_sessions_and_log_ins(app: &TestApp) {
    let carol = app.user("carol").await;
    let admin = app.admin("root").await;
    let id = app
        .insert(&work("Rude Words", "carol", "Something rude."))
        .await;
    let sent = app
        .guest()
        .post(
            "/reports/new",
            &[("work", &id.to_string()), ("reason", "Harassment.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let report = open_report_ids(app).await[0];
    let carol_id = app.store.user_by_name("carol").await.unwrap().unwrap().id;
    let admin_id = app.store.user_by_name("root").await.unwrap().unwrap().id;

    // Only an account answerable for the item can be suspended from a report.
    let wrong = admin
        .post(
            &format!("/admin/reports/{report}"),
            &[("action", "suspend"), ("user", &admin_id.to_string())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(open_report_ids(app).await, vec![report]);

    assert_eq!(carol.get("/account").await.status, StatusCode::OK);
    let done = admin
        .post(
            &format!("/admin/reports/{report}"),
            &[("action", "suspend"), ("user", &carol_id.to_string())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(open_report_ids(app).await.is_empty());

    // A resolved report cannot be acted on again: hiding the work now is refused whole.
    let again = admin
        .post(&format!("/admin/reports/{report}"), &[("action", "hide")])
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("resolved already"), "{}", again.body);
    assert!(!app.store.work_access(id).await.unwrap().unwrap().hidden);

    // Her session is gone, and she cannot log in again.
    let account = carol.get("/account").await;
    assert_eq!(account.status, StatusCode::SEE_OTHER);
    assert!(account.location().starts_with("/login"));
    let again = app.guest();
    let login = again
        .post(
            "/login",
            &[("name", "carol"), ("password", "password-carol")],
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let queue = admin.get("/admin").await;
    assert!(queue.body.contains("Lift the suspension of carol"));

    // Lifting the suspension lets her back in.
    let done = admin
        .post(
            &format!("/admin/users/{carol_id}/suspended"),
            &[("suspended", "false")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let login = again
        .post(
            "/login",
            &[("name", "carol"), ("password", "password-carol")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

async fn a_reported_comment_can_be_removed_and_counts_follow(app: &TestApp) {
    let dave = app.user("dave").await;
    let admin = app.admin("root").await;
    let id = app.insert(&work("Quiet Work", "someone", "Text.")).await;
    let dave_account = app.store.user_by_name("dave").await.unwrap().unwrap();
    let pseud = app.store.pseuds_of(dave_account.id).await.unwrap()[0].id;
    let body = Html::from_plain_text("A nasty comment.");
    let comment = app
        .store
        .add_comment(&NewComment {
            work: id,
            chapter: 1,
            parent: None,
            author: CommentAuthor::User {
                user: dave_account.id,
                pseud,
            },
            body: &body,
            pending: false,
        })
        .await
        .unwrap();
    let comments = |app: &TestApp, id: WorkId| {
        let store = app.store.clone();
        async move { store.work_header(id).await.unwrap().unwrap().stats.comments }
    };
    assert_eq!(comments(app, id).await, 1);

    let guest = app.guest();
    let form = guest.get(&format!("/reports/new?comment={comment}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("a comment on “Quiet Work”"));
    let sent = guest
        .post(
            "/reports/new",
            &[("comment", &comment.to_string()), ("reason", "Abusive.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let queue = admin.get("/admin").await;
    assert!(queue.body.contains("A nasty comment."), "{}", queue.body);
    assert!(queue.body.contains("Remove the comment"));
    assert!(queue.body.contains("Suspend dave"));

    // Not an admin: nothing happens.
    let report = open_report_ids(app).await[0];
    let refused = dave
        .post(&format!("/admin/reports/{report}"), &[("action", "remove")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(comments(app, id).await, 1);

    let done = admin
        .post(&format!("/admin/reports/{report}"), &[("action", "remove")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stored = app.store.comment(comment).await.unwrap().unwrap();
    assert_eq!(stored.status, CommentStatus::Deleted);
    assert_eq!(comments(app, id).await, 0);
    // A removed comment cannot be reported again.
    assert_eq!(
        guest
            .get(&format!("/reports/new?comment={comment}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn admins_set_the_signup_mode_and_make_invitation_codes(app: &TestApp) {
    let erin = app.user("erin").await;
    let admin = app.admin("root").await;

    let refused = erin.post("/admin/signup-mode", &[("mode", "closed")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = erin.post("/admin/invitations", &[("count", "3")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.signup_mode().await.unwrap(), SignupMode::Open);

    let bad = admin
        .post("/admin/signup-mode", &[("mode", "sometimes")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let done = admin
        .post("/admin/signup-mode", &[("mode", "invite")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.signup_mode().await.unwrap(), SignupMode::Invite);

    let bad = admin.post("/admin/invitations", &[("count", "0")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let made = admin.post("/admin/invitations", &[("count", "2")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let codes: Vec<String> = made
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 2, "{}", made.body);

    // A code makes an account, once.
    let newcomer = app.guest();
    newcomer.get("/signup").await;
    let fields = |name: &'static str, code: &str| {
        vec![
            ("name", name.to_owned()),
            ("email", format!("{name}@example.org")),
            ("password", "password-123".to_owned()),
            ("password_confirmation", "password-123".to_owned()),
            ("invitation", code.to_owned()),
        ]
    };
    let f = fields("frank", &codes[0]);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signed = newcomer.post("/signup", &f).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let other = app.guest();
    other.get("/signup").await;
    let f = fields("gina", &codes[0]);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = other.post("/signup", &f).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(app.store.user_by_name("gina").await.unwrap().is_none());
}

async fn mutes_and_blocks_are_listed_and_undone(app: &TestApp) {
    let hank = app.user("hank").await;
    app.user("ivy").await;
    app.insert(&work("Imported Only", "Old Creator", "Old text."))
        .await;

    let manage = hank.get("/users/ivy/manage").await;
    assert_eq!(manage.status, StatusCode::OK, "{}", manage.body);
    assert!(manage.body.contains(">Mute<"), "{}", manage.body);
    assert!(manage.body.contains(">Block<"));
    // Guests are sent to log in first.
    let guest = app.guest().get("/users/ivy/manage").await;
    assert_eq!(guest.status, StatusCode::SEE_OTHER);
    assert!(guest.location().starts_with("/login?return_to="));
    // The creator page links to it.
    let creator = hank.get("/users/ivy").await;
    assert!(
        creator.body.contains("/users/ivy/manage"),
        "{}",
        creator.body
    );

    let done = hank.post("/users/ivy/mute", &[("on", "true")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/users/ivy/manage");
    let done = hank.post("/users/ivy/block", &[("on", "true")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let no_token = hank.post_raw("/users/ivy/mute", &[("on", "false")]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);

    let hank_id = app.store.user_by_name("hank").await.unwrap().unwrap().id;
    let ivy_id = app.store.user_by_name("ivy").await.unwrap().unwrap().id;
    assert_eq!(
        app.store.muted_creator_names(hank_id).await.unwrap(),
        vec!["ivy".to_owned()]
    );
    assert!(app.store.has_blocked(hank_id, ivy_id).await.unwrap());
    let list = hank.get("/account/muted").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Unmute ivy"), "{}", list.body);
    assert!(list.body.contains("Unblock ivy"));
    let manage = hank.get("/users/ivy/manage").await;
    assert!(manage.body.contains(">Unmute<"));
    assert!(manage.body.contains(">Unblock<"));

    // No one to mute behind an imported name, and not oneself.
    let refused = hank
        .post("/users/Old%20Creator/mute", &[("on", "true")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let refused = hank.post("/users/hank/block", &[("on", "true")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let refused = app.guest().post("/users/ivy/mute", &[("on", "true")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let done = hank
        .post(
            "/users/ivy/mute",
            &[("on", "false"), ("return_to", "/account/muted")],
        )
        .await;
    assert_eq!(done.location(), "/account/muted");
    let done = hank.post("/users/ivy/block", &[("on", "false")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(app
        .store
        .muted_creator_names(hank_id)
        .await
        .unwrap()
        .is_empty());
    assert!(!app.store.has_blocked(hank_id, ivy_id).await.unwrap());
    let list = hank.get("/account/muted").await;
    assert!(list.body.contains("You have not muted anyone."));
    assert!(list.body.contains("You have not blocked anyone."));
}

async fn reports_are_rate_limited(app: &TestApp) {
    let id = app.insert(&work("Much Reported", "someone", "Text.")).await;
    let guest = app.guest();
    let id = id.to_string();
    for n in 0..10 {
        let reason = format!("Reason {n}.");
        let sent = guest
            .post("/reports/new", &[("work", &id), ("reason", &reason)])
            .await;
        assert_eq!(sent.status, StatusCode::OK, "report {n}: {}", sent.body);
    }
    let refused = guest
        .post("/reports/new", &[("work", &id), ("reason", "One more.")])
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("Too many reports"),
        "{}",
        refused.body
    );
    assert_eq!(open_report_ids(app).await.len(), 10);
}
