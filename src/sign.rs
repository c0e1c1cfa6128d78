//! SigV4 signing of an [`HttpRequest`]
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>). The signing
//! time is an argument (epoch milliseconds from JS): the core never reads a clock.
//!
//! Defaults follow the AWS SDKs for non-S3 services: the path is double-encoded in the canonical
//! request (`%3A` → `%253A`), normalized, and the session token is signed.
//!
//! The canonical request is built here, in one pre-sized `String`, rather than by `aws-sigv4`
//! (which re-parses the URL and every header through the `http` crate and derives the signing key
//! afresh on each call). `aws-sigv4` stays the reference: `sign/differential.rs` signs thousands
//! of random requests with both and compares every byte. Its rules, matched here:
//! - URL components as `http::Uri` reads them (a fast scanner for plain `http(s)://host[:port]/…`
//!   URLs; anything unusual goes through `http::Uri` itself, so the same URLs are refused);
//! - path: `.`/`..`/empty segments removed (`uri_path_normalization`), then every byte but
//!   `A-Za-z0-9-._~/` percent-encoded again when double-encoding;
//! - query: `application/x-www-form-urlencoded` decoding, RFC 3986 re-encoding, sorted pairs;
//! - headers: names lower-cased, values trimmed of spaces (inner runs collapsed), repeated names
//!   joined with `,`, `host` from the URL authority (without a default port) unless given.
//!
//! The derived signing key (four HMACs) is kept in a [`KeyCache`] keyed by secret, day, region
//! and service; callers that sign repeatedly keep one.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::digest::FixedOutput;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::swar;

#[cfg(test)]
mod differential;

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
    /// The body's SHA-256 in lower-case hex when the runtime hashed it natively (aws-sigv4's
    /// `SignableBody::Precomputed`; the Node entry uses node:crypto); `None` = hash the body here.
    pub payload_hash: Option<String>,
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
            payload_hash: None,
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

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Never signed: aws-sigv4's `SigningSettings::default().excluded_headers`.
const ALWAYS_EXCLUDED: [&str; 4] = ["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];
const TOKEN_HEADER: &str = "x-amz-security-token";
/// `http::Uri`'s limit: longer URLs are refused.
const MAX_URL_LEN: usize = u16::MAX as usize - 1;
const MAX_HEADER_NAME_LEN: usize = u16::MAX as usize;
/// Derived keys kept: a client signs with one or two (role and base credentials) per day.
const KEY_CACHE_ENTRIES: usize = 4;

type HmacSha256 = Hmac<Sha256>;

/// A runtime's own SHA-256 (lower-case hex) for long inputs, injected as rustls takes its crypto
/// provider: node:crypto in Node. `None` from it means: hash here.
pub type NativeSha256 = fn(&[u8]) -> Option<String>;

/// From this many bytes on, a body or canonical request goes to the `NativeSha256` if there is
/// one (below it, the call costs more than hashing here). pkg/common.js uses the same bound to
/// hash `signRequest` bodies before they would cross into wasm.
pub const NATIVE_HASH_MIN: usize = 1024;

/// From this many bytes on, a call's body is hashed by the runtime's asynchronous SHA-256
/// (WebCrypto's `crypto.subtle.digest`) before it is signed, where the runtime has no synchronous
/// native one. Chromium, awaited (2-core EPYC): ≈ 5 µs + ≈ 1 µs per KiB (SHA instructions, a
/// thread hop), against ≈ 1.9 µs per KiB in wasm: about even at 8 KiB inside `invoke()`, ahead
/// from 12 KiB, 85–120 µs saved per call at 64 KiB (bench row 1c). Node's synchronous
/// node:crypto beats its own awaited WebCrypto at every size, so Node never awaits.
pub const ASYNC_HASH_MIN: usize = 8 * 1024;

/// What a signer keeps between signatures: the derived SigV4 signing keys, most recently used
/// first, each keyed by (secret, day, region, service) and stored as a ready-keyed HMAC; and the
/// runtime's native SHA-256, if any. `Debug` shows only how many keys there are.
#[derive(Default)]
pub struct KeyCache {
    entries: Vec<KeyEntry>,
    native_sha256: Option<NativeSha256>,
}

struct KeyEntry {
    secret: String,
    date: [u8; 8],
    region: String,
    service: String,
    mac: HmacSha256,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").field("entries", &self.entries.len()).finish()
    }
}

impl KeyCache {
    pub fn new() -> Self {
        KeyCache::default()
    }

    /// Long inputs are hashed by `native` from now on.
    pub fn set_native_sha256(&mut self, native: NativeSha256) {
        self.native_sha256 = Some(native);
    }

    /// SHA-256 of `data` in lower-case hex: natively when it is long and the runtime can.
    fn sha256_hex(&self, data: &[u8]) -> String {
        let native = self.native_sha256.filter(|_| data.len() >= NATIVE_HASH_MIN);
        native.and_then(|f| f(data)).unwrap_or_else(|| hex(&Sha256::digest(data)))
    }

    /// Whether a body of `len` bytes should be hashed by the runtime's asynchronous SHA-256 before
    /// signing: it is long enough for the await to pay, and there is no synchronous native hash
    /// (faster still, and used when signing).
    pub fn prefers_native_hash(&self, len: usize) -> bool {
        self.native_sha256.is_none() && len >= ASYNC_HASH_MIN
    }

    /// How many derived keys are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keyed HMAC for this scope, derived (and remembered) on a miss.
    fn mac(&mut self, secret: &str, date: &[u8; 8], region: &str, service: &str) -> HmacSha256 {
        let hit = self
            .entries
            .iter()
            .position(|e| e.date == *date && e.secret == secret && e.region == region && e.service == service);
        if let Some(hits) = hit.and_then(|i| self.entries.get_mut(..=i)) {
            hits.rotate_right(1);
            if let Some(e) = self.entries.first() {
                return e.mac.clone();
            }
        }
        let mut key = hmac(&[b"AWS4", secret.as_bytes()].concat(), date);
        for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
            key = hmac(&key, part);
        }
        let mac = keyed(&key);
        let entry = KeyEntry { secret: secret.into(), date: *date, region: region.into(), service: service.into(), mac: mac.clone() };
        self.entries.truncate(KEY_CACHE_ENTRIES - 1);
        self.entries.insert(0, entry);
        mac
    }
}

/// HMAC-SHA256 keyed with `key` (HMAC takes keys of any length: hashed when over the block size).
fn keyed(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize_fixed().into()
}

/// Signs `request` in place: adds `x-amz-date`, `authorization`, `x-amz-security-token` (and
/// `x-amz-content-sha256` if asked), or the `X-Amz-*` query parameters for presigning.
pub fn sign(request: &mut HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<()> {
    sign_with(&mut KeyCache::new(), request, credentials, scope, settings)
}

/// [`sign`], reusing (and filling) `cache`'s derived signing keys.
pub fn sign_with(cache: &mut KeyCache, request: &mut HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<()> {
    let signed = signature(cache, request, credentials, scope, settings)?;
    match settings.location {
        Location::Headers => {
            request.set_header("x-amz-date", signed.date_time);
            request.set_header("authorization", signed.authorization);
            if settings.payload_checksum_header {
                request.set_header("x-amz-content-sha256", signed.payload_hash);
            }
            if let Some(token) = &credentials.session_token {
                request.set_header(TOKEN_HEADER, token.as_str());
            }
        }
        Location::Query => {
            let params = [
                ("X-Amz-Algorithm", ALGORITHM),
                ("X-Amz-Credential", signed.credential.as_str()),
                ("X-Amz-Date", signed.date_time.as_str()),
                ("X-Amz-Expires", signed.expires.as_str()),
                ("X-Amz-SignedHeaders", signed.signed_headers.as_str()),
                ("X-Amz-Signature", signed.signature.as_str()),
                ("X-Amz-Security-Token", credentials.session_token.as_deref().unwrap_or_default()),
            ];
            let n = if credentials.session_token.is_some() { 7 } else { 6 };
            append_query(&mut request.url, params.get(..n).unwrap_or(&params));
        }
    }
    Ok(())
}

/// `signRequest`: signs a user's request as given: the method is upper-cased, header names
/// lower-cased, and the `host` header dropped (the URL carries it).
pub fn sign_request(request: HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<HttpRequest> {
    sign_request_with(&mut KeyCache::new(), request, credentials, scope, settings)
}

/// [`sign_request`] with a [`KeyCache`].
pub fn sign_request_with(cache: &mut KeyCache, mut request: HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<HttpRequest> {
    request.method.make_ascii_uppercase();
    request.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
    for (name, _) in request.headers.iter_mut() {
        name.make_ascii_lowercase();
    }
    sign_with(cache, &mut request, credentials, scope, settings)?;
    Ok(request)
}

/// What signing produced, for the header or query form.
struct Signed {
    date_time: String,
    payload_hash: String,
    signed_headers: String,
    signature: String,
    /// Header form only.
    authorization: String,
    /// Query form only.
    credential: String,
    expires: String,
}

fn signature(cache: &mut KeyCache, request: &HttpRequest, credentials: &Credentials, scope: Scope<'_>, settings: &Settings) -> Result<Signed> {
    check_inputs(request, credentials, &scope)?;
    let stamp = stamp(scope.time_ms).ok_or_else(|| bad_input("signingDate", "is not between the years 1970 and 9999", "Pass a Date (or epoch milliseconds) of the request's time."))?;
    let date_time = ascii(&stamp);
    let day: [u8; 8] = [stamp[0], stamp[1], stamp[2], stamp[3], stamp[4], stamp[5], stamp[6], stamp[7]];
    let date = ascii(&day);
    let query_form = settings.location == Location::Query;
    let expires = match (query_form, settings.expires_in_secs) {
        (false, _) => String::new(),
        (true, Some(secs)) => secs.to_string(),
        (true, None) => return Err(missing_expiry()),
    };
    let slow_uri;
    let url = match fast_url(&request.url) {
        Some(url) => url,
        None => {
            slow_uri = request.url.parse::<http::Uri>().map_err(|_| canonical_error())?;
            slow_url(&slow_uri).ok_or_else(canonical_error)?
        }
    };
    if !sendable(&url) {
        return Err(bad_input("url", "must be an absolute http(s) URL with a host and, if any, a numeric port", "Pass the full URL, such as https://bedrock-runtime.us-east-1.amazonaws.com/…"));
    }
    let payload_hash = match &settings.payload_hash {
        Some(h) => h.clone(),
        None => cache.sha256_hex(&request.body),
    };

    // Canonical headers, as aws-sigv4's `HeaderMap`: request headers, `host`, then (header form)
    // the date, token and checksum headers replacing any given.
    let mut headers: Vec<Pair<'_>> = Vec::with_capacity(request.headers.len() + 4);
    for (given, value) in &request.headers {
        let name = header_name(given).ok_or_else(|| bad_header(given, "is not a valid header name"))?;
        let value = trim_all(value);
        if !valid_header_value(&value) {
            return Err(bad_header(given, "has a control character (a newline, say) in its value"));
        }
        headers.push((name, value));
    }
    if !headers.iter().any(|(n, _)| n == "host") {
        headers.push((Cow::Borrowed("host"), Cow::Borrowed(url.host_header())));
    }
    if !query_form {
        replace(&mut headers, "x-amz-date", date_time);
        if let Some(token) = credentials.session_token.as_deref() {
            if !valid_header_value(token) {
                return Err(bad_input("credentials.sessionToken", "has a control character (a newline, say)", "Pass the session token exactly as AWS gave it."));
            }
            replace(&mut headers, TOKEN_HEADER, token);
        }
        if settings.payload_checksum_header {
            replace(&mut headers, "x-amz-content-sha256", &payload_hash);
        }
    }
    headers.retain(|(name, _)| {
        !(ALWAYS_EXCLUDED.contains(&&**name)
            || settings.excluded_headers.iter().any(|e| e.eq_ignore_ascii_case(name))
            || (!settings.sign_session_token && name == TOKEN_HEADER)
            || (query_form && (name == "x-amz-user-agent" || name == "x-amz-checksum-mode")))
    });
    sort_pairs(&mut headers, |a, b| a.0.cmp(&b.0)); // stable: repeated names keep their order

    let mut signed_headers = String::with_capacity(headers.len() * 16);
    let mut previous: Option<&str> = None;
    for (name, _) in &headers {
        if previous != Some(&**name) {
            if previous.is_some() {
                signed_headers.push(';');
            }
            signed_headers.push_str(name);
        }
        previous = Some(name);
    }

    let credential_scope_len = date.len() + scope.region.len() + scope.service.len() + 15;
    let mut credential = String::new();
    if query_form {
        credential.reserve(credentials.access_key_id.len() + 1 + credential_scope_len);
        for part in [credentials.access_key_id.as_str(), "/", date, "/", scope.region, "/", scope.service, "/aws4_request"] {
            credential.push_str(part);
        }
    }

    // The canonical request.
    let headers_len: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let query_len = url.query.map_or(0, str::len);
    let mut creq = String::with_capacity(
        request.method.len() + 3 * url.path.len() + 3 * query_len + headers_len + 2 * signed_headers.len() + 4 * credential.len() + 200,
    );
    creq.push_str(&request.method);
    creq.push('\n');
    write_path(&mut creq, url.path, settings.normalize_path, settings.double_encode);
    creq.push('\n');
    let mut extra: [(&str, &str); 6] = [("", ""); 6];
    let mut n_extra = 0;
    if query_form {
        extra[..5].copy_from_slice(&[
            ("X-Amz-Date", date_time),
            ("X-Amz-Expires", expires.as_str()),
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", credential.as_str()),
            ("X-Amz-SignedHeaders", signed_headers.as_str()),
        ]);
        n_extra = 5;
        if let (true, Some(token)) = (settings.sign_session_token, credentials.session_token.as_deref()) {
            extra[5] = ("X-Amz-Security-Token", token);
            n_extra = 6;
        }
    }
    write_query(&mut creq, url.query, extra.get(..n_extra).unwrap_or(&extra));
    creq.push('\n');
    let mut previous: Option<&str> = None;
    for (name, value) in &headers {
        if previous == Some(&**name) {
            creq.push(',');
        } else {
            if previous.is_some() {
                creq.push('\n');
            }
            creq.push_str(name);
            creq.push(':');
        }
        creq.push_str(value);
        previous = Some(name);
    }
    if !headers.is_empty() {
        creq.push('\n');
    }
    creq.push('\n');
    creq.push_str(&signed_headers);
    creq.push('\n');
    creq.push_str(&payload_hash);

    // The string to sign, fed straight into the keyed HMAC.
    let creq_hash = cache.sha256_hex(creq.as_bytes());
    let mut mac = cache.mac(&credentials.secret_access_key, &day, scope.region, scope.service);
    for part in [ALGORITHM, "\n", date_time, "\n", date, "/", scope.region, "/", scope.service, "/aws4_request\n", creq_hash.as_str()] {
        mac.update(part.as_bytes());
    }
    let signature = hex(&mac.finalize_fixed());

    let mut authorization = String::new();
    if !query_form {
        authorization.reserve(credentials.access_key_id.len() + credential_scope_len + signed_headers.len() + 120);
        for part in [
            ALGORITHM, " Credential=", credentials.access_key_id.as_str(), "/", date, "/", scope.region, "/", scope.service,
            "/aws4_request, SignedHeaders=", signed_headers.as_str(), ", Signature=", signature.as_str(),
        ] {
            authorization.push_str(part);
        }
    }
    Ok(Signed { date_time: date_time.to_string(), payload_hash, signed_headers, signature, authorization, credential, expires })
}

/// A header or query parameter: name, value.
pub(crate) type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// A stable sort of pairs. Every sort in the crate goes through this one instantiation (a
/// comparator passed as a function pointer): each `sort_by` with its own closure is ~4 KB of .wasm.
pub(crate) fn sort_pairs(pairs: &mut [Pair<'_>], order: fn(&Pair<'_>, &Pair<'_>) -> std::cmp::Ordering) {
    pairs.sort_by(order);
}

/// `HeaderMap::insert`: drops the given values of `name`, adds this one.
fn replace<'a>(headers: &mut Vec<Pair<'a>>, name: &'static str, value: &'a str) {
    headers.retain(|(n, _)| n != name);
    headers.push((Cow::Borrowed(name), Cow::Borrowed(value)));
}

/// `YYYYMMDDTHHMMSSZ` for epoch milliseconds; `None` past year 9999 (aws-sigv4's `time` range).
fn stamp(ms: u64) -> Option<[u8; 16]> {
    let secs = ms / 1000;
    let (days, sod) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days ≥ 0.
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    if year > 9999 {
        return None;
    }
    let mut out = *b"00000000T000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for digit in out.iter_mut().skip(at).take(width).rev() {
            *digit = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(4, 2, month);
    put(6, 2, day);
    put(9, 2, sod / 3600);
    put(11, 2, sod / 60 % 60);
    put(13, 2, sod % 60);
    Some(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
    Other,
}

/// A URL's parts as `http::Uri` reports them.
struct Url<'a> {
    scheme: Scheme,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Url<'a> {
    /// aws-sigv4's `host` when the request has none: the URI's host when the port is the scheme's
    /// default (`http::uri::Port` compares as written: `:443`, not `:0443`), else the authority.
    fn host_header(&self) -> &'a str {
        let auth = self.authority;
        let port = auth.rfind(':').map(|i| &auth[i + 1..]).filter(|p| p.parse::<u16>().is_ok());
        if !matches!((self.scheme, port), (Scheme::Http, Some("80")) | (Scheme::Https, Some("443"))) {
            return auth;
        }
        let host_port = auth.rsplit('@').next().unwrap_or(auth);
        match (host_port.starts_with('['), host_port.find(']')) {
            (true, Some(end)) => &host_port[..=end],
            _ => host_port.split(':').next().unwrap_or(host_port),
        }
    }
}

/// The common case without `http::Uri`: `http(s)://host[:port]` with a plain host, then a path
/// and query of bytes `http::Uri` takes as they are. `None` = let `http::Uri` decide.
fn fast_url(url: &str) -> Option<Url<'_>> {
    let b = url.as_bytes();
    if b.len() > MAX_URL_LEN {
        return None;
    }
    let starts = |prefix: &[u8]| b.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let (scheme, start) = if starts(b"https://") {
        (Scheme::Https, 8)
    } else if starts(b"http://") {
        (Scheme::Http, 7)
    } else {
        return None;
    };
    let rest = &url[start..];
    let end = rest.bytes().position(|c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let authority = &rest[..end];
    let plain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b':');
    if authority.is_empty() || !authority.bytes().all(plain) || authority.bytes().filter(|&c| c == b':').count() > 1 {
        return None;
    }
    let pq = &rest[end..];
    let path_end = pq.bytes().position(|c| c == b'?').unwrap_or(pq.len());
    let path_ok = |c: u8| matches!(c, 0x21 | 0x24..=0x3B | 0x3D | 0x40..=0x5F | 0x61..=0x7A | 0x7C | 0x7E | b'"' | b'{' | b'}' | 0x80..);
    let query_ok = |c: u8| matches!(c, 0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x7E | 0x80..);
    if !pq[..path_end].bytes().all(path_ok) {
        return None;
    }
    let query = match pq.get(path_end + 1..) {
        Some(q) if q.bytes().all(query_ok) => Some(q),
        Some(_) => return None,
        None => None,
    };
    let path = if path_end == 0 { "/" } else { &pq[..path_end] };
    Some(Url { scheme, authority, path, query })
}

/// Anything else, through `http::Uri` as aws-sigv4 reads it. A URL without a scheme or an
/// authority is refused (aws-sigv4 panics on those).
fn slow_url(uri: &http::Uri) -> Option<Url<'_>> {
    let scheme = match uri.scheme_str()? {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => Scheme::Other,
    };
    Some(Url { scheme, authority: uri.authority()?.as_str(), path: uri.path(), query: uri.query() })
}

/// A URL `fetch` can send: http(s), a host, a numeric port if any. `http::Uri` (and so aws-sigv4)
/// also takes other schemes and `host:abc`, which sign fine but no request can use.
fn sendable(url: &Url<'_>) -> bool {
    if url.scheme == Scheme::Other {
        return false;
    }
    let host_port = url.authority.rsplit('@').next().unwrap_or(url.authority);
    let split = if host_port.starts_with('[') { host_port.find(']').map(|end| end + 1) } else { host_port.find(':').or(Some(host_port.len())) };
    let Some((host, port)) = split.map(|at| host_port.split_at(at)) else { return false };
    let port_ok = port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.is_empty() || p.parse::<u16>().is_ok());
    // A registered name (RFC 3986 `reg-name`), or an IP literal in brackets.
    let name = |c: u8| c.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&c) || !c.is_ascii();
    let literal = |c: u8| c.is_ascii_hexdigit() || b":.".contains(&c);
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ip) => !ip.is_empty() && ip.bytes().all(literal),
        None => host.bytes().all(name),
    };
    !host.is_empty() && host_ok && port_ok
}

/// The canonical URI: normalized as aws-sigv4's `normalize_uri_path`, each segment encoded again
/// (all but `A-Za-z0-9-._~`) when double-encoding.
fn write_path(out: &mut String, path: &str, normalize: bool, double: bool) {
    let put = |out: &mut String, s: &str| if double { encode_into(out, s, true) } else { out.push_str(s) };
    if !normalize {
        return put(out, path);
    }
    if path.is_empty() {
        return out.push('/');
    }
    if !path.contains('.') && !path.contains("//") {
        if !path.starts_with('/') {
            out.push('/');
        }
        return put(out, path);
    }
    let base = out.len();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                let cut = out[base..].rfind('/').map_or(base, |i| base + i);
                out.truncate(cut);
            }
            s => {
                out.push('/');
                put(out, s);
            }
        }
    }
    // RFC 3986 5.2.4: "/a/." and "/a/.." end in a slash.
    let ends_in_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|s| path.ends_with(s) || (!path.starts_with('/') && path == &s[1..]));
    if out.len() == base || (ends_in_slash && !out.ends_with('/')) {
        out.push('/');
    }
}

/// The canonical query: pairs decoded as `application/x-www-form-urlencoded`, re-encoded
/// (RFC 3986), plus `extra`, sorted by encoded key then value.
fn write_query(out: &mut String, query: Option<&str>, extra: &[(&str, &str)]) {
    let query = query.unwrap_or_default();
    if query.is_empty() && extra.is_empty() {
        return;
    }
    let mut pairs: Vec<Pair<'_>> = Vec::with_capacity(extra.len() + 4);
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((form_decoded_encoded(k).into(), form_decoded_encoded(v).into()));
    }
    for (k, v) in extra {
        pairs.push((percent_encode(k).into(), percent_encode(v).into()));
    }
    sort_pairs(&mut pairs, |a, b| a.cmp(b));
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// `form_urlencoded`'s decoding (`+` is a space, bad `%` escapes kept, invalid UTF-8 replaced),
/// then RFC 3986 encoding.
fn form_decoded_encoded(s: &str) -> String {
    if !s.bytes().any(|c| c == b'+' || c == b'%') {
        return percent_encode(s);
    }
    let b = s.as_bytes();
    let mut raw = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let escaped = (c == b'%').then(|| Some((hex_value(*b.get(i + 1)?)? << 4) | hex_value(*b.get(i + 2)?)?)).flatten();
        match escaped {
            Some(byte) => {
                raw.push(byte);
                i += 3;
            }
            None => {
                raw.push(if c == b'+' { b' ' } else { c });
                i += 1;
            }
        }
    }
    percent_encode(&String::from_utf8_lossy(&raw))
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Lower-cased as aws-sigv4 does (`to_lowercase`), if `http::HeaderName` accepts it.
fn header_name(name: &str) -> Option<Cow<'_, str>> {
    let lower = if !name.is_ascii() {
        Cow::Owned(name.to_lowercase())
    } else if name.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    };
    let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
    (!lower.is_empty() && lower.len() <= MAX_HEADER_NAME_LEN && lower.bytes().all(token)).then_some(lower)
}

/// `http::HeaderValue::from_str`: no control characters but tab.
fn valid_header_value(v: &str) -> bool {
    let bytes = v.as_bytes();
    let control = |c: u8| c < 0x20 || c == 0x7F;
    let mut i = 0;
    loop {
        // Eight bytes per step: a session token is ~800 characters.
        i = swar::find(bytes, i, |w| swar::below(w, 0x20) | swar::equal(w, 0x7F), control);
        match bytes.get(i) {
            None => return true,
            Some(b'\t') => i += 1,
            Some(_) => return false,
        }
    }
}

/// aws-sigv4's `trim_all`: spaces (only) trimmed, inner runs of spaces collapsed to one.
fn trim_all(text: &str) -> Cow<'_, str> {
    let text = text.trim_matches(' ');
    if !text.contains("  ") {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.bytes() {
        if !(c == b' ' && out.last() == Some(&b' ')) {
            out.push(c);
        }
    }
    // Only ASCII spaces were dropped, so `out` is still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn append_query(url: &mut String, params: &[(&str, &str)]) {
    for (name, value) in params {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(name);
        url.push('=');
        encode_into(url, value, false);
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` (and `/` if `keep_slash`).
fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') || (keep_slash && c == b'/') {
            continue;
        }
        if start < i {
            out.push_str(&s[start..i]); // ASCII only: bytes of multi-byte characters are all escaped
        }
        out.push('%');
        out.push(char::from(hex_digit(HEX_UPPER, c >> 4)));
        out.push(char::from(hex_digit(HEX_UPPER, c & 15)));
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    encode_into(&mut out, s, false);
    out
}

/// A runtime's SHA-256 digest as the signer's payload hash (lower-case hex); `None` unless it
/// is 32 bytes long.
pub fn payload_hash(digest: &[u8]) -> Option<String> {
    (digest.len() == 32).then(|| hex(digest))
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(hex_digit(HEX_LOWER, b >> 4)));
        out.push(char::from(hex_digit(HEX_LOWER, b & 15)));
    }
    out
}

/// The hex digit of a nibble (`n` < 16).
fn hex_digit(digits: &[u8; 16], n: u8) -> u8 {
    digits.get(usize::from(n & 15)).copied().unwrap_or(b'0')
}

/// ASCII bytes as `&str` (the signing stamp); empty if they were not.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// HTTP token characters (RFC 9110 `tchar`): methods and header names.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// Input aws-sigv4 would sign into a request nobody can send (and that `signRequest`'s one-line
/// answer would split wrongly): a method that is not an HTTP token (empty, or with a newline or
/// space), an access key ID, region or service that is empty or holds a control character.
fn check_inputs(request: &HttpRequest, credentials: &Credentials, scope: &Scope<'_>) -> Result<()> {
    if !is_token(&request.method) {
        return Err(bad_input("method", "must be an HTTP method such as GET or POST", "Pass an HTTP method: letters only, no spaces or newlines."));
    }
    let plain = |s: &str| !s.is_empty() && !s.chars().any(char::is_control);
    if !plain(&credentials.access_key_id) {
        return Err(bad_input("credentials.accessKeyId", "must be non-empty, with no newline or other control character", "Pass the access key ID exactly as AWS gave it (AKIA… or ASIA…)."));
    }
    if !plain(scope.region) {
        return Err(bad_input("region", "must be non-empty, with no newline or other control character", "Pass a region code such as us-east-1."));
    }
    if !plain(scope.service) {
        return Err(bad_input("service", "must be non-empty, with no newline or other control character", "Pass the signing name of the service, such as bedrock."));
    }
    Ok(())
}

/// Signing input at fault: `SIGNING_FAILED` naming the field (never its value: it may be secret).
fn bad_input(field: &str, problem: &str, hint: &str) -> Error {
    Error::config("SIGNING_FAILED", field, format!("the request could not be signed: {field} {problem}"), hint)
}

fn bad_header(name: &str, problem: &str) -> Error {
    let shown: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    bad_input("headers", &format!("entry {shown:?} {problem}"), "Header names are HTTP tokens; values are visible ASCII, spaces and tabs (no newlines).")
}

/// aws-sigv4's message for any URL or header it cannot sign.
fn canonical_error() -> Error {
    sign_error("failed to create canonical request")
}

fn missing_expiry() -> Error {
    Error::config(
        "INVALID_OPTION",
        "settings.expiresIn",
        "settings.expiresIn is required when settings.location is 'query'",
        "Give settings.expiresIn in seconds (presigned URLs need an expiry).",
    )
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

    /// The field a signing error names, for input that would shift `signRequest`'s answer.
    fn refused(method: &str, key: &str, header: (&str, &str), region: &str) -> Option<String> {
        let mut r = HttpRequest::new(method, "https://example.amazonaws.com/".into());
        r.headers.push((header.0.into(), header.1.into()));
        let mut c = creds(None);
        c.access_key_id = key.into();
        let scope = Scope { region, service: "service", time_ms: SUITE_TIME };
        sign(&mut r, &c, scope, &Settings::default()).err().and_then(|e| e.field)
    }

    #[test]
    fn newlines_and_empty_methods_are_refused_naming_the_field() {
        let ok = ("x-a", "b");
        assert_eq!(refused("GET", "AKID", ok, "us-east-1"), None);
        assert_eq!(refused("GET\nX", "AKID", ok, "us-east-1").as_deref(), Some("method"));
        assert_eq!(refused("", "AKID", ok, "us-east-1").as_deref(), Some("method"));
        assert_eq!(refused("GET\r", "AKID", ok, "us-east-1").as_deref(), Some("method"));
        assert_eq!(refused("GET", "AK\nID", ok, "us-east-1").as_deref(), Some("credentials.accessKeyId"));
        assert_eq!(refused("GET", "AKID\r", ok, "us-east-1").as_deref(), Some("credentials.accessKeyId"));
        assert_eq!(refused("GET", "AKID", ("x-a\n", "b"), "us-east-1").as_deref(), Some("headers"));
        assert_eq!(refused("GET", "AKID", ("x-a", "b\r\nx-evil: 1"), "us-east-1").as_deref(), Some("headers"));
        assert_eq!(refused("GET", "AKID", ok, "us-east-1\n").as_deref(), Some("region"));
    }

    #[test]
    fn urls_no_request_can_use_are_refused() {
        let field = |url: &str| {
            let mut r = HttpRequest::new("GET", url.into());
            let scope = Scope { region: "us-east-1", service: "service", time_ms: SUITE_TIME };
            sign(&mut r, &creds(None), scope, &Settings::default()).err().and_then(|e| e.field)
        };
        for ok in ["https://a.example.com/x", "http://a.example.com:8080/", "https://[::1]:443/", "https://u@a.example.com/"] {
            assert_eq!(field(ok), None, "{ok}");
        }
        for bad in ["https://host:abc/x", "khttps://a.example.com/", "https://a.b:99999/", "ftp://a.example.com/", "https://a-[b.example.com]/x"] {
            assert_eq!(field(bad).as_deref(), Some("url"), "{bad}");
        }
    }

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
    fn a_user_request_is_normalized() {
        let mut req = HttpRequest::new("post", "https://h.example.com/x".to_string());
        req.headers = vec![("Content-Type".into(), "application/json".into()), ("Host".into(), "other".into())];
        let scope = Scope { region: "us-east-1", service: "s", time_ms: 1_764_054_000_000 };
        let signed = sign_request(req, &creds(None), scope, &Settings::default()).unwrap();
        assert_eq!(signed.method, "POST");
        let names: Vec<&str> = signed.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["content-type", "x-amz-date", "authorization"]);
    }

    #[test]
    fn long_inputs_go_to_the_native_hash() {
        fn native(data: &[u8]) -> Option<String> {
            Some(hex(&Sha256::digest(data)))
        }
        fn wrong(_: &[u8]) -> Option<String> {
            Some("0".repeat(64))
        }
        fn declines(_: &[u8]) -> Option<String> {
            None
        }
        let token = "T".repeat(1200);
        let signed = |native: Option<NativeSha256>, token: Option<&str>, body: &[u8]| {
            let mut cache = KeyCache::new();
            if let Some(f) = native {
                cache.set_native_sha256(f);
            }
            let mut req = HttpRequest::new("POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke".to_string());
            req.body = body.to_vec();
            sign_with(&mut cache, &mut req, &creds(token), Scope { region: "us-east-1", service: "bedrock", time_ms: 1_764_054_000_000 }, &Settings::default()).unwrap();
            req.header("authorization").unwrap().to_string()
        };
        let long = vec![b'x'; 2048];
        for (token, body) in [(Some(token.as_str()), &b"{}"[..]), (None, &long[..]), (None, &b"{}"[..])] {
            let here = signed(None, token, body);
            assert_eq!(signed(Some(native), token, body), here, "the same hash, natively");
            assert_eq!(signed(Some(declines), token, body), here, "a declining native hash falls back");
            // A short canonical request and body never reach it; a long one does.
            assert_eq!(signed(Some(wrong), token, body) == here, token.is_none() && body.len() < NATIVE_HASH_MIN);
        }
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
