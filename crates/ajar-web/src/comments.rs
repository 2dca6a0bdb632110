//! Comments on a work's chapters: the thread under each chapter (all of them in the
//! full-work view), new comments (`POST /works/{id}/comments`), replies, edits and deletes
//! (`/comments/{id}/reply|edit|delete`), and moderation (`/works/{id}/comments/pending`,
//! `POST /comments/{id}/approve`).
//!
//! Who may do what is decided here, in the service functions every handler calls: the work
//! must be one the reader may see (else 404, and nothing is stored); its comment policy
//! decides who may comment (anyone, logged-in users, moderated: pending until a creator
//! approves, or off); a user blocked by a creator may not comment on the work, and one
//! blocked by a comment's author may not reply to it; authors edit and delete their own
//! comments, creators delete (and approve) comments on their works, admins delete any. What a
//! reader sees is decided here too: pending comments only by creators and their authors,
//! nothing by users the reader muted, and a deleted comment with replies as a placeholder
//! so its thread stays whole.

use crate::access::visible_work;
use crate::accounts::{form, local_return, see_other};
use crate::auth::Ctx;
use crate::forms::Form;
use crate::kudos::{id_number, work_id, NoticePage};
use crate::service::comments::{CommentRequest, Place, Posted};
use crate::tag_url::user_href;
use crate::views::{echo, thousands, Layout, Link, Page, Pagination};
use crate::work_sections::Part;
use crate::{service, AppState, Error};
use ajar_core::{Account, CommentId, CommentPolicy, Html, PseudId, UserId, WorkId};
use ajar_store::{Comment, CommentAuthor, CommentStatus, WorkAccess};
use askama::Template;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The longest comment accepted, in characters (as typed).
pub(crate) const MAX_COMMENT_CHARS: usize = 10_000;
/// The longest guest name, in characters.
const MAX_NAME_CHARS: usize = 50;
/// Threads nest this deep; deeper replies are listed at this depth, in order.
const MAX_DEPTH: usize = 12;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/works/{id}/comments", post(add_comment))
        .route("/works/{id}/comments/pending", get(pending_page))
        .route("/comments/{id}", get(show_comment))
        .route("/comments/{id}/reply", get(reply_form).post(reply))
        .route("/comments/{id}/edit", get(edit_form).post(edit))
        .route("/comments/{id}/delete", get(delete_form).post(delete))
        .route("/comments/{id}/approve", post(approve))
}

// ---------------------------------------------------------------------------------------
// The rules

/// Whether the viewer may comment on the work; `Ok(true)` when their comment waits for
/// approval. Refusals say why.
pub(crate) async fn may_comment(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
) -> Result<bool, Error> {
    match access.comment_policy {
        CommentPolicy::Off => {
            return Err(Error::Forbidden(
                "Comments are off for this work.".to_owned(),
            ))
        }
        CommentPolicy::Users if ctx.is_guest() => {
            return Err(Error::Forbidden(
                "Only logged-in users can comment on this work. Please log in (or sign up) to \
                 comment."
                    .to_owned(),
            ))
        }
        _ => {}
    }
    if let Some(user) = ctx.viewer.user_id() {
        if blocked_by_creator(state, access, user).await? {
            return Err(Error::Forbidden(
                "The work's creator has blocked you, so you can't comment on this work.".to_owned(),
            ));
        }
    }
    Ok(access.comment_policy == CommentPolicy::Moderated && !moderates(ctx, access))
}

pub(crate) async fn blocked_by_creator(
    state: &AppState,
    access: &WorkAccess,
    user: UserId,
) -> Result<bool, Error> {
    Ok(!access.creators.contains(&user)
        && state
            .store
            .commenter_blocked(&access.creators, user)
            .await?)
}

/// Creators of the work and admins approve and delete its comments.
pub(crate) fn moderates(ctx: &Ctx, access: &WorkAccess) -> bool {
    access.is_creator(&ctx.viewer) || ctx.viewer.is_admin()
}

pub(crate) fn is_author(ctx: &Ctx, comment: &Comment) -> bool {
    comment.user.is_some() && comment.user == ctx.viewer.user_id()
}

/// A comment and its work, when the viewer may see both (pending comments: creators, admins
/// and the author; deleted ones: no one).
pub(crate) async fn visible_comment(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<(Comment, WorkAccess), Error> {
    let comment = state.store.comment(id).await?.ok_or(Error::NotFound)?;
    let access = visible_work(state, ctx, comment.work).await?;
    let seen = match comment.status {
        CommentStatus::Visible => !comment.author_suspended || ctx.viewer.is_admin(),
        CommentStatus::Pending => moderates(ctx, &access) || is_author(ctx, &comment),
        CommentStatus::Deleted => false,
    };
    if !seen {
        return Err(Error::NotFound);
    }
    Ok((comment, access))
}

/// A comment's text as stored: HTML through the sanitizer, plain text as paragraphs.
/// Refusals say what to fix.
pub(crate) fn comment_body(text: &str) -> Result<Html, String> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(format!(
            "A comment can be at most {} characters; yours has {}. Please shorten it.",
            thousands(MAX_COMMENT_CHARS as u64),
            thousands(chars as u64)
        ));
    }
    let html = user_html(text);
    if !html.has_text() {
        return Err("Please write something first: the comment is empty.".to_owned());
    }
    Ok(html)
}

/// Text a reader typed, as HTML: sanitized when it holds markup, else plain text as
/// paragraphs (blank lines between them).
pub(crate) fn user_html(text: &str) -> Html {
    let text = text.trim();
    if text.is_empty() {
        Html::default()
    } else if looks_like_html(text) {
        Html::sanitize(text)
    } else {
        Html::from_plain_text(text)
    }
}

/// Whether text holds markup (a tag or an entity) rather than plain text.
fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

pub(crate) fn guest_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err("Please give your name: guests sign their comments.".to_owned());
    }
    if chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(format!(
            "A name is at most {MAX_NAME_CHARS} characters, without control characters."
        ));
    }
    Ok(name.to_owned())
}

/// Page `n` of the comments on the work page at `path`, at the comments.
fn comments_page_href(path: &str, n: u64) -> String {
    match n {
        1 => format!("{path}#comments"),
        n => format!("{path}?comments_page={n}#comments"),
    }
}

/// Where a comment is read: its chapter's page of comments, at the comment.
async fn comment_href(state: &AppState, comment: &Comment) -> Result<String, Error> {
    let page = state
        .store
        .comment_page(comment.id, THREADS_PER_PAGE)
        .await?
        .unwrap_or(1);
    let path = format!("/works/{}/chapters/{}", comment.work, comment.chapter);
    Ok(match page {
        1 => format!("{path}#comment-{}", comment.id),
        n => format!("{path}?comments_page={n}#comment-{}", comment.id),
    })
}

/// The name a comment is signed with, and whether it is a guest's.
fn signature(comment: &Comment) -> (Link, bool) {
    match (&comment.pseud_name, &comment.guest_name) {
        (Some(pseud), _) => (
            Link {
                href: Some(user_href(pseud)),
                name: pseud.clone(),
            },
            false,
        ),
        (None, Some(guest)) => (
            Link {
                name: guest.clone(),
                href: None,
            },
            true,
        ),
        (None, None) => (
            Link {
                name: "A former user".to_owned(),
                href: None,
            },
            false,
        ),
    }
}

pub(crate) fn signature_text(comment: &Comment) -> String {
    let (link, guest) = signature(comment);
    if guest {
        format!("{} (Guest)", link.name)
    } else {
        link.name
    }
}

fn datetime(at: DateTime<Utc>) -> (String, String) {
    (
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

// ---------------------------------------------------------------------------------------
// The work page's section

enum CommentForm {
    Off,
    UsersOnly,
    Blocked,
    Open { ask_name: bool, moderated: bool },
}

struct Group {
    heading: Option<String>,
    html: String,
}

#[derive(Template)]
#[template(path = "reader/comments.html")]
struct CommentsSection {
    id: WorkId,
    csrf_token: String,
    form: CommentForm,
    /// Chapter positions the form offers, and which is chosen.
    chapters: Vec<(u32, bool)>,
    return_to: String,
    pending: Option<String>,
    groups: Vec<Group>,
    max_chars: usize,
    max_chars_text: String,
    /// The pseuds a logged-in reader may comment under (none offered when they have one).
    pseuds: Vec<PseudChoice>,
    /// Pages of threads, when there are more than [`THREADS_PER_PAGE`].
    pagination: Pagination,
}

/// Top-level comments (each with its replies) a work page shows at a time: a work with
/// thousands of comments would otherwise make a page of megabytes, slow for everyone.
pub(crate) const THREADS_PER_PAGE: u32 = 20;

/// One pseud in a comment form's "Comment as" list.
struct PseudChoice {
    id: i64,
    name: String,
    selected: bool,
}

/// The pseuds a comment form offers the viewer, default first, `chosen` selected (else the
/// default); none for guests and for readers with one pseud.
async fn pseud_choices(
    state: &AppState,
    ctx: &Ctx,
    chosen: &str,
) -> Result<Vec<PseudChoice>, Error> {
    // The session's account lists its pseud ids: most readers have one, and need no names.
    let Some(account) = ctx.viewer.account().filter(|a| a.pseuds.len() >= 2) else {
        return Ok(Vec::new());
    };
    let chosen = own_pseud(account, chosen);
    Ok(state
        .store
        .pseuds_of(account.id)
        .await?
        .into_iter()
        .map(|p| PseudChoice {
            selected: chosen.map_or(p.is_default, |c| c == p.id),
            id: p.id.0,
            name: p.name,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "reader/comment.html")]
struct CommentItem {
    id: CommentId,
    csrf_token: String,
    /// Shown instead of the comment: it was deleted, or its author is muted.
    placeholder: Option<&'static str>,
    link: Link,
    guest: bool,
    datetime: String,
    date: String,
    edited: Option<(String, String)>,
    pending: bool,
    own: bool,
    body: Html,
    can_reply: bool,
    can_edit: bool,
    can_delete: bool,
    can_approve: bool,
    children: String,
}

/// What the viewer may do on a work's thread, worked out once per page.
pub(crate) struct Viewing<'a> {
    ctx: &'a Ctx,
    muted: HashSet<UserId>,
    can_reply: bool,
    moderates: bool,
}

impl<'a> Viewing<'a> {
    /// What `ctx`'s viewer sees of the threads on the work `access` describes.
    pub(crate) async fn new(
        state: &AppState,
        ctx: &'a Ctx,
        access: &WorkAccess,
    ) -> Result<Viewing<'a>, Error> {
        let muted: HashSet<UserId> = match ctx.viewer.user_id() {
            Some(user) => state.store.comment_mutes(user).await?.into_iter().collect(),
            None => HashSet::new(),
        };
        let blocked = match ctx.viewer.user_id() {
            Some(user) => blocked_by_creator(state, access, user).await?,
            None => false,
        };
        let can_reply = match access.comment_policy {
            CommentPolicy::Off => false,
            CommentPolicy::Users => !ctx.is_guest() && !blocked,
            _ => !blocked,
        };
        Ok(Viewing {
            ctx,
            muted,
            can_reply,
            moderates: moderates(ctx, access),
        })
    }

    /// Whether the viewer sees the comment at all (a pending one: its author and the
    /// work's creators).
    pub(crate) fn shows(&self, c: &Comment) -> bool {
        match c.status {
            CommentStatus::Visible | CommentStatus::Deleted => true,
            CommentStatus::Pending => self.moderates || is_author(self.ctx, c),
        }
    }

    /// What is shown instead of the comment, when its text is not: it was deleted, its
    /// author is muted by the viewer, or suspended.
    pub(crate) fn placeholder(&self, c: &Comment) -> Option<&'static str> {
        if c.status == CommentStatus::Deleted {
            Some("(Previous comment deleted.)")
        } else if c.user.is_some_and(|u| self.muted.contains(&u)) {
            Some("(A comment by a user you muted.)")
        } else if c.author_suspended && !self.ctx.viewer.is_admin() {
            Some("(A comment by a suspended account.)")
        } else {
            None
        }
    }

    fn item(&self, c: &Comment, children: String) -> Result<String, Error> {
        let (link, guest) = signature(c);
        let (datetime_attr, date) = datetime(c.created_at);
        let own = is_author(self.ctx, c);
        let pending = c.status == CommentStatus::Pending;
        let item = CommentItem {
            id: c.id,
            csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
            placeholder: self.placeholder(c),
            link,
            guest,
            datetime: datetime_attr,
            date,
            edited: c.edited_at.map(datetime),
            pending,
            own,
            body: c.body.clone(),
            can_reply: self.can_reply && !pending,
            can_edit: own,
            can_delete: own || self.moderates,
            can_approve: pending && self.moderates,
            children,
        };
        Ok(item.render()?)
    }

    /// The thread items of `roots` and their replies, deleted and muted comments without
    /// shown replies left out.
    fn render(
        &self,
        roots: &[&Comment],
        replies: &HashMap<CommentId, Vec<&Comment>>,
        depth: usize,
    ) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        for c in roots {
            if !self.shows(c) {
                continue;
            }
            let kids = replies.get(&c.id).map_or(&[][..], Vec::as_slice);
            let (nested, after) = if depth + 1 >= MAX_DEPTH {
                (Vec::new(), self.flatten(kids, replies)?)
            } else {
                (self.render(kids, replies, depth + 1)?, Vec::new())
            };
            if self.placeholder(c).is_some() && nested.is_empty() && after.is_empty() {
                continue;
            }
            out.push(self.item(c, nested.join("\n"))?);
            out.extend(after);
        }
        Ok(out)
    }

    /// Every reply under `roots`, in thread order, as items without nesting (no recursion,
    /// however long the chain).
    fn flatten(
        &self,
        roots: &[&Comment],
        replies: &HashMap<CommentId, Vec<&Comment>>,
    ) -> Result<Vec<String>, Error> {
        let mut stack: Vec<&Comment> = roots.iter().rev().copied().collect();
        let mut out = Vec::new();
        while let Some(c) = stack.pop() {
            if !self.shows(c) {
                continue;
            }
            if let Some(kids) = replies.get(&c.id) {
                stack.extend(kids.iter().rev().copied());
            }
            if self.placeholder(c).is_none() {
                out.push(self.item(c, String::new())?);
            }
        }
        Ok(out)
    }
}

/// The work page's comments section for this reader and part of the work: the
/// `comments_page`th page of its comment threads (a page past the last is not found).
pub(crate) async fn section(
    state: &AppState,
    ctx: &Ctx,
    access: &WorkAccess,
    part: Part,
    comments_page: u64,
) -> Result<String, Error> {
    let id = access.id;
    let (chapter, chapter_count) = match part {
        Part::Chapter { position, chapters } => (Some(position), chapters),
        Part::Full { chapters } => (None, chapters),
    };
    let threads = state
        .store
        .comment_threads(
            id,
            chapter,
            THREADS_PER_PAGE,
            ajar_store::PageStart::Offset(
                comments_page
                    .saturating_sub(1)
                    .saturating_mul(u64::from(THREADS_PER_PAGE)),
            ),
        )
        .await?;
    if comments_page > 1
        && (comments_page - 1).saturating_mul(u64::from(THREADS_PER_PAGE)) >= threads.threads
    {
        return Err(Error::NotFound);
    }
    let comments = threads.comments;
    let viewing = Viewing::new(state, ctx, access).await?;
    let moderating = viewing.moderates;
    let form = match access.comment_policy {
        CommentPolicy::Off => CommentForm::Off,
        CommentPolicy::Users if ctx.is_guest() => CommentForm::UsersOnly,
        _ if !viewing.can_reply => CommentForm::Blocked,
        policy => CommentForm::Open {
            ask_name: ctx.is_guest(),
            moderated: policy == CommentPolicy::Moderated && !moderating,
        },
    };

    let mut replies: HashMap<CommentId, Vec<&Comment>> = HashMap::new();
    let known: HashSet<CommentId> = comments.iter().map(|c| c.id).collect();
    let mut roots: Vec<&Comment> = Vec::new();
    for c in &comments {
        match c.parent.filter(|p| known.contains(p)) {
            Some(parent) => replies.entry(parent).or_default().push(c),
            None => roots.push(c),
        }
    }
    let mut groups = Vec::new();
    let grouped = chapter.is_none() && chapter_count > 1;
    let mut positions: Vec<u32> = roots.iter().map(|c| c.chapter).collect();
    positions.dedup();
    for position in positions {
        let here: Vec<&Comment> = roots
            .iter()
            .filter(|c| c.chapter == position)
            .copied()
            .collect();
        let items = viewing.render(&here, &replies, 0)?;
        if items.is_empty() {
            continue;
        }
        groups.push(Group {
            heading: grouped.then(|| format!("Comments on Chapter {position}")),
            html: items.join("\n"),
        });
    }

    let pending = if moderating {
        let n = state.store.pending_comments(id).await?.len();
        (n > 0).then(|| match n {
            1 => "1 comment awaits your approval".to_owned(),
            n => format!("{n} comments await your approval"),
        })
    } else {
        None
    };
    let current = chapter.unwrap_or(chapter_count.max(1));
    let chapters = (1..=chapter_count.max(1))
        .filter(|n| chapter.is_none() || Some(*n) == chapter)
        .map(|n| (n, n == current))
        .collect();
    let return_to = match chapter {
        Some(n) => format!("/works/{id}/chapters/{n}"),
        None => format!("/works/{id}/full"),
    };
    let pseuds = match form {
        CommentForm::Open { .. } => pseud_choices(state, ctx, "").await?,
        _ => Vec::new(),
    };
    let pagination = Pagination::linking(
        comments_page,
        threads.threads,
        u64::from(THREADS_PER_PAGE),
        |n| comments_page_href(&return_to, n),
    );
    let section = CommentsSection {
        pseuds,
        id,
        csrf_token: crate::auth::CSRF_PLACEHOLDER.to_owned(),
        form,
        chapters,
        return_to,
        pending,
        groups,
        max_chars: MAX_COMMENT_CHARS,
        max_chars_text: thousands(MAX_COMMENT_CHARS as u64),
        pagination,
    };
    Ok(section.render()?)
}

// ---------------------------------------------------------------------------------------
// Writing

#[derive(Template)]
#[template(path = "reader/comment_form.html")]
struct CommentFormPage {
    layout: Layout,
    heading: String,
    work_title: String,
    work_href: String,
    /// The comment replied to: who wrote it, and its text.
    parent: Option<(String, Html)>,
    action: String,
    chapter: Option<u32>,
    ask_name: bool,
    name: String,
    body: String,
    submit: &'static str,
    error: Option<String>,
    note: Option<&'static str>,
    max_chars_text: String,
    /// The pseuds a new comment or reply may go under (none offered for edits).
    pseuds: Vec<PseudChoice>,
}

impl CommentFormPage {
    async fn new(
        state: &AppState,
        work: WorkId,
        heading: &str,
        action: String,
        submit: &'static str,
    ) -> Result<CommentFormPage, Error> {
        let title = crate::access::work_title(state, work).await?;
        Ok(CommentFormPage {
            layout: Layout::new(Some(format!("{heading} - {title}")), heading),
            heading: heading.to_owned(),
            work_title: title,
            work_href: format!("/works/{work}"),
            parent: None,
            action,
            chapter: None,
            ask_name: false,
            name: String::new(),
            body: String::new(),
            submit,
            error: None,
            note: None,
            max_chars_text: thousands(MAX_COMMENT_CHARS as u64),
            pseuds: Vec::new(),
        })
    }

    /// The form again, with what was typed and why it was refused (400).
    fn refused(mut self, error: String) -> Response {
        self.error = Some(error);
        (StatusCode::BAD_REQUEST, Page(self)).into_response()
    }
}

const MODERATED_NOTE: &str =
    "Comments on this work are moderated: yours will show once a creator approves it.";

#[derive(Deserialize)]
struct CommentFields {
    #[serde(default)]
    chapter: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    name: String,
    /// The pseud to comment as (an id); the default pseud when not given.
    #[serde(default)]
    pseud: String,
}

impl CommentFields {
    fn request(&self, place: Place) -> CommentRequest<'_> {
        CommentRequest {
            place,
            body: &self.body,
            guest_name: &self.name,
            pseud: &self.pseud,
        }
    }
}

/// The comment's author: the guest by name, or the account under the pseud chosen (one of
/// its own; the default, listed first, when none was chosen).
pub(crate) fn author_of<'a>(
    ctx: &Ctx,
    guest: &'a str,
    chosen: &str,
) -> Result<CommentAuthor<'a>, String> {
    match ctx.viewer.account() {
        Some(account) => {
            let pseud = own_pseud(account, chosen)
                .ok_or_else(|| "Choose one of your own pseuds to comment as.".to_owned())?;
            Ok(CommentAuthor::User {
                user: account.id,
                pseud,
            })
        }
        None => Ok(CommentAuthor::Guest { name: guest }),
    }
}

/// The pseud (an id as the form sent it) if it is one of the account's own; the default,
/// listed first, when none was chosen.
fn own_pseud(account: &Account, chosen: &str) -> Option<PseudId> {
    match chosen.trim() {
        "" => account.pseuds.first().copied(),
        id => account
            .pseuds
            .iter()
            .copied()
            .find(|p| id.parse() == Ok(p.0)),
    }
}

/// Answers a stored comment: a notice when it awaits approval, else a redirect to it.
async fn posted(state: &AppState, posted: Posted) -> Result<Response, Error> {
    if posted.pending {
        return Ok(Page(NoticePage::new(
            "Comment sent",
            "Your comment was sent. Comments on this work are moderated: it will show once a \
             creator approves it.",
            format!("/works/{}", posted.work),
            "Back to the work",
        ))
        .into_response());
    }
    let comment = state
        .store
        .comment(posted.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(see_other(&comment_href(state, &comment).await?))
}

async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<CommentFields>, FormRejection>,
) -> Result<Response, Error> {
    let work = work_id(id)?;
    // A work the reader may not see is not found, whatever the form says.
    visible_work(&state, &ctx, work).await?;
    let fields = form(sent)?;
    let chapter: u32 = fields
        .chapter
        .trim()
        .parse()
        .map_err(|_| Error::BadRequest("Please choose a chapter to comment on.".to_owned()))?;
    let place = Place::Chapter { work, chapter };
    match service::comments::post(&state, &ctx, fields.request(place)).await {
        Ok(done) => posted(&state, done).await,
        Err(Error::Invalid(errors)) => {
            refused_comment(&state, &ctx, work, chapter, &fields, errors).await
        }
        Err(e) => Err(e),
    }
}

/// The comment form again, with what was typed and why it was refused.
async fn refused_comment(
    state: &AppState,
    ctx: &Ctx,
    work: WorkId,
    chapter: u32,
    fields: &CommentFields,
    errors: Vec<String>,
) -> Result<Response, Error> {
    let place = Place::Chapter { work, chapter };
    let action = format!("/works/{work}/comments");
    let mut page = CommentFormPage::new(state, work, "Post a comment", action, "Comment").await?;
    page.chapter = Some(chapter);
    page.ask_name = ctx.is_guest();
    let pending = service::comments::may_post(state, ctx, place).await?;
    page.note = pending.then_some(MODERATED_NOTE);
    page.name = echo(fields.name.clone(), MAX_NAME_CHARS);
    page.body = echo(fields.body.clone(), MAX_COMMENT_CHARS);
    page.pseuds = pseud_choices(state, ctx, &fields.pseud).await?;
    Ok(page.refused(errors.join(" ")))
}

/// Refuses a reply to a comment whose author blocked the viewer.
pub(crate) async fn may_reply(state: &AppState, ctx: &Ctx, parent: &Comment) -> Result<(), Error> {
    if let (Some(user), Some(author)) = (ctx.viewer.user_id(), parent.user) {
        if author != user && state.store.commenter_blocked(&[author], user).await? {
            return Err(Error::Forbidden(
                "This comment's author has blocked you, so you can't reply to it.".to_owned(),
            ));
        }
    }
    Ok(())
}

async fn reply_page(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<(CommentFormPage, Comment, bool), Error> {
    // The reply's rules (the parent seen and not pending, the policy, blocks) are the
    // service's; the form is shown only where a reply would be taken.
    let pending = service::comments::may_post(state, ctx, Place::Reply(id)).await?;
    let (parent, _) = visible_comment(state, ctx, id).await?;
    let mut page = CommentFormPage::new(
        state,
        parent.work,
        "Reply to a comment",
        format!("/comments/{id}/reply"),
        "Reply",
    )
    .await?;
    page.parent = Some((signature_text(&parent), parent.body.clone()));
    page.ask_name = ctx.is_guest();
    page.note = pending.then_some(MODERATED_NOTE);
    page.pseuds = pseud_choices(state, ctx, "").await?;
    Ok((page, parent, pending))
}

async fn reply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<CommentFormPage>, Error> {
    let id = CommentId(id_number(id)?);
    let (page, _, _) = reply_page(&state, &ctx, id).await?;
    Ok(Page(page))
}

async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<CommentFields>, FormRejection>,
) -> Result<Response, Error> {
    let id = CommentId(id_number(id)?);
    let (mut page, _, _) = reply_page(&state, &ctx, id).await?;
    let fields = form(sent)?;
    let refusal =
        match service::comments::post(&state, &ctx, fields.request(Place::Reply(id))).await {
            Ok(done) => return posted(&state, done).await,
            Err(Error::Invalid(errors)) => errors.join(" "),
            Err(e) => return Err(e),
        };
    page.name = echo(fields.name.clone(), MAX_NAME_CHARS);
    page.body = echo(fields.body.clone(), MAX_COMMENT_CHARS);
    page.pseuds = pseud_choices(&state, &ctx, &fields.pseud).await?;
    Ok(page.refused(refusal))
}

/// A comment the viewer wrote (and may see), for editing.
pub(crate) async fn own_comment(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<Comment, Error> {
    ctx.require_user()?;
    let (comment, _) = visible_comment(state, ctx, id).await?;
    if !is_author(ctx, &comment) {
        return Err(Error::Forbidden(
            "You can only edit your own comments.".to_owned(),
        ));
    }
    Ok(comment)
}

async fn edit_page(state: &AppState, comment: &Comment) -> Result<CommentFormPage, Error> {
    CommentFormPage::new(
        state,
        comment.work,
        "Edit your comment",
        format!("/comments/{}/edit", comment.id),
        "Save changes",
    )
    .await
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<CommentFormPage>, Error> {
    let comment = own_comment(&state, &ctx, CommentId(id_number(id)?)).await?;
    let mut page = edit_page(&state, &comment).await?;
    // The stored HTML is what the author edits: plain text came in as paragraphs.
    page.body = comment.body.as_str().to_owned();
    Ok(Page(page))
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<CommentFields>, FormRejection>,
) -> Result<Response, Error> {
    let id = CommentId(id_number(id)?);
    let fields = form(sent)?;
    match service::comments::edit(&state, &ctx, id, &fields.body).await {
        Ok(comment) => Ok(see_other(&comment_href(&state, &comment).await?)),
        Err(Error::Invalid(errors)) => {
            let comment = own_comment(&state, &ctx, id).await?;
            let mut page = edit_page(&state, &comment).await?;
            page.body = echo(fields.body, MAX_COMMENT_CHARS);
            Ok(page.refused(errors.join(" ")))
        }
        Err(e) => Err(e),
    }
}

/// A comment the viewer may delete: their own, or any on a work they moderate.
pub(crate) async fn deletable_comment(
    state: &AppState,
    ctx: &Ctx,
    id: CommentId,
) -> Result<Comment, Error> {
    ctx.require_user()?;
    let (comment, access) = visible_comment(state, ctx, id).await?;
    if !(is_author(ctx, &comment) || moderates(ctx, &access)) {
        return Err(Error::Forbidden(
            "Only the comment's author and the work's creators can delete it.".to_owned(),
        ));
    }
    Ok(comment)
}

#[derive(Template)]
#[template(path = "reader/comment_delete.html")]
struct DeletePage {
    layout: Layout,
    id: CommentId,
    by: String,
    body: Html,
    return_to: String,
}

async fn delete_form(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<DeletePage>, Error> {
    let comment = deletable_comment(&state, &ctx, CommentId(id_number(id)?)).await?;
    Ok(Page(DeletePage {
        layout: Layout::new(
            Some("Delete comment?".to_owned()),
            "Confirm deleting a comment.",
        ),
        id: comment.id,
        by: signature_text(&comment),
        body: comment.body.clone(),
        return_to: comment_href(&state, &comment).await?,
    }))
}

#[derive(Deserialize, Default)]
struct ReturnTo {
    #[serde(default)]
    return_to: Option<String>,
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<ReturnTo>, FormRejection>,
) -> Result<Response, Error> {
    let id = CommentId(id_number(id)?);
    let back = form(sent)?.return_to;
    let comment = service::comments::delete(&state, &ctx, id).await?;
    let to = match back.as_deref() {
        Some(p) => local_return(Some(p)),
        None => format!(
            "/works/{}/chapters/{}#comments",
            comment.work, comment.chapter
        ),
    };
    Ok(see_other(&to))
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
    sent: Result<Form<ReturnTo>, FormRejection>,
) -> Result<Response, Error> {
    let id = CommentId(id_number(id)?);
    let back = form(sent)?.return_to;
    let comment = service::comments::approve(&state, &ctx, id).await?;
    let to = match back.as_deref() {
        Some(p) => local_return(Some(p)),
        None => comment_href(&state, &comment).await?,
    };
    Ok(see_other(&to))
}

async fn show_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let (comment, _) = visible_comment(&state, &ctx, CommentId(id_number(id)?)).await?;
    Ok(see_other(&comment_href(&state, &comment).await?))
}

// ---------------------------------------------------------------------------------------
// Moderation

struct PendingView {
    id: CommentId,
    by: String,
    chapter: u32,
    datetime: String,
    date: String,
    body: Html,
}

#[derive(Template)]
#[template(path = "reader/comments_pending.html")]
struct PendingPage {
    layout: Layout,
    id: WorkId,
    work_title: String,
    comments: Vec<PendingView>,
}

async fn pending_page(
    State(state): State<AppState>,
    ctx: Ctx,
    id: Result<Path<String>, PathRejection>,
) -> Result<Page<PendingPage>, Error> {
    let work = work_id(id)?;
    let (title, pending) = service::comments::pending(&state, &ctx, work).await?;
    let comments = pending
        .into_iter()
        .map(|c| {
            let (datetime_attr, date) = datetime(c.created_at);
            PendingView {
                id: c.id,
                by: signature_text(&c),
                chapter: c.chapter,
                datetime: datetime_attr,
                date,
                body: c.body,
            }
        })
        .collect();
    Ok(Page(PendingPage {
        layout: Layout::new(
            Some(format!("Comments awaiting approval - {title}")),
            "Comments on your work that wait for your approval.",
        ),
        id: work,
        work_title: title,
        comments,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_becomes_paragraphs_and_html_is_sanitized() {
        let plain = comment_body("Loved it!\n\nMore please. 1 < 2").unwrap();
        assert_eq!(
            plain.as_str(),
            "<p>Loved it!</p>\n<p>More please. 1 &lt; 2</p>\n"
        );
        let html = comment_body("<p onclick=\"x()\">Hi <script>alert(1)</script><b>there</b></p>")
            .unwrap();
        assert!(!html.as_str().contains("script") && !html.as_str().contains("onclick"));
        assert!(html.as_str().contains("<b>there</b>"), "{}", html.as_str());
    }

    #[test]
    fn empty_and_overlong_comments_are_refused() {
        assert!(comment_body("   ").is_err());
        assert!(comment_body("<script>alert(1)</script>").is_err());
        let long = "a".repeat(MAX_COMMENT_CHARS + 1);
        let refused = comment_body(&long).unwrap_err();
        assert!(refused.contains("10,000"), "{refused}");
        assert!(comment_body(&"a".repeat(MAX_COMMENT_CHARS)).is_ok());
    }
}
