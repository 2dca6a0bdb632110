//! How many works pages count, as the reader asking may see them (restricted works for
//! logged-in readers, their mutes left out where the page leaves them out): each fandom's,
//! for the home page's "Popular Fandoms" and the fandoms index; each tag's of a name and
//! their total, for a tag's page; the archive's, for the home page.
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
use ajar_store::{Audience, MediaFandoms, Muted, TagCount};
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
