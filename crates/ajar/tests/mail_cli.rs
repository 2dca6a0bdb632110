//! Mail from the `ajar` binary: `serve` with no SMTP server writes `.eml` files; a server
//! killed (SIGKILL) with mail queued loses none and sends none twice once restarted;
//! `ajar mail test` reaches a real SMTP server (`aiosmtpd` on loopback).

#![allow(clippy::unwrap_used)]

mod common;

#[path = "../../ajar-web/tests/common/smtp.rs"]
mod smtp;

use common::*;
use smtp::SmtpSink;
use std::path::Path;
use std::time::{Duration, Instant};

/// Asks `server` for a password reset link for `who`, as a browser would (a page first, for
/// the CSRF cookie and token).
async fn ask_reset(server: &Server, who: &str) {
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/forgot", server.1))
        .send()
        .await
        .unwrap();
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let body = page.text().await.unwrap();
    let at = body.find("name=\"csrf_token\" value=\"").unwrap() + 25;
    let token = &body[at..at + body[at..].find('"').unwrap()];
    let sent = http
        .post(format!("{}/forgot", server.1))
        .header("cookie", cookie)
        .header("origin", &server.1)
        .form(&[("csrf_token", token), ("email", who)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert!(sent.text().await.unwrap().contains("a link is on its way"));
}

fn make_account(data: &Path, name: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ajar"))
        .arg("--data-dir")
        .arg(data)
        .args(["user", "create", name, "--email"])
        .arg(format!("{name}@example.org"))
        .env_remove("AJAR_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn without_smtp_serve_writes_each_mail_as_an_eml_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    make_account(&data, "rory");
    let server = serve(&data, &[]);
    ask_reset(&server, "rory@example.org").await;
    let folder = data.join("mail");
    let started = Instant::now();
    let eml = loop {
        let found = std::fs::read_dir(&folder)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some(path) = found.first() {
            break std::fs::read_to_string(path).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no .eml file appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(eml.contains("To: rory <rory@example.org>"), "{eml}");
    assert!(eml.contains("Subject: Reset your ajar password"), "{eml}");
    assert!(eml.contains("/reset/"), "{eml}");
}

#[tokio::test]
async fn a_killed_server_loses_no_queued_mail_and_sends_none_twice() {
    let port = smtp::free_port();
    // Checked first, so a machine without aiosmtpd skips before anything starts.
    if SmtpSink::start_on("a_killed_server_loses_no_queued_mail", port).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let names = ["ann", "bea", "cal"];
    for name in names {
        make_account(&data, name);
    }
    let smtp = format!("smtp://127.0.0.1:{port}");
    let flags = ["--smtp-url", &smtp, "--mail-retry-secs", "1"];
    // No SMTP server listens yet: the mail waits in the outbox, retried.
    let mut first = serve(&data, &flags);
    for name in names {
        ask_reset(&first, &format!("{name}@example.org")).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.0.kill().unwrap(); // SIGKILL: no shutdown of any kind
    first.0.wait().unwrap();

    let sink = SmtpSink::start_on("a_killed_server_loses_no_queued_mail", port).unwrap();
    let _second = serve(&data, &flags);
    sink.wait_for(3, |m| {
        m.header("Subject").is_some_and(|s| s.contains("Reset"))
    })
    .await;
    // Time for any second sending to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().map(|m| m.rcpt_to().to_owned()).collect();
    to.sort();
    assert_eq!(
        to,
        ["ann@example.org", "bea@example.org", "cal@example.org"],
        "each mail once"
    );
    let mut ids: Vec<&str> = mails
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[test]
fn mail_test_reaches_the_smtp_server_or_says_where_the_file_went() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(&data, &["mail", "test", "operator@example.org"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("was written to"), "{}", text(&out));
    assert!(data.join("mail").read_dir().unwrap().count() == 1);

    let bad = ajar(&data, &["mail", "test", "not an address"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("not a mail address"), "{}", text(&bad));

    let Some(sink) = SmtpSink::start("mail_test_reaches_the_smtp_server") else {
        return;
    };
    let out = ajar(
        &data,
        &[
            "mail",
            "test",
            "operator@example.org",
            "--smtp-url",
            &sink.url(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("The SMTP server took the mail"),
        "{}",
        text(&out)
    );
    let started = Instant::now();
    while sink.mails().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        sink.mails()[0].header("Subject"),
        Some("A test mail from ajar")
    );
}
