//! Rate limits: at most N events per key in a sliding window, kept in memory on each node.
//!
//! Limits guard against floods (password guessing, spam sign-ups, comment and posting
//! storms); a few more events getting through when several nodes each count their own share
//! does not defeat that, and keeps limits free of database writes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What is limited, with its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    /// Failed log-ins, per client address and per (account name, client address).
    Login,
    Signup,
    Comment,
    /// New works and chapters.
    Post,
    /// Reports (of works and comments).
    Report,
}

impl Action {
    /// (events, window)
    fn allowance(self) -> (usize, Duration) {
        match self {
            Action::Login => (10, Duration::from_secs(15 * 60)),
            Action::Signup => (5, Duration::from_secs(60 * 60)),
            Action::Comment => (10, Duration::from_secs(60)),
            Action::Post => (30, Duration::from_secs(60 * 60)),
            Action::Report => (10, Duration::from_secs(60 * 60)),
        }
    }

    /// What a reader who hit the limit is told.
    fn message(self, wait: Duration) -> String {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let what = match self {
            Action::Login => "Too many failed log-in attempts",
            Action::Signup => "Too many sign-ups from your address",
            Action::Comment => "You are commenting too fast",
            Action::Post => "You are posting too fast",
            Action::Report => "Too many reports from you",
        };
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!("{what}. Please wait {minutes} {unit} and try again.")
    }
}

/// When each key's recent events happened, oldest first.
type Events = HashMap<(Action, String), VecDeque<Instant>>;

#[derive(Clone)]
pub(crate) struct Limits {
    events: Arc<Mutex<Events>>,
    /// `AJAR_RATE_LIMITS=off` turns limits off (for load tests); on by default.
    enabled: bool,
}

impl Limits {
    pub(crate) fn from_env() -> Limits {
        let enabled = !std::env::var("AJAR_RATE_LIMITS").is_ok_and(|v| v.trim() == "off");
        Limits {
            events: Arc::default(),
            enabled,
        }
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
    }

    /// [`Self::check`] then [`Self::record`]: for actions counted whether or not they succeed.
    pub(crate) fn hit(&self, action: Action, key: &str) -> Result<(), crate::Error> {
        self.check(action, key)?;
        self.record(action, key);
        Ok(())
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
    fn the_eleventh_failed_login_is_refused() {
        let limits = Limits {
            events: Arc::default(),
            enabled: true,
        };
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
}
