//! Kudos, comments and bookmarks in the store, on both backends: each write keeps the work's
//! counts right in the same transaction, bumps the work and appends to the `changes` feed.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, CommentId, Html, PseudId, Role, UserId, Work, WorkId};
use ajar_store::testing::execute_sql;
use ajar_store::{
    Audience, CommentAuthor, CommentStatus, KudosOutcome, Kudoser, NewBookmark, NewComment,
    NewUser, PageStart, Store, StoreError,
};

ajar_store::backend_tests!(
    kudos_count_once_per_account_and_guest,
    comments_thread_and_count_visible_ones,
    replies_to_deleted_or_pending_comments_are_refused,
    bookmarks_count_public_ones_and_list_by_audience,
    comment_threads_come_a_page_at_a_time_with_every_reply,
);

async fn user(store: &Store, name: &str) -> (UserId, PseudId) {
    let id = store
        .create_user(&NewUser {
            name,
            email: &format!("{name}@example.org"),
            password_hash: "not-a-real-hash",
            role: Role::User,
            invitation: None,
        })
        .await
        .unwrap();
    let pseud = store.pseuds_of(id).await.unwrap()[0].id;
    (id, pseud)
}

async fn work(store: &Store, creator: &str, chapters: u32) -> WorkId {
    let mut work = Work {
        title: "A Work".to_owned(),
        creators: vec![creator.to_owned()],
        chapters: (1..=chapters)
            .map(|n| Chapter {
                body: Html::from_plain_text(&format!("Chapter {n}.")),
                ..Chapter::default()
            })
            .collect(),
        ..Work::default()
    };
    work.renumber_chapters();
    store.insert_work(&work).await.unwrap()
}

async fn stats(store: &Store, id: WorkId) -> ajar_store::WorkStats {
    store.work_header(id).await.unwrap().unwrap().stats
}

async fn count_changes(store: &Store, id: WorkId) -> usize {
    store
        .changes_since(0, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.entity == "work" && c.entity_id == id.0 && c.counts_only())
        .count()
}

async fn kudos_count_once_per_account_and_guest(store: Store) {
    user(&store, "alice").await;
    let (bob, _) = user(&store, "bob").await;
    let id = work(&store, "alice", 1).await;
    let before = store.work_header(id).await.unwrap().unwrap().modified_at;

    let by = Kudoser::User(bob);
    assert_eq!(store.leave_kudos(id, by).await.unwrap(), KudosOutcome::Left);
    assert_eq!(
        store.leave_kudos(id, by).await.unwrap(),
        KudosOutcome::Already
    );
    let guest = Kudoser::Guest {
        cookie: "0123456789abcdef",
        address: Some("address-1"),
    };
    assert_eq!(
        store.leave_kudos(id, guest).await.unwrap(),
        KudosOutcome::Left
    );
    assert_eq!(
        store.leave_kudos(id, guest).await.unwrap(),
        KudosOutcome::Already
    );
    // Another cookie from the same address (cookies cleared) counts as the same guest.
    let same_address = Kudoser::Guest {
        cookie: "fresh-cookie",
        address: Some("address-1"),
    };
    assert!(store.has_left_kudos(id, same_address).await.unwrap());
    assert_eq!(
        store.leave_kudos(id, same_address).await.unwrap(),
        KudosOutcome::Already
    );
    // So does the same cookie from an address whose hash is not known.
    let unknown_address = Kudoser::Guest {
        cookie: "0123456789abcdef",
        address: None,
    };
    assert_eq!(
        store.leave_kudos(id, unknown_address).await.unwrap(),
        KudosOutcome::Already
    );
    assert!(store.has_left_kudos(id, by).await.unwrap());
    let other = Kudoser::Guest {
        cookie: "other",
        address: Some("address-2"),
    };
    assert!(!store.has_left_kudos(id, other).await.unwrap());

    assert_eq!(stats(&store, id).await.kudos, 2);
    let summary = store.kudos_summary(id, 10).await.unwrap();
    assert_eq!(summary.users, vec!["bob".to_owned()]);
    assert_eq!((summary.user_count, summary.guest_count), (1, 1));
    assert_eq!(
        count_changes(&store, id).await,
        2,
        "one change per counted kudos"
    );
    assert!(store.work_header(id).await.unwrap().unwrap().modified_at > before);
    assert!(matches!(
        store.leave_kudos(WorkId(9999), by).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn comments_thread_and_count_visible_ones(store: Store) {
    user(&store, "alice").await;
    let (bob, bob_pseud) = user(&store, "bob").await;
    let id = work(&store, "alice", 2).await;
    let body = Html::from_plain_text("Lovely.");
    let by_bob = CommentAuthor::User {
        user: bob,
        pseud: bob_pseud,
    };
    let first = store
        .add_comment(&NewComment {
            work: id,
            chapter: 2,
            parent: None,
            author: by_bob,
            body: &body,
            pending: false,
        })
        .await
        .unwrap();
    // A reply takes its parent's chapter whatever it says.
    let reply = store
        .add_comment(&NewComment {
            work: id,
            chapter: 1,
            parent: Some(first),
            author: CommentAuthor::Guest { name: "Visitor" },
            body: &body,
            pending: false,
        })
        .await
        .unwrap();
    let pending = store
        .add_comment(&NewComment {
            work: id,
            chapter: 1,
            parent: None,
            author: CommentAuthor::Guest { name: "Later" },
            body: &body,
            pending: true,
        })
        .await
        .unwrap();
    assert_eq!(
        stats(&store, id).await.comments,
        2,
        "pending is not counted"
    );
    let on_two = store.work_comments(id, Some(2)).await.unwrap();
    assert_eq!(
        on_two.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![first, reply]
    );
    assert_eq!(on_two[0].pseud_name.as_deref(), Some("bob"));
    assert_eq!(on_two[1].guest_name.as_deref(), Some("Visitor"));
    assert_eq!(on_two[1].parent, Some(first));
    assert_eq!(store.pending_comments(id).await.unwrap().len(), 1);

    assert!(store.approve_comment(pending).await.unwrap());
    assert!(!store.approve_comment(pending).await.unwrap(), "only once");
    assert_eq!(stats(&store, id).await.comments, 3);

    let edited = Html::from_plain_text("Lovely, really.");
    assert!(store.edit_comment(first, &edited).await.unwrap());
    let comment = store.comment(first).await.unwrap().unwrap();
    assert_eq!(comment.body, edited);
    assert!(comment.edited_at.is_some());

    assert!(store.delete_comment(first).await.unwrap());
    assert!(!store.delete_comment(first).await.unwrap());
    let deleted = store.comment(first).await.unwrap().unwrap();
    assert_eq!(deleted.status, CommentStatus::Deleted);
    assert!(deleted.body.is_empty());
    assert!(!store.edit_comment(first, &edited).await.unwrap());
    assert_eq!(stats(&store, id).await.comments, 2);
    assert_eq!(
        store.work_comments(id, None).await.unwrap().len(),
        3,
        "the row stays for the thread"
    );
    // add, reply, approve, edit, delete
    assert_eq!(count_changes(&store, id).await, 5);
}

async fn replies_to_deleted_or_pending_comments_are_refused(store: Store) {
    user(&store, "alice").await;
    let id = work(&store, "alice", 1).await;
    let other = work(&store, "alice", 1).await;
    let body = Html::from_plain_text("Hi.");
    let new = |parent: Option<CommentId>, pending: bool, work: WorkId, chapter: u32| NewComment {
        work,
        chapter,
        parent,
        author: CommentAuthor::Guest { name: "G" },
        body: &body,
        pending,
    };
    let pending = store.add_comment(&new(None, true, id, 1)).await.unwrap();
    let gone = store.add_comment(&new(None, false, id, 1)).await.unwrap();
    store.delete_comment(gone).await.unwrap();
    for parent in [pending, gone] {
        assert!(matches!(
            store.add_comment(&new(Some(parent), false, id, 1)).await,
            Err(StoreError::Conflict(_))
        ));
    }
    // A parent on another work, a missing chapter: not found.
    let there = store
        .add_comment(&new(None, false, other, 1))
        .await
        .unwrap();
    assert!(matches!(
        store.add_comment(&new(Some(there), false, id, 1)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.add_comment(&new(None, false, id, 2)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.work_comments(id, None).await.unwrap().len(), 2);
    assert_eq!(stats(&store, id).await.comments, 0);
}

async fn bookmarks_count_public_ones_and_list_by_audience(store: Store) {
    user(&store, "alice").await;
    let (bob, _) = user(&store, "bob").await;
    let public = work(&store, "alice", 1).await;
    let restricted = work(&store, "alice", 1).await;
    execute_sql(
        &store,
        &format!("UPDATE works SET visibility = 'restricted' WHERE id = {restricted}"),
    )
    .await
    .unwrap();
    let notes = Html::from_plain_text("Good.");
    let mark = |private: bool| NewBookmark {
        notes: &notes,
        tags: "fluff, angst",
        private,
        rec: true,
    };
    store
        .save_bookmark(bob, public, &mark(false))
        .await
        .unwrap();
    store
        .save_bookmark(bob, restricted, &mark(true))
        .await
        .unwrap();
    assert_eq!(stats(&store, public).await.bookmarks, 1);
    assert_eq!(stats(&store, restricted).await.bookmarks, 0);
    assert_eq!(
        count_changes(&store, restricted).await,
        0,
        "no count change, no change row"
    );

    let saved = store.bookmark(bob, public).await.unwrap().unwrap();
    assert_eq!(saved.tag_list(), vec!["fluff", "angst"]);
    assert!(saved.rec && !saved.private);

    let (own, total) = store
        .user_bookmarks(bob, Audience::Members, true, 10, 0)
        .await
        .unwrap();
    assert_eq!((own.len(), total), (2, 2));
    let (others, total) = store
        .user_bookmarks(bob, Audience::Members, false, 10, 0)
        .await
        .unwrap();
    assert_eq!((others.len(), total), (1, 1));
    assert_eq!(others[0].1.id, public);
    let (guests, total) = store
        .user_bookmarks(bob, Audience::Public, true, 10, 0)
        .await
        .unwrap();
    assert_eq!((guests.len(), total), (1, 1));

    // Replacing flips the count; deleting takes it away.
    store.save_bookmark(bob, public, &mark(true)).await.unwrap();
    assert_eq!(stats(&store, public).await.bookmarks, 0);
    store
        .save_bookmark(bob, public, &mark(false))
        .await
        .unwrap();
    assert_eq!(stats(&store, public).await.bookmarks, 1);
    assert!(store.delete_bookmark(bob, public).await.unwrap());
    assert!(!store.delete_bookmark(bob, public).await.unwrap());
    assert_eq!(stats(&store, public).await.bookmarks, 0);
    assert_eq!(count_changes(&store, public).await, 4);
    assert!(matches!(
        store.save_bookmark(bob, WorkId(9999), &mark(false)).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn comment_threads_come_a_page_at_a_time_with_every_reply(store: Store) {
    let (bob, pseud) = user(&store, "bob").await;
    let id = work(&store, "alice", 2).await;
    let body = Html::from_plain_text("Hello.");
    let add = |chapter: u32, parent: Option<CommentId>| NewComment {
        work: id,
        chapter,
        parent,
        author: CommentAuthor::User { user: bob, pseud },
        body: &body,
        pending: false,
    };
    // Five threads on chapter 1, two on chapter 2; the third thread has a chain of replies.
    let mut roots = Vec::new();
    for chapter in [1, 1, 1, 2, 1, 2, 1] {
        roots.push(store.add_comment(&add(chapter, None)).await.unwrap());
    }
    let mut chain = vec![roots[2]];
    for _ in 0..4 {
        let parent = *chain.last().unwrap();
        chain.push(store.add_comment(&add(1, Some(parent))).await.unwrap());
    }
    let ids = |threads: &ajar_store::CommentThreads| -> Vec<CommentId> {
        threads.comments.iter().map(|c| c.id).collect()
    };

    let page = store
        .comment_threads(id, Some(1), 2, PageStart::Offset(2))
        .await
        .unwrap();
    assert_eq!(page.threads, 5);
    // Oldest first: the replies were written after the later threads.
    assert_eq!(
        ids(&page),
        [&[roots[2], roots[4]][..], &chain[1..]].concat()
    );
    let last = store
        .comment_threads(id, Some(1), 2, PageStart::Offset(4))
        .await
        .unwrap();
    assert_eq!(ids(&last), vec![roots[6]]);
    let past = store
        .comment_threads(id, Some(1), 2, PageStart::Offset(6))
        .await
        .unwrap();
    assert!(past.comments.is_empty());
    // The whole work: by chapter, then oldest first.
    let all = store
        .comment_threads(id, None, 3, PageStart::Offset(3))
        .await
        .unwrap();
    assert_eq!(all.threads, 7);
    assert_eq!(ids(&all), vec![roots[4], roots[6], roots[3]]);
    // After a thread: the threads that follow it, by chapter then age, as by offset.
    let after = store
        .comment_threads(id, None, 3, PageStart::After((1, roots[2])))
        .await
        .unwrap();
    assert_eq!(ids(&after), ids(&all));
    let after = store
        .comment_threads(id, Some(1), 2, PageStart::After((1, roots[4])))
        .await
        .unwrap();
    assert_eq!(ids(&after), vec![roots[6]]);

    for (comment, page) in [(roots[0], 1), (roots[4], 2), (chain[4], 2), (roots[6], 3)] {
        assert_eq!(store.comment_page(comment, 2).await.unwrap(), Some(page));
    }
    assert_eq!(store.comment_page(roots[5], 1).await.unwrap(), Some(2));
    assert_eq!(
        store.comment_page(CommentId(999_999), 2).await.unwrap(),
        None
    );
}
