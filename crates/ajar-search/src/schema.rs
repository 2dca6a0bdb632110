//! The index's schema and how a stored work becomes a document.
//!
//! Text fields (title, creators, summary, notes, chapter text) are tokenized with positions
//! so that phrases work. Tag names are not: a name belongs to a tag, not to each of the
//! hundreds of thousands of works carrying it, so words in tag names are looked up in the
//! tag dictionary, which turns them into tag ids (see [`TagDict::ids_with_words`]). Exact filters use raw fields
//! (`rating`/`warning`/`category`/`language` hold their codes, `creator_key` each creator's
//! lowercased name). `tag_ids` is indexed (filters by id; a tag filter by name is turned
//! into ids with the tag dictionary) and a multi-valued fast field (exact facet counts); counters and dates (days from the common
//! era) are fast fields only, for ranges and sorts. `creator_ids` (pseud ids) is indexed for
//! the creator filters, and `restricted` (1 for works only logged-in readers see) for the
//! guests' filter, and `canon` (the canon entries a work spoils or is about) for the
//! spoiler filter; drafts and hidden works are never indexed. Nothing is stored: results are read back
//! as ids from the `id` fast field and hydrated from the store.

use crate::query::date_days;
use ajar_core::TagKind;
use ajar_store::IndexWork;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STRING,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::TantivyDocument;

/// Bumped whenever the schema or what goes into it changes: an index written by another
/// version is rebuilt on start.
pub const SCHEMA_VERSION: u32 = 6;

#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub title_sort: Field,
    pub creator: Field,
    pub creator_key: Field,
    pub creator_sort: Field,
    pub creator_ids: Field,
    pub summary: Field,
    pub notes: Field,
    pub tag_ids: Field,
    pub rating: Field,
    pub warning: Field,
    pub category: Field,
    pub language: Field,
    pub complete: Field,
    pub fandoms: Field,
    pub words: Field,
    pub chapters: Field,
    pub kudos: Field,
    pub hits: Field,
    pub bookmarks: Field,
    pub comments: Field,
    pub published: Field,
    pub updated: Field,
    /// The person of the narration (`ajar_core::narration::Person::code`), when known.
    pub narration: Field,
    /// The share of words in dialogue, in thousandths, when known.
    pub dialogue: Field,
    pub restricted: Field,
    /// The canon entries a work is linked to (spoils, or is about), for the spoiler filter.
    pub canon: Field,
    pub text: Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Filtered by term (and `id` deleted by term): indexed and fast.
    let num = NumericOptions::default().set_indexed().set_fast();
    // Read by range filters, which Tantivy runs on the fast field, and by sorts: fast only,
    // which spares the inverted index nine terms per work.
    let fast = NumericOptions::default().set_fast();
    let sort_key = TextOptions::default().set_fast("raw");
    let fields = Fields {
        id: b.add_u64_field("id", num.clone()),
        title: b.add_text_field("title", text.clone()),
        title_sort: b.add_text_field("title_sort", sort_key.clone()),
        creator: b.add_text_field("creator", text.clone()),
        creator_key: b.add_text_field("creator_key", STRING),
        creator_sort: b.add_text_field("creator_sort", sort_key),
        creator_ids: b.add_u64_field("creator_ids", NumericOptions::default().set_indexed()),
        summary: b.add_text_field("summary", text.clone()),
        notes: b.add_text_field("notes", text.clone()),
        tag_ids: b.add_u64_field("tag_ids", NumericOptions::default().set_indexed() | FAST),
        rating: b.add_text_field("rating", STRING),
        warning: b.add_text_field("warning", STRING),
        category: b.add_text_field("category", STRING),
        language: b.add_text_field("language", STRING),
        complete: b.add_u64_field("complete", num.clone()),
        fandoms: b.add_u64_field("fandoms", fast.clone()),
        words: b.add_u64_field("words", fast.clone()),
        chapters: b.add_u64_field("chapters", fast.clone()),
        kudos: b.add_u64_field("kudos", fast.clone()),
        hits: b.add_u64_field("hits", fast.clone()),
        bookmarks: b.add_u64_field("bookmarks", fast.clone()),
        comments: b.add_u64_field("comments", fast.clone()),
        published: b.add_u64_field("published", fast.clone()),
        updated: b.add_u64_field("updated", fast.clone()),
        narration: b.add_text_field("narration", STRING),
        dialogue: b.add_u64_field("dialogue", fast),
        restricted: b.add_u64_field("restricted", num),
        canon: b.add_u64_field("canon", NumericOptions::default().set_indexed()),
        text: b.add_text_field("text", text),
    };
    (b.build(), fields)
}

/// The key tags and creators are matched by: lowercase, inner whitespace collapsed.
pub(crate) fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The sort key of titles and creators: lowercase, leading articles and punctuation off.
pub(crate) fn sort_key(text: &str) -> String {
    let lower = key(text);
    let trimmed = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    let trimmed = ["the ", "a ", "an "]
        .iter()
        .find_map(|a| trimmed.strip_prefix(a))
        .unwrap_or(trimmed);
    trimmed.chars().take(64).collect()
}

/// A tag as documents and facet labels need it, worked out once per tag rather than once
/// per work that carries it.
#[derive(Clone)]
pub(crate) struct DictTag {
    pub kind: TagKind,
    pub name: String,
    /// [`key`] of the name.
    pub key: String,
    /// The code of a warning or category tag.
    pub code: Option<&'static str>,
}

/// Tags by id: a plain array for the ids a store hands out (small and dense), a map for
/// any beyond it. Looked up for every tag of every indexed work and every counted tag of a
/// broad search, so a hash per lookup shows. It knows every tag any indexed work carries
/// (works' tags are learned before they are indexed), so a filter by tag name can be
/// turned into tag ids.
pub(crate) struct TagDict {
    dense: Vec<Option<DictTag>>,
    /// The kind of each dense id alone: grouping a broad search's counts by kind looks at
    /// every tag, and a byte each stays in the cache where whole entries do not.
    kinds: Vec<Option<TagKind>>,
    sparse: std::collections::HashMap<u64, DictTag>,
    by_key: std::collections::HashMap<String, Vec<u64>>,
    /// Tag ids by each word of their names, as the text fields' tokenizer has the words.
    by_word: std::collections::HashMap<String, Vec<u64>>,
    words: TextAnalyzer,
    /// Synonyms and meta tags: a filter by a tag takes in its family (see
    /// [`TagDict::expand`]).
    pub(crate) graph: std::sync::Arc<ajar_core::TagGraph>,
}

impl Default for TagDict {
    fn default() -> Self {
        TagDict {
            dense: Vec::new(),
            kinds: Vec::new(),
            sparse: std::collections::HashMap::new(),
            by_key: std::collections::HashMap::new(),
            by_word: std::collections::HashMap::new(),
            words: word_analyzer(),
            graph: std::sync::Arc::default(),
        }
    }
}

/// Tantivy's "default" tokenizer, the one the text fields use: words of letters and digits,
/// lowercased, none over 40 bytes.
pub(crate) fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// The words of `text` as the text fields' tokenizer has them.
pub(crate) fn words_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

const DENSE_TAG_IDS: u64 = 1 << 24;

impl TagDict {
    pub(crate) fn get(&self, id: u64) -> Option<&DictTag> {
        if id < DENSE_TAG_IDS {
            self.dense.get(id as usize).and_then(Option::as_ref)
        } else {
            self.sparse.get(&id)
        }
    }

    /// The kind of a tag.
    #[inline]
    pub(crate) fn kind(&self, id: u64) -> Option<TagKind> {
        if id < DENSE_TAG_IDS {
            self.kinds.get(id as usize).copied().flatten()
        } else {
            self.sparse.get(&id).map(|t| t.kind)
        }
    }

    pub(crate) fn contains(&self, id: u64) -> bool {
        self.kind(id).is_some()
    }

    /// Every tag a filter by any of `ids` takes in: each one's synonyms and sub tags, at
    /// any depth, and those of the canonical tag a synonym stands for.
    pub(crate) fn expand(&self, ids: &[u64]) -> Vec<u64> {
        if self.graph.is_empty() {
            return ids.to_vec();
        }
        let ids: Vec<ajar_core::TagId> = ids
            .iter()
            .filter_map(|id| i64::try_from(*id).ok().map(ajar_core::TagId))
            .collect();
        self.graph
            .expand(&ids)
            .into_iter()
            .filter_map(|id| u64::try_from(id.0).ok())
            .collect()
    }

    /// The tag a facet count shows for `id`: its canonical tag when it is a synonym.
    pub(crate) fn canonical_of(&self, id: u64) -> u64 {
        i64::try_from(id)
            .ok()
            .and_then(|i| u64::try_from(self.graph.canonical_of(ajar_core::TagId(i)).0).ok())
            .unwrap_or(id)
    }

    /// Ids of the tags (of any kind) with this name, as [`key`] has it.
    pub(crate) fn ids_named(&self, key: &str) -> &[u64] {
        self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Ids of the tags (of this kind, or any) whose names hold these words next to each
    /// other and in this order, as a phrase in a text field would match: `["rory"]` finds
    /// "Rory Gilmore", `["alternate", "universe"]` finds "Alternate Universe - Coffee Shop".
    pub(crate) fn ids_with_words(&self, words: &[String], kind: Option<TagKind>) -> Vec<u64> {
        let Some(rarest) = words
            .iter()
            .map(|w| self.by_word.get(w).map(Vec::as_slice).unwrap_or(&[]))
            .min_by_key(|ids| ids.len())
        else {
            return Vec::new();
        };
        let mut analyzer = self.words.clone();
        let mut found: Vec<u64> = rarest
            .iter()
            .copied()
            .filter(|id| {
                let Some(tag) = self.get(*id) else {
                    return false;
                };
                if kind.is_some_and(|k| k != tag.kind) {
                    return false;
                }
                words.len() == 1
                    || words_of(&mut analyzer, &tag.name)
                        .windows(words.len())
                        .any(|w| w == words)
            })
            .collect();
        found.sort_unstable();
        found
    }

    pub(crate) fn insert(&mut self, id: u64, (kind, name): (TagKind, String)) {
        let code = match kind {
            TagKind::Warning => ajar_core::ArchiveWarning::parse_lenient(&name).map(|w| w.code()),
            TagKind::Category => ajar_core::Category::parse_lenient(&name).map(|c| c.code()),
            _ => None,
        };
        let tag = DictTag {
            kind,
            key: key(&name),
            name,
            code,
        };
        if let Some((old_key, old_name)) = self.get(id).map(|t| (t.key.clone(), t.name.clone())) {
            if let Some(ids) = self.by_key.get_mut(&old_key) {
                ids.retain(|i| *i != id);
            }
            for word in words_of(&mut self.words, &old_name) {
                if let Some(ids) = self.by_word.get_mut(&word) {
                    ids.retain(|i| *i != id);
                }
            }
        }
        self.by_key.entry(tag.key.clone()).or_default().push(id);
        let mut words = words_of(&mut self.words, &tag.name);
        words.sort_unstable();
        words.dedup();
        for word in words {
            self.by_word.entry(word).or_default().push(id);
        }
        if id < DENSE_TAG_IDS {
            let i = id as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, None);
                self.kinds.resize(i + 1, None);
            }
            self.kinds[i] = Some(tag.kind);
            self.dense[i] = Some(tag);
        } else {
            self.sparse.insert(id, tag);
        }
    }
}

impl FromIterator<(u64, (TagKind, String))> for TagDict {
    fn from_iter<I: IntoIterator<Item = (u64, (TagKind, String))>>(iter: I) -> Self {
        let mut dict = TagDict::default();
        for (id, tag) in iter {
            dict.insert(id, tag);
        }
        dict
    }
}

pub(crate) fn document(f: &Fields, w: &IndexWork, dict: &TagDict) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.id, u64::try_from(w.id.0).unwrap_or(0));
    doc.add_text(f.title, &w.title);
    doc.add_text(f.title_sort, sort_key(&w.title));
    for (pseud, name) in &w.creators {
        if let Ok(pseud) = u64::try_from(*pseud) {
            doc.add_u64(f.creator_ids, pseud);
        }
        doc.add_text(f.creator, name);
        doc.add_text(f.creator_key, key(name));
    }
    let first_creator = w.creators.first().map(|(_, n)| n.as_str()).unwrap_or("");
    doc.add_text(f.creator_sort, sort_key(first_creator));
    doc.add_text(f.summary, &w.summary);
    doc.add_text(f.notes, &w.notes);
    let mut fandoms = 0u64;
    for id in &w.tag_ids {
        let id = u64::try_from(id.0).unwrap_or(0);
        doc.add_u64(f.tag_ids, id);
        let Some(tag) = dict.get(id) else {
            continue;
        };
        match tag.kind {
            TagKind::Fandom => fandoms += 1,
            TagKind::Relationship | TagKind::Character | TagKind::Freeform => {}
            TagKind::Warning => {
                if let Some(code) = tag.code {
                    doc.add_text(f.warning, code);
                }
            }
            TagKind::Category => {
                if let Some(code) = tag.code {
                    doc.add_text(f.category, code);
                }
            }
            TagKind::Rating => {}
        }
    }
    doc.add_text(f.rating, &w.rating);
    doc.add_text(f.language, w.language.to_lowercase());
    doc.add_u64(f.complete, complete_value(w.complete));
    doc.add_u64(f.fandoms, fandoms);
    doc.add_u64(f.words, w.words);
    doc.add_u64(f.chapters, w.chapters);
    doc.add_u64(f.kudos, w.kudos);
    doc.add_u64(f.hits, w.hits);
    doc.add_u64(f.bookmarks, w.bookmarks);
    doc.add_u64(f.comments, w.comments);
    doc.add_u64(f.published, date_days(w.published));
    doc.add_u64(f.updated, date_days(w.updated));
    doc.add_u64(f.restricted, u64::from(w.restricted));
    if let Some(person) = &w.narration {
        doc.add_text(f.narration, person);
    }
    if let Some(permille) = w.dialogue_permille.and_then(|p| u64::try_from(p).ok()) {
        doc.add_u64(f.dialogue, permille);
    }
    for entry in &w.canon {
        if let Ok(entry) = u64::try_from(*entry) {
            doc.add_u64(f.canon, entry);
        }
    }
    if let Some(text) = &w.text {
        doc.add_text(f.text, text);
    }
    doc
}

/// The `complete` field's value: 1 complete, 0 in progress, 2 not stated, which the
/// `complete:yes` and `complete:no` filters (terms 1 and 0) both leave out.
pub(crate) fn complete_value(complete: Option<bool>) -> u64 {
    match complete {
        Some(c) => u64::from(c),
        None => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        words_of(&mut word_analyzer(), text)
    }

    #[test]
    fn words_in_tag_names_are_found_as_phrases() {
        let mut dict: TagDict = [
            (1, (TagKind::Character, "Rory Gilmore".to_owned())),
            (2, (TagKind::Character, "Lorelai Gilmore".to_owned())),
            (
                3,
                (
                    TagKind::Freeform,
                    "Alternate Universe - Coffee Shop".to_owned(),
                ),
            ),
            (4, (TagKind::Freeform, "Universe Alternate".to_owned())),
            (5, (TagKind::Fandom, "Gilmore Girls".to_owned())),
        ]
        .into_iter()
        .collect();
        assert_eq!(dict.ids_with_words(&words("gilmore"), None), vec![1, 2, 5]);
        assert_eq!(
            dict.ids_with_words(&words("Gilmore"), Some(TagKind::Character)),
            vec![1, 2]
        );
        assert_eq!(
            dict.ids_with_words(&words("alternate universe"), None),
            vec![3]
        );
        assert_eq!(dict.ids_with_words(&words("coffee-shop"), None), vec![3]);
        assert!(dict.ids_with_words(&words("gilmore rory"), None).is_empty());
        assert!(dict.ids_with_words(&words("nothing"), None).is_empty());
        // A renamed tag is found by its new words only.
        dict.insert(1, (TagKind::Character, "Rory Huntzberger".to_owned()));
        assert_eq!(dict.ids_with_words(&words("gilmore"), None), vec![2, 5]);
        assert_eq!(dict.ids_with_words(&words("huntzberger"), None), vec![1]);
    }
}
