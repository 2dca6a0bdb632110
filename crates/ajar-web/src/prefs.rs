//! Reader settings without an account: theme, font size, line width, and what listings
//! hide, kept in one cookie (`ajar_prefs`) and applied to every page.
//!
//! The cookie holds `theme=dark&font=120&width=narrow&hide=tags.warnings`; anything unknown
//! in it is ignored, so a damaged or old cookie reads as the defaults. Pages put the choice
//! on `<html>` as classes, and the stylesheet does the rest with custom properties.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::convert::Infallible;

pub(crate) const PREFS_COOKIE: &str = "ajar_prefs";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Theme {
    /// Light or dark, as the reader's system says.
    #[default]
    System,
    Light,
    Dark,
    Contrast,
}

impl Theme {
    pub(crate) const ALL: [Theme; 4] = [Theme::System, Theme::Light, Theme::Dark, Theme::Contrast];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Contrast => "contrast",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Theme::System => "As my device is set (light or dark)",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
            Theme::Contrast => "High contrast",
        }
    }

    fn from_code(code: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// Text sizes offered, in percent of the browser's own size.
pub(crate) const FONT_SIZES: [u16; 5] = [90, 100, 115, 130, 150];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Width {
    Narrow,
    #[default]
    Medium,
    Wide,
    Full,
}

impl Width {
    pub(crate) const ALL: [Width; 4] = [Width::Narrow, Width::Medium, Width::Wide, Width::Full];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Width::Narrow => "narrow",
            Width::Medium => "medium",
            Width::Wide => "wide",
            Width::Full => "full",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Width::Narrow => "Narrow (about 55 characters)",
            Width::Medium => "Medium (about 70 characters)",
            Width::Wide => "Wide (about 90 characters)",
            Width::Full => "The whole window",
        }
    }

    fn from_code(code: &str) -> Option<Width> {
        Width::ALL.into_iter().find(|w| w.code() == code)
    }
}

/// A reader's settings; the default is what a reader without the cookie sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReaderPrefs {
    pub(crate) theme: Theme,
    /// Percent, one of [`FONT_SIZES`].
    pub(crate) font: u16,
    pub(crate) width: Width,
    /// Hide additional tags (freeforms) in listings.
    pub(crate) hide_tags: bool,
    /// Hide archive warnings in listings and on work pages, behind a "show" control.
    pub(crate) hide_warnings: bool,
}

impl Default for ReaderPrefs {
    fn default() -> Self {
        ReaderPrefs {
            theme: Theme::System,
            font: 100,
            width: Width::Medium,
            hide_tags: false,
            hide_warnings: false,
        }
    }
}

impl ReaderPrefs {
    /// Reads the cookie's value; unknown or damaged parts keep their defaults.
    pub(crate) fn parse(value: &str) -> ReaderPrefs {
        let mut prefs = ReaderPrefs::default();
        for pair in value.split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            match key {
                "theme" => prefs.theme = Theme::from_code(value).unwrap_or(prefs.theme),
                "font" => {
                    if let Some(size) = value.parse().ok().filter(|s| FONT_SIZES.contains(s)) {
                        prefs.font = size;
                    }
                }
                "width" => prefs.width = Width::from_code(value).unwrap_or(prefs.width),
                "hide" => {
                    for item in value.split('.') {
                        match item {
                            "tags" => prefs.hide_tags = true,
                            "warnings" => prefs.hide_warnings = true,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        prefs
    }

    /// The settings from a request's `Cookie` headers (the defaults without one).
    pub(crate) fn from_headers(headers: &HeaderMap) -> ReaderPrefs {
        cookie_value(headers, PREFS_COOKIE)
            .map(ReaderPrefs::parse)
            .unwrap_or_default()
    }

    /// The cookie value: only characters a cookie value may hold, and canonical, so it also
    /// serves as the settings' part of cache keys and ETags.
    pub(crate) fn to_cookie_value(self) -> String {
        let mut hide = Vec::new();
        if self.hide_tags {
            hide.push("tags");
        }
        if self.hide_warnings {
            hide.push("warnings");
        }
        format!(
            "theme={}&font={}&width={}&hide={}",
            self.theme.code(),
            self.font,
            self.width.code(),
            hide.join(".")
        )
    }

    /// Classes for `<html>`: `theme-dark font-130 width-narrow`.
    pub(crate) fn html_class(self) -> String {
        format!(
            "theme-{} font-{} width-{}",
            self.theme.code(),
            self.font,
            self.width.code()
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ReaderPrefs {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ReaderPrefs::from_headers(&parts.headers))
    }
}

/// The value of the first cookie called `name` in any `Cookie` header.
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_round_trips() {
        let prefs = ReaderPrefs {
            theme: Theme::Contrast,
            font: 130,
            width: Width::Narrow,
            hide_tags: true,
            hide_warnings: true,
        };
        let value = prefs.to_cookie_value();
        assert_eq!(
            value,
            "theme=contrast&font=130&width=narrow&hide=tags.warnings"
        );
        assert_eq!(ReaderPrefs::parse(&value), prefs);
        assert_eq!(
            ReaderPrefs::default().html_class(),
            "theme-system font-100 width-medium"
        );
    }

    #[test]
    fn damaged_cookies_read_as_defaults() {
        for bad in [
            "",
            "garbage",
            "theme=neon&font=999&width=<x>",
            "hide=everything",
        ] {
            assert_eq!(ReaderPrefs::parse(bad), ReaderPrefs::default(), "{bad}");
        }
        assert_eq!(ReaderPrefs::parse("font=115&x=y").font, 115);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; ajar_prefs=theme=dark"),
        );
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(ReaderPrefs::from_headers(&headers).theme, Theme::Dark);
        assert_eq!(cookie_value(&headers, "b"), Some("2"));
        assert_eq!(cookie_value(&headers, "c"), None);
    }
}
