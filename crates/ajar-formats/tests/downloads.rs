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

const AO3: &[&str] = &["nag-hammadi-nights", "neige", "the-long-winter"];

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
    assert!(work.complete);
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
    assert!(work.complete);
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
    assert!(!work.complete);
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
