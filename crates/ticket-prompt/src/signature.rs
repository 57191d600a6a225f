//! Webhook signatures, each vendor's exact recipe, verified over the raw body bytes.
//!
//! | source | header(s) | MAC |
//! |---|---|---|
//! | github | `X-Hub-Signature-256: sha256=<hex>` | HMAC-SHA256(secret, body) |
//! | jira | `X-Hub-Signature: sha256=<hex>` | HMAC-SHA256(secret, body) |
//! | pagerduty | `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` | HMAC-SHA256(secret, body), any entry |
//! | zendesk | `X-Zendesk-Webhook-Signature: <base64>` + `…-Signature-Timestamp` | HMAC-SHA256(secret, timestamp + body) |
//! | servicenow, generic | `X-Signature: <base64>` + `X-Signature-Timestamp` (epoch s or ms) | HMAC-SHA256(base64-decoded secret, timestamp + "." + body) |
//!
//! Comparisons are constant-time (`hmac`'s `verify_slice`). Where a timestamp is signed it must
//! be within five minutes of now, either way. Several secrets may be active at once (rotation): any
//! one verifying is enough.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use crate::source::Source;

/// How far a signed timestamp may be from now, either way.
const REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// The headers a source's signature travels in (lower-case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// The header holding the MAC (or several, for PagerDuty's rotation).
    pub signature: &'static str,
    /// The header holding the signed timestamp, for the schemes that sign one.
    pub timestamp: Option<&'static str>,
}

/// Where `source` sends its signature, so the caller knows which header values to present to
/// [`verify`] (and which to name when one is missing).
pub fn headers(source: Source) -> SignatureHeaders {
    let (signature, timestamp) = match source {
        Source::GitHub => ("x-hub-signature-256", None),
        Source::Jira => ("x-hub-signature", None),
        Source::PagerDuty => ("x-pagerduty-signature", None),
        Source::Zendesk => (
            "x-zendesk-webhook-signature",
            Some("x-zendesk-webhook-signature-timestamp"),
        ),
        Source::ServiceNow | Source::Generic => ("x-signature", Some("x-signature-timestamp")),
    };
    SignatureHeaders {
        signature,
        timestamp,
    }
}

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The named header is absent or blank.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// The named header is not in the scheme's format (prefix, hex, base64, timestamp).
    #[error("malformed {0} header")]
    Malformed(&'static str),
    /// No configured secret produces the presented MAC: wrong secret, or a changed body.
    #[error("signature does not match")]
    Mismatch,
    /// The MAC matches but the signed timestamp is outside the replay window: a replay, or a
    /// sender with a wrong clock.
    #[error("signed timestamp is more than 5 minutes from now")]
    Expired,
}

/// A configured signing secret, as the MAC key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(redacted)")
    }
}

impl SigningKey {
    /// The key for `source` from its secret as configured: the text itself, except for the
    /// bridge's own scheme (ServiceNow, generic) whose secret is base64, as ServiceNow's
    /// `GlideCertificateEncryption.generateMac` requires.
    pub fn from_secret(source: Source, secret: &str) -> Result<SigningKey, &'static str> {
        if secret.is_empty() {
            return Err("the secret is empty");
        }
        match source {
            Source::ServiceNow | Source::Generic => {
                BASE64.decode(secret.trim()).map(SigningKey).map_err(
                    |_| "the secret must be base64 (ServiceNow's generateMac takes a base64 key)",
                )
            }
            _ => Ok(SigningKey(secret.as_bytes().to_vec())),
        }
    }
}

/// The signature and (where the scheme signs one) timestamp header values of a delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct Presented<'a> {
    /// The value of the source's signature header, if the delivery carried one.
    pub signature: Option<&'a str>,
    /// The value of the source's timestamp header, if the delivery carried one.
    pub timestamp: Option<&'a str>,
}

/// Verifies `body` from `source` against any of `keys`.
pub fn verify(
    source: Source,
    keys: &[SigningKey],
    body: &[u8],
    presented: Presented<'_>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let names = headers(source);
    let signature = presented.signature.map(str::trim).filter(|s| !s.is_empty());
    let signature = signature.ok_or(SignatureError::Missing(names.signature))?;
    let malformed = SignatureError::Malformed(names.signature);
    match source {
        Source::GitHub | Source::Jira => {
            let mac = signature
                .strip_prefix("sha256=")
                .and_then(|h| hex::decode(h).ok())
                .ok_or(malformed)?;
            any_key(keys, &mac, &[body])
        }
        Source::PagerDuty => {
            let macs: Vec<Vec<u8>> = signature
                .split(',')
                .filter_map(|entry| entry.trim().strip_prefix("v1="))
                .filter_map(|h| hex::decode(h).ok())
                .collect();
            if macs.is_empty() {
                return Err(malformed);
            }
            macs.iter()
                .find_map(|mac| any_key(keys, mac, &[body]).ok())
                .ok_or(SignatureError::Mismatch)
        }
        Source::Zendesk => {
            let (ts_name, ts) = signed_timestamp(names, presented)?;
            let when = humantime::parse_rfc3339_weak(ts)
                .map_err(|_| SignatureError::Malformed(ts_name))?;
            let mac = BASE64.decode(signature).map_err(|_| malformed)?;
            any_key(keys, &mac, &[ts.as_bytes(), body])?;
            within_window(when, now)
        }
        Source::ServiceNow | Source::Generic => {
            let (ts_name, ts) = signed_timestamp(names, presented)?;
            let when = epoch(ts).ok_or(SignatureError::Malformed(ts_name))?;
            let b64 = signature.strip_prefix("v1=").unwrap_or(signature);
            let mac = BASE64.decode(b64).map_err(|_| malformed)?;
            any_key(keys, &mac, &[ts.as_bytes(), b".", body])?;
            within_window(when, now)
        }
    }
}

/// The timestamp header's name and its trimmed value, for the schemes that sign one.
fn signed_timestamp<'a>(
    names: SignatureHeaders,
    presented: Presented<'a>,
) -> Result<(&'static str, &'a str), SignatureError> {
    let ts_name = names.timestamp.unwrap_or_default();
    let ts = presented
        .timestamp
        .map(str::trim)
        .ok_or(SignatureError::Missing(ts_name))?;
    Ok((ts_name, ts))
}

/// HMAC-SHA256 under `key` over the concatenated `message` parts.
fn mac(key: &SigningKey, message: &[&[u8]]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes keys of any length");
    message.iter().for_each(|part| m.update(part));
    m
}

/// The MAC is checked before the clock, so a forged request learns nothing about timing rules.
fn any_key(keys: &[SigningKey], mac_bytes: &[u8], message: &[&[u8]]) -> Result<(), SignatureError> {
    let ok = keys
        .iter()
        .any(|key| mac(key, message).verify_slice(mac_bytes).is_ok());
    if ok {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Whether the signed time is within [`REPLAY_WINDOW`] of `now`.
fn within_window(when: SystemTime, now: SystemTime) -> Result<(), SignatureError> {
    let skew = now
        .duration_since(when)
        .or_else(|e| Ok::<_, ()>(e.duration()))
        .unwrap_or_default();
    if skew <= REPLAY_WINDOW {
        Ok(())
    } else {
        Err(SignatureError::Expired)
    }
}

/// Epoch seconds, or milliseconds (ServiceNow's `GlideDateTime.getNumericValue()`).
fn epoch(ts: &str) -> Option<SystemTime> {
    let n: u64 = ts.parse().ok()?;
    let d = if n >= 100_000_000_000 {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    };
    UNIX_EPOCH.checked_add(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bridge scheme's signature for a body, as a sender computes it.
    fn bridge_signature(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let signed = mac(key, &[timestamp.as_bytes(), b".", body]);
        BASE64.encode(signed.finalize().into_bytes())
    }

    fn key(source: Source, secret: &str) -> Vec<SigningKey> {
        vec![SigningKey::from_secret(source, secret).unwrap()]
    }

    fn sig(s: &str) -> Presented<'_> {
        Presented {
            signature: Some(s),
            timestamp: None,
        }
    }

    fn at(rfc3339: &str) -> SystemTime {
        humantime::parse_rfc3339(rfc3339).unwrap()
    }

    /// GitHub's own example: docs.github.com, "Validating webhook deliveries" (secret
    /// `It's a Secret to Everybody`, payload `Hello, World!`).
    #[test]
    fn github_official_vector() {
        let k = key(Source::GitHub, "It's a Secret to Everybody");
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(
            verify(
                Source::GitHub,
                &k,
                b"Hello, World!",
                sig(good),
                SystemTime::now()
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                Source::GitHub,
                &k,
                b"Hello, World?",
                sig(good),
                SystemTime::now()
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                Source::GitHub,
                &k,
                b"Hello, World!",
                sig("757107ea"),
                SystemTime::now()
            ),
            Err(SignatureError::Malformed("x-hub-signature-256"))
        );
        assert_eq!(
            verify(
                Source::GitHub,
                &k,
                b"x",
                Presented::default(),
                SystemTime::now()
            ),
            Err(SignatureError::Missing("x-hub-signature-256"))
        );
    }

    /// Atlassian publishes no example signature: this one is computed with the documented recipe
    /// (`sha256=` + hex HMAC-SHA256 of the raw body) and reproduced independently with openssl.
    #[test]
    fn jira_vector() {
        let k = key(Source::Jira, "jira-test-secret");
        let body = br#"{"webhookEvent":"jira:issue_created","issue":{"key":"PROJ-1"}}"#;
        let good = "sha256=7148e8baabca48dde1950d2f3f65653af2bff9747d78264619fb4ad41eb993c1";
        assert_eq!(
            verify(Source::Jira, &k, body, sig(good), SystemTime::now()),
            Ok(())
        );
        assert_eq!(
            verify(
                Source::Jira,
                &key(Source::Jira, "other"),
                body,
                sig(good),
                SystemTime::now()
            ),
            Err(SignatureError::Mismatch)
        );
    }

    /// PagerDuty publishes the recipe (`v1=` + hex HMAC-SHA256, several comma-separated entries
    /// during rotation) but no example signature: this one is computed and reproduced with openssl.
    #[test]
    fn pagerduty_vector_and_multiple_entries() {
        let k = key(Source::PagerDuty, "pd-test-secret");
        let body = br#"{"event":{"id":"01ABC","event_type":"incident.triggered"}}"#;
        let good = "v1=3638dbfe15169afd55f5ee2e445a3377d69451160166d4e62e2137f8ed456135";
        assert_eq!(
            verify(Source::PagerDuty, &k, body, sig(good), SystemTime::now()),
            Ok(())
        );
        let rotated = format!("v1=00ff,{good}");
        assert_eq!(
            verify(
                Source::PagerDuty,
                &k,
                body,
                sig(&rotated),
                SystemTime::now()
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                Source::PagerDuty,
                &k,
                body,
                sig("v1=00ff"),
                SystemTime::now()
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                Source::PagerDuty,
                &k,
                body,
                sig("v0=abc"),
                SystemTime::now()
            ),
            Err(SignatureError::Malformed("x-pagerduty-signature"))
        );
    }

    /// The key is Zendesk's published static test secret (what its webhook builder signs test
    /// deliveries with); Zendesk publishes no signature for a given body, so this one is computed
    /// with the documented recipe (base64 HMAC-SHA256 of timestamp + body) and reproduced with
    /// openssl.
    #[test]
    fn zendesk_vector_and_replay_window() {
        let k = key(
            Source::Zendesk,
            "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
        );
        let body = br#"{"ticket_id":"123","title":"Printer on fire"}"#;
        let ts = "2021-03-25T05:09:27Z";
        let p = Presented {
            signature: Some("Qw6xXe+oA43nPq/+w1tUff425A6nhqF6W83QKdekWnw="),
            timestamp: Some(ts),
        };
        assert_eq!(
            verify(Source::Zendesk, &k, body, p, at("2021-03-25T05:12:00Z")),
            Ok(())
        );
        assert_eq!(
            verify(Source::Zendesk, &k, body, p, at("2021-03-25T05:15:00Z")),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify(Source::Zendesk, &k, body, p, at("2021-03-25T05:03:00Z")),
            Err(SignatureError::Expired),
            "future too"
        );
        let no_ts = Presented {
            timestamp: None,
            ..p
        };
        assert_eq!(
            verify(Source::Zendesk, &k, body, no_ts, at("2021-03-25T05:12:00Z")),
            Err(SignatureError::Missing(
                "x-zendesk-webhook-signature-timestamp"
            ))
        );
    }

    /// ServiceNow's own example for `GlideCertificateEncryption.generateMac` (its API reference:
    /// key `sample_key` base64-encoded, data `sample_data`).
    #[test]
    fn servicenow_generate_mac_vector() {
        // GlideCertificateEncryption.generateMac(base64("sample_key"), "HmacSHA256", "sample_data").
        let key =
            SigningKey::from_secret(Source::ServiceNow, &BASE64.encode("sample_key")).unwrap();
        let mut m = Hmac::<Sha256>::new_from_slice(&key.0).unwrap();
        m.update(b"sample_data");
        assert_eq!(
            BASE64.encode(m.finalize().into_bytes()),
            "4VWUI48lJvmGSF6MYmOVWA9c0hfu55Ur+3e+fUFFFr4="
        );
    }

    #[test]
    fn bridge_scheme_round_trip_rotation_and_replay() {
        let old =
            SigningKey::from_secret(Source::ServiceNow, &BASE64.encode("old-secret")).unwrap();
        let new =
            SigningKey::from_secret(Source::ServiceNow, &BASE64.encode("new-secret")).unwrap();
        let body = br#"{"number":"INC1"}"#;
        let ts_ms = "1795338720000";
        let now = UNIX_EPOCH + Duration::from_millis(1_795_338_720_000 + 60_000);
        let signed_with_old = bridge_signature(&old, ts_ms, body);
        let p = Presented {
            signature: Some(&signed_with_old),
            timestamp: Some(ts_ms),
        };
        assert_eq!(
            verify(
                Source::ServiceNow,
                &[new.clone(), old.clone()],
                body,
                p,
                now
            ),
            Ok(()),
            "rotation"
        );
        assert_eq!(
            verify(Source::ServiceNow, std::slice::from_ref(&new), body, p, now),
            Err(SignatureError::Mismatch)
        );
        let prefixed = format!("v1={signed_with_old}");
        let p2 = Presented {
            signature: Some(&prefixed),
            timestamp: Some(ts_ms),
        };
        assert_eq!(
            verify(Source::Generic, std::slice::from_ref(&old), body, p2, now),
            Ok(())
        );
        let later = now + Duration::from_secs(600);
        assert_eq!(
            verify(
                Source::ServiceNow,
                std::slice::from_ref(&old),
                body,
                p,
                later
            ),
            Err(SignatureError::Expired)
        );
        let secs = Presented {
            signature: Some(&signed_with_old),
            timestamp: Some("1795338780"),
        };
        assert_eq!(
            verify(Source::ServiceNow, &[old], body, secs, now),
            Err(SignatureError::Mismatch),
            "the timestamp is signed"
        );
    }

    #[test]
    fn keys_never_print() {
        let k = SigningKey::from_secret(Source::GitHub, "super-secret").unwrap();
        assert!(!format!("{k:?}").contains("super"));
        assert!(SigningKey::from_secret(Source::ServiceNow, "not base64!").is_err());
        assert!(SigningKey::from_secret(Source::GitHub, "").is_err());
    }
}
