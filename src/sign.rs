//! SigV4 signing of an [`HttpRequest`] with the `aws-sigv4` crate. The signing time is an
//! argument (epoch milliseconds from JS): the core never reads a clock.
//!
//! Defaults follow the AWS SDKs for non-S3 services: the path is double-encoded in the canonical
//! request (`%3A` → `%253A`), normalized, and the session token is signed.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign as sigv4_sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody,
    SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::error::{Error, Result};
use crate::http::HttpRequest;

/// AWS credentials. `Debug` shows the access key ID only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Epoch milliseconds, for temporary credentials.
    pub expiration_ms: Option<u64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("session_token", &self.session_token.as_ref().map(|_| "[redacted]"))
            .field("expiration_ms", &self.expiration_ms)
            .finish()
    }
}

/// Where the signature goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Headers,
    Query,
}

/// The JS `settings` of `signRequest`, mirroring aws-sigv4's `SigningSettings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub double_encode: bool,
    pub normalize_path: bool,
    pub payload_checksum_header: bool,
    pub sign_session_token: bool,
    pub location: Location,
    pub expires_in_secs: Option<u64>,
    pub excluded_headers: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            double_encode: true,
            normalize_path: true,
            payload_checksum_header: false,
            sign_session_token: true,
            location: Location::Headers,
            expires_in_secs: None,
            excluded_headers: Vec::new(),
        }
    }
}

/// Who signs, where and when.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
    pub time_ms: u64,
}

/// Signs `request` in place: adds `x-amz-date`, `authorization`, `x-amz-security-token` (and
/// `x-amz-content-sha256` if asked), or the `X-Amz-*` query parameters for presigning.
pub fn sign(request: &mut HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<()> {
    let identity: Identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "bedrock-connect",
    )
    .into();
    let sigv4_settings = to_sigv4_settings(settings);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(UNIX_EPOCH + Duration::from_millis(scope.time_ms))
        .settings(sigv4_settings)
        .build()
        .map_err(|e| sign_error(&e.to_string()))?
        .into();
    let headers = request.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let signable = SignableRequest::new(&request.method, request.url.as_str(), headers, SignableBody::Bytes(&request.body))
        .map_err(|e| sign_error(&e.to_string()))?;
    let (instructions, _signature) = sigv4_sign(signable, &params).map_err(|e| sign_error(&e.to_string()))?.into_parts();
    let (new_headers, new_params) = instructions.into_parts();
    for header in new_headers {
        request.set_header(header.name(), header.value());
    }
    append_query(&mut request.url, &new_params);
    Ok(())
}

/// `signRequest`: signs a user's request; the `host` header is dropped (the URL carries it).
pub fn sign_request(mut request: HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<HttpRequest> {
    request.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
    for (name, _) in request.headers.iter_mut() {
        name.make_ascii_lowercase();
    }
    sign(&mut request, credentials, scope, settings)?;
    Ok(request)
}

fn to_sigv4_settings(s: &Settings) -> SigningSettings {
    let mut out = SigningSettings::default();
    out.percent_encoding_mode = if s.double_encode { PercentEncodingMode::Double } else { PercentEncodingMode::Single };
    out.uri_path_normalization_mode = UriPathNormalizationMode::from(s.normalize_path);
    out.payload_checksum_kind =
        if s.payload_checksum_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    out.session_token_mode = if s.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
    out.signature_location = match s.location {
        Location::Headers => SignatureLocation::Headers,
        Location::Query => SignatureLocation::QueryParams,
    };
    out.expires_in = s.expires_in_secs.map(Duration::from_secs);
    if !s.excluded_headers.is_empty() {
        let mut excluded = out.excluded_headers.take().unwrap_or_default();
        excluded.extend(s.excluded_headers.iter().map(|h| Cow::Owned(h.to_ascii_lowercase())));
        out.excluded_headers = Some(excluded);
    }
    out
}

fn append_query(url: &mut String, params: &[(&str, Cow<'_, str>)]) {
    for (name, value) in params {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(name);
        url.push('=');
        url.push_str(&percent_encode(value));
    }
}

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sign_error(detail: &str) -> Error {
    Error::config(
        "SIGNING_FAILED",
        "url",
        format!("the request could not be signed: {detail}"),
        "Check that the URL is absolute and well-formed and that header values are visible ASCII.",
    )
}

/// Epoch milliseconds → `SystemTime`, for callers that need one (never `SystemTime::now()`).
pub fn system_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(String::from),
            expiration_ms: None,
        }
    }

    // 2015-08-30T12:36:00Z, the date of the AWS SigV4 test suite.
    const SUITE_TIME: u64 = 1_440_938_160_000;

    #[test]
    fn aws_suite_get_vanilla() {
        let mut r = HttpRequest::new("GET", "https://example.amazonaws.com/".into());
        let scope = Scope { region: "us-east-1", service: "service", time_ms: SUITE_TIME };
        sign(&mut r, &creds(None), scope, &Settings::default()).unwrap();
        assert_eq!(
            r.header("authorization").unwrap(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(r.header("x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(r.header("host"), None);
    }

    #[test]
    fn session_token_is_signed_and_sent() {
        let mut r = HttpRequest::new("GET", "https://example.amazonaws.com/".into());
        let scope = Scope { region: "us-east-1", service: "service", time_ms: SUITE_TIME };
        sign(&mut r, &creds(Some("TOKEN")), scope, &Settings::default()).unwrap();
        assert_eq!(r.header("x-amz-security-token"), Some("TOKEN"));
        assert!(r.header("authorization").unwrap().contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"));
    }

    #[test]
    fn excluded_session_token_is_sent_but_not_signed() {
        let mut r = HttpRequest::new("GET", "https://example.amazonaws.com/".into());
        let scope = Scope { region: "us-east-1", service: "service", time_ms: SUITE_TIME };
        let settings = Settings { sign_session_token: false, ..Settings::default() };
        sign(&mut r, &creds(Some("TOKEN")), scope, &settings).unwrap();
        assert_eq!(r.header("x-amz-security-token"), Some("TOKEN"));
        assert!(r.header("authorization").unwrap().contains("SignedHeaders=host;x-amz-date,"));
    }

    #[test]
    fn presigned_query() {
        let mut r = HttpRequest::new("GET", "https://example.amazonaws.com/?Action=ListUsers".into());
        let scope = Scope { region: "us-east-1", service: "iam", time_ms: SUITE_TIME };
        let settings = Settings { location: Location::Query, expires_in_secs: Some(300), ..Settings::default() };
        sign(&mut r, &creds(None), scope, &settings).unwrap();
        assert!(r.url.starts_with(
            "https://example.amazonaws.com/?Action=ListUsers&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature="
        ), "{}", r.url);
        assert_eq!(r.header("authorization"), None);
    }

    #[test]
    fn payload_checksum_header() {
        let mut r = HttpRequest::new("POST", "https://example.amazonaws.com/".into());
        r.body = b"{}".to_vec();
        let scope = Scope { region: "us-east-1", service: "service", time_ms: SUITE_TIME };
        let settings = Settings { payload_checksum_header: true, ..Settings::default() };
        sign(&mut r, &creds(None), scope, &settings).unwrap();
        assert_eq!(
            r.header("x-amz-content-sha256"),
            Some("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let shown = format!("{:?}", creds(Some("TOKEN")));
        assert!(!shown.contains("wJalr") && !shown.contains("TOKEN"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"));
    }

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(percent_encode("anthropic.claude-3-haiku-20240307-v1:0"), "anthropic.claude-3-haiku-20240307-v1%3A0");
        assert_eq!(percent_encode("a/b c~"), "a%2Fb%20c~");
    }
}
