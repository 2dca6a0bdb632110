//! The two story files in `tests/fixtures/stories` (copied from the project's shared fixtures), read field by field.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{Rating, Work};
use ajar_formats::read_story_file;

fn fixture(name: &str) -> Work {
    let path = format!(
        "{}/../../tests/fixtures/stories/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    read_story_file(name, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn names<T: AsRef<str>>(tags: &[T]) -> Vec<&str> {
    tags.iter().map(AsRef::as_ref).collect()
}

#[test]
fn all_thats_left_reads_as_the_founding_example() {
    let work = fixture("all-thats-left.txt");
    assert_eq!(work.title, "All That's Left");
    assert_eq!(
        work.summary.to_text(),
        "Jess's return to Stars Hollow leaves Rory confused, but not nearly as confused as his \
         surprising confession. Nag Hammadi re-write. One-Parter."
    );
    assert_eq!(
        work.spoilers.as_deref(),
        Some("If you haven't seen the season 4 episode 'Nag Hammadi...' this is spoilerish.")
    );
    let notes = work.notes.to_text();
    assert!(
        notes.starts_with("I wrote this right after the episode aired,"),
        "{notes}"
    );
    assert!(
        notes.ends_with("(Eek! First time writing in FP for me!)"),
        "{notes}"
    );
    assert!(work.end_notes.is_empty());

    assert_eq!(work.chapters.len(), 1);
    let chapter = &work.chapters[0];
    assert_eq!(chapter.position, 1);
    assert_eq!(chapter.title, None);
    let body = chapter.body.as_str();
    // 82 lines of text, each a paragraph: the one line break without a blank line after
    // it follows a long line, so it starts a paragraph of its own.
    assert_eq!(chapter.body.paragraph_count(), 82, "{body}");
    assert_eq!(body.matches("<br>").count(), 0);
    assert!(
        body.contains("as it was supposed to.</p>\n<p>As I make my way down the street"),
        "{body}"
    );
    assert!(
        body.starts_with("<p>The past twenty-four hours have gone by in a blur."),
        "{body}"
    );
    assert!(
        body.contains("“So… this is it?”") || body.contains("So… this is it?"),
        "{body}"
    );
    assert!(!body.contains("A/N") && !body.contains("Spoilers"));

    let words = work.words();
    assert_eq!(words, 2452);
    assert!((2400..=2500).contains(&words));

    assert_eq!(work.complete, Some(true));
    assert_eq!(work.expected_chapters, Some(1));
    assert_eq!(work.chapter_label(), "1/1");
    assert!(work.fandoms.is_empty());
    assert_eq!(work.rating, Rating::NotRated);
    assert!(work.warnings.is_empty() && work.categories.is_empty());
    assert!(work.relationships.is_empty() && work.characters.is_empty() && work.tags.is_empty());
    assert!(work.creators.is_empty());
    // The file names no language, and the archive does not guess one.
    assert_eq!(work.language, ajar_core::Language::not_stated());
    assert!(work.extra.is_empty(), "{:?}", work.extra);
    assert_eq!(work.validate(), Ok(()));
}

#[test]
fn the_long_way_round_reads_three_chapters_and_its_header() {
    let work = fixture("the-long-way-round.txt");
    assert_eq!(work.title, "The Long Way Round");
    assert_eq!(work.creators, ["paperlanterns"]);
    assert_eq!(names(&work.fandoms), ["Gilmore Girls"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(names(&work.relationships), ["Rory Gilmore/Jess Mariano"]);
    assert_eq!(
        names(&work.characters),
        ["Rory Gilmore", "Jess Mariano", "Luke Danes"]
    );
    assert_eq!(names(&work.tags), ["Post-Canon", "Road Trip", "Slow Burn"]);
    assert_eq!(
        work.summary.to_text(),
        "Two people, one borrowed car, and four hundred miles of things they never said."
    );
    assert_eq!(
        work.notes.to_text(),
        "Three chapters, all written. Thanks for reading!"
    );
    assert_eq!(work.end_notes.to_text(), "Comments make my day.");

    let titles: Vec<_> = work.chapters.iter().map(|c| c.title.as_deref()).collect();
    assert_eq!(
        titles,
        [Some("Departure"), Some("The Middle"), Some("Arrival")]
    );
    let positions: Vec<_> = work.chapters.iter().map(|c| c.position).collect();
    assert_eq!(positions, [1, 2, 3]);
    assert!(work.chapters[0]
        .body
        .as_str()
        .starts_with("<p>The car belonged to Luke,"));
    assert_eq!(work.chapters[0].body.paragraph_count(), 3);
    assert_eq!(work.chapters[1].body.paragraph_count(), 2);
    let last = work.chapters[2].body.as_str();
    assert_eq!(work.chapters[2].body.paragraph_count(), 3, "{last}");
    assert!(
        !last.contains("Comments make my day") && !last.contains("End Note"),
        "{last}"
    );
    for chapter in &work.chapters {
        assert!(
            !chapter.body.as_str().contains("Chapter"),
            "{}",
            chapter.body
        );
        assert!(chapter.notes.is_empty() && chapter.end_notes.is_empty());
    }

    // No `Status:` or `Chapters:` field (the note's prose is not read): not stated.
    assert_eq!(work.complete, None);
    assert_eq!(work.expected_chapters, None);
    assert_eq!(work.chapter_label(), "3/?");
    assert!(work.extra.is_empty(), "{:?}", work.extra);
    assert_eq!(work.validate(), Ok(()));
}
