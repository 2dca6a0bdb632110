//! Canon timelines on the site, on SQLite and PostgreSQL: the founding story's page names
//! the episode it spoils and re-writes (marked as read from its words), the fandom's
//! timeline counts its works, and the entry's page lists them as the viewer may see them.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(the_founding_story_links_to_the_episode_it_spoils_and_rewrites);

use ajar_core::TagName;
use common::TestApp;
use reqwest::StatusCode;

async fn the_founding_story_links_to_the_episode_it_spoils_and_rewrites(app: &TestApp) {
    common::import_season_4(&app.store, 2).await;
    // The founding story itself, as the importer reads it (it names no fandom).
    let seed = app.insert(&common::founding_story()).await;
    let guest = app.guest();

    let page = guest.get(&format!("/works/{seed}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("spoils up to <a href=\"/canon/2\">Gilmore Girls 4×13, “Nag Hammadi Is Where They Found the Gnostic Gospels”</a>"), "{}", page.body);
    assert!(
        page.body.contains("a re-write of <a href=\"/canon/2\">"),
        "{}",
        page.body
    );
    assert!(page.body.contains("not yet confirmed by its writer"));
    // What the text says of its narration: Rory tells it, a quarter of it in dialogue.
    assert!(
        page.body
            .contains("<dd class=\"narration\">First person</dd>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dd class=\"dialogue\">26%</dd>"),
        "{}",
        page.body
    );
    // About 2,450 words: eleven minutes; the names it uses most, Jess and Rory first.
    assert!(
        page.body.contains("<dd class=\"reading-time\">11 min</dd>"),
        "{}",
        page.body
    );
    let names = page.body.split("<dd class=\"names\">").nth(1).unwrap();
    let names = &names[..names.find("</dd>").unwrap()];
    assert!(
        names.starts_with("Jess, Rory") || names.starts_with("Rory, Jess"),
        "{names}"
    );
    assert!(names.contains("Luke"), "{names}");

    // And a search finds it by them.
    for (query, found) in [
        ("pov:first", true),
        ("pov:1st", true),
        ("pov:third", false),
        ("dialogue>20%25", true),
        ("dialogue:26%25", true),
        ("dialogue>30%25", false),
        ("pov:first%20dialogue<10", false),
    ] {
        let page = guest.get(&format!("/works/search?q={query}")).await;
        assert_eq!(
            page.body.contains("Nag Hammadi re-write"),
            found,
            "{query}: {}",
            page.body
        );
    }
    let bad = guest.get("/works/search?q=pov:fourth").await;
    assert!(
        bad.body
            .contains("pov: takes first, second, third or mixed"),
        "{}",
        bad.body
    );

    let timeline = guest.get("/tags/Gilmore%20Girls/canon").await;
    assert_eq!(timeline.status, StatusCode::OK);
    assert!(
        timeline.body.contains(
            "<a href=\"/canon/2\">Nag Hammadi Is Where They Found the Gnostic Gospels</a>"
        ),
        "{}",
        timeline.body
    );
    assert!(
        timeline.body.contains("<td>1</td>\n  <td>1</td>"),
        "{}",
        timeline.body
    );

    let api = guest.get("/api/v1/tags/Gilmore%20Girls/canon").await;
    assert_eq!(api.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json[1]["label"], "4×13");
    assert_eq!(json[1]["spoiling"], 1);
    assert_eq!(json[1]["about"], 1);
    assert_eq!(json[1]["url"], "/canon/2");

    let entry = guest.get("/canon/2").await;
    assert_eq!(entry.status, StatusCode::OK);
    assert!(entry.body.contains("Works about it (1)"), "{}", entry.body);
    assert!(
        entry.body.contains("All That&#39;s Left") || entry.body.contains("All That's Left"),
        "{}",
        entry.body
    );

    // Only the work's creators (or an admin) settle a link: a reader gets 403 and nothing
    // changes; confirmed, the link loses its mark; removed, it is gone.
    let reader = app.user("reader").await;
    let tried = reader
        .post(
            &format!("/works/{seed}/canon"),
            &[
                ("entry", "2"),
                ("relation", "rewrite"),
                ("action", "confirm"),
            ],
        )
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    assert!(app
        .store
        .work_canon(seed)
        .await
        .unwrap()
        .iter()
        .all(|l| l.inferred));
    let admin = app.admin("root").await;
    let page = admin.get(&format!("/works/{seed}")).await;
    assert!(page.body.contains(">Confirm</button>"), "{}", page.body);
    for (relation, action) in [("rewrite", "confirm"), ("spoils", "remove")] {
        let done = admin
            .post(
                &format!("/works/{seed}/canon"),
                &[("entry", "2"), ("relation", relation), ("action", action)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    let links = app.store.work_canon(seed).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].relation.as_str(), links[0].inferred),
        ("rewrite", false)
    );
    let missing = admin
        .post(
            &format!("/works/{seed}/canon"),
            &[("entry", "1"), ("relation", "spoils"), ("action", "remove")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The writer adds a link of their own (a reader may not; an unknown relation or entry is
    // refused and changes nothing).
    let add = |relation: &'static str, entry: &'static str| {
        [("entry", entry), ("relation", relation), ("action", "add")]
    };
    let tried = reader
        .post(&format!("/works/{seed}/canon"), &add("missing-scene", "1"))
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    for (relation, entry) in [("sequel", "1"), ("missing-scene", "999")] {
        let refused = admin
            .post(&format!("/works/{seed}/canon"), &add(relation, entry))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{relation} {entry}"
        );
    }
    assert_eq!(app.store.work_canon(seed).await.unwrap().len(), 1);
    let added = admin
        .post(&format!("/works/{seed}/canon"), &add("missing-scene", "1"))
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let links = app.store.work_canon(seed).await.unwrap();
    assert!(
        links
            .iter()
            .any(|l| l.entry.label() == "4×12" && l.relation == "missing-scene" && !l.inferred),
        "{links:?}"
    );
    // A work tagged with the fandom offers its creators the timeline's entries.
    let tagged = app
        .insert(&ajar_core::Work {
            fandoms: vec![TagName::parse("Gilmore Girls").unwrap()],
            ..common::one_chapter_work("Tagged", "root")
        })
        .await;
    let page = admin.get(&format!("/works/{tagged}")).await;
    assert!(page.body.contains("Add the link"), "{}", page.body);
    assert!(
        page.body.contains("<option value=\"2\">Gilmore Girls 4×13"),
        "{}",
        page.body
    );
    assert!(!guest
        .get(&format!("/works/{tagged}"))
        .await
        .body
        .contains("Add the link"));
    app.caught_up().await;

    // A work hidden by an admin leaves the entry's lists.
    app.store.set_work_hidden(seed, true).await.unwrap();
    app.caught_up().await;
    let entry = guest.get("/canon/2").await;
    assert!(entry.body.contains("Works about it (0)"), "{}", entry.body);

    // Wranglers edit a timeline on a page: readers may not; a file that cannot be read, or
    // that names another fandom, is refused with why and changes nothing.
    let edit = "/tags/Gilmore%20Girls/canon/edit";
    assert_eq!(reader.get(edit).await.status, StatusCode::FORBIDDEN);
    let form = admin.get(edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains("fandom,season,episode,title,date\nGilmore Girls,4,12,A Family Matter,"),
        "{}",
        form.body
    );
    let before = app
        .store
        .canon_timeline(&TagName::parse("Gilmore Girls").unwrap())
        .await
        .unwrap();
    for (text, why) in [
        (
            "fandom,season,episode,title\nGilmore Girls,4,12,A Family Matter\nGilmore Girls,4,x,Oops\n",
            "line 3: ",
        ),
        (
            "fandom,season,episode,title\nGilmore Girls,4,12,A Family Matter\nVeronica Mars,1,1,Pilot\n",
            "the entry “Pilot” is of Veronica Mars",
        ),
        ("fandom,order,title\n", "the file has no entries"),
    ] {
        let refused = admin.post(edit, &[("timeline", text)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{text}");
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
        assert!(refused.body.contains("Nothing was saved"), "{}", refused.body);
    }
    let gg = TagName::parse("Gilmore Girls").unwrap();
    assert_eq!(app.store.canon_timeline(&gg).await.unwrap(), before);
    let saved = admin
        .post(
            edit,
            &[(
                "timeline",
                "fandom,season,episode,title\nGilmore Girls,4,12,A Family Matter\n\
                 Gilmore Girls,4,13,Nag Hammadi Is Where They Found the Gnostic Gospels\n\
                 Gilmore Girls,4,14,The Incredible Sinking Lorelais\n",
            )],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), "/tags/Gilmore%20Girls/canon");
    let labels: Vec<String> = app
        .store
        .canon_timeline(&gg)
        .await
        .unwrap()
        .iter()
        .map(|t| t.entry.label())
        .collect();
    assert_eq!(labels, ["4×12", "4×13", "4×14"]);
    assert!(admin
        .get("/tags/Gilmore%20Girls/canon")
        .await
        .body
        .contains("Edit this timeline"));
    assert!(!guest
        .get("/tags/Gilmore%20Girls/canon")
        .await
        .body
        .contains("Edit this timeline"));

    for missing in ["/canon/99", "/canon/x", "/tags/No%20Such%20Show/canon"] {
        assert_eq!(
            guest.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}
