//! Real downloads, made by the tools that make them (see `tests/fixtures/ao3/README.md` and
//! `tests/fixtures/fanficfare/README.md`): AO3's EPUBs, which are its HTML downloads
//! converted by calibre, and FanFicFare's EPUBs. Each is read field by field, and through
//! ajar's own export and back.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{ArchiveWarning, Category, Rating, TagName, Work};
use ajar_formats::{read_story_file, ExportFormat};

fn read(folder: &str, name: &str) -> Work {
    let path = format!(
        "{}/../../tests/fixtures/{folder}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    read_story_file(name, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn names(tags: &[TagName]) -> Vec<&str> {
    tags.iter().map(TagName::as_str).collect()
}

fn series(work: &Work) -> Vec<(&str, u32)> {
    work.series
        .iter()
        .map(|s| (s.title.as_str(), s.position))
        .collect()
}

/// The AO3 download's preface and afterword are the work's metadata, not its text.
fn assert_no_boilerplate(work: &Work) {
    for chapter in &work.chapters {
        for html in [&chapter.body, &chapter.notes, &chapter.end_notes] {
            let text = html.to_text();
            for boilerplate in [
                "Posted originally",
                "Preface",
                "Afterword",
                "drop by the Archive",
                "See the end of",
                "Chapter Notes",
                "Chapter End Notes",
                "Summary",
            ] {
                assert!(!text.contains(boilerplate), "{boilerplate}: {text}");
            }
        }
    }
}

/// import(export(work)) gives the same work in every format that can say it all.
fn assert_round_trips(name: &str, work: &Work) {
    for format in [ExportFormat::Epub, ExportFormat::Html] {
        let bytes = common::export(work, format);
        let file = format!("{name}.{}", format.extension());
        let back = read_story_file(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            common::normalized(&back),
            common::normalized(work),
            "{file}"
        );
    }
}

const AO3: &[&str] = &[
    "nag-hammadi-nights",
    "neige",
    "the-long-winter",
    "neige-sans-fin",
];

#[test]
fn ao3_epubs_are_calibre_conversions_of_the_html_downloads() {
    // The fixtures are what AO3 serves: calibre's split files and EPUB 2 package.
    for name in AO3 {
        let path = format!(
            "{}/../../tests/fixtures/ao3/{name}.epub",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let files: Vec<String> = zip.file_names().map(str::to_owned).collect();
        assert!(
            files.iter().any(|f| f.ends_with("_split_001.xhtml")),
            "{files:?}"
        );
        let mut opf = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("content.opf").unwrap(), &mut opf).unwrap();
        assert!(opf.contains("version=\"2.0\""), "{opf}");
        assert!(opf.contains("<dc:subject>Fanworks</dc:subject>"), "{opf}");
    }
}

#[test]
fn ao3_epubs_read_exactly_as_their_html_downloads() {
    for name in AO3 {
        let from_epub = read("ao3", &format!("{name}.epub"));
        let from_html = read("ao3", &format!("{name}.html"));
        assert_eq!(
            common::normalized(&from_epub),
            common::normalized(&from_html),
            "{name}"
        );
        assert_no_boilerplate(&from_epub);
        assert!(from_epub.extra.is_empty(), "{name}: {:?}", from_epub.extra);
    }
}

#[test]
fn an_ao3_epub_of_a_finished_work_in_a_series_has_every_field() {
    let work = read("ao3", "nag-hammadi-nights.epub");
    assert_eq!(work.title, "Nag Hammadi Nights");
    assert_eq!(work.creators, ["paperlanterns", "lorelai_g"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.warnings, [ArchiveWarning::NoneApply]);
    assert_eq!(work.categories, [Category::FM, Category::Gen]);
    assert_eq!(names(&work.fandoms), ["Gilmore Girls"]);
    assert_eq!(names(&work.relationships), ["Rory Gilmore/Jess Mariano"]);
    assert_eq!(
        names(&work.characters),
        ["Rory Gilmore", "Jess Mariano", "Luke Danes"]
    );
    assert_eq!(
        names(&work.tags),
        ["Post-Canon", "Fluff", "Libraries & Librarians"]
    );
    assert_eq!(work.language.code(), "en");
    assert_eq!(series(&work), [("Stars Hollow Nights", 2)]);
    assert_eq!(work.published.unwrap().to_string(), "2004-02-10");
    assert_eq!(work.updated.unwrap().to_string(), "2004-03-01");
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.expected_chapters, Some(3));
    assert_eq!(
        work.summary.as_str(),
        "<p>Rory reads the <i>Gnostic Gospels</i>; Jess reads her.</p>\n<p>Three nights in the Stars Hollow library — after hours.</p>"
    );
    assert_eq!(
        work.notes.as_str(),
        "<p>For the prompt “books”. Thanks to <strong>my beta</strong>, who is patient.</p>"
    );
    assert!(
        work.end_notes
            .as_str()
            .starts_with("<p>Thank you for reading! Come say hi on <a href=\"https://example.org/paperlanterns\""),
        "{}",
        work.end_notes
    );

    let titles: Vec<_> = work.chapters.iter().map(|c| c.title.as_deref()).collect();
    assert_eq!(titles, [Some("The Library"), None, Some("Closing Time")]);
    let one = &work.chapters[0];
    assert_eq!(one.summary.as_str(), "<p>Quiet, mostly.</p>");
    assert_eq!(one.notes.as_str(), "<p>Short one, to start.</p>");
    assert_eq!(one.end_notes.as_str(), "<p>More soon — promise.</p>");
    assert!(one.body.as_str().starts_with(
        "<p>The library was closed, which had never stopped her before.</p>\n<p>“You’re late,” he said… and she was <em>not</em>, not by the clock on the wall — not by any clock.</p>"
    ), "{}", one.body);
    assert!(
        one.body
            .as_str()
            .contains("<i>Gnostic Gospels</i>.”<br>\nHe didn’t look up.<br>"),
        "{}",
        one.body
    );
    assert!(one.body.as_str().contains("<hr>"), "{}", one.body);
    assert!(!one.body.as_str().contains("class="), "{}", one.body);
    let two = &work.chapters[1];
    assert!(two.notes.is_empty() && two.summary.is_empty() && two.end_notes.is_empty());
    assert!(
        two.body.as_str().contains("<strong>early</strong>")
            && two.body.as_str().contains("<blockquote><p>“Whoever finds"),
        "{}",
        two.body
    );
    let three = &work.chapters[2];
    assert_eq!(
        three.notes.as_str(),
        "<p>The last one. Thank you for reading this far!</p>"
    );
    assert!(three.end_notes.is_empty());
    assert_eq!(
        three.body.to_text(),
        "At nine the lights went off one row at a time, and neither of them moved.\n\n“We could stay,” she said. ‘We could,’ he thought, and didn’t say."
    );
    assert_no_boilerplate(&work);
    assert_round_trips("nag-hammadi-nights", &work);
}

#[test]
fn an_ao3_epub_of_a_one_chapter_crossover_in_french() {
    let work = read("ao3", "neige.epub");
    assert_eq!(work.title, "Neige");
    assert_eq!(work.creators, ["Séverine"]);
    assert_eq!(work.rating, Rating::GeneralAudiences);
    assert_eq!(work.warnings, [ArchiveWarning::ChoseNotToUse]);
    assert!(work.categories.is_empty());
    assert_eq!(names(&work.fandoms), ["Gilmore Girls", "Doctor Who (2005)"]);
    assert!(work.relationships.is_empty());
    assert_eq!(
        names(&work.characters),
        ["Lorelai Gilmore", "The Doctor (Doctor Who)"]
    );
    assert_eq!(names(&work.tags), ["Crossover", "Snow"]);
    assert_eq!(work.language.code(), "fr");
    assert!(work.series.is_empty());
    assert_eq!(work.published.unwrap().to_string(), "2019-12-24");
    assert_eq!(work.updated, None);
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.chapters.len(), 1);
    assert_eq!(work.chapters[0].title, None);
    assert!(work.notes.is_empty() && work.end_notes.is_empty());
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>Lorelai sentait la neige avant de la voir — elle l’avait toujours sentie.</p>\n<p>« Vous êtes en retard », dit l’homme à la cabine bleue… Elle rit.</p>\n<p>« En retard pour <em>quoi</em> ? »</p>\n<p>Il n’avait pas de réponse, et c’était très bien ainsi.</p>"
    );
    assert_no_boilerplate(&work);
    assert_round_trips("neige", &work);
}

#[test]
fn a_long_one_shot_that_calibre_split_in_two_is_still_one_chapter() {
    let work = read("ao3", "neige-sans-fin.epub");
    assert_eq!(work.chapters.len(), 1);
    let body = &work.chapters[0].body;
    assert_eq!(body.paragraph_count(), 1500);
    let text = body.to_text();
    assert!(
        text.starts_with("Paragraph 1: the snow kept falling"),
        "{text:.100}"
    );
    assert!(text.contains("Paragraph 750: "));
    assert!(text.ends_with("he counted the flakes."), "{text:.100}");
    assert_eq!(work.complete, Some(true));
}

#[test]
fn an_ao3_epub_of_a_work_in_progress_in_two_series() {
    let work = read("ao3", "the-long-winter.epub");
    assert_eq!(work.creators, ["jmariano"]);
    assert_eq!(work.rating, Rating::Mature);
    assert_eq!(
        work.warnings,
        [
            ArchiveWarning::GraphicViolence,
            ArchiveWarning::MajorCharacterDeath
        ]
    );
    assert_eq!(work.categories, [Category::MM, Category::Multi]);
    assert_eq!(
        names(&work.relationships),
        ["Luke Danes & Jess Mariano", "Dean Forester/Tristan Dugray"]
    );
    assert_eq!(names(&work.tags), ["Angst", "Hurt/Comfort", "Slow Burn"]);
    assert_eq!(series(&work), [("Winter Stories", 1), ("Diner Days", 3)]);
    assert_eq!(work.complete, Some(false));
    assert_eq!(work.expected_chapters, Some(5));
    assert_eq!(work.chapter_label(), "2/5");
    assert_eq!(work.published.unwrap().to_string(), "2021-01-05");
    assert_eq!(work.updated.unwrap().to_string(), "2021-02-14");
    // Notes only at the end: the preface's "Notes" label has nothing of its own.
    assert!(work.notes.is_empty());
    assert_eq!(
        work.end_notes.as_str(),
        "<p>Updates every Sunday, give or take a blizzard.</p>"
    );
    let one = &work.chapters[0];
    assert_eq!(one.title.as_deref(), Some("First Snow"));
    assert!(one.notes.is_empty());
    assert_eq!(
        one.end_notes.as_str(),
        "<p>Content note for the next chapter: a hospital.</p>"
    );
    let two = &work.chapters[1];
    assert_eq!(two.title.as_deref(), Some("Second Snow"));
    assert_eq!(two.summary.as_str(), "<p>Things get worse.</p>");
    assert_no_boilerplate(&work);
    assert_round_trips("the-long-winter", &work);
}

/// What FanFicFare records about its own download, never the work's tags.
fn assert_no_bookkeeping_tags(work: &Work) {
    let all = [
        &work.fandoms,
        &work.relationships,
        &work.characters,
        &work.tags,
    ];
    for tag in all.iter().flat_map(|list| list.iter()) {
        let lower = tag.as_str().to_lowercase();
        assert!(
            !lower.starts_with("last update")
                && ![
                    "completed",
                    "in-progress",
                    "test1.com",
                    "fanfiction",
                    "crossover"
                ]
                .contains(&lower.as_str()),
            "{tag}"
        );
    }
}

fn extra<'a>(work: &'a Work, key: &str) -> Option<&'a str> {
    work.extra
        .iter()
        .find(|e| e.key == key)
        .map(|e| e.value.as_str())
}

fn chapter_titles(work: &Work) -> Vec<Option<&str>> {
    work.chapters.iter().map(|c| c.title.as_deref()).collect()
}

#[test]
fn a_fanficfare_epub_of_a_fanfiction_net_shaped_story() {
    let work = read("fanficfare", "long-way-round.epub");
    assert_eq!(work.title, "The Long Way Round");
    assert_eq!(work.creators, ["paperlanterns"]);
    assert_eq!(names(&work.fandoms), ["Gilmore Girls"]);
    assert_eq!(names(&work.relationships), ["Rory G./Jess M."]);
    assert_eq!(names(&work.characters), ["Jess M.", "Rory G."]);
    assert_eq!(names(&work.tags), ["Humor", "Romance"]);
    assert!(work.categories.is_empty() && work.warnings.is_empty());
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.language.code(), "en");
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.chapter_label(), "3/3");
    assert_eq!(work.published.unwrap().to_string(), "2010-05-01");
    assert_eq!(work.updated.unwrap().to_string(), "2010-06-01");
    assert_eq!(extra(&work, "Source"), Some("http://test1.com?sid=1001"));
    assert_eq!(
        work.summary.to_text(),
        "Two people, one borrowed car, and four hundred miles of things they never said."
    );
    assert_eq!(
        chapter_titles(&work),
        [
            Some("Departure"),
            Some("Somewhere Past Hartford"),
            Some("Arrival")
        ]
    );
    // The site's text, with its emphasis; FanFicFare's chapter heading is the title.
    let body = work.chapters[1].body.as_str();
    assert!(
        body.contains("<i>italics</i>, <b>bold</b>, ") && body.contains("<s>Strike through</s>"),
        "{body}"
    );
    assert!(!body.contains("fff_chapter_title"), "{body}");
    assert_no_bookkeeping_tags(&work);
    assert_round_trips("long-way-round", &work);
}

#[test]
fn a_fanficfare_epub_of_a_crossover_in_progress() {
    let work = read("fanficfare", "blue-box.epub");
    assert_eq!(work.title, "Blue Box, Small Town");
    assert_eq!(work.creators, ["Séverine", "lorelai_g"]);
    assert_eq!(names(&work.fandoms), ["Doctor Who (2005)", "Gilmore Girls"]);
    assert!(work.relationships.is_empty());
    assert_eq!(
        names(&work.characters),
        ["Lorelai Gilmore", "The Doctor (Doctor Who)"]
    );
    assert_eq!(names(&work.tags), ["Adventure", "Hurt/Comfort"]);
    assert_eq!(work.rating, Rating::Mature);
    assert_eq!(work.warnings, [ArchiveWarning::GraphicViolence]);
    assert_eq!(work.complete, Some(false));
    assert_eq!(work.chapter_label(), "3/?");
    assert_eq!(series(&work), [("Crossroads", 3)]);
    assert_eq!(work.published.unwrap().to_string(), "2019-12-24");
    assert_eq!(work.updated.unwrap().to_string(), "2020-01-15");
    assert_eq!(extra(&work, "Source"), Some("http://test1.com?sid=1002"));
    assert_eq!(
        work.summary.to_text(),
        "A blue box lands outside Luke's. Lorelai wants coffee first."
    );
    assert_eq!(
        chapter_titles(&work),
        [Some("Snow"), Some("Tea"), Some("Time")]
    );
    assert_no_bookkeeping_tags(&work);
    assert_round_trips("blue-box", &work);
}

#[test]
fn a_fanficfare_epub_3_of_an_ao3_shaped_story_with_a_title_page_table() {
    let work = read("fanficfare", "nag-hammadi-nights.epub");
    assert_eq!(work.title, "Nag Hammadi Nights");
    assert_eq!(names(&work.fandoms), ["Gilmore Girls"]);
    // FanFicFare lists AO3's categories among the genres.
    assert_eq!(work.categories, [Category::FM, Category::Gen]);
    assert_eq!(names(&work.tags), ["Fluff", "Post-Canon"]);
    assert_eq!(
        names(&work.relationships),
        ["Luke Danes & Jess Mariano", "Rory Gilmore/Jess Mariano"]
    );
    assert_eq!(
        names(&work.characters),
        ["Jess Mariano", "Luke Danes", "Rory Gilmore"]
    );
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.warnings, [ArchiveWarning::NoneApply]);
    assert_eq!(series(&work), [("Stars Hollow Nights", 2)]);
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.chapter_label(), "2/2");
    assert_eq!(work.published.unwrap().to_string(), "2004-02-10");
    assert_eq!(work.updated.unwrap().to_string(), "2004-03-01");
    assert_eq!(extra(&work, "Source"), Some("http://test1.com?sid=1003"));
    assert_eq!(
        chapter_titles(&work),
        [Some("The Library"), Some("Closing Time")]
    );
    assert_no_bookkeeping_tags(&work);
    assert_round_trips("nag-hammadi-nights-fff", &work);
}

#[test]
fn what_a_fanficfare_epub_does_not_say_stays_unknown() {
    let work = read("fanficfare", "untitled-drabble.epub");
    assert_eq!(names(&work.fandoms), ["Gilmore Girls"]);
    assert_eq!(work.rating, Rating::NotRated);
    // FanFicFare writes `en` into the package when the site names no language.
    assert_eq!(work.language, ajar_core::Language::not_stated());
    // "Chapters: 2" is what FanFicFare fetched, not a planned total.
    assert_eq!(work.expected_chapters, None);
    // Nor does it say whether the story is finished: completion is not stated.
    assert_eq!(work.complete, None);
    assert!(work.summary.is_empty());
    assert_no_bookkeeping_tags(&work);
    assert_round_trips("untitled-drabble", &work);
}

#[test]
fn without_a_title_page_fanficfare_subjects_are_tags_but_its_bookkeeping_is_not() {
    let path = format!(
        "{}/../../tests/fixtures/fanficfare/long-way-round.epub",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().to_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut data).unwrap();
        if name == "content.opf" {
            data = String::from_utf8(data)
                .unwrap()
                .replace("<itemref idref=\"title_page\" linear=\"yes\"/>", "")
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let work = read_story_file("no-title-page.epub", &bytes).unwrap();
    assert_eq!(work.title, "The Long Way Round");
    assert_eq!(
        names(&work.tags),
        [
            "Humor",
            "Romance",
            "Gilmore Girls",
            "Jess M.",
            "Rory G.",
            "Rory G./Jess M."
        ]
    );
    assert_eq!(
        work.complete,
        Some(true),
        "the subject \"Completed\" says so"
    );
    assert_eq!(work.language.code(), "en");
    assert_eq!(extra(&work, "Source"), Some("http://test1.com?sid=1001"));
    assert_no_bookkeeping_tags(&work);
}
