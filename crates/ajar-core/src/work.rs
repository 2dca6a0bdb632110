//! A work: the thing an archive holds. Metadata, chapters, and what is computed from them.

use crate::{ArchiveWarning, Category, Html, Language, Rating, TagKind, TagName};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A fan work with everything an AO3-class archive stores about it.
///
/// The text of chapters, the summary and the notes are sanitized [`Html`]; the spoiler note
/// is plain text. `extra` keeps header fields of imported files that have no place of their
/// own (a disclaimer, a beta reader), so nothing a writer wrote is dropped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Work {
    pub title: String,
    /// Creator (pseud) names, in credit order.
    pub creators: Vec<String>,
    pub summary: Html,
    /// Notes at the start of the work.
    pub notes: Html,
    /// Notes at the end of the work.
    pub end_notes: Html,
    pub fandoms: Vec<TagName>,
    pub rating: Rating,
    pub warnings: Vec<ArchiveWarning>,
    pub categories: Vec<Category>,
    pub relationships: Vec<TagName>,
    pub characters: Vec<TagName>,
    /// AO3's "additional tags".
    pub tags: Vec<TagName>,
    pub language: Language,
    /// What canon the work spoils ("If you haven't seen the season 4 episode ...").
    pub spoilers: Option<String>,
    pub series: Vec<SeriesMembership>,
    pub chapters: Vec<Chapter>,
    /// How many chapters the creator plans; `None` for "?".
    pub expected_chapters: Option<u32>,
    /// `Some(true)` complete, `Some(false)` a work in progress, `None` not stated: a story
    /// file that says nothing about it stays unknown rather than counting as unfinished.
    pub complete: Option<bool>,
    pub published: Option<NaiveDate>,
    pub updated: Option<NaiveDate>,
    pub extra: Vec<ExtraField>,
}

/// One chapter of a work.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chapter {
    /// 1-based position in the work.
    pub position: u32,
    pub title: Option<String>,
    pub summary: Html,
    pub notes: Html,
    pub end_notes: Html,
    pub body: Html,
}

/// A work's place in a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesMembership {
    pub title: String,
    /// 1-based "Part N of the series".
    pub position: u32,
}

/// A header field kept as written because the archive has no field of its own for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraField {
    pub key: String,
    pub value: String,
}

/// Why a work cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the work has no title")]
    EmptyTitle,
    #[error("the title is longer than {max} characters", max = Work::MAX_TITLE_CHARS)]
    TitleTooLong,
    #[error("the work has no chapters")]
    NoChapters,
    #[error("chapter {0} has no text")]
    EmptyChapter(u32),
    #[error("chapter {0} is longer than {max} characters", max = Chapter::MAX_BODY_CHARS)]
    ChapterTooLong(u32),
    #[error("the work has more than {max} chapters", max = Work::MAX_CHAPTERS)]
    TooManyChapters,
    #[error("the creator name \"{0}\" must be 1 to 100 characters")]
    BadCreator(String),
    #[error("the work says it has {expected} chapters in all but already has {actual}")]
    ExpectedBelowActual { expected: u32, actual: u32 },
    #[error("the {0} holds a control character that cannot be stored")]
    ControlCharacter(&'static str),
    #[error(
        "the work has {0} fandoms, relationships, characters and additional tags in all; \
         at most {max} are allowed",
        max = Work::MAX_TAGS
    )]
    TooManyTags(usize),
}

impl Work {
    pub const MAX_TITLE_CHARS: usize = 255;
    pub const MAX_CHAPTERS: usize = 5_000;
    /// Fandoms, relationships, characters and additional tags in all, as AO3 counts them
    /// (ratings, warnings and categories are not counted).
    pub const MAX_TAGS: usize = 75;

    /// Checks what every stored work must satisfy, and returns the first problem found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(ValidationError::EmptyTitle);
        }
        if title.chars().count() > Self::MAX_TITLE_CHARS {
            return Err(ValidationError::TitleTooLong);
        }
        for creator in &self.creators {
            let n = creator.trim().chars().count();
            if n == 0 || n > 100 {
                return Err(ValidationError::BadCreator(creator.clone()));
            }
        }
        self.check_tag_count()?;
        if self.chapters.is_empty() {
            return Err(ValidationError::NoChapters);
        }
        if self.chapters.len() > Self::MAX_CHAPTERS {
            return Err(ValidationError::TooManyChapters);
        }
        for chapter in &self.chapters {
            if !chapter.body.has_text() {
                return Err(ValidationError::EmptyChapter(chapter.position));
            }
            if chapter.body.as_str().len() > Chapter::MAX_BODY_CHARS * 4
                || chapter.body.as_str().chars().count() > Chapter::MAX_BODY_CHARS
            {
                return Err(ValidationError::ChapterTooLong(chapter.position));
            }
        }
        if let Some(field) = self.field_with_xml_invalid_chars() {
            return Err(ValidationError::ControlCharacter(field));
        }
        if let Some(expected) = self.expected_chapters {
            let actual = self.chapters.len() as u32;
            if expected < actual {
                return Err(ValidationError::ExpectedBelowActual { expected, actual });
            }
        }
        Ok(())
    }

    /// Drops the characters XML cannot hold from every plain-text field (the HTML fields
    /// were cleaned by [`Html::sanitize`]). Readers of story files call this: a character
    /// reference such as `&#1;` in an HTML or EPUB title only becomes a character in the
    /// parser, after the bytes were cleaned.
    pub fn drop_xml_invalid_chars(&mut self) {
        fn clean(text: &mut String) {
            if let std::borrow::Cow::Owned(cleaned) = crate::xml_text(text) {
                *text = cleaned;
            }
        }
        clean(&mut self.title);
        self.creators.iter_mut().for_each(clean);
        self.spoilers.iter_mut().for_each(clean);
        for series in &mut self.series {
            clean(&mut series.title);
        }
        for chapter in &mut self.chapters {
            chapter.title.iter_mut().for_each(clean);
        }
        for extra in &mut self.extra {
            clean(&mut extra.key);
            clean(&mut extra.value);
        }
    }

    /// The first plain-text field holding a character XML cannot hold (see
    /// [`Work::drop_xml_invalid_chars`]); such a work is never stored.
    fn field_with_xml_invalid_chars(&self) -> Option<&'static str> {
        let bad = |text: &str| !text.chars().all(crate::is_xml_char);
        if bad(&self.title) {
            Some("title")
        } else if self.creators.iter().any(|c| bad(c)) {
            Some("creator name")
        } else if self.spoilers.as_deref().is_some_and(bad) {
            Some("spoiler note")
        } else if self.series.iter().any(|s| bad(&s.title)) {
            Some("series title")
        } else if self
            .chapters
            .iter()
            .any(|c| c.title.as_deref().is_some_and(bad))
        {
            Some("chapter title")
        } else if self.extra.iter().any(|e| bad(&e.key) || bad(&e.value)) {
            Some("header field")
        } else {
            None
        }
    }

    /// The part of [`Work::validate`] an edit of a work's tags must pass too: at most
    /// [`Work::MAX_TAGS`] fandoms, relationships, characters and additional tags in all.
    pub fn check_tag_count(&self) -> Result<(), ValidationError> {
        let count = self.tags_by_kind().count();
        if count > Self::MAX_TAGS {
            return Err(ValidationError::TooManyTags(count));
        }
        Ok(())
    }

    /// Sets each chapter's position to its place in `chapters`.
    pub fn renumber_chapters(&mut self) {
        for (i, chapter) in self.chapters.iter_mut().enumerate() {
            chapter.position = i as u32 + 1;
        }
    }

    /// Total words over all chapters.
    pub fn words(&self) -> u64 {
        self.chapters.iter().map(Chapter::words).sum()
    }

    /// AO3's "chapters" stat: `2/3`, `1/1`, `4/?`.
    pub fn chapter_label(&self) -> String {
        let expected = self
            .expected_chapters
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".to_owned());
        format!("{}/{}", self.chapters.len(), expected)
    }

    /// Every free-form tag of the work with its kind, in AO3's display order
    /// (fandoms, relationships, characters, additional tags).
    pub fn tags_by_kind(&self) -> impl Iterator<Item = (TagKind, &TagName)> {
        self.fandoms
            .iter()
            .map(|t| (TagKind::Fandom, t))
            .chain(
                self.relationships
                    .iter()
                    .map(|t| (TagKind::Relationship, t)),
            )
            .chain(self.characters.iter().map(|t| (TagKind::Character, t)))
            .chain(self.tags.iter().map(|t| (TagKind::Freeform, t)))
    }
}

/// A work's completion in words, as headers, exports and pages write it: "Complete",
/// "In Progress" or "Not stated" (the story-file readers read all three back).
pub fn completion_name(complete: Option<bool>) -> &'static str {
    match complete {
        Some(true) => "Complete",
        Some(false) => "In Progress",
        None => "Not stated",
    }
}

impl Chapter {
    /// AO3 allows 500,000 characters a chapter; imported archives had longer ones.
    pub const MAX_BODY_CHARS: usize = 1_000_000;

    pub fn words(&self) -> u64 {
        self.body.word_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_chapter_work() -> Work {
        let mut work = Work {
            title: "All That's Left".into(),
            chapters: vec![Chapter {
                body: Html::from_plain_text("Hello there, reader.\n\nSecond paragraph."),
                ..Chapter::default()
            }],
            expected_chapters: Some(1),
            complete: Some(true),
            ..Work::default()
        };
        work.renumber_chapters();
        work
    }

    #[test]
    fn a_work_knows_its_words_and_chapters() {
        let work = one_chapter_work();
        assert_eq!(work.validate(), Ok(()));
        assert_eq!(work.words(), 5);
        assert_eq!(work.chapter_label(), "1/1");
        assert_eq!(work.chapters[0].position, 1);
    }

    #[test]
    fn a_work_has_at_most_75_tags_of_the_kinds_people_type() {
        let names = |prefix: &str, n: usize| {
            (0..n)
                .map(|i| TagName::parse(&format!("{prefix} {i}")).unwrap())
                .collect::<Vec<_>>()
        };
        let mut work = one_chapter_work();
        work.fandoms = names("Fandom", 5);
        work.relationships = names("Ship", 20);
        work.characters = names("Character", 20);
        work.tags = names("Tag", 30);
        work.warnings = ArchiveWarning::ALL.to_vec();
        assert_eq!(work.validate(), Ok(()), "75 tags, warnings not counted");
        work.tags.push(TagName::parse("One Too Many").unwrap());
        assert_eq!(work.validate(), Err(ValidationError::TooManyTags(76)));
        let message = ValidationError::TooManyTags(76).to_string();
        assert!(
            message.contains("76") && message.contains("at most 75"),
            "{message}"
        );
        work.tags = names("Tag", 10_000);
        assert_eq!(
            work.check_tag_count(),
            Err(ValidationError::TooManyTags(10_045))
        );
    }

    #[test]
    fn invalid_works_are_refused_with_a_reason() {
        let mut work = one_chapter_work();
        work.title = "  ".into();
        assert_eq!(work.validate(), Err(ValidationError::EmptyTitle));

        let mut work = one_chapter_work();
        work.chapters[0].body = Html::sanitize("<p>  </p><script>x</script>");
        assert_eq!(work.validate(), Err(ValidationError::EmptyChapter(1)));

        let mut work = one_chapter_work();
        work.chapters.clear();
        assert_eq!(work.validate(), Err(ValidationError::NoChapters));
    }

    #[test]
    fn unstated_completion_is_neither_complete_nor_in_progress() {
        assert_eq!(completion_name(Some(true)), "Complete");
        assert_eq!(completion_name(Some(false)), "In Progress");
        assert_eq!(completion_name(None), "Not stated");
        let mut work = one_chapter_work();
        work.complete = None;
        let json = serde_json::to_value(&work).unwrap();
        assert_eq!(json["complete"], serde_json::Value::Null);
        let back: Work = serde_json::from_value(json).unwrap();
        assert_eq!(back.complete, None);
    }

    #[test]
    fn json_round_trips_and_sanitizes_on_the_way_in() {
        let work = one_chapter_work();
        let json = serde_json::to_string(&work).unwrap();
        let back: Work = serde_json::from_str(&json).unwrap();
        assert_eq!(back, work);

        let hostile = json.replace("Second paragraph.", "<script>alert(1)</script>");
        let back: Work = serde_json::from_str(&hostile).unwrap();
        assert!(!back.chapters[0].body.as_str().contains("script"));
    }
}
