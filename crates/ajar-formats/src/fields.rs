//! Header fields: the keys story files use, and what each one means for a [`Work`].
//!
//! Real files name the same thing many ways (`Author`, `By`, `Pen name`; `A/N`, `Author's
//! Note`, `Notes`; `Pairing`, `Ship`), so keys are matched case-insensitively against a
//! table of aliases. Whatever has no field of its own is kept in [`Work::extra`] under the
//! key as written: a reader never drops what a writer wrote. Formats other than plain text
//! (Markdown front matter, AO3 HTML) will fill a work through the same [`Metadata`].

use crate::headings::{parse_number, strip_quotes};
use crate::FormatErrorKind;
use ajar_core::{
    ArchiveWarning, Category, Chapter, ExtraField, Language, Rating, SeriesMembership, TagName,
    TagNameError, Work,
};
use chrono::NaiveDate;
use std::collections::HashSet;

/// What a header key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Title,
    Creators,
    Summary,
    /// Notes at the start of the work (or, in the text, of a chapter).
    Notes,
    EndNotes,
    Spoilers,
    Fandoms,
    Series,
    Rating,
    Warnings,
    Categories,
    Genres,
    Relationships,
    Characters,
    Tags,
    Language,
    Status,
    /// Derived from the text, so a stated count is not kept.
    WordCount,
    Chapters,
    Published,
    Updated,
    /// A known key with no field of its own (Disclaimer, Beta, Dedication, ...).
    Extra,
}

impl Field {
    /// The field a key names, if the key is a known one.
    pub(crate) fn for_key(key: &str) -> Option<Field> {
        let key = normalize_key(key);
        let key = key.strip_suffix("(s)").unwrap_or(&key);
        let field = match key {
            "title" | "story title" | "fic title" | "work title" => Field::Title,
            "author" | "authors" | "by" | "writer" | "writers" | "creator" | "creators"
            | "pen name" | "penname" | "pseud" | "written by" | "author name" => Field::Creators,
            "summary" | "description" | "blurb" | "synopsis" => Field::Summary,
            "a/n"
            | "an"
            | "a.n."
            | "a/n's"
            | "author's note"
            | "author's notes"
            | "authors note"
            | "authors notes"
            | "author note"
            | "author notes"
            | "note"
            | "notes"
            | "notes at start"
            | "author's note at start"
            | "beginning notes"
            | "start notes" => Field::Notes,
            "end note"
            | "end notes"
            | "endnote"
            | "endnotes"
            | "end a/n"
            | "ending a/n"
            | "author's note at end"
            | "authors note at end"
            | "author's notes at end"
            | "notes at end"
            | "end author's note"
            | "closing note"
            | "closing notes" => Field::EndNotes,
            "spoiler" | "spoilers" | "spoiler warning" | "spoiler warnings" | "spoilers for" => {
                Field::Spoilers
            }
            "fandom" | "fandoms" | "crossover" | "canon" => Field::Fandoms,
            // FanFicFare names a work's second and later series "Additional Series".
            "series" | "additional series" => Field::Series,
            "rating" | "rated" | "ratings" | "fiction rated" => Field::Rating,
            "warning" | "warnings" | "archive warning" | "archive warnings" | "content warning"
            | "content warnings" | "trigger warning" | "trigger warnings" | "cw" | "tw" => {
                Field::Warnings
            }
            "category" | "categories" | "ao3 categories" => Field::Categories,
            "genre" | "genres" => Field::Genres,
            "pairing" | "pairings" | "relationship" | "relationships" | "ship" | "ships" => {
                Field::Relationships
            }
            "character" | "characters" | "main character" | "main characters" => Field::Characters,
            "tags" | "tag" | "additional tags" | "freeform" | "freeforms" | "freeform tags"
            | "keywords" => Field::Tags,
            "language" | "lang" => Field::Language,
            // `complete: true` is how front matter tends to say it.
            "status" | "story status" | "completion status" | "complete" | "is complete" => {
                Field::Status
            }
            "word count" | "wordcount" | "words" | "word-count" => Field::WordCount,
            "chapters"
            | "chapter count"
            | "number of chapters"
            | "no. of chapters"
            | "chapters/total chapters"
            | "total chapters" => Field::Chapters,
            "published" | "posted" | "date" | "date posted" | "first posted" | "written"
            | "date written" | "published on" | "posted on" => Field::Published,
            "updated" | "last updated" | "date updated" | "updated on" => Field::Updated,
            "disclaimer" | "disclaimers" | "beta" | "betas" | "beta reader" | "beta readers"
            | "beta'd by" | "betaed by" | "beta-read by" | "dedication" | "dedicated to"
            | "for" | "prompt" | "prompts" | "challenge" | "written for" | "gift" | "recipient"
            | "requested by" | "feedback" | "archive" | "archiving" | "website" | "url"
            | "link" | "e-mail" | "email" | "contact" | "timeline" | "time frame" | "setting"
            | "pov" | "point of view" | "inspiration" | "inspired by" | "thanks" | "translator"
            | "translated by" | "translation" | "original" | "cover" | "art" | "artist"
            | "collection" | "collections" | "type" | "fic type" | "format" | "soundtrack"
            | "song" | "music" | "length" | "continuity" | "sequel to" | "prequel to"
            | "sequel" | "prequel" | "author's website" => Field::Extra,
            _ => return None,
        };
        Some(field)
    }

    /// Prose fields, whose value may be the paragraph after an empty `Summary:` line.
    pub(crate) fn is_prose(self) -> bool {
        matches!(
            self,
            Field::Summary | Field::Notes | Field::EndNotes | Field::Spoilers
        )
    }
}

/// Lowercase, one space between words, typographic apostrophes as `'`.
fn normalize_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for word in key.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '’' | '‘' | '`' | '´' => out.push('\''),
                c => out.extend(c.to_lowercase()),
            }
        }
    }
    out
}

/// A line read as `Key: value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyLine<'a> {
    /// The key as written (ornaments such as `**` trimmed).
    pub key: &'a str,
    pub value: &'a str,
    /// `None` for a key the archive does not know.
    pub field: Option<Field>,
}

impl KeyLine<'_> {
    pub(crate) fn is_known(&self) -> bool {
        self.field.is_some()
    }
}

/// The longest key, in characters and words, that an unknown `Key: value` line may have
/// to count as a header field rather than a sentence with a colon in it.
const MAX_KEY_CHARS: usize = 30;
const MAX_KEY_WORDS: usize = 4;

/// Reads `line` as `Key: value` if the part before the first colon looks like a header
/// key: short (at most four words, thirty characters), starting with a letter, made of
/// letters, digits, spaces and `' / - _ . & ( ) #`. URLs (`http://...`) are not keys.
pub(crate) fn split_key(line: &str) -> Option<KeyLine<'_>> {
    let colon = line.find(':')?;
    if colon > MAX_KEY_CHARS * 4 + 8 {
        return None;
    }
    let raw_key = &line[..colon];
    let key = raw_key.trim().trim_matches(['*', '_']).trim();
    let mut value = line[colon + 1..].trim();
    if raw_key.trim_start().starts_with(['*', '_']) {
        value = value.trim_start_matches(['*', '_']).trim_start();
    }
    if value.starts_with("//")
        || !key.starts_with(char::is_alphabetic)
        || key.chars().count() > MAX_KEY_CHARS
        || key.split_whitespace().count() > MAX_KEY_WORDS
        || !key.chars().all(|c| {
            c.is_alphanumeric()
                || c.is_whitespace()
                || matches!(
                    c,
                    '\'' | '’' | '/' | '-' | '_' | '.' | '&' | '(' | ')' | '#'
                )
        })
    {
        return None;
    }
    Some(KeyLine {
        key,
        value,
        field: Field::for_key(key),
    })
}

/// What a story file says about its chapters (`Chapters: 3/3`, `2/?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatedChapters {
    Expected(u32),
    Unknown,
}

/// The title a work read without one carries while it is checked.
const UNTITLED: &str = "Untitled";

/// Whether a work was read without a title (see [`Metadata::allow_untitled`]).
#[derive(Debug, Clone, Copy)]
#[must_use]
pub(crate) struct Untitled(bool);

impl Untitled {
    /// Empties the title the work was checked with, so that the form asks for one.
    pub(crate) fn clear(self, work: &mut Work) {
        if self.0 {
            work.title.clear();
        }
    }
}

/// A work's metadata while a file's header (and notes in its text) are read; turned into
/// the [`Work`] by [`Metadata::finish`].
#[derive(Debug, Default)]
pub(crate) struct Metadata {
    work: Work,
    title: Option<String>,
    /// The line of the first `Title:` field, usable or not, for error messages.
    title_line: Option<usize>,
    /// A title taken from a first line without a key (see `set_fallback_title`).
    fallback_title: Option<String>,
    summary: String,
    notes: String,
    end_notes: String,
    spoilers: String,
    rating_given: bool,
    language_given: bool,
    /// What `Status:` says: complete (`Some(Some(true))`), in progress (`Some(Some(false))`)
    /// or, as ajar's own exports write for an unknown one, "Not stated" (`Some(None)`).
    status: Option<Option<bool>>,
    stated_chapters: Option<(StatedChapters, String, String)>,
    /// The summary, notes, tags or status call the work a one-shot or a drabble.
    one_shot: bool,
    /// Tags (lowercased, by list) and creators already added, to skip repeats.
    seen_tags: HashSet<(TagList, String)>,
    seen_creators: HashSet<String>,
    fields: usize,
}

impl Metadata {
    /// The line of the first `Title:` field, if any.
    pub(crate) fn title_line(&self) -> Option<usize> {
        self.title_line
    }

    /// Whether a title was found (a `Title:` field or a first line that serves as one).
    pub(crate) fn has_title(&self) -> bool {
        self.title.is_some() || self.fallback_title.is_some()
    }

    /// Lets a file without a title be read, for a form that asks for it: the work gets
    /// [`UNTITLED`] while it is checked, which [`Untitled::clear`] takes off again.
    pub(crate) fn allow_untitled(&mut self) -> Untitled {
        if self.has_title() {
            return Untitled(false);
        }
        self.fallback_title = Some(UNTITLED.to_owned());
        Untitled(true)
    }

    /// Whether any header field has been read (or a title found).
    pub(crate) fn has_started(&self) -> bool {
        self.fields > 0 || self.fallback_title.is_some()
    }

    /// Applies one header field. `key` is the key as written (kept for `extra`), `line`
    /// the 1-based line it starts on.
    pub(crate) fn apply(&mut self, key: &str, field: Field, value: &str, line: usize) {
        self.fields += 1;
        let value = value.trim();
        match field {
            Field::Title => {
                let title = strip_quotes(&collapse_whitespace(value)).to_owned();
                if self.title.is_some() {
                    self.keep(key, value);
                } else {
                    self.title_line = Some(line);
                    if !title.is_empty() {
                        self.title = Some(title);
                    }
                }
                if self.title.is_some() {
                    if let Some(line_title) = self.fallback_title.take() {
                        self.keep_title_line(line_title);
                    }
                }
            }
            Field::Creators => self.add_creators(key, value),
            Field::Summary => {
                self.one_shot |= mentions_one_shot(value);
                push_paragraph(&mut self.summary, value);
            }
            Field::Notes => self.add_notes(value),
            Field::EndNotes => push_paragraph(&mut self.end_notes, value),
            Field::Spoilers => push_paragraph(&mut self.spoilers, value),
            Field::Fandoms => self.add_tags(TagList::Fandoms, key, value),
            Field::Relationships => self.add_tags(TagList::Relationships, key, value),
            Field::Characters => self.add_tags(TagList::Characters, key, value),
            Field::Tags => {
                self.one_shot |= value.split([',', ';']).any(is_one_shot_tag);
                self.add_tags(TagList::Tags, key, value);
            }
            Field::Series => match parse_series(value) {
                Some(series) => self.work.series.push(series),
                None => self.keep(key, value),
            },
            Field::Rating => match Rating::parse_lenient(value) {
                Some(rating) if !self.rating_given => {
                    self.work.rating = rating;
                    self.rating_given = true;
                }
                // Unknown rating text, or a second rating: kept as written, never guessed.
                _ => self.keep(key, value),
            },
            Field::Warnings => self.add_warnings(key, value),
            Field::Categories => self.add_categories(key, value),
            Field::Genres => {
                self.one_shot |= value.split([',', ';', '/']).any(is_one_shot_tag);
                for genre in split_genres(value) {
                    self.add_tags(TagList::Tags, key, &genre);
                }
            }
            Field::Language => {
                if let Some(language) = Language::parse(value) {
                    self.work.language = language;
                    self.language_given = true;
                }
            }
            Field::Status => match parse_status(value) {
                Some(status) => {
                    self.status = Some(status);
                    self.one_shot |= mentions_one_shot(value);
                }
                None => self.keep(key, value),
            },
            Field::WordCount => {}
            Field::Chapters => match parse_stated_chapters(value) {
                Some(stated) if self.stated_chapters.is_none() => {
                    self.stated_chapters = Some((stated, key.to_owned(), value.to_owned()));
                }
                _ => self.keep(key, value),
            },
            Field::Published => match parse_date(value) {
                Some(date) if self.work.published.is_none() => self.work.published = Some(date),
                _ => self.keep(key, value),
            },
            Field::Updated => match parse_date(value) {
                Some(date) if self.work.updated.is_none() => self.work.updated = Some(date),
                _ => self.keep(key, value),
            },
            Field::Extra => self.keep(key, value),
        }
    }

    /// The work as read so far (to see what a file has already said).
    pub(crate) fn work(&self) -> &Work {
        &self.work
    }

    pub(crate) fn language_given(&self) -> bool {
        self.language_given
    }

    /// FanFicFare's `Category:` (its name for the fandoms, with `fandoms`) and `Genre:`
    /// lists. Both carry AO3's categories when the story came from AO3 (`F/M`, `Gen`):
    /// those are categories; the rest are fandoms or additional tags. The items are
    /// FanFicFare's own list, so a slash inside one (`Hurt/Comfort`) is part of a name.
    pub(crate) fn add_fanficfare_list(&mut self, key: &str, fandoms: bool, value: &str) {
        self.fields += 1;
        for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match Category::parse_lenient(item) {
                Some(c) if !self.work.categories.contains(&c) => self.work.categories.push(c),
                Some(_) => {}
                // FanFicFare's test site and some archives list "Crossover" as a category.
                None if fandoms && !item.eq_ignore_ascii_case("crossover") => {
                    self.add_tags(TagList::Fandoms, key, item)
                }
                None => self.add_tags(TagList::Tags, key, item),
            }
        }
    }

    /// A first line without a key that serves as the title if no `Title:` field follows.
    pub(crate) fn set_fallback_title(&mut self, title: &str) {
        let title = collapse_whitespace(strip_quotes(title));
        if self.title.is_some() {
            self.keep_title_line(title);
        } else if !title.is_empty() {
            self.fallback_title = Some(title);
        }
    }

    /// Adds a paragraph to the work's notes at the start (front matter found in the text).
    pub(crate) fn add_notes(&mut self, text: &str) {
        self.one_shot |= mentions_one_shot(text);
        push_paragraph(&mut self.notes, text);
    }

    /// Adds a paragraph to the work's end notes (a note after the last chapter's text).
    pub(crate) fn add_end_notes(&mut self, text: &str) {
        push_paragraph(&mut self.end_notes, text);
    }

    /// Builds the work from the metadata and the chapters read from the text. Only the
    /// title can be missing here; the caller validates the rest.
    pub(crate) fn finish(
        mut self,
        chapters: Vec<Chapter>,
    ) -> Result<Work, (FormatErrorKind, Option<usize>)> {
        let title = match (self.title.take(), self.fallback_title.take()) {
            (Some(title), _) | (None, Some(title)) => title,
            (None, None) => return Err((FormatErrorKind::NoTitle, self.title_line)),
        };
        let actual = u32::try_from(chapters.len()).unwrap_or(u32::MAX);
        let stated = self.stated_chapters.take();
        let mut expected = match &stated {
            Some((StatedChapters::Expected(n), _, _)) if *n >= actual => Some(*n),
            _ => None,
        };
        let one_shot = self.one_shot && actual == 1;
        // A file that says nothing about completion leaves it unknown, not "in progress".
        let complete = match (self.status, &stated) {
            (Some(status), _) => status,
            _ if one_shot => Some(true),
            (None, Some((StatedChapters::Expected(n), _, _))) if *n >= actual => Some(*n == actual),
            // AO3's "2/?": more to come.
            (None, Some((StatedChapters::Unknown, _, _))) => Some(false),
            _ => None,
        };
        if complete == Some(true) {
            expected = Some(actual);
        }
        // A count the work cannot have ("Chapters: 2/2" over three chapters, or "2/5" with
        // "Status: Complete") is kept as written rather than making the work invalid.
        if let Some((StatedChapters::Expected(n), key, value)) = stated {
            if expected != Some(n) {
                self.keep(&key, &value);
            }
        }
        let mut work = self.work;
        if !self.language_given {
            work.language = Language::not_stated();
        }
        work.title = title;
        work.summary = crate::markup::text_to_html(&self.summary);
        work.notes = crate::markup::text_to_html(&self.notes);
        work.end_notes = crate::markup::text_to_html(&self.end_notes);
        work.spoilers = Some(self.spoilers).filter(|s| !s.is_empty());
        work.chapters = chapters;
        work.expected_chapters = expected;
        work.complete = complete;
        Ok(work)
    }

    /// Keeps a field as written, in `extra`.
    pub(crate) fn keep_extra(&mut self, key: &str, value: &str) {
        self.fields += 1;
        self.keep(key, value);
    }

    fn keep(&mut self, key: &str, value: &str) {
        self.work.extra.push(ExtraField {
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }

    /// A first line that turned out not to be the title (a `Title:` field followed): kept,
    /// unless it only repeats the title.
    fn keep_title_line(&mut self, line: String) {
        let repeats = self
            .title
            .as_ref()
            .is_some_and(|t| t.to_lowercase() == line.to_lowercase());
        if !repeats {
            self.keep("Heading", &line);
        }
    }

    fn add_creators(&mut self, key: &str, value: &str) {
        for part in value.split([',', ';', '&', '\n']) {
            let mut name = String::new();
            for word in part.split_whitespace().chain(std::iter::once("and")) {
                if !word.eq_ignore_ascii_case("and") {
                    if !name.is_empty() {
                        name.push(' ');
                    }
                    name.push_str(word);
                    continue;
                }
                let creator = std::mem::take(&mut name);
                if creator.is_empty() || !self.seen_creators.insert(creator.clone()) {
                    continue;
                }
                if creator.chars().count() > 100 {
                    self.keep(key, &creator);
                } else {
                    self.work.creators.push(creator);
                }
            }
        }
    }

    fn add_tags(&mut self, list: TagList, key: &str, value: &str) {
        for item in value.split([',', '，', ';', '\n']) {
            match TagName::parse(item) {
                Ok(tag) => {
                    let tags = match list {
                        TagList::Fandoms => &mut self.work.fandoms,
                        TagList::Relationships => &mut self.work.relationships,
                        TagList::Characters => &mut self.work.characters,
                        TagList::Tags => &mut self.work.tags,
                    };
                    // A set, not a scan of the list: a file may hold thousands of tags.
                    if self.seen_tags.insert((list, tag.as_str().to_lowercase())) {
                        tags.push(tag);
                    }
                }
                Err(TagNameError::Empty) => {}
                Err(_) => self.keep(key, item.trim()),
            }
        }
    }

    /// Each item that names an archive warning becomes one; anything else ("language,
    /// mild violence") is a content note, kept as an additional tag.
    fn add_warnings(&mut self, key: &str, value: &str) {
        for item in value.split([',', ';', '\n']) {
            match ArchiveWarning::parse_lenient(item) {
                Some(w) if !self.work.warnings.contains(&w) => self.work.warnings.push(w),
                Some(_) => {}
                None => self.add_tags(TagList::Tags, key, item),
            }
        }
    }

    /// AO3 categories (`F/M`, `Gen`, `slash`); FanFiction.net-style genres given as a
    /// category (`Romance/Angst`) become additional tags.
    fn add_categories(&mut self, key: &str, value: &str) {
        for item in value.split([',', ';', '\n']) {
            if let Some(c) = Category::parse_lenient(item) {
                if !self.work.categories.contains(&c) {
                    self.work.categories.push(c);
                }
                continue;
            }
            for part in split_genres(item) {
                match Category::parse_lenient(&part) {
                    Some(c) if !self.work.categories.contains(&c) => self.work.categories.push(c),
                    Some(_) => {}
                    None => self.add_tags(TagList::Tags, key, &part),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TagList {
    Fandoms,
    Relationships,
    Characters,
    Tags,
}

/// Appends a paragraph to prose built up from several fields.
fn push_paragraph(text: &mut String, paragraph: &str) {
    let paragraph = paragraph.trim();
    if paragraph.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(paragraph);
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits genres written FanFiction.net-style (`Romance/Angst, Humor`), keeping the one
/// genre whose name has a slash in it, `Hurt/Comfort`.
fn split_genres(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in value.split([',', ';', '\n']) {
        let mut parts = item.split('/').map(str::trim).peekable();
        while let Some(part) = parts.next() {
            match parts.peek() {
                Some(next)
                    if part.eq_ignore_ascii_case("hurt")
                        && next.eq_ignore_ascii_case("comfort") =>
                {
                    out.push(format!("{part}/{next}"));
                    parts.next();
                }
                _ if part.is_empty() => {}
                _ => out.push(part.to_owned()),
            }
        }
    }
    out
}

/// Words writers use for a work in one chapter that is finished.
const ONE_SHOT_WORDS: &[&str] = &[
    "one-shot",
    "oneshot",
    "one-parter",
    "oneparter",
    "one parter",
    "drabble",
];

/// Whether prose calls the work a one-shot (`One-Parter`, `oneshot`, `drabble`). "One shot"
/// with a space is left out: "one shot at redemption" is a phrase, not a format.
fn mentions_one_shot(text: &str) -> bool {
    let lower = text.to_lowercase().replace(['‐', '‑', '–'], "-");
    ONE_SHOT_WORDS.iter().any(|word| {
        lower
            .match_indices(word)
            .any(|(i, _)| !lower[..i].ends_with(char::is_alphanumeric))
    })
}

/// A tag or genre that marks a one-shot: `One Shot`, `Oneshot`, `Drabble`.
fn is_one_shot_tag(tag: &str) -> bool {
    let squeezed: String = tag
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        squeezed.as_str(),
        "oneshot" | "oneparter" | "drabble" | "drabbles" | "ficlet"
    )
}

/// `Complete`/`Finished`/`yes` (`Some(Some(true))`), `WIP`/`In progress`/`no`
/// (`Some(Some(false))`) or `Not stated` (`Some(None)`); `None` for anything else.
fn parse_status(value: &str) -> Option<Option<bool>> {
    let lower = value.to_lowercase();
    match lower.trim().trim_end_matches('.') {
        "not stated" => return Some(None),
        "yes" | "true" => return Some(Some(true)),
        "no" | "false" => return Some(Some(false)),
        _ => {}
    }
    const IN_PROGRESS: &[&str] = &[
        "incomplete",
        "in progress",
        "in-progress",
        "wip",
        "work in progress",
        "ongoing",
        "unfinished",
        "on hiatus",
        "hiatus",
        "abandoned",
        "not complete",
        "not finished",
    ];
    const COMPLETE: &[&str] = &["complete", "finished", "done", "completed"];
    if IN_PROGRESS.iter().any(|w| lower.contains(w)) {
        Some(Some(false))
    } else if COMPLETE.iter().any(|w| lower.contains(w)) {
        Some(Some(true))
    } else {
        None
    }
}

/// `3/3`, `2/?`, `3 of 3`, or a plain `3`: the denominator is the number planned.
fn parse_stated_chapters(value: &str) -> Option<StatedChapters> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let planned = match lower.split_once('/').or_else(|| lower.split_once(" of ")) {
        Some((_, planned)) => planned.trim(),
        None => lower.as_str(),
    };
    if planned == "?" || planned.is_empty() && lower.contains('/') {
        return Some(StatedChapters::Unknown);
    }
    match parse_number(planned) {
        Some((n, rest)) if n > 0 && rest.trim().is_empty() => Some(StatedChapters::Expected(n)),
        _ => None,
    }
}

/// A series and the work's place in it: `Name`, `Name (Part 2)`, `Name, Part 2`,
/// `Name #2`, `Part 2 of Name`. Without a stated place the work is part 1.
fn parse_series(value: &str) -> Option<SeriesMembership> {
    let v = collapse_whitespace(value);
    if v.is_empty() {
        return None;
    }
    let membership = |title: &str, position: u32| {
        let title = strip_quotes(
            title
                .trim()
                .trim_end_matches([',', '-', '–', '—', ':'])
                .trim(),
        );
        (!title.is_empty()).then(|| SeriesMembership {
            title: title.to_owned(),
            position: position.max(1),
        })
    };
    if let Some((n, title)) = part_of(&v) {
        return membership(title, n);
    }
    // "Name (Part 2)", "Name [2]"
    if let Some(stripped) = v.strip_suffix(')').or_else(|| v.strip_suffix(']')) {
        if let Some(open) = stripped.rfind(['(', '[']) {
            if let Some(n) = position(&stripped[open + 1..]) {
                return membership(&stripped[..open], n);
            }
        }
    }
    // "Name, Part 2", "Name - Book Two", "Name #2", "Name part 2"
    let lower = v.to_ascii_lowercase(); // same byte offsets as `v`
    let cut = [", ", " - ", " – ", " — ", ": ", " #", " part ", " book "]
        .iter()
        .filter_map(|sep| lower.rfind(sep))
        .max();
    if let Some(cut) = cut {
        let tail = v[cut..].trim_start_matches([',', '-', '–', '—', ':', ' ']);
        if let Some(n) = position(tail) {
            return membership(&v[..cut], n);
        }
    }
    membership(&v, 1)
}

/// `Part 2 of Name` (also `Book`): the number and the name.
pub(crate) fn part_of(line: &str) -> Option<(u32, &str)> {
    let lower = line.to_ascii_lowercase();
    let word_len = ["part ", "book "]
        .iter()
        .find(|w| lower.starts_with(**w))?
        .len();
    let (n, rest) = parse_number(&line[word_len..])?;
    let rest = rest.trim_start();
    let of = rest.get(..3).filter(|of| of.eq_ignore_ascii_case("of "))?;
    let title = rest[of.len()..].trim();
    (!title.is_empty()).then_some((n, title))
}

/// A place in a series written on its own: `2`, `#2`, `Part 2`, `Book Two`, `no. 2`.
fn position(s: &str) -> Option<u32> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let skip = [
        "number",
        "installment",
        "volume",
        "vol.",
        "part",
        "book",
        "story",
        "no.",
        "no",
        "#",
    ]
    .iter()
    .find(|w| lower.starts_with(**w))
    .map_or(0, |w| w.len());
    let rest = s[skip..].trim_start().trim_start_matches('#');
    match parse_number(rest) {
        Some((n, after)) if after.trim().is_empty() => Some(n),
        _ => None,
    }
}

/// Dates as story files write them: `2004-02-10`, `10 Feb 2004`, `February 10th, 2004`,
/// `Tuesday, February 10, 2004`, `02/10/2004` (US order first, then day first if the US
/// reading is impossible), `10.02.2004`. A time after the date is ignored.
pub(crate) fn parse_date(value: &str) -> Option<NaiveDate> {
    const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let cleaned = value.trim().trim_end_matches('.').replace(',', " ");
    let mut words: Vec<String> = Vec::new();
    for (i, word) in cleaned.split_whitespace().enumerate() {
        let lower = word.to_ascii_lowercase();
        if i == 0 && lower.len() >= 3 && WEEKDAYS.iter().any(|d| lower.starts_with(d)) {
            continue;
        }
        let digits = word.bytes().take_while(u8::is_ascii_digit).count();
        let suffix = &lower[digits..];
        if digits > 0 && matches!(suffix, "st" | "nd" | "rd" | "th") {
            words.push(word[..digits].to_owned());
        } else if lower == "sept" {
            words.push("Sep".to_owned());
        } else {
            words.push(word.to_owned());
        }
    }
    let text = words.join(" ");
    const FORMATS: &[&str] = &[
        "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d %B %Y", "%B %d %Y", "%d-%b-%Y", "%m/%d/%Y",
        "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%d-%m-%Y",
    ];
    FORMATS.iter().find_map(|format| {
        let (date, rest) = NaiveDate::parse_and_remainder(&text, format).ok()?;
        let plausible = (1900..=2200).contains(&chrono::Datelike::year(&date));
        (plausible && (rest.is_empty() || rest.starts_with([' ', 'T']))).then_some(date)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_aliases_and_ignore_case_and_spacing() {
        for (key, field) in [
            ("TITLE", Field::Title),
            ("  Pen   Name ", Field::Creators),
            ("A/N", Field::Notes),
            ("a/n", Field::Notes),
            ("Author’s Notes", Field::Notes),
            ("Authors Note", Field::Notes),
            ("End Notes", Field::EndNotes),
            ("Author's Note at end", Field::EndNotes),
            ("Spoiler Warning", Field::Spoilers),
            ("Rated", Field::Rating),
            ("Archive Warning(s)", Field::Warnings),
            ("Ship", Field::Relationships),
            ("Additional Tags", Field::Tags),
            ("Freeform Tags", Field::Tags),
            ("AO3 Categories", Field::Categories),
            ("Additional Series", Field::Series),
            ("Chapters/Total Chapters", Field::Chapters),
            ("Word Count", Field::WordCount),
            ("Disclaimer", Field::Extra),
        ] {
            assert_eq!(Field::for_key(key), Some(field), "{key}");
        }
        assert_eq!(Field::for_key("Kirk"), None);
    }

    #[test]
    fn key_lines() {
        let parts = |line| split_key(line).map(|k| (k.key, k.value, k.field));
        assert_eq!(
            parts("Title:  All That's Left "),
            Some(("Title", "All That's Left", Some(Field::Title)))
        );
        assert_eq!(
            parts("**Rating:** T"),
            Some(("Rating", "T", Some(Field::Rating)))
        );
        assert_eq!(split_key("Kirk: hello").map(|k| k.field), Some(None));
        assert_eq!(split_key("http://example.com"), None);
        assert_eq!(split_key("He said it all day long and then: nothing"), None);
        assert_eq!(split_key("\"Wait: what?\""), None);
        assert_eq!(split_key("10:30 in the morning"), None);
    }

    #[test]
    fn dates_in_common_forms() {
        let d = NaiveDate::from_ymd_opt(2004, 2, 10);
        for text in [
            "2004-02-10",
            "10 Feb 2004",
            "February 10, 2004",
            "February 10th, 2004",
            "Tuesday, February 10, 2004",
            "02/10/2004",
            "2/10/2004",
            "10.02.2004",
            "2004-02-10 14:30",
            "10 February 2004.",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        assert_eq!(
            parse_date("25/12/2004"),
            NaiveDate::from_ymd_opt(2004, 12, 25)
        );
        assert_eq!(parse_date("sometime in 2004"), None);
        assert_eq!(parse_date("2/10/04"), None);
    }

    #[test]
    fn series_forms() {
        let s = |v: &str| parse_series(v).map(|s| (s.title, s.position));
        let named = |t: &str, n| Some((t.to_owned(), n));
        assert_eq!(s("Stars Hollow Nights"), named("Stars Hollow Nights", 1));
        assert_eq!(
            s("Stars Hollow Nights (Part 2)"),
            named("Stars Hollow Nights", 2)
        );
        assert_eq!(
            s("Stars Hollow Nights [3]"),
            named("Stars Hollow Nights", 3)
        );
        assert_eq!(
            s("Stars Hollow Nights, Part Two"),
            named("Stars Hollow Nights", 2)
        );
        assert_eq!(s("Stars Hollow Nights #4"), named("Stars Hollow Nights", 4));
        assert_eq!(
            s("Part 5 of Stars Hollow Nights"),
            named("Stars Hollow Nights", 5)
        );
        assert_eq!(
            s("Book II of Stars Hollow Nights"),
            named("Stars Hollow Nights", 2)
        );
        assert_eq!(s(" "), None);
    }

    #[test]
    fn statuses_and_chapter_counts() {
        assert_eq!(parse_status("Complete"), Some(Some(true)));
        assert_eq!(parse_status("Completed!"), Some(Some(true)));
        assert_eq!(parse_status("Finished"), Some(Some(true)));
        assert_eq!(parse_status("WIP"), Some(Some(false)));
        assert_eq!(parse_status("In Progress"), Some(Some(false)));
        assert_eq!(parse_status("Incomplete"), Some(Some(false)));
        assert_eq!(parse_status("Not stated"), Some(None));
        assert_eq!(parse_status("true"), Some(Some(true)));
        assert_eq!(parse_status("No"), Some(Some(false)));
        assert_eq!(parse_status("whenever"), None);
        assert_eq!(
            parse_stated_chapters("3/3"),
            Some(StatedChapters::Expected(3))
        );
        assert_eq!(parse_stated_chapters("2/?"), Some(StatedChapters::Unknown));
        assert_eq!(
            parse_stated_chapters("2 of 5"),
            Some(StatedChapters::Expected(5))
        );
        assert_eq!(
            parse_stated_chapters("4"),
            Some(StatedChapters::Expected(4))
        );
        assert_eq!(parse_stated_chapters("many"), None);
    }

    #[test]
    fn one_shot_markers() {
        assert!(mentions_one_shot("Nag Hammadi re-write. One-Parter."));
        assert!(mentions_one_shot("A ONESHOT."));
        assert!(mentions_one_shot("a drabble"));
        assert!(!mentions_one_shot("He has one shot at this."));
        assert!(!mentions_one_shot("someone-shot")); // not a word of its own
        assert!(is_one_shot_tag(" One Shot "));
        assert!(!is_one_shot_tag("Slow Burn"));
    }

    #[test]
    fn genres_split_but_hurt_comfort_stays_whole() {
        assert_eq!(
            split_genres("Romance/Angst, Hurt/Comfort"),
            ["Romance", "Angst", "Hurt/Comfort"]
        );
        assert_eq!(split_genres("Drama"), ["Drama"]);
    }

    #[test]
    fn creators_split_on_commas_and_and() {
        let mut m = Metadata::default();
        m.apply(
            "Authors",
            Field::Creators,
            "paperlanterns & Rory G, Jess and Luke",
            1,
        );
        assert_eq!(m.work.creators, ["paperlanterns", "Rory G", "Jess", "Luke"]);
    }
}
