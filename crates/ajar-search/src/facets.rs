//! Counting the matching works, counting their tags exactly, and picking one page of them.
//!
//! Per segment the matches are a bitset: from the filter plan alone when results are
//! ordered by a counter, a date, a title or a creator (no scores needed, see `plan`), or
//! marked by a collector while Tantivy scores a query for best-match order. From the
//! bitset and the segment's kept structures (see `segment`):
//!
//! - the count is a population count, and the tags of a search matching every work are
//!   the segment's histogram as it is; one matching most works counts only the works it
//!   leaves out and subtracts them;
//! - the first page of a broad search is read off the front of the segment's order, and
//!   that of a narrow one from a bounded buffer of the matches.
//!
//! Segments are worked on in parallel, and their fruits merged. Counts are exact, not
//! estimates.

use crate::plan::{live_in, Prepared};
use crate::segment::{
    contains, Live, Matched, Order, OrderKey, SegmentCache, SegmentData, TagCounts, ORDERS,
};
use std::sync::Arc;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// Which page to pick, in which order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    /// An entry of [`ORDERS`], or `None` for relevance (best match).
    pub order: Option<usize>,
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    fn wanted(&self) -> usize {
        self.offset.saturating_add(self.limit)
    }
}

/// What a search found.
pub(crate) struct Found {
    pub count: u64,
    /// Matching works by tag id (indexed by tag id rather than ordinal), when facets were
    /// asked for.
    pub tag_counts: TagCounts,
    /// The page, in order.
    pub page: Vec<DocAddress>,
}

/// What one segment found.
pub(crate) struct SegmentFound {
    count: u64,
    data: Arc<SegmentData>,
    counts: Option<Arc<TagCounts>>,
    /// The segment's best matches, best first: (key, doc, text of the key for alphabetical
    /// orders).
    page: Vec<(u64, DocAddress, String)>,
}

/// Runs a filter plan over every segment (in parallel) and merges what they found. With a
/// `key` (a hash of the plan, see `Plan::key`), what the plan matched in each segment is
/// kept, and a repeated search only takes off the documents deleted since.
pub(crate) fn run_plan(
    searcher: &Searcher,
    cache: &SegmentCache,
    plan: &Prepared,
    key: Option<u64>,
    facets: bool,
    page: Page,
) -> tantivy::Result<Found> {
    let readers = searcher.segment_readers();
    let fruits = searcher.index().search_executor().map(
        |(ord, reader): (usize, &SegmentReader)| {
            let data = cache.get(reader)?;
            let live = cache.live(reader, &data);
            let matched = matched(reader, cache, &data, &live, plan, key, facets)?;
            Ok(harvest(
                reader,
                ord as SegmentOrdinal,
                data,
                &matched.bits,
                matched.count,
                matched.counts.clone(),
                page,
            ))
        },
        readers.iter().enumerate(),
    )?;
    Ok(merge(fruits, facets, page))
}

/// The live documents of the segment `plan` matches (with their tag counts when `facets`):
/// as kept under `key` less the documents deleted since, or found anew.
fn matched(
    reader: &SegmentReader,
    cache: &SegmentCache,
    data: &SegmentData,
    live: &Live,
    plan: &Prepared,
    key: Option<u64>,
    facets: bool,
) -> tantivy::Result<Arc<Matched>> {
    let alive = reader.num_docs();
    // Counts are by the segment data's fold of synonyms: kept under it.
    let key = key.map(|k| k ^ data.fold.generation.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let kept = key.and_then(|key| cache.matched(reader, key));
    // A search on an older reader than the one that kept it sees fewer deletions: it
    // cannot put documents back, so it counts anew.
    if let Some(kept) = kept.filter(|k| k.deleted <= live.deleted) {
        if kept.deleted == live.deleted && (kept.counts.is_some() || !facets) {
            return Ok(kept);
        }
        let updated = Arc::new(without_deleted(&kept, data, live, facets, alive));
        if let Some(key) = key {
            cache.keep_matched(reader, key, updated.clone());
        }
        return Ok(updated);
    }
    let set = plan.eval(reader, cache)?;
    let (bits, count) = live_in(set, &live.words, alive);
    let counts = facets.then(|| Arc::new(tag_counts(data, live, &bits, count, alive)));
    let found = Arc::new(Matched {
        deleted: live.deleted,
        bits,
        count,
        counts,
    });
    if let Some(key) = key {
        cache.keep_matched(reader, key, found.clone());
    }
    Ok(found)
}

/// `kept` without the documents deleted since it was kept: each one's tags are taken off
/// the counts (counted in full when there were none and `facets` wants them).
fn without_deleted(
    kept: &Matched,
    data: &SegmentData,
    live: &Live,
    facets: bool,
    alive: u32,
) -> Matched {
    let mut bits = kept.bits.as_ref().clone();
    let mut count = kept.count;
    let mut counts = kept.counts.as_ref().map(|c| c.as_ref().clone());
    for (i, (word, &l)) in bits.iter_mut().zip(live.words.iter()).enumerate() {
        let mut gone = *word & !l;
        *word &= l;
        while gone != 0 {
            let doc = ((i as u32) << 6) | gone.trailing_zeros();
            gone &= gone - 1;
            count = count.saturating_sub(1);
            if let Some(counts) = counts.as_mut() {
                counts.uncount(data, doc);
            }
        }
    }
    if facets && counts.is_none() {
        counts = Some(tag_counts(data, live, &bits, count, alive));
    }
    Matched {
        deleted: live.deleted,
        bits: Arc::new(bits),
        count,
        counts: counts.map(Arc::new),
    }
}

/// The page of one segment's matches (`bits`, `count` of them), with their tag counts.
fn harvest(
    reader: &SegmentReader,
    segment_ord: SegmentOrdinal,
    data: Arc<SegmentData>,
    bits: &[u64],
    count: u32,
    counts: Option<Arc<TagCounts>>,
    page: Page,
) -> SegmentFound {
    let address = |doc: DocId| DocAddress::new(segment_ord, doc);
    let mut best = Vec::new();
    let order = page.order.and_then(|i| Some((i, *ORDERS.get(i)?)));
    if let Some((i, order)) = order.filter(|_| count > 0 && page.wanted() > 0) {
        if let Ok(key) = OrderKey::open(reader, order) {
            let picked = pick(
                &data,
                i,
                &key,
                bits,
                count,
                reader.num_docs(),
                page.wanted(),
            );
            best = picked
                .into_iter()
                .map(|(k, doc)| {
                    let text = match order {
                        Order::Alphabetical(_) => key.text(k),
                        Order::Largest(_) => String::new(),
                    };
                    (k, address(doc), text)
                })
                .collect();
        }
    }
    SegmentFound {
        count: u64::from(count),
        data,
        counts,
        page: best,
    }
}

/// How many of the matches carry each tag ordinal of the segment.
fn tag_counts(data: &SegmentData, live: &Live, bits: &[u64], count: u32, alive: u32) -> TagCounts {
    if count == alive {
        return TagCounts::Dense(live.histogram.as_ref().clone());
    }
    if u64::from(count) * 2 > u64::from(alive) {
        // Most works match: count the live ones that do not, and take them off the whole.
        let mut counts = live.histogram.as_ref().clone();
        for (i, (&word, &l)) in bits.iter().zip(live.words.iter()).enumerate() {
            let mut w = l & !word;
            while w != 0 {
                let doc = ((i as u32) << 6) | w.trailing_zeros();
                w &= w - 1;
                // Ordinals are below the histogram's length by construction.
                data.for_each_sparse_tag(doc, |ord| counts[ord] = counts[ord].wrapping_sub(1));
            }
        }
        count_dense(data, bits, &mut counts);
        return TagCounts::Dense(counts);
    }
    // A few matches (each with a dozen or so tags) against many tags: list the matches'
    // ordinals rather than keep a slot for every tag of the segment.
    if (count as usize).saturating_mul(SPARSE_FACTOR) < data.tag_of.len() {
        let mut ordinals = Vec::with_capacity(count as usize * 16);
        for_each_doc(bits, |doc| {
            data.for_each_tag(doc, |ord| ordinals.push(ord as u32));
        });
        return TagCounts::from_ordinals(ordinals);
    }
    // Fewer matches than words in the bitset: testing each match's bit of each common tag
    // costs less than a population count over the whole segment per tag.
    let few = (count as usize) < bits.len();
    let mut counts = vec![0u32; data.tag_of.len()];
    for_each_doc(bits, |doc| {
        data.for_each_sparse_tag(doc, |ord| counts[ord] += 1);
        if few {
            for (slot, tag) in counts.iter_mut().zip(&data.dense) {
                *slot += u32::from(contains(tag, doc));
            }
        }
    });
    if !few {
        count_dense(data, bits, &mut counts);
    }
    TagCounts::Dense(counts)
}

/// Matches are counted sparsely when the segment has more than this many tags per match:
/// listing a match's dozen or so ordinals and sorting them costs some hundred times what a
/// slot per tag costs to clear and to merge.
const SPARSE_FACTOR: usize = 256;

/// Calls `f` with each document whose bit is set, in order.
#[inline]
fn for_each_doc(bits: &[u64], mut f: impl FnMut(DocId)) {
    for (i, &word) in bits.iter().enumerate() {
        let mut w = word;
        while w != 0 {
            let doc = ((i as u32) << 6) | w.trailing_zeros();
            w &= w - 1;
            f(doc);
        }
    }
}

/// The counts of the segment's commonest tags, by population count (`bits` holds live
/// documents only).
fn count_dense(data: &SegmentData, bits: &[u64], counts: &mut [u32]) {
    for (slot, tag) in counts.iter_mut().zip(&data.dense) {
        *slot = bits
            .iter()
            .zip(tag)
            .map(|(a, b)| (a & b).count_ones())
            .sum();
    }
}

/// The best `k` matches in the order, best first, with their keys.
fn pick(
    data: &SegmentData,
    order: usize,
    key: &OrderKey,
    bits: &[u64],
    count: u32,
    alive: u32,
    k: usize,
) -> Vec<(u64, DocId)> {
    // Walking the whole order reads about k × live / matching entries; a buffer reads every
    // match once.
    let walk = (k as u64).saturating_mul(u64::from(alive))
        <= u64::from(count).saturating_mul(u64::from(count));
    if let (true, Some(docs)) = (walk, data.orders.get(order)) {
        return docs
            .iter()
            .copied()
            .filter(|d| contains(bits, *d))
            .take(k)
            .map(|d| (key.key(d), d))
            .collect();
    }
    let mut top = TopK::new(k);
    for (i, &word) in bits.iter().enumerate() {
        let mut w = word;
        while w != 0 {
            let doc = ((i as u32) << 6) | w.trailing_zeros();
            w &= w - 1;
            top.push(key.key(doc), doc);
        }
    }
    top.finish()
}

/// The `k` best of documents offered in increasing id: larger key first, then smaller id.
struct TopK {
    k: usize,
    cap: usize,
    buffer: Vec<(u64, DocId)>,
    /// Once the buffer has been cut to `k`, only a strictly larger key can enter.
    floor: Option<u64>,
}

impl TopK {
    fn new(k: usize) -> TopK {
        let cap = k.saturating_mul(2).max(64);
        TopK {
            k,
            cap,
            buffer: Vec::with_capacity(cap.min(4096)),
            floor: None,
        }
    }

    #[inline]
    fn push(&mut self, key: u64, doc: DocId) {
        if self.k == 0 || self.floor.is_some_and(|f| key <= f) {
            return;
        }
        self.buffer.push((key, doc));
        if self.buffer.len() >= self.cap {
            self.buffer.select_nth_unstable_by(self.k - 1, better);
            self.buffer.truncate(self.k);
            self.floor = self.buffer.iter().map(|(v, _)| *v).min();
        }
    }

    fn finish(mut self) -> Vec<(u64, DocId)> {
        self.buffer.sort_unstable_by(better);
        self.buffer.truncate(self.k);
        self.buffer
    }
}

fn better(a: &(u64, DocId), b: &(u64, DocId)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Adds the segments' counts together and merges their pages.
fn merge(fruits: Vec<SegmentFound>, facets: bool, page: Page) -> Found {
    let count = fruits.iter().map(|f| f.count).sum();
    let tag_counts = if facets {
        merge_counts(&fruits)
    } else {
        TagCounts::Sparse(Vec::new())
    };
    let alphabetical = page
        .order
        .and_then(|i| ORDERS.get(i))
        .is_some_and(|o| matches!(o, Order::Alphabetical(_)));
    let mut all: Vec<(u64, DocAddress, String)> = fruits.into_iter().flat_map(|f| f.page).collect();
    if alphabetical {
        all.sort_by(|a, b| a.2.cmp(&b.2).then(a.1.cmp(&b.1)));
    } else {
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    let page = all
        .into_iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|(_, address, _)| address)
        .collect();
    Found {
        count,
        tag_counts,
        page,
    }
}

/// The segments' tag counts added up by tag id. Sparse counts alone are added by sorting
/// their entries (tag ids with a count, ascending); with any dense ones, in a slot per tag
/// id.
fn merge_counts(fruits: &[SegmentFound]) -> TagCounts {
    let counted = || {
        fruits
            .iter()
            .filter_map(|f| Some((f, f.counts.as_deref()?)))
    };
    let size = counted()
        .map(|(f, _)| f.data.max_tag as usize + 1)
        .max()
        .unwrap_or(0);
    let tag = |f: &SegmentFound, ord: usize| f.data.tag_of.get(ord).copied();
    if counted().all(|(_, c)| matches!(c, TagCounts::Sparse(_))) {
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(counted().map(|(_, c)| c.len()).sum());
        for (f, counts) in counted() {
            counts.for_each(|ord, n| {
                if let Some(id) = tag(f, ord) {
                    pairs.push((id, n));
                }
            });
        }
        return TagCounts::summed(pairs);
    }
    let mut slots = vec![0u32; size];
    for (f, counts) in counted() {
        counts.for_each(|ord, n| {
            if let Some(slot) = tag(f, ord).and_then(|id| slots.get_mut(id as usize)) {
                *slot += n;
            }
        });
    }
    TagCounts::Dense(slots)
}

/// Collects the works a scored query finds that the filter plan lets through, for
/// best-match order: counts them and their tags, and keeps the best-scored page.
pub(crate) struct Scored<'a> {
    pub cache: &'a SegmentCache,
    pub filter: &'a Prepared,
    pub facets: bool,
    pub page: Page,
}

pub(crate) struct SegmentScored {
    reader_docs: u32,
    segment_ord: SegmentOrdinal,
    data: Arc<SegmentData>,
    live: Arc<Live>,
    /// The filter's documents (`None`: every document).
    filter: Option<Arc<Vec<u64>>>,
    bits: Vec<u64>,
    count: u32,
    top: TopK,
    facets: bool,
}

impl Collector for Scored<'_> {
    type Fruit = Found;
    type Child = SegmentScored;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentScored> {
        let data = self.cache.get(reader)?;
        let live = self.cache.live(reader, &data);
        let filter = if self.filter.is_all() {
            None
        } else {
            let set = self.filter.eval(reader, self.cache)?;
            Some(live_in(set, &live.words, reader.num_docs()).0)
        };
        Ok(SegmentScored {
            reader_docs: reader.num_docs(),
            segment_ord,
            data,
            live,
            filter,
            bits: vec![0; (reader.max_doc() as usize).div_ceil(64)],
            count: 0,
            top: TopK::new(self.page.wanted()),
            facets: self.facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFound>) -> tantivy::Result<Found> {
        Ok(merge(fruits, self.facets, self.page))
    }
}

impl SegmentCollector for SegmentScored {
    type Fruit = SegmentFound;

    #[inline]
    fn collect(&mut self, doc: DocId, score: Score) {
        if self.filter.as_ref().is_some_and(|f| !contains(f, doc)) {
            return;
        }
        if let Some(w) = self.bits.get_mut(doc as usize >> 6) {
            *w |= 1 << (doc & 63);
            self.count += 1;
            // Scores are not negative: their bits order as they do.
            self.top.push(u64::from(score.max(0.0).to_bits()), doc);
        }
    }

    fn harvest(self) -> SegmentFound {
        let counts = self.facets.then(|| {
            Arc::new(tag_counts(
                &self.data,
                &self.live,
                &self.bits,
                self.count,
                self.reader_docs,
            ))
        });
        let address = |doc: DocId| DocAddress::new(self.segment_ord, doc);
        let page = self
            .top
            .finish()
            .into_iter()
            .map(|(key, doc)| (key, address(doc), String::new()))
            .collect();
        SegmentFound {
            count: u64::from(self.count),
            data: self.data,
            counts,
            page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Counts by key, zeros left out.
    fn nonzero(pairs: impl IntoIterator<Item = (u32, u32)>) -> BTreeMap<u32, u32> {
        let mut map = BTreeMap::new();
        for (key, n) in pairs {
            *map.entry(key).or_default() += n;
        }
        map.retain(|_, n| *n > 0);
        map
    }

    fn merged(fruits: &[SegmentFound]) -> BTreeMap<u32, u32> {
        by_ordinal(&merge_counts(fruits))
    }

    fn by_ordinal(counts: &TagCounts) -> BTreeMap<u32, u32> {
        let mut pairs = Vec::new();
        counts.for_each(|ord, n| pairs.push((ord as u32, n)));
        nonzero(pairs)
    }

    const TAGS: u32 = 40;

    fn docs() -> impl Strategy<Value = Vec<(Vec<u32>, bool, bool)>> {
        // Each document: its tag ordinals (each once), whether it matches, whether it is
        // deleted afterwards.
        proptest::collection::vec(
            (
                proptest::collection::btree_set(0..TAGS, 0..8)
                    .prop_map(|set| set.into_iter().collect::<Vec<u32>>()),
                any::<bool>(),
                any::<bool>(),
            ),
            1..150,
        )
    }

    proptest! {
        /// The sparse count of a few matches against the dense one beside it: the same counts,
        /// before and after matches are deleted, and the same once segments are merged.
        #[test]
        fn sparse_counts_agree_with_dense_ones(
            first in docs(),
            second in docs(),
            dense in 0..4usize,
        ) {
            let mut merged_sparse = Vec::new();
            let mut merged_dense = Vec::new();
            let mut expected = Vec::new();
            for (s, docs) in [&first, &second].into_iter().enumerate() {
                // The two segments number the same tags differently.
                let tag_of: Vec<u32> = (0..TAGS).map(|o| ((o * [3, 7][s]) % TAGS) * 5 + 1).collect();
                let tags: Vec<Vec<u32>> = docs.iter().map(|d| d.0.clone()).collect();
                let data = Arc::new(SegmentData::for_tests(&tags, dense, tag_of.clone()));
                let mut ordinals = Vec::new();
                let mut reference = vec![0u32; TAGS as usize];
                for (doc, (tags, matches, _)) in docs.iter().enumerate() {
                    if *matches {
                        data.for_each_tag(doc as DocId, |ord| ordinals.push(ord as u32));
                        for &t in tags {
                            reference[t as usize] += 1;
                        }
                    }
                }
                let mut sparse = TagCounts::from_ordinals(ordinals);
                let mut dense_counts = TagCounts::Dense(reference.clone());
                prop_assert_eq!(by_ordinal(&sparse), by_ordinal(&dense_counts));
                for (doc, (tags, matches, deleted)) in docs.iter().enumerate() {
                    if *matches && *deleted {
                        sparse.uncount(&data, doc as DocId);
                        dense_counts.uncount(&data, doc as DocId);
                        for &t in tags {
                            reference[t as usize] -= 1;
                        }
                    }
                }
                let reference_map = nonzero(reference.iter().enumerate().map(|(o, n)| (o as u32, *n)));
                prop_assert_eq!(by_ordinal(&sparse), reference_map.clone());
                prop_assert_eq!(by_ordinal(&dense_counts), reference_map);
                expected.extend(reference.iter().enumerate().map(|(o, n)| (tag_of[o], *n)));
                let found = |counts: TagCounts| SegmentFound {
                    count: 0,
                    data: data.clone(),
                    counts: Some(Arc::new(counts)),
                    page: Vec::new(),
                };
                merged_sparse.push(found(sparse));
                merged_dense.push(found(dense_counts));
            }
            let expected = nonzero(expected);
            prop_assert_eq!(merged(&merged_sparse), expected.clone());
            prop_assert_eq!(merged(&merged_dense), expected.clone());
            // Sparse counts merge into sparse counts, ascending by tag id, with no zeros.
            let TagCounts::Sparse(pairs) = merge_counts(&merged_sparse) else {
                panic!("sparse counts merged into dense ones");
            };
            prop_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
            prop_assert!(pairs.iter().all(|(_, n)| *n > 0));
            // One of each kind merges the same.
            let mixed = vec![merged_sparse.remove(0), merged_dense.remove(1)];
            let mut mixed_expected = BTreeMap::new();
            for f in &mixed {
                if let Some(c) = &f.counts {
                    c.for_each(|ord, n| *mixed_expected.entry(f.data.tag_of[ord]).or_insert(0) += n);
                }
            }
            mixed_expected.retain(|_, n| *n > 0);
            prop_assert_eq!(merged(&mixed), mixed_expected);
        }
    }
}
