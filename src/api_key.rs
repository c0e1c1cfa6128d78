//! Short-term Bedrock API keys, built as AWS's token generators build them: a SigV4-presigned
//! `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` (service `bedrock`, the
//! client's region in the scope), query keys sorted, `https://` dropped, `&Version=1` appended,
//! base64 (standard) and the `bedrock-api-key-` prefix. No clock: `now_ms` is an argument.

use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::sign::{self, Credentials, Location, Scope, Settings};

pub const PREFIX: &str = "bedrock-api-key-";
pub const MAX_EXPIRES_IN: u32 = 43_200;
const URL: &str = "https://bedrock.amazonaws.com/?Action=CallWithBearerToken";

/// A minted key. `token` is a secret: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub token: String,
    pub expiration_ms: u64,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("token", &"[redacted]").field("expiration_ms", &self.expiration_ms).finish()
    }
}

/// `expiresIn` seconds, 1–43200, clamped to what is left of the credentials' lifetime.
pub fn effective_expires_in(expires_in: u32, credentials: &Credentials, now_ms: u64) -> Result<u32> {
    if !(1..=MAX_EXPIRES_IN).contains(&expires_in) {
        return Err(Error::config(
            "INVALID_EXPIRES_IN",
            "expiresIn",
            format!("expiresIn {expires_in} is outside 1–{MAX_EXPIRES_IN} seconds"),
            "Use 1 to 43200 seconds (12 hours).",
        ));
    }
    let Some(exp) = credentials.expiration_ms else { return Ok(expires_in) };
    let left = exp.saturating_sub(now_ms) / 1000;
    if left == 0 {
        return Err(Error::config(
            "CREDENTIALS_EXPIRED",
            "credentials",
            "the credentials have expired, so no API key can be minted from them",
            "Refresh the credentials (or let the client assume the role again) and retry.",
        ));
    }
    Ok(expires_in.min(u32::try_from(left).unwrap_or(u32::MAX)))
}

pub fn mint(credentials: &Credentials, region: &str, now_ms: u64, expires_in: u32) -> Result<ApiKey> {
    let expires_in = effective_expires_in(expires_in, credentials, now_ms)?;
    let mut req = HttpRequest::new("POST", URL.to_string());
    let settings = Settings { location: Location::Query, expires_in_secs: Some(expires_in.into()), ..Settings::default() };
    sign::sign(&mut req, credentials, Scope { region, service: "bedrock", time_ms: now_ms }, &settings)?;
    let rest = req.url.strip_prefix("https://").unwrap_or(&req.url);
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut pairs: Vec<sign::Pair<'_>> =
        query.split('&').map(|p| p.split_once('=').unwrap_or((p, ""))).map(|(k, v)| (k.into(), v.into())).collect();
    sign::sort_pairs(&mut pairs, |a, b| a.0.cmp(&b.0));
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let presigned = format!("{base}?{}&Version=1", query.join("&"));
    Ok(ApiKey {
        token: format!("{PREFIX}{}", base64_simd::STANDARD.encode_to_string(presigned)),
        expiration_ms: now_ms + u64::from(expires_in) * 1000,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(expiration_ms: Option<u64>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("TOKEN/+=1".into()),
            expiration_ms,
        }
    }

    const NOW: u64 = 1_764_054_000_000; // 2025-11-25T07:00:00Z

    #[test]
    fn equals_the_aws_token_generator() {
        // npm @aws/bedrock-token-generator 1.1.0 getToken() with the same credentials, region
        // us-west-2, expiresInSeconds 43200 and Date frozen at NOW (tests/js/apikey.test.js re-checks it live).
        let key = mint(&creds(None), "us-west-2", NOW, 43_200).unwrap();
        assert_eq!(
            key.token,
            "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFLSURFWEFNUExFJTJGMjAyNTExMjUlMkZ1cy13ZXN0LTIlMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNTExMjVUMDcwMDAwWiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNlY3VyaXR5LVRva2VuPVRPS0VOJTJGJTJCJTNEMSZYLUFtei1TaWduYXR1cmU9ZWIxZDBmMzkxYzQyZWFkN2YyZjIyYzdlMzlkZjVlNjY4ZDU5MGJkMTlhYWRhM2UwMTM4MWQwMWQwMzMwZjNlOCZYLUFtei1TaWduZWRIZWFkZXJzPWhvc3QmVmVyc2lvbj0x"
        );
        assert_eq!(key.expiration_ms, NOW + 43_200_000);
    }

    #[test]
    fn expiry_is_clamped_to_the_credentials() {
        assert_eq!(effective_expires_in(43_200, &creds(Some(NOW + 3_600_500)), NOW), Ok(3600));
        assert_eq!(effective_expires_in(600, &creds(Some(NOW + 3_600_000)), NOW), Ok(600));
        assert_eq!(effective_expires_in(600, &creds(Some(NOW)), NOW).unwrap_err().code, "CREDENTIALS_EXPIRED");
        for bad in [0, 43_201] {
            let e = effective_expires_in(bad, &creds(None), NOW).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_EXPIRES_IN", Some("expiresIn")));
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let key = mint(&creds(None), "us-east-1", NOW, 60).unwrap();
        assert!(!format!("{key:?}").contains(PREFIX));
    }
}
