//! Exact tag counts over every matching work.
//!
//! Each segment's tag ids are copied once, when a reader first sees the segment, from the
//! `tag_ids` fast field into a compact in-memory list (offsets + ids, `u32`s); counting is
//! then one array increment per tag of each matching work, with no decoding. Counts are
//! exact, not estimates. Tag ids are small and dense, so counts live in a plain array.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// One segment's tag ids by document: `ids[offsets[d]..offsets[d + 1]]`.
pub(crate) struct SegmentTags {
    offsets: Vec<u32>,
    ids: Vec<u32>,
    max_id: u32,
}

impl SegmentTags {
    fn load(reader: &SegmentReader) -> tantivy::Result<SegmentTags> {
        let column = reader.fast_fields().u64("tag_ids")?;
        let max_doc = reader.max_doc();
        let mut offsets = Vec::with_capacity(max_doc as usize + 1);
        let mut ids = Vec::new();
        let mut max_id = 0u32;
        offsets.push(0);
        for doc in 0..max_doc {
            for id in column.values_for_doc(doc) {
                let id = u32::try_from(id).unwrap_or(u32::MAX);
                max_id = max_id.max(id);
                ids.push(id);
            }
            offsets.push(u32::try_from(ids.len()).unwrap_or(u32::MAX));
        }
        Ok(SegmentTags {
            offsets,
            ids,
            max_id,
        })
    }
}

/// Loaded segments, shared by every search; segments that are gone are dropped on reload.
#[derive(Default)]
pub(crate) struct TagCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentTags>>>,
}

impl TagCache {
    pub(crate) fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentTags>> {
        let id = reader.segment_id();
        if let Some(found) = self.segments.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(found);
        }
        let loaded = Arc::new(SegmentTags::load(reader)?);
        if let Ok(mut map) = self.segments.write() {
            map.insert(id, loaded.clone());
        }
        Ok(loaded)
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
        for reader in searcher.segment_readers() {
            self.get(reader)?;
        }
        Ok(())
    }
}

pub(crate) struct TagCounts<'a> {
    pub(crate) cache: &'a TagCache,
}

pub(crate) struct SegmentTagCounts {
    tags: Arc<SegmentTags>,
    counts: Vec<u32>,
}

impl Collector for TagCounts<'_> {
    /// (tag id, matching works) for every tag with at least one.
    type Fruit = Vec<(u64, u64)>;
    type Child = SegmentTagCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTagCounts> {
        let tags = self.cache.get(reader)?;
        let size = (tags.max_id as usize).saturating_add(1).min(1 << 26);
        Ok(SegmentTagCounts {
            tags,
            counts: vec![0; size],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, u64)>>) -> tantivy::Result<Vec<(u64, u64)>> {
        if fruits.len() == 1 {
            return Ok(fruits.into_iter().next().unwrap_or_default());
        }
        let mut merged: HashMap<u64, u64> = HashMap::new();
        for fruit in fruits {
            for (id, n) in fruit {
                *merged.entry(id).or_default() += n;
            }
        }
        Ok(merged.into_iter().collect())
    }
}

impl SegmentCollector for SegmentTagCounts {
    type Fruit = Vec<(u64, u64)>;

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        let d = doc as usize;
        let (Some(&start), Some(&end)) = (self.tags.offsets.get(d), self.tags.offsets.get(d + 1))
        else {
            return;
        };
        let Some(ids) = self.tags.ids.get(start as usize..end as usize) else {
            return;
        };
        for &id in ids {
            if let Some(slot) = self.counts.get_mut(id as usize) {
                *slot += 1;
            }
        }
    }

    fn harvest(self) -> Vec<(u64, u64)> {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(id, n)| (id as u64, u64::from(*n)))
            .collect()
    }
}
