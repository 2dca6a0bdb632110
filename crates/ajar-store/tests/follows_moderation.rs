//! Subscriptions, updates, reading history, mutes and blocks, reports and hidden works, on
//! both backends.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, Html, Rating, Role, SeriesMembership, TagName, UserId, Work, WorkId};
use ajar_store::testing::{drop_failing_trigger, execute_sql, failing_trigger, table_row_counts};
use ajar_store::{
    Audience, CommentAuthor, Followed, NewBookmark, NewComment, NewUser, PageStart, ReportAction,
    Reported, Store, StoreError, UpdatesPage, UpdatesPlan,
};

ajar_store::backend_tests!(
    updates_follow_subscriptions_past_the_mark,
    history_and_later,
    visits_are_written_with_hits_quietly,
    mutes_blocks_and_their_names,
    reports_resolve_and_hidden_works_leave_listings,
    acting_on_a_report_is_saved_whole_or_not_at_all,
    updates_are_marked_seen_only_as_far_as_shown,
    invitation_batches_are_stored_whole_or_not_at_all,
    a_suspended_accounts_works_comments_and_bookmarks_leave_everyone_elses_view,
    a_tag_only_unlisted_works_carry_is_not_listed,
    a_muters_comment_counts_leave_out_the_muted,
);

fn work(title: &str, creator: &str, tags: &[&str], series: Option<(&str, u32)>) -> Work {
    let mut work = Work {
        title: title.into(),
        creators: vec![creator.to_owned()],
        fandoms: vec![TagName::parse("Store Fandom").unwrap()],
        tags: tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        rating: Rating::GeneralAudiences,
        series: series
            .map(|(title, position)| {
                vec![SeriesMembership {
                    title: title.into(),
                    position,
                }]
            })
            .unwrap_or_default(),
        chapters: vec![Chapter {
            body: Html::from_plain_text("Text."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn user(store: &Store, name: &str) -> UserId {
    store
        .create_user(&NewUser {
            name,
            email: &format!("{name}@example.org"),
            password_hash: "x",
            role: Role::User,
            invitation: None,
        })
        .await
        .unwrap()
}

/// `user`'s updates page, read from the chapters and from the followed works: both plans
/// must give the same page.
async fn updates(store: &Store, user: UserId, limit: u32) -> UpdatesPage {
    let page = store.updates(user, Audience::Members, limit).await.unwrap();
    for plan in [UpdatesPlan::FromChapters, UpdatesPlan::FromFollowed] {
        let other = store
            .updates_by(user, Audience::Members, limit, Some(plan))
            .await
            .unwrap();
        assert_eq!(other, page, "{plan:?} reads another page");
    }
    page
}

async fn update_ids(store: &Store, user: UserId) -> Vec<WorkId> {
    updates(store, user, 50)
        .await
        .updates
        .into_iter()
        .map(|u| u.work)
        .collect()
}

async fn updates_follow_subscriptions_past_the_mark(store: Store) {
    let alice = user(&store, "alice").await;
    let bob = user(&store, "bob").await;
    let followed = store
        .insert_work(&work("Serial", "Someone", &[], Some(("Saga", 1))))
        .await
        .unwrap();
    let alice_pseud = store.pseud_by_name("alice").await.unwrap().unwrap().id;
    store
        .insert_work(&work("Old Tagged", "Someone", &["Slow Burn"], None))
        .await
        .unwrap();
    let tag = store.tag_id_named("slow burn").await.unwrap().unwrap();

    for f in [
        Followed::Work(followed),
        Followed::Creator(alice_pseud),
        Followed::Tag(tag),
        Followed::Series(ajar_core::SeriesId(1)),
    ] {
        store.subscribe(bob, f).await.unwrap();
        assert!(store.is_subscribed(bob, f).await.unwrap());
    }
    // Twice is once; unknown targets are refused.
    store
        .subscribe(bob, Followed::Work(followed))
        .await
        .unwrap();
    assert!(store
        .subscribe(bob, Followed::Work(WorkId(9999)))
        .await
        .is_err());
    let subs = store.subscriptions(bob, Audience::Members).await.unwrap();
    assert_eq!(subs.len(), 4);
    let labels: Vec<_> = subs.iter().filter_map(|s| s.label.clone()).collect();
    for l in ["Serial", "alice", "Slow Burn", "Saga"] {
        assert!(labels.iter().any(|x| x == l), "{l} in {labels:?}");
    }
    assert!(update_ids(&store, bob).await.is_empty());

    let by_alice = store
        .insert_work(&work("By Alice", "alice", &[], None))
        .await
        .unwrap();
    let tagged = store
        .insert_work(&work("New Tagged", "Someone", &["Slow Burn"], None))
        .await
        .unwrap();
    let part_two = store
        .insert_work(&work("Saga Two", "Someone", &[], Some(("Saga", 2))))
        .await
        .unwrap();
    store
        .insert_work(&work("Unrelated", "Someone", &[], None))
        .await
        .unwrap();
    store
        .add_chapter(
            followed,
            &Chapter {
                body: Html::from_plain_text("More."),
                ..Chapter::default()
            },
        )
        .await
        .unwrap();

    let page = updates(&store, bob, 50).await;
    assert_eq!(page.more, 0);
    let updates = page.updates;
    let ids: Vec<WorkId> = updates.iter().map(|u| u.work).collect();
    assert_eq!(ids, vec![followed, part_two, tagged, by_alice]);
    assert!(!updates[0].new_work);
    assert_eq!(updates[0].new_chapters, 1);
    assert!(updates[1].new_work);
    // Alice follows nothing.
    assert!(update_ids(&store, alice).await.is_empty());

    // Muting Alice hides her work from Bob's updates.
    store.mute_user(bob, alice).await.unwrap();
    assert!(!update_ids(&store, bob).await.contains(&by_alice));
    store.unmute_user(bob, alice).await.unwrap();

    let through = store
        .updates(bob, Audience::Members, 50)
        .await
        .unwrap()
        .through;
    assert!(store
        .mark_updates_seen(bob, through)
        .await
        .unwrap()
        .is_some());
    assert!(update_ids(&store, bob).await.is_empty());
    assert!(store.unsubscribe(bob, Followed::Tag(tag)).await.unwrap());
    assert!(!store.unsubscribe(bob, Followed::Tag(tag)).await.unwrap());
    store
        .insert_work(&work("Newer Tagged", "Someone", &["Slow Burn"], None))
        .await
        .unwrap();
    assert!(update_ids(&store, bob).await.is_empty());
}

/// A reader, bob, and two works by someone else, "A" and "B".
async fn bob_and_two_works(store: &Store) -> (UserId, WorkId, WorkId) {
    let bob = user(store, "bob").await;
    let a = store
        .insert_work(&work("A", "Someone", &[], None))
        .await
        .unwrap();
    let b = store
        .insert_work(&work("B", "Someone", &[], None))
        .await
        .unwrap();
    (bob, a, b)
}

/// The server writes readers' visits in its once-a-second batch of hits: in order (the last
/// visit is the one shown), quietly (cached pages stay), and without failing the batch over
/// a work or an account removed meanwhile.
async fn visits_are_written_with_hits_quietly(store: Store) {
    let (bob, a, b) = bob_and_two_works(&store).await;
    let before = store.data_version();
    let at = chrono::Utc::now();
    let visit = |user: UserId, work: WorkId, chapter: u32, secs: i64| ajar_store::Visit {
        user,
        work,
        chapter,
        at: at + chrono::Duration::seconds(secs),
    };
    let hit = ajar_store::Hit {
        work: a,
        visitor: "a guest".into(),
        day: at.date_naive(),
    };
    let visits = [
        visit(bob, a, 1, 0),
        visit(bob, WorkId(a.0 + 1000), 1, 1),
        visit(UserId(bob.0 + 1000), a, 1, 2),
        visit(bob, b, 1, 3),
        visit(bob, a, 4, 4),
    ];
    assert_eq!(store.record_views(&[hit], &visits).await.unwrap(), 1);
    if store.backend() == ajar_store::Backend::Sqlite {
        assert_eq!(store.data_version(), before, "recording visits is quiet");
    }
    let (history, total) = store
        .readings(bob, Audience::Members, false, 10, PageStart::Offset(0))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        history
            .iter()
            .map(|r| (r.work, r.visits, r.last_chapter))
            .collect::<Vec<_>>(),
        vec![(a, 2, 4), (b, 1, 1)]
    );
    assert_eq!(store.work_header(a).await.unwrap().unwrap().stats.hits, 1);
}

async fn history_and_later(store: Store) {
    let (bob, a, b) = bob_and_two_works(&store).await;
    store.record_reading(bob, a, 1).await.unwrap();
    store.record_reading(bob, a, 3).await.unwrap();
    store.record_reading(bob, b, 1).await.unwrap();
    let (history, total) = store
        .readings(bob, Audience::Members, false, 10, PageStart::Offset(0))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(history[0].work, b);
    assert_eq!(history[1].work, a);
    assert_eq!(history[1].visits, 2);
    assert_eq!(history[1].last_chapter, 3);
    // A page that starts after the first reading is the rest, as the offset's is; and a
    // work read again meanwhile moves ahead of the cursor instead of showing twice.
    let after_first = PageStart::After((history[0].visited_at, history[0].work));
    let (rest, total) = store
        .readings(bob, Audience::Members, false, 1, after_first)
        .await
        .unwrap();
    let (by_offset, _) = store
        .readings(bob, Audience::Members, false, 1, PageStart::Offset(1))
        .await
        .unwrap();
    assert_eq!((rest.clone(), total), (by_offset, 2));
    assert_eq!(rest[0].work, a);
    store.record_reading(bob, a, 3).await.unwrap();
    let (rest, _) = store
        .readings(bob, Audience::Members, false, 10, after_first)
        .await
        .unwrap();
    assert!(rest.is_empty(), "a was read again: it is now ahead of b");

    let c = store
        .insert_work(&work("C", "Someone", &[], None))
        .await
        .unwrap();
    store.set_later(bob, c, true).await.unwrap();
    store.set_later(bob, a, true).await.unwrap();
    let (later, total) = store
        .readings(bob, Audience::Members, true, 10, PageStart::Offset(0))
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert!(later.iter().all(|r| r.later));
    let (_, total) = store
        .readings(bob, Audience::Members, false, 10, PageStart::Offset(0))
        .await
        .unwrap();
    assert_eq!(total, 2, "marking for later is not a visit");
    store.set_later(bob, c, false).await.unwrap();
    store.set_later(bob, a, false).await.unwrap();
    assert!(store.reading(bob, c).await.unwrap().is_none());
    assert_eq!(store.reading(bob, a).await.unwrap().unwrap().visits, 3);

    // Hidden works leave the lists.
    store.set_work_hidden(b, true).await.unwrap();
    let (history, total) = store
        .readings(bob, Audience::Members, false, 10, PageStart::Offset(0))
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(history[0].work, a);
}

async fn mutes_blocks_and_their_names(store: Store) {
    let bob = user(&store, "bob").await;
    let ivy = user(&store, "ivy").await;
    store.add_pseud(ivy, "Ivy Writes").await.unwrap();
    store.mute_user(bob, ivy).await.unwrap();
    store.mute_user(bob, ivy).await.unwrap();
    assert!(store.mute_user(bob, bob).await.is_err());
    assert!(store.has_muted(bob, ivy).await.unwrap());
    assert!(!store.has_muted(ivy, bob).await.unwrap());
    assert_eq!(
        store.muted_creator_names(bob).await.unwrap(),
        vec!["ivy".to_owned(), "Ivy Writes".to_owned()]
    );
    assert_eq!(store.muted_users(bob).await.unwrap()[0].name, "ivy");
    store.block_user(bob, ivy).await.unwrap();
    assert!(store.has_blocked(bob, ivy).await.unwrap());
    assert_eq!(store.blocked_users(bob).await.unwrap().len(), 1);
    assert!(store.unblock_user(bob, ivy).await.unwrap());
    assert!(store.unmute_user(bob, ivy).await.unwrap());
    assert!(store.muted_creator_names(bob).await.unwrap().is_empty());
    assert!(store.blocked_users(bob).await.unwrap().is_empty());
}

async fn reports_resolve_and_hidden_works_leave_listings(store: Store) {
    let admin = user(&store, "root").await;
    let carol = user(&store, "carol").await;
    let w = store
        .insert_work(&work("Reported", "carol", &[], None))
        .await
        .unwrap();
    let r1 = store
        .create_report(None, Reported::Work(w), "spam")
        .await
        .unwrap();
    store
        .create_report(Some(admin), Reported::Work(w), "also spam")
        .await
        .unwrap();
    assert!(store
        .create_report(None, Reported::Work(WorkId(9999)), "x")
        .await
        .is_err());
    let open = store.open_reports(10).await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].reporter, None);
    assert_eq!(open[1].reporter.as_deref(), Some("root"));
    assert_eq!(open[0].work_title.as_deref(), Some("Reported"));
    assert_eq!(open[0].owners, vec![(carol, "carol".to_owned())]);

    let before = store.last_change_seq().await.unwrap();
    assert!(store.set_work_hidden(w, true).await.unwrap());
    assert!(store.last_change_seq().await.unwrap() > before);
    assert_eq!(store.resolve_report(r1, admin, "hidden").await.unwrap(), 2);
    assert!(store.open_reports(10).await.unwrap().is_empty());
    assert!(store.open_report(r1).await.unwrap().is_none());
    assert_eq!(store.hidden_works(10).await.unwrap()[0].id, w);
    assert!(store
        .works_by_ids(Audience::Members, &[w])
        .await
        .unwrap()
        .is_empty());
    assert!(store.work_access(w).await.unwrap().unwrap().hidden);
    assert!(!store.set_work_hidden(WorkId(9999), true).await.unwrap());

    store.set_suspended(carol, true).await.unwrap();
    assert_eq!(store.suspended_users(10).await.unwrap()[0].0, carol);
}

async fn acting_on_a_report_is_saved_whole_or_not_at_all(store: Store) {
    let admin = user(&store, "root").await;
    let carol = user(&store, "carol").await;
    let dave = user(&store, "dave").await;
    let w = store
        .insert_work(&work("Reported", "carol", &[], None))
        .await
        .unwrap();
    let report = store
        .create_report(None, Reported::Work(w), "spam")
        .await
        .unwrap();
    let untouched = |store: Store| async move {
        assert!(!store.work_access(w).await.unwrap().unwrap().hidden);
        assert!(store.suspended_users(10).await.unwrap().is_empty());
        assert_eq!(store.open_reports(10).await.unwrap().len(), 1);
    };

    // Refused actions change nothing and leave the report open.
    let before = table_row_counts(&store).await;
    for (action, says) in [
        (ReportAction::Suspend(dave), "answerable"),
        (ReportAction::Suspend(admin), "answerable"),
        (ReportAction::RemoveComment, "cannot be removed"),
    ] {
        let refused = store.act_on_report(report, admin, action).await;
        assert!(
            matches!(&refused, Err(StoreError::Conflict(m)) if m.contains(says)),
            "{action:?}: {refused:?}"
        );
        untouched(store.clone()).await;
    }
    assert_eq!(table_row_counts(&store).await, before);

    // The action and the resolution land together.
    let done = store
        .act_on_report(report, admin, ReportAction::Suspend(carol))
        .await
        .unwrap();
    assert_eq!(done, "suspended");
    assert_eq!(store.suspended_users(10).await.unwrap()[0].0, carol);
    assert!(store.open_reports(10).await.unwrap().is_empty());

    // Acting on a resolved report changes nothing.
    let before = table_row_counts(&store).await;
    let again = store
        .act_on_report(report, admin, ReportAction::HideWork)
        .await;
    assert!(
        matches!(&again, Err(StoreError::Conflict(m)) if m.contains("resolved already")),
        "{again:?}"
    );
    assert!(!store.work_access(w).await.unwrap().unwrap().hidden);
    assert_eq!(table_row_counts(&store).await, before);

    // A failure after the action (here, storing the resolution) undoes the action too.
    let second = store
        .create_report(Some(dave), Reported::Work(w), "still spam")
        .await
        .unwrap();
    let backend = store.backend();
    let fail = failing_trigger(backend, "UPDATE", "reports", "NEW.resolution = 'hidden'");
    execute_sql(&store, &fail).await.unwrap();
    let failed = store
        .act_on_report(second, admin, ReportAction::HideWork)
        .await;
    assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
    assert!(!store.work_access(w).await.unwrap().unwrap().hidden);
    assert_eq!(store.open_reports(10).await.unwrap().len(), 1);
    let drop = drop_failing_trigger(backend, "reports");
    execute_sql(&store, &drop).await.unwrap();

    // Hiding, with nothing in the way.
    let done = store
        .act_on_report(second, admin, ReportAction::HideWork)
        .await
        .unwrap();
    assert_eq!(done, "hidden");
    assert!(store.work_access(w).await.unwrap().unwrap().hidden);
    assert!(store.open_reports(10).await.unwrap().is_empty());
}

async fn invitation_batches_are_stored_whole_or_not_at_all(store: Store) {
    let admin = user(&store, "root").await;
    store
        .create_invitations(&["first-code", "second-code"], Some(admin))
        .await
        .unwrap();
    assert!(store.invitation_open("first-code").await.unwrap());
    assert!(store.invitation_open("second-code").await.unwrap());

    // One code that cannot be stored (taken, or twice in the batch) stores none of them.
    for batch in [
        &["third-code", "first-code"][..],
        &["fourth-code", "fourth-code"][..],
    ] {
        let before = table_row_counts(&store).await;
        let refused = store.create_invitations(batch, Some(admin)).await;
        assert!(
            matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("no codes were made")),
            "{refused:?}"
        );
        assert_eq!(table_row_counts(&store).await, before);
        assert!(!store.invitation_open(batch[0]).await.unwrap());
    }
}

async fn updates_are_marked_seen_only_as_far_as_shown(store: Store) {
    let bob = user(&store, "bob").await;
    store
        .insert_work(&work("Tagged 0", "Someone", &["Slow Burn"], None))
        .await
        .unwrap();
    let tag = store.tag_id_named("slow burn").await.unwrap().unwrap();
    store.subscribe(bob, Followed::Tag(tag)).await.unwrap();
    // Tagged 0 was there before the subscription: not an update.
    let mut works = Vec::new();
    for n in 1..=5 {
        let title = format!("Tagged {n}");
        let id = store
            .insert_work(&work(&title, "Someone", &["Slow Burn"], None))
            .await
            .unwrap();
        works.push(id);
    }

    // A page of 3 of the 5: the oldest, newest first, and 2 more.
    let page = updates(&store, bob, 3).await;
    let shown: Vec<WorkId> = page.updates.iter().map(|u| u.work).collect();
    assert_eq!(shown, vec![works[2], works[1], works[0]]);
    assert_eq!(page.more, 2);

    // A work posted between reading the page and marking it seen is not lost.
    let meanwhile = store
        .insert_work(&work("Tagged meanwhile", "Someone", &["Slow Burn"], None))
        .await
        .unwrap();
    store.mark_updates_seen(bob, page.through).await.unwrap();
    let page = updates(&store, bob, 3).await;
    let shown: Vec<WorkId> = page.updates.iter().map(|u| u.work).collect();
    assert_eq!(shown, vec![meanwhile, works[4], works[3]]);
    assert_eq!(page.more, 0);

    // An older mark never moves the mark back.
    store.mark_updates_seen(bob, page.through).await.unwrap();
    store.mark_updates_seen(bob, 0).await.unwrap();
    assert!(update_ids(&store, bob).await.is_empty());
}

/// Suspending an account hides its works (unless a co-creator is in good standing) from
/// listings, access checks and the index, and its comments and bookmarks from the counts,
/// telling the index about each work; lifting the suspension brings everything back.
async fn a_suspended_accounts_works_comments_and_bookmarks_leave_everyone_elses_view(store: Store) {
    let alice = user(&store, "alice").await;
    user(&store, "bob").await;
    let solo = store
        .insert_work(&work("Alice Alone", "alice", &["Shared Tag"], None))
        .await
        .unwrap();
    let mut together = work("Alice And Bob", "alice", &["Shared Tag"], None);
    together.creators.push("bob".into());
    let together = store.insert_work(&together).await.unwrap();
    let imported = store
        .insert_work(&work("Someone's", "someone", &["Shared Tag"], None))
        .await
        .unwrap();
    let pseud = store.pseud_by_name("alice").await.unwrap().unwrap().id;
    let body = Html::from_plain_text("Alice's comment.");
    store
        .add_comment(&NewComment {
            work: imported,
            chapter: 1,
            parent: None,
            author: CommentAuthor::User { user: alice, pseud },
            body: &body,
            pending: false,
        })
        .await
        .unwrap();
    let notes = Html::default();
    let mark = NewBookmark {
        notes: &notes,
        tags: "",
        private: false,
        rec: false,
    };
    store.save_bookmark(alice, imported, &mark).await.unwrap();
    let tag = TagName::parse("Shared Tag").unwrap();
    let listed = |store: Store| {
        let tag = tag.clone();
        async move {
            let (works, total) = store
                .works_tagged(Audience::Public, &tag, 50, 0)
                .await
                .unwrap();
            let mut titles: Vec<String> = works.into_iter().map(|w| w.title).collect();
            titles.sort();
            (titles, total)
        }
    };
    let counts = |store: Store| async move {
        let stats = store.work_header(imported).await.unwrap().unwrap().stats;
        (stats.comments, stats.bookmarks)
    };
    assert_eq!(listed(store.clone()).await.1, 3);
    assert_eq!(counts(store.clone()).await, (1, 1));

    let seen = store.last_change_seq().await.unwrap();
    assert!(store.set_suspended(alice, true).await.unwrap());
    assert_eq!(
        listed(store.clone()).await,
        (vec!["Alice And Bob".to_owned(), "Someone's".to_owned()], 2),
        "a work by the suspended account alone is left out; a co-created one stays"
    );
    let access = store.work_access(solo).await.unwrap().unwrap();
    assert!(access.creators_suspended);
    assert!(!access.visible_to(&ajar_core::Viewer::Guest));
    assert!(
        !store
            .work_access(together)
            .await
            .unwrap()
            .unwrap()
            .creators_suspended
    );
    assert!(store.index_works(&[solo], false).await.unwrap().is_empty());
    assert_eq!(
        store.index_works(&[together], false).await.unwrap().len(),
        1
    );
    assert_eq!(counts(store.clone()).await, (0, 0));
    let told: Vec<i64> = store
        .changes_since(seen, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.entity_id)
        .collect();
    for work in [solo, together, imported] {
        assert!(
            told.contains(&work.0),
            "the index is not told of {work}: {told:?}"
        );
    }
    // The comment is still there, marked, for admins.
    let comments = store.work_comments(imported, None).await.unwrap();
    assert!(comments[0].author_suspended);

    assert!(store.set_suspended(alice, false).await.unwrap());
    assert_eq!(listed(store.clone()).await.1, 3);
    assert!(
        !store
            .work_access(solo)
            .await
            .unwrap()
            .unwrap()
            .creators_suspended
    );
    assert_eq!(store.index_works(&[solo], false).await.unwrap().len(), 1);
    assert_eq!(counts(store.clone()).await, (1, 1));
    assert!(!store.work_comments(imported, None).await.unwrap()[0].author_suspended);
}

/// A tag is there for an audience when a work it may list carries it, or when it is a
/// rating, warning or category: drafts, hidden and (for guests) restricted works do not
/// make a tag known.
async fn a_tag_only_unlisted_works_carry_is_not_listed(store: Store) {
    let draft = store
        .insert_work(&work("Draft", "someone", &["Draft Tag"], None))
        .await
        .unwrap();
    store
        .set_visibility(draft, ajar_core::Visibility::Draft)
        .await
        .unwrap();
    let restricted = store
        .insert_work(&work("Members", "someone", &["Members Tag"], None))
        .await
        .unwrap();
    store
        .set_visibility(restricted, ajar_core::Visibility::Restricted)
        .await
        .unwrap();
    let listed = |name: &'static str, audience: Audience| {
        let store = store.clone();
        async move {
            store
                .listed_tag_name(audience, &TagName::parse(name).unwrap())
                .await
                .unwrap()
                .map(|n| n.as_str().to_owned())
        }
    };
    assert_eq!(listed("draft tag", Audience::Members).await, None);
    assert_eq!(listed("Never Used", Audience::Members).await, None);
    assert_eq!(listed("Members Tag", Audience::Public).await, None);
    assert_eq!(
        listed("members tag", Audience::Members).await.as_deref(),
        Some("Members Tag")
    );
    // The draft's rating is a fixed tag: known whatever carries it.
    assert_eq!(
        listed("General Audiences", Audience::Public)
            .await
            .as_deref(),
        Some("General Audiences")
    );
}

/// What a reader's comment counts leave out: the visible comments of the accounts they
/// muted, per work.
async fn a_muters_comment_counts_leave_out_the_muted(store: Store) {
    let muter = user(&store, "muter").await;
    let loud = user(&store, "loud").await;
    let quiet = user(&store, "quiet").await;
    let first = store
        .insert_work(&work("First", "someone", &[], None))
        .await
        .unwrap();
    let second = store
        .insert_work(&work("Second", "someone", &[], None))
        .await
        .unwrap();
    let body = Html::from_plain_text("Words.");
    for (who, name, on) in [
        (loud, "loud", first),
        (loud, "loud", first),
        (quiet, "quiet", first),
        (quiet, "quiet", second),
    ] {
        let pseud = store.pseud_by_name(name).await.unwrap().unwrap().id;
        store
            .add_comment(&NewComment {
                work: on,
                chapter: 1,
                parent: None,
                author: CommentAuthor::User { user: who, pseud },
                body: &body,
                pending: false,
            })
            .await
            .unwrap();
    }
    let ids = [first, second];
    assert!(store
        .muted_comment_counts(muter, &ids)
        .await
        .unwrap()
        .is_empty());
    store.mute_user(muter, loud).await.unwrap();
    let counts = store.muted_comment_counts(muter, &ids).await.unwrap();
    assert_eq!(counts.get(&first), Some(&2));
    assert_eq!(counts.get(&second), None);
    assert!(store
        .muted_comment_counts(quiet, &ids)
        .await
        .unwrap()
        .is_empty());
}
