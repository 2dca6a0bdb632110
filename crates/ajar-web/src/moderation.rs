//! Reports and the admin pages: anyone, guests too, can report a work or a comment they can
//! see (`/reports/new?work=ID`, `/reports/new?comment=ID`); admins work through the queue at
//! `/admin` (hide the work, remove the comment, suspend the account answerable for it, or
//! dismiss the report), unhide works, lift suspensions, set the sign-up mode and make
//! invitation codes.
//!
//! Every admin handler checks the role itself, before reading the form: a refused request
//! (403) changes nothing.

use crate::access::visible_work;
use crate::accounts::{form, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::kudos::{id_number, NoticePage};
use crate::service::moderation::require_admin;
use crate::views::{echo, excerpt, Layout, Page};
use crate::{AppState, Error};
use ajar_core::{html_to_text, CommentId, SignupMode, UserId, WorkId};
use ajar_store::{CommentStatus, HiddenWork, Report, ReportAction, Reported};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// The longest reason a report may give, in characters.
pub(crate) const MAX_REASON_CHARS: usize = 2000;
/// Open reports shown on the admin page at once (oldest first).
const QUEUE_SIZE: u32 = 100;
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/new", get(report_form).post(file_report))
        .route("/admin", get(admin_page))
        .route("/admin/reports/{id}", post(act_on_report))
        .route("/admin/works/{id}/hidden", post(set_work_hidden))
        .route("/admin/users/{id}/suspended", post(set_suspended))
        .route("/admin/signup-mode", post(set_signup_mode))
        .route("/admin/invitations", post(make_invitations))
        .route("/admin/mail/{id}/retry", post(retry_mail))
}

/// A positive id from a form or query field; anything else names nothing.
fn parse_id(value: Option<&str>) -> Option<i64> {
    let v = value?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

// ---------------------------------------------------------------------------------------
// Reporting

#[derive(Deserialize, Default)]
struct ReportQuery {
    work: Option<String>,
    comment: Option<String>,
}

/// What is being reported, as the reader sees it.
pub(crate) struct Target {
    pub(crate) item: Reported,
    /// "the work “Title”" or "a comment on “Title”".
    description: String,
    back_href: String,
}

/// The item named by `work` or `comment`, if the reader may see it; 404 otherwise.
pub(crate) async fn target(
    state: &AppState,
    ctx: &Ctx,
    work: Option<&str>,
    comment: Option<&str>,
) -> Result<Target, Error> {
    if let Some(id) = parse_id(comment) {
        let c = state
            .store
            .comment(CommentId(id))
            .await?
            .ok_or(Error::NotFound)?;
        let access = visible_work(state, ctx, c.work).await?;
        let shown = match c.status {
            CommentStatus::Visible => true,
            CommentStatus::Pending => {
                access.is_creator(&ctx.viewer)
                    || ctx.viewer.is_admin()
                    || (c.user.is_some() && c.user == ctx.viewer.user_id())
            }
            CommentStatus::Deleted => false,
        };
        if !shown {
            return Err(Error::NotFound);
        }
        let title = crate::access::work_title(state, c.work).await?;
        return Ok(Target {
            item: Reported::Comment(c.id),
            description: format!("a comment on “{title}”"),
            back_href: format!("/works/{}/chapters/{}", c.work, c.chapter),
        });
    }
    let id = parse_id(work).ok_or_else(|| {
        Error::BadRequest("Say which work or comment to report (?work=ID or ?comment=ID).".into())
    })?;
    let id = WorkId(id);
    visible_work(state, ctx, id).await?;
    let title = crate::access::work_title(state, id).await?;
    Ok(Target {
        item: Reported::Work(id),
        description: format!("the work “{title}”"),
        back_href: format!("/works/{id}"),
    })
}

#[derive(Template)]
#[template(path = "admin/report_form.html")]
struct ReportFormPage {
    layout: Layout,
    description: String,
    /// ("work" | "comment", id) for the hidden field.
    field: &'static str,
    id: i64,
    reason: String,
    back_href: String,
    max_reason: usize,
    error: Option<String>,
}

impl ReportFormPage {
    fn new(target: &Target, reason: String, error: Option<String>) -> ReportFormPage {
        let (field, id) = (target.item.entity(), target.item.id());
        ReportFormPage {
            layout: Layout::new(
                Some("Report".to_owned()),
                format!("Report {} to the archive's admins.", target.description),
            ),
            description: target.description.clone(),
            field,
            id,
            reason,
            back_href: target.back_href.clone(),
            max_reason: MAX_REASON_CHARS,
            error,
        }
    }
}

async fn report_form(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Page<ReportFormPage>, Error> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let target = target(&state, &ctx, q.work.as_deref(), q.comment.as_deref()).await?;
    Ok(Page(ReportFormPage::new(&target, String::new(), None)))
}

#[derive(Deserialize)]
struct ReportForm {
    work: Option<String>,
    comment: Option<String>,
    #[serde(default)]
    reason: String,
}

/// The report form again, with the reason typed and why it was refused.
async fn refused_report(
    state: &AppState,
    ctx: &Ctx,
    f: &ReportForm,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let target = target(state, ctx, f.work.as_deref(), f.comment.as_deref()).await?;
    let reason = echo(f.reason.clone(), MAX_REASON_CHARS);
    let page = ReportFormPage::new(&target, reason, Some(errors.join(" ")));
    Ok((StatusCode::BAD_REQUEST, Page(page)).into_response())
}

async fn file_report(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, Error> {
    let f = form(sent)?;
    let sent = crate::service::moderation::report(
        &state,
        &ctx,
        f.work.as_deref(),
        f.comment.as_deref(),
        &f.reason,
    )
    .await;
    let target = match sent {
        Ok(target) => target,
        Err(Error::Invalid(errors)) => return refused_report(&state, &ctx, &f, errors).await,
        Err(e) => return Err(e),
    };
    Ok(Page(NoticePage::new(
        "Report sent",
        "Thank you. The archive's admins will look at your report.",
        target.back_href,
        "Go back",
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------
// The admin page

/// One open report as the queue shows it.
struct QueueItem {
    id: i64,
    is_work: bool,
    /// "Work" or "Comment".
    what: &'static str,
    title: String,
    href: Option<String>,
    work_hidden: bool,
    comment_text: Option<String>,
    reporter: String,
    reason: String,
    created: String,
    owners: Vec<(i64, String)>,
}

impl QueueItem {
    fn new(r: Report) -> QueueItem {
        let (is_work, what) = match r.item {
            Reported::Work(_) => (true, "Work"),
            Reported::Comment(_) => (false, "Comment"),
        };
        let href = r.work_id.map(|w| match (r.item, r.chapter) {
            (Reported::Comment(_), Some(chapter)) => format!("/works/{w}/chapters/{chapter}"),
            _ => format!("/works/{w}"),
        });
        let comment_text = r.comment_html.as_deref().map(|html| {
            let text = excerpt(&html_to_text(html), 500);
            match r.comment_status.as_deref() {
                Some("deleted") => "(removed)".to_owned(),
                _ => text,
            }
        });
        QueueItem {
            id: r.id,
            is_work,
            what,
            title: r
                .work_title
                .unwrap_or_else(|| "(a work no longer stored)".into()),
            href,
            work_hidden: r.work_hidden,
            comment_text,
            reporter: r.reporter.unwrap_or_else(|| "a guest".into()),
            reason: r.reason,
            created: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            owners: r.owners.into_iter().map(|(id, n)| (id.0, n)).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct AdminPage {
    layout: Layout,
    notice: Option<String>,
    reports: Vec<QueueItem>,
    hidden: Vec<HiddenWork>,
    suspended: Vec<(i64, String)>,
    mode: SignupMode,
    modes: &'static [SignupMode],
    new_codes: Vec<String>,
    /// The mail outbox: counts, what waits, and what failed for good.
    outbox: ajar_store::OutboxCounts,
    pending_mail: Vec<ajar_store::OutboxEntry>,
    failed_mail: Vec<ajar_store::OutboxEntry>,
    mail_transport: String,
}

#[derive(Deserialize, Default)]
struct AdminQuery {
    done: Option<String>,
}

async fn admin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<AdminQuery>, QueryRejection>,
) -> Result<Page<AdminPage>, Error> {
    require_admin(&ctx)?;
    let notice = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| match d.as_str() {
            "hidden" => Some("The work is hidden.".to_owned()),
            "unhidden" => Some("The work is visible again.".to_owned()),
            "removed" => Some("The comment was removed.".to_owned()),
            "suspended" => Some("The account is suspended and logged out.".to_owned()),
            "unsuspended" => Some("The suspension was lifted.".to_owned()),
            "dismissed" => Some("The report was dismissed.".to_owned()),
            "mode" => Some("The sign-up mode was saved.".to_owned()),
            "mail" => Some("The mail is queued again and goes out shortly.".to_owned()),
            _ => None,
        });
    render_admin(&state, notice, Vec::new()).await
}

async fn render_admin(
    state: &AppState,
    notice: Option<String>,
    new_codes: Vec<String>,
) -> Result<Page<AdminPage>, Error> {
    let store = &state.store;
    let (reports, hidden, suspended, mode) = tokio::try_join!(
        store.open_reports(QUEUE_SIZE),
        store.hidden_works(200),
        store.suspended_users(200),
        store.signup_mode(),
    )?;
    let (outbox, pending_mail, failed_mail) = tokio::try_join!(
        store.outbox_counts(),
        store.outbox(ajar_store::OutboxState::Pending, 50),
        store.outbox(ajar_store::OutboxState::Failed, 50),
    )?;
    Ok(Page(AdminPage {
        layout: Layout::new(
            Some("Admin".to_owned()),
            "Reports, hidden works, suspended accounts and sign-up settings.",
        ),
        notice,
        reports: reports.into_iter().map(QueueItem::new).collect(),
        hidden,
        suspended: suspended.into_iter().map(|(id, n)| (id.0, n)).collect(),
        mode,
        modes: SignupMode::ALL,
        new_codes,
        outbox,
        pending_mail,
        failed_mail,
        mail_transport: match &state.mail.transport {
            crate::mail::MailTransport::Smtp(_) => {
                "through the SMTP server set with --smtp-url".to_owned()
            }
            crate::mail::MailTransport::Files(dir) => {
                format!("as .eml files in {} (no SMTP server is set)", dir.display())
            }
            crate::mail::MailTransport::Queue => "nowhere: this server only queues mail".to_owned(),
        },
    }))
}

#[derive(Deserialize)]
struct ReportDecision {
    action: String,
    user: Option<String>,
}

async fn act_on_report(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<ReportDecision>, FormRejection>,
) -> Result<Response, Error> {
    require_admin(&ctx)?;
    let id = id_number(id)?;
    let f = form(sent)?;
    let action = match f.action.as_str() {
        "hide" => ReportAction::HideWork,
        "remove" => ReportAction::RemoveComment,
        "suspend" => {
            ReportAction::Suspend(parse_id(f.user.as_deref()).map(UserId).ok_or_else(|| {
                Error::BadRequest(
                    "Choose an account answerable for the reported item to suspend.".into(),
                )
            })?)
        }
        "dismiss" => ReportAction::Dismiss,
        _ => {
            return Err(Error::BadRequest(
                "Unknown action: hide a work, remove a comment, suspend or dismiss.".into(),
            ))
        }
    };
    // The action and the report's resolution are one transaction.
    let resolution = crate::service::moderation::act_on_report(&state, &ctx, id, action).await?;
    Ok(see_other(&format!("/admin?done={resolution}")))
}

#[derive(Deserialize)]
struct HiddenForm {
    hidden: String,
}

async fn set_work_hidden(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<HiddenForm>, FormRejection>,
) -> Result<Response, Error> {
    require_admin(&ctx)?;
    let id = WorkId(id_number(id)?);
    let hidden = yes_no(&form(sent)?.hidden)?;
    crate::service::moderation::set_work_hidden(&state, &ctx, id, hidden).await?;
    Ok(see_other(if hidden {
        "/admin?done=hidden"
    } else {
        "/admin?done=unhidden"
    }))
}

#[derive(Deserialize)]
struct SuspendedForm {
    suspended: String,
}

async fn set_suspended(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<SuspendedForm>, FormRejection>,
) -> Result<Response, Error> {
    require_admin(&ctx)?;
    let user = UserId(id_number(id)?);
    let suspended = yes_no(&form(sent)?.suspended)?;
    crate::service::moderation::set_suspended(&state, &ctx, user, suspended).await?;
    Ok(see_other(if suspended {
        "/admin?done=suspended"
    } else {
        "/admin?done=unsuspended"
    }))
}

fn yes_no(value: &str) -> Result<bool, Error> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Error::BadRequest("Expected true or false.".into())),
    }
}

#[derive(Deserialize)]
struct ModeForm {
    mode: String,
}

async fn set_signup_mode(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<ModeForm>, FormRejection>,
) -> Result<Response, Error> {
    require_admin(&ctx)?;
    let f = form(sent)?;
    let mode = SignupMode::from_code(&f.mode).ok_or_else(|| {
        Error::BadRequest("Choose a sign-up mode: open, invite or closed.".into())
    })?;
    crate::service::moderation::set_signup_mode(&state, &ctx, mode).await?;
    Ok(see_other("/admin?done=mode"))
}

#[derive(Deserialize)]
struct InvitationsForm {
    count: String,
}

async fn make_invitations(
    State(state): State<AppState>,
    ctx: Ctx,
    sent: Result<Form<InvitationsForm>, FormRejection>,
) -> Result<Response, Error> {
    require_admin(&ctx)?;
    let f = form(sent)?;
    let count = f.count.trim().parse::<u32>().unwrap_or(0);
    let codes = match crate::service::moderation::make_invitations(&state, &ctx, count).await {
        Ok(codes) => codes,
        Err(Error::Invalid(errors)) => return Err(Error::BadRequest(errors.join(" "))),
        Err(e) => return Err(e),
    };
    let notice = Some(format!(
        "Made {count} invitation code{}: give each to one person.",
        if count == 1 { "" } else { "s" }
    ));
    Ok(render_admin(&state, notice, codes).await?.into_response())
}

/// Puts a mail the worker gave up on back in the queue.
async fn retry_mail(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let id = crate::kudos::id_number(id)?;
    crate::service::moderation::retry_mail(&state, &ctx, id).await?;
    Ok(see_other("/admin?done=mail"))
}
