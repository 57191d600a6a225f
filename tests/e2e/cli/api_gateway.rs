//! `bridge ticket` and `bridge invoke` through the local API Gateway (API key required) to the
//! real `webhook` binary and the local AgentCore's built-in agent (buffered JSON answers).

use local_agentcore::Backend;
use serde_json::Value;

use super::run::{SESSION, assert_refused, invoke, stderr_session, text, ticket};
use crate::support::{API_KEY, STAGE, Stack};

#[tokio::test]
async fn bridge_ticket_through_api_gateway() {
    let stack = Stack::start(Backend::Builtin).await;
    let url = stack.gateway.url(STAGE);

    // A stored API Gateway event: its body is replayed with our key.
    let out = ticket(
        "events/servicenow-incident.json",
        "servicenow",
        &url,
        Some(API_KEY),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let analysis = text(&out.stdout);
    assert!(
        analysis.starts_with("Triage for INC0010001: Email server down"),
        "{analysis}"
    );
    assert_eq!(stack.agentcore.invocation_count(), 1);

    // No key: the key authorizer refuses before the function runs.
    let out = ticket("events/servicenow-incident.json", "servicenow", &url, None).await;
    assert_refused(&out, "API_KEY_REQUIRED (HTTP 401)");

    // Bodies the bridge refuses, with its error codes.
    for (file, code) in [
        (
            "events/servicenow-malformed.json",
            "INVALID_JSON (HTTP 400)",
        ),
        (
            "events/servicenow-missing-number.json",
            "MISSING_REQUIRED_FIELD (HTTP 400)",
        ),
    ] {
        let out = ticket(file, "servicenow", &url, Some(API_KEY)).await;
        assert_eq!(out.status.code(), Some(3), "{file}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(code),
            "{file}: {}",
            text(&out.stderr)
        );
    }

    // A GitHub ping (event named in X-GitHub-Event) is acknowledged, never analysed.
    let out = ticket("events/github-ping.json", "github", &url, Some(API_KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("acknowledged and ignored"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        stack.agentcore.invocation_count(),
        1,
        "only one ticket was analysed"
    );
}

#[tokio::test]
async fn bridge_invoke_through_api_gateway() {
    let stack = Stack::start(Backend::Builtin).await;
    let url = stack.gateway.url(STAGE);
    let query = "Is the VPN concentrator in Frankfurt down?";

    // The buffered answer: its text on stdout, the ids on stderr.
    let out = invoke(query, &[], &url, Some(API_KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(!answer.trim().is_empty(), "an answer on stdout");
    assert!(
        answer.ends_with('\n') && !answer.starts_with('{'),
        "{answer}"
    );
    assert_eq!(stack.agentcore.invocation_count(), 1);
    let session = stderr_session(&out);
    assert_eq!(session, stack.agentcore.invocations()[0].session_id);

    // --json: the whole document, the same answer inside.
    let out = invoke(query, &["--json"], &url, Some(API_KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("--json prints JSON ({e}): {}", text(&out.stdout)));
    assert_eq!(
        doc["result"]["answer"].as_str(),
        Some(answer.trim_end()),
        "{doc}"
    );
    let meta = &doc["metadata"];
    assert_eq!(meta["agent"], "default", "{doc}");
    assert_eq!(
        meta["session_id"].as_str(),
        Some(stack.agentcore.invocations()[1].session_id.as_str()),
        "{doc}"
    );
    assert!(meta["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(meta["execution_time_ms"].is_u64(), "{doc}");

    // An agent the bridge does not know: refused by the bridge, nothing reaches AgentCore.
    let out = invoke(query, &["--agent", "nope"], &url, Some(API_KEY)).await;
    assert_refused(&out, "AGENT_NOT_FOUND (HTTP 404)");

    // No key: the key authorizer refuses before the function runs; a wrong one, API Gateway.
    let out = invoke(query, &[], &url, None).await;
    assert_refused(&out, "API_KEY_REQUIRED (HTTP 401)");
    let out = invoke(query, &[], &url, Some("NotTheKey0123456789abcdef")).await;
    assert_refused(&out, "INVALID_API_KEY (HTTP 403)");
    assert_eq!(stack.agentcore.invocation_count(), 2, "refusals never ran");

    // A caller-chosen session lives in the caller's namespace: the answer names the session
    // AgentCore used, and the same name (or that answer) reaches it again.
    let out = invoke(query, &["--session", SESSION], &url, Some(API_KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let session = stderr_session(&out);
    assert!(session.starts_with("s-") && session != SESSION, "{session}");
    assert_eq!(stack.agentcore.invocations()[2].session_id, session);
    for again in [SESSION, session.as_str()] {
        let out = invoke(query, &["--session", again], &url, Some(API_KEY)).await;
        assert_eq!(stderr_session(&out), session, "{again}");
    }
}
