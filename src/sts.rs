//! STS AssumeRole (API version 2011-06-15): validates the `assumeRole` options, builds the
//! SigV4-signed form POST for the role's STS region, and parses the XML answer with quick-xml.
//! No I/O, no clock: `now_ms` is an argument.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::endpoint::{self, PARTITION_NAMES};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::client::Auth;
use crate::sign::{percent_encode, Credentials};

/// AWS caps role chaining (base credentials that are themselves temporary) at one hour.
pub const ROLE_CHAINING_MAX_SECS: u32 = 3600;

/// The validated `assumeRole` options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
    pub duration_secs: Option<u32>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    pub sts_region: String,
    pub sts_endpoint: Option<String>,
}

/// Temporary credentials and who they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRole {
    pub credentials: Credentials,
    pub assumed_role_arn: String,
    pub expiration_ms: u64,
}

/// Checks a role ARN: `arn:{partition}:iam::{12 digits}:role/{path}{name}`.
pub fn validate_role_arn(arn: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::config(
            "INVALID_ROLE_ARN",
            "assumeRole.roleArn",
            format!("`{arn}` is not an IAM role ARN: {why}"),
            "Copy the role ARN from the IAM console; it looks like arn:aws:iam::123456789012:role/BedrockAccess.",
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return Err(bad("it must have six `:`-separated parts"));
    };
    if prefix != "arn" || !PARTITION_NAMES.contains(&partition) {
        return Err(bad("it must start with arn:aws:, arn:aws-cn: or arn:aws-us-gov:"));
    }
    if service != "iam" || !region.is_empty() {
        return Err(bad("it must be an IAM ARN (arn:aws:iam::…), with no region"));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("the account ID must be 12 digits"));
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err(bad("the resource must be role/NAME"));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or("");
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if !name_ok {
        return Err(bad("the role name must be 1–64 of letters, digits and +=,.@_-"));
    }
    Ok(())
}

/// The 12-digit account of a role ARN (after validation).
pub fn role_account(role_arn: &str) -> Option<&str> {
    role_arn.split(':').nth(4)
}

/// Session name: 2–64 characters of `[\w+=,.@-]`.
pub fn validate_session_name(name: &str) -> Result<()> {
    let ok = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if ok {
        return Ok(());
    }
    Err(Error::config(
        "INVALID_SESSION_NAME",
        "assumeRole.sessionName",
        format!("`{name}` is not a valid role session name"),
        "Use 2–64 characters of letters, digits and _+=,.@- (it appears in CloudTrail as the caller).",
    ))
}

/// DurationSeconds: 900–43200.
pub fn validate_duration(secs: u32) -> Result<()> {
    if (900..=43200).contains(&secs) {
        return Ok(());
    }
    Err(Error::config(
        "INVALID_DURATION",
        "assumeRole.durationSeconds",
        format!("durationSeconds {secs} is outside 900–43200"),
        "Use 900 (15 minutes) to 43200 (12 hours), and no more than the role's maximum session duration.",
    ))
}

/// External ID: 2–1224 characters of `[\w+=,.@:/-]`.
pub fn validate_external_id(id: &str) -> Result<()> {
    let ok = (2..=1224).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
    if ok {
        return Ok(());
    }
    Err(Error::config(
        "INVALID_EXTERNAL_ID",
        "assumeRole.externalId",
        format!("the external ID must be 2–1224 characters of letters, digits and _+=,.@:/- (got {} characters)", id.len()),
        "Use exactly the external ID written in the role's trust policy condition sts:ExternalId.",
    ))
}

/// Validates everything in `AssumeRole` (the region checks included).
pub fn validate(params: &AssumeRole) -> Result<()> {
    validate_role_arn(&params.role_arn)?;
    validate_session_name(&params.session_name)?;
    if let Some(d) = params.duration_secs {
        validate_duration(d)?;
    }
    if let Some(id) = &params.external_id {
        validate_external_id(id)?;
    }
    endpoint::validate_region(&params.sts_region, "assumeRole.stsRegion")?;
    if let Some(url) = &params.sts_endpoint {
        endpoint::validate_endpoint(url, "assumeRole.stsEndpoint")?;
    }
    Ok(())
}

/// The duration actually requested, and a warning when role chaining clamped it.
pub fn effective_duration(params: &AssumeRole, base: &Credentials) -> (Option<u32>, Option<String>) {
    match params.duration_secs {
        Some(d) if base.session_token.is_some() && d > ROLE_CHAINING_MAX_SECS => (
            Some(ROLE_CHAINING_MAX_SECS),
            Some(format!(
                "durationSeconds {d} was clamped to {ROLE_CHAINING_MAX_SECS}: the base credentials carry a session token, \
                 so this is role chaining, which AWS caps at one hour"
            )),
        ),
        d => (d, None),
    }
}

/// The form body of AssumeRole.
pub fn form_body(params: &AssumeRole, duration: Option<u32>) -> String {
    let mut pairs: Vec<(String, String)> = vec![
        ("Action".into(), "AssumeRole".into()),
        ("Version".into(), "2011-06-15".into()),
        ("RoleArn".into(), params.role_arn.clone()),
        ("RoleSessionName".into(), params.session_name.clone()),
    ];
    if let Some(d) = duration {
        pairs.push(("DurationSeconds".into(), d.to_string()));
    }
    if let Some(id) = &params.external_id {
        pairs.push(("ExternalId".into(), id.clone()));
    }
    if let Some(si) = &params.source_identity {
        pairs.push(("SourceIdentity".into(), si.clone()));
    }
    for (i, (k, v)) in params.tags.iter().enumerate() {
        pairs.push((format!("Tags.member.{}.Key", i + 1), k.clone()));
        pairs.push((format!("Tags.member.{}.Value", i + 1), v.clone()));
    }
    for (i, k) in params.transitive_tag_keys.iter().enumerate() {
        pairs.push((format!("TransitiveTagKeys.member.{}", i + 1), k.clone()));
    }
    pairs.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// The AssumeRole request (unsigned: `client::Call` signs it with [`auth`]) and, when role
/// chaining clamped the duration, a warning.
pub fn build_assume_role(params: &AssumeRole, base: &Credentials) -> (HttpRequest, Option<String>) {
    let (duration, warning) = effective_duration(params, base);
    let url = match &params.sts_endpoint {
        Some(e) => format!("{}/", e.trim_end_matches('/')),
        None => endpoint::sts_url(&params.sts_region),
    };
    let mut req = HttpRequest::new("POST", url);
    req.set_header("content-type", "application/x-www-form-urlencoded; charset=utf-8");
    req.set_header("x-amz-user-agent", crate::USER_AGENT);
    req.body = form_body(params, duration).into_bytes();
    (req, warning)
}

/// AssumeRole is signed for service `sts` in the role's STS region.
pub fn auth(params: &AssumeRole) -> Auth {
    Auth::SigV4 { region: params.sts_region.clone(), service: "sts".into() }
}

/// Parses AssumeRole's answer: the credentials on 2xx, else the STS error with its hint.
pub fn parse_assume_role(resp: &HttpResponse) -> Result<AssumedRole> {
    if !resp.is_success() {
        return Err(parse_error(resp));
    }
    let fields = xml_fields(&resp.body, &[
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "Arn",
    ]);
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let (Some(key), Some(secret), Some(token), Some(exp)) =
        (get("AccessKeyId"), get("SecretAccessKey"), get("SessionToken"), get("Expiration"))
    else {
        return Err(malformed(resp, "the answer has no Credentials"));
    };
    let expiration_ms = parse_iso8601_ms(&exp).ok_or_else(|| malformed(resp, "Expiration is not an ISO 8601 date"))?;
    Ok(AssumedRole {
        credentials: Credentials {
            access_key_id: key,
            secret_access_key: secret,
            session_token: Some(token),
            expiration_ms: Some(expiration_ms),
        },
        assumed_role_arn: get("Arn").unwrap_or_default(),
        expiration_ms,
    })
}

/// AssumeRole succeeded but its credentials had already expired by the client's (corrected)
/// clock: nothing usable, and by construction no second AssumeRole in the same call.
pub fn expired_on_arrival() -> Error {
    Error::network(
        "STS_CREDENTIALS_EXPIRED",
        "STS returned credentials whose Expiration has already passed by this client's clock",
        "The system clock (or the `now` option) is far ahead of AWS's, or assumeRole.stsEndpoint is not a real STS: set the clock right (NTP).",
    )
    .with_field("now")
}

fn malformed(resp: &HttpResponse, why: &str) -> Error {
    Error {
        status: Some(resp.status),
        request_id: resp.header("x-amzn-requestid").map(String::from),
        ..Error::network("STS_MALFORMED_RESPONSE", format!("STS answered {} but {why}", resp.status), "Check that assumeRole.stsEndpoint points at an STS endpoint.")
    }
    .with_field("assumeRole.stsEndpoint")
}

/// STS's `ErrorResponse/Error/{Code, Message}` and `RequestId` → a typed error with a hint. An
/// answer without an AWS error code (a proxy's HTML page, an empty body) is `HTTP_<status>`.
pub fn parse_error(resp: &HttpResponse) -> Error {
    let fields = xml_fields(&resp.body, &["Code", "Message", "RequestId"]);
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let request_id = get("RequestId").or_else(|| resp.header("x-amzn-requestid").map(String::from));
    let Some(code) = get("Code") else {
        return Error { request_id, ..crate::http::not_aws(resp, "STS", "assumeRole.stsEndpoint") };
    };
    let message = get("Message").unwrap_or_else(|| format!("STS answered HTTP {} {code}", resp.status));
    let (field, hint) = sts_hint(&code, &message);
    let retryable = crate::retry::is_retryable(resp.status, &code);
    let e = Error {
        kind: crate::error::ErrorKind::Aws,
        retryable,
        code,
        message,
        hint: hint.to_string(),
        field: field.map(String::from),
        status: Some(resp.status),
        request_id,
    };
    if crate::clock::is_time_error(&e) {
        return crate::clock::uncorrectable(e);
    }
    e
}

/// The option at fault and the hint for an STS error code (and, where AWS words it, its message).
fn sts_hint(code: &str, message: &str) -> (Option<&'static str>, &'static str) {
    match code {
        "AccessDenied" if message.contains("service control policy") => (
            Some("assumeRole.roleArn"),
            "An organization service control policy denies sts:AssumeRole: ask the administrator of the role's (or the platform's) AWS Organization to allow it.",
        ),
        // AWS answers a wrong or missing external ID exactly as a trust policy that does not name
        // the platform; the external ID is what differs between customers, so it is blamed first.
        "AccessDenied" => (
            Some("assumeRole.externalId"),
            "The role refused AssumeRole: check that assumeRole.externalId equals the sts:ExternalId condition of its trust policy, \
             that the trust policy names the platform's principal, and that roleArn is the role registered with the platform.",
        ),
        "InvalidClientTokenId" => (
            Some("credentials"),
            "STS does not know the base access key: check the platform's credentials, and that STS is enabled in assumeRole.stsRegion.",
        ),
        "SignatureDoesNotMatch" if message.contains("scoped to a valid region") => (
            Some("assumeRole.stsRegion"),
            "The STS endpoint serves another region: set assumeRole.stsRegion to the region of assumeRole.stsEndpoint.",
        ),
        "SignatureDoesNotMatch" => (
            Some("credentials"),
            "The base secret access key does not match the access key ID, or the request was signed for the wrong STS region: check credentials and assumeRole.stsRegion.",
        ),
        "ExpiredToken" => (
            Some("credentials"),
            "The base credentials' session token has expired: refresh the platform's credentials.",
        ),
        "RegionDisabledException" => (
            Some("assumeRole.stsRegion"),
            "STS is not activated in this region for the account: activate it in IAM → Account settings, or set assumeRole.stsRegion to another region.",
        ),
        "ValidationError" if message.contains("role chaining") => (
            Some("assumeRole.durationSeconds"),
            "Role chaining (base credentials with a session token) is capped at 3600 seconds: lower durationSeconds to 3600 or less.",
        ),
        "ValidationError" if message.contains("DurationSeconds") => (
            Some("assumeRole.durationSeconds"),
            "durationSeconds exceeds the role's maximum session duration: lower it, or raise the role's MaxSessionDuration in IAM.",
        ),
        "ValidationError" => (Some("assumeRole"), "STS refused a parameter: check roleArn, sessionName, tags and durationSeconds."),
        "MalformedPolicyDocument" | "PackedPolicyTooLarge" => (
            Some("assumeRole.tags"),
            "The session tags or policies are too large or malformed: send fewer or shorter tags.",
        ),
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
            (None, "STS throttled AssumeRole: it was retried with backoff; retry later, and share one client (and its credential cache) between calls.")
        }
        "ServiceUnavailable" | "InternalFailure" | "InternalError" | "IDPCommunicationError" => {
            (None, "STS failed to answer: it was retried with backoff; retry later (credentials still valid are used meanwhile).")
        }
        _ => (
            Some("assumeRole"),
            "STS refused the request: check the role ARN, the external ID and the platform's credentials.",
        ),
    }
}

/// Refines an AssumeRole error with what was sent: an AccessDenied while session tags were sent
/// most often means the trust policy lacks `sts:TagSession`.
pub fn diagnose(mut e: Error, params: &AssumeRole) -> Error {
    if e.code == "AccessDenied" && !params.tags.is_empty() && !e.message.contains("service control policy") {
        e.field = Some("assumeRole.tags".into());
        e.hint = "The role refused AssumeRole with session tags: its trust policy must also allow sts:TagSession for the platform's principal \
                  (and name that principal, and match assumeRole.externalId)."
            .into();
    }
    e
}

/// Text of the first element with each of `names`, searching the whole document.
pub(crate) fn xml_fields(body: &[u8], names: &[&str]) -> Vec<(String, String)> {
    let mut reader = Reader::from_reader(body);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<String> = None;
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().into_inner().to_string();
                current = names.contains(&name.as_str()).then_some(name);
                text.clear();
            }
            Ok(Event::Text(t)) if current.is_some() => {
                text.push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
            }
            Ok(Event::GeneralRef(r)) if current.is_some() => {
                text.push_str(&resolve_entity(&r));
            }
            Ok(Event::End(_)) => {
                if let Some(name) = current.take() {
                    if !out.iter().any(|(n, _)| *n == name) {
                        out.push((name, text.trim().to_string()));
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

fn resolve_entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        _ => {
            let code = name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()));
            code.and_then(char::from_u32).map(String::from).unwrap_or_default()
        }
    }
}

/// `2026-11-25T07:12:00Z` (optionally with fractional seconds) → epoch milliseconds.
pub fn parse_iso8601_ms(s: &str) -> Option<u64> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let ms: i64 = if frac.is_empty() { 0 } else { format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()? };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, day);
    u64::try_from(((days * 24 + hh) * 60 + mm) * 60 + ss).ok().map(|secs| secs * 1000 + ms as u64)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> AssumeRole {
        AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/BedrockAccess".into(),
            external_id: Some("platform-42".into()),
            session_name: "bedrock-connect-1".into(),
            duration_secs: None,
            tags: vec![],
            transitive_tag_keys: vec![],
            source_identity: None,
            sts_region: "eu-west-1".into(),
            sts_endpoint: None,
        }
    }

    fn base(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIAPLATFORM00000001".into(),
            secret_access_key: "secret".into(),
            session_token: token.map(String::from),
            expiration_ms: None,
        }
    }

    const NOW: u64 = 1_764_054_000_000; // 2025-11-25T07:00:00Z

    fn signed(p: &AssumeRole, base: &Credentials) -> (HttpRequest, Option<String>) {
        let (mut req, warning) = build_assume_role(p, base);
        let Auth::SigV4 { region, service } = auth(p) else { panic!() };
        let scope = crate::sign::Scope { region: &region, service: &service, time_ms: NOW };
        crate::sign::sign(&mut req, base, scope, &crate::sign::Settings::default()).unwrap();
        (req, warning)
    }

    #[test]
    fn request_goes_to_the_roles_sts_region() {
        let (req, warning) = signed(&params(), &base(None));
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded; charset=utf-8"));
        assert_eq!(
            String::from_utf8(req.body.clone()).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FBedrockAccess\
             &RoleSessionName=bedrock-connect-1&ExternalId=platform-42"
        );
        assert!(req
            .header("authorization")
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIAPLATFORM00000001/20251125/eu-west-1/sts/aws4_request, "));
        assert_eq!(warning, None);
    }

    #[test]
    fn sts_endpoint_wins() {
        let p = AssumeRole { sts_endpoint: Some("http://127.0.0.1:4566".into()), ..params() };
        let (req, _) = signed(&p, &base(None));
        assert_eq!(req.url, "http://127.0.0.1:4566/");
        assert!(req.header("authorization").unwrap().contains("/eu-west-1/sts/aws4_request"));
    }

    #[test]
    fn all_optional_parameters() {
        let p = AssumeRole {
            duration_secs: Some(7200),
            source_identity: Some("alice@example.com".into()),
            tags: vec![("team".into(), "ml ops".into()), ("env".into(), "prod".into())],
            transitive_tag_keys: vec!["team".into()],
            ..params()
        };
        assert_eq!(
            form_body(&p, p.duration_secs),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FBedrockAccess\
             &RoleSessionName=bedrock-connect-1&DurationSeconds=7200&ExternalId=platform-42\
             &SourceIdentity=alice%40example.com&Tags.member.1.Key=team&Tags.member.1.Value=ml%20ops\
             &Tags.member.2.Key=env&Tags.member.2.Value=prod&TransitiveTagKeys.member.1=team"
        );
    }

    #[test]
    fn role_chaining_clamps_to_one_hour_and_says_so() {
        let p = AssumeRole { duration_secs: Some(7200), ..params() };
        let (req, warning) = build_assume_role(&p, &base(Some("TOKEN")));
        assert!(String::from_utf8(req.body).unwrap().contains("&DurationSeconds=3600&"));
        assert_eq!(
            warning.as_deref(),
            Some("durationSeconds 7200 was clamped to 3600: the base credentials carry a session token, so this is role chaining, which AWS caps at one hour")
        );
        assert_eq!(effective_duration(&p, &base(None)), (Some(7200), None));
    }

    #[test]
    fn role_arn_rules() {
        for ok in [
            "arn:aws:iam::123456789012:role/BedrockAccess",
            "arn:aws-cn:iam::123456789012:role/path/to/Name_+=,.@-",
            "arn:aws-us-gov:iam::123456789012:role/x",
        ] {
            assert_eq!(validate_role_arn(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("BedrockAccess", "`BedrockAccess` is not an IAM role ARN: it must have six `:`-separated parts"),
            ("arn:aws:iam::12345678901:role/R", "`arn:aws:iam::12345678901:role/R` is not an IAM role ARN: the account ID must be 12 digits"),
            ("arn:aws:iam::123456789012:user/R", "`arn:aws:iam::123456789012:user/R` is not an IAM role ARN: the resource must be role/NAME"),
            ("arn:aws:iam:us-east-1:123456789012:role/R", "`arn:aws:iam:us-east-1:123456789012:role/R` is not an IAM role ARN: it must be an IAM ARN (arn:aws:iam::…), with no region"),
            ("arn:aws:sts::123456789012:role/R", "`arn:aws:sts::123456789012:role/R` is not an IAM role ARN: it must be an IAM ARN (arn:aws:iam::…), with no region"),
            ("arn:azure:iam::123456789012:role/R", "`arn:azure:iam::123456789012:role/R` is not an IAM role ARN: it must start with arn:aws:, arn:aws-cn: or arn:aws-us-gov:"),
            ("arn:aws:iam::123456789012:role/", "`arn:aws:iam::123456789012:role/` is not an IAM role ARN: the role name must be 1–64 of letters, digits and +=,.@_-"),
            ("arn:aws:iam::123456789012:role/a b", "`arn:aws:iam::123456789012:role/a b` is not an IAM role ARN: the role name must be 1–64 of letters, digits and +=,.@_-"),
        ];
        for (arn, msg) in cases {
            let e = validate_role_arn(arn).unwrap_err();
            assert_eq!((e.code.as_str(), e.field.as_deref(), e.message.as_str()), ("INVALID_ROLE_ARN", Some("assumeRole.roleArn"), msg));
        }
    }

    #[test]
    fn session_name_duration_external_id_rules() {
        assert!(validate_session_name("ab").is_ok());
        assert!(validate_session_name(&"a".repeat(64)).is_ok());
        assert_eq!(validate_session_name("a").unwrap_err().field.as_deref(), Some("assumeRole.sessionName"));
        assert!(validate_session_name(&"a".repeat(65)).is_err());
        assert!(validate_session_name("has space").is_err());
        assert!(validate_duration(900).is_ok() && validate_duration(43200).is_ok());
        assert_eq!(validate_duration(899).unwrap_err().message, "durationSeconds 899 is outside 900–43200");
        assert!(validate_duration(43201).is_err());
        assert!(validate_external_id("ab").is_ok());
        assert!(validate_external_id(&"x".repeat(1224)).is_ok());
        let e = validate_external_id("x").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_EXTERNAL_ID", Some("assumeRole.externalId")));
        assert!(validate_external_id(&"x".repeat(1225)).is_err());
        let e = validate(&AssumeRole { sts_region: "Ireland".into(), ..params() }).unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("INVALID_REGION", Some("assumeRole.stsRegion")));
    }

    const OK_XML: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/BedrockAccess/bedrock-connect-1</Arn>
    </AssumedRoleUser>
    <Credentials>
      <SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey>
      <SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE&amp;x</SessionToken>
      <Expiration>2025-11-25T08:00:00Z</Expiration>
      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>
    </Credentials>
    <PackedPolicySize>8</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

    #[test]
    fn parses_credentials() {
        let resp = HttpResponse { status: 200, headers: vec![], body: OK_XML.as_bytes().to_vec() };
        let got = parse_assume_role(&resp).unwrap();
        assert_eq!(got.credentials.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
        assert_eq!(got.credentials.secret_access_key, "9drTJvcXLB89EXAMPLELB8923FB892xMFI");
        assert_eq!(
            got.credentials.session_token.as_deref(),
            Some("AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE&x")
        );
        assert_eq!(got.assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/BedrockAccess/bedrock-connect-1");
        assert_eq!(got.expiration_ms, NOW + 3_600_000);
    }

    #[test]
    fn parses_errors_with_hints() {
        let xml = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/BedrockAccess</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#;
        let e = parse_assume_role(&HttpResponse { status: 403, headers: vec![], body: xml.into() }).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Aws);
        assert_eq!(e.code, "AccessDenied");
        assert_eq!(e.status, Some(403));
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert_eq!(e.field.as_deref(), Some("assumeRole.externalId"));
        assert_eq!(e.message, "User: arn:aws:iam::111111111111:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/BedrockAccess");
        assert!(e.hint.contains("trust policy") && e.hint.contains("registered") && e.hint.contains("externalId"));
        assert!(!e.retryable);

        for (code, field, words) in [
            ("InvalidClientTokenId", "credentials", "base access key"),
            ("SignatureDoesNotMatch", "credentials", "assumeRole.stsRegion"),
        ] {
            let xml = format!("<ErrorResponse><Error><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>");
            let e = parse_error(&HttpResponse { status: 403, headers: vec![], body: xml.into_bytes() });
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)));
            assert!(e.hint.contains(words), "{}", e.hint);
        }
    }

    fn sts_error(code: &str, message: &str) -> Error {
        let xml = format!("<ErrorResponse><Error><Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>");
        parse_error(&HttpResponse { status: 403, headers: vec![], body: xml.into_bytes() })
    }

    #[test]
    fn catalogue_by_message() {
        let cases = [
            ("AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource: y with an explicit deny in a service control policy", "assumeRole.roleArn", "service control policy"),
            ("SignatureDoesNotMatch", "Credential should be scoped to a valid region. ", "assumeRole.stsRegion", "region of assumeRole.stsEndpoint"),
            ("SignatureDoesNotMatch", "Signature expired: 20251125T070000Z is now earlier than 20251125T071000Z", "now", "clock"),
            ("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", "now", "clock"),
            ("ExpiredToken", "The security token included in the request is expired", "credentials", "refresh"),
            ("RegionDisabledException", "STS is not activated in this region for account:111111111111.", "assumeRole.stsRegion", "activate it"),
            ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", "assumeRole.durationSeconds", "3600"),
            ("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", "assumeRole.durationSeconds", "MaxSessionDuration"),
        ];
        for (code, message, field, words) in cases {
            let e = sts_error(code, message);
            assert_eq!((e.code.as_str(), e.field.as_deref()), (code, Some(field)), "{message}");
            assert!(e.hint.contains(words), "{}", e.hint);
        }
    }

    #[test]
    fn access_denied_with_tags_points_at_tag_session() {
        let p = AssumeRole { tags: vec![("team".into(), "ml".into())], ..params() };
        let e = diagnose(sts_error("AccessDenied", "User: x is not authorized to perform: sts:TagSession"), &p);
        assert_eq!(e.field.as_deref(), Some("assumeRole.tags"));
        assert!(e.hint.contains("sts:TagSession"));
        let e = diagnose(sts_error("AccessDenied", "m"), &params());
        assert_eq!(e.field.as_deref(), Some("assumeRole.externalId"));
    }

    #[test]
    fn non_aws_answers_unavailable_sts_and_empty_codes() {
        let html = HttpResponse { status: 502, headers: vec![("content-type".into(), "text/html".into())], body: b"<html><body>Bad Gateway</body></html>".to_vec() };
        let e = parse_error(&html);
        assert_eq!((e.code.as_str(), e.field.as_deref(), e.retryable), ("HTTP_502", Some("assumeRole.stsEndpoint"), true));
        assert!(e.message.contains("not an AWS answer"), "{}", e.message);
        assert!(!e.hint.contains("role"), "{}", e.hint);
        let empty_code = HttpResponse { status: 400, headers: vec![], body: b"<ErrorResponse><Error><Code></Code><Message>m</Message></Error></ErrorResponse>".to_vec() };
        assert_eq!(parse_error(&empty_code).code, "HTTP_400");
        let e = parse_error(&HttpResponse { status: 503, headers: vec![], body: b"<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error></ErrorResponse>".to_vec() });
        assert_eq!((e.field, e.retryable), (None, true));
        assert!(!e.hint.contains("role") && e.hint.contains("retry"), "{}", e.hint);
    }

    #[test]
    fn a_200_without_credentials_is_an_error_not_a_panic() {
        let e = parse_assume_role(&HttpResponse { status: 200, headers: vec![], body: b"<html>".to_vec() }).unwrap_err();
        assert_eq!(e.code, "STS_MALFORMED_RESPONSE");
        let e = parse_assume_role(&HttpResponse { status: 503, headers: vec![], body: vec![0xff, 0xfe] }).unwrap_err();
        assert_eq!((e.code.as_str(), e.retryable), ("HTTP_503", true));
    }

    #[test]
    fn iso8601() {
        assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso8601_ms("2025-11-25T07:00:00.250Z"), Some(NOW + 250));
        assert_eq!(parse_iso8601_ms("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_iso8601_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601_ms("yesterday"), None);
        assert_eq!(parse_iso8601_ms("2025-11-25T07:00:00.é1Z"), None);
    }
}
