//! The XSS corpus (`tests/xss/blns.json` and `tests/xss/payloads.txt`, see its README) and
//! the checks every document made from it must pass: no event-handler attribute, no
//! executable URL (looked at as a browser would, after entities are decoded and control
//! characters and white space removed), no script-running element, and every XML document
//! well-formed.

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use quick_xml::events::{BytesStart, Event};
use std::path::Path;

/// One string of the corpus; `id` (from 1) is what its hooks (`alert(id)`) are called with.
#[derive(Debug, Clone)]
pub struct Payload {
    pub id: usize,
    pub origin: &'static str,
    pub text: String,
}

/// Every payload: blns first, then our own.
pub fn corpus() -> Vec<Payload> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xss");
    let blns = std::fs::read_to_string(dir.join("blns.json")).expect("tests/xss/blns.json");
    let blns: Vec<String> = serde_json::from_str(&blns).expect("blns.json is a list of strings");
    let own = std::fs::read_to_string(dir.join("payloads.txt")).expect("tests/xss/payloads.txt");
    let mut out = Vec::new();
    for text in blns {
        let id = out.len() + 1;
        out.push(Payload {
            id,
            origin: "blns",
            text: number_hooks(&text, id),
        });
    }
    for line in own.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let id = out.len() + 1;
        out.push(Payload {
            id,
            origin: "payloads.txt",
            text: decode_escapes(line).replace('§', &id.to_string()),
        });
    }
    out
}

/// `alert(1)`, `confirm("x")`, `prompt(...)` with the payload's number as the argument.
fn number_hooks(text: &str, id: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for hook in ["alert(", "confirm(", "prompt("] {
            if rest.starts_with(hook) {
                let after = &rest[hook.len()..];
                if let Some(close) = after.find(')') {
                    if !after[..close].contains('(') {
                        out.push_str(hook);
                        out.push_str(&id.to_string());
                        out.push(')');
                        rest = &after[close + 1..];
                        continue 'outer;
                    }
                }
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `\u{XXXX}` as that character (U+D800..U+DFFF cannot be in a Rust string and are kept as
/// written).
fn decode_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let decoded = after.find('}').and_then(|end| {
            let c = u32::from_str_radix(&after[..end], 16)
                .ok()
                .and_then(char::from_u32)?;
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A character XML 1.0 can hold.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Characters a browser drops from a URL (ASCII white space, C0 controls), or a writer on
/// the way to one may drop (control characters, characters XML cannot hold).
fn invisible(c: char) -> bool {
    c.is_control() || c.is_ascii_whitespace() || !is_xml_char(c)
}

/// Whether an attribute value (entities already decoded) would run script or load a
/// document made by the payload when followed.
pub fn executable_url(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !invisible(*c))
        .collect::<String>()
        .to_ascii_lowercase();
    // `data:,` (an empty document, a page's "no favicon") holds nothing to run.
    if squeezed == "data:," {
        return false;
    }
    ["javascript:", "vbscript:", "data:", "livescript:"]
        .iter()
        .any(|scheme| squeezed.starts_with(scheme))
}

/// Attributes that hold a URL a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "cite",
    "background",
    "poster",
    "data",
    "lowsrc",
    "dynsrc",
    "codebase",
    "longdesc",
    "ping",
    "manifest",
    "srcdoc",
    "xlink:href",
];

/// Elements that run script or load another document, in a work's text or an export.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "button",
    "input", "meta",
];

/// What is wrong with one attribute, if anything.
fn attribute_problem(element: &str, name: &str, value: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    let local = name.rsplit(':').next().unwrap_or(&name);
    if local.starts_with("on") {
        return Some(format!("<{element} {name}=\"{value}\">: an event handler"));
    }
    let url_attribute = URL_ATTRIBUTES.contains(&name.as_str()) || URL_ATTRIBUTES.contains(&local);
    if url_attribute && executable_url(value) {
        return Some(format!("<{element} {name}=\"{value}\">: an executable URL"));
    }
    if name == "srcset"
        && value
            .split(',')
            .any(|candidate| executable_url(candidate.trim()))
    {
        return Some(format!("<{element} {name}=\"{value}\">: an executable URL"));
    }
    if name == "style" {
        let squeezed: String = value
            .chars()
            .filter(|c| !invisible(*c))
            .collect::<String>()
            .to_ascii_lowercase();
        if squeezed.contains("javascript:")
            || squeezed.contains("vbscript:")
            || squeezed.contains("expression(")
        {
            return Some(format!("<{element} style=\"{value}\">: script in a style"));
        }
    }
    None
}

fn element_problem(element: &str) -> Option<String> {
    ACTIVE_ELEMENTS
        .contains(&element.to_ascii_lowercase().as_str())
        .then(|| format!("a <{element}> element"))
}

/// Problems in an HTML document or fragment (a work's stored HTML, the HTML download), as a
/// browser's parser reads it.
pub fn html_problems(html: &str) -> Vec<String> {
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
    let mut problems = Vec::new();
    walk_html(&dom.document, &mut problems);
    problems
}

fn walk_html(node: &Handle, problems: &mut Vec<String>) {
    if let NodeData::Element {
        name,
        attrs,
        template_contents,
        ..
    } = &node.data
    {
        let element: &str = &name.local;
        // The page's own head (charset, viewport) is ours, not the work's.
        let meta_ok = element == "meta"
            && attrs
                .borrow()
                .iter()
                .all(|a| &*a.name.local != "http-equiv");
        if !meta_ok {
            problems.extend(element_problem(element));
        }
        for attribute in attrs.borrow().iter() {
            let local: &str = &attribute.name.local;
            let attribute_name = match &attribute.name.prefix {
                Some(prefix) => format!("{}:{local}", &**prefix),
                None => local.to_owned(),
            };
            problems.extend(attribute_problem(
                element,
                &attribute_name,
                &attribute.value,
            ));
        }
        if let Some(contents) = template_contents.borrow().as_ref() {
            walk_html(contents, problems);
        }
    }
    for child in node.children.borrow().iter() {
        walk_html(child, problems);
    }
}

/// Problems in an XML document (EPUB XHTML, OPF, NCX, container, Atom): anything that makes it
/// not well-formed, and (as for HTML) event handlers, executable URLs and active elements.
/// quick-xml checks tags and names; the characters, references, root and attribute checks
/// that make it strict are here.
pub fn xml_problems(doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some((at, c)) = doc.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        problems.push(format!(
            "not well-formed: U+{:04X} at byte {at}, which XML cannot hold",
            c as u32
        ));
    }
    let mut reader = quick_xml::Reader::from_str(doc);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                problems.push(format!(
                    "not well-formed at byte {}: {e}",
                    reader.error_position()
                ));
                return problems;
            }
        };
        match event {
            Event::Start(e) => {
                roots += usize::from(depth == 0);
                depth += 1;
                xml_element(&e, &mut problems);
            }
            Event::Empty(e) => {
                roots += usize::from(depth == 0);
                xml_element(&e, &mut problems);
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if depth == 0 && !t.iter().all(u8::is_ascii_whitespace) => {
                problems.push("not well-formed: text outside the root element".into());
            }
            Event::GeneralRef(r) => {
                if depth == 0 {
                    problems.push("not well-formed: a reference outside the root".into());
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => {}
                        _ => problems.push(format!(
                            "not well-formed: &{}; is not a character XML can hold",
                            String::from_utf8_lossy(&r)
                        )),
                    }
                } else if !matches!(&*r, b"lt" | b"gt" | b"amp" | b"apos" | b"quot") {
                    problems.push(format!(
                        "not well-formed: &{}; is not defined",
                        String::from_utf8_lossy(&r)
                    ));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        problems.push("not well-formed: unclosed elements at the end".into());
    }
    if roots != 1 {
        problems.push(format!("not well-formed: {roots} root elements"));
    }
    problems
}

fn xml_element(e: &BytesStart<'_>, problems: &mut Vec<String>) {
    let element = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    problems.extend(element_problem(&element).filter(|_| element != "meta"));
    for attribute in e.attributes().with_checks(true) {
        let attribute = match attribute {
            Ok(a) => a,
            Err(err) => {
                problems.push(format!("not well-formed: <{element}>: {err}"));
                continue;
            }
        };
        let name = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = match attribute.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(err) => {
                problems.push(format!("not well-formed: <{element} {name}>: {err}"));
                continue;
            }
        };
        if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
            problems.push(format!(
                "not well-formed: <{element} {name}> holds U+{:04X}",
                c as u32
            ));
        }
        problems.extend(attribute_problem(&element, &name, &value));
    }
}

/// Problems in an Atom feed: well-formedness, and the HTML a feed reader renders from its
/// `type="html"` elements.
pub fn feed_problems(doc: &str) -> Vec<String> {
    let mut problems = xml_problems(doc);
    if !problems.is_empty() {
        return problems;
    }
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut in_html = false;
    let mut html = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                in_html = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"type" && matches!(&*a.value, b"html" | b"xhtml"));
            }
            Ok(Event::Text(t)) if in_html => {
                html.push_str(&t.decode().unwrap_or_default());
            }
            Ok(Event::GeneralRef(r)) if in_html => {
                let text = match &*r {
                    b"lt" => "<".to_owned(),
                    b"gt" => ">".to_owned(),
                    b"amp" => "&".to_owned(),
                    b"quot" => "\"".to_owned(),
                    b"apos" => "'".to_owned(),
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .unwrap_or_default(),
                };
                html.push_str(&text);
            }
            Ok(Event::CData(t)) if in_html => {
                html.push_str(&String::from_utf8_lossy(&t));
            }
            Ok(Event::End(_)) => {
                if in_html {
                    problems.extend(html_problems(&html));
                    html.clear();
                }
                in_html = false;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    problems
}

/// Problems in a Markdown export, as a Markdown viewer renders it: every link and image
/// destination, and the raw HTML it passes through.
pub fn markdown_problems(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event as Md, Options, Parser, Tag};
    let mut problems = Vec::new();
    let mut raw_html = String::new();
    for event in Parser::new_ext(md, Options::all()) {
        match event {
            Md::Start(Tag::Link { dest_url, .. }) | Md::Start(Tag::Image { dest_url, .. })
                if executable_url(&dest_url) =>
            {
                problems.push(format!("a Markdown link to {dest_url:?}"));
            }
            Md::Html(html) | Md::InlineHtml(html) => raw_html.push_str(&html),
            _ => {}
        }
    }
    if !raw_html.is_empty() {
        problems.extend(html_problems(&raw_html));
    }
    problems
}

/// Problems in a plain-text export: characters a text file (or XML made from it) cannot hold.
pub fn text_problems(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| !is_xml_char(*c))
        .take(1)
        .map(|c| format!("U+{:04X} in the text", c as u32))
        .collect()
}

/// The XML documents of an EPUB, by name.
pub fn epub_documents(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an EPUB is a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("an entry");
        let name = file.name().to_owned();
        if [".xhtml", ".opf", ".ncx", ".xml"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).expect("UTF-8 XML");
            out.push((name, text));
        }
    }
    out
}

/// Problems in every XML document of an EPUB, each named by its file.
pub fn epub_problems(bytes: &[u8]) -> Vec<String> {
    epub_documents(bytes)
        .into_iter()
        .flat_map(|(name, doc)| {
            xml_problems(&doc)
                .into_iter()
                .map(move |p| format!("{name}: {p}"))
        })
        .collect()
}

#[test]
fn the_checks_catch_what_they_are_for() {
    assert!(executable_url("java\u{1}script:alert(1)"));
    assert!(executable_url(" JaVa\tScRiPt:x"));
    assert!(executable_url("data:text/html,x"));
    assert!(!executable_url("https://example.org/javascript:"));
    assert!(!executable_url("java%01script:x"));
    assert!(!html_problems("<a href=\"java&#1;script:alert(1)\">x</a>").is_empty());
    assert!(!html_problems("<p onclick=x>").is_empty());
    assert!(html_problems("<p><a href=\"https://example.org/\">x</a></p>").is_empty());
    assert!(xml_problems("<a>x</a>").is_empty());
    for bad in [
        "<a>x</b>",
        "<a>&#1;</a>",
        "<a>\u{1}</a>",
        "<a x='1' x='2'/>",
        "<a/><b/>",
        "<a>&nbsp;</a>",
        "<a>",
        "<a href=\"javascript:x\"/>",
    ] {
        assert!(!xml_problems(bad).is_empty(), "{bad}");
    }
    assert!(!markdown_problems("[x](javascript:alert(1))").is_empty());
    assert!(!markdown_problems("<img src=x onerror=alert(1)>").is_empty());
    assert!(markdown_problems("[x](https://example.org/) and `javascript:`").is_empty());
    assert_eq!(
        number_hooks("<a>alert(1)</a>prompt('x')", 7),
        "<a>alert(7)</a>prompt(7)"
    );
    assert_eq!(decode_escapes("a\\u{1}b\\u{FEFF}"), "a\u{1}b\u{FEFF}");
}
