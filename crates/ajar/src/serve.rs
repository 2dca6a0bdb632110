//! `ajar serve`: the archive over HTTP.

use crate::cli::{Global, ServeArgs};
use anyhow::Context;
use std::process::ExitCode;

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A short wait for a connection and a time limit per query, so one slow page cannot
    // hold the database for the rest (they are told 503, try again, instead).
    let store = crate::open_store_with(global, &ajar_store::StoreOptions::serving()).await?;
    let mut demo_login = None;
    if args.demo {
        let added = crate::demo::seed(&store).await?;
        if added > 0 {
            println!("Added {added} sample works to the empty archive (--demo).");
            demo_login = crate::demo::account(&store).await?;
        }
    }
    // Opened (and rebuilt if missing or damaged) before listening, so search works from the
    // first request; the follower then keeps it within a second of the store.
    // The index follows the store through the background pool, which pages cannot take.
    let search = crate::search::open_search(global, store.background(), true).await?;
    let _follower = search.spawn_follower();
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    // The first line of output is the address: scripts and tests read it to find a port-0 server.
    println!("ajar is serving the archive at http://{addr}/");
    let where_ = match &global.database_url {
        Some(_) => "PostgreSQL (--database-url)".to_owned(),
        None => global.data_dir.display().to_string(),
    };
    println!("Archive data: {where_}. Press Ctrl-C to stop.");
    if let Some((name, password)) = demo_login {
        println!(
            "Log in at http://{addr}/login as \"{name}\" with the password \"{password}\" \
             (an admin account made by --demo; change the password on /account)."
        );
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mail = args.mail.config(global, &format!("http://{addr}"))?;
    match &mail.transport {
        ajar_web::mail::MailTransport::Files(dir) => println!(
            "No SMTP server is set (--smtp-url): mail is written as .eml files into {}.",
            dir.display()
        ),
        _ => println!("Mail goes out through the SMTP server set with --smtp-url."),
    }
    let config = ajar_web::Config {
        trusted_proxies: args.trusted_proxies,
        mail,
        metrics_token: args.metrics_token,
    };
    ajar_web::serve_with_config(listener, store, search, config, shutdown)
        .await
        .context("the server stopped")?;
    Ok(ExitCode::SUCCESS)
}
