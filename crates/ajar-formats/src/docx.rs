//! Word documents (`.docx`): most writers draft in Word, so a draft uploads as it is.
//!
//! The paragraphs of `word/document.xml` become a plain-text story file that the plain-text
//! reader ([`crate::plain`]) reads with all its rules (a `Title:` header, `Chapter 2`
//! headings, notes): a paragraph in the Title style is the title, and a paragraph in a
//! Heading style starts a chapter (`Chapter N: its text` when it is not a chapter heading
//! already; the first such heading before any text is the title when there is none).
//! Italic and bold runs are kept as `<em>` and `<strong>`, which the plain-text reader keeps
//! as formatting. Everything else in the document (comments, footnotes, deleted text,
//! images, the author's name in its properties) is left out.

use crate::archive::Zip;
use crate::headings::parse_heading;
use crate::FormatError;
use ajar_core::Work;
use quick_xml::events::{BytesStart, Event};

/// Reads a Word document; `untitled` as in `plain::parse_with`.
pub(crate) fn parse_with(name: &str, bytes: &[u8], untitled: bool) -> Result<Work, FormatError> {
    crate::check_size(name, bytes)?;
    let error = |kind| FormatError::new(name, None, kind);
    let mut zip = Zip::open(bytes, "Word document").map_err(error)?;
    let document = zip.read("word/document.xml").map_err(error)?;
    let text = story_text(&paragraphs(&document));
    crate::plain::parse_text(name, &text, untitled)
}

/// A paragraph of the document: its style, and its text with emphasis as inline tags.
#[derive(Debug, Default)]
struct Paragraph {
    style: String,
    text: String,
    /// The text without tags (headings, titles).
    plain: String,
}

/// How a run is set: italic, bold.
#[derive(Default, Clone, Copy)]
struct RunStyle {
    italic: bool,
    bold: bool,
}

/// Whether a toggle property (`<w:i/>`, `<w:b w:val="0"/>`) is on.
fn toggle_on(e: &BytesStart<'_>) -> bool {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"val")
        .is_none_or(|a| !matches!(a.value.as_ref(), b"0" | b"false" | b"off" | b"none"))
}

fn paragraphs(xml: &[u8]) -> Vec<Paragraph> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut paragraph: Option<Paragraph> = None;
    let mut run = RunStyle::default();
    let mut run_text = String::new();
    let mut in_text = false;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"p" => paragraph = Some(Paragraph::default()),
                b"r" => {
                    run = RunStyle::default();
                    run_text.clear();
                }
                b"i" => run.italic = toggle_on(&e),
                b"b" => run.bold = toggle_on(&e),
                b"t" => in_text = true,
                b"br" | b"cr" => run_text.push('\n'),
                b"tab" => run_text.push(' '),
                b"pStyle" => {
                    if let Some(p) = paragraph.as_mut() {
                        p.style = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == b"val")
                            .map(|a| String::from_utf8_lossy(&a.value).to_ascii_lowercase())
                            .unwrap_or_default();
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Ok(s) = t.decode() {
                    run_text.push_str(&s);
                }
            }
            Event::GeneralRef(r) if in_text => match (r.resolve_char_ref(), r.decode()) {
                (Ok(Some(c)), _) => run_text.push(c),
                (_, Ok(name)) => run_text.push_str(
                    quick_xml::escape::resolve_predefined_entity(&name).unwrap_or_default(),
                ),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"r" => {
                    if let Some(p) = paragraph.as_mut() {
                        push_run(p, run, &run_text);
                    }
                    run_text.clear();
                }
                b"p" => {
                    if let Some(p) = paragraph.take() {
                        if !p.plain.trim().is_empty() {
                            out.push(p);
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    out
}

fn push_run(p: &mut Paragraph, style: RunStyle, text: &str) {
    if text.is_empty() {
        return;
    }
    p.plain.push_str(text);
    let styled = !text.trim().is_empty();
    if styled && style.bold {
        p.text.push_str("<strong>");
    }
    if styled && style.italic {
        p.text.push_str("<em>");
    }
    p.text.push_str(text);
    if styled && style.italic {
        p.text.push_str("</em>");
    }
    if styled && style.bold {
        p.text.push_str("</strong>");
    }
}

/// The paragraphs as a plain-text story file (see the module documentation).
fn story_text(paragraphs: &[Paragraph]) -> String {
    let mut out: Vec<String> = Vec::with_capacity(paragraphs.len());
    let mut titled = false;
    let mut text_seen = false;
    let mut chapters = 0;
    for p in paragraphs {
        let plain = p.plain.split_whitespace().collect::<Vec<_>>().join(" ");
        if p.style == "title" && !titled && !text_seen {
            titled = true;
            out.push(format!("Title: {plain}"));
        } else if p.style.starts_with("heading") {
            if parse_heading(&plain).is_some() {
                chapters += 1;
                out.push(plain);
            } else if !titled && !text_seen {
                titled = true;
                out.push(format!("Title: {plain}"));
            } else {
                chapters += 1;
                out.push(format!("Chapter {chapters}: {plain}"));
            }
        } else {
            text_seen = true;
            out.push(p.text.trim().to_owned());
        }
    }
    out.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(style: &str, text: &str) -> Paragraph {
        Paragraph {
            style: style.into(),
            text: text.into(),
            plain: text.into(),
        }
    }

    #[test]
    fn headings_become_the_title_and_chapters() {
        let text = story_text(&[
            para("heading1", "The Long Way Round"),
            para("heading2", "Departure"),
            para("", "She left."),
            para("heading2", "Chapter 2: Arrival"),
            para("", "She came back."),
        ]);
        assert_eq!(
            text,
            "Title: The Long Way Round\n\nChapter 1: Departure\n\nShe left.\n\n\
             Chapter 2: Arrival\n\nShe came back."
        );
    }

    #[test]
    fn runs_keep_their_emphasis() {
        let xml = br#"<w:document xmlns:w="w"><w:body>
            <w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>A Title</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">She said </w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>no</w:t></w:r><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t> &amp; left.</w:t></w:r></w:p>
            </w:body></w:document>"#;
        let paragraphs = paragraphs(xml);
        assert_eq!(paragraphs.len(), 2);
        assert_eq!(paragraphs[0].style, "title");
        assert_eq!(paragraphs[1].text, "She said <em>no</em> & left.");
    }
}
