//! The assumed-role credential cache: a state machine the wasm layer drives.
//! `next_action(key, now)` says `Use` (fresh credentials), `Fetch` (you call AssumeRole; everyone
//! else waits) or `Wait` (an AssumeRole is in flight). Credentials are refreshed from 5 minutes
//! before they expire; while a refresh is in flight or after it failed, credentials that are still
//! valid stay usable ([`Cache::usable`]), so STS being down never stops a call that holds valid
//! credentials, and an `Expiration` closer than 5 minutes never makes a caller loop: a caller asks
//! for at most one AssumeRole, then takes what is usable. A failed AssumeRole is not cached.
//! No clock, no I/O: `now_ms` is the client's corrected clock.

use std::collections::HashMap;

use crate::sts::{AssumeRole, AssumedRole};

/// Refresh this long before `Expiration`.
pub const REFRESH_BEFORE_MS: u64 = 5 * 60 * 1000;

/// Everything that makes two AssumeRole calls give different credentials (secrets excluded).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub base_access_key_id: String,
    pub params: AssumeRole,
}

#[derive(Debug, Clone)]
pub enum Action {
    Use(AssumedRole),
    Fetch,
    Wait,
}

#[derive(Debug)]
enum Entry {
    /// An AssumeRole is in flight; `previous` are the credentials it replaces (maybe still valid).
    InFlight { previous: Option<AssumedRole> },
    Ready(AssumedRole),
}

#[derive(Debug, Default)]
pub struct Cache {
    entries: HashMap<CacheKey, Entry>,
}

impl Cache {
    /// What to do now for `key`. `Fetch` marks the key in flight: the caller must `complete` it.
    pub fn next_action(&mut self, key: &CacheKey, now_ms: u64) -> Action {
        let previous = match self.entries.get(key) {
            Some(Entry::Ready(role)) if now_ms.saturating_add(REFRESH_BEFORE_MS) < role.expiration_ms => return Action::Use(role.clone()),
            Some(Entry::InFlight { .. }) => return Action::Wait,
            Some(Entry::Ready(role)) => Some(role.clone()),
            None => None,
        };
        self.entries.insert(key.clone(), Entry::InFlight { previous });
        Action::Fetch
    }

    /// Ends a `Fetch`: success is cached; on failure the credentials it was to replace stay
    /// (they may still be valid), or the key is forgotten (the next call tries again).
    pub fn complete(&mut self, key: &CacheKey, result: Option<AssumedRole>) {
        let previous = match self.entries.remove(key) {
            Some(Entry::InFlight { previous }) => previous,
            Some(Entry::Ready(role)) => Some(role),
            None => None,
        };
        if let Some(role) = result.or(previous) {
            self.entries.insert(key.clone(), Entry::Ready(role));
        }
    }

    /// Credentials for `key` that have not expired yet (even inside the refresh window, even
    /// while a refresh is in flight), if any.
    pub fn usable(&self, key: &CacheKey, now_ms: u64) -> Option<AssumedRole> {
        let role = match self.entries.get(key)? {
            Entry::Ready(role) => role,
            Entry::InFlight { previous } => previous.as_ref()?,
        };
        (now_ms < role.expiration_ms).then(|| role.clone())
    }

    /// Drops the credentials (after `ExpiredTokenException`); an in-flight fetch is left alone
    /// but will not fall back on the dropped ones.
    pub fn invalidate(&mut self, key: &CacheKey) {
        match self.entries.get_mut(key) {
            Some(Entry::Ready(_)) => {
                self.entries.remove(key);
            }
            Some(Entry::InFlight { previous }) => *previous = None,
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::Credentials;

    fn key(session: &str) -> CacheKey {
        CacheKey {
            base_access_key_id: "AKIA1".into(),
            params: AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/R".into(),
                external_id: None,
                session_name: session.into(),
                duration_secs: None,
                tags: vec![],
                transitive_tag_keys: vec![],
                source_identity: None,
                sts_region: "us-east-1".into(),
                sts_endpoint: None,
            },
        }
    }

    fn role(expiration_ms: u64) -> AssumedRole {
        AssumedRole {
            credentials: Credentials {
                access_key_id: "ASIA1".into(),
                secret_access_key: "s".into(),
                session_token: Some("t".into()),
                expiration_ms: Some(expiration_ms),
            },
            assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/R/s".into(),
            expiration_ms,
        }
    }

    const HOUR: u64 = 3_600_000;

    #[test]
    fn one_fetch_then_reuse_until_five_minutes_before_expiry() {
        let mut c = Cache::default();
        let k = key("s");
        assert!(matches!(c.next_action(&k, 0), Action::Fetch));
        assert!(matches!(c.next_action(&k, 0), Action::Wait));
        assert!(matches!(c.next_action(&k, 1), Action::Wait));
        c.complete(&k, Some(role(HOUR)));
        assert!(matches!(c.next_action(&k, 0), Action::Use(r) if r.credentials.access_key_id == "ASIA1"));
        assert!(matches!(c.next_action(&k, HOUR - REFRESH_BEFORE_MS - 1), Action::Use(_)));
        assert!(matches!(c.next_action(&k, HOUR - REFRESH_BEFORE_MS), Action::Fetch));
        assert!(matches!(c.next_action(&k, HOUR - REFRESH_BEFORE_MS), Action::Wait));
    }

    #[test]
    fn failures_are_not_cached() {
        let mut c = Cache::default();
        let k = key("s");
        assert!(matches!(c.next_action(&k, 0), Action::Fetch));
        c.complete(&k, None);
        assert!(matches!(c.next_action(&k, 0), Action::Fetch));
    }

    #[test]
    fn keys_are_separate_and_invalidate_drops_ready_only() {
        let mut c = Cache::default();
        let (a, b) = (key("a"), key("b"));
        assert!(matches!(c.next_action(&a, 0), Action::Fetch));
        assert!(matches!(c.next_action(&b, 0), Action::Fetch));
        c.invalidate(&b);
        assert!(matches!(c.next_action(&b, 0), Action::Wait));
        c.complete(&a, Some(role(HOUR)));
        c.invalidate(&a);
        assert!(matches!(c.next_action(&a, 0), Action::Fetch));
    }

    #[test]
    fn valid_credentials_stay_usable_while_a_refresh_is_in_flight_or_failed() {
        let mut c = Cache::default();
        let k = key("s");
        c.next_action(&k, 0);
        c.complete(&k, Some(role(HOUR)));
        let inside_window = HOUR - 60_000;
        assert!(matches!(c.next_action(&k, inside_window), Action::Fetch));
        assert_eq!(c.usable(&k, inside_window).map(|r| r.expiration_ms), Some(HOUR));
        c.complete(&k, None); // STS down
        assert_eq!(c.usable(&k, inside_window).map(|r| r.expiration_ms), Some(HOUR));
        assert!(c.usable(&k, HOUR).is_none(), "expired credentials are never usable");
        assert!(matches!(c.next_action(&k, inside_window), Action::Fetch), "the next call tries STS again");
    }

    #[test]
    fn credentials_expiring_inside_the_window_are_used_not_refetched_in_a_loop() {
        let mut c = Cache::default();
        let k = key("s");
        assert!(matches!(c.next_action(&k, 0), Action::Fetch));
        c.complete(&k, Some(role(60_000))); // STS gave one minute
        assert!(c.usable(&k, 0).is_some());
        assert!(matches!(c.next_action(&k, 0), Action::Fetch), "a later call may try once more");
        c.complete(&k, Some(role(30_000)));
        assert!(c.usable(&k, 0).is_some());
    }

    #[test]
    fn invalidate_during_a_refresh_forgets_the_previous_credentials() {
        let mut c = Cache::default();
        let k = key("s");
        c.next_action(&k, 0);
        c.complete(&k, Some(role(HOUR)));
        c.next_action(&k, HOUR - 1000);
        c.invalidate(&k);
        c.complete(&k, None);
        assert!(c.usable(&k, 0).is_none());
    }

    #[test]
    fn debug_of_cached_credentials_hides_secrets() {
        let mut c = Cache::default();
        let k = key("s");
        c.next_action(&k, 0);
        c.complete(&k, Some(role(HOUR)));
        let shown = format!("{c:?}");
        assert!(shown.contains("ASIA1") && !shown.contains("secret_access_key: \"s\"") && !shown.contains("\"t\""), "{shown}");
    }
}
