//! What the bridge's logs hold at INFO, the deployed level: never an API key value, a bearer
//! token, a signature or ticket text, for accepted and refused requests alike. The bridge's own
//! log output (target `webhook_bridge`; the emulators' is not) is captured by a process-wide
//! subscriber, installed once: a thread-scoped one misses lines whose callsites other tests
//! registered first. The capture holds every test's lines; this test searches it for its own
//! secrets, which no other test uses.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;

use crate::support::issuer::{LocalIssuer, Signer, sign};
use crate::support::signing::{SERVICENOW_SECRET, servicenow_headers};
use crate::support::{call, event_json, harness, request};

/// Log output, shared with the subscriber that writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The process-wide capture, installed on first use.
fn captured() -> Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(logs.clone())
                    .with_ansi(false),
            )
            .with(Targets::new().with_target("webhook_bridge", tracing::Level::INFO));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        logs
    })
    .clone()
}

const KID: &str = "issuer-key-1";
/// The API key value in the fixtures' events (`x-api-key`, `requestContext.identity.apiKey`).
const API_KEY: &str = "ExampleApiKeyValue0123456789abcdef";
const TICKET_TEXT: &str = "the door code is 4711-QWERTY";

fn with_header(mut ev: Value, name: &str, value: &str) -> Value {
    ev["headers"][name] = json!(value);
    ev["multiValueHeaders"][name] = json!([value]);
    ev
}

#[tokio::test]
async fn no_key_token_signature_or_ticket_text_reaches_the_logs_at_info() {
    let logs = captured();
    let issuer = LocalIssuer::start(&[KID]).await;
    let mut env: Vec<(&str, String)> = issuer.env();
    env.push(("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let h = harness(&env).await;

    let token = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    let forged = sign(&issuer.claims("mallory"), Some(KID), Signer::Attacker);
    for bearer in [&token, &forged] {
        let ev = with_header(
            event_json("invoke-api.json"),
            "Authorization",
            &format!("Bearer {bearer}"),
        );
        call(&h.bridge, request(&ev)).await;
    }
    // A signed ticket carrying private text, and the same with a wrong signature.
    let mut ev = event_json("servicenow-incident.json");
    let mut body: Value = serde_json::from_str(ev["body"].as_str().unwrap()).unwrap();
    body["description"] = json!(TICKET_TEXT);
    body["short_description"] = json!(format!("Locked out: {TICKET_TEXT}"));
    ev["body"] = json!(body.to_string());
    ev["isBase64Encoded"] = json!(false);
    let signed = servicenow_headers(body.to_string().as_bytes());
    let mut good = ev.clone();
    for (name, value) in &signed {
        good = with_header(good, name, value);
    }
    assert_eq!(call(&h.bridge, request(&good)).await.status, 200);
    let bad = with_header(
        good.clone(),
        "X-Signature",
        "c2lnbmF0dXJlLW9mLXRoZS1hdHRhY2tlcg==",
    );
    assert_eq!(call(&h.bridge, request(&bad)).await.status, 401);

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("delivery handled"),
        "the capture works: {text}"
    );
    let signature = &signed[0].1;
    for (what, secret) in [
        ("a bearer token", token.as_str()),
        ("a forged bearer token", forged.as_str()),
        ("the API key", API_KEY),
        ("a signature", signature.as_str()),
        ("the signing secret", SERVICENOW_SECRET),
        ("ticket text", "4711-QWERTY"),
    ] {
        assert!(!text.contains(secret), "{what} reached the logs:\n{text}");
    }
}
