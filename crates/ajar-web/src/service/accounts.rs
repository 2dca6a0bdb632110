//! Making accounts: the one path every new account takes, whether a visitor signs up on the
//! site, an operator runs `ajar user create`, or `serve --demo` makes its demo admin.

use crate::auth::{hash_password, Ctx};
use crate::ratelimit::Action;
use crate::{AppState, Error};
use ajar_core::{
    validate_email, validate_password, validate_pseud_name, validate_user_name, PseudId, Role,
    SignupMode, UserId,
};
use ajar_store::{NewUser, Store, StoreError};

/// A new account as asked for.
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// The invitation code it is made with, spent by making it.
    pub invitation: Option<&'a str>,
}

/// Makes an account: the name, address and password checked (`Error::Invalid` says what
/// is wrong with each), the password hashed with argon2id, the name and address unique
/// (else `Error::Invalid` too), an invitation code spent, all in one transaction.
pub async fn create_account(store: &Store, new: &NewAccount<'_>) -> Result<UserId, Error> {
    let mut errors = Vec::new();
    let name = validate_user_name(new.name).map_err(|e| errors.push(e.to_string()));
    let email = validate_email(new.email).map_err(|e| errors.push(e.to_string()));
    let password = validate_password(new.password).map_err(|e| errors.push(e.to_string()));
    let (Ok(name), Ok(email), Ok(_)) = (name, email, password) else {
        return Err(Error::Invalid(errors));
    };
    let hash = hash_password(new.password.to_owned()).await?;
    let created = store
        .create_user(&NewUser {
            name,
            email,
            password_hash: &hash,
            role: new.role,
            invitation: new.invitation,
        })
        .await;
    match created {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict(message)) => Err(Error::Invalid(vec![message])),
        Err(e) => Err(e.into()),
    }
}

/// A visitor's sign-up on the site: refused while the archive takes no new accounts, by
/// invitation only when it says so, rate-limited per visitor.
pub(crate) async fn sign_up(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    email: &str,
    password: &str,
    invitation: &str,
) -> Result<UserId, Error> {
    let mode = state.store.signup_mode().await?;
    if mode == SignupMode::Closed {
        return Err(Error::Forbidden(
            "This archive is not taking new accounts right now.".to_owned(),
        ));
    }
    state.limits.check(Action::Signup, &ctx.actor_key())?;
    let invitation = invitation.trim();
    if mode == SignupMode::Invite && invitation.is_empty() {
        return Err(Error::Invalid(vec![
            "This archive takes new accounts by invitation: enter your code.".into(),
        ]));
    }
    let new = NewAccount {
        name,
        email,
        password,
        role: Role::User,
        invitation: (mode == SignupMode::Invite).then_some(invitation),
    };
    let id = create_account(&state.store, &new).await?;
    state.limits.record(Action::Signup, &ctx.actor_key());
    Ok(id)
}

/// The most pseuds an account may have.
pub(crate) const MAX_PSEUDS: usize = 20;

/// A store refusal about a pseud (a name taken, the default pseud) as what to fix.
fn pseud_refusal(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(message) => Error::Invalid(vec![message]),
        StoreError::NotFound(_) => Error::NotFound,
        other => other.into(),
    }
}

/// Adds a pseud (another name to post under) to the viewer's account.
pub(crate) async fn add_pseud(state: &AppState, ctx: &Ctx, name: &str) -> Result<PseudId, Error> {
    let user = ctx.require_user()?.id;
    let name = validate_pseud_name(name).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
    if state.store.pseuds_of(user).await?.len() >= MAX_PSEUDS {
        return Err(Error::Invalid(vec![format!(
            "An account has at most {MAX_PSEUDS} pseuds."
        )]));
    }
    state
        .store
        .add_pseud(user, name)
        .await
        .map_err(pseud_refusal)
}

/// Renames one of the viewer's pseuds (their works follow).
pub(crate) async fn rename_pseud(
    state: &AppState,
    ctx: &Ctx,
    pseud: PseudId,
    name: &str,
) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    let name = validate_pseud_name(name).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
    state
        .store
        .rename_pseud(user, pseud, name)
        .await
        .map_err(pseud_refusal)
}

/// Deletes one of the viewer's pseuds other than the default; its works move to the
/// default pseud.
pub(crate) async fn delete_pseud(state: &AppState, ctx: &Ctx, pseud: PseudId) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    state
        .store
        .delete_pseud(user, pseud)
        .await
        .map_err(pseud_refusal)
}

/// Makes a personal access token for the account, named for what it is for, with `scope`;
/// answers the token, which is shown this once (the store keeps only its hash).
pub(crate) async fn make_token(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    scope: Option<ajar_store::TokenScope>,
) -> Result<String, Error> {
    let user = ctx.require_user()?.id;
    let name = name.trim();
    let max = ajar_store::MAX_TOKEN_NAME_CHARS;
    if name.is_empty() || name.chars().count() > max {
        return Err(Error::Invalid(vec![format!(
            "Give the token a name of 1 to {max} characters (what it is for: \"e-reader\", \
             \"backup script\")."
        )]));
    }
    let Some(scope) = scope else {
        return Err(Error::Invalid(vec![
            "Choose what the token may do.".to_owned()
        ]));
    };
    let token = crate::auth::new_access_token();
    let hash = crate::auth::token_hash(&token);
    match state
        .store
        .create_access_token(user, name, scope, &hash)
        .await
    {
        Ok(_) => Ok(token),
        Err(StoreError::Conflict(m)) => Err(Error::Invalid(vec![m])),
        Err(e) => Err(e.into()),
    }
}

/// Revokes one of the account's tokens; another's, or one already gone, is not found.
pub(crate) async fn revoke_token(state: &AppState, ctx: &Ctx, id: i64) -> Result<(), Error> {
    let user = ctx.require_user()?.id;
    if !state.store.revoke_access_token(user, id).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Checks a log-in: the account named (or whose email is) `name`, when `password` is its
/// own and it is not suspended; `None` otherwise, after the same work either way, so the
/// answer's timing tells a guesser nothing. Failures count per account name from this
/// address, and per address (see `Limits::check_login`); too many is `TooMany`.
pub(crate) async fn log_in(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    password: &str,
) -> Result<Option<ajar_store::User>, Error> {
    let address_key = ctx.address_key();
    let name_key = format!("name:{}|{address_key}", name.trim().to_lowercase());
    state.limits.check_login(&address_key, &name_key)?;
    let found = state.store.user_for_login(name).await?;
    let ok = match &found {
        Some((user, hash)) if !user.suspended => {
            crate::auth::verify_password(password.to_owned(), hash.clone()).await
        }
        Some((_, hash)) => {
            // A suspended account's password is still checked, so that the answer does not
            // tell a guesser which names are suspended.
            let _ = crate::auth::verify_password(password.to_owned(), hash.clone()).await;
            false
        }
        None => {
            crate::auth::dummy_verify(password.to_owned()).await;
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        state.limits.record_login_failure(&address_key, &name_key);
        return Ok(None);
    };
    state.limits.clear(Action::Login, &name_key);
    Ok(Some(user))
}
