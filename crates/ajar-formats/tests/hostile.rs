//! Hostile files: a clear error or a sanitized work, never a panic or an unbounded read.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_formats::{read_story_file, read_zip, FormatErrorKind, MAX_FILE_BYTES};
use std::io::Write;
use zip::write::SimpleFileOptions;

#[test]
fn a_broken_zip_is_a_clear_error() {
    let err = read_zip("broken.zip", b"PK\x03\x04 this is not really a zip").unwrap_err();
    assert!(
        matches!(err.kind, FormatErrorKind::BadArchive("zip", _)),
        "{err}"
    );
    assert!(err
        .to_string()
        .starts_with("broken.zip: the file is not a readable zip archive"));
    let err = read_story_file("broken.zip", b"PK\x03\x04").unwrap_err();
    assert_eq!(err.kind, FormatErrorKind::ZipOfWorks);
}

#[test]
fn a_zip_bomb_stops_at_the_cap() {
    // 60 MiB of zeros deflates to ~60 KiB; the entry is refused as too large once more
    // than the per-file cap has come out of the decompressor.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("bomb.txt", opts).unwrap();
    let zeros = vec![b'a'; 1024 * 1024];
    for _ in 0..(MAX_FILE_BYTES / zeros.len() + 10) {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024);
    let results = read_zip("bomb.zip", &bytes).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].1.as_ref().unwrap_err().kind,
        FormatErrorKind::TooLarge
    );
}

#[test]
fn scripts_in_html_are_removed_and_titles_stay_text() {
    let page = r#"<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body><p onmouseover="x()">Hi<script>alert(2)</script><img src=x onerror=alert(3)><a href="javascript:alert(4)">link</a><style>body{}</style></p><svg onload=alert(5)></svg></body></html>"#;
    let work = read_story_file("x.html", page.as_bytes()).unwrap();
    assert_eq!(work.title, "<script>alert(1)</script>");
    let body = work.chapters[0].body.as_str();
    for bad in [
        "script",
        "onerror",
        "onmouseover",
        "javascript",
        "<img",
        "<style",
        "<svg",
        "onload",
    ] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
    // The title is text: the HTML writer escapes it (plain text and Markdown front matter
    // hold it as the text it is).
    let html = common::export(&work, ajar_formats::ExportFormat::Html);
    let html = String::from_utf8(html).unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
}

#[test]
fn huge_files_are_refused_before_reading() {
    let big = vec![b' '; MAX_FILE_BYTES + 1];
    for name in ["a.html", "a.md", "a.epub", "a.txt"] {
        assert_eq!(
            read_story_file(name, &big).unwrap_err().kind,
            FormatErrorKind::TooLarge
        );
    }
}

#[test]
fn an_epub_with_a_traversing_container_path_is_refused() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    zip.start_file("mimetype", opts).unwrap();
    zip.write_all(b"application/epub+zip").unwrap();
    zip.start_file("META-INF/container.xml", opts).unwrap();
    zip.write_all(br#"<container><rootfiles><rootfile full-path="../../content.opf"/></rootfiles></container>"#).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let err = read_story_file("t.epub", &bytes).unwrap_err();
    assert!(matches!(err.kind, FormatErrorKind::UnsafePath(_)), "{err}");
}

#[test]
fn chapter_titles_stay_text_in_the_markdown_download() {
    // A Markdown viewer that shows raw HTML would run a heading's `<script>` (issue 10).
    let mut work = common::rich_work();
    let title = "<script>alert(1)</script> & <img src=x onerror=alert(2)>";
    work.chapters[0].title = Some(title.into());
    let md = String::from_utf8(common::export(&work, ajar_formats::ExportFormat::Md)).unwrap();
    let raw_html: Vec<String> = pulldown_cmark::Parser::new(&md)
        .filter_map(|event| match event {
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                Some(h.to_string())
            }
            _ => None,
        })
        .collect();
    assert!(raw_html.is_empty(), "raw HTML {raw_html:?} in:\n{md}");
    // And it reads back as the title it was.
    let back = read_story_file("back.md", md.as_bytes()).unwrap();
    assert_eq!(back.chapters[0].title.as_deref(), Some(title));
}

#[test]
fn the_markdown_download_rechecks_links_like_the_other_downloads() {
    // The sanitizer keeps `java\u{7f}script:` (it looks relative); the EPUB and HTML writers
    // drop it, as they drop any link whose scheme, read without control characters, is not
    // http, https or mailto. Raw HTML in the Markdown download must not keep it either.
    let mut work = common::rich_work();
    work.chapters[0].body = ajar_core::Html::sanitize(
        "<p><a href=\"java\u{7f}script:alert(1)\">DEL</a> <a href=\"java\u{85}script:alert(2)\" \
         title=\"t\">NEL</a> <q cite=\"javascript:alert(3)\">q</q></p>",
    );
    let md = String::from_utf8(common::export(&work, ajar_formats::ExportFormat::Md)).unwrap();
    let raw_html: String = pulldown_cmark::Parser::new(&md)
        .filter_map(|event| match event {
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                Some(h.to_string())
            }
            _ => None,
        })
        .collect();
    for bad in ["script:", "cite="] {
        assert!(!raw_html.contains(bad), "{bad} in {raw_html:?}");
    }
    assert!(md.contains("DEL") && md.contains("NEL"), "{md}");
}
