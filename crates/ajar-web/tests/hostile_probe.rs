//! What a hostile probe of the archive found (issue 10, its small fixes and the suspended
//! accounts), each kept fixed over real HTTP: tag pages that told a stranger which tags
//! drafts use, a muted reader's comment counts, refused forms that echoed an oversized field
//! back whole, works with thousands of tags, and a suspended account's works, comments and
//! bookmarks.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, Rating, TagName, Visibility, Work, WorkId};
use common::{pseud_value, Client, TestApp};
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
    // Tag pages count from the search index, which follows the store within a second.
    app.caught_up().await;
    assert_eq!(status(&guest, "/tags/Explicit").await, StatusCode::OK);
    // And the tag's page does not name the draft's work either.
    let page = guest.get("/tags/Explicit").await;
    assert!(page.body.contains("0 works"), "{}", page.body);
}

/// Posts a work through the form, with `extra` fields replacing the defaults.
async fn post_work(client: &Client, pseud: &str, extra: &[(&str, &str)]) -> common::Fetched {
    let mut fields: Vec<(&str, &str)> = vec![
        ("title", "A Posted Work"),
        ("pseud", pseud),
        ("fandoms", "Probe Fandom"),
        ("rating", "teen"),
        ("language", "English"),
        ("body", "Some words of text."),
        ("format", "plain"),
        ("visibility", "public"),
        ("comments", "anyone"),
        ("action", "post"),
    ];
    for (k, v) in extra {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    client.post("/works/new", &fields).await
}

fn work_id_of(location: &str) -> WorkId {
    WorkId(
        location
            .trim_start_matches("/works/")
            .split(['/', '?', '#'])
            .next()
            .unwrap()
            .parse()
            .unwrap(),
    )
}

/// A refused form shows again what was typed within the field's limit, and nothing of a
/// field over it: a 400 KB comment, work text, report reason or name never comes back. (A body
/// over a form's size limit, 1 MiB for most, is refused with 413 before it is read at all.)
#[tokio::test]
async fn a_refused_form_never_echoes_an_oversized_field() {
    let app = TestApp::spawn().await;
    let writer = app.user("writer").await;
    let work = app.insert(&work("Commented Work", "other", &[])).await;
    let huge = "x".repeat(400_000);
    let small_enough = |page: &common::Fetched, what: &str| {
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{what}");
        assert!(
            page.body.len() < 200_000,
            "{what}: a {} byte page",
            page.body.len()
        );
        assert!(!page.body.contains(&huge[..20_000]), "{what} echoed");
    };

    // Comments: an oversized one is refused, said why, and not shown again.
    let too_long = writer
        .post(
            &format!("/works/{work}/comments"),
            &[("chapter", "1"), ("body", &huge)],
        )
        .await;
    small_enough(&too_long, "a comment");
    assert!(
        too_long.body.contains("at most 10,000 characters"),
        "{}",
        too_long.body
    );
    // ... as a guest, with an oversized name too.
    let guest = app.guest();
    let refused = guest
        .post(
            &format!("/works/{work}/comments"),
            &[("chapter", "1"), ("body", &huge), ("name", &huge)],
        )
        .await;
    small_enough(&refused, "a guest's comment");
    // A comment refused for another reason (a guest gave no name) keeps its text.
    let kept = guest
        .post(
            &format!("/works/{work}/comments"),
            &[("chapter", "1"), ("body", "Loved the ending.")],
        )
        .await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST);
    assert!(kept.body.contains("Loved the ending."), "{}", kept.body);

    // Posting: an oversized work text, title and tag list.
    let pseud = pseud_value(&writer, "writer").await;
    let body = "y".repeat(1_000_001);
    let posted = post_work(&writer, &pseud, &[("body", &body), ("title", &huge)]).await;
    assert_eq!(posted.status, StatusCode::BAD_REQUEST);
    assert!(
        posted.body.len() < 200_000,
        "a {} byte page",
        posted.body.len()
    );
    assert!(!posted.body.contains(&body[..20_000]));
    assert!(
        posted.body.contains("Title: at most 255 characters"),
        "{}",
        posted.body
    );

    // Reports, sign-up and log-in.
    let id = work.to_string();
    let report = writer
        .post("/reports/new", &[("work", &id), ("reason", &huge)])
        .await;
    small_enough(&report, "a report");
    let signup = app
        .guest()
        .post(
            "/signup",
            &[
                ("name", &huge),
                ("email", &huge),
                ("password", "a good password"),
                ("password_confirmation", "a good password"),
            ],
        )
        .await;
    small_enough(&signup, "a sign-up");
    let login = app
        .guest()
        .post("/login", &[("name", &huge), ("password", "whatever it is")])
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert!(!login.body.contains(&huge[..20_000]), "a log-in echoed");
}

/// A work has at most 75 fandoms, relationships, characters and additional tags in all, as
/// on AO3: the form says so, and refuses more with the limit and the count.
#[tokio::test]
async fn the_posting_form_refuses_more_than_75_tags() {
    let app = TestApp::spawn().await;
    let writer = app.user("writer").await;
    let form = writer.get("/works/new").await;
    assert!(
        form.body.contains("at most 75"),
        "the form does not say the limit"
    );
    let pseud = pseud_value(&writer, "writer").await;
    let list = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!("{prefix} {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // 40 characters, 34 additional tags and the fandom: 75.
    let (characters, freeforms) = (list("Character", 40), list("Tag", 34));
    let fine = post_work(
        &writer,
        &pseud,
        &[("characters", &characters), ("freeforms", &freeforms)],
    )
    .await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER, "75 tags: {}", fine.body);
    let id = work_id_of(fine.location());
    let freeforms = list("Tag", 35);
    let one_more = post_work(
        &writer,
        &pseud,
        &[("characters", &characters), ("freeforms", &freeforms)],
    )
    .await;
    assert_eq!(one_more.status, StatusCode::BAD_REQUEST, "76 tags");
    assert!(one_more.body.contains("76"), "{}", one_more.body);

    let many = list("Tag", 10_000);
    let refused = post_work(&writer, &pseud, &[("freeforms", &many)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("10,001") || refused.body.contains("10001"),
        "the count is not named"
    );
    assert!(
        refused.body.contains("at most 75"),
        "the limit is not named"
    );
    // Editing a work cannot go over it either.
    let edit = writer
        .post(
            &format!("/works/{id}/edit"),
            &[
                ("title", "A Posted Work"),
                ("pseud", &pseud),
                ("fandoms", "Probe Fandom"),
                ("rating", "teen"),
                ("language", "English"),
                ("freeforms", &many),
                ("visibility", "public"),
                ("comments", "anyone"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(edit.status, StatusCode::BAD_REQUEST, "{}", edit.location());
    assert!(edit.body.contains("at most 75"));
}

/// The comment count a page shows for the first blurb or work on it.
fn comments_shown(body: &str) -> &str {
    let at = body.find("class=\"comments\">").expect("a comment count") + 17;
    &body[at..at + body[at..].find('<').unwrap()]
}

/// A reader who muted someone does not count that person's comments, on work pages,
/// listings and search, as their pages leave the comments out; others count them all.
#[tokio::test]
async fn a_muted_users_comments_leave_the_muters_counts() {
    let app = TestApp::spawn().await;
    let muter = app.user("muter").await;
    let loud = app.user("loud").await;
    let quiet = app.user("quiet").await;
    let id = app
        .insert(&work("Talked About", "someone", &["Count Tag"]))
        .await;
    for (client, text) in [(&loud, "Loud words."), (&quiet, "Quiet words.")] {
        let sent = client
            .post(
                &format!("/works/{id}/comments"),
                &[("chapter", "1"), ("body", text)],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    }
    let loud_id = app.store.user_by_name("loud").await.unwrap().unwrap().id;
    let muted = muter.post("/users/loud/mute", &[("on", "true")]).await;
    assert!(
        app.store
            .has_muted(
                app.store.user_by_name("muter").await.unwrap().unwrap().id,
                loud_id
            )
            .await
            .unwrap(),
        "the mute was not saved: {} {}",
        muted.status,
        muted.body
    );
    app.caught_up().await;
    let pages = [
        format!("/works/{id}"),
        "/".to_owned(),
        "/tags/Count%20Tag/works".to_owned(),
        "/works/search?q=Talked".to_owned(),
        "/users/someone/works".to_owned(),
    ];
    for path in &pages {
        let page = muter.get(path).await;
        assert_eq!(comments_shown(&page.body), "1", "the muter's {path}");
        let page = quiet.get(path).await;
        assert_eq!(comments_shown(&page.body), "2", "another reader's {path}");
        let page = app.guest().get(path).await;
        assert_eq!(comments_shown(&page.body), "2", "a guest's {path}");
    }
    // The work page leaves the muted comment out, as its count does.
    let page = muter.get(&format!("/works/{id}")).await;
    assert!(!page.body.contains("Loud words."));
    assert!(page.body.contains("Quiet words."));
}

/// What a page says about a work: whether `title` is on it.
/// (An EPUB is a zip: there the answer's status says it.)
async fn shows(client: &Client, path: &str, title: &str) -> bool {
    let page = client.get(path).await;
    page.status == StatusCode::OK && (path.ends_with(".epub") || page.body.contains(title))
}

/// A suspended account's works, comments and bookmarks are hidden from everyone else (its
/// works answer 404, and leave every listing, search, feed, download and the API) until the
/// suspension is lifted; admins still see the works, with a notice. A work with a
/// co-creator in good standing stays up.
#[tokio::test]
async fn a_suspended_accounts_works_comments_and_bookmarks_are_hidden_until_reinstated() {
    let app = TestApp::spawn().await;
    let admin = app.admin("admin").await;
    let writer = app.user("writer").await;
    let reader = app.user("reader").await;
    let guest = app.guest();
    let pseud = pseud_value(&writer, "writer").await;
    let posted = post_work(
        &writer,
        &pseud,
        &[
            ("title", "Suspended Tale"),
            ("freeforms", "Suspense Tag"),
            ("summary", "Zanzibar summary."),
        ],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id_of(posted.location());
    let other = app
        .insert(&work("Bystander Tale", "someone", &["Suspense Tag"]))
        .await;
    // The writer comments on and bookmarks another work.
    let sent = writer
        .post(
            &format!("/works/{other}/comments"),
            &[("chapter", "1"), ("body", "A comment by the writer.")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let marked = writer
        .post(
            &format!("/works/{other}/bookmark"),
            &[("notes", "A bookmark by the writer.")],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    app.caught_up().await;

    let surfaces = [
        format!("/works/{id}"),
        format!("/works/{id}/chapters/1"),
        format!("/works/{id}/download.epub"),
        format!("/works/{id}/download.html"),
        format!("/works/{id}/feed.atom"),
        "/".to_owned(),
        "/tags/Suspense%20Tag/works".to_owned(),
        "/tags/Suspense%20Tag/feed.atom".to_owned(),
        "/users/writer/works".to_owned(),
        "/users/writer/works/feed.atom".to_owned(),
        "/works/search?q=Zanzibar".to_owned(),
        "/api/v1/works?q=Zanzibar".to_owned(),
    ];
    let check = |expected: bool| {
        let surfaces = surfaces.clone();
        let (reader, guest) = (reader.clone(), guest.clone());
        async move {
            let mut wrong = Vec::new();
            for path in &surfaces {
                for (who, client) in [("guest", &guest), ("reader", &reader)] {
                    if shows(client, path, "Suspended Tale").await != expected {
                        wrong.push(format!("{who} {path}"));
                    }
                }
            }
            for path in [
                format!("/works/{other}"),
                "/users/writer/bookmarks".to_owned(),
            ] {
                for (who, client) in [("guest", &guest), ("reader", &reader)] {
                    let body = client.get(&path).await.body;
                    if body.contains("A comment by the writer.") != expected
                        && path.starts_with("/works")
                    {
                        wrong.push(format!("{who} {path}: the comment"));
                    }
                    if body.contains("A bookmark by the writer.") != expected
                        && path.ends_with("bookmarks")
                    {
                        wrong.push(format!("{who} {path}: the bookmark"));
                    }
                }
            }
            wrong
        }
    };
    assert_eq!(
        check(true).await,
        Vec::<String>::new(),
        "before the suspension"
    );
    let bystander = guest.get(&format!("/works/{other}")).await;
    assert_eq!(comments_shown(&bystander.body), "1");

    let writer_id = app.store.user_by_name("writer").await.unwrap().unwrap().id;
    let path = format!("/admin/users/{}/suspended", writer_id.0);
    let done = admin.post(&path, &[("suspended", "true")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    app.caught_up().await;
    assert_eq!(check(false).await, Vec::<String>::new(), "while suspended");
    assert_eq!(
        guest.get(&format!("/works/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The bystander's counts leave the comment and the bookmark out.
    let bystander = guest.get(&format!("/works/{other}")).await;
    assert_eq!(comments_shown(&bystander.body), "0");
    // Admins still open the work, told why others cannot.
    let seen = admin.get(&format!("/works/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        seen.body.contains("accounts are suspended"),
        "no notice for the admin"
    );

    let done = admin.post(&path, &[("suspended", "false")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    app.caught_up().await;
    assert_eq!(
        check(true).await,
        Vec::<String>::new(),
        "after the suspension"
    );
    let bystander = guest.get(&format!("/works/{other}")).await;
    assert_eq!(comments_shown(&bystander.body), "1");
}
