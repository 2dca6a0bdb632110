//! Story files in and out: bytes in, [`Work`]s out, and works out as files.
//!
//! [`read_story_file`] is the one entry point the importer and the web upload use. It looks
//! at a file's name and first bytes to pick a reader: plain text ([`plain`], the archive's
//! seed format and its reference), Markdown with a YAML or TOML front matter
//! ([`markdown`]), HTML (AO3's downloads and plain pages, [`html`]), EPUB ([`epub`]) and
//! Word documents (`docx`); other word processors' files and PDFs are refused with a
//! message that names the format and says what to save it as.
//! They share `decode` (bytes to text), `fields` (what each header key means), `headings`
//! (chapter headings), `markup` (text to HTML) and `dom` (parsed HTML). [`read_zip`] reads
//! every story file in a `.zip`.
//!
//! [`write_work`] writes a work as EPUB 3, HTML, plain text or Markdown; each file reads
//! back through [`read_story_file`] as the same work (see `export`).
//!
//! Readers and writers are pure functions of their input: no I/O, and no input can make a
//! reader panic.

mod archive;
pub mod canon_csv;
mod decode;
mod docx;
mod dom;
pub mod epub;
mod error;
mod export;
mod fields;
mod headings;
pub mod html;
pub mod markdown;
mod markup;
pub mod plain;
mod xhtml;

pub use archive::{
    is_story_file_name, read_zip, MAX_ENTRIES, MAX_UNPACKED_BYTES, STORY_EXTENSIONS,
};
pub use error::{FormatError, FormatErrorKind};
pub use export::{write_work, ExportContext, ExportError, ExportFormat};

use ajar_core::Work;

/// Files larger than this are refused before any decoding: no fan work needs 50 MiB of
/// text, and a cap keeps one upload from holding a worker's memory.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Reads one story file. `name` is used only in error messages (a path or file name) and
/// to recognise formats by extension.
pub fn read_story_file(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    read_with(name, bytes, false)
}

/// [`read_story_file`] for a form that asks for what a file lacks: a plain-text, Markdown
/// or Word file with no title is read with an empty title instead of being refused.
pub fn read_story_draft(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    read_with(name, bytes, true)
}

fn read_with(name: &str, bytes: &[u8], untitled: bool) -> Result<Work, FormatError> {
    check_size(name, bytes)?;
    let mut work = match Format::detect(name, bytes) {
        Format::PlainText => plain::parse_with(name, bytes, untitled),
        Format::Markdown => markdown::parse_with(name, bytes, untitled),
        Format::Docx => docx::parse_with(name, bytes, untitled),
        Format::Html => html::parse(name, bytes),
        Format::Epub => epub::parse(name, bytes),
        Format::Zip => Err(FormatError::new(name, None, FormatErrorKind::ZipOfWorks)),
        Format::Other(what) => Err(FormatError::new(
            name,
            None,
            FormatErrorKind::OtherFormat(what),
        )),
    }?;
    work.drop_xml_invalid_chars();
    Ok(work)
}

/// The kinds of story file the archive knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    PlainText,
    Markdown,
    Html,
    Epub,
    Docx,
    Zip,
    /// A document the archive cannot read, named for the message.
    Other(&'static str),
}

impl Format {
    fn detect(name: &str, bytes: &[u8]) -> Format {
        let extension = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        if bytes.starts_with(b"PK\x03\x04") {
            // An EPUB's first entry is its uncompressed `mimetype`; so is an ODF document's.
            let mimetype = bytes.get(30..38) == Some(b"mimetype");
            let epub_mimetype = bytes.get(30..58) == Some(b"mimetypeapplication/epub+zip");
            if extension == "epub" || epub_mimetype {
                return Format::Epub;
            }
            if extension == "zip" {
                return Format::Zip;
            }
            let head = &bytes[..bytes.len().min(64 * 1024)];
            if extension == "docx" || contains(head, b"word/document.xml") {
                return Format::Docx;
            }
            if extension == "odt" || (mimetype && contains(head, b"opendocument.text")) {
                return Format::Other("an OpenDocument text (.odt)");
            }
            // Any other zip is refused by the text reader as not text.
            return Format::PlainText;
        }
        if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") || extension == "doc" {
            return Format::Other("a Word 97-2003 document (.doc)");
        }
        if bytes.starts_with(b"%PDF-") || extension == "pdf" {
            return Format::Other("a PDF document (.pdf)");
        }
        if bytes.starts_with(b"{\\rtf") || extension == "rtf" {
            return Format::Other("a Rich Text document (.rtf)");
        }
        if matches!(extension.as_str(), "html" | "htm" | "xhtml") || looks_like_html(bytes) {
            return Format::Html;
        }
        if matches!(extension.as_str(), "md" | "markdown") || markdown::has_front_matter(bytes) {
            return Format::Markdown;
        }
        Format::PlainText
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An HTML document starts (after a BOM and blank space) with a doctype or `<html`.
fn looks_like_html(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = start.trim_ascii_start();
    let head = &start[..start.len().min(15)];
    let lower = head.to_ascii_lowercase();
    lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<?xml")
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
            Format::Markdown
        );
        assert_eq!(
            Format::detect("a.txt", b"+++\ntitle = 'x'\n+++"),
            Format::Markdown
        );
        assert_eq!(Format::detect("a.HTML", b"Title: x"), Format::Html);
        assert_eq!(
            Format::detect("a.txt", b"\xEF\xBB\xBF \n<!DOCTYPE html>"),
            Format::Html
        );
        assert_eq!(Format::detect("a.epub", b"PK\x03\x04\0\0"), Format::Epub);
        assert_eq!(Format::detect("a.zip", b"PK\x03\x04\0\0"), Format::Zip);
    }

    #[test]
    fn broken_epubs_say_so() {
        let Err(err) = read_story_file("w.epub", b"PK\x03\x04\0\0") else {
            panic!("a broken EPUB was read");
        };
        assert!(
            matches!(err.kind, FormatErrorKind::BadArchive("EPUB", _)),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("w.epub: the file is not a readable EPUB archive"),
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
