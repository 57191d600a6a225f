//! The error codes: what the implementation and template.yaml can produce, what the document
//! lists and allows per operation and status, and a request's code observed and checked.

use std::collections::BTreeSet;

use lambda_http::Request;
use local_agentcore::Fault;
use regex_lite::Regex;
use serde_json::{Value, json};
use webhook_bridge::{Bridge, error_catalogue};

use super::document::{INVOKE, WEBHOOK, check_reply, operation};
use super::requests::{MINIMAL_INCIDENT, MINIMAL_QUERY, invoke, webhook};
use super::schema::{conforms, resolve, schema};
use crate::support::{Harness, call};

/// Codes in the document that the bridge never produces, and why they are there.
pub(super) const NOT_PRODUCED_BY_THE_BRIDGE: &[(&str, &str)] = &[
    (
        "API_KEY_REQUIRED",
        "API Gateway response UNAUTHORIZED, the key authorizer's refusal (template.yaml)",
    ),
    (
        "INVALID_API_KEY",
        "API Gateway response INVALID_API_KEY (template.yaml)",
    ),
    (
        "QUOTA_EXCEEDED",
        "API Gateway response QUOTA_EXCEEDED (template.yaml)",
    ),
    (
        "GATEWAY_ERROR",
        "API Gateway response DEFAULT_5XX (template.yaml)",
    ),
    (
        "SOURCE_IP_NOT_ALLOWED",
        "AWS WAF's block of an address outside KeylessAllowedCidrs (template.yaml)",
    ),
];

/// Every code the bridge can answer with (its own catalogue of failures).
pub(super) fn implementation_codes() -> BTreeSet<String> {
    error_catalogue()
        .iter()
        .map(|e| e.code.to_owned())
        .collect()
}

/// `(code, status)` of every API Gateway response in template.yaml.
pub(crate) fn gateway_responses() -> Vec<(String, u16)> {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
            .unwrap();
    let re = Regex::new(r#""code": "([A-Z_]+)", "message": "[^"]*", "status": (\d+)"#).unwrap();
    let found: Vec<(String, u16)> = re
        .captures_iter(&template)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
        .collect();
    assert!(
        found.len() >= 7,
        "gateway responses in template.yaml: {found:?}"
    );
    found
}

/// The `ErrorCode` enum.
pub(crate) fn documented_codes() -> BTreeSet<String> {
    schema("ErrorCode")["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// An error envelope with `code` and `status`, to ask which documented responses allow it.
pub(super) fn envelope(code: &str, status: u16) -> Value {
    json!({"success": false, "error": {"code": code, "message": "m", "status": status}, "request_id": "r"})
}

/// The `retry_after` the bridge sends with `code` (the gateway's `RATE_LIMIT_EXCEEDED` sends the same).
fn retry_after_of(code: &str) -> Option<u64> {
    let all: BTreeSet<Option<u64>> = error_catalogue()
        .iter()
        .filter(|e| e.code == code)
        .map(|e| e.retry_after)
        .collect();
    assert!(
        all.len() <= 1,
        "{code}: retry_after differs between variants"
    );
    all.into_iter().next().flatten()
}

/// Whether `path_key` documents `(code, status)` as a JSON error response.
pub(super) fn documents_error(path_key: &str, code: &str, status: u16) -> bool {
    let Some(r) = operation(path_key)["responses"].get(status.to_string()) else {
        return false;
    };
    let media = &resolve(r)["content"]["application/json"];
    let mut value = envelope(code, status);
    if let Some(secs) = retry_after_of(code) {
        value["error"]["retry_after"] = json!(secs);
    }
    media.is_object() && conforms(&media["schema"], &value)
}

/// Sends `req` on a REST operation, checks the reply against the document, records its code.
pub(super) async fn observe(
    bridge: &Bridge,
    key: &str,
    req: Request,
    expect: &str,
    seen: &mut BTreeSet<String>,
) {
    let reply = call(bridge, req).await;
    let code = check_reply(key, &reply, expect);
    assert_eq!(code.as_deref(), Some(expect), "{}", reply.raw);
    seen.insert(expect.to_owned());
}

/// Queues `fault`, then sends a minimal request on the webhook and the invoke API.
pub(super) async fn fault_maps_to(
    h: &Harness,
    fault: Fault,
    expect: &str,
    seen: &mut BTreeSet<String>,
) {
    h.agentcore.inject(fault.clone());
    observe(
        &h.bridge,
        WEBHOOK,
        webhook("servicenow", MINIMAL_INCIDENT, &[]),
        expect,
        seen,
    )
    .await;
    h.agentcore.inject(fault);
    observe(
        &h.bridge,
        INVOKE,
        invoke("default", MINIMAL_QUERY),
        expect,
        seen,
    )
    .await;
}
