//! When to try a failed request again and how long to wait first. Decides only: it never
//! sleeps, and the jitter (a number in [0, 1)) is an argument.
//!
//! Standard mode, as the AWS SDKs: 3 attempts, exponential backoff with full jitter — the n-th
//! retry waits `jitter × min(20 s, 100 ms × 2ⁿ⁻¹)` — unless the answer carried `Retry-After`,
//! which is honoured up to the same 20 s cap.

use crate::error::Error;

/// Attempts include the first one: `max_attempts = 3` means up to two retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3 }
    }
}

const BASE_DELAY_MS: f64 = 100.0;
const MAX_DELAY_MS: f64 = 20_000.0;

/// AWS error codes that mean "try again later".
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalServerException",
    "InternalFailure",
    "ModelNotReadyException",
    "RequestTimeout",
    "IDPCommunicationError",
];

/// True for throttling and server-side failures.
pub fn is_retryable(status: u16, code: &str) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504) || RETRYABLE_CODES.contains(&code)
}

/// What to do after attempt number `attempt` (1-based) failed with `error`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    RetryAfter { delay_ms: u64 },
    GiveUp,
}

/// `retry_after_ms`: the answer's `Retry-After`, when it had one (see [`retry_after_ms`]).
pub fn decide(policy: RetryPolicy, attempt: u32, error: &Error, jitter: f64, retry_after_ms: Option<u64>) -> Decision {
    if !error.retryable || attempt >= policy.max_attempts {
        return Decision::GiveUp;
    }
    if let Some(ms) = retry_after_ms {
        return Decision::RetryAfter { delay_ms: ms.min(MAX_DELAY_MS as u64) };
    }
    let exp = 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let ceiling = (BASE_DELAY_MS * exp).min(MAX_DELAY_MS);
    Decision::RetryAfter { delay_ms: (jitter.clamp(0.0, 1.0) * ceiling) as u64 }
}

/// `Retry-After` in milliseconds: delta-seconds (RFC 9110: a non-negative integer), or an HTTP
/// date (measured from `now_ms`, the client's corrected clock). Unreadable values are ignored.
pub fn retry_after_ms(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse::<u64>().map_or(u64::MAX, |secs| secs.saturating_mul(1000)));
    }
    crate::clock::parse_http_date_ms(value).map(|at| at.saturating_sub(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn aws(status: u16, code: &str) -> Error {
        Error {
            kind: ErrorKind::Aws,
            code: code.into(),
            message: String::new(),
            hint: String::new(),
            field: None,
            status: Some(status),
            request_id: None,
            retryable: is_retryable(status, code),
        }
    }

    #[test]
    fn throttling_and_5xx_retry_with_growing_delays() {
        let p = RetryPolicy { max_attempts: 5 };
        let e = aws(429, "ThrottlingException");
        assert_eq!(decide(p, 1, &e, 1.0, None), Decision::RetryAfter { delay_ms: 100 });
        assert_eq!(decide(p, 2, &e, 1.0, None), Decision::RetryAfter { delay_ms: 200 });
        assert_eq!(decide(p, 3, &e, 0.5, None), Decision::RetryAfter { delay_ms: 200 });
        assert_eq!(decide(p, 5, &e, 1.0, None), Decision::GiveUp);
        assert_eq!(decide(RetryPolicy { max_attempts: 40 }, 30, &e, 1.0, None), Decision::RetryAfter { delay_ms: 20_000 });
        assert_eq!(decide(p, 1, &aws(500, "InternalServerException"), 0.0, None), Decision::RetryAfter { delay_ms: 0 });
    }

    #[test]
    fn client_errors_never_retry() {
        let p = RetryPolicy::default();
        for (s, c) in [(403, "AccessDeniedException"), (400, "ValidationException"), (404, "ResourceNotFoundException")] {
            assert_eq!(decide(p, 1, &aws(s, c), 1.0, None), Decision::GiveUp);
        }
        assert!(is_retryable(400, "ThrottlingException"));
        assert!(is_retryable(503, "ServiceUnavailableException"));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let e = aws(429, "ThrottlingException");
        assert_eq!(decide(p, 1, &e, 0.0, Some(3_000)), Decision::RetryAfter { delay_ms: 3_000 });
        assert_eq!(decide(p, 1, &e, 0.0, Some(120_000)), Decision::RetryAfter { delay_ms: 20_000 });
        assert_eq!(decide(p, 3, &e, 0.0, Some(1_000)), Decision::GiveUp);
        assert_eq!(retry_after_ms("2", 0), Some(2_000));
        assert_eq!(retry_after_ms(" 5 ", 0), Some(5_000));
        assert_eq!(retry_after_ms("99999999999999999999999", 0), Some(u64::MAX));
        assert_eq!(retry_after_ms("Thu, 01 Jan 1970 00:00:10 GMT", 4_000), Some(6_000));
        assert_eq!(retry_after_ms("soon", 0), None);
        assert_eq!(retry_after_ms("-1", 0), None);
    }

    #[test]
    fn one_attempt_means_no_retry() {
        assert_eq!(decide(RetryPolicy { max_attempts: 1 }, 1, &aws(503, "x"), 1.0, None), Decision::GiveUp);
    }
}
