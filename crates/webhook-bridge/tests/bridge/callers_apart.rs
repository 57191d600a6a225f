//! What one caller does never reaches another: two integrations of the same source (two
//! ServiceNow instances, say) have their own idempotency keys and their own ticket sessions,
//! even when their keys, bodies and ticket numbers are equal.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::jobs::JobsHarness;
use crate::support::{Reply, call, event_json, harness, request};

const KEYS: &str = r#"{"ServiceNowProd": "pr0dk3y001", "ServiceNowDev": "d3vk3y0001"}"#;

/// The ServiceNow fixture from the integration with `key_id`, with `Idempotency-Key: key` and,
/// when given, another ticket in its body.
fn from(key_id: &str, key: &str, forged: bool) -> lambda_http::Request {
    let mut ev = event_json("servicenow-incident.json");
    ev["requestContext"]["identity"]["apiKeyId"] = Value::from(key_id);
    ev["headers"]["Idempotency-Key"] = Value::from(key);
    ev["multiValueHeaders"]["Idempotency-Key"] = Value::from(vec![key]);
    if forged {
        ev["isBase64Encoded"] = Value::from(false);
        ev["body"] = Value::from(
            json!({"number": "INC0066666", "short_description": "Forged ahead"}).to_string(),
        );
    }
    request(&ev)
}

#[tokio::test]
async fn two_integrations_of_one_source_never_share_a_job() {
    let h = JobsHarness::start(&[("INTEGRATION_KEYS", KEYS)]).await;
    let prod = call(&h.bridge, from("pr0dk3y001", "INC0010001-4", false)).await;
    assert_eq!(prod.status, StatusCode::OK, "{}", prod.raw);
    // The same key and body from the other instance: its own delivery, analysed, not the first
    // one's answer replayed to it.
    let dev = call(&h.bridge, from("d3vk3y0001", "INC0010001-4", false)).await;
    assert_eq!(dev.status, StatusCode::OK, "{}", dev.raw);
    assert_ne!(dev.json["replayed"], Value::Bool(true), "{}", dev.raw);
    assert_eq!(h.agentcore.invocation_count(), 2);

    // Dev claims Prod's next (predictable) key first, with a forged body: Prod's own delivery
    // is neither refused nor answered from Dev's job.
    let ahead = call(&h.bridge, from("d3vk3y0001", "INC0010001-5", true)).await;
    assert_eq!(ahead.status, StatusCode::OK, "{}", ahead.raw);
    let real = call(&h.bridge, from("pr0dk3y001", "INC0010001-5", false)).await;
    assert_eq!(real.status, StatusCode::OK, "{}", real.raw);
    assert_eq!(real.json["incident_number"], "INC0010001", "{}", real.raw);
    assert_eq!(h.agentcore.invocation_count(), 4);
}

#[tokio::test]
async fn two_integrations_of_one_source_never_share_a_ticket_session() {
    let h = harness(&[
        ("INTEGRATION_KEYS", KEYS),
        ("SESSION_POLICY", "ticket"),
        ("SESSION_SECRET", "a-deployment-session-secret"),
    ])
    .await;
    let session = |reply: &Reply| reply.json["session_id"].as_str().unwrap().to_owned();
    let prod = session(&call(&h.bridge, from("pr0dk3y001", "a-1", false)).await);
    let prod_again = session(&call(&h.bridge, from("pr0dk3y001", "a-2", false)).await);
    let dev = session(&call(&h.bridge, from("d3vk3y0001", "a-3", false)).await);
    assert_eq!(
        prod, prod_again,
        "one session per ticket for its integration"
    );
    assert_ne!(
        prod, dev,
        "the other instance's INC0010001 is another ticket"
    );
}
