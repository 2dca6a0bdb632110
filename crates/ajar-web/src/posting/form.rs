//! The posting forms' fields: read from a URL-encoded or multipart body (checkbox groups
//! are repeated fields; a multipart body may carry a story file), turned into a work or a
//! chapter, and filled back from a stored work or an uploaded file.
//!
//! Every text area is written in one of three formats the poster picks: HTML (sanitized with
//! the archive's allowlist on the way in), Markdown, or plain text.

use crate::views::echo;
use crate::Error;
use ajar_core::{
    ArchiveWarning, Category, Chapter, CommentPolicy, Html, Language, Rating, SeriesMembership,
    TagName, Visibility, Work,
};
use ajar_store::TextSource;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use chrono::{NaiveDate, Utc};
use std::convert::Infallible;

/// The longest a one-line field (a rating code, a date, a number) is shown again.
const SHORT_FIELD_CHARS: usize = 100;
/// The longest a comma-separated list of tags (or names) is shown again: the most tags a
/// work may have, each as long as a tag may be, with their commas.
const TAG_FIELD_CHARS: usize = Work::MAX_TAGS * (TagName::MAX_CHARS + 2);

/// The largest story file the form takes; the importer takes larger ones.
pub(crate) const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// A story file sent with the form.
pub(crate) struct Upload {
    pub(crate) name: String,
    pub(crate) bytes: Bytes,
}

/// A form's fields in the order sent.
#[derive(Default)]
pub(crate) struct Fields {
    pairs: Vec<(String, String)>,
    pub(crate) file: Option<Upload>,
}

impl Fields {
    /// Reads a URL-encoded or multipart form body.
    pub(crate) async fn read(headers: &HeaderMap, body: Bytes) -> Result<Fields, Error> {
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if content_type.starts_with("multipart/form-data") {
            return Fields::multipart(content_type, body).await;
        }
        // Characters XML cannot hold never reach the store (see `crate::forms`).
        let pairs = form_urlencoded::parse(&body)
            .map(|(key, value)| {
                (
                    ajar_core::xml_text(&key).into_owned(),
                    ajar_core::xml_text(&value).into_owned(),
                )
            })
            .collect();
        Ok(Fields { pairs, file: None })
    }

    async fn multipart(content_type: &str, body: Bytes) -> Result<Fields, Error> {
        let unreadable =
            || Error::BadRequest("The form could not be read. Go back and try again.".to_owned());
        let boundary = multer::parse_boundary(content_type).map_err(|_| unreadable())?;
        let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut fields = Fields::default();
        while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            match file_name {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(|_| unreadable())?;
                    if !file_name.is_empty() || !bytes.is_empty() {
                        fields.file = Some(Upload {
                            name: file_name,
                            bytes,
                        });
                    }
                }
                None => {
                    let text = field.text().await.map_err(|_| unreadable())?;
                    fields
                        .pairs
                        .push((name, ajar_core::xml_text(&text).into_owned()));
                }
            }
        }
        Ok(fields)
    }

    /// The first value of a field, or "".
    pub(crate) fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every field in the order sent.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Every value of a repeated field, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// The form's series rows: repeated `series_title` and `series_position` fields, paired in
/// order (a missing part number is "").
fn sent_series(f: &Fields) -> Vec<(String, String)> {
    let positions = f.all("series_position");
    f.all("series_title")
        .into_iter()
        .enumerate()
        .map(|(i, title)| (title, positions.get(i).cloned().unwrap_or_default()))
        .collect()
}

/// A field that may be left empty or holds a number from 1 (a count, a part number):
/// `Ok(None)` when empty, `Err(())` when it is neither.
fn optional_number(text: &str) -> Result<Option<u32>, ()> {
    match text.trim() {
        "" => Ok(None),
        n => match n.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(()),
        },
    }
}

/// How a text area is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    #[default]
    Html,
    Markdown,
    Plain,
}

impl Format {
    pub(crate) const ALL: [Format; 3] = [Format::Html, Format::Markdown, Format::Plain];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Plain => "plain",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Format::Html => "Rich text (HTML)",
            Format::Markdown => "Markdown",
            Format::Plain => "Plain text",
        }
    }

    pub(crate) fn from_code(code: &str) -> Format {
        Format::ALL
            .into_iter()
            .find(|f| f.code() == code)
            .unwrap_or_default()
    }

    /// Sanitized HTML of text written in this format.
    pub(crate) fn to_html(self, text: &str) -> Html {
        if text.trim().is_empty() {
            return Html::default();
        }
        match self {
            Format::Html => Html::sanitize(text),
            Format::Markdown => ajar_formats::markdown::markdown_to_html(text),
            Format::Plain => Html::from_plain_text(text),
        }
    }
}

/// Text areas as written, to keep beside their HTML when they were not written in HTML.
fn source(format: Format, texts: [&str; 4]) -> Option<TextSource> {
    let [summary, notes, end_notes, body] = texts.map(str::to_owned);
    (format != Format::Html).then(|| TextSource {
        format: format.code().to_owned(),
        summary,
        notes,
        end_notes,
        body,
    })
}

/// The format of a kept source when each of its texts still renders to the stored HTML
/// (`[summary, notes, end notes, body]`): a text changed since (an import, an HTML edit)
/// is shown as stored.
fn current_format(source: &TextSource, stored: [&Html; 4]) -> Option<Format> {
    let format = Format::ALL
        .into_iter()
        .find(|f| *f != Format::Html && f.code() == source.format)?;
    let texts = [
        &source.summary,
        &source.notes,
        &source.end_notes,
        &source.body,
    ];
    texts
        .iter()
        .zip(stored)
        .all(|(text, html)| format.to_html(text).as_str() == html.as_str())
        .then_some(format)
}

/// One option of a radio group, checkbox group or select.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// What the work form holds, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkForm {
    pub(crate) title: String,
    /// Chosen pseud ids.
    pub(crate) pseuds: Vec<i64>,
    pub(crate) fandoms: String,
    pub(crate) rating: String,
    pub(crate) warnings: Vec<String>,
    pub(crate) categories: Vec<String>,
    pub(crate) relationships: String,
    pub(crate) characters: String,
    pub(crate) freeforms: String,
    pub(crate) language: String,
    pub(crate) summary: String,
    pub(crate) notes: String,
    pub(crate) end_notes: String,
    pub(crate) spoilers: String,
    /// Every series the work is in, or is to join: (title, part number or "").
    pub(crate) series: Vec<(String, String)>,
    pub(crate) expected_chapters: String,
    /// "This work will have more chapters": a new work posted with "Chapters in all" empty
    /// is complete as posted (1/1, as on AO3) unless this is ticked.
    pub(crate) more_to_come: bool,
    pub(crate) chapter_title: String,
    /// The first chapter's own summary and notes (besides the work's).
    pub(crate) chapter_summary: String,
    pub(crate) chapter_notes: String,
    pub(crate) chapter_end_notes: String,
    pub(crate) body: String,
    /// "Set a different publication date": YYYY-MM-DD, or "" for the day it is posted.
    pub(crate) backdate: String,
    pub(crate) format: Format,
    /// Chapters after the first, from an uploaded file: (title, sanitized HTML).
    pub(crate) more_chapters: Vec<(String, String)>,
    /// Chapters after the first (and after `more_chapters`) with all their texts, each in
    /// its own format: what the API sends for a work posted with several chapters. The
    /// HTML form has no such fields.
    pub(crate) later_chapters: Vec<ChapterForm>,
    pub(crate) visibility: String,
    pub(crate) comments: String,
    /// User names the work is a gift for, comma-separated.
    pub(crate) gifts: String,
    /// Pseud names invited as co-creators, comma-separated.
    pub(crate) co_creators: String,
}

impl WorkForm {
    /// The words of the form a canon timeline may name (its spoiler note and summary, as
    /// plain text) as a work with nothing else: for suggestions on a form not yet valid.
    pub(crate) fn words_only(&self) -> ajar_core::Work {
        ajar_core::Work {
            spoilers: Some(self.spoilers.trim().to_owned()).filter(|s| !s.is_empty()),
            summary: ajar_core::Html::from_plain_text(&self.summary),
            ..ajar_core::Work::default()
        }
    }

    /// What a preview's "Add" button asks (`add-fandom:NAME`, `add-character:NAME`): the
    /// tag added to its field, unless the field has it already. False for anything else.
    pub(crate) fn add_suggested(&mut self, action: &str) -> bool {
        let (field, name) = if let Some(name) = action.strip_prefix("add-fandom:") {
            (&mut self.fandoms, name)
        } else if let Some(name) = action.strip_prefix("add-character:") {
            (&mut self.characters, name)
        } else {
            return false;
        };
        let Ok(tag) = ajar_core::TagName::parse(name) else {
            return true;
        };
        let has = |t: &str| ajar_core::TagName::parse(t).is_ok_and(|t| t.eq_ignore_case(&tag));
        if field.split(',').any(has) {
            return true;
        }
        if !field.trim().is_empty() {
            field.push_str(", ");
        }
        field.push_str(tag.as_str());
        true
    }

    /// An empty form with the archive's defaults.
    pub(crate) fn blank(default_pseud: Option<i64>) -> WorkForm {
        WorkForm {
            pseuds: default_pseud.into_iter().collect(),
            rating: Rating::NotRated.code().to_owned(),
            language: Language::default().name().to_owned(),
            visibility: Visibility::Public.code().to_owned(),
            comments: CommentPolicy::Anyone.code().to_owned(),
            ..WorkForm::default()
        }
    }

    pub(crate) fn from_fields(f: &Fields) -> WorkForm {
        let titles = f.all("more_chapter_title");
        let bodies = f.all("more_chapter_body");
        WorkForm {
            title: f.get("title").to_owned(),
            pseuds: f
                .all("pseud")
                .iter()
                .filter_map(|p| p.trim().parse().ok())
                .collect(),
            fandoms: f.get("fandoms").to_owned(),
            rating: f.get("rating").to_owned(),
            warnings: f.all("warning"),
            categories: f.all("category"),
            relationships: f.get("relationships").to_owned(),
            characters: f.get("characters").to_owned(),
            freeforms: f.get("freeforms").to_owned(),
            language: f.get("language").to_owned(),
            summary: f.get("summary").to_owned(),
            notes: f.get("notes").to_owned(),
            end_notes: f.get("end_notes").to_owned(),
            spoilers: f.get("spoilers").to_owned(),
            series: sent_series(f),
            expected_chapters: f.get("expected_chapters").to_owned(),
            more_to_come: !f.get("more_to_come").trim().is_empty(),
            chapter_title: f.get("chapter_title").to_owned(),
            chapter_summary: f.get("chapter_summary").to_owned(),
            chapter_notes: f.get("chapter_notes").to_owned(),
            chapter_end_notes: f.get("chapter_end_notes").to_owned(),
            body: f.get("body").to_owned(),
            backdate: f.get("backdate").to_owned(),
            format: Format::from_code(f.get("format")),
            more_chapters: titles.into_iter().zip(bodies).collect(),
            later_chapters: Vec::new(),
            visibility: f.get("visibility").to_owned(),
            comments: f.get("comments").to_owned(),
            gifts: f.get("gifts").to_owned(),
            co_creators: f.get("co_creators").to_owned(),
        }
    }

    /// The form filled from a work (stored or read from a file): text areas as HTML.
    pub(crate) fn fill_from(&mut self, work: &Work) {
        let join = |tags: &[TagName]| {
            tags.iter()
                .map(TagName::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.title = work.title.clone();
        self.fandoms = join(&work.fandoms);
        self.rating = work.rating.code().to_owned();
        self.warnings = work.warnings.iter().map(|w| w.code().to_owned()).collect();
        self.categories = work
            .categories
            .iter()
            .map(|c| c.code().to_owned())
            .collect();
        self.relationships = join(&work.relationships);
        self.characters = join(&work.characters);
        self.freeforms = join(&work.tags);
        self.language = work.language.name().to_owned();
        self.summary = work.summary.as_str().to_owned();
        self.notes = work.notes.as_str().to_owned();
        self.end_notes = work.end_notes.as_str().to_owned();
        self.spoilers = work.spoilers.clone().unwrap_or_default();
        self.series = work
            .series
            .iter()
            .map(|s| (s.title.clone(), s.position.to_string()))
            .collect();
        self.expected_chapters = work
            .expected_chapters
            .map(|n| n.to_string())
            .unwrap_or_default();
        self.format = Format::Html;
        let mut chapters = work.chapters.iter();
        if let Some(first) = chapters.next() {
            self.chapter_title = first.title.clone().unwrap_or_default();
            self.chapter_summary = first.summary.as_str().to_owned();
            self.chapter_notes = first.notes.as_str().to_owned();
            self.chapter_end_notes = first.end_notes.as_str().to_owned();
            self.body = first.body.as_str().to_owned();
        }
        self.backdate = work.published.map(|d| d.to_string()).unwrap_or_default();
        self.more_chapters = chapters
            .map(|c| {
                (
                    c.title.clone().unwrap_or_default(),
                    c.body.as_str().to_owned(),
                )
            })
            .collect();
    }

    /// The work's summary and notes as written (see [`TextSource`]).
    pub(crate) fn source(&self) -> Option<TextSource> {
        source(
            self.format,
            [&self.summary, &self.notes, &self.end_notes, ""],
        )
    }

    /// The first chapter's texts as written.
    pub(crate) fn first_chapter_source(&self) -> Option<TextSource> {
        let texts = [
            self.chapter_summary.as_str(),
            &self.chapter_notes,
            &self.chapter_end_notes,
            &self.body,
        ];
        source(self.format, texts)
    }

    /// Shows the work's summary and notes as they were written, if `source` is still what
    /// the stored `work` shows (see [`current_format`]).
    pub(crate) fn use_source(&mut self, source: &TextSource, work: &Work) {
        let empty = Html::default();
        let stored = [&work.summary, &work.notes, &work.end_notes, &empty];
        if let Some(format) = current_format(source, stored) {
            self.format = format;
            self.summary = source.summary.clone();
            self.notes = source.notes.clone();
            self.end_notes = source.end_notes.clone();
        }
    }

    /// The work the form describes (without creators), or what to fix. `with_chapters`:
    /// the form has the first chapter's fields (a new work), not just metadata.
    pub(crate) fn to_work(&self, with_chapters: bool) -> Result<Work, Vec<String>> {
        let mut errors = Vec::new();
        let mut tags = |field: &str, text: &str| -> Vec<TagName> {
            match TagName::parse_list(text) {
                Ok(list) => list,
                Err(e) => {
                    errors.push(format!("{field}: {e}."));
                    Vec::new()
                }
            }
        };
        let fandoms = tags("Fandoms", &self.fandoms);
        let relationships = tags("Relationships", &self.relationships);
        let characters = tags("Characters", &self.characters);
        let freeforms = tags("Additional tags", &self.freeforms);
        if fandoms.is_empty() && !errors.iter().any(|e| e.starts_with("Fandoms")) {
            errors.push("Fandoms: name at least one fandom.".to_owned());
        }
        let title = self.title.trim();
        if title.is_empty() {
            errors.push("Title: the work needs a title.".to_owned());
        } else if title.chars().count() > Work::MAX_TITLE_CHARS {
            errors.push(format!(
                "Title: at most {} characters.",
                Work::MAX_TITLE_CHARS
            ));
        }
        let rating = Rating::from_code(&self.rating).unwrap_or_default();
        let warnings = self
            .warnings
            .iter()
            .filter_map(|c| ArchiveWarning::from_code(c))
            .collect();
        let categories = self
            .categories
            .iter()
            .filter_map(|c| Category::from_code(c))
            .collect();
        let language = Language::parse(&self.language).unwrap_or_default();
        let mut expected_chapters = match self.expected_chapters.trim() {
            "?" => None,
            n => optional_number(n).unwrap_or_else(|()| {
                errors.push(
                    "Chapters in all: a number of chapters, or leave it empty if you \
                     don't know yet."
                        .to_owned(),
                );
                None
            }),
        };
        let mut series = Vec::new();
        for (title, position) in &self.series {
            let title = title.trim();
            let position = optional_number(position).unwrap_or_else(|()| {
                errors.push(format!(
                    "Part of the series: a number from 1 for \"{title}\", or leave it empty."
                ));
                None
            });
            // No part number (0): after the last part.
            let position = position.unwrap_or(0);
            if !title.is_empty() {
                series.push(SeriesMembership {
                    title: title.to_owned(),
                    position,
                });
            }
        }
        let spoilers = Some(self.spoilers.trim().to_owned()).filter(|s| !s.is_empty());
        let mut chapters = Vec::new();
        let mut published = None;
        if with_chapters {
            published = self.published(&mut errors);
            let first = Chapter {
                title: Some(self.chapter_title.trim().to_owned()).filter(|t| !t.is_empty()),
                summary: self.format.to_html(&self.chapter_summary),
                notes: self.format.to_html(&self.chapter_notes),
                end_notes: self.format.to_html(&self.chapter_end_notes),
                body: self.format.to_html(&self.body),
                ..Chapter::default()
            };
            if !first.body.has_text() {
                errors.push("Work text: write (or upload) the first chapter's text.".into());
            }
            chapters.push(first);
            for (title, body) in &self.more_chapters {
                chapters.push(Chapter {
                    title: Some(title.trim().to_owned()).filter(|t| !t.is_empty()),
                    body: Html::sanitize(body),
                    ..Chapter::default()
                });
            }
            for later in &self.later_chapters {
                let position = u32::try_from(chapters.len() + 1).unwrap_or(u32::MAX);
                match later.to_chapter(position) {
                    Ok(chapter) => chapters.push(chapter),
                    Err(refusals) => errors.extend(
                        refusals
                            .into_iter()
                            .map(|e| format!("Chapter {position}: {e}")),
                    ),
                }
            }
            // A new work with "Chapters in all" left empty is whole as posted unless its
            // writer says more is to come ("?" says so too).
            if self.expected_chapters.trim().is_empty() && !self.more_to_come {
                expected_chapters = u32::try_from(chapters.len()).ok();
            }
            if let Some(expected) = expected_chapters {
                if (expected as usize) < chapters.len() {
                    errors.push(format!(
                        "Chapters in all: the work already has {} chapters.",
                        chapters.len()
                    ));
                }
            }
        }
        let mut work = Work {
            title: title.to_owned(),
            summary: self.format.to_html(&self.summary),
            notes: self.format.to_html(&self.notes),
            end_notes: self.format.to_html(&self.end_notes),
            fandoms,
            rating,
            warnings,
            categories,
            relationships,
            characters,
            tags: freeforms,
            language,
            spoilers,
            series,
            chapters,
            expected_chapters,
            published,
            ..Work::default()
        };
        work.renumber_chapters();
        // Checked for edits too (the store checks it again); a new work's full check below
        // includes it.
        if let Err(e) = work.check_tag_count() {
            errors.push(format!("Tags: {}", sentence(&e.to_string())));
        } else if errors.is_empty() && with_chapters {
            if let Err(e) = work.validate() {
                errors.push(sentence(&e.to_string()));
            }
        }
        if errors.is_empty() {
            Ok(work)
        } else {
            Err(errors)
        }
    }

    /// The form as a refusal may show it again: every field within its limit as typed, and
    /// any field over it emptied, so that a 50 MB field is never sent back (to the sender,
    /// or through any proxy or log between).
    pub(crate) fn within_limits(self) -> WorkForm {
        let short = |text: String| echo(text, SHORT_FIELD_CHARS);
        let text = |text: String| echo(text, Chapter::MAX_BODY_CHARS);
        let tags = |text: String| echo(text, TAG_FIELD_CHARS);
        let codes = |list: Vec<String>| -> Vec<String> {
            if list.len() > SHORT_FIELD_CHARS {
                return Vec::new();
            }
            list.into_iter().map(short).collect()
        };
        let rows = |rows: Vec<(String, String)>, limit: usize, second: usize| {
            if rows.len() > limit {
                return Vec::new();
            }
            rows.into_iter()
                .map(|(a, b)| (echo(a, Work::MAX_TITLE_CHARS), echo(b, second)))
                .collect()
        };
        WorkForm {
            title: echo(self.title, Work::MAX_TITLE_CHARS),
            pseuds: self.pseuds,
            fandoms: tags(self.fandoms),
            rating: short(self.rating),
            warnings: codes(self.warnings),
            categories: codes(self.categories),
            relationships: tags(self.relationships),
            characters: tags(self.characters),
            freeforms: tags(self.freeforms),
            language: short(self.language),
            summary: text(self.summary),
            notes: text(self.notes),
            end_notes: text(self.end_notes),
            spoilers: text(self.spoilers),
            series: rows(self.series, Work::MAX_TAGS, SHORT_FIELD_CHARS),
            expected_chapters: short(self.expected_chapters),
            more_to_come: self.more_to_come,
            chapter_title: echo(self.chapter_title, Work::MAX_TITLE_CHARS),
            chapter_summary: text(self.chapter_summary),
            chapter_notes: text(self.chapter_notes),
            chapter_end_notes: text(self.chapter_end_notes),
            body: text(self.body),
            backdate: short(self.backdate),
            format: self.format,
            more_chapters: rows(
                self.more_chapters,
                Work::MAX_CHAPTERS,
                Chapter::MAX_BODY_CHARS,
            ),
            // Never shown on a form.
            later_chapters: Vec::new(),
            visibility: short(self.visibility),
            comments: short(self.comments),
            gifts: tags(self.gifts),
            co_creators: tags(self.co_creators),
        }
    }

    /// The series rows the form shows: each series the work is in, then an empty row to
    /// add it to another. A row left empty leaves its series.
    pub(crate) fn series_rows(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .series
            .iter()
            .filter(|(title, _)| !title.trim().is_empty())
            .cloned()
            .collect();
        rows.push((String::new(), String::new()));
        rows
    }

    /// The chosen publication date: none for the day it is posted, or a real date that is
    /// not in the future (UTC).
    fn published(&self, errors: &mut Vec<String>) -> Option<NaiveDate> {
        let text = self.backdate.trim();
        if text.is_empty() {
            return None;
        }
        let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
            errors.push(format!(
                "Publication date: \"{text}\" is not a date; write it as YYYY-MM-DD, \
                 e.g. 2015-03-02."
            ));
            return None;
        };
        if date > Utc::now().date_naive() {
            errors.push("Publication date: the date cannot be in the future.".to_owned());
            return None;
        }
        Some(date)
    }

    pub(crate) fn visibility(&self) -> Visibility {
        Visibility::from_code(&self.visibility)
            .filter(|v| *v != Visibility::Draft)
            .unwrap_or(Visibility::Public)
    }

    pub(crate) fn comment_policy(&self) -> CommentPolicy {
        CommentPolicy::from_code(&self.comments).unwrap_or(CommentPolicy::Anyone)
    }

    pub(crate) fn rating_choices(&self) -> Vec<Choice> {
        Rating::ALL
            .into_iter()
            .map(|r| Choice {
                value: r.code().to_owned(),
                label: r.name().to_owned(),
                checked: self.rating == r.code(),
            })
            .collect()
    }

    pub(crate) fn warning_choices(&self) -> Vec<Choice> {
        ArchiveWarning::ALL
            .into_iter()
            .map(|w| Choice {
                value: w.code().to_owned(),
                label: w.name().to_owned(),
                checked: self.warnings.iter().any(|c| c == w.code()),
            })
            .collect()
    }

    pub(crate) fn category_choices(&self) -> Vec<Choice> {
        Category::ALL
            .into_iter()
            .map(|c| Choice {
                value: c.code().to_owned(),
                label: c.name().to_owned(),
                checked: self.categories.iter().any(|x| x == c.code()),
            })
            .collect()
    }

    pub(crate) fn format_choices(&self) -> Vec<Choice> {
        format_choices(self.format)
    }

    /// Public and logged-in only (a draft is saved with its own button).
    pub(crate) fn visibility_choices(&self) -> Vec<Choice> {
        [Visibility::Public, Visibility::Restricted]
            .into_iter()
            .map(|v| Choice {
                value: v.code().to_owned(),
                label: v.label().to_owned(),
                checked: self.visibility() == v,
            })
            .collect()
    }

    pub(crate) fn comment_choices(&self) -> Vec<Choice> {
        CommentPolicy::ALL
            .iter()
            .map(|p| Choice {
                value: p.code().to_owned(),
                label: p.label().to_owned(),
                checked: self.comment_policy() == *p,
            })
            .collect()
    }
}

/// A message with its first letter in upper case.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn format_choices(chosen: Format) -> Vec<Choice> {
    Format::ALL
        .into_iter()
        .map(|f| Choice {
            value: f.code().to_owned(),
            label: f.label().to_owned(),
            checked: f == chosen,
        })
        .collect()
}

/// What the chapter form holds, as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChapterForm {
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) notes: String,
    pub(crate) end_notes: String,
    pub(crate) body: String,
    pub(crate) format: Format,
}

impl ChapterForm {
    pub(crate) fn from_fields(f: &Fields) -> ChapterForm {
        ChapterForm {
            title: f.get("title").to_owned(),
            summary: f.get("summary").to_owned(),
            notes: f.get("notes").to_owned(),
            end_notes: f.get("end_notes").to_owned(),
            body: f.get("body").to_owned(),
            format: Format::from_code(f.get("format")),
        }
    }

    pub(crate) fn from_chapter(c: &Chapter) -> ChapterForm {
        ChapterForm {
            title: c.title.clone().unwrap_or_default(),
            summary: c.summary.as_str().to_owned(),
            notes: c.notes.as_str().to_owned(),
            end_notes: c.end_notes.as_str().to_owned(),
            body: c.body.as_str().to_owned(),
            format: Format::Html,
        }
    }

    /// The chapter's texts as written (see [`TextSource`]).
    pub(crate) fn source(&self) -> Option<TextSource> {
        let texts = [
            self.summary.as_str(),
            &self.notes,
            &self.end_notes,
            &self.body,
        ];
        source(self.format, texts)
    }

    /// Shows the chapter's texts as they were written, if `source` is still what the
    /// stored `chapter` shows.
    pub(crate) fn use_source(&mut self, source: &TextSource, chapter: &Chapter) {
        let stored = [
            &chapter.summary,
            &chapter.notes,
            &chapter.end_notes,
            &chapter.body,
        ];
        if let Some(format) = current_format(source, stored) {
            self.format = format;
            self.summary = source.summary.clone();
            self.notes = source.notes.clone();
            self.end_notes = source.end_notes.clone();
            self.body = source.body.clone();
        }
    }

    /// The format a work's texts are written in, for its new chapters.
    pub(crate) fn format_of(source: Option<&TextSource>) -> Format {
        source.map_or(Format::Html, |s| Format::from_code(&s.format))
    }

    pub(crate) fn to_chapter(&self, position: u32) -> Result<Chapter, Vec<String>> {
        let chapter = Chapter {
            position,
            title: Some(self.title.trim().to_owned()).filter(|t| !t.is_empty()),
            summary: self.format.to_html(&self.summary),
            notes: self.format.to_html(&self.notes),
            end_notes: self.format.to_html(&self.end_notes),
            body: self.format.to_html(&self.body),
        };
        if !chapter.body.has_text() {
            return Err(vec!["Chapter text: the chapter has no text.".to_owned()]);
        }
        if chapter.body.as_str().chars().count() > Chapter::MAX_BODY_CHARS {
            return Err(vec![format!(
                "Chapter text: at most {} characters.",
                Chapter::MAX_BODY_CHARS
            )]);
        }
        Ok(chapter)
    }

    pub(crate) fn format_choices(&self) -> Vec<Choice> {
        format_choices(self.format)
    }

    /// The form as a refusal may show it again (see [`WorkForm::within_limits`]).
    pub(crate) fn within_limits(self) -> ChapterForm {
        let text = |text: String| echo(text, Chapter::MAX_BODY_CHARS);
        ChapterForm {
            title: echo(self.title, Work::MAX_TITLE_CHARS),
            summary: text(self.summary),
            notes: text(self.notes),
            end_notes: text(self.end_notes),
            body: text(self.body),
            format: self.format,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_becomes_sanitized_html() {
        let html = Format::Html.to_html("<p onclick=\"x()\">Hi <script>alert(1)</script></p>");
        assert!(html.as_str().contains("Hi"), "{html}");
        assert!(!html.as_str().contains("script") && !html.as_str().contains("onclick"));
        let md = Format::Markdown.to_html("Some *emphasis*.");
        assert!(md.as_str().contains("<em>emphasis</em>"), "{md}");
        let plain = Format::Plain.to_html("One <b>\n\nTwo");
        assert!(plain.as_str().contains("&lt;b&gt;"), "{plain}");
        assert!(Format::Plain.to_html("  ").is_empty());
    }

    #[tokio::test]
    async fn the_csrf_check_and_the_form_read_the_same_field() {
        for body in [
            "csrf_token=a&csrf_token=b",
            "csrf%01_token=x&csrf_token=y",
            "csrf_token=%ZZ+1%2",
            "a=1&&csrf_token=t%00t&=&",
            "csrf_token",
            "",
        ] {
            let fields = Fields::read(&HeaderMap::new(), Bytes::from(body))
                .await
                .unwrap();
            let checked = crate::auth::form_urlencoded_field(body.as_bytes(), "csrf_token");
            assert_eq!(
                checked.as_deref().unwrap_or(""),
                fields.get("csrf_token"),
                "{body}"
            );
        }
    }

    #[test]
    fn a_form_needs_a_title_a_fandom_and_text() {
        let form = WorkForm::blank(Some(1));
        let errors = form.to_work(true).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        let form = WorkForm {
            title: "T".into(),
            fandoms: "A, B".into(),
            body: "Text.".into(),
            format: Format::Plain,
            expected_chapters: "2".into(),
            ..WorkForm::blank(Some(1))
        };
        let work = form.to_work(true).unwrap();
        assert_eq!(work.fandoms.len(), 2);
        assert_eq!(work.expected_chapters, Some(2));
        assert_eq!(work.chapters[0].position, 1);
    }
}
