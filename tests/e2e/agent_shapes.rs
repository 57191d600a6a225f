//! The shapes real agents answer in, from a real `BedrockAgentCoreApp` (tests/agent/app.py):
//! a plain string, `{"result": …}`, SSE text pieces, Strands' streamed events (text in `data`
//! beside lifecycle and model events), and an error event half way through a stream. Each
//! reaches the ticket's caller as the same analysis, or as the documented failure.

use local_agentcore::Backend;

use crate::support::{AgentProcess, Stack, event};

/// What the test agent writes for the display-values incident in `session`.
fn expected(session: &str) -> String {
    format!(
        "Python agent analysis of INC0010002: VPN disconnects every few minutes \
         [priority 3 - Moderate] [source servicenow] [session {session}] [prompt fenced: True]"
    )
}

#[tokio::test]
async fn every_answer_shape_gives_the_same_analysis() {
    for mode in ["string", "json", "sse", "strands"] {
        let agent = AgentProcess::start(mode).await;
        let stack = Stack::start(Backend::Forward(agent.url.clone())).await;
        let r = stack
            .invoke_event(&event("servicenow-display-values.json"))
            .await;
        assert_eq!(r.status, 200, "{mode}: {}", r.json);
        let session = r.json["session_id"].as_str().unwrap();
        assert_eq!(r.json["analysis"], expected(session), "{mode}");
    }
}

#[tokio::test]
async fn an_error_event_mid_stream_is_the_agents_failure_not_a_partial_answer() {
    let agent = AgentProcess::start("sse-error").await;
    let stack = Stack::start(Backend::Forward(agent.url.clone())).await;
    let r = stack
        .invoke_event(&event("servicenow-display-values.json"))
        .await;
    assert_eq!(r.status, 502, "{}", r.json);
    assert_eq!(r.json["error"]["code"], "AGENT_FAILED");
    assert!(r.json.get("analysis").is_none(), "no partial analysis");
}
