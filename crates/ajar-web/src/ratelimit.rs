//! Rate limits: at most N events per key in a sliding window, counted in memory.
//!
//! Limits guard against floods (password guessing, spam sign-ups, comment and posting
//! storms). On one node nothing more is needed. When several nodes serve one PostgreSQL
//! database, each also writes its new events to the database about once a second and reads
//! the others' ([`Limits::spawn_sharing`]), so a limit holds across nodes: a flood spread over
//! N nodes gets its allowance, plus at most what the nodes let through in the second before
//! they hear of each other's events. Checks stay in memory, off the database's path.

use ajar_store::{RateEvent, Store};
use chrono::Utc;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What is limited, with its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    /// Failed log-ins (and wrong current passwords), per (account name, client address):
    /// a name alone would let a stranger keep its owner locked out by guessing elsewhere.
    Login,
    /// Failed log-ins per client address, whatever the name: a much larger allowance that
    /// only stops a name that already failed from that address, so one reader's typos
    /// never lock out another account on the same network (see [`Limits::check_login`]).
    LoginAddress,
    Signup,
    Comment,
    /// New works and chapters.
    Post,
    /// Reports (of works and comments).
    Report,
    /// Mailed links asked for (password resets, address confirmations), per visitor and
    /// per address asked about: a form cannot be made to flood someone's mailbox.
    MailLink,
    /// Requests made with one personal access token (API and catalog), whatever they are.
    Token,
}

impl Action {
    const ALL: [Action; 8] = [
        Action::Login,
        Action::LoginAddress,
        Action::Signup,
        Action::Comment,
        Action::Post,
        Action::Report,
        Action::MailLink,
        Action::Token,
    ];

    /// Its name in the shared events table.
    fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginAddress => "login-address",
            Action::Signup => "signup",
            Action::Comment => "comment",
            Action::Post => "post",
            Action::Report => "report",
            Action::MailLink => "mail-link",
            Action::Token => "token",
        }
    }

    fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// (events, window)
    fn allowance(self) -> (usize, Duration) {
        match self {
            Action::Login => (10, Duration::from_secs(15 * 60)),
            Action::LoginAddress => (50, Duration::from_secs(15 * 60)),
            Action::Signup => (5, Duration::from_secs(60 * 60)),
            Action::Comment => (10, Duration::from_secs(60)),
            Action::Post => (30, Duration::from_secs(60 * 60)),
            Action::Report => (10, Duration::from_secs(60 * 60)),
            Action::MailLink => (5, Duration::from_secs(60 * 60)),
            Action::Token => (TOKEN_REQUESTS_PER_MINUTE, Duration::from_secs(60)),
        }
    }

    /// What a reader who hit the limit is told.
    fn message(self, wait: Duration) -> String {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let what = match self {
            Action::Login | Action::LoginAddress => "Too many failed log-in attempts",
            Action::Signup => "Too many sign-ups from your address",
            Action::Comment => "You are commenting too fast",
            Action::Post => "You are posting too fast",
            Action::Report => "Too many reports from you",
            Action::MailLink => "Too many mailed links asked for",
            Action::Token => "Too many requests with this token",
        };
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!("{what}. Please try again in {minutes} {unit}.")
    }
}

/// Requests one personal access token may make a minute: a script or a reader app paging a
/// catalog stays far below; a runaway loop is stopped.
pub(crate) const TOKEN_REQUESTS_PER_MINUTE: usize = 300;

/// What is left of an allowance after an event, for `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    pub(crate) limit: usize,
    pub(crate) remaining: usize,
    /// Seconds until the oldest counted event leaves the window.
    pub(crate) reset_secs: u64,
}

impl Quota {
    /// Sets `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on a response.
    pub(crate) fn set_headers(self, headers: &mut axum::http::HeaderMap) {
        for (name, value) in [
            ("ratelimit-limit", self.limit as u64),
            ("ratelimit-remaining", self.remaining as u64),
            ("ratelimit-reset", self.reset_secs),
        ] {
            headers.insert(name, axum::http::HeaderValue::from(value));
        }
    }
}

/// When each key's recent events happened, oldest first.
type Events = HashMap<(Action, String), VecDeque<Instant>>;

/// Events counted here and not yet written for the other nodes.
type Unshared = Arc<Mutex<Vec<RateEvent>>>;

#[derive(Clone)]
pub(crate) struct Limits {
    events: Arc<Mutex<Events>>,
    /// `AJAR_RATE_LIMITS=off` turns limits off (for load tests); on by default.
    enabled: bool,
    /// Set when the events are shared with other nodes (see [`Limits::spawn_sharing`]).
    unshared: Option<Unshared>,
}

/// How often a node writes its events and reads the others'.
const SHARE_EVERY: Duration = Duration::from_secs(1);

/// How far back a node looks for the others' events each time: a row written with an
/// earlier time (a slow commit) is still read, and read only once.
const SHARE_OVERLAP: Duration = Duration::from_secs(5);

/// The longest window of any action: shared events older than this are deleted.
const LONGEST_WINDOW: Duration = Duration::from_secs(60 * 60);

impl Limits {
    pub(crate) fn from_env() -> Limits {
        let enabled = !std::env::var("AJAR_RATE_LIMITS").is_ok_and(|v| v.trim() == "off");
        Limits::new(enabled)
    }

    fn new(enabled: bool) -> Limits {
        Limits {
            events: Arc::default(),
            enabled,
            unshared: None,
        }
    }

    /// Shares this node's events with the other nodes on `store`'s database, and theirs with
    /// it, until the task is aborted.
    pub(crate) fn spawn_sharing(&mut self, store: Store) -> Option<tokio::task::JoinHandle<()>> {
        if !self.enabled {
            return None;
        }
        let unshared = Unshared::default();
        self.unshared = Some(Arc::clone(&unshared));
        let limits = self.clone();
        Some(tokio::spawn(async move {
            let node = crate::auth::random_token();
            let mut seen: HashMap<i64, Instant> = HashMap::new();
            let mut every = tokio::time::interval(SHARE_EVERY);
            let mut rounds = 0u64;
            // A node that starts hears of every event still inside a window.
            let mut look_back = LONGEST_WINDOW;
            loop {
                every.tick().await;
                let shared = limits
                    .share(&store, &node, &unshared, &mut seen, look_back)
                    .await;
                look_back = SHARE_OVERLAP;
                if let Err(e) = shared {
                    tracing::warn!(error = %e, "cannot share rate-limit events with other nodes");
                }
                rounds += 1;
                if rounds.is_multiple_of(60) {
                    let age = chrono::Duration::from_std(LONGEST_WINDOW).unwrap_or_default();
                    if let Err(e) = store.prune_rate_events(age).await {
                        tracing::warn!(error = %e, "cannot prune old rate-limit events");
                    }
                }
            }
        }))
    }

    /// One round of [`Limits::spawn_sharing`]: writes what is new here, counts what is new
    /// elsewhere (written in the last `look_back`).
    async fn share(
        &self,
        store: &Store,
        node: &str,
        unshared: &Unshared,
        seen: &mut HashMap<i64, Instant>,
        look_back: Duration,
    ) -> Result<(), ajar_store::StoreError> {
        let mine = unshared
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        if let Err(e) = store.share_rate_events(node, &mine).await {
            // Tried again next round rather than lost.
            if let Ok(mut v) = unshared.lock() {
                v.splice(0..0, mine);
            }
            return Err(e);
        }
        let since = Utc::now() - chrono::Duration::from_std(look_back).unwrap_or_default();
        let theirs = store.others_rate_events(node, since).await?;
        let now = Instant::now();
        seen.retain(|_, at| now.duration_since(*at) < SHARE_OVERLAP * 2);
        let Ok(mut events) = self.events.lock() else {
            return Ok(());
        };
        for event in theirs {
            if seen.insert(event.id, now).is_some() {
                continue;
            }
            let Some(action) = Action::from_code(&event.action) else {
                continue;
            };
            let age = (Utc::now() - event.at).to_std().unwrap_or_default();
            let at = now.checked_sub(age).unwrap_or(now);
            let times = events.entry((action, event.key)).or_default();
            // Oldest first, as `check` reads them.
            let place = times.partition_point(|t| *t <= at);
            times.insert(place, at);
        }
        Ok(())
    }

    /// Refuses (with the message to show) when `key` already had its allowance of `action`
    /// in the window; does not count anything.
    pub(crate) fn check(&self, action: Action, key: &str) -> Result<(), crate::Error> {
        if !self.enabled {
            return Ok(());
        }
        let (max, window) = action.allowance();
        let now = Instant::now();
        let Ok(mut events) = self.events.lock() else {
            return Ok(());
        };
        if let Some(times) = events.get_mut(&(action, key.to_owned())) {
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                times.pop_front();
            }
            if times.len() >= max {
                let wait = times
                    .front()
                    .map_or(window, |t| window.saturating_sub(now.duration_since(*t)));
                // Whole seconds, rounded up: a client that waits this long is let through.
                let retry_after_secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                return Err(crate::Error::TooMany {
                    message: action.message(wait),
                    retry_after_secs,
                });
            }
        }
        Ok(())
    }

    /// Whether a log-in for `name_key` (an account name from an address) may be tried from
    /// `address_key`: refused when that name failed too often from there, or when it failed
    /// at all and the address failed too often over every name. A name with no recent
    /// failures is never held back by other names' failures.
    pub(crate) fn check_login(
        &self,
        address_key: &str,
        name_key: &str,
    ) -> Result<(), crate::Error> {
        self.check(Action::Login, name_key)?;
        if self.recent(Action::Login, name_key) > 0 {
            self.check(Action::LoginAddress, address_key)?;
        }
        Ok(())
    }

    /// Counts a failed log-in for the name and for the address.
    pub(crate) fn record_login_failure(&self, address_key: &str, name_key: &str) {
        self.record(Action::Login, name_key);
        self.record(Action::LoginAddress, address_key);
    }

    /// How many events of `action` `key` had within the window.
    fn recent(&self, action: Action, key: &str) -> usize {
        let window = action.allowance().1;
        let now = Instant::now();
        let Ok(events) = self.events.lock() else {
            return 0;
        };
        events.get(&(action, key.to_owned())).map_or(0, |times| {
            times
                .iter()
                .filter(|t| now.duration_since(**t) < window)
                .count()
        })
    }

    /// Counts one event of `action` for `key`.
    pub(crate) fn record(&self, action: Action, key: &str) {
        if !self.enabled {
            return;
        }
        let Ok(mut events) = self.events.lock() else {
            return;
        };
        if events.len() > 100_000 {
            // Forget the oldest windows rather than grow without bound under a flood of keys.
            let now = Instant::now();
            events.retain(|(a, _), times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < a.allowance().1)
            });
        }
        events
            .entry((action, key.to_owned()))
            .or_default()
            .push_back(Instant::now());
        drop(events);
        if let Some(unshared) = &self.unshared {
            if let Ok(mut unshared) = unshared.lock() {
                unshared.push(RateEvent {
                    id: 0,
                    action: action.code().to_owned(),
                    key: key.to_owned(),
                    at: Utc::now(),
                });
            }
        }
    }

    /// [`Self::check`] then [`Self::record`]: for actions counted whether or not they succeed.
    pub(crate) fn hit(&self, action: Action, key: &str) -> Result<(), crate::Error> {
        self.check(action, key)?;
        self.record(action, key);
        Ok(())
    }

    /// Counts an event of `action` for `key` if the allowance has room, and says what is left;
    /// refused (429, with how long to wait) when it has none. With limits off, the whole
    /// allowance is always left.
    pub(crate) fn take(&self, action: Action, key: &str) -> Result<Quota, crate::Error> {
        let (max, window) = action.allowance();
        let full = Quota {
            limit: max,
            remaining: max,
            reset_secs: 0,
        };
        if !self.enabled {
            return Ok(full);
        }
        self.check(action, key)?;
        self.record(action, key);
        let now = Instant::now();
        let Ok(events) = self.events.lock() else {
            return Ok(full);
        };
        let Some(times) = events.get(&(action, key.to_owned())) else {
            return Ok(full);
        };
        let reset = times.front().map_or(Duration::ZERO, |t| {
            window.saturating_sub(now.duration_since(*t))
        });
        Ok(Quota {
            limit: max,
            remaining: max.saturating_sub(times.len()),
            reset_secs: reset.as_secs() + u64::from(reset.subsec_nanos() > 0),
        })
    }

    /// Forgets `key`'s events of `action` (a successful log-in clears its failures).
    pub(crate) fn clear(&self, action: Action, key: &str) {
        if let Ok(mut events) = self.events.lock() {
            events.remove(&(action, key.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_allowance_and_is_told_what_is_left() {
        let limits = Limits::new(true);
        let first = limits.take(Action::Token, "token:1").unwrap();
        assert_eq!(first.limit, TOKEN_REQUESTS_PER_MINUTE);
        assert_eq!(first.remaining, TOKEN_REQUESTS_PER_MINUTE - 1);
        assert!((1..=60).contains(&first.reset_secs));
        for _ in 1..TOKEN_REQUESTS_PER_MINUTE {
            limits.take(Action::Token, "token:1").unwrap();
        }
        match limits.take(Action::Token, "token:1") {
            Err(crate::Error::TooMany {
                retry_after_secs, ..
            }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("the request over the allowance must be refused: {other:?}"),
        }
        assert_eq!(
            limits.take(Action::Token, "token:2").unwrap().remaining,
            TOKEN_REQUESTS_PER_MINUTE - 1,
            "another token has its own allowance"
        );
    }

    #[test]
    fn the_eleventh_failed_login_is_refused() {
        let limits = Limits::new(true);
        for _ in 0..10 {
            limits.check(Action::Login, "ip:1").unwrap();
            limits.record(Action::Login, "ip:1");
        }
        let refused = limits.check(Action::Login, "ip:1").unwrap_err();
        assert!(refused.to_string().contains("failed log-in"));
        assert!(limits.check(Action::Login, "ip:2").is_ok());
        limits.clear(Action::Login, "ip:1");
        assert!(limits.check(Action::Login, "ip:1").is_ok());
    }

    #[test]
    fn an_address_full_of_failures_holds_back_only_the_names_that_failed() {
        let limits = Limits::new(true);
        let fail = |name: &str| {
            limits.check_login("ip:1", name).unwrap();
            limits.record_login_failure("ip:1", name);
        };
        fail("name:walter|ip:1");
        for n in 0..49 {
            fail(&format!("name:guess{}|ip:1", n % 7));
        }
        // 50 failures from the address: names that failed are held back, others are not.
        let refused = limits.check_login("ip:1", "name:walter|ip:1").unwrap_err();
        assert!(
            refused.to_string().contains("try again in 15 minutes"),
            "{refused}"
        );
        assert!(limits.check_login("ip:1", "name:admin|ip:1").is_ok());
        assert!(limits.check_login("ip:2", "name:walter|ip:2").is_ok());
    }
}
