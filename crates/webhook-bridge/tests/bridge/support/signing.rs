//! Signing fixtures the way senders do: HMAC-SHA256 over the raw body (and, where the scheme
//! signs one, a timestamp), with headers added to a recorded event.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::event_json;

/// HMAC-SHA256 of the concatenated `parts` under `key`.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    parts.iter().for_each(|p| m.update(p));
    m.finalize().into_bytes().to_vec()
}

/// The fixture with `headers` added (names as the vendor sends them).
pub fn with_headers(name: &str, headers: &[(&str, String)]) -> Value {
    let mut ev = event_json(name);
    for (k, v) in headers {
        ev["headers"][*k] = Value::from(v.clone());
        ev["multiValueHeaders"][*k] = Value::from(vec![v.clone()]);
    }
    ev
}

/// An event's body bytes, as the signature covers them.
pub fn body_of(ev: &Value) -> Vec<u8> {
    ev["body"].as_str().unwrap().as_bytes().to_vec()
}

/// GitHub's `X-Hub-Signature-256` value for `ev`'s body under `secret`.
pub fn github_signature(ev: &Value, secret: &str) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac(secret.as_bytes(), &[&body_of(ev)]))
    )
}

/// A ServiceNow (and generic) signing secret: base64, as ServiceNow's `generateMac` takes it.
pub const SERVICENOW_SECRET: &str = "c2VydmljZW5vdy1zaWduaW5nLWtleQ==";

/// `X-Signature` and `X-Signature-Timestamp` for `body` signed now with [`SERVICENOW_SECRET`]:
/// base64 HMAC-SHA256 over `timestamp "." body` with the decoded key.
pub fn servicenow_headers(body: &[u8]) -> [(&'static str, String); 2] {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let key = BASE64.decode(SERVICENOW_SECRET).unwrap();
    let signature = BASE64.encode(hmac(&key, &[ts.as_bytes(), b".", body]));
    [("X-Signature", signature), ("X-Signature-Timestamp", ts)]
}
