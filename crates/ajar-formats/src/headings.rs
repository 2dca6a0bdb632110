//! Chapter headings and the numbers in them: `Chapter 2`, `Chapter Twenty-One: Title`,
//! `CHAPTER II`, `Part Two - Title`, `Ch. 3`, `Prologue`.
//!
//! A heading is a short line on its own; a sentence that happens to start with "Chapter
//! two of my life..." is text, because after the number comes neither the end of the line
//! nor a separator (`:`, `.`, `-`, `–`, `—`, `|`, `~`, `)`).

use ajar_core::{NUMBER_TENS as TENS, NUMBER_UNITS as UNITS};

/// A chapter heading as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    /// The chapter's number, if the heading has one (`Prologue` has none).
    pub number: Option<u32>,
    /// The title after the number (`Departure` in `Chapter 1: Departure`), or the whole
    /// heading for named sections (`Epilogue`).
    pub title: Option<String>,
}

impl Heading {
    /// Whether the heading opens the story: `Chapter 1`, `Part One` or `Prologue`. Text
    /// before such a heading is front matter, not a chapter of its own.
    pub fn opens_work(&self) -> bool {
        match self.number {
            Some(n) => n <= 1,
            None => self
                .title
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().starts_with("prologue")),
        }
    }
}

/// The longest heading line considered, in words; longer lines are prose.
pub(crate) const MAX_HEADING_WORDS: usize = 12;

const PREFIXES: &[&str] = &["chapter", "chap.", "chap", "ch.", "ch", "part", "pt.", "pt"];
const NAMED_SECTIONS: &[&str] = &["prologue", "epilogue", "interlude"];

/// Reads a line as a chapter heading, or `None` if it is not one.
pub(crate) fn parse_heading(line: &str) -> Option<Heading> {
    if line.len() > 200 {
        return None;
    }
    let s = strip_decoration(line);
    // Every heading word starts with one of these; most paragraphs stop here.
    let initial = s.bytes().next()?.to_ascii_lowercase();
    if !matches!(initial, b'c' | b'p' | b'e' | b'i')
        || s.split_whitespace().count() > MAX_HEADING_WORDS
    {
        return None;
    }
    let lower = s.to_ascii_lowercase(); // same byte offsets as `s`
    for name in NAMED_SECTIONS {
        if let Some(rest) = lower.strip_prefix(name) {
            let rest = rest.trim_start();
            let numbered = parse_number(rest).is_some_and(|(_, after)| after.trim().is_empty());
            if rest.is_empty() || numbered || rest.starts_with(is_separator) {
                return Some(Heading {
                    number: None,
                    title: Some(s.to_owned()),
                });
            }
        }
    }
    for prefix in PREFIXES {
        if !lower.starts_with(prefix) {
            continue;
        }
        let rest = &s[prefix.len()..];
        let next = rest.chars().next();
        let boundary = prefix.ends_with('.')
            || next.is_some_and(|c| c.is_whitespace() || c.is_ascii_digit() || c == '#');
        if !boundary {
            continue;
        }
        let rest = rest.trim_start().trim_start_matches('#').trim_start();
        let (number, after) = parse_number(rest)?;
        return heading_after_number(s, number, after);
    }
    None
}

/// What may follow the number: nothing, a separator and a title, `of 3` / `/3`, or
/// a title in parentheses.
fn heading_after_number(whole: &str, number: u32, after: &str) -> Option<Heading> {
    let after = after.trim_start();
    let numbered = |title: Option<String>| {
        Some(Heading {
            number: Some(number),
            title: title.filter(|t| !t.is_empty()),
        })
    };
    let Some(first) = after.chars().next() else {
        return numbered(None);
    };
    // "Chapter 1 of 3", "Chapter 1/3"
    let total = if after
        .get(..3)
        .is_some_and(|w| w.eq_ignore_ascii_case("of "))
    {
        Some(&after[3..])
    } else {
        after.strip_prefix('/')
    };
    if let Some(total) = total {
        let (_, rest) = parse_number(total.trim_start())?;
        return heading_after_number(whole, number, rest);
    }
    if first == '(' && after.ends_with(')') {
        return numbered(Some(clean_title(&after[1..after.len() - 1])));
    }
    if is_separator(first) {
        let title = &after[first.len_utf8()..];
        // "Chapter 2.5" is a heading whose number is not a whole one: keep it as written.
        if first == '.' && title.starts_with(|c: char| c.is_ascii_digit()) {
            return numbered(Some(whole.to_owned()));
        }
        return numbered(Some(clean_title(title)));
    }
    None
}

fn is_separator(c: char) -> bool {
    matches!(c, ':' | '.' | '-' | '–' | '—' | '|' | '~' | ')' | ']')
}

/// Trims the ornaments writers put around headings: `~ Chapter 2 ~`, `**Chapter 2**`,
/// `[Chapter 2]`, `# Chapter 2`, `-- Chapter 2 --`.
fn strip_decoration(line: &str) -> &str {
    line.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '~' | '-' | '=' | '*' | '#' | '_' | '[' | ']' | '|' | '+' | '•' | '–' | '—'
            )
    })
}

/// A chapter title as written: ornaments and surrounding quotes trimmed.
pub(crate) fn clean_title(title: &str) -> String {
    strip_quotes(strip_decoration(title)).trim().to_owned()
}

/// Strips one pair of matching quotes around a whole title.
pub(crate) fn strip_quotes(s: &str) -> &str {
    const PAIRS: &[(char, char)] = &[
        ('"', '"'),
        ('\'', '\''),
        ('“', '”'),
        ('‘', '’'),
        ('«', '»'),
        ('„', '“'),
        ('„', '”'),
    ];
    let s = s.trim();
    for &(open, close) in PAIRS {
        if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            // `'All That's Left'` unwraps (the inner quote is an apostrophe between letters);
            // `"A" and "B"`, two quoted phrases, does not.
            let quotes_a_phrase = |(i, _): (usize, char)| {
                let before = inner[..i].chars().next_back();
                let after = inner[i + close.len_utf8()..].chars().next();
                before.is_none_or(char::is_whitespace) || after.is_none_or(char::is_whitespace)
            };
            if !inner
                .char_indices()
                .filter(|&(_, c)| c == close)
                .any(quotes_a_phrase)
            {
                return inner.trim();
            }
        }
    }
    s
}

/// Reads a number at the start of `s`: digits (`21`), English words (`Twenty-One`, `one
/// hundred and five`) or a roman numeral (`XXI`), ending at a word boundary. Returns the
/// number and the rest of `s`.
pub(crate) fn parse_number(s: &str) -> Option<(u32, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let rest = &s[digits..];
        if digits > 6 || rest.starts_with(char::is_alphabetic) {
            return None;
        }
        return s[..digits].parse().ok().map(|n| (n, rest));
    }
    number_words(s).or_else(|| roman(s))
}

/// The ASCII word at the start of `s` (letters only) and the rest.
fn word(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    (&s[..n], &s[n..])
}

fn lookup(table: &[&str], w: &str) -> Option<u32> {
    table
        .iter()
        .position(|t| t.eq_ignore_ascii_case(w))
        .map(|i| i as u32 + 1)
}

/// A number below 100 in words: `seven`, `twenty`, `twenty-one`, `twenty one`.
fn below_hundred(s: &str) -> Option<(u32, &str)> {
    let (w, rest) = word(s);
    if rest.starts_with(char::is_alphabetic) {
        return None;
    }
    if let Some(n) = lookup(&UNITS, w) {
        return Some((n, rest));
    }
    let tens = lookup(&TENS, w)? * 10 + 10;
    if let Some(after_joint) = rest.strip_prefix(['-', ' ']) {
        let (unit, after_unit) = word(after_joint);
        if let Some(u) = lookup(&UNITS[..9], unit) {
            if !after_unit.starts_with(char::is_alphabetic) {
                return Some((tens + u, after_unit));
            }
        }
    }
    Some((tens, rest))
}

/// Numbers in words up to 999: `ninety-nine`, `one hundred`, `one hundred and five`.
fn number_words(s: &str) -> Option<(u32, &str)> {
    let (n, rest) = below_hundred(s)?;
    if n < 10 {
        if let Some(after) = rest.strip_prefix(' ') {
            let (w, after_hundred) = word(after);
            if w.eq_ignore_ascii_case("hundred") && !after_hundred.starts_with(char::is_alphabetic)
            {
                let hundreds = n * 100;
                let tail = after_hundred
                    .strip_prefix(" and ")
                    .or_else(|| after_hundred.strip_prefix(' '));
                if let Some((m, rest)) = tail.and_then(below_hundred) {
                    return Some((hundreds + m, rest));
                }
                return Some((hundreds, after_hundred));
            }
        }
    }
    Some((n, rest))
}

/// A roman numeral in canonical form (`IV`, not `IIII`), up to 399 so that ordinary words
/// made of the same letters (`Mix`, `Dim`) are not read as numbers.
fn roman(s: &str) -> Option<(u32, &str)> {
    let (w, rest) = word(s);
    if w.is_empty() || w.len() > 12 {
        return None;
    }
    let value_of = |c: u8| match c.to_ascii_uppercase() {
        b'I' => Some(1),
        b'V' => Some(5),
        b'X' => Some(10),
        b'L' => Some(50),
        b'C' => Some(100),
        b'D' => Some(500),
        b'M' => Some(1000),
        _ => None,
    };
    let values: Vec<i64> = w.bytes().map(value_of).collect::<Option<_>>()?;
    let mut total = 0i64;
    for (i, &v) in values.iter().enumerate() {
        if values.get(i + 1).is_some_and(|&next| next > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    let total = u32::try_from(total)
        .ok()
        .filter(|n| (1..=399).contains(n))?;
    if !to_roman(total).eq_ignore_ascii_case(w) {
        return None;
    }
    Some((total, rest))
}

fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(line: &str) -> Option<(Option<u32>, Option<String>)> {
        parse_heading(line).map(|h| (h.number, h.title))
    }

    fn numbered(n: u32, title: Option<&str>) -> Option<(Option<u32>, Option<String>)> {
        Some((Some(n), title.map(str::to_owned)))
    }

    #[test]
    fn heading_forms_are_recognised() {
        let cases = [
            ("Chapter 2", numbered(2, None)),
            ("Chapter Two", numbered(2, None)),
            ("Chapter 2: Title", numbered(2, Some("Title"))),
            ("Chapter Two - Title", numbered(2, Some("Title"))),
            ("Chapter 2. Title", numbered(2, Some("Title"))),
            ("CHAPTER II", numbered(2, None)),
            ("Part 2", numbered(2, None)),
            ("Part Two: Title", numbered(2, Some("Title"))),
            ("Ch. 3", numbered(3, None)),
            ("Ch.3", numbered(3, None)),
            ("Chapter Twenty-One", numbered(21, None)),
            (
                "chapter twenty one — The Fall",
                numbered(21, Some("The Fall")),
            ),
            ("Chapter Ninety-Nine", numbered(99, None)),
            ("Chapter One Hundred and Five", numbered(105, None)),
            ("~ Chapter 4 ~", numbered(4, None)),
            ("**Chapter 5: \"Home\"**", numbered(5, Some("Home"))),
            ("Chapter 6 (The Return)", numbered(6, Some("The Return"))),
            ("Chapter 1 of 3", numbered(1, None)),
            ("Chapter 2/3: Middle", numbered(2, Some("Middle"))),
            ("Chapter 7:", numbered(7, None)),
            ("Chapter XIV", numbered(14, None)),
            ("Chapter 2.5", numbered(2, Some("Chapter 2.5"))),
            ("Prologue", Some((None, Some("Prologue".to_owned())))),
            (
                "Epilogue: Ten Years Later",
                Some((None, Some("Epilogue: Ten Years Later".to_owned()))),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(heading(line), expected, "{line}");
        }
    }

    #[test]
    fn prose_is_not_a_heading() {
        for line in [
            "Chapter two of my life began that morning.",
            "Chapters: 3/3",
            "Characters: Rory",
            "Part 2 of The Long Way",
            "Chapter",
            "Chapter Mix",
            "Parting is such sweet sorrow",
            "Prologues are overrated, she thought.",
            "Chapter 1 was the best part of the whole book and I loved it so very much",
        ] {
            assert_eq!(heading(line), None, "{line}");
        }
    }

    #[test]
    fn numbers_in_all_their_forms() {
        assert_eq!(parse_number("12 rest"), Some((12, " rest")));
        assert_eq!(parse_number("forty-two"), Some((42, "")));
        assert_eq!(parse_number("Seventeen:"), Some((17, ":")));
        assert_eq!(parse_number("twenty"), Some((20, "")));
        assert_eq!(parse_number("twenty things"), Some((20, " things")));
        assert_eq!(parse_number("xlii"), Some((42, "")));
        assert_eq!(parse_number("IIII"), None);
        assert_eq!(parse_number("tent"), None);
        assert_eq!(parse_number("12a"), None);
        for n in 1..400 {
            assert_eq!(parse_number(&to_roman(n)), Some((n, "")), "{n}");
        }
    }

    #[test]
    fn opening_headings() {
        assert!(parse_heading("Chapter 1").is_some_and(|h| h.opens_work()));
        assert!(parse_heading("Prologue").is_some_and(|h| h.opens_work()));
        assert!(parse_heading("Chapter 2").is_some_and(|h| !h.opens_work()));
        assert!(parse_heading("Epilogue").is_some_and(|h| !h.opens_work()));
    }

    #[test]
    fn quotes_around_titles() {
        assert_eq!(strip_quotes("\"All That's Left\""), "All That's Left");
        assert_eq!(strip_quotes("“Home”"), "Home");
        assert_eq!(strip_quotes("\"A\" and \"B\""), "\"A\" and \"B\"");
        assert_eq!(strip_quotes("'Tis"), "'Tis");
        assert_eq!(strip_quotes("'All That's Left'"), "All That's Left");
        assert_eq!(strip_quotes("'A' and 'B'"), "'A' and 'B'");
    }
}
