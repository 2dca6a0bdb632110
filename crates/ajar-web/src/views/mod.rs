//! What every page shares: the layout (title, description, site chrome), the wrapper that
//! turns a template into a response, the error pages, and small formatting helpers.
//!
//! Templates live in `crates/ajar-web/templates/`; the structs that feed them live next to
//! the handlers that fill them, except for pieces reused across listings (the blurb, the
//! pagination bar), which live in this module's children.

mod blurb;
mod pagination;
pub(crate) mod viewer_parts;

pub(crate) use blurb::{Blurb, Link};
pub(crate) use pagination::Pagination;

use crate::prefs::ReaderPrefs;
use crate::{assets, Error, SITE_NAME};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// The parts of `base.html` that change from page to page.
pub(crate) struct Layout {
    /// The page's own title; `None` for the home page, whose title is the site name.
    pub(crate) title: Option<String>,
    pub(crate) description: String,
    /// Which top-level section the page belongs to, to mark it in the site navigation.
    pub(crate) section: Section,
    /// The reader's settings: `<html>` classes, and what listings hide.
    pub(crate) prefs: ReaderPrefs,
    /// The page's Atom feed, for `<link rel="alternate">`: (title, URL).
    pub(crate) feed: Option<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Home,
    Fandoms,
    Settings,
    Other,
}

impl Layout {
    pub(crate) fn new(title: Option<String>, description: impl Into<String>) -> Layout {
        Layout {
            title,
            description: description.into(),
            section: Section::Other,
            prefs: ReaderPrefs::default(),
            feed: None,
        }
    }

    /// Announces the page's Atom feed to browsers and feed readers.
    pub(crate) fn with_feed(mut self, feed: crate::feeds::FeedLink) -> Layout {
        self.feed = Some(feed);
        self
    }

    pub(crate) fn with_prefs(mut self, prefs: ReaderPrefs) -> Layout {
        self.prefs = prefs;
        self
    }

    pub(crate) fn html_class(&self) -> String {
        self.prefs.html_class()
    }

    pub(crate) fn hide_tags(&self) -> bool {
        self.prefs.hide_tags
    }

    pub(crate) fn hide_warnings(&self) -> bool {
        self.prefs.hide_warnings
    }

    pub(crate) fn is_fandoms(&self) -> bool {
        self.section == Section::Fandoms
    }

    pub(crate) fn is_settings(&self) -> bool {
        self.section == Section::Settings
    }

    pub(crate) fn in_section(mut self, section: Section) -> Layout {
        self.section = section;
        self
    }

    /// "All That's Left - ajar"; just "ajar" on the home page.
    pub(crate) fn full_title(&self) -> String {
        match &self.title {
            Some(title) => format!("{title} - {SITE_NAME}"),
            None => SITE_NAME.to_owned(),
        }
    }

    pub(crate) fn site_name(&self) -> &'static str {
        SITE_NAME
    }

    pub(crate) fn stylesheet_href(&self) -> &'static str {
        assets::stylesheet_href()
    }

    /// The CSRF token of this page's forms: a placeholder that `auth::context` replaces
    /// with the viewer's on the way out (see [`viewer_parts`]).
    pub(crate) fn csrf_token(&self) -> &'static str {
        crate::auth::CSRF_PLACEHOLDER
    }

    pub(crate) fn is_home(&self) -> bool {
        self.section == Section::Home
    }
}

/// A rendered template as a response: `200 text/html`, or the 500 page if rendering fails.
pub(crate) struct Page<T>(pub(crate) T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(body) => Html(body).into_response(),
            Err(cause) => Error::Render(cause).into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub(crate) struct NotFoundPage {
    pub(crate) layout: Layout,
}

impl NotFoundPage {
    pub(crate) fn new() -> NotFoundPage {
        NotFoundPage {
            layout: Layout::new(
                Some("Page not found".to_owned()),
                "This page is not in the archive.",
            ),
        }
    }
}

/// A page that says one thing: why a request was refused, or what happened.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub(crate) layout: Layout,
    pub(crate) heading: String,
    pub(crate) message: String,
    /// A link to what to do next, (href, label), shown before the way home.
    pub(crate) link: Option<(String, String)>,
}

impl MessagePage {
    pub(crate) fn new(heading: &str, message: impl Into<String>) -> MessagePage {
        let message = message.into();
        MessagePage {
            layout: Layout::new(Some(heading.to_owned()), excerpt(&message, 150)),
            heading: heading.to_owned(),
            message,
            link: None,
        }
    }
}

#[derive(Template)]
#[template(path = "internal_error.html")]
pub(crate) struct InternalErrorPage {
    pub(crate) layout: Layout,
}

impl InternalErrorPage {
    pub(crate) fn new() -> InternalErrorPage {
        InternalErrorPage {
            layout: Layout::new(
                Some("Something went wrong".to_owned()),
                "The archive could not show this page.",
            ),
        }
    }
}

/// What a refused form shows again of a field: the text as sent when it is within the
/// field's limit (`max_chars` characters), else nothing. A refusal never echoes an
/// oversized field back: a 50 MB comment would come back whole in the 400 page.
pub(crate) fn echo(text: String, max_chars: usize) -> String {
    let within = text.len() <= max_chars
        || (text.len() <= max_chars.saturating_mul(4) && text.chars().count() <= max_chars);
    if within {
        text
    } else {
        String::new()
    }
}

/// Counts as AO3 shows them: `12,345`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let lead = (digits.len() - 1) % 3 + 1;
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    out.push_str(&digits[..lead]);
    // Digits are ASCII, so every three bytes are three digits.
    for group in digits.as_bytes()[lead..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| char::from(b)));
    }
    out
}

/// A `lang` attribute value for a work's language code, if it looks like a BCP 47 tag.
/// Unknown languages are stored as written ("klingon"), which is no language tag at all.
pub(crate) fn lang_attribute(code: &str) -> Option<&str> {
    let mut subtags = code.split('-');
    let primary = subtags.next()?;
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    let rest_ok =
        subtags.all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
    (primary_ok && rest_ok).then_some(code)
}

/// Shortens text for a `<meta name="description">` at a word boundary.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max_chars / 2 => &cut[..space],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// Creator names as a byline reads them; a work with none is credited to "Anonymous".
pub(crate) fn creators_or_anonymous(creators: &[String]) -> Vec<String> {
    if creators.is_empty() {
        vec!["Anonymous".to_owned()]
    } else {
        creators.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2_345_678), "2,345,678");
    }

    #[test]
    fn only_language_tags_become_lang_attributes() {
        assert_eq!(lang_attribute("en"), Some("en"));
        assert_eq!(lang_attribute("pt-BR"), Some("pt-BR"));
        assert_eq!(lang_attribute("klingon"), None);
        assert_eq!(lang_attribute("x\"y"), None);
        assert_eq!(lang_attribute(""), None);
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("short  text", 50), "short text");
        assert_eq!(excerpt("one two three four five", 12), "one two…");
    }

    #[test]
    fn the_layout_titles_pages() {
        assert_eq!(Layout::new(None, "").full_title(), "ajar");
        assert_eq!(
            Layout::new(Some("All That's Left".into()), "").full_title(),
            "All That's Left - ajar"
        );
    }

    #[test]
    fn error_pages_render() {
        let html = NotFoundPage::new().render().expect("the page renders");
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert!(html.contains("href=\"/\""), "{html}");
        let html = InternalErrorPage::new().render().expect("the page renders");
        assert!(html.contains("Something went wrong"), "{html}");
    }
}
