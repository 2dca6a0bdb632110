//! Markdown with a YAML front matter holding the work's fields.
//!
//! The front matter uses the same keys as the plain-text header (`title`, `author`,
//! `fandom`, `rating`, ...), with lists as YAML lists and the summary and notes as
//! Markdown block scalars. Chapters are `## Chapter N: Title` headings; a chapter's summary
//! and notes are block quotes opening with `**Chapter Summary**` / `**Chapter Notes**`
//! after its heading, its end notes one opening with `**Chapter End Notes**` at its end.
//! Text is CommonMark: paragraphs, `*emphasis*`, `**strong**`, quotes, lists, links and
//! rules; anything Markdown has no syntax for stays inline HTML, which Markdown allows and
//! the reader sanitizes.

use crate::dom;
use ajar_core::{completion_name, Html, TagName, Work};
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
    out.push_str("---\n");
    scalar(&mut out, "title", &work.title);
    list(
        &mut out,
        "authors",
        work.creators.iter().map(String::as_str),
    );
    let names = |tags: &[TagName]| {
        tags.iter()
            .map(|t| t.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    list(
        &mut out,
        "fandoms",
        names(&work.fandoms).iter().map(String::as_str),
    );
    scalar(&mut out, "rating", work.rating.name());
    list(&mut out, "warnings", work.warnings.iter().map(|w| w.name()));
    list(
        &mut out,
        "categories",
        work.categories.iter().map(|c| c.name()),
    );
    list(
        &mut out,
        "relationships",
        names(&work.relationships).iter().map(String::as_str),
    );
    list(
        &mut out,
        "characters",
        names(&work.characters).iter().map(String::as_str),
    );
    list(
        &mut out,
        "tags",
        names(&work.tags).iter().map(String::as_str),
    );
    scalar(&mut out, "language", work.language.code());
    let series: Vec<String> = work
        .series
        .iter()
        .map(|s| format!("Part {} of {}", s.position, s.title))
        .collect();
    list(&mut out, "series", series.iter().map(String::as_str));
    if let Some(published) = work.published {
        let _ = writeln!(out, "published: {published}");
    }
    if let Some(updated) = work.updated {
        let _ = writeln!(out, "updated: {updated}");
    }
    scalar(&mut out, "status", completion_name(work.complete));
    scalar(&mut out, "chapters", &work.chapter_label());
    if let Some(spoilers) = &work.spoilers {
        scalar(&mut out, "spoilers", spoilers);
    }
    if !work.extra.is_empty() {
        out.push_str("extra:\n");
        for extra in &work.extra {
            let _ = writeln!(
                out,
                "  - key: {}\n    value: {}",
                quote(&extra.key),
                quote(&extra.value)
            );
        }
    }
    block(&mut out, "summary", &work.summary);
    block(&mut out, "notes", &work.notes);
    block(&mut out, "end notes", &work.end_notes);
    out.push_str("---\n\n");

    let headings = work.chapters.len() > 1 || work.chapters.iter().any(|c| c.title.is_some());
    for chapter in &work.chapters {
        if headings {
            // A chapter title is text like any other: `<script>` in it must not become markup.
            let mut heading = String::new();
            escape_into(&mut heading, &super::page::chapter_heading(chapter));
            let _ = write!(out, "## {heading}\n\n");
        }
        labelled_quote(&mut out, "Chapter Summary", &chapter.summary);
        labelled_quote(&mut out, "Chapter Notes", &chapter.notes);
        out.push_str(&to_markdown(&chapter.body));
        labelled_quote(&mut out, "Chapter End Notes", &chapter.end_notes);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn scalar(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key}: {}", quote(value));
}

fn list<'a>(out: &mut String, key: &str, items: impl Iterator<Item = &'a str>) {
    let items: Vec<String> = items.map(quote).collect();
    if !items.is_empty() {
        let _ = writeln!(out, "{key}: [{}]", items.join(", "));
    }
}

/// Markdown as a YAML literal block scalar.
fn block(out: &mut String, key: &str, html: &Html) {
    if html.is_empty() {
        return;
    }
    let _ = writeln!(out, "{key}: |-");
    for line in to_markdown(html).trim_end().lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// A YAML double-quoted string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn labelled_quote(out: &mut String, label: &str, html: &Html) {
    if html.is_empty() {
        return;
    }
    let _ = writeln!(out, "> **{label}**\n>");
    for line in to_markdown(html).trim_end().lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            let _ = writeln!(out, "> {line}");
        }
    }
    out.push('\n');
}

/// Sanitized HTML as Markdown blocks, each followed by a blank line.
pub(crate) fn to_markdown(html: &Html) -> String {
    let document = dom::parse(html.as_str());
    let Some(body) = dom::by_name(&document, "body") else {
        return String::new();
    };
    drop_unsafe_urls(&body);
    let mut out = String::with_capacity(html.as_str().len());
    blocks(&mut out, &body);
    out
}

/// Drops the URLs no download may hold (the rule of the EPUB and HTML writers,
/// [`crate::xhtml::is_safe_url`]) and `cite`: what has no Markdown form passes into the
/// file as raw HTML, for viewers that show it.
fn drop_unsafe_urls(node: &Handle) {
    if let NodeData::Element { attrs, .. } = &node.data {
        attrs.borrow_mut().retain(|a| {
            let key: &str = &a.name.local;
            let unsafe_url =
                crate::xhtml::URL_ATTRIBUTES.contains(&key) && !crate::xhtml::is_safe_url(&a.value);
            key != "cite" && !unsafe_url
        });
    }
    for child in node.children.borrow().iter() {
        drop_unsafe_urls(child);
    }
}

pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "blockquote"
            | "ul"
            | "ol"
            | "hr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "div"
            | "pre"
            | "table"
            | "dl"
            | "center"
            | "details"
            | "figure"
    )
}

/// Writes the children of a container as blocks; runs of inline content become paragraphs.
fn blocks(out: &mut String, parent: &Handle) {
    let mut inline = String::new();
    let flush = |out: &mut String, inline: &mut String| {
        let text = inline.trim();
        if !text.is_empty() {
            out.push_str(text);
            out.push_str("\n\n");
        }
        inline.clear();
    };
    for child in dom::children(parent) {
        let name = dom::name(&child).to_owned();
        if !is_block(&name) {
            inlines(&mut inline, &child);
            continue;
        }
        flush(out, &mut inline);
        match name.as_str() {
            "p" => {
                let mut p = String::new();
                for c in dom::children(&child) {
                    inlines(&mut p, &c);
                }
                let p = p.trim();
                if !p.is_empty() {
                    out.push_str(p);
                    out.push_str("\n\n");
                }
            }
            "hr" => out.push_str("* * *\n\n"),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name[1..].parse::<usize>().unwrap_or(1);
                let mut h = String::new();
                for c in dom::children(&child) {
                    inlines(&mut h, &c);
                }
                let _ = write!(out, "{} {}\n\n", "#".repeat(level), h.trim());
            }
            "blockquote" if dom::attr(&child, "cite").is_none() => {
                let mut inner = String::new();
                blocks(&mut inner, &child);
                for line in inner.trim_end().lines() {
                    if line.is_empty() {
                        out.push_str(">\n");
                    } else {
                        let _ = writeln!(out, "> {line}");
                    }
                }
                out.push('\n');
            }
            "ul" | "ol" if list_is_simple(&child) => {
                let ordered = name == "ol" && dom::attr(&child, "start").is_none();
                for (i, li) in dom::child_elements(&child).iter().enumerate() {
                    let mut item = String::new();
                    for c in dom::children(li) {
                        inlines(&mut item, &c);
                    }
                    if ordered {
                        let _ = writeln!(out, "{}. {}", i + 1, item.trim());
                    } else {
                        let _ = writeln!(out, "- {}", item.trim());
                    }
                }
                out.push('\n');
            }
            _ => {
                // No Markdown for it: an HTML block, on lines of its own.
                let html = dom::outer_html(&child).replace("\n\n", "\n");
                out.push_str(html.trim());
                out.push_str("\n\n");
            }
        }
    }
    flush(out, &mut inline);
}

/// A list whose items are all `li` with inline content only.
fn list_is_simple(list: &Handle) -> bool {
    let items = dom::child_elements(list);
    !items.is_empty()
        && items.iter().all(|li| {
            dom::name(li) == "li"
                && dom::attr(li, "value").is_none()
                && dom::children(li).iter().all(|c| !is_block(dom::name(c)))
        })
}

fn inlines(out: &mut String, node: &Handle) {
    match &node.data {
        NodeData::Text { contents } => escape_into(out, &contents.borrow()),
        NodeData::Element { .. } => {
            let name = dom::name(node).to_owned();
            let plain = match &node.data {
                NodeData::Element { attrs, .. } => attrs.borrow().is_empty(),
                _ => false,
            };
            let wrap = match name.as_str() {
                "em" | "i" if plain => Some("*"),
                "strong" | "b" if plain => Some("**"),
                _ => None,
            };
            if name == "br" {
                out.push_str("\\\n");
                return;
            }
            if let Some(mark) = wrap {
                let mut inner = String::new();
                for c in dom::children(node) {
                    inlines(&mut inner, &c);
                }
                // Emphasis must hug its text: `* x*` is not emphasis.
                if inner.trim() == inner && !inner.is_empty() && !inner.contains('\n') {
                    out.push_str(mark);
                    out.push_str(&inner);
                    out.push_str(mark);
                    return;
                }
            }
            // Anything else stays inline HTML.
            out.push_str(&dom::outer_html(node).replace('\n', " "));
        }
        _ => {}
    }
}

/// Backslash-escapes what Markdown would read as syntax.
fn escape_into(out: &mut String, text: &str) {
    let text = text.replace('\n', " ");
    let at_line_start = out.is_empty() || out.ends_with('\n');
    let mut escaped = String::with_capacity(text.len() + 8);
    // Only what CommonMark (with strikethrough) could read as syntax mid-line; line starts
    // are handled by `escape_line`. `!` matters only before `[` (an image).
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let syntax = matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' | '&')
            || (c == '!' && chars.peek() == Some(&'['));
        if syntax {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    if at_line_start {
        escaped = escape_line(&escaped);
    }
    out.push_str(&escaped);
}

/// Escapes a line's start that Markdown would read as a list item, heading rule or quote.
fn escape_line(line: &str) -> String {
    let trimmed = line.trim_start();
    let first = trimmed.chars().next();
    if matches!(first, Some('-' | '+' | '=' | '#' | '>')) {
        return format!("\\{trimmed}");
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let next = trimmed[digits..].chars().next();
        if matches!(next, Some('.' | ')')) {
            return format!("{}\\{}", &trimmed[..digits], &trimmed[digits..]);
        }
    }
    line.to_owned()
}
