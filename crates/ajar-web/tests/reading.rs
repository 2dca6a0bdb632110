//! The reading pages beyond home and work (fandoms, tags, creators, series, settings) and
//! what every work page does besides showing the work (ETag / 304, hits), over real HTTP
//! against a server on a random port with its own fresh SQLite store.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{
    ArchiveWarning, Category, Chapter, Html, Media, Rating, SeriesMembership, TagName, Work, WorkId,
};
use ajar_store::Store;
use chrono::NaiveDate;
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, ETAG, LAST_MODIFIED, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::oneshot;

const GUEST_TOKEN: &str = "guest-token-0123456789abcdef";

struct TestApp {
    base: String,
    host: String,
    store: Store,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
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
        tokio::spawn(ajar_web::serve(listener, store.clone(), async {
            let _ = stopped.await;
        }));
        TestApp {
            base: format!("http://{addr}"),
            host: addr.to_string(),
            store,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            shutdown: Some(shutdown),
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
        fetched(response).await
    }

    async fn post_settings(&self, body: &str, origin: Option<&str>) -> Fetched {
        let mut request = self
            .client
            .post(format!("{}/settings", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            // A guest's CSRF token is their `ajar_csrf` cookie, sent back in the form.
            .header(COOKIE, format!("ajar_csrf={GUEST_TOKEN}"))
            .body(format!("{body}&csrf_token={GUEST_TOKEN}"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        fetched(request.send().await.expect("the server answers")).await
    }
}

async fn fetched(response: reqwest::Response) -> Fetched {
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.expect("a text body"),
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

fn work(title: &str, creator: &str, fandom: &str, day: u32) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.into()],
        summary: Html::from_plain_text(&format!("The summary of {title}.")),
        fandoms: tags(&[fandom]),
        rating: Rating::TeenAndUp,
        warnings: vec![ArchiveWarning::MajorCharacterDeath],
        categories: vec![Category::Gen],
        characters: tags(&["Rory Gilmore"]),
        tags: tags(&["Angst"]),
        chapters: vec![Chapter {
            body: Html::from_plain_text(&format!("The text of {title}.")),
            ..Chapter::default()
        }],
        expected_chapters: Some(1),
        complete: Some(true),
        published: NaiveDate::from_ymd_opt(2025, 1, day),
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// Character references decoded, to find text as a reader sees it.
fn decoded(body: &str) -> String {
    let mut out = body.to_owned();
    for (entity, c) in [
        ("&#39;", "'"),
        ("&#34;", "\""),
        ("&#60;", "<"),
        ("&#62;", ">"),
        ("&#38;", "&"),
    ] {
        out = out.replace(entity, c);
    }
    out
}

fn title_of(body: &str) -> String {
    let start = body.find("<title>").expect("a title") + "<title>".len();
    let end = body.find("</title>").expect("a title end");
    decoded(&body[start..end])
}

fn assert_described(page: &Fetched) {
    assert!(
        page.body.contains("<meta name=\"description\" content=\"")
            && !page.body.contains("content=\"\""),
        "{}",
        page.body
    );
}

fn cookie(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(value).expect("a header"));
    headers
}

#[tokio::test]
async fn the_fandoms_index_shows_each_medias_biggest_fandoms_and_links_to_all() {
    let app = TestApp::spawn().await;
    // Fandom N has N works: twelve fandoms, one media.
    for n in 1..=12u32 {
        for w in 0..n {
            app.insert(&work(
                &format!("F{n} W{w}"),
                "a",
                &format!("Fandom {n:02}"),
                1,
            ))
            .await;
        }
    }
    let page = app.get("/fandoms").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = decoded(&page.body);
    let at = |n: u32| body.find(&format!(">Fandom {n:02}</a>"));
    for n in 3..=12 {
        assert!(
            at(n).is_some(),
            "Fandom {n:02} is among the ten biggest: {body}"
        );
    }
    assert!(at(1).is_none() && at(2).is_none(), "{body}");
    assert!(at(12) < at(11) && at(4) < at(3), "most works first");
    assert!(
        body.contains(
            "<a href=\"/media/Uncategorized%20Fandoms/fandoms\">All 12 Uncategorized Fandoms</a>"
        ),
        "{body}"
    );
    let all = app.get("/media/Uncategorized%20Fandoms/fandoms").await;
    assert_eq!(all.status, StatusCode::OK);
    for n in 1..=12 {
        assert!(
            all.body.contains(&format!(">Fandom {n:02}</a>")),
            "{}",
            all.body
        );
    }
    assert!(!all.body.contains(">All 12 "));
}

#[tokio::test]
async fn the_fandoms_index_groups_fandoms_by_media() {
    let app = TestApp::spawn().await;
    app.insert(&work("One", "a", "Gilmore Girls", 1)).await;
    app.insert(&work("Two", "a", "Gilmore Girls", 2)).await;
    app.insert(&work("Three", "b", "Pride & Prejudice", 3))
        .await;
    let gilmore = TagName::parse("gilmore girls").unwrap();
    assert!(app
        .store
        .set_fandom_media(&gilmore, Media::TvShows)
        .await
        .unwrap());
    let nothing = TagName::parse("No Such Fandom").unwrap();
    assert!(!app
        .store
        .set_fandom_media(&nothing, Media::Movies)
        .await
        .unwrap());

    let page = app.get("/fandoms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(title_of(&page.body), "Fandoms - ajar");
    assert_described(&page);
    let body = decoded(&page.body);
    let tv = body.find(">TV Shows</a></h2>").expect("a TV Shows group");
    let uncategorized = body
        .find(">Uncategorized Fandoms</a></h2>")
        .expect("uncategorized");
    let gilmore = body
        .find("<a href=\"/tags/Gilmore%20Girls/works\">Gilmore Girls</a> <span class=\"count\">(2")
        .unwrap();
    let pride = body.find("<a href=\"/tags/Pride%20*a*%20Prejudice/works\">Pride & Prejudice</a> <span class=\"count\">(1").unwrap();
    assert!(
        tv < gilmore && gilmore < uncategorized && uncategorized < pride,
        "{body}"
    );
    assert!(
        !body.contains(">Movies<"),
        "empty kinds are left out: {body}"
    );

    let page = app.get("/media/TV%20Shows/fandoms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Gilmore Girls") && !page.body.contains("Prejudice"));
    assert_eq!(title_of(&page.body), "TV Shows - Fandoms - ajar");
    let page = app.get("/media/Books%20*a*%20Literature/fandoms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("No fandoms filed under Books"),
        "{}",
        page.body
    );
    assert_eq!(
        app.get("/media/Radio/fandoms").await.status,
        StatusCode::NOT_FOUND
    );

    let home = app.get("/").await;
    assert!(home.body.contains("Popular Fandoms"), "{}", home.body);
    assert!(
        home.body.contains("action=\"/works/search\""),
        "a search box: {}",
        home.body
    );
    assert!(home
        .body
        .find("Gilmore Girls</a> <span class=\"count\">(2")
        .is_some());
}

#[tokio::test]
async fn tag_urls_escape_and_round_trip_awkward_names() {
    let app = TestApp::spawn().await;
    let name = "Rory/Jess & Co. - Why? #1";
    let mut w = work("Awkward", "someone", "Gilmore Girls", 1);
    w.tags = tags(&[name]);
    let id = app.insert(&w).await;
    let encoded = "Rory*s*Jess%20*a*%20Co*d*%20-%20Why*q*%20*h*1";

    let page = app.get(&format!("/works/{id}")).await;
    let href = format!("/tags/{encoded}/works");
    assert!(
        page.body.contains(&format!("href=\"{href}\"")),
        "{}",
        page.body
    );

    let listing = app.get(&href).await;
    assert_eq!(listing.status, StatusCode::OK, "{href}");
    assert!(
        listing.body.contains(&format!("href=\"/works/{id}\"")),
        "{}",
        listing.body
    );
    assert_eq!(title_of(&listing.body), format!("{name} - Works - ajar"));
    assert!(
        decoded(&listing.body).contains(&format!("1 Work in {name}")),
        "{}",
        listing.body
    );

    let tag = app.get(&format!("/tags/{encoded}")).await;
    assert_eq!(tag.status, StatusCode::OK);
    assert!(tag.body.contains("Additional Tag"), "{}", tag.body);
    assert!(
        tag.body.contains(&format!("href=\"{href}\"")),
        "{}",
        tag.body
    );
    assert_described(&tag);

    // Any kind of tag has its listing, matched case-insensitively.
    for path in [
        "/tags/gilmore%20girls/works",
        "/tags/Teen%20And%20Up%20Audiences/works",
        "/tags/Major%20Character%20Death/works",
        "/tags/Gen/works",
        "/tags/Rory%20Gilmore",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    for path in [
        "/tags/Nothing%20Like%20This/works",
        "/tags/Nothing",
        "/tags/a,b/works",
        "/tags/%20/works",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // Markup in a tag name is text on every page that shows it.
    let mut hostile = work("Hostile", "someone", "<script>alert(1)</script>", 2);
    hostile.tags = tags(&["\"><img src=x onerror=alert(1)>"]);
    app.insert(&hostile).await;
    for path in [
        "/tags/%3Cscript%3Ealert(1)%3C*s*script%3E/works",
        "/tags/%3Cscript%3Ealert(1)%3C*s*script%3E",
        "/tags/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/works",
        "/fandoms",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("alert(1)"), "{path}: {}", page.body);
        assert!(
            !page.body.contains("<script>alert"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<img src=x"), "{path}: {}", page.body);
    }
}

#[tokio::test]
async fn tag_listings_are_paginated_newest_first() {
    let app = TestApp::spawn().await;
    let mut works = Vec::new();
    for n in 1..=25 {
        works.push(work(&format!("Work {n:02}"), "prolific", "Big Fandom", n));
    }
    app.store.insert_works(&works).await.unwrap();
    let first = app.get("/tags/Big%20Fandom/works").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("1 - 20 of 25 Works in Big Fandom"),
        "{}",
        first.body
    );
    assert_eq!(first.body.matches("<li class=\"work\">").count(), 20);
    let newest = first.body.find("Work 25").unwrap();
    let older = first.body.find("Work 24").unwrap();
    assert!(newest < older);
    assert!(
        first
            .body
            .contains("href=\"/tags/Big%20Fandom/works?page=2\""),
        "{}",
        first.body
    );
    let second = app.get("/tags/Big%20Fandom/works?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        second.body.contains("21 - 25 of 25 Works"),
        "{}",
        second.body
    );
    assert_eq!(second.body.matches("<li class=\"work\">").count(), 5);
    assert_eq!(title_of(&second.body), "Big Fandom - Works, page 2 - ajar");
    for path in [
        "/tags/Big%20Fandom/works?page=3",
        "/tags/Big%20Fandom/works?page=0",
        "/tags/Big%20Fandom/works?page=x",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    let creator = app.get("/users/prolific/works?page=2").await;
    assert_eq!(creator.status, StatusCode::OK);
    assert!(
        creator.body.contains("21 - 25 of 25 Works by prolific"),
        "{}",
        creator.body
    );
}

#[tokio::test]
async fn creator_pages_list_their_works() {
    let app = TestApp::spawn().await;
    let id = app
        .insert(&work("Mine", "lizzie writes", "Gilmore Girls", 1))
        .await;
    let hostile = app
        .insert(&work("Theirs", "<b>bold</b>", "Gilmore Girls", 2))
        .await;

    let page = app.get("/users/lizzie%20writes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(title_of(&page.body), "lizzie writes - ajar");
    assert!(page.body.contains(&format!("href=\"/works/{id}\"")));
    assert!(page.body.contains("href=\"/users/lizzie%20writes/works\""));
    assert_described(&page);
    let works = app.get("/users/LIZZIE%20WRITES/works").await;
    assert_eq!(works.status, StatusCode::OK);
    assert!(
        works.body.contains("1 Work by lizzie writes"),
        "{}",
        works.body
    );

    // The work page's byline links to the creator.
    let work_page = app.get(&format!("/works/{id}")).await;
    assert!(
        work_page
            .body
            .contains("<a href=\"/users/lizzie%20writes\">lizzie writes</a>"),
        "{}",
        work_page.body
    );

    let page = app.get("/users/%3Cb%3Ebold%3C%2Fb%3E").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<b>bold</b>"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/works/{hostile}\"")));

    for path in ["/users/nobody", "/users/nobody/works"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn series_pages_list_works_in_order() {
    let app = TestApp::spawn().await;
    let mut second = work("Second Part", "a", "Gilmore Girls", 5);
    second.series = vec![SeriesMembership {
        title: "Literati Moments".into(),
        position: 2,
    }];
    let mut first = work("First Part", "b", "Gilmore Girls", 1);
    first.series = vec![SeriesMembership {
        title: "Literati Moments".into(),
        position: 1,
    }];
    let second_id = app.insert(&second).await;
    app.insert(&first).await;

    let page = app.get(&format!("/works/{second_id}")).await;
    let start = page.body.find("href=\"/series/").expect("a series link");
    let href: String = page.body[start + 6..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(
        page.body.contains("Part 2 of Literati Moments"),
        "{}",
        page.body
    );

    let series = app.get(&href).await;
    assert_eq!(series.status, StatusCode::OK, "{href}");
    assert_eq!(title_of(&series.body), "Literati Moments - Series - ajar");
    let one = series.body.find("First Part").unwrap();
    let two = series.body.find("Second Part").unwrap();
    assert!(one < two, "{}", series.body);
    assert!(series.body.contains("Part 1: </span>"), "{}", series.body);
    for path in ["/series/999", "/series/abc", "/series/-1"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn work_pages_answer_repeat_visits_with_304() {
    let app = TestApp::spawn().await;
    let mut w = work("Cached", "a", "Gilmore Girls", 1);
    w.chapters.push(Chapter {
        body: Html::from_plain_text("Chapter two."),
        ..Chapter::default()
    });
    w.expected_chapters = Some(2);
    w.renumber_chapters();
    let id = app.insert(&w).await;
    for path in [
        format!("/works/{id}"),
        format!("/works/{id}/chapters/2"),
        format!("/works/{id}/full"),
    ] {
        let first = app.get(&path).await;
        assert_eq!(first.status, StatusCode::OK);
        let etag = first.headers[ETAG].to_str().unwrap().to_owned();
        let modified = first.headers[LAST_MODIFIED].to_str().unwrap().to_owned();
        assert_eq!(first.headers["vary"], "Cookie");

        let mut headers = HeaderMap::new();
        headers.insert("if-none-match", HeaderValue::from_str(&etag).unwrap());
        let again = app.get_with(&path, headers).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.headers[ETAG].to_str().unwrap(), etag);

        let mut headers = HeaderMap::new();
        headers.insert(
            "if-modified-since",
            HeaderValue::from_str(&modified).unwrap(),
        );
        assert_eq!(
            app.get_with(&path, headers).await.status,
            StatusCode::NOT_MODIFIED
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "if-modified-since",
            HeaderValue::from_static("Mon, 01 Jan 2001 00:00:00 GMT"),
        );
        assert_eq!(app.get_with(&path, headers).await.status, StatusCode::OK);

        // Other settings render another page, with another tag.
        let mut headers = cookie("ajar_prefs=theme=dark");
        headers.insert("if-none-match", HeaderValue::from_str(&etag).unwrap());
        let dark = app.get_with(&path, headers).await;
        assert_eq!(dark.status, StatusCode::OK);
        assert_ne!(dark.headers[ETAG].to_str().unwrap(), etag);
        assert!(dark.body.contains("class=\"theme-dark"));
    }
    let first = app.get(&format!("/works/{id}")).await;
    let chapter = app.get(&format!("/works/{id}/chapters/2")).await;
    assert_ne!(first.headers[ETAG], chapter.headers[ETAG]);
    // A chapter's own page says what its text says; the whole work's page does not.
    assert!(
        chapter.body.contains(
            "<p class=\"chapter-stats\">This chapter: 2 words, about 1 min; third person narration, 0% dialogue</p>"
        ),
        "{}",
        chapter.body
    );
    let full = app.get(&format!("/works/{id}/full")).await;
    assert!(!full.body.contains("chapter-stats"));
}

async fn hits_of(store: &Store, id: WorkId, expected: u64) -> u64 {
    // Views are written in batches about once a second.
    let mut hits = 0;
    for _ in 0..40 {
        hits = store.work_header(id).await.unwrap().unwrap().stats.hits;
        if hits == expected {
            tokio::time::sleep(Duration::from_millis(1200)).await;
            return store.work_header(id).await.unwrap().unwrap().stats.hits;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hits
}

#[tokio::test]
async fn hits_count_once_per_visitor_per_day() {
    let app = TestApp::spawn().await;
    let id = app.insert(&work("Popular", "a", "Gilmore Girls", 1)).await;
    let feed_before = app.store.last_change_seq().await.unwrap();

    // A first visit without a cookie gets one, and later visits with it are the same visitor.
    let first = app.get(&format!("/works/{id}")).await;
    let set_cookie = first.headers[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("ajar_visitor="), "{set_cookie}");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    // With the CSRF cookie a guest gets with the page's first form, so no cookie is new.
    let visitor = format!(
        "{}; ajar_csrf={GUEST_TOKEN}",
        set_cookie.split(';').next().unwrap()
    );
    for path in [
        format!("/works/{id}"),
        format!("/works/{id}/full"),
        format!("/works/{id}?view_full_work=true"),
    ] {
        let page = app.get_with(&path, cookie(&visitor)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.headers.get(SET_COOKIE).is_none());
    }
    // A revalidation is a visit too, and still the same visitor.
    let mut headers = cookie(&visitor);
    headers.insert("if-none-match", first.headers[ETAG].clone());
    assert_eq!(
        app.get_with(&format!("/works/{id}"), headers).await.status,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(hits_of(&app.store, id, 1).await, 1);

    // Someone else counts.
    let other = "ajar_visitor=0123456789abcdef0123456789abcdef";
    app.get_with(&format!("/works/{id}"), cookie(other)).await;
    app.get_with(&format!("/works/{id}"), cookie(other)).await;
    assert_eq!(hits_of(&app.store, id, 2).await, 2);

    // Behind an HTTPS proxy, the cookie is Secure.
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
    headers.insert("user-agent", HeaderValue::from_static("another browser"));
    let secure = app.get_with(&format!("/works/{id}"), headers).await;
    assert!(secure.headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    assert_eq!(hits_of(&app.store, id, 3).await, 3);

    // Missing works count nothing; the hit counter never writes to the changes feed.
    assert_eq!(app.get("/works/999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.store.last_change_seq().await.unwrap(), feed_before);
    let page = app.get(&format!("/works/{id}")).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = if page.body.contains("<dd class=\"hits\">3</dd>") {
        page
    } else {
        app.get(&format!("/works/{id}")).await
    };
    assert!(
        page.body.contains("<dd class=\"hits\">3</dd>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn reader_settings_are_saved_in_a_cookie_and_applied() {
    let app = TestApp::spawn().await;
    let id = app.insert(&work("Warned", "a", "Gilmore Girls", 1)).await;
    let origin = format!("http://{}", app.host);

    let page = app.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(title_of(&page.body), "Reader Settings - ajar");
    assert!(page
        .body
        .contains("<form method=\"post\" action=\"/settings\""));
    assert!(
        page.body.contains("value=\"system\" checked"),
        "{}",
        page.body
    );

    let saved = app
        .post_settings(
            "theme=dark&font=130&width=narrow&hide_tags=1&hide_warnings=1&return_to=%2Fworks%2F1",
            Some(&origin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.headers[LOCATION], "/works/1");
    let set_cookie = saved.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        set_cookie.starts_with("ajar_prefs=theme=dark&font=130&width=narrow&hide=tags.warnings;"),
        "{set_cookie}"
    );
    assert!(
        set_cookie.contains("SameSite=Lax") && set_cookie.contains("Max-Age="),
        "{set_cookie}"
    );
    let prefs = set_cookie.split(';').next().unwrap().to_owned();

    // Applied to every page: the theme on <html>, and listings hide what was asked.
    let home = app.get_with("/", cookie(&prefs)).await;
    assert!(
        home.body
            .contains("<html lang=\"en\" class=\"theme-dark font-130 width-narrow\">"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains("Warnings hidden by your settings"),
        "{}",
        home.body
    );
    assert!(home.body.contains("<details class=\"hidden-warnings\">"));
    assert!(home
        .body
        .contains("Additional tags hidden by your settings."));
    assert!(
        !home.body.contains("<li class=\"freeforms\">"),
        "{}",
        home.body
    );
    assert!(
        !home
            .body
            .contains("title=\"Archive Warnings: Major Character Death\""),
        "{}",
        home.body
    );
    let plain = app.get("/").await;
    assert!(
        plain
            .body
            .contains("<li class=\"freeforms\"><a href=\"/tags/Angst/works\">Angst</a>"),
        "{}",
        plain.body
    );
    assert!(!plain.body.contains("Warnings hidden"));
    let work_page = app.get_with(&format!("/works/{id}"), cookie(&prefs)).await;
    assert!(
        work_page
            .body
            .contains("<summary>Warnings hidden by your settings</summary>"),
        "{}",
        work_page.body
    );
    let form = app.get_with("/settings", cookie(&prefs)).await;
    assert!(
        form.body.contains("value=\"dark\" checked")
            && form.body.contains("name=\"hide_tags\" value=\"1\" checked"),
        "{}",
        form.body
    );

    // Without a place to go back to, the settings page says it saved; bad places are ignored.
    let saved = app
        .post_settings("theme=contrast&return_to=%2F%2Fevil.example", None)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.headers[LOCATION], "/settings?saved=1");
    assert!(app
        .get("/settings?saved=1")
        .await
        .body
        .contains("Your settings were saved."));
    // Unknown values fall back to the defaults.
    let odd = app
        .post_settings("theme=neon&font=999", Some(&origin))
        .await;
    assert!(odd.headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("ajar_prefs=theme=system&font=100&width=medium&hide=;"));
    // Reset clears the cookie.
    let reset = app.post_settings("reset=1", Some(&origin)).await;
    assert!(reset.headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));

    // Another site cannot change them.
    for evil in ["https://evil.example", "null"] {
        let refused = app.post_settings("theme=dark", Some(evil)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{evil}");
        assert!(refused.headers.get(SET_COOKIE).is_none());
    }
    // A damaged cookie reads as the defaults.
    let damaged = app.get_with("/", cookie("ajar_prefs=%%%garbage")).await;
    assert!(damaged
        .body
        .contains("class=\"theme-system font-100 width-medium\""));
}

#[tokio::test]
async fn every_reading_page_has_a_title_and_description() {
    let app = TestApp::spawn().await;
    let id = app
        .insert(&work("Titled", "someone", "Gilmore Girls", 1))
        .await;
    for (path, title) in [
        ("/".to_owned(), "ajar".to_owned()),
        ("/fandoms".to_owned(), "Fandoms - ajar".to_owned()),
        (
            "/tags/Gilmore%20Girls".to_owned(),
            "Gilmore Girls - Tag - ajar".to_owned(),
        ),
        (
            "/tags/Gilmore%20Girls/works".to_owned(),
            "Gilmore Girls - Works - ajar".to_owned(),
        ),
        ("/users/someone".to_owned(), "someone - ajar".to_owned()),
        (
            "/users/someone/works".to_owned(),
            "Works by someone - ajar".to_owned(),
        ),
        (format!("/works/{id}"), "Titled - ajar".to_owned()),
        ("/settings".to_owned(), "Reader Settings - ajar".to_owned()),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(title_of(&page.body), title, "{path}");
        assert_described(&page);
        assert_eq!(
            page.headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        assert!(
            page.headers.contains_key("content-security-policy"),
            "{path}"
        );
    }
}
