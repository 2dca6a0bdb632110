//! Which canon entry (an episode, a book chapter, a film) a work's own words name. The
//! founding story says "Spoilers: If you haven't seen the season 4 episode 'Nag Hammadi...'
//! this is spoilerish." and "Nag Hammadi re-write." in its summary: that is Gilmore Girls
//! 4×13, "Nag Hammadi Is Where They Found the Gnostic Gospels", spoiled and re-written.
//! Writers name entries by number ("season 4 episode 13", "S4E13", "4x13", "4.13") or by a
//! quoted title or its first words, with any case, punctuation and ellipsis; anything that
//! could name two entries names none.

use crate::suggest::normalize;

/// A canon entry as the matcher needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub id: i64,
    /// The fandom whose timeline it is (several timelines are matched at once for a work
    /// that names no fandom).
    pub fandom: i64,
    /// Season (or book) and episode (or chapter) numbers, when the timeline has them.
    pub season: Option<u32>,
    pub number: Option<u32>,
    pub title: &'a str,
}

/// What a work is about, for an entry its summary or notes name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum About {
    /// "episode re-write": the entry told again, differently.
    Rewrite,
    /// "missing scene": something the entry left out.
    MissingScene,
    /// "post-episode": what happens right after it.
    PostEpisode,
    /// "canon divergence": the story leaves canon there.
    Divergence,
}

/// The relation of a link from a work to an entry it spoils (up to).
pub const SPOILS: &str = "spoils";

/// Every relation a link from a work to an entry may have, with how pages say it: what it
/// spoils up to, then what it is about.
pub fn relations() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once((SPOILS, "spoils up to"))
        .chain(About::ALL.into_iter().map(|a| (a.code(), a.label())))
}

/// How pages say a relation ("spoils up to", "a re-write of"); `None` for no relation.
pub fn relation_label(code: &str) -> Option<&'static str> {
    relations()
        .find(|(c, _)| *c == code)
        .map(|(_, label)| label)
}

impl About {
    pub const ALL: [About; 4] = [
        About::Rewrite,
        About::MissingScene,
        About::PostEpisode,
        About::Divergence,
    ];

    pub fn code(self) -> &'static str {
        match self {
            About::Rewrite => "rewrite",
            About::MissingScene => "missing-scene",
            About::PostEpisode => "post-episode",
            About::Divergence => "divergence",
        }
    }

    pub fn from_code(code: &str) -> Option<About> {
        About::ALL.into_iter().find(|a| a.code() == code)
    }

    /// As a sentence says it: "a re-write of".
    pub fn label(self) -> &'static str {
        match self {
            About::Rewrite => "a re-write of",
            About::MissingScene => "a missing scene from",
            About::PostEpisode => "set right after",
            About::Divergence => "a canon divergence from",
        }
    }

    /// The words (normalized) that say it, as writers put them after the entry's name.
    fn markers(self) -> &'static [&'static str] {
        match self {
            About::Rewrite => &["re write", "rewrite", "re imagining", "retelling"],
            About::MissingScene => &["missing scene", "missing moment", "coda"],
            About::PostEpisode => &["post ep", "post episode", "post eppy", "episode tag", "tag"],
            About::Divergence => &["canon divergence", "divergence", "au"],
        }
    }
}

/// The words of `text`, normalized (see [`normalize`]).
fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The entry whose title starts with `written` (at least its first word; a one-word title
/// only whole), if exactly one does; a title written whole wins over titles it begins.
fn by_title(written: &[String], entries: &[Entry<'_>]) -> Option<i64> {
    if written.is_empty() {
        return None;
    }
    let mut whole = Vec::new();
    let mut begun = Vec::new();
    for e in entries {
        let title = words(e.title);
        if title.len() < written.len() || title[..written.len()] != *written {
            continue;
        }
        if title.len() == written.len() {
            whole.push(e.id);
        } else if written.len() >= 2 || written.first().is_some_and(|w| w.chars().count() >= 6) {
            begun.push(e.id);
        }
    }
    match (whole.as_slice(), begun.as_slice()) {
        ([id], _) => Some(*id),
        ([], [id]) => Some(*id),
        _ => None,
    }
}

/// The quoted parts of `text` ('...', "...", ‘...’, “...”), in order.
fn quoted(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let pairs = [('\'', '\''), ('"', '"'), ('‘', '’'), ('“', '”')];
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let opener = pairs.iter().find(|(open, _)| *open == c);
        // An apostrophe inside a word ("haven't") opens nothing.
        let inside_word =
            c == '\'' && i > 0 && chars.get(i - 1).is_some_and(|(_, p)| p.is_alphanumeric());
        if let (Some((_, close)), false) = (opener, inside_word) {
            let start = at + c.len_utf8();
            let mut j = i + 1;
            while j < chars.len() {
                let (end, d) = chars[j];
                let closes = d == *close
                    && !(d == '\''
                        && chars.get(j + 1).is_some_and(|(_, n)| n.is_alphanumeric())
                        && chars.get(j - 1).is_some_and(|(_, p)| p.is_alphanumeric()));
                if closes {
                    out.push(&text[start..end]);
                    break;
                }
                j += 1;
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Season and episode numbers written in `text`: "season 4 episode 13", "season 4, ep 13",
/// "S4E13", "s04e13", "4x13", "4×13", "4.13".
fn numbers(text: &str) -> Vec<(u32, u32)> {
    let w = words(text);
    let num = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0 && *n < 1000);
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        // "season 4 episode 13" (also "series", "book", "chapter", "ep").
        if matches!(word.as_str(), "season" | "series" | "book" | "volume") {
            if let (Some(s), Some(kind), Some(e)) = (
                w.get(i + 1).and_then(|x| num(x)),
                w.get(i + 2),
                w.get(i + 3).and_then(|x| num(x)),
            ) {
                if matches!(kind.as_str(), "episode" | "ep" | "chapter" | "part") {
                    out.push((s, e));
                }
            }
        }
        // "s4e13", "s04e13" (one word once normalized).
        if let Some(rest) = word.strip_prefix('s') {
            if let Some((s, e)) = rest.split_once('e') {
                if let (Some(s), Some(e)) = (num(s), num(e)) {
                    out.push((s, e));
                }
            }
        }
    }
    // "4x13", "4×13", "4.13": two numbers joined by x, × or a point, as written.
    for token in text.split(|c: char| c.is_whitespace() || ",;:()[]".contains(c)) {
        let token = token.trim_matches(|c: char| !c.is_alphanumeric());
        for sep in ['x', 'X', '×', '.'] {
            if let Some((s, e)) = token.split_once(sep) {
                if s.len() <= 2 && !s.is_empty() && !e.is_empty() && e.len() <= 3 {
                    if let (Some(s), Some(e)) = (num(s), num(e)) {
                        out.push((s, e));
                    }
                }
            }
        }
    }
    out
}

/// The entry `text` (a spoiler line) names, if it names exactly one of `entries`: by season
/// and episode number, else by a quoted title (or the start of one), else by a title written
/// in the open, else a whole season ("spoilers for season 3": its last entry) or the whole
/// canon ("the series finale", "all seasons": the last entry) of one timeline.
pub fn named_entry(text: &str, entries: &[Entry<'_>]) -> Option<i64> {
    named_by_number_or_title(text, entries).or_else(|| named_as_a_whole(text, entries))
}

fn named_by_number_or_title(text: &str, entries: &[Entry<'_>]) -> Option<i64> {
    let mut by_number: Vec<i64> = numbers(text)
        .into_iter()
        .flat_map(|(s, e)| {
            entries
                .iter()
                .filter(move |x| x.season == Some(s) && x.number == Some(e))
                .map(|x| x.id)
        })
        .collect();
    by_number.sort_unstable();
    by_number.dedup();
    if let [id] = by_number.as_slice() {
        return Some(*id);
    }
    if by_number.len() > 1 {
        return None;
    }
    let found: Vec<i64> = quoted(text)
        .into_iter()
        .filter_map(|q| by_title(&words(q), entries))
        .collect();
    if let Some(first) = found.first() {
        return found.iter().all(|id| id == first).then_some(*first);
    }
    // A title in the open: the longest run of the text's words that is a whole title.
    let text_words = words(text);
    let mut best: Option<(usize, i64)> = None;
    for e in entries {
        let title = words(e.title);
        if title.len() < 2 {
            continue;
        }
        if text_words
            .windows(title.len())
            .any(|w| w == title.as_slice())
        {
            match best {
                Some((n, _)) if n > title.len() => {}
                Some((n, _)) if n == title.len() => return None,
                _ => best = Some((title.len(), e.id)),
            }
        }
    }
    best.map(|(_, id)| id)
}

/// A whole season (the highest named, "seasons 1-3" being 3) or the whole canon, as the
/// last entry of it, when the entries are one timeline's (a work that names no fandom may
/// match several: then nothing, rather than a guess).
fn named_as_a_whole(text: &str, entries: &[Entry<'_>]) -> Option<i64> {
    let first = entries.first()?;
    if entries.iter().any(|e| e.fandom != first.fandom) {
        return None;
    }
    let last_of = |keep: &dyn Fn(&Entry<'_>) -> bool| {
        entries
            .iter()
            .filter(|e| keep(e))
            .max_by_key(|e| (e.season, e.number, e.id))
            .map(|e| e.id)
    };
    let w = words(text);
    let has = |phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        w.windows(p.len())
            .any(|win| win.iter().zip(&p).all(|(a, b)| a == b))
    };
    const WHOLE: [&str; 8] = [
        "series finale",
        "show finale",
        "whole series",
        "entire series",
        "all seasons",
        "whole show",
        "entire show",
        "whole canon",
    ];
    if WHOLE.iter().any(|p| has(p)) {
        return last_of(&|_| true);
    }
    let season = whole_seasons(&w).into_iter().max()?;
    last_of(&|e| e.season == Some(season))
}

/// Seasons (or books) named whole, with no episode after them: "season 3", "series 2",
/// "seasons 1 through 3", "books 1-3", "S3".
fn whole_seasons(w: &[String]) -> Vec<u32> {
    let num = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0 && *n < 1000);
    let episode = |s: Option<&String>| {
        s.is_some_and(|s| {
            matches!(
                s.as_str(),
                "episode" | "ep" | "episodes" | "chapter" | "part"
            )
        })
    };
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        if matches!(
            word.as_str(),
            "season" | "seasons" | "series" | "book" | "books" | "volume" | "volumes"
        ) {
            // The numbers after it, with "and", "to" or "through" between them.
            let mut at = i + 1;
            let mut found = Vec::new();
            while let Some(n) = w.get(at).and_then(|x| num(x)) {
                found.push(n);
                at += 1;
                if w.get(at)
                    .is_some_and(|x| matches!(x.as_str(), "and" | "to" | "through" | "thru"))
                {
                    at += 1;
                }
            }
            if !found.is_empty() && !episode(w.get(at)) {
                out.extend(found);
            }
        }
        // "s3" alone ("s3e5" is a numbered episode).
        if let Some(n) = word.strip_prefix('s').and_then(num) {
            if !episode(w.get(i + 1)) {
                out.push(n);
            }
        }
    }
    out
}

/// What `text` (a summary, notes) says the work is about: an entry named right before a
/// marker ("Nag Hammadi re-write", "post-ep for 4x13", "missing scene from 'A Family
/// Matter'"), if exactly one entry fits.
pub fn about(text: &str, entries: &[Entry<'_>]) -> Option<(i64, About)> {
    let w = words(text);
    for kind in About::ALL {
        for marker in kind.markers() {
            let m: Vec<&str> = marker.split(' ').collect();
            for at in 0..w.len() {
                if w.len() < at + m.len() || w[at..at + m.len()] != m[..] {
                    continue;
                }
                // The words before the marker: the longest that start a title.
                for take in (1..=at.min(8)).rev() {
                    if let Some(id) = by_title(&w[at - take..at], entries) {
                        return Some((id, kind));
                    }
                }
                // Or what follows it ("missing scene from 4x13", "post-ep for 'Afterboom'").
                let rest = w[at + m.len()..].join(" ");
                let tail: Vec<&str> = rest.splitn(2, ' ').collect();
                if tail
                    .first()
                    .is_some_and(|t| matches!(*t, "from" | "for" | "of" | "to" | "after"))
                {
                    let after = text_after_marker(text, marker);
                    if let Some(id) = named_entry(&after, entries) {
                        return Some((id, kind));
                    }
                }
            }
        }
    }
    None
}

/// The text after the first occurrence of the (normalized) marker, roughly: the next few
/// words as written, for [`named_entry`].
fn text_after_marker(text: &str, marker: &str) -> String {
    let last = marker.rsplit(' ').next().unwrap_or(marker);
    let lower = text.to_lowercase();
    match lower.find(last) {
        Some(at) => text
            .get(at + last.len()..)
            .unwrap_or("")
            .chars()
            .take(120)
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn season_4() -> Vec<Entry<'static>> {
        let titles = [
            (12, "A Family Matter"),
            (13, "Nag Hammadi Is Where They Found the Gnostic Gospels"),
            (14, "The Incredible Sinking Lorelais"),
            (19, "Afterboom"),
            (18, "Tick, Tick, Tick, Boom!"),
        ];
        titles
            .into_iter()
            .map(|(n, title)| Entry {
                id: i64::from(n),
                fandom: 1,
                season: Some(4),
                number: Some(n),
                title,
            })
            .collect()
    }

    #[test]
    fn the_seeds_spoiler_line_names_4x13() {
        let e = season_4();
        let seed = "If you haven't seen the season 4 episode 'Nag Hammadi...' this is spoilerish.";
        assert_eq!(named_entry(seed, &e), Some(13));
        for line in [
            "Spoilers for season 4 episode 13",
            "S4E13",
            "spoilers up to s04e13!",
            "4x13",
            "through 4×13",
            "4.13 spoilers",
            "\"nag hammadi is where they found the gnostic gospels\"",
            "“NAG HAMMADI…”",
            "Spoilers through A Family Matter",
        ] {
            assert!(named_entry(line, &e).is_some(), "{line}");
        }
        assert_eq!(
            named_entry("Spoilers through A Family Matter", &e),
            Some(12)
        );
        // Nothing, or something that could be two entries, names none.
        assert_eq!(named_entry("no spoilers here", &e), None);
        assert_eq!(named_entry("'The'", &e), None);
        assert_eq!(named_entry("4x13 and 4x14", &e), None);
        // A one-word title counts only whole; "Tick" is not enough.
        assert_eq!(named_entry("'Afterboom'", &e), Some(19));
        assert_eq!(named_entry("'Tick'", &e), None);
    }

    #[test]
    fn a_whole_season_or_the_whole_canon_names_its_last_entry() {
        let mut e = season_4();
        e.push(Entry {
            id: 301,
            fandom: 1,
            season: Some(3),
            number: Some(22),
            title: "Keg! Max!",
        });
        e.push(Entry {
            id: 300,
            fandom: 1,
            season: Some(3),
            number: Some(21),
            title: "Here Comes the Son",
        });
        for (line, id) in [
            ("Spoilers for season 3", Some(301)),
            ("spoilers through all of Season 4.", Some(19)),
            ("Spoilers for seasons 1-3", Some(301)),
            ("Spoilers: S3", Some(301)),
            ("Spoilers for the series finale!", Some(19)),
            ("Spoilers for all seasons", Some(19)),
            ("Spoilers for season 9", None),
            // A numbered or named episode wins over its season.
            ("Season 3 episode 21", Some(300)),
            ("season 4, especially 'A Family Matter'", Some(12)),
        ] {
            assert_eq!(named_entry(line, &e), id, "{line}");
        }
        // Two timelines (a work that names no fandom): no guess.
        e.push(Entry {
            id: 900,
            fandom: 2,
            season: Some(3),
            number: Some(1),
            title: "Pilot of Another Show",
        });
        assert_eq!(named_entry("Spoilers for season 3", &e), None);
    }

    #[test]
    fn a_summary_says_what_the_work_is_about() {
        let e = season_4();
        let seed =
            "Jess's return to Stars Hollow leaves Rory confused. Nag Hammadi re-write. One-Parter.";
        assert_eq!(about(seed, &e), Some((13, About::Rewrite)));
        assert_eq!(
            about("A missing scene from 'A Family Matter'.", &e),
            Some((12, About::MissingScene))
        );
        assert_eq!(
            about("Post-ep for 4x19.", &e),
            Some((19, About::PostEpisode))
        );
        assert_eq!(about("A re-write of nothing in particular.", &e), None);
        assert_eq!(about("", &e), None);
    }
}
