//! The blurb: how a work appears in any listing (home, and later fandom, tag, creator,
//! series and search pages), rendered by `templates/partials/blurb.html`.

use super::{lang_attribute, thousands};
use crate::tag_url::{tag_works_href, user_href};
use ajar_core::{ArchiveWarning, Category, Html, Rating, TagName};
use ajar_store::WorkBlurb;

/// A name that links somewhere: a tag to its works, a creator to their page. `href` is
/// `None` for "Anonymous", which names no one.
pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) href: Option<String>,
}

impl Link {
    pub(crate) fn tag(name: &str) -> Link {
        Link {
            href: Some(tag_works_href(name)),
            name: name.to_owned(),
        }
    }

    pub(crate) fn tags(names: &[TagName]) -> Vec<Link> {
        names.iter().map(|n| Link::tag(n.as_str())).collect()
    }

    /// Creators as a byline reads them; a work with none is credited to "Anonymous".
    pub(crate) fn creators(names: &[String]) -> Vec<Link> {
        if names.is_empty() {
            return vec![Link {
                name: "Anonymous".to_owned(),
                href: None,
            }];
        }
        names
            .iter()
            .map(|n| Link {
                href: Some(user_href(n)),
                name: n.clone(),
            })
            .collect()
    }
}

/// A listing entry, ready to render: every value is what the reader sees.
pub(crate) struct Blurb {
    pub(crate) id: i64,
    pub(crate) href: String,
    pub(crate) title: String,
    pub(crate) creators: Vec<Link>,
    pub(crate) fandoms: Vec<Link>,
    pub(crate) required: RequiredTags,
    pub(crate) updated: Option<String>,
    pub(crate) warnings: Vec<Link>,
    pub(crate) relationships: Vec<Link>,
    pub(crate) characters: Vec<Link>,
    pub(crate) tags: Vec<Link>,
    /// "Part 2" on a series page.
    pub(crate) part: Option<u32>,
    pub(crate) summary: Html,
    pub(crate) language: String,
    pub(crate) lang: Option<String>,
    pub(crate) words: String,
    pub(crate) chapters: String,
    pub(crate) comments: String,
    pub(crate) kudos: String,
    pub(crate) bookmarks: String,
    pub(crate) hits: String,
    /// The canon entry it spoils that the reader has not seen: its summary is hidden.
    pub(crate) spoils: Option<String>,
}

impl From<WorkBlurb> for Blurb {
    fn from(work: WorkBlurb) -> Blurb {
        let expected = work
            .expected_chapters
            .map_or_else(|| "?".to_owned(), |n| n.to_string());
        Blurb {
            id: work.id.0,
            href: format!("/works/{}", work.id),
            title: work.title,
            creators: Link::creators(&work.creators),
            fandoms: Link::tags(&work.fandoms),
            required: RequiredTags::new(
                work.rating,
                &work.warnings,
                &work.categories,
                work.complete,
            ),
            updated: work.updated.map(|d| d.to_string()),
            warnings: work.warnings.iter().map(|w| Link::tag(w.name())).collect(),
            relationships: Link::tags(&work.relationships),
            characters: Link::tags(&work.characters),
            tags: Link::tags(&work.tags),
            part: None,
            summary: work.summary,
            language: work.language.name().to_owned(),
            lang: lang_attribute(work.language.code()).map(str::to_owned),
            words: thousands(work.stats.words),
            chapters: format!("{}/{}", work.stats.chapters, expected),
            comments: thousands(work.stats.comments),
            kudos: thousands(work.stats.kudos),
            bookmarks: thousands(work.stats.bookmarks),
            hits: thousands(work.stats.hits),
            spoils: work.spoils,
        }
    }
}

/// AO3's square of four required-tag symbols. Each carries its meaning as text, for screen
/// readers and as a tooltip, since colour and a letter alone say little.
pub(crate) struct RequiredTags {
    pub(crate) symbols: [Symbol; 4],
}

pub(crate) struct Symbol {
    /// CSS classes: `rating-teen`, `warning-yes`, `category-fm`, `complete-no`, ...
    pub(crate) class: String,
    /// What sighted readers see in the square.
    pub(crate) glyph: &'static str,
    /// The same in words: "Rating: Teen And Up Audiences".
    pub(crate) label: String,
}

impl RequiredTags {
    pub(crate) fn new(
        rating: Rating,
        warnings: &[ArchiveWarning],
        categories: &[Category],
        complete: Option<bool>,
    ) -> RequiredTags {
        RequiredTags {
            symbols: [
                rating_symbol(rating),
                warnings_symbol(warnings),
                category_symbol(categories),
                complete_symbol(complete),
            ],
        }
    }
}

fn rating_symbol(rating: Rating) -> Symbol {
    let glyph = match rating.symbol() {
        "" => "NR",
        letter => letter,
    };
    Symbol {
        class: format!("rating-{}", rating.code()),
        glyph,
        label: format!("Rating: {}", rating.name()),
    }
}

fn warnings_symbol(warnings: &[ArchiveWarning]) -> Symbol {
    let real = warnings
        .iter()
        .any(|w| !matches!(w, ArchiveWarning::NoneApply | ArchiveWarning::ChoseNotToUse));
    let chose_not_to = warnings.contains(&ArchiveWarning::ChoseNotToUse);
    let (class, glyph) = if real {
        ("warning-yes", "!")
    } else if chose_not_to || warnings.is_empty() {
        ("warning-choose", "?")
    } else {
        ("warning-no", "")
    };
    let names = if warnings.is_empty() {
        "none given".to_owned()
    } else {
        warnings
            .iter()
            .map(|w| w.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Symbol {
        class: class.to_owned(),
        glyph,
        label: format!("Archive Warnings: {names}"),
    }
}

fn category_symbol(categories: &[Category]) -> Symbol {
    let (class, glyph) = match categories {
        [] => ("category-none".to_owned(), ""),
        [one] => (format!("category-{}", one.code()), one.name()),
        _ => ("category-multi".to_owned(), "Multi"),
    };
    let names = if categories.is_empty() {
        "none".to_owned()
    } else {
        categories
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Symbol {
        class,
        glyph,
        label: format!("Categories: {names}"),
    }
}

fn complete_symbol(complete: Option<bool>) -> Symbol {
    let (class, glyph, label) = match complete {
        Some(true) => ("complete-yes", "✓", "Complete Work"),
        Some(false) => ("complete-no", "…", "Work in Progress"),
        // An imported file that never said: neither a tick nor "in progress".
        None => ("complete-unknown", "?", "Completion: Not stated"),
    };
    Symbol {
        class: class.to_owned(),
        glyph,
        label: label.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_say_what_they_mean_in_words() {
        let tags = RequiredTags::new(
            Rating::TeenAndUp,
            &[ArchiveWarning::MajorCharacterDeath],
            &[Category::FM, Category::Gen],
            Some(false),
        );
        let [rating, warnings, category, complete] = &tags.symbols;
        assert_eq!(
            (rating.glyph, rating.label.as_str()),
            ("T", "Rating: Teen And Up Audiences")
        );
        assert_eq!(rating.class, "rating-teen");
        assert_eq!(warnings.class, "warning-yes");
        assert_eq!(warnings.label, "Archive Warnings: Major Character Death");
        assert_eq!(category.class, "category-multi");
        assert_eq!(category.label, "Categories: F/M, Gen");
        assert_eq!(complete.label, "Work in Progress");
    }

    #[test]
    fn no_warnings_and_unrated_read_clearly() {
        let tags = RequiredTags::new(
            Rating::NotRated,
            &[ArchiveWarning::NoneApply],
            &[],
            Some(true),
        );
        let [rating, warnings, category, complete] = &tags.symbols;
        assert_eq!(rating.label, "Rating: Not Rated");
        assert_eq!(warnings.class, "warning-no");
        assert_eq!(category.label, "Categories: none");
        assert_eq!(complete.label, "Complete Work");
        let unknown = RequiredTags::new(Rating::Mature, &[], &[], None);
        assert_eq!(unknown.symbols[1].class, "warning-choose");
        let [.., complete] = &unknown.symbols;
        assert_eq!(
            (complete.class.as_str(), complete.label.as_str()),
            ("complete-unknown", "Completion: Not stated")
        );
    }
}
