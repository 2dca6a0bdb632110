//! Writing comments and replies. Who may comment where, and what they see, is decided by
//! the rules in `crate::comments` (the work's comment policy, blocks, moderation); this is
//! the one path a new comment takes from any door.

use crate::auth::Ctx;
use crate::comments::{
    author_of, comment_body, guest_name, may_comment, may_reply, visible_comment,
};
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{CommentId, WorkId};
use ajar_store::{CommentStatus, NewComment};

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
