//! The plain-text story file, the archive's seed format: a header of `Key: value`
//! paragraphs, then the text.
//!
//! ```text
//! Title: All That's Left
//!
//! Summary: ... One-Parter.
//!
//! A/N: I wrote this right after the episode aired, ...
//!
//! The past twenty-four hours have gone by in a blur. ...
//! ```
//!
//! How a file is read, in order:
//!
//! 1. **Header.** Paragraphs (runs of non-blank lines) at the top are header fields while
//!    their first line is `Key: value` with a known key (see the aliases in `fields.rs`);
//!    a field's value runs on over the paragraph's following lines, unless a line starts a
//!    new known key (`Title: x` / `Author: y` on consecutive lines are two fields). An
//!    unknown key (kept in `extra`) also counts, once a known field has been read, if it
//!    looks like a key (at most four words and thirty characters, starting with a letter)
//!    and either shares a paragraph with known fields, or is a one-line paragraph in a run
//!    of such that a known field ends (`Fic Type: AU` before `Summary:`), no name coming
//!    back (a script). So `Kirk: Hello there.` right after the header is text: misreading
//!    a field as text keeps it visible, while the reverse would hide the story's first line.
//! 2. **Title without a key.** A file without `Title:` takes its title from its first
//!    paragraph if that is one line of at most twelve words that does not end in sentence
//!    punctuation (`.` `!` `?` `…` `,` `;` `:`) and more text follows; a `by Name` line
//!    under it names the creator. Otherwise the file is refused with `NoTitle`.
//! 3. **Body.** The first paragraph that is not a header field starts the text; from there
//!    on nothing is read as a header field, so `Kirk: hello there` is dialogue. Separator
//!    lines (`***`, `~~~`, `-----`, `* * *`) between header and text are dropped; inside the
//!    text they are scene breaks and stay paragraphs as written, so the text round-trips.
//! 4. **Chapters.** A short paragraph that is a heading (`Chapter 2`, `Chapter Two: Title`,
//!    `CHAPTER II`, `Part 2`, `Ch. 3`, `Prologue`; see `headings.rs`), optionally with the
//!    chapter's title on its next line, starts a chapter. Text before the first heading is
//!    chapter 1, untitled, unless that heading opens the story (`Chapter 1`, `Part One`,
//!    `Prologue`): then it is front matter and joins the work's notes. Headings with no text
//!    between them (`Part One` / `Chapter 1`) make one chapter.
//! 5. **Notes in the text.** `A/N:`, `Notes:` (or `Summary:`) paragraphs right after a
//!    heading are that chapter's notes (summary); `A/N:` / `End Note:` paragraphs at the end
//!    of a chapter are its end notes, and at the end of the last chapter the work's end
//!    notes. A chapter that would be left with no text keeps its notes as text.
//! 6. **Completion.** `Status: Complete` (or `Complete: yes`), `Chapters: 3/3` (planned =
//!    actual) or, for a work of one chapter, "one-shot", "oneshot", "One-Parter" or
//!    "drabble" in the summary, notes, tags or genres make the work complete; `Status: WIP`
//!    overrides, and `Chapters: 2/5` or `2/?` make it a work in progress. A complete work
//!    expects exactly the chapters it has. A file that says none of this leaves completion
//!    not stated (`Status: Not stated` says so outright). Prose is never read for this.
//!
//! Text becomes HTML through `markup.rs`: escaped, except a few bare inline tags (`<i>`,
//! `<b>`, ...) that old archive exports left in text files.

use crate::decode::decode;
use crate::fields::{part_of, split_key, Field, Metadata};
use crate::headings::{clean_title, parse_heading, Heading, MAX_HEADING_WORDS};
use crate::markup::text_to_html;
use crate::{FormatError, FormatErrorKind};
use ajar_core::{Chapter, ValidationError, Work};

/// Reads a plain-text story file. `name` is used only in error messages.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Work, FormatError> {
    parse_with(name, bytes, false)
}

/// [`parse`]; `untitled`: a file with no title is read with an empty one (for a form that
/// asks for it) instead of being refused.
pub(crate) fn parse_with(name: &str, bytes: &[u8], untitled: bool) -> Result<Work, FormatError> {
    crate::check_size(name, bytes)?;
    let text = decode(bytes).map_err(|kind| FormatError::new(name, None, kind))?;
    parse_text(name, &text, untitled)
}

/// [`parse_with`] on decoded text (a Word document's paragraphs, see `docx`).
pub(crate) fn parse_text(name: &str, text: &str, untitled: bool) -> Result<Work, FormatError> {
    if text.trim().is_empty() {
        return Err(FormatError::new(name, None, FormatErrorKind::Empty));
    }
    Document::new(text)
        .read(untitled)
        .map_err(|(kind, line)| FormatError::new(name, line, kind))
}

type ReadError = (FormatErrorKind, Option<usize>);

/// A run of lines, `start..end` (indices into [`Document::lines`], never empty).
#[derive(Debug, Clone, Copy)]
struct Block {
    start: usize,
    end: usize,
}

impl Block {
    /// The 1-based line number of its first line.
    fn line_no(self) -> usize {
        self.start + 1
    }
}

/// A decoded file split into trimmed lines and paragraphs.
struct Document<'a> {
    lines: Vec<&'a str>,
    paragraphs: Vec<Block>,
}

/// A chapter while the text is read.
#[derive(Default)]
struct Draft {
    heading: Option<Heading>,
    /// Line of the heading, for error messages.
    line: Option<usize>,
    blocks: Vec<Block>,
    /// Whether any block is more than a separator.
    has_text: bool,
}

/// A note paragraph at a chapter's edge.
enum Note {
    Summary(String),
    Notes(String),
}

impl<'a> Document<'a> {
    fn new(text: &'a str) -> Document<'a> {
        let lines: Vec<&str> = text.split('\n').map(str::trim).collect();
        let mut paragraphs = Vec::new();
        let mut start = None;
        for (i, line) in lines.iter().enumerate() {
            match (line.is_empty(), start) {
                (true, Some(s)) => {
                    paragraphs.push(Block { start: s, end: i });
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            paragraphs.push(Block {
                start: s,
                end: lines.len(),
            });
        }
        Document { lines, paragraphs }
    }

    fn lines_of(&self, block: Block) -> &[&'a str] {
        &self.lines[block.start..block.end]
    }

    fn first_line(&self, block: Block) -> &'a str {
        self.lines[block.start]
    }

    fn is_separator_block(&self, block: Block) -> bool {
        self.lines_of(block).iter().all(|l| is_separator_line(l))
    }

    /// The first line of a block that is not a separator.
    fn first_content_line(&self, block: Block) -> Option<&'a str> {
        self.lines_of(block)
            .iter()
            .copied()
            .find(|l| !is_separator_line(l))
    }

    fn read(&self, untitled: bool) -> Result<Work, ReadError> {
        let mut meta = Metadata::default();
        let body_start = self.read_header(&mut meta);
        let drafts = self.read_drafts(body_start, &mut meta);
        if drafts.is_empty() {
            return Err((FormatErrorKind::NoText, None));
        }
        let last = drafts.len() - 1;
        let mut lines = Vec::with_capacity(drafts.len());
        let mut chapters = Vec::with_capacity(drafts.len());
        for (i, draft) in drafts.into_iter().enumerate() {
            lines.push(draft.line);
            chapters.push(self.chapter(draft, i == last, &mut meta));
        }
        let title_line = meta.title_line();
        let untitled = untitled.then(|| meta.allow_untitled());
        let mut work = meta.finish(chapters)?;
        work.renumber_chapters();
        work.drop_xml_invalid_chars();
        work.validate().map_err(|e| {
            let line = match &e {
                ValidationError::EmptyChapter(n) | ValidationError::ChapterTooLong(n) => {
                    lines.get((*n as usize).wrapping_sub(1)).copied().flatten()
                }
                ValidationError::EmptyTitle | ValidationError::TitleTooLong => title_line,
                _ => None,
            };
            (FormatErrorKind::Invalid(e), line)
        })?;
        if let Some(untitled) = untitled {
            untitled.clear(&mut work);
        }
        Ok(work)
    }

    /// Reads header fields into `meta`; returns the index of the paragraph where the text
    /// starts.
    fn read_header(&self, meta: &mut Metadata) -> usize {
        let mut i = 0;
        let mut after_separator = false;
        let mut title_paragraph = None;
        while let Some(&block) = self.paragraphs.get(i) {
            let Some(first) = self.first_content_line(block) else {
                // A separator: decoration before the header, or its end.
                after_separator |= meta.has_started();
                i += 1;
                continue;
            };
            if parse_heading(first).is_some() {
                break;
            }
            let key_line = split_key(first);
            if key_line.is_some_and(|k| k.is_known()) {
                i = self.read_fields(i, meta);
                continue;
            }
            if !meta.has_started() && i + 1 < self.paragraphs.len() && self.read_title(block, meta)
            {
                title_paragraph = Some(i);
                i += 1;
                continue;
            }
            if after_separator {
                break;
            }
            if key_line.is_some() {
                if meta.has_started() && self.unknown_key_is_header(i) {
                    i = self.read_fields(i, meta);
                    continue;
                }
                break;
            }
            if block.end - block.start == 1 {
                if part_of(first).is_some() {
                    meta.apply("Series", Field::Series, first, block.line_no());
                    i += 1;
                    continue;
                }
                let under_title = title_paragraph.is_some_and(|t| t + 1 == i);
                if let Some(name) = by_line(first).filter(|_| under_title) {
                    meta.apply("By", Field::Creators, name, block.line_no());
                    i += 1;
                    continue;
                }
            }
            break;
        }
        i
    }

    /// A first paragraph without a key, read as the title (and a `by` line or fields
    /// under it) if it looks like one. See the module documentation.
    fn read_title(&self, block: Block, meta: &mut Metadata) -> bool {
        // Underlines and ornaments around a title (`My Title` / `========`) are not lines.
        let mut lines = (block.start..block.end)
            .map(|k| (k + 1, self.lines[k]))
            .filter(|(_, l)| !is_separator_line(l));
        let Some((_, title)) = lines.next() else {
            return false;
        };
        // A Markdown title (`# My Story`) is the title without its marks.
        let title = markdown_heading_text(title).unwrap_or(title);
        let rest: Vec<(usize, &str)> = lines.collect();
        let fits = |l: &str| by_line(l).is_some() || split_key(l).is_some_and(|k| k.is_known());
        if !is_title_line(title, true) || !rest.iter().all(|(_, l)| fits(l)) {
            return false;
        }
        meta.set_fallback_title(title);
        for (line_no, line) in rest {
            if let Some(name) = by_line(line) {
                meta.apply("By", Field::Creators, name, line_no);
            } else if let Some((kl, field)) = split_key(line).and_then(|k| Some((k, k.field?))) {
                meta.apply(kl.key, field, kl.value, line_no);
            }
        }
        true
    }

    /// Whether an unknown `Name: text` paragraph in the header is a field (kept in
    /// `extra`) rather than the first line of dialogue. See the module documentation.
    fn unknown_key_is_header(&self, i: usize) -> bool {
        let Some(&block) = self.paragraphs.get(i) else {
            return false;
        };
        let lines = self.lines_of(block);
        if lines.len() > 1 {
            // A compact header block: every line a field, at least one of them known.
            let keys: Vec<_> = lines.iter().map(|l| split_key(l)).collect();
            return keys.iter().all(Option::is_some) && keys.iter().flatten().any(|k| k.is_known());
        }
        // A run of one-line `Name: value` paragraphs is header only if a known field ends
        // it; otherwise it is where the text starts (dialogue, or a script if a name comes
        // back). Misreading a field as text keeps it visible; the reverse would hide text.
        let mut names: Vec<String> = Vec::new();
        for &next in self.paragraphs.iter().skip(i).take(8) {
            let Some(key_line) = split_key(self.first_line(next)) else {
                return false;
            };
            if key_line.is_known() {
                return true;
            }
            let name = key_line.key.to_lowercase();
            if next.end - next.start > 1 || key_line.value.is_empty() || names.contains(&name) {
                return false;
            }
            names.push(name);
        }
        false
    }

    /// Reads the fields of the header paragraph `i`; returns the next paragraph's index.
    fn read_fields(&self, i: usize, meta: &mut Metadata) -> usize {
        struct Pending<'k> {
            key: &'k str,
            field: Field,
            value: String,
            line: usize,
        }
        let Some(&block) = self.paragraphs.get(i) else {
            return i + 1;
        };
        let mut fields: Vec<Pending> = Vec::new();
        let mut last_start = None;
        for (k, line) in self.lines_of(block).iter().enumerate() {
            if is_separator_line(line) {
                continue;
            }
            let key_line = split_key(line);
            let starts_field = match key_line {
                Some(kl) => {
                    fields.is_empty()
                        || kl.is_known()
                        || (last_start.is_some_and(|s| s + 1 == k)
                            && kl.key.starts_with(char::is_uppercase))
                }
                None => false,
            };
            match (key_line, fields.last_mut()) {
                (Some(kl), _) if starts_field => {
                    fields.push(Pending {
                        key: kl.key,
                        field: kl.field.unwrap_or(Field::Extra),
                        value: kl.value.to_owned(),
                        line: block.line_no() + k,
                    });
                    last_start = Some(k);
                }
                (_, Some(current)) => {
                    if !current.value.is_empty() {
                        current.value.push('\n');
                    }
                    current.value.push_str(line);
                }
                // The paragraph's first line is always a key line (see `read_header`).
                (_, None) => {}
            }
        }
        let mut next = i + 1;
        // `Summary:` alone on its line, with the summary as the next paragraph.
        if let [only] = fields.as_mut_slice() {
            if only.field.is_prose() && only.value.is_empty() {
                if let Some(&b) = self.paragraphs.get(next) {
                    let first = self.first_line(b);
                    if split_key(first).is_none()
                        && parse_heading(first).is_none()
                        && !self.is_separator_block(b)
                    {
                        only.value = self.lines_of(b).join("\n");
                        next += 1;
                    }
                }
            }
        }
        for f in fields {
            meta.apply(f.key, f.field, &f.value, f.line);
        }
        next
    }

    /// Groups the text's paragraphs into chapters at headings.
    fn read_drafts(&self, start: usize, meta: &mut Metadata) -> Vec<Draft> {
        let mut drafts = Vec::new();
        let mut current = Draft::default();
        for &block in self.paragraphs.iter().skip(start) {
            let first = (block.start..block.end).find(|&k| !is_separator_line(self.lines[k]));
            let Some((first, mut heading)) =
                first.and_then(|k| Some((k, parse_heading(self.lines[k])?)))
            else {
                current.has_text |= first.is_some();
                current.blocks.push(block);
                continue;
            };
            let mut next = first + 1;
            while next < block.end && is_separator_line(self.lines[next]) {
                next += 1;
            }
            if heading.title.is_none() && next < block.end && is_title_line(self.lines[next], false)
            {
                heading.title = Some(clean_title(self.lines[next]));
                next += 1;
            }
            if current.has_text {
                drafts.push(std::mem::take(&mut current));
            }
            // Headings with nothing between them (`Part One`, then `Chapter 1`) are one.
            current.heading = Some(match current.heading.take() {
                Some(earlier) => merge_headings(earlier, heading),
                None => heading,
            });
            current.line = current.line.or(Some(first + 1));
            current.blocks.clear();
            if next < block.end {
                current.blocks.push(Block {
                    start: next,
                    end: block.end,
                });
                current.has_text = true;
            }
        }
        drafts.push(current);
        // Text before a heading that opens the story is front matter.
        let opens = drafts
            .get(1)
            .and_then(|d| d.heading.as_ref())
            .is_some_and(Heading::opens_work);
        if opens && drafts[0].heading.is_none() {
            let front = drafts.remove(0);
            meta.add_notes(&self.text_of(self.trim_separators(&front.blocks)));
        }
        drafts.retain(|d| d.has_text);
        drafts
    }

    /// Builds a chapter from a draft, taking the notes at its edges; the last chapter's
    /// end notes are the work's.
    fn chapter(&self, draft: Draft, is_last: bool, meta: &mut Metadata) -> Chapter {
        let all = self.trim_separators(&draft.blocks);
        let mut start = 0;
        let mut leading = Vec::new();
        while let Some(note) = all.get(start).and_then(|&b| self.note(b, true)) {
            leading.push(note);
            start += 1;
        }
        let mut end = all.len();
        let mut trailing = Vec::new();
        while end > start {
            match self.note(all[end - 1], false) {
                Some(Note::Notes(text)) => trailing.push(text),
                _ => break,
            }
            end -= 1;
        }
        let mut body = self.trim_separators(&all[start..end]);
        if body.is_empty() {
            // Only notes: they are the chapter's text.
            body = all;
            leading.clear();
            trailing.clear();
        }
        let mut chapter = Chapter {
            title: draft.heading.and_then(|h| h.title),
            body: text_to_html(&self.text_of(body)),
            ..Chapter::default()
        };
        let (mut summary, mut notes) = (String::new(), String::new());
        for note in leading {
            match note {
                Note::Summary(text) => push_paragraph(&mut summary, &text),
                Note::Notes(text) => push_paragraph(&mut notes, &text),
            }
        }
        chapter.summary = text_to_html(&summary);
        chapter.notes = text_to_html(&notes);
        trailing.reverse();
        if is_last {
            for text in &trailing {
                meta.add_end_notes(text);
            }
        } else {
            chapter.end_notes = text_to_html(&trailing.join("\n\n"));
        }
        chapter
    }

    /// A paragraph that is a note (`A/N: ...`, `End Note: ...`) or, at a chapter's start, a
    /// summary; its text without the key.
    fn note(&self, block: Block, at_start: bool) -> Option<Note> {
        let lines = self.lines_of(block);
        let key_line = split_key(lines[0])?;
        let mut text = key_line.value.to_owned();
        for line in &lines[1..] {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line);
        }
        match key_line.field? {
            Field::Notes | Field::EndNotes => Some(Note::Notes(text)),
            Field::Summary if at_start => Some(Note::Summary(text)),
            _ => None,
        }
    }

    fn trim_separators<'b>(&self, mut blocks: &'b [Block]) -> &'b [Block] {
        while let Some((&first, rest)) = blocks.split_first() {
            if !self.is_separator_block(first) {
                break;
            }
            blocks = rest;
        }
        while let Some((&last, rest)) = blocks.split_last() {
            if !self.is_separator_block(last) {
                break;
            }
            blocks = rest;
        }
        blocks
    }

    /// Paragraphs as plain text: lines joined by line breaks, paragraphs by blank lines.
    fn text_of(&self, blocks: &[Block]) -> String {
        let len: usize = blocks
            .iter()
            .flat_map(|&b| self.lines_of(b))
            .map(|l| l.len() + 2)
            .sum();
        let mut text = String::with_capacity(len);
        for &block in blocks {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            for (k, line) in self.lines_of(block).iter().enumerate() {
                if k > 0 {
                    text.push('\n');
                }
                text.push_str(line);
            }
        }
        text
    }
}

fn merge_headings(earlier: Heading, later: Heading) -> Heading {
    let title = match (earlier.title, later.title) {
        (Some(a), Some(b)) => Some(format!("{a}: {b}")),
        (a, b) => a.or(b),
    };
    Heading {
        number: earlier.number.or(later.number),
        title,
    }
}

fn push_paragraph(text: &mut String, paragraph: &str) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(paragraph);
}

/// A line of ornaments only: `***`, `* * *`, `~~~`, `-----`, `=====`, `~*~*~`, `<><><>`.
/// At least three marks, and not only dots (`...` is a pause, not a break).
fn is_separator_line(line: &str) -> bool {
    let mut marks = 0;
    let mut only_dots = true;
    for c in line.chars() {
        if c.is_whitespace() {
            continue;
        }
        if !matches!(
            c,
            '*' | '~'
                | '='
                | '-'
                | '_'
                | '#'
                | '+'
                | '•'
                | '·'
                | '–'
                | '—'
                | '°'
                | '/'
                | '\\'
                | '<'
                | '>'
                | '|'
                | ':'
                | '.'
        ) {
            return false;
        }
        only_dots &= c == '.';
        marks += 1;
    }
    marks >= 3 && !only_dots
}

/// A line that can be a title: at most twelve words, not ending like a sentence, not a
/// field, heading or separator. `strict` (a title without a key) also refuses `!` and `?`
/// endings; a chapter title under a heading may ask a question.
fn is_title_line(line: &str, strict: bool) -> bool {
    let end = line
        .trim_end_matches(['"', '”', '’', '\'', ')', '*', '_'])
        .chars()
        .next_back();
    let sentence_end = match end {
        Some('.' | ',' | ';' | ':' | '…') | None => true,
        Some('!' | '?') => strict,
        Some(_) => false,
    };
    !sentence_end
        && line.len() <= 200
        && line.split_whitespace().count() <= MAX_HEADING_WORDS
        && !line.starts_with(['—', '–', '-'])
        && !is_separator_line(line)
        && split_key(line).is_none_or(|k| !k.is_known())
        && parse_heading(line).is_none()
}

/// The text of a Markdown ATX heading line (`# Title`, `## Title ##`).
fn markdown_heading_text(line: &str) -> Option<&str> {
    let marks = line.len() - line.trim_start_matches('#').len();
    let text = line[marks..].strip_prefix([' ', '\t'])?;
    (1..=6)
        .contains(&marks)
        .then(|| text.trim().trim_end_matches('#').trim_end())
        .filter(|t| !t.is_empty())
}

/// `by Name` under a title without a key: the name.
fn by_line(line: &str) -> Option<&str> {
    let by = line.get(..3).filter(|p| p.eq_ignore_ascii_case("by "))?;
    let name = line[by.len()..].trim();
    let words = name.split_whitespace().count();
    (1..=8).contains(&words).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        for line in [
            "***", "* * *", "~~~", "-----", "===", "~*~*~", "<><><>", "- - -", "xXx",
        ] {
            assert_eq!(is_separator_line(line), line != "xXx", "{line}");
        }
        assert!(!is_separator_line("..."));
        assert!(!is_separator_line("**"));
        assert!(!is_separator_line("*Chapter*"));
    }

    #[test]
    fn title_lines() {
        assert!(is_title_line("The Long Way Round", true));
        assert!(is_title_line("Star Trek: Lost Things", true));
        assert!(!is_title_line("It was a dark and stormy night.", true));
        assert!(!is_title_line("Who Am I?", true));
        assert!(is_title_line("Who Am I?", false));
        assert!(!is_title_line("Summary: x", true));
        assert!(!is_title_line(
            "one two three four five six seven eight nine ten eleven twelve thirteen",
            true
        ));
    }
}
