//! The home page: the archive's most recently updated works, a page at a time.

use crate::views::{Blurb, Layout, Page, Pagination, Section};
use crate::{AppState, Error};
use ajar_store::Store;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Works per listing page (AO3 shows 20).
pub(crate) const WORKS_PER_PAGE: u32 = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Deserialize)]
struct ListingQuery {
    page: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    query: Result<Query<ListingQuery>, QueryRejection>,
) -> Result<Page<HomePage>, Error> {
    let page = page_number(query.ok().and_then(|Query(q)| q.page))?;
    Ok(Page(recent_works(&state.store, page).await?))
}

/// `?page=N`: absent means 1; zero or not a number is no page at all.
fn page_number(page: Option<String>) -> Result<u64, Error> {
    match page {
        None => Ok(1),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Error::NotFound),
        },
    }
}

async fn recent_works(store: &Store, page: u64) -> Result<HomePage, Error> {
    let per_page = u64::from(WORKS_PER_PAGE);
    let total = store.work_count().await?;
    let offset = (page - 1).saturating_mul(per_page);
    if page > 1 && offset >= total {
        return Err(Error::NotFound);
    }
    let works = store.recent_works(WORKS_PER_PAGE, offset).await?;
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
