//! Every EPUB ajar writes passes epubcheck (Debian's `epubcheck` package) with no errors.
//!
//! Without Java or the epubcheck jar the test prints `SKIP epubcheck: <reason>` and
//! passes, unless `AJAR_REQUIRE_ALL_TESTS=1` (as in CI), where it fails with the reason.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_formats::ExportFormat;
use std::path::Path;
use std::process::Command;

const JAR: &str = "/usr/share/java/epubcheck.jar";

fn skip(reason: &str) {
    if std::env::var("AJAR_REQUIRE_ALL_TESTS").as_deref() == Ok("1") {
        panic!("epubcheck is required (AJAR_REQUIRE_ALL_TESTS=1): {reason}");
    }
    println!("SKIP epubcheck: {reason}");
}

#[test]
fn exported_epubs_pass_epubcheck() {
    if !Path::new(JAR).exists() {
        return skip(&format!("{JAR} is missing (apt-get install epubcheck)"));
    }
    if Command::new("java").arg("-version").output().is_err() {
        return skip("java is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut works = common::fixture_works();
    works.push(("rich".into(), common::rich_work()));
    works.push(("richer".into(), common::richer_work()));
    let mut files = Vec::new();
    for (name, work) in &works {
        let path = dir.path().join(format!("{name}.epub"));
        std::fs::write(&path, common::export(work, ExportFormat::Epub)).unwrap();
        files.push(path);
    }
    for path in files {
        let out = Command::new("java")
            .arg("-jar")
            .arg(JAR)
            .arg(&path)
            .output()
            .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let problems: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("ERROR") || l.starts_with("FATAL"))
            .collect();
        assert!(
            out.status.success() && problems.is_empty(),
            "epubcheck refused {}:\n{report}",
            path.display()
        );
        println!("epubcheck passed {}", path.display());
    }
}
