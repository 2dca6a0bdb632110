//! Tags: the archive's vocabulary. Every tag has a kind, and a name valid by construction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a tag says about a work. AO3 treats the required tags (rating, warnings, categories)
/// as tags too, so that one mechanism filters by all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Rating,
    Warning,
    Category,
    Fandom,
    Relationship,
    Character,
    /// AO3's "additional tags".
    Freeform,
}

impl TagKind {
    pub const ALL: [TagKind; 7] = [
        TagKind::Rating,
        TagKind::Warning,
        TagKind::Category,
        TagKind::Fandom,
        TagKind::Relationship,
        TagKind::Character,
        TagKind::Freeform,
    ];

    /// The kinds a creator types in, free text in a tag field (fandoms, relationships,
    /// characters, additional tags); the others are chosen from fixed lists.
    pub const TYPED: [TagKind; 4] = [
        TagKind::Fandom,
        TagKind::Relationship,
        TagKind::Character,
        TagKind::Freeform,
    ];

    /// Stable code used in the database and in URLs.
    pub fn code(self) -> &'static str {
        match self {
            TagKind::Rating => "rating",
            TagKind::Warning => "warning",
            TagKind::Category => "category",
            TagKind::Fandom => "fandom",
            TagKind::Relationship => "relationship",
            TagKind::Character => "character",
            TagKind::Freeform => "freeform",
        }
    }

    pub fn from_code(code: &str) -> Option<TagKind> {
        TagKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind in a sentence, singular: "a character", "an additional tag".
    pub fn label(self) -> &'static str {
        match self {
            TagKind::Rating => "rating",
            TagKind::Warning => "warning",
            TagKind::Category => "category",
            TagKind::Fandom => "fandom",
            TagKind::Relationship => "relationship",
            TagKind::Character => "character",
            TagKind::Freeform => "additional tag",
        }
    }

    /// Heading readers see for this kind's group of tags (plural, as on AO3).
    pub fn heading(self) -> &'static str {
        match self {
            TagKind::Rating => "Rating",
            TagKind::Warning => "Archive Warnings",
            TagKind::Category => "Categories",
            TagKind::Fandom => "Fandoms",
            TagKind::Relationship => "Relationships",
            TagKind::Character => "Characters",
            TagKind::Freeform => "Additional Tags",
        }
    }
}

impl fmt::Display for TagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A tag's name: trimmed, inner whitespace collapsed, 1..=150 characters, no commas
/// (a comma separates tags in every form and header, as on AO3), no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagNameError {
    #[error("a tag cannot be empty")]
    Empty,
    #[error("the tag \"{0}…\" is longer than 150 characters")]
    TooLong(String),
    #[error("the tag \"{0}\" contains a comma; commas separate tags")]
    Comma(String),
}

impl TagName {
    pub const MAX_CHARS: usize = 150;

    pub fn parse(input: &str) -> Result<TagName, TagNameError> {
        let collapsed = input
            .split(|c: char| c.is_whitespace() || c.is_control() || !crate::is_xml_char(c))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if collapsed.is_empty() {
            return Err(TagNameError::Empty);
        }
        if collapsed.contains(',') || collapsed.contains('，') {
            return Err(TagNameError::Comma(collapsed));
        }
        if collapsed.chars().count() > Self::MAX_CHARS {
            let head: String = collapsed.chars().take(40).collect();
            return Err(TagNameError::TooLong(head));
        }
        Ok(TagName(collapsed))
    }

    /// Splits a comma-separated list ("Rory Gilmore, Jess Mariano") into tag names,
    /// skipping empty items.
    pub fn parse_list(input: &str) -> Result<Vec<TagName>, TagNameError> {
        let mut out: Vec<TagName> = Vec::new();
        for item in input.split([',', '，', ';']) {
            match TagName::parse(item) {
                Ok(name) => {
                    if !out.iter().any(|t| t.eq_ignore_case(&name)) {
                        out.push(name)
                    }
                }
                Err(TagNameError::Empty) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn eq_ignore_case(&self, other: &TagName) -> bool {
        self.0.to_lowercase() == other.0.to_lowercase()
    }
}

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TagName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TagName {
    type Error = TagNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TagName::parse(&value)
    }
}

impl From<TagName> for String {
    fn from(value: TagName) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_and_checked() {
        assert_eq!(
            TagName::parse("  Slow   Burn\t").map(String::from),
            Ok("Slow Burn".into())
        );
        assert_eq!(TagName::parse("   "), Err(TagNameError::Empty));
        assert!(matches!(
            TagName::parse("a, b"),
            Err(TagNameError::Comma(_))
        ));
        assert!(matches!(
            TagName::parse(&"x".repeat(151)),
            Err(TagNameError::TooLong(_))
        ));
        assert!(TagName::parse(&"é".repeat(150)).is_ok());
    }

    #[test]
    fn lists_split_on_commas_and_drop_duplicates() {
        let tags = TagName::parse_list("Post-Canon, Road Trip,, slow burn, Slow Burn").unwrap();
        let names: Vec<&str> = tags.iter().map(TagName::as_str).collect();
        assert_eq!(names, ["Post-Canon", "Road Trip", "slow burn"]);
    }
}
