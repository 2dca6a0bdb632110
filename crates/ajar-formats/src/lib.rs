//! Story files in and out: bytes in, [`Work`]s out.
//!
//! [`read_story_file`] is the one entry point the importer and the web upload use. It looks
//! at a file's name and first bytes to pick a reader; today that is the plain-text reader
//! ([`plain`]), the archive's seed format: a header of `Key: value` paragraphs, then the
//! text. Markdown with front matter, AO3 HTML downloads and EPUB will sit beside it as
//! sibling modules that share `decode` (bytes to text), `fields` (what each header key
//! means), `headings` (chapter headings) and `markup` (text to HTML).
//!
//! Readers are pure functions of their input: no I/O, and no input can make them panic.

mod decode;
mod error;
mod fields;
mod headings;
mod markup;
pub mod plain;

pub use error::{FormatError, FormatErrorKind};

use ajar_core::Work;

/// Files larger than this are refused before any decoding: no fan work needs 50 MiB of
/// text, and a cap keeps one upload from holding a worker's memory.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Reads one story file. `name` is used only in error messages (a path or file name) and
/// to recognise formats by extension.
pub fn read_story_file(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    check_size(name, bytes)?;
    match Format::detect(name, bytes) {
        Format::PlainText => plain::parse(name, bytes),
        Format::Html => Err(FormatError::new(
            name,
            None,
            FormatErrorKind::Unsupported("HTML"),
        )),
        Format::Epub => Err(FormatError::new(
            name,
            None,
            FormatErrorKind::Unsupported("EPUB"),
        )),
    }
}

/// The kinds of story file the archive knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Plain text, and for now also Markdown: its front matter reads as a header and its
    /// text as paragraphs.
    PlainText,
    Html,
    Epub,
}

impl Format {
    fn detect(name: &str, bytes: &[u8]) -> Format {
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        if bytes.starts_with(b"PK\x03\x04") && extension == "epub" {
            return Format::Epub;
        }
        if matches!(extension.as_str(), "html" | "htm" | "xhtml") || looks_like_html(bytes) {
            return Format::Html;
        }
        Format::PlainText
    }
}

/// An HTML document starts (after a BOM and blank space) with a doctype or `<html`.
fn looks_like_html(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = start.trim_ascii_start();
    let head = &start[..start.len().min(15)];
    let lower = head.to_ascii_lowercase();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

fn check_size(name: &str, bytes: &[u8]) -> Result<(), FormatError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FormatError::new(name, None, FormatErrorKind::TooLarge));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_name_and_content() {
        assert_eq!(Format::detect("a.txt", b"Title: x"), Format::PlainText);
        assert_eq!(Format::detect("a", b"Title: x"), Format::PlainText);
        assert_eq!(
            Format::detect("a.md", b"---\ntitle: x\n---"),
            Format::PlainText
        );
        assert_eq!(Format::detect("a.HTML", b"Title: x"), Format::Html);
        assert_eq!(
            Format::detect("a.txt", b"\xEF\xBB\xBF \n<!DOCTYPE html>"),
            Format::Html
        );
        assert_eq!(Format::detect("a.epub", b"PK\x03\x04\0\0"), Format::Epub);
        assert_eq!(
            Format::detect("a.zip", b"PK\x03\x04\0\0"),
            Format::PlainText
        );
    }

    #[test]
    fn unsupported_formats_say_so() {
        let Err(err) = read_story_file("w.epub", b"PK\x03\x04\0\0") else {
            panic!("an EPUB was read as text");
        };
        assert_eq!(err.kind, FormatErrorKind::Unsupported("EPUB"));
        assert!(
            err.to_string()
                .starts_with("w.epub: EPUB files cannot be read yet"),
            "{err}"
        );
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let kind = read_story_file("big.txt", &big).map_err(|e| e.kind);
        assert_eq!(kind.err(), Some(FormatErrorKind::TooLarge));
    }
}
