//! Synthetic archives shaped like AO3, for benchmarks and for trying the archive at scale
//! (`ajar gen-corpus`). Deterministic: work `i` of seed `s` is always the same work, however
//! the works are batched.
//!
//! The shape: fandom, character, relationship and additional-tag popularity follow Zipf's
//! law (a few huge fandoms, a long tail); a work has one fandom (~90%) or is a crossover,
//! and ~17 tags in all (rating, warnings, categories, fandoms, characters, relationships,
//! additional tags); word counts are log-normal (median ~4,000, tail past 200,000); kudos
//! are Pareto-distributed, and hits, bookmarks and comments follow kudos with noise; 1-50
//! chapters, more for longer works; dates 2009-2026.
//!
//! The text is real generated prose but short: 20-60 words a chapter, so that a million works
//! stay a few GB. `words` (the stat readers see and filter on) is the heavy-tailed nominal
//! count, not the length of the stored text.

use ajar_core::{ArchiveWarning, Category, Chapter, Html, Language, Rating, TagName, Work};
use ajar_store::{CorpusWork, WorkStats};
use chrono::NaiveDate;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.unit() * n as f64) as usize % n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Ranks 0..n drawn with probability proportional to 1/(rank+1)^s.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n.max(1));
        let mut sum = 0.0;
        for k in 0..n.max(1) {
            sum += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1)
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "sen", "tal", "vor", "el", "dra", "lin", "quo", "bel", "ash", "nor", "mir",
    "tes", "ur", "gal", "phi", "zen", "ca", "do", "lu", "ven", "sha", "ro", "thi", "an", "ek",
];
const FANDOM_WORDS: &[&str] = &[
    "Chronicles",
    "Saga",
    "Academy",
    "Legends",
    "Rising",
    "Tales",
    "Online",
    "Quest",
    "Knights",
    "Station",
    "Hearts",
    "Empire",
    "Detectives",
    "Club",
    "Voyage",
    "Kingdom",
];
const WORDS: &[&str] = &[
    "the",
    "light",
    "was",
    "falling",
    "over",
    "quiet",
    "city",
    "and",
    "she",
    "he",
    "they",
    "remembered",
    "every",
    "word",
    "said",
    "before",
    "morning",
    "rain",
    "tea",
    "letter",
    "door",
    "sea",
    "window",
    "laughed",
    "waited",
    "long",
    "road",
    "home",
    "star",
    "night",
    "kitchen",
    "hands",
    "cold",
    "warm",
    "again",
    "never",
    "always",
    "there",
    "is",
    "no",
    "sunset",
    "here",
    "only",
    "a",
    "small",
    "fire",
    "old",
    "friend",
    "promise",
    "ship",
    "garden",
    "whispered",
    "stayed",
    "left",
    "came",
    "back",
    "with",
    "silence",
    "between",
    "them",
    "of",
    "in",
    "to",
    "it",
    "not",
    "yet",
    "still",
    "winter",
    "summer",
    "song",
];
const FREEFORMS: &[&str] = &[
    "Fluff",
    "Angst",
    "Hurt/Comfort",
    "Alternate Universe",
    "Happy Ending",
    "Romance",
    "Friendship",
    "Humor",
    "Established Relationship",
    "Slow Burn",
    "Fluff and Angst",
    "Canon Compliant",
    "Alternate Universe - Modern Setting",
    "Found Family",
    "Smut",
    "Alternate Universe - Canon Divergence",
    "Emotional Hurt/Comfort",
    "Drabble",
    "Friends to Lovers",
    "Pining",
    "Enemies to Lovers",
    "Sexual Content",
    "Whump",
    "Crack",
    "Mutual Pining",
    "Character Study",
    "Post-Canon",
    "Domestic Fluff",
    "Minor Character Death",
    "Sickfic",
    "Time Travel",
    "Coffee Shops & Cafés",
    "Soulmates",
    "Missing Scene",
    "Grief",
];

/// How big the tag pools are for an archive of `works` works.
#[derive(Debug, Clone)]
pub struct CorpusGenerator {
    seed: u64,
    fandoms: Vec<FandomDef>,
    fandom_zipf: Zipf,
    freeforms: Vec<String>,
    freeform_zipf: Zipf,
    creators: Vec<String>,
    creator_zipf: Zipf,
    char_zipf: Zipf,
    ship_zipf: Zipf,
}

#[derive(Debug, Clone)]
struct FandomDef {
    name: String,
    characters: Vec<String>,
    relationships: Vec<String>,
}

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut s = String::new();
    for _ in 0..syllables {
        s.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
    }
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => s,
    }
}

impl CorpusGenerator {
    /// Pools sized for `works` works: ~works/250 fandoms (at least 40), 40 characters and
    /// 30 relationships each, ~works/100 additional tags, ~works/6 creators.
    pub fn new(works: u64, seed: u64) -> CorpusGenerator {
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let n_fandoms = ((works / 250) as usize).clamp(40, 20_000);
        let fandoms = (0..n_fandoms)
            .map(|i| {
                let name = format!(
                    "{} {} ({})",
                    word(&mut rng, 2),
                    FANDOM_WORDS[rng.below(FANDOM_WORDS.len())],
                    i + 1
                );
                let characters: Vec<String> = (0..40)
                    .map(|_| format!("{} {}", word(&mut rng, 2), word(&mut rng, 3)))
                    .collect();
                let relationships = (0..30)
                    .map(|_| {
                        let a = &characters[rng.below(12)];
                        let b = &characters[rng.below(20)];
                        let sep = if rng.chance(0.7) { "/" } else { " & " };
                        format!("{a}{sep}{b}")
                    })
                    .collect();
                FandomDef {
                    name,
                    characters,
                    relationships,
                }
            })
            .collect();
        let n_freeforms = ((works / 100) as usize).clamp(200, 50_000);
        let freeforms = (0..n_freeforms)
            .map(|i| match FREEFORMS.get(i) {
                Some(t) => (*t).to_owned(),
                None => format!(
                    "{} {} {}",
                    word(&mut rng, 2),
                    WORDS[rng.below(WORDS.len())],
                    i
                ),
            })
            .collect();
        let n_creators = ((works / 6) as usize).clamp(50, 500_000);
        let creators = (0..n_creators)
            .map(|i| format!("{}{}", word(&mut rng, 3).to_lowercase(), i))
            .collect();
        CorpusGenerator {
            seed,
            fandom_zipf: Zipf::new(n_fandoms, 1.1),
            fandoms,
            freeform_zipf: Zipf::new(n_freeforms, 1.0),
            freeforms,
            creator_zipf: Zipf::new(n_creators, 0.8),
            creators,
            char_zipf: Zipf::new(40, 1.0),
            ship_zipf: Zipf::new(30, 1.2),
        }
    }

    /// Work number `i` (0-based) of this archive.
    pub fn work(&self, i: u64) -> CorpusWork {
        let mut rng = Rng::new(self.seed ^ i.wrapping_mul(0xA24B_AED4_963E_E407));
        let rng = &mut rng;
        let n_fandoms = if rng.chance(0.9) {
            1
        } else if rng.chance(0.8) {
            2
        } else {
            3
        };
        let mut fandom_ids: Vec<usize> = Vec::new();
        while fandom_ids.len() < n_fandoms {
            let f = self.fandom_zipf.sample(rng);
            if !fandom_ids.contains(&f) {
                fandom_ids.push(f);
            }
        }
        let mut characters = Vec::new();
        let mut relationships = Vec::new();
        for &f in &fandom_ids {
            let def = &self.fandoms[f];
            for _ in 0..(2 + rng.below(4)) {
                let c = &def.characters[self.char_zipf.sample(rng)];
                if !characters.contains(c) {
                    characters.push(c.clone());
                }
            }
            for _ in 0..rng.below(3) {
                let r = &def.relationships[self.ship_zipf.sample(rng)];
                if !relationships.contains(r) {
                    relationships.push(r.clone());
                }
            }
        }
        let mut freeforms: Vec<String> = Vec::new();
        for _ in 0..(3 + rng.below(8)) {
            let t = &self.freeforms[self.freeform_zipf.sample(rng)];
            if !freeforms.contains(t) {
                freeforms.push(t.clone());
            }
        }
        let rating = [
            (0.30, Rating::GeneralAudiences),
            (0.30, Rating::TeenAndUp),
            (0.15, Rating::Mature),
            (0.17, Rating::Explicit),
            (0.08, Rating::NotRated),
        ];
        let mut u = rng.unit();
        let mut chosen = Rating::NotRated;
        for (p, r) in rating {
            if u < p {
                chosen = r;
                break;
            }
            u -= p;
        }
        let mut warnings = vec![if rng.chance(0.55) {
            ArchiveWarning::NoneApply
        } else if rng.chance(0.6) {
            ArchiveWarning::ChoseNotToUse
        } else {
            ArchiveWarning::ALL[rng.below(ArchiveWarning::ALL.len())]
        }];
        if rng.chance(0.05) {
            let w = ArchiveWarning::MajorCharacterDeath;
            if !warnings.contains(&w) && !warnings.contains(&ArchiveWarning::NoneApply) {
                warnings.push(w);
            }
        }
        let mut categories = vec![Category::ALL[rng.below(Category::ALL.len())]];
        if rng.chance(0.1) {
            let c = Category::ALL[rng.below(Category::ALL.len())];
            if !categories.contains(&c) {
                categories.push(c);
            }
        }

        let words = (8.3 + 1.3 * rng.normal()).exp().clamp(100.0, 600_000.0) as u64;
        let chapters = if words < 5000 || rng.chance(0.4) {
            1
        } else {
            ((words as f64 / 4000.0) * (0.5 + rng.unit())).clamp(2.0, 50.0) as u64
        };
        let kudos = ((1.0 - rng.unit()).powf(-1.0 / 1.2) * 8.0 - 8.0).min(200_000.0) as u64;
        let hits = kudos * (8 + rng.below(25) as u64) + rng.below(200) as u64;
        let bookmarks = kudos / (5 + rng.below(10) as u64);
        let comments = kudos / (4 + rng.below(12) as u64);
        let day0 = NaiveDate::from_ymd_opt(2009, 1, 1).unwrap_or_default();
        let published = day0 + chrono::Days::new(rng.below(6200) as u64);
        let updated = if chapters > 1 {
            published + chrono::Days::new(rng.below(700) as u64)
        } else {
            published
        };
        let complete = chapters == 1 || rng.chance(0.6);
        let language = if rng.chance(0.9) {
            "en"
        } else {
            ["es", "fr", "de", "zh", "ru", "pt-BR", "ja", "it"][rng.below(8)]
        };

        let mut creators = vec![self.creators[self.creator_zipf.sample(rng)].clone()];
        if rng.chance(0.05) {
            let c = self.creators[self.creator_zipf.sample(rng)].clone();
            if !creators.contains(&c) {
                creators.push(c);
            }
        }
        let title = {
            let n = 1 + rng.below(4);
            let mut t: Vec<String> = (0..n)
                .map(|_| WORDS[rng.below(WORDS.len())].to_owned())
                .collect();
            if let Some(first) = t.first_mut() {
                *first = capitalize(first);
            }
            t.join(" ")
        };
        let summary_words = 12 + rng.below(20);
        let summary = sentence(rng, summary_words);
        let per_chapter = words / chapters.max(1);
        let chapter_list: Vec<Chapter> = (0..chapters)
            .map(|c| {
                let n = 20 + rng.below(41);
                Chapter {
                    position: c as u32 + 1,
                    title: None,
                    body: Html::from_stored(format!("<p>{}</p>", sentence(rng, n))),
                    ..Chapter::default()
                }
            })
            .collect();
        let tag = |names: Vec<String>| -> Vec<TagName> {
            names
                .into_iter()
                .filter_map(|n| TagName::parse(&n).ok())
                .collect()
        };
        let mut work = Work {
            title,
            creators,
            summary: Html::from_stored(format!("<p>{summary}</p>")),
            fandoms: tag(fandom_ids
                .iter()
                .map(|f| self.fandoms[*f].name.clone())
                .collect()),
            rating: chosen,
            warnings,
            categories,
            relationships: tag(relationships),
            characters: tag(characters),
            tags: tag(freeforms),
            language: Language::parse(language).unwrap_or_default(),
            chapters: chapter_list,
            expected_chapters: complete.then_some(chapters as u32),
            complete: Some(complete),
            published: Some(published),
            updated: Some(updated),
            ..Work::default()
        };
        // Some works came from story files that never said whether they are finished.
        // Drawn last, so the rest of the corpus is what it was before there were such works.
        if rng.chance(0.03) {
            work.complete = None;
            work.expected_chapters = None;
        }
        CorpusWork {
            stats: WorkStats {
                words,
                chapters: chapters as u32,
                hits,
                kudos,
                comments,
                bookmarks,
            },
            chapter_words: vec![per_chapter; chapters as usize],
            work,
        }
    }

    /// The fandom names, most popular first.
    pub fn fandom_names(&self) -> impl Iterator<Item = &str> {
        self.fandoms.iter().map(|f| f.name.as_str())
    }

    /// The additional tags, most popular first.
    pub fn freeform_names(&self) -> impl Iterator<Item = &str> {
        self.freeforms.iter().map(|s| s.as_str())
    }

    /// Characters of a fandom (by popularity rank), most popular first.
    pub fn character_names(&self, fandom: usize) -> impl Iterator<Item = &str> {
        self.fandoms
            .get(fandom)
            .into_iter()
            .flat_map(|f| f.characters.iter().map(|s| s.as_str()))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut out = String::with_capacity(words * 6);
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let w = WORDS[rng.below(WORDS.len())];
        if i == 0 {
            out.push_str(&capitalize(w));
        } else {
            out.push_str(w);
        }
    }
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn works_are_deterministic_and_shaped() {
        let a = CorpusGenerator::new(10_000, 7);
        let b = CorpusGenerator::new(10_000, 7);
        assert_eq!(a.work(42).work, b.work(42).work);
        let mut tags = 0usize;
        for i in 0..2000 {
            let w = a.work(i);
            w.work.validate().expect("a generated work is valid");
            assert!((1..=50).contains(&w.stats.chapters));
            assert_eq!(w.work.chapters.len(), w.stats.chapters as usize);
            tags +=
                1 + w.work.warnings.len() + w.work.categories.len() + w.work.tags_by_kind().count();
        }
        let mean = tags as f64 / 2000.0;
        assert!((13.0..=21.0).contains(&mean), "mean tags per work {mean}");
    }
}
