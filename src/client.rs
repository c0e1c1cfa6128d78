//! One AWS call as a state machine (quinn-proto style): inputs are credentials, responses,
//! network failures and timer expiries; outputs are the next [`Step`]. Every operation of the
//! client goes through it, so each decision is made once, here: it signs each attempt afresh
//! with the client's corrected clock (a long body hashed once, by the runtime where that pays);
//! retries throttling, 5xx and network failures (standard mode, `Retry-After` honoured); on
//! `ExpiredTokenException` asks once for refreshed credentials; on a clock-skew answer sets the
//! client's clock offset and signs again once; names the endpoint setting in network errors; and
//! reports every attempt (`onAttempt`). The wasm layer drives it with `fetch`, `setTimeout` and
//! `crypto.subtle`; nothing here waits or reads a clock.

use crate::clock;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::retry::{self, Decision, RetryPolicy};
use crate::sign::{self, Credentials, KeyCache, Scope, Settings};

/// How a call authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// SigV4 for `service` in `region`.
    SigV4 { region: String, service: String },
    /// A Bedrock API key: `Authorization: Bearer …`, nothing signed.
    Bearer,
}

/// What the driver must do next.
#[derive(Debug)]
pub enum Step {
    /// Hash the body ([`Call::body`]) with the runtime's native SHA-256, then call
    /// `on_payload_digest` (with `None` if the runtime has none or it failed).
    HashPayload,
    /// Call `on_credentials` with credentials; `refresh` = drop cached ones first.
    NeedCredentials { refresh: bool },
    /// Send this request, then call `on_response` or `on_network_error`.
    Send(HttpRequest),
    /// Wait this long, then call `on_timer`.
    Sleep { ms: u64 },
    /// AWS's clock differs from the client's: keep this offset (AWS − client, ms) for every later
    /// call, then call `on_timer` (the request is signed again with the corrected time).
    SetClock { offset_ms: i64 },
    /// The final successful answer.
    Done(HttpResponse),
    /// The final error.
    Fail(Error),
}

/// One attempt's outcome, for the client's `onAttempt` callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptReport {
    pub operation: &'static str,
    pub attempt: u32,
    /// The wait before the next attempt; `None` when there is none.
    pub delay_ms: Option<u64>,
    pub code: Option<String>,
    pub status: Option<u16>,
}

/// Turns an error answer into a typed error (STS's XML or Bedrock's JSON).
pub type ErrorParser = fn(&HttpResponse) -> Error;

pub struct Call {
    request: HttpRequest,
    auth: Auth,
    policy: RetryPolicy,
    parse_error: ErrorParser,
    attempt: u32,
    refreshed: bool,
    clock_corrected: bool,
    /// The body's SHA-256 (hex) from the runtime, reused by every attempt's signature.
    payload_hash: Option<String>,
    operation: &'static str,
    endpoint_field: &'static str,
    report: Option<AttemptReport>,
}

impl Call {
    pub fn new(request: HttpRequest, auth: Auth, policy: RetryPolicy, parse_error: ErrorParser) -> Self {
        Call {
            request,
            auth,
            policy,
            parse_error,
            attempt: 0,
            refreshed: false,
            clock_corrected: false,
            payload_hash: None,
            operation: "call",
            endpoint_field: "endpoint",
            report: None,
        }
    }

    /// The operation's JS name (`invoke`, `assumeRole`, …), for attempt reports.
    pub fn named(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// The option that sets this call's endpoint, named by its network errors.
    pub fn at(mut self, endpoint_field: &'static str) -> Self {
        self.endpoint_field = endpoint_field;
        self
    }

    /// The first step.
    pub fn start(&mut self) -> Step {
        self.start_with(&KeyCache::new())
    }

    /// [`Call::start`] for a signer with `keys`' hashing: a long body is first hashed natively
    /// when [`KeyCache::prefers_native_hash`] says so.
    pub fn start_with(&mut self, keys: &KeyCache) -> Step {
        match self.auth {
            Auth::SigV4 { .. } if keys.prefers_native_hash(self.request.body.len()) => Step::HashPayload,
            Auth::SigV4 { .. } => Step::NeedCredentials { refresh: false },
            Auth::Bearer => self.send_unsigned(),
        }
    }

    /// The request's body (for `HashPayload`).
    pub fn body(&self) -> &[u8] {
        &self.request.body
    }

    /// The runtime's SHA-256 of the body (`None`, or not 32 bytes: it is hashed here instead).
    pub fn on_payload_digest(&mut self, digest: Option<&[u8]>) -> Step {
        self.payload_hash = digest.and_then(sign::payload_hash);
        Step::NeedCredentials { refresh: false }
    }

    /// Signs a fresh copy of the request for this attempt (`now_ms`: the corrected clock).
    pub fn on_credentials(&mut self, credentials: &Credentials, now_ms: u64) -> Step {
        self.on_credentials_with(&mut KeyCache::new(), credentials, now_ms)
    }

    /// [`Call::on_credentials`], reusing the caller's derived signing keys.
    pub fn on_credentials_with(&mut self, keys: &mut KeyCache, credentials: &Credentials, now_ms: u64) -> Step {
        match self.signed(keys, credentials, now_ms) {
            Ok(req) => {
                self.attempt += 1;
                Step::Send(req)
            }
            Err(e) => Step::Fail(e),
        }
    }

    /// The bearer token to put in `Authorization` (API-key clients).
    pub fn with_bearer(mut self, token: &str) -> Self {
        self.request.set_header("authorization", format!("Bearer {token}"));
        self
    }

    /// An answer. `local_ms` is the client's own clock, `offset_ms` the clock offset in use.
    pub fn on_response(&mut self, response: HttpResponse, jitter: f64, local_ms: u64, offset_ms: i64) -> Step {
        if response.is_success() {
            self.report(None, None, Some(response.status));
            return Step::Done(response);
        }
        let mut error = (self.parse_error)(&response);
        let signed = matches!(self.auth, Auth::SigV4 { .. });
        if !signed {
            error = crate::bedrock::for_bearer(error);
        }
        if signed && !self.clock_corrected {
            if let Some(offset) = clock::correction(&response, &error, local_ms, offset_ms) {
                self.clock_corrected = true;
                self.report(Some(0), Some(&error.code), error.status);
                return Step::SetClock { offset_ms: offset };
            }
        }
        if error.code == "ExpiredTokenException" && !self.refreshed && signed {
            self.refreshed = true;
            self.report(Some(0), Some(&error.code), error.status);
            return Step::NeedCredentials { refresh: true };
        }
        let now = clock::corrected(local_ms, offset_ms);
        let retry_after = response.header("retry-after").and_then(|v| retry::retry_after_ms(v, now));
        self.retry_or_fail(error, jitter, retry_after)
    }

    /// No answer: a network error (it names the endpoint setting) or a timeout.
    pub fn on_network_error(&mut self, mut error: Error, jitter: f64) -> Step {
        if error.field.is_none() && error.code != "ABORTED" {
            error.field = Some(self.endpoint_field.to_string());
        }
        self.retry_or_fail(error, jitter, None)
    }

    /// After a `Sleep` or `SetClock`: sign again (the date changed) and resend.
    pub fn on_timer(&mut self) -> Step {
        match self.auth {
            Auth::SigV4 { .. } => Step::NeedCredentials { refresh: false },
            Auth::Bearer => self.send_unsigned(),
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The last attempt's outcome, once (after `on_response` / `on_network_error`).
    pub fn take_report(&mut self) -> Option<AttemptReport> {
        self.report.take()
    }

    fn report(&mut self, delay_ms: Option<u64>, code: Option<&str>, status: Option<u16>) {
        self.report = Some(AttemptReport { operation: self.operation, attempt: self.attempt, delay_ms, code: code.map(String::from), status });
    }

    fn send_unsigned(&mut self) -> Step {
        self.attempt += 1;
        Step::Send(self.request.clone())
    }

    fn retry_or_fail(&mut self, error: Error, jitter: f64, retry_after_ms: Option<u64>) -> Step {
        match retry::decide(self.policy, self.attempt, &error, jitter, retry_after_ms) {
            Decision::RetryAfter { delay_ms } => {
                self.report(Some(delay_ms), Some(&error.code), error.status);
                Step::Sleep { ms: delay_ms }
            }
            Decision::GiveUp => {
                self.report(None, Some(&error.code), error.status);
                Step::Fail(error)
            }
        }
    }

    fn signed(&self, keys: &mut KeyCache, credentials: &Credentials, now_ms: u64) -> Result<HttpRequest> {
        let mut req = self.request.clone();
        if let Auth::SigV4 { region, service } = &self.auth {
            let scope = Scope { region, service, time_ms: now_ms };
            let settings = Settings { payload_hash: self.payload_hash.clone(), ..Settings::default() };
            sign::sign_with(keys, &mut req, credentials, scope, &settings)?;
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bedrock;

    fn call(max_attempts: u32) -> Call {
        let req = HttpRequest::new("POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/a.b/invoke".into());
        let auth = Auth::SigV4 { region: "us-east-1".into(), service: "bedrock".into() };
        Call::new(req, auth, RetryPolicy { max_attempts }, bedrock::parse_error)
    }

    fn creds() -> Credentials {
        Credentials { access_key_id: "ASIA1".into(), secret_access_key: "s".into(), session_token: Some("t".into()), expiration_ms: None }
    }

    fn answer(status: u16, code: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![("x-amzn-errortype".into(), code.into())], body: b"{}".to_vec() }
    }

    #[test]
    fn success_on_first_attempt() {
        let mut c = call(3);
        assert!(matches!(c.start(), Step::NeedCredentials { refresh: false }));
        let Step::Send(req) = c.on_credentials(&creds(), 0) else { panic!() };
        assert_eq!(req.header("x-amz-security-token"), Some("t"));
        assert!(matches!(c.on_response(HttpResponse { status: 200, ..Default::default() }, 0.5, 0, 0), Step::Done(r) if r.status == 200));
        assert_eq!(c.attempts(), 1);
    }

    #[test]
    fn throttling_is_retried_then_gives_up_with_the_aws_error() {
        let mut c = call(3);
        c.start();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_response(answer(429, "ThrottlingException"), 1.0, 0, 0), Step::Sleep { ms: 100 }));
        assert!(matches!(c.on_timer(), Step::NeedCredentials { refresh: false }));
        let Step::Send(second) = c.on_credentials(&creds(), 1_000) else { panic!() };
        assert_eq!(second.header("x-amz-date"), Some("19700101T000001Z"));
        assert!(matches!(c.on_response(answer(503, "ServiceUnavailableException"), 1.0, 0, 0), Step::Sleep { ms: 200 }));
        c.on_timer();
        c.on_credentials(&creds(), 2_000);
        let Step::Fail(e) = c.on_response(answer(429, "ThrottlingException"), 1.0, 0, 0) else { panic!() };
        assert_eq!((e.code.as_str(), e.status, e.retryable), ("ThrottlingException", Some(429), true));
        assert_eq!(c.attempts(), 3);
    }

    #[test]
    fn expired_token_refreshes_credentials_once() {
        let mut c = call(3);
        c.start();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_response(answer(403, "ExpiredTokenException"), 0.0, 0, 0), Step::NeedCredentials { refresh: true }));
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_response(answer(403, "ExpiredTokenException"), 0.0, 0, 0), Step::Fail(e) if e.code == "ExpiredTokenException"));
    }

    #[test]
    fn access_denied_fails_at_once() {
        let mut c = call(3);
        c.start();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_response(answer(403, "AccessDeniedException"), 0.0, 0, 0), Step::Fail(e) if e.code == "AccessDeniedException"));
    }

    #[test]
    fn network_errors_retry_but_aborts_do_not() {
        let mut c = call(2);
        c.start();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_network_error(Error::network("NETWORK", "m", "h"), 0.0), Step::Sleep { ms: 0 }));
        c.on_timer();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_network_error(Error::network("NETWORK", "m", "h"), 0.0), Step::Fail(_)));
        let mut c = call(3);
        c.start();
        c.on_credentials(&creds(), 0);
        assert!(matches!(c.on_network_error(Error::network("ABORTED", "m", "h"), 0.0), Step::Fail(_)));
    }

    #[test]
    fn a_clock_skew_answer_sets_the_offset_and_signs_again_once() {
        let mut c = call(3);
        c.start();
        c.on_credentials(&creds(), 0);
        let mut skewed = answer(403, "InvalidSignatureException");
        skewed.body = br#"{"message":"Signature expired: 19700101T000000Z is now earlier than 19700101T001500Z (19700101T002000Z - 5 min.)"}"#.to_vec();
        assert!(matches!(c.on_response(skewed.clone(), 0.0, 0, 0), Step::SetClock { offset_ms: 1_200_000 }));
        assert_eq!(c.take_report().map(|r| (r.attempt, r.delay_ms, r.code)), Some((1, Some(0), Some("InvalidSignatureException".into()))));
        assert!(matches!(c.on_timer(), Step::NeedCredentials { refresh: false }));
        let Step::Send(again) = c.on_credentials(&creds(), 1_200_000) else { panic!() };
        assert_eq!(again.header("x-amz-date"), Some("19700101T002000Z"));
        let Step::Fail(e) = c.on_response(skewed, 0.0, 0, 1_200_000) else { panic!("corrected only once") };
        assert!(e.hint.contains("clock"));
    }

    #[test]
    fn retry_after_and_attempt_reports() {
        let mut c = call(3).named("invoke");
        c.start();
        c.on_credentials(&creds(), 0);
        let mut throttled = answer(429, "ThrottlingException");
        throttled.headers.push(("retry-after".into(), "2".into()));
        assert!(matches!(c.on_response(throttled, 0.0, 0, 0), Step::Sleep { ms: 2_000 }));
        let r = c.take_report().unwrap();
        assert_eq!((r.operation, r.attempt, r.delay_ms, r.status), ("invoke", 1, Some(2_000), Some(429)));
        assert!(c.take_report().is_none());
    }

    #[test]
    fn network_errors_name_the_endpoint_setting() {
        let mut c = call(1).at("controlEndpoint");
        c.start();
        c.on_credentials(&creds(), 0);
        let Step::Fail(e) = c.on_network_error(Error::network("NETWORK", "m", "h"), 0.0) else { panic!() };
        assert_eq!(e.field.as_deref(), Some("controlEndpoint"));
    }

    fn long_call() -> Call {
        let mut c = call(3);
        c.request.body = vec![b'x'; sign::ASYNC_HASH_MIN];
        c
    }

    fn authorization(step: Step) -> String {
        let Step::Send(req) = step else { panic!("expected a request to send") };
        req.header("authorization").unwrap().to_string()
    }

    #[test]
    fn a_long_body_is_hashed_natively_once_and_every_attempt_signs_with_it() {
        use sha2::{Digest, Sha256};
        let hashed_here = authorization(long_call().on_credentials(&creds(), 0));
        let mut c = long_call();
        assert!(matches!(c.start(), Step::HashPayload));
        let digest = Sha256::digest(c.body());
        assert!(matches!(c.on_payload_digest(Some(&digest)), Step::NeedCredentials { refresh: false }));
        assert_eq!(authorization(c.on_credentials(&creds(), 0)), hashed_here);

        // A (deliberately wrong) digest is what both attempts sign: the body is not hashed again.
        let mut c = long_call();
        c.start();
        c.on_payload_digest(Some(&[0; 32]));
        let first = authorization(c.on_credentials(&creds(), 0));
        assert_ne!(first, hashed_here);
        assert!(matches!(c.on_response(answer(503, "ServiceUnavailableException"), 0.0, 0, 0), Step::Sleep { .. }));
        assert!(matches!(c.on_timer(), Step::NeedCredentials { refresh: false }));
        assert_eq!(authorization(c.on_credentials(&creds(), 0)), first);
    }

    #[test]
    fn without_a_usable_digest_the_body_is_hashed_here() {
        let hashed_here = authorization(long_call().on_credentials(&creds(), 0));
        for digest in [None, Some(&[1u8; 31][..]), Some(&[1u8; 33][..])] {
            let mut c = long_call();
            c.start();
            assert!(matches!(c.on_payload_digest(digest), Step::NeedCredentials { refresh: false }));
            assert_eq!(authorization(c.on_credentials(&creds(), 0)), hashed_here);
        }
    }

    #[test]
    fn short_bodies_synchronous_native_hashes_and_bearer_calls_skip_the_digest() {
        let mut short = call(3);
        short.request.body = vec![b'x'; sign::ASYNC_HASH_MIN - 1];
        assert!(matches!(short.start(), Step::NeedCredentials { refresh: false }));
        let mut synchronous = KeyCache::new();
        synchronous.set_native_sha256(|_| None);
        assert!(matches!(long_call().start_with(&synchronous), Step::NeedCredentials { refresh: false }));
        let req = HttpRequest { body: vec![b'x'; sign::ASYNC_HASH_MIN], ..HttpRequest::new("POST", "https://x/model/a.b/invoke".into()) };
        let mut bearer = Call::new(req, Auth::Bearer, RetryPolicy::default(), bedrock::parse_error).with_bearer("k");
        assert!(matches!(bearer.start(), Step::Send(_)));
    }

    #[test]
    fn bearer_calls_send_without_signing() {
        let req = HttpRequest::new("POST", "https://x/model/a.b/invoke".into());
        let mut c = Call::new(req, Auth::Bearer, RetryPolicy::default(), bedrock::parse_error).with_bearer("bedrock-api-key-abc");
        let Step::Send(sent) = c.start() else { panic!() };
        assert_eq!(sent.header("authorization"), Some("Bearer bedrock-api-key-abc"));
        assert_eq!(sent.header("x-amz-date"), None);
    }
}
