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

fn check_named(name: &str, bytes: &[u8]) {
    if let Ok(work) = read_story_file(name, bytes) {
        assert_eq!(work.validate(), Ok(()), "{work:?}");
        for (i, chapter) in work.chapters.iter().enumerate() {
            assert_eq!(chapter.position as usize, i + 1);
        }
    }
}

/// Markup that looks like AO3's download, Markdown and front matter, and some that almost does.
fn markup_ish_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div id=\"preface\">".to_owned()),
        Just("<dl class=\"tags\">".to_owned()),
        "<dt>(Rating|Fandom|Stats|Series|Language|Archive Warning|Category|Additional Tags|\\PC{0,8}):</dt><dd>\\PC{0,20}</dd>",
        Just("<div id=\"chapters\" class=\"userstuff\">".to_owned()),
        Just("<div class=\"meta group\"><h2 class=\"heading\">Chapter 2: x</h2>".to_owned()),
        Just("<div class=\"userstuff\">".to_owned()),
        Just("<div class=\"meta\" id=\"endnotes1\">".to_owned()),
        Just("<div id=\"afterword\">".to_owned()),
        "<p>(Summary|Notes|End Notes|Chapter Notes)</p><blockquote>\\PC{0,20}</blockquote>",
        "<h1>\\PC{0,20}</h1>",
        "<(p|em|b|h2|script|img onerror=x|a href=x|br|hr|table|td|blockquote)>",
        "</(p|em|b|h2|script|div|dl|blockquote)>",
        Just("---\n".to_owned()),
        Just("+++\n".to_owned()),
        "(title|author|tags|summary|extra|rating|chapters): \\PC{0,20}\n",
        "(## |> |\\* |- |1\\. )\\PC{0,20}\n",
        "\\PC{0,40}",
        Just("\n\n".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn html_and_markdown_never_panic(pieces in prop::collection::vec(markup_ish_piece(), 0..40)) {
        let text = pieces.concat();
        for name in ["prop.html", "prop.md", "prop.txt"] {
            check_named(name, text.as_bytes());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_any_reader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for name in ["prop.html", "prop.md", "prop.epub", "prop.zip"] {
            check_named(name, &bytes);
        }
        let _ = ajar_formats::read_zip("prop.zip", &bytes);
    }

    #[test]
    fn damaged_epubs_never_panic(cut in 0usize..4000, flip in 0usize..4000, byte in any::<u8>()) {
        let mut bytes = epub_sample().to_vec();
        if flip < bytes.len() {
            bytes[flip] = byte;
        }
        bytes.truncate(cut.max(30).min(bytes.len()));
        check_named("damaged.epub", &bytes);
        let _ = ajar_formats::read_zip("damaged.zip", &bytes);
    }
}

fn epub_sample() -> &'static [u8] {
    use std::sync::OnceLock;
    static SAMPLE: OnceLock<Vec<u8>> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let work = read_story_file(
            "s.txt",
            b"Title: Sample\n\nAuthor: x\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo.\n",
        )
        .unwrap();
        ajar_formats::write_work(
            &work,
            ajar_formats::ExportFormat::Epub,
            &ajar_formats::ExportContext::default(),
        )
        .unwrap()
    })
}
