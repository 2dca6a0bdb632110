//! The JSON API's tags and creators, as their pages show them to the viewer (the same
//! functions: `service::listings::tag_summary`, `service::listings::creator_summary`): `GET
//! /api/v1/tags/{name}` and `GET /api/v1/users/{name}`. Their works are a search away
//! (`works` links to `/api/v1/works` with the filter).

use crate::api::WorkJson;
use crate::auth::Ctx;
use crate::openapi::{BodyRefusals, ChangeRefusals, Missing, ProblemDetails, Refusals};
use crate::service::listings::{creator_summary, tag_summary};
use crate::{AppState, Error};
use ajar_core::Media;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub(crate) struct KindCount {
    #[schema(inline, value_type = crate::openapi::TagKindCode)]
    kind: &'static str,
    works: u64,
}

/// A name, in the path: a tag's (as in its page's address) or a pseud's.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the handlers, which decode it as a tag page's address
struct NamePath {
    name: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Tag)]
pub(crate) struct TagJson {
    name: String,
    /// The kinds the tag is used as, with how many works carry it as each.
    kinds: Vec<KindCount>,
    /// Works carrying it, of any kind.
    works: u64,
    /// The tag's page on the site.
    url: String,
    /// Its works, through the search API.
    works_url: String,
    /// Its Atom feed.
    feed_url: String,
    /// What wrangling says of the tag.
    wrangling: Option<WranglingJson>,
}

/// A tag's wrangling state: canonical or a synonym, and the tags it is linked to (by name).
#[derive(Serialize, ToSchema)]
#[schema(as = Wrangling)]
pub(crate) struct WranglingJson {
    #[schema(inline, value_type = crate::openapi::TagKindCode)]
    kind: &'static str,
    /// "canonical", "synonym of NAME", "unwrangleable" or "not wrangled yet".
    status: String,
    canonical: bool,
    unwrangleable: bool,
    /// The canonical tag this one is a synonym of.
    synonym_of: Option<String>,
    synonyms: Vec<String>,
    parents: Vec<String>,
    children: Vec<String>,
    meta_tags: Vec<String>,
    sub_tags: Vec<String>,
}

impl WranglingJson {
    pub(crate) fn of(state: &ajar_store::TagState) -> WranglingJson {
        let names = |list: &[ajar_store::TagRef]| -> Vec<String> {
            list.iter().map(|t| t.name.as_str().to_owned()).collect()
        };
        WranglingJson {
            kind: state.tag.kind.code(),
            status: state.status(),
            canonical: state.canonical,
            unwrangleable: state.unwrangleable,
            synonym_of: state.merger.as_ref().map(|m| m.name.as_str().to_owned()),
            synonyms: names(&state.synonyms),
            parents: names(&state.parents),
            children: names(&state.children),
            meta_tags: names(&state.metas),
            sub_tags: names(&state.subs),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WrangleRequest)]
pub(crate) struct WrangleJson {
    #[schema(inline, value_type = crate::openapi::WrangleAction)]
    action: String,
    /// The other tag (the canonical tag, parent, meta or sub tag), or the new name for
    /// rename.
    #[serde(default)]
    target: String,
}

/// Wrangle a tag
///
/// Make it canonical or a synonym, set parents and meta tags, rename: one change, as on its
/// wrangling page (wranglers' and admins' tokens).
#[utoipa::path(post, path = "/api/v1/tags/{name}/wrangle", security(("token" = []), ("basic" = [])), params(NamePath), request_body = WrangleJson,
    responses((status = 200, description = "The tag's new state.", body = WranglingJson),
        BodyRefusals, Missing, ChangeRefusals))]
pub(crate) async fn wrangle(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<WranglingJson>, Error> {
    crate::service::wrangling::require_wrangler(&ctx)?;
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let name = crate::tag_url::decode(&segment).ok_or(Error::NotFound)?;
    let sent: WrangleJson = super::json_body(sent, "change")?;
    let request = crate::service::wrangling::WrangleRequest {
        action: sent.action,
        target: sent.target,
    };
    let after = crate::service::wrangling::wrangle(&state, &ctx, &name, &request).await?;
    Ok(Json(WranglingJson::of(&after)))
}

/// A tag: the kinds it is used as, and how many works carry it
#[utoipa::path(get, path = "/api/v1/tags/{name}", params(NamePath),
    responses((status = 200, description = "The tag, as its page shows it to the account.", body = TagJson),
        Missing, Refusals))]
pub(crate) async fn tag(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<TagJson>, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let name = crate::tag_url::decode(&segment).ok_or(Error::NotFound)?;
    let summary = tag_summary(&state, &ctx, &name).await?;
    Ok(Json(TagJson {
        url: crate::tag_url::tag_href(&summary.name),
        works_url: format!(
            "/api/v1/works?include_tags={}",
            ajar_search::encode(&summary.name)
        ),
        feed_url: crate::feeds::tag_feed_link(&summary.name).1,
        kinds: summary
            .kinds
            .iter()
            .map(|(kind, works)| KindCount {
                kind: kind.code(),
                works: *works,
            })
            .collect(),
        works: summary.total,
        wrangling: summary.wrangling.as_ref().map(WranglingJson::of),
        name: summary.name,
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = Creator)]
pub(crate) struct CreatorJson {
    name: String,
    /// The pseud's id, for `creator_id=` in a search.
    id: i64,
    /// Works the viewer may list.
    works: u64,
    /// The latest of them, most recently updated first.
    latest: Vec<WorkJson>,
    /// Their page on the site.
    url: String,
    /// Their works, through the search API.
    works_url: String,
    /// Their Atom feed.
    feed_url: String,
}

/// A creator (any pseud): how many works, and the latest
#[utoipa::path(get, path = "/api/v1/users/{name}", params(NamePath),
    responses((status = 200, description = "The creator, as their page shows them to the account.", body = CreatorJson),
        Missing, Refusals))]
pub(crate) async fn creator(
    State(state): State<AppState>,
    ctx: Ctx,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<CreatorJson>, Error> {
    let Path(name) = name.map_err(|_| Error::NotFound)?;
    let (pseud, latest, total) = creator_summary(&state, &ctx, &name).await?;
    Ok(Json(CreatorJson {
        id: pseud.id.0,
        works: total,
        latest: latest.into_iter().map(WorkJson::from).collect(),
        url: crate::tag_url::user_href(&pseud.name),
        works_url: format!("/api/v1/works?creator_id={}", pseud.id.0),
        feed_url: crate::feeds::creator_feed_link(&pseud.name).1,
        name: pseud.name,
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CanonEntry)]
pub(crate) struct CanonEntryJson {
    id: i64,
    /// "4×13", or "#7" for an entry known by its order alone.
    label: String,
    position: u32,
    season: Option<u32>,
    number: Option<u32>,
    title: String,
    aired: Option<chrono::NaiveDate>,
    /// Works that spoil it.
    spoiling: u64,
    /// Works about it: re-writes, missing scenes, post-episode, divergence.
    about: u64,
    /// Its page on the site.
    url: String,
}

/// A fandom's canon timeline
///
/// Its entries (episodes, chapters, films) in order, with how many works spoil each entry and
/// are about it.
#[utoipa::path(get, path = "/api/v1/tags/{name}/canon", params(NamePath),
    responses((status = 200, description = "The timeline.", body = Vec<CanonEntryJson>),
        Missing, Refusals))]
pub(crate) async fn canon(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<CanonEntryJson>>, Error> {
    let Path(segment) = name.map_err(|_| Error::NotFound)?;
    let fandom = crate::tag_url::decode(&segment).ok_or(Error::NotFound)?;
    let timeline = crate::service::canon::timeline(&state, &fandom).await?;
    Ok(Json(
        timeline
            .into_iter()
            .map(|t| CanonEntryJson {
                id: t.entry.id,
                label: t.entry.label(),
                position: t.entry.position,
                season: t.entry.season,
                number: t.entry.number,
                url: format!("/canon/{}", t.entry.id),
                title: t.entry.title,
                aired: t.entry.aired,
                spoiling: t.spoiling,
                about: t.about,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
#[schema(as = CanonFollowed)]
pub(crate) struct CanonFollowedJson {
    fandom_id: i64,
    fandom: String,
    /// Seen up to this place in the timeline (0: none of it).
    seen: u32,
    /// Entries in the timeline.
    entries: u32,
    /// The timeline's page on the site.
    timeline: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CanonProgress)]
pub(crate) struct CanonProgressJson {
    canons: Vec<CanonFollowedJson>,
    /// Works that spoil the rest are shown with their summaries hidden rather than left out.
    blur: bool,
}

/// How far you are in each canon you follow
///
/// For spoiler-aware browsing.
#[utoipa::path(get, path = "/api/v1/canon/progress", security(("token" = []), ("basic" = [])),
    responses((status = 200, description = "Your progress.", body = CanonProgressJson), Refusals))]
pub(crate) async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<CanonProgressJson>, Error> {
    ctx.require_user()?;
    let (canons, blur) = crate::spoilers::followed(&state, &ctx).await?;
    Ok(Json(CanonProgressJson {
        canons: canons
            .into_iter()
            .map(|c| CanonFollowedJson {
                fandom_id: c.fandom.0,
                timeline: crate::tag_url::canon_href(c.name.as_str()),
                fandom: c.name.to_string(),
                seen: c.seen,
                entries: c.entries,
            })
            .collect(),
        blur,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CanonProgressChange)]
pub(crate) struct ProgressChange {
    /// The fandom tag's id (`fandom_id`).
    fandom: i64,
    /// Seen up to this place in its timeline (0: none of it); `null` or absent: all of it
    /// (follow it no more).
    seen: Option<u32>,
    /// Leave out the works that spoil the rest (`hide`) or blur them (`blur`).
    #[schema(inline, value_type = Option<crate::openapi::SpoilerMode>)]
    mode: Option<String>,
}

/// Say how far you are in a canon
///
/// Searches, listings and feeds then leave out the works that spoil the rest (or blur them).
#[utoipa::path(put, path = "/api/v1/canon/progress", security(("token" = []), ("basic" = [])), request_body = ProgressChange,
    responses((status = 204, description = "Set."),
        (status = 404, description = "No fandom with a canon timeline has this id.", body = ProblemDetails, content_type = "application/problem+json"),
        BodyRefusals, ChangeRefusals))]
pub(crate) async fn set_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<axum::response::Response, Error> {
    use axum::response::IntoResponse;
    ctx.require_user()?;
    let sent: ProgressChange = crate::api::json_body(sent, "progress")?;
    let change = crate::spoilers::ProgressChange {
        fandom: ajar_core::TagId(sent.fandom),
        seen: sent.seen,
        blur: crate::spoilers::blur_of(sent.mode.as_deref())?,
    };
    crate::spoilers::change_progress(&state, &ctx, change).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Fandoms on one page of `GET /api/v1/fandoms`.
const FANDOMS_PER_PAGE: usize = 500;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct FandomsQuery {
    /// Only this media's fandoms (its name, as in `/media/NAME/fandoms`); every media's when
    /// left out.
    #[param(inline, value_type = Option<crate::openapi::MediaName>)]
    media: Option<String>,
    /// The next page: `next_cursor` of the page before, as it came.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// A fandom, and how many of the works the account may list carry it.
#[derive(Serialize, ToSchema)]
#[schema(as = Fandom)]
pub(crate) struct FandomJson {
    /// The tag's id, for `include=` in a search.
    id: i64,
    name: String,
    #[schema(inline, value_type = crate::openapi::MediaName)]
    media: &'static str,
    works: u64,
    /// The tag's page on the site.
    url: String,
    /// Its works, through the search API.
    works_url: String,
}

/// A page of fandoms.
#[derive(Serialize, ToSchema)]
#[schema(as = Fandoms)]
pub(crate) struct FandomsJson {
    /// By media (in the order of the fandoms page), then by name.
    fandoms: Vec<FandomJson>,
    /// Send as `cursor` for the next page; `null` on the last.
    next_cursor: Option<String>,
}

/// The fandoms, by media
///
/// Every fandom the account's works carry, with how many carry it, as the fandoms page lists
/// them: by media, then by name, 500 a page.
#[utoipa::path(get, path = "/api/v1/fandoms", params(FandomsQuery),
    responses((status = 200, description = "A page of fandoms.", body = FandomsJson),
        (status = 400, description = "`media` is not a media's name, or `cursor` is not one this API gave.", body = ProblemDetails, content_type = "application/problem+json"),
        Refusals))]
pub(crate) async fn fandoms(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<FandomsQuery>, QueryRejection>,
) -> Result<Json<FandomsJson>, Error> {
    let Query(query) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let media = query.media.as_deref().map(media_named).transpose()?;
    let after = query
        .cursor
        .as_deref()
        .map(FandomKey::of_cursor)
        .transpose()?;
    let groups = crate::counts::fandoms_by_media(&state, &ctx).await?;
    let listed = groups
        .iter()
        .filter(|g| media.is_none_or(|m| g.media == m))
        .flat_map(|g| g.fandoms.iter().map(move |f| (g.media, f)))
        .filter(|(m, f)| after.as_ref().is_none_or(|a| FandomKey::of(*m, f) > *a));
    let mut page: Vec<_> = listed.take(FANDOMS_PER_PAGE + 1).collect();
    let more = page.len() > FANDOMS_PER_PAGE;
    page.truncate(FANDOMS_PER_PAGE);
    let next_cursor = page
        .last()
        .filter(|_| more)
        .map(|(m, f)| FandomKey::of(*m, f).cursor());
    Ok(Json(FandomsJson {
        fandoms: page
            .into_iter()
            .map(|(m, f)| FandomJson::new(m, f))
            .collect(),
        next_cursor,
    }))
}

fn media_named(name: &str) -> Result<Media, Error> {
    Media::from_name(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = Media::ALL.map(Media::name).to_vec();
        Error::BadRequest(format!("media: one of {}.", names.join(", ")))
    })
}

/// Where a fandom is in the list: its media's place, its name (any case), its id.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct FandomKey(usize, String, i64);

impl FandomKey {
    fn of(media: Media, fandom: &ajar_store::TagCount) -> FandomKey {
        let place = Media::ALL.iter().position(|m| *m == media).unwrap_or(0);
        FandomKey(place, fandom.name.as_str().to_lowercase(), fandom.id.0)
    }

    fn of_cursor(sent: &str) -> Result<FandomKey, Error> {
        let ([place, id], name) = super::cursor::decode_named::<2>(sent)?;
        let place = usize::try_from(place)
            .map_err(|_| Error::BadRequest("cursor: not one this API gave.".to_owned()))?;
        Ok(FandomKey(place, name, id))
    }

    fn cursor(&self) -> String {
        let FandomKey(place, name, id) = self;
        super::cursor::encode_named(&[i64::try_from(*place).unwrap_or(0), *id], name)
    }
}

impl FandomJson {
    fn new(media: Media, fandom: &ajar_store::TagCount) -> FandomJson {
        let name = fandom.name.as_str();
        FandomJson {
            id: fandom.id.0,
            name: name.to_owned(),
            media: media.name(),
            works: fandom.works,
            url: crate::tag_url::tag_href(name),
            works_url: format!("/api/v1/works?include={}", fandom.id.0),
        }
    }
}
