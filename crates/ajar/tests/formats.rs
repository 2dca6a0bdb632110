//! `ajar export` and `ajar import` of every story format, zips and folders of them, and
//! duplicates: as a user runs them.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;

use std::io::Write;
use std::process::Command;

#[test]
fn exported_files_import_back_as_duplicates_of_their_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(
        &data,
        &[
            "import",
            fixture("the-long-way-round.txt").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    let exports = dir.path().join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    for ext in ["epub", "html", "txt", "md"] {
        let file = exports.join(format!("long.{ext}"));
        let out = ajar(&data, &["export", "1", "-o", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("Wrote \"The Long Way Round\""),
            "{}",
            text(&out)
        );
    }
    // --format wins; the default file name is the title.
    let out = Command::new(env!("CARGO_BIN_EXE_ajar"))
        .current_dir(&exports)
        .arg("--data-dir")
        .arg(&data)
        .args(["export", "1", "--format", "epub"])
        .env_remove("AJAR_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(exports.join("The Long Way Round.epub").exists());
    let epub = std::fs::read(exports.join("The Long Way Round.epub")).unwrap();
    assert!(epub.starts_with(b"PK\x03\x04"));
    assert_eq!(&epub[30..58], b"mimetypeapplication/epub+zip");

    // The work never said whether it is finished, and no export claims it is or is not.
    for ext in ["epub", "html", "txt", "md"] {
        let file = exports.join(format!("long.{ext}"));
        let out = ajar(
            &data,
            &["import", "--dry-run", "--json", file.to_str().unwrap()],
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["complete"], serde_json::Value::Null, "long.{ext}");
    }

    // Importing the exports again: each one is the same work.
    let out = ajar(&data, &["import", exports.to_str().unwrap()]);
    let summary = text(&out);
    assert!(summary.contains("Imported 0 works"), "{summary}");
    assert!(summary.contains("skipped 5 duplicates"), "{summary}");
    assert!(
        summary.contains("long.epub: duplicate of work 1"),
        "{summary}"
    );
    assert!(
        summary.contains("long.md: duplicate of work 1"),
        "{summary}"
    );

    let out = ajar(&data, &["export", "2", "-o", "x.txt"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("there is no work 2"), "{}", text(&out));
    let out = ajar(&data, &["export", "1", "-o", "x.pdf"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("--format epub|html|txt|md"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_zip_of_mixed_files_imports_each_once_and_reports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seed = std::fs::read(fixture("all-thats-left.txt")).unwrap();
    let other = std::fs::read(fixture("the-long-way-round.txt")).unwrap();
    let work = ajar_formats::read_story_file("x.txt", &other).unwrap();
    let as_epub = ajar_formats::write_work(
        &work,
        ajar_formats::ExportFormat::Epub,
        &ajar_formats::ExportContext::default(),
    )
    .unwrap();

    let zip_path = dir.path().join("batch.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("a/seed.txt", &seed[..]),
        ("a/seed-again.txt", &seed[..]),
        ("b/long.epub", &as_epub[..]),
        ("b/bad.html", b"<html><body></body></html>"),
        ("../escape.txt", &seed[..]),
        (
            "c/page.md",
            b"---\ntitle: A Page\nauthor: me\n---\n\nJust one *page*.\n",
        ),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 broken").unwrap();

    let out = ajar(
        &data,
        &[
            "import",
            zip_path.to_str().unwrap(),
            dir.path().join("broken.zip").to_str().unwrap(),
        ],
    );
    let summary = text(&out);
    assert_eq!(out.status.code(), Some(1), "{summary}");
    assert!(summary.contains("Imported 3 works"), "{summary}");
    assert!(summary.contains("refused 3 files"), "{summary}");
    assert!(summary.contains("skipped 1 duplicate."), "{summary}");
    assert!(
        summary.contains("batch.zip/a/seed-again.txt: duplicate of work 1"),
        "{summary}"
    );
    assert!(summary.contains("batch.zip/../escape.txt"), "{summary}");
    assert!(summary.contains("unsafe path"), "{summary}");
    assert!(summary.contains("batch.zip/b/bad.html"), "{summary}");
    assert!(
        summary.contains("broken.zip: the file is not a readable zip archive"),
        "{summary}"
    );

    // Exactly three works were written: 1, 2, 3 exist, 4 does not.
    for id in ["1", "2", "3"] {
        let out = ajar(&data, &["export", id, "--format", "txt", "-o", "-"]);
        assert!(out.status.success(), "{}", text(&out));
    }
    assert!(!ajar(&data, &["export", "4", "--format", "txt", "-o", "-"])
        .status
        .success());
}

/// `ajar export --format txt` (the same writer as the TXT download) is plain text: no tag
/// is left in it, emphasis is written `_x_` and strong `*x*`, entities are characters.
#[test]
fn the_txt_export_is_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let story = dir.path().join("story.txt");
    std::fs::write(
        &story,
        "Title: Marked\n\nFandom: Gilmore Girls\n\nShe <em>ran</em>, <strong>fast</strong> & far.\n\nLine one<br>line two\n",
    )
    .unwrap();
    let out = ajar(&data, &["import", story.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ajar(&data, &["export", "1", "--format", "txt", "-o", "-"]);
    assert!(out.status.success(), "{}", text(&out));
    let txt = stdout(&out);
    assert!(txt.contains("She _ran_, *fast* & far."), "{txt}");
    assert!(txt.contains("Line one\nline two"), "{txt}");
    for markup in ["<em>", "<strong>", "<br", "&amp;", "<p>"] {
        assert!(!txt.contains(markup), "{markup} in {txt}");
    }
}

#[test]
fn dry_run_json_of_real_ao3_and_fanficfare_epubs() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let dry_run = |file: &str| {
        let path = downloads.join(file);
        let out = ajar(
            &dir.path().join("data"),
            &["import", "--dry-run", "--json", path.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let ao3 = dry_run("ao3/nag-hammadi-nights.epub");
    assert_eq!(
        ao3["creators"],
        serde_json::json!(["paperlanterns", "lorelai_g"])
    );
    assert_eq!(ao3["fandoms"], serde_json::json!(["Gilmore Girls"]));
    assert_eq!(ao3["categories"], serde_json::json!(["F/M", "Gen"]));
    assert_eq!(
        ao3["series"],
        serde_json::json!([{"title": "Stars Hollow Nights", "position": 2}])
    );
    assert_eq!(ao3["chapters"][0]["title"], "The Library");
    assert_eq!(ao3["chapters"].as_array().unwrap().len(), 3);
    assert_eq!(ao3["complete"], true);

    let fff = dry_run("fanficfare/blue-box.epub");
    assert_eq!(
        fff["fandoms"],
        serde_json::json!(["Doctor Who (2005)", "Gilmore Girls"])
    );
    assert_eq!(
        fff["tags"],
        serde_json::json!(["Adventure", "Hurt/Comfort"])
    );
    assert_eq!(fff["complete"], false);
    let unstated = dry_run("fanficfare/untitled-drabble.epub");
    assert_eq!(unstated["language"], "und");
    assert_eq!(unstated["rating"], "Not Rated");
}
