//! Bookmarks: one per reader per work, edited in place; private ones shown to their owner
//! only; only works the viewer may see. The work page's form and the API save and delete
//! through here, and a reader's bookmarks page and the API read them here.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::comments::user_html;
use crate::views::thousands;
use crate::{AppState, Error};
use ajar_core::{Html, WorkId};
use ajar_store::{Audience, Bookmark, NewBookmark, User, WorkBlurb};
use serde::Deserialize;

/// The longest notes accepted, in characters.
pub(crate) const MAX_NOTES_CHARS: usize = 5_000;
/// The longest tag list accepted, in characters.
pub(crate) const MAX_TAGS_CHARS: usize = 1_000;
/// The longest single tag.
const MAX_TAG_CHARS: usize = 100;
/// A bookmark as a reader asks for it, from the work page's form or the API.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BookmarkRequest {
    /// Your notes, at most 5,000 characters; HTML is sanitized, plain text becomes
    /// paragraphs.
    #[serde(default)]
    pub(crate) notes: String,
    /// Your own tags, comma-separated (at most 1,000 characters, 100 a tag).
    #[serde(default)]
    pub(crate) tags: String,
    /// Shown to you alone.
    #[serde(default)]
    pub(crate) private: bool,
    /// A recommendation.
    #[serde(default)]
    pub(crate) rec: bool,
}

/// Saves the reader's bookmark of a work (made, or edited in place): the one place its rules
/// live (an account, a work they may see, notes and tags within bounds) for the form and the
/// API alike.
pub(crate) async fn save(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    sent: &BookmarkRequest,
) -> Result<(), Error> {
    let account = ctx.require_user()?;
    visible_work(state, ctx, work).await?;
    let notes = clean_notes(&sent.notes)?;
    let tags = clean_tags(&sent.tags)?;
    let bookmark = NewBookmark {
        notes: &notes,
        tags: &tags,
        private: sent.private,
        rec: sent.rec,
    };
    state
        .store
        .save_bookmark(account.id, work, &bookmark)
        .await?;
    Ok(())
}

/// Deletes the reader's bookmark of a work they may see; `false` when they had none.
pub(crate) async fn delete(state: &AppState, ctx: &Ctx, work: WorkId) -> Result<bool, Error> {
    let account = ctx.require_user()?;
    visible_work(state, ctx, work).await?;
    Ok(state.store.delete_bookmark(account.id, work).await?)
}

/// The reader's bookmark of a work they may see; not found when they have none.
pub(crate) async fn get(state: &AppState, ctx: &Ctx, work: WorkId) -> Result<Bookmark, Error> {
    let account = ctx.require_user()?;
    visible_work(state, ctx, work).await?;
    state
        .store
        .bookmark(account.id, work)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of someone's bookmarks as the viewer may see them.
pub(crate) struct UserBookmarks {
    pub(crate) user: User,
    /// Each bookmark with its work, most recently changed first.
    pub(crate) found: Vec<(Bookmark, WorkBlurb)>,
    pub(crate) total: u64,
}

/// The `page`th page (from 1) of `per_page` of a user's bookmarks: their private ones only
/// to themselves, works only those the viewer may see, and none of a suspended account's
/// (but to admins) until the suspension is lifted. No such user, or a page past the last,
/// is not found.
pub(crate) async fn of_user(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    page: u64,
    per_page: u32,
) -> Result<UserBookmarks, Error> {
    let user = state
        .store
        .user_by_name(name)
        .await?
        .ok_or(Error::NotFound)?;
    if user.suspended && !ctx.viewer.is_admin() {
        return Err(Error::NotFound);
    }
    let own = ctx.viewer.user_id() == Some(user.id);
    let offset = page.saturating_sub(1).saturating_mul(u64::from(per_page));
    let (found, total) = state
        .store
        .user_bookmarks(user.id, Audience::of(&ctx.viewer), own, per_page, offset)
        .await?;
    crate::service::listings::check_page(page, total, per_page)?;
    let (marks, mut blurbs): (Vec<Bookmark>, Vec<WorkBlurb>) = found.into_iter().unzip();
    crate::access::own_counts(&state.store, ctx, &mut blurbs).await?;
    Ok(UserBookmarks {
        user,
        found: marks.into_iter().zip(blurbs).collect(),
        total,
    })
}

/// The user's tags as stored: trimmed, empty ones dropped, ", " between them.
fn clean_tags(tags: &str) -> Result<String, Error> {
    if tags.chars().count() > MAX_TAGS_CHARS {
        return Err(Error::BadRequest(format!(
            "Your tags can be at most {} characters in all.",
            thousands(MAX_TAGS_CHARS as u64)
        )));
    }
    let list: Vec<&str> = tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(long) = list.iter().find(|t| t.chars().count() > MAX_TAG_CHARS) {
        return Err(Error::BadRequest(format!(
            "A tag can be at most {MAX_TAG_CHARS} characters (\"{}…\" is longer).",
            long.chars().take(30).collect::<String>()
        )));
    }
    if list.iter().any(|t| t.chars().any(char::is_control)) {
        return Err(Error::BadRequest(
            "Tags cannot hold control characters.".to_owned(),
        ));
    }
    Ok(list.join(", "))
}

fn clean_notes(notes: &str) -> Result<Html, Error> {
    let count = notes.trim().chars().count();
    if count > MAX_NOTES_CHARS {
        return Err(Error::BadRequest(format!(
            "Bookmark notes can be at most {} characters; yours have {}.",
            thousands(MAX_NOTES_CHARS as u64),
            thousands(count as u64)
        )));
    }
    Ok(user_html(notes))
}
