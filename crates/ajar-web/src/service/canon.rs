//! Canon timelines as readers see them: a fandom's timeline with how many works spoil and
//! are about each entry, an entry with those works (as the viewer may list them), and a
//! work's links to entries.

use crate::auth::Ctx;
use crate::{AppState, Error};
use ajar_core::TagName;
use ajar_formats::canon_csv::{read_canon_csv, write_canon_csv, CanonRow};
use ajar_store::{CanonEntry, CanonLink, TimelineEntry, WorkBlurb};

/// Works an entry's page lists of each kind.
pub(crate) const ENTRY_WORKS: u32 = 50;

/// A fandom's timeline; not found when it has none.
pub(crate) async fn timeline(
    state: &AppState,
    fandom: &TagName,
) -> Result<Vec<TimelineEntry>, Error> {
    let timeline = state.store.canon_timeline(fandom).await?;
    if timeline.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(timeline)
}

/// An entry, with the works about it and the works that spoil it that the viewer may list
/// (newest first, at most [`ENTRY_WORKS`] each).
pub(crate) async fn entry(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(CanonEntry, Vec<WorkBlurb>, Vec<WorkBlurb>), Error> {
    let entry = state.store.canon_entry(id).await?.ok_or(Error::NotFound)?;
    let audience = crate::access::audience(ctx);
    let about = state
        .store
        .canon_entry_works(id, false, ENTRY_WORKS)
        .await?;
    let spoiling = state.store.canon_entry_works(id, true, ENTRY_WORKS).await?;
    let mut about = state.store.works_by_ids(audience, &about).await?;
    let mut spoiling = state.store.works_by_ids(audience, &spoiling).await?;
    // The reader came for this entry: its works are listed, those that spoil what they
    // have not seen with their summaries hidden.
    let unseen = crate::spoilers::unseen(&state.store, ctx).await?;
    crate::spoilers::mark(&state.store, &unseen, &mut about).await?;
    crate::spoilers::mark(&state.store, &unseen, &mut spoiling).await?;
    Ok((entry, about, spoiling))
}

/// A work's links to canon entries (the caller has checked the viewer may see the work).
pub(crate) async fn work_links(
    state: &AppState,
    work: ajar_core::WorkId,
) -> Result<Vec<CanonLink>, Error> {
    Ok(state.store.work_canon(work).await?)
}

/// The writer's word on a canon link read from their work (`confirm`, or remove it); only
/// the work's creators (and admins) may say it. Not found when there is no such link.
pub(crate) async fn settle_link(
    state: &AppState,
    ctx: &Ctx,
    work: ajar_core::WorkId,
    entry: i64,
    relation: &str,
    confirm: bool,
) -> Result<(), Error> {
    let owned = crate::access::own_work(state, ctx, work).await?;
    if state
        .store
        .settle_canon_link(owned.id(), entry, relation, confirm)
        .await?
    {
        if let Some(search) = state.search.get() {
            search.notify_changed();
        }
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The writer's own link from their work to a canon entry; only the work's creators (and
/// admins) may add one. An entry or relation that does not exist is refused.
pub(crate) async fn add_link(
    state: &AppState,
    ctx: &Ctx,
    work: ajar_core::WorkId,
    entry: i64,
    relation: &str,
) -> Result<(), Error> {
    let owned = crate::access::own_work(state, ctx, work).await?;
    if !state
        .store
        .add_canon_link(owned.id(), entry, relation)
        .await?
    {
        return Err(Error::BadRequest(
            "Choose an entry of the timeline and what the work is to it.".to_owned(),
        ));
    }
    if let Some(search) = state.search.get() {
        search.notify_changed();
    }
    Ok(())
}

/// Whether the viewer may confirm or remove the work's canon links.
pub(crate) fn may_settle(ctx: &Ctx, access: &ajar_store::WorkAccess) -> bool {
    access.is_creator(&ctx.viewer) || ctx.viewer.is_admin()
}

/// A timeline file's rows as the store takes them (the editor's and `ajar canon import`'s).
pub fn canon_entries(rows: &[CanonRow]) -> Vec<ajar_store::NewCanonEntry<'_>> {
    rows.iter()
        .map(|r| ajar_store::NewCanonEntry {
            fandom: &r.fandom,
            position: r.position,
            season: r.season,
            number: r.number,
            title: &r.title,
            aired: r.date,
        })
        .collect()
}

/// A fandom's timeline as its editor shows it: the fandom's name and the timeline as a CSV
/// file (only the header for a fandom that has none yet). Wranglers and admins only; not
/// found when there is no such fandom.
pub(crate) async fn timeline_text(
    state: &AppState,
    ctx: &Ctx,
    fandom: &TagName,
) -> Result<(TagName, String), Error> {
    crate::service::wrangling::require_wrangler(ctx)?;
    let timeline = state.store.canon_timeline(fandom).await?;
    let name = match timeline.first() {
        Some(t) => t.entry.fandom.clone(),
        None => {
            let kinds = state.store.tags_with_name(fandom).await?;
            if !kinds
                .iter()
                .any(|(_, kind)| *kind == ajar_core::TagKind::Fandom)
            {
                return Err(Error::NotFound);
            }
            fandom.clone()
        }
    };
    let rows: Vec<CanonRow> = timeline
        .into_iter()
        .map(|t| CanonRow {
            fandom: t.entry.fandom,
            season: t.entry.season,
            number: t.entry.number,
            position: t.entry.position,
            title: t.entry.title,
            date: t.entry.aired,
        })
        .collect();
    Ok((name, write_canon_csv(&rows)))
}

/// Stores `text` (a CSV file of entries, as `ajar canon import` reads) as `fandom`'s
/// timeline, and links its works again. Wranglers and admins only. A file that cannot be
/// read (one without entries among them) is refused with its line, one with an entry of
/// another fandom with that entry; a refused file changes nothing.
pub(crate) async fn save_timeline(
    state: &AppState,
    ctx: &Ctx,
    fandom: &TagName,
    text: &str,
) -> Result<ajar_store::CanonImport, Error> {
    let (name, _) = timeline_text(state, ctx, fandom).await?;
    let rows =
        read_canon_csv(text.as_bytes()).map_err(|e| Error::Invalid(vec![format!("{e}.")]))?;
    if let Some(other) = rows.iter().find(|r| !r.fandom.eq_ignore_case(&name)) {
        return Err(Error::Invalid(vec![format!(
            "This page edits the timeline of {name}: the entry “{}” is of {}.",
            other.title, other.fandom
        )]));
    }
    let done = state
        .store
        .import_canon(&canon_entries(&rows), |_, _| {})
        .await?;
    if let Some(search) = state.search.get() {
        search.notify_changed();
    }
    Ok(done)
}
