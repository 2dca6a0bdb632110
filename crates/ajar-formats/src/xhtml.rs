//! The archive's sanitized HTML as well-formed XHTML, for EPUB content documents.
//!
//! Chapter text is stored as HTML the sanitizer serialized (or plain text escaped into
//! paragraphs), so it is already balanced; what XML needs on top is void elements closed
//! (`<br/>`), only XML's five named entities (`&nbsp;` becomes `&#160;`), no control
//! characters, and none of the elements and attributes HTML5 made obsolete (`<center>`,
//! `<tt>`, `a[name]`, `align`), which epubcheck refuses. A single pass over the string does
//! it: a 500,000-word work converts in a few milliseconds, where a parse and re-serialize
//! would cost ten times as much.

use ajar_core::is_xml_char;

const VOID: &[&str] = &[
    "br", "hr", "img", "col", "wbr", "area", "input", "meta", "link", "source", "track", "embed",
    "param",
];

/// Converts an HTML fragment (as the archive stores it) to XHTML.
pub(crate) fn to_xhtml(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 32);
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&', '>']) {
        push_chars(&mut out, &rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('>') {
            out.push_str("&gt;");
            rest = &rest[1..];
        } else if rest.starts_with('&') {
            let used = push_entity(&mut out, rest);
            rest = &rest[used..];
        } else {
            match tag_end(rest) {
                Some(end) => {
                    push_tag(&mut out, &rest[1..end]);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push_str("&lt;");
                    rest = &rest[1..];
                }
            }
        }
    }
    push_chars(&mut out, rest);
    out
}

/// Escapes text for XML element content or a double-quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn push_chars(out: &mut String, s: &str) {
    if s.chars().all(is_xml_char) {
        out.push_str(s);
    } else {
        out.extend(s.chars().filter(|c| is_xml_char(*c)));
    }
}

/// The index of the `>` closing the tag that starts `s`, minding quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let second = *bytes.get(1)?;
    if !(second.is_ascii_alphabetic() || second == b'/') {
        return None;
    }
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Writes one tag (`inner` is what is between `<` and `>`).
fn push_tag(out: &mut String, inner: &str) {
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let inner = inner.trim_end().trim_end_matches('/');
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(inner.len());
    let name = inner[..name_len].to_ascii_lowercase();
    let (name, class) = match name.as_str() {
        "center" => ("div", Some("center")),
        "big" => ("span", Some("big")),
        "tt" => ("code", None),
        "strike" => ("s", None),
        "acronym" => ("abbr", None),
        other => (other, None),
    };
    out.push('<');
    if closing {
        out.push('/');
        out.push_str(name);
        out.push('>');
        return;
    }
    out.push_str(name);
    if let Some(class) = class {
        out.push_str(" class=\"");
        out.push_str(class);
        out.push('"');
    }
    for (key, value) in attributes(&inner[name_len..]) {
        let key = key.to_ascii_lowercase();
        let obsolete = key == "align" || (key == "name" && name == "a");
        let valid_name = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'));
        if obsolete || !valid_name || (class.is_some() && key == "class") || key == "cite" {
            continue;
        }
        // The value is still HTML-escaped; decode entities and escape for XML.
        let value = ajar_core::html_to_text(value);
        if URL_ATTRIBUTES.contains(&key.as_str()) && !is_safe_url(&value) {
            continue;
        }
        out.push(' ');
        out.push_str(&key);
        out.push_str("=\"");
        out.push_str(&escape(&value));
        out.push('"');
    }
    if VOID.contains(&name) {
        out.push('/');
    }
    out.push('>');
}

/// Attributes whose value a browser follows or loads as a URL.
pub(crate) const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "poster",
    "background",
    "srcset",
];

/// Whether a link may go into a download: see [`ajar_core::is_safe_url`]. Text was sanitized
/// on the way in, but a download is opened from disk, outside the site's Content Security
/// Policy, years after it was stored by whatever version of the sanitizer ran then: so each
/// URL is checked again against the same rule.
pub(crate) use ajar_core::is_safe_url;

/// `key="value"` pairs of a tag (values as written, entities not decoded).
fn attributes(mut s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return out;
        }
        let key_len = s
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(s.len());
        let key = &s[..key_len];
        s = s[key_len..].trim_start();
        let Some(after_eq) = s.strip_prefix('=') else {
            if key_len == 0 {
                return out;
            }
            out.push((key, ""));
            continue;
        };
        let after_eq = after_eq.trim_start();
        let (value, rest) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after_eq[1..];
                match body.find(q) {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    None => (body, ""),
                }
            }
            _ => {
                let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                (&after_eq[..end], &after_eq[end..])
            }
        };
        out.push((key, value));
        s = rest;
    }
}

/// Writes the entity at the start of `s` in XML form; returns the bytes consumed.
fn push_entity(out: &mut String, s: &str) -> usize {
    let semi = s.bytes().take(34).position(|b| b == b';');
    if let Some(semi) = semi {
        let body = &s[1..semi];
        if matches!(body, "amp" | "lt" | "gt" | "quot" | "apos") {
            out.push_str(&s[..=semi]);
            return semi + 1;
        }
        // Framed by letters, so that a decoded space is not trimmed away.
        let framed = ajar_core::html_to_text(&format!("x{}x", &s[..=semi]));
        let decoded = &framed[1..framed.len() - 1];
        if decoded != &s[..=semi] {
            for c in decoded.chars().filter(|c| is_xml_char(*c)) {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    c if c.is_ascii() => out.push(c),
                    c => {
                        out.push_str("&#");
                        out.push_str(&u32::from(c).to_string());
                        out.push(';');
                    }
                }
            }
            return semi + 1;
        }
    }
    out.push_str("&amp;");
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_well_formed_xhtml() {
        assert_eq!(
            to_xhtml("<p>a<br>b&nbsp;c &amp; “d”</p><hr>"),
            "<p>a<br/>b&#160;c &amp; “d”</p><hr/>"
        );
        assert_eq!(
            to_xhtml(r#"<center>x</center><a href="http://e.com/?a=1&amp;b=2" name="n">l</a>"#),
            r#"<div class="center">x</div><a href="http://e.com/?a=1&amp;b=2">l</a>"#
        );
        assert_eq!(to_xhtml("a & b < c \u{1}"), "a &amp; b &lt; c ");
        assert_eq!(to_xhtml("<p align=\"left\">x</p>"), "<p>x</p>");
    }

    #[test]
    fn links_a_browser_would_run_never_reach_a_download() {
        // As stored by an older sanitizer, or written to the store by hand.
        for stored in [
            "<a href=\"java\u{1}script:alert(1)\">x</a>",
            "<a href=\"java&#1;script:alert(1)\">x</a>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\" JaVa\tScRiPt:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<a href=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;\">x</a>",
            "<a href=\"java\u{ffff}script:alert(1)\">x</a>",
            "<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
        ] {
            let xhtml = to_xhtml(stored);
            let lower = xhtml.to_ascii_lowercase();
            for bad in ["script:", "data:", "cite="] {
                assert!(!lower.contains(bad), "{stored:?} -> {xhtml}");
            }
            assert!(xhtml.chars().all(is_xml_char), "{stored:?} -> {xhtml:?}");
        }
        for kept in [
            "https://example.org/a?b=1",
            "mailto:a@example.org",
            "/works/1",
            "#note",
            "chapter2.xhtml",
        ] {
            let xhtml = to_xhtml(&format!("<a href=\"{kept}\">x</a>"));
            assert_eq!(xhtml, format!("<a href=\"{kept}\">x</a>"));
        }
    }
}
