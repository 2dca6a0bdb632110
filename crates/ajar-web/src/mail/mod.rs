//! Mail: what the archive writes to its members, and how it gets to them.
//!
//! Every mail is a [`Letter`] (greeting, paragraphs, an action link, a list of items, a
//! footer), rendered as plain text and HTML from one value and queued in the store's outbox
//! in the transaction of what caused it; [`worker`] sends the outbox through SMTP or, with
//! no SMTP server configured, writes each mail as an `.eml` file a person can open.
//! Subjects and names come from members (work titles, pseuds): control characters are made
//! spaces before they reach a header, and lettre encodes what is left, so nothing typed
//! into a form can add a header.

pub(crate) mod worker;

use crate::Error;
use ajar_store::{Notice, NoticeKind};
use askama::Template;
use std::path::PathBuf;
use std::time::Duration;

pub use worker::{send_test_mail, spawn_worker, MailWorker};

/// How mail leaves the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Through an SMTP server: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (TLS from the start).
    Smtp(String),
    /// Written as `.eml` files into this folder (no SMTP server configured).
    Files(PathBuf),
    /// Queued only: nothing sends (a server built without a worker, as in tests).
    Queue,
}

/// The operator's mail settings (`ajar serve`'s flags).
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The archive's public address, without a trailing slash: links in mail start with it.
    pub base_url: String,
    /// The `From` of every mail, e.g. `Our Archive <noreply@archive.example>`.
    pub from: String,
    pub transport: MailTransport,
    /// How long a digest collects events before it is mailed.
    pub digest_after: Duration,
    /// New accounts must confirm their address before they can log in.
    pub require_confirmed_email: bool,
    /// The wait before a failed mail is tried again; it doubles with each try.
    pub retry_after: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            base_url: "http://localhost:8080".to_owned(),
            from: format!("{} <noreply@localhost>", crate::SITE_NAME),
            transport: MailTransport::Queue,
            digest_after: Duration::from_secs(24 * 60 * 60),
            require_confirmed_email: false,
            retry_after: Duration::from_secs(60),
        }
    }
}

impl MailConfig {
    /// `path` (beginning with `/`) on the archive, as an absolute address.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    /// Checks the settings once, at start: the `From` must be an address, the base URL
    /// an http(s) one, the SMTP URL one lettre understands.
    pub fn check(&self) -> Result<(), String> {
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("the mail sender {:?} is not an address: {e}", self.from))?;
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(format!(
                "the base URL {:?} must begin with http:// or https://",
                self.base_url
            ));
        }
        if let MailTransport::Smtp(url) = &self.transport {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
                .map_err(|e| format!("the SMTP URL cannot be used: {e}"))?;
        }
        Ok(())
    }
}

/// One line of a letter's list: a heading linking to `url`, and a detail below it.
#[derive(Debug, Clone)]
pub(crate) struct LetterItem {
    pub(crate) heading: String,
    pub(crate) detail: String,
    pub(crate) url: String,
}

/// A mail's content, rendered both as text and as HTML.
#[derive(Debug, Clone, Template)]
#[template(path = "mail/letter.html")]
pub(crate) struct Letter {
    pub(crate) subject: String,
    pub(crate) greeting: String,
    pub(crate) paragraphs: Vec<String>,
    /// A button: its label and absolute address.
    pub(crate) action: Option<(String, String)>,
    pub(crate) items: Vec<LetterItem>,
    pub(crate) footer: Vec<String>,
    /// The one-click unsubscribe address (notifications only).
    pub(crate) unsubscribe: Option<String>,
    pub(crate) settings_url: String,
}

impl Letter {
    fn new(config: &MailConfig, subject: String, name: &str) -> Letter {
        Letter {
            subject: header_text(&subject),
            greeting: format!("Hi {},", header_text(name)),
            paragraphs: Vec::new(),
            action: None,
            items: Vec::new(),
            footer: Vec::new(),
            unsubscribe: None,
            settings_url: config.url("/account/mail"),
        }
    }

    /// The plain-text part.
    pub(crate) fn text(&self) -> String {
        let mut out = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!("{label}: {url}\n\n"));
        }
        for item in &self.items {
            out.push_str(&format!("* {}\n  {}\n", item.heading, item.url));
            if !item.detail.is_empty() {
                out.push_str(&format!("  {}\n", item.detail));
            }
            out.push('\n');
        }
        out.push_str("-- \n");
        for line in &self.footer {
            out.push_str(line);
            out.push('\n');
        }
        if let Some(url) = &self.unsubscribe {
            out.push_str(&format!(
                "Stop these mails: {url}\nChoose what you are mailed: {}\n",
                self.settings_url
            ));
        }
        out
    }

    /// The mail to queue for `to`, caused by `event_key`.
    pub(crate) fn into_mail(
        self,
        to: Recipient<'_>,
        kind: &str,
        event_key: String,
    ) -> Result<ajar_store::NewMail, Error> {
        let html = self.render().map_err(|e| Error::Internal(e.to_string()))?;
        Ok(ajar_store::NewMail {
            event_key,
            user: to.user,
            to_name: header_text(to.name),
            to_address: to.address.to_owned(),
            kind: kind.to_owned(),
            subject: self.subject.clone(),
            text_body: self.text(),
            html_body: html,
            unsubscribe: self.unsubscribe.clone(),
        })
    }
}

/// Whom a mail goes to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recipient<'a> {
    pub(crate) user: Option<ajar_core::UserId>,
    pub(crate) name: &'a str,
    pub(crate) address: &'a str,
}

/// `text` with every control character (CR and LF among them) made a space and runs of
/// spaces made one: what may go into a header or a greeting.
pub(crate) fn header_text(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How long a mailed password reset link works.
pub(crate) const RESET_LINK_HOURS: i64 = 24;
/// How long a mailed address confirmation link works.
pub(crate) const CONFIRM_LINK_HOURS: i64 = 72;

/// The mail with a password reset link.
pub(crate) fn reset_letter(config: &MailConfig, name: &str, token: &str) -> Letter {
    let mut letter = Letter::new(
        config,
        format!("Reset your {} password", crate::SITE_NAME),
        name,
    );
    letter.paragraphs.push(format!(
        "Someone (we hope you) asked to reset the password of the account {} on {}. The link \
         below works once, for {RESET_LINK_HOURS} hours.",
        header_text(name),
        config.base_url
    ));
    letter.action = Some((
        "Choose a new password".to_owned(),
        config.url(&format!("/reset/{token}")),
    ));
    letter
        .footer
        .push("If you did not ask for this, do nothing: your password stays as it is.".to_owned());
    letter
}

/// The mail with a link that confirms `address` for the account.
pub(crate) fn confirm_letter(
    config: &MailConfig,
    name: &str,
    token: &str,
    new_account: bool,
) -> Letter {
    let mut letter = Letter::new(
        config,
        format!("Confirm your email address on {}", crate::SITE_NAME),
        name,
    );
    letter.paragraphs.push(if new_account {
        format!(
            "Welcome to {}. Please confirm that this is your address, so the archive can \
             mail you about comments, subscriptions and your account.",
            config.base_url
        )
    } else {
        format!(
            "You asked to use this address for your account {} on {}. It takes effect once \
             you confirm it.",
            header_text(name),
            config.base_url
        )
    });
    letter.action = Some((
        "Confirm this address".to_owned(),
        config.url(&format!("/confirm-email/{token}")),
    ));
    letter.footer.push(format!(
        "The link works for {} days. If this was not you, ignore this mail.",
        CONFIRM_LINK_HOURS / 24
    ));
    letter
}

/// The mail to an account's old address when a change to `new_address` was asked for.
pub(crate) fn email_change_letter(config: &MailConfig, name: &str, new_address: &str) -> Letter {
    let mut letter = Letter::new(
        config,
        format!("Your {} email address is changing", crate::SITE_NAME),
        name,
    );
    letter.paragraphs.push(format!(
        "Someone logged in as {} asked to change the account's email address to {}. The change \
         takes effect when the link mailed there is opened.",
        header_text(name),
        header_text(new_address)
    ));
    letter.footer.push(format!(
        "If this was not you, change your password at once ({}) and tell the archive's admins.",
        config.url("/account")
    ));
    letter
}

/// A test mail (`ajar mail test`).
pub(crate) fn test_letter(config: &MailConfig) -> Letter {
    let mut letter = Letter::new(
        config,
        format!("A test mail from {}", crate::SITE_NAME),
        "there",
    );
    letter.paragraphs.push(format!(
        "This mail was sent by `ajar mail test` from {}: the archive can reach you.",
        config.base_url
    ));
    letter
}

/// What a notification says, in a subject and as a list item.
pub(crate) fn notice_heading(notice: &Notice) -> String {
    let who = notice.actor.as_deref().map(header_text);
    let title = header_text(&notice.title);
    match notice.kind {
        NoticeKind::Comment => format!(
            "{} commented on {title}",
            who.unwrap_or_else(|| "Someone".into())
        ),
        NoticeKind::Reply => format!(
            "{} replied to your comment on {title}",
            who.unwrap_or_else(|| "Someone".into())
        ),
        NoticeKind::Kudos => format!(
            "{} left kudos on {title}",
            who.unwrap_or_else(|| "A guest".into())
        ),
        NoticeKind::Chapter => format!(
            "{title} by {} has a new chapter",
            who.unwrap_or_else(|| "its creator".into())
        ),
        NoticeKind::Work => format!(
            "A new work: {title} by {}",
            who.unwrap_or_else(|| "a creator you follow".into())
        ),
        NoticeKind::Gift => format!("{title} is a gift for you"),
        NoticeKind::CoCreator => format!("You are invited to be a co-creator of {title}"),
        NoticeKind::Bookmark => format!(
            "{} bookmarked {title}",
            who.unwrap_or_else(|| "Someone".into())
        ),
        NoticeKind::Moderation => format!("About {title}: a moderator's decision"),
    }
}

/// The unsubscribe address for one category of a member's notifications.
fn unsubscribe_url(
    config: &MailConfig,
    token: Option<&str>,
    category: ajar_store::NoticeCategory,
) -> Option<String> {
    token.map(|t| config.url(&format!("/unsubscribe/{t}/{}", category.code())))
}

/// One notification, mailed alone.
pub(crate) fn notice_letter(
    config: &MailConfig,
    name: &str,
    token: Option<&str>,
    notice: &Notice,
) -> Letter {
    let heading = notice_heading(notice);
    let mut letter = Letter::new(config, heading.clone(), name);
    letter.items.push(LetterItem {
        heading,
        detail: notice.detail.clone(),
        url: config.url(&notice.link),
    });
    letter.action = Some(("Open your inbox".to_owned(), config.url("/inbox")));
    letter.footer.push(format!(
        "You get this because of your settings for \"{}\".",
        notice.kind.category().label()
    ));
    letter.unsubscribe = unsubscribe_url(config, token, notice.kind.category());
    letter
}

/// A day's notifications in one mail.
pub(crate) fn digest_letter(
    config: &MailConfig,
    name: &str,
    token: Option<&str>,
    notices: &[Notice],
) -> Letter {
    let subject = match notices.len() {
        1 => format!("Your {} digest: 1 new notification", crate::SITE_NAME),
        n => format!("Your {} digest: {n} new notifications", crate::SITE_NAME),
    };
    let mut letter = Letter::new(config, subject, name);
    letter
        .paragraphs
        .push("Here is what happened since your last digest.".to_owned());
    for notice in notices {
        letter.items.push(LetterItem {
            heading: notice_heading(notice),
            detail: notice.detail.clone(),
            url: config.url(&notice.link),
        });
    }
    letter.action = Some(("Open your inbox".to_owned(), config.url("/inbox")));
    letter
        .footer
        .push("You get this digest because of your notification settings.".to_owned());
    // Its one-click link stops the digest: every category the member gets in it.
    letter.unsubscribe = token.map(|t| config.url(&format!("/unsubscribe/{t}/digest")));
    letter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_drops_line_breaks_and_controls() {
        assert_eq!(
            header_text("Title\r\nBcc: evil@example.com"),
            "Title Bcc: evil@example.com"
        );
        assert_eq!(header_text("a\u{0}b\tc  d"), "a b c d");
    }

    #[test]
    fn a_letter_renders_the_same_links_in_both_parts() {
        let config = MailConfig::default();
        let letter = reset_letter(&config, "Ann <script>", "TOKEN");
        let text = letter.text();
        let html = letter.render().unwrap_or_default();
        assert!(text.contains("http://localhost:8080/reset/TOKEN"), "{text}");
        assert!(html.contains("http://localhost:8080/reset/TOKEN"), "{html}");
        assert!(
            html.contains("Ann &#60;script&#62;") || html.contains("Ann &lt;script&gt;"),
            "{html}"
        );
    }
}
