//! The `ajar` binary as a user runs it: import files, read the summary, serve the archive.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;

use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn dry_run_json_shows_the_seed_story_as_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = fixture("all-thats-left.txt");
    let out = ajar(
        &data,
        &["import", "--dry-run", "--json", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["title"], "All That's Left");
    assert!(json["summary"]
        .as_str()
        .unwrap()
        .starts_with("Jess's return to Stars Hollow"));
    assert!(json["spoilers"].as_str().unwrap().contains("Nag Hammadi"));
    assert!(json["notes"]
        .as_str()
        .unwrap()
        .starts_with("I wrote this right after the episode aired"));
    assert_eq!(json["complete"], true);
    assert_eq!(json["rating"], "Not Rated");
    assert_eq!(json["chapters"].as_array().unwrap().len(), 1);
    assert_eq!(json["chapters"][0]["paragraphs"], 82);
    let words = json["words"].as_u64().unwrap();
    assert!((2400..=2500).contains(&words), "{words} words");
    assert_eq!(json["chapters"][0]["words"].as_u64(), Some(words));
    for key in [
        "title",
        "creators",
        "fandoms",
        "rating",
        "warnings",
        "categories",
        "relationships",
        "characters",
        "tags",
        "summary",
        "notes",
        "end_notes",
        "spoilers",
        "language",
        "complete",
        "chapters",
        "words",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}");
    }
    assert!(!data.exists(), "a dry run must not create the archive");
}

#[test]
fn dry_run_json_of_a_full_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture("the-long-way-round.txt");
    let out = ajar(
        dir.path(),
        &["import", "--dry-run", "--json", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["creators"], serde_json::json!(["paperlanterns"]));
    assert_eq!(json["fandoms"], serde_json::json!(["Gilmore Girls"]));
    assert_eq!(json["rating"], "Teen And Up Audiences");
    assert_eq!(
        json["relationships"],
        serde_json::json!(["Rory Gilmore/Jess Mariano"])
    );
    assert_eq!(
        json["characters"],
        serde_json::json!(["Rory Gilmore", "Jess Mariano", "Luke Danes"])
    );
    assert_eq!(
        json["tags"],
        serde_json::json!(["Post-Canon", "Road Trip", "Slow Burn"])
    );
    let titles: Vec<_> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].clone())
        .collect();
    assert_eq!(titles, ["Departure", "The Middle", "Arrival"]);
    assert_eq!(json["end_notes"], "Comments make my day.");
    // The header says nothing of completion: not "in progress", but not stated.
    assert_eq!(json["complete"], serde_json::Value::Null);
    assert_eq!(json["expected_chapters"], serde_json::Value::Null);
}

#[test]
fn completion_is_what_the_file_states_or_not_stated() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let stated = dir.path().join("stated.txt");
    std::fs::write(
        &stated,
        "Title: Said So\n\nStatus: Complete\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo.\n",
    )
    .unwrap();
    let unstated = fixture("the-long-way-round.txt");
    let json = |path: &Path| {
        let out = ajar(
            &data,
            &["import", "--dry-run", "--json", path.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(json(&stated)["complete"], true);
    assert_eq!(json(&stated)["expected_chapters"], 2);
    assert_eq!(json(&unstated)["complete"], serde_json::Value::Null);
    let out = ajar(&data, &["import", "--dry-run", unstated.to_str().unwrap()]);
    assert!(stdout(&out).contains("3/?"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("completion not stated"),
        "{}",
        stdout(&out)
    );

    for path in [&unstated, &stated] {
        let out = ajar(&data, &["import", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let server = serve(&data, &[]);
    let (status, page) = get(&format!("{}/works/1", server.1));
    assert_eq!(status, 200);
    assert!(
        page.contains("<dt>Completion:</dt><dd class=\"completion\">Not stated</dd>"),
        "{page}"
    );
    let (_, page) = get(&format!("{}/works/2", server.1));
    assert!(
        !page.contains("class=\"completion\"") && page.contains("2/2"),
        "{page}"
    );
    let (_, listing) = get(&format!("{}/works/search?complete=yes", server.1));
    assert!(
        listing.contains("Said So") && !listing.contains("The Long Way Round"),
        "{listing}"
    );
}

#[test]
fn a_refused_file_exits_non_zero_with_the_reason_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("empty.txt");
    std::fs::write(&bad, "Title: Nothing here\n\n").unwrap();
    let out = ajar(
        &dir.path().join("data"),
        &["import", "--dry-run", "--json", bad.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains("empty.txt"), "{}", stderr(&out));
}

/// A story file with more tags than a work may have (75, as on AO3) is refused whole, with
/// the file, the count and the limit named; the rest of the batch is stored.
#[test]
fn a_file_with_more_than_75_tags_is_refused_with_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let stories = dir.path().join("stories");
    std::fs::create_dir_all(&stories).unwrap();
    let story = |tags: usize| {
        let list = (0..tags)
            .map(|i| format!("Tag {i}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("Title: Tagged {tags}\n\nFandom: Some Fandom\n\nTags: {list}\n\nThe text.\n")
    };
    std::fs::write(stories.join("fine.txt"), story(74)).unwrap();
    std::fs::write(stories.join("tagged.txt"), story(10_000)).unwrap();
    let out = ajar(
        &dir.path().join("data"),
        &["import", stories.to_str().unwrap()],
    );
    let text = text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Imported 1 work"), "{text}");
    assert!(text.contains("tagged.txt"), "{text}");
    assert!(
        text.contains("10001") && text.contains("at most 75"),
        "{text}"
    );
}

#[test]
fn import_a_folder_stores_good_files_and_lists_refused_ones() {
    let dir = tempfile::tempdir().unwrap();
    let stories = dir.path().join("stories");
    std::fs::create_dir_all(stories.join("nested")).unwrap();
    std::fs::copy(fixture("all-thats-left.txt"), stories.join("a.txt")).unwrap();
    std::fs::copy(
        fixture("the-long-way-round.txt"),
        stories.join("nested/b.txt"),
    )
    .unwrap();
    std::fs::write(
        stories.join("binary.txt"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
    )
    .unwrap();
    std::fs::write(stories.join("notitle.txt"), "\n\n\n").unwrap();
    std::fs::write(stories.join("ignored.jpg"), b"not a story").unwrap();
    // A collection's read-me is not a work; a Word draft in the folder is.
    std::fs::write(
        stories.join("README.md"),
        "# My stories\n\nAll my fics, for the archive.\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/uploads/lighthouse.docx"),
        stories.join("nested/lighthouse.docx"),
    )
    .unwrap();
    let data = dir.path().join("data");

    let out = ajar(
        &data,
        &[
            "import",
            stories.to_str().unwrap(),
            "--fandom",
            "Gilmore Girls",
            "--rating",
            "K+",
            "--tag",
            "Imported",
        ],
    );
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "refused files give a failing status\n{text}"
    );
    assert!(text.contains("Imported 3 works"), "{text}");
    assert!(text.contains("refused 2 files"), "{text}");
    assert!(text.contains("\"The Lighthouse Keeper\""), "{text}");
    assert!(!text.contains("My stories"), "{text}");
    assert!(text.contains("binary.txt"), "{text}");
    assert!(text.contains("notitle.txt"), "{text}");
    assert!(!text.contains("ignored.jpg"), "{text}");

    // What the options filled in, and what the file said, as stored.
    let out = ajar(
        &data,
        &[
            "import",
            "--dry-run",
            "--json",
            stories.join("a.txt").to_str().unwrap(),
            "--fandom",
            "X",
        ],
    );
    assert!(out.status.success());
    assert!(data.join("ajar.db").exists());
}

#[test]
fn bad_options_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = fixture("all-thats-left.txt");
    let out = ajar(
        &data,
        &["import", path.to_str().unwrap(), "--rating", "super spicy"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--rating"), "{}", stderr(&out));
    assert!(!data.exists());

    let out = ajar(
        &data,
        &["import", dir.path().join("missing").to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("no such file or folder"),
        "{}",
        stdout(&out)
    );
}

fn get(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let resp = reqwest::get(url).await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    })
}

/// A new archive (in a temporary folder, and its data folder) holding the founding story as
/// work 1.
fn archive_with_the_founding_story() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &["import", fixture("all-thats-left.txt").to_str().unwrap()],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    (dir, data)
}

/// `--index-wait 0`: the server listens before its index is built, and search finds the
/// archive's works as soon as the build is done (here, at once or nearly).
#[test]
fn a_server_that_does_not_wait_for_its_index_finds_works_once_built() {
    let (_dir, data) = archive_with_the_founding_story();
    let server = serve(&data, &["--index-wait", "0"]);
    let (status, _) = get(&format!("{}/works/1", server.1));
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    loop {
        let (status, page) = get(&format!("{}/works/search?q=left", server.1));
        if status == 200 && page.contains("/works/1\"") {
            break;
        }
        assert_eq!(status, 503, "{page}");
        assert!(page.contains("catching up"), "{page}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `--no-text-index`: the node's index leaves chapter text out, so a phrase from the story
/// is not found there, while its title still is.
#[test]
fn a_node_without_text_in_its_index_finds_titles_not_story_text() {
    let (_dir, data) = archive_with_the_founding_story();
    let server = serve(&data, &["--no-text-index"]);
    let (status, page) = get(&format!("{}/works/search?q=left", server.1));
    assert_eq!(status, 200);
    assert!(page.contains("/works/1\""), "{page}");
    let (status, page) = get(&format!("{}/works/search?q=festivalgoers", server.1));
    assert_eq!(status, 200);
    assert!(!page.contains("/works/1\""), "{page}");
    drop(server);
    // The same archive served with text in the index (rebuilt for it) finds the phrase.
    let server = serve(&data, &[]);
    let (_, page) = get(&format!("{}/works/search?q=festivalgoers", server.1));
    assert!(page.contains("/works/1\""), "{page}");
}

#[test]
fn a_running_server_shows_works_imported_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &[]);
    let (status, home) = get(&format!("{}/", server.1));
    assert_eq!(status, 200);
    assert!(!home.contains("All That&#39;s Left") && !home.contains("All That's Left"));

    let out = ajar(
        &data,
        &["import", fixture("all-thats-left.txt").to_str().unwrap()],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (_, home) = get(&format!("{}/", server.1));
    assert!(
        home.contains("All That&#39;s Left") || home.contains("All That's Left"),
        "{home}"
    );
}

#[test]
fn demo_fills_an_empty_archive_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &["--demo"]);
    let (status, home) = get(&format!("{}/", server.1));
    assert_eq!(status, 200);
    let first = home.matches("href=\"/works/").count();
    assert!(first >= 5, "the demo archive lists its works\n{home}");
    let (status, work) = get(&format!("{}/works/1", server.1));
    assert_eq!(status, 200, "{work}");
    drop(server);
    // And an admin account to try posting and moderation with (its password is printed).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = ajar_store::Store::open(None, &data).await.unwrap();
        let demo = store
            .user_by_name("demo")
            .await
            .unwrap()
            .expect("a demo account");
        assert_eq!(demo.role, ajar_core::Role::Admin);
        store.close().await;
    });

    let server = serve(&data, &["--demo"]);
    let (_, home) = get(&format!("{}/", server.1));
    assert_eq!(
        home.matches("href=\"/works/").count(),
        first,
        "--demo adds nothing to a non-empty archive"
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["import", "--help"],
        &["fandom", "media", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ajar"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(stdout(&out).contains("Usage"), "{}", stdout(&out));
    }
}

#[test]
fn an_archivist_files_a_fandom_under_its_media_kind() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let story = fixture("the-long-way-round.txt");
    assert!(ajar(&data, &["import", story.to_str().unwrap()])
        .status
        .success());

    let out = ajar(&data, &["fandom", "media", "Gilmore Girls", "tv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Filed Gilmore Girls under TV Shows"),
        "{}",
        stdout(&out)
    );

    let out = ajar(&data, &["fandom", "media", "No Such Fandom", "tv"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no fandom named"), "{}", stderr(&out));
    let out = ajar(&data, &["fandom", "media", "Gilmore Girls", "podcasts"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a media kind"),
        "{}",
        stderr(&out)
    );

    let server = serve(&data, &[]);
    let (status, page) = get(&format!("{}/fandoms", server.1));
    assert_eq!(status, 200);
    let tv = page.find("TV Shows").expect("a TV Shows section");
    let fandom = page.find("Gilmore Girls").expect("the fandom is listed");
    assert!(
        fandom > tv,
        "Gilmore Girls is listed under TV Shows\n{page}"
    );
    assert!(
        !page.contains("Uncategorized Fandoms")
            || page.find("Uncategorized Fandoms") > Some(fandom)
    );
}

/// Failed log-ins as a guest behind a proxy that names `client` in `X-Forwarded-For`;
/// the status of each answer.
fn failed_log_ins(base: &str, client: &str, times: usize) -> Vec<u16> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let form = http.get(format!("{base}/login")).send().await.unwrap();
        let cookie = form.headers()["set-cookie"].to_str().unwrap().to_owned();
        let pair = cookie.split(';').next().unwrap().to_owned();
        let token = pair.trim_start_matches("ajar_csrf=").to_owned();
        let mut statuses = Vec::new();
        for _ in 0..times {
            let answer = http
                .post(format!("{base}/login"))
                .header("cookie", &pair)
                .header("x-forwarded-for", client)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("name", "nobody"),
                    ("password", "a wrong guess"),
                ])
                .send()
                .await
                .unwrap();
            statuses.push(answer.status().as_u16());
        }
        statuses
    })
}

#[test]
fn trusted_proxies_are_set_on_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // From the environment, as a comma-separated list.
    let server = serve_with_env(
        &data,
        &[],
        &[("AJAR_TRUSTED_PROXIES", "10.9.9.9,127.0.0.1")],
    );
    let statuses = failed_log_ins(&server.1, "198.51.100.1", 11);
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10], 429, "the guesser's own address is limited");
    // Another client behind the same proxy is not.
    assert_eq!(failed_log_ins(&server.1, "198.51.100.2", 1), [401]);
    drop(server);

    // Without the setting the header is ignored: every "client" is the proxy.
    let server = serve(&data, &[]);
    failed_log_ins(&server.1, "198.51.100.1", 10);
    assert_eq!(failed_log_ins(&server.1, "198.51.100.2", 1), [429]);
    drop(server);

    let out = ajar(&data, &["serve", "--trusted-proxy", "not-an-address"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--trusted-proxy"), "{}", stderr(&out));
}

/// `ajar serve` run under systemd or with `2> serve.log` writes a log a person can read:
/// no terminal colour codes where there is no terminal.
#[test]
fn the_server_log_has_no_colour_codes_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = serve_logging_to(&data, &[], &[("AJAR_LOG", "info")], Stdio::from(log));
    let (status, _) = get(&format!("{}/no/such/page", server.1));
    assert_eq!(status, 404);
    drop(server); // stops it
    let written = std::fs::read_to_string(&log_path).unwrap();
    assert!(!written.is_empty(), "the server logged nothing");
    assert!(
        !written.contains('\u{1b}'),
        "colour codes in a log file: {written:?}"
    );
}

/// A zip of story files, named in the archive as `entries` say.
fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// A dry run of a zip counts what it would refuse and skip as a real import would: zip
/// entries are not files on the command line (the count once went below zero and printed
/// 18446744073709551615), and works already in the archive, or twice in the zip, would be
/// skipped, not imported.
#[test]
fn a_dry_run_of_a_zip_counts_refusals_and_would_skip_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seed = std::fs::read(fixture("all-thats-left.txt")).unwrap();
    let other = std::fs::read(fixture("the-long-way-round.txt")).unwrap();
    let stored = ajar(
        &data,
        &["import", fixture("all-thats-left.txt").to_str().unwrap()],
    );
    assert!(stored.status.success(), "{}", text(&stored));
    let zip = dir.path().join("batch.zip");
    zip_of(
        &zip,
        &[
            ("seed.txt", &seed[..]),
            ("long.txt", &other[..]),
            ("long-again.txt", &other[..]),
            (
                "new.md",
                b"---\ntitle: A Page\nauthor: me\n---\n\nJust one page.\n",
            ),
            ("bad.html", b"<html><body></body></html>"),
        ],
    );

    let out = ajar(&data, &["import", "--dry-run", zip.to_str().unwrap()]);
    let said = text(&out);
    assert!(!said.contains("18446744073709551615"), "{said}");
    assert!(
        said.contains(
            "Dry run: 2 works would be imported, 2 duplicates would be skipped, 1 file refused"
        ),
        "{said}"
    );
    assert!(
        said.contains("would skip batch.zip/seed.txt: duplicate of work 1")
            || said.contains("seed.txt: duplicate of work 1"),
        "{said}"
    );
    assert!(said.contains("long-again.txt: duplicate of"), "{said}");
    assert!(said.contains("bad.html"), "{said}");
    assert_eq!(out.status.code(), Some(1), "a refused entry fails the run");

    // Nothing was written: the real import then stores exactly the two new works.
    let out = ajar(&data, &["import", zip.to_str().unwrap()]);
    let said = text(&out);
    assert!(said.contains("Imported 2 works"), "{said}");
    assert!(said.contains("skipped 2 duplicates"), "{said}");

    // A dry run with no archive yet creates none.
    let fresh = dir.path().join("fresh");
    let out = ajar(&fresh, &["import", "--dry-run", zip.to_str().unwrap()]);
    assert!(
        text(&out).contains("3 works would be imported, 1 duplicate would be skipped"),
        "{}",
        text(&out)
    );
    assert!(!fresh.join("ajar.db").exists());
}

/// An import says what it stored and where to find it, names a path that is not there, and
/// points out the works it could give no fandom.
#[test]
fn an_import_lists_what_it_stored_and_the_works_without_a_fandom() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let missing = dir.path().join("no-such-folder");
    let out = ajar(
        &data,
        &[
            "import",
            fixture("all-thats-left.txt").to_str().unwrap(),
            fixture("the-long-way-round.txt").to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("stored #1 \"All That's Left\" → /works/1"),
        "{said}"
    );
    assert!(
        said.contains("stored #2 \"") && said.contains("→ /works/2"),
        "{said}"
    );
    assert!(
        said.contains(&format!("{}: no such file or folder", missing.display())),
        "{said}"
    );
    assert!(
        said.contains("1 work has no fandom, so no fandom page lists it"),
        "{said}"
    );
    assert!(said.contains("--fandom"), "{said}");
    assert!(said.contains("/works/1/edit"), "{said}");

    // With a fandom, nothing to point out.
    let more = dir.path().join("more.txt");
    std::fs::write(&more, "Title: Another\n\nJust text.\n").unwrap();
    let out = ajar(
        &data,
        &[
            "import",
            more.to_str().unwrap(),
            "--fandom",
            "Gilmore Girls",
        ],
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("stored #3 \"Another\" → /works/3"), "{said}");
    assert!(!said.contains("no fandom"), "{said}");
}
