//! How many works each fandom has, as the reader asking may see them (restricted works for
//! logged-in readers, their mutes left out), for the home page's "Popular Fandoms" and the
//! fandoms index.
//!
//! The search index already keeps these counts: a search for every work with facets counts
//! each fandom's matches from per-segment bitsets in milliseconds, at a million works as at a
//! hundred. Counting in SQL walks every work's tags per fandom: minutes at 200,000 works on
//! SQLite. So the index answers when the server runs one (it follows every write within a
//! second); the SQL count is kept for a server without an index (tests with `app(store)`),
//! and as the reference the tests compare with.

use crate::{AppState, Error};
use ajar_core::{Media, TagId, TagKind, TagName};
use ajar_search::SearchRequest;
use ajar_store::{Audience, MediaFandoms, Muted, TagCount};
use std::collections::HashMap;

/// Every fandom that the reader's works carry, with how many of them carry it, by media kind
/// in [`Media::ALL`] order, fandoms by name; kinds without fandoms are left out.
pub(crate) async fn fandoms_by_media(state: &AppState) -> Result<Vec<MediaFandoms>, Error> {
    let audience = crate::access::audience();
    let muted = crate::access::muted(&state.store).await?;
    let Some(counts) = indexed_fandoms(state, audience, &muted).await? else {
        return Ok(state.store.fandoms_by_media_for(audience, &muted).await?);
    };
    let media: HashMap<TagId, Media> = state.store.fandom_media().await?.into_iter().collect();
    Ok(MediaFandoms::group(counts.into_iter().map(|fandom| {
        let kind = media
            .get(&fandom.id)
            .copied()
            .unwrap_or(Media::Uncategorized);
        (kind, fandom)
    })))
}

/// The `limit` fandoms with the most of the reader's works, most first (ties by name).
pub(crate) async fn popular_fandoms(
    state: &AppState,
    audience: Audience,
    muted: &Muted,
    limit: u32,
) -> Result<Vec<TagCount>, Error> {
    let Some(mut counts) = indexed_fandoms(state, audience, muted).await? else {
        return Ok(state
            .store
            .popular_fandoms_for(audience, muted, limit)
            .await?);
    };
    counts.sort_by_cached_key(|f| {
        (
            std::cmp::Reverse(f.works),
            f.name.as_str().to_lowercase(),
            f.id,
        )
    });
    counts.truncate(limit as usize);
    Ok(counts)
}

/// Every fandom's count from the index, or `None` when the server runs no index.
async fn indexed_fandoms(
    state: &AppState,
    audience: Audience,
    muted: &Muted,
) -> Result<Option<Vec<TagCount>>, Error> {
    let Some(search) = &state.search else {
        return Ok(None);
    };
    let request = SearchRequest {
        include_restricted: audience == Audience::Members,
        exclude_creator_ids: muted.pseud_ids.clone(),
        exclude_tag_ids: muted.tag_ids.iter().map(|id| TagId(*id)).collect(),
        facets: true,
        facet_limit: usize::MAX, // every fandom
        facet_kind: Some(TagKind::Fandom),
        per_page: 1,
        ..SearchRequest::default()
    };
    let found = search
        .search(&request)
        .await
        .map_err(|e| Error::Internal(format!("counting fandoms in the search index: {e}")))?;
    let fandoms = found
        .facets
        .into_iter()
        .filter(|group| group.kind == TagKind::Fandom)
        .flat_map(|group| group.tags)
        .filter_map(|tag| {
            Some(TagCount {
                id: tag.id,
                kind: TagKind::Fandom,
                name: TagName::parse(&tag.name).ok()?,
                works: tag.count,
            })
        })
        .collect();
    Ok(Some(fandoms))
}
