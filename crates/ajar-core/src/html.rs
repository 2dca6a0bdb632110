//! Work text as sanitized HTML.
//!
//! Chapter bodies, summaries and notes are stored as HTML that has passed an allowlist like
//! AO3's (paragraphs, emphasis, lists, headings, links, tables; no scripts, styles, images
//! or event handlers). [`Html`] can only be made by sanitizing or by escaping plain text, so
//! holding one is proof that it is safe to render.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// HTML that is safe to render as is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Html(String);

impl Html {
    /// Sanitizes untrusted HTML (characters XML cannot hold are dropped first: see
    /// [`sanitize_html`]).
    pub fn sanitize(untrusted: &str) -> Html {
        Html(sanitize_html(untrusted))
    }

    /// Turns plain text into paragraphs (see [`plain_text_to_html`]).
    pub fn from_plain_text(text: &str) -> Html {
        Html(plain_text_to_html(&xml_text(text)))
    }

    /// Wraps HTML read back from the archive's own store, which sanitized it on the way in.
    /// Sanitizing again on every read would cost as much as the rest of a page; anything
    /// that did not come out of the store must go through [`Html::sanitize`].
    pub fn from_stored(html: String) -> Html {
        Html(html)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// Whether any visible text remains outside the markup (no allocation, unlike
    /// `to_text`). A non-breaking space alone is not text.
    pub fn has_text(&self) -> bool {
        let mut in_tag = false;
        let mut chars = self.0.chars();
        while let Some(c) = chars.next() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if in_tag || c.is_whitespace() => {}
                '&' => {
                    let entity: String = chars.clone().take_while(|&c| c != ';').take(10).collect();
                    if entity != "nbsp" && entity != "#160" && entity != "#xa0" {
                        return true;
                    }
                    chars.nth(entity.len()); // past the closing semicolon
                }
                _ => return true,
            }
        }
        false
    }

    /// The text without markup; paragraphs separated by blank lines.
    pub fn to_text(&self) -> String {
        html_to_text(&self.0)
    }

    pub fn word_count(&self) -> u64 {
        crate::word_count(&self.to_text())
    }

    /// Number of paragraphs (`<p>` elements).
    pub fn paragraph_count(&self) -> usize {
        self.0.matches("<p>").count() + self.0.matches("<p ").count()
    }
}

impl From<String> for Html {
    /// Anything arriving as a string (e.g. deserialized) is sanitized on the way in.
    fn from(value: String) -> Self {
        Html::sanitize(&value)
    }
}

impl From<Html> for String {
    fn from(value: Html) -> Self {
        value.0
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "a",
            "abbr",
            "acronym",
            "address",
            "b",
            "big",
            "blockquote",
            "br",
            "caption",
            "center",
            "cite",
            "code",
            "col",
            "colgroup",
            "dd",
            "del",
            "details",
            "dfn",
            "div",
            "dl",
            "dt",
            "em",
            "figcaption",
            "figure",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "i",
            "ins",
            "kbd",
            "li",
            "ol",
            "p",
            "pre",
            "q",
            "rp",
            "rt",
            "ruby",
            "s",
            "samp",
            "small",
            "span",
            "strike",
            "strong",
            "sub",
            "summary",
            "sup",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "tr",
            "tt",
            "u",
            "ul",
            "var",
        ]
        .into_iter()
        .collect();
        let generic: HashSet<&str> = ["title", "dir", "lang", "align"].into_iter().collect();
        let mut builder = ammonia::Builder::default();
        builder
            .tags(tags)
            .generic_attributes(generic)
            .tag_attributes(
                [
                    ("a", ["href", "name"].into_iter().collect::<HashSet<_>>()),
                    ("ol", ["start", "type"].into_iter().collect()),
                    ("td", ["colspan", "rowspan"].into_iter().collect()),
                    ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
                ]
                .into_iter()
                .collect(),
            )
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            // ammonia judges a URL as the `url` crate parses it, which takes `java\u{7f}script:`
            // for a relative link; a browser or an XML writer may not. Links pass the same rule
            // as the downloads' writers apply.
            .attribute_filter(|_, attribute, value| {
                (attribute != "href" || is_safe_url(value)).then_some(value.into())
            })
            .link_rel(Some("nofollow ugc noopener noreferrer"));
        builder
    })
}

/// Cleans untrusted HTML against the archive's allowlist.
///
/// Characters that XML cannot hold are dropped before the allowlist sees the text and again
/// after it: a character reference such as `&#1;` only becomes a character inside the
/// parser, and an `href="java&#1;script:..."` looks relative (so harmless) to the allowlist
/// until something downstream (an XML writer, a feed) drops the character and makes it a
/// live `javascript:` link. Cleaning the cleaned text once more judges the URL as it will be
/// stored. The second pass cannot find new references (the serializer writes none but
/// `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&nbsp;`), so two passes reach a fixed point.
pub fn sanitize_html(untrusted: &str) -> String {
    let clean = sanitizer().clean(&xml_text(untrusted)).to_string();
    match xml_text(&clean) {
        Cow::Borrowed(_) => clean,
        Cow::Owned(stripped) => sanitizer().clean(&stripped).to_string(),
    }
}

/// Whether a link is safe to keep, judged as a browser reads it: a browser ignores tabs and
/// line breaks anywhere in a URL and controls and spaces around it, so every whitespace and
/// control character (C0, DEL, C1) is dropped before the scheme is read, and only `http`,
/// `https`, `mailto` and relative links pass. A character XML cannot hold makes the link
/// unsafe outright: an XML writer would have to drop it, joining what it separated.
pub fn is_safe_url(url: &str) -> bool {
    if !url.chars().all(is_xml_char) {
        return false;
    }
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    match squeezed.find([':', '/', '?', '#']) {
        Some(end) if squeezed[end..].starts_with(':') => {
            let scheme = squeezed[..end].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true, // relative: no scheme of its own
    }
}

/// Whether XML 1.0 can hold `c`: tab, line feed, carriage return, and everything from the
/// space up except the noncharacters U+FFFE and U+FFFF (Rust strings hold no surrogates).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// `text` without the characters XML cannot hold (C0 controls other than tab and line
/// breaks, U+FFFE, U+FFFF). Every text the archive takes in passes here before it is stored,
/// so downloads, feeds and pages never meet one; borrowed when there is nothing to drop.
pub fn xml_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

/// Escapes text for use inside HTML element content or a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    push_escaped(&mut out, text);
    out
}

/// Appends `text` escaped; copies unescaped runs whole, since most text has nothing to escape.
fn push_escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..pos]);
        out.push_str(match rest.as_bytes()[pos] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[pos + 1..];
    }
    out.push_str(rest);
}

/// Plain text to HTML as writers mean it. Characters are kept exactly as written (curly
/// quotes, ellipses, dashes); blank lines separate paragraphs. A single line break means
/// one of three things, told apart by the lines around it:
///
/// - after a long line (over 100 characters), a new paragraph: the writer puts a paragraph
///   on one line and a blank line was forgotten (or never used, as in many copied files);
/// - inside text hard-wrapped at a fixed width (lines of 50 to 100 characters), nothing:
///   the lines are joined back into one paragraph;
/// - between short lines (verse, song lyrics, text messages), a line break (`<br>`).
pub fn plain_text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for block in split_blocks(text) {
        for paragraph in split_block(&block) {
            out.push_str("<p>");
            for (i, line) in paragraph.lines.iter().enumerate() {
                if i > 0 {
                    out.push_str(if paragraph.joined { " " } else { "<br>\n" });
                }
                push_escaped(&mut out, line);
            }
            out.push_str("</p>\n");
        }
    }
    out
}

struct Paragraph<'a> {
    lines: Vec<&'a str>,
    /// Hard-wrapped lines to join with a space rather than a line break.
    joined: bool,
}

const LONG_LINE: usize = 100;
const WRAPPED_LINE: usize = 50;

/// Splits one block of consecutive non-blank lines into paragraphs.
fn split_block<'a>(lines: &[&'a str]) -> Vec<Paragraph<'a>> {
    let len = |l: &str| l.chars().count();
    let body = &lines[..lines.len().saturating_sub(1)];
    if body.iter().any(|l| len(l) > LONG_LINE) {
        // One paragraph per line, except that a run of shorter lines after each other
        // (a verse inside the prose) stays together with line breaks.
        let mut out: Vec<Paragraph<'a>> = Vec::new();
        for line in lines {
            match out.last_mut() {
                Some(p)
                    if len(line) <= LONG_LINE && p.lines.iter().all(|l| len(l) <= LONG_LINE) =>
                {
                    p.lines.push(line)
                }
                _ => out.push(Paragraph {
                    lines: vec![line],
                    joined: false,
                }),
            }
        }
        return out;
    }
    let wrapped = !body.is_empty() && body.iter().all(|l| len(l) >= WRAPPED_LINE);
    vec![Paragraph {
        lines: lines.to_vec(),
        joined: wrapped,
    }]
}

/// Groups lines into blocks (runs of non-blank lines), trimming each line's ends.
fn split_blocks(text: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// The text of an HTML fragment: tags dropped, entities decoded, block elements separated
/// by blank lines and `<br>` by a line break.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        push_text(&mut out, &rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
            let tag = rest[1..end].trim_end_matches('>');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .flat_map(|c| c.to_lowercase())
                .collect();
            match name.as_str() {
                "br" => out.push('\n'),
                "p" | "div" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul"
                | "ol" | "li" | "hr" | "table" | "tr" | "pre" | "dl" | "dt" | "dd" | "center"
                | "details" | "summary" | "figure"
                    if !out.is_empty() && !out.ends_with("\n\n") =>
                {
                    out.truncate(out.trim_end_matches([' ', '\n']).len());
                    out.push_str("\n\n");
                }
                "td" | "th" => out.push(' '),
                _ => {}
            }
            rest = &rest[end..];
        } else {
            let (decoded, used) = decode_entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
        }
    }
    push_text(&mut out, rest);
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

/// Appends text content; source line breaks are only whitespace in HTML.
fn push_text(out: &mut String, segment: &str) {
    let at_line_start = out.is_empty() || out.ends_with('\n');
    let segment = if at_line_start {
        segment.trim_start()
    } else {
        segment
    };
    if segment.contains(['\n', '\r', '\t']) {
        out.push_str(&segment.replace(['\n', '\r', '\t'], " "));
    } else {
        out.push_str(segment);
    }
}

/// Decodes one entity at the start of `s` (which starts with '&'); returns the text and the
/// number of bytes consumed. Unknown entities are kept as written.
fn decode_entity(s: &str) -> (String, usize) {
    // Byte search: `s[..12]` could cut a multi-byte character in two.
    let Some(semi) = s.bytes().take(12).position(|b| b == b';') else {
        return ("&".to_owned(), 1);
    };
    let body = &s[1..semi];
    let decoded = match body {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        "hellip" => Some('…'),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        "lsquo" => Some('‘'),
        "rsquo" => Some('’'),
        "ldquo" => Some('“'),
        "rdquo" => Some('”'),
        _ => {
            let num = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X"))
            {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            num.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(c) => (c.to_string(), semi + 1),
        None => ("&".to_owned(), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_html_is_defused() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">l</a><style>*{}</style><em>ok</em></p>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("onerror"), "{clean}");
        assert!(!clean.contains("<img"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("<style"), "{clean}");
        assert!(clean.contains("<em>ok</em>"), "{clean}");
    }

    #[test]
    fn characters_xml_cannot_hold_never_make_a_live_link() {
        for dirty in [
            r#"<a href="java&#1;script:alert(1)">x</a>"#,
            r#"<a href="java&#x1f;script:alert(1)">x</a>"#,
            r#"<a href="java&#xFFFE;script:alert(1)">x</a>"#,
            "<a href=\"java\u{1}script:alert(1)\">x</a>",
            "<a href=\"java\u{ffff}script:alert(1)\">x</a>",
            r#"<a href="vb&#8;script:msgbox(1)">x</a>"#,
            r#"<a href="da&#2;ta:text/html,<script>alert(1)</script>">x</a>"#,
            r#"<blockquote cite="javascript:alert(1)">q</blockquote><q cite="https://e.org">q</q>"#,
            "<a href=\"java\u{7f}script:alert(1)\">x</a>",
            "<a href=\"java\u{85}script:alert(1)\">x</a>",
            r#"<a href="java&#x9f;script:alert(1)">x</a>"#,
            r#"<a href="java&#x7F;script:alert(1)">x</a>"#,
        ] {
            let clean = sanitize_html(dirty);
            assert!(!clean.contains("script:"), "{dirty} -> {clean}");
            assert!(!clean.contains("data:"), "{dirty} -> {clean}");
            assert!(!clean.contains("cite="), "{dirty} -> {clean}");
            assert!(clean.chars().all(is_xml_char), "{dirty} -> {clean:?}");
        }
        let html = Html::from_plain_text("a\u{1}b\u{fffe}c\u{b}");
        assert_eq!(html.as_str(), "<p>abc</p>\n");
        assert_eq!(xml_text("tab\tand\nlines"), "tab\tand\nlines");
    }

    #[test]
    fn plain_text_becomes_paragraphs_with_typography_kept() {
        let html = plain_text_to_html("“So… this is it?”\n\nShe said <no>.\nThen left.\n\n\n");
        assert_eq!(
            html,
            "<p>“So… this is it?”</p>\n<p>She said &lt;no&gt;.<br>\nThen left.</p>\n"
        );
        assert_eq!(
            html_to_text(&html),
            "“So… this is it?”\n\nShe said <no>.\nThen left."
        );
    }

    #[test]
    fn a_line_break_after_a_long_line_starts_a_paragraph() {
        let long = "word ".repeat(30);
        let html = plain_text_to_html(&format!("{long}\nNext paragraph.\nStill verse?\n\nEnd."));
        assert_eq!(html.matches("<p>").count(), 3, "{html}");
        assert!(
            html.contains("<p>Next paragraph.<br>\nStill verse?</p>"),
            "{html}"
        );
    }

    #[test]
    fn hard_wrapped_lines_are_joined() {
        let text = "The past twenty-four hours have gone by in a blur. From\nthe second I saw his car sitting across the street from\nLuke's he's been on my mind.\n\nNext.";
        let html = plain_text_to_html(text);
        assert_eq!(html, "<p>The past twenty-four hours have gone by in a blur. From the second I saw his car sitting across the street from Luke&#39;s he&#39;s been on my mind.</p>\n<p>Next.</p>\n");
    }

    #[test]
    fn text_is_seen_outside_markup_only() {
        assert!(!Html::sanitize("<p> </p><br><hr>").has_text());
        let nbsp = Html::sanitize("<p>&nbsp;</p>");
        assert!(!nbsp.has_text(), "{nbsp}");
        assert!(Html::sanitize("<p><em>a</em></p>").has_text());
        assert!(Html::sanitize("<p>&amp;</p>").has_text());
        assert!(Html::from_plain_text("…").has_text());
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            html_to_text("a&amp;b &#8217; &#x2014; &bogus; &"),
            "a&b ’ — &bogus; &"
        );
        // Multi-byte characters right after an entity or an unclosed tag.
        assert_eq!(html_to_text("&quot;𞯛@z9"), "\"𞯛@z9");
        assert_eq!(html_to_text("&x𞯛𞯛𞯛"), "&x𞯛𞯛𞯛");
        assert_eq!(html_to_text("a<é"), "a");
    }
}
