//! Listing pages: tags (`/tags/{NAME}`, `/tags/{NAME}/works`), creators (`/users/{NAME}`,
//! `/users/{NAME}/works`), series (`/series/{ID}`) and the fandoms index (`/fandoms`,
//! `/media/{NAME}/fandoms`).
//!
//! Every page of works read from the store comes from one function, [`works_page`]: a
//! [`WorkListing`] and a page number in, a page of blurbs and the total out. When the server
//! runs a search index, tag and creator listings ask it instead (ids and total, and for tags
//! the facet counts, in one search; then the store hydrates those ids), tag listings show
//! the filter sidebar, and a tag's page takes its counts from it (see `counts`); the store
//! path stays for servers without an index.

use crate::auth::Ctx;
use crate::cache::{self, CachedPage, Rendered};
use crate::feeds;
use crate::home::{page_number, ListingQuery, WORKS_PER_PAGE};
use crate::prefs::ReaderPrefs;
use crate::search::Sidebar;
use crate::service::listings::{
    creator_summary, creator_works_of, tag_summary, tag_works_page, TagSummary, TagWorks,
};
use crate::service::wrangling::canonical_name;
use crate::tag_url::{self, tag_href, tag_works_href, user_href, user_works_href};
use crate::views::{thousands, Blurb, Layout, Pagination, Section};
use crate::{AppState, Error};
use ajar_core::{Media, SeriesId, TagKind, TagName};
use ajar_store::{MediaFandoms, TagCount, WorkBlurb};
use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/fandoms", get(fandoms))
        .route("/media/{media}/fandoms", get(media_fandoms))
        .route("/tags/{name}", get(tag))
        .route("/tags/{name}/works", get(tag_works))
        .route("/users/{name}", get(creator))
        .route("/users/{name}/works", get(creator_works))
        .route("/series/{id}", get(series))
}

/// A page of works: tag works, creator works.
#[derive(Template)]
#[template(path = "listing.html")]
pub(crate) struct ListingPage {
    layout: Layout,
    heading: String,
    /// Links above the list ("About this tag", "Profile").
    links: Vec<(String, String)>,
    blurbs: Vec<Blurb>,
    pagination: Pagination,
    empty: String,
    /// The filter form with facet counts, when the page came from the search index.
    sidebar: Option<Sidebar>,
    /// How many works the reader's spoiler filter left out.
    spoilers: Option<crate::spoilers::HiddenLine>,
}

/// "1 - 20 of 345 Works in Harry Potter", as AO3 heads a listing.
fn listing_heading(page: u64, shown: usize, total: u64, what: &str) -> String {
    if total == 0 {
        return format!("0 Works {what}");
    }
    let first = (page - 1) * u64::from(WORKS_PER_PAGE) + 1;
    let last = first + shown as u64 - 1;
    let works = if total == 1 { "Work" } else { "Works" };
    if total <= u64::from(WORKS_PER_PAGE) {
        format!("{} {works} {what}", thousands(total))
    } else {
        format!(
            "{} - {} of {} {works} {what}",
            thousands(first),
            thousands(last),
            thousands(total)
        )
    }
}

/// The page number of a listing URL, or 404.
fn page_of(query: Result<Query<ListingQuery>, QueryRejection>) -> Result<u64, Error> {
    page_number(query.ok().and_then(|Query(q)| q.page))
}

fn path_and_query(uri: &OriginalUri) -> &str {
    uri.0.path_and_query().map_or("/", |p| p.as_str())
}

async fn tag_works(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<ListingQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let name = tag_name(name)?;
    let page = page_of(query)?;
    if let Some(to) = canonical_name(&state, &name).await? {
        let to = tag_works_href(to.as_str());
        let to = if page > 1 {
            format!("{to}?page={page}")
        } else {
            to
        };
        return Ok(Redirect::temporary(&to).into_response());
    }
    let here = path_and_query(&uri).to_owned();
    let key = cache::key(&here, &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let found = tag_works_page(&state, &ctx, &name, page).await?;
            Rendered::page(&ListingPage::of_tag(&name, page, found, prefs, &here))
        })
        .await?;
    Ok(CachedPage(rendered).into_response())
}

async fn creator_works(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<ListingQuery>, QueryRejection>,
) -> Result<CachedPage, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    let page = page_of(query)?;
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let (creator, works, total) = creator_works_of(&state, &ctx, &name, page).await?;
            let page = ListingPage::of_creator(&creator.name, page, works, total, prefs);
            Rendered::page(&page)
        })
        .await?;
    Ok(CachedPage(rendered))
}

impl ListingPage {
    /// Page `page` of the works tagged `name`.
    fn of_tag(
        name: &TagName,
        page: u64,
        found: TagWorks,
        prefs: ReaderPrefs,
        path_and_query: &str,
    ) -> ListingPage {
        let TagWorks {
            works,
            total,
            sidebar,
            spoilers_hidden,
            seen,
        } = found;
        let heading = listing_heading(page, works.len(), total, &format!("in {name}"));
        let description = format!(
            "Works tagged {name} in the archive: {}, most recently updated first.",
            count_works(total)
        );
        let title = match page {
            1 => format!("{name} - Works"),
            n => format!("{name} - Works, page {n}"),
        };
        let (feed_title, feed_href) = feeds::tag_feed_link(name.as_str());
        let feed_href = crate::spoilers::feed_href(&feed_href, &seen);
        let feed = (feed_title, feed_href.clone());
        ListingPage {
            layout: Layout::new(Some(title), description)
                .with_prefs(prefs)
                .with_feed(feed),
            heading,
            links: vec![
                ("About this tag".to_owned(), tag_href(name.as_str())),
                (
                    "Sort and filter".to_owned(),
                    crate::search::filter_href(name.as_str()),
                ),
                ("Subscribe to the feed".to_owned(), feed_href),
            ],
            blurbs: works.into_iter().map(Blurb::from).collect(),
            pagination: Pagination::new(
                &tag_works_href(name.as_str()),
                page,
                total,
                u64::from(WORKS_PER_PAGE),
            ),
            empty: format!("No works are tagged {name} yet."),
            sidebar,
            spoilers: crate::spoilers::HiddenLine::of(spoilers_hidden, path_and_query),
        }
    }

    /// Page `page` of the works of the creator `who`.
    fn of_creator(
        who: &str,
        page: u64,
        works: Vec<WorkBlurb>,
        total: u64,
        prefs: ReaderPrefs,
    ) -> ListingPage {
        let heading = listing_heading(page, works.len(), total, &format!("by {who}"));
        let title = match page {
            1 => format!("Works by {who}"),
            n => format!("Works by {who}, page {n}"),
        };
        let description = format!("{} by {who} in the archive.", count_works(total));
        ListingPage {
            layout: Layout::new(Some(title), description)
                .with_prefs(prefs)
                .with_feed(feeds::creator_feed_link(who)),
            heading,
            links: vec![(format!("{who}'s profile"), user_href(who))],
            blurbs: works.into_iter().map(Blurb::from).collect(),
            pagination: Pagination::new(
                &user_works_href(who),
                page,
                total,
                u64::from(WORKS_PER_PAGE),
            ),
            empty: format!("{who} has no works in the archive."),
            sidebar: None,
            spoilers: None,
        }
    }
}

fn count_works(n: u64) -> String {
    match n {
        1 => "1 work".to_owned(),
        n => format!("{} works", thousands(n)),
    }
}

fn tag_name(name: Result<Path<String>, PathRejection>) -> Result<TagName, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    tag_url::decode(&segment).ok_or(Error::NotFound)
}

/// A tag's own page: what kind of tag it is, how many works carry it.
#[derive(Template)]
#[template(path = "tag.html")]
pub(crate) struct TagPage {
    layout: Layout,
    name: String,
    works_href: String,
    kinds: Vec<TagKindLine>,
    total: String,
    /// "canonical", "not wrangled yet"...
    status: Option<String>,
    /// Related tags by relation ("Synonyms", "Parents", ...), each linked.
    relations: Vec<(&'static str, Vec<crate::wrangling::TagLink>)>,
    /// A fandom's canon timeline and the reader's progress in it (HTML), when it has one.
    canon_pickers: String,
    timeline_href: String,
}

struct TagKindLine {
    kind: &'static str,
    works: String,
}

async fn tag(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let name = tag_name(name)?;
    if let Some(to) = canonical_name(&state, &name).await? {
        return Ok(Redirect::temporary(&tag_url::tag_href(to.as_str())).into_response());
    }
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let summary = tag_summary(&state, &ctx, &name).await?;
            Rendered::page(&TagPage::new(summary, prefs))
        })
        .await?;
    Ok(CachedPage(rendered).into_response())
}

impl TagPage {
    fn new(summary: TagSummary, prefs: ReaderPrefs) -> TagPage {
        let TagSummary {
            name: display,
            kinds: tags,
            total,
            wrangling,
            canon_pickers,
        } = summary;
        let kinds = tags
            .iter()
            .map(|(kind, works)| TagKindLine {
                kind: kind_name(*kind),
                works: count_works(*works),
            })
            .collect::<Vec<_>>();
        let kind_list = kinds.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ");
        let description = format!(
            "{display}: a {} tag with {}.",
            kind_list.to_lowercase(),
            count_works(total)
        );
        TagPage {
            canon_pickers,
            timeline_href: tag_url::canon_href(&display),
            layout: Layout::new(Some(format!("{display} - Tag")), description)
                .with_prefs(prefs)
                .with_feed(feeds::tag_feed_link(&display)),
            works_href: tag_works_href(&display),
            name: display,
            kinds,
            total: count_works(total),
            status: wrangling.as_ref().map(|w| w.status()),
            relations: wrangling
                .map(|w| {
                    [
                        ("Synonyms", w.synonyms),
                        ("Parent tags", w.parents),
                        ("Child tags", w.children),
                        ("Meta tags", w.metas),
                        ("Sub tags", w.subs),
                    ]
                    .into_iter()
                    .filter(|(_, list)| !list.is_empty())
                    .map(|(heading, list)| {
                        (
                            heading,
                            list.iter().map(crate::wrangling::TagLink::of).collect(),
                        )
                    })
                    .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A tag kind in the singular, as a tag page names it.
fn kind_name(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Rating => "Rating",
        TagKind::Warning => "Archive Warning",
        TagKind::Category => "Category",
        TagKind::Fandom => "Fandom",
        TagKind::Relationship => "Relationship",
        TagKind::Character => "Character",
        TagKind::Freeform => "Additional Tag",
    }
}

/// A creator's page: their name, their number of works, their latest works.
#[derive(Template)]
#[template(path = "user.html")]
pub(crate) struct CreatorPage {
    layout: Layout,
    name: String,
    works_href: String,
    count: String,
    blurbs: Vec<Blurb>,
    more: bool,
}

async fn creator(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    name: Result<Path<String>, PathRejection>,
) -> Result<CachedPage, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let (creator, works, total) = creator_summary(&state, &ctx, &name).await?;
            let who = creator.name;
            Rendered::page(&CreatorPage {
                layout: Layout::new(
                    Some(who.clone()),
                    format!("{who}: {} in the archive.", count_works(total)),
                )
                .with_prefs(prefs)
                .with_feed(feeds::creator_feed_link(&who)),
                works_href: user_works_href(&who),
                count: count_works(total),
                more: total > works.len() as u64,
                blurbs: works.into_iter().map(Blurb::from).collect(),
                name: who,
            })
        })
        .await?;
    Ok(CachedPage(rendered))
}

/// A series: its works in order.
#[derive(Template)]
#[template(path = "series.html")]
pub(crate) struct SeriesPage {
    layout: Layout,
    id: i64,
    title: String,
    creators: Vec<crate::views::Link>,
    count: String,
    words: String,
    complete: bool,
    blurbs: Vec<Blurb>,
}

async fn series(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    id: Result<Path<String>, PathRejection>,
) -> Result<CachedPage, Error> {
    let id = SeriesId(crate::kudos::id_number(id)?);
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let series = crate::service::listings::series(&state, &ctx, id).await?;
            Rendered::page(&SeriesPage::new(series, prefs))
        })
        .await?;
    Ok(CachedPage(rendered))
}

impl SeriesPage {
    fn new(series: ajar_store::Series, prefs: ReaderPrefs) -> SeriesPage {
        let mut creators: Vec<String> = Vec::new();
        for (_, work) in &series.works {
            for name in &work.creators {
                if !creators.iter().any(|c| c.eq_ignore_ascii_case(name)) {
                    creators.push(name.clone());
                }
            }
        }
        let words: u64 = series.works.iter().map(|(_, w)| w.stats.words).sum();
        let complete =
            !series.works.is_empty() && series.works.iter().all(|(_, w)| w.complete == Some(true));
        let total = series.works.len() as u64;
        let blurbs = series
            .works
            .into_iter()
            .map(|(part, work)| {
                let mut blurb = Blurb::from(work);
                blurb.part = Some(part);
                blurb
            })
            .collect();
        let title = series.title;
        SeriesPage {
            id: series.id.0,
            layout: Layout::new(
                Some(format!("{title} - Series")),
                format!(
                    "{title}: a series of {} in the archive.",
                    count_works(total)
                ),
            )
            .with_prefs(prefs),
            creators: crate::views::Link::creators(&creators),
            count: thousands(total),
            words: thousands(words),
            complete,
            blurbs,
            title,
        }
    }
}

/// The fandoms index, or one media kind of it.
#[derive(Template)]
#[template(path = "fandoms.html")]
pub(crate) struct FandomsPage {
    layout: Layout,
    heading: String,
    groups: Vec<MediaGroup>,
    /// Links to each kind's own page, on the full index.
    show_media_links: bool,
}

struct MediaGroup {
    name: &'static str,
    anchor: String,
    href: String,
    fandoms: Vec<FandomLine>,
    /// How many fandoms the media has (more than shown on the fandoms index).
    all: usize,
    /// "All 4,001 Movies fandoms", when not all are shown.
    more: Option<String>,
}

/// Fandoms each media shows on `/fandoms`, those with the most works first (AO3 shows a few
/// too): every fandom of a media is on its own page, and a million-work archive has
/// thousands, which made the index a page of megabytes.
const FANDOMS_PER_MEDIA: usize = 10;

struct FandomLine {
    name: String,
    href: String,
    works: String,
}

impl MediaGroup {
    /// The [`FANDOMS_PER_MEDIA`] fandoms of `media` with the most works, most first (ties by
    /// name), and a link to all of them when there are more.
    fn most_popular(media: Media, mut fandoms: Vec<TagCount>) -> MediaGroup {
        let all = fandoms.len();
        fandoms.sort_by_cached_key(|f| {
            (
                std::cmp::Reverse(f.works),
                f.name.as_str().to_lowercase(),
                f.id,
            )
        });
        fandoms.truncate(FANDOMS_PER_MEDIA);
        let mut group = MediaGroup::new(media, fandoms);
        group.all = all;
        if all > group.fandoms.len() {
            let name = media.name();
            let noun = if name.ends_with("Fandoms") {
                ""
            } else {
                " fandoms"
            };
            group.more = Some(format!("All {} {name}{noun}", thousands(all as u64)));
        }
        group
    }

    fn new(media: Media, fandoms: Vec<TagCount>) -> MediaGroup {
        MediaGroup {
            name: media.name(),
            anchor: format!("media-{}", media_slug(media)),
            href: format!("/media/{}/fandoms", tag_url::encode(media.name())),
            all: fandoms.len(),
            more: None,
            fandoms: fandoms
                .into_iter()
                .map(|f| FandomLine {
                    href: tag_works_href(f.name.as_str()),
                    name: f.name.into(),
                    works: thousands(f.works),
                })
                .collect(),
        }
    }
}

fn media_slug(media: Media) -> String {
    media
        .name()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

impl FandomsPage {
    /// Every media with its most popular fandoms.
    fn all(groups: Vec<MediaFandoms>, prefs: ReaderPrefs) -> FandomsPage {
        let groups: Vec<MediaGroup> = groups
            .into_iter()
            .map(|g| MediaGroup::most_popular(g.media, g.fandoms))
            .collect();
        let count: usize = groups.iter().map(|g| g.all).sum();
        FandomsPage {
            layout: Layout::new(
                Some("Fandoms".to_owned()),
                format!(
                    "The {count} fandoms in the archive by media: the ones with the most \
                     works, and a page of every fandom for each media."
                ),
            )
            .in_section(Section::Fandoms)
            .with_prefs(prefs),
            heading: "Fandoms".to_owned(),
            groups,
            show_media_links: true,
        }
    }

    /// Every fandom of one media.
    fn of_media(media: Media, groups: Vec<MediaFandoms>, prefs: ReaderPrefs) -> FandomsPage {
        let fandoms = groups
            .into_iter()
            .find(|g| g.media == media)
            .map(|g| g.fandoms)
            .unwrap_or_default();
        let group = MediaGroup::new(media, fandoms);
        FandomsPage {
            layout: Layout::new(
                Some(format!("{} - Fandoms", media.name())),
                format!(
                    "{} fandoms in the archive: {}, with their works.",
                    media.name(),
                    group.fandoms.len()
                ),
            )
            .in_section(Section::Fandoms)
            .with_prefs(prefs),
            heading: format!("{} Fandoms", media.name()),
            groups: vec![group],
            show_media_links: false,
        }
    }
}

async fn fandoms(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
) -> Result<CachedPage, Error> {
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let groups = crate::counts::fandoms_by_media(&state, &ctx).await?;
            Rendered::page(&FandomsPage::all(groups, prefs))
        })
        .await?;
    Ok(CachedPage(rendered))
}

async fn media_fandoms(
    State(state): State<AppState>,
    ctx: Ctx,
    prefs: ReaderPrefs,
    uri: OriginalUri,
    media: Result<Path<String>, PathRejection>,
) -> Result<CachedPage, Error> {
    let Path(segment) = media.map_err(|_| Error::NotFound)?;
    let media = tag_url::decode(&segment)
        .and_then(|name| Media::from_name(name.as_str()))
        .ok_or(Error::NotFound)?;
    let key = cache::key(path_and_query(&uri), &prefs);
    let pages = state.pages.clone();
    let rendered = pages
        .get_or_render(&ctx.clone(), key, || async move {
            let groups = crate::counts::fandoms_by_media(&state, &ctx).await?;
            Rendered::page(&FandomsPage::of_media(media, groups, prefs))
        })
        .await?;
    Ok(CachedPage(rendered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_are_headed_as_on_ao3() {
        assert_eq!(listing_heading(1, 3, 3, "in X"), "3 Works in X");
        assert_eq!(listing_heading(1, 1, 1, "in X"), "1 Work in X");
        assert_eq!(
            listing_heading(2, 20, 345, "in X"),
            "21 - 40 of 345 Works in X"
        );
        assert_eq!(listing_heading(1, 0, 0, "by Y"), "0 Works by Y");
    }
}
