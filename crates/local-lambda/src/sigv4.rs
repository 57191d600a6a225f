//! AWS Signature Version 4 for the local Function URL (`AuthType: AWS_IAM`): signing requests
//! (for tests and benchmarks) and verifying them the way Lambda does, by recomputing the
//! signature over the headers the caller says it signed.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign as sigv4_sign};
use aws_sigv4::sign::v4;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use http::HeaderMap;
use thiserror::Error;

/// Function URLs are signed for the `lambda` service.
const SERVICE: &str = "lambda";
/// How far a request's `x-amz-date` may be from now (AWS allows 5 minutes).
const MAX_SKEW: Duration = Duration::from_secs(300);

/// A key pair the local Function URL accepts.
#[derive(Debug, Clone)]
pub struct LocalCredentials {
    /// The access key id (`AKID…`), named in the signature's scope.
    pub access_key_id: String,
    /// The secret the signature is computed with.
    pub secret_access_key: String,
    /// The region requests are signed for.
    pub region: String,
}

/// Why a request's signature is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SigV4Error {
    /// No `Authorization` header, or not a SigV4 one.
    #[error("missing or malformed Authorization header")]
    Malformed,
    /// The access key is not the accepted one.
    #[error("unknown access key")]
    UnknownKey,
    /// Signed for another service.
    #[error("signed for service {0:?}, not this one")]
    WrongService(String),
    /// Signed for another region.
    #[error("signed for region {0:?}")]
    WrongRegion(String),
    /// `x-amz-date` missing, malformed, or more than 5 minutes from now.
    #[error("x-amz-date missing, malformed or more than 5 minutes off")]
    BadDate,
    /// The signature is not the one the accepted secret makes.
    #[error("signature does not match")]
    Mismatch,
}

/// Every header a SigV4-signed JSON `POST` to `url` sends besides `host`: `content-type`,
/// `accept`, and the signature's `authorization`, `x-amz-date` and `x-amz-content-sha256` (as
/// `bridge invoke --sigv4` signs). `host` is taken from `url` and signed; HTTP clients send it.
pub fn sigv4_post_headers(
    creds: &LocalCredentials,
    url: &str,
    body: &[u8],
    accept: &str,
    time: SystemTime,
) -> Vec<(String, String)> {
    sigv4_signed_post(
        creds,
        url,
        body,
        &[("content-type", "application/json"), ("accept", accept)],
        time,
    )
}

/// `headers` and the signature's headers for a `POST` to `url` with every one of `headers`
/// signed besides `host` (taken from `url`), as a client signing its own header set does (Pika's
/// CLI signs `content-type` and `x-chat-auth`).
pub fn sigv4_signed_post(
    creds: &LocalCredentials,
    url: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    time: SystemTime,
) -> Vec<(String, String)> {
    sigv4_signed_post_for(SERVICE, creds, url, body, headers, time)
}

/// [`sigv4_signed_post`] for another service (e.g. `bedrock-agentcore`, for the AgentCore
/// emulator's own tests).
pub fn sigv4_signed_post_for(
    service: &str,
    creds: &LocalCredentials,
    url: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    time: SystemTime,
) -> Vec<(String, String)> {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let signed: Vec<(&str, &str)> = [("host", host)]
        .into_iter()
        .chain(headers.iter().copied())
        .collect();
    let request = Request {
        method: "POST",
        url,
        headers: &signed,
        body,
    };
    headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain(sign(creds, service, &request, time))
        .collect()
}

/// A request as SigV4 sees it.
struct Request<'a> {
    method: &'a str,
    url: &'a str,
    /// The headers to sign, `host` included.
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
}

/// The headers that make `request` carry a SigV4 signature: `authorization`, `x-amz-date`,
/// `x-amz-content-sha256`.
fn sign(
    creds: &LocalCredentials,
    service: &str,
    request: &Request<'_>,
    time: SystemTime,
) -> Vec<(String, String)> {
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    signature_headers(creds, service, request, time, settings).expect("a well-formed request signs")
}

fn signature_headers(
    creds: &LocalCredentials,
    service: &str,
    request: &Request<'_>,
    time: SystemTime,
    settings: SigningSettings,
) -> Result<Vec<(String, String)>, SigV4Error> {
    let identity = Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        None,
        None,
        "local",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&creds.region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| SigV4Error::Malformed)?
        .into();
    let signable = SignableRequest::new(
        request.method,
        request.url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|_| SigV4Error::Malformed)?;
    let (instructions, _) = sigv4_sign(signable, &params)
        .map_err(|_| SigV4Error::Malformed)?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// Checks a Function URL request's signature (service `lambda`). `url` is the request URL as
/// the caller addressed it.
pub(crate) fn verify(
    accepted: &LocalCredentials,
    method: &str,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), SigV4Error> {
    verify_sigv4(accepted, SERVICE, method, url, headers, body, now)
}

/// Checks a request's SigV4 signature for `service` the way AWS does: the key, the scope's
/// service and region, the date within 5 minutes, and the signature recomputed over exactly
/// the headers the caller signed and the payload. `url` is the request URL as addressed (path
/// still percent-encoded).
pub fn verify_sigv4(
    accepted: &LocalCredentials,
    service: &str,
    method: &str,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), SigV4Error> {
    let auth = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(SigV4Error::Malformed)?;
    let parsed = Authorization::parse(auth)?;
    if parsed.access_key != accepted.access_key_id {
        return Err(SigV4Error::UnknownKey);
    }
    if parsed.service != service {
        return Err(SigV4Error::WrongService(parsed.service.to_owned()));
    }
    if parsed.region != accepted.region {
        return Err(SigV4Error::WrongRegion(parsed.region.to_owned()));
    }
    let time = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(amz_date)
        .ok_or(SigV4Error::BadDate)?;
    let skew = now.duration_since(time).unwrap_or_else(|e| e.duration());
    if skew > MAX_SKEW {
        return Err(SigV4Error::BadDate);
    }
    // Recompute over exactly the headers the caller signed.
    let mut signed = Vec::new();
    for name in parsed.signed_headers.split(';') {
        let value = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(SigV4Error::Malformed)?;
        signed.push((name, value));
    }
    let mut settings = SigningSettings::default();
    // The caller chose what to sign; sign the same set, with nothing added or left out.
    settings.excluded_headers = None;
    let request = Request {
        method,
        url,
        headers: &signed,
        body,
    };
    let expected = signature_headers(accepted, service, &request, time, settings)?;
    let expected_auth = expected
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str())
        .ok_or(SigV4Error::Malformed)?;
    let expected_sig = Authorization::parse(expected_auth)?.signature;
    if constant_time_eq(expected_sig.as_bytes(), parsed.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SigV4Error::Mismatch)
    }
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/lambda/aws4_request,
/// SignedHeaders=host;x-amz-date, Signature=…`
struct Authorization<'a> {
    access_key: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

impl<'a> Authorization<'a> {
    fn parse(value: &'a str) -> Result<Self, SigV4Error> {
        let rest = value
            .strip_prefix("AWS4-HMAC-SHA256 ")
            .ok_or(SigV4Error::Malformed)?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("Credential", v)) => credential = Some(v),
                Some(("SignedHeaders", v)) => signed_headers = Some(v),
                Some(("Signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let scope: Vec<&str> = credential
            .ok_or(SigV4Error::Malformed)?
            .split('/')
            .collect();
        let [access_key, _date, region, service, "aws4_request"] = scope.as_slice() else {
            return Err(SigV4Error::Malformed);
        };
        Ok(Authorization {
            access_key,
            region,
            service,
            signed_headers: signed_headers.ok_or(SigV4Error::Malformed)?,
            signature: signature.ok_or(SigV4Error::Malformed)?,
        })
    }
}

/// `20261122T185101Z` → a time.
fn amz_date(raw: &str) -> Option<SystemTime> {
    let b = raw.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &raw[0..4],
        &raw[4..6],
        &raw[6..8],
        &raw[9..11],
        &raw[11..13],
        &raw[13..15]
    );
    let t = DateTime::from_str(&iso, Format::DateTime).ok()?;
    SystemTime::try_from(t).ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> LocalCredentials {
        LocalCredentials {
            access_key_id: "AKIDLOCAL".into(),
            secret_access_key: "local-secret".into(),
            region: "us-east-1".into(),
        }
    }

    fn signed(url: &str, body: &[u8], time: SystemTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", "abc.lambda-url.us-east-1.on.aws".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let pairs = [
            ("host", "abc.lambda-url.us-east-1.on.aws"),
            ("content-type", "application/json"),
        ];
        let request = Request {
            method: "POST",
            url,
            headers: &pairs,
            body,
        };
        for (k, v) in sign(&creds(), SERVICE, &request, time) {
            headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        headers
    }

    const URL: &str = "https://abc.lambda-url.us-east-1.on.aws/v1/agents/default/invoke";

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let now = SystemTime::now();
        let h = signed(URL, b"{\"query\":\"q\"}", now);
        let auth = h["authorization"].to_str().unwrap();
        assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
        assert!(h.contains_key("x-amz-content-sha256"));
        assert_eq!(
            verify(&creds(), "POST", URL, &h, b"{\"query\":\"q\"}", now),
            Ok(())
        );

        assert_eq!(
            verify(&creds(), "POST", URL, &h, b"{\"query\":\"x\"}", now),
            Err(SigV4Error::Mismatch),
            "another body"
        );
        assert_eq!(
            verify(
                &creds(),
                "POST",
                &format!("{URL}x"),
                &h,
                b"{\"query\":\"q\"}",
                now
            ),
            Err(SigV4Error::Mismatch),
            "another path"
        );
        let mut other = creds();
        other.secret_access_key = "wrong".into();
        assert_eq!(
            verify(&other, "POST", URL, &h, b"{\"query\":\"q\"}", now),
            Err(SigV4Error::Mismatch),
            "another secret"
        );
    }

    #[test]
    fn post_headers_carry_a_signature_over_host_type_and_accept() {
        let now = SystemTime::now();
        let url = "http://127.0.0.1:3001/v1/agents/default/invoke";
        let sent = sigv4_post_headers(&creds(), url, b"{}", "application/x-ndjson", now);
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:3001".parse().unwrap());
        for (k, v) in &sent {
            headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        assert_eq!(headers["accept"], "application/x-ndjson");
        assert_eq!(headers["content-type"], "application/json");
        assert!(
            headers["authorization"]
                .to_str()
                .unwrap()
                .contains("SignedHeaders=accept;content-type;host;")
        );
        assert_eq!(verify(&creds(), "POST", url, &headers, b"{}", now), Ok(()));
    }

    #[test]
    fn stale_unsigned_and_foreign_requests_are_refused() {
        let now = SystemTime::now();
        let old = now - Duration::from_secs(600);
        let h = signed(URL, b"", old);
        assert_eq!(
            verify(&creds(), "POST", URL, &h, b"", now),
            Err(SigV4Error::BadDate)
        );
        assert_eq!(
            verify(&creds(), "POST", URL, &HeaderMap::new(), b"", now),
            Err(SigV4Error::Malformed)
        );
        let mut other = creds();
        other.access_key_id = "AKIDOTHER".into();
        assert_eq!(
            verify(&other, "POST", URL, &signed(URL, b"", now), b"", now),
            Err(SigV4Error::UnknownKey)
        );
    }
}
