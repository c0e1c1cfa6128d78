//! Differential test: our signer against `aws_sigv4::http_request::sign` (the implementation
//! `sign.rs` replaced) on thousands of seeded pseudo-random requests: odd methods, paths with
//! `:`/`/`/spaces/unicode/`.`/`..`/`//`, queries with repeated keys and reserved characters,
//! headers with odd whitespace and case, bodies, with and without a session token, every
//! combination of settings, both signature locations. Both must produce the same request (every
//! header, the URL), or both refuse it.

use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

use aws_sigv4::http_request::{
    sign as sigv4_sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::*;

/// The previous `sign`, verbatim: aws-sigv4 does the work.
fn reference(request: &mut HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<()> {
    let identity: Identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "bedrock-connect",
    )
    .into();
    let mut out = SigningSettings::default();
    out.percent_encoding_mode = if settings.double_encode { PercentEncodingMode::Double } else { PercentEncodingMode::Single };
    out.uri_path_normalization_mode = UriPathNormalizationMode::from(settings.normalize_path);
    out.payload_checksum_kind =
        if settings.payload_checksum_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    out.session_token_mode = if settings.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
    out.signature_location = match settings.location {
        Location::Headers => SignatureLocation::Headers,
        Location::Query => SignatureLocation::QueryParams,
    };
    out.expires_in = settings.expires_in_secs.map(Duration::from_secs);
    if !settings.excluded_headers.is_empty() {
        let mut excluded = out.excluded_headers.take().unwrap_or_default();
        excluded.extend(settings.excluded_headers.iter().map(|h| Cow::Owned(h.to_ascii_lowercase())));
        out.excluded_headers = Some(excluded);
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(UNIX_EPOCH + Duration::from_millis(scope.time_ms))
        .settings(out)
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
    let new_params: Vec<(&str, &str)> = new_params.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    append_query(&mut request.url, &new_params);
    Ok(())
}

/// SplitMix64: seeded, so a failure names a case that can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    /// Mostly from `usual`, `percent`% of the time from `odd`.
    fn mostly<'a>(&mut self, usual: &[&'a str], odd: &[&'a str], percent: u64) -> &'a str {
        if self.chance(percent) { self.pick(odd) } else { self.pick(usual) }
    }
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", "X-CUSTOM"];
const SCHEMES: &[&str] = &["https://", "https://", "https://", "http://", "HTTPS://", "Http://"];
const ODD_SCHEMES: &[&str] = &["ftp://", "", "https:/", "h2://"];
const AUTHORITIES: &[&str] = &[
    "example.amazonaws.com",
    "bedrock-runtime.us-east-1.amazonaws.com",
    "localhost:8080",
    "host:443",
    "host:80",
    "host:0443",
    "host:+443",
    "host:",
    "a_b.example~",
    "HOST.Example.COM",
];
const ODD_AUTHORITIES: &[&str] = &[
    "user@host",
    "user:pw@host:443",
    "[::1]:443",
    "[::1]",
    "127.0.0.1:9000",
    "ho%41st",
    "a:b:c",
    "",
];
const SEGMENTS: &[&str] = &[
    "", ".", "..", "a", "model", "invoke", "anthropic.claude-3-haiku-20240307-v1%3A0", "a:b", "ünï", "日本",
    "%2F", "a+b", "~tilde", "*", "$", "'", "@", "{x}", "\"q\"", "|", "a%zz", "!", "...", ".hidden", "x.", "%", "[b]", "^",
    "=", ";", ",",
];
const QUERY_WORDS: &[&str] = &[
    "a", "A", "b", "a", "Action", "k%20", "k+plus", "%E2%9C%93", "é", "", "%zz", "%FF", "%c3%a9", "/", "?", ":",
    "~", "*", "a=b", "X-Amz-Date", "%2B", "'", "{}", "€", "%",
];
const HEADER_NAMES: &[&str] = &[
    "Content-Type", "content-type", "X-Amz-Meta-Foo", "x-amz-meta-foo", "Accept", "host", "Host", "user-agent",
    "User-Agent", "X-Amz-Date", "x-amz-security-token", "x-amz-user-agent", "x-amz-checksum-mode", "X-Custom",
    "transfer-encoding", "x-amzn-trace-id", "Authorization", "x-amz-content-sha256", "\u{212A}ey", "x_under",
    "x!#$%&'*+.^`|~",
];
const ODD_HEADER_NAMES: &[&str] = &["bad name", "", "x-ümlaut", "x:y", "x\ty"];
const HEADER_VALUES: &[&str] = &[
    "application/json", "  padded  ", "a   b  c", "\ttab\t", "ünïcode", "", " ", "x,y", "a  ü  b",
    "bedrock-runtime.us-east-1.amazonaws.com", "v  ", "  ", "a \t b", "20150830T123600Z",
];
const ODD_HEADER_VALUES: &[&str] = &["multi\nline", "\u{7f}", "nul\0", "\r"];
const TOKENS: &[&str] = &["TOKEN", "tok/+=1", "with space", " lead", "ü", "  two  spaces  "];
const ODD_TOKENS: &[&str] = &["bad\nline", "\u{7f}"];
const EXCLUDABLE: &[&str] = &["X-Custom", "accept", "HOST", "x-amz-date", "Content-Type", "x-amz-security-token"];

fn random_url(rng: &mut Rng) -> String {
    let mut url = String::new();
    url.push_str(rng.mostly(SCHEMES, ODD_SCHEMES, 4));
    url.push_str(rng.mostly(AUTHORITIES, ODD_AUTHORITIES, 15));
    if !rng.chance(10) {
        for _ in 0..rng.below(6) {
            url.push('/');
            url.push_str(rng.mostly(SEGMENTS, &["with space", "tab\t", "<>"], 1));
        }
        if rng.chance(20) {
            url.push('/');
        }
    }
    if rng.chance(45) {
        url.push('?');
        for i in 0..rng.below(5) {
            if i > 0 {
                url.push_str(if rng.chance(10) { "&&" } else { "&" });
            }
            url.push_str(rng.mostly(QUERY_WORDS, &["x y", "<"], 1));
            if !rng.chance(15) {
                url.push('=');
                url.push_str(rng.mostly(QUERY_WORDS, &["x y", "<"], 1));
            }
        }
        if rng.chance(10) {
            url.push('&');
        }
    }
    if rng.chance(5) {
        url.push_str("#frag");
    }
    url
}

fn random_case(rng: &mut Rng) -> (HttpRequest, Credentials, String, String, u64, Settings) {
    let mut request = HttpRequest::new(rng.pick(METHODS), random_url(rng));
    for _ in 0..rng.below(6) {
        let name = rng.mostly(HEADER_NAMES, ODD_HEADER_NAMES, 2);
        request.headers.push((name.to_string(), rng.mostly(HEADER_VALUES, ODD_HEADER_VALUES, 2).to_string()));
    }
    let len = if rng.chance(5) { 3000 } else { rng.below(200) };
    request.body = (0..len).map(|_| rng.next() as u8).collect();
    let credentials = Credentials {
        access_key_id: rng.pick(&["AKIDEXAMPLE", "ASIA/odd+id"]).into(),
        secret_access_key: rng.pick(&["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "s", ""]).into(),
        session_token: rng.chance(50).then(|| if rng.chance(80) { "TOKEN/+=" } else { rng.mostly(TOKENS, ODD_TOKENS, 10) }.to_string()),
        expiration_ms: None,
    };
    let region = rng.pick(&["us-east-1", "eu-west-3", "x y"]).to_string();
    let service = rng.pick(&["bedrock", "sts", "service"]).to_string();
    let time_ms = if rng.chance(2) { 253_402_300_800_000 + rng.next() % 1_000_000_000 } else { rng.next() % 253_402_300_800_000 };
    let bits = rng.next();
    let location = if bits & 16 != 0 { Location::Query } else { Location::Headers };
    let settings = Settings {
        double_encode: bits & 1 != 0,
        normalize_path: bits & 2 != 0,
        payload_checksum_header: bits & 4 != 0,
        sign_session_token: bits & 8 != 0,
        location,
        expires_in_secs: (location == Location::Headers && rng.chance(50) || !rng.chance(3)).then(|| rng.next() % 700_000),
        excluded_headers: (0..rng.below(3)).map(|_| rng.pick(EXCLUDABLE).to_string()).collect(),
        payload_hash: None,
    };
    (request, credentials, region, service, time_ms, settings)
}

/// Inputs on which aws-sigv4 panics instead of failing (a URL without a scheme or authority, a
/// presigned URL without an expiry, a time past year 9999); ours returns an error.
fn reference_panics(request: &HttpRequest, settings: &Settings, time_ms: u64) -> bool {
    let no_authority = request.url.parse::<http::Uri>().is_ok_and(|u| u.authority().is_none() || u.scheme().is_none());
    let no_expiry = settings.location == Location::Query && settings.expires_in_secs.is_none();
    no_authority || no_expiry || time_ms >= 253_402_300_800_000
}

#[test]
fn matches_aws_sigv4_on_random_requests() {
    const CASES: usize = 5_000;
    let mut rng = Rng(0x5167_0004);
    let mut cache = KeyCache::new();
    let (mut signed, mut refused, mut pinned, mut slow, mut unsendable) = (0, 0, 0, 0, 0);
    let mut combos = std::collections::HashSet::new();
    for case in 0..CASES {
        let (request, credentials, region, service, time_ms, settings) = random_case(&mut rng);
        let scope = Scope { region: &region, service: &service, time_ms };
        let mut ours = request.clone();
        let our_result = sign_with(&mut cache, &mut ours, &credentials, scope, &settings);
        match fast_url(&request.url) {
            Some(fast) => {
                let uri = request.url.parse::<http::Uri>().expect("the fast path takes only what http::Uri takes");
                let full = slow_url(&uri).expect("absolute");
                let parts = |u: &Url<'_>| (u.scheme == Scheme::Https, u.scheme == Scheme::Http, u.authority.to_string(), u.path.to_string(), u.query.map(String::from));
                assert_eq!(parts(&fast), parts(&full), "{}", request.url);
            }
            None => slow += 1,
        }
        let context = || format!("case {case}: {request:?} {settings:?} token={:?} t={time_ms}", credentials.session_token);
        if reference_panics(&request, &settings, time_ms) {
            assert!(our_result.is_err(), "{}", context());
            pinned += 1;
            continue;
        }
        if our_result.as_ref().is_err_and(|e| e.field.as_deref() == Some("url") && e.message.contains("absolute http(s) URL")) {
            unsendable += 1; // aws-sigv4 signs URLs no request can use (another scheme, `host:abc`)
            continue;
        }
        let mut theirs = request.clone();
        let their_result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reference(&mut theirs, &credentials, scope, &settings)))
            .unwrap_or_else(|_| panic!("aws-sigv4 panicked: {}", context()));
        // Both refuse the same input; ours names the field at fault, so only the codes compare.
        let code = |r: &Result<()>| r.as_ref().err().map(|e| e.code.clone());
        assert_eq!(code(&our_result), code(&their_result), "{}", context());
        if our_result.is_ok() {
            assert_eq!(ours.url, theirs.url, "{}", context());
            assert_eq!(ours.headers, theirs.headers, "{}", context());
            assert_eq!(ours, theirs, "{}", context());
            signed += 1;
            combos.insert((
                settings.double_encode,
                settings.normalize_path,
                settings.payload_checksum_header,
                settings.sign_session_token,
                settings.location == Location::Query,
                credentials.session_token.is_some(),
            ));
        } else {
            refused += 1;
        }
    }
    println!(
        "sigv4 differential: {CASES} cases: {signed} signed identically, {refused} refused by both, \
         {pinned} refused by ours where aws-sigv4 panics, {unsendable} unsendable URLs refused by ours only; {slow} URLs via http::Uri; \
         {} of 64 setting/token combinations signed",
        combos.len()
    );
    assert_eq!(combos.len(), 64);
    assert!(signed > CASES / 2, "too few signed cases: {signed}");
}

#[test]
fn the_key_cache_is_reused_and_bounded() {
    let mut cache = KeyCache::new();
    let creds = |secret: &str| Credentials { access_key_id: "AKID".into(), secret_access_key: secret.into(), session_token: None, expiration_ms: None };
    let sign_at = |cache: &mut KeyCache, secret: &str, time_ms: u64| {
        let mut r = HttpRequest::new("GET", "https://example.amazonaws.com/".into());
        sign_with(cache, &mut r, &creds(secret), Scope { region: "us-east-1", service: "s", time_ms }, &Settings::default()).unwrap();
        let mut fresh = HttpRequest::new("GET", "https://example.amazonaws.com/".into());
        reference(&mut fresh, &creds(secret), Scope { region: "us-east-1", service: "s", time_ms }, &Settings::default()).unwrap();
        assert_eq!(r, fresh);
    };
    sign_at(&mut cache, "a", 0);
    sign_at(&mut cache, "a", 1_000); // same day: a hit
    assert_eq!(cache.len(), 1);
    sign_at(&mut cache, "a", 86_400_000); // next day
    for s in ["b", "c", "d", "e"] {
        sign_at(&mut cache, s, 0);
    }
    assert_eq!(cache.len(), KEY_CACHE_ENTRIES);
    sign_at(&mut cache, "a", 0); // evicted, derived again
    let shown = format!("{cache:?}");
    assert_eq!(shown, "KeyCache { entries: 4 }");
}
