//! The plain request and response values that cross the sans-I/O boundary: the core builds an
//! [`HttpRequest`], the wasm layer sends it with `fetch` and hands back an [`HttpResponse`].

/// A request ready to send: header names are lower-case and never include `host`
/// (browsers forbid setting it; the URL carries it).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What came back: lower-case header names, the whole body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// An error answer that is not AWS's (a proxy's HTML page, an empty body): `HTTP_<status>`,
/// blaming `field` (the endpoint setting) and keeping the status's retryability.
pub fn not_aws(resp: &HttpResponse, service: &str, field: &str) -> crate::error::Error {
    let what = match resp.header("content-type").map(|t| t.split(';').next().unwrap_or(t).trim()) {
        _ if resp.body.is_empty() => "an empty body".to_string(),
        Some(t) if !t.is_empty() => format!("a {t} body"),
        _ => "a body without an error code".to_string(),
    };
    crate::error::Error {
        kind: crate::error::ErrorKind::Aws,
        code: format!("HTTP_{}", resp.status),
        message: format!("{service} endpoint answered HTTP {} with {what}: not an AWS answer", resp.status),
        hint: format!("Not an AWS answer: check `{field}` and any proxy or gateway in front of AWS (it answered for AWS)."),
        field: Some(field.to_string()),
        status: Some(resp.status),
        request_id: resp.header("x-amzn-requestid").map(String::from),
        retryable: crate::retry::is_retryable(resp.status, ""),
    }
}

/// Headers whose values are secrets: redacted from `Debug` and from anything shown to a user.
pub const SECRET_HEADERS: &[&str] = &["authorization", "x-amz-security-token"];

impl HttpRequest {
    pub fn new(method: &str, url: String) -> Self {
        HttpRequest { method: method.to_string(), url, headers: Vec::new(), body: Vec::new() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Sets a header, replacing one of the same name.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
    }

    /// Headers with secret values replaced by `[redacted]`, for display.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| {
                let shown = if SECRET_HEADERS.contains(&n.as_str()) { "[redacted]".to_string() } else { v.clone() };
                (n.clone(), shown)
            })
            .collect()
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_query(&self.url))
            .field("headers", &self.redacted_headers())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// A URL with presigned secrets (`X-Amz-Signature`, `X-Amz-Security-Token`) replaced by `[redacted]`.
pub fn redact_query(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            if key.eq_ignore_ascii_case("X-Amz-Signature") || key.eq_ignore_ascii_case("X-Amz-Security-Token") {
                format!("{key}=[redacted]")
            } else {
                pair.to_string()
            }
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let mut r = HttpRequest::new("GET", "https://h/?X-Amz-Security-Token=TOKEN&a=1&X-Amz-Signature=SIG".into());
        r.set_header("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/…, Signature=SIG");
        r.set_header("x-amz-security-token", "TOKEN");
        let shown = format!("{r:?}");
        assert!(!shown.contains("TOKEN") && !shown.contains("SIG"), "{shown}");
        assert!(shown.contains("a=1"));
    }

    #[test]
    fn set_header_replaces_case_insensitively() {
        let mut r = HttpRequest::new("GET", "https://h/".into());
        r.set_header("Accept", "a");
        r.set_header("accept", "b");
        assert_eq!(r.headers, vec![("accept".to_string(), "b".to_string())]);
    }
}
