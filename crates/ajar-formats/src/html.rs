//! HTML story files: AO3's "download as HTML" (and ajar's own HTML export, which has the
//! same layout), and plain HTML pages holding one work.
//!
//! **AO3 downloads** are recognised by their `div#preface`. Its `dl.tags` list holds the
//! metadata as `dt`/`dd` pairs (`Rating:`, `Archive Warning:`, `Category:`, `Fandom:`,
//! `Relationship:`, `Character:`, `Additional Tags:`, `Language:`, `Series:`, `Stats:`),
//! read through the same field table as plain-text headers; `h1` is the title, the byline's
//! links the creators, and `<p>Summary</p>` / `<p>Notes</p>` each name the blockquote after
//! them. In `div#chapters`, a chapter is a `div.meta.group` (its `h2.heading`
//! `Chapter 2: Title` and its own summary and notes), the `div.userstuff` with its text, and
//! a `div.meta#endnotesN`; a work of one chapter has only the `div.userstuff`. The work's end
//! notes are in `div#afterword`. AO3's EPUBs are this file split by calibre into several
//! documents, read here as one: the preface, chapters and afterword may each come in
//! several parts with the same `id`, and their classes renamed.
//!
//! **Plain HTML** is one work: the title is the `<title>` (or the first `<h1>`), creators
//! come from `<meta name="author">`, and `<h2>` headings that read as chapter headings
//! (`Chapter 2: Title`) split the body into chapters.
//!
//! Everything kept as markup goes through the archive's sanitizer: scripts, styles, event
//! handlers and images are gone before a work exists.

use crate::decode::decode;
use crate::dom::{self, Handle};
use crate::fields::{Field, Metadata};
use crate::{FormatError, FormatErrorKind};
use ajar_core::{Chapter, Html, Work};

/// Reads an HTML story file. `name` is used only in error messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    crate::check_size(name, bytes)?;
    let text = decode(bytes).map_err(|kind| FormatError::new(name, None, kind))?;
    if text.trim().is_empty() {
        return Err(FormatError::new(name, None, FormatErrorKind::Empty));
    }
    let document = dom::parse(&text);
    read_document(&document, None).map_err(|kind| FormatError::new(name, None, kind))
}

/// Reads a parsed document; `fallback` fills what the document does not say (an EPUB's
/// package metadata).
pub(crate) fn read_document(
    document: &Handle,
    fallback: Option<&Fallback>,
) -> Result<Work, FormatErrorKind> {
    match dom::by_id(document, "preface") {
        Some(preface) => read_ao3(document, &preface, fallback),
        None => read_plain(document, fallback),
    }
}

/// Metadata from outside the HTML (an EPUB's OPF), used where the HTML has none.
#[derive(Debug, Default)]
pub(crate) struct Fallback {
    pub title: Option<String>,
    pub creators: Vec<String>,
    pub language: Option<String>,
    pub summary: Option<String>,
    pub subjects: Vec<String>,
    pub series: Vec<(String, Option<String>)>,
    pub published: Option<String>,
    /// Made by FanFicFare, whose package and title page have their own conventions.
    pub fanficfare: bool,
    /// Where the story was downloaded from (`dc:source`, or a URL `dc:identifier`).
    pub source: Option<String>,
    /// `dc:publisher`: for FanFicFare, the site's name.
    pub publisher: Option<String>,
}

impl Fallback {
    /// Fills the title and creators if the document has none; with `all`, also the
    /// language, tags, series and date (an AO3 preface says those itself).
    fn apply(&self, meta: &mut Metadata, has_title: bool, has_creators: bool, all: bool) {
        if !has_title {
            if let Some(title) = &self.title {
                meta.apply("title", Field::Title, title, 0);
            }
        }
        if !has_creators {
            for creator in &self.creators {
                meta.apply("author", Field::Creators, creator, 0);
            }
        }
        if !all {
            return;
        }
        if let Some(language) = &self.language {
            meta.apply("language", Field::Language, language, 0);
        }
        for subject in &self.subjects {
            meta.apply("tags", Field::Tags, subject, 0);
        }
        for (series, index) in &self.series {
            let value = match index {
                Some(i) => format!("Part {i} of {series}"),
                None => series.clone(),
            };
            meta.apply("series", Field::Series, &value, 0);
        }
        if let Some(published) = &self.published {
            meta.apply("published", Field::Published, published, 0);
        }
    }
}

/// The sanitized markup inside a node.
pub(crate) fn sanitized_inner(node: &Handle) -> Html {
    Html::sanitize(dom::inner_html(node).trim())
}

fn read_ao3(
    document: &Handle,
    preface: &Handle,
    fallback: Option<&Fallback>,
) -> Result<Work, FormatErrorKind> {
    // calibre (AO3's EPUBs) splits the preface, the chapters and the afterword over several
    // files, each part keeping its `id`: every `#preface` is part of the one preface.
    let prefaces = with_id(document, "preface");
    let in_preface =
        |pred: &dyn Fn(&Handle) -> bool| prefaces.iter().find_map(|p| dom::find(p, pred));
    let mut meta = Metadata::default();
    let title = in_preface(&|n| dom::name(n) == "h1")
        .map(|h| dom::text(&h))
        .filter(|t| !t.is_empty())
        .or_else(|| {
            dom::find(preface, &|n| dom::has_class(n, "message"))
                .and_then(|m| dom::by_name(&m, "b"))
                .map(|b| dom::text(&b))
        });
    if let Some(title) = &title {
        meta.apply("Title", Field::Title, title, 0);
    }
    let mut has_creators = false;
    if let Some(byline) = in_preface(&|n| dom::has_class(n, "byline")) {
        let authors = dom::find_all(&byline, &|n| {
            (dom::name(n) == "a" && dom::attr(n, "rel").as_deref() == Some("author"))
                || dom::has_class(n, "author")
        });
        if authors.is_empty() {
            let text = dom::text(&byline);
            let names = text.strip_prefix("by ").unwrap_or(&text).to_owned();
            if !names.trim().is_empty() {
                meta.apply("by", Field::Creators, &names, 0);
                has_creators = true;
            }
        }
        for author in authors {
            meta.apply("by", Field::Creators, &dom::text(&author), 0);
            has_creators = true;
        }
    }
    if let Some(tags) = in_preface(&|n| dom::name(n) == "dl") {
        read_tags(&tags, &mut meta);
    }
    if let Some(fallback) = fallback {
        fallback.apply(&mut meta, title.is_some(), has_creators, false);
    }
    let labelled: Vec<_> = prefaces.iter().flat_map(labelled_blockquotes).collect();
    let summary = find_label(&labelled, &["summary"]);
    let notes = find_label(&labelled, &["notes"]);

    let mut chapters: Vec<Chapter> = Vec::new();
    let mut open = false; // the last chapter has a heading but no text yet
    let mut parts = Vec::new();
    chapter_parts(document, false, &mut parts);
    let mut after_text = false;
    for part in parts {
        let is_text = matches!(part, ChapterPart::Text(_));
        match part {
            ChapterPart::Heading(group) => {
                let heading = dom::find(&group, &|n| dom::has_class(n, "heading"))
                    .or_else(|| dom::find(&group, &|n| matches!(dom::name(n), "h2" | "h3")));
                let labelled = labelled_blockquotes(&group);
                chapters.push(Chapter {
                    title: heading.and_then(|h| chapter_title(&dom::text(&h))),
                    summary: find_label(&labelled, &["chapter summary", "summary"]),
                    notes: find_label(&labelled, &["chapter notes", "notes"]),
                    ..Chapter::default()
                });
                open = true;
            }
            ChapterPart::EndNotes(part) => {
                let labelled = labelled_blockquotes(&part);
                if let Some(chapter) = chapters.last_mut() {
                    chapter.end_notes =
                        find_label(&labelled, &["chapter end notes", "end notes", "notes"]);
                }
            }
            ChapterPart::Text(part) => {
                let body = sanitized_inner(&part);
                match chapters.last_mut() {
                    Some(chapter) if open => chapter.body = body,
                    // calibre splits a long chapter's text over files: text after text,
                    // with no heading between, goes on.
                    Some(chapter) if after_text => {
                        let joined = format!("{}\n{}", chapter.body.as_str(), body.as_str());
                        chapter.body = Html::sanitize(&joined);
                    }
                    _ => chapters.push(Chapter {
                        body,
                        ..Chapter::default()
                    }),
                }
                open = false;
            }
        }
        after_text = is_text;
    }
    chapters.retain(|c| !c.body.is_empty() || !c.notes.is_empty() || c.title.is_some());
    if chapters.is_empty() {
        return Err(FormatErrorKind::NoText);
    }
    let afterword: Vec<_> = with_id(document, "afterword")
        .iter()
        .flat_map(labelled_blockquotes)
        .collect();
    let end_notes = find_label(&afterword, &["end notes"]);
    finish(meta, chapters, summary, notes, end_notes)
}

/// Every element with this `id`, in document order: a split download repeats them.
fn with_id(document: &Handle, id: &str) -> Vec<Handle> {
    dom::find_all(document, &|n| dom::attr(n, "id").as_deref() == Some(id))
}

/// A piece of AO3's `div#chapters`.
enum ChapterPart {
    /// The `div.meta.group` with a chapter's heading, summary and notes.
    Heading(Handle),
    /// The `div.meta#endnotesN` after a chapter's text.
    EndNotes(Handle),
    /// The `div.userstuff` with a chapter's text.
    Text(Handle),
}

/// The parts of the chapters in document order. Inside `div#chapters` they are told apart
/// by what they hold, not by their classes, which calibre renames (`meta group` becomes
/// `calibre1`, `userstuff` `userstuff1`): a heading group starts with its `h2`, end notes
/// keep their `id`, and every other block with text is a chapter's text. The empty blocks
/// calibre leaves where it split a file are skipped. Outside it (ajar's EPUBs have a file
/// per chapter and no `div#chapters`), text is a `div.userstuff`.
fn chapter_parts(node: &Handle, in_chapters: bool, out: &mut Vec<ChapterPart>) {
    for child in dom::child_elements(node) {
        let id = dom::attr(&child, "id").unwrap_or_default();
        let is_div = dom::name(&child) == "div";
        if id == "preface" || id == "afterword" {
            continue;
        }
        if id == "chapters" {
            chapter_parts(&child, true, out);
        } else if id.starts_with("endnotes") {
            out.push(ChapterPart::EndNotes(child));
        } else if is_div
            && ((dom::has_class(&child, "meta") && dom::has_class(&child, "group"))
                || dom::child_elements(&child)
                    .iter()
                    .any(|c| matches!(dom::name(c), "h2" | "h3")))
        {
            out.push(ChapterPart::Heading(child));
        } else if is_div && (in_chapters || dom::has_class(&child, "userstuff")) {
            if !dom::text(&child).is_empty() || dom::by_name(&child, "img").is_some() {
                out.push(ChapterPart::Text(child));
            }
        } else {
            chapter_parts(&child, in_chapters, out);
        }
    }
}

/// Builds and checks the work, with summary and notes kept as markup.
pub(crate) fn finish(
    meta: Metadata,
    chapters: Vec<Chapter>,
    summary: Html,
    notes: Html,
    end_notes: Html,
) -> Result<Work, FormatErrorKind> {
    let mut work = meta.finish(chapters).map_err(|(kind, _)| kind)?;
    if !summary.is_empty() {
        work.summary = summary;
    }
    if !notes.is_empty() {
        work.notes = notes;
    }
    if !end_notes.is_empty() {
        work.end_notes = end_notes;
    }
    work.renumber_chapters();
    work.drop_xml_invalid_chars();
    work.validate().map_err(FormatErrorKind::Invalid)?;
    Ok(work)
}

/// `Chapter 2: The Middle` -> `The Middle`; `Chapter 2` -> none; anything else as is.
fn chapter_title(heading: &str) -> Option<String> {
    let heading = heading.trim();
    let lower = heading.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("chapter ") {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            let title = heading["chapter ".len() + digits..]
                .trim_start()
                .trim_start_matches([':', '.', '-'])
                .trim();
            return (!title.is_empty()).then(|| title.to_owned());
        }
    }
    (!heading.is_empty()).then(|| heading.to_owned())
}

fn read_tags(dl: &Handle, meta: &mut Metadata) {
    let mut label: Option<(String, bool)> = None;
    for item in dom::child_elements(dl) {
        match dom::name(&item) {
            "dt" => {
                let text = dom::text(&item);
                let key = text.trim().trim_end_matches(':').trim().to_owned();
                label = Some((key, dom::has_class(&item, "extra")));
            }
            "dd" => {
                let Some((key, extra)) = label.take() else {
                    continue;
                };
                let value = dom::text(&item);
                if extra {
                    meta.keep_extra(&key, &value);
                    continue;
                }
                if key.eq_ignore_ascii_case("stats") {
                    read_stats(&value, meta);
                    continue;
                }
                match Field::for_key(&key) {
                    Some(Field::Series) => {
                        for series in split_series(&value) {
                            meta.apply(&key, Field::Series, series, 0);
                        }
                    }
                    Some(Field::WordCount) => {}
                    Some(field) => meta.apply(&key, field, &value, 0),
                    None => meta.keep_extra(&key, &value),
                }
            }
            _ => {}
        }
    }
}

/// `Part 1 of A, Part 3 of B` -> `Part 1 of A`, `Part 3 of B`.
fn split_series(value: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = value
        .match_indices("Part ")
        .map(|(i, _)| i)
        .filter(|&i| {
            (i == 0 || value[..i].ends_with(", ")) && crate::fields::part_of(&value[i..]).is_some()
        })
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(value.len());
        let part = value[start..end].trim().trim_end_matches(',').trim();
        if !part.is_empty() {
            out.push(part);
        }
    }
    out
}

/// AO3's stats line: `Published: 2020-01-01 Completed: 2020-02-01 Words: 1,234 Chapters: 3/3`.
fn read_stats(value: &str, meta: &mut Metadata) {
    let labels = [
        ("Published:", Field::Published),
        ("Updated:", Field::Updated),
        ("Completed:", Field::Updated),
        ("Words:", Field::WordCount),
        ("Chapters:", Field::Chapters),
    ];
    let mut found: Vec<(usize, &str, Field)> = labels
        .iter()
        .filter_map(|(label, field)| value.find(label).map(|i| (i, *label, *field)))
        .collect();
    found.sort_by_key(|(i, _, _)| *i);
    for (k, (start, label, field)) in found.iter().enumerate() {
        let end = found.get(k + 1).map_or(value.len(), |next| next.0);
        let item = value[start + label.len()..end].trim();
        if *label == "Completed:" {
            meta.apply("Status", Field::Status, "Complete", 0);
        }
        if *field != Field::WordCount {
            meta.apply(label.trim_end_matches(':'), *field, item, 0);
        }
    }
}

/// `<p>Label</p><blockquote>...</blockquote>` pairs under a node, as (lowercased label,
/// sanitized blockquote).
fn labelled_blockquotes(node: &Handle) -> Vec<(String, Html)> {
    let mut out = Vec::new();
    collect_labelled(node, &mut out);
    out
}

fn collect_labelled(node: &Handle, out: &mut Vec<(String, Html)>) {
    let mut label: Option<String> = None;
    for child in dom::child_elements(node) {
        match dom::name(&child) {
            "p" => {
                label = Some(
                    dom::text(&child)
                        .trim()
                        .trim_end_matches(':')
                        .to_lowercase(),
                )
            }
            "blockquote" => {
                if let Some(label) = label.clone() {
                    out.push((label, sanitized_inner(&child)));
                }
            }
            "div" if !dom::has_class(&child, "userstuff") => collect_labelled(&child, out),
            _ => {}
        }
    }
}

fn find_label(labelled: &[(String, Html)], names: &[&str]) -> Html {
    names
        .iter()
        .find_map(|name| labelled.iter().find(|(l, _)| l == name))
        .map(|(_, html)| html.clone())
        .unwrap_or_default()
}

fn read_plain(document: &Handle, fallback: Option<&Fallback>) -> Result<Work, FormatErrorKind> {
    let mut meta = Metadata::default();
    let body = dom::by_name(document, "body").unwrap_or_else(|| document.clone());
    let head_title = dom::by_name(document, "title")
        .map(|t| dom::text(&t))
        .filter(|t| !t.is_empty());
    let h1 = dom::by_name(&body, "h1");
    let title = head_title.or_else(|| h1.as_ref().map(dom::text));
    let byline = byline(h1.as_ref(), &body);
    if let Some(h1) = &h1 {
        if Some(dom::text(h1)) == title {
            dom::detach(h1);
        }
    }
    if let Some(title) = &title {
        meta.apply("title", Field::Title, title, 0);
    }
    let authors: Vec<String> = dom::find_all(document, &|n| {
        dom::name(n) == "meta" && dom::attr(n, "name").as_deref() == Some("author")
    })
    .iter()
    .filter_map(|m| dom::attr(m, "content"))
    .collect();
    for author in &authors {
        meta.apply("author", Field::Creators, author, 0);
    }
    let mut has_creators = !authors.is_empty();
    if let (Some((line, names)), false) = (&byline, has_creators) {
        meta.apply("by", Field::Creators, names, 0);
        dom::detach(line);
        has_creators = true;
    }
    if let Some(lang) = dom::by_name(document, "html").and_then(|h| dom::attr(&h, "lang")) {
        meta.apply("language", Field::Language, &lang, 0);
    }
    if let Some(fallback) = fallback {
        fallback.apply(&mut meta, title.is_some(), has_creators, true);
    }
    let chapters = split_chapters(&body);
    if chapters.is_empty() {
        return Err(FormatErrorKind::NoText);
    }
    finish(
        meta,
        chapters,
        Html::default(),
        Html::default(),
        Html::default(),
    )
}

/// The "by NAME" line a hand-written page puts right under its title (or first, if the
/// title is only in `<title>`): the line and the names.
fn byline(h1: Option<&Handle>, body: &Handle) -> Option<(Handle, String)> {
    let (parent, after) = match h1 {
        Some(h1) => {
            let parent = dom::parent(h1)?;
            let after = dom::children(&parent)
                .iter()
                .position(|c| std::rc::Rc::ptr_eq(c, h1))?
                + 1;
            (parent, after)
        }
        None => (body.clone(), 0),
    };
    let line = dom::children(&parent)
        .into_iter()
        .skip(after)
        .find(|n| match &n.data {
            markup5ever_rcdom::NodeData::Text { contents } => !contents.borrow().trim().is_empty(),
            markup5ever_rcdom::NodeData::Element { .. } => true,
            _ => false,
        })?;
    if !matches!(
        dom::name(&line),
        "" | "p" | "div" | "h2" | "h3" | "h4" | "address" | "em" | "i" | "b" | "strong" | "span"
    ) {
        return None;
    }
    let text = dom::text(&line);
    let lower = text.to_lowercase();
    let names = ["by ", "written by "]
        .iter()
        .find(|p| lower.starts_with(**p))
        .and_then(|p| text.get(p.len()..))?
        .trim();
    let plausible = !names.is_empty()
        && names.chars().count() <= 100
        && names.split_whitespace().count() <= 8
        && !names.ends_with(['.', '!', '?', '…']);
    plausible.then(|| (line, names.to_owned()))
}

/// Splits a body at `h2` chapter headings; a chapter's labelled block quotes
/// (`Chapter Summary`, `Chapter Notes` after the heading, `Chapter End Notes` at its end)
/// are its notes.
pub(crate) fn split_chapters(body: &Handle) -> Vec<Chapter> {
    let mut parts: Vec<(Option<String>, Vec<Handle>)> = vec![(None, Vec::new())];
    let mut any_heading = false;
    for child in dom::children(body) {
        if dom::name(&child) == "h2" {
            let text = dom::text(&child);
            if let Some(heading) = crate::headings::parse_heading(&text) {
                any_heading = true;
                let title = if text.to_ascii_lowercase().starts_with("chapter ") {
                    chapter_title(&text)
                } else {
                    heading.title
                };
                parts.push((title, Vec::new()));
                continue;
            }
        }
        if let Some(last) = parts.last_mut() {
            last.1.push(child);
        }
    }
    let mut chapters = Vec::new();
    for (i, (title, mut nodes)) in parts.into_iter().enumerate() {
        let has_text = nodes.iter().any(|n| match &n.data {
            markup5ever_rcdom::NodeData::Text { contents } => !contents.borrow().trim().is_empty(),
            markup5ever_rcdom::NodeData::Element { .. } => true,
            _ => false,
        });
        if i == 0 && any_heading && !has_text {
            continue;
        }
        let mut chapter = Chapter {
            title,
            ..Chapter::default()
        };
        loop {
            let first = nodes
                .iter()
                .position(|n| matches!(n.data, markup5ever_rcdom::NodeData::Element { .. }));
            let Some(first) = first else { break };
            match note_label(&nodes[first]) {
                Some((label, html)) if label == "chapter summary" => chapter.summary = html,
                Some((label, html)) if label == "chapter notes" => chapter.notes = html,
                _ => break,
            }
            nodes.drain(..=first);
        }
        if let Some(last) = nodes
            .iter()
            .rposition(|n| matches!(n.data, markup5ever_rcdom::NodeData::Element { .. }))
        {
            if let Some((label, html)) = note_label(&nodes[last]) {
                if label == "chapter end notes" {
                    chapter.end_notes = html;
                    nodes.truncate(last);
                }
            }
        }
        let html: String = nodes.iter().map(dom::outer_html).collect();
        chapter.body = Html::sanitize(html.trim());
        chapters.push(chapter);
    }
    chapters
}

/// A `<blockquote>` whose first paragraph is a label in bold: the label (lowercased) and
/// the rest as sanitized HTML.
fn note_label(node: &Handle) -> Option<(String, Html)> {
    if dom::name(node) != "blockquote" {
        return None;
    }
    let children = dom::child_elements(node);
    let first = children.first()?;
    if dom::name(first) != "p" {
        return None;
    }
    let inner = dom::child_elements(first);
    if inner.len() != 1 || !matches!(dom::name(&inner[0]), "strong" | "b") {
        return None;
    }
    let label = dom::text(first).to_lowercase();
    if !label.starts_with("chapter ") {
        return None;
    }
    let rest: String = children[1..].iter().map(dom::outer_html).collect();
    Some((label, Html::sanitize(rest.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_lists_split() {
        assert_eq!(
            split_series("Part 1 of A, Part 3 of B, C"),
            vec!["Part 1 of A", "Part 3 of B, C"]
        );
        assert_eq!(split_series("X"), vec!["X"]);
    }

    #[test]
    fn chapter_titles() {
        assert_eq!(
            chapter_title("Chapter 2: The Middle").as_deref(),
            Some("The Middle")
        );
        assert_eq!(chapter_title("Chapter 2"), None);
        assert_eq!(chapter_title("Epilogue").as_deref(), Some("Epilogue"));
    }
}
