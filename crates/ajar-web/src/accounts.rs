//! Accounts: sign-up (`/signup`), log-in (`/login`), log-out (`/logout`), the account page
//! (`/account`: password, email, pseuds) and one-time password resets (`/reset/TOKEN`,
//! links printed by `ajar user reset-link`).
//!
//! Log-in makes a new session (a new random token, and a new CSRF token with it) and ends
//! the one the browser had, so a session id planted before log-in is worth nothing after.

use crate::auth::{
    hash_password, random_token, set_cookie, token_hash, verify_password, Ctx, SESSION_COOKIE,
    SESSION_DAYS,
};
use crate::forms::Form;
use crate::kudos::id_number;
use crate::ratelimit::Action;
use crate::views::{echo, Layout, MessagePage, Page};
use crate::{AppState, Error};
use ajar_core::{validate_password, PseudId, Role, SignupMode, UserId};
use ajar_store::{Pseud, StoreError};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// The longest name, email address or invitation code a refused form shows again (an
/// email address is at most 254 characters; names and codes are shorter).
const MAX_NAME_ECHO: usize = 254;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/login", get(login_form).post(login))
        .route("/logout", get(logout_form).post(logout))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/email", post(change_email))
        .route("/account/pseuds", post(add_pseud))
        .route("/account/pseuds/{id}/rename", post(rename_pseud))
        .route("/account/pseuds/{id}/delete", post(delete_pseud))
        .route("/reset/{token}", get(reset_form).post(reset))
}

/// A redirect after a form (303: the browser follows with a GET).
pub(crate) fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, v);
    }
    response
}

/// A local path to go back to after a form, never another site; anything else is `/`.
///
/// Only a plain path is taken: one leading `/` and no second, no backslash, and no
/// whitespace or control character anywhere. Browsers drop tabs and line breaks from a
/// `Location` and read `\` as `/`, so `/<TAB>/evil.example` or `/\evil.example` would
/// otherwise lead to another site.
pub(crate) fn local_return(to: Option<&str>) -> String {
    match to {
        Some(p) if is_local_path(p) => p.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(p: &str) -> bool {
    let mut chars = p.chars();
    chars.next() == Some('/')
        && chars.next() != Some('/')
        && !p
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// A form's fields, or a 400 saying the form was not filled in as sent.
pub(crate) fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, Error> {
    form.map(|Form(f)| f).map_err(|e| {
        Error::BadRequest(format!(
            "The form could not be read ({}). Go back and try again.",
            e.body_text()
        ))
    })
}

// ---------------------------------------------------------------------------------------
// Sign-up

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    layout: Layout,
    mode: SignupMode,
    name: String,
    email: String,
    invitation: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct SignupQuery {
    invitation: Option<String>,
}

async fn signup_form(
    State(state): State<AppState>,
    query: Result<Query<SignupQuery>, QueryRejection>,
) -> Result<Page<SignupPage>, Error> {
    let mode = state.store.signup_mode().await?;
    let invitation = query
        .ok()
        .and_then(|Query(q)| q.invitation)
        .unwrap_or_default();
    Ok(Page(SignupPage::new(
        mode,
        String::new(),
        String::new(),
        invitation,
        None,
    )))
}

impl SignupPage {
    fn new(
        mode: SignupMode,
        name: String,
        email: String,
        invitation: String,
        error: Option<String>,
    ) -> SignupPage {
        SignupPage {
            layout: Layout::new(
                Some("Sign up".to_owned()),
                "Make an account to post works, leave kudos and comments, and keep bookmarks.",
            ),
            mode,
            name,
            email,
            invitation,
            error,
        }
    }

    fn is_closed(&self) -> bool {
        self.mode == SignupMode::Closed
    }

    fn needs_invitation(&self) -> bool {
        self.mode == SignupMode::Invite
    }
}

#[derive(Deserialize)]
struct SignupForm {
    name: String,
    email: String,
    password: String,
    password_confirmation: String,
    #[serde(default)]
    invitation: String,
}

async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<SignupForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let user = match f.sign_up(&state, &ctx).await {
        Ok(user) => user,
        Err(Error::Invalid(errors)) => {
            let mode = state.store.signup_mode().await?;
            return Ok(f.refused(mode, errors.join(" ")));
        }
        Err(e) => return Err(e),
    };
    crate::service::mail::welcome(&state, user, f.name.trim(), f.email.trim()).await?;
    if state.mail.require_confirmed_email {
        return Ok(confirm_email_page(f.email.trim()));
    }
    let welcome = start_session(&state, &ctx, user, "/").await?;
    Ok(crate::flash::Notice::Welcome.on(welcome, ctx.secure))
}

impl SignupForm {
    /// Makes the account the form asks for (`Error::Invalid` says what to fix).
    async fn sign_up(&self, state: &AppState, ctx: &Ctx) -> Result<UserId, Error> {
        if self.password != self.password_confirmation {
            return Err(Error::Invalid(vec![
                "The two passwords are not the same.".to_owned()
            ]));
        }
        let (name, email) = (&self.name, &self.email);
        let (password, invitation) = (&self.password, &self.invitation);
        crate::service::accounts::sign_up(state, ctx, name, email, password, invitation).await
    }

    /// The form again, with what was typed (passwords aside) and why it was refused.
    fn refused(&self, mode: SignupMode, message: String) -> Response {
        let page = SignupPage::new(
            mode,
            echo(self.name.clone(), MAX_NAME_ECHO),
            echo(self.email.clone(), MAX_NAME_ECHO),
            echo(self.invitation.clone(), MAX_NAME_ECHO),
            Some(message),
        );
        (StatusCode::BAD_REQUEST, Page(page)).into_response()
    }
}

/// What a new account is told when it must confirm its address before logging in.
fn confirm_email_page(email: &str) -> Response {
    let message = format!(
        "Your account is made. We mailed a link to {email}: open it to confirm your address, \
         then log in."
    );
    Page(MessagePage::new("Confirm your email address", message)).into_response()
}

/// Makes a new session for `user`, ends the browser's old one, and sends them to `to`.
async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user: UserId,
    to: &str,
) -> Result<Response, Error> {
    if let Some(old) = &ctx.session_hash {
        state.store.delete_session(old).await?;
    }
    let token = random_token();
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    state
        .store
        .create_session(&token_hash(&token), user, &random_token(), expires)
        .await?;
    let mut response = see_other(to);
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, SESSION_DAYS * 24 * 3600, ctx.secure),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Log-in and log-out

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    name: String,
    return_to: String,
    error: Option<String>,
    /// Why the reader was sent here (a restricted work, a page of their own).
    why: Option<&'static str>,
}

impl LoginPage {
    fn new(name: String, return_to: String, error: Option<String>) -> LoginPage {
        LoginPage {
            layout: Layout::new(Some("Log in".to_owned()), "Log in to your account."),
            name,
            return_to,
            error,
            why: None,
        }
    }
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    return_to: Option<String>,
    why: Option<String>,
}

async fn login_form(query: Result<Query<LoginQuery>, QueryRejection>) -> Page<LoginPage> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let return_to = local_return(query.return_to.as_deref());
    let mut page = LoginPage::new(String::new(), return_to, None);
    page.why = query
        .why
        .as_deref()
        .and_then(crate::error::LoginReason::from_code)
        .map(crate::error::LoginReason::message);
    Page(page)
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    return_to: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let return_to = local_return(f.return_to.as_deref());
    let Some(user) = crate::service::accounts::log_in(&state, &ctx, &f.name, &f.password).await?
    else {
        let page = LoginPage::new(
            echo(f.name.clone(), MAX_NAME_ECHO),
            return_to,
            Some("That name or email and password do not match an account.".to_owned()),
        );
        return Ok((StatusCode::UNAUTHORIZED, Page(page)).into_response());
    };
    crate::service::mail::check_confirmed(&state, &user).await?;
    start_session(&state, &ctx, user.id, &return_to).await
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    layout: Layout,
    logged_in: bool,
}

/// A log-out link followed (or typed): a button to confirm, since log-out is a form with a
/// CSRF token, so that another site cannot log a reader out.
async fn logout_form(ctx: Ctx) -> Page<LogoutPage> {
    Page(LogoutPage {
        layout: Layout::new(Some("Log out".to_owned()), "Log out of your account."),
        logged_in: !ctx.is_guest(),
    })
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Error> {
    if let Some(hash) = &ctx.session_hash {
        state.store.delete_session(hash).await?;
    }
    let mut response = see_other("/");
    response
        .headers_mut()
        .append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, ctx.secure));
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// The account page

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    /// Whether the address is confirmed, and a new one waiting for its link.
    email_confirmed: bool,
    pending_email: Option<String>,
    role: Role,
    pseuds: Vec<Pseud>,
    tokens: Vec<crate::tokens::TokenRow>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<AccountQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let Some(account) = ctx.viewer.account() else {
        return Ok(see_other("/login?return_to=/account"));
    };
    let notice = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| match d.as_str() {
            "password" => Some("Your password was changed. Other sessions were logged out.".into()),
            "email" => Some(
                "We mailed a link to the new address: it becomes your address when you open it."
                    .into(),
            ),
            "pseud" => Some("The pseud was added.".into()),
            "pseud-renamed" => Some("The pseud was renamed.".into()),
            "token-revoked" => Some("The token was revoked: it no longer works.".into()),
            "pseud-deleted" => Some(
                "The pseud was deleted; its works and comments are now under your default pseud."
                    .into(),
            ),
            _ => None,
        });
    Ok(render_account(&state, account.id, notice, None)
        .await?
        .into_response())
}

async fn render_account(
    state: &AppState,
    user: UserId,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Page<AccountPage>, Error> {
    let u = state.store.user(user).await?.ok_or(Error::NotFound)?;
    let pseuds = state.store.pseuds_of(user).await?;
    let tokens = state.store.access_tokens(user).await?;
    let (email_confirmed, pending_email) = state.store.email_state(user).await?;
    Ok(Page(AccountPage {
        layout: Layout::new(Some("My account".to_owned()), "Your account settings."),
        name: u.name,
        email: u.email,
        email_confirmed,
        pending_email,
        role: u.role,
        pseuds,
        tokens: tokens.into_iter().map(Into::into).collect(),
        notice,
        error,
    }))
}

pub(crate) async fn refuse_on_account(
    state: &AppState,
    user: UserId,
    message: String,
) -> Result<Response, Error> {
    let page = render_account(state, user, None, Some(message)).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

/// Checks the password a form says is the account's own (before a password or email
/// change); failures count towards the log-in rate limit.
async fn current_password_ok(
    state: &AppState,
    ctx: &Ctx,
    user: UserId,
    password: &str,
) -> Result<bool, Error> {
    state.limits.check(Action::Login, &ctx.actor_key())?;
    let hash = state
        .store
        .password_hash(user)
        .await?
        .ok_or(Error::NotFound)?;
    let ok = verify_password(password.to_owned(), hash).await;
    if !ok {
        state.limits.record(Action::Login, &ctx.actor_key());
    }
    Ok(ok)
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirmation: String,
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let f = form(sent)?;
    if !current_password_ok(&state, &ctx, user, &f.current_password).await? {
        return refuse_on_account(&state, user, "Your current password is not right.".into()).await;
    }
    if let Err(e) = validate_password(&f.password) {
        return refuse_on_account(&state, user, e.to_string()).await;
    }
    if f.password != f.password_confirmation {
        return refuse_on_account(
            &state,
            user,
            "The two new passwords are not the same.".into(),
        )
        .await;
    }
    let hash = hash_password(f.password.clone()).await?;
    state
        .store
        .set_password(user, &hash, ctx.session_hash.as_deref())
        .await?;
    Ok(see_other("/account?done=password"))
}

#[derive(Deserialize)]
struct EmailForm {
    current_password: String,
    email: String,
}

async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<EmailForm>, FormRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let f = form(sent)?;
    if !current_password_ok(&state, &ctx, user, &f.current_password).await? {
        return refuse_on_account(&state, user, "Your current password is not right.".into()).await;
    }
    let changed = crate::service::mail::change_email(&state, &ctx, &f.email).await;
    account_changed(&state, user, changed, "email").await
}

/// The account page after a change: with `done`'s notice, or again with the reason the
/// store refused it.
async fn account_changed<T>(
    state: &AppState,
    user: UserId,
    outcome: Result<T, Error>,
    done: &str,
) -> Result<Response, Error> {
    match outcome {
        Ok(_) => Ok(see_other(&format!("/account?done={done}"))),
        Err(Error::Invalid(errors)) => refuse_on_account(state, user, errors.join(" ")).await,
        Err(Error::Store(StoreError::Conflict(m))) => refuse_on_account(state, user, m).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct PseudForm {
    name: String,
}

async fn add_pseud(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<PseudForm>, FormRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let f = form(sent)?;
    let added = crate::service::accounts::add_pseud(&state, &ctx, &f.name).await;
    account_changed(&state, user, added, "pseud").await
}

async fn rename_pseud(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<PseudForm>, FormRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let pseud = PseudId(id_number(id)?);
    let f = form(sent)?;
    let renamed = crate::service::accounts::rename_pseud(&state, &ctx, pseud, &f.name).await;
    account_changed(&state, user, renamed, "pseud-renamed").await
}

async fn delete_pseud(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let user = ctx.require_user()?.id;
    let pseud = PseudId(id_number(id)?);
    let deleted = crate::service::accounts::delete_pseud(&state, &ctx, pseud).await;
    account_changed(&state, user, deleted, "pseud-deleted").await
}

// ---------------------------------------------------------------------------------------
// Password reset links

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    layout: Layout,
    token: String,
    error: Option<String>,
}

impl ResetPage {
    fn new(token: String, error: Option<String>) -> ResetPage {
        ResetPage {
            layout: Layout::new(
                Some("Choose a new password".to_owned()),
                "Reset your password.",
            ),
            token,
            error,
        }
    }
}

fn expired_link() -> Error {
    Error::BadRequest(
        "This password reset link is unknown, used or expired. Ask an admin for a new one."
            .to_owned(),
    )
}

/// The token in a reset page's address and form is as good as a password until it is
/// spent: no cache, shared or the browser's own, may keep any answer of `/reset/TOKEN`.
pub(crate) fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

async fn reset_form(state: State<AppState>, token: Path<String>) -> Response {
    no_store(reset_form_page(state, token).await)
}

async fn reset_form_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Page<ResetPage>, Error> {
    if state
        .store
        .password_reset_user(&token_hash(&token))
        .await?
        .is_none()
    {
        return Err(expired_link());
    }
    Ok(Page(ResetPage::new(token, None)))
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
    password_confirmation: String,
}

async fn reset(
    state: State<AppState>,
    ctx: Ctx,
    token: Path<String>,
    sent: Result<Form<ResetForm>, FormRejection>,
) -> Response {
    no_store(set_password_from_link(state, ctx, token, sent).await)
}

async fn set_password_from_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    sent: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let refuse = |message: String| {
        (
            StatusCode::BAD_REQUEST,
            Page(ResetPage::new(token.clone(), Some(message))),
        )
            .into_response()
    };
    if let Err(e) = validate_password(&f.password) {
        return Ok(refuse(e.to_string()));
    }
    if f.password != f.password_confirmation {
        return Ok(refuse("The two passwords are not the same.".to_owned()));
    }
    let hash = hash_password(f.password.clone()).await?;
    let user = state
        .store
        .reset_password(&token_hash(&token), &hash)
        .await?
        .ok_or_else(expired_link)?;
    start_session(&state, &ctx, user, "/account?done=password").await
}
