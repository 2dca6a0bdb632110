//! The plain-text export: the archive's seed story format, written so that the plain-text
//! reader reads it back as the same work.
//!
//! Header fields come one to a paragraph in the reader's own keys, prose fields (summary,
//! notes, end notes) one paragraph per `Summary:` / `A/N:` / `End Notes:` field, and the
//! work's end notes sit in the header so they cannot be confused with the last chapter's.
//! Chapters start with `Chapter N: Title` (a one-chapter work without a title has no
//! heading); a chapter's summary and notes follow its heading, its end notes close it.
//! Text keeps its characters exactly; emphasis is written as the bare inline tags (`<em>`,
//! `<strong>`, `<i>`, ...) the reader turns back into formatting. What plain text cannot say
//! (lists, block quotes, links) is written as its text.

use ajar_core::{completion_name, Html, Work};
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

/// Inline tags the plain-text reader keeps as formatting, as the sanitizer writes them.
const INLINE: &[&str] = &["em", "strong", "i", "b", "u", "s", "strike", "sup", "sub"];

/// The text of HTML with blank lines between paragraphs, `<br>` as a line break, and the
/// inline tags kept as bare tags.
pub(crate) fn story_text(html: &Html) -> String {
    let source = html.as_str();
    // Inline tags are hidden from the HTML-to-text conversion behind private-use
    // characters, then put back.
    let mut marked = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(pos) = rest.find('<') {
        marked.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let inline = INLINE.iter().find_map(|tag| {
            let open = format!("<{tag}>");
            let close = format!("</{tag}>");
            if rest.starts_with(&open) {
                Some((open.len(), format!("\u{E000}{tag}\u{E001}")))
            } else if rest.starts_with(&close) {
                Some((close.len(), format!("\u{E000}/{tag}\u{E001}")))
            } else {
                None
            }
        });
        match inline {
            Some((len, marker)) => {
                marked.push_str(&marker);
                rest = &rest[len..];
            }
            None => {
                marked.push('<');
                rest = &rest[1..];
            }
        }
    }
    marked.push_str(rest);
    html_to_text_keeping(&marked)
}

fn html_to_text_keeping(marked: &str) -> String {
    ajar_core::html_to_text(marked)
        .replace('\u{E000}', "<")
        .replace('\u{E001}', ">")
}
