//! Requests that produce the codes the bridge answers on its own and for its agent: malformed
//! requests and unknown paths, each failure of the agent, the limits, caller-managed sessions
//! and signatures (SNS's among them). Each function sends its requests, checks every reply against the document
//! and records the codes it saw.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use local_agentcore::{Fault, ServiceError};
use serde_json::json;
use sha2::Sha256;
use webhook_bridge::Bridge;

use super::codes::{fault_maps_to, observe};
use super::document::{DIRECT, INVOKE, WEBHOOK, check_reply, concrete_path};
use super::requests::{
    MINIMAL_INCIDENT, MINIMAL_QUERY, api_request, call_stream, check_streamed_on, invoke, webhook,
};
use super::schema::{assert_conforms, schema};
use crate::support::sns::{TOPIC, sns_and_bridge};
use crate::support::{Harness, call, event, event_json, harness};

/// Malformed requests on the webhook and the invoke API, and a path outside the document.
pub(super) async fn malformed_requests(b: &Bridge, seen: &mut BTreeSet<String>) {
    for (req, code) in [
        (
            webhook("servicenow", r#"{"number": "INC1", "#, &[]),
            "INVALID_JSON",
        ),
        (webhook("servicenow", "[]", &[]), "INVALID_JSON"),
        (
            webhook("servicenow", r#"{"short_description": "x"}"#, &[]),
            "MISSING_REQUIRED_FIELD",
        ),
        (
            webhook(
                "servicenow",
                r#"{"number": "a/b", "description": "x"}"#,
                &[],
            ),
            "INVALID_FIELD",
        ),
        (
            webhook("remedy", MINIMAL_INCIDENT, &[]),
            "UNSUPPORTED_SOURCE",
        ),
        (
            api_request(
                "GET",
                &concrete_path(WEBHOOK, &[("source", "jira")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        observe(b, WEBHOOK, req, code, seen).await;
    }
    for (req, code) in [
        (invoke("default", "not json"), "INVALID_JSON"),
        (invoke("default", "{}"), "MISSING_REQUIRED_FIELD"),
        (
            invoke("default", r#"{"query": "q", "temperature": 1}"#),
            "INVALID_FIELD",
        ),
        (
            invoke("default", r#"{"query": "q", "user_id": "alice"}"#),
            "INVALID_FIELD",
        ),
        (invoke("nobody", MINIMAL_QUERY), "AGENT_NOT_FOUND"),
        (
            api_request(
                "PUT",
                &concrete_path(INVOKE, &[("agent", "default")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        observe(b, INVOKE, req, code, seen).await;
    }
    // Pika's direct invocation on the streaming entry point: a file of a type not taken.
    let exe = r#"{"agentId": "default", "message": "scan this", "files": [{"fileName": "a.exe", "fileContent": "TVqQAAMAAAAEAAAA", "mimeType": "application/x-msdownload"}]}"#;
    let s = call_stream(b, api_request("POST", "/", Some(exe), &[])).await;
    assert_eq!(s.status, 415, "{}", s.raw);
    check_streamed_on(DIRECT, &s, "POST / with an executable", seen);
    let reply = call(b, api_request("POST", "/prod/v2/nothing", Some("{}"), &[])).await;
    assert_eq!(reply.json["error"]["code"], "NOT_FOUND");
    assert_conforms(schema("ErrorEnvelope"), &reply.json, "an undocumented path");
    seen.insert("NOT_FOUND".into());
}

/// Each failure of the agent, on the webhook and the invoke API.
pub(super) async fn agent_failures(h: &Harness, seen: &mut BTreeSet<String>) {
    for (fault, code) in [
        (
            Fault::error(ServiceError::ValidationException),
            "AGENT_REQUEST_REJECTED",
        ),
        (
            Fault::error(ServiceError::AccessDeniedException),
            "AGENT_ACCESS_DENIED",
        ),
        (
            Fault::error(ServiceError::ResourceNotFoundException),
            "AGENT_NOT_FOUND",
        ),
        (
            Fault::error(ServiceError::RetryableConflictException),
            "SESSION_BUSY",
        ),
        (
            Fault::error(ServiceError::ThrottlingException),
            "RATE_LIMIT_EXCEEDED",
        ),
        (
            Fault::error(ServiceError::ServiceQuotaExceededException),
            "RATE_LIMIT_EXCEEDED",
        ),
        (
            Fault::error(ServiceError::RuntimeClientError),
            "AGENT_FAILED",
        ),
        (
            Fault::error(ServiceError::InternalServerException),
            "AGENT_UNAVAILABLE",
        ),
        (Fault::InBandError, "AGENT_FAILED"),
        (Fault::CutStream, "AGENT_STREAM_INTERRUPTED"),
        (
            Fault::RawStatus {
                status: 418,
                body: "<html>teapot</html>".into(),
            },
            "AGENT_ERROR",
        ),
        (Fault::Answer { body: json!("") }, "AGENT_ERROR"),
    ] {
        fault_maps_to(h, fault, code, seen).await;
    }
}

/// Limits: body size, answer size, deadline.
pub(super) async fn limits(seen: &mut BTreeSet<String>) {
    let h = harness(&[
        ("MAX_BODY_BYTES", "2048"),
        ("MAX_ANSWER_BYTES", "1024"),
        ("AGENT_TIMEOUT_SECONDS", "1"),
    ])
    .await;
    let big = json!({"number": "INC1", "description": "x".repeat(3000)}).to_string();
    observe(
        &h.bridge,
        WEBHOOK,
        webhook("servicenow", &big, &[]),
        "PAYLOAD_TOO_LARGE",
        seen,
    )
    .await;
    let big = json!({"query": "x".repeat(3000)}).to_string();
    observe(
        &h.bridge,
        INVOKE,
        invoke("default", &big),
        "PAYLOAD_TOO_LARGE",
        seen,
    )
    .await;
    fault_maps_to(
        &h,
        Fault::Oversized { bytes: 4096 },
        "AGENT_ANSWER_TOO_LARGE",
        seen,
    )
    .await;
    fault_maps_to(
        &h,
        Fault::delay(std::time::Duration::from_secs(3)),
        "AGENT_TIMEOUT",
        seen,
    )
    .await;
}

/// Caller-managed sessions.
pub(super) async fn caller_sessions(seen: &mut BTreeSet<String>) {
    let h = harness(&[("SESSION_POLICY", "caller")]).await;
    let req = webhook(
        "servicenow",
        MINIMAL_INCIDENT,
        &[("X-Agent-Session-Id", "not/a session")],
    );
    observe(&h.bridge, WEBHOOK, req, "INVALID_SESSION_ID", seen).await;
    let session = "caller-session-0123456789abcdef0123456789";
    let req = webhook(
        "servicenow",
        MINIMAL_INCIDENT,
        &[("X-Agent-Session-Id", session)],
    );
    let reply = call(&h.bridge, req).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "caller session");
    assert_eq!(
        reply.headers["x-agent-session-id"],
        ticket_prompt::caller_session_id(None, "anyone", session).as_str()
    );
}

fn servicenow_signature(secret_b64: &str, ts: &str, body: &str) -> String {
    let key = BASE64.decode(secret_b64).unwrap();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(ts.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    BASE64.encode(m.finalize().into_bytes())
}

/// Signatures: a ServiceNow signature that is current or expired, GitHub deliveries without a
/// signature or with a wrong one, and an unsigned delivery when signatures are required.
pub(super) async fn signatures(seen: &mut BTreeSet<String>) {
    let secret = BASE64.encode("servicenow-signing-secret");
    let h = harness(&[
        ("SERVICENOW_WEBHOOK_SECRET", secret.as_str()),
        ("GITHUB_WEBHOOK_SECRET", "gh-secret"),
    ])
    .await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (ts, expect) in [
        (now.to_string(), None),
        ((now - 3600).to_string(), Some("SIGNATURE_EXPIRED")),
    ] {
        let sig = servicenow_signature(&secret, &ts, MINIMAL_INCIDENT);
        let headers = [
            ("X-Signature", sig.as_str()),
            ("X-Signature-Timestamp", ts.as_str()),
        ];
        let req = webhook("servicenow", MINIMAL_INCIDENT, &headers);
        match expect {
            None => {
                let reply = call(&h.bridge, req).await;
                assert_eq!(reply.status, 200, "a signed delivery: {}", reply.raw);
                check_reply(WEBHOOK, &reply, "signed delivery");
            }
            Some(code) => observe(&h.bridge, WEBHOOK, req, code, seen).await,
        }
    }
    let opened = event_json("github-issue-opened.json");
    let body = opened["body"].as_str().unwrap();
    let req = webhook("github", body, &[("X-GitHub-Event", "issues")]);
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", seen).await;
    let req = webhook(
        "github",
        body,
        &[
            ("X-GitHub-Event", "issues"),
            ("X-Hub-Signature-256", "sha256=00"),
        ],
    );
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", seen).await;

    let h = harness(&[("REQUIRE_SIGNATURES", "true")]).await;
    let jira = event_json("jira-issue-created.json");
    let req = webhook("jira", jira["body"].as_str().unwrap(), &[]);
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", seen).await;

    // A CloudWatch alarm whose signing certificate SNS cannot serve right now.
    let (sns, h) = sns_and_bridge(TOPIC).await;
    sns.fail_next(1, http::StatusCode::SERVICE_UNAVAILABLE);
    let req = event("cloudwatch-alarm.json");
    observe(&h.bridge, WEBHOOK, req, "SNS_UNAVAILABLE", seen).await;
}
