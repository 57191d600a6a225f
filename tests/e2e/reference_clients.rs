//! The two public contracts the invoke API is modelled on, each driven exactly as its own client
//! drives it, through the local stack (built binaries, the real `BedrockAgentCoreApp` agent):
//!
//! - run-agent.ai: its documented curl, verbatim, with `Authorization: Bearer <API key>`, through
//!   the local API Gateway and the key authorizer;
//! - Pika: what its published direct-invocation CLI does (an HS256 `{userId, customUserData}`
//!   token in `x-chat-auth`, SigV4 for service `lambda` over the request with that header signed,
//!   the answer read line by line, `content` printed and `error` reported) against the local
//!   Function URL.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{API_KEY, AgentProcess, STAGE, Stack, StreamStack, url_credentials};

/// The body of run-agent.ai's documented invoke example, verbatim.
const RUN_AGENT_BODY: &str = r#"{"query": "Write a story about AI", "parameters": {"temperature": 0.8, "max_tokens": 500,
       "style": "science fiction"}, "session_id": "user-123-session"}"#;

/// run-agent.ai's curl: `POST $BASE/v1/agents/agent-123/invoke` with a Bearer API key.
async fn run_agent_curl(stack: &Stack, bearer: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!(
            "{}/v1/agents/agent-123/invoke",
            stack.gateway.url(STAGE)
        ))
        .header("Content-Type", "application/json")
        .body(RUN_AGENT_BODY);
    if let Some(key) = bearer {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    request
        .send()
        .await
        .expect("the local API Gateway answered")
}

#[tokio::test]
async fn run_agents_documented_curl_with_a_bearer_key_gets_run_agents_answer() {
    let agent = AgentProcess::start("json").await;
    let agents = json!({ "agent-123": LOCAL_RUNTIME_ARN }).to_string();
    let stack =
        Stack::start_with(Backend::Forward(agent.url.clone()), &[("AGENTS", &agents)]).await;

    let first = run_agent_curl(&stack, Some(API_KEY)).await;
    assert_eq!(first.status(), 200);
    let answer: Value = serde_json::from_str(&first.text().await.unwrap()).unwrap();
    // run-agent.ai's documented shape: result.answer, usage's three counts, metadata's three.
    let text = answer["result"]["answer"].as_str().expect("result.answer");
    assert!(
        text.starts_with("Python agent answer to: Write a story about AI"),
        "{answer}"
    );
    assert!(
        text.contains("[parameters max_tokens=500, style=science fiction, temperature=0.8]"),
        "free-form parameters reach the agent after the range checks: {answer}"
    );
    let usage = &answer["usage"];
    let (prompt, completion) = (
        usage["prompt_tokens"]
            .as_u64()
            .expect("usage.prompt_tokens"),
        usage["completion_tokens"]
            .as_u64()
            .expect("usage.completion_tokens"),
    );
    assert_eq!(usage["total_tokens"].as_u64(), Some(prompt + completion));
    assert_eq!(
        prompt, 5,
        "the agent's Strands-named counts, renamed: {usage}"
    );
    let metadata = &answer["metadata"];
    let seconds = metadata["execution_time"]
        .as_f64()
        .expect("metadata.execution_time");
    assert!(seconds > 0.0 && seconds < 60.0, "in seconds: {metadata}");
    assert_eq!(
        metadata["agent_version"], "DEFAULT",
        "the endpoint's qualifier"
    );
    assert!(
        metadata["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    // Its session id (16 characters, below AgentCore's 33) is mapped to one AgentCore session,
    // the same every time this caller names it.
    let again = run_agent_curl(&stack, Some(API_KEY)).await;
    assert_eq!(again.status(), 200);
    let calls = stack.agentcore.invocations();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].session_id, calls[1].session_id);
    assert!(calls[0].session_id.len() >= 33, "{}", calls[0].session_id);
    assert_eq!(
        metadata["session_id"].as_str(),
        Some(calls[0].session_id.as_str())
    );

    // The key is checked: none is the authorizer's 401, a wrong one API Gateway's 403.
    let keyless = run_agent_curl(&stack, None).await;
    assert_eq!(keyless.status(), 401);
    let body: Value = serde_json::from_str(&keyless.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "API_KEY_REQUIRED");
    let wrong = run_agent_curl(&stack, Some("NotTheKey0123456789abcdef")).await;
    assert_eq!(wrong.status(), 403);
    let body: Value = serde_json::from_str(&wrong.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "INVALID_API_KEY");
    assert_eq!(stack.agentcore.invocation_count(), 2, "refusals never ran");
}

/// The HS256 secret the Pika front end and the bridge share.
const CHAT_SECRET: &str = "pika-jwt-secret-shared-with-the-bridge-0123456789";

/// Pika's `createJWT`: `jwt.sign({userId, customUserData}, secret, {expiresIn: '1h'})`.
fn pika_token(user_id: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(json!({"userId": user_id, "iat": now, "exp": now + 3600}).to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(CHAT_SECRET.as_bytes()).unwrap();
    mac.update(format!("{header}.{claims}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{claims}.{signature}")
}

/// What Pika's CLI prints and reports: the `content` of each line, and each `error`.
#[derive(Debug, Default)]
struct PikaOutput {
    status: u16,
    printed: String,
    errors: Vec<Value>,
    body: String,
}

/// Pika's `invokeConverseFunction`: SigV4 (service `lambda`) over `POST <function URL>` with
/// `Content-Type` and `x-chat-auth` signed, then the body read chunk by chunk and split on new
/// lines, each line parsed as JSON.
async fn pika_cli(stack: &StreamStack, request: &Value, token: &str) -> PikaOutput {
    let url = stack.url.url();
    let body = request.to_string();
    let chat_auth = format!("Bearer {token}");
    let headers = local_lambda::sigv4_signed_post(
        &url_credentials(),
        &url,
        body.as_bytes(),
        &[
            ("content-type", "application/json"),
            ("x-chat-auth", &chat_auth),
        ],
        std::time::SystemTime::now(),
    );
    let mut req = reqwest::Client::new().post(&url).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let mut resp = req.send().await.expect("the Function URL answered");
    let mut out = PikaOutput {
        status: resp.status().as_u16(),
        ..PikaOutput::default()
    };
    if !resp.status().is_success() {
        out.body = resp.text().await.unwrap();
        return out;
    }
    let mut buffer = String::new();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(newline) = buffer.find('\n') {
            let line = buffer[..newline].trim().to_owned();
            buffer.drain(..=newline);
            if line.is_empty() {
                continue;
            }
            let data: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("every line is JSON ({e}): {line}"));
            if let Some(content) = data["content"].as_str() {
                out.printed.push_str(content);
            } else if !data["error"].is_null() {
                out.errors.push(data["error"].clone());
            }
        }
    }
    assert!(buffer.trim().is_empty(), "nothing after the last line");
    out
}

/// Pika's documented direct invocation, with a CSV file attached.
fn pika_request(user_id: &str, file_type: &str) -> Value {
    json!({
        "invocationMode": "direct-agent-invoke",
        "message": "What is the weather in San Francisco?",
        "agentId": "weather-agent-test",
        "userId": user_id,
        "sessionId": "existing-session-id",
        "features": {"verifyResponse": {"enabled": true}},
        "files": [{"fileName": "data.csv",
                   "fileContent": STANDARD.encode("city,temp\nSan Francisco,18\n"),
                   "mimeType": file_type}],
    })
}

#[tokio::test]
async fn pikas_cli_flow_streams_content_lines_for_its_direct_invocation() {
    let agent = AgentProcess::start("sse").await;
    let agents = json!({ "weather-agent-test": LOCAL_RUNTIME_ARN }).to_string();
    let stack = StreamStack::start_with(
        Backend::Forward(agent.url.clone()),
        &[("AGENTS", &agents), ("CHAT_AUTH_SECRET", CHAT_SECRET)],
    )
    .await;

    let out = pika_cli(&stack, &pika_request("123", "text/csv"), &pika_token("123")).await;
    assert_eq!(out.status, 200, "{out:?}");
    assert!(out.errors.is_empty(), "{out:?}");
    let session = &stack.agentcore.invocations()[0].session_id;
    assert_eq!(
        out.printed,
        format!(
            "Python agent answer to: What is the weather in San Francisco? [session {session}] \
             [file data.csv text/csv 27 bytes: city,temp] [features verifyResponse]"
        ),
        "every word, in order, with the file and features as the agent received them"
    );
    assert_eq!(
        stack.agentcore.invocations()[0].header("x-amzn-bedrock-agentcore-runtime-user-id"),
        Some("123"),
        "the agent acts for the user the token proves"
    );

    // The token's userId must be the body's; a file type outside the allow-list is refused.
    let other = pika_cli(&stack, &pika_request("123", "text/csv"), &pika_token("456")).await;
    assert_eq!(other.status, 403, "{other:?}");
    assert!(other.body.contains("USER_NOT_ALLOWED"), "{other:?}");
    let exe = pika_cli(
        &stack,
        &pika_request("123", "application/x-msdownload"),
        &pika_token("123"),
    )
    .await;
    assert_eq!(exe.status, 415, "{exe:?}");
    assert!(exe.body.contains("UNSUPPORTED_FILE_TYPE"), "{exe:?}");
    assert_eq!(stack.agentcore.invocation_count(), 1, "refusals never ran");
}
