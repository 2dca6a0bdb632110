//! `ajar serve --demo`: a few original sample works, so a new archive is not an empty page.
//!
//! The works are story files written for the project (in `crates/ajar/demo/`), embedded in
//! the binary and imported through the same reader as any other file.

use ajar_store::Store;
use anyhow::Context;

macro_rules! demo {
    ($name:literal) => {
        ($name, include_str!(concat!("../demo/", $name)))
    };
}

/// The sample story files, by file name.
pub const DEMO_WORKS: &[(&str, &str)] = &[
    demo!("01-the-lighthouse-keepers-daughter.txt"),
    demo!("02-a-formal-complaint-regarding-knights.txt"),
    demo!("03-forty-minutes-each-way.txt"),
    demo!("04-the-map-that-drew-itself.txt"),
    demo!("05-a-warmer-coat.txt"),
    demo!("06-second-frost.txt"),
];

/// Imports the sample works if the archive has no works at all; returns how many were added.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    if store
        .work_count()
        .await
        .context("cannot count the archive's works")?
        > 0
    {
        return Ok(0);
    }
    let mut added = 0;
    let mut fandoms = Vec::new();
    for (name, text) in DEMO_WORKS {
        let work = ajar_formats::read_story_file(name, text.as_bytes())
            .with_context(|| format!("the sample work {name} does not read"))?;
        store
            .insert_work(&work)
            .await
            .with_context(|| format!("cannot store the sample work {name}"))?;
        fandoms.extend(work.fandoms);
        added += 1;
    }
    // The samples are original works, which AO3 files under "Other Media".
    fandoms.sort();
    fandoms.dedup();
    for fandom in &fandoms {
        store
            .set_fandom_media(fandom, ajar_core::Media::OtherMedia)
            .await
            .with_context(|| format!("cannot file the fandom {fandom} under Other Media"))?;
    }
    Ok(added)
}

/// The name of the account `--demo` makes.
pub const DEMO_ACCOUNT: &str = "demo";

/// Makes an admin account named [`DEMO_ACCOUNT`] with a random password, if there is none,
/// so that whoever tries the archive can post, comment and moderate at once. Returns the
/// name and the password to print.
pub async fn account(store: &Store) -> anyhow::Result<Option<(String, String)>> {
    if store
        .user_by_name(DEMO_ACCOUNT)
        .await
        .context("cannot look up the demo account")?
        .is_some()
    {
        return Ok(None);
    }
    let password: String = ajar_web::random_token().chars().take(16).collect();
    let new = ajar_web::NewAccount {
        name: DEMO_ACCOUNT,
        email: "demo@example.invalid",
        password: &password,
        role: ajar_core::Role::Admin,
        invitation: None,
    };
    ajar_web::create_account(store, &new)
        .await
        .context("cannot make the demo account")?;
    Ok(Some((DEMO_ACCOUNT.to_owned(), password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_work_reads_and_is_complete_in_its_metadata() {
        assert!(DEMO_WORKS.len() >= 5);
        for (name, text) in DEMO_WORKS {
            let work = ajar_formats::read_story_file(name, text.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(work.validate(), Ok(()), "{name}");
            assert!(!work.creators.is_empty(), "{name} has a creator");
            assert!(!work.fandoms.is_empty(), "{name} has a fandom");
            assert!(!work.summary.is_empty(), "{name} has a summary");
            assert!(work.words() >= 90, "{name} has text");
            if work.chapters.len() == 1 {
                assert_eq!(work.complete, Some(true), "{name} is a finished one-shot");
            }
        }
    }
}
