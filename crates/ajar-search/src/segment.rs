//! What the search keeps per index segment, built once when a reader first sees the segment
//! (segments never change, but for deletions):
//!
//! - every document's tags as small ordinals, ranked by how many documents carry them, so
//!   the counters of the common tags share a few cache lines (tag ids run to the hundreds of
//!   thousands, and counting into an array that size misses the cache on every increment);
//! - the segment's tag histogram over its live documents, so that a search matching every
//!   work costs nothing to count, and one matching most works counts only those it leaves
//!   out and subtracts them;
//! - for each order results can be read in (counters and dates, titles and creators), the
//!   documents in that order, so that the first pages of a broad search are read off the
//!   front of that order instead of a heap of every match;
//! - the live documents as a bitset, and the documents of common terms (a rating, a big
//!   fandom, "complete") as bitsets, so that filters are a few thousand word operations
//!   per segment instead of a walk through posting lists for every candidate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::index::SegmentId;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, SegmentReader, Term, COLLECT_BLOCK_BUFFER_LEN};

/// Marks an ordinal too large for one `u16` in [`SegmentData::ords`].
const WIDE: u16 = u16::MAX;

fn push_ord(ords: &mut Vec<u16>, ord: u32) {
    match u16::try_from(ord) {
        Ok(o) if o < WIDE => ords.push(o),
        _ => ords.extend([WIDE, (ord >> 16) as u16, ord as u16]),
    }
}

/// An order results can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// A counter or date fast field, largest first.
    Largest(&'static str),
    /// A text fast field (a sort key), A to Z.
    Alphabetical(&'static str),
}

/// Every order kept per segment.
pub(crate) const ORDERS: [Order; 10] = [
    Order::Largest("updated"),
    Order::Largest("published"),
    Order::Largest("kudos"),
    Order::Largest("hits"),
    Order::Largest("bookmarks"),
    Order::Largest("comments"),
    Order::Largest("words"),
    Order::Largest("dialogue"),
    Order::Alphabetical("title_sort"),
    Order::Alphabetical("creator_sort"),
];

/// Reads a document's place in an [`Order`] as a number, larger first: a counter itself, or
/// for text the complement of its term ordinal (ordinals follow the terms' byte order within
/// a segment). Documents without a value come last.
pub(crate) enum OrderKey {
    Number(tantivy::columnar::Column<u64>),
    Text(tantivy::columnar::StrColumn),
    Missing,
}

impl OrderKey {
    pub(crate) fn open(reader: &SegmentReader, order: Order) -> tantivy::Result<OrderKey> {
        Ok(match order {
            Order::Largest(name) => OrderKey::Number(reader.fast_fields().u64(name)?),
            Order::Alphabetical(name) => match reader.fast_fields().str(name)? {
                Some(column) => OrderKey::Text(column),
                None => OrderKey::Missing,
            },
        })
    }

    #[inline]
    pub(crate) fn key(&self, doc: DocId) -> u64 {
        match self {
            OrderKey::Number(column) => column.first(doc).unwrap_or(0),
            OrderKey::Text(column) => column.ords().first(doc).map_or(0, |o| u64::MAX - o),
            OrderKey::Missing => 0,
        }
    }

    /// The text behind a key of an alphabetical order ("" for numbers and missing values).
    pub(crate) fn text(&self, key: u64) -> String {
        let mut out = String::new();
        if let OrderKey::Text(column) = self {
            if key > 0 && column.ord_to_str(u64::MAX - key, &mut out).is_err() {
                out.clear();
            }
        }
        out
    }
}

/// What is kept per segment; immutable, as segments are.
pub(crate) struct SegmentData {
    /// Tag ordinals by document, `ords[offsets[d]..offsets[d + 1]]`, as `u16`s: an ordinal
    /// from [`WIDE`] up is [`WIDE`] followed by its high and low halves. Counting is bound
    /// by reading these, so half the bytes is nearly half the time (and a million works'
    /// worth fits in the last-level cache).
    offsets: Vec<u32>,
    ords: Vec<u16>,
    /// Tag id by ordinal; ordinal 0 is the segment's most common tag.
    pub(crate) tag_of: Vec<u32>,
    /// The documents of the commonest ordinals (`0..dense.len()`: ratings, warnings,
    /// categories, the biggest fandoms and tags) as bitsets. A search counts these by
    /// population count over its own bitset, and they are left out of `ords`: together
    /// they are a third or more of every work's tags.
    pub(crate) dense: Vec<Vec<u64>>,
    /// Documents carrying each ordinal, deleted ones included.
    histogram: Arc<Vec<u32>>,
    /// Per entry of [`ORDERS`]: every document, best first (ties by doc id).
    pub(crate) orders: Vec<Vec<u32>>,
    pub(crate) max_tag: u32,
    /// The fold of synonyms these counts were made with (see [`Fold`]).
    pub(crate) fold: Arc<Fold>,
    /// Every document of the segment as a bitset (the live ones, when none is deleted).
    every: Arc<Vec<u64>>,
}

impl SegmentData {
    fn load(reader: &SegmentReader, fold: Arc<Fold>) -> tantivy::Result<SegmentData> {
        let column = reader.fast_fields().u64("tag_ids")?;
        let max_doc = reader.max_doc();
        let mut offsets = Vec::with_capacity(max_doc as usize + 1);
        let mut ids: Vec<u32> = Vec::new();
        let mut freq: Vec<u32> = Vec::new();
        offsets.push(0);
        for doc in 0..max_doc {
            let first = ids.len();
            for id in column.values_for_doc(doc) {
                // Ids beyond this are not tags the store makes; they are left uncounted.
                let Ok(id) = u32::try_from(id) else { continue };
                if id >= 1 << 26 {
                    continue;
                }
                // A synonym is counted as its canonical tag, once per work however many
                // spellings of it the work carries.
                let id = fold.canonical.get(&id).copied().unwrap_or(id);
                if !fold.canonical.is_empty() && ids[first..].contains(&id) {
                    continue;
                }
                if freq.len() <= id as usize {
                    freq.resize(id as usize + 1, 0);
                }
                freq[id as usize] += 1;
                ids.push(id);
            }
            offsets.push(u32::try_from(ids.len()).unwrap_or(u32::MAX));
        }
        let mut tag_of: Vec<u32> = (0..freq.len() as u32)
            .filter(|id| freq[*id as usize] > 0)
            .collect();
        tag_of.sort_unstable_by(|a, b| freq[*b as usize].cmp(&freq[*a as usize]).then(a.cmp(b)));
        let mut ord_of = vec![0u32; freq.len()];
        for (ord, id) in tag_of.iter().enumerate() {
            ord_of[*id as usize] = ord as u32;
        }
        let dense_count = tag_of
            .iter()
            .take(MAX_DENSE)
            .take_while(|id| u64::from(freq[**id as usize]) * DENSE_FROM >= u64::from(max_doc))
            .count();
        let words = (max_doc as usize).div_ceil(64);
        let mut dense = vec![vec![0u64; words]; dense_count];
        let mut ords: Vec<u16> = Vec::with_capacity(ids.len());
        for doc in 0..max_doc as usize {
            let (start, end) = (offsets[doc] as usize, offsets[doc + 1] as usize);
            offsets[doc] = u32::try_from(ords.len()).unwrap_or(u32::MAX);
            for id in &ids[start..end] {
                let ord = ord_of[*id as usize];
                match dense.get_mut(ord as usize) {
                    Some(bits) => set(bits, doc as DocId),
                    None => push_ord(&mut ords, ord),
                }
            }
        }
        offsets[max_doc as usize] = u32::try_from(ords.len()).unwrap_or(u32::MAX);
        drop(ids);
        let histogram = tag_of.iter().map(|id| freq[*id as usize]).collect();
        let max_tag = tag_of.iter().copied().max().unwrap_or(0);
        let mut orders = Vec::with_capacity(ORDERS.len());
        for order in ORDERS {
            let key = OrderKey::open(reader, order)?;
            let mut keyed: Vec<(u64, u32)> =
                (0..max_doc).map(|d| (u64::MAX - key.key(d), d)).collect();
            keyed.sort_unstable();
            orders.push(keyed.into_iter().map(|(_, d)| d).collect());
        }
        let mut every = vec![u64::MAX; (max_doc as usize).div_ceil(64)];
        if let Some(last) = every.last_mut() {
            if !max_doc.is_multiple_of(64) {
                *last = (1u64 << (max_doc % 64)) - 1;
            }
        }
        Ok(SegmentData {
            offsets,
            ords,
            tag_of,
            dense,
            histogram: Arc::new(histogram),
            orders,
            max_tag,
            fold,
            every: Arc::new(every),
        })
    }

    /// Calls `f` with the ordinal of each tag of `doc` that is not one of the dense ones.
    #[inline]
    pub(crate) fn for_each_sparse_tag(&self, doc: DocId, mut f: impl FnMut(usize)) {
        let d = doc as usize;
        let (Some(&start), Some(&end)) = (self.offsets.get(d), self.offsets.get(d + 1)) else {
            return;
        };
        let Some(mut ords) = self.ords.get(start as usize..end as usize) else {
            return;
        };
        while let Some((&o, rest)) = ords.split_first() {
            if o != WIDE {
                f(usize::from(o));
                ords = rest;
            } else if let [high, low, rest @ ..] = rest {
                f((usize::from(*high) << 16) | usize::from(*low));
                ords = rest;
            } else {
                return;
            }
        }
    }

    /// A segment of these documents' tag ordinals, the first `dense` ordinals kept as
    /// bitsets, with tag ids by ordinal `tag_of`: for tests of counting.
    #[cfg(test)]
    pub(crate) fn for_tests(docs: &[Vec<u32>], dense: usize, tag_of: Vec<u32>) -> SegmentData {
        let words = docs.len().div_ceil(64);
        let mut offsets = vec![0];
        let mut ords = Vec::new();
        let mut bitsets = vec![vec![0u64; words]; dense];
        let mut histogram = vec![0u32; tag_of.len()];
        for (doc, tags) in docs.iter().enumerate() {
            for &ord in tags {
                histogram[ord as usize] += 1;
                match bitsets.get_mut(ord as usize) {
                    Some(bits) => bits[doc >> 6] |= 1 << (doc & 63),
                    None => push_ord(&mut ords, ord),
                }
            }
            offsets.push(ords.len() as u32);
        }
        SegmentData {
            offsets,
            ords,
            max_tag: tag_of.iter().copied().max().unwrap_or(0),
            tag_of,
            dense: bitsets,
            histogram: Arc::new(histogram),
            orders: Vec::new(),
            fold: Arc::default(),
            every: Arc::new(Vec::new()),
        }
    }

    /// Calls `f` with the ordinal of each tag of `doc`, the dense ones first.
    #[inline]
    pub(crate) fn for_each_tag(&self, doc: DocId, mut f: impl FnMut(usize)) {
        for (ord, bits) in self.dense.iter().enumerate() {
            if contains(bits, doc) {
                f(ord);
            }
        }
        self.for_each_sparse_tag(doc, f);
    }

    /// Takes `doc`'s tags off `counts` (by ordinal), as when it is deleted.
    pub(crate) fn uncount(&self, doc: DocId, counts: &mut [u32]) {
        self.for_each_tag(doc, |ord| {
            if let Some(c) = counts.get_mut(ord) {
                *c = c.saturating_sub(1);
            }
        });
    }

    /// The segment's live documents, given its deletions.
    fn live(&self, reader: &SegmentReader) -> Live {
        let Some(alive) = reader.alive_bitset() else {
            return Live {
                deleted: 0,
                generation: self.fold.generation,
                histogram: self.histogram.clone(),
                words: self.every.clone(),
            };
        };
        let max_doc = reader.max_doc();
        let mut counts = self.histogram.as_ref().clone();
        let mut words = self.every.as_ref().clone();
        for doc in (0..max_doc).filter(|d| alive.is_deleted(*d)) {
            if let Some(w) = words.get_mut(doc as usize >> 6) {
                *w &= !(1 << (doc & 63));
            }
            self.uncount(doc, &mut counts);
        }
        Live {
            deleted: reader.num_deleted_docs(),
            generation: self.fold.generation,
            histogram: Arc::new(counts),
            words: Arc::new(words),
        }
    }
}

/// How facet counts fold synonyms into their canonical tags: the canonical tag of each
/// synonym. Counts are made per segment with one fold; a new fold (wrangling changed the
/// graph) has them made again.
#[derive(Debug, Default)]
pub(crate) struct Fold {
    pub(crate) canonical: HashMap<u32, u32>,
    /// Tells folds apart in the keys of kept matches.
    pub(crate) generation: u64,
}

/// A segment's live documents, and how many of them carry each tag ordinal.
pub(crate) struct Live {
    /// The deletions these were counted at (a segment's deletions only grow).
    pub(crate) deleted: u32,
    /// The fold of the segment data these were counted from.
    pub(crate) generation: u64,
    pub(crate) histogram: Arc<Vec<u32>>,
    pub(crate) words: Arc<Vec<u64>>,
}

/// A tag is dense in a segment (kept as a bitset, see [`SegmentData::dense`]) when at least
/// one document in this many carries it; at most [`MAX_DENSE`] are.
const DENSE_FROM: u64 = 32;
const MAX_DENSE: usize = 96;

/// A term's documents in one segment are kept as a bitset when at least one in this many
/// documents carries it; rarer terms are read from their postings each time, which costs
/// less than the bitset would take to keep.
const CACHE_TERMS_FROM: u64 = 64;

/// Values kept up to a budget of bytes, least recently used dropped first.
struct Kept<K, V> {
    /// Value, its size in bytes, and when it was last used.
    entries: HashMap<K, (V, usize, u64)>,
    bytes: usize,
    clock: u64,
    budget: usize,
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> Kept<K, V> {
    fn new(budget: usize) -> Kept<K, V> {
        Kept {
            entries: HashMap::new(),
            bytes: 0,
            clock: 0,
            budget,
        }
    }

    fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let now = self.clock;
        let (value, _, used) = self.entries.get_mut(key)?;
        *used = now;
        Some(value.clone())
    }

    fn keep(&mut self, key: K, value: V, size: usize) {
        if size > self.budget {
            return;
        }
        if let Some((_, old, _)) = self.entries.remove(&key) {
            self.bytes = self.bytes.saturating_sub(old);
        }
        while self.bytes + size > self.budget {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, gone, _)) = self.entries.remove(&oldest) {
                self.bytes = self.bytes.saturating_sub(gone);
            }
        }
        self.clock += 1;
        let now = self.clock;
        self.entries.insert(key, (value, size, now));
        self.bytes += size;
    }

    fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.retain(|k, _| keep(k));
        self.bytes = self.entries.values().map(|(_, size, _)| size).sum();
    }
}

/// What a filter plan found in one segment, kept between searches: the index changes every
/// second on a live archive (hits, kudos), but its big segments only lose documents, so a
/// repeated search takes the deleted ones off instead of matching and counting a million
/// works again (see `facets::run_plan`).
pub(crate) struct Matched {
    /// The segment's deletions when this was brought up to date.
    pub(crate) deleted: u32,
    /// The live documents the plan matched, and how many.
    pub(crate) bits: Arc<Vec<u64>>,
    pub(crate) count: u32,
    /// How many of them carry each tag ordinal, once a search asked for facets.
    pub(crate) counts: Option<Arc<TagCounts>>,
}

/// How many of a segment's matches carry each of its tag ordinals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TagCounts {
    /// A count for every ordinal.
    Dense(Vec<u32>),
    /// Only the ordinals the matches carry, ascending, with their counts: for a few
    /// matches, which would otherwise allocate, zero and later walk a slot for each of the
    /// segment's tags (a hundred thousand and more at a million works) to count a handful.
    Sparse(Vec<(u32, u32)>),
}

impl TagCounts {
    /// Counts `ordinals` (each one a match's tag), in any order.
    pub(crate) fn from_ordinals(ordinals: Vec<u32>) -> TagCounts {
        TagCounts::summed(ordinals.into_iter().map(|ord| (ord, 1)).collect())
    }

    /// Sparse counts from (index, count) entries in any order, an index's entries added up.
    pub(crate) fn summed(mut pairs: Vec<(u32, u32)>) -> TagCounts {
        pairs.sort_unstable();
        let mut summed: Vec<(u32, u32)> = Vec::with_capacity(pairs.len());
        for (key, n) in pairs {
            match summed.last_mut() {
                Some((last, total)) if *last == key => *total += n,
                _ => summed.push((key, n)),
            }
        }
        TagCounts::Sparse(summed)
    }

    /// Takes `doc`'s tags off, as when it is deleted.
    pub(crate) fn uncount(&mut self, data: &SegmentData, doc: DocId) {
        match self {
            TagCounts::Dense(counts) => data.uncount(doc, counts),
            TagCounts::Sparse(pairs) => data.for_each_tag(doc, |ord| {
                if let Ok(i) = pairs.binary_search_by_key(&(ord as u32), |p| p.0) {
                    if let Some((_, n)) = pairs.get_mut(i) {
                        *n = n.saturating_sub(1);
                    }
                }
            }),
        }
    }

    /// Calls `f` with each ordinal that has a count, and its count (never zero: dense slots
    /// and uncounted entries at zero are passed over).
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, u32)) {
        match self {
            TagCounts::Dense(counts) => {
                for (ord, &n) in counts.iter().enumerate() {
                    if n > 0 {
                        f(ord, n);
                    }
                }
            }
            TagCounts::Sparse(pairs) => {
                for &(ord, n) in pairs {
                    if n > 0 {
                        f(ord as usize, n);
                    }
                }
            }
        }
    }

    /// How many ordinals it holds a count for.
    pub(crate) fn len(&self) -> usize {
        match self {
            TagCounts::Dense(counts) => counts.len(),
            TagCounts::Sparse(pairs) => pairs.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            TagCounts::Dense(counts) => counts.len() * 4,
            TagCounts::Sparse(pairs) => pairs.len() * 8,
        }
    }
}

impl Matched {
    fn size(&self) -> usize {
        self.bits.len() * 8 + self.counts.as_ref().map_or(0, |c| c.bytes())
    }
}

/// A plan's key: the segment, and a hash of the plan's description.
type MatchKey = (SegmentId, u64);

/// Common terms' documents by segment and term.
type TermBits = Kept<(SegmentId, Term), Arc<Vec<u64>>>;

/// Loaded segments, shared by every search; segments that are gone are dropped on reload.
pub(crate) struct SegmentCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentData>>>,
    live: RwLock<HashMap<SegmentId, Arc<Live>>>,
    /// Bitsets of common terms (deleted documents included).
    terms: Mutex<TermBits>,
    matches: Mutex<Kept<MatchKey, Arc<Matched>>>,
    /// Documents carrying any of a set of terms, by segment and a hash of the terms.
    unions: Mutex<Kept<MatchKey, Option<Arc<Vec<u64>>>>>,
    /// Keys the hashes of plans (see `Plan::key`).
    pub(crate) plan_keys: std::hash::RandomState,
    /// The fold segments are loaded with.
    fold: RwLock<Arc<Fold>>,
}

impl SegmentCache {
    /// A cache keeping at most `budget` bytes of bitsets and counts: half for common terms,
    /// a quarter for what recent plans matched, a quarter for unions of many terms.
    pub(crate) fn new(budget: usize) -> SegmentCache {
        SegmentCache {
            segments: RwLock::default(),
            live: RwLock::default(),
            terms: Mutex::new(Kept::new(budget / 2)),
            matches: Mutex::new(Kept::new(budget / 4)),
            unions: Mutex::new(Kept::new(budget / 4)),
            plan_keys: std::hash::RandomState::new(),
            fold: RwLock::default(),
        }
    }

    /// Folds synonyms into these canonical tags from now on: segments are counted again
    /// as searches need them, and what was kept of earlier counts is dropped.
    pub(crate) fn set_fold(&self, canonical: HashMap<u32, u32>) {
        let Ok(mut fold) = self.fold.write() else {
            return;
        };
        *fold = Arc::new(Fold {
            canonical,
            generation: fold.generation + 1,
        });
        drop(fold);
        if let Ok(mut map) = self.segments.write() {
            map.clear();
        }
        if let Ok(mut map) = self.live.write() {
            map.clear();
        }
        if let Ok(mut kept) = self.matches.lock() {
            kept.retain(|_| false);
        }
    }

    fn current_fold(&self) -> Arc<Fold> {
        self.fold.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// What the plan with `key` matched in the segment, as last kept.
    pub(crate) fn matched(&self, reader: &SegmentReader, key: u64) -> Option<Arc<Matched>> {
        let mut kept = self.matches.lock().ok()?;
        kept.get(&(reader.segment_id(), key))
    }

    pub(crate) fn keep_matched(&self, reader: &SegmentReader, key: u64, matched: Arc<Matched>) {
        if let Ok(mut kept) = self.matches.lock() {
            let size = matched.size();
            kept.keep((reader.segment_id(), key), matched, size);
        }
    }

    pub(crate) fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentData>> {
        let id = reader.segment_id();
        let fold = self.current_fold();
        if let Some(found) = self.segments.read().ok().and_then(|m| m.get(&id).cloned()) {
            if found.fold.generation == fold.generation {
                return Ok(found);
            }
        }
        let loaded = Arc::new(SegmentData::load(reader, fold)?);
        if let Ok(mut map) = self.segments.write() {
            map.insert(id, loaded.clone());
        }
        Ok(loaded)
    }

    pub(crate) fn live(&self, reader: &SegmentReader, data: &SegmentData) -> Arc<Live> {
        let id = reader.segment_id();
        let deleted = reader.num_deleted_docs();
        if let Some(found) = self.live.read().ok().and_then(|m| m.get(&id).cloned()) {
            if found.deleted == deleted && found.generation == data.fold.generation {
                return found;
            }
        }
        let live = Arc::new(data.live(reader));
        if let Ok(mut map) = self.live.write() {
            map.insert(id, live.clone());
        }
        live
    }

    /// The documents of the segment carrying `term` (deleted ones included), or `None` when
    /// none does.
    pub(crate) fn term(
        &self,
        reader: &SegmentReader,
        term: &Term,
    ) -> tantivy::Result<Option<Arc<Vec<u64>>>> {
        let inverted = reader.inverted_index(term.field())?;
        let Some(info) = inverted.get_term_info(term)? else {
            return Ok(None);
        };
        let max_doc = reader.max_doc();
        let common = u64::from(info.doc_freq) * CACHE_TERMS_FROM >= u64::from(max_doc);
        // Only common terms are kept, so only they need a key.
        let key = common.then(|| (reader.segment_id(), term.clone()));
        if let Some(key) = &key {
            if let Some(bits) = self.terms.lock().ok().and_then(|mut kept| kept.get(key)) {
                return Ok(Some(bits));
            }
        }
        let mut bits = vec![0u64; (max_doc as usize).div_ceil(64)];
        add_postings(reader, &info, term, &mut bits)?;
        let bits = Arc::new(bits);
        if let (Some(key), Ok(mut kept)) = (key, self.terms.lock()) {
            let size = bits.len() * 8;
            kept.keep(key, bits.clone(), size);
        }
        Ok(Some(bits))
    }

    /// The documents of the segment carrying any of `terms` (deleted ones included), or
    /// `None` when none does. The union is kept: a word of the search box stands for every
    /// tag whose name holds it, thousands of rare tags for a common word, and reading all
    /// their postings again for every search (and for both the filter and the scored part
    /// of one) cost more than the rest of the search.
    pub(crate) fn union(
        &self,
        reader: &SegmentReader,
        terms: &[Term],
    ) -> tantivy::Result<Option<Arc<Vec<u64>>>> {
        if let [term] = terms {
            return self.term(reader, term);
        }
        let key = (
            reader.segment_id(),
            std::hash::BuildHasher::hash_one(&self.plan_keys, terms),
        );
        if let Some(bits) = self.unions.lock().ok().and_then(|mut kept| kept.get(&key)) {
            return Ok(bits);
        }
        let max_doc = reader.max_doc();
        let mut bits = vec![0u64; (max_doc as usize).div_ceil(64)];
        let mut any = false;
        for term in terms {
            let inverted = reader.inverted_index(term.field())?;
            let Some(info) = inverted.get_term_info(term)? else {
                continue;
            };
            any = true;
            // Common terms from their kept bitsets; rare ones straight into the union,
            // without a bitset of their own.
            if u64::from(info.doc_freq) * CACHE_TERMS_FROM >= u64::from(max_doc) {
                if let Some(term_bits) = self.term(reader, term)? {
                    for (a, b) in bits.iter_mut().zip(term_bits.iter()) {
                        *a |= b;
                    }
                }
            } else {
                add_postings(reader, &info, term, &mut bits)?;
            }
        }
        let bits = any.then(|| Arc::new(bits));
        if let Ok(mut kept) = self.unions.lock() {
            let size = bits.as_ref().map_or(0, |b| b.len() * 8) + terms.len();
            kept.keep(key, bits.clone(), size);
        }
        Ok(bits)
    }

    /// Loads the segments of `searcher` that are new, and forgets those it no longer has.
    pub(crate) fn refresh(&self, searcher: &tantivy::Searcher) -> tantivy::Result<()> {
        let readers = searcher.segment_readers();
        let live: Vec<SegmentId> = readers.iter().map(|r| r.segment_id()).collect();
        if let Ok(mut map) = self.segments.write() {
            map.retain(|id, _| live.contains(id));
        }
        if let Ok(mut map) = self.live.write() {
            map.retain(|id, _| live.contains(id));
        }
        if let Ok(mut kept) = self.terms.lock() {
            kept.retain(|(id, _)| live.contains(id));
        }
        if let Ok(mut kept) = self.matches.lock() {
            kept.retain(|(id, _)| live.contains(id));
        }
        if let Ok(mut kept) = self.unions.lock() {
            kept.retain(|(id, _)| live.contains(id));
        }
        // New segments are loaded on two threads: after a rebuild there are a dozen large
        // ones, and the rebuild is not done until searches can use them.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let load = || -> tantivy::Result<()> {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(reader) = readers.get(i) else {
                    return Ok(());
                };
                let data = self.get(reader)?;
                self.live(reader, &data);
            }
        };
        let new = self
            .segments
            .read()
            .map(|m| {
                readers
                    .iter()
                    .filter(|r| !m.contains_key(&r.segment_id()))
                    .count()
            })
            .unwrap_or(readers.len());
        if new < 2 {
            return load();
        }
        std::thread::scope(|scope| {
            let helper = scope.spawn(load);
            let here = load();
            let there = helper.join().unwrap_or_else(|_| {
                Err(tantivy::TantivyError::InternalError(
                    "a segment could not be loaded".to_owned(),
                ))
            });
            here.and(there)
        })
    }
}

/// Sets the bits of the documents carrying `term` (whose `info` this is) in `bits`.
fn add_postings(
    reader: &SegmentReader,
    info: &tantivy::postings::TermInfo,
    term: &Term,
    bits: &mut [u64],
) -> tantivy::Result<()> {
    let inverted = reader.inverted_index(term.field())?;
    let mut postings = inverted.read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    let mut buffer = [0 as DocId; COLLECT_BLOCK_BUFFER_LEN];
    loop {
        let n = postings.fill_buffer(&mut buffer);
        for &doc in buffer.iter().take(n) {
            set(bits, doc);
        }
        if n < buffer.len() {
            return Ok(());
        }
    }
}

/// Adds `doc` to a bitset (documents beyond it are ignored).
#[inline]
pub(crate) fn set(bits: &mut [u64], doc: DocId) {
    if let Some(w) = bits.get_mut(doc as usize >> 6) {
        *w |= 1 << (doc & 63);
    }
}

/// Whether `doc` is in a bitset.
#[inline]
pub(crate) fn contains(bits: &[u64], doc: DocId) -> bool {
    bits.get(doc as usize >> 6)
        .is_some_and(|w| w & (1 << (doc & 63)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_values_stay_within_their_budget_least_recently_used_first_out() {
        let mut kept: Kept<u32, &str> = Kept::new(100);
        kept.keep(1, "one", 40);
        kept.keep(2, "two", 40);
        assert_eq!(kept.get(&1), Some("one")); // 2 is now the least recently used
        kept.keep(3, "three", 40);
        assert_eq!(kept.get(&2), None, "the least recently used went first");
        assert_eq!((kept.get(&1), kept.get(&3)), (Some("one"), Some("three")));
        assert_eq!(kept.bytes, 80);
        // Keeping a key again replaces it, and its size with it.
        kept.keep(3, "three again", 10);
        assert_eq!((kept.get(&3), kept.bytes), (Some("three again"), 50));
        // What is bigger than the whole budget is not kept, and drops nothing.
        kept.keep(4, "huge", 101);
        assert_eq!((kept.get(&4), kept.entries.len()), (None, 2));
        kept.retain(|k| *k == 1);
        assert_eq!((kept.entries.len(), kept.bytes), (1, 40));
    }

    #[test]
    fn wide_ordinals_read_back_as_written() {
        let docs: Vec<Vec<u32>> = vec![
            vec![0, 1, 65_534],
            vec![],
            vec![65_535, 7, 1 << 20, 70_000],
            vec![u32::from(u16::MAX) << 8],
        ];
        let mut offsets = vec![0];
        let mut ords = Vec::new();
        for doc in &docs {
            for &ord in doc {
                push_ord(&mut ords, ord);
            }
            offsets.push(ords.len() as u32);
        }
        let data = SegmentData {
            offsets,
            ords,
            tag_of: Vec::new(),
            dense: Vec::new(),
            histogram: Arc::new(Vec::new()),
            orders: Vec::new(),
            max_tag: 0,
            fold: Arc::default(),
            every: Arc::new(Vec::new()),
        };
        for (d, expected) in docs.iter().enumerate() {
            let mut got = Vec::new();
            data.for_each_sparse_tag(d as DocId, |o| got.push(o as u32));
            assert_eq!(&got, expected);
        }
    }
}
