//! One parsing rule for every source's signing secret, given inline or fetched from Secrets
//! Manager or SSM: surrounding whitespace is not part of it (a trailing newline from `echo` or a
//! console paste would otherwise make every signature fail, and a blank secret would become an
//! empty HMAC key anyone can sign with); a JSON array holds several while rotating; Secrets
//! Manager's key/value form holds it under the key `secret`. Each must be at least
//! [`SIGNING_SECRET_MIN`] characters.

use serde_json::Value;
use ticket_prompt::Source;
use ticket_prompt::signature::SigningKey;

/// The shortest signing secret accepted, after trimming (generate 32 or more).
pub const SIGNING_SECRET_MIN: usize = 8;

const FORMS: &str = "must be a secret, a JSON array of secrets, or {\"secret\": <secret or array>}";

/// The keys `raw` holds for `source`: one, or several while rotating (any of them verifies).
pub fn signing_keys(source: Source, raw: &str) -> Result<Vec<SigningKey>, &'static str> {
    let raw = raw.trim();
    let secrets = if raw.starts_with('[') || raw.starts_with('{') {
        match serde_json::from_str::<Value>(raw).map_err(|_| FORMS)? {
            Value::Object(mut fields) => match fields.remove("secret") {
                Some(Value::String(one)) => vec![one],
                Some(Value::Array(items)) => strings(items)?,
                _ => return Err(FORMS),
            },
            Value::Array(items) => strings(items)?,
            _ => return Err(FORMS),
        }
    } else {
        vec![raw.to_owned()]
    };
    if secrets.is_empty() {
        return Err("the JSON array of secrets is empty");
    }
    secrets
        .iter()
        .map(|secret| {
            let secret = secret.trim();
            if secret.chars().count() < SIGNING_SECRET_MIN {
                return Err(
                    "each secret must be at least 8 characters, not counting surrounding whitespace",
                );
            }
            SigningKey::from_secret(source, secret)
        })
        .collect()
}

fn strings(items: Vec<Value>) -> Result<Vec<String>, &'static str> {
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            _ => Err(FORMS),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a GitHub-style signature made with `secret` verifies against `keys`.
    fn verifies(keys: &[SigningKey], secret: &str) -> bool {
        use ticket_prompt::signature::{Presented, verify};
        let body = b"{}";
        let mac = hmac_hex(secret.as_bytes(), body);
        let signature = format!("sha256={mac}");
        let presented = Presented {
            signature: Some(&signature),
            timestamp: None,
        };
        verify(
            Source::GitHub,
            keys,
            body,
            presented,
            std::time::SystemTime::now(),
        )
        .is_ok()
    }

    fn hmac_hex(key: &[u8], body: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        m.update(body);
        hex::encode(m.finalize().into_bytes())
    }

    #[test]
    fn whitespace_around_a_secret_is_not_part_of_it() {
        for raw in [
            "gh-secret-1\n",
            "  gh-secret-1\t",
            "[\" gh-secret-1\\n\"]",
            "{\"secret\": \"gh-secret-1 \"}",
        ] {
            let keys = signing_keys(Source::GitHub, raw).unwrap();
            assert!(verifies(&keys, "gh-secret-1"), "{raw:?}");
        }
    }

    #[test]
    fn blank_empty_or_short_secrets_are_refused() {
        for raw in [
            "",
            "   ",
            "\n",
            "[]",
            "[\" \"]",
            "[\"ok-secret-1\", \"\"]",
            "short",
            "{\"secret\": \" \"}",
            "{\"secret\": []}",
        ] {
            assert!(signing_keys(Source::GitHub, raw).is_err(), "{raw:?}");
            assert!(signing_keys(Source::ServiceNow, raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn rotation_arrays_and_secrets_managers_key_value_form() {
        let keys = signing_keys(Source::GitHub, r#"["old-secret-1", "new-secret-1"]"#).unwrap();
        assert!(verifies(&keys, "old-secret-1") && verifies(&keys, "new-secret-1"));
        let keys = signing_keys(
            Source::GitHub,
            r#"{"secret": ["old-secret-1", "new-secret-1"]}"#,
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        for bad in [
            r#"{"password": "gh-secret-1"}"#,
            r#"{"secret": 12345678}"#,
            "[1, 2]",
            "[\"a\",",
        ] {
            assert!(signing_keys(Source::GitHub, bad).is_err(), "{bad}");
        }
        // A quoted string is a secret like any other text (it does not start a JSON form).
        assert!(signing_keys(Source::GitHub, "\"quoted-secret\"").is_ok());
    }

    #[test]
    fn the_bridge_scheme_still_takes_base64() {
        assert!(signing_keys(Source::ServiceNow, "c2VydmljZW5vdy1zaWduaW5nLWtleQ==\n").is_ok());
        assert!(signing_keys(Source::ServiceNow, "not base64!").is_err());
    }
}
