//! `ajar gen-corpus` and `ajar reindex` as a person runs them.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;

#[test]
fn a_generated_corpus_is_indexed_by_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ajar(&data, &["gen-corpus", "--works", "300", "--seed", "3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Wrote 300 works"), "{}", text(&out));
    // One reader per 20 works by default; more can be added to the same archive later.
    assert!(text(&out).contains("Added 15 readers"), "{}", text(&out));
    let out = ajar(&data, &["gen-corpus", "--works", "0", "--readers", "5"]);
    assert!(text(&out).contains("Added 5 readers"), "{}", text(&out));
    assert!(!text(&out).contains("Wrote"), "{}", text(&out));

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
