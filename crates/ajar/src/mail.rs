//! Mail settings (`ajar serve`'s and `ajar mail`'s flags) and `ajar mail test`.

use crate::cli::Global;
use ajar_web::mail::{MailConfig, MailTransport};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

/// How the archive sends mail.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server to send mail through: smtp://HOST:25, smtp://USER:PASS@HOST:587?tls=required
    /// (STARTTLS) or smtps://USER:PASS@HOST:465 (TLS). Without it, each mail is written as an
    /// .eml file into DATA_DIR/mail, to read or hand on.
    #[arg(long, env = "AJAR_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every mail, e.g. "Our Archive <noreply@archive.example>"
    /// [default: ajar <noreply@HOST of --base-url>].
    #[arg(long, env = "AJAR_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The archive's public address, which links in mail start with (e.g.
    /// https://archive.example) [default: the address it listens on].
    #[arg(long, env = "AJAR_BASE_URL")]
    pub base_url: Option<String>,
    /// How long a daily digest collects notifications before it is mailed, in seconds.
    #[arg(long, env = "AJAR_MAIL_DIGEST_SECS", default_value_t = 24 * 60 * 60)]
    pub mail_digest_secs: u64,
    /// Seconds before a mail that could not be sent is tried again (doubling with each try,
    /// at most 6 hours; given up after 10 tries).
    #[arg(long, env = "AJAR_MAIL_RETRY_SECS", default_value_t = 60)]
    pub mail_retry_secs: u64,
    /// New accounts must confirm their email address before they can log in.
    #[arg(long, env = "AJAR_REQUIRE_EMAIL_CONFIRMATION")]
    pub require_email_confirmation: bool,
}

impl MailArgs {
    /// The settings these flags give, for an archive whose own address is `listening`.
    pub fn config(&self, global: &Global, listening: &str) -> anyhow::Result<MailConfig> {
        let base_url = self
            .base_url
            .clone()
            .unwrap_or_else(|| listening.to_owned())
            .trim_end_matches('/')
            .to_owned();
        let host = base_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
            .unwrap_or("localhost")
            .to_owned();
        let config = MailConfig {
            from: self
                .mail_from
                .clone()
                .unwrap_or_else(|| format!("{} <noreply@{host}>", ajar_web::SITE_NAME)),
            base_url,
            transport: match &self.smtp_url {
                Some(url) => MailTransport::Smtp(url.clone()),
                None => MailTransport::Files(global.data_dir.join("mail")),
            },
            digest_after: Duration::from_secs(self.mail_digest_secs.max(1)),
            require_confirmed_email: self.require_email_confirmation,
            retry_after: Duration::from_secs(self.mail_retry_secs.max(1)),
        };
        config.check().map_err(anyhow::Error::msg)?;
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub struct MailCommandArgs {
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test mail to ADDRESS at once (not through the queue) and say what the SMTP
    /// server answered, or where the .eml file was written.
    Test {
        /// Where to send it.
        address: String,
        #[command(flatten)]
        mail: MailArgs,
    },
}

pub async fn run(global: &Global, args: MailCommandArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        MailCommand::Test { address, mail } => {
            let config = mail.config(global, "http://localhost:8080")?;
            let said = ajar_web::mail::send_test_mail(&config, &address)
                .await
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("the test mail to {address} did not go"))?;
            println!("{said}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
