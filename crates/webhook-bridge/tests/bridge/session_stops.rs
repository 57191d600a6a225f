//! The sessions the bridge stops with `StopRuntimeSession`: one cut off by its deadline (buffered,
//! and after a stream's first byte), and one whose answer is in when no later delivery will
//! continue it (so it does not hold one of the account's active sessions until it idles out); by
//! the runtime's ARN when the runtime is configured by id.

use std::time::Duration;

use local_agentcore::{Fault, LOCAL_RUNTIME_ARN, ServiceError};

use crate::support::{assert_error, call, call_stream, event, event_json, harness, request};

#[tokio::test]
async fn a_call_past_the_deadline_is_not_retried_and_its_session_is_stopped() {
    let h = harness(&[("AGENT_TIMEOUT_SECONDS", "1"), ("AGENT_MAX_ATTEMPTS", "3")]).await;
    h.agentcore.inject(Fault::delay(Duration::from_secs(3)));
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_error(&reply, 504, "AGENT_TIMEOUT");
    // Three attempts are allowed, but the one deadline is spent: no second attempt.
    assert_eq!(h.agentcore.invocation_count(), 1);

    let session = h.agentcore.invocations()[0].session_id.clone();
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].session_id, session);
    assert_eq!(stops[0].qualifier.as_deref(), Some("DEFAULT"));
    assert!(stops[0].stopped, "the runaway session was stopped");
}

#[tokio::test]
async fn a_stream_past_its_deadline_ends_with_an_inline_timeout_and_stops_the_session() {
    let h = harness(&[("AGENT_TIMEOUT_SECONDS", "1")]).await;
    // The agent's first words arrive, then it goes quiet past the deadline.
    h.agentcore
        .inject(Fault::silent_gap(Duration::from_secs(3)));
    let streamed = call_stream(
        &h.bridge,
        request(&event_json("function-url/stream-invoke.json")),
    )
    .await;
    assert_eq!(streamed.status, 200, "{}", streamed.raw);
    let frames: Vec<serde_json::Value> = streamed
        .raw
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(frames[0]["content"].is_string(), "{frames:?}");
    let last = frames.last().unwrap();
    assert_eq!(last["error"]["code"], "AGENT_TIMEOUT", "{frames:?}");
    assert_eq!(last["error"]["status"], 504);
    assert!(frames.iter().all(|f| f.get("done").is_none()), "never done");

    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].session_id, h.agentcore.invocations()[0].session_id);
    assert!(stops[0].stopped, "the runaway session was stopped");
}

#[tokio::test]
async fn a_finished_stream_stops_its_fresh_session_and_a_named_one_is_kept() {
    let h = harness(&[]).await;
    let streamed = call_stream(
        &h.bridge,
        request(&event_json("function-url/stream-invoke.json")),
    )
    .await;
    assert_eq!(streamed.status, 200, "{}", streamed.raw);
    let last: serde_json::Value =
        serde_json::from_str(streamed.raw.lines().last().unwrap()).unwrap();
    assert!(last.get("done").is_some(), "{}", streamed.raw);
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].session_id, h.agentcore.invocations()[0].session_id);
    assert!(stops[0].stopped);

    // A session the caller names is one it means to continue.
    let mut named = event_json("function-url/stream-invoke.json");
    named["body"] = serde_json::json!({
        "query": "And the one before?",
        "session_id": "checkout-investigation-0123456789abcdef",
    })
    .to_string()
    .into();
    let h = harness(&[]).await;
    let streamed = call_stream(&h.bridge, request(&named)).await;
    assert_eq!(streamed.status, 200, "{}", streamed.raw);
    assert!(h.agentcore.stop_requests().is_empty());
}

#[tokio::test]
async fn an_answered_delivery_session_is_stopped_and_a_continued_one_is_kept() {
    // The default policy's session is this delivery's alone: stopped once answered, so it does
    // not hold one of the account's active sessions for the 15-minute idle timeout.
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].session_id, h.agentcore.invocations()[0].session_id);
    assert_eq!(stops[0].session_id, reply.json["session_id"]);
    assert!(stops[0].stopped);

    // A ticket's session is what the next delivery continues: kept, unless told otherwise.
    for (env, stopped) in [
        (vec![("SESSION_POLICY", "ticket")], 0),
        (
            vec![("SESSION_POLICY", "ticket"), ("RELEASE_SESSIONS", "always")],
            1,
        ),
        (vec![("RELEASE_SESSIONS", "never")], 0),
    ] {
        let h = harness(&env).await;
        let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
        assert_eq!(reply.status, 200, "{env:?}: {}", reply.raw);
        assert_eq!(h.agentcore.stop_requests().len(), stopped, "{env:?}");
    }
}

#[tokio::test]
async fn a_refused_or_throttled_call_leaves_no_session_to_stop() {
    for error in [
        ServiceError::ThrottlingException,
        ServiceError::ServiceQuotaExceededException,
        ServiceError::AccessDeniedException,
    ] {
        let h = harness(&[]).await;
        h.agentcore.inject(Fault::error(error));
        let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
        assert!(reply.status.as_u16() >= 400, "{error:?}");
        assert!(h.agentcore.stop_requests().is_empty(), "{error:?}");
    }
    // The agent failed inside its session: that session is stopped.
    let h = harness(&[]).await;
    h.agentcore
        .inject(Fault::error(ServiceError::RuntimeClientError));
    call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(h.agentcore.stop_requests().len(), 1);
}

#[tokio::test]
async fn runtime_id_and_account_form() {
    let h = harness(&[
        ("AGENT_RUNTIME_ARN", ""),
        ("AGENT_RUNTIME_ID", "local_triage-LOCAL00001"),
        ("AGENT_ACCOUNT_ID", "123456789012"),
    ])
    .await;
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let inv = &h.agentcore.invocations()[0];
    assert_eq!(
        inv.raw_path,
        "/runtimes/local_triage-LOCAL00001/invocations"
    );
    assert_eq!(inv.account_id.as_deref(), Some("123456789012"));
    assert_eq!(inv.qualifier.as_deref(), Some("DEFAULT"));
    // StopRuntimeSession takes no account id: the session is released by the runtime's ARN,
    // spelt from the id, the account and the region.
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].runtime, LOCAL_RUNTIME_ARN);
    assert!(stops[0].stopped);
}
