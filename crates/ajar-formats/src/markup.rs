//! Plain text to the archive's [`Html`].
//!
//! Text is escaped: `<`, `&` and `>` are characters the writer typed, not markup. Fan
//! writers use angle brackets for telepathy and text messages (`<Where are you?>`), which
//! an HTML sanitizer would swallow as unknown tags. The one exception is the handful of
//! bare inline tags that old eFiction and LiveJournal exports left in their text files
//! (`<i>`, `<b>`, `<em>`, `<strong>`, `<u>`, `<s>`, `<strike>`, `<sup>`, `<sub>`, `<br>`):
//! written exactly so, without attributes, they are kept as formatting, and the result goes
//! through the archive's sanitizer, which balances them. Anything else, `<script>`
//! included, stays visible text.

use ajar_core::{plain_text_to_html, Html};

const INLINE_TAGS: &[&str] = &[
    "strong", "strike", "br", "em", "sup", "sub", "b", "i", "u", "s",
];

/// Paragraphs (blank-line separated) of plain text as sanitized HTML.
pub(crate) fn text_to_html(text: &str) -> Html {
    if !has_inline_tag(text) {
        return Html::from_plain_text(text);
    }
    let escaped = plain_text_to_html(text);
    Html::sanitize(&restore_inline_tags(&escaped))
}

fn has_inline_tag(text: &str) -> bool {
    text.match_indices('<')
        .any(|(i, _)| inline_tag(&text[i..], "<", ">").is_some())
}

/// Turns escaped `&lt;i&gt;` back into `<i>` for the allowed tags only.
fn restore_inline_tags(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(pos) = rest.find("&lt;") {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        match inline_tag(rest, "&lt;", "&gt;") {
            Some((len, tag)) => {
                out.push_str(&tag);
                rest = &rest[len..];
            }
            None => {
                out.push_str("&lt;");
                rest = &rest["&lt;".len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `s` starts with an allowed tag written between `open` and `close` (`<i>`, `</EM>`,
/// `<br />`), returns its length in `s` and the tag in canonical form.
fn inline_tag(s: &str, open: &str, close: &str) -> Option<(usize, String)> {
    let body = s.strip_prefix(open)?;
    let (closing, body) = match body.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let name_len = body.bytes().take_while(u8::is_ascii_alphabetic).count();
    let name = body[..name_len].to_ascii_lowercase();
    let tag = INLINE_TAGS.iter().find(|t| **t == name)?;
    let mut after = &body[name_len..];
    if *tag == "br" && !closing {
        after = after.trim_start_matches(' ');
        after = after.strip_prefix('/').unwrap_or(after);
    }
    let after = after.strip_prefix(close)?;
    let len = s.len() - after.len();
    let canonical = if closing {
        format!("</{tag}>")
    } else {
        format!("<{tag}>")
    };
    Some((len, canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_not_interpreted() {
        let html = text_to_html("She sent: <Where are you?> & waited.");
        assert_eq!(
            html.as_str(),
            "<p>She sent: &lt;Where are you?&gt; &amp; waited.</p>\n"
        );
    }

    #[test]
    fn simple_inline_tags_are_kept() {
        let html = text_to_html("It was <i>so</i> <B>loud</B>.<br/>Then quiet.");
        assert!(
            html.as_str().contains("<i>so</i> <b>loud</b>.<br>"),
            "{html}"
        );
    }

    #[test]
    fn unbalanced_tags_are_closed() {
        let html = text_to_html("An <i>open tag\n\nnext paragraph");
        assert_eq!(
            html.as_str().matches("<i>").count(),
            html.as_str().matches("</i>").count()
        );
    }

    #[test]
    fn hostile_html_never_survives() {
        for text in [
            "<script>alert(1)</script>",
            "<i>x</i><script>alert(1)</script>",
            "<i onclick=\"alert(1)\">x</i> <i>y</i>",
            "<img src=x onerror=alert(1)><b>b</b>",
        ] {
            let html = text_to_html(text);
            let s = html.as_str();
            assert!(
                !s.contains("<script") && !s.contains("<img") && !s.contains("<i onclick"),
                "{s}"
            );
        }
    }
}
