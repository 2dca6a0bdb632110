//! Adding, editing, reordering and deleting a work's chapters, by its creators.

use super::refusal;
use crate::access::OwnedWork;
use crate::auth::Ctx;
use crate::posting::form::ChapterForm;
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{Chapter, WorkId};
use ajar_store::StoreError;

/// How many chapters the work has now.
async fn count(state: &AppState, id: WorkId) -> Result<u32, Error> {
    let header = state.store.work_header(id).await?.ok_or(Error::NotFound)?;
    Ok(header.stats.chapters)
}

/// Checks a chapter without saving it (what a preview shows).
pub(crate) fn check(form: &ChapterForm, position: u32) -> Result<Chapter, Error> {
    form.to_chapter(position).map_err(Error::Invalid)
}

/// Adds a chapter after the last; answers its number. Rate-limited with posting.
pub(crate) async fn add(
    state: &AppState,
    ctx: &Ctx,
    work: &OwnedWork,
    form: &ChapterForm,
) -> Result<u32, Error> {
    let id = work.id();
    let chapter = check(form, count(state, id).await? + 1)?;
    state.limits.check(Action::Post, &ctx.actor_key())?;
    let position = state
        .store
        .add_chapter(id, &chapter)
        .await
        .map_err(refusal)?;
    state.limits.record(Action::Post, &ctx.actor_key());
    state
        .store
        .set_chapter_source(id, position, form.source().as_ref())
        .await?;
    Ok(position)
}

/// Replaces a chapter's title, notes and text.
pub(crate) async fn edit(
    state: &AppState,
    work: &OwnedWork,
    position: u32,
    form: &ChapterForm,
) -> Result<(), Error> {
    let id = work.id();
    if position == 0 || position > count(state, id).await? {
        return Err(Error::NotFound);
    }
    let chapter = check(form, position)?;
    match state.store.update_chapter(id, position, &chapter).await {
        Err(StoreError::NotFound(_)) => return Err(Error::NotFound),
        other => other.map_err(refusal)?,
    }
    state
        .store
        .set_chapter_source(id, position, form.source().as_ref())
        .await?;
    Ok(())
}

/// Puts the chapters in a new order: `order` lists the current chapter numbers in the
/// order they are to take.
pub(crate) async fn reorder(
    state: &AppState,
    work: &OwnedWork,
    order: &[u32],
) -> Result<(), Error> {
    state
        .store
        .reorder_chapters(work.id(), order)
        .await
        .map_err(refusal)
}

/// Deletes a chapter and its comments; the chapters after it move up one. A work's only
/// chapter cannot be deleted (delete the work instead).
pub(crate) async fn delete(state: &AppState, work: &OwnedWork, position: u32) -> Result<(), Error> {
    match state.store.delete_chapter(work.id(), position).await {
        Err(StoreError::NotFound(_)) => Err(Error::NotFound),
        other => other.map_err(refusal),
    }
}
