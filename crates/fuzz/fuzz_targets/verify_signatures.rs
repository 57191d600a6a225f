//! Any body and header values, for every source's recipe: verification never panics, a
//! signature the fuzzer made up never verifies, and a signature made correctly but with another
//! key is always refused (while the same recipe with the configured key is accepted, so the
//! refusal is the key's doing, not a malformed header's).
#![no_main]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use ticket_prompt::Source;
use ticket_prompt::signature::{Presented, SignatureError, SigningKey, verify};

/// The configured secret and another one, as each recipe takes it (base64 for the bridge's own).
fn secrets(source: Source) -> (&'static str, &'static str) {
    match source {
        Source::ServiceNow | Source::Generic => ("ZnV6ei1rZXk=", "b3RoZXIta2V5"),
        _ => ("fuzz-key", "other-key"),
    }
}

/// The signature and timestamp headers a sender holding `secret` sends for `body` now.
fn signed(source: Source, secret: &str, body: &[u8]) -> (String, String) {
    let key = match source {
        Source::ServiceNow | Source::Generic => BASE64.decode(secret).unwrap(),
        _ => secret.as_bytes().to_vec(),
    };
    let mac = |parts: &[&[u8]]| {
        let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        parts.iter().for_each(|p| m.update(p));
        m.finalize().into_bytes().to_vec()
    };
    let now = SystemTime::now();
    match source {
        Source::GitHub | Source::Jira => (
            format!("sha256={}", hex::encode(mac(&[body]))),
            String::new(),
        ),
        Source::PagerDuty => (format!("v1={}", hex::encode(mac(&[body]))), String::new()),
        Source::Sentry | Source::Linear => (hex::encode(mac(&[body])), String::new()),
        Source::Grafana => {
            let ts = now
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                .to_string();
            (hex::encode(mac(&[ts.as_bytes(), b":", body])), ts)
        }
        // Plain tokens: the secret itself is what the sender presents.
        Source::GitLab | Source::Splunk => (secret.to_owned(), String::new()),
        // Unsigned by a shared key (CloudWatch is signed by SNS's certificate): skipped below.
        Source::Datadog | Source::NewRelic | Source::Dynatrace | Source::CloudWatch => {
            (String::new(), String::new())
        }
        Source::Alertmanager => (format!("Bearer {secret}"), String::new()),
        Source::Zendesk => {
            let ts = humantime::format_rfc3339_seconds(now).to_string();
            (BASE64.encode(mac(&[ts.as_bytes(), body])), ts)
        }
        Source::ServiceNow | Source::Generic => {
            let ts = now
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                .to_string();
            (
                format!("v1={}", BASE64.encode(mac(&[ts.as_bytes(), b".", body]))),
                ts,
            )
        }
    }
}

fuzz_target!(|input: (&[u8], &str, &str)| {
    let (body, signature, timestamp) = input;
    for source in Source::ALL {
        if !ticket_prompt::signature::can_sign(source) {
            // No scheme: a key is never accepted, whatever the headers say.
            let key = SigningKey::from_secret(source, "fuzz-key").unwrap();
            let presented = Presented {
                signature: Some(signature),
                timestamp: Some(timestamp),
            };
            let verdict = verify(source, &[key], body, presented, SystemTime::now());
            assert_eq!(verdict, Err(SignatureError::Unsupported), "{source:?}");
            continue;
        }
        let (secret, other) = secrets(source);
        let key = SigningKey::from_secret(source, secret).unwrap();
        let check = |signature: &str, timestamp: &str| {
            let presented = Presented {
                signature: Some(signature),
                timestamp: Some(timestamp),
            };
            verify(
                source,
                std::slice::from_ref(&key),
                body,
                presented,
                SystemTime::now(),
            )
        };
        // A plain token is the secret itself: only an input holding it may verify.
        let token = matches!(
            source,
            Source::GitLab | Source::Alertmanager | Source::Splunk
        );
        assert!(
            check(signature, timestamp).is_err() || (token && signature.contains(secret)),
            "{source:?}: a made-up signature verified"
        );
        let (theirs, ts) = signed(source, other, body);
        assert_eq!(
            check(&theirs, &ts),
            Err(SignatureError::Mismatch),
            "{source:?}: another key's signature"
        );
        let (ours, ts) = signed(source, secret, body);
        let verdict = check(&ours, &ts);
        if source == Source::Linear {
            // Linear's time is in the body: a fuzzed body rarely carries a current one.
            assert!(
                matches!(
                    verdict,
                    Ok(()) | Err(SignatureError::BodyTimestamp | SignatureError::Expired)
                ),
                "{source:?}: the configured key's signature: {verdict:?}"
            );
        } else {
            assert_eq!(
                verdict,
                Ok(()),
                "{source:?}: the configured key's signature"
            );
        }
    }
});
