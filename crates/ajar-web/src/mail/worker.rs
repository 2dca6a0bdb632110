//! The mail worker: turns due notifications into mail (one each, or a member's digest),
//! then sends the outbox, with retries and backoff.
//!
//! Each pass reads first and writes only when there is something to do, so an idle archive's
//! worker costs three small reads a second and never empties the page cache. Sending is at
//! least once: a mail is marked sent after the server took it, so a node killed in between
//! sends it again when its lease runs out (the same `Message-ID`, which mail clients fold).

use super::{
    digest_letter, header_text, notice_letter, test_letter, MailConfig, MailTransport, Recipient,
};
use crate::Error;
use ajar_store::{NewMail, QueuedMail, Store};
use futures_util::StreamExt;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often an idle worker looks for work (it is also woken when mail is queued here).
const POLL: Duration = Duration::from_secs(1);
/// How long a claimed mail is this node's to send.
const LEASE_SECS: i64 = 5 * 60;
/// Mails claimed at a time.
const CLAIM: u32 = 50;
/// Mails being sent at once (lettre's SMTP pool keeps up to 10 connections).
const SENDING_AT_ONCE: usize = 8;
/// Tries before a mail is given up on (with the default first wait of a minute, the last
/// comes about 17 hours after the first).
const MAX_ATTEMPTS: u32 = 10;
/// How long sent mail stays in the outbox (for the admin page and questions about it).
const KEEP_SENT_DAYS: i64 = 30;
/// How often sent mail older than that is deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// The longest wait between tries.
const MAX_BACKOFF_SECS: i64 = 6 * 60 * 60;

/// Wakes the worker when mail was queued, so a reset link goes out at once.
#[derive(Clone, Default)]
pub struct MailWorker {
    wake: Arc<Notify>,
}

impl MailWorker {
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the worker for `config` (nothing for [`MailTransport::Queue`]).
pub fn spawn_worker(
    store: Store,
    config: Arc<MailConfig>,
    worker: MailWorker,
) -> Option<tokio::task::JoinHandle<()>> {
    let sender = Sender::new(&config.transport).ok()??;
    Some(tokio::spawn(run(store, config, sender, worker)))
}

async fn run(store: Store, config: Arc<MailConfig>, sender: Sender, worker: MailWorker) {
    let owner = format!("{}:{}", std::process::id(), &crate::random_token()[..12]);
    let mut pruned: Option<std::time::Instant> = None;
    loop {
        if let Err(error) = pass(&store, &config, &sender, &owner).await {
            tracing::warn!(%error, "the mail worker could not finish a pass");
        }
        if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned = Some(std::time::Instant::now());
            let before = chrono::Utc::now() - chrono::Duration::days(KEEP_SENT_DAYS);
            if let Err(error) = store.prune_sent_mail(before).await {
                tracing::warn!(%error, "could not delete old sent mail");
            }
        }
        tokio::select! {
            () = worker.wake.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// One pass: notifications to mail, digests due, then the outbox.
pub(crate) async fn pass(
    store: &Store,
    config: &MailConfig,
    sender: &Sender,
    owner: &str,
) -> Result<(), Error> {
    queue_notices(store, config).await?;
    queue_digests(store, config).await?;
    send_due(store, config, sender, owner).await
}

/// The token of a member's unsubscribe links (made the first time it is needed).
async fn mail_token(
    store: &Store,
    user: ajar_core::UserId,
    known: Option<&str>,
) -> Result<String, Error> {
    Ok(match known {
        Some(t) => t.to_owned(),
        None => {
            store
                .ensure_mail_token(user, &crate::random_token())
                .await?
        }
    })
}

async fn queue_notices(store: &Store, config: &MailConfig) -> Result<(), Error> {
    loop {
        let due = store.notices_to_mail(100).await?;
        if due.is_empty() {
            return Ok(());
        }
        let mut mails = Vec::with_capacity(due.len());
        for n in &due {
            let token = mail_token(store, n.user, n.mail_token.as_deref()).await?;
            let mail = notice_letter(config, &n.name, Some(&token), &n.notice).into_mail(
                Recipient {
                    user: Some(n.user),
                    name: &n.name,
                    address: &n.email,
                },
                "notification",
                format!("notice:{}", n.notice.id),
            )?;
            mails.push((vec![n.notice.id], mail));
        }
        store.queue_notice_mails(&mails).await?;
    }
}

async fn queue_digests(store: &Store, config: &MailConfig) -> Result<(), Error> {
    let window =
        chrono::Duration::from_std(config.digest_after).unwrap_or(chrono::Duration::days(1));
    let since = chrono::Utc::now() - window;
    for due in store.digests_due(since, 50).await? {
        let notices = store.digest_notices(due.user, 200).await?;
        let Some(first) = notices.first() else {
            store.refresh_digest(due.user).await?;
            continue;
        };
        let token = mail_token(store, due.user, due.mail_token.as_deref()).await?;
        let mail = digest_letter(config, &due.name, Some(&token), &notices).into_mail(
            Recipient {
                user: Some(due.user),
                name: &due.name,
                address: &due.email,
            },
            "digest",
            format!("digest:{}:{}", due.user.0, first.id),
        )?;
        let ids = notices.iter().map(|n| n.id).collect();
        store.queue_notice_mails(&[(ids, mail)]).await?;
    }
    Ok(())
}

async fn send_due(
    store: &Store,
    config: &MailConfig,
    sender: &Sender,
    owner: &str,
) -> Result<(), Error> {
    while store.mail_due().await? {
        let claimed = store
            .claim_mail(owner, chrono::Duration::seconds(LEASE_SECS), CLAIM)
            .await?;
        if claimed.is_empty() {
            return Ok(());
        }
        // Several at once: lettre writes a message and its closing dot separately, so with
        // Nagle's algorithm and the server's delayed ACK each mail on one connection takes
        // about 40 ms however small it is; connections side by side (from lettre's pool)
        // are what make the outbox empty at a useful rate. Each outcome is recorded as soon
        // as it is known, so a crash re-sends as little as can be.
        let mut sending = futures_util::stream::iter(claimed)
            .map(|mail| async move {
                let outcome = match message(config, &mail) {
                    Ok(message) => sender.send(mail.id, &message).await,
                    Err(text) => Err(SendError {
                        permanent: true,
                        text,
                    }),
                };
                (mail, outcome)
            })
            .buffer_unordered(SENDING_AT_ONCE);
        while let Some((mail, outcome)) = sending.next().await {
            match outcome {
                Ok(()) => store.mail_sent(mail.id).await?,
                Err(error) => {
                    let tries = mail.attempts + 1;
                    let retry_at = (!error.permanent && tries < MAX_ATTEMPTS).then(|| {
                        let first = i64::try_from(config.retry_after.as_millis()).unwrap_or(60_000);
                        let wait = first.saturating_mul(1 << (tries - 1).min(20));
                        chrono::Utc::now()
                            + chrono::Duration::milliseconds(wait.min(MAX_BACKOFF_SECS * 1000))
                    });
                    tracing::warn!(mail = mail.id, tries, error = %error.text, gave_up = retry_at.is_none(), "could not send a mail");
                    store.mail_failed(mail.id, &error.text, retry_at).await?;
                }
            }
        }
    }
    Ok(())
}

/// Why a mail did not go.
#[derive(Debug)]
pub(crate) struct SendError {
    /// Trying again will not help (a refused address, a message the server will never take).
    permanent: bool,
    text: String,
}

/// Where mail goes.
pub(crate) enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Sender {
    /// The sender for `transport`; `None` when it queues only.
    pub(crate) fn new(transport: &MailTransport) -> Result<Option<Sender>, String> {
        Ok(match transport {
            MailTransport::Smtp(url) => Some(Sender::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("the SMTP URL cannot be used: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            )),
            MailTransport::Files(dir) => Some(Sender::Files(dir.clone())),
            MailTransport::Queue => None,
        })
    }

    async fn send(&self, id: i64, message: &Message) -> Result<(), SendError> {
        match self {
            Sender::Smtp(smtp) => {
                smtp.send(message.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError {
                        permanent: e.is_permanent(),
                        text: e.to_string(),
                    })
            }
            Sender::Files(dir) => {
                write_eml(dir, id, &message.formatted())
                    .await
                    .map_err(|e| SendError {
                        permanent: false,
                        text: format!("cannot write the mail file: {e}"),
                    })
            }
        }
    }
}

/// Writes mail `id` as `DIR/ID.eml` (whole or not at all: a temporary file renamed); a
/// mail written before is left as it is.
async fn write_eml(dir: &Path, id: i64, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(format!("{id:010}.eml"));
    if tokio::fs::try_exists(&path).await? {
        return Ok(());
    }
    tokio::fs::create_dir_all(dir).await?;
    let partial = dir.join(format!(".{id:010}.eml.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, &path).await
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Builds the message of an outbox row; an error is for good (a bad address).
fn message(config: &MailConfig, mail: &QueuedMail) -> Result<Message, String> {
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| format!("the sender address is not valid: {e}"))?;
    let address: Address = mail
        .to_address
        .trim()
        .parse()
        .map_err(|e| format!("{:?} is not a mail address: {e}", mail.to_address))?;
    let domain = from.email.domain().to_owned();
    let name = header_text(&mail.to_name);
    let to = Mailbox::new((!name.is_empty()).then_some(name), address);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(header_text(&mail.subject))
        .message_id(Some(format!(
            "<ajar.{}.{}@{domain}>",
            mail.id,
            mail.created_at.timestamp()
        )));
    if let Some(url) = &mail.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(format!("<{}>", header_text(url))))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))
        .map_err(|e| format!("the mail cannot be built: {e}"))
}

/// Sends a test mail to `address` at once, not through the outbox, and says what the
/// server answered (`ajar mail test`).
pub async fn send_test_mail(config: &MailConfig, address: &str) -> Result<String, String> {
    let letter = test_letter(config);
    let mail: NewMail = letter
        .into_mail(
            Recipient {
                user: None,
                name: "",
                address,
            },
            "test",
            String::new(),
        )
        .map_err(|e| e.to_string())?;
    let queued = QueuedMail {
        id: chrono::Utc::now().timestamp(),
        kind: mail.kind,
        to_name: mail.to_name,
        to_address: mail.to_address,
        subject: mail.subject,
        text_body: mail.text_body,
        html_body: mail.html_body,
        unsubscribe: None,
        attempts: 0,
        created_at: chrono::Utc::now(),
    };
    let message = message(config, &queued)?;
    match Sender::new(&config.transport)? {
        None => Err("no mail transport is configured".to_owned()),
        Some(sender) => {
            sender.send(queued.id, &message).await.map_err(|e| e.text)?;
            Ok(match &config.transport {
                MailTransport::Files(dir) => format!(
                    "No SMTP server is configured: the mail was written to {}",
                    dir.join(format!("{:010}.eml", queued.id)).display()
                ),
                _ => format!("The SMTP server took the mail for {address}."),
            })
        }
    }
}
