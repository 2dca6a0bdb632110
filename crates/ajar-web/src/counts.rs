//! How many works pages count, as the reader asking may see them (restricted works for
//! logged-in readers, their mutes left out where the page leaves them out): each fandom's,
//! for the home page's "Popular Fandoms" and the fandoms index; each tag's of a name and
//! their total, for a tag's page; the archive's, for the home page; and every tag a creator
//! types in, for the tag fields' suggestions.
//!
//! The search index already keeps these counts: a search counts its matches from
//! per-segment bitsets in milliseconds, at a million works as at a hundred, and its facets
//! count every fandom at once. Counting in SQL walks every work of a tag: a second for a big
//! tag at 200,000 works, minutes for every fandom on SQLite. So the index answers when the
//! server runs one (it follows every write within a second); the SQL count is kept for a
//! server without an index (tests with `app(store)`), and as the reference the tests compare
//! with.

use crate::{AppState, Error};
use ajar_core::{Media, TagId, TagKind, TagName};
use ajar_search::{FacetCount, Search, SearchRequest};
use ajar_store::{Audience, MediaFandoms, Muted, TagCount, TagSuggestion};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every fandom that the reader's works carry, with how many of them carry it, by media kind
/// in [`Media::ALL`] order, fandoms by name; kinds without fandoms are left out.
pub(crate) async fn fandoms_by_media(
    state: &AppState,
    ctx: &crate::auth::Ctx,
) -> Result<Vec<MediaFandoms>, Error> {
    let audience = crate::access::audience(ctx);
    let muted = crate::access::muted(&state.store, ctx).await?;
    let Some(counts) = indexed_fandoms(state, audience, &muted).await? else {
        return Ok(state.store.fandoms_by_media_for(audience, &muted).await?);
    };
    let media: HashMap<TagId, Media> = state.store.fandom_media().await?.into_iter().collect();
    Ok(MediaFandoms::group(counts.iter().map(|fandom| {
        let kind = media
            .get(&fandom.id)
            .copied()
            .unwrap_or(Media::Uncategorized);
        (kind, fandom.clone())
    })))
}

/// The `limit` fandoms with the most of the reader's works, most first (ties by name).
pub(crate) async fn popular_fandoms(
    state: &AppState,
    audience: Audience,
    muted: &Muted,
    limit: u32,
) -> Result<Vec<TagCount>, Error> {
    let Some(counts) = indexed_fandoms(state, audience, muted).await? else {
        return Ok(state
            .store
            .popular_fandoms_for(audience, muted, limit)
            .await?);
    };
    Ok(most_works(&counts, limit as usize))
}

/// The `limit` fandoms of `counts` with the most works, most first, ties by name and id.
/// Only the fandoms that can make the cut are sorted (and their names lowercased): the
/// index counts thousands.
fn most_works(counts: &[TagCount], limit: usize) -> Vec<TagCount> {
    if limit == 0 {
        return Vec::new();
    }
    let mut works: Vec<u64> = counts.iter().map(|f| f.works).collect();
    let cutoff = if works.len() > limit {
        *works
            .select_nth_unstable_by_key(limit - 1, |w| std::cmp::Reverse(*w))
            .1
    } else {
        0
    };
    let mut top: Vec<&TagCount> = counts.iter().filter(|f| f.works >= cutoff).collect();
    top.sort_by_cached_key(|f| {
        (
            std::cmp::Reverse(f.works),
            f.name.as_str().to_lowercase(),
            f.id,
        )
    });
    top.into_iter().take(limit).cloned().collect()
}

/// How long every fandom's count is kept at most, even when the index looks unchanged.
const FANDOM_COUNTS_TTL: Duration = Duration::from_secs(5);

/// Every fandom's count as guests, and as members, see them (no mutes): counted once and
/// shared by the home page and the fandom pages until the search index applies another
/// change (`Search::applied_seq`, read before counting, so a count is never labelled newer
/// than it is) or [`FANDOM_COUNTS_TTL`] passes. Counting every fandom at once is the
/// costliest part of those pages (30–40 ms at a million works); keyed on the store's data
/// version instead, every kudos and comment threw the count away. A reader with mutes gets
/// this count less what their mutes remove (see [`indexed_fandoms`]).
#[derive(Clone, Default)]
pub(crate) struct FandomCounts {
    public: Arc<Mutex<Option<Counted>>>,
    members: Arc<Mutex<Option<Counted>>>,
}

struct Counted {
    at: Instant,
    version: Option<u64>,
    fandoms: Arc<Vec<TagCount>>,
}

impl FandomCounts {
    async fn get(
        &self,
        search: &Search,
        version: Option<u64>,
        audience: Audience,
    ) -> Result<Arc<Vec<TagCount>>, Error> {
        let slot = match audience {
            Audience::Public => &self.public,
            Audience::Members => &self.members,
        };
        {
            let counted = slot.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = counted.as_ref() {
                if c.version == version && c.at.elapsed() < FANDOM_COUNTS_TTL {
                    return Ok(c.fandoms.clone());
                }
            }
        }
        let fandoms =
            Arc::new(count_fandoms(search, &counting(audience, &Muted::default())).await?);
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Counted {
            at: Instant::now(),
            version,
            fandoms: fandoms.clone(),
        });
        Ok(fandoms)
    }
}

/// Every fandom's count from the index, or `None` when the server runs no index. A reader
/// with mutes gets the shared count less what their mutes remove, counted by a search of
/// only the works they muted: as costly as the mutes are wide, where counting the rest
/// again costs as much as the whole archive.
async fn indexed_fandoms(
    state: &AppState,
    audience: Audience,
    muted: &Muted,
) -> Result<Option<Arc<Vec<TagCount>>>, Error> {
    let Some(search) = state.search.get() else {
        return Ok(None);
    };
    let version = u64::try_from(search.applied_seq()).ok();
    let shared = state.fandom_counts.get(search, version, audience).await?;
    if muted.is_empty() {
        return Ok(Some(shared));
    }
    // Only ids and counts are needed: no name is parsed for what is subtracted.
    let removed: HashMap<TagId, u64> = fandom_facets(
        search,
        &SearchRequest {
            only_excluded: true,
            ..counting(audience, muted)
        },
    )
    .await?
    .into_iter()
    .map(|fandom| (fandom.id, fandom.count))
    .collect();
    if removed.is_empty() {
        return Ok(Some(shared));
    }
    let left = shared
        .iter()
        .filter_map(|fandom| {
            let works = fandom
                .works
                .saturating_sub(removed.get(&fandom.id).copied().unwrap_or(0));
            (works > 0).then(|| TagCount {
                works,
                ..fandom.clone()
            })
        })
        .collect();
    Ok(Some(Arc::new(left)))
}

/// Counts every fandom's works among those `request` finds.
async fn count_fandoms(search: &Search, request: &SearchRequest) -> Result<Vec<TagCount>, Error> {
    Ok(fandom_facets(search, request)
        .await?
        .into_iter()
        .filter_map(|tag| {
            Some(TagCount {
                id: tag.id,
                kind: TagKind::Fandom,
                name: TagName::parse(&tag.name).ok()?,
                works: tag.count,
            })
        })
        .collect())
}

/// Every fandom the works `request` finds carry, with how many of them carry it, as the
/// index names them.
async fn fandom_facets(search: &Search, request: &SearchRequest) -> Result<Vec<FacetCount>, Error> {
    let request = SearchRequest {
        facets: true,
        facet_limit: usize::MAX, // every fandom
        facet_kind: Some(TagKind::Fandom),
        ..request.clone()
    };
    let found = search
        .search(&request)
        .await
        .map_err(|e| Error::Internal(format!("counting fandoms in the search index: {e}")))?;
    Ok(found
        .facets
        .into_iter()
        .filter(|group| group.kind == TagKind::Fandom)
        .flat_map(|group| group.tags)
        .collect())
}

/// A search that only counts: the works `audience` may list, without those `muted` leaves
/// out, no facets, one result (a page cannot be empty).
fn counting(audience: Audience, muted: &Muted) -> SearchRequest {
    SearchRequest {
        include_restricted: audience == Audience::Members,
        exclude_creator_ids: muted.pseud_ids.clone(),
        exclude_tag_ids: muted.tag_ids.iter().map(|id| TagId(*id)).collect(),
        facets: false,
        per_page: 1,
        ..SearchRequest::default()
    }
}

/// How many works `request` finds.
async fn total(search: &Search, request: &SearchRequest) -> Result<u64, Error> {
    let found = search
        .search(request)
        .await
        .map_err(|e| Error::Internal(format!("counting works in the search index: {e}")))?;
    Ok(found.total)
}

/// A tag page's counts from the index: each of `tags` (every tag of one name, see
/// `Store::tags_with_name`) with its works, and how many works carry any of them, as the
/// reader may list them (their mutes left out). `None` when the server runs no index.
pub(crate) async fn tag_counts(
    state: &AppState,
    name: &TagName,
    tags: &[(TagId, TagKind)],
    audience: Audience,
    muted: &Muted,
) -> Result<Option<(Vec<(TagKind, u64)>, u64)>, Error> {
    let Some(search) = state.search.get() else {
        return Ok(None);
    };
    let mut kinds = Vec::with_capacity(tags.len());
    for (id, kind) in tags {
        let request = SearchRequest {
            include_tag_ids: vec![*id],
            ..counting(audience, muted)
        };
        kinds.push((*kind, total(search, &request).await?));
    }
    // A work can carry a name twice (a fandom and a character of one name): their union is
    // a search of its own, needed only then.
    let works = match kinds.as_slice() {
        [] => 0,
        [(_, works)] => *works,
        _ => {
            let request = SearchRequest {
                include_tags: vec![name.as_str().to_owned()],
                ..counting(audience, muted)
            };
            total(search, &request).await?
        }
    };
    Ok(Some((kinds, works)))
}

/// How many works the home page lists for the reader, as it always has: without the works of
/// the people they muted (their muted tags are for tag pages and searches). `None` when the
/// server runs no index.
pub(crate) async fn listed_works(
    state: &AppState,
    audience: Audience,
    muted_pseuds: Vec<i64>,
) -> Result<Option<u64>, Error> {
    let Some(search) = state.search.get() else {
        return Ok(None);
    };
    let request = SearchRequest {
        exclude_creator_ids: muted_pseuds,
        ..counting(audience, &Muted::default())
    };
    Ok(Some(total(search, &request).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Picking the most popular fandoms from the few that can make the cut gives what
        /// sorting every fandom gives.
        #[test]
        fn most_works_is_the_front_of_the_whole_order(
            fandoms in proptest::collection::vec((0u64..6, "[a-cA-C]{1,2}"), 0..40),
            limit in 0usize..12,
        ) {
            let counts: Vec<TagCount> = fandoms
                .into_iter()
                .enumerate()
                .map(|(i, (works, name))| TagCount {
                    id: TagId(i as i64 + 1),
                    kind: TagKind::Fandom,
                    name: TagName::parse(&name).unwrap(),
                    works,
                })
                .collect();
            let mut sorted = counts.clone();
            sorted.sort_by_key(|f| {
                (std::cmp::Reverse(f.works), f.name.as_str().to_lowercase(), f.id)
            });
            sorted.truncate(limit);
            prop_assert_eq!(most_works(&counts, limit), sorted);
        }
    }
}

/// How long the tag fields' suggestions are kept at most while the index applies no change.
const SUGGESTIONS_TTL: Duration = Duration::from_secs(60);

/// How long they are kept at least, as a multiple of what counting them took (and at least a
/// second): on a busy archive the index applies a change every fraction of a second, and
/// counting every tag again each time would keep a core busy.
const SUGGESTIONS_MIN_AGE: u32 = 20;

/// Every tag a creator types in (fandoms, relationships, characters, additional tags) with
/// the public works that carry it, for the tag fields' suggestions: counted from the index's
/// facets (synonyms folded into their canonical tags, as every count is) and shared. Once
/// the index has applied another change and the count is older than
/// [`SUGGESTIONS_MIN_AGE`] times what counting took, the next request starts a count in the
/// background and is answered from the one kept; only the first request of a server waits
/// for a count. Counting in SQL summed every matching tag's works per keystroke: 0.6–1 s at
/// a million works.
#[derive(Clone, Default)]
pub(crate) struct TypedTags {
    slot: Arc<Mutex<Option<TagsCounted>>>,
    counting: Arc<std::sync::atomic::AtomicBool>,
}

struct TagsCounted {
    at: Instant,
    took: Duration,
    version: Option<u64>,
    tags: Arc<Vec<TypedTag>>,
}

struct TypedTag {
    kind: TagKind,
    name: String,
    /// The name lowercased, as the store's `name_key`.
    key: String,
    uses: u64,
    canonical: bool,
}

impl TypedTags {
    async fn get(&self, state: &AppState, search: &Search) -> Result<Arc<Vec<TypedTag>>, Error> {
        let version = u64::try_from(search.applied_seq()).ok();
        let kept = {
            let counted = self.slot.lock().unwrap_or_else(|e| e.into_inner());
            counted.as_ref().map(|c| {
                let age = c.at.elapsed();
                let min_age = (c.took * SUGGESTIONS_MIN_AGE).max(Duration::from_secs(1));
                let fresh = (c.version == version && age < SUGGESTIONS_TTL) || age < min_age;
                (c.tags.clone(), fresh)
            })
        };
        match kept {
            Some((tags, true)) => Ok(tags),
            Some((tags, false)) => {
                self.count_in_background(state.clone());
                Ok(tags)
            }
            None => self.count(state, search, version).await,
        }
    }

    fn count_in_background(&self, state: AppState) {
        use std::sync::atomic::Ordering;
        if self.counting.swap(true, Ordering::AcqRel) {
            return; // already under way
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Some(search) = state.search.get() {
                let version = u64::try_from(search.applied_seq()).ok();
                if let Err(e) = this.count(&state, search, version).await {
                    tracing::warn!(error = %e, "counting the tag suggestions failed");
                }
            }
            this.counting.store(false, Ordering::Release);
        });
    }

    /// Counts every typed tag, keeps the count, and answers it. `version` is the index's,
    /// read before counting, so a count is never labelled newer than it is.
    async fn count(
        &self,
        state: &AppState,
        search: &Search,
        version: Option<u64>,
    ) -> Result<Arc<Vec<TypedTag>>, Error> {
        let started = Instant::now();
        let canonical: std::collections::HashSet<TagId> = state
            .store
            .canonical_typed_tags()
            .await?
            .into_iter()
            .collect();
        let mut tags = Vec::new();
        for kind in ajar_core::TagKind::TYPED {
            let request = SearchRequest {
                facets: true,
                facet_limit: usize::MAX,
                facet_kind: Some(kind),
                ..counting(Audience::Public, &Muted::default())
            };
            let found = search
                .search(&request)
                .await
                .map_err(|e| Error::Internal(format!("counting tags in the search index: {e}")))?;
            let counted = found.facets.into_iter().filter(|g| g.kind == kind);
            tags.extend(counted.flat_map(|g| g.tags).map(|tag| TypedTag {
                kind,
                key: ajar_store::name_key(&tag.name),
                canonical: canonical.contains(&tag.id),
                name: tag.name,
                uses: tag.count,
            }));
        }
        let tags = Arc::new(tags);
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(TagsCounted {
            at: Instant::now(),
            took: started.elapsed(),
            version,
            tags: tags.clone(),
        });
        Ok(tags)
    }
}

/// Tags whose name has `query` in it (any case), of `kind` or of any kind a creator types
/// in, as `Store::tag_suggestions` orders them: the canonical first, then those whose name
/// starts with it, then the most used, then by name and kind; at most `limit`. From the
/// index when the server runs one, else from the store.
pub(crate) async fn tag_suggestions(
    state: &AppState,
    kind: Option<TagKind>,
    query: &str,
    limit: usize,
) -> Result<Vec<TagSuggestion>, Error> {
    let key = ajar_store::name_key(query.trim());
    let Some(search) = state.search.get() else {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        return Ok(state.store.tag_suggestions(kind, query, limit).await?);
    };
    if key.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let tags = state.typed_tags.get(state, search).await?;
    // One searcher for every name: `str::contains` sets one up per name, which was most of
    // the time of a keystroke over a million works' tags.
    let finder = memchr::memmem::Finder::new(key.as_bytes());
    let mut found: Vec<&TypedTag> = tags
        .iter()
        .filter(|t| kind.is_none_or(|k| t.kind == k) && finder.find(t.key.as_bytes()).is_some())
        .collect();
    let order = |a: &&TypedTag, b: &&TypedTag| {
        let rank = |t: &TypedTag| (!t.canonical, !t.key.starts_with(&key), Reverse(t.uses));
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.kind.code().cmp(b.kind.code()))
    };
    // A short query matches thousands of tags: only the first `limit` are put in order.
    if found.len() > limit {
        found.select_nth_unstable_by(limit - 1, order);
        found.truncate(limit);
    }
    found.sort_by(order);
    Ok(found
        .into_iter()
        .map(|t| TagSuggestion {
            kind: t.kind,
            name: t.name.clone(),
            uses: t.uses,
        })
        .collect())
}
