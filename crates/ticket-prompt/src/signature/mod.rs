//! Webhook signatures, each vendor's exact recipe, verified over the raw body bytes.
//!
//! | source | header(s) | MAC |
//! |---|---|---|
//! | github | `X-Hub-Signature-256: sha256=<hex>` | HMAC-SHA256(secret, body) |
//! | jira | `X-Hub-Signature: sha256=<hex>` | HMAC-SHA256(secret, body) |
//! | pagerduty | `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` | HMAC-SHA256(secret, body), any entry |
//! | zendesk | `X-Zendesk-Webhook-Signature: <base64>` + `…-Signature-Timestamp` | HMAC-SHA256(secret, timestamp + body) |
//! | servicenow, generic | `X-Signature: <base64>` + `X-Signature-Timestamp` (epoch s or ms) | HMAC-SHA256(base64-decoded secret, timestamp + "." + body) |
//! | grafana | `X-Grafana-Alerting-Signature: <hex>` + `X-Grafana-Alerting-Signature-Timestamp` (epoch s) | HMAC-SHA256(secret, timestamp + ":" + body) |
//! | sentry | `Sentry-Hook-Signature: <hex>` | HMAC-SHA256(client secret, body) |
//! | linear | `Linear-Signature: <hex>`; the body's `webhookTimestamp` (epoch ms) | HMAC-SHA256(secret, body) |
//! | gitlab | `X-Gitlab-Token: <secret>` | none: the secret itself, compared |
//! | alertmanager | `Authorization: Bearer <secret>` (`http_config.authorization`) | none: the secret itself, compared |
//! | splunk | the URL's `?token=<secret>` query parameter (its alert action sends no headers) | none: the secret itself, compared |
//!
//! Datadog, New Relic and Dynatrace sign nothing: their custom headers carry the API key.
//! CloudWatch alarms come signed by SNS with AWS's key, not a shared secret: see `crate::sns`.
//!
//! Comparisons are constant-time (`hmac`'s `verify_slice`; `subtle` for the plain tokens). Where a
//! timestamp is signed it must be within five minutes of now, either way (Linear's own SDK allows
//! one minute, and so does the bridge). Several secrets may be active at once (rotation): any one
//! verifying is enough.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::source::Source;

/// How far a signed timestamp may be from now, either way.
const REPLAY_WINDOW: Duration = Duration::from_secs(300);
/// Linear's SDK refuses a `webhookTimestamp` more than a minute from now; the bridge does too.
const LINEAR_WINDOW: Duration = Duration::from_secs(60);

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
        // Grafana's timestamp header has no default name: the contact point is set to this one.
        Source::Grafana => (
            "x-grafana-alerting-signature",
            Some("x-grafana-alerting-signature-timestamp"),
        ),
        Source::Sentry => ("sentry-hook-signature", None),
        Source::Linear => ("linear-signature", None),
        Source::GitLab => ("x-gitlab-token", None),
        Source::Alertmanager => ("authorization", None),
        // Not a header: the query parameter (see `SPLUNK_TOKEN_PARAMETER`).
        Source::Splunk => (SPLUNK_TOKEN_PARAMETER, None),
        // Unsigned: no secret can be configured for them (see `can_sign`).
        Source::Datadog | Source::NewRelic | Source::Dynatrace | Source::CloudWatch => ("", None),
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
    #[error("signed timestamp is more than 5 minutes (Linear: 1 minute) from now")]
    Expired,
    /// The source has no signature scheme.
    #[error("this source's deliveries are not signed")]
    Unsupported,
    /// The signed body carries no usable timestamp (Linear's `webhookTimestamp`).
    #[error("the signed body has no webhookTimestamp in epoch milliseconds")]
    BodyTimestamp,
}

/// The query parameter Splunk's token travels in: its webhook alert action sends a URL and a
/// body, nothing else.
pub const SPLUNK_TOKEN_PARAMETER: &str = "token";

/// Whether `source` has a shared-secret signature (or token) scheme; Datadog's, New Relic's and
/// Dynatrace's webhooks are authenticated by the API key in their custom headers only, and SNS
/// signs CloudWatch alarms with AWS's own key.
pub fn can_sign(source: Source) -> bool {
    !matches!(
        source,
        Source::Datadog | Source::NewRelic | Source::Dynatrace | Source::CloudWatch
    )
}

/// Whether `source`'s scheme signs a time, so a captured delivery goes stale: Zendesk, ServiceNow,
/// generic and Grafana in a header, Linear in the body. Deliveries whose signature never goes
/// stale are deduplicated by their body instead.
pub fn signs_time(source: Source) -> bool {
    headers(source).timestamp.is_some() || source == Source::Linear
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
    if !can_sign(source) {
        return Err(SignatureError::Unsupported);
    }
    let signature = presented.signature.map(str::trim).filter(|s| !s.is_empty());
    let signature = signature.ok_or(SignatureError::Missing(names.signature))?;
    let malformed = SignatureError::Malformed(names.signature);
    match source {
        Source::Sentry | Source::Linear => {
            let mac = hex::decode(signature).map_err(|_| malformed)?;
            any_key(keys, &mac, &[body])?;
            if source == Source::Linear {
                let when = body_timestamp_ms(body).ok_or(SignatureError::BodyTimestamp)?;
                return within(when, now, LINEAR_WINDOW);
            }
            Ok(())
        }
        Source::GitLab | Source::Splunk => any_token(keys, signature.as_bytes()),
        Source::Datadog | Source::NewRelic | Source::Dynatrace | Source::CloudWatch => {
            Err(SignatureError::Unsupported)
        }
        Source::Alertmanager => match signature.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                any_token(keys, token.trim().as_bytes())
            }
            _ => Err(malformed),
        },
        Source::Grafana => {
            let (ts_name, ts) = signed_timestamp(names, presented)?;
            let when = epoch(ts).ok_or(SignatureError::Malformed(ts_name))?;
            let mac = hex::decode(signature).map_err(|_| malformed)?;
            any_key(keys, &mac, &[ts.as_bytes(), b":", body])?;
            within_window(when, now)
        }
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

/// A plain shared token (GitLab's, a bearer token): equal to one of the keys, compared in constant
/// time (a length difference is the only thing a timing can tell).
fn any_token(keys: &[SigningKey], presented: &[u8]) -> Result<(), SignatureError> {
    let ok = keys.iter().fold(false, |found, key| {
        found | bool::from(key.0.ct_eq(presented))
    });
    if ok {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Linear's `webhookTimestamp`: epoch milliseconds in the (already verified) body.
fn body_timestamp_ms(body: &[u8]) -> Option<SystemTime> {
    #[derive(serde::Deserialize)]
    struct Stamped {
        #[serde(rename = "webhookTimestamp")]
        webhook_timestamp: u64,
    }
    let stamped: Stamped = serde_json::from_slice(body).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_millis(stamped.webhook_timestamp))
}

/// Whether the signed time is within [`REPLAY_WINDOW`] of `now`.
fn within_window(when: SystemTime, now: SystemTime) -> Result<(), SignatureError> {
    within(when, now, REPLAY_WINDOW)
}

/// Whether the signed time is within `window` of `now`, either way.
fn within(when: SystemTime, now: SystemTime, window: Duration) -> Result<(), SignatureError> {
    let skew = now
        .duration_since(when)
        .or_else(|e| Ok::<_, ()>(e.duration()))
        .unwrap_or_default();
    if skew <= window {
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
mod vectors;

#[cfg(test)]
mod alert_vectors;
