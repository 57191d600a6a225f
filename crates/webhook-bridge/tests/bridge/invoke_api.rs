//! `POST /v1/agents/{agent}/invoke` through the real SDK over HTTP to the local AgentCore: the
//! response contract, named agents, the payload on the wire, and refusals that never call the
//! agent.

use crate::support;

use local_agentcore::{Backend, Fault, LOCAL_RUNTIME_ARN, LocalAgentCore, ServiceError};
use serde_json::{Value, json};
use support::{assert_error, bridge_for, call, event, event_json, harness, request};

const SESSION: &str = "cli-session-0123456789abcdef0123456789";
const OTHER_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/research_agent-RESEARCH01";

/// The invoke fixture with another body and agent.
fn invoke(agent: &str, body: &Value) -> lambda_http::Request {
    let mut ev = event_json("invoke-api.json");
    ev["path"] = Value::from(format!("/v1/agents/{agent}/invoke"));
    ev["pathParameters"] = json!({ "agent": agent });
    ev["body"] = Value::from(body.to_string());
    request(&ev)
}

#[tokio::test]
async fn the_fixture_gets_the_documented_answer_shape() {
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("invoke-api.json")).await;

    assert_eq!(reply.status, 200, "{}", reply.raw);
    let j = &reply.json;
    let answer = j["result"]["answer"].as_str().unwrap();
    assert!(
        answer.contains("Summarise the open P1 incidents"),
        "the built-in agent echoes the query: {answer}"
    );
    let meta = &j["metadata"];
    assert_eq!(meta["agent"], "default");
    assert_eq!(meta["qualifier"], "DEFAULT");
    assert_eq!(meta["request_id"], "0b9f6a52-3c1e-4d6f-9a51-7c2d2b1e9a10");
    assert!(meta["execution_time_ms"].is_u64());
    // run-agent.ai's names: seconds, and the endpoint that answered as the agent's version.
    assert!(meta["execution_time"].as_f64().is_some_and(|s| s >= 0.0));
    assert_eq!(meta["agent_version"], "DEFAULT");
    let session = meta["session_id"].as_str().unwrap();
    assert!(
        session.starts_with("s-") && (33..=100).contains(&session.len()),
        "a fresh session in the caller's namespace: {session}"
    );
    assert_eq!(reply.headers["x-agent-session-id"], session);
    assert!(j.get("usage").is_none(), "the agent reported no usage");
    assert!(j.get("success").is_none(), "not the webhook envelope");

    let calls = h.agentcore.invocations();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].runtime, LOCAL_RUNTIME_ARN);
    assert_eq!(calls[0].session_id, session);
    assert_eq!(
        calls[0].body_json(),
        json!({
            "prompt": "Summarise the open P1 incidents for the checkout service and suggest next steps.",
            "context": {"service": "checkout", "environment": "prod"},
            "parameters": {"temperature": 0.2, "max_tokens": 800},
        }),
        "the agent gets the query as its prompt, with context and parameters"
    );
}

#[tokio::test]
async fn agent_extras_are_passed_on_and_usage_in_run_agents_names() {
    let h = harness(&[]).await;
    h.agentcore.inject(Fault::Answer {
        body: json!({
            "result": "Restart the payment pods.",
            "sources": ["runbook/payments.md"],
            "confidence": 0.82,
            "usage": {"input_tokens": 120, "output_tokens": 9},
        }),
    });
    let reply = call(&h.bridge, invoke("default", &json!({"query": "why?"}))).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        reply.json["result"],
        json!({
            "answer": "Restart the payment pods.",
            "sources": ["runbook/payments.md"],
            "confidence": 0.82,
        })
    );
    assert_eq!(
        reply.json["usage"],
        json!({"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129})
    );
}

#[tokio::test]
async fn a_caller_session_is_kept_and_streamed_answers_are_joined() {
    let h = harness(&[]).await;
    h.agentcore.inject(Fault::Sse);
    let reply = call(
        &h.bridge,
        invoke(
            "default",
            &json!({"query": "status of INC42", "session_id": SESSION}),
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    // The caller's session, in its namespace: what AgentCore saw, and what the answer names.
    let session = ticket_prompt::caller_session_id(None, "anyone", SESSION);
    assert_eq!(reply.json["metadata"]["session_id"], session.as_str());
    assert_eq!(h.agentcore.invocations()[0].session_id, session);
    assert!(
        reply.json["result"]["answer"]
            .as_str()
            .unwrap()
            .ends_with("received: status of INC42"),
        "{}",
        reply.raw
    );
}

#[tokio::test]
async fn named_agents_reach_their_own_runtime() {
    let agentcore = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .with_runtime(OTHER_ARN, Backend::Builtin)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let agents = json!({ "research": OTHER_ARN }).to_string();
    let bridge = bridge_for(&agentcore.endpoint_url(), &[("AGENTS", &agents)]).await;

    let reply = call(&bridge, invoke("research", &json!({"query": "q"}))).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.json["metadata"]["agent"], "research");
    assert_eq!(agentcore.invocations()[0].runtime, OTHER_ARN);

    let reply = call(&bridge, invoke("default", &json!({"query": "q"}))).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(agentcore.invocations()[1].runtime, LOCAL_RUNTIME_ARN);

    let reply = call(&bridge, invoke("triage", &json!({"query": "q"}))).await;
    assert_error(&reply, 404, "AGENT_NOT_FOUND");
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'triage'")
    );
    assert_eq!(
        agentcore.invocation_count(),
        2,
        "unknown agents are never called"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_before_the_agent() {
    let h = harness(&[]).await;
    let cases = [
        (json!({"context": {}}), 400, "MISSING_REQUIRED_FIELD"),
        (
            json!({"query": "q", "session_id": "has spaces"}),
            400,
            "INVALID_FIELD",
        ),
        (
            json!({"query": "q", "user_id": "alice"}),
            400,
            "INVALID_FIELD",
        ),
        (json!({"query": "q", "Query": "typo"}), 400, "INVALID_FIELD"),
        (
            json!({"query": "q", "parameters": {"temperature": 5}}),
            400,
            "INVALID_FIELD",
        ),
    ];
    for (body, status, code) in cases {
        let reply = call(&h.bridge, invoke("default", &body)).await;
        assert_error(&reply, status, code);
    }
    let missing = call(&h.bridge, invoke("default", &json!({}))).await;
    assert!(
        missing.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'query'")
    );
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn user_ids_pass_when_the_deployment_enables_them() {
    let h = harness(&[("AGENT_USER_ID_SOURCE", "header:x-user")]).await;
    let reply = call(
        &h.bridge,
        invoke("default", &json!({"query": "q", "user_id": "José"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        h.agentcore.invocations()[0].header("x-amzn-bedrock-agentcore-runtime-user-id"),
        Some("Jos%C3%A9")
    );
}

#[tokio::test]
async fn agent_failures_use_the_shared_error_envelope() {
    let h = harness(&[]).await;
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    let reply = call(&h.bridge, invoke("default", &json!({"query": "q"}))).await;
    assert_error(&reply, 429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(reply.json["error"]["retry_after"], 5);
    assert_eq!(reply.headers["retry-after"], "5");
}

#[tokio::test]
async fn any_conversation_id_a_client_keeps_is_a_session_of_its_own() {
    let h = harness(&[("SESSION_SECRET", "a-deployment-session-secret")]).await;
    // run-agent.ai's documented example: 16 characters, under AgentCore's 33.
    let body = json!({"query": "Write a story about AI", "session_id": "user-123-session"});
    let first = call(&h.bridge, invoke("default", &body)).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    let again = call(&h.bridge, invoke("default", &body)).await;
    let session = first.headers["x-agent-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        again.headers["x-agent-session-id"],
        session.as_str(),
        "the same conversation"
    );
    assert!(
        session.starts_with("s-") && session.len() >= 33,
        "{session}"
    );
    let sent: Vec<String> = h
        .agentcore
        .invocations()
        .iter()
        .map(|i| {
            i.header("x-amzn-bedrock-agentcore-runtime-session-id")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(sent, vec![session.clone(), session]);
}
