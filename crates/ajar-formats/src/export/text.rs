//! The plain-text export: the archive's seed story format, written so that the plain-text
//! reader reads it back as the same work.
//!
//! Header fields come one to a paragraph in the reader's own keys, prose fields (summary,
//! notes, end notes) one paragraph per `Summary:` / `A/N:` / `End Notes:` field, and the
//! work's end notes sit in the header so they cannot be confused with the last chapter's.
//! Chapters start with `Chapter N: Title` (a one-chapter work without a title has no
//! heading); a chapter's summary and notes follow its heading, its end notes close it.
//! Plain text means no markup: text keeps its characters exactly (entities decoded), and
//! formatting is written as plain-text writers write it: emphasis (`em`, `i`, `u`) as
//! `_word_`, strong (`strong`, `b`) as `*word*`, a rule as `* * *`, list items as `- item` or
//! `1. item`, block quotes as lines opening with `> `, a line break as a line break, links as
//! their text with the address in brackets. Read back, those marks stay the characters they
//! are, so a second export is the first one exactly.

use crate::dom;
use ajar_core::{completion_name, Html, Work};
use markup5ever_rcdom::{Handle, NodeData};
use std::fmt::Write;

pub(crate) fn write(work: &Work) -> String {
    let mut out = String::with_capacity(
        work.chapters
            .iter()
            .map(|c| c.body.as_str().len())
            .sum::<usize>()
            + 4096,
    );
    field(&mut out, "Title", &work.title);
    if !work.creators.is_empty() {
        field(&mut out, "Author", &work.creators.join(", "));
    }
    let join = |tags: &[ajar_core::TagName]| {
        tags.iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !work.fandoms.is_empty() {
        field(&mut out, "Fandom", &join(&work.fandoms));
    }
    field(&mut out, "Rating", work.rating.name());
    if !work.warnings.is_empty() {
        let names: Vec<&str> = work.warnings.iter().map(|w| w.name()).collect();
        field(&mut out, "Archive Warnings", &names.join(", "));
    }
    if !work.categories.is_empty() {
        let names: Vec<&str> = work.categories.iter().map(|c| c.name()).collect();
        field(&mut out, "Category", &names.join(", "));
    }
    if !work.relationships.is_empty() {
        field(&mut out, "Relationship", &join(&work.relationships));
    }
    if !work.characters.is_empty() {
        field(&mut out, "Characters", &join(&work.characters));
    }
    if !work.tags.is_empty() {
        field(&mut out, "Tags", &join(&work.tags));
    }
    field(&mut out, "Language", work.language.name());
    for series in &work.series {
        field(
            &mut out,
            "Series",
            &format!("Part {} of {}", series.position, series.title),
        );
    }
    if let Some(published) = work.published {
        field(&mut out, "Published", &published.to_string());
    }
    if let Some(updated) = work.updated {
        field(&mut out, "Updated", &updated.to_string());
    }
    field(&mut out, "Status", completion_name(work.complete));
    field(&mut out, "Chapters", &work.chapter_label());
    for extra in &work.extra {
        field(&mut out, &extra.key, &extra.value);
    }
    if let Some(spoilers) = &work.spoilers {
        field(&mut out, "Spoilers", spoilers);
    }
    prose(&mut out, "Summary", &work.summary);
    prose(&mut out, "A/N", &work.notes);
    prose(&mut out, "End Notes", &work.end_notes);

    let headings = work.chapters.len() > 1 || work.chapters.iter().any(|c| c.title.is_some());
    for chapter in &work.chapters {
        if headings {
            match &chapter.title {
                Some(title) => {
                    let _ = write!(out, "Chapter {}: {title}\n\n", chapter.position);
                }
                None => {
                    let _ = write!(out, "Chapter {}\n\n", chapter.position);
                }
            }
        }
        prose(&mut out, "Summary", &chapter.summary);
        prose(&mut out, "A/N", &chapter.notes);
        out.push_str(&story_text(&chapter.body));
        out.push_str("\n\n");
        prose(&mut out, "End Note", &chapter.end_notes);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn field(out: &mut String, key: &str, value: &str) {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = write!(out, "{key}: {value}\n\n");
}

/// One `Key: paragraph` field per paragraph of the HTML.
fn prose(out: &mut String, key: &str, html: &Html) {
    if html.is_empty() {
        return;
    }
    for paragraph in story_text(html).split("\n\n") {
        let _ = write!(out, "{key}: {paragraph}\n\n");
    }
}

/// Sanitized HTML as plain text: blocks separated by blank lines, `<br>` as a line break
/// (see the module's comment for the rest).
pub(crate) fn story_text(html: &Html) -> String {
    let document = dom::parse(html.as_str());
    let Some(body) = dom::by_name(&document, "body") else {
        return String::new();
    };
    let mut out = String::with_capacity(html.as_str().len());
    blocks(&mut out, &body);
    out.trim_end().to_owned()
}

/// Markdown's blocks, and the parts of lists, tables and definitions that are lines of
/// their own in plain text.
fn is_block(name: &str) -> bool {
    super::markdown::is_block(name) || matches!(name, "li" | "tr" | "dt" | "dd" | "summary")
}

/// Writes the children of a container as blocks, each followed by a blank line; runs of
/// inline content between blocks become paragraphs.
fn blocks(out: &mut String, parent: &Handle) {
    let mut inline = String::new();
    for child in dom::children(parent) {
        let name = dom::name(&child).to_owned();
        if !is_block(&name) {
            inlines(&mut inline, &child);
            continue;
        }
        paragraph(out, &inline);
        inline.clear();
        match name.as_str() {
            "hr" => out.push_str("* * *\n\n"),
            "pre" => {
                let text = dom::text(&child);
                let text = text.trim_matches('\n');
                if !text.trim().is_empty() {
                    out.push_str(text);
                    out.push_str("\n\n");
                }
            }
            "blockquote" => {
                let mut inner = String::new();
                blocks(&mut inner, &child);
                prefixed(out, inner.trim_end(), "> ", "> ");
            }
            "ul" | "ol" => {
                let mut number: u64 = dom::attr(&child, "start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                let mut items = String::new();
                for li in dom::child_elements(&child) {
                    let mut item = String::new();
                    blocks(&mut item, &li);
                    let marker = if name == "ol" {
                        let m = format!("{number}. ");
                        number += 1;
                        m
                    } else {
                        "- ".to_owned()
                    };
                    let indent = " ".repeat(marker.chars().count());
                    prefixed(&mut items, item.trim_end(), &marker, &indent);
                    // Items follow one another without a blank line between them.
                    items.truncate(items.trim_end().len());
                    items.push('\n');
                }
                if !items.trim().is_empty() {
                    out.push_str(items.trim_end());
                    out.push_str("\n\n");
                }
            }
            _ => blocks(out, &child),
        }
    }
    paragraph(out, &inline);
}

/// Lines of `text`, the first opening with `first`, the rest with `rest` (blank lines
/// stay blank, without trailing spaces), then a blank line.
fn prefixed(out: &mut String, text: &str, first: &str, rest: &str) {
    if text.trim().is_empty() {
        return;
    }
    for (i, line) in text.lines().enumerate() {
        let lead = if i == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(lead.trim_end());
        } else {
            out.push_str(lead);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push('\n');
}

/// A paragraph of inline text, its lines trimmed, and a blank line after it.
fn paragraph(out: &mut String, inline: &str) {
    let lines: Vec<&str> = inline.trim().lines().map(str::trim).collect();
    let text = lines.join("\n");
    if !text.is_empty() {
        out.push_str(&text);
        out.push_str("\n\n");
    }
}

fn inlines(out: &mut String, node: &Handle) {
    match &node.data {
        NodeData::Text { contents } => {
            // Source line breaks and runs of spaces are one space in HTML.
            let text = contents.borrow();
            let mut space = out.ends_with([' ', '\n']) || out.is_empty();
            for c in text.chars() {
                if c.is_ascii_whitespace() {
                    if !space {
                        out.push(' ');
                        space = true;
                    }
                } else {
                    out.push(c);
                    space = false;
                }
            }
        }
        NodeData::Element { .. } => {
            let name = dom::name(node).to_owned();
            let mut inner = String::new();
            for c in dom::children(node) {
                inlines(&mut inner, &c);
            }
            match name.as_str() {
                "br" => {
                    out.truncate(out.trim_end_matches(' ').len());
                    out.push('\n');
                }
                "em" | "i" | "u" | "cite" => marked(out, &inner, "_"),
                "strong" | "b" => marked(out, &inner, "*"),
                "img" => {
                    if let Some(alt) = dom::attr(node, "alt").filter(|a| !a.trim().is_empty()) {
                        let _ = write!(out, "[{}]", alt.trim());
                    }
                }
                "a" => {
                    out.push_str(&inner);
                    let href = dom::attr(node, "href").unwrap_or_default();
                    let shown = inner.trim();
                    if (href.starts_with("http://") || href.starts_with("https://"))
                        && shown != href
                        && !shown.is_empty()
                    {
                        let _ = write!(out, " ({href})");
                    }
                }
                _ => out.push_str(&inner),
            }
        }
        _ => {}
    }
}

/// `inner` between two marks that hug its text (`_word_`, not `_ word _`); spaces around it
/// stay outside.
fn marked(out: &mut String, inner: &str, mark: &str) {
    let text = inner.trim();
    if text.is_empty() {
        out.push_str(inner);
        return;
    }
    let lead = &inner[..inner.len() - inner.trim_start().len()];
    let trail = &inner[inner.trim_end().len()..];
    out.push_str(lead);
    out.push_str(mark);
    out.push_str(text);
    out.push_str(mark);
    out.push_str(trail);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_is_written_as_plain_text_writers_write_it() {
        let html = Html::sanitize(
            "<p>She <em>ran</em>, <strong>fast</strong> &amp; <i>far </i>&mdash; &lt;here&gt;.</p>\
             <p>Line one<br>line two</p><hr>\
             <ul><li>one</li><li>two <b>2</b></li></ul>\
             <ol><li>first</li><li>second</li></ol>\
             <blockquote><p>Quoted.</p><p>Twice.</p></blockquote>\
             <h2>A heading</h2><p><a href=\"https://example.org/x\">a link</a> and <u>under</u>.</p>",
        );
        assert_eq!(
            story_text(&html),
            "She _ran_, *fast* & _far_ — <here>.\n\n\
             Line one\nline two\n\n\
             * * *\n\n\
             - one\n- two *2*\n\n\
             1. first\n2. second\n\n\
             > Quoted.\n>\n> Twice.\n\n\
             A heading\n\n\
             a link (https://example.org/x) and _under_."
        );
    }

    #[test]
    fn no_tag_is_left_in_the_text() {
        let html = Html::sanitize(
            "<p><em><strong>both</strong></em> <sup>up</sup><sub>down</sub> <s>struck</s></p>\
             <ul><li><p>nested</p><ul><li>deeper</li></ul></li></ul>",
        );
        let text = story_text(&html);
        assert!(!text.contains('<'), "{text}");
        assert_eq!(text, "_*both*_ updown struck\n\n- nested\n\n  - deeper");
    }
}
