//! Idempotency keys and the job ids derived from them.
//!
//! The job id is a pure function of (source, key kind, key), so a retried delivery maps to the same
//! job id and the conditional write on the job item itself is the dedupe: one item per delivery,
//! no second table, no read-before-write.

use sha2::{Digest, Sha256};
use thiserror::Error;

/// Longest accepted delivery id or `Idempotency-Key` value, in bytes (all ASCII, so also chars).
const MAX_DELIVERY_ID_LEN: usize = 256;

/// Longest accepted source name. Sources are route segments (`servicenow`, `github`, ...).
const MAX_SOURCE_LEN: usize = 64;

/// "job_" followed by this many lowercase hex characters (128 bits of SHA-256).
const JOB_ID_HEX_LEN: usize = 32;
/// What every job id starts with.
const JOB_ID_PREFIX: &str = "job_";

/// Why a key could not be built. Carries no part of the rejected value: it came from the sender.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The source is not 1-64 characters of `a-z 0-9 - _` (a bug in the caller: sources are
    /// route segments).
    #[error("source must be 1 to {MAX_SOURCE_LEN} characters of a-z, 0-9, '-' or '_'")]
    InvalidSource,
    /// The delivery id is empty once surrounding spaces and tabs are trimmed.
    #[error("delivery id is empty")]
    EmptyDeliveryId,
    /// The delivery id is longer than 256 characters.
    #[error("delivery id is longer than {MAX_DELIVERY_ID_LEN} characters")]
    DeliveryIdTooLong,
    /// The delivery id holds a control character, a newline or non-ASCII text.
    #[error("delivery id contains a character outside printable ASCII")]
    DeliveryIdNotPrintable,
}

/// Where the key came from. Part of the job id so a delivery id can never collide with a body hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyKind {
    /// A vendor delivery id header or an `Idempotency-Key` header.
    Delivery,
    /// SHA-256 of the source and the raw body (the sender gave no id).
    Body,
}

impl KeyKind {
    /// The kind's name in the job-id preimage.
    fn as_str(self) -> &'static str {
        match self {
            KeyKind::Delivery => "delivery",
            KeyKind::Body => "body",
        }
    }
}

/// The identity of one delivery for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    source: String,
    kind: KeyKind,
    value: String,
    /// The caller whose key this is ([`IdempotencyKey::of_caller`]); empty when unscoped.
    caller: String,
}

impl IdempotencyKey {
    /// From a sender's delivery id (`X-GitHub-Delivery`, `X-Atlassian-Webhook-Identifier`,
    /// `x-zendesk-webhook-invocation-id`, PagerDuty `X-Webhook-Id`) or an `Idempotency-Key` header.
    ///
    /// Surrounding spaces and tabs are trimmed (HTTP optional whitespace is not part of a value);
    /// anything else is taken verbatim, quotes included, because a sender retries with the same
    /// bytes. Only printable ASCII is accepted: the value is stored and logged, and a control
    /// character or newline would also make the job-id preimage ambiguous.
    pub fn from_delivery_id(source: &str, id: &str) -> Result<Self, KeyError> {
        check_source(source)?;
        let id = id.trim_matches([' ', '\t']);
        if id.is_empty() {
            return Err(KeyError::EmptyDeliveryId);
        }
        if id.len() > MAX_DELIVERY_ID_LEN {
            return Err(KeyError::DeliveryIdTooLong);
        }
        if !id.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(KeyError::DeliveryIdNotPrintable);
        }
        Ok(Self {
            source: source.to_owned(),
            kind: KeyKind::Delivery,
            value: id.to_owned(),
            caller: String::new(),
        })
    }

    /// From the raw body when the sender sent no delivery id: hex SHA-256 of `source "\n" body`.
    ///
    /// Two distinct events with byte-identical bodies from one source are treated as one delivery
    /// until the record expires; senders without delivery ids offer nothing better.
    pub fn from_body(source: &str, body: &[u8]) -> Result<Self, KeyError> {
        check_source(source)?;
        Ok(Self {
            source: source.to_owned(),
            kind: KeyKind::Body,
            value: request_fingerprint(source, body),
            caller: String::new(),
        })
    }

    /// The same key in `caller`'s own space: two callers presenting the same key (or body) are
    /// two deliveries, so one can neither be answered from the other's job nor claim a key
    /// ahead of it. `caller` is a stable principal id (`integration:ServiceNowProd`).
    pub fn of_caller(self, caller: &str) -> Self {
        Self {
            caller: caller.to_owned(),
            ..self
        }
    }

    /// The source the delivery came to (a route segment).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The delivery id, or the body hash in hex.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `"job_"` + the first 32 hex characters of SHA-256(source "\n" kind "\n" key), with
    /// "\n" caller appended for a key of a caller.
    ///
    /// Newline separators are unambiguous because none of the first three parts can contain one
    /// and the caller comes last.
    /// 128 bits make an accidental collision between deliveries negligible, and the id stays
    /// short enough for URLs and logs. It reveals nothing about the delivery id.
    pub fn job_id(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.source.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.kind.as_str().as_bytes());
        hasher.update(b"\n");
        hasher.update(self.value.as_bytes());
        if !self.caller.is_empty() {
            hasher.update(b"\n");
            hasher.update(self.caller.as_bytes());
        }
        let digest = hex::encode(hasher.finalize());
        format!("{JOB_ID_PREFIX}{}", &digest[..JOB_ID_HEX_LEN])
    }
}

/// What a request was: hex SHA-256 of `source "\n" body`. A job keeps its request's fingerprint,
/// and a key presented again with another fingerprint is refused (`StoreError::KeyReused`), so a
/// key cannot be claimed ahead with a forged body and then answer the real delivery.
pub fn request_fingerprint(source: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// True if `s` has the shape of a job id. Lets `GET /jobs/{id}` answer 404 for garbage without a
/// table read, and the worker reject a message whose job id could not have come from us.
pub fn is_job_id(s: &str) -> bool {
    s.strip_prefix(JOB_ID_PREFIX).is_some_and(|hex| {
        hex.len() == JOB_ID_HEX_LEN
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Sources are route segments: 1-64 of `a-z 0-9 - _`.
fn check_source(source: &str) -> Result<(), KeyError> {
    let ok = !source.is_empty()
        && source.len() <= MAX_SOURCE_LEN
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(KeyError::InvalidSource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_id_is_pinned_for_a_fixed_input() {
        // Pinned: changing the derivation would orphan every in-flight record after a deploy.
        let key =
            IdempotencyKey::from_delivery_id("github", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
                .unwrap();
        assert_eq!(key.job_id(), "job_cf2a2f972293dea3d59b9788dc07b3ca");
        let body = IdempotencyKey::from_body("servicenow", br#"{"number":"INC0010001"}"#).unwrap();
        assert_eq!(
            body.value(),
            "ad3cf472124423084b874c742ab12cbb3415cfd15179b230778d1422c74c3fe6"
        );
        assert_eq!(body.job_id(), "job_82c5ca24f628be967db7bc4d35d49ac7");
    }

    #[test]
    fn job_id_is_deterministic_and_well_formed() {
        let a = IdempotencyKey::from_delivery_id("jira", "abc").unwrap();
        let b = IdempotencyKey::from_delivery_id("jira", "abc").unwrap();
        assert_eq!(a.job_id(), b.job_id());
        assert!(is_job_id(&a.job_id()));
    }

    #[test]
    fn two_callers_never_share_a_job_for_the_same_key_or_body() {
        let key = IdempotencyKey::from_delivery_id("servicenow", "INC0010001-3").unwrap();
        let prod = key.clone().of_caller("integration:ServiceNowProd");
        let other = key.clone().of_caller("integration:ServiceNowDev");
        assert_ne!(prod.job_id(), other.job_id());
        assert_ne!(prod.job_id(), key.job_id());
        assert_eq!(
            prod.job_id(),
            key.of_caller("integration:ServiceNowProd").job_id(),
            "the same caller's retry finds its job"
        );
        let body = IdempotencyKey::from_body("github", b"{}").unwrap();
        assert_ne!(
            body.clone().of_caller("sender:github").job_id(),
            body.of_caller("integration:GitHubAcme").job_id()
        );
    }

    #[test]
    fn different_sources_give_different_ids() {
        let a = IdempotencyKey::from_delivery_id("jira", "abc").unwrap();
        let b = IdempotencyKey::from_delivery_id("zendesk", "abc").unwrap();
        assert_ne!(a.job_id(), b.job_id());
        let a = IdempotencyKey::from_body("jira", b"{}").unwrap();
        let b = IdempotencyKey::from_body("zendesk", b"{}").unwrap();
        assert_ne!(a.value(), b.value());
        assert_ne!(a.job_id(), b.job_id());
    }

    #[test]
    fn delivery_id_and_body_hash_never_collide() {
        let body = IdempotencyKey::from_body("github", b"x").unwrap();
        // A sender that sends the body hash as its delivery id still gets a different job.
        let delivery = IdempotencyKey::from_delivery_id("github", body.value()).unwrap();
        assert_ne!(body.job_id(), delivery.job_id());
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let a = IdempotencyKey::from_delivery_id("github", "  abc\t").unwrap();
        assert_eq!(a.value(), "abc");
        let b = IdempotencyKey::from_delivery_id("github", "abc").unwrap();
        assert_eq!(a.job_id(), b.job_id());
    }

    #[test]
    fn invalid_delivery_ids_are_refused() {
        let f = |id: &str| IdempotencyKey::from_delivery_id("github", id).unwrap_err();
        assert_eq!(f(""), KeyError::EmptyDeliveryId);
        assert_eq!(f("   "), KeyError::EmptyDeliveryId);
        assert_eq!(f("a\nb"), KeyError::DeliveryIdNotPrintable);
        assert_eq!(f("a\u{7f}"), KeyError::DeliveryIdNotPrintable);
        assert_eq!(f("caf\u{e9}"), KeyError::DeliveryIdNotPrintable);
        assert_eq!(f(&"a".repeat(257)), KeyError::DeliveryIdTooLong);
        assert!(IdempotencyKey::from_delivery_id("github", &"a".repeat(256)).is_ok());
        assert!(IdempotencyKey::from_delivery_id("github", "with inner space").is_ok());
    }

    #[test]
    fn invalid_sources_are_refused() {
        for source in ["", "GitHub", "a\nb", "a/b", &"a".repeat(65)] {
            assert_eq!(
                IdempotencyKey::from_delivery_id(source, "x").unwrap_err(),
                KeyError::InvalidSource
            );
            assert_eq!(
                IdempotencyKey::from_body(source, b"x").unwrap_err(),
                KeyError::InvalidSource
            );
        }
    }

    #[test]
    fn job_id_shape() {
        assert!(is_job_id("job_0123456789abcdef0123456789abcdef"));
        assert!(!is_job_id("job_0123456789ABCDEF0123456789abcdef"));
        assert!(!is_job_id("job_0123456789abcdef0123456789abcde"));
        assert!(!is_job_id("0123456789abcdef0123456789abcdef0123"));
        assert!(!is_job_id("job_0123456789abcdef0123456789abcdeg"));
    }
}
