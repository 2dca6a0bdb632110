//! `ajar canon` as an archivist runs it: a timeline imported from CSV links the founding
//! story (which names no fandom, only "the season 4 episode 'Nag Hammadi...'") to Gilmore
//! Girls 4×13, as spoiled and as re-written; works stored afterwards are linked as they come
//! in; a malformed file is refused with its line number and changes nothing.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use common::*;
use std::path::Path;

fn canon_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/canon/gilmore-girls-season-4.csv")
}

#[test]
fn a_timeline_links_the_founding_story_to_the_episode_it_spoils_and_rewrites() {
    let data = tempfile::tempdir().unwrap();
    let seed = fixture("all-thats-left.txt");
    let imported = ajar(data.path(), &["import", seed.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported));

    let stored = ajar(
        data.path(),
        &["canon", "import", canon_fixture().to_str().unwrap()],
    );
    assert!(stored.status.success(), "{}", text(&stored));
    assert!(
        stdout(&stored).contains("Stored 22 canon entries for 1 fandom; 1 works link to them."),
        "{}",
        text(&stored)
    );
    let listed = ajar(data.path(), &["canon", "list", "Gilmore Girls"]);
    let out = stdout(&listed);
    assert!(
        out.contains(
            "4×13\tNag Hammadi Is Where They Found the Gnostic Gospels\t1 spoil it\t1 about it"
        ),
        "{out}"
    );
    assert!(
        out.contains("4×12\tA Family Matter\t0 spoil it\t0 about it"),
        "{out}"
    );

    // A malformed file (the third line's episode is not a number) stores nothing.
    let bad = data.path().join("bad.csv");
    std::fs::write(
        &bad,
        "fandom,season,episode,title\nGilmore Girls,5,1,Say Goodbye to Daisy Miller\nGilmore Girls,5,two,A Messenger\n",
    )
    .unwrap();
    let refused = ajar(data.path(), &["canon", "import", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("line 3: the episode \"two\" is not a whole number"),
        "{}",
        text(&refused)
    );
    assert!(stderr(&refused).contains("nothing was imported"));
    let again = stdout(&ajar(data.path(), &["canon", "list", "Gilmore Girls"]));
    assert_eq!(again, out, "the timeline is as it was");
    assert!(!again.contains("Daisy Miller"));

    // A story file stored after the timeline is linked on the way in; one that names an
    // episode of two timelines ("Pilot" in both) is linked to neither.
    let two = data.path().join("two.csv");
    std::fs::write(
        &two,
        "fandom,order,title\nSome Show,1,Pilot\nOther Show,1,Pilot\n",
    )
    .unwrap();
    assert!(
        ajar(data.path(), &["canon", "import", two.to_str().unwrap()])
            .status
            .success()
    );
    let later = data.path().join("later.txt");
    std::fs::write(
        &later,
        "Title: The Morning After\n\nSpoilers: through 4x13\n\nShe woke before the alarm.\n",
    )
    .unwrap();
    let pilot = data.path().join("pilot.txt");
    std::fs::write(
        &pilot,
        "Title: First Day\n\nSpoilers: for 'Pilot'\n\nIt began on a Tuesday.\n",
    )
    .unwrap();
    for f in [&later, &pilot] {
        let done = ajar(data.path(), &["import", f.to_str().unwrap()]);
        assert!(done.status.success(), "{}", text(&done));
    }
    let out = stdout(&ajar(data.path(), &["canon", "list", "Gilmore Girls"]));
    assert!(
        out.contains("Gnostic Gospels\t2 spoil it\t1 about it"),
        "{out}"
    );
    let out = stdout(&ajar(data.path(), &["canon", "list", "Some Show"]));
    assert!(out.contains("Pilot\t0 spoil it"), "{out}");
    let help = ajar(data.path(), &["canon", "import", "--help"]);
    assert!(stdout(&help).contains("fandom,season,episode,title"));
}

/// Works stored before ajar read texts (a generated corpus stores none of it) get their
/// narration, dialogue and names from `ajar analyze-texts`; a second run has nothing to do.
#[test]
fn analyze_texts_fills_in_what_older_works_lack_once() {
    let data = tempfile::tempdir().unwrap();
    let made = ajar(data.path(), &["gen-corpus", "--works", "40", "--seed", "5"]);
    assert!(made.status.success(), "{}", text(&made));
    let first = ajar(data.path(), &["analyze-texts"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        stdout(&first).contains("Read the text of 40 works"),
        "{}",
        text(&first)
    );
    let again = ajar(data.path(), &["analyze-texts"]);
    assert!(
        stdout(&again).contains("Read the text of 0 works"),
        "{}",
        text(&again)
    );
    let help = ajar(data.path(), &["analyze-texts", "--help"]);
    assert!(stdout(&help).contains("narration"), "{}", text(&help));
}
