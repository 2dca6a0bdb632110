//! The parts of a page that belong to the one viewing it: the account links of the site
//! header (who is logged in, the admin link, the log-out form), the one-time notice, and the
//! CSRF token of every form. Pages are rendered without them — so a page depends only on what
//! its handler was given, and a guest page can be kept and shared — and `auth::context`,
//! which knows the viewer, puts them in on the way out.
//!
//! Templates mark the places: the header's account links sit between [`ACCOUNT_START`] and
//! [`ACCOUNT_END`] (a guest's links, so a page that is never filled, such as an overload
//! page drawn before anyone is known, is still right for a guest); the notice goes at
//! [`NOTICE`]; forms carry `auth::CSRF_PLACEHOLDER`. Only these exact strings are filled.
//! Text from readers and writers is escaped or sanitized (no comment or `<input>` survives),
//! so it can hold none of them; and the header's markers come before any of it, and only
//! their first occurrence is filled.

use crate::auth::{Ctx, CSRF_PLACEHOLDER};
use askama::Template;
use memchr::memmem;
use std::sync::OnceLock;

pub(crate) const ACCOUNT_START: &str = "<!--ajar:account-->";
pub(crate) const ACCOUNT_END: &str = "<!--/ajar:account-->";
pub(crate) const NOTICE: &str = "<!--ajar:notice-->";

/// A logged-in reader's links in the site header.
#[derive(Template)]
#[template(path = "account_nav.html")]
struct AccountNav<'a> {
    name: &'a str,
    admin: bool,
    /// Wranglers (and admins) get a link to the wrangling queue.
    wrangler: bool,
    token: &'a str,
    /// Unread inbox items ("99+" past what a session counts).
    unread: String,
}

#[derive(Template)]
#[template(
    source = r#"<p class="notice flash" role="status">{{ text }}</p>"#,
    ext = "html"
)]
struct NoticeLine {
    text: String,
}

/// The form field pages carry until the viewer's token is put in.
pub(crate) fn placeholder_field() -> &'static str {
    static FIELD: OnceLock<String> = OnceLock::new();
    FIELD.get_or_init(|| {
        format!(r#"<input type="hidden" name="csrf_token" value="{CSRF_PLACEHOLDER}">"#)
    })
}

/// What filling a page did.
pub(crate) struct Filled {
    /// The page with its viewer's parts, or `None` when it had none to fill.
    pub(crate) page: Option<Vec<u8>>,
    /// Whether the page had a form, now carrying the viewer's token.
    pub(crate) token: bool,
    /// The field now in each form, with the viewer's token (empty when `token` is false).
    pub(crate) field: String,
    /// Whether anything but the token was filled (a reader's header links, a notice): then
    /// the page differs from the kept one in more than its forms' fields.
    pub(crate) personal: bool,
}

/// Puts `ctx`'s parts into a rendered page.
pub(crate) fn fill(page: &[u8], ctx: &Ctx) -> Filled {
    let mut out: Option<Vec<u8>> = None;
    if let Some(account) = ctx.viewer.account() {
        let nav = AccountNav {
            name: &account.name,
            admin: ctx.viewer.is_admin(),
            wrangler: crate::service::wrangling::may_wrangle(ctx),
            token: &ctx.csrf_token,
            unread: match ctx.unread {
                0 => String::new(),
                n if n >= ajar_store::UNREAD_SHOWN => format!("{}+", ajar_store::UNREAD_SHOWN - 1),
                n => n.to_string(),
            },
        };
        if let Ok(nav) = nav.render() {
            let current = out.as_deref().unwrap_or(page);
            if let Some(filled) = replace_span(current, ACCOUNT_START, ACCOUNT_END, &nav) {
                out = Some(filled);
            }
        }
        if let Some(notice) = ctx.notice {
            let line = NoticeLine {
                text: notice.text(&account.name),
            };
            if let Ok(line) = line.render() {
                let current = out.as_deref().unwrap_or(page);
                if let Some(filled) = replace_span(current, NOTICE, "", &line) {
                    out = Some(filled);
                }
            }
        }
    }
    let personal = out.is_some();
    let field = placeholder_field();
    let current = out.as_deref().unwrap_or(page);
    let finder = memmem::Finder::new(field.as_bytes());
    let token = finder.find(current).is_some();
    let mut filled_field = String::new();
    if token {
        filled_field = field.replace(CSRF_PLACEHOLDER, &ctx.csrf_token);
        let mut filled = Vec::with_capacity(current.len() + 64);
        let mut rest = current;
        while let Some(at) = finder.find(rest) {
            filled.extend_from_slice(&rest[..at]);
            filled.extend_from_slice(filled_field.as_bytes());
            rest = &rest[at + field.len()..];
        }
        filled.extend_from_slice(rest);
        out = Some(filled);
    }
    Filled {
        page: out,
        token,
        field: filled_field,
        personal,
    }
}

/// `page` with the first `start` (through the next `end`, when `end` is not empty) replaced
/// by `with`; `None` when it has no such span.
fn replace_span(page: &[u8], start: &str, end: &str, with: &str) -> Option<Vec<u8>> {
    let from = memmem::find(page, start.as_bytes())?;
    let to = if end.is_empty() {
        from + start.len()
    } else {
        let after = from + start.len();
        after + memmem::find(&page[after..], end.as_bytes())? + end.len()
    };
    let mut out = Vec::with_capacity(page.len() + with.len());
    out.extend_from_slice(&page[..from]);
    out.extend_from_slice(with.as_bytes());
    out.extend_from_slice(&page[to..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ajar_core::{Account, Role, UserId, Viewer};

    fn reader(name: &str, role: Role) -> Ctx {
        let mut ctx = Ctx::guest();
        ctx.viewer = Viewer::User(Account {
            id: UserId(7),
            name: name.to_owned(),
            role,
            pseuds: Vec::new(),
        });
        ctx.csrf_token = "tok".to_owned();
        ctx
    }

    const PAGE: &str =
        "<header><!--ajar:account--><a href=\"/login\">Log in</a><!--/ajar:account--></header>\
        <main><!--ajar:notice--><form><input type=\"hidden\" name=\"csrf_token\" \
        value=\"ajar-guest-csrf-token-placeholder\"></form><p>&lt;!--ajar:account--&gt;</p></main>";

    #[test]
    fn a_readers_links_replace_the_guests_and_the_token_fills_every_form() {
        let mut ctx = reader("Rory <3", Role::Admin);
        ctx.notice = Some(crate::flash::Notice::Welcome);
        let filled = fill(PAGE.as_bytes(), &ctx);
        let page = String::from_utf8(filled.page.unwrap()).unwrap();
        assert!(filled.token);
        assert!(!page.contains("Log in"), "{page}");
        assert!(
            page.contains(">Rory &#60;3</a>") || page.contains(">Rory &lt;3</a>"),
            "{page}"
        );
        assert!(page.contains("href=\"/admin\""), "{page}");
        assert!(
            page.contains("Welcome, Rory &#60;3") || page.contains("Welcome, Rory &lt;3"),
            "{page}"
        );
        assert!(!page.contains(CSRF_PLACEHOLDER), "{page}");
        assert_eq!(
            page.matches("value=\"tok\"").count(),
            2,
            "the form and log-out: {page}"
        );
        assert!(
            page.contains("<p>&lt;!--ajar:account--&gt;</p>"),
            "text is left alone"
        );
    }

    #[test]
    fn a_guest_keeps_the_guest_links_and_gets_a_token() {
        let mut ctx = Ctx::guest();
        ctx.csrf_token = "guest".to_owned();
        let filled = fill(PAGE.as_bytes(), &ctx);
        let page = String::from_utf8(filled.page.unwrap()).unwrap();
        assert!(page.contains("Log in"));
        assert!(page.contains("value=\"guest\""));
        let none = fill(b"<p>no forms</p>", &ctx);
        assert!(none.page.is_none() && !none.token);
    }
}
