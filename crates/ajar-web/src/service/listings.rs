//! What listings show a viewer: a page of a tag's or a creator's works (from the search
//! index, or the store without one), a tag's summary and a creator's. The site's listing
//! pages, their feeds and the API all read them here, so each shows the same works with
//! the same counts.

use crate::auth::Ctx;
use crate::home::WORKS_PER_PAGE;
use crate::search::Sidebar;
use crate::{AppState, Error};
use ajar_core::{SeriesId, TagKind, TagName};
use ajar_search::{SearchRequest, Sort};
use ajar_store::{Audience, Pseud, Series, Store, WorkBlurb};

/// What a page of works lists.
pub(crate) enum WorkListing {
    /// Works carrying a tag of this name, of any kind.
    Tag(TagName),
    /// Works credited to this creator.
    Creator(String),
}

/// One page (1-based) of a listing, most recently updated first, and how many works it has
/// in all.
pub(crate) async fn works_page(
    store: &Store,
    ctx: &Ctx,
    listing: &WorkListing,
    page: u64,
) -> Result<(Vec<WorkBlurb>, u64), Error> {
    let offset = (page - 1).saturating_mul(u64::from(WORKS_PER_PAGE));
    let mut found = match listing {
        WorkListing::Tag(name) => {
            let muted = crate::access::muted(store, ctx).await?;
            store
                .works_tagged_for(
                    crate::access::audience(ctx),
                    &muted,
                    name,
                    WORKS_PER_PAGE,
                    offset,
                )
                .await?
        }
        WorkListing::Creator(name) => {
            let unseen = crate::spoilers::unseen(store, ctx).await?.hidden();
            store
                .works_by_creator(
                    crate::access::audience(ctx),
                    &unseen,
                    name,
                    WORKS_PER_PAGE,
                    offset,
                )
                .await?
        }
    };
    crate::access::own_counts(store, ctx, &mut found.0).await?;
    let unseen = crate::spoilers::unseen(store, ctx).await?;
    crate::spoilers::mark(store, &unseen, &mut found.0).await?;
    Ok(found)
}

/// One page (1-based) of the works carrying a tag of this name (any kind), from the search
/// index: the blurbs, the total, the filter sidebar with the facet counts of the same
/// search, and how many works the reader's spoiler filter left out. `None` when the index
/// cannot answer (no index, a page past its result window, or a failed search, which is
/// logged): the caller reads the store instead.
async fn tag_page_from_search(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    page: u64,
) -> Option<TagWorks> {
    let search = state.search.get()?;
    let per_page = u64::from(WORKS_PER_PAGE);
    if page.saturating_mul(per_page) > ajar_search::MAX_RESULT_WINDOW {
        return None;
    }
    let request = SearchRequest {
        include_tags: vec![name.as_str().to_owned()],
        sort: Some(Sort::Updated),
        page,
        per_page: WORKS_PER_PAGE,
        ..SearchRequest::default()
    };
    match crate::search::hydrate(search, &state.store, ctx, &request).await {
        Ok((results, blurbs)) => {
            let sidebar = Sidebar {
                personal: !ctx.is_guest(),
                ..Sidebar::new(&request, &results.facets)
            };
            Some(TagWorks {
                works: blurbs,
                total: results.total,
                sidebar: Some(sidebar),
                spoilers_hidden: results.spoilers_hidden,
                seen: String::new(),
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, tag = %name.as_str(), "a tag listing fell back to the store");
            None
        }
    }
}

/// One page (1-based, [`WORKS_PER_PAGE`] works) of the works credited to `pseud`, most
/// recently updated first, from the search index as `audience` may list them, and their
/// total. Nothing is left out for the reader's mutes: a creator's listing never did (they
/// went to that creator); works linked to the `unseen` canon entries are (spoilers).
/// `None` when the index cannot answer (as for [`tag_page_from_search`]): the caller
/// reads the store instead.
pub(crate) async fn creator_page_from_search(
    state: &AppState,
    pseud: &Pseud,
    audience: Audience,
    unseen: &[i64],
    page: u64,
) -> Option<(Vec<WorkBlurb>, u64)> {
    let search = state.search.get()?;
    if page.saturating_mul(u64::from(WORKS_PER_PAGE)) > ajar_search::MAX_RESULT_WINDOW {
        return None;
    }
    let request = SearchRequest {
        include_creator_ids: vec![pseud.id.0],
        include_restricted: audience == Audience::Members,
        unseen_canon: unseen.to_vec(),
        sort: Some(Sort::Updated),
        page,
        per_page: WORKS_PER_PAGE,
        facets: false,
        ..SearchRequest::default()
    };
    let found = async {
        let found = search.search(&request).await.map_err(|e| e.to_string())?;
        let ids: Vec<_> = found.hits.iter().map(|h| h.id).collect();
        let works = state
            .store
            .works_by_ids(audience, &ids)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((works, found.total))
    };
    match found.await {
        Ok(found) => Some(found),
        Err(e) => {
            tracing::warn!(error = %e, creator = %pseud.name, "a creator listing fell back to the store");
            None
        }
    }
}

/// One page of a creator's works as the current reader may list them, and their total: from
/// the search index, or the store without one.
async fn creator_works_page(
    state: &AppState,
    ctx: &Ctx,
    pseud: &Pseud,
    page: u64,
) -> Result<(Vec<WorkBlurb>, u64), Error> {
    let audience = crate::access::audience(ctx);
    let unseen = crate::spoilers::unseen(&state.store, ctx).await?;
    match creator_page_from_search(state, pseud, audience, &unseen.hidden(), page).await {
        Some((mut works, total)) => {
            crate::access::own_counts(&state.store, ctx, &mut works).await?;
            crate::spoilers::mark(&state.store, &unseen, &mut works).await?;
            Ok((works, total))
        }
        None => {
            works_page(
                &state.store,
                ctx,
                &WorkListing::Creator(pseud.name.clone()),
                page,
            )
            .await
        }
    }
}

/// What a tag's page says of it, for this viewer: its name as the works spell it, the
/// kinds it is used as with how many of the viewer's works carry it as each, and how many
/// carry it in all.
pub(crate) struct TagSummary {
    pub(crate) name: String,
    pub(crate) kinds: Vec<(TagKind, u64)>,
    pub(crate) total: u64,
    /// What wrangling says of it: canonical or not, synonyms, parents, meta and sub tags.
    pub(crate) wrangling: Option<ajar_store::TagState>,
    /// For a fandom with a canon timeline: "I've seen … up to" (HTML; empty otherwise).
    pub(crate) canon_pickers: String,
}

/// A tag as its page shows it to `ctx`'s viewer; not found when no work they may list
/// carries it (whatever drafts or hidden works use it: the same 404 as a name never used).
pub(crate) async fn tag_summary(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
) -> Result<TagSummary, Error> {
    let store = &state.store;
    let audience = crate::access::audience(ctx);
    let Some(display) = store.listed_tag_name(audience, name).await? else {
        return Err(Error::NotFound);
    };
    let muted = crate::access::muted(store, ctx).await?;
    let tags = store.tags_with_name(name).await?;
    let (mut kinds, total) =
        match crate::counts::tag_counts(state, name, &tags, audience, &muted).await? {
            Some(counted) => counted,
            None => {
                let tags = store.tags_named_for(audience, &muted, name).await?;
                let (_, total) = works_page(store, ctx, &WorkListing::Tag(name.clone()), 1).await?;
                (tags.into_iter().map(|t| (t.kind, t.works)).collect(), total)
            }
        };
    // Nor does the page name a kind only such works carry (unless the reader's own mutes
    // emptied every kind).
    if kinds.iter().any(|(_, works)| *works > 0) {
        kinds.retain(|(kind, works)| {
            *works > 0 || matches!(kind, TagKind::Rating | TagKind::Warning | TagKind::Category)
        });
    }
    let fandoms: Vec<ajar_core::TagId> = tags
        .iter()
        .filter(|(_, kind)| *kind == TagKind::Fandom)
        .map(|(id, _)| *id)
        .collect();
    let back = crate::tag_url::tag_href(display.as_str());
    Ok(TagSummary {
        name: display.as_str().to_owned(),
        kinds,
        total,
        wrangling: store.tag_state(name).await?,
        canon_pickers: crate::spoilers::pickers(store, ctx, &fandoms, &back).await?,
    })
}

/// Works shown on a creator's own page before "All works".
pub(crate) const CREATOR_PAGE_WORKS: usize = 5;

/// A creator as their page shows them to `ctx`'s viewer: the pseud, their latest works
/// (at most [`CREATOR_PAGE_WORKS`]) and how many works the viewer may list in all.
pub(crate) async fn creator_summary(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
) -> Result<(Pseud, Vec<WorkBlurb>, u64), Error> {
    let (creator, mut works, total) = creator_works_of(state, ctx, name, 1).await?;
    works.truncate(CREATOR_PAGE_WORKS);
    Ok((creator, works, total))
}

/// One page of a tag's works as the viewer may list them.
pub(crate) struct TagWorks {
    pub(crate) works: Vec<WorkBlurb>,
    pub(crate) total: u64,
    /// The filter sidebar with the facet counts, when the search index answered.
    pub(crate) sidebar: Option<Sidebar>,
    /// Works the reader's spoiler filter left out (counted when the search index answered).
    pub(crate) spoilers_hidden: u64,
    /// The reader's canon progress as a feed's address carries it (empty: none).
    pub(crate) seen: String,
}

/// The `page`th page (from 1) of the works carrying a tag of this name, most recently
/// updated first: from the search index, or the store without one. A name no work the
/// viewer may list carries is not found, nor is a page past the last.
pub(crate) async fn tag_works_page(
    state: &AppState,
    ctx: &Ctx,
    name: &TagName,
    page: u64,
) -> Result<TagWorks, Error> {
    let found = match tag_page_from_search(state, ctx, name, page).await {
        Some(found) => found,
        None => {
            let listing = WorkListing::Tag(name.clone());
            let (works, total) = works_page(&state.store, ctx, &listing, page).await?;
            TagWorks {
                works,
                total,
                sidebar: None,
                spoilers_hidden: 0,
                seen: String::new(),
            }
        }
    };
    let total = found.total;
    if total == 0
        && state
            .store
            .listed_tag_name(crate::access::audience(ctx), name)
            .await?
            .is_none()
    {
        return Err(Error::NotFound);
    }
    check_page(page, total, WORKS_PER_PAGE)?;
    let seen = crate::spoilers::progress(&state.store, ctx).await?.seen;
    Ok(TagWorks {
        seen: crate::spoilers::encode(&seen),
        ..found
    })
}

/// The creator (any pseud) called `name`, and the `page`th page (from 1) of their works as
/// the viewer may list them, with the total; no such creator, or a page past the last, is
/// not found.
pub(crate) async fn creator_works_of(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    page: u64,
) -> Result<(Pseud, Vec<WorkBlurb>, u64), Error> {
    let creator = state
        .store
        .pseud_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    let (works, total) = creator_works_page(state, ctx, &creator, page).await?;
    check_page(page, total, WORKS_PER_PAGE)?;
    Ok((creator, works, total))
}

/// A page (of `per_page` items) past the last one is no page at all (page 1 of an empty
/// listing exists).
pub(crate) fn check_page(page: u64, total: u64, per_page: u32) -> Result<(), Error> {
    let offset = page.saturating_sub(1).saturating_mul(u64::from(per_page));
    if page > 1 && offset >= total {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A series and its works as the viewer may list them, by part, with the counts they see
/// (see `access::own_counts`); not found when it has none they may list.
pub(crate) async fn series(state: &AppState, ctx: &Ctx, id: SeriesId) -> Result<Series, Error> {
    let mut series = state
        .store
        .series(crate::access::audience(ctx), id)
        .await?
        .ok_or(Error::NotFound)?;
    let (parts, mut works): (Vec<u32>, Vec<WorkBlurb>) =
        std::mem::take(&mut series.works).into_iter().unzip();
    crate::access::own_counts(&state.store, ctx, &mut works).await?;
    series.works = parts.into_iter().zip(works).collect();
    Ok(series)
}
