//! Clock skew, as the AWS SDKs correct it: when AWS refuses a request for its signing time, or
//! answers a 4xx whose `Date` is more than 5 minutes from the client's clock, the client keeps the
//! offset to AWS's clock, signs again with the corrected time and retries once. Pure: the
//! client's clock and the offset are arguments.

use crate::error::Error;
use crate::http::HttpResponse;

/// Larger differences between AWS's clock and the client's are corrected (AWS accepts 5 minutes).
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

/// Error codes AWS uses for a request signed at the wrong time.
const SKEW_CODES: &[&str] = &[
    "RequestTimeTooSkewed",
    "RequestExpired",
    "RequestInTheFuture",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

/// True for an error that says the request's date is too far from AWS's clock.
pub fn is_time_error(e: &Error) -> bool {
    let m = e.message.as_str();
    e.code == "RequestTimeTooSkewed"
        || e.code == "RequestInTheFuture"
        || (SKEW_CODES.contains(&e.code.as_str())
            && (m.contains("Signature expired") || m.contains("not yet current") || m.contains("too skewed") || m.contains("Request has expired")))
}

/// The new clock offset (AWS's clock − the client's, in ms) an error answer calls for, or `None`.
/// `local_ms` is the client's own clock, `offset_ms` the offset in use.
pub fn correction(response: &HttpResponse, error: &Error, local_ms: u64, offset_ms: i64) -> Option<i64> {
    if !(400..500).contains(&response.status) {
        return None;
    }
    let server_ms = response.header("date").and_then(parse_http_date_ms).or_else(|| server_time_in_message(&error.message))?;
    let offset = server_ms as i64 - local_ms as i64;
    let off_by = (offset - offset_ms).abs();
    (off_by > MAX_SKEW_MS || (is_time_error(error) && off_by > 1000)).then_some(offset)
}

/// The client's clock corrected by `offset_ms`.
pub fn corrected(local_ms: u64, offset_ms: i64) -> u64 {
    (local_ms as i64).saturating_add(offset_ms).max(0) as u64
}

/// The hint of a time error that correction could not fix.
pub fn uncorrectable(mut e: Error) -> Error {
    e.hint = "The request's date is too far from AWS's clock and could not be corrected: set the system clock right \
              (NTP), or fix the `now` option."
        .into();
    e.field = Some("now".into());
    e.retryable = false;
    e
}

/// AWS's time in a signature-time message: `… (20251125T070000Z + 5 min.)` / `(… - 15 min.)`.
fn server_time_in_message(message: &str) -> Option<u64> {
    let inner = message.rsplit_once('(')?.1;
    parse_amz_date_ms(inner.split_whitespace().next()?)
}

/// `20251125T070000Z` → epoch ms.
pub fn parse_amz_date_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<i64>().ok());
    to_ms(num(0..4)?, num(4..6)?, num(6..8)?, num(9..11)?, num(11..13)?, num(13..15)?)
}

/// An IMF-fixdate (`Thu, 03 Dec 2026 21:16:32 GMT`, the `Date` header) → epoch ms.
pub fn parse_http_date_ms(s: &str) -> Option<u64> {
    let rest = s.trim().split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day = parts.next()?.parse::<i64>().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year = parts.next()?.parse::<i64>().ok()?;
    let mut t = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (t.next()??, t.next()??, t.next()??);
    if parts.next() != Some("GMT") {
        return None;
    }
    to_ms(year, month, day, h, m, sec)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn to_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<u64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 || y < 1970 {
        return None;
    }
    let days = crate::sts::days_from_civil(y, mo, d);
    u64::try_from(((days * 24 + h) * 60 + mi) * 60 + s).ok().map(|secs| secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn aws(code: &str, message: &str) -> Error {
        Error { kind: ErrorKind::Aws, status: Some(403), ..Error::config(code, "x", message, "") }
    }

    fn answer(status: u16, date: Option<&str>) -> HttpResponse {
        let headers = date.map(|d| vec![("date".to_string(), d.to_string())]).unwrap_or_default();
        HttpResponse { status, headers, body: Vec::new() }
    }

    const T0: u64 = 1_764_054_000_000; // 2025-11-25T07:00:00Z

    #[test]
    fn dates() {
        assert_eq!(parse_http_date_ms("Tue, 25 Nov 2025 07:00:00 GMT"), Some(T0));
        assert_eq!(parse_amz_date_ms("20251125T070000Z"), Some(T0));
        assert_eq!(parse_http_date_ms("25 Nov 2025"), None);
        assert_eq!(parse_amz_date_ms("2025-11-25"), None);
    }

    #[test]
    fn a_signature_time_error_sets_the_offset_from_the_message_or_date() {
        let e = aws("InvalidSignatureException", "Signature not yet current: 20251125T072000Z is still later than 20251125T070500Z (20251125T070000Z + 5 min.)");
        assert!(is_time_error(&e));
        let twenty_min = 20 * 60_000;
        assert_eq!(correction(&answer(403, None), &e, T0 + twenty_min, 0), Some(-(twenty_min as i64)));
        assert_eq!(correction(&answer(403, Some("Tue, 25 Nov 2025 07:00:00 GMT")), &e, T0 + twenty_min, 0), Some(-(twenty_min as i64)));
    }

    #[test]
    fn any_4xx_with_a_date_far_off_sets_the_offset_but_5xx_and_near_dates_do_not() {
        let e = aws("AccessDeniedException", "no");
        let date = Some("Tue, 25 Nov 2025 07:00:00 GMT");
        assert_eq!(correction(&answer(403, date), &e, T0 - 6 * 60_000, 0), Some(6 * 60_000));
        assert_eq!(correction(&answer(403, date), &e, T0 - 60_000, 0), None);
        assert_eq!(correction(&answer(503, date), &e, T0 - 6 * 60_000, 0), None);
        assert_eq!(correction(&answer(403, date), &e, T0 - 6 * 60_000, 6 * 60_000), None, "already corrected");
    }

    #[test]
    fn corrected_time_and_uncorrectable_hint() {
        assert_eq!(corrected(1000, -400), 600);
        assert_eq!(corrected(1000, -4000), 0);
        let e = uncorrectable(aws("SignatureDoesNotMatch", "Signature expired"));
        assert!(e.hint.contains("clock") && !e.hint.contains("secret"));
    }
}
