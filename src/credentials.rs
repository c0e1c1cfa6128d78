//! The assumed-role credential cache: a state machine the wasm layer drives.
//! `next_action(key, now)` says `Use` (fresh credentials), `Fetch` (you call AssumeRole; everyone
//! else waits) or `Wait` (an AssumeRole is in flight). Credentials are reused until 5 minutes
//! before they expire; a failed AssumeRole is not cached. No clock, no I/O.

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
    InFlight,
    Ready(AssumedRole),
}

#[derive(Debug, Default)]
pub struct Cache {
    entries: HashMap<CacheKey, Entry>,
}

impl Cache {
    /// What to do now for `key`. `Fetch` marks the key in flight: the caller must `complete` it.
    pub fn next_action(&mut self, key: &CacheKey, now_ms: u64) -> Action {
        match self.entries.get(key) {
            Some(Entry::Ready(role)) if now_ms + REFRESH_BEFORE_MS < role.expiration_ms => Action::Use(role.clone()),
            Some(Entry::InFlight) => Action::Wait,
            _ => {
                self.entries.insert(key.clone(), Entry::InFlight);
                Action::Fetch
            }
        }
    }

    /// Ends a `Fetch`: success is cached, failure forgotten (the next call tries again).
    pub fn complete(&mut self, key: &CacheKey, result: Option<AssumedRole>) {
        match result {
            Some(role) => self.entries.insert(key.clone(), Entry::Ready(role)),
            None => self.entries.remove(key),
        };
    }

    /// Drops ready credentials (after `ExpiredTokenException`); an in-flight fetch is left alone.
    pub fn invalidate(&mut self, key: &CacheKey) {
        if matches!(self.entries.get(key), Some(Entry::Ready(_))) {
            self.entries.remove(key);
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
    fn debug_of_cached_credentials_hides_secrets() {
        let mut c = Cache::default();
        let k = key("s");
        c.next_action(&k, 0);
        c.complete(&k, Some(role(HOUR)));
        let shown = format!("{c:?}");
        assert!(shown.contains("ASIA1") && !shown.contains("secret_access_key: \"s\"") && !shown.contains("\"t\""), "{shown}");
    }
}
