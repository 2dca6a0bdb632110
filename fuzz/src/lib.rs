//! What the fuzz targets check, shared: a work that came in from a stranger is exported to
//! HTML and EPUB, and every document of the export must be well-formed XML with no
//! executable URL, no event-handler attribute and no scripting element, whether it is read
//! as XML (an EPUB reader) or as HTML5 (a browser opening the download).
//!
//! A violation panics with the document, so libFuzzer records the input as a crash.

use ajar_core::Work;
use ajar_formats::{write_work, ExportContext, ExportFormat};
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use std::io::{Cursor, Read, Write};

/// URL schemes that run code (or carry a document of their own) when a link is followed.
const EXECUTABLE_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];

/// Attributes whose value a browser or reader treats as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "background",
    "poster",
    "longdesc",
    "usemap",
    "data",
    "codebase",
    "srcset",
    "ping",
    "manifest",
    "xlink:href",
];

/// Elements no export may contain.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "object", "embed", "applet", "base", "form", "svg", "math", "img",
];

/// Whether a URL runs code: its scheme after dropping what browsers (or a tool on the way)
/// drop or ignore: control characters, whitespace, the non-characters XML cannot hold.
pub fn is_executable_url(value: &str) -> bool {
    let cleaned: String = value
        .chars()
        .filter(|&c| {
            !(c.is_control() || c.is_ascii_whitespace() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    EXECUTABLE_SCHEMES.iter().any(|s| cleaned.starts_with(s))
}

fn check_attribute(doc: &str, element: &str, name: &str, value: &str) {
    let lower = name.to_ascii_lowercase();
    let local = lower.rsplit(':').next().unwrap_or(&lower);
    assert!(
        !local.starts_with("on"),
        "event-handler attribute {name}={value:?} on <{element}> in {doc}"
    );
    if URL_ATTRIBUTES.contains(&lower.as_str()) || URL_ATTRIBUTES.contains(&local) {
        assert!(
            !is_executable_url(value),
            "executable URL {name}={value:?} on <{element}> in {doc}"
        );
    }
}

fn check_element(doc: &str, element: &str) {
    let lower = element.to_ascii_lowercase();
    assert!(
        !FORBIDDEN_ELEMENTS.contains(&lower.as_str()),
        "<{element}> in {doc}"
    );
}

/// Parses `text` as XML 1.0 (strictly: characters, names, entities, nesting) and checks
/// every element and attribute.
pub fn check_xml(name: &str, text: &str) {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = match roxmltree::Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        Err(e) => panic!("{name} is not well-formed XML: {e}\n{text}"),
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        let element = node.tag_name().name();
        check_element(name, element);
        for attribute in node.attributes() {
            let attr_name = match attribute.namespace() {
                Some("http://www.w3.org/1999/xlink") => format!("xlink:{}", attribute.name()),
                _ => attribute.name().to_owned(),
            };
            check_attribute(name, element, &attr_name, attribute.value());
        }
    }
}

/// Parses `bytes` as a browser parses an HTML page and checks every element and attribute.
pub fn check_html(name: &str, bytes: &[u8]) {
    let dom = html5ever::parse_document(RcDom::default(), Default::default())
        .from_utf8()
        .one(bytes);
    let mut stack: Vec<Handle> = vec![dom.document];
    while let Some(node) = stack.pop() {
        if let NodeData::Element {
            name: qual, attrs, ..
        } = &node.data
        {
            let element: &str = &qual.local;
            check_element(name, element);
            for attr in attrs.borrow().iter() {
                let attr_name = match attr.name.prefix.as_ref() {
                    Some(prefix) => format!("{}:{}", &**prefix, &*attr.name.local),
                    None => attr.name.local.to_string(),
                };
                check_attribute(name, element, &attr_name, &attr.value);
            }
        }
        stack.extend(node.children.borrow().iter().cloned());
    }
}

/// How much of the export a target checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The HTML download, as XML: fast enough to run on every work an importer accepts.
    Quick,
    /// Every format; the HTML download as XML and as HTML5; every XML file in the EPUB.
    Full,
}

/// Exports `work` and checks the documents (see the module's documentation).
pub fn check_export(work: &Work, depth: Depth) {
    let ctx = ExportContext::default();
    let html = match write_work(work, ExportFormat::Html, &ctx) {
        Ok(html) => html,
        Err(e) => panic!("the HTML export failed: {e}"),
    };
    let text = match std::str::from_utf8(&html) {
        Ok(text) => text,
        Err(e) => panic!("the HTML export is not UTF-8: {e}"),
    };
    check_xml("the HTML download", text);
    if depth == Depth::Quick {
        return;
    }
    check_html("the HTML download", &html);
    for format in [ExportFormat::Txt, ExportFormat::Md] {
        if let Err(e) = write_work(work, format, &ctx) {
            panic!("the {format} export failed: {e}");
        }
    }
    let epub = match write_work(work, ExportFormat::Epub, &ctx) {
        Ok(epub) => epub,
        Err(e) => panic!("the EPUB export failed: {e}"),
    };
    let mut zip = match zip::ZipArchive::new(Cursor::new(epub.as_slice())) {
        Ok(zip) => zip,
        Err(e) => panic!("the EPUB is not a readable zip: {e}"),
    };
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(entry) => entry,
            Err(e) => panic!("EPUB entry {i}: {e}"),
        };
        let name = entry.name().to_owned();
        let mut text = String::new();
        if let Err(e) = entry.read_to_string(&mut text) {
            panic!("EPUB entry {name}: {e}");
        }
        if [".xhtml", ".opf", ".xml", ".ncx"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            check_xml(&format!("the EPUB's {name}"), &text);
        }
    }
}

/// Builds a zip of stored (uncompressed) entries from `data` read as
/// `NAME\0CONTENT\0NAME\0CONTENT...`, so that the fuzzer mutates the files inside an EPUB or
/// a zip of stories rather than their checksums. With `epub`, a `mimetype` entry comes first.
pub fn zip_of(data: &[u8], epub: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if epub {
        let _ = zip.start_file("mimetype", stored);
        let _ = zip.write_all(b"application/epub+zip");
    }
    let mut parts = data.split(|&b| b == 0);
    while let Some(name) = parts.next() {
        let content = parts.next().unwrap_or_default();
        let name = String::from_utf8_lossy(name);
        if zip.start_file(name.as_ref(), stored).is_err() {
            continue;
        }
        let _ = zip.write_all(content);
    }
    match zip.finish() {
        Ok(cursor) => cursor.into_inner(),
        Err(_) => Vec::new(),
    }
}
