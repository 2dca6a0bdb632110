//! One-time notices on the page a form's redirect lands on ("Your work was posted."): a
//! short-lived cookie holds which notice, from a closed set, and the page says it once.
//!
//! The cookie names a notice by its code; its words (and the reader's name in the welcome)
//! come from here and the session, so no link or planted cookie can make the archive say
//! anything else. Notices are shown to logged-in readers only: their pages are never cached
//! or shared, while a guest's page may be served to other guests.

use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::Response;

pub(crate) const COOKIE: &str = "ajar_notice";

/// How long a notice waits for its page: the redirect is followed at once.
const MAX_AGE_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// After signing up.
    Welcome,
    WorkPosted,
    DraftSaved,
    ChapterAdded,
}

impl Notice {
    const ALL: [Notice; 4] = [
        Notice::Welcome,
        Notice::WorkPosted,
        Notice::DraftSaved,
        Notice::ChapterAdded,
    ];

    fn code(self) -> &'static str {
        match self {
            Notice::Welcome => "welcome",
            Notice::WorkPosted => "posted",
            Notice::DraftSaved => "draft",
            Notice::ChapterAdded => "chapter",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|n| n.code() == code)
    }

    /// The notice in words, for the logged-in reader `name`.
    pub(crate) fn text(self, name: &str) -> String {
        match self {
            Notice::Welcome => format!("Welcome, {name} — you are logged in."),
            Notice::WorkPosted => "Your work was posted.".to_owned(),
            Notice::DraftSaved => {
                "Your draft was saved. Only you can see it until you post it.".to_owned()
            }
            Notice::ChapterAdded => "Chapter added.".to_owned(),
        }
    }

    /// Adds the notice to a redirect, for the page it leads to.
    pub(crate) fn on(self, mut response: Response, secure: bool) -> Response {
        response.headers_mut().append(
            SET_COOKIE,
            crate::auth::set_cookie(COOKIE, self.code(), MAX_AGE_SECS, secure),
        );
        response
    }
}

/// Once a page has been shown, its notice is gone.
pub(crate) fn clear_when_shown(response: &mut Response, secure: bool) {
    let page = response.status() == StatusCode::OK
        && response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
    if page {
        response
            .headers_mut()
            .append(SET_COOKIE, crate::auth::set_cookie(COOKIE, "", 0, secure));
    }
}
