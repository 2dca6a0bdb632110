//! Accounts in the store, on both backends: sign-ups that race for one name.

#![allow(clippy::unwrap_used)]

use ajar_core::Role;
use ajar_store::{NewUser, Store, StoreError};

ajar_store::backend_tests!(simultaneous_sign_ups_with_one_name_get_a_conflict,);

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
