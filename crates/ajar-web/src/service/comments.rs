//! Writing comments and replies. Who may comment where, and what they see, is decided by
//! the rules in `crate::comments` (the work's comment policy, blocks, moderation); this is
//! the one path a new comment takes from any door.

use crate::auth::Ctx;
use crate::comments::{
    author_of, comment_body, deletable_comment, guest_name, may_comment, may_reply, moderates,
    own_comment, visible_comment, Viewing,
};
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{CommentId, WorkId};
use ajar_store::{CommentStatus, NewComment, PageStart};

/// Where a new comment goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place {
    /// A new thread under a work's chapter.
    Chapter { work: WorkId, chapter: u32 },
    /// A reply to a comment.
    Reply(CommentId),
}

/// A new comment, as typed.
pub(crate) struct CommentRequest<'a> {
    pub(crate) place: Place,
    pub(crate) body: &'a str,
    /// A guest's name (ignored for a logged-in commenter).
    pub(crate) guest_name: &'a str,
    /// The pseud to comment as (an id as sent); the account's default when empty.
    pub(crate) pseud: &'a str,
}

/// A stored comment.
pub(crate) struct Posted {
    pub(crate) id: CommentId,
    pub(crate) work: WorkId,
    /// It waits for a creator's approval before others see it.
    pub(crate) pending: bool,
}

/// Whether the viewer may comment at `place`, and whether their comment would wait for
/// approval: the checks a comment form makes before it is shown.
pub(crate) async fn may_post(state: &AppState, ctx: &Ctx, place: Place) -> Result<bool, Error> {
    Ok(target(state, ctx, place).await?.2)
}

/// The work, chapter and pending flag a comment at `place` gets, or why it may not.
async fn target(
    state: &AppState,
    ctx: &Ctx,
    place: Place,
) -> Result<(WorkId, u32, bool, Option<CommentId>), Error> {
    match place {
        Place::Chapter { work, chapter } => {
            let access = crate::access::visible_work(state, ctx, work).await?;
            let pending = may_comment(state, ctx, &access).await?;
            Ok((work, chapter, pending, None))
        }
        Place::Reply(id) => {
            let (parent, access) = visible_comment(state, ctx, id).await?;
            if parent.status != CommentStatus::Visible {
                return Err(Error::BadRequest(
                    "That comment awaits approval, so it can't be replied to yet.".to_owned(),
                ));
            }
            let pending = may_comment(state, ctx, &access).await?;
            may_reply(state, ctx, &parent).await?;
            Ok((parent.work, parent.chapter, pending, Some(parent.id)))
        }
    }
}

/// Stores a comment or reply: the work must be one the viewer may see and its policy let
/// them comment (moderated: it waits for approval); the body is sanitized; a guest gives a
/// name, a user comments under one of their own pseuds. Rate-limited per person.
pub(crate) async fn post(
    state: &AppState,
    ctx: &Ctx,
    request: CommentRequest<'_>,
) -> Result<Posted, Error> {
    let (work, chapter, pending, parent) = target(state, ctx, request.place).await?;
    let name = if ctx.is_guest() {
        guest_name(request.guest_name).map_err(|e| Error::Invalid(vec![e]))?
    } else {
        String::new()
    };
    let body = comment_body(request.body).map_err(|e| Error::Invalid(vec![e]))?;
    let author = author_of(ctx, &name, request.pseud).map_err(|e| Error::Invalid(vec![e]))?;
    state.limits.hit(Action::Comment, &ctx.actor_key())?;
    let new = NewComment {
        work,
        chapter,
        parent,
        author,
        body: &body,
        pending,
    };
    let id = state.store.add_comment(&new).await.map_err(|e| match e {
        ajar_store::StoreError::NotFound(_) => Error::NotFound,
        other => super::refusal(other),
    })?;
    Ok(Posted { id, work, pending })
}

/// Replaces the text of one of the viewer's own comments; answers the comment as it was.
pub(crate) async fn edit(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
    body: &str,
) -> Result<ajar_store::Comment, Error> {
    let comment = own_comment(state, ctx, id).await?;
    let body = comment_body(body).map_err(|e| Error::Invalid(vec![e]))?;
    if !state.store.edit_comment(comment.id, &body).await? {
        return Err(Error::NotFound);
    }
    Ok(comment)
}

/// Deletes a comment: the viewer's own, or any on a work they moderate (its creators,
/// admins). A deleted comment with replies stays as a placeholder so its thread stays
/// whole. Answers the comment as it was.
pub(crate) async fn delete(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<ajar_store::Comment, Error> {
    let comment = deletable_comment(state, ctx, id).await?;
    state.store.delete_comment(comment.id).await?;
    Ok(comment)
}

/// Approves a comment waiting on a moderated work, by one of its creators (or an admin).
pub(crate) async fn approve(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<ajar_store::Comment, Error> {
    ctx.require_user()?;
    let (comment, access) = visible_comment(state, ctx, id).await?;
    if !moderates(ctx, &access) {
        return Err(Error::Forbidden(
            "Only the work's creators can approve comments on it.".to_owned(),
        ));
    }
    state.store.approve_comment(comment.id).await?;
    Ok(comment)
}

/// A comment as the viewer sees it in a thread: its text, or only that it is there.
pub(crate) struct SeenComment {
    pub(crate) comment: ajar_store::Comment,
    /// Why its text is not shown (deleted, muted, suspended), when it is not.
    pub(crate) placeholder: Option<&'static str>,
}

/// A page of a work's comment threads as the viewer sees them.
pub(crate) struct Threads {
    /// Top-level comments on every page.
    pub(crate) threads: u64,
    /// This page's comments the viewer sees, oldest first; a comment whose text is not
    /// shown is here only when a reply under it is.
    pub(crate) comments: Vec<SeenComment>,
    /// Where the next page starts, when there may be one: after this page's last thread.
    pub(crate) next: Option<ThreadKey>,
}

/// Where a thread stands among a work's: its chapter, and its top-level comment.
pub(crate) type ThreadKey = (u32, CommentId);

/// A page of `per_page` threads from `start` (an offset, or after a thread) on the work (on one chapter, or all), as the
/// viewer sees them: pending comments only to their author and the work's creators,
/// nothing of what people the viewer muted wrote, a deleted comment only as the place of
/// its replies. A work the viewer may not see is not found, and so is an offset past the
/// last thread.
pub(crate) async fn threads(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    chapter: Option<u32>,
    start: PageStart<ThreadKey>,
    per_page: u32,
) -> Result<Threads, Error> {
    let access = crate::access::visible_work(state, ctx, work).await?;
    let found = state
        .store
        .comment_threads(work, chapter, per_page, start)
        .await?;
    if matches!(start, PageStart::Offset(offset) if offset > 0 && offset >= found.threads) {
        return Err(Error::NotFound);
    }
    let roots: Vec<ThreadKey> = found
        .comments
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| (c.chapter, c.id))
        .collect();
    let next = (roots.len() >= per_page as usize)
        .then(|| roots.last().copied())
        .flatten();
    let viewing = Viewing::new(state, ctx, &access).await?;
    let by_id: std::collections::HashMap<CommentId, &ajar_store::Comment> =
        found.comments.iter().map(|c| (c.id, c)).collect();
    // A comment is listed when the viewer sees its text and every comment above it, or
    // when such a comment is under it.
    let mut listed = std::collections::HashSet::new();
    for c in &found.comments {
        if !viewing.shows(c) || viewing.placeholder(c).is_some() {
            continue;
        }
        let mut chain = vec![c.id];
        let mut above = c.parent;
        let mut whole = true;
        while let Some(parent) = above.and_then(|p| by_id.get(&p)) {
            if !viewing.shows(parent) {
                whole = false;
                break;
            }
            chain.push(parent.id);
            above = parent.parent;
        }
        if whole {
            listed.extend(chain);
        }
    }
    let comments = found
        .comments
        .into_iter()
        .filter(|c| listed.contains(&c.id))
        .map(|comment| SeenComment {
            placeholder: viewing.placeholder(&comment),
            comment,
        })
        .collect();
    Ok(Threads {
        threads: found.threads,
        comments,
        next,
    })
}

/// A work's comments that wait for approval, for one of its creators: the work's title and
/// the comments, oldest first.
pub(crate) async fn pending(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
) -> Result<(String, Vec<ajar_store::Comment>), Error> {
    crate::access::own_work(state, ctx, work).await?;
    let title = crate::access::work_title(state, work).await?;
    Ok((title, state.store.pending_comments(work).await?))
}
