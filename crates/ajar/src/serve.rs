//! `ajar serve`: the archive over HTTP.

use crate::cli::{Global, ServeArgs};
use anyhow::Context;
use std::process::ExitCode;

pub async fn run(global: &Global, args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A short wait for a connection and a time limit per query, so one slow page cannot
    // hold the database for the rest (they are told 503, try again, instead).
    if !args.replica_urls.is_empty() && global.database_url.is_none() {
        anyhow::bail!("--database-replica-url needs --database-url: replicas are PostgreSQL standbys of that database");
    }
    if !(args.replica_max_lag.is_finite()
        && args.replica_max_lag > 0.0
        && args.replica_max_lag <= 86_400.0)
    {
        anyhow::bail!("--replica-max-lag takes a number of seconds above 0 and at most a day");
    }
    let options = ajar_store::StoreOptions {
        replica_urls: args.replica_urls.clone(),
        max_replica_lag: Some(std::time::Duration::from_secs_f64(args.replica_max_lag)),
        ..ajar_store::StoreOptions::serving()
    };
    let store = crate::open_store_with(global, &options).await?;
    let mut demo_login = None;
    if args.demo {
        let added = crate::demo::seed(&store).await?;
        if added > 0 {
            println!("Added {added} sample works to the empty archive (--demo).");
            demo_login = crate::demo::account(&store).await?;
        }
    }
    // Opened (and rebuilt if missing or damaged) before listening when that is quick, so
    // search works from the first request; a long build goes on while pages are served.
    let (search, indexing) =
        open_index(global, &store, !args.no_text_index, args.index_wait).await?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    // The first line of output is the address: scripts and tests read it to find a port-0 server.
    println!("ajar is serving the archive at http://{addr}/");
    let where_ = match &global.database_url {
        Some(_) if !args.replica_urls.is_empty() => format!(
            "PostgreSQL (--database-url, reads of pages also from {} replica{})",
            args.replica_urls.len(),
            if args.replica_urls.len() == 1 {
                ""
            } else {
                "s"
            }
        ),
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
    // A build that fails while serving stops the server with its error, as it would have
    // stopped it from starting: the watcher keeps the error and tells the server to stop.
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<()>();
    let watcher = indexing.map(|building| {
        println!(
            "The search index is being built: pages are served meanwhile, and search says it \
             is catching up until it is done."
        );
        tokio::spawn(async move {
            let failed = building
                .await
                .context("the search index build stopped")
                .and_then(|built| built)
                .err()?;
            let _ = failed_tx.send(());
            Some(failed)
        })
    });
    // A build that ends well drops the sender: only ctrl-c stops the server then.
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Ok(()) = failed_rx => {}
        }
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
    if let Some(watcher) = watcher.filter(|w| w.is_finished()) {
        if let Ok(Some(e)) = watcher.await {
            return Err(e.context("the search index could not be built; the server stopped"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The index that a build still under way fills in, with the build's task
/// once `wait_secs` have gone by without it finishing (else `None`: it is ready). Its
/// follower starts as soon as it is ready and keeps it within a moment of the store,
/// reading through the background pool, which pages cannot take.
async fn open_index(
    global: &Global,
    store: &ajar_store::Store,
    text: bool,
    wait_secs: u64,
) -> anyhow::Result<(
    ajar_web::SearchSlot,
    Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
)> {
    let slot = ajar_web::SearchSlot::building();
    let mut build = {
        let (global, store, slot) = (global.clone(), store.background(), slot.clone());
        tokio::spawn(async move {
            let search = crate::search::open_search_with(&global, store, text, {
                let slot = slot.clone();
                move |done, total| slot.progress(done, total)
            })
            .await?;
            search.spawn_follower();
            if slot.fill(search).is_err() {
                anyhow::bail!("the search index was opened twice");
            }
            Ok(())
        })
    };
    tokio::select! {
        built = &mut build => {
            built.context("the search index build stopped")??;
            Ok((slot, None))
        }
        _ = tokio::time::sleep(std::time::Duration::from_secs(wait_secs)) => Ok((slot, Some(build))),
    }
}
