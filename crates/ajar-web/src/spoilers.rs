//! Spoiler-aware browsing: a reader says how far they are in each canon (on their account,
//! or in a cookie for guests), and every listing, search, feed and API answer then leaves
//! out the works linked to canon entries past that point, inside the search so totals and
//! facet counts stay right, and says how many it left out. A reader may blur such works
//! instead (their summaries behind a "show" control); a work page that spoils past their
//! progress shows a gate naming the entry before its text.
//!
//! Progress is written `FANDOM-POSITION` pairs joined by dots (`12-3.45-0`: seen fandom
//! 12's timeline up to its third entry, none of fandom 45's), in the guests' cookie
//! ([`SEEN_COOKIE`], with `.blur` when they blur) and in a feed's address (`?seen=`, for
//! feed readers, which send no cookies). `?spoilers=show` in any address shows what the
//! filter would hide, once, marked.

use crate::accounts::{form, local_return};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::{AppState, Error};
use ajar_core::{TagId, WorkId};
use ajar_store::{CanonEntry, CanonProgress, Store, StoreError, WorkBlurb};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;

/// The guests' progress cookie.
pub(crate) const SEEN_COOKIE: &str = "ajar_seen";

/// Fandoms a progress holds at most (a cookie stays small, a query stays bounded).
const MAX_FANDOMS: usize = 100;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/canon/progress", post(set_progress))
}

/// What a request says of spoilers, read once with its session (see `auth::context`).
#[derive(Debug, Clone, Default)]
pub(crate) struct SpoilerView {
    /// A guest's progress, from their cookie (a logged-in reader's is on their account).
    guest: CanonProgress,
    /// `spoilers=show` in the address: nothing is left out this once (still marked).
    pub(crate) show: bool,
    /// `seen=` in the address: this progress instead of the reader's own.
    seen: Option<Vec<(TagId, u32)>>,
    /// The reader's progress and the entries they have not seen, read from the store once
    /// per request however many parts of a page ask (the request's copies share it).
    read: std::sync::Arc<tokio::sync::OnceCell<(CanonProgress, Vec<i64>)>>,
}

impl PartialEq for SpoilerView {
    fn eq(&self, other: &SpoilerView) -> bool {
        (&self.guest, self.show, &self.seen) == (&other.guest, other.show, &other.seen)
    }
}

impl SpoilerView {
    pub(crate) fn of(headers: &HeaderMap, query: Option<&str>) -> SpoilerView {
        let guest = crate::auth::cookie(headers, SEEN_COOKIE)
            .map(decode_cookie)
            .unwrap_or_default();
        let mut view = SpoilerView {
            guest,
            ..SpoilerView::default()
        };
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match &*key {
                "spoilers" => view.show = value == "show",
                "seen" => view.seen = Some(decode(&value)),
                _ => {}
            }
        }
        view
    }

    /// What a kept page rendered for this view must be told apart by (guests' pages are
    /// shared by all guests with the same view).
    pub(crate) fn cache_key(&self) -> String {
        if self.guest == CanonProgress::default() && !self.show && self.seen.is_none() {
            return String::new();
        }
        format!(
            "|spoilers={}{}{}",
            encode_cookie(&self.guest),
            if self.show { "&show" } else { "" },
            self.seen
                .as_ref()
                .map(|s| format!("&seen={}", encode(s)))
                .unwrap_or_default()
        )
    }
}

/// `12-3.45-0`.
pub(crate) fn encode(seen: &[(TagId, u32)]) -> String {
    seen.iter()
        .map(|(f, p)| format!("{}-{p}", f.0))
        .collect::<Vec<_>>()
        .join(".")
}

/// The pairs of an encoded progress; anything that is not a pair is skipped, and a fandom
/// named twice keeps its first position.
pub(crate) fn decode(text: &str) -> Vec<(TagId, u32)> {
    let mut seen: Vec<(TagId, u32)> = Vec::new();
    for item in text.split('.') {
        let Some((f, p)) = item.split_once('-') else {
            continue;
        };
        let (Ok(f), Ok(p)) = (f.parse::<i64>(), p.parse::<u32>()) else {
            continue;
        };
        if f > 0 && !seen.iter().any(|(g, _)| g.0 == f) && seen.len() < MAX_FANDOMS {
            seen.push((TagId(f), p));
        }
    }
    seen.sort_by_key(|(f, _)| f.0);
    seen
}

fn encode_cookie(progress: &CanonProgress) -> String {
    let mut value = encode(&progress.seen);
    if progress.blur {
        value.push_str(if value.is_empty() { "blur" } else { ".blur" });
    }
    value
}

fn decode_cookie(value: &str) -> CanonProgress {
    CanonProgress {
        seen: decode(value),
        blur: value.split('.').any(|item| item == "blur"),
    }
}

/// How far the reader is in each canon: from their account, or a guest's cookie; an
/// address's `seen=` stands for either.
pub(crate) async fn progress(store: &Store, ctx: &Ctx) -> Result<CanonProgress, StoreError> {
    Ok(read(store, ctx).await?.0.clone())
}

/// The reader's progress and the entries past it, read once per request.
async fn read<'c>(
    store: &Store,
    ctx: &'c Ctx,
) -> Result<&'c (CanonProgress, Vec<i64>), StoreError> {
    ctx.spoilers
        .read
        .get_or_try_init(|| async {
            let mut progress = match ctx.viewer.user_id() {
                Some(user) => store.canon_progress(user).await?,
                None => ctx.spoilers.guest.clone(),
            };
            if let Some(seen) = &ctx.spoilers.seen {
                progress.seen = seen.clone();
            }
            let unseen = if progress.seen.is_empty() {
                Vec::new()
            } else {
                store.unseen_canon(&progress.seen).await?
            };
            Ok((progress, unseen))
        })
        .await
}

/// The canon entries the reader has not seen, and whether works linked to them are left
/// out (else they are shown, marked).
#[derive(Debug, Clone, Default)]
pub(crate) struct Unseen {
    pub(crate) entries: Vec<i64>,
    hide: bool,
}

impl Unseen {
    /// The entries whose works are left out: none when the reader blurs, or asked to see
    /// them this once.
    pub(crate) fn hidden(&self) -> Vec<i64> {
        if self.hide {
            self.entries.clone()
        } else {
            Vec::new()
        }
    }
}

/// What the reader has not seen. No query for a guest who follows no canon, one for a
/// logged-in reader following none (two when they follow some), once a request.
pub(crate) async fn unseen(store: &Store, ctx: &Ctx) -> Result<Unseen, StoreError> {
    let (progress, entries) = read(store, ctx).await?;
    Ok(Unseen {
        entries: entries.clone(),
        hide: !progress.blur && !ctx.spoilers.show,
    })
}

/// The entries a feed leaves out: those past the progress its address carries (`seen=`),
/// whoever fetches it (a feed is the same for everyone who has its address).
pub(crate) async fn unseen_for_feed(
    store: &Store,
    query: Option<&str>,
) -> Result<Vec<i64>, StoreError> {
    let view = SpoilerView::of(&HeaderMap::new(), query);
    match view.seen {
        Some(seen) if !view.show && !seen.is_empty() => store.unseen_canon(&seen).await,
        _ => Ok(Vec::new()),
    }
}

/// Marks the blurbs of works that spoil what the reader has not seen with the first such
/// entry, so their summaries are shown behind a control.
pub(crate) async fn mark(
    store: &Store,
    unseen: &Unseen,
    blurbs: &mut [WorkBlurb],
) -> Result<(), StoreError> {
    if unseen.entries.is_empty() || blurbs.is_empty() {
        return Ok(());
    }
    let ids: Vec<WorkId> = blurbs.iter().map(|b| b.id).collect();
    let spoiled = store.spoiled_by(&ids, &unseen.entries).await?;
    for blurb in blurbs {
        if let Some(entry) = spoiled.get(&blurb.id) {
            blurb.spoils = Some(entry.name());
        }
    }
    Ok(())
}

/// The entry a work spoils that the reader has not seen (the first in timeline order), when
/// its page should be gated: not when they asked to see it.
pub(crate) async fn gate(
    store: &Store,
    ctx: &Ctx,
    work: WorkId,
) -> Result<Option<CanonEntry>, StoreError> {
    if ctx.spoilers.show {
        return Ok(None);
    }
    let unseen = unseen(store, ctx).await?;
    if unseen.entries.is_empty() {
        return Ok(None);
    }
    Ok(store
        .spoiled_by(&[work], &unseen.entries)
        .await?
        .remove(&work))
}

/// What a work page shows in place of the text when the work spoils what the reader has
/// not seen.
#[derive(Template)]
#[template(path = "canon/gate.html")]
pub(crate) struct GatePage {
    layout: crate::views::Layout,
    title: String,
    entry: CanonEntry,
    entry_name: String,
    show_href: String,
    back: String,
    timeline_href: String,
    csrf_token: &'static str,
}

impl GatePage {
    /// The gate of the work titled `title` at `here` (its path and query).
    pub(crate) fn new(
        title: String,
        entry: CanonEntry,
        here: &str,
        prefs: crate::prefs::ReaderPrefs,
    ) -> GatePage {
        let entry_name = entry.name();
        let timeline_href = crate::tag_url::canon_href(entry.fandom.as_str());
        GatePage {
            layout: crate::views::Layout::new(
                Some(format!("{title} - Spoiler warning")),
                format!("This work spoils {entry_name}."),
            )
            .with_prefs(prefs),
            title,
            entry,
            entry_name,
            show_href: with_param(here, "spoilers=show"),
            back: here.to_owned(),
            timeline_href,
            csrf_token: crate::auth::CSRF_PLACEHOLDER,
        }
    }
}

/// The line a listing shows when the spoiler filter left works out: how many, and the same
/// page with them shown.
pub(crate) struct HiddenLine {
    pub(crate) count: String,
    pub(crate) show_href: String,
}

impl HiddenLine {
    /// The line for `hidden` works left out of the page at `path_and_query`; none for none.
    pub(crate) fn of(hidden: u64, path_and_query: &str) -> Option<HiddenLine> {
        (hidden > 0).then(|| HiddenLine {
            count: format!(
                "{} {}",
                crate::views::thousands(hidden),
                if hidden == 1 { "work" } else { "works" }
            ),
            show_href: with_param(path_and_query, "spoilers=show"),
        })
    }
}

/// A feed's address carrying the reader's progress (feed readers send no cookies).
pub(crate) fn feed_href(href: &str, seen: &str) -> String {
    if seen.is_empty() {
        href.to_owned()
    } else {
        with_param(href, &format!("seen={seen}"))
    }
}

fn with_param(path_and_query: &str, param: &str) -> String {
    let joint = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{path_and_query}{joint}{param}")
}

// ---------------------------------------------------------------------------------------
// Setting progress

#[derive(serde::Deserialize)]
struct ProgressForm {
    /// The fandom's tag id.
    fandom: String,
    /// A position (0: nothing yet), or "all" (seen everything: nothing hidden).
    seen: String,
    /// "hide" or "blur"; absent keeps the reader's choice.
    mode: Option<String>,
    /// The page to go back to.
    back: Option<String>,
}

/// What a reader said on a picker.
pub(crate) struct ProgressChange {
    pub(crate) fandom: TagId,
    pub(crate) seen: Option<u32>,
    pub(crate) blur: Option<bool>,
}

async fn set_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<ProgressForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let fandom = f
        .fandom
        .trim()
        .parse::<i64>()
        .map(TagId)
        .map_err(|_| Error::BadRequest("The fandom is not a number.".to_owned()))?;
    let seen = match f.seen.trim() {
        "all" => None,
        n => Some(n.parse::<u32>().map_err(|_| {
            Error::BadRequest("Say how far you are as an entry of the timeline.".to_owned())
        })?),
    };
    let change = ProgressChange {
        fandom,
        seen,
        blur: blur_of(f.mode.as_deref())?,
    };
    let cookie = change_progress(&state, &ctx, change).await?;
    let back = local_return(f.back.as_deref().or(ctx.referer_path.as_deref()));
    let mut response = crate::accounts::see_other(&back);
    if let Some(value) = cookie {
        // Nothing left to keep: the cookie goes.
        let max_age = if value.is_empty() { 0 } else { 31_536_000 };
        let cookie = crate::auth::set_cookie(SEEN_COOKIE, &value, max_age, ctx.secure);
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// What a progress form or request says of spoilers past it: `hide` (leave them out),
/// `blur` (show them, summaries hidden), or nothing (keep the reader's choice).
pub(crate) fn blur_of(mode: Option<&str>) -> Result<Option<bool>, Error> {
    match mode.map(str::trim) {
        None | Some("") => Ok(None),
        Some("hide") => Ok(Some(false)),
        Some("blur") => Ok(Some(true)),
        Some(_) => Err(Error::BadRequest(
            "Choose to leave spoilers out (hide) or to blur them (blur).".to_owned(),
        )),
    }
}

/// Records how far the reader is in a fandom's canon (and whether they blur spoilers): on
/// their account, or for a guest as the new value of their cookie, returned. A fandom
/// without a timeline, or a position past its end, is refused and changes nothing.
pub(crate) async fn change_progress(
    state: &AppState,
    ctx: &Ctx,
    change: ProgressChange,
) -> Result<Option<String>, Error> {
    let Some((name, entries)) = state.store.canon_fandom(change.fandom).await? else {
        return Err(Error::NotFound);
    };
    if change.seen.is_some_and(|p| p > entries) {
        return Err(Error::BadRequest(format!(
            "The timeline of {name} has {entries} entries."
        )));
    }
    if let Some(user) = ctx.viewer.user_id() {
        state
            .store
            .set_canon_progress(user, change.fandom, change.seen)
            .await?;
        if let Some(blur) = change.blur {
            state.store.set_spoiler_blur(user, blur).await?;
        }
        return Ok(None);
    }
    let mut progress = ctx.spoilers.guest.clone();
    progress.seen.retain(|(f, _)| *f != change.fandom);
    if let Some(position) = change.seen {
        if progress.seen.len() >= MAX_FANDOMS {
            return Err(Error::BadRequest(format!(
                "You follow {MAX_FANDOMS} canons already: set one to “seen everything” first."
            )));
        }
        progress.seen.push((change.fandom, position));
        progress.seen.sort_by_key(|(f, _)| f.0);
    }
    if let Some(blur) = change.blur {
        progress.blur = blur;
    }
    Ok(Some(encode_cookie(&progress)))
}

/// One canon a reader follows, as the API lists it.
pub(crate) struct Followed {
    pub(crate) fandom: TagId,
    pub(crate) name: ajar_core::TagName,
    pub(crate) seen: u32,
    pub(crate) entries: u32,
}

/// The canons the reader follows (those that still have a timeline), and whether they blur.
pub(crate) async fn followed(state: &AppState, ctx: &Ctx) -> Result<(Vec<Followed>, bool), Error> {
    let progress = progress(&state.store, ctx).await?;
    let mut out = Vec::with_capacity(progress.seen.len());
    for (fandom, seen) in &progress.seen {
        if let Some((name, entries)) = state.store.canon_fandom(*fandom).await? {
            out.push(Followed {
                fandom: *fandom,
                name,
                seen: *seen,
                entries,
            });
        }
    }
    Ok((out, progress.blur))
}

// ---------------------------------------------------------------------------------------
// The picker

/// One choice of a picker.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// "I've seen … up to": a form for one fandom's timeline.
#[derive(Template)]
#[template(path = "canon/picker.html")]
pub(crate) struct Picker {
    fandom_id: i64,
    fandom: String,
    choices: Vec<Choice>,
    blur: bool,
    back: String,
    csrf_token: &'static str,
}

/// The pickers of the fandoms among `fandoms` (tag ids) that have a timeline, set to the
/// reader's progress, as HTML; empty when none has one. `back` is the page to return to.
pub(crate) async fn pickers(
    store: &Store,
    ctx: &Ctx,
    fandoms: &[TagId],
    back: &str,
) -> Result<String, Error> {
    let entries = store.canon_entries_of(fandoms).await?;
    if entries.is_empty() {
        return Ok(String::new());
    }
    let progress = progress(store, ctx).await?;
    let mut html = String::new();
    for fandom in fandoms {
        let mine: Vec<&CanonEntry> = entries
            .iter()
            .filter(|(f, _)| f == fandom)
            .map(|(_, e)| e)
            .collect();
        let Some(first) = mine.first() else {
            continue;
        };
        let current = progress
            .seen
            .iter()
            .find(|(f, _)| f == fandom)
            .map(|(_, p)| *p);
        let mut choices = vec![
            Choice {
                value: "all".to_owned(),
                label: "everything (hide nothing)".to_owned(),
                selected: current.is_none(),
            },
            Choice {
                value: "0".to_owned(),
                label: "nothing yet".to_owned(),
                selected: current == Some(0),
            },
        ];
        choices.extend(mine.iter().map(|e| Choice {
            value: e.position.to_string(),
            label: format!("{} {}", e.label(), e.title),
            selected: current == Some(e.position),
        }));
        let picker = Picker {
            fandom_id: fandom.0,
            fandom: first.fandom.to_string(),
            choices,
            blur: progress.blur,
            back: back.to_owned(),
            csrf_token: crate::auth::CSRF_PLACEHOLDER,
        };
        html.push_str(&picker.render().map_err(Error::Render)?);
    }
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_damage_is_skipped() {
        let seen = vec![(TagId(12), 3), (TagId(45), 0)];
        assert_eq!(encode(&seen), "12-3.45-0");
        assert_eq!(decode("45-0.12-3"), seen);
        assert_eq!(decode("12-3.12-9.x.-4-1.0-2.7-"), vec![(TagId(12), 3)]);
        let cookie = CanonProgress {
            seen: seen.clone(),
            blur: true,
        };
        assert_eq!(encode_cookie(&cookie), "12-3.45-0.blur");
        assert_eq!(decode_cookie("12-3.45-0.blur"), cookie);
        assert_eq!(decode_cookie("blur").seen, Vec::new());
        assert!(decode(&"1-1.".repeat(1000)).len() == 1);
    }

    #[test]
    fn the_address_shows_once_or_stands_for_the_progress() {
        let headers = HeaderMap::new();
        let view = SpoilerView::of(&headers, Some("page=2&spoilers=show&seen=3-1"));
        assert!(view.show);
        assert_eq!(view.seen, Some(vec![(TagId(3), 1)]));
        assert_eq!(view.cache_key(), "|spoilers=&show&seen=3-1");
        assert_eq!(SpoilerView::of(&headers, None).cache_key(), "");
    }
}
