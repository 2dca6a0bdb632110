//! What a person does with the archive's mail: asking for a password reset link, confirming
//! an address (a new account's, or a changed one), their inbox, their mail settings, and
//! unsubscribing from a mail without logging in.

use crate::auth::{token_hash, Ctx};
use crate::mail::{self, Recipient, CONFIRM_LINK_HOURS, RESET_LINK_HOURS};
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{validate_email, UserId};
use ajar_store::{MailMode, Notice, NoticeCategory, StoreError};
use chrono::{Duration, Utc};

/// How many inbox items a page shows.
pub(crate) const INBOX_PAGE: u32 = 50;

/// "Forgot password": mails a one-time link (24 hours) to the account whose address (or
/// name) this is. The answer is the same whether there is one or not, and comes before
/// the lookup is made, so neither what it says nor how long it takes tells a stranger which
/// addresses have accounts. Rate-limited per visitor and per address asked about.
pub(crate) async fn request_password_reset(
    state: &AppState,
    ctx: &Ctx,
    who: &str,
) -> Result<(), Error> {
    let who = who.trim();
    if who.is_empty() || who.chars().count() > 254 {
        return Err(Error::Invalid(vec![
            "Enter the email address (or the name) of your account.".to_owned(),
        ]));
    }
    let asked = format!("reset:{}", who.to_lowercase());
    state.limits.check(Action::MailLink, &ctx.actor_key())?;
    state.limits.check(Action::MailLink, &asked)?;
    state.limits.record(Action::MailLink, &ctx.actor_key());
    state.limits.record(Action::MailLink, &asked);
    let state = state.clone();
    let who = who.to_owned();
    tokio::spawn(async move {
        if let Err(error) = mail_reset_link(&state, &who).await {
            tracing::warn!(%error, "could not queue a password reset mail");
        }
    });
    Ok(())
}

async fn mail_reset_link(state: &AppState, who: &str) -> Result<(), Error> {
    let Some((user, _)) = state.store.user_for_login(who).await? else {
        return Ok(());
    };
    if user.suspended {
        return Ok(());
    }
    let token = crate::random_token();
    let letter = mail::reset_letter(&state.mail, &user.name, &token);
    let mail = letter.into_mail(
        Recipient {
            user: Some(user.id),
            name: &user.name,
            address: &user.email,
        },
        "reset",
        format!("reset:{}", token_hash(&token)),
    )?;
    let expires = Utc::now() + Duration::hours(RESET_LINK_HOURS);
    state
        .store
        .mail_password_reset(&token_hash(&token), user.id, expires, &mail)
        .await?;
    state.mail_worker.wake();
    Ok(())
}

/// Mails a link that confirms `email` for the account: a new account's address, or the new
/// address of a change (then the old address is told, and the change waits for the link).
async fn mail_confirmation(
    state: &AppState,
    user: UserId,
    name: &str,
    email: &str,
    old_email: Option<&str>,
) -> Result<(), Error> {
    let token = crate::random_token();
    let hash = token_hash(&token);
    let mut mails = vec![
        mail::confirm_letter(&state.mail, name, &token, old_email.is_none()).into_mail(
            Recipient {
                user: Some(user),
                name,
                address: email,
            },
            "confirm",
            format!("confirm:{hash}"),
        )?,
    ];
    if let Some(old) = old_email {
        mails.push(
            mail::email_change_letter(&state.mail, name, email).into_mail(
                Recipient {
                    user: Some(user),
                    name,
                    address: old,
                },
                "email_changed",
                format!("email_changed:{hash}"),
            )?,
        );
    }
    let expires = Utc::now() + Duration::hours(CONFIRM_LINK_HOURS);
    state
        .store
        .start_email_confirmation(user, email, &hash, expires, &mails)
        .await?;
    state.mail_worker.wake();
    Ok(())
}

/// After sign-up: the new account's address is to be confirmed.
pub(crate) async fn welcome(
    state: &AppState,
    user: UserId,
    name: &str,
    email: &str,
) -> Result<(), Error> {
    mail_confirmation(state, user, name, email, None).await
}

/// Asks to change the viewer's address: nothing changes until the link mailed to the new
/// address is opened; the old address is told. The caller has checked the password.
pub(crate) async fn change_email(state: &AppState, ctx: &Ctx, email: &str) -> Result<(), Error> {
    let account = state
        .store
        .user(ctx.require_user()?.id)
        .await?
        .ok_or(Error::NotFound)?;
    let email = validate_email(email).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
    state.limits.check(Action::MailLink, &ctx.actor_key())?;
    if email.eq_ignore_ascii_case(&account.email) {
        return Err(Error::Invalid(vec![
            "That is your address already.".to_owned()
        ]));
    }
    if state.store.email_taken(email, account.id).await? {
        return Err(Error::Invalid(vec![
            "Another account uses that email address.".to_owned(),
        ]));
    }
    state.limits.record(Action::MailLink, &ctx.actor_key());
    let (confirmed, _) = state.store.email_state(account.id).await?;
    // An address never confirmed has nothing to protect: the new one replaces it as a new
    // account's would, and is confirmed the same way.
    let old = confirmed.then_some(account.email.as_str());
    if !confirmed {
        state
            .store
            .set_email(account.id, email)
            .await
            .map_err(super::refusal)?;
    }
    mail_confirmation(state, account.id, &account.name, email, old).await
}

/// Mails a new confirmation link to the account with this address, if it has one that is
/// not confirmed; answers the same either way.
pub(crate) async fn resend_confirmation(
    state: &AppState,
    ctx: &Ctx,
    who: &str,
) -> Result<(), Error> {
    let who = who.trim();
    if who.is_empty() {
        return Err(Error::Invalid(vec![
            "Enter the email address of your account.".to_owned(),
        ]));
    }
    state.limits.check(Action::MailLink, &ctx.actor_key())?;
    state.limits.record(Action::MailLink, &ctx.actor_key());
    let state = state.clone();
    let who = who.to_owned();
    tokio::spawn(async move {
        let result = async {
            let Some((user, _)) = state.store.user_for_login(&who).await? else {
                return Ok(());
            };
            let (confirmed, pending) = state.store.email_state(user.id).await?;
            if confirmed && pending.is_none() {
                return Ok(());
            }
            let address = pending.unwrap_or_else(|| user.email.clone());
            let old = confirmed.then_some(user.email.as_str());
            mail_confirmation(&state, user.id, &user.name, &address, old).await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not queue a confirmation mail");
        }
    });
    Ok(())
}

/// The address a confirmation link is for (to show before it is spent), if it is live.
pub(crate) async fn confirmation(state: &AppState, token: &str) -> Result<Option<String>, Error> {
    Ok(state
        .store
        .email_confirmation(&token_hash(token))
        .await?
        .map(|(_, email)| email))
}

/// Spends a confirmation link: the address it names becomes the account's, confirmed.
pub(crate) async fn confirm(state: &AppState, token: &str) -> Result<String, Error> {
    match state.store.confirm_email(&token_hash(token)).await {
        Ok(Some((_, email))) => Ok(email),
        Ok(None) => Err(Error::NotFound),
        Err(StoreError::Conflict(message)) => Err(Error::Invalid(vec![message])),
        Err(e) => Err(e.into()),
    }
}

/// A log-in where the archive requires a confirmed address: refused until it is.
pub(crate) async fn check_confirmed(
    state: &AppState,
    user: &ajar_store::User,
) -> Result<(), Error> {
    if !state.mail.require_confirmed_email {
        return Ok(());
    }
    let (confirmed, _) = state.store.email_state(user.id).await?;
    if confirmed {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "Confirm your email address first: open the link mailed to {}, or ask for a new \
             one at /confirm-email.",
            user.email
        )))
    }
}

/// A page of the viewer's inbox.
pub(crate) struct InboxPage {
    /// Newest first.
    pub(crate) notices: Vec<Notice>,
    /// Unread items in the whole inbox.
    pub(crate) unread: u64,
    /// `before` for the next (older) page, when there is one.
    pub(crate) older: Option<i64>,
}

/// A page of the viewer's inbox: [`INBOX_PAGE`] items older than `before` (an id).
pub(crate) async fn inbox(
    state: &AppState,
    ctx: &Ctx,
    before: Option<i64>,
) -> Result<InboxPage, Error> {
    let user = ctx.require_user()?.id;
    let mut notices = state.store.notices(user, before, INBOX_PAGE + 1).await?;
    let more = notices.len() > INBOX_PAGE as usize;
    notices.truncate(INBOX_PAGE as usize);
    let older = more.then(|| notices.last().map(|n| n.id)).flatten();
    let unread = state.store.unread_notices(user).await?;
    Ok(InboxPage {
        notices,
        unread,
        older,
    })
}

/// What a person does to inbox items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboxAction {
    Read,
    Unread,
    Delete,
    /// Every item read.
    ReadAll,
}

impl InboxAction {
    const ALL: [InboxAction; 4] = [
        InboxAction::Read,
        InboxAction::Unread,
        InboxAction::Delete,
        InboxAction::ReadAll,
    ];
    /// What [`InboxAction::parse`] reads, in the order of `ALL`.
    pub(crate) const CODES: [&'static str; 4] = ["read", "unread", "delete", "read_all"];

    pub(crate) fn parse(text: &str) -> Option<InboxAction> {
        let at = Self::CODES.iter().position(|code| *code == text)?;
        Some(Self::ALL[at])
    }
}

/// Marks or deletes the viewer's inbox items `ids` (theirs only); returns how many changed.
pub(crate) async fn update_inbox(
    state: &AppState,
    ctx: &Ctx,
    action: InboxAction,
    ids: &[i64],
) -> Result<u64, Error> {
    let user = ctx.require_user()?.id;
    if ids.is_empty() && action != InboxAction::ReadAll {
        return Err(Error::Invalid(vec![
            "Choose at least one notification.".to_owned()
        ]));
    }
    if ids.len() > INBOX_PAGE as usize * 4 {
        return Err(Error::Invalid(vec![
            "Choose fewer notifications at once.".to_owned()
        ]));
    }
    Ok(match action {
        InboxAction::Read => state.store.mark_notices(user, ids, true).await?,
        InboxAction::Unread => state.store.mark_notices(user, ids, false).await?,
        InboxAction::ReadAll => state.store.mark_notices(user, &[], true).await?,
        InboxAction::Delete => state.store.delete_notices(user, ids).await?,
    })
}

/// How the viewer gets each category by mail, whether their address is confirmed, and
/// the new address waiting for its link.
pub(crate) async fn mail_settings(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(Vec<(NoticeCategory, MailMode)>, bool, Option<String>), Error> {
    let user = ctx.require_user()?.id;
    let prefs = state.store.mail_prefs(user).await?;
    let (confirmed, pending) = state.store.email_state(user).await?;
    Ok((prefs, confirmed, pending))
}

/// Sets how the viewer gets categories by mail, from `(category code, mode code)` pairs as
/// sent; an unknown one is refused and nothing changes.
pub(crate) async fn set_mail_settings(
    state: &AppState,
    ctx: &Ctx,
    choices: &[(String, String)],
) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    let mut parsed = Vec::new();
    for (category, mode) in choices {
        match (
            NoticeCategory::from_code(category),
            MailMode::from_code(mode),
        ) {
            (Some(c), Some(m)) => parsed.push((c, m)),
            _ => {
                return Err(Error::Invalid(vec![format!(
                    "\"{category}\" = \"{mode}\" is not a mail setting."
                )]))
            }
        }
    }
    for (category, mode) in parsed {
        state.store.set_mail_pref(user, category, mode).await?;
    }
    Ok(())
}

/// What an unsubscribe link stops: one category's mail (a notification's link), or the
/// daily digest (a digest's link: every category the member gets in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unsubscribe {
    Category(NoticeCategory),
    Digest,
}

impl Unsubscribe {
    /// From the link's last segment.
    pub(crate) fn parse(code: &str) -> Option<Unsubscribe> {
        match code {
            "digest" => Some(Unsubscribe::Digest),
            code => NoticeCategory::from_code(code).map(Unsubscribe::Category),
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Unsubscribe::Category(c) => c.code(),
            Unsubscribe::Digest => "digest",
        }
    }

    /// What the page calls it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Unsubscribe::Category(c) => c.label(),
            Unsubscribe::Digest => "The daily digest",
        }
    }
}

/// Who an unsubscribe link belongs to, and what it stops (to show before acting).
pub(crate) async fn unsubscribe_target(
    state: &AppState,
    token: &str,
    what: &str,
) -> Result<(String, Unsubscribe), Error> {
    let what = Unsubscribe::parse(what).ok_or(Error::NotFound)?;
    let (_, name) = state
        .store
        .user_by_mail_token(token)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((name, what))
}

/// One-click unsubscribe (RFC 8058): turns off what the link names for its owner, and
/// nothing else. Needs no log-in: the link is the key.
pub(crate) async fn unsubscribe(
    state: &AppState,
    token: &str,
    what: &str,
) -> Result<Unsubscribe, Error> {
    let what = Unsubscribe::parse(what).ok_or(Error::NotFound)?;
    let done = match what {
        Unsubscribe::Category(category) => {
            state.store.unsubscribe_by_token(token, category).await?
        }
        Unsubscribe::Digest => state.store.unsubscribe_digest_by_token(token).await?,
    };
    done.ok_or(Error::NotFound)?;
    Ok(what)
}
