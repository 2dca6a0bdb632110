//! A reader's own lists and choices: subscriptions, history, "marked for later", and the
//! people they mute or block. Each needs an account; each is the reader's alone.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::{AppState, Error};
use ajar_core::{SeriesId, TagName, UserId, WorkId};
use ajar_store::{
    Audience, Followed, OtherUser, PageStart, Reading, Subscription, Update, WorkBlurb,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Subscribes to (or, with `on` false, unsubscribes from) a work, creator, series or tag.
/// A work must be one the reader may see.
pub(crate) async fn subscribe(
    state: &AppState,
    ctx: &Ctx,
    followed: Followed,
    on: bool,
) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    if on {
        if let Followed::Work(work) = followed {
            visible_work(state, ctx, work).await?;
        }
        state.store.subscribe(user, followed).await?;
    } else {
        state.store.unsubscribe(user, followed).await?;
    }
    Ok(())
}

/// What a subscribe form offers to follow: a tag by name, or a series.
pub(crate) enum Subscribable<'a> {
    Tag(&'a TagName),
    Series(SeriesId),
}

/// A tag or series as the subscribe form shows it.
pub(crate) struct SubscribeTarget {
    pub(crate) followed: Followed,
    /// What it is, in words: "the tag Fluff", "the series The Ann Cycle".
    pub(crate) what: String,
    /// Whether the reader follows it already.
    pub(crate) subscribed: bool,
}

/// A tag or series the reader may follow; not found when no such tag is used, or the
/// series has no work they may list.
pub(crate) async fn subscribe_target(
    state: &AppState,
    ctx: &Ctx,
    asked: Subscribable<'_>,
) -> Result<SubscribeTarget, Error> {
    let user = ctx.require_user()?.id;
    let (followed, what) = match asked {
        Subscribable::Tag(name) => {
            let id = state
                .store
                .tag_id_named(name.as_str())
                .await?
                .ok_or(Error::NotFound)?;
            (Followed::Tag(id), format!("the tag {name}"))
        }
        Subscribable::Series(id) => {
            let found = state
                .store
                .series(Audience::of(&ctx.viewer), id)
                .await?
                .ok_or(Error::NotFound)?;
            (Followed::Series(id), format!("the series {}", found.title))
        }
    };
    let subscribed = state.store.is_subscribed(user, followed).await?;
    Ok(SubscribeTarget {
        followed,
        what,
        subscribed,
    })
}

/// The reader's subscriptions, each with what it follows (as the reader may see it).
pub(crate) async fn subscriptions(state: &AppState, ctx: &Ctx) -> Result<Vec<Subscription>, Error> {
    let user = ctx.require_user()?.id;
    Ok(state
        .store
        .subscriptions(user, Audience::of(&ctx.viewer))
        .await?)
}

/// A page of the reader's history (or of the works they marked for later).
pub(crate) struct Readings {
    /// Each work the reader may still see, with their reading of it, most recent first.
    pub(crate) works: Vec<(Reading, WorkBlurb)>,
    pub(crate) total: u64,
    /// Where the next page starts, when there is one: after this page's last reading.
    pub(crate) next: Option<ReadingKey>,
}

/// Where a reading stands in the history: when the work was last visited, and the work.
pub(crate) type ReadingKey = (DateTime<Utc>, WorkId);

/// A page of `per_page` works of the reader's history, or of the works they marked for
/// later, from `start` (an offset, or after a reading); an offset past the last is not found.
pub(crate) async fn readings(
    state: &AppState,
    ctx: &Ctx,
    later: bool,
    start: PageStart<ReadingKey>,
    per_page: u32,
) -> Result<Readings, Error> {
    let user = ctx.require_user()?.id;
    let audience = Audience::of(&ctx.viewer);
    // Visits are gathered and written with the hits: the reader's last one shows.
    state.hits.flush().await;
    // One more than the page, to know whether another follows.
    let (mut readings, total) = state
        .store
        .readings(user, audience, later, per_page.saturating_add(1), start)
        .await?;
    if matches!(start, PageStart::Offset(offset) if offset > 0 && offset >= total) {
        return Err(Error::NotFound);
    }
    let next = (readings.len() > per_page as usize).then(|| {
        readings.truncate(per_page as usize);
        readings.last().map(|r| (r.visited_at, r.work))
    });
    let next = next.flatten();
    let ids: Vec<WorkId> = readings.iter().map(|r| r.work).collect();
    let mut blurbs = state.store.works_by_ids(audience, &ids).await?;
    crate::access::own_counts(&state.store, ctx, &mut blurbs).await?;
    let mut by_id: HashMap<WorkId, WorkBlurb> = blurbs.into_iter().map(|b| (b.id, b)).collect();
    let works = readings
        .into_iter()
        .filter_map(|r| {
            let blurb = by_id.remove(&r.work)?;
            Some((r, blurb))
        })
        .collect();
    Ok(Readings { works, total, next })
}

/// Marks a work the reader may see for later (or, with `later` false, unmarks it).
pub(crate) async fn set_later(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    later: bool,
) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    visible_work(state, ctx, work).await?;
    state.store.set_later(user, work, later).await?;
    Ok(())
}

/// Whom a mute or block is about: the account behind the pseud `name`, which must be
/// someone else's.
async fn other_account(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
) -> Result<(UserId, UserId, ajar_store::Pseud), Error> {
    let user = ctx.require_user()?.id;
    let pseud = state
        .store
        .pseud_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    let target = pseud.user_id.ok_or_else(|| {
        Error::BadRequest(format!(
            "{} has no account here (their works were imported), so there is no one to mute \
             or block.",
            pseud.name
        ))
    })?;
    if target == user {
        return Err(Error::BadRequest(
            "You cannot mute or block yourself.".into(),
        ));
    }
    Ok((user, target, pseud))
}

/// What the reader does about another account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stance {
    /// Their works, comments and bookmarks are left out of what the reader sees.
    Mute,
    /// They may not comment on the reader's works nor reply to the reader's comments.
    Block,
}

/// Mutes or blocks (or, with `on` false, stops muting or blocking) the account behind the
/// pseud `name`; answers the pseud.
pub(crate) async fn set_stance(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    stance: Stance,
    on: bool,
) -> Result<ajar_store::Pseud, Error> {
    let (user, target, pseud) = other_account(state, ctx, name).await?;
    match (stance, on) {
        (Stance::Mute, true) => state.store.mute_user(user, target).await?,
        (Stance::Mute, false) => {
            state.store.unmute_user(user, target).await?;
        }
        (Stance::Block, true) => state.store.block_user(user, target).await?,
        (Stance::Block, false) => {
            state.store.unblock_user(user, target).await?;
        }
    }
    Ok(pseud)
}

/// The accounts the reader muted, and those they blocked.
pub(crate) async fn stances(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(Vec<OtherUser>, Vec<OtherUser>), Error> {
    let user = ctx.require_user()?.id;
    Ok(tokio::try_join!(
        state.store.muted_users(user),
        state.store.blocked_users(user)
    )?)
}

/// What is new from the reader's subscriptions since they last looked.
pub(crate) struct Updates {
    /// Each updated work the reader may see, with what is new in it, newest first.
    pub(crate) works: Vec<(Update, WorkBlurb)>,
    /// Updated works that did not fit: the next look shows them.
    pub(crate) more: u64,
    /// When the reader looked before.
    pub(crate) last_seen: Option<chrono::DateTime<chrono::Utc>>,
}

/// The reader's updates (at most `limit` works), marked seen by being read: the next call
/// shows only what is newer, and what did not fit.
pub(crate) async fn updates(state: &AppState, ctx: &Ctx, limit: u32) -> Result<Updates, Error> {
    let user = ctx.require_user()?.id;
    let audience = Audience::of(&ctx.viewer);
    let page = state.store.updates(user, audience, limit).await?;
    let ids: Vec<WorkId> = page.updates.iter().map(|u| u.work).collect();
    let mut blurbs = state.store.works_by_ids(audience, &ids).await?;
    crate::access::own_counts(&state.store, ctx, &mut blurbs).await?;
    let mut by_id: HashMap<WorkId, WorkBlurb> = blurbs.into_iter().map(|b| (b.id, b)).collect();
    // Only what is shown is marked seen: the rest, and chapters posted since, wait.
    let last_seen = state.store.mark_updates_seen(user, page.through).await?;
    let works = page
        .updates
        .into_iter()
        .filter_map(|u| {
            let blurb = by_id.remove(&u.work)?;
            Some((u, blurb))
        })
        .collect();
    Ok(Updates {
        works,
        more: page.more,
        last_seen,
    })
}

/// How the reader stands towards a creator (a pseud): whether they follow it, whether it is
/// their own, and — for another account's — whether they muted or blocked it.
pub(crate) struct Standing {
    pub(crate) subscribed: bool,
    pub(crate) own: bool,
    pub(crate) muted: bool,
    pub(crate) blocked: bool,
}

/// The reader's standing towards `pseud`.
pub(crate) async fn standing(
    state: &AppState,
    ctx: &Ctx,
    pseud: &ajar_store::Pseud,
) -> Result<Standing, Error> {
    let user = ctx.require_user()?.id;
    let subscribed = state
        .store
        .is_subscribed(user, Followed::Creator(pseud.id))
        .await?;
    let (own, muted, blocked) = match pseud.user_id {
        Some(target) if target == user => (true, false, false),
        Some(target) => (
            false,
            state.store.has_muted(user, target).await?,
            state.store.has_blocked(user, target).await?,
        ),
        None => (false, false, false),
    };
    Ok(Standing {
        subscribed,
        own,
        muted,
        blocked,
    })
}
