//! What an unwrangled tag most likely is: the canonical tag its spelling names. Writers type
//! "rory gilmore", "Jess/Rory", "rory x jess", "Hurt-Comfort", "Eponine Thenardier"; a
//! wrangler wants "Rory Gilmore", "Rory Gilmore/Jess Mariano", "Hurt/Comfort",
//! "Éponine Thénardier" offered with one click. The rules aim at precision: a suggestion
//! wranglers learn to distrust is worse than none, so anything ambiguous (a first name two
//! characters of the fandom share, a pairing one of whose people is unknown) gets none.

use crate::{TagId, TagKind};
use std::collections::HashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A canonical tag the suggester may offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalTag {
    pub id: TagId,
    pub kind: TagKind,
    pub name: String,
    /// The fandoms it belongs to (its parents); none means any fandom.
    pub fandoms: Vec<TagId>,
}

/// Why a tag was suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The same name, but for case, punctuation, spacing and accents.
    Spelling,
    /// The same people, however they are written: short names, order, "x" for "/".
    People,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Spelling => "same spelling but for case, punctuation and accents",
            Reason::People => "the same characters, written differently",
        }
    }
}

/// A suggestion: the canonical tag and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub id: TagId,
    pub reason: Reason,
}

/// Lowercase words of letters and digits, accents dropped: "Éponine  Thénardier." and
/// "eponine thenardier" are alike.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            // "T'Soni" and "TSoni" are alike; other punctuation separates words.
            space = true;
        }
    }
    out
}

/// [`normalize`] without the spaces: "slow burn", "slow-burn" and "slowburn" are alike.
fn compact(text: &str) -> String {
    normalize(text).replace(' ', "")
}

/// A name without its trailing disambiguation: "Zuko (Avatar)" is "Zuko".
fn base_name(name: &str) -> &str {
    let trimmed = name.trim_end();
    if trimmed.ends_with(')') {
        if let Some(open) = trimmed.rfind(" (") {
            return trimmed[..open].trim_end();
        }
    }
    trimmed
}

/// How the people of a relationship are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bond {
    /// "A/B" (and writers' "A x B").
    Romantic,
    /// "A & B".
    Platonic,
}

/// The people of a relationship as written, and how they are joined; `None` when it is not
/// written as two or more people with one kind of joint.
fn members(spelling: &str) -> Option<(Bond, Vec<String>)> {
    let has_slash = spelling.contains('/');
    let has_amp = spelling.contains('&');
    let (bond, parts): (Bond, Vec<String>) = match (has_slash, has_amp) {
        (true, false) => (
            Bond::Romantic,
            spelling.split('/').map(str::to_owned).collect(),
        ),
        (false, true) => (
            Bond::Platonic,
            spelling.split('&').map(str::to_owned).collect(),
        ),
        (false, false) => {
            // "rory x jess": an "x" standing alone between names.
            let words: Vec<&str> = spelling.split_whitespace().collect();
            let mut parts = vec![String::new()];
            for w in words {
                if w.eq_ignore_ascii_case("x") || w == "×" {
                    parts.push(String::new());
                } else if let Some(last) = parts.last_mut() {
                    if !last.is_empty() {
                        last.push(' ');
                    }
                    last.push_str(w);
                }
            }
            (Bond::Romantic, parts)
        }
        (true, true) => return None,
    };
    let parts: Vec<String> = parts.iter().map(|p| p.trim().to_owned()).collect();
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        return None;
    }
    Some((bond, parts))
}

/// Canonical tags indexed for suggestions.
#[derive(Debug, Default)]
pub struct Suggester {
    tags: Vec<CanonicalTag>,
    /// Tag indexes by kind and [`normalize`]d name (and base name).
    by_name: HashMap<(TagKind, String), Vec<usize>>,
    /// Tag indexes by kind and [`compact`] name.
    by_compact: HashMap<(TagKind, String), Vec<usize>>,
    /// Character indexes by a single word of their base name (first or last).
    by_word: HashMap<String, Vec<usize>>,
    /// Relationship indexes by their people (sorted character ids) and joint.
    by_people: HashMap<(Bond, Vec<TagId>), Vec<usize>>,
}

impl Suggester {
    pub fn new(tags: Vec<CanonicalTag>) -> Suggester {
        let mut s = Suggester {
            tags,
            ..Suggester::default()
        };
        for (i, t) in s.tags.iter().enumerate() {
            let mut keys = vec![normalize(&t.name)];
            let base = normalize(base_name(&t.name));
            if t.kind == TagKind::Fandom {
                // "Harry Potter - J. K. Rowling" is written "Harry Potter".
                if let Some((head, _)) = base_name(&t.name).split_once(" - ") {
                    keys.push(normalize(head));
                }
            }
            keys.push(base);
            keys.sort();
            keys.dedup();
            for key in keys {
                s.by_compact
                    .entry((t.kind, key.replace(' ', "")))
                    .or_default()
                    .push(i);
                s.by_name.entry((t.kind, key)).or_default().push(i);
            }
            if t.kind == TagKind::Character {
                let base = normalize(base_name(&t.name));
                let words: Vec<&str> = base.split(' ').collect();
                if words.len() > 1 {
                    let mut ends = vec![words[0].to_owned()];
                    if let Some(last) = words.last() {
                        ends.push((*last).to_owned());
                    }
                    ends.dedup();
                    for w in ends {
                        s.by_word.entry(w).or_default().push(i);
                    }
                }
            }
        }
        // Relationships by their people, once characters are known.
        let mut people = Vec::new();
        for (i, t) in s.tags.iter().enumerate() {
            if t.kind != TagKind::Relationship {
                continue;
            }
            let Some((bond, parts)) = members(&t.name) else {
                continue;
            };
            let fandom = t.fandoms.first().copied();
            let ids: Option<Vec<TagId>> = parts
                .iter()
                .map(|p| s.character(p, fandom, false))
                .collect();
            if let Some(mut ids) = ids {
                ids.sort();
                ids.dedup();
                if ids.len() == parts.len() {
                    people.push(((bond, ids), i));
                }
            }
        }
        for (key, i) in people {
            s.by_people.entry(key).or_default().push(i);
        }
        s
    }

    /// Whether canonical tag `i` may be offered for a tag of `fandom`.
    fn fits(&self, i: usize, fandom: Option<TagId>) -> bool {
        let t = &self.tags[i];
        match fandom {
            Some(f) => t.fandoms.is_empty() || t.fandoms.contains(&f),
            None => true,
        }
    }

    /// The one tag of `candidates` that fits `fandom`, if exactly one does.
    fn only(&self, candidates: Option<&Vec<usize>>, fandom: Option<TagId>) -> Option<usize> {
        let mut fitting = candidates?.iter().filter(|i| self.fits(**i, fandom));
        let first = *fitting.next()?;
        fitting.next().is_none().then_some(first)
    }

    /// The canonical character `written` names in `fandom`: by full name, or (with
    /// `short`, in a known fandom) by a first or last name only one character there has.
    fn character(&self, written: &str, fandom: Option<TagId>, short: bool) -> Option<TagId> {
        // "Javert (Les Misérables - Schönberg/Boublil)" says which Javert: it is matched
        // whole, never by the name before its disambiguation.
        let key = normalize(written);
        let found = self
            .only(self.by_name.get(&(TagKind::Character, key.clone())), fandom)
            .or_else(|| {
                self.only(
                    self.by_compact
                        .get(&(TagKind::Character, key.replace(' ', ""))),
                    fandom,
                )
            })
            .or_else(|| {
                (short && fandom.is_some() && !key.contains(' '))
                    .then(|| self.only(self.by_word.get(&key), fandom))
                    .flatten()
            })?;
        Some(self.tags[found].id)
    }

    /// The canonical tag of `kind` an unwrangled tag spelled `spelling`, used in `fandom`
    /// (when known), most likely is.
    pub fn suggest(
        &self,
        kind: TagKind,
        spelling: &str,
        fandom: Option<TagId>,
    ) -> Option<Suggestion> {
        let key = normalize(spelling);
        if key.is_empty() {
            return None;
        }
        let by_spelling = self
            .only(self.by_name.get(&(kind, key.clone())), fandom)
            .or_else(|| self.only(self.by_compact.get(&(kind, compact(spelling))), fandom));
        if let Some(i) = by_spelling {
            // A relationship is matched by its people below: "A/B" and "A & B" normalize
            // alike, and are not alike.
            if kind != TagKind::Relationship {
                return Some(Suggestion {
                    id: self.tags[i].id,
                    reason: Reason::Spelling,
                });
            }
        }
        match kind {
            TagKind::Character => {
                let id = self.character(spelling, fandom, true)?;
                Some(Suggestion {
                    id,
                    reason: Reason::People,
                })
            }
            TagKind::Relationship => {
                let (bond, parts) = members(spelling)?;
                let mut ids: Vec<TagId> = parts
                    .iter()
                    .map(|p| self.character(p, fandom, true))
                    .collect::<Option<_>>()?;
                ids.sort();
                ids.dedup();
                if ids.len() != parts.len() {
                    return None;
                }
                let i = self.only(self.by_people.get(&(bond, ids)), fandom)?;
                let reason = if by_spelling == Some(i) {
                    Reason::Spelling
                } else {
                    Reason::People
                };
                Some(Suggestion {
                    id: self.tags[i].id,
                    reason,
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(id: i64, kind: TagKind, name: &str, fandom: Option<i64>) -> CanonicalTag {
        CanonicalTag {
            id: TagId(id),
            kind,
            name: name.to_owned(),
            fandoms: fandom.map(TagId).into_iter().collect(),
        }
    }

    fn suggester() -> Suggester {
        use TagKind::*;
        Suggester::new(vec![
            tag(1, Fandom, "Gilmore Girls", None),
            tag(2, Character, "Rory Gilmore", Some(1)),
            tag(3, Character, "Jess Mariano", Some(1)),
            tag(4, Character, "Lorelai Gilmore", Some(1)),
            tag(5, Relationship, "Rory Gilmore/Jess Mariano", Some(1)),
            tag(6, Relationship, "Lorelai Gilmore & Rory Gilmore", Some(1)),
            tag(7, Freeform, "Hurt/Comfort", None),
            tag(
                8,
                Freeform,
                "Alternate Universe - Coffee Shops & Cafés",
                None,
            ),
            tag(9, Fandom, "Les Misérables - Victor Hugo", None),
            tag(10, Character, "Éponine Thénardier", Some(9)),
        ])
    }

    fn suggested(kind: TagKind, spelling: &str, fandom: Option<i64>) -> Option<i64> {
        suggester()
            .suggest(kind, spelling, fandom.map(TagId))
            .map(|s| s.id.0)
    }

    #[test]
    fn spellings_are_matched_whatever_their_case_punctuation_and_accents() {
        assert_eq!(normalize("  Éponine  Thénardier. "), "eponine thenardier");
        assert_eq!(
            suggested(TagKind::Character, "eponine thenardier", Some(9)),
            Some(10)
        );
        assert_eq!(suggested(TagKind::Freeform, "hurt-comfort", None), Some(7));
        assert_eq!(
            suggested(TagKind::Freeform, "HURT COMFORT", Some(1)),
            Some(7)
        );
        assert_eq!(
            suggested(
                TagKind::Freeform,
                "alternate universe: coffee shops & cafes",
                None
            ),
            Some(8)
        );
        assert_eq!(suggested(TagKind::Fandom, "les miserables", None), Some(9));
        assert_eq!(suggested(TagKind::Freeform, "Coffee", None), None);
    }

    #[test]
    fn pairings_are_matched_by_their_people() {
        for spelling in [
            "Jess/Rory",
            "rory x jess",
            "Rory Gilmore/Jess Mariano",
            "jess/rory gilmore",
        ] {
            assert_eq!(
                suggested(TagKind::Relationship, spelling, Some(1)),
                Some(5),
                "{spelling}"
            );
        }
        // "&" is not "/".
        assert_eq!(
            suggested(TagKind::Relationship, "Rory & Jess", Some(1)),
            None
        );
        assert_eq!(
            suggested(TagKind::Relationship, "Rory & Lorelai", Some(1)),
            Some(6)
        );
        // A short name two characters share, or a third person, gives nothing.
        assert_eq!(
            suggested(TagKind::Relationship, "Gilmore/Jess", Some(1)),
            None
        );
        assert_eq!(
            suggested(TagKind::Relationship, "Rory/Jess/Logan", Some(1)),
            None
        );
        // Short names need the fandom.
        assert_eq!(suggested(TagKind::Relationship, "Rory/Jess", None), None);
        assert_eq!(suggested(TagKind::Character, "Rory", Some(1)), Some(2));
        assert_eq!(suggested(TagKind::Character, "Gilmore", Some(1)), None);
        assert_eq!(suggested(TagKind::Character, "Rory", Some(9)), None);
    }
}
