//! Mail over a real SMTP server on loopback (`aiosmtpd`): a password reset link's round
//! trip, a comment's one mail and one inbox item, the daily digest, one-click unsubscribe,
//! a header-injection attempt, and two servers on one database sending each mail once.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_store::Backend;
use common::smtp::{Mail, SmtpSink};
use common::{post_work, Client, TestApp};
use reqwest::StatusCode;
use std::time::Duration;

/// Links in mail start with this; tests open the path on their own server.
const BASE: &str = "http://ajar.test";

fn config(sink: &SmtpSink, digest_after: Duration) -> ajar_web::Config {
    ajar_web::Config {
        mail: ajar_web::mail::MailConfig {
            base_url: BASE.to_owned(),
            from: "Test Archive <noreply@ajar.test>".to_owned(),
            transport: ajar_web::mail::MailTransport::Smtp(sink.url()),
            digest_after,
            require_confirmed_email: false,
            retry_after: Duration::from_secs(1),
        },
        ..ajar_web::Config::default()
    }
}

fn to(address: &str) -> impl Fn(&Mail) -> bool + '_ {
    move |m: &Mail| m.rcpt_to().contains(address)
}

fn about<'a>(address: &'a str, subject: &'a str) -> impl Fn(&Mail) -> bool + 'a {
    move |m: &Mail| {
        m.rcpt_to().contains(address) && m.header("Subject").is_some_and(|s| s.contains(subject))
    }
}

/// Signs `name` up and opens the confirmation link mailed to them.
async fn confirmed_user(app: &TestApp, sink: &SmtpSink, name: &str) -> Client {
    let client = app.user(name).await;
    let address = format!("{name}@example.org");
    let mail = sink
        .wait_for(1, about(&address, "Confirm your email address"))
        .await;
    let link = mail[0]
        .link("/confirm-email/")
        .expect("a confirmation link");
    let page = client.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&address), "{}", page.body);
    let done = client.post(&link, &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("is confirmed"), "{}", done.body);
    // Spent: the link works once.
    assert_eq!(client.get(&link).await.status, StatusCode::BAD_REQUEST);
    client
}

async fn comment(client: &Client, work: i64, body: &str) {
    let done = client
        .post(
            &format!("/works/{work}/comments"),
            &[("chapter", "1"), ("body", body), ("name", "A guest")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

#[tokio::test]
async fn a_reset_link_is_mailed_and_works_once() {
    let Some(sink) = SmtpSink::start("a_reset_link_is_mailed_and_works_once") else {
        return;
    };
    let app = TestApp::spawn_with(config(&sink, Duration::from_secs(3600))).await;
    app.user("rory").await;
    let guest = app.guest();
    guest.get("/login").await;
    let form = guest.get("/forgot").await;
    assert_eq!(form.status, StatusCode::OK);
    // The same answer for an address with an account and one without.
    let known = guest
        .post("/forgot", &[("email", "RORY@example.org")])
        .await;
    let unknown = guest
        .post("/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    let said = |body: &str| body.contains("If an account uses that address or name");
    assert!(said(&known.body) && said(&unknown.body), "{}", known.body);

    let mail = sink
        .wait_for(1, about("rory@example.org", "Reset your"))
        .await;
    assert_eq!(mail.len(), 1, "one reset mail");
    assert!(
        mail[0].body.contains("works once, for 24 hours"),
        "{}",
        mail[0].body
    );
    assert!(
        mail[0]
            .header("Content-Type")
            .is_some_and(|c| c.contains("multipart/alternative")),
        "text and HTML: {:?}",
        mail[0].headers
    );
    let link = mail[0].link("/reset/").expect("a reset link");
    let page = guest.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let set = guest
        .post(
            &link,
            &[
                ("password", "a brand new password"),
                ("password_confirmation", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert_eq!(
        guest.get(&link).await.status,
        StatusCode::BAD_REQUEST,
        "used once"
    );
    let again = app.guest();
    again.get("/login").await;
    let login = again
        .post(
            "/login",
            &[("name", "rory"), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    // Opening the mailed link showed the reader holds the address: it is confirmed.
    let rory = app.store.user_by_name("rory").await.unwrap().unwrap();
    assert!(app.store.email_state(rory.id).await.unwrap().0);
    // Another account's address is refused as a new one, before any link is mailed.
    let sam = app.user("sam").await;
    let taken = sam
        .post(
            "/account/email",
            &[
                ("current_password", "password-sam"),
                ("email", "Rory@example.org"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(
        taken
            .body
            .contains("Another account uses that email address."),
        "{}",
        taken.body
    );
    // Nothing was mailed to the address without an account.
    assert!(sink.mails_where(to("nobody@example.org")).is_empty());
    app.cleanup().await;
}

#[tokio::test]
async fn on_sqlite_a_comment_makes_one_mail_and_one_inbox_item_and_one_click_stops_them() {
    a_comment_makes_one_mail_and_one_inbox_item_and_one_click_stops_them(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres_a_comment_makes_one_mail_and_one_inbox_item_and_one_click_stops_them() {
    a_comment_makes_one_mail_and_one_inbox_item_and_one_click_stops_them(Backend::Postgres).await;
}

async fn a_comment_makes_one_mail_and_one_inbox_item_and_one_click_stops_them(backend: Backend) {
    let Some(sink) = SmtpSink::start("a_comment_makes_one_mail") else {
        return;
    };
    let Some(app) =
        TestApp::spawn_configured(backend, config(&sink, Duration::from_secs(3600))).await
    else {
        return;
    };
    let wes = confirmed_user(&app, &sink, "wes").await;
    let work = post_work(&wes, "Bridge at Night", "public").await;
    let rita = app.user("rita").await;
    comment(&rita, work, "I loved the bridge scene.").await;

    let mails = sink
        .wait_for(
            1,
            about("wes@example.org", "rita commented on Bridge at Night"),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails_to_wes = sink.mails_where(about("wes@example.org", "commented"));
    assert_eq!(mails_to_wes.len(), 1, "exactly one mail: {mails_to_wes:#?}");
    let mail = &mails[0];
    assert!(
        mail.body.contains("I loved the bridge scene."),
        "{}",
        mail.body
    );
    let unsubscribe = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );

    // The inbox holds the same event, unread, and the header counts it.
    let inbox = wes.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(
        inbox.body.matches("id=\"notice-").count(),
        1,
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains("rita commented on Bridge at Night"),
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains("aria-label=\"1 unread\""),
        "{}",
        inbox.body
    );
    // A reply straight from the inbox reaches rita's inbox.
    let notice_id = between(&inbox.body, "id=\"notice-", "\"");
    let comment_id = between(&inbox.body, "action=\"/comments/", "/reply\"");
    let replied = wes
        .post(
            &format!("/comments/{comment_id}/reply"),
            &[("body", "Thank you!")],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.body);
    let rita_inbox = rita.get("/inbox").await;
    assert!(
        rita_inbox.body.contains("wes replied to your comment"),
        "{}",
        rita_inbox.body
    );
    // Marked read, then deleted.
    let read = wes
        .post("/inbox", &[("action", "read"), ("id", &notice_id)])
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.body);
    let inbox = wes.get("/inbox").await;
    assert!(!inbox.body.contains("unread-count"), "{}", inbox.body);
    // Someone else's items are not theirs to delete.
    let theirs = rita
        .post("/inbox", &[("action", "delete"), ("id", &notice_id)])
        .await;
    assert_eq!(theirs.location(), "/inbox?done=0");

    // One-click unsubscribe, as a mail provider posts it: no cookie, no CSRF token.
    let url = unsubscribe.trim_matches(['<', '>']);
    let path = url.strip_prefix(BASE).expect("a link to the archive");
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let user = app.store.user_by_name("wes").await.unwrap().unwrap();
    let prefs = app.store.mail_prefs(user.id).await.unwrap();
    for (category, mode) in prefs {
        let expected = if category == ajar_store::NoticeCategory::Comments {
            ajar_store::MailMode::Off
        } else {
            category.default_mode()
        };
        assert_eq!(mode, expected, "only that setting changed: {category:?}");
    }
    // A wrong token changes nothing and says so.
    let wrong = reqwest::Client::new()
        .post(format!("{}/unsubscribe/not-a-token/comments", app.base))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);

    // Another comment: in the inbox, not mailed.
    comment(&rita, work, "And the diner one.").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        sink.mails_where(about("wes@example.org", "commented"))
            .len(),
        1
    );
    let inbox = wes.get("/inbox").await;
    assert_eq!(
        inbox.body.matches("id=\"notice-").count(),
        2,
        "{}",
        inbox.body
    );

    // The same inbox and settings through the API, with a personal access token.
    let made = wes
        .post("/account/tokens", &[("name", "inbox"), ("scope", "write")])
        .await;
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    let token = &made.body[at..at + made.body[at..].find('"').unwrap()];
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let answer = call(reqwest::Method::GET, "/api/v1/inbox", None)
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let inbox: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 2, "{inbox}");
    assert_eq!(inbox["unread"], 1, "{inbox}");
    assert_eq!(inbox["items"][0]["kind"], "comment");
    assert_eq!(
        inbox["items"][0]["heading"],
        "rita commented on Bridge at Night"
    );
    let read = call(
        reqwest::Method::POST,
        "/api/v1/inbox",
        Some(serde_json::json!({ "action": "read_all" })),
    )
    .await
    .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        read.json::<serde_json::Value>().await.unwrap()["changed"],
        1
    );
    let set = call(
        reqwest::Method::PUT,
        "/api/v1/mail-settings",
        Some(serde_json::json!({ "modes": { "kudos": "off" } })),
    )
    .await
    .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let settings: serde_json::Value = set.json().await.unwrap();
    assert_eq!(settings["modes"]["kudos"], "off", "{settings}");
    assert_eq!(
        settings["modes"]["comments"], "off",
        "unsubscribed before: {settings}"
    );
    assert_eq!(settings["modes"]["subscriptions"], "now", "{settings}");
    assert_eq!(settings["email_confirmed"], true);
    let wrong = call(
        reqwest::Method::PUT,
        "/api/v1/mail-settings",
        Some(serde_json::json!({ "modes": { "kudos": "hourly" } })),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let guest = reqwest::get(format!("{}/api/v1/inbox", app.base))
        .await
        .unwrap();
    assert_eq!(guest.status(), StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

fn between(text: &str, start: &str, end: &str) -> String {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {text}"))
        + start.len();
    text[at..at + text[at..].find(end).unwrap()].to_owned()
}

#[tokio::test]
async fn on_sqlite_a_digest_groups_the_days_kudos_into_one_mail() {
    a_digest_groups_the_days_kudos_into_one_mail(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres_a_digest_groups_the_days_kudos_into_one_mail() {
    a_digest_groups_the_days_kudos_into_one_mail(Backend::Postgres).await;
}

async fn a_digest_groups_the_days_kudos_into_one_mail(backend: Backend) {
    let Some(sink) = SmtpSink::start("a_digest_groups") else {
        return;
    };
    // A "day" of four seconds.
    let Some(app) = TestApp::spawn_configured(backend, config(&sink, Duration::from_secs(4))).await
    else {
        return;
    };
    let wes = confirmed_user(&app, &sink, "wes").await;
    let work = post_work(&wes, "Kudos Magnet", "public").await;
    for name in ["ann", "bea", "cal"] {
        let reader = app.user(name).await;
        let kudos = reader.post(&format!("/works/{work}/kudos"), &[]).await;
        assert!(
            kudos.status.is_redirection() || kudos.status.is_success(),
            "{}",
            kudos.body
        );
    }
    let digest = sink.wait_for(1, about("wes@example.org", "digest")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let digests = sink.mails_where(about("wes@example.org", "digest"));
    assert_eq!(digests.len(), 1, "{digests:#?}");
    assert!(
        digest[0]
            .header("Subject")
            .unwrap()
            .contains("3 new notifications"),
        "{:?}",
        digest[0].header("Subject")
    );
    for name in ["ann", "bea", "cal"] {
        assert!(
            digest[0]
                .body
                .contains(&format!("{name} left kudos on Kudos Magnet")),
            "{}",
            digest[0].body
        );
    }
    // No kudos mail went alone.
    assert!(sink
        .mails_where(about("wes@example.org", "left kudos"))
        .is_empty());
    // The digest's one-click link stops the digest (every category in it), nothing else.
    let link = digest[0]
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>']);
    assert!(link.ends_with("/digest"), "{link}");
    let path = link.strip_prefix(BASE).unwrap();
    let page = app.guest().get(path).await;
    assert!(page.body.contains("The daily digest"), "{}", page.body);
    let stopped = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status(), StatusCode::OK);
    let user = app.store.user_by_name("wes").await.unwrap().unwrap();
    let prefs = app.store.mail_prefs(user.id).await.unwrap();
    assert!(prefs.contains(&(ajar_store::NoticeCategory::Kudos, ajar_store::MailMode::Off)));
    assert!(prefs.contains(&(
        ajar_store::NoticeCategory::Comments,
        ajar_store::MailMode::Now
    )));
    app.cleanup().await;
}

#[tokio::test]
async fn a_header_injection_in_a_title_never_reaches_the_wire_as_a_header() {
    let Some(sink) = SmtpSink::start("a_header_injection") else {
        return;
    };
    let app = TestApp::spawn_with(config(&sink, Duration::from_secs(3600))).await;
    let wes = confirmed_user(&app, &sink, "wes").await;
    let evil = "Evil\r\nBcc: victim@example.org\r\nX-Injected: yes";
    let work = post_work(&wes, evil, "public").await;
    let guest = app.guest();
    guest.get(&format!("/works/{work}")).await;
    comment(&guest, work, "hello").await;
    let mail = sink
        .wait_for(1, about("wes@example.org", "commented"))
        .await;
    let mail = &mail[0];
    assert_eq!(
        mail.rcpt_to(),
        "wes@example.org",
        "the envelope has one recipient"
    );
    for line in mail.raw.lines() {
        assert!(
            !line.starts_with("Bcc:") && !line.starts_with("X-Injected:"),
            "an injected header: {}",
            mail.raw
        );
    }
    let subject = mail.header("Subject").unwrap();
    assert!(
        subject.contains("Evil Bcc: victim@example.org X-Injected: yes"),
        "{subject}"
    );
    assert!(sink.mails_where(to("victim@example.org")).is_empty());
    app.cleanup().await;
}

/// Two servers on one database (as two nodes behind a load balancer), both sending: each
/// of 60 queued mails arrives once.
async fn two_nodes_send_each_mail_once(backend: Backend) {
    let Some(sink) = SmtpSink::start("two_nodes_send_each_mail_once") else {
        return;
    };
    let Some(db) = ajar_store::testing::TestStore::new(backend).await else {
        return;
    };
    let store = db.store().clone();
    let mut stops = Vec::new();
    for _ in 0..2 {
        let (search, _) = ajar_search::Search::open(
            store.background(),
            ajar_search::SearchConfig::in_memory(),
            |_, _| {},
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(ajar_web::serve_with_config(
            listener,
            store.clone(),
            search,
            config(&sink, Duration::from_secs(3600)),
            async {
                let _ = stopped.await;
            },
        ));
        stops.push(stop);
    }
    for i in 0..60 {
        store
            .queue_mail(&ajar_store::NewMail {
                event_key: format!("test:{i}"),
                user: None,
                to_name: format!("Reader {i}"),
                to_address: format!("reader{i}@example.org"),
                kind: "test".to_owned(),
                subject: format!("Mail number {i}"),
                text_body: format!("Body {i}"),
                html_body: format!("<p>Body {i}</p>"),
                unsubscribe: None,
            })
            .await
            .unwrap();
    }
    // Queuing the same event again queues nothing.
    assert!(!store
        .queue_mail(&ajar_store::NewMail {
            event_key: "test:0".to_owned(),
            user: None,
            to_name: String::new(),
            to_address: "reader0@example.org".to_owned(),
            kind: "test".to_owned(),
            subject: "again".to_owned(),
            text_body: String::new(),
            html_body: String::new(),
            unsubscribe: None,
        })
        .await
        .unwrap());
    let numbered = |m: &Mail| {
        m.header("Subject")
            .is_some_and(|s| s.starts_with("Mail number"))
    };
    sink.wait_for(60, numbered).await;
    // Time for a second sending of any of them to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = sink.mails_where(numbered);
    let mut subjects: Vec<String> = got
        .iter()
        .map(|m| m.header("Subject").unwrap().to_owned())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(got.len(), 60, "each mail once");
    assert_eq!(subjects.len(), 60);
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!(
        (counts.pending, counts.failed, counts.sent_last_day),
        (0, 0, 60)
    );
    for stop in stops {
        let _ = stop.send(());
    }
    db.cleanup().await;
}

#[tokio::test]
async fn two_nodes_on_sqlite_send_each_mail_once() {
    two_nodes_send_each_mail_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_nodes_on_postgres_send_each_mail_once() {
    two_nodes_send_each_mail_once(Backend::Postgres).await;
}

#[tokio::test]
async fn the_admin_page_shows_mail_given_up_on_and_queues_it_again() {
    let Some(sink) = SmtpSink::start("the_admin_page_shows_mail_given_up_on") else {
        return;
    };
    let app = TestApp::spawn_with(config(&sink, Duration::from_secs(3600))).await;
    let admin = app.admin("boss").await;
    let reader = app.user("rita").await;
    // An address no server will take: given up on at once, not retried for hours.
    app.store
        .queue_mail(&ajar_store::NewMail {
            event_key: "test:bad".to_owned(),
            user: None,
            to_name: "Nobody".to_owned(),
            to_address: "not an address".to_owned(),
            kind: "test".to_owned(),
            subject: "Lost mail".to_owned(),
            text_body: "text".to_owned(),
            html_body: "<p>html</p>".to_owned(),
            unsubscribe: None,
        })
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while app.store.outbox_counts().await.unwrap().failed == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never given up on"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = admin.get("/admin").await;
    assert!(page.body.contains("Given up on"), "{}", page.body);
    assert!(page.body.contains("Lost mail"), "{}", page.body);
    assert!(page.body.contains("is not a mail address"), "{}", page.body);
    let id = between(&page.body, "action=\"/admin/mail/", "/retry\"");
    let path = format!("/admin/mail/{id}/retry");
    assert_eq!(reader.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
    let retried = admin.post(&path, &[]).await;
    assert_eq!(retried.location(), "/admin?done=mail");
    assert_eq!(
        admin.post("/admin/mail/999999/retry", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}
