//! No input makes the reader panic, and whatever it accepts is a valid work.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_formats::read_story_file;
use proptest::prelude::*;

/// Lines that look like the parts of a story file, and some that almost do.
fn header_ish_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        2 => "(Title|TITLE|Summary|A/N|End Note|Rating|Warnings|Category|Chapters|Status|Series|Author|Published|Kirk|Tags|Language) ?: ?\\PC{0,24}",
        1 => "[A-Za-z/'’ ]{1,14}: \\PC{0,30}",
        2 => "[#~*]{0,2} ?(Chapter|CHAPTER|Part|Ch\\.|Prologue|Epilogue) ?([0-9]{1,4}|one|Two|twenty-one|XIV|iv|Mix)?([:.\\-—] \\PC{0,12})?( of [0-9])?",
        1 => "(\\* \\* \\*|~~~|-----|===|\\*\\*\\*|\\.\\.\\.)",
        1 => "(Part [0-9] of \\PC{0,10}|by \\PC{0,10}|Chapters: [0-9?]/[0-9?]|Status: (Complete|WIP))",
        1 => "<(i|/i|b|br ?/?|script|em)>\\PC{0,10}",
        4 => "[ \t\u{a0}]{0,3}\\PC{0,60}",
        1 => ".{0,20}",
        1 => any::<String>().prop_map(|s| s.chars().take(30).collect()),
    ]
}

fn story_ish() -> impl Strategy<Value = (String, &'static str)> {
    (
        prop_oneof![Just(String::new()), "Title: \\PC{0,20}\n", "\\PC{1,20}\n"],
        prop::collection::vec(header_ish_line(), 0..40),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    )
        .prop_map(|(title, lines, newline)| (title + &lines.join(newline), newline))
}

fn check(bytes: &[u8]) {
    if let Ok(work) = read_story_file("prop.txt", bytes) {
        assert_eq!(work.validate(), Ok(()), "{work:?}");
        assert!(!work.title.trim().is_empty());
        for (i, chapter) in work.chapters.iter().enumerate() {
            assert_eq!(chapter.position as usize, i + 1);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes);
    }

    #[test]
    fn header_ish_text_never_panics((text, _) in story_ish()) {
        check(text.as_bytes());
        // The same text as UTF-16 and with a BOM.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        check(&utf16);
        check(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
    }
}

#[test]
fn some_header_ish_text_parses() {
    // Guards the generator: it must reach the reader's happy path too.
    let text = "Title: x\n\nKirk: hi\n\nChapter 2: y\n\nText.";
    assert!(read_story_file("t.txt", text.as_bytes()).is_ok());
}
