//! Amazon SNS HTTP/S deliveries (how CloudWatch alarms arrive): the message envelope, the exact
//! string SNS signs, and which URLs in it may be followed. The RSA check itself needs the
//! signing certificate, fetched by the caller from the URL [`SnsEnvelope::signing_cert_url`]
//! accepts; the caller also confirms subscriptions at the URL [`SnsEnvelope::subscribe_url`]
//! accepts. Both accept only `https://sns.<region>.amazonaws.com[.cn]/…` (AWS's own message
//! validators apply the same host rule), so a forged envelope cannot make the bridge fetch from,
//! or call, anywhere else.

use serde::Deserialize;
use thiserror::Error;
use url::Url;

/// What an SNS envelope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnsKind {
    /// A published message (a CloudWatch alarm's state change).
    Notification,
    /// The first message of a new subscription: confirmed by visiting `SubscribeURL`.
    SubscriptionConfirmation,
    /// Sent when a subscription is removed.
    UnsubscribeConfirmation,
}

/// The digest SNS signed with: `SignatureVersion` 1 is SHA1, 2 is SHA256 (a topic attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnsDigest {
    /// RSA PKCS#1 v1.5 with SHA1.
    Sha1,
    /// RSA PKCS#1 v1.5 with SHA256.
    Sha256,
}

/// Why an envelope is refused before any certificate is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnsError {
    /// Not an SNS envelope (not JSON, a field missing or of the wrong type, an unknown `Type`).
    #[error("not an SNS message: {0}")]
    Malformed(&'static str),
    /// `SigningCertURL` or `SubscribeURL` is not an https URL on an SNS host.
    #[error("{0} is not an https://sns.<region>.amazonaws.com URL")]
    ForeignUrl(&'static str),
    /// A `SignatureVersion` other than 1 or 2.
    #[error("unsupported SignatureVersion")]
    Version,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Raw {
    #[serde(rename = "Type")]
    kind: String,
    message_id: String,
    topic_arn: String,
    subject: Option<String>,
    message: String,
    timestamp: String,
    signature_version: String,
    signature: String,
    #[serde(rename = "SigningCertURL")]
    signing_cert_url: String,
    #[serde(rename = "SubscribeURL")]
    subscribe_url: Option<String>,
    token: Option<String>,
}

/// A parsed SNS envelope.
#[derive(Debug, Clone)]
pub struct SnsEnvelope {
    /// `Type`.
    pub kind: SnsKind,
    /// `TopicArn`: who published it (the bridge accepts listed topics only).
    pub topic_arn: String,
    /// `MessageId`: the same on every retry of one message.
    pub message_id: String,
    /// `Message`: for CloudWatch alarms, the alarm as a JSON string.
    pub message: String,
    raw: Raw,
}

impl SnsEnvelope {
    /// Parses an SNS HTTP/S delivery body.
    pub fn parse(body: &[u8]) -> Result<SnsEnvelope, SnsError> {
        let raw: Raw =
            serde_json::from_slice(body).map_err(|_| SnsError::Malformed("envelope fields"))?;
        let kind = match raw.kind.as_str() {
            "Notification" => SnsKind::Notification,
            "SubscriptionConfirmation" => SnsKind::SubscriptionConfirmation,
            "UnsubscribeConfirmation" => SnsKind::UnsubscribeConfirmation,
            _ => return Err(SnsError::Malformed("Type")),
        };
        if kind != SnsKind::Notification && (raw.token.is_none() || raw.subscribe_url.is_none()) {
            return Err(SnsError::Malformed("Token and SubscribeURL"));
        }
        Ok(SnsEnvelope {
            kind,
            topic_arn: raw.topic_arn.clone(),
            message_id: raw.message_id.clone(),
            message: raw.message.clone(),
            raw,
        })
    }

    /// The digest the signature was made with.
    pub fn digest(&self) -> Result<SnsDigest, SnsError> {
        match self.raw.signature_version.as_str() {
            "1" => Ok(SnsDigest::Sha1),
            "2" => Ok(SnsDigest::Sha256),
            _ => Err(SnsError::Version),
        }
    }

    /// The base64 `Signature`.
    pub fn signature(&self) -> &str {
        &self.raw.signature
    }

    /// The bytes SNS signed: `name\nvalue\n` for each signed field, in SNS's order
    /// (notifications: Message, MessageId, Subject if present, Timestamp, TopicArn, Type;
    /// confirmations: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type).
    pub fn string_to_sign(&self) -> String {
        let r = &self.raw;
        let mut fields: Vec<(&str, &str)> =
            vec![("Message", &r.message), ("MessageId", &r.message_id)];
        match self.kind {
            SnsKind::Notification => {
                if let Some(subject) = &r.subject {
                    fields.push(("Subject", subject));
                }
                fields.push(("Timestamp", &r.timestamp));
            }
            SnsKind::SubscriptionConfirmation | SnsKind::UnsubscribeConfirmation => {
                fields.push((
                    "SubscribeURL",
                    r.subscribe_url.as_deref().unwrap_or_default(),
                ));
                fields.push(("Timestamp", &r.timestamp));
                fields.push(("Token", r.token.as_deref().unwrap_or_default()));
            }
        }
        fields.push(("TopicArn", &r.topic_arn));
        fields.push(("Type", &r.kind));
        fields
            .into_iter()
            .map(|(name, value)| format!("{name}\n{value}\n"))
            .collect()
    }

    /// `SigningCertURL`, when it is an SNS certificate URL (`https`, an SNS host, a `.pem` path).
    pub fn signing_cert_url(&self) -> Result<Url, SnsError> {
        let url = sns_url(&self.raw.signing_cert_url, "SigningCertURL")?;
        if url.path().ends_with(".pem") && url.query().is_none() {
            Ok(url)
        } else {
            Err(SnsError::ForeignUrl("SigningCertURL"))
        }
    }

    /// `SubscribeURL` of a subscription confirmation, when it is SNS's own
    /// `ConfirmSubscription` action for this envelope's topic.
    pub fn subscribe_url(&self) -> Result<Url, SnsError> {
        let raw = self.raw.subscribe_url.as_deref().unwrap_or_default();
        let url = sns_url(raw, "SubscribeURL")?;
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let confirms = param("Action").as_deref() == Some("ConfirmSubscription")
            && param("TopicArn").as_deref() == Some(self.topic_arn.as_str());
        if confirms {
            Ok(url)
        } else {
            Err(SnsError::ForeignUrl("SubscribeURL"))
        }
    }
}

/// `raw` parsed, when it is `https://sns.<region>.amazonaws.com[.cn]/…` with no credentials and
/// the default port.
fn sns_url(raw: &str, field: &'static str) -> Result<Url, SnsError> {
    let foreign = SnsError::ForeignUrl(field);
    let url = Url::parse(raw).map_err(|_| foreign.clone())?;
    let host = url.host_str().unwrap_or_default();
    let region = host
        .strip_prefix("sns.")
        .and_then(|h| {
            h.strip_suffix(".amazonaws.com")
                .or_else(|| h.strip_suffix(".amazonaws.com.cn"))
        })
        .unwrap_or_default();
    let region_ok = region.len() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if url.scheme() == "https"
        && region_ok
        && url.port().is_none()
        && url.username().is_empty()
        && url.password().is_none()
    {
        Ok(url)
    } else {
        Err(foreign)
    }
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;
