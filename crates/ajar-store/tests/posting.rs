//! Posting on both backends: works made by accounts, edited, re-chaptered, posted from
//! draft and deleted, with counts, dates and the `changes` feed kept right.

#![allow(clippy::unwrap_used)]

use ajar_core::{
    ArchiveWarning, Category, Chapter, CommentPolicy, Html, Rating, SeriesMembership, TagKind,
    TagName, Visibility, Work, WorkId,
};
use ajar_store::testing::account;
use ajar_store::testing::{series_parts, table_row_counts};
use ajar_store::{CorpusWork, Store, StoreError, TextSource, WorkEdit, WorkStats};

ajar_store::backend_tests!(
    a_posted_work_is_credited_to_the_chosen_pseuds,
    another_accounts_pseud_is_refused,
    chapters_are_added_edited_reordered_and_deleted,
    metadata_edits_replace_tags_and_keep_chapters,
    a_draft_gets_its_dates_when_posted,
    a_work_may_be_backdated_not_dated_ahead,
    deleting_a_work_removes_it_and_says_so,
    series_belong_to_their_owners,
    editing_keeps_every_series_of_a_work,
    tag_suggestions_come_from_public_works,
    drafts_are_listed_for_their_creators,
    co_creators_are_credited_once_they_accept,
    gifts_name_existing_users,
    series_parts_are_renumbered_by_their_owner,
    an_edit_is_saved_whole_or_not_at_all,
    texts_are_kept_as_written,
    every_way_in_stores_a_works_tags_alike,
);

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

fn chapter(title: Option<&str>, text: &str) -> Chapter {
    Chapter {
        title: title.map(str::to_owned),
        body: Html::from_plain_text(text),
        ..Chapter::default()
    }
}

fn work(title: &str) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec!["Ignored Name".to_owned()],
        fandoms: vec![tag("Gilmore Girls")],
        rating: Rating::TeenAndUp,
        chapters: vec![chapter(Some("One"), "Coffee, coffee, coffee.")],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn changes_of(store: &Store, id: WorkId) -> Vec<String> {
    store
        .changes_since(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.entity == "work" && c.entity_id == id.0)
        .map(|c| c.op)
        .collect()
}

async fn a_posted_work_is_credited_to_the_chosen_pseuds(store: Store) {
    let (user, pseud) = account(&store, "lorelai").await;
    let second = store.add_pseud(user, "Lor").await.unwrap();
    let id = store
        .post_work(
            user,
            &[pseud, second],
            &work("Coffee"),
            Visibility::Restricted,
            CommentPolicy::Moderated,
        )
        .await
        .unwrap();
    let stored = store.work(id).await.unwrap().unwrap();
    assert_eq!(stored.work.creators, vec!["lorelai", "Lor"]);
    assert_eq!(stored.work.title, "Coffee");
    assert_eq!(stored.stats.chapters, 1);
    assert_eq!(stored.stats.words, 3);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(stored.work.published, Some(today));
    let access = store.work_access(id).await.unwrap().unwrap();
    assert_eq!(access.visibility, Visibility::Restricted);
    assert_eq!(access.comment_policy, CommentPolicy::Moderated);
    assert_eq!(access.creators, vec![user]);
    assert_eq!(changes_of(&store, id).await, vec!["insert"]);
}

async fn another_accounts_pseud_is_refused(store: Store) {
    let (user, _) = account(&store, "rory").await;
    let (_, other) = account(&store, "paris").await;
    let before = table_row_counts(&store).await;
    let refused = store
        .post_work(
            user,
            &[other],
            &work("Stolen"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let empty = store
        .post_work(
            user,
            &[],
            &work("Nobody"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await;
    assert!(matches!(empty, Err(StoreError::Conflict(_))));
    let mut untitled = work("  ");
    untitled.title = " ".into();
    let (_, mine) = (user, store.pseuds_of(user).await.unwrap()[0].id);
    let invalid = store
        .post_work(
            user,
            &[mine],
            &untitled,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await;
    assert!(matches!(invalid, Err(StoreError::Invalid(_))));
    assert_eq!(table_row_counts(&store).await, before, "nothing was stored");
}

async fn chapters_are_added_edited_reordered_and_deleted(store: Store) {
    let (user, pseud) = account(&store, "luke").await;
    let mut w = work("Diner");
    w.expected_chapters = Some(3);
    let id = store
        .post_work(
            user,
            &[pseud],
            &w,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let before = store.work_header(id).await.unwrap().unwrap().modified_at;

    assert_eq!(
        store
            .add_chapter(id, &chapter(Some("Two"), "two words"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .add_chapter(id, &chapter(Some("Three"), "three more words"))
            .await
            .unwrap(),
        3
    );
    let header = store.work_header(id).await.unwrap().unwrap();
    assert!(header.modified_at > before);
    assert_eq!(header.stats.chapters, 3);
    assert_eq!(header.stats.words, 3 + 2 + 3);
    assert_eq!(header.work.complete, Some(true), "3 of 3 chapters");
    assert_eq!(header.chapter_words, vec![3, 2, 3]);

    // A fourth chapter grows the expected count with it.
    store
        .add_chapter(id, &chapter(Some("Four"), "four"))
        .await
        .unwrap();
    let header = store.work_header(id).await.unwrap().unwrap();
    assert_eq!(header.work.expected_chapters, Some(4));

    store
        .update_chapter(id, 2, &chapter(Some("Two, again"), "now four words here"))
        .await
        .unwrap();
    let two = store.chapter(id, 2).await.unwrap().unwrap();
    assert_eq!(two.title.as_deref(), Some("Two, again"));
    assert_eq!(
        store.work_header(id).await.unwrap().unwrap().stats.words,
        3 + 4 + 3 + 1
    );
    let empty = store.update_chapter(id, 2, &chapter(None, "  ")).await;
    assert!(matches!(empty, Err(StoreError::Invalid(_))));
    let missing = store.update_chapter(id, 9, &chapter(None, "x")).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));

    // New order: 4, 1, 3, 2.
    store.reorder_chapters(id, &[4, 1, 3, 2]).await.unwrap();
    let titles = |h: ajar_store::WorkHeader| -> Vec<String> {
        h.work
            .chapters
            .iter()
            .map(|c| c.title.clone().unwrap_or_default())
            .collect()
    };
    assert_eq!(
        titles(store.work_header(id).await.unwrap().unwrap()),
        vec!["Four", "One", "Three", "Two, again"]
    );
    for bad in [&[1, 2, 3][..], &[1, 1, 2, 3], &[0, 1, 2, 3], &[1, 2, 3, 5]] {
        let refused = store.reorder_chapters(id, bad).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{bad:?}");
    }

    store.delete_chapter(id, 2).await.unwrap();
    let header = store.work_header(id).await.unwrap().unwrap();
    assert_eq!(titles(header.clone()), vec!["Four", "Three", "Two, again"]);
    let positions: Vec<u32> = header.work.chapters.iter().map(|c| c.position).collect();
    assert_eq!(positions, vec![1, 2, 3]);
    assert_eq!(header.stats.chapters, 3);
    assert_eq!(header.stats.words, 1 + 3 + 4);
    assert_eq!(header.work.complete, Some(false), "3 of 4");

    store.delete_chapter(id, 3).await.unwrap();
    store.delete_chapter(id, 1).await.unwrap();
    let last = store.delete_chapter(id, 1).await;
    assert!(matches!(last, Err(StoreError::Conflict(_))), "{last:?}");
    assert_eq!(
        store.work_header(id).await.unwrap().unwrap().stats.chapters,
        1
    );
    let ops = changes_of(&store, id).await;
    assert_eq!(ops[0], "insert");
    assert_eq!(ops.len(), 1 + 3 + 1 + 1 + 3);
    assert!(ops[1..].iter().all(|op| op == "update"));
}

async fn metadata_edits_replace_tags_and_keep_chapters(store: Store) {
    let (user, pseud) = account(&store, "sookie").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("Soup"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let mut edited = work("Better Soup");
    edited.chapters.clear();
    edited.fandoms = vec![tag("Gilmore Girls"), tag("Cooking")];
    edited.characters = vec![tag("Sookie St. James")];
    edited.summary = Html::sanitize("<p>Now with <em>thyme</em>.</p>");
    edited.rating = Rating::GeneralAudiences;
    store.update_work_metadata(id, user, &edited).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap();
    assert_eq!(stored.work.title, "Better Soup");
    assert_eq!(
        stored.work.fandoms,
        vec![tag("Gilmore Girls"), tag("Cooking")]
    );
    assert_eq!(stored.work.characters, vec![tag("Sookie St. James")]);
    assert_eq!(stored.work.rating, Rating::GeneralAudiences);
    assert_eq!(stored.work.chapters.len(), 1, "chapters kept");
    assert_eq!(stored.work.creators, vec!["sookie"]);

    edited.expected_chapters = Some(0);
    let refused = store.update_work_metadata(id, user, &edited).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))));
    edited.title = "".into();
    edited.expected_chapters = None;
    let refused = store.update_work_metadata(id, user, &edited).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))));
    assert_eq!(
        store.work(id).await.unwrap().unwrap().work.title,
        "Better Soup"
    );
    assert_eq!(changes_of(&store, id).await, vec!["insert", "update"]);
}

async fn a_draft_gets_its_dates_when_posted(store: Store) {
    let (user, pseud) = account(&store, "kirk").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("Odd Jobs"),
            Visibility::Draft,
            CommentPolicy::Off,
        )
        .await
        .unwrap();
    assert_eq!(
        store.work_access(id).await.unwrap().unwrap().visibility,
        Visibility::Draft
    );
    ajar_store::testing::execute_sql(
        &store,
        &format!(
            "UPDATE works SET published = '2001-01-01', updated = '2001-01-01', \
             created_at = '2001-01-01 00:00:00+00:00' WHERE id = {id}"
        ),
    )
    .await
    .unwrap();
    store.set_visibility(id, Visibility::Public).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap();
    let today = chrono::Utc::now().date_naive();
    assert_eq!(stored.work.published, Some(today));
    assert_eq!(stored.work.updated, Some(today));
    store
        .set_visibility(id, Visibility::Restricted)
        .await
        .unwrap();
    store
        .set_comment_policy(id, CommentPolicy::Users)
        .await
        .unwrap();
    let access = store.work_access(id).await.unwrap().unwrap();
    assert_eq!(access.visibility, Visibility::Restricted);
    assert_eq!(access.comment_policy, CommentPolicy::Users);
    assert_eq!(
        changes_of(&store, id).await,
        vec!["insert", "update", "update", "update"]
    );
}

async fn a_work_may_be_backdated_not_dated_ahead(store: Store) {
    let (user, pseud) = account(&store, "sulu").await;
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let post = |published: chrono::NaiveDate, visibility: Visibility| {
        let store = store.clone();
        async move {
            let mut backdated = work("Fencing");
            backdated.published = Some(published);
            store
                .post_work(
                    user,
                    &[pseud],
                    &backdated,
                    visibility,
                    CommentPolicy::Anyone,
                )
                .await
        }
    };
    let id = post(day("2015-03-02"), Visibility::Public).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap().work;
    assert_eq!(stored.published, Some(day("2015-03-02")));
    assert_eq!(stored.updated, Some(day("2015-03-02")));

    // A backdated draft keeps its date when it is posted.
    let draft = post(day("2016-04-05"), Visibility::Draft).await.unwrap();
    store
        .set_visibility(draft, Visibility::Public)
        .await
        .unwrap();
    let stored = store.work(draft).await.unwrap().unwrap().work;
    assert_eq!(stored.published, Some(day("2016-04-05")));

    let before = table_row_counts(&store).await;
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let refused = post(tomorrow, Visibility::Public).await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("future")),
        "{refused:?}"
    );
    assert_eq!(table_row_counts(&store).await, before);
}

async fn deleting_a_work_removes_it_and_says_so(store: Store) {
    let (user, pseud) = account(&store, "taylor").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("Town Meeting"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store.delete_work(id).await.unwrap();
    assert!(store.work(id).await.unwrap().is_none());
    assert!(store.work_access(id).await.unwrap().is_none());
    assert_eq!(changes_of(&store, id).await, vec!["insert", "delete"]);
    let again = store.delete_work(id).await;
    assert!(matches!(again, Err(StoreError::NotFound(_))));
}

async fn series_belong_to_their_owners(store: Store) {
    let (user, pseud) = account(&store, "jess").await;
    let (other, other_pseud) = account(&store, "dean").await;
    let mut first = work("Part One");
    first.series = vec![SeriesMembership {
        title: "Truncheon".into(),
        position: 0,
    }];
    let one = store
        .post_work(
            user,
            &[pseud],
            &first,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let mut second = work("Part Two");
    second.series = first.series.clone();
    let two = store
        .post_work(
            user,
            &[pseud],
            &second,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let series_one = store.work_series(one).await.unwrap();
    let series_two = store.work_series(two).await.unwrap();
    assert_eq!(series_one[0].position, 1);
    assert_eq!(series_two[0].position, 2);
    assert_eq!(series_one[0].id, series_two[0].id);

    // Someone else cannot add to it.
    let mut theirs = work("Interloper");
    theirs.series = first.series.clone();
    let before = table_row_counts(&store).await;
    let refused = store
        .post_work(
            other,
            &[other_pseud],
            &theirs,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(table_row_counts(&store).await, before);

    // Editing keeps the work in its series.
    let mut edited = work("Part Two, revised");
    edited.series = vec![SeriesMembership {
        title: "truncheon".into(),
        position: 5,
    }];
    store
        .update_work_metadata(two, user, &edited)
        .await
        .unwrap();
    assert_eq!(store.work_series(two).await.unwrap()[0].position, 5);
}

async fn editing_keeps_every_series_of_a_work(store: Store) {
    let (user, pseud) = account(&store, "lorelai").await;
    let post = |work: Work| {
        let store = store.clone();
        async move {
            store
                .post_work(
                    user,
                    &[pseud],
                    &work,
                    Visibility::Public,
                    CommentPolicy::Anyone,
                )
                .await
                .unwrap()
        }
    };
    let in_series = |titles: &[&str]| -> Vec<SeriesMembership> {
        titles
            .iter()
            .map(|title| SeriesMembership {
                title: (*title).to_owned(),
                position: 0,
            })
            .collect()
    };
    let mut earlier = work("Earlier");
    earlier.series = in_series(&["Beta"]);
    let earlier = post(earlier).await;
    let mut both = work("In Both");
    both.series = in_series(&["Alpha", "Beta"]);
    let id = post(both).await;
    let expected = vec![("Alpha".to_owned(), 1), ("Beta".to_owned(), 2)];
    assert_eq!(series_parts(&store, id).await, expected);

    // The stored work, edited as the edit form does it: every series is kept.
    let stored = store.work(id).await.unwrap().unwrap().work;
    assert_eq!(stored.series.len(), 2, "{:?}", stored.series);
    let mut edited = work("In Both, revised");
    edited.chapters.clear();
    edited.series = stored.series.clone();
    store.update_work_metadata(id, user, &edited).await.unwrap();
    assert_eq!(series_parts(&store, id).await, expected);

    // A series named without a part number keeps the work's part in it.
    edited.series = in_series(&["alpha", "beta"]);
    store.update_work_metadata(id, user, &edited).await.unwrap();
    assert_eq!(series_parts(&store, id).await, expected);

    // A series left out is left: only that membership goes.
    edited.series = in_series(&["Alpha"]);
    store.update_work_metadata(id, user, &edited).await.unwrap();
    assert_eq!(
        series_parts(&store, id).await,
        vec![("Alpha".to_owned(), 1)]
    );
    assert_eq!(
        series_parts(&store, earlier).await,
        vec![("Beta".to_owned(), 1)]
    );
}

async fn tag_suggestions_come_from_public_works(store: Store) {
    let (user, pseud) = account(&store, "paris").await;
    let mut a = work("A");
    a.characters = vec![tag("Rory Gilmore"), tag("Lorelai Gilmore")];
    let mut b = work("B");
    b.characters = vec![tag("Rory Gilmore")];
    let mut secret = work("Secret");
    secret.characters = vec![tag("Gilmore 100%_Secret")];
    for (w, v) in [
        (&a, Visibility::Public),
        (&b, Visibility::Public),
        (&secret, Visibility::Draft),
    ] {
        store
            .post_work(user, &[pseud], w, v, CommentPolicy::Anyone)
            .await
            .unwrap();
    }
    let found = store
        .tag_suggestions(Some(TagKind::Character), "gilm", 10)
        .await
        .unwrap();
    let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Rory Gilmore", "Lorelai Gilmore"],
        "most used first"
    );
    assert_eq!(found[0].uses, 2);
    let any = store.tag_suggestions(None, "GILMORE G", 10).await.unwrap();
    assert_eq!(any.len(), 1);
    assert_eq!(any[0].kind, TagKind::Fandom);
    let starts = store.tag_suggestions(None, "rory", 10).await.unwrap();
    assert_eq!(starts[0].name, "Rory Gilmore");
    assert!(store
        .tag_suggestions(None, "%", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .tag_suggestions(None, "secret", 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .tag_suggestions(None, "  ", 10)
        .await
        .unwrap()
        .is_empty());
}

async fn drafts_are_listed_for_their_creators(store: Store) {
    let (user, pseud) = account(&store, "april").await;
    let (other, _) = account(&store, "anna").await;
    let draft = store
        .post_work(
            user,
            &[pseud],
            &work("Draft"),
            Visibility::Draft,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store
        .post_work(
            user,
            &[pseud],
            &work("Posted"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let drafts = store.drafts_of(user).await.unwrap();
    assert_eq!(drafts.iter().map(|b| b.id).collect::<Vec<_>>(), vec![draft]);
    assert!(store.drafts_of(other).await.unwrap().is_empty());
}

async fn co_creators_are_credited_once_they_accept(store: Store) {
    let (user, pseud) = account(&store, "lane").await;
    let (invitee, _) = account(&store, "zach").await;
    let (other, _) = account(&store, "gil").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("Hep Alien"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store
        .invite_co_creators(id, &["Zach".to_owned()])
        .await
        .unwrap();
    let access = store.work_access(id).await.unwrap().unwrap();
    assert_eq!(access.invited, vec![invitee]);
    assert_eq!(
        store.work(id).await.unwrap().unwrap().work.creators,
        vec!["lane"]
    );
    let invitations = store.co_creator_invitations(invitee).await.unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0].title, "Hep Alien");
    assert_eq!(invitations[0].creators, vec!["lane"]);

    for refused in [
        store.invite_co_creators(id, &["zach".to_owned()]).await,
        store.invite_co_creators(id, &["lane".to_owned()]).await,
        store.invite_co_creators(id, &["nobody".to_owned()]).await,
    ] {
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
    }
    let not_theirs = store.answer_co_creator_invitation(other, id, true).await;
    assert!(matches!(not_theirs, Err(StoreError::NotFound(_))));

    store
        .answer_co_creator_invitation(invitee, id, true)
        .await
        .unwrap();
    assert_eq!(
        store.work(id).await.unwrap().unwrap().work.creators,
        vec!["lane", "zach"]
    );
    assert_eq!(
        store.work_access(id).await.unwrap().unwrap().creators,
        vec![user, invitee]
    );
    assert!(store
        .co_creator_invitations(invitee)
        .await
        .unwrap()
        .is_empty());

    // Declining removes the invitation.
    store
        .invite_co_creators(id, &["gil".to_owned()])
        .await
        .unwrap();
    store
        .answer_co_creator_invitation(other, id, false)
        .await
        .unwrap();
    let access = store.work_access(id).await.unwrap().unwrap();
    assert!(access.invited.is_empty());
    assert_eq!(access.creators, vec![user, invitee]);
}

async fn gifts_name_existing_users(store: Store) {
    let (user, pseud) = account(&store, "lorelai").await;
    account(&store, "rory").await;
    account(&store, "luke").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("For You"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store
        .set_gifts(
            id,
            &["Rory".to_owned(), "luke".to_owned(), "rory".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(store.gifts_of(id).await.unwrap(), vec!["luke", "rory"]);
    let refused = store.set_gifts(id, &["nobody".to_owned()]).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))));
    assert_eq!(store.gifts_of(id).await.unwrap(), vec!["luke", "rory"]);
    store.set_gifts(id, &[]).await.unwrap();
    assert!(store.gifts_of(id).await.unwrap().is_empty());
}

async fn series_parts_are_renumbered_by_their_owner(store: Store) {
    let (user, pseud) = account(&store, "liz").await;
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three"] {
        let mut w = work(title);
        w.series = vec![SeriesMembership {
            title: "Jewelry".into(),
            position: 0,
        }];
        ids.push(
            store
                .post_work(
                    user,
                    &[pseud],
                    &w,
                    Visibility::Public,
                    CommentPolicy::Anyone,
                )
                .await
                .unwrap(),
        );
    }
    let series_id = store.work_series(ids[0]).await.unwrap()[0].id;
    let series = store.owned_series(series_id).await.unwrap().unwrap();
    assert_eq!(series.owner, Some(user));
    let parts: Vec<u32> = series.parts.iter().map(|p| p.0).collect();
    assert_eq!(parts, vec![1, 2, 3]);
    store
        .set_series_parts(series_id, &[(ids[0], 3), (ids[1], 1), (ids[2], 2)])
        .await
        .unwrap();
    let series = store.owned_series(series_id).await.unwrap().unwrap();
    let titles: Vec<&str> = series.parts.iter().map(|p| p.2.as_str()).collect();
    assert_eq!(titles, vec!["Two", "Three", "One"]);
    for bad in [
        vec![(ids[0], 1), (ids[1], 1), (ids[2], 2)],
        vec![(ids[0], 1), (ids[1], 2)],
        vec![(ids[0], 0), (ids[1], 1), (ids[2], 2)],
    ] {
        let refused = store.set_series_parts(series_id, &bad).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{bad:?}");
    }
}

async fn an_edit_is_saved_whole_or_not_at_all(store: Store) {
    let (writer, pseud) = account(&store, "writer").await;
    account(&store, "friend").await;
    let id = store
        .post_work(
            writer,
            &[pseud],
            &work("Before"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let before = table_row_counts(&store).await;
    // A valid co-creator and a new title, but a gift to no one: refused whole.
    let mut edited = work("After");
    edited.tags = vec![tag("New Tag")];
    let refused = store
        .edit_work(
            id,
            writer,
            &WorkEdit {
                work: &edited,
                gifts: &["nobody-at-all".to_owned()],
                co_creators: &["friend".to_owned()],
                comment_policy: CommentPolicy::Off,
                visibility: Visibility::Restricted,
            },
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(table_row_counts(&store).await, before, "nothing written");
    let access = store.work_access(id).await.unwrap().unwrap();
    assert_eq!(access.visibility, Visibility::Public);
    assert_eq!(access.comment_policy, CommentPolicy::Anyone);
    assert!(access.invited.is_empty());
    assert_eq!(store.work(id).await.unwrap().unwrap().work.title, "Before");

    // The same edit with a real gift goes through whole.
    store
        .edit_work(
            id,
            writer,
            &WorkEdit {
                work: &edited,
                gifts: &["friend".to_owned()],
                co_creators: &["friend".to_owned()],
                comment_policy: CommentPolicy::Off,
                visibility: Visibility::Restricted,
            },
        )
        .await
        .unwrap();
    let access = store.work_access(id).await.unwrap().unwrap();
    assert_eq!(access.visibility, Visibility::Restricted);
    assert_eq!(access.comment_policy, CommentPolicy::Off);
    assert_eq!(access.invited.len(), 1);
    assert_eq!(store.work(id).await.unwrap().unwrap().work.title, "After");
    assert_eq!(store.gifts_of(id).await.unwrap(), vec!["friend".to_owned()]);
}

async fn texts_are_kept_as_written(store: Store) {
    let (user, pseud) = account(&store, "paris").await;
    let id = store
        .post_work(
            user,
            &[pseud],
            &work("Chilton Days"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let work_source = TextSource {
        format: "markdown".into(),
        summary: "A *summary*.".into(),
        ..TextSource::default()
    };
    store.set_work_source(id, Some(&work_source)).await.unwrap();
    assert_eq!(store.work_source(id).await.unwrap(), Some(work_source));
    let chapter_source = TextSource {
        format: "plain".into(),
        body: "Plain <text>.".into(),
        ..TextSource::default()
    };
    store
        .set_chapter_source(id, 1, Some(&chapter_source))
        .await
        .unwrap();
    assert_eq!(
        store.chapter_source(id, 1).await.unwrap(),
        Some(chapter_source.clone())
    );
    // Replaced, and forgotten when a text is saved as HTML.
    store
        .set_chapter_source(id, 1, Some(&chapter_source))
        .await
        .unwrap();
    store.set_chapter_source(id, 1, None).await.unwrap();
    assert_eq!(store.chapter_source(id, 1).await.unwrap(), None);
    // No chapter there: nothing kept.
    store
        .set_chapter_source(id, 9, Some(&chapter_source))
        .await
        .unwrap();
    assert_eq!(store.chapter_source(id, 9).await.unwrap(), None);
    // They go with the work.
    store.delete_work(id).await.unwrap();
    let counts = table_row_counts(&store).await;
    for table in ["work_sources", "chapter_sources"] {
        assert!(counts.contains(&(table, 0)), "{table}: {counts:?}");
    }
}

/// Importing, posting, editing and the corpus generator write a work's tags through one
/// path: the same tags, spelled as first stored, once each, in display order.
async fn every_way_in_stores_a_works_tags_alike(store: Store) {
    let (user, pseud) = account(&store, "lane").await;
    // "fluff" exists first, so "Fluff" and "FLUFF" are that tag.
    let mut first = work("First");
    first.tags = vec![tag("fluff")];
    store.insert_work(&first).await.unwrap();

    let mut tagged = work("Tagged");
    tagged.fandoms = vec![tag("Gilmore Girls"), tag("GILMORE GIRLS"), tag("Cooking")];
    tagged.warnings = vec![ArchiveWarning::NoneApply, ArchiveWarning::NoneApply];
    tagged.categories = vec![Category::FM, Category::Gen];
    tagged.relationships = vec![tag("Rory Gilmore/Jess Mariano")];
    tagged.characters = vec![
        tag("Rory Gilmore"),
        tag("rory gilmore"),
        tag("Jess Mariano"),
    ];
    tagged.tags = vec![tag("Fluff"), tag("Angst"), tag("FLUFF")];
    tagged.published = Some(chrono::NaiveDate::from_ymd_opt(2004, 2, 17).unwrap());

    let imported = store.insert_work(&tagged).await.unwrap();
    let posted = store
        .post_work(
            user,
            &[pseud],
            &tagged,
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let edited = store
        .post_work(
            user,
            &[pseud],
            &work("Plain"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store
        .update_work_metadata(edited, user, &tagged)
        .await
        .unwrap();
    let mut writer = store.corpus_writer();
    let generated = store
        .write_corpus_batch(
            &mut writer,
            &[CorpusWork {
                work: tagged.clone(),
                stats: WorkStats::default(),
                chapter_words: vec![4],
            }],
        )
        .await
        .unwrap()[0];

    let tags_of = |w: &Work| {
        (
            w.rating,
            w.warnings.clone(),
            w.categories.clone(),
            w.fandoms.clone(),
            w.relationships.clone(),
            w.characters.clone(),
            w.tags.clone(),
        )
    };
    let expected = (
        Rating::TeenAndUp,
        vec![ArchiveWarning::NoneApply],
        vec![Category::FM, Category::Gen],
        vec![tag("Gilmore Girls"), tag("Cooking")],
        vec![tag("Rory Gilmore/Jess Mariano")],
        vec![tag("Rory Gilmore"), tag("Jess Mariano")],
        vec![tag("fluff"), tag("Angst")],
    );
    for (how, id) in [
        ("imported", imported),
        ("posted", posted),
        ("edited", edited),
        ("generated", generated),
    ] {
        let stored = store.work(id).await.unwrap().unwrap();
        assert_eq!(tags_of(&stored.work), expected, "{how}");
    }
}
