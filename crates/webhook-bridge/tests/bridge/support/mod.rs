//! Shared set-up for the handler tests: a local AgentCore on a free port, a `Bridge` whose real
//! SDK client points at it, and the API Gateway events from `events/`.

pub mod signing;

pub mod issuer;
pub mod jobs;
pub mod secret_service;
pub mod sns;

use std::collections::HashMap;

use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};
use lambda_http::{Body, Request};
use local_agentcore::{
    Backend, Fault, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore, local_sdk,
};
use serde_json::Value;
use webhook_bridge::{Aws, Bridge, Config, sdk_defaults};

pub struct Harness {
    pub agentcore: RunningAgentCore,
    pub bridge: Bridge,
}

/// The bridge with the default configuration except `env`, where one SDK attempt is the default
/// so error mappings are observed without retry back-off (retry behaviour has its own tests).
pub async fn harness(env: &[(&str, &str)]) -> Harness {
    let agentcore = local_agentcore().await;
    let endpoint = agentcore.endpoint_url();
    let bridge = bridge_for(&endpoint, env).await;
    Harness { agentcore, bridge }
}

/// The local AgentCore with the built-in agent as the default runtime, on a free port.
pub async fn local_agentcore() -> RunningAgentCore {
    LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .start("127.0.0.1:0")
        .await
        .expect("start local AgentCore")
}

/// The SDK's SSM and Secrets Manager clients on moto's server.
pub fn moto_secret_clients() -> (aws_sdk_ssm::Client, aws_sdk_secretsmanager::Client) {
    use aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
    let endpoint = &local_moto::moto().endpoint;
    let credentials = Credentials::new("testing", "testing", None, None, "moto");
    let ssm = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(local_moto::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials.clone())
        .build();
    let sm = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(local_moto::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .build();
    (
        aws_sdk_ssm::Client::from_conf(ssm),
        aws_sdk_secretsmanager::Client::from_conf(sm),
    )
}

pub async fn bridge_for(endpoint: &str, env: &[(&str, &str)]) -> Bridge {
    bridge_with_secrets(endpoint, endpoint, env).await
}

/// A bridge whose secret store (SSM, Secrets Manager) is at `secrets_endpoint`.
pub async fn bridge_with_secrets(
    endpoint: &str,
    secrets_endpoint: &str,
    env: &[(&str, &str)],
) -> Bridge {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = test_config(&env);
    let agent_sdk = sdk_at(&config, endpoint).await;
    let secrets_sdk = sdk_at(&config, secrets_endpoint).await;
    let aws = Aws {
        agentcore: &agent_sdk,
        jobs: &agent_sdk,
        secrets: &secrets_sdk,
    };
    Bridge::new(config, aws)
}

/// The default test configuration (the local runtime, one SDK attempt) with `env` on top.
pub fn test_config(env: &[(String, String)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("AGENT_RUNTIME_ARN".into(), LOCAL_RUNTIME_ARN.into()),
        ("AGENT_MAX_ATTEMPTS".into(), "1".into()),
    ]);
    vars.extend(env.iter().cloned());
    Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test config")
}

/// SDK settings for `config` with every service at `url`, in the local region, with dummy
/// credentials.
pub async fn sdk_at(config: &Config, url: &str) -> aws_config::SdkConfig {
    local_sdk(sdk_defaults(config), url).load().await
}

pub fn event_json(name: &str) -> Value {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Owned environment pairs (e.g. a local issuer's) as the harness takes them.
pub fn env_of<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
}

pub fn event(name: &str) -> Request {
    request(&event_json(name))
}

/// The named event with another (plain-text) body.
pub fn event_with_body(name: &str, body: &str) -> Request {
    let mut ev = event_json(name);
    ev["body"] = Value::from(body);
    ev["isBase64Encoded"] = Value::from(false);
    request(&ev)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub raw: String,
}

pub async fn call(bridge: &Bridge, req: Request) -> Reply {
    let resp = bridge.handle(req).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let raw = match resp.into_body() {
        Body::Text(t) => t,
        Body::Binary(b) => String::from_utf8(b).unwrap(),
        Body::Empty => String::new(),
        _ => panic!("unexpected body kind"),
    };
    let json =
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("response is not JSON ({e}): {raw}"));
    Reply {
        status,
        headers,
        json,
        raw,
    }
}

/// Asserts the error envelope: code, status in body and on the wire, request id, no leaks.
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.raw);
    assert_eq!(reply.json["success"], false, "{}", reply.raw);
    assert_eq!(reply.json["error"]["code"], code, "{}", reply.raw);
    assert_eq!(reply.json["error"]["status"], status, "{}", reply.raw);
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        reply.json["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(
        reply.headers["x-request-id"],
        reply.json["request_id"].as_str().unwrap()
    );
    for leak in [
        "arn:",
        "bedrock-agentcore:",
        "123456789012",
        "Exception",
        "dispatch",
        "kaput",
    ] {
        assert!(
            !reply.raw.contains(leak),
            "response leaks {leak:?}: {}",
            reply.raw
        );
    }
}

/// Queues `fault`, sends the minimal incident, and asserts the error it must map to.
pub async fn assert_fault_maps_to(h: &Harness, fault: Fault, status: u16, code: &str) -> Reply {
    h.agentcore.inject(fault);
    let reply = call(&h.bridge, event("servicenow-minimal.json")).await;
    assert_error(&reply, status, code);
    reply
}

/// The named event with extra request headers.
pub fn event_with_headers(name: &str, headers: &[(&str, &str)]) -> Request {
    let mut ev = event_json(name);
    for (k, v) in headers {
        ev["headers"][*k] = Value::from(*v);
        ev["multiValueHeaders"][*k] = Value::from(vec![*v]);
    }
    request(&ev)
}

/// A response of the streaming entry point, read whole.
pub struct Streamed {
    pub status: u16,
    pub headers: HeaderMap,
    pub raw: String,
}

/// Sends `req` to the streaming entry point and reads the whole body.
pub async fn call_stream(bridge: &Bridge, req: Request) -> Streamed {
    let (parts, mut body) = bridge.handle_stream(req).await.into_parts();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.expect("a body chunk"));
    }
    Streamed {
        status: parts.status.as_u16(),
        headers: parts.headers,
        raw: String::from_utf8(bytes).unwrap(),
    }
}
