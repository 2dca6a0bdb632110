//! The pages of `ajar serve`, over real HTTP: each test starts the server on a random port
//! on its own fresh SQLite store, stores works, and reads pages as a browser would.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{
    ArchiveWarning, Category, Chapter, ExtraField, Html, Rating, SeriesMembership, TagName, Work,
    WorkId,
};
use ajar_store::Store;
use chrono::NaiveDate;
use reqwest::header::{HeaderMap, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use tokio::sync::oneshot;

/// A running server on a fresh store; the server stops when this is dropped.
struct TestApp {
    base: String,
    store: Store,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _data: tempfile::TempDir,
}

struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl TestApp {
    async fn spawn() -> TestApp {
        let data = tempfile::tempdir().expect("a temporary folder");
        let store = Store::open(None, data.path()).await.expect("a fresh store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("the bound address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(ajar_web::serve(listener, store.clone(), async {
            let _ = stopped.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            store,
            client: reqwest::Client::new(),
            shutdown: Some(shutdown),
            server: Some(server),
            _data: data,
        }
    }

    async fn insert(&self, work: &Work) -> WorkId {
        self.store
            .insert_work(work)
            .await
            .expect("the work is stored")
    }

    async fn get(&self, path: &str) -> Fetched {
        self.get_with(path, HeaderMap::new()).await
    }

    async fn get_with(&self, path: &str, headers: HeaderMap) -> Fetched {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .headers(headers)
            .send()
            .await
            .expect("the server answers");
        Fetched {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a text body"),
        }
    }

    /// Stops the server the way ctrl-c does, and waits for it to finish.
    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("the server task did not panic")
                .expect("the server stopped cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn tags(names: &[&str]) -> Vec<TagName> {
    names
        .iter()
        .map(|n| TagName::parse(n).expect("a valid tag"))
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A one-chapter work with every piece of metadata filled in.
fn one_shot() -> Work {
    let mut work = Work {
        title: "All That's Left".into(),
        creators: vec!["lizzie_writes".into()],
        summary: Html::from_plain_text("Jess's return to Stars Hollow leaves Rory confused."),
        notes: Html::from_plain_text("I wrote this right after the episode aired."),
        end_notes: Html::from_plain_text("Thanks for reading, truly."),
        fandoms: tags(&["Gilmore Girls"]),
        rating: Rating::TeenAndUp,
        warnings: vec![ArchiveWarning::NoneApply],
        categories: vec![Category::FM],
        relationships: tags(&["Rory Gilmore/Jess Mariano"]),
        characters: tags(&["Rory Gilmore", "Jess Mariano"]),
        tags: tags(&["Angst", "First Person"]),
        spoilers: Some("If you haven't seen the season 4 episode 'Nag Hammadi...' this is spoilerish.".into()),
        series: vec![SeriesMembership {
            title: "Literati Moments".into(),
            position: 2,
        }],
        chapters: vec![Chapter {
            body: Html::from_plain_text(
                "The past twenty-four hours have gone by in a blur.\n\n“So… this is it?” I ask.\n\nHe doesn’t answer — not at first.",
            ),
            ..Chapter::default()
        }],
        expected_chapters: Some(1),
        complete: Some(true),
        published: date(2003, 2, 4),
        updated: date(2003, 2, 4),
        extra: vec![ExtraField {
            key: "Disclaimer".into(),
            value: "I don't own Gilmore Girls.".into(),
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// A complete three-chapter work with chapter titles and notes.
fn three_chapters() -> Work {
    let chapter = |title: &str, notes: &str, body: &str| Chapter {
        title: Some(title.to_owned()),
        notes: Html::from_plain_text(notes),
        body: Html::from_plain_text(body),
        ..Chapter::default()
    };
    let mut work = Work {
        title: "The Long Way Round".into(),
        creators: vec!["paperlanterns".into()],
        summary: Html::from_plain_text("Two people, one borrowed car."),
        notes: Html::from_plain_text("Three chapters, all written."),
        end_notes: Html::from_plain_text("The very end of the work."),
        fandoms: tags(&["Gilmore Girls"]),
        rating: Rating::GeneralAudiences,
        warnings: vec![ArchiveWarning::NoneApply],
        chapters: vec![
            chapter(
                "Departure",
                "Notes for the start.",
                "The car belonged to Luke.",
            ),
            chapter(
                "The Middle",
                "Notes for the middle.",
                "Somewhere past Hartford the radio gave up.",
            ),
            chapter("Arrival", "Notes for the end.", "They arrived before dawn."),
        ],
        expected_chapters: Some(3),
        complete: Some(true),
        published: date(2026, 11, 1),
        updated: date(2026, 11, 25),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// What every page has: a document that names itself, is navigable and is accessible.
fn assert_page_basics(page: &Fetched, title: &str) {
    let body = &page.body;
    assert!(body.starts_with("<!doctype html>"), "{body}");
    assert!(body.contains("<html lang=\"en\" class=\"theme-"), "{body}");
    assert!(
        decoded(body).contains(&format!("<title>{title}</title>")),
        "{title} in {body}"
    );
    assert!(
        body.contains("<meta name=\"description\" content=\""),
        "{body}"
    );
    assert!(body.contains("<meta name=\"viewport\""), "{body}");
    assert!(body.contains("href=\"#main\""), "skip link: {body}");
    for landmark in ["<header", "<main id=\"main\"", "<footer", "<nav"] {
        assert!(body.contains(landmark), "{landmark} in {body}");
    }
    assert_eq!(page.headers[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_security_headers(&page.headers);
}

fn assert_security_headers(headers: &HeaderMap) {
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
}

/// The page with character references decoded, to look for text as a reader sees it
/// (`All That's Left`, however the apostrophe was escaped). Markup is left in place.
fn decoded(body: &str) -> String {
    let mut out = body.to_owned();
    for (entity, c) in [
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ] {
        out = out.replace(entity, c);
    }
    out
}

fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the page:\n{body}"))
}

#[tokio::test]
async fn an_empty_archive_says_how_to_add_works() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_basics(&page, "ajar");
    assert!(page.body.contains("No works yet"), "{}", page.body);
    assert!(page.body.contains("ajar import FOLDER"), "{}", page.body);
    assert!(page.body.contains("ajar serve --demo"), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_lists_works_as_blurbs() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_shot()).await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_basics(&page, "ajar");
    let body = &decoded(&page.body);
    assert!(
        body.contains(&format!("<a href=\"/works/{id}\">All That's Left</a>")),
        "{body}"
    );
    for text in [
        "lizzie_writes",
        "Gilmore Girls",
        // The required tags, each with words for screen readers.
        "Rating: Teen And Up Audiences",
        "Archive Warnings: No Archive Warnings Apply",
        "Categories: F/M",
        "Complete Work",
        "2003-02-04",
        "Jess's return to Stars Hollow leaves Rory confused.",
        "Language:",
        "English",
        "Words:",
        "Chapters:",
        "1/1",
        "Comments:",
        "Kudos:",
        "Bookmarks:",
        "Hits:",
    ] {
        assert!(body.contains(text), "{text:?} in {body}");
    }
    // Relationships, then characters, then additional tags, as on AO3.
    let relationship = position(body, "Rory Gilmore/Jess Mariano");
    let character = position(body, "Jess Mariano</a></li>");
    let freeform = position(body, "First Person");
    assert!(relationship < character && character < freeform, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_work_whose_file_did_not_say_shows_completion_as_not_stated() {
    let app = TestApp::spawn().await;
    let mut work = three_chapters();
    work.complete = None;
    work.expected_chapters = None;
    let id = app.insert(&work).await;
    let listing = app.get("/").await.body;
    for text in [
        "class=\"symbol complete-unknown\"",
        "<span class=\"visually-hidden\">Completion: Not stated</span>",
        "3/?",
    ] {
        assert!(listing.contains(text), "{text:?} in {listing}");
    }
    assert!(!listing.contains("Work in Progress") && !listing.contains("Complete Work"));
    let page = app.get(&format!("/works/{id}")).await.body;
    assert!(
        page.contains("<dt>Completion:</dt><dd class=\"completion\">Not stated</dd>"),
        "{page}"
    );
    // Its last update is an update, not a completion date.
    assert!(page.contains("<dt>Updated:</dt>") && !page.contains("Completed:"));
    // A stated completion needs no such line.
    let stated = app.insert(&three_chapters()).await;
    let page = app.get(&format!("/works/{stated}")).await.body;
    assert!(page.contains("<dt>Completed:</dt>") && !page.contains("Not stated"));
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_is_paginated() {
    let app = TestApp::spawn().await;
    for n in 0..21 {
        let mut work = one_shot();
        work.title = format!("Work number {n}");
        app.insert(&work).await;
    }
    let first = app.get("/").await;
    assert_eq!(first.body.matches("<article class=\"blurb\"").count(), 20);
    assert!(first.body.contains("href=\"/?page=2\""), "{}", first.body);

    let second = app.get("/?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_page_basics(&second, "Recent Works, page 2 - ajar");
    assert_eq!(second.body.matches("<article class=\"blurb\"").count(), 1);
    assert!(
        second.body.contains("href=\"/\" rel=\"prev\""),
        "{}",
        second.body
    );

    for missing in ["/?page=3", "/?page=0", "/?page=abc"] {
        assert_eq!(
            app.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_one_shot_shows_all_its_metadata_and_its_text() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_shot()).await;
    let page = app.get(&format!("/works/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_basics(&page, "All That's Left - ajar");
    let body = &decoded(&page.body);

    for (label, value) in [
        ("Rating:", "Teen And Up Audiences"),
        ("Archive Warnings:", "No Archive Warnings Apply"),
        ("Categories:", "F/M"),
        ("Fandoms:", "Gilmore Girls"),
        ("Relationships:", "Rory Gilmore/Jess Mariano"),
        ("Characters:", "Rory Gilmore"),
        ("Additional Tags:", "Angst"),
        ("Language:", "English"),
        ("Series:", "Part 2 of Literati Moments"),
        ("Published:", "2003-02-04"),
        ("Words:", ""),
        ("Chapters:", "1/1"),
        ("Comments:", ""),
        ("Kudos:", ""),
        ("Bookmarks:", ""),
        ("Hits:", ""),
        ("Disclaimer:", "I don't own Gilmore Girls."),
    ] {
        let at = position(body, label);
        assert!(body[at..].contains(value), "{label} {value} in {body}");
    }
    assert!(
        body.contains("<h1 class=\"title\" id=\"work-title\">All That's Left</h1>"),
        "{body}"
    );
    assert!(body.contains("lizzie_writes"), "{body}");

    // Preface, then the spoiler box, then the text, then the end notes.
    let summary = position(body, "Jess's return to Stars Hollow");
    let notes = position(body, "I wrote this right after the episode aired.");
    let spoilers = position(
        body,
        "<strong>Spoilers:</strong> If you haven't seen the season 4 episode",
    );
    let text = position(
        body,
        "<p>The past twenty-four hours have gone by in a blur.</p>",
    );
    let end_notes = position(body, "Thanks for reading, truly.");
    assert!(
        summary < notes && notes < spoilers && spoilers < text && text < end_notes,
        "{body}"
    );

    // The text is as written: curly quotes, ellipsis and dash untouched (not even turned into
    // character references), in paragraphs.
    assert!(
        page.body.contains("<p>“So… this is it?” I ask.</p>"),
        "{}",
        page.body
    );
    assert!(body.contains("<p>“So… this is it?” I ask.</p>"), "{body}");
    assert!(
        body.contains("<p>He doesn’t answer — not at first.</p>"),
        "{body}"
    );
    assert!(
        !body.contains("Previous Chapter") && !body.contains("Next Chapter"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_multi_chapter_work_is_read_a_chapter_at_a_time() {
    let app = TestApp::spawn().await;
    let id = app.insert(&three_chapters()).await;

    // The work's own URL shows chapter 1, with the work's start notes.
    let first = app.get(&format!("/works/{id}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_page_basics(&first, "The Long Way Round - ajar");
    let body = &first.body;
    assert!(body.contains("Chapter 1: Departure"), "{body}");
    assert!(body.contains("The car belonged to Luke."), "{body}");
    assert!(body.contains("Three chapters, all written."), "{body}");
    assert!(body.contains("Notes for the start."), "{body}");
    assert!(!body.contains("Somewhere past Hartford"), "{body}");
    assert!(!body.contains("Previous Chapter"), "{body}");
    assert!(
        body.contains(&format!(
            "href=\"/works/{id}/chapters/2\" rel=\"next\">Next Chapter →"
        )),
        "{body}"
    );
    assert!(!body.contains("The very end of the work."), "{body}");
    assert!(body.contains("3/3"), "{body}");

    // A middle chapter links both ways and lists every chapter.
    let second = app.get(&format!("/works/{id}/chapters/2")).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_page_basics(&second, "The Long Way Round - Chapter 2 - ajar");
    let body = &second.body;
    assert!(body.contains("Chapter 2: The Middle</h2>"), "{body}");
    assert!(body.contains("Notes for the middle."), "{body}");
    assert!(
        body.contains("Somewhere past Hartford the radio gave up."),
        "{body}"
    );
    assert!(!body.contains("The car belonged to Luke."), "{body}");
    assert!(
        body.contains(&format!(
            "href=\"/works/{id}/chapters/1\" rel=\"prev\">← Previous Chapter"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "href=\"/works/{id}/chapters/3\" rel=\"next\">Next Chapter →"
        )),
        "{body}"
    );
    for n in 1..=3 {
        assert!(
            body.contains(&format!("href=\"/works/{id}/chapters/{n}\"")),
            "{body}"
        );
    }
    assert!(
        body.contains(&format!("href=\"/works/{id}/full\">Entire Work")),
        "{body}"
    );
    assert!(!body.contains("<select"), "{body}");

    // The last chapter ends the work: no next link, and the work's end notes.
    let last = app.get(&format!("/works/{id}/chapters/3")).await;
    assert!(last.body.contains("Chapter 3: Arrival"), "{}", last.body);
    assert!(!last.body.contains("Next Chapter"), "{}", last.body);
    assert!(
        last.body.contains("The very end of the work."),
        "{}",
        last.body
    );

    for missing in ["chapters/0", "chapters/4", "chapters/abc", "chapters/-1"] {
        let page = app.get(&format!("/works/{id}/{missing}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_full_work_view_has_every_chapter() {
    let app = TestApp::spawn().await;
    let id = app.insert(&three_chapters()).await;
    for path in [
        format!("/works/{id}?view_full_work=true"),
        format!("/works/{id}/full"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_page_basics(&page, "The Long Way Round - ajar");
        let body = &page.body;
        let one = position(body, "The car belonged to Luke.");
        let two = position(body, "Somewhere past Hartford the radio gave up.");
        let three = position(body, "They arrived before dawn.");
        let end = position(body, "The very end of the work.");
        assert!(one < two && two < three && three < end, "{body}");
        assert!(body.contains("Chapter 2: The Middle"), "{body}");
        assert!(body.contains("href=\"#chapter-3\""), "{body}");
        assert!(body.contains("Chapter by Chapter"), "{body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_shot()).await;
    for path in [
        "/no/such/page".to_owned(),
        "/works/999999".to_owned(),
        "/works/abc".to_owned(),
        "/works/-1".to_owned(),
        "/works/999999/chapters/1".to_owned(),
        "/works/999999/full".to_owned(),
        format!("/works/{id}/chapters/2"),
        format!("/works/{id}/chapters/99999999999"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_page_basics(&page, "Page not found - ajar");
        assert!(
            page.body.contains("<a href=\"/\">"),
            "{path}: {}",
            page.body
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn hostile_metadata_is_escaped() {
    let app = TestApp::spawn().await;
    let hostile = "<script>alert(1)</script>";
    let mut work = one_shot();
    work.title = hostile.into();
    work.creators = vec![hostile.into()];
    work.fandoms = tags(&[hostile]);
    work.tags = tags(&[hostile, "\"><img src=x onerror=alert(1)>"]);
    work.spoilers = Some(hostile.into());
    work.extra = vec![ExtraField {
        key: hostile.into(),
        value: hostile.into(),
    }];
    work.summary = Html::sanitize("<p>Fine</p><script>alert(1)</script>");
    let id = app.insert(&work).await;
    for path in ["/".to_owned(), format!("/works/{id}")] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script"), "{path}: {}", page.body);
        assert!(!page.body.contains("<img"), "{path}: {}", page.body);
        // Still there, as text a reader can see.
        assert!(
            decoded(&page.body).contains(hostile),
            "{path}: {}",
            page.body
        );
    }
    let work_page = app.get(&format!("/works/{id}")).await;
    assert_page_basics(&work_page, "<script>alert(1)</script> - ajar");
    let escaped_title = position(&work_page.body, "<title>") + "<title>".len();
    assert!(
        work_page.body[escaped_title..].starts_with('&'),
        "{}",
        work_page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_stylesheet_is_served_and_cached() {
    let app = TestApp::spawn().await;
    let home = app.get("/").await;
    let start = position(&home.body, "href=\"/static/ajar.css?v=") + "href=\"".len();
    let href = &home.body[start..start + home.body[start..].find('"').expect("closing quote")];

    let css = app.get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[CONTENT_TYPE], "text/css; charset=utf-8");
    let cache_control = css.headers[CACHE_CONTROL]
        .to_str()
        .expect("an ASCII header");
    assert!(cache_control.contains("immutable"), "{cache_control}");
    assert!(
        css.body.contains("prefers-color-scheme: dark"),
        "{}",
        css.body
    );
    assert!(css.body.contains("max-width"), "{}", css.body);
    assert_security_headers(&css.headers);

    // Without the version, the browser revalidates, and an unchanged file costs nothing.
    let plain = app.get("/static/ajar.css").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.headers[CACHE_CONTROL], "public, no-cache");
    let etag = plain.headers[ETAG].clone();
    let mut headers = HeaderMap::new();
    headers.insert(IF_NONE_MATCH, etag);
    let again = app.get_with("/static/ajar.css", headers).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_shot()).await;
    for path in [
        "/".to_owned(),
        format!("/works/{id}"),
        "/missing".to_owned(),
        "/static/ajar.css".to_owned(),
    ] {
        assert_security_headers(&app.get(&path).await.headers);
    }
    app.stop().await;
}

/// The founding story file, read by `ajar-formats` as `ajar import` would, reads as written.
#[tokio::test]
async fn the_founding_story_file_reads_as_written() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/stories/all-thats-left.txt"
    );
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let work =
        ajar_formats::read_story_file("all-thats-left.txt", &bytes).expect("the fixture reads");
    let app = TestApp::spawn().await;
    let id = app.insert(&work).await;
    let page = app.get(&format!("/works/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_page_basics(&page, "All That's Left - ajar");
    let body = &decoded(&page.body);
    let spoilers = position(body, "<strong>Spoilers:</strong>");
    let text = position(body, "The past twenty-four hours have gone by in a blur.");
    assert!(spoilers < text, "{body}");
    assert!(body.contains("So… this is it?"), "{body}");
    assert!(body.contains("Nag Hammadi"), "{body}");
    assert!(body.matches("<p>").count() > 20, "{body}");
    // The file names no language: the page does not guess one.
    assert!(body.contains(">Not stated</dd>"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn internal_errors_show_a_bare_500_page() {
    let app = TestApp::spawn().await;
    let id = app.insert(&one_shot()).await;
    // A closed pool makes every query fail, as a lost database would.
    app.store.close().await;
    for path in ["/".to_owned(), format!("/works/{id}")] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_page_basics(&page, "Something went wrong - ajar");
        let lower = page.body.to_lowercase();
        for internal in ["pool", "sqlite", "database", "sqlx", "error:"] {
            assert!(
                !lower.contains(internal),
                "{internal} leaked: {}",
                page.body
            );
        }
    }
    app.stop().await;
}
