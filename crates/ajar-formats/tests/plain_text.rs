//! The plain-text reader on small files written for each rule.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{ArchiveWarning, Category, ExtraField, Rating, Work};
use ajar_formats::{read_story_file, FormatError, FormatErrorKind};
use chrono::NaiveDate;

fn read(text: &str) -> Work {
    read_story_file("test.txt", text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn refuse(name: &str, bytes: &[u8]) -> FormatError {
    match read_story_file(name, bytes) {
        Ok(work) => panic!("{name} was read: {work:?}"),
        Err(e) => e,
    }
}

fn names<T: AsRef<str>>(tags: &[T]) -> Vec<&str> {
    tags.iter().map(AsRef::as_ref).collect()
}

fn extra(work: &Work) -> Vec<(&str, &str)> {
    work.extra
        .iter()
        .map(|ExtraField { key, value }| (key.as_str(), value.as_str()))
        .collect()
}

fn bodies(work: &Work) -> Vec<String> {
    work.chapters.iter().map(|c| c.body.to_text()).collect()
}

#[test]
fn key_aliases_fill_the_same_fields() {
    let work = read(
        "TITLE :  \"Quoted Title\"\n\n\
         Pen name: Ana & Bo and Cy\n\n\
         Blurb: A summary.\n\n\
         Author's Note: Start note.\n\n\
         Spoiler warning: Season 2.\n\n\
         Fandoms: Gilmore Girls, Veronica Mars\n\n\
         Rated: M\n\n\
         Archive Warnings: Major Character Death, language, mild violence\n\n\
         Categories: F/M, Romance/Angst\n\n\
         Genre: Hurt/Comfort\n\n\
         Pairings: Rory/Jess; Lorelai/Luke\n\n\
         Character: Rory Gilmore\n\n\
         Freeform: Fluff\n\n\
         Language: Français\n\n\
         Word count: 12,345\n\n\
         Published: February 10, 2004\n\n\
         Updated: 2004-03-01\n\n\
         Disclaimer: Not mine.\n\n\
         Beta: Someone Kind\n\n\
         Endnotes: Thanks.\n\n\
         Body text.",
    );
    assert_eq!(work.title, "Quoted Title");
    assert_eq!(work.creators, ["Ana", "Bo", "Cy"]);
    assert_eq!(work.summary.to_text(), "A summary.");
    assert_eq!(work.notes.to_text(), "Start note.");
    assert_eq!(work.end_notes.to_text(), "Thanks.");
    assert_eq!(work.spoilers.as_deref(), Some("Season 2."));
    assert_eq!(names(&work.fandoms), ["Gilmore Girls", "Veronica Mars"]);
    assert_eq!(work.rating, Rating::Mature);
    assert_eq!(work.warnings, [ArchiveWarning::MajorCharacterDeath]);
    assert_eq!(work.categories, [Category::FM]);
    assert_eq!(names(&work.relationships), ["Rory/Jess", "Lorelai/Luke"]);
    assert_eq!(names(&work.characters), ["Rory Gilmore"]);
    assert_eq!(
        names(&work.tags),
        [
            "language",
            "mild violence",
            "Romance",
            "Angst",
            "Hurt/Comfort",
            "Fluff"
        ]
    );
    assert_eq!(work.language.code(), "fr");
    assert_eq!(work.published, NaiveDate::from_ymd_opt(2004, 2, 10));
    assert_eq!(work.updated, NaiveDate::from_ymd_opt(2004, 3, 1));
    assert_eq!(
        extra(&work),
        [("Disclaimer", "Not mine."), ("Beta", "Someone Kind")]
    );
    assert_eq!(bodies(&work), ["Body text."]);
}

#[test]
fn fields_on_consecutive_lines_and_values_over_several_lines() {
    let work = read(
        "Title: Compact\nAuthor: x\nRating: Gen\nFic Type: AU\n\n\
         Summary: First line\nsecond line of the summary.\n\n\
         Text.",
    );
    assert_eq!(work.title, "Compact");
    assert_eq!(work.creators, ["x"]);
    assert_eq!(work.rating, Rating::GeneralAudiences);
    assert_eq!(extra(&work), [("Fic Type", "AU")]);
    assert_eq!(
        work.summary.as_str(),
        "<p>First line<br>\nsecond line of the summary.</p>\n"
    );
}

#[test]
fn unknown_keys_ratings_and_dates_are_kept_not_dropped() {
    let work = read(
        "Title: T\n\nRating: spicy\n\nPosted: sometime in spring\n\nMood Music: loud\n\n\
         Soundtrack: Song\n\nText.",
    );
    assert_eq!(work.rating, Rating::NotRated);
    assert_eq!(
        extra(&work),
        [
            ("Rating", "spicy"),
            ("Posted", "sometime in spring"),
            ("Mood Music", "loud"),
            ("Soundtrack", "Song")
        ]
    );
}

#[test]
fn summary_on_the_paragraph_after_its_key() {
    let work = read("Title: T\n\nSummary:\n\nThe summary itself.\n\nThe text.");
    assert_eq!(work.summary.to_text(), "The summary itself.");
    assert_eq!(bodies(&work), ["The text."]);
}

#[test]
fn dialogue_after_the_first_body_paragraph_is_text() {
    let work = read("Title: T\n\nThe bridge was quiet.\n\nKirk: hello\n\nSummary: not a field now");
    assert_eq!(
        bodies(&work),
        ["The bridge was quiet.\n\nKirk: hello\n\nSummary: not a field now"]
    );
    assert!(work.extra.is_empty() && work.summary.is_empty());
}

#[test]
fn dialogue_right_after_the_header_is_text() {
    let work = read("Title: T\n\nKirk: Hello there, Spock.\n\nSpock: Captain.");
    assert_eq!(
        bodies(&work),
        ["Kirk: Hello there, Spock.\n\nSpock: Captain."]
    );
    assert!(work.extra.is_empty());

    // Short and unpunctuated, but no known field follows: text.
    let work = read("Title: T\n\nKirk: hello there\n\nThe bridge was quiet.");
    assert_eq!(
        bodies(&work),
        ["Kirk: hello there\n\nThe bridge was quiet."]
    );
    assert!(work.extra.is_empty());

    // Before a known field, the same line is a header field.
    let work = read("Title: T\n\nFic Type: AU\n\nSummary: S\n\nText.");
    assert_eq!(extra(&work), [("Fic Type", "AU")]);
    assert_eq!(bodies(&work), ["Text."]);

    // A script: the same speaker again is dialogue, even before a note.
    let work = read("Title: T\n\nKirk: hello\n\nSpock: hi\n\nKirk: bye\n\nA/N: Thanks!");
    assert_eq!(bodies(&work), ["Kirk: hello\n\nSpock: hi\n\nKirk: bye"]);
    assert_eq!(work.end_notes.to_text(), "Thanks!");

    // After a separator the header is over.
    let work = read("Title: T\n\n* * *\n\nKirk: hello\n\nSpock: hi");
    assert_eq!(bodies(&work), ["Kirk: hello\n\nSpock: hi"]);
}

#[test]
fn separators_after_the_header_are_dropped_but_scene_breaks_stay() {
    for sep in ["~~~", "***", "-----", "===", "* * *"] {
        let work = read(&format!(
            "Title: T\n\n{sep}\n\nOne.\n\n* * *\n\nTwo.\n\n{sep}\n"
        ));
        assert_eq!(
            work.chapters[0].body.as_str(),
            "<p>One.</p>\n<p>* * *</p>\n<p>Two.</p>\n",
            "{sep}"
        );
    }
}

#[test]
fn each_heading_form_starts_a_chapter() {
    for (heading, title) in [
        ("Chapter 2", None),
        ("Chapter Two", None),
        ("Chapter 2: The Title", Some("The Title")),
        ("Chapter Two - The Title", Some("The Title")),
        ("Chapter 2. The Title", Some("The Title")),
        ("CHAPTER II", None),
        ("Part 2", None),
        ("Part Two: The Title", Some("The Title")),
        ("Ch. 3", None),
        ("Chapter Twenty-One", None),
        ("Chapter 2\nThe Title", Some("The Title")),
        ("~ Chapter 2 ~\nThe Title", Some("The Title")),
        ("Epilogue", Some("Epilogue")),
    ] {
        let work = read(&format!(
            "Title: T\n\nFirst text.\n\n{heading}\n\nSecond text."
        ));
        assert_eq!(bodies(&work), ["First text.", "Second text."], "{heading}");
        assert_eq!(work.chapters[0].title, None, "{heading}");
        assert_eq!(work.chapters[1].title.as_deref(), title, "{heading}");
        assert_eq!(work.chapters[1].position, 2);
    }
}

#[test]
fn a_sentence_about_a_chapter_is_text() {
    let work = read(
        "Title: T\n\nFirst.\n\nChapter two of my life began that morning.\n\nPart of me knew.",
    );
    assert_eq!(work.chapters.len(), 1);
}

#[test]
fn text_before_chapter_one_is_front_matter() {
    let work = read("Title: T\n\nFor my sister.\n\nChapter 1\n\nOne.\n\nChapter 2\n\nTwo.");
    assert_eq!(work.notes.to_text(), "For my sister.");
    assert_eq!(bodies(&work), ["One.", "Two."]);

    let work = read("Title: T\n\nPrologue\n\nBefore.\n\nChapter One\n\nOne.");
    assert_eq!(bodies(&work), ["Before.", "One."]);
    assert_eq!(work.chapters[0].title.as_deref(), Some("Prologue"));
}

#[test]
fn consecutive_headings_make_one_chapter() {
    let work = read(
        "Title: T\n\nPart One\n\nChapter 1: Start\n\nOne.\n\nChapter 2\n\nTwo.\n\nChapter 3\n",
    );
    assert_eq!(bodies(&work), ["One.", "Two."]);
    assert_eq!(work.chapters[0].title.as_deref(), Some("Start"));
}

#[test]
fn notes_at_chapter_edges_belong_to_the_chapter() {
    let work = read(
        "Title: T\n\nChapter 1\n\nA/N: Before one.\n\nSummary: About one.\n\nOne.\n\n\
         End Note: After one.\n\nChapter 2\n\nTwo.\n\nA/N: After all.",
    );
    let one = &work.chapters[0];
    assert_eq!(one.notes.to_text(), "Before one.");
    assert_eq!(one.summary.to_text(), "About one.");
    assert_eq!(one.end_notes.to_text(), "After one.");
    assert_eq!(bodies(&work), ["One.", "Two."]);
    assert!(work.chapters[1].end_notes.is_empty());
    assert_eq!(work.end_notes.to_text(), "After all.");
}

#[test]
fn completion_comes_from_what_the_file_states() {
    let cases = [
        ("Status: Complete", "Text.", Some(true), Some(1)),
        (
            "Status: WIP\n\nSummary: a one-shot",
            "Text.",
            Some(false),
            None,
        ),
        ("Summary: A oneshot.", "Text.", Some(true), Some(1)),
        ("Summary: A drabble.", "Text.", Some(true), Some(1)),
        ("Tags: One Shot", "Text.", Some(true), Some(1)),
        (
            "Chapters: 2/2",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            Some(true),
            Some(2),
        ),
        (
            "Chapters: 2/5",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            Some(false),
            Some(5),
        ),
        (
            "Chapters: 2/?",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            Some(false),
            None,
        ),
        (
            "Status: Completed",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            Some(true),
            Some(2),
        ),
        (
            "Status: Complete\n\nChapters: 2/5",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            Some(true),
            Some(2),
        ),
        (
            "Summary: a one-shot collection",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            None,
            None,
        ),
        ("Summary: one shot at love", "Text.", None, None),
        // Saying nothing leaves it unknown, not "in progress".
        ("Summary: A story.", "Text.", None, None),
        (
            "Summary: A story.",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            None,
            None,
        ),
        ("Complete: yes", "Text.", Some(true), Some(1)),
        ("Complete: no", "Text.", Some(false), None),
        // ajar's exports write "Not stated" beside the count, so "2/?" reads back as unknown.
        (
            "Status: Not stated\n\nChapters: 2/?",
            "Chapter 1\n\nA.\n\nChapter 2\n\nB.",
            None,
            None,
        ),
    ];
    for (header, body, complete, expected) in cases {
        let work = read(&format!("Title: T\n\n{header}\n\n{body}"));
        assert_eq!(
            (work.complete, work.expected_chapters),
            (complete, expected),
            "{header}"
        );
    }
    // A stale count is kept as written rather than making the work invalid.
    let work = read("Title: T\n\nChapters: 1/1\n\nChapter 1\n\nA.\n\nChapter 2\n\nB.");
    assert_eq!((work.complete, work.expected_chapters), (None, None));
    assert_eq!(extra(&work), [("Chapters", "1/1")]);
}

#[test]
fn series_membership() {
    let work = read("Title: T\n\nSeries: Hollow Nights (Part 2)\n\nText.");
    assert_eq!(work.series[0].title, "Hollow Nights");
    assert_eq!(work.series[0].position, 2);
    let work = read("Title: T\n\nPart 3 of Hollow Nights\n\nText.");
    assert_eq!(
        (work.series[0].title.as_str(), work.series[0].position),
        ("Hollow Nights", 3)
    );
}

#[test]
fn a_first_line_can_be_the_title() {
    let work =
        read("The Long Way Round\nby paperlanterns\n\nRating: T\n\nThe car belonged to Luke.");
    assert_eq!(work.title, "The Long Way Round");
    assert_eq!(work.creators, ["paperlanterns"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(bodies(&work), ["The car belonged to Luke."]);

    let work = read("Star Trek: Lost Things\n\nThe bridge was quiet.");
    assert_eq!(work.title, "Star Trek: Lost Things");

    let work = read("===========\n  Lost Things\n===========\n\nThe bridge was quiet.");
    assert_eq!(work.title, "Lost Things");
    assert_eq!(bodies(&work), ["The bridge was quiet."]);

    // A Title field wins; the first line is kept.
    let work = read("Gilmore Girls Fanfiction\n\nTitle: Real\n\nText.");
    assert_eq!(work.title, "Real");
    assert_eq!(extra(&work), [("Heading", "Gilmore Girls Fanfiction")]);

    // An empty Title field does not hide the first line.
    let work = read("The First Line\n\nTitle:\n\nText.");
    assert_eq!(work.title, "The First Line");
}

#[test]
fn files_without_a_usable_title_are_refused() {
    for text in [
        "It was a dark and stormy night.\n\nThe rain fell.",
        "Just one paragraph of text",
        "Summary: no title here\n\nText.",
    ] {
        let e = refuse("stories/untitled.txt", text.as_bytes());
        assert_eq!(e.kind, FormatErrorKind::NoTitle, "{text}");
        assert!(e.to_string().starts_with("stories/untitled.txt: "), "{e}");
    }
    let e = refuse("x.txt", b"Author: a\n\nTitle:   \n\nText.");
    assert_eq!(e.kind, FormatErrorKind::NoTitle);
    assert_eq!(e.line, Some(3));
    assert!(
        e.to_string()
            .starts_with("x.txt: line 3: the header has no usable title"),
        "{e}"
    );
}

#[test]
fn empty_header_only_and_binary_files_are_refused() {
    let cases: [(&[u8], FormatErrorKind); 6] = [
        (b"", FormatErrorKind::Empty),
        (b" \r\n\t\n\xC2\xA0\n", FormatErrorKind::Empty),
        (
            b"Title: Only a header\n\nSummary: nothing else",
            FormatErrorKind::NoText,
        ),
        (b"Title: T\n\nChapter 1\n\n* * *\n", FormatErrorKind::NoText),
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06",
            FormatErrorKind::NotText,
        ),
        (b"PK\x03\x04\x14\0\x08\0\x08\0", FormatErrorKind::NotText),
    ];
    for (bytes, kind) in cases {
        let e = refuse("stories/bad.txt", bytes);
        assert_eq!(e.kind, kind, "{bytes:?}");
        assert!(e.to_string().starts_with("stories/bad.txt: "), "{e}");
    }
    assert_eq!(
        refuse("pic.png", b"\x89PNG\r\n\x1a\n\0\0").to_string(),
        "pic.png: the file is not text (it looks binary)"
    );
}

#[test]
fn line_endings_and_byte_order_marks() {
    let expected = read("Title: T\n\nSummary: S\n\nOne\nline two.\n\nTwo.");
    for bytes in [
        b"Title: T\r\n\r\nSummary: S\r\n\r\nOne\r\nline two.\r\n\r\nTwo.\r\n".to_vec(),
        b"Title: T\r\rSummary: S\r\rOne\rline two.\r\rTwo.".to_vec(),
        b"\xEF\xBB\xBFTitle: T\n\nSummary: S\n\nOne\nline two.\n\nTwo.".to_vec(),
        b"Title: T  \n \t\n\tSummary: S\n\n\xC2\xA0One\nline two.\n\nTwo.".to_vec(),
    ] {
        let work = read_story_file("t.txt", &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(work, expected, "{bytes:?}");
    }
}

#[test]
fn utf16_files_with_a_byte_order_mark() {
    let text = "Title: “Été”\r\n\r\nText… here.";
    for little_endian in [true, false] {
        let mut bytes = if little_endian {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        let work = read_story_file("w.txt", &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(work.title, "Été");
        assert_eq!(bodies(&work), ["Text… here."]);
    }
}

#[test]
fn windows_1252_files_decode_their_typography() {
    let bytes = b"Title: Caf\xE9\r\n\r\n\x93So\x85 this is it?\x94 \x96 she asked.";
    let work = read_story_file("old.txt", bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(work.title, "Café");
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>“So… this is it?” – she asked.</p>\n"
    );
}

#[test]
fn text_is_escaped_and_simple_inline_tags_are_kept() {
    let work = read("Title: T\n\nShe typed <Where are you?> & waited.\n\nIt was <i>so</i> loud.");
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>She typed &lt;Where are you?&gt; &amp; waited.</p>\n<p>It was <i>so</i> loud.</p>\n"
    );
}

#[test]
fn hostile_html_never_survives() {
    let work = read(
        "Title: <script>alert(1)</script>\n\n\
         Summary: <img src=x onerror=alert(1)> <b>bold</b>\n\n\
         <script>alert(1)</script>\n\n<i>ok</i><a href=\"javascript:alert(1)\">x</a>",
    );
    let html = format!("{}{}", work.summary, work.chapters[0].body);
    assert!(
        !html.contains("<script") && !html.contains("<img") && !html.contains("<a "),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;") && html.contains("<i>ok</i>"),
        "{html}"
    );
    // The title is plain text, kept as written; templates escape it.
    assert_eq!(work.title, "<script>alert(1)</script>");
}

#[test]
fn invalid_works_name_the_line() {
    let long_title = "x".repeat(300);
    let e = refuse(
        "long.txt",
        format!("Author: a\n\nTitle: {long_title}\n\nText.").as_bytes(),
    );
    assert!(matches!(e.kind, FormatErrorKind::Invalid(_)), "{e}");
    assert_eq!(e.line, Some(3));
    assert!(
        e.to_string()
            .starts_with("long.txt: line 3: the work is not valid: the title"),
        "{e}"
    );
}

#[test]
fn many_tags_and_chapters_read_in_linear_time() {
    let tags: Vec<String> = (0..20_000).map(|i| format!("Tag {i}")).collect();
    let chapters = |text: &mut String| {
        for i in 1..=3_000 {
            text.push_str(&format!(
                "Chapter {i}\n\nText of chapter {i}.\n\nKirk: hello.\n\n"
            ));
        }
    };
    // A work has at most 75 tags (Work::MAX_TAGS): 20,000 are read, then refused, quickly.
    let mut text = format!("Title: Big\n\nTags: {}, tag 1\n\n", tags.join(", "));
    chapters(&mut text);
    let start = std::time::Instant::now();
    let refused = refuse("big.txt", text.as_bytes());
    assert!(refused.to_string().contains("20000"), "{refused}");
    // Generous even for a debug build on a slow machine; quadratic work would take minutes.
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());

    let mut text = format!("Title: Big\n\nTags: {}, tag 1\n\n", tags[..75].join(", "));
    chapters(&mut text);
    let start = std::time::Instant::now();
    let work = read(&text);
    assert_eq!(work.tags.len(), 75);
    assert_eq!(work.chapters.len(), 3_000);
    assert_eq!(work.chapters[2_999].position, 3_000);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}

// ---------------------------------------------------------------------------------------
// What a writer uploads to the posting form

macro_rules! upload {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/uploads/",
            $name
        ))
    };
}

#[test]
fn a_file_without_a_title_is_read_for_a_form_that_asks_for_one() {
    let bytes = upload!("untitled.txt");
    // The importer needs a title...
    assert_eq!(refuse("untitled.txt", bytes).kind, FormatErrorKind::NoTitle);
    // ...the posting form asks for it, with the rest filled in.
    let work = ajar_formats::read_story_draft("untitled.txt", bytes).unwrap();
    assert_eq!(work.title, "");
    assert_eq!(names(&work.fandoms), ["Star Trek: The Original Series"]);
    assert_eq!(work.rating, Rating::GeneralAudiences);
    assert!(bodies(&work)[0].starts_with("The bridge was quiet for once."));
    // A file with a title reads the same either way.
    let titled = b"Title: Named\n\nSome text here.\n";
    assert_eq!(
        ajar_formats::read_story_draft("t.txt", titled)
            .unwrap()
            .title,
        "Named"
    );
}

#[test]
fn markdown_chapter_headings_split_chapters_at_any_level() {
    let work = read_story_file("chapters.md", upload!("chapters.md")).unwrap();
    assert_eq!(work.title, "Two Harbours");
    let titles: Vec<_> = work.chapters.iter().map(|c| c.title.as_deref()).collect();
    assert_eq!(titles, [Some("Leaving"), Some("Arriving")]);
    assert!(work.chapters[0].body.as_str().contains("<em>early</em>"));
    assert!(work.chapters[1]
        .body
        .as_str()
        .contains("<strong>late</strong>"));
    // Without front matter, `# Title` is the title without its marks.
    let work =
        read("# Harbour Lights\n\n# Chapter 1: Out\n\nText one.\n\n## Chapter 2\n\nText two.\n");
    assert_eq!(work.title, "Harbour Lights");
    assert_eq!(work.chapters.len(), 2);
}

#[test]
fn word_documents_are_read_with_their_chapters_and_emphasis() {
    let work = read_story_file("lighthouse.docx", upload!("lighthouse.docx")).unwrap();
    assert_eq!(work.title, "The Lighthouse Keeper");
    let titles: Vec<_> = work.chapters.iter().map(|c| c.title.as_deref()).collect();
    assert_eq!(titles, [Some("Arrival"), Some("The Storm")]);
    let first = work.chapters[0].body.as_str();
    assert!(first.contains("and <em>nobody</em> was waiting"), "{first}");
    assert!(
        first.contains("<strong>one hundred and twelve</strong>"),
        "{first}"
    );
    assert!(first.contains("&amp; counted"), "{first}");
}

#[test]
fn other_documents_are_named_with_what_to_do() {
    let e = refuse("notes.pdf", upload!("notes.pdf"));
    assert_eq!(
        e.to_string(),
        "notes.pdf: this is a PDF document (.pdf), which the archive cannot read; save it as \
         .docx, .txt, .html or .md and use that file instead"
    );
    for (name, bytes, what) in [
        (
            "old.doc",
            &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"[..],
            ".doc",
        ),
        ("x.rtf", b"{\\rtf1\\ansi Hello}", ".rtf"),
        ("x.odt", b"PK\x03\x04\0\0", ".odt"),
    ] {
        let e = refuse(name, bytes);
        assert!(e.to_string().contains(what), "{e}");
        assert!(e.to_string().contains("save it as"), "{e}");
    }
}
