//! Search: the search page with its filter sidebar (`/works/search?q=...`) and the same
//! search as JSON (`/api/v1/works?q=...`), the first piece of the public API.
//!
//! Both read one [`SearchRequest`] from the URL (the sidebar is a plain GET form, so every
//! search is a link), ask the index for a page of ids, facet counts and snippets, and
//! hydrate the ids from the store in one go. A query or filter that cannot be read gets its
//! message back (400), never a 500.

use crate::openapi::{ProblemDetails, Refusals};
use crate::views::{thousands, Blurb, InternalErrorPage, Layout, Page, Pagination};
use crate::AppState;
use ajar_core::{ArchiveWarning, Category, Rating, TagKind};
use ajar_search::{
    FacetCount, FacetGroup, Search, SearchError, SearchRequest, SearchResults, Sort,
};
use ajar_store::WorkBlurb;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/works/search", get(search_page))
}

/// What went wrong with a search, as the reader should hear it.
enum Failure {
    /// Their query or filters: 400 with the message.
    Bad(String),
    /// No index in this server (e.g. the web layer built without one): 503.
    Unavailable,
    /// The index is still being built (a new node): 503, with how far it has come.
    CatchingUp(crate::search_slot::Building),
    /// Ours: logged, and a bare 500.
    Internal,
}

async fn run(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    raw: Option<&str>,
) -> Result<(SearchRequest, SearchResults, Vec<WorkBlurb>), (SearchRequest, Failure)> {
    let request = match SearchRequest::from_query_string(raw.unwrap_or("")) {
        Ok(r) => r,
        Err(e) => return Err((SearchRequest::default(), Failure::Bad(e.message))),
    };
    let Some(search) = state.search.get() else {
        return Err(match state.search.building_progress() {
            Some(building) => (request, Failure::CatchingUp(building)),
            None => (request, Failure::Unavailable),
        });
    };
    match hydrate(search, &state.store, ctx, &request).await {
        Ok((results, blurbs)) => Ok((request, results, blurbs)),
        Err(SearchError::Query(e)) => Err((request, Failure::Bad(e.message))),
        Err(e) => {
            tracing::error!(error = %e, "a search failed");
            Err((request, Failure::Internal))
        }
    }
}

/// Runs a search and loads the blurbs of its page of works, in order.
pub(crate) async fn hydrate(
    search: &Search,
    store: &ajar_store::Store,
    ctx: &crate::auth::Ctx,
    request: &SearchRequest,
) -> Result<(SearchResults, Vec<WorkBlurb>), SearchError> {
    // The reader's own view: restricted works for logged-in readers, and no works by the
    // people they muted (inside the search, so totals and facet counts agree).
    let viewer = &ctx.viewer;
    let mut request = request.clone();
    request.include_restricted = viewer.is_logged_in();
    // Three lookups that need nothing of each other: asked at once, they cost one round
    // trip to PostgreSQL instead of three.
    let own = async {
        match viewer.user_id() {
            Some(user) => {
                let (muted, filters) =
                    tokio::try_join!(store.muted_pseud_ids(user), store.user_filters(user))?;
                Ok(Some((muted, filters)))
            }
            None => Ok(None),
        }
    };
    let (unseen, own) = tokio::try_join!(crate::spoilers::unseen(store, ctx), own)?;
    request.unseen_canon = unseen.hidden();
    if let Some((muted, filters)) = own {
        request.exclude_creator_ids.extend(muted);
        crate::filters::apply(&mut request, &filters);
    }
    let request = &request;
    let results = search.search(request).await?;
    let ids: Vec<_> = results.hits.iter().map(|h| h.id).collect();
    let mut blurbs = store
        .works_by_ids(crate::access::audience(ctx), &ids)
        .await?;
    crate::access::own_counts(store, ctx, &mut blurbs).await?;
    crate::spoilers::mark(store, &unseen, &mut blurbs).await?;
    Ok((results, blurbs))
}

/// The search page filtered to one tag (any kind): where a tag listing's "Sort and filter"
/// link goes, with the whole sidebar.
pub(crate) fn filter_href(tag: &str) -> String {
    format!("/works/search?include_tags={}", ajar_search::encode(tag))
}

// ---------------------------------------------------------------------------------------
// The page

async fn search_page(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    RawQuery(raw): RawQuery,
) -> Response {
    match run(&state, &ctx, raw.as_deref()).await {
        Ok((request, results, blurbs)) => {
            let names = tag_names(&state, &request, &results.facets).await;
            let active = active_filters(&request, &names);
            let mut page = SearchPage::new(&ctx, request, Some(&results), blurbs, None);
            page.active = active;
            Page(page).into_response()
        }
        Err((request, Failure::Bad(message))) => {
            let page = SearchPage::new(&ctx, request, None, Vec::new(), Some(message));
            (StatusCode::BAD_REQUEST, Page(page)).into_response()
        }
        Err((request, Failure::Unavailable)) => {
            let why = "Search is not available on this server right now.".to_owned();
            let page = SearchPage::new(&ctx, request, None, Vec::new(), Some(why));
            (StatusCode::SERVICE_UNAVAILABLE, Page(page)).into_response()
        }
        Err((request, Failure::CatchingUp(building))) => {
            let page = SearchPage::new(&ctx, request, None, Vec::new(), Some(building.message()));
            catching_up((StatusCode::SERVICE_UNAVAILABLE, Page(page)).into_response())
        }
        Err((_, Failure::Internal)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Page(InternalErrorPage::new()),
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    layout: Layout,
    heading: String,
    error: Option<String>,
    blurbs: Vec<Blurb>,
    snippets: Vec<Option<String>>,
    pagination: Pagination,
    sidebar: Sidebar,
    searched: bool,
    /// The filters in force, each removable.
    active: Vec<ActiveFilter>,
    /// How many works the reader's spoiler filter left out.
    spoilers: Option<crate::spoilers::HiddenLine>,
}

impl SearchPage {
    fn new(
        ctx: &crate::auth::Ctx,
        request: SearchRequest,
        results: Option<&SearchResults>,
        blurbs: Vec<WorkBlurb>,
        error: Option<String>,
    ) -> SearchPage {
        let total = results.map_or(0, |r| r.total);
        let per_page = u64::from(request.per_page);
        let heading = match (results, request.page) {
            (None, _) => "Search Works".to_owned(),
            (Some(_), _) if total == 0 => "No works found".to_owned(),
            (Some(_), page) => {
                let first = (page - 1) * per_page + 1;
                let last = first + blurbs.len().saturating_sub(1) as u64;
                let works = if total == 1 { "Work" } else { "Works" };
                format!(
                    "{} - {} of {} {works} found",
                    thousands(first),
                    thousands(last),
                    thousands(total)
                )
            }
        };
        let snippet_by_id: std::collections::HashMap<_, _> = results
            .map(|r| r.hits.iter().map(|h| (h.id, h.snippet.clone())).collect())
            .unwrap_or_default();
        let snippets = blurbs
            .iter()
            .map(|b| snippet_by_id.get(&b.id).cloned().flatten())
            .collect();
        let qs = request.to_query_string();
        let mut pagination = Pagination::new(
            "/works/search",
            request.page,
            total.min(ajar_search::MAX_RESULT_WINDOW),
            per_page,
        );
        let with_query = |href: &mut String| {
            let page = href.split_once("?page=").map(|(_, n)| n.to_owned());
            *href = match (page, qs.is_empty()) {
                (Some(n), true) => format!("/works/search?page={n}"),
                (Some(n), false) => format!("/works/search?{qs}&page={n}"),
                (None, true) => "/works/search".to_owned(),
                (None, false) => format!("/works/search?{qs}"),
            };
        };
        pagination.previous.iter_mut().for_each(with_query);
        pagination.next.iter_mut().for_each(with_query);
        for link in pagination.links.iter_mut().flatten() {
            with_query(&mut link.href);
        }
        let searched = results.is_some();
        let title = if request.query.is_empty() {
            "Search Works".to_owned()
        } else {
            format!("{} - Search Works", request.query)
        };
        SearchPage {
            layout: Layout::new(
                Some(title),
                "Search and filter the archive's works by tag, rating, length, date and text.",
            ),
            heading,
            error,
            blurbs: blurbs.into_iter().map(Blurb::from).collect(),
            snippets,
            pagination,
            sidebar: Sidebar {
                personal: !ctx.is_guest(),
                ..Sidebar::new(
                    &request,
                    results.map(|r| r.facets.as_slice()).unwrap_or(&[]),
                )
            },
            searched,
            active: Vec::new(),
            spoilers: results.and_then(|r| {
                let here = if qs.is_empty() {
                    "/works/search".to_owned()
                } else {
                    format!("/works/search?{qs}&page={}", request.page)
                };
                crate::spoilers::HiddenLine::of(r.spoilers_hidden, &here)
            }),
        }
    }

    fn snippet(&self, index: &usize) -> Option<&str> {
        self.snippets.get(*index).and_then(|s| s.as_deref())
    }
}

/// The filter form, filled from the request and the facet counts.
pub(crate) struct Sidebar {
    pub(crate) action: String,
    pub(crate) query: String,
    pub(crate) text: String,
    pub(crate) sorts: Vec<Choice>,
    pub(crate) ratings: Vec<Choice>,
    pub(crate) warnings: Vec<Choice>,
    pub(crate) categories: Vec<Choice>,
    /// Tag facets of the other kinds: (heading, tags).
    pub(crate) groups: Vec<(&'static str, Vec<FacetChoice>)>,
    pub(crate) include_tags: String,
    pub(crate) exclude_tags: String,
    pub(crate) exclude_creators: String,
    pub(crate) complete: Vec<Choice>,
    pub(crate) crossover: Vec<Choice>,
    pub(crate) words_from: String,
    pub(crate) words_to: String,
    pub(crate) language: String,
    pub(crate) updated_from: String,
    pub(crate) updated_to: String,
    pub(crate) published_from: String,
    pub(crate) published_to: String,
    /// For logged-in readers: their muted tags, muted people and saved filter apply.
    pub(crate) personal: bool,
}

/// A filter in force, and the link to the same search without it (the rest kept).
pub(crate) struct ActiveFilter {
    pub(crate) label: String,
    pub(crate) href: String,
}

/// The filters of a search, each with a link that drops just it. `tag_names`: names of
/// the tags it includes or excludes by id.
pub(crate) fn active_filters(
    request: &SearchRequest,
    tag_names: &HashMap<i64, String>,
) -> Vec<ActiveFilter> {
    let qs = request.to_query_string();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(qs.as_bytes()).into_owned().collect();
    let without = |skip: usize| {
        let mut rest = form_urlencoded::Serializer::new(String::new());
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i != skip {
                rest.append_pair(k, v);
            }
        }
        match rest.finish() {
            q if q.is_empty() => "/works/search".to_owned(),
            q => format!("/works/search?{q}"),
        }
    };
    pairs
        .iter()
        .enumerate()
        .filter_map(|(i, (key, value))| {
            let label = filter_label(key, value, tag_names)?;
            Some(ActiveFilter {
                label,
                href: without(i),
            })
        })
        .collect()
}

/// How a filter of the search's query string reads; `None` for what is not a filter (the
/// sort order).
fn filter_label(key: &str, value: &str, tag_names: &HashMap<i64, String>) -> Option<String> {
    let tag = |prefix: &str| {
        let id = value.parse::<i64>().ok();
        match id.and_then(|id| tag_names.get(&id)) {
            Some(name) => format!("{prefix}: {name}"),
            None => format!("{prefix}: a tag"),
        }
    };
    let yes_no = |yes: &str, no: &str| (if value == "yes" { yes } else { no }).to_owned();
    Some(match key {
        "q" => format!("Search: {value}"),
        "text" => format!("Text contains: {value}"),
        "rating" => format!("Rating: {}", Rating::from_code(value)?.name()),
        "warning" => format!("Warning: {}", ArchiveWarning::from_code(value)?.name()),
        "category" => format!("Category: {}", Category::from_code(value)?.name()),
        "include" => tag("Including"),
        "exclude" => tag("Excluding"),
        "include_tags" => format!("Including: {value}"),
        "exclude_tags" => format!("Excluding: {value}"),
        "exclude_creators" => format!("Leaving out: {value}"),
        "creator_id" => "By one creator".to_owned(),
        "exclude_creator_id" => "Leaving out one creator".to_owned(),
        "complete" => yes_no("Complete works only", "Works in progress only"),
        "crossover" => yes_no("Only crossovers", "No crossovers"),
        "words_from" => format!("At least {value} words"),
        "words_to" => format!("At most {value} words"),
        "updated_from" => format!("Updated on or after {value}"),
        "updated_to" => format!("Updated on or before {value}"),
        "published_from" => format!("Posted on or after {value}"),
        "published_to" => format!("Posted on or before {value}"),
        "language" => format!("Language: {value}"),
        _ => return None,
    })
}

/// Names of the tags a search includes or excludes by id: from its facets, and from the
/// store for excluded tags (which no result carries).
async fn tag_names(
    state: &AppState,
    request: &SearchRequest,
    facets: &[FacetGroup],
) -> HashMap<i64, String> {
    let mut names: HashMap<i64, String> = facets
        .iter()
        .flat_map(|g| g.tags.iter().map(|t| (t.id.0, t.name.clone())))
        .collect();
    let missing: Vec<_> = request
        .include_tag_ids
        .iter()
        .chain(&request.exclude_tag_ids)
        .filter(|id| !names.contains_key(&id.0))
        .copied()
        .collect();
    if !missing.is_empty() {
        // Without names the filters still show, as "a tag".
        if let Ok(tags) = state.store.tags_by_ids(&missing).await {
            names.extend(tags.into_iter().map(|t| (t.id.0, t.name)));
        }
    }
    names
}

/// A checkbox, radio button or option: its value, label and whether it is chosen.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// A tag in the sidebar with its count, and include / exclude boxes.
pub(crate) struct FacetChoice {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) count: String,
    pub(crate) included: bool,
    pub(crate) excluded: bool,
}

impl Sidebar {
    pub(crate) fn new(r: &SearchRequest, facets: &[FacetGroup]) -> Sidebar {
        let count_of = |kind: TagKind, name: &str| -> String {
            facets
                .iter()
                .find(|g| g.kind == kind)
                .and_then(|g| g.tags.iter().find(|t| t.name.eq_ignore_ascii_case(name)))
                .map(|t| format!(" ({})", thousands(t.count)))
                .unwrap_or_default()
        };
        let yes_no_any = |v: Option<bool>, yes: &str, no: &str| {
            [
                ("", "Any", v.is_none()),
                ("yes", yes, v == Some(true)),
                ("no", no, v == Some(false)),
            ]
            .into_iter()
            .map(|(value, label, checked)| Choice {
                value: value.to_owned(),
                label: label.to_owned(),
                checked,
            })
            .collect()
        };
        let kinds = [
            (TagKind::Fandom, "Fandoms"),
            (TagKind::Character, "Characters"),
            (TagKind::Relationship, "Relationships"),
            (TagKind::Freeform, "Additional Tags"),
        ];
        let groups = kinds
            .into_iter()
            .filter_map(|(kind, heading)| {
                let group = facets.iter().find(|g| g.kind == kind)?;
                let tags = group
                    .tags
                    .iter()
                    .map(|t| FacetChoice {
                        id: t.id.0,
                        name: t.name.clone(),
                        count: thousands(t.count),
                        included: r.include_tag_ids.contains(&t.id),
                        excluded: r.exclude_tag_ids.contains(&t.id),
                    })
                    .collect();
                Some((heading, tags))
            })
            .collect();
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        Sidebar {
            action: "/works/search".to_owned(),
            query: r.query.clone(),
            text: r.text.clone(),
            sorts: Sort::ALL
                .into_iter()
                .map(|s| Choice {
                    value: s.code().to_owned(),
                    label: s.label().to_owned(),
                    checked: r.effective_sort() == s,
                })
                .collect(),
            ratings: Rating::ALL
                .into_iter()
                .map(|x| Choice {
                    value: x.code().to_owned(),
                    label: format!("{}{}", x.name(), count_of(TagKind::Rating, x.name())),
                    checked: r.ratings.contains(&x),
                })
                .collect(),
            warnings: ArchiveWarning::ALL
                .into_iter()
                .map(|x| Choice {
                    value: x.code().to_owned(),
                    label: format!("{}{}", x.name(), count_of(TagKind::Warning, x.name())),
                    checked: r.warnings.contains(&x),
                })
                .collect(),
            categories: Category::ALL
                .into_iter()
                .map(|x| Choice {
                    value: x.code().to_owned(),
                    label: format!("{}{}", x.name(), count_of(TagKind::Category, x.name())),
                    checked: r.categories.contains(&x),
                })
                .collect(),
            groups,
            include_tags: r.include_tags.join(", "),
            exclude_tags: r.exclude_tags.join(", "),
            exclude_creators: r.exclude_creators.join(", "),
            complete: yes_no_any(r.complete, "Complete works only", "Works in progress only"),
            crossover: yes_no_any(r.crossover, "Only crossovers", "No crossovers"),
            words_from: r.words_from.map(|n| n.to_string()).unwrap_or_default(),
            words_to: r.words_to.map(|n| n.to_string()).unwrap_or_default(),
            language: r.language.clone().unwrap_or_default(),
            updated_from: date(r.updated_from),
            updated_to: date(r.updated_to),
            published_from: date(r.published_from),
            published_to: date(r.published_to),
            // Set by the page for a logged-in reader (their own filters apply).
            personal: false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON

/// One page of matching works, with facet counts.
#[derive(Serialize, ToSchema)]
#[schema(as = WorkPage)]
struct ApiWorks {
    /// Matching works in all.
    total: u64,
    /// Matching works left out because they spoil canon entries past your progress (your
    /// account's, the `ajar_seen` cookie's, or `seen=FANDOM-POSITION.…`); `spoilers=show`
    /// leaves none out.
    spoilers_hidden: u64,
    page: u64,
    per_page: u32,
    works: Vec<ApiWork>,
    /// By tag kind (fandom, relationship, character, freeform, rating, warning, category):
    /// the most frequent tags among all matching works, with exact counts.
    facets: BTreeMap<&'static str, Vec<FacetCount>>,
}

impl ApiWorks {
    /// A page of search results as the API answers it: each work with its snippet (when the
    /// search looked in the text), and the facet counts by kind code.
    fn new(request: &SearchRequest, results: &SearchResults, blurbs: Vec<WorkBlurb>) -> ApiWorks {
        let snippets: std::collections::HashMap<_, _> = results
            .hits
            .iter()
            .map(|h| (h.id, h.snippet.clone()))
            .collect();
        let works = blurbs
            .into_iter()
            .map(|blurb| ApiWork {
                snippet: snippets.get(&blurb.id).cloned().flatten(),
                work: blurb.into(),
            })
            .collect();
        let facets = results
            .facets
            .iter()
            .map(|g| (g.kind.code(), g.tags.clone()))
            .collect();
        ApiWorks {
            total: results.total,
            spoilers_hidden: results.spoilers_hidden,
            page: request.page,
            per_page: request.per_page,
            works,
            facets,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = FoundWork)]
struct ApiWork {
    #[serde(flatten)]
    work: crate::api::WorkJson,
    /// HTML with `<b>` around the words found, when the search looked in the works' text.
    snippet: Option<String>,
}

/// A 503 while the index is built, with a time to ask again.
fn catching_up(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("10"),
    );
    response
}

fn problem(status: StatusCode, title: &'static str, detail: String) -> Response {
    let mut response = (
        status,
        Json(ProblemDetails {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
        }),
    )
        .into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The search's parameters whose values are words: an empty one means "any" (the search
/// page's form sends them empty). The others take numbers, dates or codes: the form's empty
/// fields mean "no filter" there too, but in a request to the API an empty one is a
/// mistake, and is answered as one.
const TEXT_KEYS: [&str; 6] = [
    "q",
    "text",
    "include_tags",
    "exclude_tags",
    "exclude_creators",
    "language",
];

fn must_not_be_empty(key: &str) -> bool {
    SearchRequest::QUERY_KEYS.contains(&key) && !TEXT_KEYS.contains(&key)
}

/// What the API refuses before searching: an empty number, date or code (400), and a page
/// past the results that can be paged through (404: there is no such page).
fn api_query_problem(raw: &str) -> Option<Response> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.trim().to_owned()))
        .collect();
    if let Some((name, _)) = pairs
        .iter()
        .find(|(k, v)| v.is_empty() && must_not_be_empty(k))
    {
        return Some(problem(
            StatusCode::BAD_REQUEST,
            "The search cannot be read",
            format!("`{name}` is empty: leave it out, or give it a value."),
        ));
    }
    if let Some((_, v)) = pairs.iter().find(|(k, v)| k == "spoilers" && v != "show") {
        return Some(problem(
            StatusCode::BAD_REQUEST,
            "The search cannot be read",
            format!("`spoilers` takes show (to leave nothing out for spoilers), not \"{v}\"."),
        ));
    }
    let number = |name: &str| -> Option<u64> {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse().ok())
    };
    let page = number("page").unwrap_or(1);
    let per_page = number("per_page").unwrap_or(u64::from(ajar_search::DEFAULT_PER_PAGE));
    let window = ajar_search::MAX_RESULT_WINDOW;
    let valid = page >= 1 && (1..=u64::from(ajar_search::MAX_PER_PAGE)).contains(&per_page);
    (valid && per_page.saturating_mul(page) > window + per_page).then(|| {
        problem(
            StatusCode::NOT_FOUND,
            "No such page",
            format!(
                "Results can be paged through up to the first {window}; narrow the search \
                 with filters to see further."
            ),
        )
    })
}

/// The parameters of a search through the API, as `SearchRequest::from_query_string` reads
/// them (`SearchRequest::QUERY_KEYS`), and `seen` and `spoilers`, which this module reads;
/// the tests in `tests/openapi.rs` hold the two together.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes what `SearchRequest` reads
struct SearchParams {
    /// The search box: words, "phrases", field:value, ranges (words>5000, kudos:100..500),
    /// -negation, OR.
    q: Option<String>,
    /// A phrase to find in the text of works; results carry a snippet.
    text: Option<String>,
    /// Tag names (any kind), comma-separated: works with all of them.
    include_tags: Option<String>,
    /// Tag names, comma-separated: works with none of them.
    exclude_tags: Option<String>,
    /// Tag ids: works with each of them.
    #[param(inline, value_type = Option<Vec<TagIdParam>>)]
    include: Option<Vec<i64>>,
    /// Tag ids: works with none of them.
    #[param(inline, value_type = Option<Vec<TagIdParam>>)]
    exclude: Option<Vec<i64>>,
    /// Creator names, comma-separated.
    exclude_creators: Option<String>,
    /// Creator (pseud) ids: works by any of them.
    #[param(inline, value_type = Option<Vec<TagIdParam>>)]
    creator_id: Option<Vec<i64>>,
    /// Creator (pseud) ids: works by none of them.
    #[param(inline, value_type = Option<Vec<TagIdParam>>)]
    exclude_creator_id: Option<Vec<i64>>,
    /// Any of these ratings.
    #[param(inline, value_type = Option<Vec<crate::openapi::RatingCode>>)]
    rating: Option<Vec<String>>,
    /// All of these archive warnings.
    #[param(inline, value_type = Option<Vec<crate::openapi::WarningCode>>)]
    warning: Option<Vec<String>>,
    /// Any of these categories.
    #[param(inline, value_type = Option<Vec<crate::openapi::CategoryCode>>)]
    category: Option<Vec<String>>,
    /// yes: complete works only; no: works in progress only. A work whose completion is not
    /// stated matches neither.
    #[param(inline, value_type = Option<crate::openapi::YesNo>)]
    complete: Option<String>,
    /// yes: crossovers only; no: single-fandom works only.
    #[param(inline, value_type = Option<crate::openapi::YesNo>)]
    crossover: Option<String>,
    /// At least this many words.
    #[param(minimum = 0)]
    words_from: Option<u64>,
    /// At most this many words.
    #[param(minimum = 0)]
    words_to: Option<u64>,
    /// A language code or name.
    language: Option<String>,
    /// Updated on or after (YYYY-MM-DD).
    updated_from: Option<chrono::NaiveDate>,
    /// Updated on or before (YYYY-MM-DD).
    updated_to: Option<chrono::NaiveDate>,
    /// Posted on or after (YYYY-MM-DD).
    published_from: Option<chrono::NaiveDate>,
    /// Posted on or before (YYYY-MM-DD).
    published_to: Option<chrono::NaiveDate>,
    /// The order; best_match (the default with a query) or updated (without one) when not
    /// given.
    #[param(inline, value_type = Option<crate::openapi::SortCode>)]
    sort: Option<String>,
    /// 1-based page.
    #[param(minimum = 1)]
    page: Option<u64>,
    /// Works per page, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// no: leave out the facet counts (faster).
    #[param(inline, value_type = Option<crate::openapi::YesNo>)]
    facets: Option<String>,
    /// Canon progress for this search, in place of your account's (or cookie's):
    /// FANDOM_TAG_ID-POSITION pairs joined by dots (12-3.45-0); works linked to later entries
    /// are left out and counted in spoilers_hidden.
    #[param(pattern = r"^[0-9]+-[0-9]+(\.[0-9]+-[0-9]+)*$")]
    seen: Option<String>,
    /// show: leave out nothing for spoilers this once (such works carry `spoils`).
    #[param(inline, value_type = Option<crate::openapi::ShowCode>)]
    spoilers: Option<String>,
}

/// An id from 1.
#[derive(ToSchema)]
#[schema(value_type = i64, minimum = 1)]
#[allow(dead_code)]
struct TagIdParam(i64);

/// Search works
///
/// The same search as /works/search: a query in the search language plus filters, one page
/// of works with facet counts of the tags across every matching work.
#[utoipa::path(get, path = "/api/v1/works", params(SearchParams),
    responses((status = 200, description = "One page of matching works.", body = ApiWorks),
        (status = 400, description = "The query or a filter cannot be read (an empty number, date or code included); `detail` says what to fix.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "A page past the first 10,000 results (narrow the search to see further).", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "This server runs no search index, or is still building it (`Retry-After` says when to ask again).", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals))]
pub(crate) async fn api_works(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(refused) = api_query_problem(raw.as_deref().unwrap_or("")) {
        return refused;
    }
    match run(&state, &ctx, raw.as_deref()).await {
        Ok((request, results, blurbs)) => {
            Json(ApiWorks::new(&request, &results, blurbs)).into_response()
        }
        Err((_, failure)) => failure.problem(),
    }
}

impl Failure {
    /// The failure as the API answers it, an RFC 9457 problem.
    fn problem(self) -> Response {
        match self {
            Failure::Bad(message) => problem(
                StatusCode::BAD_REQUEST,
                "The search cannot be read",
                message,
            ),
            Failure::Unavailable => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Search is not available",
                "This server has no search index running.".to_owned(),
            ),
            Failure::CatchingUp(building) => catching_up(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Search is catching up",
                building.message(),
            )),
            Failure::Internal => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The search failed; it has been logged.".to_owned(),
            ),
        }
    }
}
