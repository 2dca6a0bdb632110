//! Accounts in the store, on both backends: sign-ups that race for one name; renaming and
//! deleting pseuds; password reset links.

#![allow(clippy::unwrap_used)]

use ajar_core::{Chapter, Html, PseudId, Role, UserId, Work, WorkId};
use ajar_store::{
    CommentAuthor, Followed, NewComment, NewUser, Store, StoreError, TokenScope, MAX_ACCESS_TOKENS,
};

ajar_store::backend_tests!(
    simultaneous_sign_ups_with_one_name_get_a_conflict,
    pseuds_are_renamed_and_deleted_into_the_default_one,
    an_account_has_one_live_reset_link_and_a_new_password_ends_it,
    access_tokens_are_found_by_hash_listed_revoked_and_capped,
);

fn new_user<'a>(name: &'a str, email: &'a str) -> NewUser<'a> {
    NewUser {
        name,
        email,
        password_hash: "not-a-real-hash",
        role: Role::User,
        invitation: None,
    }
}

async fn simultaneous_sign_ups_with_one_name_get_a_conflict(store: Store) {
    // Several rounds, so that on PostgreSQL some pairs pass the "is it taken" check together.
    for round in 0..8 {
        let name = format!("racer{round}");
        let (a, b) = (
            format!("a{round}@example.org"),
            format!("b{round}@example.org"),
        );
        let (one, other) = (new_user(&name, &a), new_user(&name, &b));
        let (first, second) = tokio::join!(store.create_user(&one), store.create_user(&other));
        let (ok, refused) = match (first, second) {
            (Ok(id), Err(e)) | (Err(e), Ok(id)) => (id, e),
            other => panic!("one sign-up must win and one be refused: {other:?}"),
        };
        assert!(store.user(ok).await.unwrap().is_some());
        match refused {
            StoreError::Conflict(message) => assert!(message.contains("is taken"), "{message}"),
            other => panic!("not the friendly conflict: {other:?}"),
        }

        // The same for two sign-ups with one email address.
        let email = format!("shared{round}@example.org");
        let (c, d) = (format!("c{round}"), format!("d{round}"));
        let (one, other) = (new_user(&c, &email), new_user(&d, &email));
        let (first, second) = tokio::join!(store.create_user(&one), store.create_user(&other));
        match (first, second) {
            (Ok(_), Err(StoreError::Conflict(m))) | (Err(StoreError::Conflict(m)), Ok(_)) => {
                assert!(m.contains("email address exists"), "{m}")
            }
            other => panic!("one sign-up must win and one be refused: {other:?}"),
        }
    }
}

async fn sign_up(store: &Store, name: &str) -> UserId {
    let email = format!("{name}@example.org");
    store.create_user(&new_user(name, &email)).await.unwrap()
}

/// A work credited to the pseuds named.
async fn work_by(store: &Store, creators: &[&str]) -> WorkId {
    let mut work = Work {
        title: format!("By {}", creators.join(" and ")),
        creators: creators.iter().map(|c| (*c).to_owned()).collect(),
        chapters: vec![Chapter {
            body: Html::from_plain_text("Text."),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    store.insert_work(&work).await.unwrap()
}

async fn creators(store: &Store, work: WorkId) -> Vec<String> {
    store
        .work_header(work)
        .await
        .unwrap()
        .unwrap()
        .work
        .creators
}

/// A comment on a work's first chapter by `user` under `pseud`.
fn note(work: WorkId, user: UserId, pseud: PseudId, body: &Html) -> NewComment<'_> {
    NewComment {
        work,
        chapter: 1,
        parent: None,
        author: CommentAuthor::User { user, pseud },
        body,
        pending: false,
    }
}

async fn pseuds_are_renamed_and_deleted_into_the_default_one(store: Store) {
    let mara = sign_up(&store, "mara").await;
    let reader = sign_up(&store, "reader").await;
    let other = sign_up(&store, "other").await;
    let quill = store.add_pseud(mara, "Quill").await.unwrap();
    let default = store.pseuds_of(mara).await.unwrap()[0].id;
    let solo = work_by(&store, &["Quill"]).await;
    let both = work_by(&store, &["mara", "Quill"]).await;
    let before = store.work_header(solo).await.unwrap().unwrap().modified_at;

    // Renamed: the works show the new name and changed for pages and the index.
    store.rename_pseud(mara, quill, "Inkwell").await.unwrap();
    assert_eq!(creators(&store, solo).await, vec!["Inkwell".to_owned()]);
    assert!(store.work_header(solo).await.unwrap().unwrap().modified_at > before);
    // Only to a free name, only one's own pseud, never the default one.
    let taken = store.rename_pseud(mara, quill, "READER").await.unwrap_err();
    assert!(
        matches!(&taken, StoreError::Conflict(m) if m.contains("is taken")),
        "{taken:?}"
    );
    assert!(matches!(
        store.rename_pseud(other, quill, "Mine now").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.rename_pseud(mara, default, "Renamed").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.rename_pseud(mara, PseudId(9999), "Nobody").await,
        Err(StoreError::NotFound(_))
    ));
    store.rename_pseud(mara, quill, "inkwell").await.unwrap();

    // A comment under the pseud, and readers subscribed to it (one to both pseuds).
    let body = Html::from_plain_text("Author's note.");
    let comment = store
        .add_comment(&note(solo, mara, quill, &body))
        .await
        .unwrap();
    // Only under one's own pseud.
    let forged = store.add_comment(&note(solo, other, quill, &body)).await;
    assert!(matches!(forged, Err(StoreError::Conflict(_))), "{forged:?}");
    store
        .subscribe(reader, Followed::Creator(quill))
        .await
        .unwrap();
    store
        .subscribe(other, Followed::Creator(quill))
        .await
        .unwrap();
    store
        .subscribe(other, Followed::Creator(default))
        .await
        .unwrap();

    // Not someone else's, not the default.
    assert!(matches!(
        store.delete_pseud(other, quill).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_pseud(mara, default).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.pseuds_of(mara).await.unwrap().len(), 2);

    store.delete_pseud(mara, quill).await.unwrap();
    let left: Vec<String> = store
        .pseuds_of(mara)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(left, vec!["mara".to_owned()]);
    assert_eq!(creators(&store, solo).await, vec!["mara".to_owned()]);
    assert_eq!(creators(&store, both).await, vec!["mara".to_owned()]);
    let moved = store.comment(comment).await.unwrap().unwrap();
    assert_eq!(moved.pseud_name.as_deref(), Some("mara"));
    for user in [reader, other] {
        assert!(store
            .is_subscribed(user, Followed::Creator(default))
            .await
            .unwrap());
        assert!(!store
            .is_subscribed(user, Followed::Creator(quill))
            .await
            .unwrap());
    }
    assert!(store.pseud_by_name("inkwell").await.unwrap().is_none());
}

async fn an_account_has_one_live_reset_link_and_a_new_password_ends_it(store: Store) {
    let user = sign_up(&store, "mulder").await;
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let live = |hash: &'static str| {
        let store = store.clone();
        async move { store.password_reset_user(hash).await.unwrap().is_some() }
    };

    // A new link ends the one made before.
    store
        .create_password_reset("first", user, later)
        .await
        .unwrap();
    store
        .create_password_reset("second", user, later)
        .await
        .unwrap();
    assert!(!live("first").await, "an older link still works");
    assert!(live("second").await);

    // Using the live link spends it; the one it replaced stays dead.
    store
        .create_password_reset("third", user, later)
        .await
        .unwrap();
    assert!(store
        .reset_password("second", "hash-1")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.reset_password("third", "hash-2").await.unwrap(),
        Some(user)
    );
    assert!(!live("third").await);
    assert!(store
        .reset_password("third", "hash-3")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.password_hash(user).await.unwrap().as_deref(),
        Some("hash-2")
    );

    // A password changed on the account page ends a link made before.
    store
        .create_password_reset("fourth", user, later)
        .await
        .unwrap();
    store.set_password(user, "hash-4", None).await.unwrap();
    assert!(!live("fourth").await, "a link outlived a password change");
    assert!(store
        .reset_password("fourth", "hash-5")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.password_hash(user).await.unwrap().as_deref(),
        Some("hash-4")
    );

    // Another account's link is not touched.
    let other = sign_up(&store, "scully").await;
    store
        .create_password_reset("scully's", other, later)
        .await
        .unwrap();
    store
        .create_password_reset("fifth", user, later)
        .await
        .unwrap();
    assert!(live("scully's").await);
}

async fn access_tokens_are_found_by_hash_listed_revoked_and_capped(store: Store) {
    let ann = sign_up(&store, "tokenann").await;
    let bob = sign_up(&store, "tokenbob").await;
    let read = store
        .create_access_token(ann, "e-reader", TokenScope::Read, "hash-read")
        .await
        .unwrap();
    let write = store
        .create_access_token(ann, "script", TokenScope::Write, "hash-write")
        .await
        .unwrap();

    // Found by its hash, for its account and with its scope; a use is noted.
    let found = store.access_token("hash-write").await.unwrap().unwrap();
    assert_eq!(found.account.id, ann);
    assert_eq!(found.scope, TokenScope::Write);
    assert!(!found.suspended);
    assert_eq!(
        store
            .access_token("hash-read")
            .await
            .unwrap()
            .unwrap()
            .scope,
        TokenScope::Read
    );
    assert!(store.access_token("no-such-hash").await.unwrap().is_none());
    let listed = store.access_tokens(ann).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["script", "e-reader"],
        "newest first"
    );
    assert!(listed.iter().all(|t| t.last_used_at.is_some()));
    assert!(store.access_tokens(bob).await.unwrap().is_empty());

    // Only its account revokes it; a revoked token finds nobody.
    assert!(!store.revoke_access_token(bob, read.id).await.unwrap());
    assert!(store.access_token("hash-read").await.unwrap().is_some());
    assert!(store.revoke_access_token(ann, read.id).await.unwrap());
    assert!(store.access_token("hash-read").await.unwrap().is_none());
    assert_eq!(
        store.access_tokens(ann).await.unwrap(),
        vec![{
            let mut w = write.clone();
            w.last_used_at = store.access_tokens(ann).await.unwrap()[0].last_used_at;
            w
        }]
    );

    // A suspended account's token is found as suspended (the web refuses it).
    store.set_suspended(ann, true).await.unwrap();
    assert!(
        store
            .access_token("hash-write")
            .await
            .unwrap()
            .unwrap()
            .suspended
    );

    // At most MAX_ACCESS_TOKENS each; the one over is refused and not kept.
    for i in 0..MAX_ACCESS_TOKENS {
        store
            .create_access_token(bob, &format!("t{i}"), TokenScope::Read, &format!("bob-{i}"))
            .await
            .unwrap();
    }
    match store
        .create_access_token(bob, "one more", TokenScope::Read, "bob-over")
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(m.contains("at most"), "{m}"),
        other => panic!("the token over the cap must be refused: {other:?}"),
    }
    assert!(store.access_token("bob-over").await.unwrap().is_none());
    assert_eq!(
        store.access_tokens(bob).await.unwrap().len() as u64,
        MAX_ACCESS_TOKENS
    );
}
