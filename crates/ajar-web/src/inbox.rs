//! The pages of the archive's mail: "forgot password" (`/forgot`), confirming an address
//! (`/confirm-email`), the inbox (`/inbox`), mail settings (`/account/mail`) and the
//! one-click unsubscribe link every notification carries (`/unsubscribe/TOKEN/CATEGORY`).
//! What each does is in `service::mail`; these only read forms and render.

use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::service::mail::{self as service, InboxAction, Unsubscribe};
use crate::views::{Layout, MessagePage, Page};
use crate::{AppState, Error};
use ajar_store::{MailMode, Notice, NoticeCategory, NoticeKind};
use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/forgot", get(forgot_form).post(forgot))
        .route("/confirm-email", get(resend_form).post(resend))
        .route("/confirm-email/{token}", get(confirm_form).post(confirm))
        .route("/inbox", get(inbox).post(update_inbox))
        .route("/account/mail", get(mail_settings).post(save_mail_settings))
        .route(
            "/unsubscribe/{token}/{category}",
            get(unsubscribe_form).post(unsubscribe),
        )
}

// ---------------------------------------------------------------------------------------
// Asking for a link: a password reset, a confirmation

#[derive(Template)]
#[template(path = "mail/ask_link.html")]
struct AskLinkPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    typed: String,
    done: Option<String>,
    error: Option<String>,
}

impl AskLinkPage {
    fn forgot() -> AskLinkPage {
        AskLinkPage {
            layout: Layout::new(
                Some("Forgot your password?".to_owned()),
                "Get a link to choose a new password.",
            ),
            heading: "Forgot your password?",
            intro: "Enter your account's email address (or its name) and we will mail it a link \
                    to choose a new password. The link works once, for 24 hours.",
            action: "/forgot",
            button: "Mail me a reset link",
            typed: String::new(),
            done: None,
            error: None,
        }
    }

    fn resend() -> AskLinkPage {
        AskLinkPage {
            layout: Layout::new(
                Some("Confirm your email address".to_owned()),
                "Get a new confirmation link.",
            ),
            heading: "Confirm your email address",
            intro: "Enter your account's email address (or its name) and we will mail a new link \
                    that confirms it.",
            action: "/confirm-email",
            button: "Mail me the link",
            typed: String::new(),
            done: None,
            error: None,
        }
    }

    /// The page again with what happened: the same words whether an account was found.
    fn answered(mut self, outcome: Result<(), Error>, typed: &str) -> Result<Response, Error> {
        match outcome {
            Ok(()) => {
                self.done = Some(
                    "If an account uses that address or name, a link is on its way to its \
                     address. Check your mail (and its spam folder)."
                        .to_owned(),
                );
                Ok(Page(self).into_response())
            }
            Err(Error::Invalid(errors)) => {
                self.error = Some(errors.join(" "));
                self.typed = crate::views::echo(typed.to_owned(), 254);
                Ok((StatusCode::BAD_REQUEST, Page(self)).into_response())
            }
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize)]
struct AskForm {
    email: String,
}

async fn forgot_form() -> Page<AskLinkPage> {
    Page(AskLinkPage::forgot())
}

async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let outcome = service::request_password_reset(&state, &ctx, &f.email).await;
    AskLinkPage::forgot().answered(outcome, &f.email)
}

async fn resend_form() -> Page<AskLinkPage> {
    Page(AskLinkPage::resend())
}

async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<AskForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let outcome = service::resend_confirmation(&state, &ctx, &f.email).await;
    AskLinkPage::resend().answered(outcome, &f.email)
}

// ---------------------------------------------------------------------------------------
// Confirming an address

#[derive(Template)]
#[template(path = "mail/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    token: String,
    email: String,
}

fn spent_link() -> Error {
    Error::BadRequest(
        "This confirmation link is unknown, used or expired. Ask for a new one at /confirm-email."
            .to_owned(),
    )
}

/// The link from the mail: a button, since opening a link must change nothing (mail
/// scanners open links too).
async fn confirm_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let email = service::confirmation(&state, &token)
        .await?
        .ok_or_else(spent_link)?;
    let page = ConfirmPage {
        layout: Layout::new(
            Some("Confirm your email address".to_owned()),
            "Confirm your address.",
        ),
        token,
        email,
    };
    Ok(crate::accounts::no_store(Page(page)))
}

async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let email = match service::confirm(&state, &token).await {
        Ok(email) => email,
        Err(Error::NotFound) => return Err(spent_link()),
        Err(e) => return Err(e),
    };
    let mut page = MessagePage::new(
        "Address confirmed",
        format!("{email} is confirmed: the archive can mail you now."),
    );
    page.link = Some((
        "/account/mail".to_owned(),
        "Choose what you are mailed".to_owned(),
    ));
    Ok(crate::accounts::no_store(Page(page)))
}

// ---------------------------------------------------------------------------------------
// The inbox

/// An inbox item as listed.
struct InboxItem {
    notice: Notice,
    heading: String,
    /// The comment a reply form answers (comments and replies to the viewer).
    reply_to: Option<i64>,
}

#[derive(Template)]
#[template(path = "mail/inbox.html")]
struct InboxPage {
    layout: Layout,
    items: Vec<InboxItem>,
    unread: u64,
    older: Option<i64>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    before: Option<i64>,
    done: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let done = q
        .done
        .as_deref()
        .map(|d| format!("{d} notification(s) changed."));
    Ok(render_inbox(&state, &ctx, q.before, done, None)
        .await?
        .into_response())
}

async fn render_inbox(
    state: &AppState,
    ctx: &Ctx,
    before: Option<i64>,
    done: Option<String>,
    error: Option<String>,
) -> Result<Page<InboxPage>, Error> {
    let page = service::inbox(state, ctx, before).await?;
    let items = page
        .notices
        .into_iter()
        .map(|notice| InboxItem {
            heading: crate::mail::notice_heading(&notice),
            reply_to: matches!(notice.kind, NoticeKind::Comment | NoticeKind::Reply)
                .then_some(notice.comment.map(|c| c.0))
                .flatten(),
            notice,
        })
        .collect();
    Ok(Page(InboxPage {
        layout: Layout::new(Some("Inbox".to_owned()), "Your notifications."),
        items,
        unread: page.unread,
        older: page.older,
        done,
        error,
    }))
}

/// The inbox form: `action` and any number of `id` fields.
async fn update_inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Error> {
    let fields = form(sent)?;
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .and_then(|(_, v)| InboxAction::parse(v))
        .ok_or_else(|| Error::BadRequest("Choose what to do with the notifications.".to_owned()))?;
    let mut ids = Vec::new();
    for (key, value) in &fields {
        if key == "id" {
            ids.push(value.parse::<i64>().map_err(|_| {
                Error::BadRequest(format!("{value:?} is not a notification number."))
            })?);
        }
    }
    match service::update_inbox(&state, &ctx, action, &ids).await {
        Ok(n) => Ok(see_other(&format!("/inbox?done={n}"))),
        Err(Error::Invalid(errors)) => Ok((
            StatusCode::BAD_REQUEST,
            render_inbox(&state, &ctx, None, None, Some(errors.join(" "))).await?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Mail settings

#[derive(Template)]
#[template(path = "mail/settings.html")]
struct MailSettingsPage {
    layout: Layout,
    prefs: Vec<(NoticeCategory, MailMode)>,
    modes: [MailMode; 3],
    confirmed: bool,
    pending: Option<String>,
    saved: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn mail_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let saved = query.is_ok_and(|Query(q)| q.saved.is_some());
    Ok(render_mail_settings(&state, &ctx, saved, None)
        .await?
        .into_response())
}

async fn render_mail_settings(
    state: &AppState,
    ctx: &Ctx,
    saved: bool,
    error: Option<String>,
) -> Result<Page<MailSettingsPage>, Error> {
    let (prefs, confirmed, pending) = service::mail_settings(state, ctx).await?;
    Ok(Page(MailSettingsPage {
        layout: Layout::new(
            Some("Mail and notifications".to_owned()),
            "What the archive mails you.",
        ),
        prefs,
        modes: MailMode::ALL,
        confirmed,
        pending,
        saved,
        error,
    }))
}

async fn save_mail_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Error> {
    let fields: Vec<(String, String)> = form(sent)?
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    match service::set_mail_settings(&state, &ctx, &fields).await {
        Ok(()) => Ok(see_other("/account/mail?saved=1")),
        Err(Error::Invalid(errors)) => Ok((
            StatusCode::BAD_REQUEST,
            render_mail_settings(&state, &ctx, false, Some(errors.join(" "))).await?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// One-click unsubscribe

#[derive(Template)]
#[template(path = "mail/unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    token: String,
    name: String,
    category: Unsubscribe,
    done: bool,
}

/// The link a person follows from a mail: a button (a link scanner following it changes
/// nothing).
async fn unsubscribe_form(
    State(state): State<AppState>,
    Path((token, category)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (name, category) = service::unsubscribe_target(&state, &token, &category).await?;
    let page = UnsubscribePage {
        layout: Layout::new(Some("Stop these mails".to_owned()), "Stop a kind of mail."),
        token,
        name,
        category,
        done: false,
    };
    Ok(crate::accounts::no_store(Page(page)))
}

/// The button, or a mail client's one-click POST (RFC 8058): no log-in and no CSRF token,
/// since the link itself is the key (see `auth::guard_writes`).
async fn unsubscribe(
    State(state): State<AppState>,
    Path((token, category)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (name, _) = service::unsubscribe_target(&state, &token, &category).await?;
    let category = service::unsubscribe(&state, &token, &category).await?;
    let page = UnsubscribePage {
        layout: Layout::new(Some("Stop these mails".to_owned()), "Stop a kind of mail."),
        token,
        name,
        category,
        done: true,
    };
    Ok(crate::accounts::no_store(Page(page)))
}
