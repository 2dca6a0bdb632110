//! Posting over real HTTP: the new-work form (preview, draft, post, story-file upload),
//! editing, chapters (add, edit, reorder, delete), deleting works, drafts, who may do what,
//! sanitizing, and tag autocomplete.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    a_two_chapter_work_is_posted_through_the_forms_and_read_back,
    a_one_shot_posted_without_a_chapter_count_is_complete,
    drafts_are_for_their_creators_until_posted,
    a_preview_shows_the_work_and_stores_nothing,
    works_and_chapters_are_edited_reordered_and_deleted,
    only_creators_and_admins_may_change_a_work,
    hostile_html_is_sanitized_on_the_way_in,
    a_story_file_fills_the_form,
    tag_fields_autocomplete_from_public_works,
    posting_is_rate_limited,
    co_creators_are_credited_once_they_accept,
    gifts_and_series_parts,
    editing_a_work_keeps_every_series_it_is_in,
    a_new_work_may_be_backdated_and_its_first_chapter_has_its_own_notes,
    control_characters_never_reach_downloads_or_feeds,
    signing_up_and_posting_are_confirmed_once,
    a_markdown_work_is_edited_as_written,
);

use ajar_store::testing::{series_parts, table_row_counts};
use common::{pseud_value, Client, TestApp};
use reqwest::StatusCode;

/// The id in a `/works/{id}` redirect.
fn work_id(location: &str) -> i64 {
    location
        .strip_prefix("/works/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a work address: {location:?}"))
}

async fn post_work(client: &Client, pseud: &str, extra: &[(&str, &str)]) -> common::Fetched {
    let mut fields: Vec<(&str, &str)> = vec![
        ("title", "Stars Hollow Nights"),
        ("pseud", pseud),
        ("fandoms", "Gilmore Girls"),
        ("rating", "teen"),
        ("warning", "none"),
        ("category", "fm"),
        ("relationships", "Rory Gilmore/Jess Mariano"),
        ("characters", "Rory Gilmore, Jess Mariano"),
        ("freeforms", "Angst, Fluff"),
        ("language", "English"),
        ("summary", "Jess comes *back*."),
        ("notes", "Beginning notes."),
        ("end_notes", "Thanks for reading."),
        ("chapter_title", "The Bridge"),
        (
            "body",
            "They met on the **bridge** at night.\n\nIt was cold.",
        ),
        ("format", "markdown"),
        ("expected_chapters", "2"),
        ("visibility", "public"),
        ("comments", "anyone"),
    ];
    for (k, v) in extra {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    if !extra.iter().any(|(k, _)| *k == "action") {
        fields.push(("action", "post"));
    }
    client.post("/works/new", &fields).await
}

async fn a_two_chapter_work_is_posted_through_the_forms_and_read_back(app: &TestApp) {
    let writer = app.user("jess").await;
    let form = writer.get("/works/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<title>Post new work - ajar</title>"));
    assert!(form.body.contains("name=\"csrf_token\""));
    assert!(form.body.contains("data-tag-kind=\"fandom\""));
    let pseud = pseud_value(&writer, "jess").await;

    let posted = post_work(&writer, &pseud, &[]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());

    let added = writer
        .post(
            &format!("/works/{id}/chapters/new"),
            &[
                ("title", "The Diner"),
                ("body", "Luke poured coffee."),
                ("format", "plain"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(added.location(), format!("/works/{id}/chapters/2"));

    app.caught_up().await;
    let reader = app.user("rory").await;
    let page = reader.get(&format!("/works/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "Stars Hollow Nights",
        ">jess</a>",
        "Gilmore Girls",
        "Rory Gilmore/Jess Mariano",
        "Teen And Up Audiences",
        "No Archive Warnings Apply",
        "Jess comes <em>back</em>.",
        "They met on the <strong>bridge</strong> at night.",
        "Chapter 1: The Bridge",
        "Chapter 2: The Diner",
        "2/2",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert!(
        !page.body.contains("/edit\">Edit</a>"),
        "no owner tools for readers"
    );
    let two = reader.get(&format!("/works/{id}/chapters/2")).await;
    assert!(two.body.contains("Luke poured coffee."));

    // The creator gets the tools.
    let own = writer.get(&format!("/works/{id}")).await;
    assert!(own
        .body
        .contains(&format!("href=\"/works/{id}/edit\">Edit</a>")));
    assert!(own.body.contains("Add chapter"));

    // And search finds it.
    let found = reader.get("/works/search?q=Stars+Hollow").await;
    assert!(found.body.contains("Stars Hollow Nights"), "{}", found.body);
}

/// As on AO3: a work posted with "Chapters in all" left empty is whole as posted (a
/// one-shot is 1/1 and complete), unless its writer says more chapters are to come.
async fn a_one_shot_posted_without_a_chapter_count_is_complete(app: &TestApp) {
    let writer = app.user("lane").await;
    let pseud = pseud_value(&writer, "lane").await;
    let form = writer.get("/works/new").await;
    assert!(
        form.body.contains("This work will have more chapters"),
        "{}",
        form.body
    );

    let one_shot = post_work(&writer, &pseud, &[("expected_chapters", "")]).await;
    assert_eq!(one_shot.status, StatusCode::SEE_OTHER, "{}", one_shot.body);
    let one_shot = work_id(one_shot.location());
    let continued = post_work(
        &writer,
        &pseud,
        &[
            ("title", "To Be Continued"),
            ("expected_chapters", ""),
            ("more_to_come", "yes"),
        ],
    )
    .await;
    assert_eq!(
        continued.status,
        StatusCode::SEE_OTHER,
        "{}",
        continued.body
    );
    let continued = work_id(continued.location());
    app.caught_up().await;

    let page = writer.get(&format!("/works/{one_shot}")).await;
    assert!(
        page.body.contains("<dd class=\"chapters\">1/1</dd>"),
        "{}",
        page.body
    );
    let page = writer.get(&format!("/works/{continued}")).await;
    assert!(
        page.body.contains("<dd class=\"chapters\">1/?</dd>"),
        "{}",
        page.body
    );
    // Search agrees: only the one-shot is complete.
    let complete = writer.get("/api/v1/works?complete=yes").await;
    let json: serde_json::Value = serde_json::from_str(&complete.body).unwrap();
    assert_eq!(json["total"], 1, "{json}");
    assert_eq!(json["works"][0]["id"], one_shot);
}

async fn drafts_are_for_their_creators_until_posted(app: &TestApp) {
    let writer = app.user("kirk").await;
    let pseud = pseud_value(&writer, "kirk").await;
    let saved = post_work(
        &writer,
        &pseud,
        &[("title", "Odd Jobs"), ("action", "draft")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = work_id(saved.location());
    app.caught_up().await;

    let mine = writer.get(&format!("/works/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Draft"));
    let drafts = writer.get("/drafts").await;
    assert!(drafts.body.contains("Odd Jobs"), "{}", drafts.body);

    let other = app.user("taylor").await;
    assert_eq!(
        other.get(&format!("/works/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.guest().get(&format!("/works/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!other.get("/drafts").await.body.contains("Odd Jobs"));
    assert!(!other
        .get("/works/search?q=Odd")
        .await
        .body
        .contains("Odd Jobs"));

    let posted = writer
        .post(&format!("/works/{id}/post"), &[("visibility", "public")])
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    app.caught_up().await;
    assert_eq!(
        other.get(&format!("/works/{id}")).await.status,
        StatusCode::OK
    );
    assert!(!writer.get("/drafts").await.body.contains("Odd Jobs"));
}

async fn a_preview_shows_the_work_and_stores_nothing(app: &TestApp) {
    let writer = app.user("sookie").await;
    let pseud = pseud_value(&writer, "sookie").await;
    let before = app.store.work_count().await.unwrap();
    let preview = post_work(&writer, &pseud, &[("action", "preview")]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Preview"));
    assert!(preview
        .body
        .contains("They met on the <strong>bridge</strong> at night."));
    // The form is kept filled in.
    assert!(preview.body.contains("value=\"Stars Hollow Nights\""));
    assert!(preview.body.contains("Jess comes *back*.</textarea>"));
    assert_eq!(app.store.work_count().await.unwrap(), before);

    // Names the text uses that no character tag holds are offered, matched to the
    // fandom's canonical characters where wrangling knows them ("Luke" is Luke Danes).
    let luke = app
        .insert(&ajar_core::Work {
            fandoms: vec![ajar_core::TagName::parse("Gilmore Girls").unwrap()],
            characters: vec![ajar_core::TagName::parse("Luke Danes").unwrap()],
            ..common::one_chapter_work("Diner Days", "someone")
        })
        .await;
    let sookie = app.store.user_by_name("sookie").await.unwrap().unwrap().id;
    for name in ["Gilmore Girls", "Luke Danes"] {
        let tag = app
            .store
            .tag_state(&ajar_core::TagName::parse(name).unwrap())
            .await
            .unwrap()
            .unwrap();
        app.store
            .wrangle(sookie, tag.tag.id, &ajar_store::Wrangle::Canonical(true))
            .await
            .unwrap();
    }
    let body = "They met at the diner. Then Luke poured coffee for Rory while Luke frowned.\n\n\
                Later that night Kyle came by, and Luke said nothing at all.";
    let named = post_work(&writer, &pseud, &[("action", "preview"), ("body", body)]).await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.body);
    assert!(
        named.body.contains("<strong>Luke Danes</strong> (Luke)"),
        "{}",
        named.body
    );
    assert!(named.body.contains(", Kyle."), "{}", named.body);
    assert!(!named.body.contains("(Rory)"), "Rory is tagged already");
    // One click adds an offered name to the characters, and previews again.
    let added = post_work(
        &writer,
        &pseud,
        &[("action", "add-character:Luke Danes"), ("body", body)],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added
            .body
            .contains("value=\"Rory Gilmore, Jess Mariano, Luke Danes\""),
        "{}",
        added.body
    );
    assert!(!added.body.contains("(Luke)"), "{}", added.body);
    // A spoiler note that names an episode shows the link it will make.
    common::import_season_4(&app.store, 3).await;
    let linked = post_work(
        &writer,
        &pseud,
        &[("action", "preview"), ("spoilers", "Spoilers for 4x13!")],
    )
    .await;
    assert!(
        linked
            .body
            .contains("<strong>Canon:</strong> spoils up to Gilmore Girls 4×13"),
        "{}",
        linked.body
    );
    assert!(!linked.body.contains("Add the fandom"), "{}", linked.body);
    assert_eq!(app.store.work_count().await.unwrap(), before + 1, "{luke}");
    let before = before + 1;

    // A form with problems says what to fix and stores nothing.
    let bad = post_work(&writer, &pseud, &[("title", " "), ("fandoms", "")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("the work needs a title"), "{}", bad.body);
    assert!(bad.body.contains("name at least one fandom"));
    assert_eq!(app.store.work_count().await.unwrap(), before);
}

async fn works_and_chapters_are_edited_reordered_and_deleted(app: &TestApp) {
    let writer = app.user("luke").await;
    let pseud = pseud_value(&writer, "luke").await;
    let id = work_id(
        post_work(&writer, &pseud, &[("expected_chapters", "")])
            .await
            .location(),
    );
    for (title, body) in [("Two", "Second text."), ("Three", "Third text.")] {
        let added = writer
            .post(
                &format!("/works/{id}/chapters/new"),
                &[
                    ("title", title),
                    ("body", body),
                    ("format", "plain"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }

    // Metadata.
    let edit = writer.get(&format!("/works/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("value=\"Stars Hollow Nights\""));
    let saved = writer
        .post(
            &format!("/works/{id}/edit"),
            &[
                ("title", "Diner Days"),
                ("fandoms", "Gilmore Girls"),
                ("rating", "general"),
                ("summary", "<p>New summary</p>"),
                ("format", "html"),
                ("visibility", "restricted"),
                ("comments", "users"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = writer.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("Diner Days"));
    assert!(page.body.contains("New summary"));
    assert!(page.body.contains("Restricted"));
    // Guests are asked to log in for it.
    assert_eq!(
        app.guest().get(&format!("/works/{id}")).await.status,
        StatusCode::SEE_OTHER
    );

    // Edit chapter 2.
    let form = writer.get(&format!("/works/{id}/chapters/2/edit")).await;
    assert!(form.body.contains("Second text."));
    let edited = writer
        .post(
            &format!("/works/{id}/chapters/2/edit"),
            &[
                ("title", "Two!"),
                ("body", "<p>Second, edited.</p>"),
                ("format", "html"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);

    // Reorder: 3, 1, 2.
    let manage = writer.get(&format!("/works/{id}/chapters/manage")).await;
    assert!(manage.body.contains("Chapter 2: Two!"), "{}", manage.body);
    let reordered = writer
        .post(
            &format!("/works/{id}/chapters/reorder"),
            &[
                ("position_1", "2"),
                ("position_2", "3"),
                ("position_3", "1"),
            ],
        )
        .await;
    assert_eq!(
        reordered.status,
        StatusCode::SEE_OTHER,
        "{}",
        reordered.body
    );
    let header = app
        .store
        .work_header(ajar_core::WorkId(id))
        .await
        .unwrap()
        .unwrap();
    let titles: Vec<_> = header
        .work
        .chapters
        .iter()
        .map(|c| c.title.clone().unwrap())
        .collect();
    assert_eq!(titles, vec!["Three", "The Bridge", "Two!"]);
    let refused = writer
        .post(
            &format!("/works/{id}/chapters/reorder"),
            &[
                ("position_1", "1"),
                ("position_2", "1"),
                ("position_3", "2"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("different position"));

    // Delete chapter 1 (after a confirmation page).
    let confirm = writer.get(&format!("/works/{id}/chapters/1/delete")).await;
    assert!(confirm.body.contains("Are you sure"));
    let deleted = writer
        .post(&format!("/works/{id}/chapters/1/delete"), &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    let header = app
        .store
        .work_header(ajar_core::WorkId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.stats.chapters, 2);
    assert_eq!(header.work.chapters[0].title.as_deref(), Some("The Bridge"));

    // Delete the work.
    let confirm = writer.get(&format!("/works/{id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Are you sure"));
    let gone = writer.post(&format!("/works/{id}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert!(gone.body.contains("was deleted"));
    assert_eq!(
        writer.get(&format!("/works/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app
        .store
        .work(ajar_core::WorkId(id))
        .await
        .unwrap()
        .is_none());
}

async fn only_creators_and_admins_may_change_a_work(app: &TestApp) {
    let writer = app.user("paris").await;
    let pseud = pseud_value(&writer, "paris").await;
    let id = work_id(post_work(&writer, &pseud, &[]).await.location());
    let public_draft = work_id(
        post_work(&writer, &pseud, &[("action", "draft")])
            .await
            .location(),
    );

    let other = app.user("doyle").await;
    for path in [
        format!("/works/{id}/edit"),
        format!("/works/{id}/chapters/new"),
        format!("/works/{id}/chapters/1/edit"),
        format!("/works/{id}/chapters/manage"),
        format!("/works/{id}/delete"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let before = app
        .store
        .work(ajar_core::WorkId(id))
        .await
        .unwrap()
        .unwrap();
    for (path, fields) in [
        (
            format!("/works/{id}/edit"),
            vec![("title", "Mine now"), ("fandoms", "X"), ("action", "save")],
        ),
        (
            format!("/works/{id}/chapters/new"),
            vec![("body", "Spam"), ("action", "save")],
        ),
        (
            format!("/works/{id}/chapters/1/edit"),
            vec![("body", "Spam"), ("action", "save")],
        ),
        (format!("/works/{id}/chapters/1/delete"), vec![]),
        (format!("/works/{id}/delete"), vec![]),
    ] {
        assert_eq!(
            other.post(&path, &fields).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // A draft is not there at all, to others.
    assert_eq!(
        other
            .get(&format!("/works/{public_draft}/edit"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post(
                &format!("/works/{public_draft}/post"),
                &[("visibility", "public")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let guest = app.guest();
    let sent_to_log_in = guest.get("/works/new").await;
    assert_eq!(sent_to_log_in.status, StatusCode::SEE_OTHER);
    assert_eq!(sent_to_log_in.location(), "/login?return_to=/works/new");
    assert_eq!(
        guest.get(&format!("/works/{id}/edit")).await.location(),
        format!("/login?return_to=%2Fworks%2F{id}%2Fedit&why=page")
    );
    let after = app
        .store
        .work(ajar_core::WorkId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.work, before.work, "nothing changed");
    assert_eq!(after.modified_at, before.modified_at);

    // An admin may.
    let admin = app.admin("admin").await;
    assert_eq!(
        admin.get(&format!("/works/{id}/edit")).await.status,
        StatusCode::OK
    );
}

async fn hostile_html_is_sanitized_on_the_way_in(app: &TestApp) {
    let writer = app.user("mallory").await;
    let pseud = pseud_value(&writer, "mallory").await;
    let hostile = "<p>Hello</p><script>alert(1)</script><img src=x onerror=\"alert(2)\">\
                   <a href=\"javascript:alert(3)\">link</a><p onclick=\"alert(4)\">Bye</p>";
    let posted = post_work(
        &writer,
        &pseud,
        &[("body", hostile), ("summary", hostile), ("format", "html")],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let stored = app
        .store
        .work(ajar_core::WorkId(id))
        .await
        .unwrap()
        .unwrap();
    for html in [
        stored.work.chapters[0].body.as_str(),
        stored.work.summary.as_str(),
    ] {
        assert!(html.contains("Hello") && html.contains("Bye"), "{html}");
        for bad in ["<script", "onerror", "javascript:", "onclick", "alert(1)"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(!page.body.contains("onerror") && !page.body.contains("javascript:alert"));
}

/// Sends a file of `tests/fixtures/uploads` with the new-work form's "fill from a file".
async fn upload(writer: &common::Client, name: &'static str) -> common::Fetched {
    let path = format!(
        "{}/../../tests/fixtures/uploads/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .part(
            "story_file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
    writer.post_multipart("/works/new", form).await
}

/// Sends the founding story with the new-work form's "fill from a file".
async fn upload_seed(writer: &common::Client) -> common::Fetched {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/stories/all-thats-left.txt"
    ))
    .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .part(
            "story_file",
            reqwest::multipart::Part::bytes(bytes).file_name("all-thats-left.txt"),
        );
    writer.post_multipart("/works/new", form).await
}

async fn a_story_file_fills_the_form(app: &TestApp) {
    let writer = app.user("lane").await;
    writer.get("/works/new").await;
    let before = app.store.work_count().await.unwrap();
    let filled = upload_seed(&writer).await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.body);
    assert!(
        filled.body.contains("value=\"All That&#39;s Left\"")
            || filled.body.contains("value=\"All That&#x27;s Left\""),
        "{}",
        filled.body
    );
    assert!(
        filled
            .body
            .contains("return to Stars Hollow leaves Rory confused"),
        "{}",
        filled.body
    );
    assert!(filled.body.contains("filled in from all-thats-left.txt"));
    assert_eq!(
        app.store.work_count().await.unwrap(),
        before,
        "nothing posted"
    );
    // The file names no fandom, but its spoiler note names an episode of the one timeline
    // that has it: the form offers that fandom (and no other).
    assert!(!filled.body.contains("Add the fandom"), "no timeline yet");
    common::import_season_4(&app.store, 3).await;
    let filled = upload_seed(&writer).await;
    assert!(
        filled.body.contains(
            "Your spoiler note names Gilmore Girls 4×13, “Nag Hammadi Is Where They Found the Gnostic Gospels”."
        ),
        "{}",
        filled.body
    );
    assert!(
        filled.body.contains("value=\"add-fandom:Gilmore Girls\""),
        "{}",
        filled.body
    );

    // Too large.
    let big = vec![b'a'; 11 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .part(
            "story_file",
            reqwest::multipart::Part::bytes(big).file_name("huge.txt"),
        );
    let refused = writer.post_multipart("/works/new", form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("too large"), "{}", refused.body);

    // Not a story.
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .part(
            "story_file",
            reqwest::multipart::Part::bytes(vec![0u8, 159, 146, 150, 0, 1, 2])
                .file_name("broken.epub"),
        );
    let refused = writer.post_multipart("/works/new", form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("could not be read as a story"),
        "{}",
        refused.body
    );

    // A text file without a title fills the form and asks for the title.
    let filled = upload(&writer, "untitled.txt").await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.body);
    assert!(
        filled.body.contains("The bridge was quiet for once."),
        "{}",
        filled.body
    );
    assert!(filled.body.contains("Star Trek: The Original Series"));
    assert!(
        filled
            .body
            .contains("Title: untitled.txt does not say the work&#39;s title; give it one below.")
            || filled.body.contains(
                "Title: untitled.txt does not say the work&#x27;s title; give it one below."
            ),
        "{}",
        filled.body
    );
    // A Word document fills the form, its chapters and emphasis kept.
    let filled = upload(&writer, "lighthouse.docx").await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.body);
    assert!(
        filled.body.contains("value=\"The Lighthouse Keeper\""),
        "{}",
        filled.body
    );
    assert!(
        filled.body.contains("with its 2 chapters"),
        "{}",
        filled.body
    );
    assert!(
        filled.body.contains("&#60;em&#62;nobody&#60;/em&#62;"),
        "{}",
        filled.body
    );
    // Markdown chapter headings split chapters.
    let filled = upload(&writer, "chapters.md").await;
    assert!(
        filled.body.contains("with its 2 chapters"),
        "{}",
        filled.body
    );
    // A PDF is named, with what to do.
    let refused = upload(&writer, "notes.pdf").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("this is a PDF document (.pdf), which the archive cannot read; save it as"),
        "{}",
        refused.body
    );

    // No file chosen.
    let form = reqwest::multipart::Form::new().text("action", "upload");
    let refused = writer.post_multipart("/works/new", form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("Choose a story file"));
    assert_eq!(
        app.store.work_count().await.unwrap(),
        before,
        "nothing stored"
    );
}

async fn tag_fields_autocomplete_from_public_works(app: &TestApp) {
    let writer = app.user("michel").await;
    let pseud = pseud_value(&writer, "michel").await;
    post_work(&writer, &pseud, &[]).await;
    // Suggestions are counted from the search index, which follows the post within a second.
    app.caught_up().await;
    let found = app
        .guest()
        .get("/api/v1/tags/autocomplete?kind=character&q=gilm")
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let tags: serde_json::Value = serde_json::from_str(&found.body).unwrap();
    assert_eq!(tags[0]["name"], "Rory Gilmore");
    assert_eq!(tags[0]["kind"], "character");
    let any = app.guest().get("/api/v1/tags/autocomplete?q=angst").await;
    assert!(any.body.contains("\"Angst\""), "{}", any.body);
    let bad = app
        .guest()
        .get("/api/v1/tags/autocomplete?kind=rating&q=x")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let script = app.guest().get("/static/posting.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("/api/v1/tags/autocomplete"));
}

async fn posting_is_rate_limited(app: &TestApp) {
    let writer = app.user("emily").await;
    let pseud = pseud_value(&writer, "emily").await;
    for n in 0..30 {
        let posted = post_work(&writer, &pseud, &[("action", "draft")]).await;
        assert_eq!(
            posted.status,
            StatusCode::SEE_OTHER,
            "post {n}: {}",
            posted.body
        );
    }
    let before = app.store.work_count().await.unwrap();
    let refused = post_work(&writer, &pseud, &[]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("posting too fast"));
    assert_eq!(app.store.work_count().await.unwrap(), before);
}

async fn co_creators_are_credited_once_they_accept(app: &TestApp) {
    let writer = app.user("lane").await;
    let invitee = app.user("zach").await;
    let pseud = pseud_value(&writer, "lane").await;

    let refused = post_work(&writer, &pseud, &[("co_creators", "nobody-here")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("no account with the pseud"),
        "{}",
        refused.body
    );

    let posted = post_work(&writer, &pseud, &[("co_creators", "zach")]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(
        !page.body.contains(">zach</a>"),
        "not credited before accepting"
    );
    assert_eq!(
        invitee.get(&format!("/works/{id}/edit")).await.status,
        StatusCode::FORBIDDEN
    );

    let invitations = invitee.get("/invitations").await;
    assert!(
        invitations.body.contains("Stars Hollow Nights"),
        "{}",
        invitations.body
    );
    let stranger = app.user("gil").await;
    assert_eq!(
        stranger
            .post(&format!("/invitations/{id}/accept"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let accepted = invitee
        .post(&format!("/invitations/{id}/accept"), &[])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // the guest page cache
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(page.body.contains(">zach</a>"), "{}", page.body);
    assert_eq!(
        invitee.get(&format!("/works/{id}/edit")).await.status,
        StatusCode::OK
    );
    assert!(!invitee
        .get("/invitations")
        .await
        .body
        .contains("Stars Hollow Nights"));
}

async fn gifts_and_series_parts(app: &TestApp) {
    let writer = app.user("liz").await;
    app.user("tjay").await;
    let pseud = pseud_value(&writer, "liz").await;
    let refused = post_work(&writer, &pseud, &[("gifts", "nobody-here")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("no user named"));

    let mut ids = Vec::new();
    for title in ["One", "Two"] {
        let posted = post_work(
            &writer,
            &pseud,
            &[
                ("title", title),
                ("gifts", "tjay"),
                ("series_title", "Jewelry"),
            ],
        )
        .await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
        ids.push(work_id(posted.location()));
    }
    let page = app.guest().get(&format!("/works/{}", ids[1])).await;
    assert!(
        page.body.contains("For <a href=\"/users/tjay\">tjay</a>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Part 2 of Jewelry"), "{}", page.body);

    // Another user cannot add to the series.
    let other = app.user("rune").await;
    let other_pseud = pseud_value(&other, "rune").await;
    let refused = post_work(&other, &other_pseud, &[("series_title", "jewelry")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("belongs to someone else"),
        "{}",
        refused.body
    );

    let series = app
        .store
        .work_series(ajar_core::WorkId(ids[0]))
        .await
        .unwrap()[0]
        .id;
    let path = format!("/series/{series}/parts");
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    let form = writer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    let part_one = format!("part_{}", ids[0]);
    let part_two = format!("part_{}", ids[1]);
    let saved = writer
        .post(&path, &[(part_one.as_str(), "2"), (part_two.as_str(), "1")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.store
            .work_series(ajar_core::WorkId(ids[0]))
            .await
            .unwrap()[0]
            .position,
        2
    );
    let bad = writer
        .post(&path, &[(part_one.as_str(), "1"), (part_two.as_str(), "1")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The values of every `<input name="{name}" value="...">` on a page, in order.
fn input_values(body: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    body.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn editing_a_work_keeps_every_series_it_is_in(app: &TestApp) {
    let writer = app.user("emily").await;
    let pseud = pseud_value(&writer, "emily").await;
    let posted = post_work(&writer, &pseud, &[("series_title", "Alpha")]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let edit_path = format!("/works/{id}/edit");
    let save = |rows: Vec<(String, String)>, title: &'static str| {
        let writer = writer.clone();
        let edit_path = edit_path.clone();
        async move {
            let mut fields: Vec<(&str, &str)> = vec![
                ("title", title),
                ("fandoms", "Gilmore Girls"),
                ("rating", "teen"),
                ("format", "html"),
                ("visibility", "public"),
                ("comments", "anyone"),
                ("action", "save"),
            ];
            for (series, part) in &rows {
                fields.push(("series_title", series));
                fields.push(("series_position", part));
            }
            writer.post(&edit_path, &fields).await
        }
    };

    // The form shows the one series and a row to add the work to another.
    let form = writer.get(&edit_path).await;
    assert_eq!(input_values(&form.body, "series_title"), ["Alpha", ""]);
    assert!(form.body.contains("Add to a series"), "{}", form.body);
    let rows = vec![
        ("Alpha".to_owned(), "1".to_owned()),
        ("Beta".to_owned(), String::new()),
    ];
    let saved = save(rows, "Two Series").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let both = vec![("Alpha".to_owned(), 1), ("Beta".to_owned(), 1)];
    assert_eq!(series_parts(&app.store, ajar_core::WorkId(id)).await, both);

    // Saving the edit form as it is shown keeps the work in both series.
    let form = writer.get(&edit_path).await;
    let titles = input_values(&form.body, "series_title");
    let parts = input_values(&form.body, "series_position");
    assert_eq!(titles, ["Alpha", "Beta", ""], "{}", form.body);
    let rows = titles.into_iter().zip(parts).collect();
    let saved = save(rows, "Two Series, revised").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(series_parts(&app.store, ajar_core::WorkId(id)).await, both);
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(page.body.contains("Two Series, revised"), "{}", page.body);
}

async fn a_new_work_may_be_backdated_and_its_first_chapter_has_its_own_notes(app: &TestApp) {
    let writer = app.user("paris").await;
    let form = writer.get("/works/new").await;
    for field in [
        "name=\"backdate\"",
        "name=\"chapter_summary\"",
        "name=\"chapter_notes\"",
        "name=\"chapter_end_notes\"",
    ] {
        assert!(form.body.contains(field), "{field} in {}", form.body);
    }
    let pseud = pseud_value(&writer, "paris").await;
    let works_before = table_row_counts(&app.store).await;

    // Not a date, or a day still to come: refused, and nothing is stored.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    for (backdate, says) in [
        ("2015-02-30", "is not a date"),
        ("last spring", "is not a date"),
        (tomorrow.as_str(), "cannot be in the future"),
    ] {
        let refused = post_work(&writer, &pseud, &[("backdate", backdate)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{backdate}");
        assert!(refused.body.contains(says), "{backdate}: {}", refused.body);
        assert!(refused.body.contains(&format!("value=\"{backdate}\"")));
    }
    assert_eq!(table_row_counts(&app.store).await, works_before);

    let posted = post_work(
        &writer,
        &pseud,
        &[
            ("backdate", "2015-03-02"),
            ("chapter_summary", "The *first* day."),
            ("chapter_notes", "Chapter notes, beginning."),
            ("chapter_end_notes", "Chapter notes, end."),
        ],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let page = app.guest().get(&format!("/works/{id}")).await;
    assert!(
        page.body
            .contains("<dd class=\"published\">2015-03-02</dd>"),
        "{}",
        page.body
    );
    for text in [
        "The <em>first</em> day.",
        "Chapter notes, beginning.",
        "Chapter notes, end.",
        "Thanks for reading.",
    ] {
        assert!(page.body.contains(text), "{text} in {}", page.body);
    }
}

/// Characters XML cannot hold never reach the store, so a link that is inert on the site
/// (`java&#1;script:` looks relative) cannot turn live in a download once an XML writer drops
/// the character, and a control character in a title cannot break the tag's feed.
async fn control_characters_never_reach_downloads_or_feeds(app: &TestApp) {
    let writer = app.user("ctrl").await;
    let pseud = pseud_value(&writer, "ctrl").await;
    let body = "<p><a href=\"java&#1;script:alert(document.domain)\">one</a> \
        <a href=\"java\u{1}script:alert(2)\">two</a> <a href=\"vb&#x1f;script:x\">three</a> \
        <a href=\"da&#xfffe;ta:text/html,x\">four</a> \
        <blockquote cite=\"javascript:alert(5)\">five</blockquote></p>";
    let posted = post_work(
        &writer,
        &pseud,
        &[
            ("title", "Bell\u{7} and \u{1b}[31mred\u{ffff}"),
            ("freeforms", "Control\u{1}Tag"),
            ("chapter_title", "Ch\u{8}apter"),
            ("format", "html"),
            ("body", body),
        ],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    app.caught_up().await;

    let guest = app.guest();
    let page = guest.get(&format!("/works/{id}")).await;
    assert!(page.body.contains("Bell and [31mred"), "{}", page.body);
    for ext in ["html", "txt", "md"] {
        let download = guest.get(&format!("/works/{id}/download.{ext}")).await;
        assert_eq!(download.status, StatusCode::OK);
        let text = download.body.to_ascii_lowercase();
        for bad in ["script:", "data:", "cite=", "\u{1}", "\u{7}", "\u{fffe}"] {
            assert!(!text.contains(bad), "{ext} download holds {bad:?}: {text}");
        }
    }
    let feed = guest.get("/tags/ControlTag/feed.atom").await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    assert!(feed.body.contains("Bell and [31mred"), "{}", feed.body);
    assert!(
        feed.body.chars().all(ajar_core::is_xml_char),
        "{:?}",
        feed.body
    );
}

/// Signing up, posting a work and adding a chapter each say so once, on the page the
/// redirect lands on; the notice cannot be made to say anything else, nor shown to guests.
async fn signing_up_and_posting_are_confirmed_once(app: &TestApp) {
    let writer = app.user("nell").await;
    let home = writer.get("/").await;
    assert!(
        home.body.contains("Welcome, nell — you are logged in."),
        "{}",
        home.body
    );
    let again = writer.get("/").await;
    assert!(!again.body.contains("Welcome, nell"), "shown once");

    let pseud = pseud_value(&writer, "nell").await;
    let posted = post_work(&writer, &pseud, &[]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let page = writer.get(posted.location()).await;
    assert!(page.body.contains("Your work was posted."), "{}", page.body);
    assert!(!writer
        .get(posted.location())
        .await
        .body
        .contains("was posted"));

    let added = writer
        .post(
            &format!("/works/{id}/chapters/new"),
            &[
                ("body", "The second night."),
                ("format", "plain"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let chapter = writer.get(added.location()).await;
    assert!(chapter.body.contains("Chapter added."), "{}", chapter.body);

    let draft = post_work(&writer, &pseud, &[("action", "draft")]).await;
    let page = writer.get(draft.location()).await;
    assert!(page.body.contains("Your draft was saved."), "{}", page.body);

    // A planted cookie names no notice, or one that guests are not shown.
    writer.set_cookie("ajar_notice", "%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    let page = writer.get("/").await;
    assert!(
        !page.body.contains("class=\"notice flash\""),
        "{}",
        page.body
    );
    let guest = app.guest();
    guest.set_cookie("ajar_notice", "posted");
    let page = guest.get(&format!("/works/{id}")).await;
    assert!(!page.body.contains("was posted"), "{}", page.body);
}

/// A work written in Markdown reopens for editing in Markdown, as written, and its new
/// chapters are written in Markdown unless the writer picks otherwise.
async fn a_markdown_work_is_edited_as_written(app: &TestApp) {
    let writer = app.user("rory").await;
    let pseud = pseud_value(&writer, "rory").await;
    let posted = post_work(&writer, &pseud, &[]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let id = work_id(posted.location());
    let markdown = "value=\"markdown\" checked";

    let edit = writer.get(&format!("/works/{id}/edit")).await;
    assert!(edit.body.contains(markdown), "{}", edit.body);
    assert!(
        edit.body.contains(">Jess comes *back*.</textarea>"),
        "{}",
        edit.body
    );
    let chapter = writer.get(&format!("/works/{id}/chapters/1/edit")).await;
    assert!(chapter.body.contains(markdown), "{}", chapter.body);
    assert!(
        chapter
            .body
            .contains(">They met on the **bridge** at night.\n\nIt was cold.</textarea>"),
        "{}",
        chapter.body
    );
    let new = writer.get(&format!("/works/{id}/chapters/new")).await;
    assert!(new.body.contains(markdown), "{}", new.body);

    // A chapter added in Markdown reopens so too; one saved as HTML reopens as HTML.
    let added = writer
        .post(
            &format!("/works/{id}/chapters/new"),
            &[
                ("body", "A _second_ night."),
                ("format", "markdown"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let second = writer.get(&format!("/works/{id}/chapters/2/edit")).await;
    assert!(
        second.body.contains(">A _second_ night.</textarea>"),
        "{}",
        second.body
    );
    let saved = writer
        .post(
            &format!("/works/{id}/chapters/1/edit"),
            &[
                ("body", "<p>Now <em>HTML</em>.</p>"),
                ("format", "html"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let first = writer.get(&format!("/works/{id}/chapters/1/edit")).await;
    assert!(
        first.body.contains("value=\"html\" checked"),
        "{}",
        first.body
    );
    assert!(!first.body.contains("**bridge**"), "{}", first.body);
}
