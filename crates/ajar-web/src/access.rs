//! The service layer's access checks: every handler that shows or acts on a work asks here
//! first, so pages, downloads, listings and the API agree on who sees what.

use crate::auth::Ctx;
use crate::error::LoginReason;
use crate::{AppState, Error};
use ajar_core::{Viewer, WorkId};
use ajar_store::WorkAccess;

/// The work's access facts when the viewer may see it. A guest asking for a work posted for
/// registered users is asked to log in (without a word of the work, as on AO3); to anyone
/// else a work they may not see is not there (404: hidden works and others' drafts).
pub(crate) async fn visible_work(
    state: &AppState,
    ctx: &Ctx,
    id: WorkId,
) -> Result<WorkAccess, Error> {
    match state.store.work_access(id).await? {
        Some(access) if access.visible_to(&ctx.viewer) => Ok(access),
        Some(access) if ctx.is_guest() && access.open_to_members() => {
            Err(Error::LoginRequired(LoginReason::RestrictedWork))
        }
        _ => Err(Error::NotFound),
    }
}

/// Whether `viewer` may see the work, as a 404 otherwise: feeds ask as a guest, whoever
/// fetches them, and a feed reader has no one to ask to log in.
pub(crate) async fn visible_work_to(
    state: &AppState,
    viewer: &Viewer,
    id: WorkId,
) -> Result<WorkAccess, Error> {
    match state.store.work_access(id).await? {
        Some(access) if access.visible_to(viewer) => Ok(access),
        _ => Err(Error::NotFound),
    }
}

/// A work the viewer may change: they are one of its creators, or an admin. Made only by
/// [`own_work`], and the services that change a work take one, so none of them can run
/// without the check (and a handler that checked first does not make them check again).
#[derive(Debug)]
pub(crate) struct OwnedWork(WorkAccess);

impl OwnedWork {
    pub(crate) fn id(&self) -> WorkId {
        self.0.id
    }
}

impl std::ops::Deref for OwnedWork {
    type Target = WorkAccess;

    fn deref(&self) -> &WorkAccess {
        &self.0
    }
}

/// The work, when the viewer is one of its creators (or an admin, who may act on any work);
/// 404 when they may not see it, 403 when they see it but it is not theirs.
pub(crate) async fn own_work(state: &AppState, ctx: &Ctx, id: WorkId) -> Result<OwnedWork, Error> {
    ctx.require_user()?;
    let access = visible_work(state, ctx, id).await?;
    if access.is_creator(&ctx.viewer) || ctx.viewer.is_admin() {
        Ok(OwnedWork(access))
    } else {
        Err(Error::Forbidden(
            "Only the work's creators can do that.".to_owned(),
        ))
    }
}

/// Whom a viewer's listings and counts are for.
pub(crate) fn audience(ctx: &Ctx) -> ajar_store::Audience {
    ajar_store::Audience::of(&ctx.viewer)
}

/// The counts on these blurbs as the viewer sees them: without the comments of the
/// people they muted, as their pages leave those comments out. One indexed query for the
/// page, and none for guests.
pub(crate) async fn own_counts(
    store: &ajar_store::Store,
    ctx: &Ctx,
    works: &mut [ajar_store::WorkBlurb],
) -> Result<(), ajar_store::StoreError> {
    let Some(user) = ctx.viewer.user_id() else {
        return Ok(());
    };
    let ids: Vec<WorkId> = works.iter().map(|w| w.id).collect();
    let muted = store.muted_comment_counts(user, &ids).await?;
    for work in works {
        if let Some(n) = muted.get(&work.id) {
            work.stats.comments = work.stats.comments.saturating_sub(*n);
        }
    }
    Ok(())
}

/// [`own_counts`] for one work's stats (its page).
pub(crate) async fn own_stats(
    store: &ajar_store::Store,
    ctx: &Ctx,
    work: WorkId,
    stats: &mut ajar_store::WorkStats,
) -> Result<(), ajar_store::StoreError> {
    let Some(user) = ctx.viewer.user_id() else {
        return Ok(());
    };
    if let Some(n) = store.muted_comment_counts(user, &[work]).await?.get(&work) {
        stats.comments = stats.comments.saturating_sub(*n);
    }
    Ok(())
}

/// What the viewer muted (people and tags; nothing for guests) and the canon entries whose
/// works their progress leaves out, for listings and counts read from the store. Searches
/// apply the same through their request.
pub(crate) async fn muted(
    store: &ajar_store::Store,
    ctx: &Ctx,
) -> Result<ajar_store::Muted, Error> {
    let mut muted = match ctx.viewer.user_id() {
        Some(user) => store.muted(user).await?,
        None => ajar_store::Muted::default(),
    };
    muted.unseen_canon = crate::spoilers::unseen(store, ctx).await?.hidden();
    Ok(muted)
}

/// A work's title, for a page about it (the caller has checked the viewer may see it).
pub(crate) async fn work_title(state: &AppState, id: WorkId) -> Result<String, Error> {
    Ok(state
        .store
        .work_header(id)
        .await?
        .ok_or(Error::NotFound)?
        .work
        .title)
}
