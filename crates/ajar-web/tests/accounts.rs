//! Accounts over real HTTP: sign-up, log-in, log-out, sessions, CSRF, password and email
//! changes, pseuds, reset links, sign-up modes and rate limits.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    sign_up_log_out_and_log_in_again,
    forms_without_a_valid_csrf_token_are_refused_and_change_nothing,
    sign_up_refuses_bad_and_taken_names_with_a_message,
    invitation_and_closed_sign_up_modes,
    password_and_email_changes_and_pseuds,
    reset_links_work_once,
    reset_links_die_with_a_newer_link_or_a_password_change,
    failed_log_ins_are_rate_limited,
    one_readers_failed_log_ins_do_not_lock_out_another_account,
    return_to_only_takes_a_plain_local_path,
    forwarded_for_is_ignored_without_a_trusted_proxy,
    a_log_out_link_asks_to_confirm_with_a_form,
    a_guest_posting_a_work_is_sent_to_log_in_and_back,
    pseuds_are_renamed_deleted_and_chosen_for_comments,
);

use ajar_core::SignupMode;
use common::TestApp;
use reqwest::StatusCode;

async fn sign_up_log_out_and_log_in_again(app: &TestApp) {
    let reader = app.user("scully").await;
    let session = reader.cookie("ajar_session").expect("a session cookie");
    let home = reader.get("/").await;
    assert!(
        home.body.contains(">scully</a>"),
        "the header names the reader"
    );
    assert!(home.body.contains("Log out"));

    // The password is stored as argon2id, never as written.
    let user = app.store.user_by_name("scully").await.unwrap().unwrap();
    let hash = app.store.password_hash(user.id).await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert_eq!(
        app.store.pseuds_of(user.id).await.unwrap()[0].name,
        "scully"
    );

    let out = reader.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(reader.cookie("ajar_session").is_none());
    assert!(
        app.store
            .session(&sha256(&session))
            .await
            .unwrap()
            .is_none(),
        "ended in the database"
    );
    assert!(!reader.get("/").await.body.contains("Log out"));

    // Wrong password: a message, no session.
    let wrong = reader
        .post(
            "/login",
            &[("name", "scully"), ("password", "not it at all")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("do not match an account"));
    assert!(reader.cookie("ajar_session").is_none());

    // By email, any case; a new session token each time (rotated at log-in).
    let ok = reader
        .post(
            "/login",
            &[
                ("name", "SCULLY@example.org"),
                ("password", "password-scully"),
                ("return_to", "/fandoms"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/fandoms");
    let again = reader.cookie("ajar_session").unwrap();
    assert_ne!(again, session);
    let set = ok.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // Served on loopback over plain HTTP, so not Secure here (see auth.rs).
    assert!(reader
        .get("/account")
        .await
        .body
        .contains("scully@example.org"));

    // A return address on another site is not followed.
    reader.post("/logout", &[]).await;
    let ok = log_in_returning(&reader, "//evil.example/").await;
    assert_eq!(ok.location(), "/");
}

fn sha256(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn forms_without_a_valid_csrf_token_are_refused_and_change_nothing(app: &TestApp) {
    let guest = app.guest();
    guest.get("/signup").await;
    let fields = [
        ("name", "mulder"),
        ("email", "mulder@example.org"),
        ("password", "trustno1-trustno1"),
        ("password_confirmation", "trustno1-trustno1"),
    ];
    let refused = guest.post_raw("/signup", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("security token"));
    let mut wrong = vec![("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
    wrong.extend_from_slice(&fields);
    assert_eq!(
        guest.post_raw("/signup", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(app.store.user_by_name("mulder").await.unwrap().is_none());

    // Logged in, the token is the session's: a guest's old token no longer works.
    let reader = app.user("scully").await;
    let before = reader.cookie("ajar_session").unwrap();
    let stale = reader
        .post_raw("/logout", &[("csrf_token", &guest.csrf_token().await)])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reader.cookie("ajar_session").unwrap(),
        before,
        "still logged in"
    );

    // Another site's page cannot post even with a token.
    let token = reader.csrf_token().await;
    let evil = reqwest::Client::new()
        .post(format!("{}/logout", app.base))
        .header("origin", "https://evil.example")
        .header("cookie", format!("ajar_session={before}"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(reader.get("/").await.body.contains("Log out"));
}

async fn sign_up_refuses_bad_and_taken_names_with_a_message(app: &TestApp) {
    app.user("scully").await;
    let guest = app.guest();
    for (name, email, password, confirm, says) in [
        (
            "x",
            "x@example.org",
            "long enough",
            "long enough",
            "3 to 40",
        ),
        (
            "Scully",
            "other@example.org",
            "long enough",
            "long enough",
            "is taken",
        ),
        (
            "skinner",
            "scully@example.org",
            "long enough",
            "long enough",
            "email address exists",
        ),
        (
            "skinner",
            "not-an-email",
            "long enough",
            "long enough",
            "does not look right",
        ),
        ("skinner", "s@example.org", "short", "short", "at least 8"),
        (
            "skinner",
            "s@example.org",
            "long enough",
            "different!",
            "not the same",
        ),
    ] {
        let page = guest
            .post(
                "/signup",
                &[
                    ("name", name),
                    ("email", email),
                    ("password", password),
                    ("password_confirmation", confirm),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(page.body.contains(says), "{name}: {says}");
        assert!(guest.cookie("ajar_session").is_none());
    }
    assert!(app.store.user_by_name("skinner").await.unwrap().is_none());
}

async fn invitation_and_closed_sign_up_modes(app: &TestApp) {
    app.store.set_signup_mode(SignupMode::Invite).await.unwrap();
    app.store
        .create_invitation("invite-code-1", None)
        .await
        .unwrap();
    let guest = app.guest();
    assert!(guest.get("/signup").await.body.contains("Invitation code"));
    let base = [
        ("name", "doggett"),
        ("email", "doggett@example.org"),
        ("password", "long enough"),
        ("password_confirmation", "long enough"),
    ];
    let mut bad = base.to_vec();
    bad.push(("invitation", "nope"));
    let refused = guest.post("/signup", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("unknown or has been used"));
    assert!(app.store.user_by_name("doggett").await.unwrap().is_none());
    let mut good = base.to_vec();
    good.push(("invitation", "invite-code-1"));
    assert_eq!(
        guest.post("/signup", &good).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        !app.store.invitation_open("invite-code-1").await.unwrap(),
        "spent"
    );

    app.store.set_signup_mode(SignupMode::Closed).await.unwrap();
    let other = app.guest();
    assert!(other
        .get("/signup")
        .await
        .body
        .contains("not taking new accounts"));
    let refused = other
        .post(
            "/signup",
            &[
                ("name", "reyes"),
                ("email", "r@example.org"),
                ("password", "long enough"),
                ("password_confirmation", "long enough"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn password_and_email_changes_and_pseuds(app: &TestApp) {
    let reader = app.user("scully").await;
    let laptop = app.guest();
    laptop
        .post(
            "/login",
            &[("name", "scully"), ("password", "password-scully")],
        )
        .await;
    assert!(laptop.cookie("ajar_session").is_some());

    let wrong = reader
        .post(
            "/account/password",
            &[
                ("current_password", "nope nope"),
                ("password", "new password 1"),
                ("password_confirmation", "new password 1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("current password is not right"));
    let done = reader
        .post(
            "/account/password",
            &[
                ("current_password", "password-scully"),
                ("password", "new password 1"),
                ("password_confirmation", "new password 1"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/account?done=password");
    // This session goes on; the laptop's was ended.
    assert!(reader.get("/").await.body.contains("Log out"));
    assert!(!laptop.get("/").await.body.contains("Log out"));
    let old = app.guest();
    assert_eq!(
        old.post(
            "/login",
            &[("name", "scully"), ("password", "password-scully")]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        old.post(
            "/login",
            &[("name", "scully"), ("password", "new password 1")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    let email = reader
        .post(
            "/account/email",
            &[
                ("current_password", "new password 1"),
                ("email", "dana@example.org"),
            ],
        )
        .await;
    assert_eq!(email.location(), "/account?done=email");
    assert!(reader
        .get("/account")
        .await
        .body
        .contains("dana@example.org"));

    let pseud = reader
        .post("/account/pseuds", &[("name", "Starbuck")])
        .await;
    assert_eq!(pseud.location(), "/account?done=pseud");
    let page = reader.get("/account").await;
    assert!(page.body.contains(">Starbuck</a>"));
    let taken = reader
        .post("/account/pseuds", &[("name", "starbuck")])
        .await;
    assert!(taken.body.contains("is taken"));
}

async fn reset_links_work_once(app: &TestApp) {
    app.user("scully").await;
    let user = app.store.user_by_name("scully").await.unwrap().unwrap();
    let token = "reset-token-for-scully-0123456789";
    app.store
        .create_password_reset(
            &sha256(token),
            user.id,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let guest = app.guest();
    let form = guest.get(&format!("/reset/{token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let done = guest
        .post(
            &format!("/reset/{token}"),
            &[
                ("password", "brand new pw"),
                ("password_confirmation", "brand new pw"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        guest.get("/").await.body.contains("Log out"),
        "logged in after a reset"
    );
    let again = app.guest().get(&format!("/reset/{token}")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("unknown, used or expired"));
}

/// A reset link is a password: no cache keeps the page, a newer link replaces it, and a
/// password changed on the account page ends it.
async fn reset_links_die_with_a_newer_link_or_a_password_change(app: &TestApp) {
    let reader = app.user("scully").await;
    let user = app.store.user_by_name("scully").await.unwrap().unwrap();
    let link = |token: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .create_password_reset(
                    &sha256(token),
                    user.id,
                    chrono::Utc::now() + chrono::Duration::hours(1),
                )
                .await
                .unwrap();
            format!("/reset/{token}")
        }
    };
    let no_store = |page: &common::Fetched| {
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"))
    };

    let old = link("reset-token-older-0123456789abcdef").await;
    let form = app.guest().get(&old).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(no_store(&form), "{:?}", form.headers);
    let new = link("reset-token-newer-0123456789abcdef").await;
    let dead = app.guest().get(&old).await;
    assert_eq!(
        dead.status,
        StatusCode::BAD_REQUEST,
        "the older link still works"
    );
    assert!(no_store(&dead));
    let guest = app.guest();
    guest.get(&new).await;
    let refused = guest
        .post(
            &new,
            &[("password", "short"), ("password_confirmation", "short")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(no_store(&refused));

    let changed = reader
        .post(
            "/account/password",
            &[
                ("current_password", "password-scully"),
                ("password", "a changed password"),
                ("password_confirmation", "a changed password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let after = app.guest().get(&new).await;
    assert_eq!(
        after.status,
        StatusCode::BAD_REQUEST,
        "a link outlived a new password"
    );
    let taken_over = app
        .guest()
        .post(
            &new,
            &[
                ("password", "the attacker's password"),
                ("password_confirmation", "the attacker's password"),
            ],
        )
        .await;
    assert_eq!(taken_over.status, StatusCode::BAD_REQUEST);
    let login = app
        .guest()
        .post(
            "/login",
            &[("name", "scully"), ("password", "a changed password")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

async fn failed_log_ins_are_rate_limited(app: &TestApp) {
    app.user("scully").await;
    let guesser = app.guest();
    for _ in 0..10 {
        let page = guesser
            .post("/login", &[("name", "scully"), ("password", "guess guess")])
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let limited = guesser
        .post(
            "/login",
            &[("name", "scully"), ("password", "password-scully")],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.body.contains("Too many failed log-in attempts"),
        "{}",
        limited.body
    );
    assert!(guesser.cookie("ajar_session").is_none());
}

async fn one_readers_failed_log_ins_do_not_lock_out_another_account(app: &TestApp) {
    app.user("scully").await;
    app.user("mulder").await;
    app.user("skinner").await;
    let reader = app.guest();
    let failed = |name: String| {
        let reader = &reader;
        async move {
            let page = reader
                .post("/login", &[("name", name.as_str()), ("password", "not it")])
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{name}");
        }
    };
    failed("skinner".into()).await;
    // One reader on a shared network forgets their name and password, many times over:
    // 50 failures from the address in all.
    for name in ["mulder", "fox", "foxmulder", "spooky"] {
        for _ in 0..10 {
            failed(name.into()).await;
        }
    }
    for n in 1..=9 {
        failed(format!("mulder{n}")).await;
    }
    // Their own account waits, and says how long.
    let locked = reader
        .post(
            "/login",
            &[("name", "mulder"), ("password", "password-mulder")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked.body.contains("try again in 15 minutes"),
        "{}",
        locked.body
    );
    // So does a name that failed from here once the address failed too often overall.
    let held = app
        .guest()
        .post(
            "/login",
            &[("name", "skinner"), ("password", "password-skinner")],
        )
        .await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    // The admin at the next desk, with no failures of their own, logs in.
    let admin = app.guest();
    let done = admin
        .post(
            "/login",
            &[("name", "scully"), ("password", "password-scully")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(admin.cookie("ajar_session").is_some());
}

/// Values a browser would follow to another site if they reached a `Location` header as is.
const HOSTILE_RETURNS: &[&str] = &[
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "/a\\..\\\\evil.example",
    "//evil.example",
    "https://evil.example",
    "evil.example",
    " /x",
    "/ /evil.example",
    // Form fields lose NUL and other XML-invalid characters before anything reads them;
    // what is left must still be judged as a path.
    "/\u{0}/evil.example",
    "",
];

async fn return_to_only_takes_a_plain_local_path(app: &TestApp) {
    app.user("scully").await;
    app.user("mulder").await;
    let reader = app.guest();
    // `/%09/evil.example` in a query string is a tab after decoding.
    let page = reader.get("/login?return_to=/%09/evil.example").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("evil.example"), "{}", page.body);

    for hostile in HOSTILE_RETURNS {
        let done = log_in_returning(&reader, hostile).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(done.location(), "/", "log-in with return_to {hostile:?}");

        let muted = reader
            .post(
                "/users/mulder/mute",
                &[("on", "true"), ("return_to", hostile)],
            )
            .await;
        assert_eq!(muted.status, StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(muted.location(), "/", "mute with return_to {hostile:?}");
    }

    // A plain local path is kept, query and all.
    let done = log_in_returning(&reader, "/works?page=2").await;
    assert_eq!(done.location(), "/works?page=2");
}

/// Logs in as scully, asking to be sent to `return_to` afterwards.
async fn log_in_returning(client: &common::Client, return_to: &str) -> common::Fetched {
    client
        .post(
            "/login",
            &[
                ("name", "scully"),
                ("password", "password-scully"),
                ("return_to", return_to),
            ],
        )
        .await
}

/// The seconds a 429's `Retry-After` says to wait.
fn retry_after(page: &common::Fetched) -> u64 {
    let value = page.headers["retry-after"].to_str().unwrap();
    value.parse().unwrap()
}

/// A new guest's log-in as a reverse proxy passes it on, with `X-Forwarded-For`.
async fn log_in_forwarded(
    app: &TestApp,
    forwarded_for: &str,
    name: &str,
    password: &str,
) -> common::Fetched {
    app.guest()
        .post_forwarded(
            "/login",
            &[("name", name), ("password", password)],
            forwarded_for,
        )
        .await
}

async fn forwarded_for_is_ignored_without_a_trusted_proxy(app: &TestApp) {
    app.user("scully").await;
    // Each guess claims another address; without a trusted proxy they all count as ours.
    for i in 0..10 {
        let page = log_in_forwarded(app, &format!("198.51.100.{i}"), "scully", "guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let limited = log_in_forwarded(app, "198.51.100.99", "scully", "password-scully").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // The real wait: the first failure leaves the 15-minute window in just under 900 s.
    let wait = retry_after(&limited);
    assert!((850..=900).contains(&wait), "Retry-After: {wait}");
    assert!(
        limited.body.contains("try again in 15 minutes"),
        "{}",
        limited.body
    );
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_names_the_client() {
    let app = TestApp::behind_proxy().await;
    app.user("scully").await;
    // A stranger behind the proxy; what they wrote into the header themselves (the
    // leftmost entry) changes nothing.
    for i in 0..10 {
        let header = format!("203.0.113.{i}, 198.51.100.7");
        let page = log_in_forwarded(&app, &header, "scully", "guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let limited = log_in_forwarded(&app, "198.51.100.7", "scully", "password-scully").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // Naming the trusted proxy again to the right does not hide the stranger either.
    let limited = log_in_forwarded(&app, "198.51.100.7, 127.0.0.1", "scully", "x").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);

    // The owner, from their own address, is not locked out by the stranger's guesses.
    let owner = log_in_forwarded(&app, "192.0.2.10", "scully", "password-scully").await;
    assert_eq!(owner.status, StatusCode::SEE_OTHER);
}

async fn a_log_out_link_asks_to_confirm_with_a_form(app: &TestApp) {
    let reader = app.user("scully").await;
    let page = reader.get("/logout").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("action=\"/logout\"") && page.body.contains("Log out</button>"),
        "{}",
        page.body
    );
    assert!(page.csrf_token().is_some_and(|t| t.len() > 20));
    // Following the link alone logs nobody out.
    assert!(reader.cookie("ajar_session").is_some());
    assert!(reader
        .get("/account")
        .await
        .body
        .contains("scully@example.org"));
    let out = reader.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(reader.cookie("ajar_session").is_none());

    let guest = reader.get("/logout").await;
    assert_eq!(guest.status, StatusCode::OK);
    assert!(
        guest.body.contains("You are not logged in"),
        "{}",
        guest.body
    );
}

async fn a_guest_posting_a_work_is_sent_to_log_in_and_back(app: &TestApp) {
    app.user("scully").await;
    let guest = app.guest();
    let sent = guest.get("/works/new").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(sent.location(), "/login?return_to=/works/new");
    let form = guest.get(sent.location()).await;
    assert!(form.body.contains("value=\"/works/new\""), "{}", form.body);
    let back = log_in_returning(&guest, "/works/new").await;
    assert_eq!(back.location(), "/works/new");
    assert_eq!(guest.get("/works/new").await.status, StatusCode::OK);
}

/// Signs up `name` from `client`, as a reverse proxy passes it on from `address`.
async fn sign_up_from(client: &common::Client, address: &str, name: &str) -> common::Fetched {
    let email = format!("{name}@example.org");
    client
        .post_forwarded(
            "/signup",
            &[
                ("name", name),
                ("email", &email),
                ("password", "a long password"),
                ("password_confirmation", "a long password"),
            ],
            address,
        )
        .await
}

#[tokio::test]
async fn sign_ups_are_rate_limited_per_address() {
    let app = TestApp::behind_proxy().await;
    for i in 0..5 {
        let done = sign_up_from(&app.guest(), "198.51.100.1", &format!("reader{i}")).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    let refused = sign_up_from(&app.guest(), "198.51.100.1", "reader5").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.body.contains("Too many sign-ups from your address"),
        "{}",
        refused.body
    );
    assert!(app.store.user_by_name("reader5").await.unwrap().is_none());
    let retry = retry_after(&refused);
    assert!((3500..=3600).contains(&retry), "Retry-After: {retry}");

    // Another address is not held up.
    let other = sign_up_from(&app.guest(), "198.51.100.2", "reader5").await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
}

/// A one-chapter public work credited to `creator` (a pseud).
fn work_by(creator: &str) -> ajar_core::Work {
    let mut work = ajar_core::Work {
        title: "Under Another Name".to_owned(),
        creators: vec![creator.to_owned()],
        chapters: vec![ajar_core::Chapter {
            body: ajar_core::Html::from_plain_text("The text."),
            ..ajar_core::Chapter::default()
        }],
        ..ajar_core::Work::default()
    };
    work.renumber_chapters();
    work
}

async fn pseuds_are_renamed_deleted_and_chosen_for_comments(app: &TestApp) {
    let mara = app.user("mara").await;
    let stranger = app.user("stranger").await;
    let added = mara.post("/account/pseuds", &[("name", "Quill")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let user = app.store.user_by_name("mara").await.unwrap().unwrap();
    let pseuds = app.store.pseuds_of(user.id).await.unwrap();
    let (default, quill) = (pseuds[0].id.0, pseuds[1].id.0);
    let id = app.insert(&work_by("Quill")).await;

    let account = mara.get("/account").await;
    assert!(account
        .body
        .contains(&format!("action=\"/account/pseuds/{quill}/rename\"")));
    assert!(!account
        .body
        .contains(&format!("action=\"/account/pseuds/{default}/delete\"")));

    // Renamed: the work's byline follows.
    let rename = format!("/account/pseuds/{quill}/rename");
    let renamed = mara.post(&rename, &[("name", "Inkwell")]).await;
    assert_eq!(renamed.location(), "/account?done=pseud-renamed");
    assert!(mara
        .get(&format!("/works/{id}"))
        .await
        .body
        .contains("Inkwell"));
    // Not to a taken name, not by someone else.
    let taken = mara.post(&rename, &[("name", "Stranger")]).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(taken.body.contains("is taken"), "{}", taken.body);
    let theirs = stranger.post(&rename, &[("name", "Mine")]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let default_rename = format!("/account/pseuds/{default}/rename");
    let refused = mara.post(&default_rename, &[("name", "Other")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.store.pseuds_of(user.id).await.unwrap()[1].name,
        "Inkwell"
    );

    // The comment form offers mara's pseuds, the default first and chosen.
    let page = mara.get(&format!("/works/{id}")).await;
    let select = &page.body[page.body.find("name=\"pseud\"").unwrap()..];
    let first = select
        .find(&format!("value=\"{default}\" selected"))
        .unwrap();
    assert!(first < select.find(&format!("value=\"{quill}\"")).unwrap());
    let comments = format!("/works/{id}/comments");
    let quill_id = quill.to_string();
    let posted = mara
        .post(
            &comments,
            &[("chapter", "1"), ("body", "A note."), ("pseud", &quill_id)],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let stored = app.store.work_comments(id, None).await.unwrap();
    assert_eq!(stored[0].pseud_name.as_deref(), Some("Inkwell"));
    // Someone else's pseud: refused with a message, nothing stored.
    let forged = stranger
        .post(
            &comments,
            &[("chapter", "1"), ("body", "As her."), ("pseud", &quill_id)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.body.contains("your own pseuds"), "{}", forged.body);
    assert_eq!(app.store.work_comments(id, None).await.unwrap().len(), 1);

    // Deleted: its work and comment move to the default pseud.
    let deleted = mara
        .post(&format!("/account/pseuds/{quill}/delete"), &[])
        .await;
    assert_eq!(deleted.location(), "/account?done=pseud-deleted");
    assert_eq!(app.store.pseuds_of(user.id).await.unwrap().len(), 1);
    let header = app.store.work_header(id).await.unwrap().unwrap();
    assert_eq!(header.work.creators, vec!["mara".to_owned()]);
    let stored = app.store.work_comments(id, None).await.unwrap();
    assert_eq!(stored[0].pseud_name.as_deref(), Some("mara"));
}
