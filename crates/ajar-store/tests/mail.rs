//! The inbox and the outbox on both backends: who is told of what (subscribers, creators,
//! gift receivers, invited co-creators, reporters), never the one who did it, drafts
//! telling no one; settings and unsubscribe tokens; confirming an address; and the outbox's
//! leases, so two senders never take the same mail.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, CommentPolicy, Html, Rating, TagName, UserId, Visibility, Work};
use ajar_store::testing::account;
use ajar_store::{
    Followed, MailMode, NewBookmark, NewMail, NoticeCategory, NoticeKind, ReportAction, Reported,
    Store, StoreError,
};

ajar_store::backend_tests!(
    subscribers_creators_and_receivers_are_told_once,
    settings_tokens_and_confirmation,
    two_senders_never_claim_the_same_mail,
);

fn work(title: &str) -> Work {
    let mut work = Work {
        title: title.to_owned(),
        creators: vec!["Ignored".to_owned()],
        fandoms: vec![TagName::parse("Gilmore Girls").unwrap()],
        rating: Rating::TeenAndUp,
        chapters: vec![Chapter {
            body: Html::from_plain_text("Coffee, coffee, coffee."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    work
}

async fn kinds(store: &Store, user: UserId) -> Vec<NoticeKind> {
    let mut kinds: Vec<NoticeKind> = store
        .notices(user, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    kinds.reverse();
    kinds
}

async fn subscribers_creators_and_receivers_are_told_once(store: Store) {
    let store = &store;
    let (writer, pen) = account(store, "writer").await;
    let (fan, _) = account(store, "fan").await;
    let (tagfan, _) = account(store, "tagfan").await;
    let (friend, _) = account(store, "friend").await;
    let (cowriter, _) = account(store, "cowriter").await;
    let (admin, _) = account(store, "admin").await;
    store.subscribe(fan, Followed::Creator(pen)).await.unwrap();

    // A draft tells no one; the fandom's subscriber is told when it is posted.
    let gg = store.tag_id_named("Gilmore Girls").await.unwrap();
    let draft = store
        .post_work(
            writer,
            &[pen],
            &work("Draft First"),
            Visibility::Draft,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    let gg = match gg {
        Some(id) => id,
        None => store.tag_id_named("Gilmore Girls").await.unwrap().unwrap(),
    };
    store.subscribe(tagfan, Followed::Tag(gg)).await.unwrap();
    assert!(kinds(store, fan).await.is_empty());
    store
        .set_visibility(draft, Visibility::Public)
        .await
        .unwrap();
    assert_eq!(kinds(store, fan).await, [NoticeKind::Work]);
    assert_eq!(kinds(store, tagfan).await, [NoticeKind::Work]);

    // A posted work given to a friend, with a co-creator invited; its new chapter tells
    // the creator's and the work's subscriber once.
    let id = store
        .post_work_for(
            writer,
            &[pen],
            &work("Second"),
            Visibility::Public,
            CommentPolicy::Anyone,
            &["friend".to_owned()],
            &["cowriter".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(kinds(store, friend).await, [NoticeKind::Gift]);
    assert_eq!(kinds(store, cowriter).await, [NoticeKind::CoCreator]);
    store.subscribe(fan, Followed::Work(id)).await.unwrap();
    let chapter = Chapter {
        body: Html::from_plain_text("More coffee."),
        ..Chapter::default()
    };
    store.add_chapter(id, &chapter).await.unwrap();
    assert_eq!(
        kinds(store, fan).await,
        [NoticeKind::Work, NoticeKind::Work, NoticeKind::Chapter]
    );
    let newest = &store.notices(fan, None, 1).await.unwrap()[0];
    assert_eq!(newest.link, format!("/works/{}/chapters/2", id.0));
    assert_eq!(newest.actor.as_deref(), Some("writer"));
    assert_eq!(newest.title, "Second");
    assert!(
        kinds(store, writer).await.is_empty(),
        "not told of their own doing"
    );

    // A public bookmark tells the creator; a private one, or an edit, does not.
    let empty = Html::from_plain_text("");
    let bookmark = |private| NewBookmark {
        notes: &empty,
        tags: "",
        private,
        rec: false,
    };
    store
        .save_bookmark(friend, id, &bookmark(true))
        .await
        .unwrap();
    store
        .save_bookmark(fan, id, &bookmark(false))
        .await
        .unwrap();
    store
        .save_bookmark(fan, id, &bookmark(false))
        .await
        .unwrap();
    assert_eq!(kinds(store, writer).await, [NoticeKind::Bookmark]);

    // A report hidden by an admin: the reporter hears what came of it, the creator that
    // the work is hidden.
    let report = store
        .create_report(Some(fan), Reported::Work(id), "Not fit")
        .await
        .unwrap();
    store
        .act_on_report(report, admin, ReportAction::HideWork)
        .await
        .unwrap();
    let told = store.notices(fan, None, 1).await.unwrap().remove(0);
    assert_eq!(told.kind, NoticeKind::Moderation);
    assert!(told.detail.contains("hidden"), "{}", told.detail);
    assert_eq!(
        kinds(store, writer).await,
        [NoticeKind::Bookmark, NoticeKind::Moderation]
    );

    // Read, unread, deleted: only one's own.
    let ids: Vec<i64> = store
        .notices(fan, None, 100)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(store.unread_notices(fan).await.unwrap(), ids.len() as u64);
    assert_eq!(store.mark_notices(writer, &ids, true).await.unwrap(), 0);
    assert_eq!(store.mark_notices(fan, &ids[..1], true).await.unwrap(), 1);
    assert_eq!(
        store.unread_notices(fan).await.unwrap(),
        ids.len() as u64 - 1
    );
    assert_eq!(
        store.mark_notices(fan, &[], true).await.unwrap(),
        ids.len() as u64 - 1
    );
    assert_eq!(store.delete_notices(writer, &ids).await.unwrap(), 0);
    assert_eq!(store.delete_notices(fan, &ids[..2]).await.unwrap(), 2);
    assert_eq!(
        store.notices(fan, None, 100).await.unwrap().len(),
        ids.len() - 2
    );
    // A reply held for approval reaches the comment's author once approved.
    let moderated = store
        .post_work(
            writer,
            &[pen],
            &work("Moderated"),
            Visibility::Public,
            CommentPolicy::Moderated,
        )
        .await
        .unwrap();
    let fan_pen = store.pseuds_of(fan).await.unwrap()[0].id;
    let body = Html::from_plain_text("First!");
    let say = |parent, pending| ajar_store::NewComment {
        work: moderated,
        chapter: 1,
        parent,
        author: ajar_store::CommentAuthor::User {
            user: writer,
            pseud: pen,
        },
        body: &body,
        pending,
    };
    let first = store
        .add_comment(&ajar_store::NewComment {
            author: ajar_store::CommentAuthor::User {
                user: fan,
                pseud: fan_pen,
            },
            ..say(None, false)
        })
        .await
        .unwrap();
    let reply = store.add_comment(&say(Some(first), true)).await.unwrap();
    let replies =
        |kinds: Vec<NoticeKind>| kinds.iter().filter(|k| **k == NoticeKind::Reply).count();
    assert_eq!(replies(kinds(store, fan).await), 0, "not while it waits");
    store.approve_comment(reply).await.unwrap();
    assert_eq!(replies(kinds(store, fan).await), 1);

    // Nobody here confirmed an address: nothing is to be mailed.
    assert!(store.notices_to_mail(100).await.unwrap().is_empty());
}

fn mail(key: &str, to: &str) -> NewMail {
    NewMail {
        event_key: key.to_owned(),
        user: None,
        to_name: String::new(),
        to_address: to.to_owned(),
        kind: "test".to_owned(),
        subject: format!("About {key}"),
        text_body: "text".to_owned(),
        html_body: "<p>html</p>".to_owned(),
        unsubscribe: None,
    }
}

async fn settings_tokens_and_confirmation(store: Store) {
    let store = &store;
    let (ann, pen) = account(store, "ann").await;
    let (bea, _) = account(store, "bea").await;
    assert_eq!(
        store.mail_prefs(ann).await.unwrap(),
        NoticeCategory::ALL.map(|c| (c, c.default_mode())).to_vec()
    );
    store
        .set_mail_pref(ann, NoticeCategory::Kudos, MailMode::Now)
        .await
        .unwrap();
    let token = store.ensure_mail_token(ann, "token-of-ann").await.unwrap();
    assert_eq!(
        store.ensure_mail_token(ann, "another").await.unwrap(),
        token
    );
    assert_eq!(
        store
            .unsubscribe_by_token("token-of-ann", NoticeCategory::Comments)
            .await
            .unwrap(),
        Some(ann)
    );
    assert_eq!(
        store
            .unsubscribe_by_token("nobody's", NoticeCategory::Comments)
            .await
            .unwrap(),
        None
    );
    let prefs = store.mail_prefs(ann).await.unwrap();
    assert!(prefs.contains(&(NoticeCategory::Comments, MailMode::Off)));
    assert!(prefs.contains(&(NoticeCategory::Kudos, MailMode::Now)));

    // Confirming: the address is ann's own, then a change to one bea takes meanwhile.
    assert_eq!(store.email_state(ann).await.unwrap(), (false, None));
    store
        .start_email_confirmation(
            ann,
            "ann@example.org",
            "hash-1",
            chrono::Utc::now() + chrono::Duration::hours(1),
            &[mail("confirm:1", "ann@example.org")],
        )
        .await
        .unwrap();
    assert_eq!(
        store.confirm_email("hash-1").await.unwrap().map(|(u, _)| u),
        Some(ann)
    );
    assert_eq!(store.confirm_email("hash-1").await.unwrap(), None, "spent");
    assert_eq!(store.email_state(ann).await.unwrap(), (true, None));
    store
        .start_email_confirmation(
            ann,
            "taken@example.org",
            "hash-2",
            chrono::Utc::now() + chrono::Duration::hours(1),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store.email_state(ann).await.unwrap(),
        (true, Some("taken@example.org".to_owned()))
    );
    store.set_email(bea, "taken@example.org").await.unwrap();
    assert!(matches!(
        store.confirm_email("hash-2").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.user(ann).await.unwrap().unwrap().email,
        "ann@example.org"
    );
    // An expired link confirms nothing.
    store
        .start_email_confirmation(
            ann,
            "new@example.org",
            "hash-3",
            chrono::Utc::now() - chrono::Duration::seconds(1),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(store.confirm_email("hash-3").await.unwrap(), None);

    // A reset link the archive mailed confirms the address it went to when spent; one an
    // operator printed does not.
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    store
        .create_password_reset("printed", bea, soon)
        .await
        .unwrap();
    store
        .reset_password("printed", "new-hash")
        .await
        .unwrap()
        .unwrap();
    assert!(!store.email_state(bea).await.unwrap().0);
    store
        .mail_password_reset("mailed", bea, soon, &mail("reset:1", "taken@example.org"))
        .await
        .unwrap();
    store
        .reset_password("mailed", "newer-hash")
        .await
        .unwrap()
        .unwrap();
    assert!(store.email_state(bea).await.unwrap().0);

    // Confirmed, ann's kudos are mailed at once, queued once however often it is asked.
    let id = store
        .post_work(
            ann,
            &[pen],
            &work("Kudos"),
            Visibility::Public,
            CommentPolicy::Anyone,
        )
        .await
        .unwrap();
    store
        .leave_kudos(id, ajar_store::Kudoser::User(bea))
        .await
        .unwrap();
    let due = store.notices_to_mail(10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].user, ann);
    assert_eq!(due[0].notice.kind, NoticeKind::Kudos);
    let batch = vec![(vec![due[0].notice.id], mail("notice:x", "ann@example.org"))];
    assert_eq!(store.queue_notice_mails(&batch).await.unwrap(), 1);
    assert_eq!(
        store.queue_notice_mails(&batch).await.unwrap(),
        0,
        "mailed once"
    );
    assert!(store.notices_to_mail(10).await.unwrap().is_empty());

    // Kudos in the digest: due once the oldest waiting one is older than the window, and
    // not again once the digest is queued; deleting what waits ends the wait.
    store
        .set_mail_pref(ann, NoticeCategory::Kudos, MailMode::Digest)
        .await
        .unwrap();
    let (cal, _) = account(store, "cal").await;
    store
        .leave_kudos(id, ajar_store::Kudoser::User(cal))
        .await
        .unwrap();
    let hour = chrono::Duration::hours(1);
    assert!(store
        .digests_due(chrono::Utc::now() - hour, 10)
        .await
        .unwrap()
        .is_empty());
    let due = store
        .digests_due(chrono::Utc::now() + hour, 10)
        .await
        .unwrap();
    assert_eq!(due.iter().map(|d| d.user).collect::<Vec<_>>(), [ann]);
    let waiting = store.digest_notices(ann, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    let digest = NewMail {
        kind: "digest".to_owned(),
        user: Some(ann),
        ..mail("digest:1", "ann@example.org")
    };
    let ids = waiting.iter().map(|n| n.id).collect();
    assert_eq!(store.queue_notice_mails(&[(ids, digest)]).await.unwrap(), 1);
    assert!(store
        .digests_due(chrono::Utc::now() + hour, 10)
        .await
        .unwrap()
        .is_empty());
    let (dee, _) = account(store, "dee").await;
    store
        .leave_kudos(id, ajar_store::Kudoser::User(dee))
        .await
        .unwrap();
    assert_eq!(
        store
            .digests_due(chrono::Utc::now() + hour, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let waiting: Vec<i64> = store
        .digest_notices(ann, 10)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    store.delete_notices(ann, &waiting).await.unwrap();
    assert!(store
        .digests_due(chrono::Utc::now() + hour, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn two_senders_never_claim_the_same_mail(store: Store) {
    let store = &store;
    for i in 0..30 {
        assert!(store
            .queue_mail(&mail(&format!("m{i}"), "x@example.org"))
            .await
            .unwrap());
    }
    assert!(!store
        .queue_mail(&mail("m0", "x@example.org"))
        .await
        .unwrap());
    let lease = chrono::Duration::minutes(5);
    let (a, b) = tokio::join!(
        store.claim_mail("node-a", lease, 20),
        store.claim_mail("node-b", lease, 20)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 30);
    assert!(a.iter().all(|m| b.iter().all(|n| n.id != m.id)), "disjoint");
    // Leased mail is not due; a failure comes back when its retry is due; giving up ends it.
    assert!(!store.mail_due().await.unwrap());
    store.mail_sent(a[0].id).await.unwrap();
    store
        .mail_failed(
            a[1].id,
            "451 try later",
            Some(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .await
        .unwrap();
    store
        .mail_failed(a[2].id, "550 no such user", None)
        .await
        .unwrap();
    let again = store.claim_mail("node-c", lease, 20).await.unwrap();
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [a[1].id]);
    assert_eq!(again[0].attempts, 1);
    let counts = store.outbox_counts().await.unwrap();
    assert_eq!(
        (counts.pending, counts.failed, counts.sent_last_day),
        (28, 1, 1)
    );
    assert!(store.retry_mail(a[2].id).await.unwrap());
    assert!(
        !store.retry_mail(a[0].id).await.unwrap(),
        "a sent mail is not retried"
    );
    // Sent mail is kept a while, then deleted; nothing unsent is.
    let hour = chrono::Duration::hours(1);
    let earlier = store.prune_sent_mail(chrono::Utc::now() - hour).await;
    assert_eq!(earlier.unwrap(), 0);
    let later = store.prune_sent_mail(chrono::Utc::now() + hour).await;
    assert_eq!(later.unwrap(), 1);
    let failed = store
        .outbox(ajar_store::OutboxState::Pending, 100)
        .await
        .unwrap();
    assert!(failed
        .iter()
        .any(|m| m.id == a[2].id && m.last_error.as_deref() == Some("550 no such user")));
}
