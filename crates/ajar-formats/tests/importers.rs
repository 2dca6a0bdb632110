//! Reading the formats other tools write: AO3's HTML download, FanFicFare's EPUB, plain
//! HTML pages, Markdown with YAML or TOML front matter, zips of story files.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{ArchiveWarning, Category, Rating};
use ajar_formats::{read_story_file, read_zip, ExportFormat, FormatErrorKind};
use std::io::Write;
use zip::write::SimpleFileOptions;

/// A work as AO3's "Download > HTML" writes it (app/views/downloads/show.html.erb and its
/// partials): preface, chapters with their meta groups, afterword.
const AO3_HTML: &str = r##"<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Nag Hammadi Nights - paperlanterns - Gilmore Girls [Archive of Our Own]</title>
<style type="text/css">body { font-family: serif; }</style>
</head>
<body>
<div id="preface">
  <h2 class="toc-heading">Preface</h2>
  <p class="message">
    <b>Nag Hammadi Nights</b><br/>
    Posted originally on the <a href="https://archiveofourown.org/">Archive of Our Own</a> at <a href="https://archiveofourown.org/works/123">https://archiveofourown.org/works/123</a>.
  </p>
  <div class="meta">
    <dl class="tags">
          <dt>Rating:</dt>
          <dd><a href="https://archiveofourown.org/tags/Teen%20And%20Up%20Audiences">Teen And Up Audiences</a></dd>
          <dt>Archive Warning:</dt>
          <dd><a href="https://archiveofourown.org/tags/No%20Archive%20Warnings%20Apply">No Archive Warnings Apply</a></dd>
          <dt>Categories:</dt>
          <dd><a href="x">F/M</a>, <a href="x">Gen</a></dd>
          <dt>Fandom:</dt>
          <dd><a href="x">Gilmore Girls</a></dd>
          <dt>Relationship:</dt>
          <dd><a href="x">Rory Gilmore/Jess Mariano</a></dd>
          <dt>Characters:</dt>
          <dd><a href="x">Rory Gilmore</a>, <a href="x">Jess Mariano</a></dd>
          <dt>Additional Tags:</dt>
          <dd><a href="x">Post-Canon</a>, <a href="x">Fluff</a></dd>
        <dt>Language:</dt>
        <dd>English</dd>
        <dt>Series:</dt>
        <dd>Part 2 of
<a href="https://archiveofourown.org/series/9">Stars Hollow Nights</a></dd>
      <dt>Stats:</dt>
      <dd>
        Published: 2004-02-10
          Completed: 2004-03-01
        Words: 1,234
        Chapters: 2/2
      </dd>
    </dl>
    <h1>Nag Hammadi Nights</h1>
    <div class="byline">by <a rel="author" href="https://archiveofourown.org/users/paperlanterns/pseuds/paperlanterns">paperlanterns</a></div>
      <p>Summary</p>
      <blockquote class="userstuff"><p>Rory reads the <i>Gnostic Gospels</i>; Jess reads her.</p></blockquote>
      <p>Notes</p>
        <blockquote class="userstuff"><p>For the prompt “books”.</p></blockquote>
        <div class="endnote-link">
          See the end of the work for more <a href="#endnotes">notes</a>
        </div>
  </div>
</div>
<div id="chapters" class="userstuff">
<div class="meta group">
  <h2 class="heading">Chapter 1: The Library</h2>
    <p>Chapter Summary</p>
    <blockquote class="userstuff"><p>Quiet.</p></blockquote>
    <p>Chapter Notes</p>
      <blockquote class="userstuff"><p>Short one.</p></blockquote>
</div>
<!--chapter content-->
<div class="userstuff">
  <p>The library was closed, which had never stopped her before.</p>
<p>“You’re late,” he said… <script>alert(1)</script><img src="x" onerror="alert(2)"></p>
</div>
<!--/chapter content-->
  <div class="meta" id="endnotes1">
    <p>Chapter End Notes</p>
    <blockquote class="userstuff"><p>More soon.</p></blockquote>
  </div>
<div class="meta group">
  <h2 class="heading">Chapter 2</h2>
</div>
<!--chapter content-->
<div class="userstuff">
  <p>She was not, in fact, late.</p>
</div>
<!--/chapter content-->
</div>
<div id="afterword">
  <h2 class="toc-heading">Afterword</h2>
    <div class="meta">
        <div id="endnotes">
          <p>End Notes</p>
          <blockquote class="userstuff"><p>Thank you for reading!</p></blockquote>
        </div>
    </div>
  <p class="message">Please <a href="https://archiveofourown.org/works/123/comments/new">drop by the Archive and comment</a> to let the creator know if you enjoyed their work!</p>
</div>
</body>
</html>
"##;

#[test]
fn an_ao3_html_download_is_read_whole() {
    let work = read_story_file("nag-hammadi.html", AO3_HTML.as_bytes()).unwrap();
    assert_eq!(work.title, "Nag Hammadi Nights");
    assert_eq!(work.creators, vec!["paperlanterns"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.warnings, vec![ArchiveWarning::NoneApply]);
    assert_eq!(work.categories, vec![Category::FM, Category::Gen]);
    let names =
        |t: &[ajar_core::TagName]| t.iter().map(|t| t.as_str().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&work.fandoms), vec!["Gilmore Girls"]);
    assert_eq!(
        names(&work.relationships),
        vec!["Rory Gilmore/Jess Mariano"]
    );
    assert_eq!(
        names(&work.characters),
        vec!["Rory Gilmore", "Jess Mariano"]
    );
    assert_eq!(names(&work.tags), vec!["Post-Canon", "Fluff"]);
    assert_eq!(work.language.code(), "en");
    assert_eq!(work.series.len(), 1);
    assert_eq!(work.series[0].title, "Stars Hollow Nights");
    assert_eq!(work.series[0].position, 2);
    assert_eq!(work.published.unwrap().to_string(), "2004-02-10");
    assert_eq!(work.updated.unwrap().to_string(), "2004-03-01");
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.expected_chapters, Some(2));
    assert_eq!(
        work.summary.as_str(),
        "<p>Rory reads the <i>Gnostic Gospels</i>; Jess reads her.</p>"
    );
    assert_eq!(work.notes.as_str(), "<p>For the prompt “books”.</p>");
    assert_eq!(work.end_notes.as_str(), "<p>Thank you for reading!</p>");
    assert_eq!(work.chapters.len(), 2);
    let one = &work.chapters[0];
    assert_eq!(one.title.as_deref(), Some("The Library"));
    assert_eq!(one.summary.as_str(), "<p>Quiet.</p>");
    assert_eq!(one.notes.as_str(), "<p>Short one.</p>");
    assert_eq!(one.end_notes.as_str(), "<p>More soon.</p>");
    assert!(
        one.body.as_str().contains("“You’re late,” he said…"),
        "{}",
        one.body
    );
    assert!(!one.body.as_str().contains("script"), "{}", one.body);
    assert!(!one.body.as_str().contains("onerror"), "{}", one.body);
    assert_eq!(work.chapters[1].title, None);
    assert_eq!(
        work.chapters[1].body.to_text(),
        "She was not, in fact, late."
    );
    assert!(work.extra.is_empty(), "{:?}", work.extra);
}

#[test]
fn a_one_chapter_ao3_download_has_no_chapter_heading() {
    let start = AO3_HTML.find("<div id=\"chapters\"").unwrap();
    let end = AO3_HTML.find("<div id=\"afterword\"").unwrap();
    let html = format!(
        "{}<div id=\"chapters\" class=\"userstuff\">\n<div class=\"userstuff\"><p>Just the one.</p></div>\n</div>\n{}",
        &AO3_HTML[..start],
        &AO3_HTML[end..]
    )
    .replace("Chapters: 2/2", "Chapters: 1/1");
    let work = read_story_file("one.htm", html.as_bytes()).unwrap();
    assert_eq!(work.chapters.len(), 1);
    assert_eq!(work.chapters[0].body.as_str(), "<p>Just the one.</p>");
    assert_eq!(work.complete, Some(true));
}

fn epub(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in entries {
        zip.start_file(*name, stored).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const CONTAINER: &str = r#"<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#;

/// FanFicFare's layout: OEBPS/content.opf (EPUB 2, calibre series), a title page with
/// `<b>Label:</b> value<br />` lines, a table of contents page, one file per chapter.
fn fanficfare_epub(chapter_href: &str) -> Vec<u8> {
    let opf = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<package version="2.0" xmlns="http://www.idpf.org/2007/opf" unique-identifier="fanficdownloader-uuid">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
<dc:identifier id="fanficdownloader-uuid">BookID-Epub-1234</dc:identifier>
<dc:title>The Long Way Round</dc:title>
<dc:creator opf:role="aut">paperlanterns</dc:creator>
<dc:contributor opf:role="bkp">FanFicFare [https://github.com/JimmXinu/FanFicFare]</dc:contributor>
<dc:language>en</dc:language>
<dc:date opf:event="publication">2010-05-01</dc:date>
<dc:description>&lt;p&gt;Two people, one borrowed car.&lt;/p&gt;</dc:description>
<dc:subject>Gilmore Girls</dc:subject>
<dc:subject>Completed</dc:subject>
<meta name="calibre:series" content="Road Trips &amp; Other Disasters"/>
<meta name="calibre:series_index" content="3.0"/>
</metadata>
<manifest>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
<item id="title_page" href="OEBPS/title_page.xhtml" media-type="application/xhtml+xml"/>
<item id="toc_page" href="OEBPS/toc_page.xhtml" media-type="application/xhtml+xml"/>
<item id="file0001" href="{chapter_href}" media-type="application/xhtml+xml"/>
<item id="file0002" href="OEBPS/file0002.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine toc="ncx">
<itemref idref="title_page" linear="yes"/>
<itemref idref="toc_page" linear="yes"/>
<itemref idref="file0001" linear="yes"/>
<itemref idref="file0002" linear="yes"/>
</spine>
</package>"#
    );
    let title_page = r#"<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>The Long Way Round by paperlanterns</title></head>
<body>
<h3><a href="https://www.fanfiction.net/s/1">The Long Way Round</a> by <a class="authorlink" href="https://www.fanfiction.net/u/2">paperlanterns</a></h3>
<div>
<b>Status:</b> Completed<br />
<b>Published:</b> 2010-05-01<br />
<b>Updated:</b> 2010-06-01<br />
<b>Packaged:</b> 2026-01-01 10:00:00<br />
<b>Rating:</b> T<br />
<b>Chapters:</b> 2<br />
<b>Words:</b> 1,234<br />
<b>Fandom:</b> Gilmore Girls<br />
<b>Genre:</b> Romance/Humor<br />
<b>Characters:</b> Rory G., Jess M.<br />
<b>Summary:</b> Two people, one borrowed car, and four hundred miles of things they never said.<br />
</div>
</body></html>"#;
    let toc = r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Table of Contents</title></head><body><div><h3>Table of Contents</h3><a href="file0001.xhtml">Departure</a><br /></div></body></html>"#;
    let ch1 = r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Departure</title></head><body>
<h3>Departure</h3>
<div><p>The car belonged to Luke, which meant it was clean.</p><p>“Not even fries?” Rory asked.</p></div>
</body></html>"#;
    let ch2 = r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Arrival</title></head><body>
<h3>Arrival</h3>
<div><p>The city came up over the hill all at once.</p></div>
</body></html>"#;
    epub(&[
        ("mimetype", "application/epub+zip"),
        (
            "META-INF/container.xml",
            CONTAINER
                .replace("OEBPS/content.opf", "content.opf")
                .as_str(),
        ),
        ("content.opf", &opf),
        ("OEBPS/title_page.xhtml", title_page),
        ("OEBPS/toc_page.xhtml", toc),
        ("OEBPS/file0001.xhtml", ch1),
        ("OEBPS/file0002.xhtml", ch2),
    ])
}

#[test]
fn a_fanficfare_epub_is_read_from_its_title_page_and_chapters() {
    let work = read_story_file("long-way.epub", &fanficfare_epub("OEBPS/file0001.xhtml")).unwrap();
    assert_eq!(work.title, "The Long Way Round");
    assert_eq!(work.creators, vec!["paperlanterns"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.fandoms[0].as_str(), "Gilmore Girls");
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.published.unwrap().to_string(), "2010-05-01");
    assert_eq!(work.updated.unwrap().to_string(), "2010-06-01");
    assert_eq!(work.series[0].title, "Road Trips & Other Disasters");
    assert_eq!(work.series[0].position, 3);
    assert_eq!(
        work.summary.to_text(),
        "Two people, one borrowed car, and four hundred miles of things they never said."
    );
    assert_eq!(work.chapters.len(), 2);
    assert_eq!(work.chapters[0].title.as_deref(), Some("Departure"));
    assert!(work.chapters[0]
        .body
        .as_str()
        .contains("“Not even fries?” Rory asked."));
    assert_eq!(work.chapters[1].title.as_deref(), Some("Arrival"));
    // The packaging date is FanFicFare's, not the work's: kept, not lost.
    assert!(
        work.extra.iter().any(|e| e.key == "Packaged"),
        "{:?}",
        work.extra
    );
}

#[test]
fn epubs_that_point_outside_themselves_or_miss_files_are_refused() {
    let err = read_story_file("evil.epub", &fanficfare_epub("../../etc/passwd")).unwrap_err();
    assert!(matches!(err.kind, FormatErrorKind::UnsafePath(_)), "{err}");
    let err = read_story_file("gone.epub", &fanficfare_epub("OEBPS/missing.xhtml")).unwrap_err();
    assert!(
        matches!(err.kind, FormatErrorKind::MissingEntry(_)),
        "{err}"
    );
    assert!(err.to_string().contains("OEBPS/missing.xhtml"), "{err}");
    let no_container = epub(&[("mimetype", "application/epub+zip")]);
    let err = read_story_file("empty.epub", &no_container).unwrap_err();
    assert!(
        matches!(err.kind, FormatErrorKind::MissingEntry(_)),
        "{err}"
    );
}

#[test]
fn an_ao3_epub_split_over_files_is_read_like_its_html() {
    // AO3's EPUBs are its HTML download split into files by calibre.
    let split = AO3_HTML.find("<div id=\"chapters\"").unwrap();
    let head = "<?xml version='1.0' encoding='utf-8'?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>x</title></head><body>";
    let part1 = format!(
        "{head}{}</body></html>",
        &AO3_HTML[AO3_HTML.find("<div id=\"preface\"").unwrap()..split]
    );
    let part2 = format!("{head}{}", &AO3_HTML[split..]);
    let opf = r#"<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x</dc:identifier><dc:title>Nag Hammadi Nights</dc:title><dc:language>en</dc:language></metadata>
<manifest><item id="a" href="Nag_Hammadi_split_000.xhtml" media-type="application/xhtml+xml"/><item id="b" href="Nag_Hammadi_split_001.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="a"/><itemref idref="b"/></spine></package>"#;
    let bytes = epub(&[
        ("mimetype", "application/epub+zip"),
        ("META-INF/container.xml", CONTAINER),
        ("OEBPS/content.opf", opf),
        ("OEBPS/Nag_Hammadi_split_000.xhtml", &part1),
        ("OEBPS/Nag_Hammadi_split_001.xhtml", &part2),
    ]);
    let from_epub = read_story_file("nag.epub", &bytes).unwrap();
    let from_html = read_story_file("nag.html", AO3_HTML.as_bytes()).unwrap();
    assert_eq!(
        common::normalized(&from_epub),
        common::normalized(&from_html)
    );
}

#[test]
fn a_plain_html_page_is_one_sanitized_work() {
    let page = r#"<html lang="de"><head><title>Ein Sommer</title><meta name="author" content="Anna Weber"><script>steal()</script></head>
<body onload="steal()"><h1>Ein Sommer</h1><p>Es war <em>heiß</em>… „sehr“ heiß.</p><p style="color:red" onclick="x()">Zweiter Absatz.</p><iframe src="https://evil.example"></iframe></body></html>"#;
    let work = read_story_file("sommer.html", page.as_bytes()).unwrap();
    assert_eq!(work.title, "Ein Sommer");
    assert_eq!(work.creators, vec!["Anna Weber"]);
    assert_eq!(work.language.code(), "de");
    assert_eq!(work.chapters.len(), 1);
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>Es war <em>heiß</em>… „sehr“ heiß.</p><p>Zweiter Absatz.</p>"
    );
}

#[test]
fn plain_html_chapters_split_at_chapter_headings() {
    let page = "<!DOCTYPE html><title>Two Parts</title><h2>Chapter 1: Start</h2><p>One.</p><h2>Chapter 2: End</h2><p>Two.</p>";
    let work = read_story_file("two.htm", page.as_bytes()).unwrap();
    assert_eq!(work.chapters.len(), 2);
    assert_eq!(work.chapters[1].title.as_deref(), Some("End"));
    assert_eq!(work.chapters[1].body.as_str(), "<p>Two.</p>");
}

#[test]
fn markdown_with_yaml_front_matter() {
    let md = "---\ntitle: Lanterns\nauthor: paperlanterns\nfandom: [Gilmore Girls]\nrating: T\nwarnings: No Archive Warnings Apply\ntags:\n  - Fluff\n  - Snow\nstatus: complete\nsummary: |\n  A *short* one.\nbeta: lorelai_g\n---\n\nIt snowed, and she *smiled* — “finally”.\n\nThe end…\n";
    let work = read_story_file("lanterns.md", md.as_bytes()).unwrap();
    assert_eq!(work.title, "Lanterns");
    assert_eq!(work.creators, vec!["paperlanterns"]);
    assert_eq!(work.rating, Rating::TeenAndUp);
    assert_eq!(work.tags.len(), 2);
    assert_eq!(work.complete, Some(true));
    assert_eq!(work.summary.as_str(), "<p>A <em>short</em> one.</p>\n");
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>It snowed, and she <em>smiled</em> — “finally”.</p>\n<p>The end…</p>"
    );
    assert_eq!(work.extra[0].key, "beta");
}

#[test]
fn markdown_with_toml_front_matter() {
    let md = "+++\ntitle = \"Lanterns\"\nauthors = [\"a\", \"b\"]\npublished = 2020-01-02\nchapters = \"2/3\"\n+++\n\n## Chapter 1\n\nOne.\n\n## Chapter 2: Two\n\nTwo.\n";
    let work = read_story_file("lanterns.markdown", md.as_bytes()).unwrap();
    assert_eq!(work.creators, vec!["a", "b"]);
    assert_eq!(work.published.unwrap().to_string(), "2020-01-02");
    assert_eq!(work.chapters.len(), 2);
    assert_eq!(work.chapters[1].title.as_deref(), Some("Two"));
    assert_eq!(work.expected_chapters, Some(3));
    assert_eq!(work.complete, Some(false));
}

#[test]
fn front_matter_says_complete_as_a_yes_or_no_or_not_at_all() {
    let read = |front: &str| {
        let md = format!("---\ntitle: Lanterns\n{front}---\n\nIt snowed.\n");
        read_story_file("lanterns.md", md.as_bytes())
            .unwrap()
            .complete
    };
    assert_eq!(read("complete: true\n"), Some(true));
    assert_eq!(read("complete: false\n"), Some(false));
    assert_eq!(read(""), None, "nothing said, nothing assumed");
    let toml = "+++\ntitle = \"Lanterns\"\ncomplete = true\n+++\n\nIt snowed.\n";
    let work = read_story_file("lanterns.md", toml.as_bytes()).unwrap();
    assert_eq!(work.complete, Some(true));
}

#[test]
fn bad_front_matter_names_the_file_and_the_problem() {
    let err = read_story_file("bad.md", b"---\ntitle: [unclosed\n---\n\ntext\n").unwrap_err();
    assert!(matches!(err.kind, FormatErrorKind::FrontMatter(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("bad.md: line 2: the front matter"),
        "{err}"
    );
}

#[test]
fn a_zip_of_mixed_formats_is_read_entry_by_entry() {
    let work = common::rich_work();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    for format in ExportFormat::ALL {
        zip.start_file(format!("stories/rich.{}", format.extension()), opts)
            .unwrap();
        zip.write_all(&common::export(&work, format)).unwrap();
    }
    zip.start_file("stories/notes.pdf", opts).unwrap();
    zip.write_all(b"%PDF").unwrap();
    zip.start_file("__MACOSX/stories/._rich.txt", opts).unwrap();
    zip.write_all(b"junk").unwrap();
    zip.start_file("../evil.txt", opts).unwrap();
    zip.write_all(b"Title: Evil\n\nText.").unwrap();
    zip.start_file("broken.txt", opts).unwrap();
    zip.write_all(b"").unwrap();
    let bytes = zip.finish().unwrap().into_inner();

    let results = read_zip("batch.zip", &bytes).unwrap();
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "batch.zip/stories/rich.epub",
            "batch.zip/stories/rich.html",
            "batch.zip/stories/rich.txt",
            "batch.zip/stories/rich.md",
            "batch.zip/../evil.txt",
            "batch.zip/broken.txt",
        ]
    );
    for (name, result) in &results[..4] {
        let read = result.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
        // Plain text keeps no markup (emphasis is written `_x_`): that entry is the work as
        // its TXT export reads alone.
        let want = if name.ends_with(".txt") {
            let txt = common::export(&work, ExportFormat::Txt);
            ajar_formats::read_story_file("rich.txt", &txt).unwrap()
        } else {
            work.clone()
        };
        assert_eq!(
            common::normalized(read),
            common::normalized(&want),
            "{name}"
        );
    }
    assert!(matches!(
        results[4].1.as_ref().unwrap_err().kind,
        FormatErrorKind::UnsafePath(_)
    ));
    assert_eq!(
        results[5].1.as_ref().unwrap_err().kind,
        FormatErrorKind::Empty
    );
}

#[test]
fn a_by_line_under_the_title_of_a_plain_page_names_the_creator() {
    let page = "<!DOCTYPE html><html><head><title>Snow Day</title></head><body>\n<h1>Snow Day</h1>\n<p>by <a href=\"https://example.org/~lane\">Lane Kim</a> &amp; Zach</p>\n<p>It snowed.</p></body></html>";
    let work = read_story_file("snow.html", page.as_bytes()).unwrap();
    assert_eq!(work.creators, vec!["Lane Kim", "Zach"]);
    assert_eq!(work.chapters[0].body.as_str(), "<p>It snowed.</p>");

    // Without a heading the line comes first; a sentence starting with "By" is text.
    let page = "<html><head><title>Snow Day</title></head><body><p>By Lane Kim</p><p>By noon it had snowed a foot.</p></body></html>";
    let work = read_story_file("snow.html", page.as_bytes()).unwrap();
    assert_eq!(work.creators, vec!["Lane Kim"]);
    let page = "<html><head><title>Snow Day</title></head><body><p>By noon it had snowed a foot.</p></body></html>";
    let work = read_story_file("snow.html", page.as_bytes()).unwrap();
    assert!(work.creators.is_empty(), "{:?}", work.creators);
    assert_eq!(
        work.chapters[0].body.as_str(),
        "<p>By noon it had snowed a foot.</p>"
    );
}
