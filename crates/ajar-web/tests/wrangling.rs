//! Tag wrangling as wranglers and readers see it: the queue with its suggestions, one-click
//! synonyms, mass actions, meta tags, renames and merges, and what follows at once in
//! listings, search counts, feeds, tag pages and redirects; an ordinary account cannot
//! wrangle (403, nothing changed); every change is in the history.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

on_both_backends!(
    a_synonyms_works_are_listed_searched_and_counted_under_its_canonical_tag,
    ordinary_accounts_cannot_wrangle_and_refused_changes_change_nothing,
    meta_tags_renames_and_merges_keep_every_work_reachable,
    a_wranglers_token_wrangles_through_the_api,
);

use ajar_core::{Rating, Role, TagKind, TagName, Work};
use ajar_search::SearchRequest;
use common::{one_chapter_work, Client, Fetched, TestApp};
use reqwest::StatusCode;

fn names(list: &[&str]) -> Vec<TagName> {
    list.iter().map(|n| TagName::parse(n).unwrap()).collect()
}

fn work(title: &str, relationships: &[&str], characters: &[&str], freeforms: &[&str]) -> Work {
    Work {
        fandoms: names(&["Gilmore Girls"]),
        relationships: names(relationships),
        characters: names(characters),
        tags: names(freeforms),
        rating: Rating::GeneralAudiences,
        ..one_chapter_work(title, "writer")
    }
}

/// The path segment of a tag name, as the site writes it (`/` is `*s*`).
fn seg(name: &str) -> String {
    name.replace('/', "*s*")
        .replace('&', "*a*")
        .replace(' ', "%20")
}

async fn wrangler(app: &TestApp, name: &str) -> Client {
    let client = app.user(name).await;
    let user = app.store.user_by_name(name).await.unwrap().unwrap();
    app.store.set_role(user.id, Role::Wrangler).await.unwrap();
    client
}

async fn wrangle(client: &Client, tag: &str, action: &str, target: &str) {
    let done = client
        .post(
            &format!("/tags/{}/wrangle", seg(tag)),
            &[("action", action), ("target", target)],
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::SEE_OTHER,
        "{action} {tag} {target}: {}",
        done.body
    );
}

/// How many works the search counts under the tag named `name` (a facet of every work).
async fn facet_count(app: &TestApp, name: &str) -> Option<u64> {
    let found = app
        .search
        .search_uncached(&SearchRequest {
            facets: true,
            facet_limit: 1000,
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    found
        .facets
        .iter()
        .flat_map(|g| g.tags.iter())
        .find(|t| t.name == name)
        .map(|t| t.count)
}

const CANON: &str = "Rory Gilmore/Jess Mariano";

async fn a_synonyms_works_are_listed_searched_and_counted_under_its_canonical_tag(app: &TestApp) {
    app.insert(&work(
        "Canon Spelling",
        &[CANON],
        &["Rory Gilmore", "Jess Mariano"],
        &[],
    ))
    .await;
    app.insert(&work("Short Names", &["Jess/Rory"], &[], &[]))
        .await;
    app.insert(&work("Ship Name", &["Literati"], &[], &[]))
        .await;
    // Both spellings on one work: counted once.
    app.insert(&work("Both Spellings", &[CANON, "Jess/Rory"], &[], &[]))
        .await;
    let wren = wrangler(app, "wren").await;
    for (tag, _) in [
        ("Gilmore Girls", TagKind::Fandom),
        ("Rory Gilmore", TagKind::Character),
        ("Jess Mariano", TagKind::Character),
        (CANON, TagKind::Relationship),
    ] {
        wrangle(&wren, tag, "canonical", "").await;
    }
    wrangle(&wren, CANON, "add-parent", "Gilmore Girls").await;
    wrangle(&wren, CANON, "add-parent", "Rory Gilmore").await;

    // The fandom's queue lists the new spelling with its likely canonical tag.
    let queue = wren.get("/wrangling?fandom=Gilmore%20Girls").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert!(queue.body.contains("Jess/Rory"), "{}", queue.body);
    assert!(
        queue.body.contains("Synonym of Rory Gilmore/Jess Mariano"),
        "{}",
        queue.body
    );
    assert!(
        queue.body.contains("href=\"/wrangling\""),
        "the header links the queue"
    );
    // Before: the canonical listing has the two works that spell it so.
    assert_eq!(facet_count(app, CANON).await, Some(2));

    // Accept the suggestion with one click; it comes back to the queue.
    let back = "/wrangling?fandom=Gilmore%20Girls";
    let accepted = wren
        .post(
            "/tags/Jess*s*Rory/wrangle",
            &[("action", "synonym"), ("target", CANON), ("back", back)],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(accepted.location(), format!("{back}&done=wrangled"));
    // A ship name no rule knows, by a mass action (an unknown tag is reported, the rest done).
    let mass = wren
        .post(
            "/wrangling/mass",
            &[
                ("tags", "Literati\nNo Such Tag"),
                ("action", "synonym"),
                ("target", CANON),
            ],
        )
        .await;
    assert_eq!(mass.status, StatusCode::BAD_REQUEST, "{}", mass.body);
    assert!(
        mass.body.contains("No Such Tag: there is no such tag."),
        "{}",
        mass.body
    );
    app.caught_up().await;

    // Listings, search, counts, feeds and the tag page follow.
    let listing = app
        .guest()
        .get(&format!("/tags/{}/works", seg(CANON)))
        .await;
    assert_eq!(listing.status, StatusCode::OK);
    for title in [
        "Canon Spelling",
        "Short Names",
        "Ship Name",
        "Both Spellings",
    ] {
        assert!(listing.body.contains(title), "{title}: {}", listing.body);
    }
    assert_eq!(facet_count(app, CANON).await, Some(4), "each work once");
    assert_eq!(
        facet_count(app, "Jess/Rory").await,
        None,
        "folded into the canonical tag"
    );
    let api = app
        .guest()
        .get(&format!(
            "/api/v1/works?include_tags={}",
            CANON.replace(' ', "%20").replace('/', "%2F")
        ))
        .await;
    assert!(api.body.contains("\"total\":4"), "{}", api.body);
    let feed = app
        .guest()
        .get(&format!("/tags/{}/feed.atom", seg(CANON)))
        .await;
    assert!(feed.body.contains("Ship Name"), "{}", feed.body);
    let page = app.guest().get(&format!("/tags/{}", seg(CANON))).await;
    assert!(page.body.contains("Synonyms"), "{}", page.body);
    assert!(page.body.contains("Literati"), "{}", page.body);
    assert!(page.body.contains("canonical"), "{}", page.body);

    // A synonym's pages send readers to the canonical tag's.
    let moved = app.guest().get("/tags/Jess*s*Rory/works").await;
    assert_eq!(moved.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(moved.location(), format!("/tags/{}/works", seg(CANON)));
    let moved = app.guest().get("/tags/Literati").await;
    assert_eq!(moved.status, StatusCode::TEMPORARY_REDIRECT);

    // A reader subscribed to the canonical tag hears of a new work tagged with a synonym.
    let reader = app.user("reader").await;
    let canon_id = app.store.tag_id_named(CANON).await.unwrap().unwrap();
    let subscribed = reader
        .post(
            "/subscriptions",
            &[
                ("kind", "tag"),
                ("target", &canon_id.to_string()),
                ("subscribe", "true"),
            ],
        )
        .await;
    assert_eq!(
        subscribed.status,
        StatusCode::SEE_OTHER,
        "{}",
        subscribed.body
    );
    assert!(reader.get("/updates").await.body.contains("Nothing new"));
    app.insert(&work("Later Literati", &["Literati"], &[], &[]))
        .await;
    let updates = reader.get("/updates").await;
    assert!(updates.body.contains("Later Literati"), "{}", updates.body);

    // The history says who did what.
    let edit = wren.get("/tags/Literati/wrangle").await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    assert!(edit.body.contains("<strong>wren</strong>"), "{}", edit.body);
    assert!(
        edit.body.contains("synonym of Rory Gilmore/Jess Mariano"),
        "{}",
        edit.body
    );
}

async fn ordinary_accounts_cannot_wrangle_and_refused_changes_change_nothing(app: &TestApp) {
    app.insert(&work("One", &[CANON, "Jess/Rory"], &[], &["Slow Burn"]))
        .await;
    let bob = app.user("bob").await;
    for path in ["/wrangling", "/tags/Jess*s*Rory/wrangle"] {
        assert_eq!(bob.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.guest().get("/wrangling").await.status,
        StatusCode::SEE_OTHER,
        "guests are sent to log in"
    );
    let tried = bob
        .post(
            "/tags/Jess*s*Rory/wrangle",
            &[("action", "canonical"), ("target", "")],
        )
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    let tried = bob
        .post(
            "/wrangling/mass",
            &[("tags", "Jess/Rory"), ("action", "canonical")],
        )
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    let state = app
        .store
        .tag_state(&TagName::parse("Jess/Rory").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!state.wrangled());
    assert!(app
        .store
        .wrangling_history(None, 10)
        .await
        .unwrap()
        .is_empty());

    // A wrangler's change that breaks a rule is refused with a reason and changes nothing:
    // a synonym of a tag that is not canonical, of another kind, or a rating wrangled.
    let wren = wrangler(app, "wren").await;
    for (tag, action, target, says) in [
        ("Jess/Rory", "synonym", CANON, "is not canonical"),
        (
            "Slow Burn",
            "synonym",
            "Gilmore Girls",
            "no additional tag called",
        ),
        ("General Audiences", "canonical", "", "cannot be wrangled"),
        ("Jess/Rory", "fly", "", "not a wrangling action"),
    ] {
        let refused = wren
            .post(
                &format!("/tags/{}/wrangle", seg(tag)),
                &[("action", action), ("target", target)],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{tag}: {}",
            refused.body
        );
        assert!(refused.body.contains(says), "{says}: {}", refused.body);
    }
    assert!(app
        .store
        .wrangling_history(None, 10)
        .await
        .unwrap()
        .is_empty());
    let missing = wren.get("/tags/Never%20Used/wrangle").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn meta_tags_renames_and_merges_keep_every_work_reachable(app: &TestApp) {
    app.insert(&work("Cafe Story", &[], &[], &["AU - Coffee Shops"]))
        .await;
    app.insert(&work("Plain AU", &[], &[], &["Alternate Universe"]))
        .await;
    app.insert(&work("Slow One", &[], &[], &["slowburn"])).await;
    let slow_two = app
        .insert(&work("Slow Two", &[], &[], &["Slow Burn"]))
        .await;
    app.insert(&work("Slow Three", &[], &[], &["slow-burn"]))
        .await;
    let wren = wrangler(app, "wren").await;
    wrangle(&wren, "Alternate Universe", "canonical", "").await;
    wrangle(&wren, "AU - Coffee Shops", "canonical", "").await;
    wrangle(&wren, "AU - Coffee Shops", "add-meta", "Alternate Universe").await;
    // A loop of meta tags is refused.
    let looped = wren
        .post(
            "/tags/Alternate%20Universe/wrangle",
            &[("action", "add-meta"), ("target", "AU - Coffee Shops")],
        )
        .await;
    assert_eq!(looped.status, StatusCode::BAD_REQUEST, "{}", looped.body);
    app.caught_up().await;
    let meta = app.guest().get("/tags/Alternate%20Universe/works").await;
    assert!(
        meta.body.contains("Cafe Story") && meta.body.contains("Plain AU"),
        "{}",
        meta.body
    );

    // Renamed, the tag keeps its works (and its sub tag).
    wrangle(
        &wren,
        "Alternate Universe",
        "rename",
        "Alternate Universe (AU)",
    )
    .await;
    app.caught_up().await;
    let renamed = app
        .guest()
        .get("/tags/Alternate%20Universe%20(AU)/works")
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert!(renamed.body.contains("Cafe Story") && renamed.body.contains("Plain AU"));
    let found = app
        .guest()
        .get("/api/v1/works?include_tags=Alternate%20Universe%20(AU)")
        .await;
    assert!(found.body.contains("\"total\":2"), "{}", found.body);

    // A sub tag added from the meta tag's side.
    let space = app
        .insert(&work("Space Story", &[], &[], &["AU - Space"]))
        .await;
    wrangle(&wren, "AU - Space", "canonical", "").await;
    wrangle(&wren, "Alternate Universe (AU)", "add-sub", "AU - Space").await;
    app.caught_up().await;
    let found = app
        .guest()
        .get("/api/v1/works?include_tags=Alternate%20Universe%20(AU)")
        .await;
    assert!(found.body.contains("\"total\":3"), "{}", found.body);
    assert!(
        found.body.contains(&format!("/works/{space}")),
        "{}",
        found.body
    );

    // Two canonical spellings merged: the second's synonyms move to the first.
    wrangle(&wren, "Slow Burn", "canonical", "").await;
    wrangle(&wren, "slowburn", "canonical", "").await;
    wrangle(&wren, "slow-burn", "synonym", "slowburn").await;
    wrangle(&wren, "slowburn", "synonym", "Slow Burn").await;
    app.caught_up().await;
    let slow = app
        .store
        .tag_state(&TagName::parse("Slow Burn").unwrap())
        .await
        .unwrap()
        .unwrap();
    let synonyms: Vec<&str> = slow.synonyms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(synonyms, ["slow-burn", "slowburn"]);
    let merged = app.guest().get("/tags/Slow%20Burn/works").await;
    for title in ["Slow One", "Slow Two", "Slow Three"] {
        assert!(merged.body.contains(title), "{title}: {}", merged.body);
    }
    assert_eq!(facet_count(app, "Slow Burn").await, Some(3));
    // A canonical tag whose own works are all hidden keeps its page and listing through
    // its synonyms' works.
    app.store.set_work_hidden(slow_two, true).await.unwrap();
    app.caught_up().await;
    let page = app.guest().get("/tags/Slow%20Burn").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let merged = app.guest().get("/tags/Slow%20Burn/works").await;
    assert!(merged.body.contains("Slow One") && !merged.body.contains("Slow Two"));
    let history = app.store.wrangling_history(None, 50).await.unwrap();
    assert_eq!(history.len(), 10, "one line per change");
    assert!(history.iter().all(|h| h.user.as_deref() == Some("wren")));
}

/// Makes a write token on the account page; returns it.
async fn write_token(client: &Client) -> String {
    let made = client
        .post("/account/tokens", &[("name", "script"), ("scope", "write")])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let at = made.body.find("value=\"ajar_pat_").unwrap() + "value=\"".len();
    made.body[at..at + made.body[at..].find('"').unwrap()].to_owned()
}

async fn api_post(app: &TestApp, path: &str, token: &str, body: &str) -> Fetched {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    Fetched {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

async fn a_wranglers_token_wrangles_through_the_api(app: &TestApp) {
    app.insert(&work("One", &[CANON, "Jess/Rory"], &[], &[]))
        .await;
    let wren = wrangler(app, "wren").await;
    let theirs = write_token(&wren).await;
    let bob = app.user("bob").await;
    let bobs = write_token(&bob).await;
    let path = format!("/api/v1/tags/{}/wrangle", seg(CANON));
    let refused = api_post(app, &path, &bobs, r#"{"action": "canonical"}"#).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let done = api_post(app, &path, &theirs, r#"{"action": "canonical"}"#).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("\"canonical\":true"), "{}", done.body);
    let done = api_post(
        app,
        "/api/v1/tags/Jess*s*Rory/wrangle",
        &theirs,
        &format!(r#"{{"action": "synonym", "target": "{CANON}"}}"#),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains(&format!("\"synonym_of\":\"{CANON}\"")),
        "{}",
        done.body
    );
    let bad = api_post(app, &path, &theirs, r#"{"action": "fly"}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    app.caught_up().await;
    let tag = app
        .guest()
        .get(&format!("/api/v1/tags/{}", seg(CANON)))
        .await;
    assert!(
        tag.body.contains("\"synonyms\":[\"Jess/Rory\"]"),
        "{}",
        tag.body
    );
}
