//! `ajar user` as an operator runs it: make accounts, set roles and the sign-up mode, make
//! invitation codes and password reset links, and what the archive then does with them.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;

use ajar_core::{Role, SignupMode};
use ajar_store::{NewUser, Store};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn store(data: &Path) -> Store {
    block_on(Store::open(None, data)).unwrap()
}

/// Runs `ajar --data-dir DATA ARGS...` with `input` on standard input.
fn ajar_with_input(data: &Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ajar"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("AJAR_DATABASE_URL")
        .env_remove("AJAR_PUBLIC_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_prints_a_password_that_logs_in_and_list_shows_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &[
            "user",
            "create",
            "mulder",
            "--email",
            "fox@example.org",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("Made the account mulder (Admin)"),
        "{printed}"
    );
    let password = printed
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .unwrap()
        .to_owned();
    assert!(password.len() >= 16, "{password}");

    let s = store(&data);
    let (user, hash) = block_on(s.user_for_login("mulder")).unwrap().unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(block_on(ajar_web::verify_password(password, hash)));
    block_on(s.close());

    let list = ajar(&data, &["user", "list"]);
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        stdout(&list).contains("mulder\tfox@example.org\tadmin"),
        "{}",
        stdout(&list)
    );

    // The same name again is refused, and says why.
    let again = ajar(
        &data,
        &["user", "create", "Mulder", "--email", "x@example.org"],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("taken"), "{}", stderr(&again));
}

#[test]
fn create_reads_the_password_from_stdin_and_checks_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar_with_input(
        &data,
        &[
            "user",
            "create",
            "scully",
            "--email",
            "dana@example.org",
            "--password-stdin",
        ],
        "trust-no-one-1013\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stdout(&out).contains("Password:"), "{}", stdout(&out));
    let s = store(&data);
    let (user, hash) = block_on(s.user_for_login("dana@example.org"))
        .unwrap()
        .unwrap();
    assert_eq!(user.name, "scully");
    assert_eq!(user.role, Role::User);
    assert!(block_on(ajar_web::verify_password(
        "trust-no-one-1013".into(),
        hash
    )));
    block_on(s.close());

    let short = ajar_with_input(
        &data,
        &[
            "user",
            "create",
            "krycek",
            "--email",
            "k@example.org",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("password"), "{}", stderr(&short));

    let bad_name = ajar(
        &data,
        &["user", "create", "a b", "--email", "ab@example.org"],
    );
    assert_eq!(bad_name.status.code(), Some(1));
    assert!(stderr(&bad_name).contains("name"), "{}", stderr(&bad_name));

    let bad_role = ajar(
        &data,
        &[
            "user",
            "create",
            "skinner",
            "--email",
            "s@example.org",
            "--role",
            "boss",
        ],
    );
    assert!(!bad_role.status.success());
    assert!(
        stderr(&bad_role).contains("not a role"),
        "{}",
        stderr(&bad_role)
    );
}

#[test]
fn role_changes_and_unknown_users_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &["user", "create", "byers", "--email", "b@example.org"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ajar(&data, &["user", "role", "byers", "wrangler"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("Tag wrangler"), "{}", stdout(&out));
    let s = store(&data);
    let user = block_on(s.user_by_name("byers")).unwrap().unwrap();
    assert_eq!(user.role, Role::Wrangler);
    block_on(s.close());

    for args in [
        &["user", "role", "nobody", "admin"][..],
        &["user", "reset-link", "nobody"][..],
    ] {
        let out = ajar(&data, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("no account named \"nobody\""),
            "{}",
            stderr(&out)
        );
    }
    for args in [
        &["user", "--help"][..],
        &["user", "create", "--help"][..],
        &["user", "invite", "--help"][..],
        &["user", "reset-link", "--help"][..],
        &["user", "role", "--help"][..],
        &["user", "signup-mode", "--help"][..],
        &["user", "list", "--help"][..],
        &["user", "token", "--help"][..],
    ] {
        let out = ajar(&data, args);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage"), "{args:?}");
    }
}

#[test]
fn a_printed_token_is_the_accounts_with_its_scope() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &["user", "create", "tess", "--email", "t@example.org"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ajar(
        &data,
        &[
            "user", "token", "tess", "--scope", "write", "--label", "backup",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let token = stdout(&out).trim().to_owned();
    assert!(token.starts_with("ajar_pat_"), "{token}");
    let s = store(&data);
    let found = block_on(s.access_token(&ajar_web::token_hash(&token)))
        .unwrap()
        .unwrap();
    assert_eq!(found.account.name, "tess");
    assert_eq!(found.scope, ajar_store::TokenScope::Write);
    let listed = block_on(s.access_tokens(found.account.id)).unwrap();
    assert_eq!(listed[0].name, "backup");
    block_on(s.close());
    for (args, says) in [
        (
            &["user", "token", "nobody"][..],
            "no account named \"nobody\"",
        ),
        (
            &["user", "token", "tess", "--scope", "admin"][..],
            "not a token scope",
        ),
        (
            &["user", "token", "tess", "--label", " "][..],
            "label of 1 to",
        ),
    ] {
        let out = ajar(&data, args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn reset_links_work_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &["user", "create", "frohike", "--email", "f@example.org"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ajar(
        &data,
        &[
            "user",
            "reset-link",
            "frohike",
            "--base-url",
            "https://archive.example/",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let link = stdout(&out).trim().to_owned();
    let token = link
        .strip_prefix("https://archive.example/reset/")
        .unwrap_or_else(|| panic!("{link}"));
    assert!(token.len() >= 32);

    let s = store(&data);
    let user = block_on(s.user_by_name("frohike")).unwrap().unwrap();
    let hash = ajar_web::token_hash(token);
    assert_eq!(
        block_on(s.password_reset_user(&hash)).unwrap(),
        Some(user.id)
    );
    let new = block_on(ajar_web::hash_password("a-new-password".into())).unwrap();
    assert_eq!(
        block_on(s.reset_password(&hash, &new)).unwrap(),
        Some(user.id)
    );
    // Spent.
    assert_eq!(block_on(s.password_reset_user(&hash)).unwrap(), None);
    let (_, stored) = block_on(s.user_for_login("frohike")).unwrap().unwrap();
    assert!(block_on(ajar_web::verify_password(
        "a-new-password".into(),
        stored
    )));
    block_on(s.close());
}

#[test]
fn signup_mode_and_invitation_codes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(&data, &["user", "signup-mode", "invite"]);
    assert!(out.status.success(), "{}", text(&out));
    let bad = ajar(&data, &["user", "signup-mode", "sometimes"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("not a sign-up mode"),
        "{}",
        stderr(&bad)
    );

    let out = ajar(&data, &["user", "invite", "--count", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    let codes: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(codes.len(), 3);
    assert!(codes[0] != codes[1] && codes[1] != codes[2]);

    let s = store(&data);
    assert_eq!(block_on(s.signup_mode()).unwrap(), SignupMode::Invite);
    for code in &codes {
        assert!(block_on(s.invitation_open(code)).unwrap());
    }
    let new = |name: &'static str, email: &'static str, code: &'static str| NewUser {
        name,
        email,
        password_hash: "x",
        role: Role::User,
        invitation: Some(code),
    };
    let code: &'static str = Box::leak(codes[0].clone().into_boxed_str());
    block_on(s.create_user(&new("langly", "l@example.org", code))).unwrap();
    assert!(!block_on(s.invitation_open(code)).unwrap());
    // A spent code makes no second account.
    assert!(block_on(s.create_user(&new("other", "o@example.org", code))).is_err());
    assert!(block_on(s.user_by_name("other")).unwrap().is_none());
    block_on(s.close());

    let out = ajar(&data, &["user", "signup-mode", "closed"]);
    assert!(out.status.success(), "{}", text(&out));
    let s = store(&data);
    assert_eq!(block_on(s.signup_mode()).unwrap(), SignupMode::Closed);
    block_on(s.close());
}

#[test]
fn a_printed_reset_link_works_in_the_browser_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &["user", "create", "doggett", "--email", "d@example.org"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ajar(
        &data,
        &[
            "user",
            "reset-link",
            "doggett",
            "--base-url",
            "http://archive.test",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let link = stdout(&out).trim().to_owned();
    let path = link.strip_prefix("http://archive.test").unwrap().to_owned();

    block_on(async move {
        let store = Store::open(None, &data).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(ajar_web::serve(listener, store.clone(), async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();

        let page = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let cookies: Vec<String> = page
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next().map(str::to_owned))
            .collect();
        let body = page.text().await.unwrap();
        let at = body.find("name=\"csrf_token\" value=\"").unwrap() + 25;
        let token = body[at..at + body[at..].find('"').unwrap()].to_owned();
        let sent = http
            .post(format!("{base}{path}"))
            .header(reqwest::header::COOKIE, cookies.join("; "))
            .form(&[
                ("csrf_token", token.as_str()),
                ("password", "the-truth-is-out-there"),
                ("password_confirmation", "the-truth-is-out-there"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap());

        // Spent: the link works once.
        let again = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(again.status(), 400);
        let (_, hash) = store.user_for_login("doggett").await.unwrap().unwrap();
        assert!(ajar_web::verify_password("the-truth-is-out-there".into(), hash).await);

        let _ = stop.send(());
        let _ = server.await;
        store.close().await;
    });
}
