//! AgentCore's quotas as the bridge meets them, through the real SDK over HTTP: a new session
//! past the account's active-session quota is 402 `ServiceQuotaExceededException` until
//! `StopRuntimeSession` frees one, and a call past an endpoint's rate is 429
//! `ThrottlingException`. The SDK does not retry (a retry would hide the refusal), and the
//! emulator's clock runs a thousand times slower than real time so that no window refills and
//! no session idles out while a test runs: nothing here waits on time.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_bedrockagentcore::Client;
use aws_sdk_bedrockagentcore::error::ProvideErrorMetadata;
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;
use aws_sdk_bedrockagentcore::primitives::Blob;
use std::time::Duration;

use local_agentcore::{
    Backend, Fault, LOCAL_RUNTIME_ARN, LocalAgentCore, QuotaStats, Quotas, RunningAgentCore,
    local_sdk,
};

/// One emulated second lasts 1,000 real ones: the rate window, the 900 s idle timeout and the
/// lifetime outlast any run of these tests.
const SLOW_CLOCK: f64 = 0.001;

const OTHER_RUNTIME_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-OTHER00001";

async fn start(quotas: Quotas) -> RunningAgentCore {
    LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .with_runtime(OTHER_RUNTIME_ARN, Backend::Builtin)
        .with_quotas(quotas)
        .start("127.0.0.1:0")
        .await
        .expect("the emulator listens")
}

/// An SDK client for `server` that tries each call once.
async fn sdk(server: &RunningAgentCore) -> Client {
    let config = local_sdk(
        aws_config::defaults(BehaviorVersion::latest()),
        &server.endpoint_url(),
    )
    .retry_config(RetryConfig::disabled())
    .load()
    .await;
    Client::new(&config)
}

/// A session id of the length the service requires (33–256).
fn session(name: &str) -> String {
    format!("quota-test-{name}-0123456789abcdef0123456789")
}

/// Invokes `arn` in `session` and reads the whole answer.
async fn invoke(sdk: &Client, arn: &str, session: &str) -> Result<(), InvokeAgentRuntimeError> {
    let out = sdk
        .invoke_agent_runtime()
        .agent_runtime_arn(arn)
        .qualifier("DEFAULT")
        .runtime_session_id(session)
        .content_type("application/json")
        .payload(Blob::new(&br#"{"prompt": "Is the mail server down?"}"#[..]))
        .send()
        .await
        .map_err(|e| e.into_service_error())?;
    out.response
        .collect()
        .await
        .expect("the answer arrives whole");
    Ok(())
}

async fn stop(sdk: &Client, session: &str) {
    sdk.stop_runtime_session()
        .agent_runtime_arn(LOCAL_RUNTIME_ARN)
        .qualifier("DEFAULT")
        .runtime_session_id(session)
        .send()
        .await
        .expect("an active session stops");
}

#[tokio::test]
async fn new_sessions_past_the_active_session_quota_get_402_until_a_stop_frees_a_slot() {
    let server = start(Quotas {
        max_active_sessions: Some(2),
        time_scale: SLOW_CLOCK,
        ..Quotas::unlimited()
    })
    .await;
    let sdk = sdk(&server).await;
    let [a, b, c] = ["a", "b", "c"].map(session);

    invoke(&sdk, LOCAL_RUNTIME_ARN, &a).await.unwrap();
    invoke(&sdk, LOCAL_RUNTIME_ARN, &b).await.unwrap();
    let refused = invoke(&sdk, LOCAL_RUNTIME_ARN, &c).await.unwrap_err();
    assert!(
        refused.is_service_quota_exceeded_exception(),
        "a third session: {refused:?}"
    );
    assert!(
        refused
            .message()
            .is_some_and(|m| m.contains("Maximum number of active sessions")),
        "{refused:?}"
    );
    invoke(&sdk, LOCAL_RUNTIME_ARN, &a)
        .await
        .expect("continuing an active session needs no free slot");

    stop(&sdk, &a).await;
    invoke(&sdk, LOCAL_RUNTIME_ARN, &c)
        .await
        .expect("the stopped session's slot goes to a new one");
    let again = invoke(&sdk, LOCAL_RUNTIME_ARN, &a).await.unwrap_err();
    assert!(
        again.is_service_quota_exceeded_exception(),
        "a stopped session invoked again is a new session: {again:?}"
    );

    let expected = QuotaStats {
        active_sessions: 2,
        peak_active_sessions: 2,
        admitted: 4,
        throttled: 0,
        quota_exceeded: 2,
        stopped: 1,
    };
    assert_eq!(server.quota_stats(), expected);
    let shown = reqwest::get(format!("{}/_local/quotas", server.endpoint_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
        serde_json::json!({
            "active_sessions": 2, "peak_active_sessions": 2, "admitted": 4, "throttled": 0,
            "quota_exceeded": 2, "stopped": 1,
        }),
        "GET /_local/quotas"
    );
    assert_eq!(
        server.invocation_count(),
        6,
        "refused calls are recorded too"
    );
}

#[tokio::test]
async fn calls_past_an_endpoints_rate_get_429_while_other_endpoints_keep_their_own() {
    let server = start(Quotas {
        invocations_per_second: Some(3),
        time_scale: SLOW_CLOCK,
        ..Quotas::unlimited()
    })
    .await;
    let sdk = sdk(&server).await;
    let s = session("rate");

    for _ in 0..3 {
        invoke(&sdk, LOCAL_RUNTIME_ARN, &s).await.unwrap();
    }
    let throttled = invoke(&sdk, LOCAL_RUNTIME_ARN, &s).await.unwrap_err();
    assert!(throttled.is_throttling_exception(), "{throttled:?}");
    assert_eq!(throttled.message(), Some("Rate exceeded"));
    invoke(&sdk, OTHER_RUNTIME_ARN, &s)
        .await
        .expect("another runtime's endpoint has its own rate");

    let stats = server.quota_stats();
    assert_eq!((stats.admitted, stats.throttled), (4, 1));
    assert_eq!(
        server.invocation_count(),
        5,
        "the refused call is recorded, and the SDK did not retry it"
    );
}

#[tokio::test]
async fn a_session_holds_its_slot_while_its_answer_streams_and_idles_only_once_it_ends() {
    // No idle time at all: the session ends the moment its answer does, and not before.
    let server = start(Quotas {
        max_active_sessions: Some(1),
        idle_timeout: Duration::ZERO,
        time_scale: SLOW_CLOCK,
        ..Quotas::unlimited()
    })
    .await;
    let sdk = sdk(&server).await;
    let (a, b) = (session("streaming"), session("waiting"));

    server.inject(Fault::HeldSse);
    let streaming = sdk
        .invoke_agent_runtime()
        .agent_runtime_arn(LOCAL_RUNTIME_ARN)
        .runtime_session_id(&a)
        .payload(Blob::new(&br#"{"prompt": "Is the mail server down?"}"#[..]))
        .send()
        .await
        .expect("the stream's head arrives");
    let refused = invoke(&sdk, LOCAL_RUNTIME_ARN, &b).await.unwrap_err();
    assert!(
        refused.is_service_quota_exceeded_exception(),
        "the streaming session is busy: {refused:?}"
    );

    server.release_held();
    streaming.response.collect().await.expect("the stream ends");
    // The server lets go of the answer's body before it sends the body's end, so by now the
    // session has ended.
    invoke(&sdk, LOCAL_RUNTIME_ARN, &b)
        .await
        .expect("the finished session's slot is free");
}
