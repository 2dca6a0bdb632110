//! The `ajar` command: serve the archive, import story files, and the other archivist tools.
//!
//! Each subcommand lives in its own module and is a thin layer over the library crates: it
//! parses flags, opens the store, calls into `ajar-formats` / `ajar-store` / `ajar-web`, and
//! reports progress and results to a person at a terminal.

pub mod canon;
pub mod cli;
pub mod demo;
pub mod export;
pub mod fandom;
pub mod import;
pub mod mail;
pub mod search;
pub mod serve;
pub mod transfer;
pub mod user;

use anyhow::Context;
use cli::{Cli, Command};
use std::process::ExitCode;

/// Runs one command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    init_logging(&cli.command);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(&cli.global, args).await,
            Command::Import(args) => import::run(&cli.global, args).await,
            Command::Export(args) => export::run(&cli.global, args).await,
            Command::Fandom(args) => fandom::run(&cli.global, args).await,
            Command::Canon(args) => canon::run(&cli.global, args).await,
            Command::AnalyzeTexts => canon::analyze_texts(&cli.global).await,
            Command::User(args) => user::run(&cli.global, args).await,
            Command::Mail(args) => mail::run(&cli.global, args).await,
            Command::Reindex(args) => search::reindex(&cli.global, args).await,
            Command::GenCorpus(args) => search::gen_corpus(&cli.global, args).await,
            Command::Migrate(args) => transfer::migrate(&cli.global, args).await,
            Command::Backup(args) => transfer::backup(&cli.global, args).await,
            Command::Restore(args) => transfer::restore(&cli.global, args).await,
        }
    })
}

fn init_logging(command: &Command) {
    // Serving logs requests at info; one-shot commands only say what went wrong, and not
    // sqlx's "slow statement" notes, which tell an operator of a server something but an
    // archivist importing a folder nothing.
    let default = match command {
        Command::Serve(_) => "info,sqlx=warn",
        _ => "warn,sqlx=error",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AJAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours for a person at a terminal; a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// Opens the archive's store as the global flags say.
pub async fn open_store(global: &cli::Global) -> anyhow::Result<ajar_store::Store> {
    open_store_with(global, &ajar_store::StoreOptions::default()).await
}

/// [`open_store`] with its connections set up as `options` say.
pub async fn open_store_with(
    global: &cli::Global,
    options: &ajar_store::StoreOptions,
) -> anyhow::Result<ajar_store::Store> {
    ajar_store::Store::open_with(global.database_url.as_deref(), &global.data_dir, options)
        .await
        .with_context(|| match &global.database_url {
            Some(_) => "cannot open the PostgreSQL database given by --database-url".to_owned(),
            None => format!("cannot open the archive in {}", global.data_dir.display()),
        })
}
