//! The AgentCore call in depth: retries as AgentCore sees them, every request parameter,
//! session policies, per-request prompt nonces and the cold-start warm-up (the sessions it stops:
//! `session_stops`).

use crate::support;

use std::time::Duration;

use local_agentcore::{Fault, ServiceError};
use support::{assert_error, call, event, event_with_headers, harness};

/// Fast retries so attempt counts are observed without waiting on real back-off.
const RETRYING: [(&str, &str); 2] = [("AGENT_MAX_ATTEMPTS", "3"), ("AGENT_RETRY_BACKOFF_MS", "5")];

#[tokio::test]
async fn throttling_is_retried_and_counted_by_agentcore() {
    let h = harness(&RETRYING).await;
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);

    let calls = h.agentcore.invocations();
    let attempts: Vec<_> = calls
        .iter()
        .map(|c| c.header("amz-sdk-request").unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        attempts,
        ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    );
    assert!(
        calls.iter().all(|c| c.session_id == calls[0].session_id),
        "retries stay in one session"
    );
}

#[tokio::test]
async fn retryable_errors_exhaust_the_attempts_then_map() {
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
            ServiceError::RetryableConflictException,
            409,
            "SESSION_BUSY",
        ),
        (
            ServiceError::InternalServerException,
            503,
            "AGENT_UNAVAILABLE",
        ),
    ];
    for (error, status, code) in cases {
        let h = harness(&RETRYING).await;
        for _ in 0..3 {
            h.agentcore.inject(Fault::error(error));
        }
        assert_error(
            &call(&h.bridge, event("servicenow-minimal.json")).await,
            status,
            code,
        );
        assert_eq!(
            h.agentcore.invocation_count(),
            3,
            "{error:?} is retried up to the limit"
        );
    }
}

#[tokio::test]
async fn gateway_errors_are_retried_and_can_recover() {
    let h = harness(&RETRYING).await;
    h.agentcore.inject(Fault::RawStatus {
        status: 503,
        body: "<html>Service Unavailable</html>".into(),
    });
    h.agentcore
        .inject(Fault::error(ServiceError::ServiceQuotaExceededException));
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(h.agentcore.invocation_count(), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for (error, code) in [
        (ServiceError::ValidationException, "AGENT_REQUEST_REJECTED"),
        (ServiceError::AccessDeniedException, "AGENT_ACCESS_DENIED"),
        (ServiceError::ResourceNotFoundException, "AGENT_NOT_FOUND"),
        (ServiceError::RuntimeClientError, "AGENT_FAILED"),
    ] {
        let h = harness(&RETRYING).await;
        h.agentcore.inject(Fault::error(error));
        assert_error(
            &call(&h.bridge, event("servicenow-minimal.json")).await,
            502,
            code,
        );
        assert_eq!(h.agentcore.invocation_count(), 1, "{error:?} is final");
    }
}

#[tokio::test]
async fn runtime_user_id_is_off_by_default_and_sent_from_its_source() {
    const USER_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
    let off = harness(&[]).await;
    call(
        &off.bridge,
        event_with_headers("servicenow-minimal.json", &[("X-Caller", "alice")]),
    )
    .await;
    assert_eq!(off.agentcore.invocations()[0].header(USER_HEADER), None);

    let by_header = harness(&[("AGENT_USER_ID_SOURCE", "header:X-Caller")]).await;
    call(
        &by_header.bridge,
        event_with_headers(
            "servicenow-minimal.json",
            &[("x-caller", "alice@example.com")],
        ),
    )
    .await;
    call(&by_header.bridge, event("servicenow-minimal.json")).await;
    let mut utf8 = support::event_json("servicenow-minimal.json");
    utf8["headers"]["x-caller"] = "Zoë".into();
    utf8["multiValueHeaders"]["x-caller"] = vec!["Zoë"].into();
    call(&by_header.bridge, support::request(&utf8)).await;
    let calls = by_header.agentcore.invocations();
    assert_eq!(calls[0].header(USER_HEADER), Some("alice@example.com"));
    assert_eq!(calls[1].header(USER_HEADER), None, "no header, no user id");
    assert_eq!(
        calls[2].header(USER_HEADER),
        Some("Zo%C3%AB"),
        "non-ASCII header bytes kept, encoded"
    );

    let by_ticket = harness(&[("AGENT_USER_ID_SOURCE", "ticket:requester")]).await;
    let body = r#"{"number":"INC1","short_description":"x","caller_id":"José Núñez"}"#;
    call(
        &by_ticket.bridge,
        support::event_with_body("servicenow-minimal.json", body),
    )
    .await;
    assert_eq!(
        by_ticket.agentcore.invocations()[0].header(USER_HEADER),
        Some("Jos%C3%A9 N%C3%BA%C3%B1ez"),
        "non-ASCII is percent-encoded to stay a valid header"
    );
}

#[tokio::test]
async fn w3c_trace_context_is_propagated_within_limits() {
    let h = harness(&[]).await;
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    call(
        &h.bridge,
        event_with_headers(
            "servicenow-minimal.json",
            &[
                ("traceparent", traceparent),
                ("tracestate", "rojo=00f067aa0ba902b7"),
                ("baggage", "team=ops"),
            ],
        ),
    )
    .await;
    let too_long = "x".repeat(129);
    call(
        &h.bridge,
        event_with_headers("servicenow-minimal.json", &[("traceparent", &too_long)]),
    )
    .await;

    let calls = h.agentcore.invocations();
    assert_eq!(calls[0].header("traceparent"), Some(traceparent));
    assert_eq!(calls[0].header("tracestate"), Some("rojo=00f067aa0ba902b7"));
    assert_eq!(calls[0].header("baggage"), Some("team=ops"));
    assert_eq!(
        calls[1].header("traceparent"),
        None,
        "over AgentCore's 128 characters: dropped, call kept"
    );
    assert_eq!(calls.len(), 2);
}

#[tokio::test]
async fn per_ticket_sessions_continue_across_deliveries() {
    let h = harness(&[
        ("SESSION_POLICY", "ticket"),
        ("SESSION_NAMESPACE", "acme-prod"),
    ])
    .await;
    let a = call(&h.bridge, event("servicenow-minimal.json")).await;
    let b = call(&h.bridge, event("servicenow-minimal.json")).await;
    let other = call(&h.bridge, event("servicenow-incident.json")).await;
    assert_eq!(a.json["session_id"], b.json["session_id"]);
    assert_ne!(a.json["session_id"], other.json["session_id"]);
    assert_eq!(
        a.json["session_id"].as_str().unwrap(),
        ticket_prompt::ticket_session_id("servicenow", "acme-prod", "INC0010003")
    );
}

#[tokio::test]
async fn caller_supplied_sessions_are_validated_and_kept_in_the_callers_namespace() {
    let h = harness(&[("SESSION_POLICY", "caller")]).await;
    let chosen = "ops-console-session-0123456789abcdef";
    let reply = call(
        &h.bridge,
        event_with_headers("servicenow-minimal.json", &[("X-Agent-Session-Id", chosen)]),
    )
    .await;
    // The caller's name lives in its own namespace: the session is derived from it, the same
    // name gives the same session, and the answer's id can be sent back as it is.
    let session = reply.json["session_id"].as_str().unwrap().to_owned();
    assert_eq!(
        session,
        ticket_prompt::caller_session_id(None, "anyone", chosen)
    );
    assert_eq!(h.agentcore.invocations()[0].session_id, session);
    for again in [chosen, session.as_str()] {
        let reply = call(
            &h.bridge,
            event_with_headers("servicenow-minimal.json", &[("X-Agent-Session-Id", again)]),
        )
        .await;
        assert_eq!(reply.json["session_id"], session.as_str(), "{again}");
    }

    for bad in [
        "semi;colon",
        "has spaces in it but is long enough to pass",
        &"x".repeat(257),
    ] {
        let reply = call(
            &h.bridge,
            event_with_headers("servicenow-minimal.json", &[("X-Agent-Session-Id", bad)]),
        )
        .await;
        assert_error(&reply, 400, "INVALID_SESSION_ID");
    }
    assert_eq!(
        h.agentcore.invocation_count(),
        3,
        "invalid session ids never reach the agent"
    );

    // Without the header: a fresh session, in the caller's namespace too.
    let fresh = call(&h.bridge, event("servicenow-minimal.json")).await;
    let fresh = fresh.json["session_id"].as_str().unwrap();
    assert!(
        fresh.starts_with(&session[..19]) && fresh != session,
        "{fresh}"
    );
}

#[tokio::test]
async fn caller_session_header_is_ignored_unless_the_policy_allows_it() {
    let h = harness(&[]).await;
    let chosen = "ops-console-session-0123456789abcdef";
    let reply = call(
        &h.bridge,
        event_with_headers("servicenow-minimal.json", &[("X-Agent-Session-Id", chosen)]),
    )
    .await;
    assert_ne!(reply.json["session_id"], chosen);
}

#[tokio::test]
async fn warm_up_touches_agentcore_without_invoking_the_agent() {
    let h = harness(&[]).await;
    h.bridge.warm_up().await;
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].session_id.starts_with("warmup-") && stops[0].session_id.len() >= 33);
    assert!(!stops[0].stopped, "no real session is touched");
    assert_eq!(h.agentcore.invocation_count(), 0);

    let off = harness(&[("AGENT_WARM_UP", "false")]).await;
    off.bridge.warm_up().await;
    assert!(off.agentcore.stop_requests().is_empty());
}

#[tokio::test]
async fn warm_up_against_an_unreachable_endpoint_returns() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bridge = support::bridge_for(&format!("http://127.0.0.1:{port}"), &[]).await;
    // Completes (bounded by WARM_UP_BUDGET) and leaves the bridge serving.
    bridge.warm_up().await;
    assert_error(
        &call(&bridge, event("servicenow-minimal.json")).await,
        503,
        "AGENT_UNAVAILABLE",
    );
}

#[tokio::test]
async fn warm_up_against_an_endpoint_that_accepts_and_never_answers_is_bounded() {
    // A black hole: connections are accepted and held, no byte is ever answered.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let bridge = support::bridge_for(&format!("http://127.0.0.1:{port}"), &[]).await;
    // The cold start goes on after its budget (2 s); the guard only turns a hang into a failure.
    tokio::time::timeout(Duration::from_secs(20), bridge.warm_up())
        .await
        .expect("warm-up gave up on the silent endpoint");
    held.abort();
}

#[tokio::test]
async fn each_request_fences_its_ticket_with_a_fresh_nonce() {
    let h = harness(&[]).await;
    for _ in 0..2 {
        let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
    }
    let nonces: Vec<String> = h
        .agentcore
        .invocations()
        .iter()
        .map(|inv| {
            let payload: serde_json::Value = serde_json::from_slice(&inv.body).unwrap();
            let prompt = payload["prompt"].as_str().unwrap().to_owned();
            let start = prompt.find("<ticket_data id=\"").expect("a fenced ticket") + 17;
            let len = prompt[start..].find('"').unwrap();
            prompt[start..start + len].to_owned()
        })
        .collect();
    assert!(nonces[0].len() >= 16, "{nonces:?}");
    assert_ne!(nonces[0], nonces[1], "the same ticket twice, two nonces");
}
