//! What other modules add to a work page: each feature (posting's owner tools, kudos,
//! bookmarks and comments, subscriptions and reports) renders its own part of the page with
//! its own template, and this module puts them in order. A work page stays one handler in
//! `works.rs`; features stay in their own modules.
//!
//! Sections are rendered for the reader at hand: for guests the page (sections included) is
//! cached and shared for up to a second, so guest sections must not depend on the guest.

use crate::auth::Ctx;
use crate::{AppState, Error};
use ajar_store::WorkAccess;

/// Which part of the work the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// One chapter (1-based position), of `chapters` in all.
    Chapter { position: u32, chapters: u32 },
    /// The whole work.
    Full { chapters: u32 },
}

/// The HTML of each place on a work page that features fill.
#[derive(Default)]
pub(crate) struct Sections {
    /// Above the work's metadata: actions on the work (edit, subscribe, mark for later, ...).
    pub(crate) actions: String,
    /// After the spoiler warning: the canon entries the work spoils and is about.
    pub(crate) canon: String,
    /// After the text: kudos, bookmarks, comments.
    pub(crate) after: String,
}

/// Renders every feature's sections for this reader and work, with the `comments_page`th
/// page of its comments.
pub(crate) async fn render(
    _state: &AppState,
    _ctx: &Ctx,
    _access: &WorkAccess,
    _part: Part,
    comments_page: u64,
) -> Result<Sections, Error> {
    // Each part asks the store on its own: together, not one after another, so that on
    // PostgreSQL their round trips overlap rather than add up.
    let (canon, owner_tools, actions, kudos, bookmarks, comments) = tokio::try_join!(
        crate::canon::work_section(_state, _ctx, _access),
        crate::posting::owner_tools(_state, _ctx, _access, _part),
        crate::follows::work_actions(_state, _ctx, _access, _part),
        crate::kudos::section(_state, _ctx, _access),
        crate::bookmarks::section(_state, _ctx, _access),
        crate::comments::section(_state, _ctx, _access, _part, comments_page),
    )?;
    let sections = Sections {
        canon,
        actions: owner_tools + &actions,
        after: kudos + &bookmarks + &comments,
    };
    Ok(sections)
}
