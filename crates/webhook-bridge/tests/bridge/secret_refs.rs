//! Signing secrets referenced in Secrets Manager or SSM, fetched at cold start by the real SDK
//! clients over HTTP.

use crate::support;

use hmac::{Hmac, Mac};
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore};
use sha2::Sha256;
use support::secret_service::SecretService;
use support::{
    assert_error, bridge_with_secrets, call, event, event_json, local_agentcore, request,
};

const SM_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/github-AbCdEf";

fn github_signed(secret: &str) -> lambda_http::Request {
    let mut ev = event_json("github-issue-opened.json");
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(ev["body"].as_str().unwrap().as_bytes());
    let sig = format!("sha256={}", hex::encode(m.finalize().into_bytes()));
    ev["headers"]["X-Hub-Signature-256"] = sig.clone().into();
    ev["multiValueHeaders"]["X-Hub-Signature-256"] = vec![sig].into();
    request(&ev)
}

#[tokio::test]
async fn secrets_manager_and_ssm_references_are_fetched_once_and_enforced() {
    let agentcore = local_agentcore().await;
    let secrets = SecretService::start(&[
        (SM_ARN, r#"["gh-old-secret", "gh-new-secret"]"#),
        ("/bridge/jira", "jira-secret"),
    ])
    .await;
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[
            ("GITHUB_WEBHOOK_SECRET_REF", SM_ARN),
            ("JIRA_WEBHOOK_SECRET_REF", "/bridge/jira"),
        ],
    )
    .await;
    bridge.prefetch_secrets().await;
    assert_eq!(
        secrets.requests(),
        2,
        "one fetch per referenced secret at cold start"
    );

    assert_eq!(
        call(&bridge, github_signed("gh-new-secret")).await.status,
        200
    );
    assert_eq!(
        call(&bridge, github_signed("gh-old-secret")).await.status,
        200,
        "both rotation secrets verify"
    );
    assert_error(
        &call(&bridge, github_signed("wrong")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_error(
        &call(&bridge, event("jira-issue-created.json")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_eq!(
        secrets.requests(),
        2,
        "secrets are cached, not fetched per delivery"
    );
    assert_eq!(agentcore.invocation_count(), 2);
}

#[tokio::test]
async fn an_unavailable_secret_fails_closed_and_is_retried() {
    let agentcore = local_agentcore().await;
    let secrets = SecretService::start(&[(SM_ARN, "gh-secret")]).await;
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[("GITHUB_WEBHOOK_SECRET_REF", SM_ARN)],
    )
    .await;
    // The test configuration makes one SDK attempt per call: fail the cold-start fetch and the
    // first delivery's retry of it.
    secrets.fail_next(2);
    bridge.prefetch_secrets().await;

    assert_error(
        &call(&bridge, github_signed("gh-secret")).await,
        500,
        "CONFIGURATION_ERROR",
    );
    assert_eq!(agentcore.invocation_count(), 0, "never analysed unverified");
    // The store recovered: the next delivery fetches again and goes through.
    assert_eq!(call(&bridge, github_signed("gh-secret")).await.status, 200);
    // Other sources were never affected.
    assert_eq!(
        call(&bridge, event("servicenow-minimal.json")).await.status,
        200
    );
}

#[tokio::test]
async fn a_missing_secret_is_a_configuration_error_for_that_source_only() {
    let agentcore = local_agentcore().await;
    let secrets = SecretService::start(&[]).await;
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[("JIRA_WEBHOOK_SECRET_REF", "/bridge/missing")],
    )
    .await;
    bridge.prefetch_secrets().await;
    let reply = call(&bridge, event("jira-issue-created.json")).await;
    assert_error(&reply, 500, "CONFIGURATION_ERROR");
    assert!(
        !reply.raw.contains("/bridge/missing"),
        "the reference stays in the logs"
    );
    assert_eq!(
        call(&bridge, event("zendesk-ticket-created.json"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn named_agents_come_from_an_ssm_parameter_read_at_cold_start() {
    const RESEARCH: &str =
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/research_agent-RESEARCH01";
    let agentcore = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .with_runtime(RESEARCH, Backend::Builtin)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let directory = format!(r#"{{"research": "{RESEARCH}"}}"#);
    let secrets = SecretService::start(&[("/bridge/agents", directory.as_str())]).await;
    secrets.fail_next(1);
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[("AGENTS_PARAMETER", "/bridge/agents")],
    )
    .await;
    bridge.prefetch_secrets().await; // fails once: the next request retries the fetch
    let mut ev = event_json("invoke-api.json");
    ev["path"] = "/v1/agents/research/invoke".into();
    let reply = call(&bridge, request(&ev)).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.json["metadata"]["agent"], "research");
    assert_eq!(agentcore.invocations()[0].runtime, RESEARCH);
    let fetches = secrets.requests();
    let _ = call(&bridge, request(&ev)).await;
    assert_eq!(secrets.requests(), fetches, "fetched once, then kept");
    ev["path"] = "/v1/agents/unknown/invoke".into();
    assert_error(&call(&bridge, request(&ev)).await, 404, "AGENT_NOT_FOUND");
}

#[tokio::test]
async fn the_streaming_entry_points_cold_start_fetches_no_signing_secrets() {
    let agentcore = local_agentcore().await;
    let secrets = SecretService::start(&[(SM_ARN, "gh-secret"), ("/bridge/agents", r#"{}"#)]).await;
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[
            ("GITHUB_WEBHOOK_SECRET_REF", SM_ARN),
            ("AGENTS_PARAMETER", "/bridge/agents"),
        ],
    )
    .await;
    // What `Serves::InvokeOnly` prepares: the agent directory, not webhook signing secrets.
    bridge.prefetch_agents().await;
    assert_eq!(
        secrets.requests(),
        1,
        "only the agent directory was fetched"
    );
    bridge.prefetch_secrets().await;
    assert_eq!(
        secrets.requests(),
        2,
        "the signing secret too; the directory is kept"
    );
}

#[tokio::test]
async fn a_session_secret_unreachable_or_too_short_fails_closed_never_unkeyed() {
    let agentcore = local_agentcore().await;
    let secrets = SecretService::start(&[
        ("/bridge/session", "a-generated-session-secret-000000000000"),
        ("/bridge/short-session", "too-short"),
    ])
    .await;
    let endpoint = agentcore.endpoint_url();
    let bridge = bridge_with_secrets(
        &endpoint,
        &secrets.endpoint,
        &[("SESSION_SECRET_REF", "/bridge/session")],
    )
    .await;
    // The store fails: the request is refused rather than given an unkeyed session.
    secrets.fail_next(1);
    assert_error(
        &call(&bridge, event("invoke-api.json")).await,
        500,
        "CONFIGURATION_ERROR",
    );
    assert_eq!(agentcore.invocation_count(), 0);
    // The next request fetches again, and is served.
    assert_eq!(call(&bridge, event("invoke-api.json")).await.status, 200);

    let short = bridge_with_secrets(
        &endpoint,
        &secrets.endpoint,
        &[("SESSION_SECRET_REF", "/bridge/short-session")],
    )
    .await;
    assert_error(
        &call(&short, event("invoke-api.json")).await,
        500,
        "CONFIGURATION_ERROR",
    );
    assert_eq!(agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_chat_auth_secret_is_fetched_from_its_reference_and_fails_closed() {
    use crate::support::issuer::{Signer, now, sign};
    let agentcore = local_agentcore().await;
    let secret = "a-chat-front-end-shared-secret-of-48-characters!!";
    let secrets = SecretService::start(&[("/bridge/chat-auth", secret)]).await;
    let bridge = bridge_with_secrets(
        &agentcore.endpoint_url(),
        &secrets.endpoint,
        &[("CHAT_AUTH_SECRET_REF", "/bridge/chat-auth")],
    )
    .await;
    let token = sign(
        &serde_json::json!({"sub": "dana", "exp": now() + 300}),
        None,
        Signer::Hmac(secret.as_bytes()),
    );
    let mut ev = event_json("invoke-api.json");
    ev["headers"]["Authorization"] = format!("Bearer {token}").into();
    ev["multiValueHeaders"]["Authorization"] = vec![format!("Bearer {token}")].into();

    secrets.fail_next(1);
    let reply = call(&bridge, request(&ev)).await;
    assert_error(&reply, 503, "TOKEN_KEYS_UNAVAILABLE");
    assert_eq!(reply.headers["retry-after"], "5");
    assert_eq!(agentcore.invocation_count(), 0);
    let reply = call(&bridge, request(&ev)).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        agentcore.invocations()[0].header("x-amzn-bedrock-agentcore-runtime-user-id"),
        Some("dana")
    );
}
