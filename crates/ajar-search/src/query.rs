//! The search box's query language, parsed into an [`Expr`] tree before it touches the index,
//! so that every mistake gets a message a reader can act on and no input can panic.
//!
//! ```text
//! query    := or
//! or       := and ( ("OR" | "|") and )*
//! and      := unary+                      (juxtaposition is AND)
//! unary    := ("-" | "NOT ") atom | atom
//! atom     := "(" or ")" | field | word | "phrase"
//! field    := NAME ":" value | NAME (">" | ">=" | "<" | "<=") bound
//! value    := word | "phrase" | bound ".." bound | bound ".." | ".." bound
//! ```
//!
//! Fields: title, creator (author, by), summary, notes, text (the works' own text), tag
//! (tags of any kind), fandom, relationship (ship), character, freeform (additional), rating,
//! warning, category, language, complete, crossover; numbers words, chapters, kudos, hits,
//! bookmarks, comments; dates published, updated (`2024-05-01`, or a year `2024`).
//! `name:value` with a name that is no field is read as plain words (`Re:Zero`).

use ajar_core::{ArchiveWarning, Category, Language, Rating, TagKind};
use chrono::NaiveDate;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Words (all of them, in any field searched by default, or in one field); `phrase`
    /// when quoted: the words in this order.
    Text {
        field: Option<TextField>,
        text: String,
        phrase: bool,
    },
    /// A tag of a kind (or any kind), matched as a phrase within tag names.
    Tag {
        kind: Option<TagKind>,
        name: String,
    },
    Rating(Rating),
    Warning(ArchiveWarning),
    Category(Category),
    Language(String),
    /// The person of the narration: "first", "second", "third" or "mixed".
    Narration(String),
    Complete(bool),
    Crossover(bool),
    /// An inclusive range; dates as days from the common era.
    Range {
        field: NumField,
        lo: Option<u64>,
        hi: Option<u64>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

/// Text fields one can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    Creator,
    Summary,
    Notes,
    Text,
}

/// Number and date fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumField {
    Words,
    Chapters,
    Kudos,
    Hits,
    Bookmarks,
    Comments,
    Published,
    Updated,
    /// The share of a work's words in dialogue, in thousandths (typed as whole percents).
    Dialogue,
}

impl NumField {
    pub fn name(self) -> &'static str {
        match self {
            NumField::Words => "words",
            NumField::Chapters => "chapters",
            NumField::Kudos => "kudos",
            NumField::Hits => "hits",
            NumField::Bookmarks => "bookmarks",
            NumField::Comments => "comments",
            NumField::Published => "published",
            NumField::Updated => "updated",
            NumField::Dialogue => "dialogue",
        }
    }

    fn is_date(self) -> bool {
        matches!(self, NumField::Published | NumField::Updated)
    }
}

/// Why a query could not be read, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        message: message.into(),
    })
}

/// Most characters a query may have, and how deep parentheses may nest.
const MAX_QUERY_CHARS: usize = 2000;
const MAX_DEPTH: usize = 20;

/// Days from the common era of a date: how dates are indexed.
pub fn date_days(date: NaiveDate) -> u64 {
    use chrono::Datelike;
    u64::try_from(date.num_days_from_ce()).unwrap_or(0)
}

/// Parses a query; an empty (or all-blank) query is `Ok(None)`: everything matches.
pub fn parse(input: &str) -> Result<Option<Expr>, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return err(format!(
            "The search is too long: keep it under {MAX_QUERY_CHARS} characters."
        ));
    }
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(Some(expr)),
        Some(Tok::Close) => err("There is a \")\" without a \"(\" before it."),
        Some(_) => err("Part of the search could not be read; check the brackets."),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Or,
    Not,
    /// A word or quoted phrase, with an optional `field` and operator in front.
    Item {
        field: Option<(String, Op)>,
        value: String,
        quoted: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Colon,
    Gt,
    Ge,
    Lt,
    Le,
}

fn tokenize(input: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '|' => {
                out.push(Tok::Or);
                i += 1;
            }
            '-' if at_start(&chars, i) => {
                out.push(Tok::Not);
                i += 1;
            }
            '"' => {
                let (value, next) = quoted(&chars, i)?;
                out.push(Tok::Item {
                    field: None,
                    value,
                    quoted: true,
                });
                i = next;
            }
            _ => {
                // A bare word, which may turn out to be `field:value` or `field>value`.
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"' | ':' | '>' | '<')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let op = match chars.get(i) {
                    Some(':') => Some((Op::Colon, 1)),
                    Some('>') if chars.get(i + 1) == Some(&'=') => Some((Op::Ge, 2)),
                    Some('>') => Some((Op::Gt, 1)),
                    Some('<') if chars.get(i + 1) == Some(&'=') => Some((Op::Le, 2)),
                    Some('<') => Some((Op::Lt, 1)),
                    _ => None,
                };
                match op {
                    Some((op, len)) if !word.is_empty() => {
                        i += len;
                        let (value, quoted_value, next) = if chars.get(i) == Some(&'"') {
                            let (v, n) = quoted(&chars, i)?;
                            (v, true, n)
                        } else {
                            let s = i;
                            while i < chars.len()
                                && !chars[i].is_whitespace()
                                && !matches!(chars[i], '(' | ')' | '"')
                            {
                                i += 1;
                            }
                            (chars[s..i].iter().collect::<String>(), false, i)
                        };
                        i = next;
                        if value.is_empty() {
                            return err(format!(
                                "\"{word}\" needs a value after it, like {word}:something."
                            ));
                        }
                        out.push(Tok::Item {
                            field: Some((word.to_lowercase(), op)),
                            value,
                            quoted: quoted_value,
                        });
                    }
                    Some((_, len)) => {
                        // A lone ":" or ">" is punctuation, not an operator.
                        i += len;
                    }
                    None => {
                        if word == "OR" {
                            out.push(Tok::Or);
                        } else if word == "NOT" || word == "AND" {
                            if word == "NOT" {
                                out.push(Tok::Not);
                            }
                        } else if !word.is_empty() {
                            out.push(Tok::Item {
                                field: None,
                                value: word,
                                quoted: false,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A `-` negates when it starts a word (not inside "Spider-Man").
fn at_start(chars: &[char], i: usize) -> bool {
    i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '('
}

/// The phrase starting at the quote at `i`, and where reading continues.
fn quoted(chars: &[char], i: usize) -> Result<(String, usize), QueryError> {
    let start = i + 1;
    let Some(len) = chars[start..].iter().position(|&c| c == '"') else {
        return err("A quotation mark is not closed: add the closing \" after the phrase.");
    };
    let value: String = chars[start..start + len].iter().collect();
    if value.trim().is_empty() {
        return err("There is an empty phrase (\"\"): put words between the quotation marks.");
    }
    Ok((value, start + len + 1))
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::Close) | Some(Tok::Or)) {
                return err("OR needs something on both sides, like: angst OR fluff.");
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut parts = Vec::new();
        while let Some(tok) = self.peek() {
            if matches!(tok, Tok::Or | Tok::Close) {
                break;
            }
            parts.push(self.unary()?);
        }
        match parts.len() {
            0 => match self.peek() {
                Some(Tok::Or) => err("OR needs something on both sides, like: angst OR fluff."),
                _ => err("There is nothing inside the brackets."),
            },
            1 => Ok(parts.remove(0)),
            _ => Ok(Expr::And(parts)),
        }
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::Close) | Some(Tok::Or)) {
                return err("A \"-\" or NOT needs something after it, like -tag:angst.");
            }
            if self.peek() == Some(&Tok::Not) {
                return err("Two negations in a row (\"- -\" or \"NOT NOT\") say nothing.");
            }
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, QueryError> {
        let Some(tok) = self.tokens.get(self.pos).cloned() else {
            return err("The search ends too early.");
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return err("Too many brackets inside each other.");
                }
                if self.peek() == Some(&Tok::Close) {
                    return err("There is nothing inside the brackets.");
                }
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return err("A \"(\" is not closed: add the \")\".");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Close => err("There is a \")\" without a \"(\" before it."),
            Tok::Or => err("OR needs something on both sides, like: angst OR fluff."),
            Tok::Not => err("Two negations in a row (\"- -\" or \"NOT NOT\") say nothing."),
            Tok::Item {
                field: None,
                value,
                quoted,
            } => Ok(Expr::Text {
                field: None,
                text: value,
                phrase: quoted,
            }),
            Tok::Item {
                field: Some((name, op)),
                value,
                quoted,
            } => field_expr(&name, op, value, quoted),
        }
    }
}

const FIELD_LIST: &str = "title, creator, summary, notes, text, tag, fandom, relationship, \
    character, freeform, rating, warning, category, language, complete, crossover, words, \
    chapters, kudos, hits, bookmarks, comments, published, updated, pov, dialogue";

fn num_field(name: &str) -> Option<NumField> {
    Some(match name {
        "words" | "word" | "wordcount" => NumField::Words,
        "chapters" | "chapter" => NumField::Chapters,
        "kudos" => NumField::Kudos,
        "hits" => NumField::Hits,
        "bookmarks" => NumField::Bookmarks,
        "comments" => NumField::Comments,
        "published" | "posted" => NumField::Published,
        "updated" | "date" => NumField::Updated,
        "dialogue" | "dialog" => NumField::Dialogue,
        _ => return None,
    })
}

fn field_expr(name: &str, op: Op, value: String, quoted: bool) -> Result<Expr, QueryError> {
    if let Some(field) = num_field(name) {
        return range_expr(field, op, &value);
    }
    if op != Op::Colon {
        return err(format!(
            "\"{name}\" cannot be compared with > or <; numbers and dates can: {}.",
            "words, chapters, kudos, hits, bookmarks, comments, published, updated, dialogue"
        ));
    }
    let text = |field| Expr::Text {
        field: Some(field),
        text: value.clone(),
        phrase: quoted,
    };
    let tag = |kind| Expr::Tag {
        kind,
        name: value.clone(),
    };
    Ok(match name {
        "title" => text(TextField::Title),
        "creator" | "author" | "by" | "pseud" => text(TextField::Creator),
        "summary" => text(TextField::Summary),
        "notes" => text(TextField::Notes),
        "text" | "body" => text(TextField::Text),
        "tag" | "tags" => tag(None),
        "fandom" => tag(Some(TagKind::Fandom)),
        "relationship" | "ship" | "pairing" => tag(Some(TagKind::Relationship)),
        "character" | "char" => tag(Some(TagKind::Character)),
        "freeform" | "additional" => tag(Some(TagKind::Freeform)),
        "rating" => match Rating::parse_lenient(&value) {
            Some(r) => Expr::Rating(r),
            None => {
                return err(format!(
                    "\"{value}\" is not a rating; try rating:general, rating:teen, \
                     rating:mature, rating:explicit or rating:notrated."
                ))
            }
        },
        "warning" | "warnings" => match ArchiveWarning::parse_lenient(&value) {
            Some(w) => Expr::Warning(w),
            None => {
                return err(format!(
                    "\"{value}\" is not an archive warning; try warning:none, \
                     warning:violence, warning:death, warning:noncon, warning:underage or \
                     warning:choosenotto."
                ))
            }
        },
        "category" => match Category::parse_lenient(&value) {
            Some(c) => Expr::Category(c),
            None => {
                return err(format!(
                    "\"{value}\" is not a category; try category:ff, category:fm, \
                     category:gen, category:mm, category:multi or category:other."
                ))
            }
        },
        "language" | "lang" => match Language::parse(&value) {
            Some(l) => Expr::Language(l.code().to_owned()),
            None => return err("language: needs a language, like language:en."),
        },
        "pov" | "narration" | "person" => {
            let v = value.to_lowercase();
            let code = v.trim_end_matches(" person").trim_end_matches("-person");
            let code = match code {
                "1st" | "1" => "first",
                "2nd" | "2" => "second",
                "3rd" | "3" => "third",
                other => other,
            };
            match ajar_core::narration::Person::from_code(code) {
                Some(p) => Expr::Narration(p.code().to_owned()),
                None => {
                    return err(
                        "pov: takes first, second, third or mixed, like pov:first.".to_owned()
                    )
                }
            }
        }
        "complete" | "completed" => Expr::Complete(yes_no(name, &value)?),
        "wip" | "inprogress" => Expr::Complete(!yes_no(name, &value)?),
        "crossover" | "crossovers" => Expr::Crossover(yes_no(name, &value)?),
        _ => {
            // Not a field: the reader meant the words ("Re:Zero").
            return Ok(Expr::Text {
                field: None,
                text: format!("{name} {value}"),
                phrase: true,
            });
        }
    })
}

fn yes_no(name: &str, value: &str) -> Result<bool, QueryError> {
    match value.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "only" => Ok(true),
        "no" | "n" | "false" | "0" | "exclude" => Ok(false),
        _ => err(format!("{name}: takes yes or no, like {name}:yes.")),
    }
}

fn range_expr(field: NumField, op: Op, value: &str) -> Result<Expr, QueryError> {
    let name = field.name();
    let bound = |s: &str, upper: bool| -> Result<Option<u64>, QueryError> {
        if s.is_empty() {
            return Ok(None);
        }
        if field == NumField::Dialogue {
            // Whole percents; a bound covers all of its percent, as a date covers its day.
            return s
                .trim_end_matches('%')
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|p| *p <= 100)
                .map(|p| Some(if upper { p * 10 + 9 } else { p * 10 }))
                .ok_or_else(|| QueryError {
                    message: format!(
                        "\"{s}\" is not a percentage; dialogue takes whole percents from 0 to \
                         100, like dialogue>40% or dialogue:10..30."
                    ),
                });
        }
        if field.is_date() {
            parse_date_bound(s, upper)
                .map(Some)
                .ok_or_else(|| QueryError {
                    message: format!(
                        "\"{s}\" is not a date; {name} takes dates like 2024-05-01 or a year like \
                     2024, e.g. {name}>2024-01-01 or {name}:2023..2024."
                    ),
                })
        } else {
            let digits: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
            let (digits, mult) = match digits.strip_suffix(['k', 'K']) {
                Some(d) => (d.to_owned(), 1000),
                None => (digits, 1),
            };
            digits
                .parse::<u64>()
                .ok()
                .and_then(|n| n.checked_mul(mult))
                .map(Some)
                .ok_or_else(|| QueryError {
                    message: format!(
                        "\"{s}\" is not a number; {name} takes whole numbers, like \
                         {name}>5000 or {name}:100..500."
                    ),
                })
        }
    };
    let (lo, hi) = match op {
        Op::Colon => match value.split_once("..") {
            Some((a, b)) => {
                if a.is_empty() && b.is_empty() {
                    return err(format!(
                        "A range needs at least one end, like {name}:100..500 or {name}:100.."
                    ));
                }
                (bound(a, false)?, bound(b, true)?)
            }
            None => (bound(value, false)?, bound(value, true)?),
        },
        Op::Ge => (bound(value, false)?, None),
        Op::Gt => (bound(value, true)?.map(|n| n.saturating_add(1)), None),
        Op::Le => (None, bound(value, true)?),
        Op::Lt => (
            None,
            match bound(value, false)? {
                Some(0) => return err(format!("Nothing has {name} below 0.")),
                other => other.map(|n| n - 1),
            },
        ),
    };
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if lo > hi {
            return err(format!(
                "The range for {name} runs backwards: put the smaller end first."
            ));
        }
    }
    Ok(Expr::Range { field, lo, hi })
}

/// A date as days from the common era: `2024-05-01`, `2024-05` or `2024`; a bound that is a
/// month or year covers all of it (its last day when it is the upper bound).
fn parse_date_bound(s: &str, upper: bool) -> Option<u64> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(date_days(d));
    }
    let parts: Vec<&str> = s.split('-').collect();
    let year: i32 = parts
        .first()?
        .parse()
        .ok()
        .filter(|y| (1..=9999).contains(y))?;
    let (first, last) = match parts.len() {
        1 => (
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year, 12, 31)?,
        ),
        2 => {
            let month: u32 = parts[1].parse().ok()?;
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)?
            };
            (first, next.pred_opt()?)
        }
        _ => return None,
    };
    Some(date_days(if upper { last } else { first }))
}

/// The list of fields, for help text.
pub fn field_list() -> &'static str {
    FIELD_LIST
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Expr {
        Expr::Text {
            field: None,
            text: t.into(),
            phrase: false,
        }
    }

    #[test]
    fn queries_parse_into_trees() {
        let cases: Vec<(&str, Option<Expr>)> = vec![
            ("", None),
            ("   ", None),
            ("angst", Some(words("angst"))),
            (
                "angst fluff",
                Some(Expr::And(vec![words("angst"), words("fluff")])),
            ),
            (
                "\"there is no sunset\"",
                Some(Expr::Text {
                    field: None,
                    text: "there is no sunset".into(),
                    phrase: true,
                }),
            ),
            (
                "text:\"there is no sunset\"",
                Some(Expr::Text {
                    field: Some(TextField::Text),
                    text: "there is no sunset".into(),
                    phrase: true,
                }),
            ),
            (
                "words>5000",
                Some(Expr::Range {
                    field: NumField::Words,
                    lo: Some(5001),
                    hi: None,
                }),
            ),
            (
                "words>=5k",
                Some(Expr::Range {
                    field: NumField::Words,
                    lo: Some(5000),
                    hi: None,
                }),
            ),
            (
                "kudos:100..500",
                Some(Expr::Range {
                    field: NumField::Kudos,
                    lo: Some(100),
                    hi: Some(500),
                }),
            ),
            (
                "hits:..10",
                Some(Expr::Range {
                    field: NumField::Hits,
                    lo: None,
                    hi: Some(10),
                }),
            ),
            (
                "words<1000",
                Some(Expr::Range {
                    field: NumField::Words,
                    lo: None,
                    hi: Some(999),
                }),
            ),
            (
                "-tag:\"Major Character Death\"",
                Some(Expr::Not(Box::new(Expr::Tag {
                    kind: None,
                    name: "Major Character Death".into(),
                }))),
            ),
            (
                "angst OR fluff",
                Some(Expr::Or(vec![words("angst"), words("fluff")])),
            ),
            (
                "angst | fluff",
                Some(Expr::Or(vec![words("angst"), words("fluff")])),
            ),
            (
                "(a OR b) c",
                Some(Expr::And(vec![
                    Expr::Or(vec![words("a"), words("b")]),
                    words("c"),
                ])),
            ),
            ("NOT c", Some(Expr::Not(Box::new(words("c"))))),
            ("Spider-Man", Some(words("Spider-Man"))),
            ("rating:E", Some(Expr::Rating(Rating::Explicit))),
            (
                "warning:mcd",
                Some(Expr::Warning(ArchiveWarning::MajorCharacterDeath)),
            ),
            ("category:slash", Some(Expr::Category(Category::MM))),
            ("complete:yes", Some(Expr::Complete(true))),
            ("crossover:no", Some(Expr::Crossover(false))),
            (
                "fandom:\"Gilmore Girls\"",
                Some(Expr::Tag {
                    kind: Some(TagKind::Fandom),
                    name: "Gilmore Girls".into(),
                }),
            ),
            (
                "Re:Zero",
                Some(Expr::Text {
                    field: None,
                    text: "re Zero".into(),
                    phrase: true,
                }),
            ),
            (
                "updated:2024",
                Some(Expr::Range {
                    field: NumField::Updated,
                    lo: Some(date_days(
                        NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
                    )),
                    hi: Some(date_days(
                        NaiveDate::from_ymd_opt(2024, 12, 31).expect("date"),
                    )),
                }),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn narration_and_dialogue_are_fields() {
        let one = |q: &str| parse(q).unwrap().unwrap();
        assert_eq!(one("pov:first"), Expr::Narration("first".into()));
        assert_eq!(one("pov:3rd"), Expr::Narration("third".into()));
        assert_eq!(one("narration:Mixed"), Expr::Narration("mixed".into()));
        let range = |lo, hi| Expr::Range {
            field: NumField::Dialogue,
            lo,
            hi,
        };
        assert_eq!(one("dialogue>40%"), range(Some(410), None));
        assert_eq!(one("dialogue>=40"), range(Some(400), None));
        assert_eq!(one("dialogue:26%"), range(Some(260), Some(269)));
        assert_eq!(one("dialogue<10%"), range(None, Some(99)));
        assert!(parse("pov:fourth").is_err());
        assert!(parse("dialogue>140%").is_err());
        assert!(parse("dialogue>lots").is_err());
    }

    #[test]
    fn malformed_queries_get_friendly_messages() {
        let cases = [
            ("\"unclosed", "not closed"),
            ("(angst", "not closed"),
            ("angst)", "without a \"(\""),
            ("()", "nothing inside"),
            ("OR angst", "both sides"),
            ("angst OR", "both sides"),
            ("words>lots", "not a number"),
            ("kudos:500..100", "backwards"),
            ("kudos:..", "at least one end"),
            ("updated>yesterday", "not a date"),
            ("rating:spicy", "not a rating"),
            ("warning:maybe", "not an archive warning"),
            ("complete:perhaps", "yes or no"),
            ("title>5", "cannot be compared"),
            ("- ", "needs something"),
            ("\"\"", "empty phrase"),
        ];
        for (input, fragment) in cases {
            match parse(input) {
                Err(e) => assert!(
                    e.message.contains(fragment),
                    "{input}: {} (wanted {fragment})",
                    e.message
                ),
                Ok(q) => panic!("{input} parsed as {q:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(input in "\\PC{0,60}") {
            let _ = parse(&input);
        }

        #[test]
        fn no_query_shaped_input_panics(input in "[a-z:<>=.\"()| -]{0,40}") {
            let _ = parse(&input);
        }
    }
}
