//! What the text of a work says about its narration: the grammatical person it is told in,
//! how much of it is dialogue, and which names it keeps returning to. Readers filter on
//! "first person" and "second person" as if they were tags, and most creators never tag
//! them, so the archive derives them from the text on import, for every work and chapter.
//!
//! Everything here is one pass over the text (linear in its length, no backtracking), and
//! nothing panics on any input: the text is whatever a creator uploaded. The person is read
//! from the narration alone, because dialogue says "I" and "you" whoever tells the story:
//! quoted speech, chat messages and tagged thoughts ("I can't, she thought.") are set aside
//! before pronouns are counted. The weights and thresholds below were tuned on the labelled
//! set in `tests/fixtures/narration/` (its README says how each kind of text is labelled).

use std::collections::HashMap;
use std::ops::Range;

/// The grammatical person of a narration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Person {
    First,
    Second,
    Third,
    /// Sections of the work are told in different persons (alternating POV chapters, a
    /// story between letters), each holding a fair share of the narration.
    Mixed,
}

impl Person {
    /// The stable code used in URLs, filters and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Person::First => "first",
            Person::Second => "second",
            Person::Third => "third",
            Person::Mixed => "mixed",
        }
    }

    pub fn from_code(code: &str) -> Option<Person> {
        match code {
            "first" => Some(Person::First),
            "second" => Some(Person::Second),
            "third" => Some(Person::Third),
            "mixed" => Some(Person::Mixed),
            _ => None,
        }
    }

    /// How the archive shows it to readers.
    pub fn label(self) -> &'static str {
        match self {
            Person::First => "First person",
            Person::Second => "Second person",
            Person::Third => "Third person",
            Person::Mixed => "Mixed person",
        }
    }
}

/// What [`analyze`] found in a text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Narration {
    pub person: Person,
    /// Share of the words that are inside dialogue (quoted speech), 0.0..=1.0.
    pub dialogue_share: f64,
    /// The capitalized names that occur most in the text, most frequent first, at most 12,
    /// with counts (proper nouns: not sentence-initial-only words, not pronouns/common words).
    pub names: Vec<(String, u32)>,
}

/// How many names [`Narration::names`] keeps.
const MAX_NAMES: usize = 12;

/// Analyzes plain text (paragraphs separated by blank lines).
///
/// Chat logs (runs of `name: message` or `[12:01] name: message` lines) count as dialogue;
/// the person comes from the narration around them, or, when a text has no narration to
/// speak of (a bare chat log, a story told only in speech), from the messages and speech.
/// A text with no pronouns at all is called third person, the archive's commonest.
pub fn analyze(text: &str) -> Narration {
    read(text).finish()
}

/// [`analyze`] for a work's chapters as stored: their bodies' HTML, in order.
pub fn analyze_chapters<'a>(bodies: impl IntoIterator<Item = &'a str>) -> Narration {
    let text: Vec<String> = bodies.into_iter().map(crate::html_to_text).collect();
    analyze(&text.join("\n\n"))
}

/// One pass over the text's lines, paragraph by paragraph.
fn read(text: &str) -> Analyzer<'_> {
    let lines = split_lines(text);
    let kinds = line_kinds(text, &lines);
    let mut analyzer = Analyzer::new(text);
    let mut i = 0;
    while i < lines.len() {
        match kinds[i] {
            LineKind::Blank => i += 1,
            LineKind::Break => {
                analyzer.section_break();
                analyzer.heading(lines[i].clone());
                i += 1;
            }
            LineKind::Chat { speaker, message } => {
                analyzer.chat_line(speaker, message);
                i += 1;
            }
            LineKind::Text => {
                let start = i;
                while i < lines.len() && kinds[i] == LineKind::Text {
                    i += 1;
                }
                analyzer.paragraph(&lines[start..i]);
            }
        }
    }
    analyzer.section_break();
    analyzer
}

// ---------------------------------------------------------------------------------------
// Deciding the person

/// Pronouns counted in one stretch of text.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tally {
    /// I, me, my: the narrator.
    first: u64,
    /// We, us, our: the narrator and others, or the generic "we" of an essayist narrator.
    plural: u64,
    second: u64,
    third: u64,
    /// Capitalized name-like words ("Jess said"): the people a pronoun-less narration tells of.
    names: u64,
    /// Words in the stretch, pronouns or not.
    words: u64,
}

impl Tally {
    fn add(&mut self, class: Option<Class>) {
        match class {
            Some(Class::First) => self.first += 1,
            Some(Class::FirstPlural) => self.plural += 1,
            Some(Class::Second) => self.second += 1,
            Some(Class::Third) => self.third += 1,
            None => {}
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.first += other.first;
        self.plural += other.plural;
        self.second += other.second;
        self.third += other.third;
        self.names += other.names;
        self.words += other.words;
    }

    /// First-person pronouns, a "we" counting half.
    fn first_weighted(&self) -> f64 {
        self.first as f64 + self.plural as f64 * PLURAL_WEIGHT
    }

    fn evidence(&self) -> u64 {
        self.first + self.plural + self.second + self.third
    }
}

/// A first-person narrator says "he" and "she" about everyone else nearly as often as "I",
/// while a third-person narration says "I" only where a thought slips through untagged; so
/// one "I" outweighs several "he"s. A letter or a first-person story talks to a "you" as
/// well, so "you" must clearly outnumber "I" before a narration counts as second person.
const FIRST_WEIGHT: f64 = 2.5;
const SECOND_WEIGHT: f64 = 1.6;
const THIRD_WEIGHT: f64 = 1.0;
/// An omniscient narrator says "few of us" and "in our own day" without being anyone; a
/// "we" is half an "I".
const PLURAL_WEIGHT: f64 = 0.5;

/// Below this many pronouns a section cannot lean either way in the Mixed decision.
const MIN_EVIDENCE: u64 = 3;
/// First person whatever the "he"s say: at least one "I" in a hundred words of narration,
/// and at least this many (a "we" counts half).
const OBSERVER_FIRST_RATE: f64 = 0.01;
const OBSERVER_MIN_FIRST: f64 = 8.0;

/// A section takes part in the Mixed decision only with this much narration and a clear
/// winner; a short scene that happens to say "he" a lot must not make a work Mixed.
const SECTION_MIN_WORDS: u64 = 60;
const SECTION_MIN_EVIDENCE: u64 = 6;
const SECTION_MIN_MARGIN: f64 = 1.5;
/// Each of at least two persons must hold this share of the decided narration for Mixed.
const MIXED_MIN_SHARE: f64 = 0.2;
/// A run counts as third person for Mixed only with at most one "I" in this many words.
const THIRD_MAX_FIRST_RATE: f64 = 0.005;

/// The person a stretch of narration is told in, with how far the winner leads the
/// runner-up (its weighted count over the runner-up's); None with fewer than
/// `min_evidence` pronouns.
///
/// An observer narrator (a Watson telling of his Holmes) says "he" several times for each
/// "I", yet a third-person narration hardly ever says "I" at all outside speech; so a
/// steady "I" in the narration makes it first person whatever the "he"s say.
fn decide(tally: &Tally, min_evidence: u64) -> Option<(Person, f64)> {
    if tally.evidence() < min_evidence.max(1) {
        return None;
    }
    let first = tally.first_weighted();
    let scores = [
        (Person::First, first * FIRST_WEIGHT),
        (Person::Second, tally.second as f64 * SECOND_WEIGHT),
        (Person::Third, tally.third as f64 * THIRD_WEIGHT),
    ];
    let mut best = scores[0];
    for score in &scores[1..] {
        if score.1 > best.1 {
            best = *score;
        }
    }
    if best.0 == Person::Third
        && first >= OBSERVER_MIN_FIRST
        && first >= OBSERVER_FIRST_RATE * tally.words as f64
    {
        // First person, but not a clear winner: it counts towards no Mixed share.
        return Some((Person::First, 1.0));
    }
    let runner_up = scores
        .iter()
        .filter(|s| s.0 != best.0)
        .map(|s| s.1)
        .fold(0.0, f64::max);
    Some((best.0, best.1 / runner_up.max(1.0)))
}

/// Mixed when runs of narration in different persons each hold a fair share of it.
///
/// Consecutive sections leaning the same way are merged into one run first: a diary's
/// entries under their dates, or a POV chapter split by a scene break, are one voice, and
/// a run has more evidence than any of its entries. A section with too few pronouns to
/// lean joins the run before it.
fn is_mixed(sections: &[Tally]) -> bool {
    let mut runs: Vec<(Option<Person>, Tally)> = Vec::new();
    for section in sections {
        let lean = decide(section, MIN_EVIDENCE).map(|(person, _)| person);
        match runs.last_mut() {
            Some((run_lean, run)) if lean.is_none() || run_lean.is_none() || *run_lean == lean => {
                run.merge(section);
                if run_lean.is_none() {
                    *run_lean = lean;
                }
            }
            _ => runs.push((lean, *section)),
        }
    }
    let mut words = [0u64; 3];
    for (_, run) in &runs {
        if run.words < SECTION_MIN_WORDS || run.evidence() < SECTION_MIN_EVIDENCE {
            continue;
        }
        match decide(run, MIN_EVIDENCE) {
            // An observer narrator's chapter about others still says "I" now and then; a
            // third-person section does not.
            Some((Person::Third, _))
                if run.first_weighted() > THIRD_MAX_FIRST_RATE * run.words as f64 => {}
            Some((person, margin)) if margin >= SECTION_MIN_MARGIN => {
                let slot = match person {
                    Person::First => 0,
                    Person::Second => 1,
                    _ => 2,
                };
                words[slot] += run.words;
            }
            _ => {}
        }
    }
    let total: u64 = words.iter().sum();
    if total == 0 {
        return false;
    }
    let held = words
        .iter()
        .filter(|w| **w as f64 / total as f64 >= MIXED_MIN_SHARE)
        .count();
    held >= 2
}

// ---------------------------------------------------------------------------------------
// Pronouns

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    First,
    FirstPlural,
    Second,
    Third,
}

/// The person a word refers to, if it is a personal pronoun (or a contraction of one).
/// "it" is left out: it points at things, and every narration has plenty.
fn pronoun_class(word: &str) -> Option<Class> {
    // "US" is a country, not us.
    if word == "US" {
        return None;
    }
    let mut buf = [0u8; 16];
    let lower = ascii_lower(word, &mut buf)?;
    match lower {
        "i" | "me" | "my" | "mine" | "myself" | "i'm" | "i've" | "i'd" | "i'll" | "im" => {
            Some(Class::First)
        }
        "we" | "us" | "our" | "ours" | "ourselves" | "ourself" | "we're" | "we've" | "we'd"
        | "we'll" => Some(Class::FirstPlural),
        "you" | "your" | "yours" | "yourself" | "yourselves" | "you're" | "you've" | "you'd"
        | "you'll" | "ya" | "y'all" | "yall" | "u" | "ur" | "thee" | "thou" | "thy" | "thine"
        | "ye" => Some(Class::Second),
        "he" | "him" | "his" | "himself" | "she" | "her" | "hers" | "herself" | "they" | "them"
        | "their" | "theirs" | "themselves" | "themself" | "he's" | "he'd" | "he'll" | "she's"
        | "she'd" | "she'll" | "they're" | "they've" | "they'd" | "they'll" => Some(Class::Third),
        _ => None,
    }
}

/// Lowercases a short ASCII word into `buf`, with a curly apostrophe made straight; None for
/// longer words or other scripts (no pronoun or stop word is either).
fn ascii_lower<'b>(word: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    let mut len = 0;
    for c in word.chars() {
        let b = match c {
            '\u{2019}' => b'\'',
            c if c.is_ascii() => c.to_ascii_lowercase() as u8,
            _ => return None,
        };
        *buf.get_mut(len)? = b;
        len += 1;
    }
    std::str::from_utf8(buf.get(..len)?).ok()
}

/// Words that tag a thought: "I can't, she thought." / "Not long now, she told herself."
fn is_thought_verb(lower: &str) -> bool {
    matches!(
        lower,
        "thought"
            | "thinks"
            | "wondered"
            | "wonders"
            | "mused"
            | "muses"
            | "reflected"
            | "reflects"
            | "prayed"
            | "prays"
            | "decided"
            | "decides"
            | "realized"
            | "realised"
            | "realizes"
            | "realises"
    )
}

fn is_telling_verb(lower: &str) -> bool {
    matches!(
        lower,
        "told" | "tells" | "reminded" | "reminds" | "asked" | "asks"
    )
}

fn is_reflexive(lower: &str) -> bool {
    matches!(lower, "himself" | "herself" | "themselves" | "themself")
}

// ---------------------------------------------------------------------------------------
// Names

/// Capitalized words that are not names: pronouns, function words, interjections,
/// honorifics and kinship words (which precede or stand in for names), days and months.
/// Sorted, for binary search.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "a", "about", "above", "across", "after", "again", "against", "ah", "all", "almost",
    "also", "although", "always", "am", "an", "and", "another", "any", "anybody", "anyone",
    "anything", "anyway", "april", "are", "around", "as", "at", "august", "aunt", "aw",
    "away", "back", "be", "because", "been", "before", "behind", "being", "below",
    "beneath", "beside", "besides", "between", "beyond", "both", "brother", "but", "by",
    "can", "captain", "chapter", "col", "colonel", "commander", "could", "dad", "daddy",
    "day", "dear", "dearest", "december", "detective", "did", "do", "doctor", "does",
    "down", "dr", "during", "each", "eh", "either", "else", "even", "ever", "every",
    "everybody", "everyone", "everything", "except", "father", "february", "few", "fine",
    "first", "for", "friday", "from", "gee", "gen", "general", "god", "goodbye", "gosh",
    "gran", "grandfather", "grandma", "grandmother", "grandpa", "granny", "had", "has",
    "have", "he", "hello", "her", "here", "hers", "herself", "hey", "hi", "him", "himself",
    "his", "how", "however", "huh", "i", "if", "in", "inside", "inspector", "into", "is",
    "it", "its", "itself", "january", "jr", "july", "june", "just", "king", "lady", "last",
    "later", "let", "lieutenant", "like", "lord", "lt", "ma", "madam", "march", "may",
    "maybe", "me", "meanwhile", "might", "mine", "miss", "mister", "mom", "mommy", "monday",
    "more", "most", "mother", "mr", "mrs", "ms", "much", "mum", "mummy", "must", "my",
    "myself", "near", "neither", "never", "next", "no", "nobody", "none", "nor", "not",
    "nothing", "november", "now", "o", "october", "of", "off", "oh", "ok", "okay", "on",
    "once", "one", "only", "onto", "or", "other", "our", "ours", "out", "outside", "over",
    "pa", "part", "perhaps", "please", "prince", "princess", "prof", "professor", "queen",
    "rather", "really", "right", "saint", "saturday", "september", "sergeant", "sgt",
    "shall", "she", "should", "since", "sir", "sister", "so", "some", "somebody", "someone",
    "something", "sometimes", "soon", "sorry", "sr", "st", "still", "such", "sunday",
    "sure", "than", "thank", "thanks", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "therefore", "these", "they", "this", "those", "though",
    "through", "thursday", "thus", "to", "today", "together", "tomorrow", "tonight", "too",
    "tuesday", "uh", "um", "uncle", "under", "unless", "until", "up", "upon", "us", "very",
    "was", "we", "wednesday", "well", "were", "what", "whatever", "when", "whenever",
    "where", "whether", "which", "while", "who", "whoever", "whom", "whose", "why", "will",
    "with", "within", "without", "would", "wow", "yeah", "yes", "yesterday", "yet", "you",
    "your", "yours", "yourself",
];

fn is_common_word(word: &str) -> bool {
    let mut buf = [0u8; 16];
    match ascii_lower(word, &mut buf) {
        Some(lower) => NOT_NAMES.binary_search(&lower).is_ok(),
        None => false,
    }
}

/// The word as a name, if it can be one: capitalized, with lower-case letters after
/// (so not "OK" or a shouted "STOP"), letters only but for an O'Brien apostrophe or a
/// Mary-Jane hyphen, and not a common word. A possessive 's is dropped first.
fn as_name(word: &str) -> Option<&str> {
    let word = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("\u{2019}s"))
        .unwrap_or(word);
    let mut chars = word.chars();
    let first = chars.next()?;
    if !first.is_uppercase() {
        return None;
    }
    let mut has_lower = false;
    let mut prev = first;
    let mut count = 1;
    for c in chars {
        count += 1;
        let after_apostrophe = matches!(prev, '\'' | '\u{2019}');
        if after_apostrophe && !c.is_uppercase() {
            // "I'm", "Don't": contractions, not O'Brien.
            return None;
        }
        if c.is_lowercase() {
            has_lower = true;
        } else if matches!(c, '\'' | '\u{2019}') {
            // O'Brien, D'Arcy: an apostrophe after a single capital.
            if count != 2 {
                return None;
            }
        } else if c == '-' {
            if prev == '-' {
                return None;
            }
        } else if !c.is_alphabetic() {
            return None;
        }
        prev = c;
    }
    if !has_lower || count < 2 || is_common_word(word) {
        return None;
    }
    Some(word)
}

#[derive(Debug, Clone, Copy)]
struct NameStat {
    count: u32,
    /// Occurrences not at the start of a sentence, line or quotation: a capitalized word
    /// seen only there may be any word.
    inside: u32,
    first_seen: usize,
}

// ---------------------------------------------------------------------------------------
// Lines

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Blank,
    /// A scene break or heading: `* * *`, `~`, `Chapter Two`, `1.`.
    Break,
    /// A chat message; byte ranges into the text.
    Chat {
        speaker: (usize, usize),
        message: (usize, usize),
    },
    Text,
}

/// The byte range of every line, without its line ending.
fn split_lines(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes().get(i - 1) == Some(&b'\r') {
                i - 1
            } else {
                i
            };
            lines.push(start..end);
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push(start..text.len());
    }
    lines
}

fn line_kinds(text: &str, lines: &[Range<usize>]) -> Vec<LineKind> {
    let mut kinds: Vec<LineKind> = lines
        .iter()
        .map(|range| {
            let line = text.get(range.clone()).unwrap_or("");
            let trimmed = line.trim();
            if trimmed.is_empty() {
                LineKind::Blank
            } else if is_break(trimmed) {
                LineKind::Break
            } else if let Some((speaker, message)) = chat_parts(line) {
                LineKind::Chat {
                    speaker: (range.start + speaker.start, range.start + speaker.end),
                    message: (range.start + message.start, range.start + message.end),
                }
            } else {
                LineKind::Text
            }
        })
        .collect();
    // A lone "Note: ..." is prose. A chat is two or more messages in a row (blank lines
    // between them allowed); a script's speech may stand alone between stage directions,
    // but its speaker speaks again.
    let mut speakers: HashMap<&str, u32> = HashMap::new();
    for kind in &kinds {
        if let LineKind::Chat { speaker, .. } = kind {
            if let Some(name) = text.get(speaker.0..speaker.1) {
                *speakers.entry(name.trim()).or_default() += 1;
            }
        }
    }
    let is_chat = |k: &LineKind| matches!(k, LineKind::Chat { .. });
    let mut previous_chat = false;
    let mut demote = Vec::new();
    for i in 0..kinds.len() {
        if kinds[i] == LineKind::Blank {
            continue;
        }
        let this_chat = is_chat(&kinds[i]);
        if let LineKind::Chat { speaker, .. } = kinds[i] {
            let again = text
                .get(speaker.0..speaker.1)
                .and_then(|name| speakers.get(name.trim()))
                .is_some_and(|n| *n > 1);
            if !previous_chat && !again {
                let next = kinds[i + 1..].iter().find(|k| **k != LineKind::Blank);
                if !next.is_some_and(is_chat) {
                    demote.push(i);
                }
            }
        }
        previous_chat = this_chat;
    }
    for i in demote {
        kinds[i] = LineKind::Text;
    }
    kinds
}

/// A scene break (`***`, `~~~`, `oOo`), a chapter heading or a section number.
fn is_break(trimmed: &str) -> bool {
    if !trimmed.chars().any(char::is_alphanumeric) {
        return true;
    }
    if trimmed.chars().count() <= 12
        && trimmed.chars().filter(|c| !c.is_whitespace()).count() >= 3
        && trimmed
            .chars()
            .all(|c| matches!(c, 'o' | 'O' | '0' | 'x' | 'X') || !c.is_alphanumeric())
    {
        return true;
    }
    if is_chapter_heading(trimmed) {
        return true;
    }
    // "1.", "IV", "12)": a section number alone on its line.
    trimmed.chars().count() <= 6
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'I' | 'V' | 'X' | '.' | ')' | ':' | ' '))
}

/// "Chapter 3", "Chapter One: The Apprentice", "Part II", "Prologue", "Epilogue - Home";
/// not "Part of me wanted to stay."
fn is_chapter_heading(trimmed: &str) -> bool {
    let mut words = trimmed.split(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | '-'));
    let mut next = || words.by_ref().find(|w| !w.is_empty());
    let mut buf = [0u8; 16];
    let Some(first) = next().and_then(|w| ascii_lower(w, &mut buf)) else {
        return false;
    };
    match first {
        "prologue" | "epilogue" | "interlude" => trimmed.split_whitespace().count() <= 10,
        "chapter" | "part" | "book" => {
            let mut buf = [0u8; 16];
            let numbered = next().is_some_and(|w| {
                w.chars().all(|c| c.is_ascii_digit())
                    || w.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
                    || ascii_lower(w, &mut buf).is_some_and(|w| {
                        crate::NUMBER_UNITS.contains(&w)
                            || crate::NUMBER_TENS.contains(&w)
                            || ORDINAL_WORDS.contains(&w)
                    })
            });
            numbered && trimmed.split_whitespace().count() <= 12
        }
        _ => false,
    }
}

/// Ordinals a chapter heading may use besides numbers ("Chapter the First" aside).
const ORDINAL_WORDS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "last", "final",
];

/// Splits `[12:01] name: message`, `12:01 name: message`, `<name> message` and
/// `name: message` into the speaker's and the message's byte ranges within the line.
fn chat_parts(line: &str) -> Option<(Range<usize>, Range<usize>)> {
    let mut pos = line.len() - line.trim_start().len();
    let mut stamped = false;
    let rest = line.get(pos..)?;
    if let Some(open) = rest.chars().next().filter(|c| matches!(c, '[' | '(')) {
        let close = if open == '[' { ']' } else { ')' };
        let end = rest.char_indices().take(26).find(|(_, c)| *c == close)?.0;
        if !rest.get(..end)?.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        pos += end + 1;
        stamped = true;
    } else if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let stamp = time_stamp_len(rest)?;
        pos += stamp;
        stamped = true;
    }
    let after_stamp = line.get(pos..)?;
    pos += after_stamp.len() - after_stamp.trim_start().len();
    if stamped && pos == line.len() {
        return None;
    }
    let rest = line.get(pos..)?;
    let (speaker, message_start) = if let Some(inner) = rest.strip_prefix('<') {
        let end = inner.char_indices().take(34).find(|(_, c)| *c == '>')?.0;
        let after = inner.get(end + 1..)?;
        let after = after.strip_prefix(':').unwrap_or(after);
        if !after.starts_with(char::is_whitespace) {
            return None;
        }
        (
            pos + 1..pos + 1 + end,
            line.len() - after.trim_start().len(),
        )
    } else {
        let colon = rest.char_indices().take(34).find(|(_, c)| *c == ':')?.0;
        let after = rest.get(colon + 1..)?;
        if !after.starts_with(char::is_whitespace) {
            return None;
        }
        (pos..pos + colon, line.len() - after.trim_start().len())
    };
    let name = line.get(speaker.clone())?;
    if !is_speaker(name) || message_start >= line.len() {
        return None;
    }
    let message = message_start..line.trim_end().len().max(message_start);
    Some((speaker, message))
}

/// `12:01`, `9:05:33`, `12:01 pm`, followed by a space; its length in bytes.
fn time_stamp_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if !(1..=2).contains(&digits(&mut i)) || bytes.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    if digits(&mut i) != 2 {
        return None;
    }
    if bytes.get(i) == Some(&b':') {
        i += 1;
        if digits(&mut i) != 2 {
            return None;
        }
    }
    let rest = text.get(i..)?.trim_start();
    let lower_rest = rest.get(..2).map(str::to_ascii_lowercase);
    if matches!(lower_rest.as_deref(), Some("am" | "pm")) && rest.get(2..3).is_none_or(|c| c == " ")
    {
        i = text.len() - rest.len() + 2;
    }
    text.get(i..)?.starts_with(char::is_whitespace).then_some(i)
}

/// A chat handle or a script's character name; e-mail headers are not speakers.
fn is_speaker(name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 32 || name.split_whitespace().count() > 3 {
        return false;
    }
    if !name.chars().any(char::is_alphabetic) {
        return false;
    }
    let allowed = |c: char| {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '\'' | '\u{2019}' | '@' | '#')
    };
    if !name.chars().all(allowed) {
        return false;
    }
    let mut buf = [0u8; 16];
    !matches!(
        ascii_lower(name, &mut buf),
        Some("from" | "to" | "cc" | "bcc" | "subject" | "date" | "sent" | "re" | "fwd")
    )
}

// ---------------------------------------------------------------------------------------
// The scan

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Narration,
    Dialogue,
    /// Emphasis (`*...*`, `_..._`): in plain text, usually a thought in italics.
    Thought,
}

/// What the last narration words were, for spotting thought tags.
#[derive(Debug, Default, Clone, Copy)]
struct Recent {
    subject: bool,
    thought_verb: bool,
    telling_verb: bool,
}

struct Analyzer<'t> {
    text: &'t str,
    words: u64,
    dialogue_words: u64,
    section: Tally,
    sections: Vec<Tally>,
    /// Pronouns in speech and chat messages: the person of a text with no narration.
    speech: Tally,
    names: HashMap<&'t str, NameStat>,
    /// A buffer of (byte offset, char) for the paragraph being read.
    chars: Vec<(usize, char)>,
}

impl<'t> Analyzer<'t> {
    fn new(text: &'t str) -> Self {
        Analyzer {
            text,
            words: 0,
            dialogue_words: 0,
            section: Tally::default(),
            sections: Vec::new(),
            speech: Tally::default(),
            names: HashMap::new(),
            chars: Vec::new(),
        }
    }

    fn section_break(&mut self) {
        if self.section.words > 0 {
            self.sections.push(self.section);
        }
        self.section = Tally::default();
    }

    /// A heading's words count as words of the text, but a chapter title is title case,
    /// so its capitalized words say nothing about names.
    fn heading(&mut self, range: Range<usize>) {
        let line = self.text.get(range).unwrap_or("");
        self.words += crate::word_count(line);
    }

    fn chat_line(&mut self, speaker: (usize, usize), message: (usize, usize)) {
        let text = self.text;
        if let Some(name) = text.get(speaker.0..speaker.1) {
            self.words += crate::word_count(name);
            if let Some(name) = as_name(name.trim()) {
                // A speaker's label is a name by construction, wherever it stands.
                self.note_name(name, false, speaker.0);
            }
        }
        self.chars.clear();
        if let Some(body) = text.get(message.0..message.1) {
            self.chars
                .extend(body.char_indices().map(|(i, c)| (message.0 + i, c)));
        }
        let chars = std::mem::take(&mut self.chars);
        self.scan(&chars, true);
        self.chars = chars;
    }

    fn paragraph(&mut self, lines: &[Range<usize>]) {
        let text = self.text;
        if let [only] = lines {
            let line = text.get(only.clone()).unwrap_or("").trim();
            if is_heading(line) {
                self.section_break();
                self.heading(only.clone());
                return;
            }
        }
        self.chars.clear();
        for (n, range) in lines.iter().enumerate() {
            if n > 0 {
                self.chars.push((range.start.saturating_sub(1), '\n'));
            }
            if let Some(line) = text.get(range.clone()) {
                self.chars
                    .extend(line.char_indices().map(|(i, c)| (range.start + i, c)));
            }
        }
        let chars = std::mem::take(&mut self.chars);
        self.scan(&chars, false);
        self.chars = chars;
    }

    /// Reads one paragraph (or one chat message, all of it speech), word by word.
    fn scan(&mut self, chars: &[(usize, char)], all_speech: bool) {
        let n = chars.len();
        let at = |i: usize| chars.get(i).map(|p| p.1);
        // Where single quotes and emphasis could close, found in one pass so that an opener
        // can look ahead without rescanning the paragraph.
        let mut single_closers: Vec<SingleCloser> = Vec::new();
        let mut emphasis_closers = Vec::new();
        for (i, &(_, c)) in chars.iter().enumerate() {
            let before = i.checked_sub(1).and_then(at);
            let after = at(i + 1);
            let closes = before.is_some_and(|b| !b.is_whitespace())
                && !after.is_some_and(char::is_alphanumeric);
            if closes && matches!(c, '\'' | '\u{2019}') {
                let spoken = before.is_some_and(|p| {
                    matches!(
                        p,
                        ',' | '.' | '!' | '?' | '\u{2026}' | '\u{2014}' | '\u{2013}' | '-'
                    )
                });
                single_closers.push(SingleCloser {
                    at: i,
                    spoken,
                    possessive: before.is_some_and(|p| matches!(p, 's' | 'S')),
                    resolved: None,
                });
            }
            if closes && matches!(c, '*' | '_') {
                emphasis_closers.push(i);
            }
        }
        // Speech ends in punctuation before its closing quote; "the Pattersons' dog" inside
        // it is a possessive to look past, while any other unpunctuated closer ends a
        // 'scare quote', which stays narration. Resolved back to front, so each opener
        // finds its answer in one step.
        let mut resolved = None;
        for closer in single_closers.iter_mut().rev() {
            if closer.spoken || !closer.possessive {
                resolved = closer.spoken.then_some(closer.at);
            }
            closer.resolved = resolved;
        }
        let mut next_single = 0;
        let mut next_emphasis = 0;

        let mut quote: Option<Quote> = None;
        let mut emphasis: Option<(char, usize)> = None;
        let mut initial = true;
        let mut after_abbreviation = false;
        let mut sentence = Tally::default();
        let mut thought = false;
        let mut recent = [Recent::default(); 2];

        let mut i = 0;
        while i < n {
            let c = chars[i].1;
            if c.is_alphanumeric() {
                let start = i;
                let mut end = i + 1;
                if !is_unspaced_script(c) {
                    while end < n {
                        let d = chars[end].1;
                        if is_unspaced_script(d) {
                            break;
                        } else if d.is_alphanumeric() {
                            end += 1;
                        } else if matches!(d, '\'' | '\u{2019}' | '-')
                            && at(end + 1).is_some_and(|e| e.is_alphanumeric())
                        {
                            end += 2;
                        } else {
                            break;
                        }
                    }
                }
                let from = chars[start].0;
                let to = chars[end - 1].0 + chars[end - 1].1.len_utf8();
                let word = self.text.get(from..to).unwrap_or("");
                let region = if all_speech || quote.is_some() {
                    Region::Dialogue
                } else if emphasis.is_some() {
                    Region::Thought
                } else {
                    Region::Narration
                };
                self.words += 1;
                let class = pronoun_class(word);
                match region {
                    Region::Dialogue => {
                        self.dialogue_words += 1;
                        self.speech.words += 1;
                        self.speech.add(class);
                    }
                    Region::Thought => sentence.words += 1,
                    Region::Narration => {
                        sentence.words += 1;
                        sentence.add(class);
                        let next = at(end);
                        let this = recent_of(word, class);
                        if is_tag(&recent, &this, word, next) {
                            thought = true;
                        }
                        recent = [recent[1], this];
                    }
                }
                if let Some(name) = as_name(word) {
                    self.note_name(name, initial, from);
                    if region == Region::Narration {
                        sentence.names += 1;
                    }
                }
                after_abbreviation = is_abbreviation(word);
                initial = false;
                i = end;
                continue;
            }

            let before = i.checked_sub(1).and_then(at);
            let after = at(i + 1);
            match c {
                '\n' => initial = true,
                '.' | '!' | '?' | '\u{2026}' | '\u{3002}' | '\u{ff01}' | '\u{ff1f}' => {
                    if !(c == '.' && after_abbreviation) {
                        initial = true;
                    }
                    if quote.is_none() && !all_speech && !(c == '.' && after_abbreviation) {
                        self.end_sentence(&mut sentence, &mut thought);
                        recent = [Recent::default(); 2];
                    }
                }
                _ if all_speech => {}
                '\'' | '\u{2018}' | '\u{2019}' => match quote {
                    Some(Quote::Single { close }) if close == i => quote = None,
                    None if opens_single(before, after) => {
                        while single_closers.get(next_single).is_some_and(|c| c.at <= i) {
                            next_single += 1;
                        }
                        // Only a span that ends like speech ("...first.'") is dialogue; a
                        // 'scare quote' or an 'em stays narration.
                        if let Some(close) =
                            single_closers.get(next_single).and_then(|c| c.resolved)
                        {
                            quote = Some(Quote::Single { close });
                            initial = true;
                        }
                    }
                    _ => {}
                },
                '*' | '_' => match emphasis {
                    Some((mark, close)) if mark == c && close == i => emphasis = None,
                    None if quote.is_none()
                        && before.is_none_or(|b| b.is_whitespace() || is_opening_punct(b))
                        && after.is_some_and(|a| !a.is_whitespace()) =>
                    {
                        while emphasis_closers.get(next_emphasis).is_some_and(|&j| j <= i) {
                            next_emphasis += 1;
                        }
                        let close = emphasis_closers[next_emphasis..]
                            .iter()
                            .take(64)
                            .find(|&&j| chars[j].1 == c);
                        if let Some(&close) = close {
                            emphasis = Some((c, close));
                        }
                    }
                    _ => {}
                },
                _ => {
                    if let Some(q) = quote {
                        if q.closed_by(c) {
                            quote = None;
                        }
                    } else if let Some(q) = Quote::opened_by(c) {
                        quote = Some(q);
                        initial = true;
                    }
                }
            }
            i += 1;
        }
        // An unclosed quotation ends with its paragraph.
        if !all_speech {
            self.end_sentence(&mut sentence, &mut thought);
        }
    }

    /// Adds a finished sentence of narration to its section; a tagged thought keeps its
    /// words but not its pronouns.
    fn end_sentence(&mut self, sentence: &mut Tally, thought: &mut bool) {
        if *thought {
            sentence.first = 0;
            sentence.plural = 0;
            sentence.second = 0;
            sentence.third = 0;
            sentence.names = 0;
        }
        self.section.merge(sentence);
        *sentence = Tally::default();
        *thought = false;
    }

    fn note_name(&mut self, name: &'t str, initial: bool, at: usize) {
        let stat = self.names.entry(name).or_insert(NameStat {
            count: 0,
            inside: 0,
            first_seen: at,
        });
        stat.count = stat.count.saturating_add(1);
        if !initial {
            stat.inside = stat.inside.saturating_add(1);
        }
    }

    fn finish(mut self) -> Narration {
        self.section_break();
        let mut narration = Tally::default();
        for section in &self.sections {
            narration.merge(section);
        }
        let person = if is_mixed(&self.sections) {
            Person::Mixed
        } else if let Some((person, _)) = decide(&narration, 1) {
            person
        } else if narration.names > 0 {
            // "'I'm here,' Jess said." A narration that names people and never says "I".
            Person::Third
        } else if let Some((person, _)) = decide(&self.speech, 1) {
            person
        } else {
            Person::Third
        };
        let dialogue_share = if self.words == 0 {
            0.0
        } else {
            (self.dialogue_words as f64 / self.words as f64).clamp(0.0, 1.0)
        };
        let mut names: Vec<(&str, NameStat)> = self
            .names
            .into_iter()
            .filter(|(_, stat)| stat.inside > 0)
            .collect();
        names.sort_by(|a, b| {
            b.1.count
                .cmp(&a.1.count)
                .then(a.1.first_seen.cmp(&b.1.first_seen))
        });
        Narration {
            person,
            dialogue_share,
            names: names
                .into_iter()
                .take(MAX_NAMES)
                .map(|(name, stat)| (name.to_string(), stat.count))
                .collect(),
        }
    }
}

/// Where a single quote could close a quotation opened before it.
#[derive(Debug, Clone, Copy)]
struct SingleCloser {
    at: usize,
    /// Punctuation before it, as speech has: "...first.'"
    spoken: bool,
    /// After an s: "the Pattersons' dog".
    possessive: bool,
    /// The closer a quotation opened before this one ends at, if it is speech at all.
    resolved: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Straight or curly double quotes, which close on either.
    Double,
    /// „German“ quotes.
    Low,
    /// «Guillemets», or »the Danish way round«.
    Guillemet { close: char },
    /// 「Japanese」 and 『nested』 brackets.
    Corner { close: char },
    /// A single-quoted span whose closing quote was found ahead (its char index).
    Single { close: usize },
}

impl Quote {
    fn opened_by(c: char) -> Option<Quote> {
        match c {
            '"' | '\u{201c}' => Some(Quote::Double),
            '\u{201e}' => Some(Quote::Low),
            '\u{ab}' => Some(Quote::Guillemet { close: '\u{bb}' }),
            '\u{bb}' => Some(Quote::Guillemet { close: '\u{ab}' }),
            '\u{300c}' => Some(Quote::Corner { close: '\u{300d}' }),
            '\u{300e}' => Some(Quote::Corner { close: '\u{300f}' }),
            _ => None,
        }
    }

    fn closed_by(self, c: char) -> bool {
        match self {
            Quote::Double => matches!(c, '"' | '\u{201d}'),
            Quote::Low => matches!(c, '\u{201c}' | '\u{201d}'),
            Quote::Guillemet { close } | Quote::Corner { close } => c == close,
            Quote::Single { .. } => false,
        }
    }
}

/// A single quote that could open speech: after a space or an opening bracket, before a
/// letter.
fn opens_single(before: Option<char>, after: Option<char>) -> bool {
    before.is_none_or(|b| b.is_whitespace() || is_opening_punct(b))
        && after.is_some_and(|a| a.is_alphanumeric() || a == '\u{2026}')
}

fn is_opening_punct(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '\u{2014}' | '\u{2013}' | '"' | '\u{201c}'
    )
}

fn recent_of(word: &str, class: Option<Class>) -> Recent {
    let mut buf = [0u8; 16];
    let lower = ascii_lower(word, &mut buf).unwrap_or("");
    let name =
        word.chars().next().is_some_and(char::is_uppercase) && word != "I" && !is_common_word(word);
    Recent {
        subject: (class == Some(Class::Third) && matches!(lower, "he" | "she" | "they")) || name,
        thought_verb: is_thought_verb(lower),
        telling_verb: is_telling_verb(lower),
    }
}

/// Whether `word` completes a thought tag: "she thought," / "thought Harry." /
/// "he told himself." followed by punctuation.
fn is_tag(recent: &[Recent; 2], this: &Recent, word: &str, next: Option<char>) -> bool {
    let ends = next.is_none_or(|c| {
        matches!(
            c,
            ',' | '.' | ';' | ':' | '!' | '?' | '\n' | '\u{2014}' | '\u{2013}' | '\u{2026}'
        )
    });
    if !ends {
        return false;
    }
    let [before, last] = recent;
    let mut buf = [0u8; 16];
    let lower = ascii_lower(word, &mut buf).unwrap_or("");
    (this.thought_verb && last.subject)
        || (this.subject && last.thought_verb)
        || (is_reflexive(lower) && last.telling_verb && before.subject)
}

/// "Mr." and "Dr." do not end sentences.
fn is_abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: &[&str] = &[
        "capt", "col", "dr", "etc", "gen", "jr", "lt", "mr", "mrs", "ms", "mt", "prof", "rev",
        "sgt", "sr", "st", "vs",
    ];
    let mut buf = [0u8; 16];
    ascii_lower(word, &mut buf).is_some_and(|lower| ABBREVIATIONS.contains(&lower))
}

/// A short line on its own with no sentence punctuation: a POV heading ("NOOR",
/// "Rory's POV"), a date over a diary entry, a letter's "Dear Wren,".
fn is_heading(line: &str) -> bool {
    let words = line.split_whitespace().count();
    words > 0
        && words <= 4
        && !line.ends_with(['.', '!', '?', '\u{2026}', '"', '\u{201d}', '\'', '\u{2019}'])
        && !line.contains(['"', '\u{201c}', '\u{201d}', '\u{2018}'])
}

/// Scripts written without spaces, where each character counts as a word (as in
/// [`crate::word_count`]).
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x0E00..=0x0E7F
        | 0x20000..=0x2A6DF)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pronouns counted in the narration (all sections) and in the speech of a text.
    fn counted(text: &str) -> (Tally, Tally) {
        let analyzer = read(text);
        let mut narration = Tally::default();
        for section in &analyzer.sections {
            narration.merge(section);
        }
        (narration, analyzer.speech)
    }

    /// (first, plural, second, third) of a tally.
    fn persons(tally: Tally) -> (u64, u64, u64, u64) {
        (tally.first, tally.plural, tally.second, tally.third)
    }

    #[test]
    fn pronouns_are_classed_with_their_contractions() {
        assert_eq!(pronoun_class("I"), Some(Class::First));
        assert_eq!(pronoun_class("i"), Some(Class::First));
        assert_eq!(pronoun_class("I'm"), Some(Class::First));
        assert_eq!(pronoun_class("I\u{2019}ve"), Some(Class::First));
        assert_eq!(pronoun_class("Myself"), Some(Class::First));
        assert_eq!(pronoun_class("we're"), Some(Class::FirstPlural));
        assert_eq!(pronoun_class("us"), Some(Class::FirstPlural));
        assert_eq!(pronoun_class("US"), None);
        assert_eq!(pronoun_class("You'll"), Some(Class::Second));
        assert_eq!(pronoun_class("y'all"), Some(Class::Second));
        assert_eq!(pronoun_class("They\u{2019}d"), Some(Class::Third));
        assert_eq!(pronoun_class("hers"), Some(Class::Third));
        assert_eq!(pronoun_class("it"), None);
        assert_eq!(pronoun_class("Heathcliff"), None);
        assert_eq!(pronoun_class("thoroughly-unpronounlike-word"), None);
        assert_eq!(pronoun_class("ich"), None);
    }

    #[test]
    fn straight_and_curly_quotes_are_speech_not_narration() {
        let (narration, speech) =
            counted("\"I am here,\" he said. \u{201c}You are late,\u{201d} she said.");
        assert_eq!(persons(narration), (0, 0, 0, 2));
        assert_eq!(persons(speech), (1, 0, 1, 0));
        assert_eq!(narration.words, 4);
        assert_eq!(speech.words, 6);
    }

    #[test]
    fn single_quoted_speech_is_speech_but_scare_quotes_are_narration() {
        let (narration, _) = counted(
            "\u{2018}I\u{2019}m fine,\u{2019} she said. \u{2018}I don\u{2019}t need you.\u{2019}",
        );
        assert_eq!(persons(narration), (0, 0, 0, 1));
        let (narration, _) = counted("'I'm leaving first.' I said it and I meant it.");
        assert_eq!(persons(narration), (2, 0, 0, 0));
        // A title or a scare quote does not end like speech, so it stays narration.
        let (narration, speech) = counted("He called it 'home' and I laughed at him.");
        assert_eq!(persons(narration), (1, 0, 0, 2));
        assert_eq!(speech.words, 0);
        // An elided 'em opens nothing.
        let (narration, _) = counted("I told 'em to go, and they went.");
        assert_eq!(persons(narration), (1, 0, 0, 1));
    }

    #[test]
    fn a_plural_possessive_does_not_close_speech() {
        let (narration, speech) =
            counted("'I want the Pattersons' dog out of my garden,' said Mrs Abernathy.");
        assert_eq!(persons(narration), (0, 0, 0, 0));
        assert_eq!(persons(speech), (2, 0, 0, 0));
    }

    #[test]
    fn an_unclosed_quote_ends_with_its_paragraph() {
        let text = "\"I never closed this, and I never will\n\nHe walked home alone.";
        let (narration, speech) = counted(text);
        assert_eq!(persons(narration), (0, 0, 0, 1));
        assert_eq!(persons(speech), (2, 0, 0, 0));
        // ...but a hard-wrapped paragraph keeps its quote open across lines.
        let text = "\"I said I would come,\nand I came,\" he told them.";
        let (narration, _) = counted(text);
        assert_eq!(persons(narration), (0, 0, 0, 2));
    }

    #[test]
    fn tagged_thoughts_are_not_narration() {
        let (narration, _) = counted("I can't go, she thought. She folded the letter.");
        assert_eq!(persons(narration), (0, 0, 0, 1));
        let (narration, _) = counted("Not long now, I told myself, and I waited.");
        assert_eq!(persons(narration), (3, 0, 0, 0));
        let (narration, _) = counted("Give him the silence, she told herself. He swallowed.");
        assert_eq!(persons(narration), (0, 0, 0, 1));
        let (narration, _) = counted("I know you did it, thought Oyelaran.");
        assert_eq!(persons(narration), (0, 0, 0, 0));
        let (narration, _) = counted("*I can't do this,* she thought, and he smiled.");
        assert_eq!(persons(narration), (0, 0, 0, 0));
        // "He thought I was mad" is no tag: the verb is not followed by punctuation.
        let (narration, _) = counted("He thought I was mad.");
        assert_eq!(persons(narration), (1, 0, 0, 1));
    }

    #[test]
    fn chat_lines_are_speech_and_need_company() {
        assert!(chat_parts("[12:01] rory: hi there").is_some());
        assert!(chat_parts("12:01 pm rory: hi there").is_some());
        assert!(chat_parts("<corvid> is anyone awake").is_some());
        assert!(chat_parts("Tomas: who has the van keys").is_some());
        // A line alone may look like chat; it takes company to be one (below).
        assert!(chat_parts("She said: go away now.").is_some());
        assert!(chat_parts("She said to him: go away now.").is_none());
        assert!(chat_parts("The line for burgers is long: too long.").is_none());
        assert!(chat_parts("Subject: re: the incident").is_none());
        assert!(chat_parts("[12:01]").is_none());
        assert!(chat_parts("rory:").is_none());
        assert!(chat_parts("Message one, Saturday, 6:14 p.m.").is_none());

        let (narration, speech) = counted("Note: I was here.\n\nShe left.");
        assert_eq!(persons(narration), (1, 0, 0, 1));
        assert_eq!(speech.words, 0);
        let (narration, speech) = counted("She left.\n\nrory: I was here\njess: you were");
        assert_eq!(persons(narration), (0, 0, 0, 1));
        assert_eq!(persons(speech), (1, 0, 1, 0));
        // A script's speaker stands alone between stage directions, but speaks again.
        let script = "TALA: I'm on the list.\n\nShe kicks the panel.\n\nTALA: It helped me.";
        let (narration, speech) = counted(script);
        assert_eq!(persons(narration), (0, 0, 0, 1));
        assert_eq!(persons(speech), (2, 0, 0, 0));
    }

    #[test]
    fn scene_breaks_and_headings_split_sections() {
        for line in [
            "* * *",
            "~",
            "oOo",
            "xXx",
            "Chapter 3",
            "Chapter One: The Apprentice",
            "Part II",
            "Prologue",
            "IV",
            "1.",
        ] {
            assert!(is_break(line), "{line}");
        }
        for line in [
            "Part of me wanted to stay.",
            "Book it, she said.",
            "Ox",
            "Chapter and verse were quoted at me.",
        ] {
            assert!(!is_break(line), "{line}");
        }
        assert!(is_heading("NOOR"));
        assert!(is_heading("Rory's POV"));
        assert!(is_heading("Dear Wren,"));
        assert!(!is_heading("He owes me."));
        assert!(!is_heading("\"No.\""));
        let analyzer = read("I ran.\n\n* * *\n\nHe walked.\n\nDANIEL\n\nShe sat.");
        assert_eq!(analyzer.sections.len(), 3);
    }

    #[test]
    fn names_are_capitalized_words_seen_inside_sentences() {
        assert_eq!(as_name("Jess's"), Some("Jess"));
        assert_eq!(as_name("Luke\u{2019}s"), Some("Luke"));
        assert_eq!(as_name("O'Brien"), Some("O'Brien"));
        assert_eq!(as_name("Mary-Jane"), Some("Mary-Jane"));
        assert_eq!(as_name("I'm"), None);
        assert_eq!(as_name("Don't"), None);
        assert_eq!(as_name("OK"), None);
        assert_eq!(as_name("The"), None);
        assert_eq!(as_name("Monday"), None);
        assert_eq!(as_name("R2D2"), None);
        let found = analyze(
            "Suddenly the door opened. Jess looked at Rory. \"Rory,\" said Jess. Mr. Danes sighed. Suddenly it rained.",
        );
        // "Suddenly" only ever starts a sentence; "Danes" follows "Mr." without a new one.
        assert_eq!(
            found.names,
            vec![
                ("Jess".to_string(), 2),
                ("Rory".to_string(), 2),
                ("Danes".to_string(), 1)
            ]
        );
    }

    #[test]
    fn a_narration_of_names_without_pronouns_is_third_person() {
        let found = analyze("\"I'm here,\" Jess said.\n\n\"I know you are,\" Rory said.");
        assert_eq!(found.person, Person::Third);
        // With no narration at all, the speech decides.
        let found = analyze("\"I'm here.\"\n\n\"I know you are. I can see you.\"");
        assert_eq!(found.person, Person::First);
    }

    #[test]
    fn the_stop_list_is_sorted_for_binary_search() {
        assert!(NOT_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(NOT_NAMES.iter().all(|w| w.len() <= 16));
    }
}
