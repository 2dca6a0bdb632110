//! AO3's required tags: one rating, one or more archive warnings, zero or more categories.
//!
//! Story files in the wild use other rating systems (FanFiction.net's K..MA, film ratings);
//! [`Rating::parse_lenient`] maps them to the nearest AO3 rating so that imported works filter
//! the same way as posted ones.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A work's content rating, as AO3 names them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum Rating {
    #[serde(rename = "General Audiences")]
    GeneralAudiences,
    #[serde(rename = "Teen And Up Audiences")]
    TeenAndUp,
    #[serde(rename = "Mature")]
    Mature,
    #[serde(rename = "Explicit")]
    Explicit,
    #[default]
    #[serde(rename = "Not Rated")]
    NotRated,
}

impl Rating {
    pub const ALL: [Rating; 5] = [
        Rating::GeneralAudiences,
        Rating::TeenAndUp,
        Rating::Mature,
        Rating::Explicit,
        Rating::NotRated,
    ];

    /// The name readers see, exactly as AO3 writes it.
    pub fn name(self) -> &'static str {
        match self {
            Rating::GeneralAudiences => "General Audiences",
            Rating::TeenAndUp => "Teen And Up Audiences",
            Rating::Mature => "Mature",
            Rating::Explicit => "Explicit",
            Rating::NotRated => "Not Rated",
        }
    }

    /// A short stable code for URLs, CSS classes and database columns.
    pub fn code(self) -> &'static str {
        match self {
            Rating::GeneralAudiences => "general",
            Rating::TeenAndUp => "teen",
            Rating::Mature => "mature",
            Rating::Explicit => "explicit",
            Rating::NotRated => "notrated",
        }
    }

    /// The one-letter symbol of AO3's required-tags square.
    pub fn symbol(self) -> &'static str {
        match self {
            Rating::GeneralAudiences => "G",
            Rating::TeenAndUp => "T",
            Rating::Mature => "M",
            Rating::Explicit => "E",
            Rating::NotRated => "",
        }
    }

    pub fn from_code(code: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Reads a rating as story files write it, in AO3's, FanFiction.net's or film terms,
    /// and maps it to the nearest AO3 rating. `None` if it is not a rating at all.
    pub fn parse_lenient(input: &str) -> Option<Rating> {
        let normalized: String = input
            .trim()
            .trim_end_matches('.')
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        // Prefixes such as "Rated T" or "Fiction Rated: M" (FanFiction.net's own wording).
        let s = normalized
            .strip_prefix("fictionrated:")
            .or_else(|| normalized.strip_prefix("fictionrated"))
            .or_else(|| normalized.strip_prefix("rated:"))
            .or_else(|| normalized.strip_prefix("rated"))
            .unwrap_or(&normalized);
        let rating = match s {
            "generalaudiences" | "general" | "gen" | "g" | "k" | "k+" | "kplus" | "pg" | "u"
            | "everyone" | "allages" => Rating::GeneralAudiences,
            "teenandupaudiences" | "teenandup" | "teen" | "teens" | "t" | "pg-13" | "pg13"
            | "12" | "12a" | "13+" | "15" => Rating::TeenAndUp,
            "mature" | "m" | "r" | "16+" | "17+" | "adult" => Rating::Mature,
            "explicit" | "e" | "ma" | "nc-17" | "nc17" | "x" | "xxx" | "18" | "18+" | "nsfw" => {
                Rating::Explicit
            }
            "notrated" | "unrated" | "none" | "nr" | "n/a" => Rating::NotRated,
            _ => return None,
        };
        Some(rating)
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// AO3's six archive warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ArchiveWarning {
    #[serde(rename = "Creator Chose Not To Use Archive Warnings")]
    ChoseNotToUse,
    #[serde(rename = "Graphic Depictions Of Violence")]
    GraphicViolence,
    #[serde(rename = "Major Character Death")]
    MajorCharacterDeath,
    #[serde(rename = "No Archive Warnings Apply")]
    NoneApply,
    #[serde(rename = "Rape/Non-Con")]
    RapeNonCon,
    #[serde(rename = "Underage Sex")]
    Underage,
}

impl ArchiveWarning {
    pub const ALL: [ArchiveWarning; 6] = [
        ArchiveWarning::ChoseNotToUse,
        ArchiveWarning::GraphicViolence,
        ArchiveWarning::MajorCharacterDeath,
        ArchiveWarning::NoneApply,
        ArchiveWarning::RapeNonCon,
        ArchiveWarning::Underage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ArchiveWarning::ChoseNotToUse => "Creator Chose Not To Use Archive Warnings",
            ArchiveWarning::GraphicViolence => "Graphic Depictions Of Violence",
            ArchiveWarning::MajorCharacterDeath => "Major Character Death",
            ArchiveWarning::NoneApply => "No Archive Warnings Apply",
            ArchiveWarning::RapeNonCon => "Rape/Non-Con",
            ArchiveWarning::Underage => "Underage Sex",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ArchiveWarning::ChoseNotToUse => "choosenotto",
            ArchiveWarning::GraphicViolence => "violence",
            ArchiveWarning::MajorCharacterDeath => "death",
            ArchiveWarning::NoneApply => "none",
            ArchiveWarning::RapeNonCon => "noncon",
            ArchiveWarning::Underage => "underage",
        }
    }

    pub fn from_code(code: &str) -> Option<ArchiveWarning> {
        ArchiveWarning::ALL.into_iter().find(|w| w.code() == code)
    }

    /// Reads one warning as story files write it ("MCD", "Character Death", "violence", ...).
    pub fn parse_lenient(input: &str) -> Option<ArchiveWarning> {
        let s: String = input
            .trim()
            .trim_end_matches('.')
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let warning = match s.as_str() {
            "creatorchosenottousearchivewarnings"
            | "chosenottowarn"
            | "chosenottouse"
            | "creatorchosenottowarn"
            | "cntw"
            | "chosenottousearchivewarnings" => ArchiveWarning::ChoseNotToUse,
            "graphicdepictionsofviolence" | "violence" | "graphicviolence" => {
                ArchiveWarning::GraphicViolence
            }
            "majorcharacterdeath" | "mcd" | "characterdeath" | "death" => {
                ArchiveWarning::MajorCharacterDeath
            }
            "noarchivewarningsapply" | "none" | "nowarnings" | "nowarningsapply" | "no" => {
                ArchiveWarning::NoneApply
            }
            "rapenoncon" | "noncon" | "rape" | "noncons" => ArchiveWarning::RapeNonCon,
            "underagesex" | "underage" => ArchiveWarning::Underage,
            _ => return None,
        };
        Some(warning)
    }
}

impl fmt::Display for ArchiveWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// AO3's relationship categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    #[serde(rename = "F/F")]
    FF,
    #[serde(rename = "F/M")]
    FM,
    #[serde(rename = "Gen")]
    Gen,
    #[serde(rename = "M/M")]
    MM,
    #[serde(rename = "Multi")]
    Multi,
    #[serde(rename = "Other")]
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::FF,
        Category::FM,
        Category::Gen,
        Category::MM,
        Category::Multi,
        Category::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::FF => "F/F",
            Category::FM => "F/M",
            Category::Gen => "Gen",
            Category::MM => "M/M",
            Category::Multi => "Multi",
            Category::Other => "Other",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Category::FF => "ff",
            Category::FM => "fm",
            Category::Gen => "gen",
            Category::MM => "mm",
            Category::Multi => "multi",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Reads one category ("F/M", "het", "slash", "femslash", "gen", ...).
    pub fn parse_lenient(input: &str) -> Option<Category> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let category = match s.as_str() {
            "ff" | "femslash" | "wlw" => Category::FF,
            "fm" | "mf" | "het" => Category::FM,
            "gen" | "general" => Category::Gen,
            "mm" | "slash" | "mlm" => Category::MM,
            "multi" | "multiple" => Category::Multi,
            "other" => Category::Other,
            _ => return None,
        };
        Some(category)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_rating_systems_map_to_the_nearest_ao3_rating() {
        let cases = [
            ("K", Rating::GeneralAudiences),
            ("K+", Rating::GeneralAudiences),
            ("T", Rating::TeenAndUp),
            ("M", Rating::Mature),
            ("MA", Rating::Explicit),
            ("G", Rating::GeneralAudiences),
            ("PG", Rating::GeneralAudiences),
            ("PG-13", Rating::TeenAndUp),
            ("R", Rating::Mature),
            ("NC-17", Rating::Explicit),
            ("Teen And Up Audiences", Rating::TeenAndUp),
            ("explicit", Rating::Explicit),
            ("Rated T", Rating::TeenAndUp),
            ("Fiction Rated: K+", Rating::GeneralAudiences),
            ("Not Rated", Rating::NotRated),
        ];
        for (input, expected) in cases {
            assert_eq!(Rating::parse_lenient(input), Some(expected), "{input}");
        }
        assert_eq!(Rating::parse_lenient("whatever"), None);
    }

    #[test]
    fn codes_round_trip() {
        for r in Rating::ALL {
            assert_eq!(Rating::from_code(r.code()), Some(r));
        }
        for w in ArchiveWarning::ALL {
            assert_eq!(ArchiveWarning::from_code(w.code()), Some(w));
            assert_eq!(ArchiveWarning::parse_lenient(w.name()), Some(w));
        }
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert_eq!(Category::parse_lenient(c.name()), Some(c));
        }
    }
}
