//! A work's language, kept as a BCP 47 code ("en", "pt-BR") with a readable name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Languages story files commonly name, by English and native name.
const KNOWN: &[(&str, &str, &[&str])] = &[
    ("en", "English", &["english"]),
    ("es", "Español", &["spanish", "español", "espanol"]),
    ("fr", "Français", &["french", "français", "francais"]),
    ("de", "Deutsch", &["german", "deutsch"]),
    ("it", "Italiano", &["italian", "italiano"]),
    (
        "pt-BR",
        "Português brasileiro",
        &[
            "portuguese",
            "português",
            "portugues",
            "brazilian portuguese",
            "português brasileiro",
        ],
    ),
    (
        "pt-PT",
        "Português europeu",
        &["european portuguese", "português europeu"],
    ),
    ("nl", "Nederlands", &["dutch", "nederlands"]),
    ("pl", "Polski", &["polish", "polski"]),
    ("ru", "Русский", &["russian", "русский"]),
    ("uk", "Українська", &["ukrainian", "українська"]),
    ("sv", "Svenska", &["swedish", "svenska"]),
    ("da", "Dansk", &["danish", "dansk"]),
    ("fi", "Suomi", &["finnish", "suomi"]),
    ("no", "Norsk", &["norwegian", "norsk"]),
    ("cs", "Čeština", &["czech", "čeština", "cestina"]),
    ("hu", "Magyar", &["hungarian", "magyar"]),
    ("tr", "Türkçe", &["turkish", "türkçe", "turkce"]),
    ("el", "Ελληνικά", &["greek", "ελληνικά"]),
    ("he", "עברית", &["hebrew", "עברית"]),
    ("ar", "العربية", &["arabic", "العربية"]),
    (
        "zh",
        "中文",
        &["chinese", "中文", "普通话 國語", "mandarin"],
    ),
    ("ja", "日本語", &["japanese", "日本語"]),
    ("ko", "한국어", &["korean", "한국어"]),
    ("vi", "Tiếng Việt", &["vietnamese", "tiếng việt"]),
    (
        "id",
        "Bahasa Indonesia",
        &["indonesian", "bahasa indonesia"],
    ),
    ("tl", "Filipino", &["tagalog", "filipino"]),
    ("ca", "Català", &["catalan", "català"]),
    ("la", "Lingua latina", &["latin"]),
    // ISO 639's "undetermined": the file did not say, and the archive does not guess.
    (
        NOT_STATED,
        "Not stated",
        &["not stated", "undetermined", "unknown"],
    ),
];

const NOT_STATED: &str = "und";

/// A language code; unknown names are kept as written (lowercased, trimmed), so nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(String);

impl Default for Language {
    fn default() -> Self {
        Language("en".to_owned())
    }
}

impl Language {
    /// Reads a language as a file or form writes it: a code ("en", "pt-BR") or a name
    /// ("English", "Français"). `None` for an empty string.
    pub fn parse(input: &str) -> Option<Language> {
        let s = input.trim();
        if s.is_empty() || s.chars().count() > 40 {
            return None;
        }
        let lower = s.to_lowercase();
        for (code, name, aliases) in KNOWN {
            if code.eq_ignore_ascii_case(s)
                || name.to_lowercase() == lower
                || aliases.contains(&lower.as_str())
            {
                return Some(Language((*code).to_owned()));
            }
        }
        Some(Language(lower))
    }

    /// The language of a work whose file does not say (`und`, shown as "Not stated").
    pub fn not_stated() -> Language {
        Language(NOT_STATED.to_owned())
    }

    pub fn is_stated(&self) -> bool {
        self.0 != NOT_STATED
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The language's own name where known, else its code.
    pub fn name(&self) -> &str {
        KNOWN
            .iter()
            .find(|(code, _, _)| *code == self.0)
            .map(|(_, name, _)| *name)
            .unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_understood() {
        assert_eq!(Language::parse("English").unwrap().code(), "en");
        assert_eq!(Language::parse("EN").unwrap().code(), "en");
        assert_eq!(Language::parse("Français").unwrap().code(), "fr");
        assert_eq!(Language::parse("pt-br").unwrap().code(), "pt-BR");
        assert_eq!(Language::parse("Klingon").unwrap().code(), "klingon");
        assert_eq!(Language::parse("  "), None);
        assert_eq!(Language::default().name(), "English");
        assert_eq!(Language::not_stated().name(), "Not stated");
        assert_eq!(Language::parse("Not stated"), Some(Language::not_stated()));
        assert_eq!(Language::parse("und"), Some(Language::not_stated()));
        assert!(!Language::not_stated().is_stated());
    }
}
