//! The tag graph as filters need it: which tag each synonym stands for, and which sub tags
//! each meta tag takes in. Works keep the tags their writers typed; a filter by a tag is a
//! filter by its whole family, worked out here once for the search index and the store.

use crate::TagId;
use std::collections::{HashMap, HashSet};

/// Synonyms and meta tags, from the store's `tags.merger_id` and `tag_meta` rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagGraph {
    /// The canonical tag of each synonym.
    merger: HashMap<TagId, TagId>,
    /// The synonyms of each canonical tag that has any.
    synonyms: HashMap<TagId, Vec<TagId>>,
    /// The direct sub tags of each meta tag.
    subs: HashMap<TagId, Vec<TagId>>,
}

impl TagGraph {
    /// The graph of these `(synonym, canonical)` and `(meta, sub)` pairs.
    pub fn new(
        mergers: impl IntoIterator<Item = (TagId, TagId)>,
        metas: impl IntoIterator<Item = (TagId, TagId)>,
    ) -> TagGraph {
        let mut graph = TagGraph::default();
        for (synonym, canonical) in mergers {
            if synonym != canonical {
                graph.merger.insert(synonym, canonical);
                graph.synonyms.entry(canonical).or_default().push(synonym);
            }
        }
        for (meta, sub) in metas {
            if meta != sub {
                graph.subs.entry(meta).or_default().push(sub);
            }
        }
        for list in graph.synonyms.values_mut().chain(graph.subs.values_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        graph
    }

    /// Whether no tag is a synonym or a meta tag.
    pub fn is_empty(&self) -> bool {
        self.merger.is_empty() && self.subs.is_empty()
    }

    /// The tag `id` stands for: its canonical tag when it is a synonym, else itself.
    pub fn canonical_of(&self, id: TagId) -> TagId {
        self.merger.get(&id).copied().unwrap_or(id)
    }

    /// Every synonym folded into another tag, with that tag.
    pub fn mergers(&self) -> impl Iterator<Item = (TagId, TagId)> + '_ {
        self.merger.iter().map(|(s, c)| (*s, *c))
    }

    /// Every tag a filter by any of `ids` takes in, sorted: each tag's canonical tag, that
    /// tag's synonyms, and its sub tags (through any depth) with their synonyms. A cycle of
    /// meta tags (the store refuses to make one) cannot loop here.
    pub fn expand(&self, ids: &[TagId]) -> Vec<TagId> {
        if self.is_empty() {
            let mut out = ids.to_vec();
            out.sort_unstable();
            out.dedup();
            return out;
        }
        let mut seen: HashSet<TagId> = HashSet::new();
        let mut out: Vec<TagId> = Vec::new();
        let mut stack: Vec<TagId> = Vec::new();
        for id in ids {
            // The typed tag itself stays in, whatever it stands for.
            if seen.insert(*id) {
                out.push(*id);
            }
            stack.push(self.canonical_of(*id));
        }
        while let Some(tag) = stack.pop() {
            if seen.insert(tag) {
                out.push(tag);
            }
            for synonym in self.synonyms.get(&tag).into_iter().flatten() {
                if seen.insert(*synonym) {
                    out.push(*synonym);
                }
            }
            for sub in self.subs.get(&tag).into_iter().flatten() {
                if !seen.contains(sub) {
                    stack.push(*sub);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[i64]) -> Vec<TagId> {
        list.iter().map(|i| TagId(*i)).collect()
    }

    #[test]
    fn a_filter_takes_in_synonyms_and_sub_tags_at_any_depth() {
        // 1 canonical with synonyms 2, 3; 4 a sub tag of 1 with synonym 5; 6 a sub of 4.
        let graph = TagGraph::new(
            [
                (TagId(2), TagId(1)),
                (TagId(3), TagId(1)),
                (TagId(5), TagId(4)),
            ],
            [(TagId(1), TagId(4)), (TagId(4), TagId(6))],
        );
        assert_eq!(graph.expand(&ids(&[1])), ids(&[1, 2, 3, 4, 5, 6]));
        // A synonym stands for its canonical tag and everything under it.
        assert_eq!(graph.expand(&ids(&[5])), ids(&[4, 5, 6]));
        assert_eq!(graph.expand(&ids(&[6])), ids(&[6]));
        assert_eq!(graph.expand(&ids(&[9, 9])), ids(&[9]));
        assert_eq!(graph.canonical_of(TagId(3)), TagId(1));
        assert_eq!(graph.canonical_of(TagId(1)), TagId(1));
    }

    #[test]
    fn a_cycle_of_meta_tags_ends() {
        let graph = TagGraph::new([], [(TagId(1), TagId(2)), (TagId(2), TagId(1))]);
        assert_eq!(graph.expand(&ids(&[2])), ids(&[1, 2]));
    }
}
