//! The filters of a search as a tree of document sets, worked out per segment as bitsets.
//!
//! Tantivy answers a boolean query document by document: for a filter matching most of a
//! million works, that is a million steps through posting lists and exclusions. Filters
//! need no scores, so here each leaf becomes a bitset (a common term's is kept between
//! searches, see `segment`), and AND, OR and NOT become word operations over a few
//! thousand words per segment. Words and phrases are still Tantivy's to find: such a leaf
//! runs its query without scores and keeps the documents it finds as a bitset.

use crate::segment::{set, SegmentCache};
use std::sync::Arc;
use tantivy::query::{ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

/// A set of works, as filters describe it.
#[derive(Debug)]
pub(crate) enum Plan {
    All,
    Nothing,
    /// Works with this indexed term (a tag id, a rating code, `complete`, a pseud id ...).
    Term(Term),
    /// Works with any of these terms (two or more; see `SegmentCache::union`).
    Terms(Vec<Term>),
    /// Works whose value of this fast field lies in the range (inclusive).
    Range {
        field: &'static str,
        lo: Option<u64>,
        hi: Option<u64>,
    },
    /// Works a Tantivy query finds (words and phrases).
    Query(Box<dyn Query>),
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
}

impl Plan {
    /// Works with any of these terms (none: no work).
    pub(crate) fn any_term(terms: impl IntoIterator<Item = Term>) -> Plan {
        let mut terms: Vec<Term> = terms.into_iter().collect();
        match terms.len() {
            0 => Plan::Nothing,
            1 => Plan::Term(terms.remove(0)),
            _ => Plan::Terms(terms),
        }
    }

    /// A hash of the plan's description, keyed by `state` (random per process, so nobody
    /// can write a search whose key is another's): two plans with one key find the same
    /// works in a segment (see `SegmentCache::matched`).
    pub(crate) fn key(&self, state: &std::hash::RandomState) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        /// Feeds what is written to a hasher, so a plan of thousands of terms is never
        /// one long string.
        struct Feed<H>(H);
        impl<H: Hasher> std::fmt::Write for Feed<H> {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0.write(s.as_bytes());
                Ok(())
            }
        }
        let mut feed = Feed(state.build_hasher());
        // Writing to a hasher cannot fail.
        let _ = std::fmt::write(&mut feed, format_args!("{self:?}"));
        feed.0.finish()
    }

    /// Makes the plan ready to run on each segment of `searcher` (queries become weights).
    pub(crate) fn prepare(&self, searcher: &Searcher) -> tantivy::Result<Prepared> {
        Ok(match self {
            Plan::All => Prepared::All,
            Plan::Nothing => Prepared::Nothing,
            Plan::Term(t) => Prepared::Term(t.clone()),
            Plan::Terms(t) => Prepared::Terms(t.clone()),
            Plan::Range { field, lo, hi } => match (lo, hi) {
                (None, None) => Prepared::All,
                (Some(lo), Some(hi)) if lo > hi => Prepared::Nothing,
                _ => Prepared::Range {
                    field,
                    lo: lo.unwrap_or(0),
                    hi: hi.unwrap_or(u64::MAX),
                },
            },
            Plan::Query(q) => {
                Prepared::Weight(q.weight(EnableScoring::disabled_from_searcher(searcher))?)
            }
            Plan::And(parts) => Prepared::And(
                parts
                    .iter()
                    .map(|p| p.prepare(searcher))
                    .collect::<tantivy::Result<_>>()?,
            ),
            Plan::Or(parts) => Prepared::Or(
                parts
                    .iter()
                    .map(|p| p.prepare(searcher))
                    .collect::<tantivy::Result<_>>()?,
            ),
            Plan::Not(inner) => Prepared::Not(Box::new(inner.prepare(searcher)?)),
        })
    }
}

/// A [`Plan`] ready to run on the segments of one searcher.
pub(crate) enum Prepared {
    All,
    Nothing,
    Term(Term),
    Terms(Vec<Term>),
    Range {
        field: &'static str,
        lo: u64,
        hi: u64,
    },
    Weight(Box<dyn Weight>),
    And(Vec<Prepared>),
    Or(Vec<Prepared>),
    Not(Box<Prepared>),
}

/// Documents of one segment: every one, none, or those of a bitset (deleted ones may be in
/// it; the caller intersects with the live documents once, at the end).
pub(crate) enum Set {
    All,
    Empty,
    Bits(Arc<Vec<u64>>),
}

impl Prepared {
    /// Whether the plan leaves every work in (no filter at all).
    pub(crate) fn is_all(&self) -> bool {
        matches!(self, Prepared::All)
    }

    /// The documents of `reader` in the set.
    pub(crate) fn eval(
        &self,
        reader: &SegmentReader,
        cache: &SegmentCache,
    ) -> tantivy::Result<Set> {
        let words = (reader.max_doc() as usize).div_ceil(64);
        Ok(match self {
            Prepared::All => Set::All,
            Prepared::Nothing => Set::Empty,
            Prepared::Term(term) => match cache.term(reader, term)? {
                Some(bits) => Set::Bits(bits),
                None => Set::Empty,
            },
            Prepared::Terms(terms) => match cache.union(reader, terms)? {
                Some(bits) => Set::Bits(bits),
                None => Set::Empty,
            },
            Prepared::Range { field, lo, hi } => {
                let column = reader.fast_fields().u64(field)?;
                // Tantivy's bitpacked columns shift the range by the segment's smallest value
                // with a saturating subtraction, so a range ending below that value becomes
                // "equal to the smallest value" and returns works outside it (tantivy 0.27).
                // Only the part of the range the segment's values span is asked for.
                let (lo, hi) = ((*lo).max(column.min_value()), (*hi).min(column.max_value()));
                if lo > hi {
                    return Ok(Set::Empty);
                }
                let mut docs: Vec<DocId> = Vec::new();
                column.get_docids_for_value_range(lo..=hi, 0..reader.max_doc(), &mut docs);
                if docs.is_empty() {
                    return Ok(Set::Empty);
                }
                let mut bits = vec![0u64; words];
                for doc in docs {
                    set(&mut bits, doc);
                }
                Set::Bits(Arc::new(bits))
            }
            Prepared::Weight(weight) => {
                let mut bits = vec![0u64; words];
                let mut any = false;
                weight.for_each_no_score(reader, &mut |docs: &[DocId]| {
                    any |= !docs.is_empty();
                    for &doc in docs {
                        set(&mut bits, doc);
                    }
                })?;
                if any {
                    Set::Bits(Arc::new(bits))
                } else {
                    Set::Empty
                }
            }
            Prepared::And(parts) => {
                let mut acc: Option<Arc<Vec<u64>>> = None;
                // What must be in first (it narrows most), then what must be left out.
                for part in parts.iter().filter(|p| !matches!(p, Prepared::Not(_))) {
                    match part.eval(reader, cache)? {
                        Set::All => {}
                        Set::Empty => return Ok(Set::Empty),
                        Set::Bits(bits) => {
                            acc = Some(match acc {
                                None => bits,
                                Some(mut a) => {
                                    and(Arc::make_mut(&mut a).as_mut_slice(), &bits[..]);
                                    a
                                }
                            })
                        }
                    }
                }
                for part in parts.iter() {
                    let Prepared::Not(inner) = part else { continue };
                    match inner.eval(reader, cache)? {
                        Set::All => return Ok(Set::Empty),
                        Set::Empty => {}
                        Set::Bits(bits) => {
                            let mut a = acc
                                .take()
                                .unwrap_or_else(|| Arc::new(vec![u64::MAX; words]));
                            and_not(Arc::make_mut(&mut a).as_mut_slice(), &bits[..]);
                            acc = Some(a);
                        }
                    }
                }
                match acc {
                    Some(bits) => Set::Bits(bits),
                    None => Set::All,
                }
            }
            Prepared::Or(parts) => {
                let mut acc: Option<Arc<Vec<u64>>> = None;
                for part in parts {
                    match part.eval(reader, cache)? {
                        Set::All => return Ok(Set::All),
                        Set::Empty => {}
                        Set::Bits(bits) => {
                            acc = Some(match acc {
                                None => bits,
                                Some(mut a) => {
                                    or(Arc::make_mut(&mut a).as_mut_slice(), &bits[..]);
                                    a
                                }
                            })
                        }
                    }
                }
                match acc {
                    Some(bits) => Set::Bits(bits),
                    None => Set::Empty,
                }
            }
            Prepared::Not(inner) => match inner.eval(reader, cache)? {
                Set::All => Set::Empty,
                Set::Empty => Set::All,
                Set::Bits(bits) => {
                    let mut all = vec![u64::MAX; words];
                    and_not(&mut all, &bits);
                    Set::Bits(Arc::new(all))
                }
            },
        })
    }
}

fn and(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
}

fn or(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x |= y;
    }
}

fn and_not(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= !y;
    }
}

/// The live documents of a segment in the set, and how many they are.
pub(crate) fn live_in(set: Set, live: &Arc<Vec<u64>>, num_alive: u32) -> (Arc<Vec<u64>>, u32) {
    match set {
        Set::All => (live.clone(), num_alive),
        Set::Empty => (Arc::new(vec![0; live.len()]), 0),
        Set::Bits(mut bits) => {
            let b = Arc::make_mut(&mut bits);
            and(b, live);
            let count = b.iter().map(|w| w.count_ones()).sum();
            (bits, count)
        }
    }
}

/// Works with any of a set of terms, as a constant-score Tantivy query read from the
/// segment cache's kept unions (see `SegmentCache::union`): the scored part of a bare-word
/// search names the same tags as its filter, so the two share one union per segment.
#[derive(Clone)]
pub(crate) struct TermsQuery {
    pub(crate) terms: Arc<Vec<Term>>,
    pub(crate) cache: Arc<SegmentCache>,
}

impl std::fmt::Debug for TermsQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermsQuery")
            .field("terms", &self.terms)
            .finish()
    }
}

impl Query for TermsQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for term in self.terms.iter() {
            visitor(term, false);
        }
    }
}

impl Weight for TermsQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.cache.union(reader, &self.terms)? {
            Some(bits) => Box::new(ConstScorer::new(Bits::new(bits), boost)),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("TermsQuery", scorer.score()))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} carries none of the terms"
            )))
        }
    }
}

/// The documents of a bitset, in order, as a Tantivy doc set.
pub(crate) struct Bits {
    bits: Arc<Vec<u64>>,
    /// The word being read, and its bits not yet returned.
    word: usize,
    rest: u64,
    doc: DocId,
    len: u32,
}

impl Bits {
    /// A doc set on its first document (as Tantivy's doc sets start).
    pub(crate) fn new(bits: Arc<Vec<u64>>) -> Bits {
        let len = bits.iter().map(|w| w.count_ones()).sum();
        let rest = bits.first().copied().unwrap_or(0);
        let mut set = Bits {
            bits,
            word: 0,
            rest,
            doc: 0,
            len,
        };
        set.next_set();
        set
    }

    fn next_set(&mut self) -> DocId {
        loop {
            if self.rest != 0 {
                let low = self.rest.trailing_zeros();
                self.rest &= self.rest - 1;
                self.doc = ((self.word as u32) << 6) | low;
                return self.doc;
            }
            self.word += 1;
            match self.bits.get(self.word) {
                Some(&w) => self.rest = w,
                None => {
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
            }
        }
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.next_set()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let word = (target >> 6) as usize;
        match self.bits.get(word) {
            Some(&w) => {
                self.word = word;
                self.rest = w & (u64::MAX << (target & 63));
                self.next_set()
            }
            None => {
                self.doc = TERMINATED;
                TERMINATED
            }
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_read_back_in_order_and_seek_forward() {
        let docs: Vec<DocId> = vec![0, 3, 63, 64, 65, 200, 511];
        let mut words = vec![0u64; 8];
        for &d in &docs {
            crate::segment::set(&mut words, d);
        }
        let mut set = Bits::new(Arc::new(words.clone()));
        let mut seen = Vec::new();
        while set.doc() != TERMINATED {
            seen.push(set.doc());
            set.advance();
        }
        assert_eq!(seen, docs);
        assert_eq!(set.advance(), TERMINATED);
        let mut set = Bits::new(Arc::new(words.clone()));
        assert_eq!(set.size_hint(), 7);
        assert_eq!(set.seek(4), 63);
        assert_eq!(set.seek(63), 63);
        assert_eq!(set.seek(66), 200);
        assert_eq!(set.seek(512), TERMINATED);
        assert!(Bits::new(Arc::new(vec![0; 3])).doc() == TERMINATED);
        assert!(Bits::new(Arc::new(Vec::new())).doc() == TERMINATED);
    }
}
