//! Regions, partitions and base URLs: one table maps a region to its partition and DNS suffix,
//! and every host (STS, `bedrock-runtime`, `bedrock`) is built from it. Overrides for private or
//! on-prem deployments (`endpoint`, `controlEndpoint`, `stsEndpoint`) are validated here.
//! Pure: no DNS, no I/O.

use crate::error::{Error, Result};

/// An AWS partition: its ARN name and the DNS suffix of its endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub dns_suffix: &'static str,
}

/// Region prefix → partition, checked in order (the first match wins), then `aws`.
const PARTITIONS: &[(&str, Partition)] = &[
    ("us-gov-", Partition { name: "aws-us-gov", dns_suffix: "amazonaws.com" }),
    ("cn-", Partition { name: "aws-cn", dns_suffix: "amazonaws.com.cn" }),
    ("us-isob-", Partition { name: "aws-iso-b", dns_suffix: "sc2s.sgov.gov" }),
    ("us-isof-", Partition { name: "aws-iso-f", dns_suffix: "csp.hci.ic.gov" }),
    ("eu-isoe-", Partition { name: "aws-iso-e", dns_suffix: "cloud.adc-e.uk" }),
    ("us-iso-", Partition { name: "aws-iso", dns_suffix: "c2s.ic.gov" }),
];

const AWS: Partition = Partition { name: "aws", dns_suffix: "amazonaws.com" };

/// All partition names an ARN may carry.
pub const PARTITION_NAMES: &[&str] =
    &["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"];

/// The partition a region belongs to.
pub fn partition_of(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map(|(_, p)| *p)
        .unwrap_or(AWS)
}

/// True for names shaped like AWS regions: lower-case words joined by `-`, ending in a number
/// (`us-east-1`, `us-gov-west-1`, `ap-southeast-4`, `eu-isoe-west-1`).
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = parts.split_last() else { return false };
    words.len() >= 2
        && words.iter().all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.len() <= 2
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a region option; `field` is the JS option path for the error.
pub fn validate_region(region: &str, field: &str) -> Result<()> {
    if is_region(region) {
        return Ok(());
    }
    Err(Error::config(
        "INVALID_REGION",
        field,
        format!("`{region}` is not an AWS region name"),
        "Use a region code such as `us-east-1` or `eu-west-1`, not a display name or an endpoint.",
    ))
}

/// `https://{service}.{region}.{suffix}` for a region.
pub fn service_url(service: &str, region: &str) -> String {
    format!("https://{service}.{region}.{}", partition_of(region).dns_suffix)
}

/// STS base URL of the role's region (regional STS; never the global endpoint).
pub fn sts_url(region: &str) -> String {
    format!("{}/", service_url("sts", region))
}

/// Bedrock runtime base URL (InvokeModel, Converse).
pub fn runtime_url(region: &str) -> String {
    service_url("bedrock-runtime", region)
}

/// Bedrock control plane base URL (ListFoundationModels, GetInferenceProfile).
pub fn control_url(region: &str) -> String {
    service_url("bedrock", region)
}

/// Regions with a FIPS host, per service (AWS General Reference, "Amazon Bedrock endpoints and
/// quotas" and "AWS STS endpoints", checked 2026-12). In GovCloud the regular STS host is the FIPS one.
const FIPS: &[(&str, &[&str])] = &[
    ("bedrock", &["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "us-gov-west-1", "us-gov-east-1"]),
    ("bedrock-runtime", &["us-east-1", "us-east-2", "us-west-2", "ca-central-1", "us-gov-west-1", "us-gov-east-1"]),
    ("sts", &["us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-west-1", "us-gov-east-1"]),
];

/// The FIPS base URL of `service` in `region` (`sts-fips.us-east-1…`, `bedrock-runtime-fips.…`), or
/// `CONFIG_CONFLICT` naming `field` where AWS publishes none. STS URLs end in `/`.
pub fn fips_url(service: &str, region: &str, field: &str) -> Result<String> {
    let listed = FIPS.iter().find(|(s, _)| *s == service).is_some_and(|(_, regions)| regions.contains(&region));
    if !listed {
        return Err(Error::config(
            "CONFIG_CONFLICT",
            field,
            format!("AWS publishes no FIPS endpoint for {service} in {region}"),
            "Use a region with FIPS endpoints (us-east-1, us-east-2, us-west-2, ca-central-1, GovCloud), or pass the endpoint yourself.",
        ));
    }
    let host = if service == "sts" && region.starts_with("us-gov-") { "sts".to_string() } else { format!("{service}-fips") };
    Ok(format!("https://{host}.{region}.{}", partition_of(region).dns_suffix))
}

/// Validates an endpoint override and returns it without a trailing `/`.
/// Accepts `http://` (for local and on-prem endpoints) and `https://` URLs without query or fragment.
pub fn validate_endpoint(url: &str, field: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::config(
            "INVALID_ENDPOINT",
            field,
            format!("`{url}` is not a usable endpoint URL: {why}"),
            "Give a base URL such as `https://bedrock-runtime.us-east-1.amazonaws.com` or `http://127.0.0.1:4566`.",
        )
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("it must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    if url.contains(['?', '#', ' ']) {
        return Err(bad("it must not contain a query, a fragment or spaces"));
    }
    if url.parse::<http::Uri>().is_err() {
        return Err(bad("it does not parse as a URL"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_from_one_table() {
        assert_eq!(partition_of("us-east-1").name, "aws");
        assert_eq!(partition_of("us-gov-west-1").name, "aws-us-gov");
        assert_eq!(partition_of("cn-northwest-1").name, "aws-cn");
        assert_eq!(partition_of("us-iso-east-1").name, "aws-iso");
        assert_eq!(partition_of("us-isob-east-1").name, "aws-iso-b");
    }

    #[test]
    fn hosts_use_the_partition_suffix() {
        assert_eq!(sts_url("eu-west-1"), "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(sts_url("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn/");
        assert_eq!(runtime_url("us-east-1"), "https://bedrock-runtime.us-east-1.amazonaws.com");
        assert_eq!(runtime_url("cn-northwest-1"), "https://bedrock-runtime.cn-northwest-1.amazonaws.com.cn");
        assert_eq!(control_url("us-gov-west-1"), "https://bedrock.us-gov-west-1.amazonaws.com");
    }

    #[test]
    fn fips_hosts() {
        assert_eq!(fips_url("sts", "us-east-1", "f").unwrap(), "https://sts-fips.us-east-1.amazonaws.com");
        assert_eq!(fips_url("sts", "us-gov-west-1", "f").unwrap(), "https://sts.us-gov-west-1.amazonaws.com");
        assert_eq!(fips_url("bedrock-runtime", "us-west-2", "f").unwrap(), "https://bedrock-runtime-fips.us-west-2.amazonaws.com");
        assert_eq!(fips_url("bedrock", "ca-central-1", "f").unwrap(), "https://bedrock-fips.ca-central-1.amazonaws.com");
        let e = fips_url("sts", "eu-west-1", "useFipsEndpoint").unwrap_err();
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("CONFIG_CONFLICT", Some("useFipsEndpoint")));
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "us-gov-west-1", "ap-southeast-4", "eu-central-2", "il-central-1", "eu-isoe-west-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "useast1", "us-east-1a", "us--1", "us-east-100", "N. Virginia"] {
            assert!(!is_region(bad), "{bad}");
        }
        let e = validate_region("Frankfurt", "assumeRole.stsRegion").unwrap_err();
        assert_eq!(e.code, "INVALID_REGION");
        assert_eq!(e.field.as_deref(), Some("assumeRole.stsRegion"));
        assert_eq!(e.message, "`Frankfurt` is not an AWS region name");
    }

    #[test]
    fn endpoint_overrides() {
        assert_eq!(validate_endpoint("http://127.0.0.1:4566/", "endpoint").unwrap(), "http://127.0.0.1:4566");
        assert_eq!(
            validate_endpoint("https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com", "endpoint").unwrap(),
            "https://vpce-1.bedrock-runtime.us-east-1.vpce.amazonaws.com"
        );
        let e = validate_endpoint("bedrock.example.com", "assumeRole.stsEndpoint").unwrap_err();
        assert_eq!(e.code, "INVALID_ENDPOINT");
        assert_eq!(e.field.as_deref(), Some("assumeRole.stsEndpoint"));
        assert!(validate_endpoint("https://", "endpoint").is_err());
        assert!(validate_endpoint("https://x.com/?a=1", "endpoint").is_err());
    }
}
