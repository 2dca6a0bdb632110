//! Counting hits without slowing the page: a work page hands its view to [`HitCounter`],
//! which keeps it in memory and writes all views gathered in the last second in one store
//! transaction ([`ajar_store::Store::record_hits`]), where the (work, visitor, day) key
//! refuses repeats. Views not yet written when the server stops are written on the way out.
//!
//! Who a visitor is: the anonymous `ajar_visitor` cookie. A visitor without it (a first
//! visit, or a client that keeps no cookies) is known by a hash of IP address and user agent,
//! and is given a cookie holding that same hash, so the first view and the next ones count
//! as one visitor. Only hashes are stored, never the address.
//!
//! A `304 Not Modified` is counted too: it is a reader opening the page (AO3 counts page
//! loads), and the once-a-day key keeps reloads from inflating the count.
//!
//! A logged-in reader's visits to works, for their history, are gathered the same way and
//! written in the same transaction ([`HitCounter::record_visit`]); reading a reader's history
//! flushes first ([`HitCounter::flush`]), so on this node a reader sees their last visit at
//! once. Marking for later needs no flush: a visit written before or after it leaves the
//! same row.

use crate::prefs::cookie_value;
use ajar_core::{UserId, WorkId};
use ajar_store::{Hit, Store, Visit};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, HeaderValue, Uri};
use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

pub(crate) const VISITOR_COOKIE: &str = "ajar_visitor";

/// How often gathered views are written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Keys remembered as already sent today, so a busy page does not send the same view
/// every second; beyond this many the memory is dropped (the store still refuses repeats).
const MAX_REMEMBERED: usize = 200_000;

/// Gathers views and writes them in batches. Cheap to clone.
#[derive(Clone)]
pub(crate) struct HitCounter {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    pending: Mutex<Pending>,
    flusher: Once,
    /// Serializes flushes (the timer's and an explicit one).
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Pending {
    hits: Vec<Hit>,
    visits: Vec<Visit>,
    day: Option<NaiveDate>,
    /// A 64-bit digest of (work, visitor) per view sent: 200,000 of them hold a few MB
    /// where the keys themselves held tens (a rare collision only skips a view the store
    /// would most likely refuse as a repeat anyway).
    sent: HashSet<u64>,
}

/// Who is viewing, and the cookie to set if they had none.
pub(crate) struct Visitor {
    /// The hashed key stored with their hits.
    key: String,
    /// `Set-Cookie` value when the request carried no visitor cookie.
    pub(crate) set_cookie: Option<HeaderValue>,
}

impl Visitor {
    /// The visitor of a request: its cookie, or its client address (as `proxy` works it out:
    /// a forwarded address only from a trusted proxy, so a reader cannot make up a new
    /// visitor per request) and user agent.
    pub(crate) fn of(headers: &HeaderMap, uri: &Uri, client: Option<IpAddr>) -> Visitor {
        let cookie = cookie_value(headers, VISITOR_COOKIE)
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        if let Some(id) = cookie {
            return Visitor {
                key: hash(&["key", id]),
                set_cookie: None,
            };
        }
        let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
        let agent = headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let id = hash(&["id", &ip, agent]);
        let secure = if is_https(headers, uri) {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{VISITOR_COOKIE}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"
        );
        Visitor {
            key: hash(&["key", &id]),
            set_cookie: HeaderValue::from_str(&cookie).ok(),
        }
    }
}

/// Whether the reader reached us over HTTPS (directly, or through a proxy that says so).
pub(crate) fn is_https(headers: &HeaderMap, uri: &Uri) -> bool {
    uri.scheme_str() == Some("https") || forwarded_https(headers)
}

/// Whether a proxy in front says the reader came over HTTPS (`X-Forwarded-Proto`).
pub(crate) fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// 128 bits of SHA-256 over the parts, as hex.
fn hash(parts: &[&str]) -> String {
    domain_hash("ajar-visitor", parts)
}

/// 128 bits of SHA-256 over a domain (what the hash is for, so that equal values hashed
/// for two purposes differ) and the parts, each after a zero byte, as hex: what the
/// archive keeps of a guest's cookies and address.
pub(crate) fn domain_hash(domain: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(domain.as_bytes());
    for part in parts {
        hasher.update([0]);
        hasher.update(part.as_bytes());
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl HitCounter {
    pub(crate) fn new(store: Store) -> HitCounter {
        HitCounter {
            inner: Arc::new(Inner {
                store,
                pending: Mutex::new(Pending::default()),
                flusher: Once::new(),
                flushing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Notes a view of `work`; it is written within a second.
    pub(crate) fn record(&self, work: WorkId, visitor: &Visitor) {
        self.start_flusher();
        let day = Utc::now().date_naive();
        let Ok(mut pending) = self.inner.pending.lock() else {
            return;
        };
        if pending.day != Some(day) || pending.sent.len() >= MAX_REMEMBERED {
            pending.day = Some(day);
            pending.sent.clear();
        }
        if pending.sent.insert(sent_digest(work, &visitor.key)) {
            pending.hits.push(Hit {
                work,
                visitor: visitor.key.clone(),
                day,
            });
        }
    }

    /// Notes that `user` opened chapter `chapter` of `work`, for their reading history; it is
    /// written within a second, or when their history is next read or changed.
    pub(crate) fn record_visit(&self, user: UserId, work: WorkId, chapter: u32) {
        self.start_flusher();
        if let Ok(mut pending) = self.inner.pending.lock() {
            pending.visits.push(Visit {
                user,
                work,
                chapter,
                at: Utc::now(),
            });
        }
    }

    /// Writes every view and visit gathered so far.
    pub(crate) async fn flush(&self) {
        let _one_at_a_time = self.inner.flushing.lock().await;
        let (hits, visits) = match self.inner.pending.lock() {
            Ok(mut pending) => (
                std::mem::take(&mut pending.hits),
                std::mem::take(&mut pending.visits),
            ),
            Err(_) => return,
        };
        if hits.is_empty() && visits.is_empty() {
            return;
        }
        // History is a convenience, as hits are: a failed batch is logged, not retried.
        if let Err(error) = self.inner.store.record_views(&hits, &visits).await {
            tracing::warn!(%error, views = hits.len(), visits = visits.len(), "could not count hits and visits; dropping them");
        }
    }

    /// The timer that flushes every second, started on the first view (so that building the
    /// router needs no runtime). It stops when nothing but itself holds the counter.
    fn start_flusher(&self) {
        self.inner.flusher.call_once(|| {
            let weak = Arc::downgrade(&self.inner);
            tokio::spawn(async move {
                let mut last_prune: Option<NaiveDate> = None;
                loop {
                    tokio::time::sleep(FLUSH_EVERY).await;
                    let Some(inner) = weak.upgrade() else { break };
                    let counter = HitCounter { inner };
                    counter.flush().await;
                    let today = Utc::now().date_naive();
                    if last_prune != Some(today) {
                        last_prune = Some(today);
                        if let Some(yesterday) = today.pred_opt() {
                            if let Err(error) =
                                counter.inner.store.prune_hits_before(yesterday).await
                            {
                                tracing::warn!(%error, "could not prune old hit records");
                            }
                        }
                        // Expired sessions go the same daily way.
                        if let Err(error) = counter.inner.store.prune_sessions().await {
                            tracing::warn!(%error, "could not prune expired sessions");
                        }
                    }
                }
            });
        });
    }
}

fn sent_digest(work: WorkId, visitor: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one((work.0, visitor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_known_by_cookie_or_by_address_and_agent() {
        let uri: Uri = "/works/1".parse().expect("a URI");
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static("reader/1.0"));
        let peer = IpAddr::from([127, 0, 0, 1]);
        let first = Visitor::of(&headers, &uri, Some(peer));
        // Without a cookie, a made-up forwarded address does not make a new visitor: the
        // client address given is all that counts.
        let mut forged = headers.clone();
        forged.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(Visitor::of(&forged, &uri, Some(peer)).key, first.key);
        assert_ne!(
            Visitor::of(&headers, &uri, Some(IpAddr::from([127, 0, 0, 2]))).key,
            first.key
        );
        let cookie = first
            .set_cookie
            .clone()
            .expect("a new visitor gets a cookie");
        let cookie = cookie.to_str().expect("ASCII");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "{cookie}");
        let id = cookie
            .strip_prefix("ajar_visitor=")
            .and_then(|c| c.split(';').next())
            .expect("a value");
        // The next visit carries the cookie and is the same visitor.
        headers.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_str(&format!("ajar_visitor={id}")).expect("a header"),
        );
        let again = Visitor::of(&headers, &uri, None);
        assert_eq!(again.key, first.key);
        assert!(again.set_cookie.is_none());
        assert!(!first.key.contains("127.0.0.1"));

        let mut https = HeaderMap::new();
        https.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let secure = Visitor::of(&https, &uri, None)
            .set_cookie
            .expect("a cookie");
        assert!(secure.to_str().expect("ASCII").ends_with("; Secure"));
    }
}
