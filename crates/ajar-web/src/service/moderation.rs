//! Reporting a work or a comment to the archive's admins.

use crate::auth::Ctx;
use crate::moderation::{target, Target, MAX_REASON_CHARS};
use crate::ratelimit::Action;
use crate::{AppState, Error};

/// Reports the work or comment named (as sent: an id, or nothing) with the reporter's
/// reason, if the reporter may see it; rate-limited. Guests may report too. Answers what
/// was reported.
pub(crate) async fn report(
    state: &AppState,
    ctx: &Ctx,
    work: Option<&str>,
    comment: Option<&str>,
    reason: &str,
) -> Result<Target, Error> {
    let target = target(state, ctx, work, comment).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid(vec![
            "Say what is wrong: the reason is required.".to_owned(),
        ]));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::Invalid(vec![format!(
            "The reason is too long: at most {MAX_REASON_CHARS} characters."
        )]));
    }
    state.limits.hit(Action::Report, &ctx.actor_key())?;
    state
        .store
        .create_report(ctx.viewer.user_id(), target.item, reason)
        .await?;
    Ok(target)
}
