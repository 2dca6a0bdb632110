//! AO3's download layout, written as markup that is both HTML5 and XHTML: the preface
//! (`div#preface` with the `dl.tags` metadata, title, byline, summary and notes), the
//! chapters (`div.meta.group` heading and notes, `div.userstuff` text, `div.meta#endnotesN`)
//! and the afterword (`div#afterword` with the end notes). The single-file HTML export is
//! these parts in one page; the EPUB puts each in its own content document.
//!
//! Beyond AO3's fields, the `dl` also carries what ajar keeps and AO3 has no place for
//! (spoilers, kept header fields), so that the file reads back as the same work.

use super::ExportContext;
use crate::xhtml::{escape, to_xhtml};
use ajar_core::{completion_name, Chapter, Html, Work};
use std::fmt::Write;

/// The whole work as one HTML page.
pub(crate) fn document(work: &Work, ctx: &ExportContext) -> String {
    let mut out = String::with_capacity(
        work.chapters
            .iter()
            .map(|c| c.body.as_str().len() + 512)
            .sum::<usize>()
            + 8192,
    );
    let lang = escape(work.language.code());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>{title}</title>\n<meta name=\"generator\" content=\"{archive}\"/>\n",
        title = escape(&work.title),
        archive = escape(&ctx.archive_name),
    );
    for creator in &work.creators {
        let _ = writeln!(
            out,
            "<meta name=\"author\" content=\"{}\"/>",
            escape(creator)
        );
    }
    out.push_str("<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    preface(&mut out, work, ctx);
    out.push_str("<div id=\"chapters\" class=\"userstuff\">\n");
    for chapter in &work.chapters {
        self::chapter(&mut out, chapter);
    }
    out.push_str("</div>\n");
    afterword(&mut out, work);
    out.push_str("</body>\n</html>\n");
    out
}

/// A small stylesheet in the spirit of AO3's download CSS.
pub(crate) const STYLE: &str =
    "body{font-family:serif;line-height:1.5;margin:0 auto;max-width:40em;padding:0 1em}\
.meta{border-bottom:1px solid #ccc;margin-bottom:1em;padding-bottom:.5em}\
dl.tags dt{font-weight:bold;float:left;clear:left;margin-right:.5em}\
dl.tags dd{margin:0 0 .25em 0}\
blockquote.userstuff{margin:.5em 1.5em}\
.userstuff p{margin:.75em 0}\
.center{text-align:center}.big{font-size:larger}\
h1,h2{text-align:center}.byline{text-align:center}\
.toc-heading{display:none}\n";

/// The title page: AO3's preface.
pub(crate) fn preface(out: &mut String, work: &Work, ctx: &ExportContext) {
    out.push_str("<div id=\"preface\">\n<h2 class=\"toc-heading\">Preface</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"message\"><b>{}</b><br/>",
        escape(&work.title)
    );
    match ctx.work_url() {
        Some(url) => {
            let base = ctx.archive_url.as_deref().unwrap_or_default();
            let _ = write!(
                out,
                "Posted originally on <a href=\"{base}/\">{name}</a> at <a href=\"{url}\">{url}</a>.",
                base = escape(base),
                name = escape(&ctx.archive_name),
                url = escape(&url),
            );
        }
        None => {
            let _ = write!(out, "Exported from {}.", escape(&ctx.archive_name));
        }
    }
    out.push_str("</p>\n<div class=\"meta\">\n<dl class=\"tags\">\n");
    tags(out, "Rating", "Ratings", &[work.rating.name()]);
    let warnings: Vec<&str> = work.warnings.iter().map(|w| w.name()).collect();
    tags(out, "Archive Warning", "Archive Warnings", &warnings);
    let categories: Vec<&str> = work.categories.iter().map(|c| c.name()).collect();
    tags(out, "Category", "Categories", &categories);
    tags(out, "Fandom", "Fandoms", &names(&work.fandoms));
    tags(
        out,
        "Relationship",
        "Relationships",
        &names(&work.relationships),
    );
    tags(out, "Character", "Characters", &names(&work.characters));
    tags(
        out,
        "Additional Tags",
        "Additional Tags",
        &names(&work.tags),
    );
    let _ = writeln!(
        out,
        "<dt>Language:</dt>\n<dd>{}</dd>",
        escape(work.language.name())
    );
    if !work.series.is_empty() {
        out.push_str("<dt>Series:</dt>\n<dd>");
        for (i, s) in work.series.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "Part {} of <span class=\"series\">{}</span>",
                s.position,
                escape(&s.title)
            );
        }
        out.push_str("</dd>\n");
    }
    if let Some(spoilers) = &work.spoilers {
        let _ = writeln!(out, "<dt>Spoilers:</dt>\n<dd>{}</dd>", escape(spoilers));
    }
    // AO3's preface tells completion by its stats ("Completed:", "Chapters: 2/?"); a work
    // whose completion is unknown says so, or it would read back as a work in progress.
    if work.complete.is_none() {
        let _ = writeln!(
            out,
            "<dt>Status:</dt>\n<dd>{}</dd>",
            completion_name(work.complete)
        );
    }
    for extra in &work.extra {
        let _ = writeln!(
            out,
            "<dt class=\"extra\">{}:</dt>\n<dd class=\"extra\">{}</dd>",
            escape(&extra.key),
            escape(&extra.value)
        );
    }
    out.push_str("<dt>Stats:</dt>\n<dd>");
    let mut stats = Vec::new();
    if let Some(published) = work.published {
        stats.push(format!("Published: {published}"));
    }
    if let Some(updated) = work.updated {
        let label = if work.complete == Some(true) {
            "Completed"
        } else {
            "Updated"
        };
        stats.push(format!("{label}: {updated}"));
    }
    stats.push(format!("Words: {}", group_thousands(work.words())));
    stats.push(format!("Chapters: {}", work.chapter_label()));
    out.push_str(&stats.join(" "));
    out.push_str("</dd>\n</dl>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&work.title));
    if !work.creators.is_empty() {
        out.push_str("<div class=\"byline\">by ");
        for (i, creator) in work.creators.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "<span class=\"author\">{}</span>", escape(creator));
        }
        out.push_str("</div>\n");
    }
    note(out, "Summary", &work.summary, None);
    if !work.notes.is_empty() || !work.end_notes.is_empty() {
        out.push_str("<p>Notes</p>\n");
        if !work.notes.is_empty() {
            blockquote(out, &work.notes);
        }
        if !work.end_notes.is_empty() {
            out.push_str("<div class=\"endnote-link\">See the end of the work for notes</div>\n");
        }
    }
    out.push_str("</div>\n</div>\n");
}

/// `<dt>Fandom:</dt><dd>a, b</dd>`, singular or plural as AO3 writes it; nothing if empty.
fn names(list: &[ajar_core::TagName]) -> Vec<&str> {
    list.iter().map(|t| t.as_str()).collect()
}

fn tags(out: &mut String, one: &str, many: &str, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    let label = if names.len() == 1 { one } else { many };
    let _ = write!(out, "<dt>{label}:</dt>\n<dd>");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "<a class=\"tag\">{}</a>", escape(name));
    }
    out.push_str("</dd>\n");
}

fn note(out: &mut String, label: &str, html: &Html, id: Option<String>) {
    if html.is_empty() {
        return;
    }
    match &id {
        Some(id) => {
            let _ = write!(out, "<div class=\"meta\" id=\"{id}\">\n<p>{label}</p>\n");
        }
        None => {
            let _ = writeln!(out, "<p>{label}</p>");
        }
    }
    blockquote(out, html);
    if id.is_some() {
        out.push_str("</div>\n");
    }
}

fn blockquote(out: &mut String, html: &Html) {
    out.push_str("<blockquote class=\"userstuff\">");
    out.push_str(&to_xhtml(html.as_str()));
    out.push_str("</blockquote>\n");
}

/// AO3's heading: `Chapter 2: The Middle`, or `Chapter 2`.
pub(crate) fn chapter_heading(chapter: &Chapter) -> String {
    match &chapter.title {
        Some(title) => format!("Chapter {}: {title}", chapter.position),
        None => format!("Chapter {}", chapter.position),
    }
}

/// One chapter: heading and notes, text, end notes.
pub(crate) fn chapter(out: &mut String, chapter: &Chapter) {
    let _ = write!(
        out,
        "<div class=\"meta group\">\n<h2 class=\"heading\" id=\"chapter-{}\">{}</h2>\n",
        chapter.position,
        escape(&chapter_heading(chapter))
    );
    note(out, "Chapter Summary", &chapter.summary, None);
    note(out, "Chapter Notes", &chapter.notes, None);
    out.push_str("</div>\n<div class=\"userstuff\">\n");
    out.push_str(&to_xhtml(chapter.body.as_str()));
    out.push_str("\n</div>\n");
    note(
        out,
        "Chapter End Notes",
        &chapter.end_notes,
        Some(format!("endnotes{}", chapter.position)),
    );
}

/// The afterword with the work's end notes (nothing if there are none).
pub(crate) fn afterword(out: &mut String, work: &Work) {
    if work.end_notes.is_empty() {
        return;
    }
    out.push_str("<div id=\"afterword\">\n<h2 class=\"toc-heading\">Afterword</h2>\n<div class=\"meta\">\n<div id=\"endnotes\">\n<p>End Notes</p>\n");
    blockquote(out, &work.end_notes);
    out.push_str("</div>\n</div>\n</div>\n");
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && matches!((digits.len() - i) % 3, 0) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
