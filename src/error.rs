//! The one error type of the core: a stable `code`, the JS option path at fault (`field`), a
//! one-sentence `hint`, and what AWS said (status, request ID). Secrets never enter it.
//!
//! `kind` decides which JS class the wasm layer throws (`ConfigError`, `AwsError`, `NetworkError`,
//! `StreamError`). AWS error codes pass through verbatim; our own codes are UPPER_SNAKE.

use std::fmt;

/// Which JS error class an [`Error`] becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input, found before any request was sent.
    Config,
    /// Bad argument type from JS (a number where a string is needed): a `TypeError`.
    Type,
    /// AWS answered with an error.
    Aws,
    /// No answer: connection failed, aborted or timed out.
    Network,
    /// A stream broke mid-way.
    Stream,
}

/// A typed error with everything a user needs to fix the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    pub kind: ErrorKind,
    pub code: String,
    pub message: String,
    pub hint: String,
    pub field: Option<String>,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub retryable: bool,
}

impl Error {
    /// The common shape: no field, status or request ID, not retryable.
    fn new(kind: ErrorKind, code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error {
            kind,
            code: code.to_string(),
            message: message.into(),
            hint: hint.into(),
            field: None,
            status: None,
            request_id: None,
            retryable: false,
        }
    }

    /// Bad configuration or input, caught before any request.
    pub fn config(code: &str, field: &str, message: impl Into<String>, hint: &str) -> Self {
        Error::new(ErrorKind::Config, code, message, hint).with_field(field)
    }

    /// A JS argument of the wrong type.
    pub fn type_error(field: &str, expected: &str) -> Self {
        Error::new(ErrorKind::Type, "INVALID_ARGUMENT_TYPE", format!("{field} must be {expected}"), format!("Pass {expected} as `{field}`."))
            .with_field(field)
    }

    /// A required option is missing (thrown as `TypeError`, as aws4fetch does).
    pub fn missing(field: &str) -> Self {
        Error::new(ErrorKind::Type, "INVALID_ARGUMENT_TYPE", format!("{field} is a required option"), format!("Set `{field}`."))
            .with_field(field)
    }

    /// The request never got an answer (retryable unless the caller aborted it).
    pub fn network(code: &str, message: impl Into<String>, hint: &str) -> Self {
        Error { retryable: code != "ABORTED", ..Error::new(ErrorKind::Network, code, message, hint) }
    }

    /// A stream that broke mid-way (framing, CRC, an exception frame).
    pub fn stream(code: &str, message: impl Into<String>, hint: &str) -> Self {
        Error::new(ErrorKind::Stream, code, message, hint)
    }

    /// A network failure's system code (`ECONNREFUSED`, `ENOTFOUND`, …), which
    /// [`Error::network_with_cause`] puts at the end of the message; JS shows it as `cause.code`.
    pub fn cause_code(&self) -> Option<&str> {
        if !matches!(self.kind, ErrorKind::Network | ErrorKind::Stream) {
            return None;
        }
        let code = self.message.strip_suffix(')')?.rsplit_once(" (")?.1;
        let system = code.len() >= 2 && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        system.then_some(code)
    }

    /// A network error whose cause has a system code: `message (CODE)`.
    pub fn network_with_cause(code: &str, message: &str, cause: Option<&str>, hint: &str) -> Self {
        match cause {
            Some(c) => Error::network(code, format!("{message} ({c})"), hint),
            None => Error::network(code, message, hint),
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_option_reads_like_aws4fetch() {
        let e = Error::missing("region");
        assert_eq!(e.kind, ErrorKind::Type);
        assert_eq!(e.message, "region is a required option");
        assert_eq!(e.field.as_deref(), Some("region"));
    }

    #[test]
    fn display_is_code_and_message() {
        let e = Error::config("INVALID_ROLE_ARN", "assumeRole.roleArn", "bad", "fix it");
        assert_eq!(e.to_string(), "INVALID_ROLE_ARN: bad");
    }

    #[test]
    fn cause_codes_ride_at_the_end_of_network_messages() {
        let e = Error::network_with_cause("NETWORK", "fetch failed", Some("ECONNREFUSED"), "h");
        assert_eq!((e.message.as_str(), e.cause_code()), ("fetch failed (ECONNREFUSED)", Some("ECONNREFUSED")));
        assert_eq!(Error::network("NETWORK", "fetch failed", "h").cause_code(), None);
        assert_eq!(Error::config("X", "f", "bad (ECONNREFUSED)", "h").cause_code(), None);
    }

    #[test]
    fn aborted_is_not_retryable_but_timeouts_are() {
        assert!(!Error::network("ABORTED", "m", "h").retryable);
        assert!(Error::network("TIMEOUT", "m", "h").retryable);
    }
}
