//! The handler through the real SDK over HTTP to the local AgentCore: answers, and every agent
//! failure mapped to its code.

use crate::support;

use std::time::Duration;

use local_agentcore::{
    Fault, LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_RUNTIME_ARN, LOCAL_SECRET_ACCESS_KEY,
    ServiceError,
};
use support::{assert_error, assert_fault_maps_to, call, event, harness};

#[tokio::test]
async fn reference_incident_is_analysed_with_the_contract_shape() {
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("servicenow-incident.json")).await;

    assert_eq!(reply.status, 200, "{}", reply.raw);
    let j = &reply.json;
    assert_eq!(j["success"], true);
    assert_eq!(j["incident_number"], "INC0010001");
    assert_eq!(j["message"], "Incident analyzed successfully");
    let analysis = j["analysis"].as_str().unwrap();
    assert!(
        analysis.starts_with("Triage for INC0010001: Email server down for the Sales floor"),
        "{analysis}"
    );
    assert!(
        analysis.contains("Likely area: Messaging (email)"),
        "{analysis}"
    );
    let session = j["session_id"].as_str().unwrap();
    assert!(
        session.starts_with("servicenow-INC0010001-") && (33..=100).contains(&session.len()),
        "{session}"
    );
    assert_eq!(reply.headers["x-agent-session-id"], session);
    assert_eq!(
        j["request_id"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "API Gateway's id outside Lambda"
    );
    assert_eq!(
        reply.headers["x-request-id"],
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    );

    // What AgentCore received, on the wire.
    let calls = h.agentcore.invocations();
    assert_eq!(calls.len(), 1);
    let inv = &calls[0];
    assert_eq!(
        inv.raw_path,
        "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Flocal_triage-LOCAL00001/invocations"
    );
    assert_eq!(inv.runtime, LOCAL_RUNTIME_ARN);
    assert_eq!(inv.qualifier.as_deref(), Some("DEFAULT"));
    assert_eq!(inv.header("content-type"), Some("application/json"));
    assert_eq!(
        inv.header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(inv.session_id, session);
    assert!(
        inv.header("authorization")
            .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")),
        "SigV4-signed"
    );
    let payload = inv.body_json();
    assert_eq!(payload["source"], "servicenow");
    assert_eq!(payload["ticket"]["id"], "INC0010001");
    assert_eq!(payload["ticket"]["priority"], "2 - High");
    assert_eq!(payload["ticket"]["group"], "Messaging Operations");
    let prompt = payload["prompt"].as_str().unwrap();
    assert!(prompt.contains("Incident number: INC0010001\nShort description: Email server down for the Sales floor\n"), "{prompt}");
    assert!(prompt.contains("untrusted data"));
}

#[tokio::test]
async fn every_delivery_gets_its_own_session() {
    let h = harness(&[]).await;
    let a = call(&h.bridge, event("servicenow-minimal.json")).await;
    let b = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
    assert_ne!(a.json["session_id"], b.json["session_id"]);
}

#[tokio::test]
async fn qualifier_comes_from_configuration() {
    let h = harness(&[("AGENT_QUALIFIER", "blue")]).await;
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    // The emulator knows only DEFAULT, as a runtime without a "blue" endpoint would answer.
    assert_error(&reply, 502, "AGENT_NOT_FOUND");
    assert_eq!(
        h.agentcore.invocations()[0].qualifier.as_deref(),
        Some("blue")
    );
}

#[tokio::test]
async fn sse_answers_split_across_chunks_are_reassembled() {
    let h = harness(&[]).await;
    let json_answer = call(&h.bridge, event("servicenow-incident.json")).await;
    h.agentcore.inject(Fault::Sse);
    let sse_answer = call(&h.bridge, event("servicenow-incident.json")).await;
    assert_eq!(sse_answer.status, 200, "{}", sse_answer.raw);
    // The built-in agent is deterministic: streamed and whole answers must be the same text.
    assert_eq!(sse_answer.json["analysis"], json_answer.json["analysis"]);
}

#[tokio::test]
async fn a_silent_agent_is_not_cut_off_by_the_sdk_stall_guard() {
    // The SDK's default stalled-stream protection kills a body silent for ~5 s.
    let h = harness(&[]).await;
    h.agentcore
        .inject(Fault::silent_gap(Duration::from_secs(7)));
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert!(
        reply.json["analysis"]
            .as_str()
            .unwrap()
            .contains("Triage for INC0010003")
    );
}

#[tokio::test]
async fn in_band_sse_error_is_an_agent_failure() {
    let h = harness(&[]).await;
    assert_fault_maps_to(&h, Fault::InBandError, 502, "AGENT_FAILED").await;
}

#[tokio::test]
async fn deadline_gives_agent_timeout() {
    let h = harness(&[("AGENT_TIMEOUT_SECONDS", "1")]).await;
    assert_fault_maps_to(
        &h,
        Fault::delay(Duration::from_secs(3)),
        504,
        "AGENT_TIMEOUT",
    )
    .await;
}

#[tokio::test]
async fn service_errors_map_to_stable_codes() {
    let cases = [
        (
            ServiceError::ThrottlingException,
            429,
            "RATE_LIMIT_EXCEEDED",
        ),
        (
            ServiceError::ServiceQuotaExceededException,
            429,
            "RATE_LIMIT_EXCEEDED",
        ),
        (
            ServiceError::ValidationException,
            502,
            "AGENT_REQUEST_REJECTED",
        ),
        (
            ServiceError::AccessDeniedException,
            502,
            "AGENT_ACCESS_DENIED",
        ),
        (
            ServiceError::ResourceNotFoundException,
            502,
            "AGENT_NOT_FOUND",
        ),
        (
            ServiceError::RetryableConflictException,
            409,
            "SESSION_BUSY",
        ),
        (ServiceError::RuntimeClientError, 502, "AGENT_FAILED"),
        (
            ServiceError::InternalServerException,
            503,
            "AGENT_UNAVAILABLE",
        ),
    ];
    let h = harness(&[]).await;
    for (error, status, code) in cases {
        let reply = assert_fault_maps_to(&h, Fault::error(error), status, code).await;
        let retry_after = matches!(code, "RATE_LIMIT_EXCEEDED" | "SESSION_BUSY");
        assert_eq!(
            reply.headers.contains_key("retry-after"),
            retry_after,
            "{code}"
        );
        assert_eq!(
            reply.json["error"].get("retry_after").is_some(),
            retry_after,
            "{code}"
        );
    }
    assert_eq!(h.agentcore.invocation_count(), cases.len());
}

#[tokio::test]
async fn rate_limited_carries_retry_after() {
    let h = harness(&[]).await;
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_error(&reply, 429, "RATE_LIMIT_EXCEEDED");
    let secs: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reply.json["error"]["retry_after"], secs);
    assert!(secs > 0);
}

#[tokio::test]
async fn unknown_and_non_json_errors_are_agent_error() {
    let h = harness(&[]).await;
    assert_fault_maps_to(
        &h,
        Fault::RawStatus {
            status: 418,
            body: "<html>teapot</html>".into(),
        },
        502,
        "AGENT_ERROR",
    )
    .await;
    assert_fault_maps_to(
        &h,
        Fault::RawStatus {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
        },
        503,
        "AGENT_UNAVAILABLE",
    )
    .await;
}

#[tokio::test]
async fn errors_typed_only_in_the_body_and_aws_front_door_403s_map_to_documented_codes() {
    let h = harness(&[]).await;
    // Some AWS front ends name the type only in the body's `__type`: the same mapping.
    for (error, status, code) in [
        (
            ServiceError::AccessDeniedException,
            502,
            "AGENT_ACCESS_DENIED",
        ),
        (
            ServiceError::ResourceNotFoundException,
            502,
            "AGENT_NOT_FOUND",
        ),
        (
            ServiceError::ValidationException,
            502,
            "AGENT_REQUEST_REJECTED",
        ),
    ] {
        assert_fault_maps_to(&h, Fault::ErrorInBody { error }, status, code).await;
    }
    // 403s outside the service model: the bridge's own credentials are refused.
    for error in [
        ServiceError::ExpiredTokenException,
        ServiceError::UnrecognizedClientException,
        ServiceError::InvalidSignatureException,
    ] {
        assert_fault_maps_to(&h, Fault::error(error), 502, "AGENT_ACCESS_DENIED").await;
        assert_fault_maps_to(&h, Fault::ErrorInBody { error }, 502, "AGENT_ACCESS_DENIED").await;
    }
}

#[tokio::test]
async fn a_bridge_signing_with_a_wrong_or_unknown_key_is_refused_by_agentcore() {
    use aws_config::Region;
    use aws_sdk_bedrockagentcore::config::Credentials;
    use webhook_bridge::{Aws, Bridge, sdk_defaults};

    let h = harness(&[]).await;
    let config = || support::test_config(&[]);
    for (key, secret, error_type) in [
        (
            LOCAL_ACCESS_KEY_ID,
            "not-the-secret",
            "InvalidSignatureException",
        ),
        (
            "AKIDSTRANGER",
            LOCAL_SECRET_ACCESS_KEY,
            "UnrecognizedClientException",
        ),
    ] {
        let sdk = sdk_defaults(&config())
            .endpoint_url(h.agentcore.endpoint_url())
            .region(Region::new(LOCAL_REGION))
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .load()
            .await;
        let bridge = Bridge::new(config(), Aws::same(&sdk));
        let reply = call(&bridge, event("servicenow-minimal.json")).await;
        assert_error(&reply, 502, "AGENT_ACCESS_DENIED");
        assert_eq!(
            h.agentcore.invocation_count(),
            0,
            "{error_type}: refused before the agent"
        );
    }
    // The same emulator answers a correctly signed call.
    assert_eq!(
        call(&h.bridge, event("servicenow-minimal.json"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_short_lambda_deadline_cuts_the_agent_call_to_leave_time_to_answer() {
    use lambda_http::RequestExt;
    use std::time::{SystemTime, UNIX_EPOCH};

    // Configured for 30 s, but this invocation ends in 2.5 s: the agent gets what is left less
    // the 1.5 s kept to answer, so the 5 s agent is cut and the caller still gets a typed 504.
    let h = harness(&[("AGENT_TIMEOUT_SECONDS", "30")]).await;
    h.agentcore.inject(Fault::delay(Duration::from_secs(5)));
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    let mut context = lambda_http::Context::default();
    context.request_id = "short-deadline-0001".into();
    context.deadline = now_ms() + 2_500;
    let deadline = context.deadline;
    let reply = call(
        &h.bridge,
        event("servicenow-minimal.json").with_lambda_context(context),
    )
    .await;
    assert_error(&reply, 504, "AGENT_TIMEOUT");
    assert!(
        now_ms() < deadline,
        "answered before Lambda would end the invocation"
    );
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "the cut session is stopped: {stops:?}");
}

#[tokio::test]
async fn broken_streams_and_oversized_answers() {
    let h = harness(&[("MAX_ANSWER_BYTES", "1024")]).await;
    h.agentcore.inject(Fault::CutStream);
    assert_error(
        &call(&h.bridge, event("servicenow-incident.json")).await,
        502,
        "AGENT_STREAM_INTERRUPTED",
    );
    h.agentcore.inject(Fault::Oversized { bytes: 4096 });
    assert_error(
        &call(&h.bridge, event("servicenow-incident.json")).await,
        502,
        "AGENT_ANSWER_TOO_LARGE",
    );
    h.agentcore.inject(Fault::Oversized { bytes: 900 });
    let under_cap = call(&h.bridge, event("servicenow-incident.json")).await;
    assert_eq!(
        under_cap.status, 200,
        "an answer under the cap passes: {}",
        under_cap.raw
    );
}

#[tokio::test]
async fn unreachable_agentcore_is_unavailable() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bridge = support::bridge_for(&format!("http://127.0.0.1:{port}"), &[]).await;
    assert_error(
        &call(&bridge, event("servicenow-minimal.json")).await,
        503,
        "AGENT_UNAVAILABLE",
    );
}

#[tokio::test]
async fn unknown_runtime_is_agent_not_found() {
    let h = harness(&[(
        "AGENT_RUNTIME_ARN",
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-ZZZZZZZZZZ",
    )])
    .await;
    assert_error(
        &call(&h.bridge, event("servicenow-minimal.json")).await,
        502,
        "AGENT_NOT_FOUND",
    );
}
