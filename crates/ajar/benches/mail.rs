//! Mail: what an event that mails someone adds to the posting path, and how fast the worker
//! empties the outbox into a real SMTP server (`aiosmtpd` on loopback), with writing `.eml`
//! files as the baseline in the same run.
//!
//! ```sh
//! cargo bench -p ajar --bench mail                       # a fresh archive in a temp folder
//! cargo bench -p ajar --bench mail -- --data-dir target/pages-1000000   # at archive scale
//! cargo bench -p ajar --bench mail -- --comments 2000 --mails 5000
//! ```
//!
//! Posting: comments alternate between a work whose creator is mailed each comment at once
//! (an inbox row, its mail queued by the worker) and an imported work no account answers
//! for (the same statements, no row), p50/p99 of `Store::add_comment` for each and the
//! ratio. With `--data-dir` the comments and two accounts are added to that archive.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on what it did not expect

#[path = "../../ajar-web/tests/common/smtp.rs"]
mod smtp;

use ajar_core::{Chapter, Html, Role, TagName, Visibility, Work};
use ajar_store::{CommentAuthor, NewComment, NewMail, NewUser, Store};
use ajar_web::mail::{MailConfig, MailTransport, MailWorker};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    data_dir: Option<PathBuf>,
    comments: usize,
    mails: usize,
}

fn args() -> Args {
    let mut args = Args {
        data_dir: None,
        comments: 2000,
        mails: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--data-dir" => args.data_dir = Some(PathBuf::from(value())),
            "--comments" => args.comments = value().parse().expect("--comments N"),
            "--mails" => args.mails = value().parse().expect("--mails N"),
            "--bench" => {}
            other => {
                panic!("unknown argument {other}; use [--data-dir DIR] [--comments N] [--mails N]")
            }
        }
    }
    args
}

fn work(title: &str) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec!["Imported Writer".to_owned()],
        fandoms: vec![TagName::parse("Gilmore Girls").unwrap()],
        chapters: vec![Chapter {
            body: Html::from_plain_text("Coffee, coffee, coffee."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn account(store: &Store, name: &str) -> ajar_core::UserId {
    if let Some(user) = store.user_by_name(name).await.unwrap() {
        return user.id;
    }
    store
        .create_user(&NewUser {
            name,
            email: &format!("{name}@example.org"),
            password_hash: "x",
            role: Role::User,
            invitation: None,
        })
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    let args = args();
    let temp = tempfile::tempdir().unwrap();
    let data = args
        .data_dir
        .clone()
        .unwrap_or_else(|| temp.path().join("data"));
    let store = Store::open(None, &data).await.unwrap();
    println!(
        "archive: {} ({} works)",
        data.display(),
        store.work_count().await.unwrap_or(0)
    );

    // Posting: a mailed creator's work against an imported one.
    let writer = account(&store, "bench-mail-writer").await;
    let reader = account(&store, "bench-mail-reader").await;
    let hash = format!("bench-confirm-{}", chrono::Utc::now().timestamp_micros());
    store
        .start_email_confirmation(
            writer,
            "bench-mail-writer@example.org",
            &hash,
            chrono::Utc::now() + chrono::Duration::hours(1),
            &[],
        )
        .await
        .unwrap();
    store.confirm_email(&hash).await.unwrap();
    let pen = store.pseuds_of(writer).await.unwrap()[0].id;
    let reader_pen = store.pseuds_of(reader).await.unwrap()[0].id;
    let mailed = store
        .post_work(
            writer,
            &[pen],
            &work("Mailed on every comment"),
            Visibility::Public,
            ajar_core::CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let imported = store.insert_work(&work("No one to mail")).await.unwrap();
    let body = Html::from_plain_text("I loved the bridge scene, and the diner one too.");
    let (mut with_mail, mut without) = (Vec::new(), Vec::new());
    for i in 0..args.comments * 2 {
        let target = if i % 2 == 0 { mailed } else { imported };
        let started = Instant::now();
        store
            .add_comment(&NewComment {
                work: target,
                chapter: 1,
                parent: None,
                author: CommentAuthor::User {
                    user: reader,
                    pseud: reader_pen,
                },
                body: &body,
                pending: false,
            })
            .await
            .unwrap();
        let took = started.elapsed();
        if i % 2 == 0 {
            with_mail.push(took)
        } else {
            without.push(took)
        }
    }
    with_mail.sort();
    without.sort();
    let (p50m, p99m) = (percentile(&with_mail, 0.5), percentile(&with_mail, 0.99));
    let (p50b, p99b) = (percentile(&without, 0.5), percentile(&without, 0.99));
    println!(
        "posting a comment ({} each): mails its creator p50 {p50m:.2} ms p99 {p99m:.2} ms; \
         no one to mail p50 {p50b:.2} ms p99 {p99b:.2} ms; p99 added {:.2} ms (ratio {:.2})",
        args.comments,
        p99m - p99b,
        p99m / p99b
    );

    // The worker: the notifications just made, then `--mails` more, into files and SMTP.
    for (label, transport, sink) in [
        (
            "into .eml files",
            MailTransport::Files(temp.path().join("mail")),
            None,
        ),
        (
            "into the SMTP sink",
            MailTransport::Queue,
            smtp::SmtpSink::start("mail bench"),
        ),
    ] {
        let transport = match (&transport, &sink) {
            (MailTransport::Queue, Some(sink)) => MailTransport::Smtp(sink.url()),
            (MailTransport::Queue, None) => {
                println!("{label}: skipped (no aiosmtpd)");
                continue;
            }
            _ => transport,
        };
        let run = chrono::Utc::now().timestamp_micros();
        for i in 0..args.mails {
            store
                .queue_mail(&NewMail {
                    event_key: format!("bench:{run}:{i}"),
                    user: None,
                    to_name: format!("Reader {i}"),
                    to_address: format!("reader{i}@example.org"),
                    kind: "test".to_owned(),
                    subject: format!("Bench mail {i}"),
                    text_body: "A line of text.\n".repeat(20),
                    html_body: "<p>A line of text.</p>".repeat(20),
                    unsubscribe: None,
                })
                .await
                .unwrap();
        }
        // The worker also mails the notifications the comments above made (first run only).
        let sent_before = store.outbox_counts().await.unwrap().sent_last_day;
        let config = Arc::new(MailConfig {
            transport,
            ..MailConfig::default()
        });
        let started = Instant::now();
        let worker = ajar_web::mail::spawn_worker(store.clone(), config, MailWorker::default())
            .expect("a worker");
        while store.outbox_counts().await.unwrap().pending > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "the outbox did not empty"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        worker.abort();
        let sent = store.outbox_counts().await.unwrap().sent_last_day - sent_before;
        println!(
            "worker {label}: {sent} mails in {seconds:.2} s, {:.0} mails/s",
            sent as f64 / seconds
        );
    }
}
