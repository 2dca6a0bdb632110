//! `ajar migrate`, `ajar backup` and `ajar restore` as an operator runs them, on a generated
//! archive with accounts, kudos, comments, bookmarks, subscriptions, history, series,
//! invitations and a canon timeline.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_store::testing::TestStore;
use ajar_store::{Store, TableSum};
use common::*;
use std::path::Path;

fn sums(rt: &tokio::runtime::Runtime, store: &Store) -> Vec<(String, TableSum)> {
    rt.block_on(store.checksums()).unwrap()
}

fn open(rt: &tokio::runtime::Runtime, data: &Path) -> Store {
    rt.block_on(Store::open(None, data)).unwrap()
}

/// A generated archive in `data`, with rows in every table: what the commands make (a
/// corpus with readers, an account and its token, invitations, an imported story linked to
/// a canon timeline), and by hand what only the site makes (reports, sessions, mutes,
/// notifications, mail, wrangling), with times in each form SQLite holds them.
fn generated_archive(rt: &tokio::runtime::Runtime, data: &Path) {
    let canon = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/canon/gilmore-girls-season-4.csv");
    let story = fixture("all-thats-left.txt");
    for args in [
        &["gen-corpus", "--works", "150", "--seed", "4"][..],
        &["user", "create", "paris", "--email", "paris@example.org"][..],
        &["user", "token", "paris", "--scope", "write"][..],
        &["user", "invite", "--count", "2"][..],
        &["user", "signup-mode", "invite"][..],
        &["import", story.to_str().unwrap()][..],
        &["canon", "import", canon.to_str().unwrap()][..],
    ] {
        let out = ajar(data, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    let by_hand = r#"
        INSERT INTO reports (reporter_id, entity, entity_id, reason, created_at, resolved_at,
                             resolved_by, resolution)
        VALUES ((SELECT MIN(id) FROM users), 'work', (SELECT MIN(id) FROM works), 'Spam',
                '2026-12-01T10:00:00.5+00:00', NULL, NULL, NULL),
               ((SELECT MAX(id) FROM users), 'comment', (SELECT MIN(id) FROM comments), 'Rude',
                '2026-12-01 11:00:00', '2026-12-02T11:00:00.123456+00:00',
                (SELECT MIN(id) FROM users), 'hidden');
        INSERT INTO sessions VALUES ('hash-1', (SELECT MIN(id) FROM users), 'csrf-1',
                '2026-12-01T10:00:00+00:00', '2027-01-01T10:00:00+00:00');
        INSERT INTO user_mutes VALUES ((SELECT MIN(id) FROM users), (SELECT MAX(id) FROM users),
                '2026-12-01T10:00:00+00:00');
        INSERT INTO user_blocks VALUES ((SELECT MAX(id) FROM users), (SELECT MIN(id) FROM users),
                '2026-12-01T10:00:00+00:00');
        INSERT INTO notifications (user_id, kind, work_id, comment_id, actor, title, detail, link,
                                   mail, mailed_at, read_at, created_at)
        VALUES ((SELECT MIN(id) FROM users), 'comment', (SELECT MIN(id) FROM works),
                (SELECT MIN(id) FROM comments), 'Jess', 'A comment on “your work”', 'Loved it',
                '/works/1', 'immediate', NULL, '2026-12-02T10:00:00+00:00',
                '2026-12-01T10:00:00+00:00');
        INSERT INTO mail_outbox (event_key, user_id, to_name, to_address, kind, subject,
                                 text_body, html_body, unsubscribe, created_at, next_attempt_at,
                                 failed_at, last_error)
        VALUES ('event-1', (SELECT MIN(id) FROM users), 'Paris', 'paris@example.org',
                'notification', 'Subject', 'text', '<p>html</p>', NULL,
                '2026-12-01T10:00:00+00:00', '2026-12-01T10:00:00+00:00',
                '2026-12-01T12:00:00+00:00', '550 no such mailbox');
        INSERT INTO tag_parents VALUES ((SELECT MIN(id) FROM tags WHERE kind = 'fandom'),
                (SELECT MIN(id) FROM tags WHERE kind = 'character'));
        INSERT INTO tag_meta VALUES ((SELECT MIN(id) FROM tags WHERE kind = 'fandom'),
                (SELECT MAX(id) FROM tags WHERE kind = 'fandom'));
        INSERT INTO gifts VALUES ((SELECT MIN(id) FROM works), (SELECT MIN(id) FROM users));
        INSERT INTO work_hits VALUES ((SELECT MIN(id) FROM works), 'visitor-1', '2026-12-01');
        INSERT INTO notification_prefs VALUES ((SELECT MIN(id) FROM users), 'comments', 'digest');
        INSERT INTO user_filters VALUES ((SELECT MIN(id) FROM users), 'Angst', 'rating=teen',
                '2026-12-01T10:00:00+00:00');
        INSERT INTO password_resets VALUES ('reset-1', (SELECT MIN(id) FROM users),
                '2026-12-01T10:00:00+00:00', '2026-12-02T10:00:00+00:00', NULL,
                'paris@example.org');
        INSERT INTO email_confirmations VALUES ('confirm-1', (SELECT MIN(id) FROM users),
                'new@example.org', '2026-12-01T10:00:00+00:00', '2026-12-02T10:00:00+00:00');
        INSERT INTO wrangler_fandoms VALUES ((SELECT MIN(id) FROM users),
                (SELECT MIN(id) FROM tags WHERE kind = 'fandom'));
        INSERT INTO wrangling_log (tag_id, user_id, at, action, before, after)
        VALUES ((SELECT MIN(id) FROM tags), (SELECT MIN(id) FROM users),
                '2026-12-01T10:00:00+00:00', 'canonical', '{}', '{"canonical":true}');
        INSERT INTO canon_progress VALUES ((SELECT MIN(id) FROM users),
                (SELECT MIN(fandom_id) FROM canon_entries), 3);
        INSERT INTO work_extra VALUES ((SELECT MIN(id) FROM works), 1, 'Beta', 'Lane');
        UPDATE tags SET merger_id = (SELECT MAX(id) FROM tags)
        WHERE id = (SELECT MIN(id) FROM tags WHERE kind = 'freeform');
    "#;
    let url = format!("sqlite://{}", data.join("ajar.db").display());
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql(by_hand).execute(&pool).await.unwrap();
        pool.close().await;
    });
}

#[test]
fn an_archive_moves_to_postgresql_and_back_unchanged() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg) = rt.block_on(TestStore::postgres()) else {
        return;
    };
    let url = pg.database_url().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generated_archive(&rt, &data);
    let source = open(&rt, &data);
    let before = sums(&rt, &source);
    rt.block_on(source.close());
    let empty: Vec<&str> = before
        .iter()
        .filter(|(_, s)| s.rows == 0)
        .map(|(t, _)| t.as_str())
        .collect();
    // Only what text imports keep (their source files) and the nodes' shared rate-limit
    // events (one node here) are left empty.
    assert!(
        empty
            .iter()
            .all(|t| t.ends_with("_sources") || *t == "rate_events"),
        "empty tables: {empty:?}"
    );

    let from = format!("sqlite:{}", data.display());
    let out = ajar(&data, &["migrate", "--from", &from, "--to", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("every table has the same rows and checksum on both sides"),
        "{}",
        text(&out)
    );
    assert!(stdout(&out).contains("works"), "{}", stdout(&out));
    assert_eq!(sums(&rt, pg.store()), before, "PostgreSQL holds the same");

    // Once there, it is not copied over again unless asked.
    let again = ajar(&data, &["migrate", "--from", &from, "--to", &url]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        stderr(&again).contains("already holds an archive") && stderr(&again).contains("--replace"),
        "{}",
        stderr(&again)
    );
    assert_eq!(sums(&rt, pg.store()), before, "a refusal writes nothing");

    // And back to SQLite (the global flags name the source here).
    let back = dir.path().join("back");
    std::fs::create_dir_all(&back).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ajar"))
        .args(["--database-url", &url, "migrate", "--to"])
        .arg(format!("sqlite:{}", back.join("ajar.db").display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let returned = open(&rt, &back);
    assert_eq!(
        sums(&rt, &returned),
        before,
        "the round trip changes nothing"
    );
    rt.block_on(returned.close());

    // A PostgreSQL archive backs up into a SQLite file too (read in one snapshot).
    let file = dir.path().join("from-postgres.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ajar"))
        .args(["--database-url", &url, "--data-dir"])
        .arg(dir.path().join("pg-node"))
        .arg("backup")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let backed_up = rt
        .block_on(Store::connect(&format!("sqlite://{}", file.display())))
        .unwrap();
    assert_eq!(sums(&rt, &backed_up), before, "the backup holds the same");
    rt.block_on(backed_up.close());

    // The archive moved serves its works.
    let server = serve(&back, &[]);
    let status = rt
        .block_on(reqwest::get(format!("{}/", server.1)))
        .unwrap()
        .status();
    assert_eq!(status, 200);
    drop(server);
    rt.block_on(pg.cleanup());
}

#[test]
fn a_backup_restores_to_the_same_archive() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generated_archive(&rt, &data);
    let file = dir.path().join("archive-backup.db");
    let out = ajar(&data, &["backup", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stdout(&out).contains("Backup written to"),
        "{}",
        stdout(&out)
    );
    assert!(file.is_file());

    // A second backup to the same name is refused.
    let out = ajar(&data, &["backup", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    let restored = dir.path().join("restored");
    let out = ajar(&restored, &["restore", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let (a, b) = (open(&rt, &data), open(&rt, &restored));
    assert_eq!(sums(&rt, &a), sums(&rt, &b));
    rt.block_on(a.close());
    rt.block_on(b.close());

    // Restoring over an archive is refused unless asked, and then replaces it.
    let out = ajar(&restored, &["restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("already holds an archive"),
        "{}",
        stderr(&out)
    );
    let out = ajar(&restored, &["restore", "--replace", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));

    let missing = ajar(&restored, &["restore", "no-such-backup.db"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("is not a file"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn transfer_commands_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    for (command, words) in [
        ("migrate", "--replace"),
        ("backup", "FILE"),
        ("restore", "--replace"),
    ] {
        let out = ajar(dir.path(), &[command, "--help"]);
        assert!(out.status.success());
        assert!(text(&out).contains(words), "{command}: {}", text(&out));
    }
}
