//! What a search asks for and what it returns, and the URL form of a request, which the
//! filter sidebar (a plain GET form), the search page and the JSON API share, so a link to
//! a search is the search.
//!
//! URL parameters: `q` (the query language), `text` (a phrase in the works' text), `sort`,
//! `page`, `include` / `exclude` (tag ids, repeatable: the sidebar's checkboxes),
//! `include_tags` / `exclude_tags` (tag names, comma-separated), `exclude_creators`
//! (creator names, comma-separated: muted creators), `creator_id` / `exclude_creator_id`
//! (pseud ids, repeatable: works by any of them / by none of them), `rating` (repeatable, any of),
//! `warning` (repeatable, all of), `category` (repeatable, any of), `complete` (`yes` /
//! `no`), `crossover` (`yes` / `no`), `words_from`, `words_to`, `language`,
//! `updated_from`, `updated_to`, `published_from`, `published_to` (`YYYY-MM-DD`).
//!
//! Whether restricted works are included is not a parameter: it follows from who is asking,
//! and the web layer sets it.

use crate::query::QueryError;
use ajar_core::{ArchiveWarning, Category, Language, Rating, TagId, TagKind, WorkId};
use chrono::NaiveDate;
use serde::Serialize;

/// Results per page, and the most a request may ask for.
pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// Pages beyond this are refused (10,000 results deep), as every search engine does.
pub const MAX_RESULT_WINDOW: u64 = 10_000;

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    BestMatch,
    Updated,
    Published,
    Kudos,
    Hits,
    Bookmarks,
    Comments,
    Words,
    /// The share of the text in dialogue, most first (works not read yet last).
    Dialogue,
    Title,
    Creator,
}

impl Sort {
    pub const ALL: [Sort; 11] = [
        Sort::BestMatch,
        Sort::Updated,
        Sort::Published,
        Sort::Kudos,
        Sort::Hits,
        Sort::Bookmarks,
        Sort::Comments,
        Sort::Words,
        Sort::Dialogue,
        Sort::Title,
        Sort::Creator,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Sort::BestMatch => "best_match",
            Sort::Updated => "updated",
            Sort::Published => "published",
            Sort::Kudos => "kudos",
            Sort::Hits => "hits",
            Sort::Bookmarks => "bookmarks",
            Sort::Comments => "comments",
            Sort::Words => "words",
            Sort::Dialogue => "dialogue",
            Sort::Title => "title",
            Sort::Creator => "creator",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::BestMatch => "Best Match",
            Sort::Updated => "Date Updated",
            Sort::Published => "Date Posted",
            Sort::Kudos => "Kudos",
            Sort::Hits => "Hits",
            Sort::Bookmarks => "Bookmarks",
            Sort::Comments => "Comments",
            Sort::Words => "Word Count",
            Sort::Dialogue => "Dialogue",
            Sort::Title => "Title",
            Sort::Creator => "Creator",
        }
    }

    pub fn from_code(code: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One search: the query, the filters, the order and the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The search box, in the query language (see [`crate::query`]).
    pub query: String,
    /// A phrase to find in the text of works ("there is no sunset").
    pub text: String,
    pub include_tag_ids: Vec<TagId>,
    pub exclude_tag_ids: Vec<TagId>,
    /// Tag names of any kind, matched exactly (case-insensitively).
    pub include_tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// Creators whose works are left out (muted creators), by name.
    pub exclude_creators: Vec<String>,
    /// Works by any of these pseuds (empty: anyone's).
    pub include_creator_ids: Vec<i64>,
    /// Works by none of these pseuds (muted users' pseuds).
    pub exclude_creator_ids: Vec<i64>,
    /// Turn the exclusions around: find only the works that the excluded tags and creators
    /// (by id or name) leave out, and none when nothing is excluded. A count kept without a
    /// reader's mutes, less this search's count, is the count with them; this search costs
    /// as much as the mutes remove, not as much as the archive holds. Not in URLs.
    pub only_excluded: bool,
    /// Canon entries the reader has not seen: works linked to any of them (spoiling or
    /// about them) are left out, and counted in [`SearchResults::spoilers_hidden`]. Set by
    /// the web layer from the reader's progress; not in URLs.
    pub unseen_canon: Vec<i64>,
    /// Turn the spoiler filter around: find only the works [`SearchRequest::unseen_canon`]
    /// leaves out (every other filter, mutes included, still applies). Not in URLs.
    pub only_unseen: bool,
    /// Find restricted works too: true for logged-in readers, false for guests. Drafts and
    /// hidden works are not in the index at all.
    pub include_restricted: bool,
    /// Any of these (none: any rating).
    pub ratings: Vec<Rating>,
    /// All of these.
    pub warnings: Vec<ArchiveWarning>,
    /// Any of these.
    pub categories: Vec<Category>,
    pub complete: Option<bool>,
    pub crossover: Option<bool>,
    pub words_from: Option<u64>,
    pub words_to: Option<u64>,
    pub language: Option<String>,
    pub updated_from: Option<NaiveDate>,
    pub updated_to: Option<NaiveDate>,
    pub published_from: Option<NaiveDate>,
    pub published_to: Option<NaiveDate>,
    /// `None`: best match when there is a query, else date updated.
    pub sort: Option<Sort>,
    /// 1-based.
    pub page: u64,
    pub per_page: u32,
    /// Count tags for the sidebar.
    pub facets: bool,
    /// Tags per kind in the facet counts.
    pub facet_limit: usize,
    /// Count only tags of this kind (`None`: every kind), for pages that show one kind's
    /// counts in full (the fandoms index) without naming every other tag.
    pub facet_kind: Option<TagKind>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            text: String::new(),
            include_tag_ids: Vec::new(),
            exclude_tag_ids: Vec::new(),
            include_tags: Vec::new(),
            exclude_tags: Vec::new(),
            exclude_creators: Vec::new(),
            include_creator_ids: Vec::new(),
            exclude_creator_ids: Vec::new(),
            only_excluded: false,
            unseen_canon: Vec::new(),
            only_unseen: false,
            include_restricted: false,
            ratings: Vec::new(),
            warnings: Vec::new(),
            categories: Vec::new(),
            complete: None,
            crossover: None,
            words_from: None,
            words_to: None,
            language: None,
            updated_from: None,
            updated_to: None,
            published_from: None,
            published_to: None,
            sort: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            facets: true,
            facet_limit: 10,
            facet_kind: None,
        }
    }
}

impl SearchRequest {
    /// The order results come in.
    pub fn effective_sort(&self) -> Sort {
        self.sort.unwrap_or(
            if self.query.trim().is_empty() && self.text.trim().is_empty() {
                Sort::Updated
            } else {
                Sort::BestMatch
            },
        )
    }

    /// Every parameter [`SearchRequest::from_query_string`] reads: a parameter added there
    /// goes here too, and the API's description must list each (a test in ajar-web holds
    /// it to that).
    pub const QUERY_KEYS: [&'static str; 25] = [
        "q",
        "text",
        "sort",
        "page",
        "per_page",
        "include",
        "exclude",
        "include_tags",
        "exclude_tags",
        "exclude_creators",
        "creator_id",
        "exclude_creator_id",
        "rating",
        "warning",
        "category",
        "complete",
        "crossover",
        "words_from",
        "words_to",
        "language",
        "updated_from",
        "updated_to",
        "published_from",
        "published_to",
        "facets",
    ];

    /// Reads a request from a URL query string (`a=1&b=2`), as the sidebar form sends it.
    /// Unknown parameters are ignored; a value that cannot be read is an error that says
    /// which and why.
    pub fn from_query_string(qs: &str) -> Result<SearchRequest, QueryError> {
        let mut r = SearchRequest::default();
        for (key, value) in parse_pairs(qs) {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            let bad = |what: &str| QueryError {
                message: format!("\"{value}\" is not {what} ({key})."),
            };
            match key.as_str() {
                "q" => r.query = value,
                "text" => r.text = value,
                "sort" => {
                    r.sort = Some(Sort::from_code(&value).ok_or_else(|| bad("a sort order"))?)
                }
                "page" => {
                    r.page = value
                        .parse::<u64>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(|| bad("a page number"))?
                }
                "per_page" => {
                    r.per_page = value
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                        .ok_or_else(|| bad("a number of results per page from 1 to 100"))?
                }
                "include" => r
                    .include_tag_ids
                    .push(tag_id(&value).ok_or_else(|| bad("a tag id"))?),
                "exclude" => r
                    .exclude_tag_ids
                    .push(tag_id(&value).ok_or_else(|| bad("a tag id"))?),
                "include_tags" => r.include_tags.extend(names(&value)),
                "exclude_tags" => r.exclude_tags.extend(names(&value)),
                "exclude_creators" => r.exclude_creators.extend(names(&value)),
                "creator_id" => r
                    .include_creator_ids
                    .push(pseud_id(&value).ok_or_else(|| bad("a creator id"))?),
                "exclude_creator_id" => r
                    .exclude_creator_ids
                    .push(pseud_id(&value).ok_or_else(|| bad("a creator id"))?),
                "rating" => r.ratings.push(
                    Rating::from_code(&value)
                        .or_else(|| Rating::parse_lenient(&value))
                        .ok_or_else(|| bad("a rating"))?,
                ),
                "warning" => r.warnings.push(
                    ArchiveWarning::from_code(&value)
                        .or_else(|| ArchiveWarning::parse_lenient(&value))
                        .ok_or_else(|| bad("an archive warning"))?,
                ),
                "category" => r.categories.push(
                    Category::from_code(&value)
                        .or_else(|| Category::parse_lenient(&value))
                        .ok_or_else(|| bad("a category"))?,
                ),
                "complete" => r.complete = yes_no(&value).ok_or_else(|| bad("yes or no"))?,
                "crossover" => r.crossover = yes_no(&value).ok_or_else(|| bad("yes or no"))?,
                "words_from" => r.words_from = Some(number(&value).ok_or_else(|| bad("a number"))?),
                "words_to" => r.words_to = Some(number(&value).ok_or_else(|| bad("a number"))?),
                "language" => r.language = Language::parse(&value).map(|l| l.code().to_owned()),
                "updated_from" => {
                    r.updated_from =
                        Some(date(&value).ok_or_else(|| bad("a date like 2024-05-01"))?)
                }
                "updated_to" => {
                    r.updated_to = Some(date(&value).ok_or_else(|| bad("a date like 2024-05-01"))?)
                }
                "published_from" => {
                    r.published_from =
                        Some(date(&value).ok_or_else(|| bad("a date like 2024-05-01"))?)
                }
                "published_to" => {
                    r.published_to =
                        Some(date(&value).ok_or_else(|| bad("a date like 2024-05-01"))?)
                }
                "facets" => {
                    r.facets = yes_no(&value)
                        .ok_or_else(|| bad("yes or no"))?
                        .unwrap_or(true)
                }
                _ => {}
            }
        }
        if u64::from(r.per_page).saturating_mul(r.page) > MAX_RESULT_WINDOW + u64::from(r.per_page)
        {
            return Err(QueryError {
                message: format!(
                    "Results can be paged through up to the first {MAX_RESULT_WINDOW}; \
                     narrow the search with filters to see further."
                ),
            });
        }
        Ok(r)
    }

    /// The request as a URL query string, without `page` (pagination links add it).
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.query.is_empty() {
            pairs.push(("q", self.query.clone()));
        }
        if !self.text.is_empty() {
            pairs.push(("text", self.text.clone()));
        }
        if let Some(sort) = self.sort {
            pairs.push(("sort", sort.code().to_owned()));
        }
        for id in &self.include_tag_ids {
            pairs.push(("include", id.to_string()));
        }
        for id in &self.exclude_tag_ids {
            pairs.push(("exclude", id.to_string()));
        }
        if !self.include_tags.is_empty() {
            pairs.push(("include_tags", self.include_tags.join(", ")));
        }
        if !self.exclude_tags.is_empty() {
            pairs.push(("exclude_tags", self.exclude_tags.join(", ")));
        }
        if !self.exclude_creators.is_empty() {
            pairs.push(("exclude_creators", self.exclude_creators.join(", ")));
        }
        for id in &self.include_creator_ids {
            pairs.push(("creator_id", id.to_string()));
        }
        for id in &self.exclude_creator_ids {
            pairs.push(("exclude_creator_id", id.to_string()));
        }
        for r in &self.ratings {
            pairs.push(("rating", r.code().to_owned()));
        }
        for w in &self.warnings {
            pairs.push(("warning", w.code().to_owned()));
        }
        for c in &self.categories {
            pairs.push(("category", c.code().to_owned()));
        }
        let yn = |b: bool| if b { "yes" } else { "no" }.to_owned();
        if let Some(c) = self.complete {
            pairs.push(("complete", yn(c)));
        }
        if let Some(c) = self.crossover {
            pairs.push(("crossover", yn(c)));
        }
        if let Some(n) = self.words_from {
            pairs.push(("words_from", n.to_string()));
        }
        if let Some(n) = self.words_to {
            pairs.push(("words_to", n.to_string()));
        }
        if let Some(l) = &self.language {
            pairs.push(("language", l.clone()));
        }
        for (k, d) in [
            ("updated_from", self.updated_from),
            ("updated_to", self.updated_to),
            ("published_from", self.published_from),
            ("published_to", self.published_to),
        ] {
            if let Some(d) = d {
                pairs.push((k, d.to_string()));
            }
        }
        if self.per_page != DEFAULT_PER_PAGE {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One page of results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// How many works match (all pages).
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// Tag counts over every matching work, by kind, most common first.
    pub facets: Vec<FacetGroup>,
    /// How many works the request would find but for its spoiler filter
    /// ([`SearchRequest::unseen_canon`]).
    pub spoilers_hidden: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: WorkId,
    /// HTML (escaped text with `<b>` around matches) from the work's text, when the search
    /// looked in it.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetGroup {
    pub kind: TagKind,
    pub tags: Vec<FacetCount>,
}

/// A tag among the matching works, and how many carry it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetCount {
    /// Use with include= / exclude=.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: TagId,
    pub name: String,
    pub count: u64,
}

fn tag_id(s: &str) -> Option<TagId> {
    s.parse::<i64>().ok().filter(|n| *n > 0).map(TagId)
}

fn pseud_id(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|n| *n > 0)
}

fn number(s: &str) -> Option<u64> {
    s.replace([',', '_'], "").parse().ok()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `Some(Some(b))` for yes/no, `Some(None)` for "any", `None` for anything else.
fn yes_no(s: &str) -> Option<Option<bool>> {
    match s.to_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => Some(Some(true)),
        "no" | "false" | "0" => Some(Some(false)),
        "any" | "" => Some(None),
        _ => None,
    }
}

fn names(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',')
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
}

/// `a=1&b=x+y` into decoded pairs (`+` is a space, `%XX` a byte; bad escapes kept as is).
pub fn parse_pairs(qs: &str) -> Vec<(String, String)> {
    qs.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value (unreserved characters kept, space as `+`).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod keys {
    use super::SearchRequest;

    /// Each listed parameter is read: a value it cannot take is refused by name, or one it
    /// can changes the request.
    #[test]
    fn every_listed_parameter_is_read() {
        let plain = format!("{:?}", SearchRequest::default());
        for key in SearchRequest::QUERY_KEYS {
            let refused = SearchRequest::from_query_string(&format!("{key}=%24%24%24"));
            let read = match refused {
                Err(e) => e.message.contains(key),
                Ok(r) => format!("{r:?}") != plain,
            };
            assert!(read, "{key} is listed but not read");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_urls() {
        let qs = "q=angst+%22no+sunset%22&sort=kudos&include=3&include=5&exclude=9\
                  &rating=teen&rating=mature&complete=yes&crossover=no&words_from=1%2C000\
                  &language=en&updated_from=2024-01-01&exclude_creators=Bad+Author%2C+Other\
                  &creator_id=7&exclude_creator_id=8&exclude_creator_id=12&include_restricted=yes";
        let r = SearchRequest::from_query_string(qs).expect("reads");
        assert_eq!(r.query, "angst \"no sunset\"");
        assert_eq!(r.sort, Some(Sort::Kudos));
        assert_eq!(r.include_tag_ids, vec![TagId(3), TagId(5)]);
        assert_eq!(r.exclude_tag_ids, vec![TagId(9)]);
        assert_eq!(r.ratings, vec![Rating::TeenAndUp, Rating::Mature]);
        assert_eq!((r.complete, r.crossover), (Some(true), Some(false)));
        assert_eq!(r.words_from, Some(1000));
        assert_eq!(r.exclude_creators, vec!["Bad Author", "Other"]);
        assert_eq!(r.include_creator_ids, vec![7]);
        assert_eq!(r.exclude_creator_ids, vec![8, 12]);
        // Who may see restricted works is not the URL's to say.
        assert!(!r.include_restricted);
        let again = SearchRequest::from_query_string(&r.to_query_string()).expect("reads");
        assert_eq!(again, r);
    }

    #[test]
    fn bad_parameters_say_which() {
        let e = SearchRequest::from_query_string("sort=sideways").expect_err("refused");
        assert!(e.message.contains("sort"), "{}", e.message);
        let e = SearchRequest::from_query_string("page=0").expect_err("refused");
        assert!(e.message.contains("page"), "{}", e.message);
        assert!(SearchRequest::from_query_string("page=100000").is_err());
        assert!(SearchRequest::from_query_string("%ZZ=1&&=&x").is_ok());
    }
}
