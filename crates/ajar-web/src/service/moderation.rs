//! Reporting a work or a comment to the archive's admins, and what admins do about it:
//! act on a report, hide a work, suspend an account, set how new accounts are made, make
//! invitation codes. Every admin action asks [`require_admin`] first.

use crate::auth::Ctx;
use crate::moderation::{target, Target, MAX_REASON_CHARS};
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{Role, SignupMode, UserId, WorkId};
use ajar_store::{Report, ReportAction};

/// The most invitation codes made at once.
pub(crate) const MAX_INVITATIONS: u32 = 100;

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

/// The viewer's account when it is an admin's; 403 otherwise (guests are told to log in).
pub(crate) fn require_admin(ctx: &Ctx) -> Result<UserId, Error> {
    let account = ctx.require_user()?;
    if account.role == Role::Admin {
        Ok(account.id)
    } else {
        Err(Error::Forbidden("Only admins can do that.".to_owned()))
    }
}

/// The open reports, oldest first, at most `limit`.
pub(crate) async fn open_reports(
    state: &AppState,
    ctx: &Ctx,
    limit: u32,
) -> Result<Vec<Report>, Error> {
    require_admin(ctx)?;
    Ok(state.store.open_reports(limit).await?)
}

/// Acts on a report and resolves it, in one transaction; answers how it was resolved.
pub(crate) async fn act_on_report(
    state: &AppState,
    ctx: &Ctx,
    report: i64,
    action: ReportAction,
) -> Result<String, Error> {
    let admin = require_admin(ctx)?;
    state
        .store
        .act_on_report(report, admin, action)
        .await
        .map(|resolution| resolution.to_string())
        .map_err(|e| match e {
            ajar_store::StoreError::NotFound(_) => Error::NotFound,
            other => super::refusal(other),
        })
}

/// Hides a work from everyone but admins (or shows it again).
pub(crate) async fn set_work_hidden(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    hidden: bool,
) -> Result<(), Error> {
    require_admin(ctx)?;
    if !state.store.set_work_hidden(work, hidden).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Suspends an account (or lifts its suspension); an admin cannot suspend their own.
pub(crate) async fn set_suspended(
    state: &AppState,
    ctx: &Ctx,
    user: UserId,
    suspended: bool,
) -> Result<(), Error> {
    let admin = require_admin(ctx)?;
    if suspended && user == admin {
        return Err(Error::BadRequest(
            "You cannot suspend your own account.".into(),
        ));
    }
    if !state.store.set_suspended(user, suspended).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Sets how new accounts are made: open, by invitation, or closed.
pub(crate) async fn set_signup_mode(
    state: &AppState,
    ctx: &Ctx,
    mode: SignupMode,
) -> Result<(), Error> {
    require_admin(ctx)?;
    Ok(state.store.set_signup_mode(mode).await?)
}

/// Makes `count` invitation codes (1 to [`MAX_INVITATIONS`]), each good for one account.
pub(crate) async fn make_invitations(
    state: &AppState,
    ctx: &Ctx,
    count: u32,
) -> Result<Vec<String>, Error> {
    let admin = require_admin(ctx)?;
    if !(1..=MAX_INVITATIONS).contains(&count) {
        return Err(Error::Invalid(vec![format!(
            "Make between 1 and {MAX_INVITATIONS} invitation codes at once."
        )]));
    }
    let codes: Vec<String> = (0..count)
        .map(|_| crate::auth::random_token().chars().take(16).collect())
        .collect();
    let batch: Vec<&str> = codes.iter().map(String::as_str).collect();
    state.store.create_invitations(&batch, Some(admin)).await?;
    Ok(codes)
}

/// Puts a mail given up on back in the outbox (admins only); 404 when no failed mail has
/// that id.
pub(crate) async fn retry_mail(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), Error> {
    require_admin(ctx)?;
    if !state.store.retry_mail(id).await? {
        return Err(Error::NotFound);
    }
    state.mail_worker.wake();
    Ok(())
}
