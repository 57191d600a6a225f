//! The error-code enum against the implementation, both ways: it lists exactly the bridge's
//! codes and API Gateway's (template.yaml), each under a status the document gives it, and a
//! real request produces every code the bridge can answer with.

use std::collections::{BTreeMap, BTreeSet};

use webhook_bridge::error_catalogue;

use super::caller_codes::{callers, tokens};
use super::codes::{
    NOT_PRODUCED_BY_THE_BRIDGE, documented_codes, documents_error, envelope, gateway_responses,
    implementation_codes,
};
use super::document::{INVOKE, JOBS, OPERATIONS, WEBHOOK};
use super::job_codes::{
    jobs_table_and_queue, misconfigured, modes_without_a_queue, store_unavailable,
};
use super::request_codes::{
    agent_failures, caller_sessions, limits, malformed_requests, signatures,
};
use super::requests::job_id_for;
use super::schema::{assert_conforms, schema};
use crate::support::harness;

#[tokio::test]
async fn the_error_code_enum_is_exactly_what_the_implementation_produces() {
    let implementation = implementation_codes();
    let gateway = gateway_responses();
    let reasons: BTreeMap<&str, &str> = NOT_PRODUCED_BY_THE_BRIDGE.iter().copied().collect();

    // The document lists the bridge's codes and the gateway's, nothing else.
    let mut expected = implementation.clone();
    expected.extend(gateway.iter().map(|(c, _)| c.clone()));
    assert_eq!(
        documented_codes(),
        expected,
        "ErrorCode enum vs implementation + template"
    );
    for (code, reason) in &reasons {
        assert!(
            !implementation.contains(*code),
            "{code} is produced by the bridge after all"
        );
        assert!(
            gateway.iter().any(|(c, _)| c == code),
            "{code}: {reason}, but template.yaml has no such response"
        );
    }

    // Each error's status is one the document gives that code on some operation (NOT_FOUND:
    // paths outside the document, so any envelope).
    for e in error_catalogue() {
        let (code, status) = (e.code, e.status);
        if code == "NOT_FOUND" {
            assert_conforms(schema("ErrorEnvelope"), &envelope(code, status), code);
            continue;
        }
        assert!(
            OPERATIONS.iter().any(|k| documents_error(k, code, status)),
            "{code} ({status}) is not documented under {status} on any operation"
        );
    }
    // The gateway's responses are documented on the REST operations under their status; AWS
    // WAF's allow-list guards only the API without keys, which serves only webhooks.
    for (code, status) in &gateway {
        if code == "NOT_FOUND" {
            continue;
        }
        let operations: &[_] = match code.as_str() {
            "SOURCE_IP_NOT_ALLOWED" => &[WEBHOOK],
            _ => &[WEBHOOK, INVOKE, JOBS],
        };
        for &key in operations {
            assert!(
                documents_error(key, code, *status),
                "{key}: gateway {code} ({status})"
            );
        }
    }

    // A real request for every code the bridge produces.
    let mut seen = BTreeSet::new();
    let h = harness(&[]).await;
    malformed_requests(&h.bridge, &mut seen).await;
    agent_failures(&h, &mut seen).await;
    limits(&mut seen).await;
    caller_sessions(&mut seen).await;
    signatures(&mut seen).await;
    let unknown = job_id_for("servicenow", "never-delivered");
    modes_without_a_queue(&unknown, &mut seen).await;
    jobs_table_and_queue(&unknown, &mut seen).await;
    store_unavailable(&unknown, &mut seen).await;
    misconfigured(&unknown, &mut seen).await;
    callers(&unknown, &mut seen).await;
    tokens(&mut seen).await;

    // Every code the bridge can produce was produced; the rest are the gateway's, with reasons.
    assert_eq!(
        seen, implementation,
        "codes produced by requests vs the implementation"
    );
    let unproduced: BTreeSet<String> = documented_codes().difference(&seen).cloned().collect();
    let with_reason: BTreeSet<String> = reasons.keys().map(|c| c.to_string()).collect();
    assert_eq!(
        unproduced, with_reason,
        "documented codes no request produced"
    );
}
