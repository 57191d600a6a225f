//! The streaming entry point end to end: the built `stream` binary under the local Runtime API,
//! behind a local Function URL (SigV4, RESPONSE_STREAM), in front of the local AgentCore with
//! the built-in agent or a real `BedrockAgentCoreApp` agent.

use local_agentcore::{Backend, Fault, ServiceError};
use serde_json::{Value, json};

use crate::support::{AgentProcess, StreamStack, read_until};

const INVOKE: &str = "/v1/agents/default/invoke";
const NDJSON: &str = "application/x-ndjson";

fn parse(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn content(frames: &[Value]) -> String {
    frames
        .iter()
        .filter_map(|f| f["content"].as_str())
        .collect()
}

#[tokio::test]
async fn the_first_chunk_arrives_while_the_agent_is_still_answering() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    // The agent sends all but its last event, then waits until this test releases it.
    stack.agentcore.inject(Fault::HeldSse);
    let query = "Which deploy broke checkout in the last hour and how do we roll it back?";
    let mut resp = stack
        .post_signed(INVOKE, &json!({ "query": query }), NDJSON)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], NDJSON);
    let session = resp.headers()["x-agent-session-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let mut buffer = String::new();
    let head = read_until(&mut resp, &mut buffer, |l| l.contains("\"content\"")).await;
    let head = parse(&head);
    assert!(
        head.last().unwrap()["content"].is_string(),
        "content was forwarded before the agent produced its last chunk: {head:?}"
    );
    assert!(head.iter().all(|f| f.get("done").is_none()));

    stack.agentcore.release_held();
    let rest = parse(&read_until(&mut resp, &mut buffer, |l| l.contains("\"done\"")).await);
    let frames: Vec<Value> = head.into_iter().chain(rest).collect();
    assert_eq!(
        content(&frames),
        format!("Local agent (offline stand-in) received: {query}"),
        "every word arrives, in order"
    );
    assert!(
        frames.iter().filter(|f| f["content"].is_string()).count() > 3,
        "streamed in several frames: {frames:?}"
    );
    let done = frames.last().unwrap();
    assert_eq!(done["done"], true);
    assert_eq!(done["session_id"], session.as_str());
    assert!(done["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(resp.chunk().await.unwrap().is_none(), "nothing after done");
}

#[tokio::test]
async fn sse_framing_when_the_caller_asks_for_event_streams() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    stack.agentcore.inject(Fault::Sse);
    let mut resp = stack
        .post_signed(INVOKE, &json!({"query": "hello"}), "text/event-stream")
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let lines = read_until(&mut resp, &mut buffer, |l| l.contains("\"done\"")).await;
    let frames: Vec<Value> = lines
        .iter()
        .map(|l| {
            let data = l
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not SSE: {l}"));
            serde_json::from_str(data).unwrap()
        })
        .collect();
    assert_eq!(
        content(&frames),
        "Local agent (offline stand-in) received: hello"
    );
    assert_eq!(frames.last().unwrap()["done"], true);
}

#[tokio::test]
async fn refusals_are_decided_before_the_first_byte() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    let cases = [
        (
            "/v1/agents/nope/invoke",
            json!({"query": "q"}),
            404,
            "AGENT_NOT_FOUND",
        ),
        (
            INVOKE,
            json!({"session_id": "x"}),
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            INVOKE,
            json!({"query": "q", "extra": 1}),
            400,
            "INVALID_FIELD",
        ),
        (
            "/webhook/servicenow",
            json!({"number": "INC1"}),
            404,
            "NOT_FOUND",
        ),
    ];
    for (path, body, status, code) in cases {
        let resp = stack.post_signed(path, &body, NDJSON).await;
        assert_eq!(resp.status().as_u16(), status, "{path} {body}");
        assert_eq!(resp.headers()["content-type"], "application/json");
        let j: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(j["error"]["code"], code, "{j}");
        assert_eq!(j["error"]["status"], status);
    }
    // The agent answers with an error before any output: the SDK retries (3 attempts by
    // default), then the caller gets a real status, not an inline error.
    for _ in 0..3 {
        stack
            .agentcore
            .inject(Fault::error(ServiceError::ThrottlingException));
    }
    let resp = stack
        .post_signed(INVOKE, &json!({"query": "q"}), NDJSON)
        .await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "5");
    let j: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(j["error"]["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(
        stack.agentcore.invocation_count(),
        3,
        "only the throttled attempts reached AgentCore"
    );
}

#[tokio::test]
async fn unsigned_and_badly_signed_requests_get_the_function_urls_403() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    let url = format!("{}{INVOKE}", stack.url.url());
    let resp = reqwest::Client::new()
        .post(&url)
        .body(r#"{"query":"q"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let j: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(j["Message"], "Forbidden");
    let resp = reqwest::Client::new()
        .post(&url)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDE2ELOCAL/20261122/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00",
        )
        .header("x-amz-date", "20261122T000000Z")
        .body(r#"{"query":"q"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(stack.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn errors_after_the_first_byte_travel_inline() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    stack.agentcore.inject(Fault::InBandError);
    let mut resp = stack
        .post_signed(INVOKE, &json!({"query": "q"}), NDJSON)
        .await;
    assert_eq!(resp.status(), 200, "the status was sent before the failure");
    let mut buffer = String::new();
    let frames = parse(&read_until(&mut resp, &mut buffer, |_| false).await);
    assert_eq!(frames[0]["content"], "Starting analysis");
    let last = frames.last().unwrap();
    assert_eq!(last["error"]["code"], "AGENT_FAILED", "{frames:?}");
    assert_eq!(last["error"]["status"], 502);
    assert!(frames.iter().all(|f| f.get("done").is_none()));
    let text = serde_json::to_string(&frames).unwrap();
    assert!(!text.contains("kaput"), "agent internals stay in the logs");
}

#[tokio::test]
async fn heartbeats_keep_a_silent_stream_alive() {
    let stack =
        StreamStack::start_with(Backend::Builtin, &[("STREAM_HEARTBEAT_SECONDS", "1")]).await;
    // The agent goes silent before its last event and stays silent until this test has seen
    // two heartbeats: the silence lasts as long as the test needs, not a guessed duration.
    stack.agentcore.inject(Fault::HeldSse);
    let query = "slow one";
    let mut resp = stack
        .post_signed(INVOKE, &json!({ "query": query }), NDJSON)
        .await;
    let mut buffer = String::new();
    let is_heartbeat = |l: &str| l.contains("\"heartbeat\"");
    let mut head = read_until(&mut resp, &mut buffer, is_heartbeat).await;
    head.extend(read_until(&mut resp, &mut buffer, is_heartbeat).await);
    stack.agentcore.release_held();
    head.extend(read_until(&mut resp, &mut buffer, |l| l.contains("\"done\"")).await);
    let frames = parse(&head);
    let first_content = frames
        .iter()
        .position(|f| f["content"].is_string())
        .unwrap();
    let heartbeats: Vec<usize> = frames
        .iter()
        .enumerate()
        .filter(|(_, f)| f["heartbeat"] == true)
        .map(|(i, _)| i)
        .collect();
    assert!(
        heartbeats.len() >= 2,
        "a heartbeat per second of silence: {frames:?}"
    );
    assert!(
        heartbeats.iter().all(|&i| i > first_content),
        "heartbeats fill the silence after the first words: {frames:?}"
    );
    assert_eq!(
        content(&frames),
        format!("Local agent (offline stand-in) received: {query}")
    );
}

#[tokio::test]
async fn a_real_streaming_agent_is_relayed_end_to_end() {
    let agent = AgentProcess::start("sse").await;
    let stack = StreamStack::start_with(Backend::Forward(agent.url.clone()), &[]).await;
    let session = "e2e-stream-session-0123456789abcdefghij";
    let mut resp = stack
        .post_signed(
            INVOKE,
            &json!({"query": "Is the VPN down?", "session_id": session}),
            NDJSON,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let mut buffer = String::new();
    let frames = parse(&read_until(&mut resp, &mut buffer, |l| l.contains("\"done\"")).await);
    // The caller's session name, in its namespace, is the session the agent ran in.
    let used = frames.last().unwrap()["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(used.starts_with("s-") && used != session, "{used}");
    assert_eq!(
        content(&frames),
        format!("Python agent answer to: Is the VPN down? [session {used}]")
    );
    assert!(frames.iter().filter(|f| f["content"].is_string()).count() > 3);
}

#[tokio::test]
async fn the_function_url_event_fixture_streams_through_the_binary() {
    // events/function-url/stream-invoke.json is what `sam local invoke StreamFunction -e` takes.
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    stack.agentcore.inject(Fault::Sse);
    let event = crate::support::event("function-url/stream-invoke.json");
    let outcome = stack
        .runtime
        .invoke(
            bytes::Bytes::from(event.to_string()),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    let local_lambda::Outcome::Streaming(mut stream) = outcome else {
        panic!("the stream binary answers with a streamed response: {outcome:?}");
    };
    assert_eq!(stream.prelude["statusCode"], 200);
    assert_eq!(stream.prelude["headers"]["content-type"], NDJSON);
    let mut body = Vec::new();
    while let Some(chunk) = stream.body.recv().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    let lines: Vec<String> = String::from_utf8(body)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let frames = parse(&lines);
    assert_eq!(
        content(&frames),
        "Local agent (offline stand-in) received: Which deploy broke checkout in the last hour?"
    );
    let done = frames.last().unwrap();
    assert_eq!(done["done"], true);
    assert!(done["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        stack.agentcore.invocations()[0].body_json()["context"],
        json!({"service": "checkout"})
    );
}
