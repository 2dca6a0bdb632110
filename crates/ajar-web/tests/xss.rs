//! The XSS corpus in CI (issue 10): more than 750 hostile strings (the Big List of Naughty
//! Strings and our own OWASP filter-evasion, mutation-XSS, control-character and Unicode
//! payloads, in `tests/xss/`) go into every text field a stranger can fill, and nothing they
//! make may run script, carry an event handler or an executable URL, or break an XML
//! document.
//!
//! - `every_payload_is_inert_in_the_store_and_every_export` (no browser needed): each payload
//!   as a work posted in HTML, Markdown and plain text and as a story file of each kind (plain
//!   text, Markdown front matter, AO3-style HTML, EPUB), stored on SQLite and PostgreSQL, read
//!   back, and exported as HTML, EPUB, TXT and Markdown.
//! - `every_payload_is_inert_in_a_real_browser`: the payloads posted through the real forms
//!   (works, chapters, tags of every kind, series, comments, guest names, bookmarks, pseuds,
//!   reports, the search box) and imported as story files, then every page that shows them,
//!   the Atom feeds, the admin reports queue and the HTML and EPUB downloads (from file://)
//!   rendered in headless Chromium by `tests/browser/xss.mjs` with script hooks, dialog and
//!   CSP-violation listeners, clicking every link. By default a deterministic sample (every
//!   payload in at least one field, the others rotating); `AJAR_XSS_FULL=1` posts every
//!   payload in every field in every format. Skips like `browser.rs` without Chromium.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

#[path = "xss/checks.rs"]
mod checks;
mod common;

use ajar_core::{Chapter, Html, SeriesMembership, TagName, Work};
use ajar_formats::{read_story_file, write_work, ExportContext, ExportFormat};
use ajar_store::testing::TestStore;
use ajar_store::Backend;
use checks::Payload;
use common::TestApp;
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// What a field takes

fn has_word(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A title (of a work, chapter or series) the form takes.
fn fits_title(text: &str) -> bool {
    has_word(text) && chars(text) <= 200
}

/// A comma-separated tag list the work form takes, every tag with a word in it.
fn fits_tags(text: &str) -> bool {
    match TagName::parse_list(text) {
        Ok(list) => {
            !list.is_empty()
                && list.len() <= 10
                && list
                    .iter()
                    .all(|t| has_word(t.as_str()) && chars(t.as_str()) <= 100)
        }
        Err(_) => false,
    }
}

/// A bookmark's tag list: at most 100 characters a tag, no control characters.
fn fits_bookmark_tags(text: &str) -> bool {
    chars(text) <= 1000
        && !text.chars().any(char::is_control)
        && text.split(',').all(|t| chars(t.trim()) <= 100)
}

/// A pseud name (`ajar_core::validate_pseud_name`), with a word in it so it stays one when
/// invisible characters are dropped.
fn fits_pseud(text: &str) -> bool {
    ajar_core::validate_pseud_name(text).is_ok() && has_word(text)
}

// ---------------------------------------------------------------------------------------
// Story files made from a payload

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The payload as a title where it can be one (a file must have a title).
fn title_of(text: &str, id: usize) -> String {
    if fits_title(text) && !text.contains(['\n', '\r']) {
        text.to_owned()
    } else {
        format!("Payload {id}")
    }
}

/// The payload in every field of a story file of each kind: (file name, bytes).
fn story_files(p: &Payload) -> Vec<(String, Vec<u8>)> {
    let t = title_of(&p.text, p.id);
    let x = &p.text;
    let txt = format!(
        "Title: {t}\n\nAuthor: {x}\n\nFandom: {x}\n\nRelationship: {x}\n\nCharacters: {x}\n\n\
         Tags: {x}\n\nSeries: {x}\n\nSpoilers: {x}\n\nSummary: {x}\n\nA/N: {x}\n\n\
         Unknown Key: {x}\n\nThe story begins.\n\n{x}\n\nChapter 2: {t}\n\nIt goes on.\n\n{x}\n\nEnd Note: {x}\n"
    );
    let json = |s: &str| serde_json::to_string(s).unwrap();
    let md = format!(
        "---\ntitle: {}\nauthor: {}\nfandom: {}\nrelationships: [{}]\ncharacters: [{}]\n\
         tags: [{}]\nsummary: {}\nnotes: {}\nseries: {}\n---\n\nThe story begins.\n\n{x}\n\n\
         ## Chapter 2: {t}\n\nIt goes on.\n\n{x}\n",
        json(&t),
        json(x),
        json(x),
        json(x),
        json(x),
        json(x),
        json(x),
        json(x),
        json(x)
    );
    let ao3 = format!(
        "<!DOCTYPE html><html><head><meta charset=\"UTF-8\"><title>{x}</title></head><body>\n\
         <div id=\"preface\"><p class=\"message\"><b>{x}</b></p><h1>{x} Payload {id}</h1>\n\
         <div class=\"byline\">by <a rel=\"author\" href=\"https://archiveofourown.org/users/x\">{x}</a></div>\n\
         <dl class=\"tags\"><dt>Rating:</dt><dd>Not Rated</dd>\n\
         <dt>Fandom:</dt><dd><a href=\"https://archiveofourown.org/tags/x\">{x}</a></dd>\n\
         <dt>Relationship:</dt><dd>{x}</dd><dt>Character:</dt><dd>{x}</dd>\n\
         <dt>Additional Tags:</dt><dd>{x}</dd><dt>Series:</dt><dd>Part 1 of <a href=\"x\">{x}</a></dd></dl>\n\
         <p>Summary</p><blockquote class=\"userstuff\">{x}</blockquote>\n\
         <p>Notes</p><blockquote class=\"userstuff\">{x}</blockquote></div>\n\
         <div id=\"chapters\" class=\"userstuff\">\n\
         <div class=\"meta group\"><h2 class=\"heading\">Chapter 1: {x}</h2>\
         <p>Chapter Summary</p><blockquote class=\"userstuff\">{x}</blockquote></div>\n\
         <div class=\"userstuff\"><p>The story begins.</p>{x}</div>\n\
         <div class=\"meta group\"><h2 class=\"heading\">Chapter 2: {x}</h2></div>\n\
         <div class=\"userstuff\"><p>It goes on.</p>{x}</div></div>\n\
         <div id=\"afterword\"><p>End Notes</p><blockquote class=\"userstuff\">{x}</blockquote></div>\n\
         </body></html>",
        id = p.id
    );
    vec![
        (format!("payload-{}.txt", p.id), txt.into_bytes()),
        (format!("payload-{}.md", p.id), md.into_bytes()),
        (format!("payload-{}.html", p.id), ao3.into_bytes()),
        (format!("payload-{}.epub", p.id), epub_file(p, &t)),
    ]
}

/// A FanFicFare-shaped EPUB: the payload XML-escaped in the package metadata and raw in the
/// title page and the chapter.
fn epub_file(p: &Payload, title: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let x = &p.text;
    let e = xml_escape(x);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/epub+zip").unwrap();
    zip.start_file("META-INF/container.xml", stored).unwrap();
    zip.write_all(
        b"<?xml version=\"1.0\"?><container version=\"1.0\" \
          xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles>\
          <rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\
          </rootfiles></container>",
    )
    .unwrap();
    zip.start_file("OEBPS/content.opf", stored).unwrap();
    let opf = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <package xmlns=\"http://www.idpf.org/2007/opf\" version=\"2.0\" unique-identifier=\"id\">\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <dc:identifier id=\"id\">payload-{id}</dc:identifier><dc:title>{t}</dc:title>\
         <dc:creator>{e}</dc:creator><dc:language>en</dc:language><dc:subject>{e}</dc:subject>\
         <dc:description>{e}</dc:description><meta name=\"calibre:series\" content=\"{e}\"/>\
         </metadata><manifest>\
         <item id=\"title\" href=\"title_page.xhtml\" media-type=\"application/xhtml+xml\"/>\
         <item id=\"c1\" href=\"file0001.xhtml\" media-type=\"application/xhtml+xml\"/>\
         </manifest><spine><itemref idref=\"title\"/><itemref idref=\"c1\"/></spine></package>",
        id = p.id,
        t = xml_escape(title),
    );
    zip.write_all(opf.as_bytes()).unwrap();
    zip.start_file("OEBPS/title_page.xhtml", stored).unwrap();
    let title_page = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>{e}</title></head><body>\
         <h3>{x} Payload {id}</h3><div><b>Title:</b> {x}<br/><b>Author:</b> {x}<br/><b>Summary:</b> {x}<br/><b>Fandom:</b> {x}<br/>\
         <b>Characters:</b> {x}<br/><b>Tags:</b> {x}<br/></div></body></html>",
        id = p.id
    );
    zip.write_all(title_page.as_bytes()).unwrap();
    zip.start_file("OEBPS/file0001.xhtml", stored).unwrap();
    let chapter = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>{e}</title></head><body>\
         <h2>{x}</h2><p>The story begins.</p>{x}</body></html>"
    );
    zip.write_all(chapter.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

// ---------------------------------------------------------------------------------------
// Everything a payload can be stored as, and the checks of the stored work and its exports

/// Problems are "payload #N (origin) "text" via SOURCE, in PLACE: problem".
struct Findings {
    lines: Vec<String>,
    payloads: BTreeSet<usize>,
}

impl Findings {
    fn new() -> Findings {
        Findings {
            lines: Vec::new(),
            payloads: BTreeSet::new(),
        }
    }

    fn add(&mut self, p: &Payload, source: &str, place: &str, problems: Vec<String>) {
        for problem in problems {
            self.payloads.insert(p.id);
            self.lines.push(format!(
                "payload #{} ({}) {:?} via {source}, in {place}: {problem}",
                p.id,
                p.origin,
                short(&p.text)
            ));
        }
    }

    fn assert_none(&self, what: &str) {
        if self.lines.is_empty() {
            return;
        }
        let mut report = format!(
            "{what}: {} problems from {} payloads:\n",
            self.lines.len(),
            self.payloads.len()
        );
        let shown = if std::env::var("AJAR_XSS_DEBUG").is_ok() {
            usize::MAX
        } else {
            60
        };
        for line in self.lines.iter().take(shown) {
            let _ = writeln!(report, "  {line}");
        }
        if self.lines.len() > shown {
            let _ = writeln!(
                report,
                "  ... and {} more (AJAR_XSS_DEBUG=1 lists them all)",
                self.lines.len() - shown
            );
        }
        panic!("{report}");
    }
}

fn short(text: &str) -> String {
    if chars(text) > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// A work as the posting form makes it from the payload, every text field holding it: HTML
/// fields in each format ("html", "markdown", "plain"), after the form's reader drops the
/// characters XML cannot hold (`ajar_core::xml_text`).
fn posted_work(p: &Payload) -> Work {
    let typed = ajar_core::xml_text(&p.text).into_owned();
    let x = &typed;
    let as_html = |format: &str, text: &str| match format {
        "html" => Html::sanitize(text),
        "markdown" => ajar_formats::markdown::markdown_to_html(text),
        _ => Html::from_plain_text(text),
    };
    let tags = |kind: &str| {
        TagName::parse_list(x)
            .ok()
            .filter(|_| fits_tags(x))
            .unwrap_or_else(|| vec![TagName::parse(&format!("{kind} {}", p.id)).unwrap()])
    };
    let chapter = |format: &str| Chapter {
        title: Some(x.clone()),
        summary: as_html(format, x),
        notes: as_html(format, x),
        end_notes: as_html(format, x),
        body: as_html(format, &format!("The story begins.\n\n{x}")),
        ..Chapter::default()
    };
    let mut work = Work {
        title: title_of(x, p.id),
        creators: vec![if fits_pseud(x) {
            x.trim().to_owned()
        } else {
            format!("creator {}", p.id)
        }],
        summary: as_html("html", x),
        notes: as_html("markdown", x),
        end_notes: as_html("plain", x),
        fandoms: tags("Fandom"),
        relationships: tags("Relationship"),
        characters: tags("Character"),
        tags: tags("Tag"),
        spoilers: Some(x.clone()),
        series: vec![SeriesMembership {
            title: title_of(x, p.id),
            position: 1,
        }],
        chapters: vec![chapter("html"), chapter("markdown"), chapter("plain")],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

/// What is wrong with a stored work's own fields: HTML fields as a browser reads them, and
/// text fields holding characters no XML document (a feed, an EPUB) can hold.
fn stored_problems(work: &Work) -> Vec<String> {
    let mut problems = Vec::new();
    let mut html = |place: &str, h: &Html| {
        for problem in checks::html_problems(h.as_str()) {
            problems.push(format!("stored {place}: {problem}"));
        }
    };
    html("summary", &work.summary);
    html("notes", &work.notes);
    html("end notes", &work.end_notes);
    for c in &work.chapters {
        html(&format!("chapter {} text", c.position), &c.body);
        html(&format!("chapter {} summary", c.position), &c.summary);
        html(&format!("chapter {} notes", c.position), &c.notes);
        html(&format!("chapter {} end notes", c.position), &c.end_notes);
    }
    let mut texts: Vec<(&str, &str)> = vec![("title", &work.title)];
    texts.extend(work.creators.iter().map(|c| ("creator", c.as_str())));
    for tag in work
        .fandoms
        .iter()
        .chain(&work.relationships)
        .chain(&work.characters)
        .chain(&work.tags)
    {
        texts.push(("tag", tag.as_str()));
    }
    texts.extend(work.spoilers.iter().map(|s| ("spoilers", s.as_str())));
    texts.extend(
        work.series
            .iter()
            .map(|s| ("series title", s.title.as_str())),
    );
    texts.extend(
        work.chapters
            .iter()
            .filter_map(|c| c.title.as_deref().map(|t| ("chapter title", t))),
    );
    texts.extend(
        work.extra
            .iter()
            .map(|f| ("kept header field", f.value.as_str())),
    );
    for (place, text) in texts {
        if let Some(c) = text.chars().find(|c| !checks::is_xml_char(*c)) {
            problems.push(format!(
                "stored {place}: U+{:04X}, which no XML document can hold",
                c as u32
            ));
        }
    }
    problems
}

/// What is wrong with a work's exports.
fn export_problems(work: &Work, work_id: i64) -> Vec<String> {
    let ctx = ExportContext {
        work_id: Some(work_id),
        archive_name: "ajar".into(),
        archive_url: Some("https://fics.example".into()),
        ..ExportContext::default()
    };
    let mut problems = Vec::new();
    let mut export = |format: ExportFormat| match write_work(work, format, &ctx) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            problems.push(format!("{format:?} export failed: {e}"));
            None
        }
    };
    let html = export(ExportFormat::Html);
    let epub = export(ExportFormat::Epub);
    let txt = export(ExportFormat::Txt);
    let md = export(ExportFormat::Md);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    if let Some(b) = html {
        problems.extend(
            checks::html_problems(&text(&b))
                .into_iter()
                .map(|p| format!("HTML download: {p}")),
        );
    }
    if let Some(b) = epub {
        problems.extend(
            checks::epub_problems(&b)
                .into_iter()
                .map(|p| format!("EPUB download: {p}")),
        );
    }
    if let Some(b) = txt {
        problems.extend(
            checks::text_problems(&text(&b))
                .into_iter()
                .map(|p| format!("TXT download: {p}")),
        );
    }
    if let Some(b) = md {
        problems.extend(
            checks::markdown_problems(&text(&b))
                .into_iter()
                .map(|p| format!("Markdown download: {p}")),
        );
    }
    problems
}

async fn every_payload_is_inert_in_the_store_and_every_export(backend: Backend) {
    let Some(db) = TestStore::new(backend).await else {
        return;
    };
    let store = db.store();
    let corpus = checks::corpus();
    assert!(corpus.len() >= 500, "{} payloads", corpus.len());
    let mut findings = Findings::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut stored = 0usize;
    for p in &corpus {
        let mut works = vec![("the posting form".to_owned(), posted_work(p))];
        for (name, bytes) in story_files(p) {
            let kind = name.rsplit('.').next().unwrap_or("").to_owned();
            match read_story_file(&name, &bytes) {
                Ok(work) => works.push((format!("a .{kind} story file"), work)),
                Err(e) => {
                    if std::env::var("AJAR_XSS_DEBUG").is_ok() {
                        eprintln!("refused #{}: {e}", p.id);
                    }
                    *refused.entry(kind).or_default() += 1
                }
            }
        }
        for (source, work) in works {
            let id = match store.insert_work(&work).await {
                Ok(id) => id,
                Err(e) => {
                    findings.add(p, &source, "the store", vec![format!("not stored: {e}")]);
                    continue;
                }
            };
            stored += 1;
            let back = store.work(id).await.unwrap().expect("the stored work").work;
            findings.add(p, &source, "the stored work", stored_problems(&back));
            findings.add(p, &source, "the exports", export_problems(&back, id.0));
        }
    }
    eprintln!(
        "{backend:?}: {} payloads, {stored} works stored and exported; story files refused \
         with an error: {refused:?}",
        corpus.len()
    );
    // A refusal is fine (bad input gets an error), but most files must get through, or the
    // importers are not being tested.
    for (kind, n) in &refused {
        assert!(
            *n < corpus.len() / 4,
            "{n} .{kind} files of {} refused",
            corpus.len()
        );
    }
    db.cleanup().await;
    findings.assert_none(&format!("{backend:?}"));
}

#[tokio::test]
async fn every_payload_is_inert_in_the_store_and_every_export_on_sqlite() {
    every_payload_is_inert_in_the_store_and_every_export(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_payload_is_inert_in_the_store_and_every_export_on_postgres() {
    every_payload_is_inert_in_the_store_and_every_export(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------
// The forms, and the pages in a browser

/// A text field of a form that a payload goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Title,
    Summary,
    Notes,
    EndNotes,
    Fandoms,
    Relationships,
    Characters,
    Freeforms,
    Spoilers,
    SeriesTitle,
    ChapterTitle,
    ChapterSummary,
    ChapterNotes,
    ChapterEndNotes,
    Body,
    Chapter2Title,
    Chapter2Body,
    Comment,
    GuestName,
    BookmarkNotes,
    BookmarkTags,
    Report,
}

impl Field {
    const ALL: [Field; 22] = [
        Field::Title,
        Field::Summary,
        Field::Notes,
        Field::EndNotes,
        Field::Fandoms,
        Field::Relationships,
        Field::Characters,
        Field::Freeforms,
        Field::Spoilers,
        Field::SeriesTitle,
        Field::ChapterTitle,
        Field::ChapterSummary,
        Field::ChapterNotes,
        Field::ChapterEndNotes,
        Field::Body,
        Field::Chapter2Title,
        Field::Chapter2Body,
        Field::Comment,
        Field::GuestName,
        Field::BookmarkNotes,
        Field::BookmarkTags,
        Field::Report,
    ];

    fn accepts(self, text: &str) -> bool {
        match self {
            Field::Title | Field::SeriesTitle | Field::ChapterTitle | Field::Chapter2Title => {
                fits_title(text)
            }
            Field::Fandoms | Field::Relationships | Field::Characters | Field::Freeforms => {
                fits_tags(text)
            }
            Field::BookmarkTags => fits_bookmark_tags(text),
            Field::GuestName => {
                has_word(text) && chars(text.trim()) <= 50 && !text.chars().any(char::is_control)
            }
            Field::Comment | Field::Report => has_word(text) && chars(text.trim()) <= 2000,
            Field::Spoilers => chars(text) <= 1000,
            _ => chars(text) <= 5000,
        }
    }

    /// What the field holds when no payload goes into it.
    fn filler(self, work: usize) -> String {
        match self {
            Field::Title => format!("Corpus work {work}"),
            Field::Fandoms => "Corpus Fandom".into(),
            Field::Comment => "A comment.".into(),
            Field::GuestName => "A guest".into(),
            Field::Report => "Please look at this.".into(),
            Field::Body | Field::Chapter2Body => "The story goes on.".into(),
            _ => String::new(),
        }
    }
}

/// One work posted through the forms: which payload goes into which field.
struct PlannedWork {
    format: &'static str,
    fields: BTreeMap<Field, usize>,
}

/// Which payload goes where. Sampled: every payload in at least one field that takes it,
/// the fields left over filled by rotation, formats in turn. Full: every payload in every
/// field that takes it, once in each format.
fn plan(corpus: &[Payload], full: bool) -> Vec<PlannedWork> {
    const FORMATS: [&str; 3] = ["html", "markdown", "plain"];
    let mut works = Vec::new();
    if full {
        for p in corpus {
            for format in FORMATS {
                let fields = Field::ALL
                    .iter()
                    .filter(|f| f.accepts(&p.text))
                    .map(|f| (*f, p.id))
                    .collect();
                works.push(PlannedWork { format, fields });
            }
        }
        return works;
    }
    let mut pending: Vec<usize> = (0..corpus.len()).collect();
    let mut turn = 0usize;
    while !pending.is_empty() {
        let mut fields = BTreeMap::new();
        for (f, field) in Field::ALL.iter().enumerate() {
            let next = pending.iter().position(|&i| field.accepts(&corpus[i].text));
            let index = match next {
                Some(at) => pending.remove(at),
                None => {
                    // Rotate through everything the field takes.
                    let takes: Vec<usize> = (0..corpus.len())
                        .filter(|&i| field.accepts(&corpus[i].text))
                        .collect();
                    if takes.is_empty() {
                        continue;
                    }
                    takes[(turn * 7 + f * 13) % takes.len()]
                }
            };
            fields.insert(*field, corpus[index].id);
        }
        works.push(PlannedWork {
            format: FORMATS[turn % 3],
            fields,
        });
        turn += 1;
    }
    works
}

fn full_run() -> bool {
    std::env::var("AJAR_XSS_FULL").is_ok_and(|v| v.trim() == "1")
}

/// The id in a `/works/{id}` redirect.
fn work_id_in(location: &str) -> Option<i64> {
    location
        .strip_prefix("/works/")
        .and_then(|rest| rest.split(['/', '#', '?']).next())
        .and_then(|id| id.parse().ok())
}

/// Every distinct `href="PREFIX..."` on a page, HTML-unescaped.
fn links(body: &str, prefix: &str) -> Vec<String> {
    let needle = format!("href=\"{prefix}");
    let mut out = BTreeSet::new();
    let mut rest = body;
    while let Some(at) = rest.find(&needle) {
        let value = &rest[at + "href=\"".len()..];
        let end = value.find('"').unwrap_or(value.len());
        out.insert(
            value[..end]
                .replace("&amp;", "&")
                .replace("&#x27;", "'")
                .replace("&#39;", "'")
                .replace("&quot;", "\""),
        );
        rest = &value[end..];
    }
    out.into_iter().collect()
}

/// One document for the browser: an address (http:// or file://), the account whose session
/// it is opened with, and what it shows.
#[derive(serde::Serialize)]
struct Document {
    url: String,
    session: &'static str,
    label: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_payload_is_inert_in_a_real_browser() {
    if common::skip_without_browser("xss") {
        return;
    }
    // The corpus posts hundreds of works and comments from three accounts.
    std::env::set_var("AJAR_RATE_LIMITS", "off");
    let full = full_run();
    let corpus = checks::corpus();
    let by_id: BTreeMap<usize, &Payload> = corpus.iter().map(|p| (p.id, p)).collect();
    let works = plan(&corpus, full);
    let app = TestApp::spawn().await;
    let writer = app.user("xsswriter").await;
    let reader = app.user("xssreader").await;
    let admin = app.admin("xssadmin").await;
    let guest = app.guest();
    let mut findings = Findings::new();

    // Pseuds: names from the corpus, up to 19 more per account (20 in all).
    let pseud_payloads: Vec<&Payload> = {
        let mut seen = BTreeSet::new();
        corpus
            .iter()
            .filter(|p| fits_pseud(&p.text))
            .filter(|p| seen.insert(p.text.trim().to_lowercase()))
            .collect()
    };
    let pseud_payloads: Vec<&Payload> = if full {
        pseud_payloads
    } else {
        pseud_payloads
            .iter()
            .step_by(pseud_payloads.len().div_ceil(19).max(1))
            .copied()
            .collect()
    };
    let mut pseud_writers = vec![writer.clone()];
    let mut pseuds_refused = 0;
    for (n, p) in pseud_payloads.iter().enumerate() {
        if n > 0 && n % 19 == 0 {
            pseud_writers.push(app.user(&format!("xsswriter{}", n / 19)).await);
        }
        let account = pseud_writers.last().unwrap();
        account.get("/account").await;
        let added = account.post("/account/pseuds", &[("name", &p.text)]).await;
        // A refusal is no harm (two names may be the same once cleaned), only less tested.
        if added.status != StatusCode::SEE_OTHER {
            pseuds_refused += 1;
        }
    }
    let writer_user = app.store.user_by_name("xsswriter").await.unwrap().unwrap();
    let pseuds = app.store.pseuds_of(writer_user.id).await.unwrap();
    eprintln!(
        "xss: {} payloads, {} works to post ({}), {} pseuds ({pseuds_refused} refused)",
        corpus.len(),
        works.len(),
        if full { "full" } else { "sampled" },
        pseud_payloads.len()
    );

    // The works, through the forms.
    let mut work_ids = Vec::new();
    for (w, planned) in works.iter().enumerate() {
        let value = |field: Field| match planned.fields.get(&field) {
            Some(id) => by_id[id].text.clone(),
            None => field.filler(w),
        };
        let body = format!("The story begins.\n\n{}", value(Field::Body));
        let pseud = pseuds[w % pseuds.len()].id.0.to_string();
        let texts = [
            ("title", value(Field::Title)),
            ("fandoms", value(Field::Fandoms)),
            ("relationships", value(Field::Relationships)),
            ("characters", value(Field::Characters)),
            ("freeforms", value(Field::Freeforms)),
            ("summary", value(Field::Summary)),
            ("notes", value(Field::Notes)),
            ("end_notes", value(Field::EndNotes)),
            ("spoilers", value(Field::Spoilers)),
            ("series_title", value(Field::SeriesTitle)),
            ("chapter_title", value(Field::ChapterTitle)),
            ("chapter_summary", value(Field::ChapterSummary)),
            ("chapter_notes", value(Field::ChapterNotes)),
            ("chapter_end_notes", value(Field::ChapterEndNotes)),
            ("body", body),
        ];
        let mut form: Vec<(&str, &str)> = vec![
            ("pseud", &pseud),
            ("rating", "teen"),
            ("warning", "none"),
            ("category", "gen"),
            ("language", "English"),
            ("format", planned.format),
            ("visibility", "public"),
            ("comments", "anyone"),
            ("series_position", ""),
            ("action", "post"),
        ];
        form.extend(texts.iter().map(|(k, v)| (*k, v.as_str())));
        writer.get("/works/new").await;
        let posted = writer.post("/works/new", &form).await;
        let Some(id) =
            work_id_in(posted.location()).filter(|_| posted.status == StatusCode::SEE_OTHER)
        else {
            panic!(
                "work {w} ({:?}) was refused: {}\n{}",
                planned.fields,
                posted.status,
                posted
                    .body
                    .lines()
                    .filter(|l| l.contains("error") || l.contains("<li>"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        };
        work_ids.push(id);
        let chapter = [
            ("title", value(Field::Chapter2Title)),
            (
                "body",
                format!("It goes on.\n\n{}", value(Field::Chapter2Body)),
            ),
        ];
        writer.get(&format!("/works/{id}/chapters/new")).await;
        let added = writer
            .post(
                &format!("/works/{id}/chapters/new"),
                &[
                    ("title", chapter[0].1.as_str()),
                    ("body", chapter[1].1.as_str()),
                    ("format", planned.format),
                ],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "chapter 2 of work {id}: {}",
            added.body
        );

        // A reader's comment, a guest's comment, a bookmark and a report.
        reader.get(&format!("/works/{id}")).await;
        let comment = value(Field::Comment);
        let mut sent = reader
            .post(
                &format!("/works/{id}/comments"),
                &[("chapter", "1"), ("body", &comment)],
            )
            .await;
        if sent.status == StatusCode::BAD_REQUEST {
            // Sanitized to nothing: say something around it.
            let said = format!("Lovely. {comment}");
            sent = reader
                .post(
                    &format!("/works/{id}/comments"),
                    &[("chapter", "1"), ("body", &said)],
                )
                .await;
        }
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "comment: {}", sent.body);
        guest.get(&format!("/works/{id}")).await;
        let sent = guest
            .post(
                &format!("/works/{id}/comments"),
                &[
                    ("chapter", "2"),
                    ("name", &value(Field::GuestName)),
                    ("body", "A guest was here."),
                ],
            )
            .await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "guest comment: {}",
            sent.body
        );
        let sent = reader
            .post(
                &format!("/works/{id}/bookmark"),
                &[
                    ("notes", &value(Field::BookmarkNotes)),
                    ("tags", &value(Field::BookmarkTags)),
                    ("rec", "on"),
                ],
            )
            .await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "bookmark: {}",
            sent.body
        );
        let id_text = id.to_string();
        reader.get(&format!("/reports/new?work={id}")).await;
        let sent = reader
            .post(
                "/reports/new",
                &[("work", &id_text), ("reason", &value(Field::Report))],
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "report: {}", sent.body);
    }

    // Story files, as `ajar import` stores them: every payload as every kind of file in a
    // full run; otherwise a sample of payloads, each as one kind of file in turn.
    let mut imported = Vec::new();
    for (n, p) in corpus.iter().step_by(if full { 1 } else { 53 }).enumerate() {
        for (k, (name, bytes)) in story_files(p).into_iter().enumerate() {
            if !full && k != n % 4 {
                continue;
            }
            if let Ok(work) = read_story_file(&name, &bytes) {
                imported.push(app.insert(&work).await.0);
            }
        }
    }
    app.caught_up().await;

    // The documents to render.
    let artifacts = common::workspace_root().join("target/xss-artifacts");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut documents: Vec<Document> = Vec::new();
    let mut page = |url: String, session: &'static str, label: String| {
        documents.push(Document {
            url,
            session,
            label,
        });
    };
    let base = app.base.clone();
    let mut plan_text = String::new();
    let mut tag_links = BTreeSet::new();
    let mut people_links = BTreeSet::new();
    let mut other_links = BTreeSet::new();
    let mut feeds = BTreeSet::new();
    for (n, id) in work_ids.iter().chain(&imported).enumerate() {
        let label = match works.get(n) {
            Some(planned) => {
                let _ = writeln!(
                    plan_text,
                    "work {id} ({} form): {:?}",
                    planned.format, planned.fields
                );
                format!("work {id} ({} form)", planned.format)
            }
            None => format!("imported work {id}"),
        };
        // The whole work holds every chapter; a sampled run leaves out the chapter pages
        // (and the first chapter's page for imported works).
        let mut paths = vec![format!("/works/{id}/full")];
        if full || n < work_ids.len() {
            paths.push(format!("/works/{id}"));
        }
        if full {
            paths.push(format!("/works/{id}/chapters/2"));
        }
        for path in paths {
            let shown = guest.get(&path).await;
            if shown.status != StatusCode::OK {
                continue;
            }
            let tags = links(&shown.body, "/tags/");
            // One tag listing per work in a sampled run, each of them in a full one.
            let wanted = if full { tags.len() } else { 1 };
            tag_links.extend(
                tags.iter()
                    .skip(n % tags.len().max(1))
                    .take(wanted)
                    .cloned(),
            );
            people_links.extend(links(&shown.body, "/users/"));
            other_links.extend(links(&shown.body, "/series/"));
            other_links.extend(links(&shown.body, "/comments/").into_iter().take(2));
            page(format!("{base}{path}"), "guest", format!("{label}: {path}"));
        }
        if n < work_ids.len() {
            page(
                format!("{base}/works/{id}/edit"),
                "writer",
                format!("{label}: edit form"),
            );
        }
        feeds.insert(format!("/works/{id}/feed.atom"));
        // The downloads, opened from files.
        let html = guest.get(&format!("/works/{id}/download.html")).await;
        if html.status == StatusCode::OK {
            let file = artifacts.join(format!("work-{id}.html"));
            std::fs::write(&file, &html.body).unwrap();
            page(file_url(&file), "guest", format!("{label}: HTML download"));
        }
        let epub = download(&app.base, &format!("/works/{id}/download.epub")).await;
        for (name, doc) in checks::epub_documents(&epub) {
            for problem in checks::xml_problems(&doc) {
                findings
                    .lines
                    .push(format!("{label}: EPUB download, {name}: {problem}"));
            }
            if name.ends_with(".xhtml") {
                let file = artifacts.join(format!("work-{id}-epub")).join(&name);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, doc).unwrap();
                page(file_url(&file), "guest", format!("{label}: EPUB {name}"));
            }
        }
    }
    std::fs::write(artifacts.join("plan.txt"), &plan_text).unwrap();
    for link in &tag_links {
        let name = link.trim_start_matches("/tags/");
        let name = name.split('/').next().unwrap_or(name);
        let listing = format!("/tags/{name}/works");
        page(
            format!("{base}{listing}"),
            "guest",
            format!("tag listing {listing}"),
        );
        if full {
            let tag = format!("/tags/{name}");
            page(format!("{base}{tag}"), "guest", format!("tag page {tag}"));
        }
        feeds.insert(format!("/tags/{name}/feed.atom"));
    }
    for link in people_links.iter().chain(&other_links) {
        page(format!("{base}{link}"), "guest", format!("page {link}"));
    }
    for name in ["xsswriter", "xssreader"] {
        for path in [
            format!("/users/{name}"),
            format!("/users/{name}/works"),
            format!("/users/{name}/bookmarks"),
        ] {
            page(format!("{base}{path}"), "guest", path);
        }
        feeds.insert(format!("/users/{name}/works/feed.atom"));
    }
    page(format!("{base}/"), "guest", "home".into());
    page(
        format!("{base}/account"),
        "writer",
        "the writer's account page".into(),
    );
    page(
        format!("{base}/admin"),
        "admin",
        "the admin reports queue".into(),
    );
    // The search box: every payload in a full run, a rotating sample otherwise.
    for p in corpus.iter().step_by(if full { 1 } else { 29 }) {
        let q = percent_encode(&p.text);
        page(
            format!("{base}/works/search?q={q}"),
            "guest",
            format!("search for payload #{}", p.id),
        );
    }
    // The Atom feeds: well-formed, and the HTML a feed reader shows inert.
    for feed in &feeds {
        let fetched = guest.get(feed).await;
        if fetched.status != StatusCode::OK {
            continue;
        }
        for problem in checks::feed_problems(&fetched.body) {
            findings.lines.push(format!("feed {feed}: {problem}"));
        }
        // Chromium shows a feed as an XML tree; a sampled run opens the creators' feeds only.
        if full || feed.starts_with("/users/") {
            page(format!("{base}{feed}"), "guest", format!("feed {feed}"));
        }
    }

    // Render it all.
    let sessions = serde_json::json!({
        "writer": writer.cookie("ajar_session"),
        "reader": reader.cookie("ajar_session"),
        "admin": admin.cookie("ajar_session"),
    });
    let manifest = artifacts.join("manifest.json");
    std::fs::write(
        &manifest,
        serde_json::to_vec_pretty(&serde_json::json!({
            "base": base,
            "sessions": sessions,
            "documents": documents,
        }))
        .unwrap(),
    )
    .unwrap();
    let script = common::workspace_root().join("tests/browser/xss.mjs");
    let result_file = artifacts.join("result.json");
    let mut node = std::process::Command::new("node");
    node.arg(&script).arg(&manifest).arg(&result_file);
    let started = std::time::Instant::now();
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    eprintln!(
        "xss: rendered {} documents in {:.0?}",
        documents.len(),
        started.elapsed()
    );
    let result = std::fs::read(&result_file)
        .unwrap_or_else(|e| panic!("no result from xss.mjs ({e}):\n{stderr}"));
    let result: serde_json::Value = serde_json::from_slice(&result).unwrap();
    println!(
        "xss: {} documents, {} links clicked",
        result["documents"], result["clicks"]
    );
    for problem in result["problems"].as_array().into_iter().flatten() {
        let what = problem["what"].as_str().unwrap_or("");
        let mut line = format!(
            "{}: {what} ({})",
            problem["label"].as_str().unwrap_or(""),
            problem["url"].as_str().unwrap_or("")
        );
        // A hook says which payload ran.
        if let Some(id) = problem["payload"].as_u64() {
            if let Some(p) = by_id.get(&(id as usize)) {
                let _ = write!(line, " — payload #{id} ({}) {:?}", p.origin, short(&p.text));
            }
        }
        findings.lines.push(line);
    }
    assert!(
        output.status.success() || !findings.lines.is_empty(),
        "xss.mjs failed:\n{stderr}"
    );
    app.cleanup().await;
    findings.assert_none("in the browser");
}

fn file_url(path: &Path) -> String {
    let path: PathBuf = path.canonicalize().unwrap();
    format!("file://{}", percent_encode_path(&path.to_string_lossy()))
}

fn percent_encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A download's bytes (a guest's).
async fn download(base: &str, path: &str) -> Vec<u8> {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap().to_vec()
}

#[test]
fn the_sample_puts_every_payload_in_a_field_that_takes_it() {
    let corpus = checks::corpus();
    let works = plan(&corpus, false);
    let placed: BTreeSet<usize> = works
        .iter()
        .flat_map(|w| w.fields.values().copied())
        .collect();
    let missing: Vec<usize> = corpus
        .iter()
        .map(|p| p.id)
        .filter(|id| !placed.contains(id))
        .collect();
    assert!(missing.is_empty(), "payloads in no field: {missing:?}");
    for w in &works {
        for (field, id) in &w.fields {
            let text = &corpus[id - 1].text;
            assert!(field.accepts(text), "{field:?} given #{id}");
        }
    }
    // Every field and every format gets payloads.
    for field in Field::ALL {
        assert!(
            works.iter().any(|w| w.fields.contains_key(&field)),
            "{field:?}"
        );
    }
    let formats: BTreeSet<&str> = works.iter().map(|w| w.format).collect();
    assert_eq!(formats.len(), 3);
}
