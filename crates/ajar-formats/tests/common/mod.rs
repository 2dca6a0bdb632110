//! Works shared by the format tests: the fixtures and a rich work that uses every field.
#![allow(dead_code)] // each test file uses some of these
#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_core::{
    ArchiveWarning, Category, Chapter, ExtraField, Html, Language, Rating, SeriesMembership,
    TagName, Work,
};
use ajar_formats::{read_story_file, write_work, ExportContext, ExportFormat};
use chrono::{NaiveDate, TimeZone, Utc};

pub const FIXTURES: &[(&str, &[u8])] = &[
    (
        "all-thats-left.txt",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/stories/all-thats-left.txt"
        )),
    ),
    (
        "the-long-way-round.txt",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/stories/the-long-way-round.txt"
        )),
    ),
];

pub fn fixture_works() -> Vec<(String, Work)> {
    FIXTURES
        .iter()
        .map(|(name, bytes)| {
            let work = read_story_file(name, bytes).unwrap_or_else(|e| panic!("{e}"));
            (name.to_string(), work)
        })
        .collect()
}

fn tags(names: &[&str]) -> Vec<TagName> {
    names.iter().map(|n| TagName::parse(n).unwrap()).collect()
}

/// A work in what every format can say: paragraphs, line breaks, emphasis, typography.
pub fn rich_work() -> Work {
    let mut work = Work {
        title: "The Keeper’s “Light”… & Other Things".into(),
        creators: vec!["paperlanterns".into(), "Séverine".into()],
        summary: Html::sanitize("<p>She said “no”… twice.</p>\n<p>A second <em>paragraph</em> — with a dash.</p>"),
        notes: Html::sanitize("<p>Thanks to my beta, who is patient.</p>"),
        end_notes: Html::sanitize("<p>Comments make my day — really.</p>"),
        fandoms: tags(&["Gilmore Girls", "Doctor Who (2005)"]),
        rating: Rating::Mature,
        warnings: vec![ArchiveWarning::GraphicViolence, ArchiveWarning::MajorCharacterDeath],
        categories: vec![Category::FM, Category::Gen],
        relationships: tags(&["Rory Gilmore/Jess Mariano"]),
        characters: tags(&["Rory Gilmore", "Jess Mariano", "Luke Danes"]),
        tags: tags(&["Slow Burn", "Angst", "Road Trip"]),
        language: Language::parse("fr").unwrap(),
        spoilers: Some("Up to season 4 episode 'Nag Hammadi Is Where They Found the Gnostic Gospels'".into()),
        series: vec![SeriesMembership {
            title: "Stars Hollow Nights".into(),
            position: 2,
        }],
        chapters: vec![
            Chapter {
                title: Some("Departure".into()),
                summary: Html::sanitize("<p>In which they leave.</p>"),
                notes: Html::sanitize("<p>Chapter notes, with <em>feeling</em>.</p>"),
                end_notes: Html::sanitize("<p>See you next time…</p>"),
                body: Html::sanitize(
                    "<p>“Not even fries?” Rory asked. It’s late…</p>\n<p>He said <em>no</em> and <strong>meant</strong> it &amp; more.</p>\n<p>Line one<br>\nLine two</p>\n<p>&lt;Where are you?&gt; she texted.</p>",
                ),
                ..Chapter::default()
            },
            Chapter {
                title: None,
                body: Html::sanitize("<p>Somewhere past Hartford the radio gave up, and so they talked instead.</p>\n<p>It went better than either of them expected.</p>"),
                ..Chapter::default()
            },
            Chapter {
                title: Some("Arrival".into()),
                body: Html::sanitize("<p>The city came up over the hill all at once, bright and loud and indifferent.</p>\n<p>“We could keep driving,” he said.</p>"),
                ..Chapter::default()
            },
        ],
        expected_chapters: Some(3),
        complete: Some(true),
        published: NaiveDate::from_ymd_opt(2004, 2, 10),
        updated: NaiveDate::from_ymd_opt(2004, 3, 1),
        extra: vec![
            ExtraField {
                key: "Disclaimer".into(),
                value: "Not mine, never was.".into(),
            },
            ExtraField {
                key: "Beta".into(),
                value: "lorelai_g".into(),
            },
        ],
    };
    work.renumber_chapters();
    work.validate().unwrap();
    work
}

/// The rich work with what only the HTML-based formats can say: block quotes, lists,
/// links, rules, the last chapter's own end notes, a work in progress.
pub fn richer_work() -> Work {
    let mut work = rich_work();
    work.chapters[1].body = Html::sanitize(
        "<p>Somewhere past Hartford:</p>\n<blockquote><p>the radio <em>gave up</em></p></blockquote>\n<ul><li>fries</li><li>coffee</li></ul>\n<hr>\n<p>See <a href=\"https://example.org/a?b=1&amp;c=2\">the map</a>.</p>\n<ol><li>one</li><li>two</li></ol>",
    );
    work.chapters[2].end_notes = Html::sanitize("<p>The end of the chapter.</p>");
    work.complete = Some(false);
    work.expected_chapters = Some(5);
    work.updated = None;
    work.validate().unwrap();
    work
}

/// The work with every HTML field in the sanitizer's normal form, so that two works that
/// say the same thing in the same markup compare equal: `&#39;` and `'` are the same
/// character, and a line break between two block elements (`</li>\n<li>`) is not text.
/// Everything else counts: a curly quote and a straight one differ, as do `<em>` and `<i>`.
pub fn normalized(work: &Work) -> Work {
    let n =
        |h: &Html| Html::from_stored(between_blocks(Html::sanitize(h.as_str().trim()).as_str()));
    let mut w = work.clone();
    w.summary = n(&w.summary);
    w.notes = n(&w.notes);
    w.end_notes = n(&w.end_notes);
    for c in &mut w.chapters {
        c.summary = n(&c.summary);
        c.notes = n(&c.notes);
        c.end_notes = n(&c.end_notes);
        c.body = n(&c.body);
    }
    w
}

pub fn context() -> ExportContext {
    ExportContext {
        work_id: Some(42),
        archive_name: "ajar test archive".into(),
        archive_url: Some("https://fics.example".into()),
        modified: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    }
}

pub fn export(work: &Work, format: ExportFormat) -> Vec<u8> {
    write_work(work, format, &context()).unwrap()
}

const BLOCKS: &[&str] = &[
    "p",
    "blockquote",
    "ul",
    "ol",
    "li",
    "hr",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "dl",
    "dt",
    "dd",
    "pre",
    "br",
];

/// Drops white space between tags when one of them is a block element's.
fn between_blocks(html: &str) -> String {
    let tag_name = |tag: &str| {
        tag.trim_start_matches(['<', '/'])
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(end) = rest.find('>') {
        out.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
        let ws = rest.len() - rest.trim_start().len();
        if ws > 0 && rest[ws..].starts_with('<') {
            let prev_start = out.rfind('<').unwrap_or(0);
            let prev = tag_name(&out[prev_start..]);
            let next = tag_name(&rest[ws..]);
            if BLOCKS.contains(&prev.as_str()) || BLOCKS.contains(&next.as_str()) {
                rest = &rest[ws..];
            }
        }
    }
    out.push_str(rest);
    out
}
