//! Kudos: once per account or per guest per work, never on one's own work, and only on
//! works the reader may see. A guest is known by a hash of their `ajar_visitor` cookie (the
//! one hits count by), else of their CSRF token, which every guest who can send a form has;
//! and, as AO3 does, by their address (a hash of it, an IPv6 address by its /64 network), so
//! that clearing cookies does not give another kudos. Only hashes are stored.

use crate::access::visible_work;
use crate::auth::Ctx;
use crate::proxy::client_network;
use crate::{AppState, Error};
use ajar_core::WorkId;
use ajar_store::{KudosOutcome, Kudoser};
use std::net::IpAddr;

/// A guest's kudos key: their visitor cookie if they have one, else their CSRF token,
/// hashed (never stored as is).
fn guest_key(visitor: Option<&str>, ctx: &Ctx) -> String {
    let visitor = visitor.filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    match visitor {
        Some(v) => kudos_hash("visitor", v),
        None => kudos_hash("csrf", &ctx.csrf_token),
    }
}

/// A guest's address key: a hash of the client's network (see `proxy::client_network`).
fn address_key(ip: IpAddr) -> String {
    kudos_hash("address", &client_network(ip).to_string())
}

/// A guest key as stored: a hash of its kind and value (see `hits::domain_hash`).
fn kudos_hash(kind: &str, value: &str) -> String {
    crate::hits::domain_hash("ajar-kudos", &[kind, value])
}

/// Leaves kudos on a work for whoever asks: the one place the rules live (the work must be
/// one they may see, and not their own; once per account, or per guest and address), for
/// the site's button and the API alike. `visitor` is a guest's `ajar_visitor` cookie.
pub(crate) async fn leave(
    state: &AppState,
    ctx: &Ctx,
    visitor: Option<&str>,
    id: WorkId,
) -> Result<KudosOutcome, Error> {
    let access = visible_work(state, ctx, id).await?;
    if access.is_creator(&ctx.viewer) {
        return Err(Error::Forbidden(
            "You can't leave kudos on your own work.".to_owned(),
        ));
    }
    let cookie_key;
    let address;
    let by = match ctx.viewer.user_id() {
        Some(user) => Kudoser::User(user),
        None => {
            cookie_key = guest_key(visitor, ctx);
            address = ctx.ip.map(address_key);
            Kudoser::Guest {
                cookie: &cookie_key,
                address: address.as_deref(),
            }
        }
    };
    let outcome = state.store.leave_kudos(id, by).await?;
    if outcome == KudosOutcome::Left {
        // A quiet write: only this work's pages are forgotten (see `cache`).
        state.pages.forget_work(id);
    }
    Ok(outcome)
}
