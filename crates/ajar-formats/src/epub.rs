//! EPUB files: AO3's downloads, FanFicFare's, and ajar's own.
//!
//! `META-INF/container.xml` names the package document (OPF); its metadata (`dc:title`,
//! `dc:creator`, `dc:language`, `dc:subject`, `dc:description`, `dc:date`, calibre's series
//! or EPUB 3's `belongs-to-collection`) and its spine (the reading order) are read, then
//! each content document of the spine, in order (the navigation document left out).
//!
//! - If a document holds AO3's preface (`div#preface`, as AO3's and ajar's EPUBs do), the
//!   documents are read together as one AO3 download (see `html.rs`): the preface's
//!   metadata wins over the OPF's, and each chapter's heading, notes and text come back.
//! - Otherwise (FanFicFare and other tools) the title page (`title_page.xhtml`, or a file
//!   named like it) is read for `Label: value` lines (or table rows) in the plain-text
//!   header's keys, the OPF fills what it does not say, and every other document is one
//!   chapter, titled by its first heading. FanFicFare's table of contents and log pages are
//!   left out.
//! - FanFicFare's EPUBs (signed in `dc:contributor` or the identifier's `id`) follow its
//!   conventions: `Category:` is the fandoms and `Genre:` the additional tags, either with
//!   AO3's categories among them; `Chapters:` counts what it fetched, not what is planned;
//!   `dc:language` is `en` when the site does not say; `dc:source` is where the story came
//!   from (kept as the extra field `Source`); and its bookkeeping subjects (the site's name,
//!   "Last Update: ...", "Completed") are never tags.
//!
//! The zip is read through `archive.rs`: entries whose path leaves the EPUB (`../`) or a
//! spine item missing from the zip make the whole file an error.

use crate::archive::{check_path, Zip};
use crate::dom;
use crate::fields::{Field, Metadata};
use crate::html::{self, Fallback};
use crate::{FormatError, FormatErrorKind};
use ajar_core::{Chapter, Html, Work};
use quick_xml::events::Event;
use std::collections::HashMap;

/// Reads an EPUB. `name` is used only in error messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    crate::check_size(name, bytes)?;
    read(bytes).map_err(|kind| FormatError::new(name, None, kind))
}

struct Item {
    href: String,
    media_type: String,
    properties: String,
}

#[derive(Default)]
struct Package {
    fallback: Fallback,
    items: HashMap<String, Item>,
    spine: Vec<String>,
}

fn read(bytes: &[u8]) -> Result<Work, FormatErrorKind> {
    let mut zip = Zip::open(bytes, "EPUB")?;
    let container = zip.read("META-INF/container.xml")?;
    let opf_path = rootfile(&container).ok_or(FormatErrorKind::BadEpub("package document"))?;
    check_path(&opf_path)?;
    let opf = zip.read(&opf_path)?;
    let package = package(&opf)?;
    let base = opf_path.rsplit_once('/').map_or("", |(dir, _)| dir);

    let mut documents: Vec<(String, String)> = Vec::new();
    for idref in &package.spine {
        let Some(item) = package.items.get(idref) else {
            continue;
        };
        let is_document = item.media_type == "application/xhtml+xml"
            || item.media_type == "text/html"
            || item.media_type.is_empty();
        if !is_document || item.properties.split_whitespace().any(|p| p == "nav") {
            continue;
        }
        let path = resolve(base, &item.href)?;
        let bytes = zip.read(&path)?;
        let text = crate::decode::decode(&bytes)?;
        documents.push((path, text));
    }
    if documents.is_empty() {
        return Err(FormatErrorKind::BadEpub("chapters in its reading order"));
    }

    // One document of all the bodies, for AO3's layout split over files.
    let mut joined = String::from("<!DOCTYPE html><html><body>");
    let mut bodies = Vec::with_capacity(documents.len());
    for (path, text) in &documents {
        let document = dom::parse(text);
        // The document must outlive its nodes: dropping an rcdom tree empties every node.
        let body = dom::by_name(&document, "body").unwrap_or_else(|| document.clone());
        let inner = dom::inner_html(&body);
        joined.push_str("<div class=\"epub-document\">");
        joined.push_str(&inner);
        joined.push_str("</div>");
        bodies.push((path.clone(), document, body));
    }
    joined.push_str("</body></html>");
    let document = dom::parse(&joined);
    if dom::by_id(&document, "preface").is_some() {
        return html::read_document(&document, Some(&package.fallback));
    }
    read_generic(bodies, &package.fallback)
}

/// FanFicFare and other EPUBs: a title page, then one chapter per document.
fn read_generic(
    bodies: Vec<(String, dom::Handle, dom::Handle)>,
    fallback: &Fallback,
) -> Result<Work, FormatErrorKind> {
    let mut meta = Metadata::default();
    let mut summary = Html::default();
    let mut chapters = Vec::new();
    let mut title_page_read = false;
    for (path, _document, body) in bodies {
        let file = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .to_ascii_lowercase();
        if file.starts_with("toc") || file.starts_with("log_page") || file.starts_with("cover") {
            continue;
        }
        if !title_page_read && (file.starts_with("title") || file.contains("titlepage")) {
            title_page_read = true;
            summary = read_title_page(&body, &mut meta, fallback.fanficfare);
            continue;
        }
        // FanFicFare's own heading first: the site's text may have headings of its own.
        let heading = dom::find(&body, &|n| dom::has_class(n, "fff_chapter_title"))
            .or_else(|| dom::find(&body, &|n| matches!(dom::name(n), "h1" | "h2" | "h3")));
        let title = heading.map(|h| {
            let title = dom::text(&h);
            dom::detach(&h);
            title
        });
        let body_html = html::sanitized_inner(&body);
        if body_html.to_text().trim().is_empty() {
            continue;
        }
        chapters.push(Chapter {
            title: title.filter(|t| !t.is_empty()),
            body: body_html,
            ..Chapter::default()
        });
    }
    // The package fills what the title page did not say.
    let said = meta.work();
    let mut fallback_used = Fallback {
        title: fallback.title.clone().filter(|_| !meta_has_title(&meta)),
        creators: fallback.creators.clone(),
        series: if said.series.is_empty() {
            fallback.series.clone()
        } else {
            Vec::new()
        },
        published: fallback
            .published
            .clone()
            .filter(|_| said.published.is_none()),
        // FanFicFare writes `en` when a site does not say; its title page does say.
        language: fallback
            .language
            .clone()
            .filter(|_| !(meta.language_given() || fallback.fanficfare && title_page_read)),
        fanficfare: fallback.fanficfare,
        publisher: fallback.publisher.clone(),
        ..Fallback::default()
    };
    if !title_page_read {
        fallback_used.subjects = fallback.subjects.clone();
    }
    let fields = fallback_fields(&fallback_used);
    for (key, field, value) in fields {
        meta.apply(key, field, &value, 0);
    }
    if let Some(source) = &fallback.source {
        if !meta.work().extra.iter().any(|e| e.key == SOURCE) {
            meta.keep_extra(SOURCE, source);
        }
    }
    // The package's description is the whole summary, markup and all, where the title
    // page's line may end at the summary's first paragraph: the one that says more wins.
    if let Some(description) = &fallback.summary {
        let description = if description.contains('<') {
            Html::sanitize(description)
        } else {
            Html::from_plain_text(description)
        };
        if description.to_text().len() > summary.to_text().len() {
            summary = description;
        }
    }
    if chapters.is_empty() {
        return Err(FormatErrorKind::NoText);
    }
    html::finish(meta, chapters, summary, Html::default(), Html::default())
}

/// The extra field that keeps where a downloaded story came from.
const SOURCE: &str = "Source";

fn meta_has_title(meta: &Metadata) -> bool {
    meta.title_line().is_some()
}

fn fallback_fields(f: &Fallback) -> Vec<(&'static str, Field, String)> {
    let mut out = Vec::new();
    if let Some(t) = &f.title {
        out.push(("title", Field::Title, t.clone()));
    }
    for c in &f.creators {
        out.push(("author", Field::Creators, c.clone()));
    }
    if let Some(l) = &f.language {
        out.push(("language", Field::Language, l.clone()));
    }
    for s in &f.subjects {
        match bookkeeping(s, f) {
            Some(Some(status)) => out.push(("Status", Field::Status, status.to_owned())),
            Some(None) => {}
            None => out.push(("tags", Field::Tags, s.clone())),
        }
    }
    for (s, i) in &f.series {
        let value = match i {
            Some(i) => format!("Part {i} of {s}"),
            None => s.clone(),
        };
        out.push(("series", Field::Series, value));
    }
    if let Some(p) = &f.published {
        out.push(("published", Field::Published, p.clone()));
    }
    out
}

/// FanFicFare's subjects that are not the work's tags: the site's name, its default extra
/// tag, "Last Update: ..." and the status words, which say whether the work is complete
/// (`Some(Some(status))`). `None` for a real tag.
fn bookkeeping<'a>(subject: &'a str, f: &Fallback) -> Option<Option<&'a str>> {
    if !f.fanficfare {
        return None;
    }
    let lower = subject.to_lowercase();
    if matches!(
        lower.as_str(),
        "completed" | "complete" | "in-progress" | "in progress"
    ) {
        return Some(Some(subject));
    }
    let site = f
        .publisher
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(subject));
    (site || lower == "fanfiction" || lower.starts_with("last update")).then_some(None)
}

/// FanFicFare's title page: `<b>Label:</b> value<br/>` lines, the title in a heading,
/// the summary after `Summary:`. Returns the summary.
fn read_title_page(body: &dom::Handle, meta: &mut Metadata, fanficfare: bool) -> Html {
    let mut summary = Html::default();
    if let Some(h) = dom::find(body, &|n| matches!(dom::name(n), "h1" | "h2" | "h3")) {
        // FanFicFare writes "Title by Author".
        let text = dom::text(&h);
        let anchors = dom::find_all(&h, &|n| dom::name(n) == "a");
        match anchors.split_first() {
            Some((title, authors)) if !authors.is_empty() => {
                meta.apply("title", Field::Title, &dom::text(title), 0);
                for author in authors {
                    meta.apply("author", Field::Creators, &dom::text(author), 0);
                }
            }
            _ => meta.apply("title", Field::Title, &text, 0),
        }
    }
    let mut label: Option<String> = None;
    let mut value = String::new();
    let mut flush = |label: &mut Option<String>, value: &mut String, meta: &mut Metadata| {
        if let Some(key) = label.take() {
            let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(text) = title_page_field(meta, &key, &v, fanficfare) {
                summary = text;
            }
        }
        value.clear();
    };
    for node in walk_inline(body) {
        match node {
            Inline::Label(text) => {
                flush(&mut label, &mut value, meta);
                label = Some(text);
            }
            Inline::Text(text) => value.push_str(&text),
            Inline::Break => {
                flush(&mut label, &mut value, meta);
            }
        }
    }
    flush(&mut label, &mut value, meta);
    summary
}

/// One `Label: value` line of a title page; returns the summary if it is the summary.
fn title_page_field(meta: &mut Metadata, key: &str, v: &str, fanficfare: bool) -> Option<Html> {
    if v.is_empty() {
        return None;
    }
    if fanficfare {
        match key.to_lowercase().as_str() {
            "category" | "genre" => {
                meta.add_fanficfare_list(key, key.eq_ignore_ascii_case("category"), v);
                return None;
            }
            // The chapters FanFicFare fetched, not the number planned: `Status:` says
            // whether more are coming.
            "chapters" => return None,
            "story url" => {
                meta.keep_extra(SOURCE, v);
                return None;
            }
            _ => {}
        }
    }
    match Field::for_key(key) {
        Some(Field::Summary) => return Some(Html::from_plain_text(v)),
        Some(Field::Title) if meta.title_line().is_some() => {}
        Some(Field::WordCount) => {}
        Some(field) => meta.apply(key, field, v, 0),
        None => meta.keep_extra(key, v),
    }
    None
}

enum Inline {
    /// `<b>Label:</b>`
    Label(String),
    Text(String),
    /// A line break or the end of a block.
    Break,
}

fn walk_inline(node: &dom::Handle) -> Vec<Inline> {
    let mut out = Vec::new();
    fn go(node: &dom::Handle, out: &mut Vec<Inline>) {
        for child in dom::children(node) {
            match dom::name(&child) {
                "" => {
                    if let markup5ever_rcdom::NodeData::Text { contents } = &child.data {
                        out.push(Inline::Text(contents.borrow().to_string()));
                    }
                }
                "b" | "strong" => {
                    let text = dom::text(&child);
                    match text.strip_suffix(':') {
                        Some(label) if label.split_whitespace().count() <= 4 => {
                            out.push(Inline::Label(label.trim().to_owned()))
                        }
                        _ => out.push(Inline::Text(text)),
                    }
                }
                "br" => out.push(Inline::Break),
                "h1" | "h2" | "h3" | "script" | "style" => {}
                "p" | "div" | "tr" | "li" | "dd" | "table" | "tbody" => {
                    go(&child, out);
                    out.push(Inline::Break);
                }
                _ => go(&child, out),
            }
        }
    }
    go(node, &mut out);
    out
}

/// A path in the zip for an `href` relative to the package document's folder.
fn resolve(base: &str, href: &str) -> Result<String, FormatErrorKind> {
    let href = href.split('#').next().unwrap_or(href);
    let decoded = percent_decode(href);
    if decoded.starts_with('/') || decoded.contains("://") {
        return Err(FormatErrorKind::UnsafePath(href.to_owned()));
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(FormatErrorKind::UnsafePath(href.to_owned()));
                }
            }
            p => parts.push(p),
        }
    }
    let path = parts.join("/");
    check_path(&path)?;
    Ok(path)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// FanFicFare (and fanficdownloader, its old name) signs its packages in `dc:contributor`
/// and in the `id` of `dc:identifier`.
fn is_fanficfare(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("fanficfare") || lower.contains("fanficdownloader")
}

/// The `full-path` of the first `rootfile` in `container.xml`.
fn rootfile(container: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(container);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"rootfile" => {
                return attr(&e, b"full-path");
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The package document's metadata, manifest and spine.
fn package(opf: &[u8]) -> Result<Package, FormatErrorKind> {
    let mut reader = quick_xml::Reader::from_reader(opf);
    let mut buf = Vec::new();
    let mut package = Package::default();
    let mut open: Option<(String, HashMap<String, String>)> = None;
    let mut text = String::new();
    let mut calibre_series: Option<String> = None;
    let mut calibre_index: Option<String> = None;
    let mut collections: Vec<(String, String)> = Vec::new(); // (id, title)
    let mut positions: HashMap<String, String> = HashMap::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| FormatErrorKind::BadArchive("EPUB", format!("package document: {e}")))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let attrs = e
                    .attributes()
                    .flatten()
                    .filter_map(|a| {
                        Some((
                            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                            a.unescape_value().ok()?.into_owned(),
                        ))
                    })
                    .collect();
                open = Some((name, attrs));
                text.clear();
            }
            Event::Empty(e) => {
                let local = e.local_name();
                match local.as_ref() {
                    b"item" => {
                        if let (Some(id), Some(href)) = (attr(&e, b"id"), attr(&e, b"href")) {
                            package.items.insert(
                                id,
                                Item {
                                    href,
                                    media_type: attr(&e, b"media-type").unwrap_or_default(),
                                    properties: attr(&e, b"properties").unwrap_or_default(),
                                },
                            );
                        }
                    }
                    b"itemref" => {
                        if let Some(idref) = attr(&e, b"idref") {
                            package.spine.push(idref);
                        }
                    }
                    b"meta" => match attr(&e, b"name").as_deref() {
                        Some("calibre:series") => calibre_series = attr(&e, b"content"),
                        Some("calibre:series_index") => calibre_index = attr(&e, b"content"),
                        _ => {}
                    },
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Ok(s) = t.decode() {
                    text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Ok(name) = r.decode() {
                    text.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                if let Some((name, attrs)) = open.take() {
                    let value = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let f = &mut package.fallback;
                    match name.as_str() {
                        "title" if f.title.is_none() && !value.is_empty() => f.title = Some(value),
                        "contributor" | "identifier"
                            if is_fanficfare(&value)
                                || attrs.get("id").is_some_and(|id| is_fanficfare(id)) =>
                        {
                            f.fanficfare = true
                        }
                        "source" if value.contains("://") => f.source = Some(value),
                        "identifier" if f.source.is_none() => {
                            let url = value.strip_prefix("URL:").unwrap_or(&value);
                            let scheme = attrs.get("scheme").map(String::as_str);
                            if (scheme == Some("URL") || value.starts_with("URL:"))
                                && url.contains("://")
                            {
                                f.source = Some(url.to_owned());
                            }
                        }
                        "publisher" if !value.is_empty() => f.publisher = Some(value),
                        "creator" if !value.is_empty() => f.creators.push(value),
                        "language" if f.language.is_none() => f.language = Some(value),
                        "subject" if !value.is_empty() => f.subjects.push(value),
                        "description" if !value.is_empty() => {
                            f.summary = Some(text.trim().to_owned())
                        }
                        "date" if f.published.is_none() => {
                            f.published = Some(value.chars().take(10).collect())
                        }
                        "meta" => match attrs.get("property").map(String::as_str) {
                            Some("belongs-to-collection") => collections
                                .push((attrs.get("id").cloned().unwrap_or_default(), value)),
                            Some("group-position") => {
                                if let Some(target) = attrs.get("refines") {
                                    positions
                                        .insert(target.trim_start_matches('#').to_owned(), value);
                                }
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let f = &mut package.fallback;
    for (id, title) in collections {
        f.series.push((title, positions.get(&id).cloned()));
    }
    if f.series.is_empty() {
        if let Some(series) = calibre_series {
            f.series.push((
                series,
                calibre_index.map(|i| i.trim_end_matches(".0").to_owned()),
            ));
        }
    }
    if package.spine.is_empty() {
        return Err(FormatErrorKind::BadEpub("reading order (spine)"));
    }
    Ok(package)
}
