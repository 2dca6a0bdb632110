//! The JSON API's tags and creators, as their pages show them to the viewer (the same
//! functions: `service::listings::tag_summary`, `service::listings::creator_summary`): `GET
//! /api/v1/tags/{name}` and `GET /api/v1/users/{name}`. Their works are a search away
//! (`works` links to `/api/v1/works` with the filter).

use crate::api::WorkJson;
use crate::auth::Ctx;
use crate::service::listings::{creator_summary, tag_summary};
use crate::{AppState, Error};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(crate) struct KindCount {
    /// fandom, relationship, character, freeform, rating, warning or category.
    kind: &'static str,
    works: u64,
}

#[derive(Serialize)]
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
    feed_url: String,
    /// What wrangling says of the tag.
    wrangling: Option<WranglingJson>,
}

/// A tag's wrangling state: canonical or a synonym, and the tags it is linked to (by name).
#[derive(Serialize)]
pub(crate) struct WranglingJson {
    /// fandom, relationship, character, freeform, rating, warning or category.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WrangleJson {
    action: String,
    #[serde(default)]
    target: String,
}

/// `POST /api/v1/tags/{name}/wrangle` (wranglers' and admins' tokens): one change to the
/// tag, as on its wrangling page; answers its new state.
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

/// `GET /api/v1/tags/{name}`.
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

#[derive(Serialize)]
pub(crate) struct CreatorJson {
    name: String,
    /// The pseud's id, for `creator_id=` in a search.
    id: i64,
    /// Works the viewer may list.
    works: u64,
    /// The latest of them, most recently updated first.
    latest: Vec<WorkJson>,
    url: String,
    works_url: String,
    feed_url: String,
}

/// `GET /api/v1/users/{name}`: a creator (any pseud).
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

#[derive(Serialize)]
pub(crate) struct CanonEntryJson {
    id: i64,
    /// "4×13", or "#7" for an entry known by its order alone.
    label: String,
    position: u32,
    season: Option<u32>,
    number: Option<u32>,
    title: String,
    aired: Option<chrono::NaiveDate>,
    /// Works that spoil it, and works about it (re-writes, missing scenes...).
    spoiling: u64,
    about: u64,
    url: String,
}

/// `GET /api/v1/tags/{name}/canon`: a fandom's canon timeline, in order.
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

#[derive(Serialize)]
pub(crate) struct CanonFollowedJson {
    fandom_id: i64,
    fandom: String,
    /// Seen up to this place in the timeline (0: none of it).
    seen: u32,
    entries: u32,
    timeline: String,
}

#[derive(Serialize)]
pub(crate) struct CanonProgressJson {
    canons: Vec<CanonFollowedJson>,
    blur: bool,
}

/// `GET /api/v1/canon/progress`: how far the account is in each canon it follows.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProgressChange {
    fandom: i64,
    /// `null`: seen it all (follow it no more).
    seen: Option<u32>,
    mode: Option<String>,
}

/// `PUT /api/v1/canon/progress` with `{"fandom", "seen", "mode"}`: `204`.
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
