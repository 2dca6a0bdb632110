//! Markdown story files with a front matter: YAML between `---` lines, or TOML between
//! `+++` lines, holding the same fields as a plain-text header under the same keys and
//! aliases (`title`, `author`/`authors`, `fandom`, `rating`, `warnings`, `relationships`,
//! `characters`, `tags`, `series`, `summary`, `notes`, `end notes`, `status`, `chapters`,
//! `published`, ...). Lists may be YAML/TOML lists or comma-separated strings; unknown keys
//! are kept as extra fields, as are the entries of an `extra:` list of `key`/`value` maps.
//! The summary and notes are Markdown.
//!
//! The text is CommonMark. Chapter headings (`# Chapter 1: Title`, `## Chapter 2`: a
//! heading of any level that reads as a chapter heading) split it into chapters; block quotes that open with `**Chapter Summary**` or
//! `**Chapter Notes**` right after a heading, or `**Chapter End Notes**` at a chapter's
//! end, are that chapter's notes. Raw HTML is allowed, as Markdown allows it, and goes
//! through the archive's sanitizer with the rest. A Markdown file without front matter is
//! read as a plain-text story file (`Title:` header and all).

use crate::decode::decode;
use crate::dom;
use crate::fields::{Field, Metadata};
use crate::{FormatError, FormatErrorKind};
use ajar_core::{Html, Work};

/// Reads a Markdown story file. `name` is used only in error messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    parse_with(name, bytes, false)
}

/// [`parse`]; `untitled`: a file with no title is read with an empty one (see
/// `plain::parse_with`).
pub(crate) fn parse_with(name: &str, bytes: &[u8], untitled: bool) -> Result<Work, FormatError> {
    crate::check_size(name, bytes)?;
    let text = decode(bytes).map_err(|kind| FormatError::new(name, None, kind))?;
    if text.trim().is_empty() {
        return Err(FormatError::new(name, None, FormatErrorKind::Empty));
    }
    let Some((kind, front, body, body_line)) = split_front_matter(&text) else {
        return crate::plain::parse_with(name, bytes, untitled);
    };
    let fields = match kind {
        FrontMatter::Yaml => yaml_fields(front),
        FrontMatter::Toml => toml_fields(front),
    }
    .map_err(|message| FormatError::new(name, Some(2), FormatErrorKind::FrontMatter(message)))?;
    read(fields, body, untitled).map_err(|kind| {
        let line = matches!(kind, FormatErrorKind::NoText).then_some(body_line);
        FormatError::new(name, line, kind)
    })
}

#[derive(Debug, Clone, Copy)]
enum FrontMatter {
    Yaml,
    Toml,
}

/// Whether text starts with a front matter fence.
pub(crate) fn has_front_matter(text: &[u8]) -> bool {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    text.starts_with(b"---\n")
        || text.starts_with(b"---\r\n")
        || text.starts_with(b"+++\n")
        || text.starts_with(b"+++\r\n")
}

/// The front matter and the text after it (with the text's 1-based first line).
fn split_front_matter(text: &str) -> Option<(FrontMatter, &str, &str, usize)> {
    let (kind, fence) = if text.starts_with("---\n") {
        (FrontMatter::Yaml, "---")
    } else if text.starts_with("+++\n") {
        (FrontMatter::Toml, "+++")
    } else {
        return None;
    };
    let rest = &text[4..];
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == fence || (matches!(kind, FrontMatter::Yaml) && trimmed == "...") {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((kind, front, body, i + 3));
        }
        offset += line.len();
    }
    None
}

/// A front matter value: a string or a list of strings; `extra` entries as pairs.
enum Value {
    Text(String),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
}

fn yaml_fields(front: &str) -> Result<Vec<(String, Value)>, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(front).map_err(|e| e.to_string())?;
    let Some(Yaml::Hash(map)) = docs.into_iter().next() else {
        return Err("the front matter is not a list of `key: value` fields".to_owned());
    };
    fn scalar(y: &Yaml) -> Option<String> {
        match y {
            Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let mut out = Vec::new();
    for (key, value) in map {
        let Some(key) = scalar(&key) else { continue };
        let value = match value {
            Yaml::Array(items) => {
                let pairs: Vec<(String, String)> = items
                    .iter()
                    .filter_map(|item| match item {
                        Yaml::Hash(h) => {
                            let get = |k: &str| h.get(&Yaml::String(k.to_owned())).and_then(scalar);
                            Some((get("key")?, get("value")?))
                        }
                        _ => None,
                    })
                    .collect();
                if !pairs.is_empty() {
                    Value::Pairs(pairs)
                } else {
                    Value::List(items.iter().filter_map(scalar).collect())
                }
            }
            other => match scalar(&other) {
                Some(s) => Value::Text(s),
                None => continue,
            },
        };
        out.push((key, value));
    }
    Ok(out)
}

fn toml_fields(front: &str) -> Result<Vec<(String, Value)>, String> {
    let table: toml::Table = toml::from_str(front).map_err(|e| e.message().to_owned())?;
    fn scalar(v: &toml::Value) -> Option<String> {
        match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            toml::Value::Float(f) => Some(f.to_string()),
            toml::Value::Boolean(b) => Some(b.to_string()),
            toml::Value::Datetime(d) => Some(d.to_string()),
            _ => None,
        }
    }
    let mut out = Vec::new();
    for (key, value) in table {
        let value = match &value {
            toml::Value::Array(items) => {
                let pairs: Vec<(String, String)> = items
                    .iter()
                    .filter_map(|item| {
                        let t = item.as_table()?;
                        Some((scalar(t.get("key")?)?, scalar(t.get("value")?)?))
                    })
                    .collect();
                if !pairs.is_empty() {
                    Value::Pairs(pairs)
                } else {
                    Value::List(items.iter().filter_map(scalar).collect())
                }
            }
            other => match scalar(other) {
                Some(s) => Value::Text(s),
                None => continue,
            },
        };
        out.push((key, value));
    }
    Ok(out)
}

/// CommonMark to sanitized HTML.
pub fn markdown_to_html(markdown: &str) -> Html {
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, parser);
    Html::sanitize(&html)
}

fn read(fields: Vec<(String, Value)>, body: &str, untitled: bool) -> Result<Work, FormatErrorKind> {
    let mut meta = Metadata::default();
    let mut summary = Html::default();
    let mut notes = Html::default();
    let mut end_notes = Html::default();
    for (key, value) in fields {
        let field = Field::for_key(&key);
        match (field, value) {
            (_, Value::Pairs(pairs)) => {
                for (k, v) in pairs {
                    meta.keep_extra(&k, &v);
                }
            }
            (Some(f @ (Field::Summary | Field::Notes | Field::EndNotes)), value) => {
                let text = match value {
                    Value::Text(t) => t,
                    Value::List(items) => items.join("\n\n"),
                    Value::Pairs(_) => String::new(),
                };
                let html = markdown_to_html(&text);
                match f {
                    Field::Summary => summary = html,
                    Field::Notes => notes = html,
                    _ => end_notes = html,
                }
            }
            (Some(f), Value::Text(t)) => meta.apply(&key, f, &t, 0),
            (Some(f), Value::List(items)) => {
                for item in items {
                    meta.apply(&key, f, &item, 0);
                }
            }
            (None, Value::Text(t)) => meta.keep_extra(&key, &t),
            (None, Value::List(items)) => meta.keep_extra(&key, &items.join(", ")),
        }
    }
    let html = story_text_to_html(body);
    let document = dom::parse(html.as_str());
    let body = dom::by_name(&document, "body").unwrap_or_else(|| document.clone());
    let chapters = crate::html::split_chapters(&body);
    if chapters.iter().all(|c| c.body.is_empty()) {
        return Err(FormatErrorKind::NoText);
    }
    let untitled = untitled.then(|| meta.allow_untitled());
    let mut work = crate::html::finish(meta, chapters, summary, notes, end_notes)?;
    if let Some(untitled) = untitled {
        untitled.clear(&mut work);
    }
    Ok(work)
}

/// A story's Markdown text as sanitized HTML, its chapter headings at one level: writers
/// mark chapters with `# Chapter 1: Title` as often as with `## Chapter 2`, and a chapter
/// heading is one whatever its level (the HTML reader splits at `h2`).
fn story_text_to_html(markdown: &str) -> Html {
    use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
    let options = pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = pulldown_cmark::Parser::new_ext(markdown, options).collect();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, .. }) = &events[i] else {
            i += 1;
            continue;
        };
        let level = *level;
        let Some(len) = events[i..]
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Heading(l)) if *l == level))
        else {
            break;
        };
        let end = i + len;
        let text: String = events[i + 1..end]
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        if level != HeadingLevel::H2 && crate::headings::parse_heading(&text).is_some() {
            if let Event::Start(Tag::Heading { level, .. }) = &mut events[i] {
                *level = HeadingLevel::H2;
            }
            events[end] = Event::End(TagEnd::Heading(HeadingLevel::H2));
        }
        i = end + 1;
    }
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Html::sanitize(&html)
}
