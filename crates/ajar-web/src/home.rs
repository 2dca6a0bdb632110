//! The home page: a search box, the most popular fandoms, and the archive's most recently
//! updated works, a page at a time.

use crate::cache::{self, CachedPage, Rendered};
use crate::prefs::ReaderPrefs;
use crate::tag_url::tag_works_href;
use crate::views::{thousands, Blurb, Layout, Pagination, Section};
use crate::{AppState, Error};
use ajar_store::TagCount;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{OriginalUri, Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Works per listing page (AO3 shows 20).
pub(crate) const WORKS_PER_PAGE: u32 = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// Fandoms the home page shows.
const POPULAR_FANDOMS: u32 = 10;

#[derive(Deserialize)]
pub(crate) struct ListingQuery {
    pub(crate) page: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    query: Result<Query<ListingQuery>, QueryRejection>,
) -> Result<CachedPage, Error> {
    let page = page_number(query.ok().and_then(|Query(q)| q.page))?;
    let key = cache::key(uri.0.path_and_query().map_or("/", |p| p.as_str()), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let mut home = recent_works(&state, &ctx, page).await?;
            if page == 1 {
                // Shared by every reader without mutes (see `counts::FandomCounts`).
                let audience = crate::access::audience(&ctx);
                let muted = crate::access::muted(&state.store, &ctx).await?;
                home.fandoms =
                    crate::counts::popular_fandoms(&state, audience, &muted, POPULAR_FANDOMS)
                        .await?
                        .into_iter()
                        .map(FandomLink::from)
                        .collect();
            }
            home.layout =
                std::mem::replace(&mut home.layout, Layout::new(None, "")).with_prefs(prefs);
            Rendered::page(&home)
        })
        .await?;
    Ok(CachedPage(rendered))
}

/// `?page=N`: absent means 1; zero or not a number is no page at all.
pub(crate) fn page_number(page: Option<String>) -> Result<u64, Error> {
    match page {
        None => Ok(1),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Error::NotFound),
        },
    }
}

async fn recent_works(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    page: u64,
) -> Result<HomePage, Error> {
    let store = &state.store;
    let per_page = u64::from(WORKS_PER_PAGE);
    // The reader's own view: without the works of people they muted.
    let audience = crate::access::audience(ctx);
    let muted_by = ctx.viewer.user_id();
    let muted_pseuds = match muted_by {
        Some(user) => store.muted_pseud_ids(user).await?,
        None => Vec::new(),
    };
    // Nor, for a reader who follows a canon, the works that spoil what they have not seen:
    // the index leaves those out (the store's list of recent works cannot).
    let unseen = crate::spoilers::unseen(store, ctx).await?;
    if let Some(search) = state.search.get().filter(|_| !unseen.hidden().is_empty()) {
        let request = ajar_search::SearchRequest {
            exclude_creator_ids: muted_pseuds.clone(),
            unseen_canon: unseen.hidden(),
            include_restricted: audience == ajar_store::Audience::Members,
            sort: Some(ajar_search::Sort::Updated),
            page,
            per_page: WORKS_PER_PAGE,
            facets: false,
            ..ajar_search::SearchRequest::default()
        };
        if page.saturating_mul(per_page) <= ajar_search::MAX_RESULT_WINDOW {
            let found = search
                .search(&request)
                .await
                .map_err(|e| Error::Internal(format!("the home page's works: {e}")))?;
            if page > 1 && found.hits.is_empty() {
                return Err(Error::NotFound);
            }
            let ids: Vec<_> = found.hits.iter().map(|h| h.id).collect();
            let mut works = store.works_by_ids(audience, &ids).await?;
            crate::access::own_counts(store, ctx, &mut works).await?;
            return Ok(HomePage::new(
                works.into_iter().map(Blurb::from).collect(),
                page,
                found.total,
            ));
        }
    }
    // Counted by the search index when there is one: SQL counts every listed work.
    let total = match crate::counts::listed_works(state, audience, muted_pseuds).await? {
        Some(total) => total,
        None => store.listed_work_count(audience, muted_by).await?,
    };
    let offset = (page - 1).saturating_mul(per_page);
    if page > 1 && offset >= total {
        return Err(Error::NotFound);
    }
    let mut works = store
        .recent_works(audience, muted_by, WORKS_PER_PAGE, offset)
        .await?;
    crate::access::own_counts(store, ctx, &mut works).await?;
    crate::spoilers::mark(store, &unseen, &mut works).await?;
    Ok(HomePage::new(
        works.into_iter().map(Blurb::from).collect(),
        page,
        total,
    ))
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    layout: Layout,
    blurbs: Vec<Blurb>,
    total: u64,
    pagination: Pagination,
    /// The most popular fandoms (first page only).
    fandoms: Vec<FandomLink>,
}

struct FandomLink {
    name: String,
    href: String,
    works: String,
}

impl From<TagCount> for FandomLink {
    fn from(tag: TagCount) -> FandomLink {
        FandomLink {
            href: tag_works_href(tag.name.as_str()),
            name: tag.name.into(),
            works: thousands(tag.works),
        }
    }
}

impl HomePage {
    fn new(blurbs: Vec<Blurb>, page: u64, total: u64) -> HomePage {
        let title = (page > 1).then(|| format!("Recent Works, page {page}"));
        let description = match total {
            0 => "A self-hosted archive of fan works.".to_owned(),
            1 => "A self-hosted archive of fan works: 1 work.".to_owned(),
            n => format!("A self-hosted archive of fan works: {n} works, newest first."),
        };
        HomePage {
            layout: Layout::new(title, description).in_section(Section::Home),
            blurbs,
            total,
            pagination: Pagination::new("/", page, total, u64::from(WORKS_PER_PAGE)),
            fandoms: Vec::new(),
        }
    }

    fn heading(&self) -> String {
        match self.pagination.current {
            1 => "Recent Works".to_owned(),
            n => format!("Recent Works, page {n} of {}", self.pagination.total),
        }
    }

    fn count_line(&self) -> String {
        match self.total {
            1 => "1 work in the archive.".to_owned(),
            n => format!(
                "{} works in the archive, most recently updated first.",
                crate::views::thousands(n)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_positive_integers() {
        assert_eq!(page_number(None).ok(), Some(1));
        assert_eq!(page_number(Some("3".into())).ok(), Some(3));
        assert!(page_number(Some("0".into())).is_err());
        assert!(page_number(Some("abc".into())).is_err());
    }

    #[test]
    fn an_empty_archive_says_how_to_fill_it() {
        let html = HomePage::new(Vec::new(), 1, 0)
            .render()
            .expect("the page renders");
        assert!(html.contains("No works yet"), "{html}");
        assert!(html.contains("ajar import FOLDER"), "{html}");
        assert!(html.contains("ajar serve --demo"), "{html}");
        assert!(html.contains("<title>ajar</title>"), "{html}");
    }
}
