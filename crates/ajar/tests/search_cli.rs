//! `ajar gen-corpus` and `ajar reindex` as a person runs them.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use std::path::Path;
use std::process::{Command, Output};

fn ajar(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ajar"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AJAR_DATABASE_URL")
        .env_remove("AJAR_INDEX_DIR")
        .output()
        .expect("run ajar")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_generated_corpus_is_indexed_by_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(&data, &["gen-corpus", "--works", "300", "--seed", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Wrote 300 works"), "{}", text(&out));

    let out = ajar(&data, &["reindex"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Indexed 300 works"), "{}", text(&out));
    assert!(data.join("index").join("meta.json").exists());

    // A damaged index is rebuilt rather than refused.
    std::fs::write(data.join("index").join("meta.json"), "damaged").unwrap();
    let out = ajar(&data, &["reindex", "--no-text"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Indexed 300 works"), "{}", text(&out));
}

#[test]
fn search_commands_explain_themselves() {
    let dir = tempfile::tempdir().unwrap();
    for (command, words) in [("gen-corpus", "--works"), ("reindex", "--index-dir")] {
        let out = ajar(dir.path(), &[command, "--help"]);
        assert!(out.status.success());
        assert!(text(&out).contains(words), "{command}: {}", text(&out));
    }
}
