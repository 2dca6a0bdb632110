//! Reading pages in a real browser: starts the server on a random port with a few works
//! (the shared fixture story files included), then runs `tests/browser/run.mjs` (Playwright
//! driving the system's headless Chromium, with axe-core for accessibility). Screenshots at
//! 1280 px and 375 px go to `target/browser-artifacts/`.
//!
//! Without `/usr/bin/chromium` (or `$AJAR_CHROMIUM`), `node`, or `tests/browser/node_modules`
//! (`npm ci --prefix tests/browser`), the test prints `SKIP browser: <reason>` and passes,
//! unless `AJAR_REQUIRE_ALL_TESTS=1` (as in CI), when it fails for that reason.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{ArchiveWarning, Category, Chapter, Html, Rating, TagName, Work};
use ajar_store::Store;
use chrono::NaiveDate;
use std::process::Command;

fn tags(names: &[&str]) -> Vec<TagName> {
    names.iter().map(|n| TagName::parse(n).unwrap()).collect()
}

fn three_chapters() -> Work {
    let chapter = |title: &str, body: &str| Chapter {
        title: Some(title.to_owned()),
        notes: Html::from_plain_text(&format!("Notes for {title}.")),
        body: Html::from_plain_text(&body.repeat(30)),
        ..Chapter::default()
    };
    let mut work = Work {
        title: "The Long Way Round".into(),
        creators: vec!["paperlanterns".into()],
        summary: Html::from_plain_text("Two people, one borrowed car, three chapters."),
        notes: Html::from_plain_text("Three chapters, all written."),
        end_notes: Html::from_plain_text("The very end of the work."),
        fandoms: tags(&["Gilmore Girls"]),
        rating: Rating::Mature,
        warnings: vec![ArchiveWarning::MajorCharacterDeath],
        categories: vec![Category::FM],
        // A long name, to see that the filter sidebar wraps it rather than cut it.
        relationships: tags(&[
            "Rory Gilmore/Jess Mariano",
            "Lorelai Gilmore/Luke Danes/Christopher Hayden/Max Medina/Jason Stiles",
        ]),
        characters: tags(&["Rory Gilmore", "Jess Mariano"]),
        tags: tags(&[
            "Road Trip",
            "Angst with a Happy Ending",
            "Slow Burn & Pining",
        ]),
        spoilers: Some("Up to season 4.".into()),
        chapters: vec![
            chapter(
                "Departure",
                "The car belonged to Luke, and it smelled of coffee. ",
            ),
            chapter("The Middle", "Somewhere past Hartford the radio gave up. "),
            chapter("Arrival", "They arrived before dawn, tired and happy. "),
        ],
        expected_chapters: Some(3),
        complete: Some(true),
        published: NaiveDate::from_ymd_opt(2026, 11, 1),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_pages_work_in_a_real_browser() {
    if common::skip_without_browser("browser") {
        return;
    }

    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    let fixtures = common::workspace_root().join("tests/fixtures/stories");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path()).unwrap();
        let work = ajar_formats::read_story_file(&name, &bytes).unwrap();
        store.insert_work(&work).await.unwrap();
    }
    for n in 1..=4 {
        let mut work = three_chapters();
        work.title = format!("Another Road, Part {n}");
        work.chapters.truncate(1);
        work.expected_chapters = None;
        work.complete = Some(false);
        work.rating = Rating::GeneralAudiences;
        work.warnings = vec![ArchiveWarning::NoneApply];
        work.renumber_chapters();
        store.insert_work(&work).await.unwrap();
    }
    let id = store.insert_work(&three_chapters()).await.unwrap();

    // With search, so that the listing has its filter sidebar.
    let id_path = format!("/works/{id}");
    run_in_browser(store, "run.mjs", &[&id_path, "/tags/Gilmore%20Girls/works"]).await;
    let artifacts = common::workspace_root().join("target/browser-artifacts");
    for page in ["home", "listing", "work", "settings"] {
        for width in ["desktop", "phone"] {
            let shot = artifacts.join(format!("{page}-{width}.png"));
            assert!(shot.exists(), "{} was not saved", shot.display());
        }
    }
}

/// The community side in a real browser (issue 5): a writer signs up and posts a
/// two-chapter work through the forms, a second reader signs up and leaves kudos and a
/// comment, and the writer sees both (`tests/browser/community.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_up_posting_kudos_and_comments_work_in_a_real_browser() {
    if common::skip_without_browser("browser") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    let stdout = run_in_browser(store, "community.mjs", &[]).await;
    assert!(stdout.contains("7 passed, 0 failed"), "{stdout}");
}

/// Tag wrangling in a real browser (issue 14): a wrangler walks the queue, accepts a
/// suggestion, makes a synonym and sets a parent, and a reader's listing of the canonical
/// tag counts the works within a second of each (`tests/browser/wrangling.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangling_the_queue_works_in_a_real_browser() {
    if common::skip_without_browser("browser") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    let canon = "Rory Gilmore/Jess Mariano";
    for (title, relationship, characters) in [
        (
            "Canon Spelling",
            canon,
            &["Rory Gilmore", "Jess Mariano"][..],
        ),
        ("Short Names", "Jess/Rory", &[][..]),
        ("Ship Name", "Literati", &[][..]),
    ] {
        let work = Work {
            fandoms: tags(&["Gilmore Girls"]),
            relationships: tags(&[relationship]),
            characters: tags(characters),
            rating: Rating::GeneralAudiences,
            ..common::one_chapter_work(title, "writer")
        };
        store.insert_work(&work).await.unwrap();
    }
    let hash = ajar_web::hash_password("password-wren".to_owned())
        .await
        .unwrap();
    let wren = store
        .create_user(&ajar_store::NewUser {
            name: "wren",
            email: "wren@example.org",
            password_hash: &hash,
            role: ajar_core::Role::Wrangler,
            invitation: None,
        })
        .await
        .unwrap();
    for name in ["Gilmore Girls", "Rory Gilmore", "Jess Mariano", canon] {
        let tag = store
            .tag_state(&TagName::parse(name).unwrap())
            .await
            .unwrap()
            .unwrap();
        store
            .wrangle(wren, tag.tag.id, &ajar_store::Wrangle::Canonical(true))
            .await
            .unwrap();
    }
    let stdout = run_in_browser(store, "wrangling.mjs", &[]).await;
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}

/// Spoiler-aware browsing in a real browser (issue 15): a guest sets their progress on the
/// fandom's page, the listing hides the founding story with the count of what it hid, and
/// its page shows the gate (`tests/browser/spoilers.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoilers_are_hidden_and_gated_in_a_real_browser() {
    if common::skip_without_browser("browser") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    common::import_season_4(&store, 3).await;
    let mut seed = common::founding_story();
    seed.fandoms = tags(&["Gilmore Girls"]);
    store.insert_work(&seed).await.unwrap();
    for (title, spoilers) in [("Safe Harbour", Some("4x12")), ("Plain Coffee", None)] {
        let work = Work {
            fandoms: tags(&["Gilmore Girls"]),
            spoilers: spoilers.map(str::to_owned),
            ..common::one_chapter_work(title, "other")
        };
        store.insert_work(&work).await.unwrap();
    }
    let stdout = run_in_browser(store, "spoilers.mjs", &[]).await;
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}

/// "Forgot password" in a real browser (issue 16): the log-in page's link, the form, the
/// mail in a real SMTP server's mailbox (`aiosmtpd`), the link, a new password, logged in
/// (`tests/browser/mail.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_through_a_mailed_link_in_a_real_browser() {
    if common::skip_without_browser("browser") {
        return;
    }
    let Some(sink) = common::smtp::SmtpSink::start("browser mail") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    ajar_web::create_account(
        &store,
        &ajar_web::NewAccount {
            name: "rory",
            email: "rory@example.org",
            password: "an old password",
            role: ajar_core::Role::User,
            invitation: None,
        },
    )
    .await
    .unwrap();
    let maildir = sink.maildir().display().to_string();
    let smtp = sink.url();
    let stdout = run_in_browser_with(store, "mail.mjs", &[&maildir], move |base| {
        ajar_web::Config {
            mail: ajar_web::mail::MailConfig {
                base_url: base.to_owned(),
                transport: ajar_web::mail::MailTransport::Smtp(smtp),
                ..ajar_web::mail::MailConfig::default()
            },
            ..ajar_web::Config::default()
        }
    })
    .await;
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
}

/// Serves `store` on a random port (with an in-memory index following it), runs the script
/// `tests/browser/SCRIPT` with the server's address, the artifacts folder and `args`, and
/// answers what it printed, once it succeeded.
async fn run_in_browser(store: Store, script: &str, args: &[&str]) -> String {
    run_in_browser_with(store, script, args, |_| ajar_web::Config::default()).await
}

/// [`run_in_browser`] with the server set up as `config` says for its address.
async fn run_in_browser_with(
    store: Store,
    script: &str,
    args: &[&str],
    config: impl FnOnce(&str) -> ajar_web::Config,
) -> String {
    let (search, _) = ajar_search::Search::open(
        store.clone(),
        ajar_search::SearchConfig::in_memory(),
        |_, _| {},
    )
    .await
    .unwrap();
    let _follower = search.spawn_follower();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ajar_web::serve_with_config(
        listener,
        store,
        search,
        config(&base),
        async {
            let _ = stopped.await;
        },
    ));
    let artifacts = common::workspace_root().join("target/browser-artifacts");
    let mut node = Command::new("node");
    node.arg(common::workspace_root().join("tests/browser").join(script))
        .arg(&base)
        .arg(&artifacts)
        .args(args);
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .unwrap();
    let _ = stop.send(());
    let _ = server.await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "the browser checks failed:\n{stdout}\n{stderr}"
    );
    stdout
}
