//! import(export(work)) == work, for every format, the fixtures and a rich work (plain text,
//! which has no markup: export(import(export(work))) == export(work)).

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_formats::{read_story_file, ExportFormat};
use common::*;

fn round_trip(name: &str, work: &ajar_core::Work, format: ExportFormat) {
    let bytes = export(work, format);
    let file = format!("{name}.{}", format.extension());
    let back = read_story_file(&file, &bytes).unwrap_or_else(|e| {
        panic!(
            "{e}\n--- exported:\n{}",
            if format == ExportFormat::Epub {
                String::new()
            } else {
                String::from_utf8_lossy(&bytes[..bytes.len().min(6000)]).into_owned()
            }
        )
    });
    if format == ExportFormat::Txt {
        // Plain text has no markup: emphasis is written `_x_`, a list `- x`, and read back
        // those stay the characters they are. What it says reads back the same, so a second
        // export is the first one exactly.
        let again = export(&back, format);
        assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(&bytes),
            "{file} did not read back as what it says"
        );
        return;
    }
    let (want, got) = (normalized(work), normalized(&back));
    if want != got {
        if format != ExportFormat::Epub {
            eprintln!("--- exported {file}:\n{}", String::from_utf8_lossy(&bytes));
        }
        pretty_diff(&want, &got);
        panic!("{file} did not read back as the same work");
    }
}

fn pretty_diff(want: &ajar_core::Work, got: &ajar_core::Work) {
    let w = serde_json::to_value(want).unwrap();
    let g = serde_json::to_value(got).unwrap();
    diff("work", &w, &g);
}

fn diff(path: &str, w: &serde_json::Value, g: &serde_json::Value) {
    use serde_json::Value;
    match (w, g) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                diff(&format!("{path}.{k}"), v, b.get(k).unwrap_or(&Value::Null));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y);
            }
        }
        _ if w != g => eprintln!("{path}:\n  want {w}\n   got {g}"),
        _ => {}
    }
}

#[test]
fn fixtures_round_trip_in_every_format() {
    for (name, work) in fixture_works() {
        for format in ExportFormat::ALL {
            round_trip(&name, &work, format);
        }
    }
}

#[test]
fn the_rich_work_round_trips_in_every_format() {
    for format in ExportFormat::ALL {
        round_trip("rich", &rich_work(), format);
    }
}

#[test]
fn unstated_completion_stays_unstated_in_every_format() {
    // An imported file that never said whether it is finished: its two chapters out of "?"
    // must not read back as a work in progress, nor one chapter as a complete one-shot.
    for chapters in [3, 1] {
        let mut work = rich_work();
        work.chapters.truncate(chapters);
        // Plain text cannot tell a last chapter's end notes from the work's (see `richer_work`).
        if let Some(last) = work.chapters.last_mut() {
            last.end_notes = ajar_core::Html::default();
        }
        work.complete = None;
        work.expected_chapters = None;
        for format in ExportFormat::ALL {
            round_trip("unstated", &work, format);
            let text = String::from_utf8_lossy(&export(&work, format)).into_owned();
            assert!(!text.contains("Completed"), "{format:?} claims completion");
        }
    }
}

#[test]
fn block_quotes_lists_and_links_round_trip_in_html_epub_and_markdown() {
    for format in [ExportFormat::Html, ExportFormat::Epub, ExportFormat::Md] {
        round_trip("richer", &richer_work(), format);
    }
}

#[test]
fn the_seed_story_keeps_its_typography_as_text() {
    let (_, work) = &fixture_works()[0];
    let txt = export(work, ExportFormat::Txt);
    let original = String::from_utf8_lossy(common::FIXTURES[0].1);
    let exported = String::from_utf8(txt).unwrap();
    // Every paragraph of the original text is in the export, character for character.
    let body_start = original.find("The past twenty-four hours").unwrap();
    let first_paragraph = original[body_start..].split("\n\n").next().unwrap();
    let joined = first_paragraph
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(exported.contains(&joined), "{exported}");
}

#[test]
fn text_that_looks_like_markup_stays_text() {
    let mut work = rich_work();
    work.chapters[1].body = ajar_core::Html::from_plain_text(
        "*not emphasis* and __not strong__ and a_b_c\n\n# not a heading\n\n1. not a list\n\n- nor this\n\n> not a quote\n\n<Where are you?> & &amp; ![not](an image) [nor](a link) ~~nor struck~~ `nor code` \\ backslash\n\n===\n\n+ plus",
    );
    for format in ExportFormat::ALL {
        round_trip("markup-ish", &work, format);
    }
}
