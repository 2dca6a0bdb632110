//! One pass over the matching works that counts them, counts their tags exactly, and picks
//! one page of them by a numeric field.
//!
//! The pass itself only marks matching documents in a bitset; everything else is done from
//! per-segment structures built once, when a reader first sees the segment:
//!
//! - every document's tags as small ordinals, ranked by how many documents carry them, so
//!   the counters of the common tags share a few cache lines (tag ids run to the hundreds of
//!   thousands, and counting into an array that size misses the cache on every increment);
//! - the segment's tag histogram over its live documents, so that a search matching every
//!   work costs nothing to count, and one matching most works counts only those it leaves
//!   out and subtracts them;
//! - for each sortable counter and date, the documents in order, so that the first pages of
//!   a broad search are read off the front of that order instead of a heap of every match.
//!
//! Counts are exact, not estimates.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, RwLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::AliveBitSet;
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Marks an ordinal too large for one `u16` in [`SegmentData::ords`].
const WIDE: u16 = u16::MAX;

/// The numeric fields results can be ordered by, largest first.
pub(crate) const SORT_FIELDS: [&str; 7] = [
    "updated",
    "published",
    "kudos",
    "hits",
    "bookmarks",
    "comments",
    "words",
];

/// What is kept per segment; immutable, as segments are.
pub(crate) struct SegmentData {
    /// Tag ordinals by document, `ords[offsets[d]..offsets[d + 1]]`, as `u16`s: an ordinal
    /// from [`WIDE`] up is [`WIDE`] followed by its high and low halves. Counting is bound
    /// by reading these, so half the bytes is nearly half the time (and a million works'
    /// worth fits in the last-level cache).
    offsets: Vec<u32>,
    ords: Vec<u16>,
    /// Tag id by ordinal; ordinal 0 is the segment's most common tag.
    tag_of: Vec<u32>,
    /// Documents carrying each ordinal, deleted ones included.
    histogram: Arc<Vec<u32>>,
    /// Per entry of [`SORT_FIELDS`]: every document, largest value first (ties by doc id).
    orders: Vec<Vec<u32>>,
    max_tag: u32,
}

impl SegmentData {
    fn load(reader: &SegmentReader) -> tantivy::Result<SegmentData> {
        let column = reader.fast_fields().u64("tag_ids")?;
        let max_doc = reader.max_doc();
        let mut offsets = Vec::with_capacity(max_doc as usize + 1);
        let mut ids: Vec<u32> = Vec::new();
        let mut freq: Vec<u32> = Vec::new();
        offsets.push(0);
        for doc in 0..max_doc {
            for id in column.values_for_doc(doc) {
                // Ids beyond this are not tags the store makes; they are left uncounted.
                let Ok(id) = u32::try_from(id) else { continue };
                if id >= 1 << 26 {
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
        let mut ords: Vec<u16> = Vec::with_capacity(ids.len());
        for doc in 0..max_doc as usize {
            let (start, end) = (offsets[doc] as usize, offsets[doc + 1] as usize);
            offsets[doc] = u32::try_from(ords.len()).unwrap_or(u32::MAX);
            for id in &ids[start..end] {
                let ord = ord_of[*id as usize];
                match u16::try_from(ord) {
                    Ok(o) if o < WIDE => ords.push(o),
                    _ => ords.extend([WIDE, (ord >> 16) as u16, ord as u16]),
                }
            }
        }
        offsets[max_doc as usize] = u32::try_from(ords.len()).unwrap_or(u32::MAX);
        drop(ids);
        let histogram = tag_of.iter().map(|id| freq[*id as usize]).collect();
        let max_tag = tag_of.iter().copied().max().unwrap_or(0);
        let mut orders = Vec::with_capacity(SORT_FIELDS.len());
        for name in SORT_FIELDS {
            let column = reader.fast_fields().u64(name)?;
            let mut keyed: Vec<(u64, u32)> = (0..max_doc)
                .map(|d| (u64::MAX - column.first(d).unwrap_or(0), d))
                .collect();
            keyed.sort_unstable();
            orders.push(keyed.into_iter().map(|(_, d)| d).collect());
        }
        Ok(SegmentData {
            offsets,
            ords,
            tag_of,
            histogram: Arc::new(histogram),
            orders,
            max_tag,
        })
    }

    /// Calls `f` with the ordinal of each tag of `doc`.
    #[inline]
    fn for_each_tag(&self, doc: DocId, mut f: impl FnMut(usize)) {
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

    /// The histogram over live documents, given the deleted ones.
    fn live_histogram(&self, alive: &AliveBitSet, max_doc: DocId) -> Vec<u32> {
        let mut counts = self.histogram.as_ref().clone();
        for doc in (0..max_doc).filter(|d| alive.is_deleted(*d)) {
            self.for_each_tag(doc, |ord| {
                if let Some(c) = counts.get_mut(ord) {
                    *c = c.saturating_sub(1);
                }
            });
        }
        counts
    }
}

/// Loaded segments, shared by every search; segments that are gone are dropped on reload.
#[derive(Default)]
pub(crate) struct SegmentCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentData>>>,
    /// Histograms over live documents of segments with deletions, by how many are deleted
    /// (a segment's deletions only grow).
    live: RwLock<HashMap<SegmentId, LiveHistogram>>,
}

/// A segment's live-document histogram and the number of deletions it was counted at.
type LiveHistogram = (u32, Arc<Vec<u32>>);

impl SegmentCache {
    fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentData>> {
        let id = reader.segment_id();
        if let Some(found) = self.segments.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(found);
        }
        let loaded = Arc::new(SegmentData::load(reader)?);
        if let Ok(mut map) = self.segments.write() {
            map.insert(id, loaded.clone());
        }
        Ok(loaded)
    }

    fn live_histogram(&self, reader: &SegmentReader, data: &SegmentData) -> Arc<Vec<u32>> {
        let Some(alive) = reader.alive_bitset() else {
            return data.histogram.clone();
        };
        let id = reader.segment_id();
        let deleted = reader.num_deleted_docs();
        if let Some((n, found)) = self.live.read().ok().and_then(|m| m.get(&id).cloned()) {
            if n == deleted {
                return found;
            }
        }
        let counts = Arc::new(data.live_histogram(alive, reader.max_doc()));
        if let Ok(mut map) = self.live.write() {
            map.insert(id, (deleted, counts.clone()));
        }
        counts
    }

    /// Loads the segments of `searcher` that are new, and forgets those it no longer has.
    pub(crate) fn refresh(&self, searcher: &tantivy::Searcher) -> tantivy::Result<()> {
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        if let Ok(mut map) = self.segments.write() {
            map.retain(|id, _| live.contains(id));
        }
        if let Ok(mut map) = self.live.write() {
            map.retain(|id, _| live.contains(id));
        }
        for reader in searcher.segment_readers() {
            let data = self.get(reader)?;
            self.live_histogram(reader, &data);
        }
        Ok(())
    }
}

/// Which page to pick, by which entry of [`SORT_FIELDS`] (largest first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopBy {
    pub field: usize,
    pub offset: usize,
    pub limit: usize,
}

/// Counts the matching works, counts their tags (when `facets`), and picks a page (when
/// `top`); the documents' scores are not looked at.
pub(crate) struct Matches<'a> {
    pub cache: &'a SegmentCache,
    pub facets: bool,
    pub top: Option<TopBy>,
}

/// What [`Matches`] found.
pub(crate) struct Found {
    pub count: u64,
    /// Matching works by tag id (index), when facets were asked for.
    pub tag_counts: Vec<u32>,
    /// The page, in order, when a page was asked for.
    pub page: Vec<DocAddress>,
}

pub(crate) struct SegmentMatches {
    data: Arc<SegmentData>,
    live: Arc<Vec<u32>>,
    alive: Option<AliveBitSet>,
    num_alive: u32,
    max_doc: u32,
    bits: Vec<u64>,
    count: u32,
    facets: bool,
    top: Option<(usize, usize, Column<u64>)>,
    segment_ord: SegmentOrdinal,
}

pub(crate) struct SegmentFound {
    count: u64,
    data: Arc<SegmentData>,
    counts: Option<Vec<u32>>,
    /// (value, doc address), best first.
    page: Vec<(u64, DocAddress)>,
}

impl Collector for Matches<'_> {
    type Fruit = Found;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        let data = self.cache.get(reader)?;
        let live = if self.facets {
            self.cache.live_histogram(reader, &data)
        } else {
            data.histogram.clone()
        };
        let top = match self.top {
            Some(t) => {
                let name = SORT_FIELDS.get(t.field).copied().unwrap_or("updated");
                Some((
                    t.field,
                    t.offset.saturating_add(t.limit),
                    reader.fast_fields().u64(name)?,
                ))
            }
            None => None,
        };
        let max_doc = reader.max_doc();
        Ok(SegmentMatches {
            data,
            live,
            alive: reader.alive_bitset().cloned(),
            num_alive: reader.num_docs(),
            max_doc,
            bits: vec![0; (max_doc as usize).div_ceil(64)],
            count: 0,
            facets: self.facets,
            top,
            segment_ord,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFound>) -> tantivy::Result<Found> {
        let count = fruits.iter().map(|f| f.count).sum();
        let mut tag_counts = Vec::new();
        if self.facets {
            let size = fruits
                .iter()
                .filter(|f| f.counts.is_some())
                .map(|f| f.data.max_tag as usize + 1)
                .max()
                .unwrap_or(0);
            tag_counts = vec![0u32; size];
            for f in &fruits {
                let Some(counts) = &f.counts else { continue };
                for (ord, &n) in counts.iter().enumerate() {
                    if n > 0 {
                        if let Some(slot) = f
                            .data
                            .tag_of
                            .get(ord)
                            .and_then(|id| tag_counts.get_mut(*id as usize))
                        {
                            *slot += n;
                        }
                    }
                }
            }
        }
        let mut page = Vec::new();
        if let Some(top) = self.top {
            // Each segment's list is in order already: merge them, stopping at the page.
            let mut lists: Vec<std::vec::IntoIter<(u64, DocAddress)>> =
                fruits.into_iter().map(|f| f.page.into_iter()).collect();
            let mut heads: BinaryHeap<(u64, Reverse<DocAddress>, usize)> = BinaryHeap::new();
            for (i, list) in lists.iter_mut().enumerate() {
                if let Some((v, a)) = list.next() {
                    heads.push((v, Reverse(a), i));
                }
            }
            let mut rank = 0;
            while let Some((_, Reverse(address), i)) = heads.pop() {
                if rank >= top.offset {
                    page.push(address);
                    if page.len() >= top.limit {
                        break;
                    }
                }
                rank += 1;
                if let Some((v, a)) = lists.get_mut(i).and_then(|l| l.next()) {
                    heads.push((v, Reverse(a), i));
                }
            }
        }
        Ok(Found {
            count,
            tag_counts,
            page,
        })
    }
}

impl SegmentMatches {
    #[inline]
    fn matches(&self, doc: DocId) -> bool {
        self.bits
            .get(doc as usize >> 6)
            .is_some_and(|w| w & (1 << (doc & 63)) != 0)
    }

    /// Calls `f` with every matching document, in order.
    fn for_each_match(&self, mut f: impl FnMut(DocId)) {
        for (i, &word) in self.bits.iter().enumerate() {
            let mut w = word;
            while w != 0 {
                let bit = w.trailing_zeros();
                f(((i as u32) << 6) | bit);
                w &= w - 1;
            }
        }
    }

    fn tag_counts(&self) -> Vec<u32> {
        let data = &self.data;
        if self.count == self.num_alive {
            return self.live.as_ref().clone();
        }
        if u64::from(self.count) * 2 > u64::from(self.num_alive) {
            // Most works match: count those that do not, and take them off the whole.
            let mut counts = self.live.as_ref().clone();
            for (i, &word) in self.bits.iter().enumerate() {
                let mut w = !word;
                while w != 0 {
                    let doc = ((i as u32) << 6) | w.trailing_zeros();
                    w &= w - 1;
                    if doc >= self.max_doc {
                        break;
                    }
                    if self.alive.as_ref().is_some_and(|a| a.is_deleted(doc)) {
                        continue;
                    }
                    // Ordinals are below the histogram's length by construction.
                    data.for_each_tag(doc, |ord| counts[ord] = counts[ord].wrapping_sub(1));
                }
            }
            return counts;
        }
        let mut counts = vec![0u32; data.tag_of.len()];
        self.for_each_match(|doc| {
            data.for_each_tag(doc, |ord| counts[ord] += 1);
        });
        counts
    }

    /// The best `k` matches by the field, best first.
    fn page(&self, field: usize, k: usize, column: &Column<u64>) -> Vec<(u64, DocAddress)> {
        let count = self.count as usize;
        if k == 0 || count == 0 {
            return Vec::new();
        }
        let value = |doc: DocId| column.first(doc).unwrap_or(0);
        let address = |doc: DocId| DocAddress::new(self.segment_ord, doc);
        // Walking the whole order reads about k × live / matching entries; a heap reads
        // every match once.
        let walk = (k as u64).saturating_mul(u64::from(self.num_alive))
            <= (count as u64).saturating_mul(count as u64);
        if let (true, Some(order)) = (walk, self.data.orders.get(field)) {
            return order
                .iter()
                .copied()
                .filter(|d| self.matches(*d))
                .take(k)
                .map(|d| (value(d), address(d)))
                .collect();
        }
        // Best first: larger value, then smaller doc id. Documents come in increasing id,
        // so once the buffer is cut to k, only a strictly larger value can enter.
        let better = |a: &(u64, DocId), b: &(u64, DocId)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let cap = k.saturating_mul(2).max(64);
        let mut buffer: Vec<(u64, DocId)> = Vec::with_capacity(cap.min(count));
        let mut floor: Option<u64> = None;
        self.for_each_match(|doc| {
            let v = value(doc);
            if floor.is_some_and(|f| v <= f) {
                return;
            }
            buffer.push((v, doc));
            if buffer.len() >= cap {
                buffer.select_nth_unstable_by(k - 1, better);
                buffer.truncate(k);
                floor = buffer.iter().map(|(v, _)| *v).min();
            }
        });
        buffer.sort_unstable_by(better);
        buffer.truncate(k);
        buffer.into_iter().map(|(v, d)| (v, address(d))).collect()
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = SegmentFound;

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(w) = self.bits.get_mut(doc as usize >> 6) {
            *w |= 1 << (doc & 63);
            self.count += 1;
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for &doc in docs {
            self.collect(doc, 0.0);
        }
    }

    fn harvest(self) -> SegmentFound {
        let counts = self.facets.then(|| self.tag_counts());
        let page = match &self.top {
            Some((field, k, column)) => self.page(*field, *k, column),
            None => Vec::new(),
        };
        SegmentFound {
            count: u64::from(self.count),
            data: self.data,
            counts,
            page,
        }
    }
}
