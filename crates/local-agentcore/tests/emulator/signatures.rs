//! The emulator's front door, checked as AWS checks it: a call to the data plane must carry a
//! SigV4 signature for `bedrock-agentcore` in the emulator's region by a known key, over what
//! was sent; otherwise AWS's 403 with its error type in `X-Amzn-ErrorType`.

use std::time::SystemTime;

use local_agentcore::{
    Backend, LOCAL_ACCESS_KEY_ID, LOCAL_RUNTIME_ARN, LOCAL_SECRET_ACCESS_KEY, LocalAgentCore,
    local_credentials,
};
use local_lambda::{LocalCredentials, sigv4_signed_post_for};

const SESSION: &str = "sigv4-test-session-0123456789abcdef0123";

/// `POST` an invocation signed by `creds` for `service`, with `sent` as the body actually sent
/// (the signature covers `signed`).
async fn invoke(
    endpoint: &str,
    creds: &LocalCredentials,
    service: &str,
    signed: &[u8],
    sent: &'static [u8],
) -> (u16, Option<String>) {
    let arn = LOCAL_RUNTIME_ARN.replace(':', "%3A").replace('/', "%2F");
    let url = format!("{endpoint}/runtimes/{arn}/invocations?qualifier=DEFAULT");
    let headers = sigv4_signed_post_for(
        service,
        creds,
        &url,
        signed,
        &[
            ("content-type", "application/json"),
            ("x-amzn-bedrock-agentcore-runtime-session-id", SESSION),
        ],
        SystemTime::now(),
    );
    let mut req = reqwest::Client::new().post(&url).body(sent);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.send().await.expect("the emulator answered");
    let error_type = resp
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned());
    (resp.status().as_u16(), error_type)
}

#[tokio::test]
async fn only_calls_signed_by_a_known_key_for_the_service_reach_the_agent() {
    let server = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let endpoint = server.endpoint_url();
    let body: &'static [u8] = br#"{"prompt": "Is the mail server down?"}"#;
    let ours = local_credentials(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY);

    let signed = invoke(&endpoint, &ours, "bedrock-agentcore", body, body).await;
    assert_eq!(signed, (200, None));

    let cases = [
        (
            "an unknown key",
            local_credentials("AKIDSTRANGER", LOCAL_SECRET_ACCESS_KEY),
            "bedrock-agentcore",
            body,
            "UnrecognizedClientException",
        ),
        (
            "a wrong secret",
            local_credentials(LOCAL_ACCESS_KEY_ID, "not-the-secret"),
            "bedrock-agentcore",
            body,
            "InvalidSignatureException",
        ),
        (
            "another service",
            ours.clone(),
            "lambda",
            body,
            "InvalidSignatureException",
        ),
        (
            "another body than the one signed",
            ours.clone(),
            "bedrock-agentcore",
            &br#"{"prompt": "something else"}"#[..],
            "InvalidSignatureException",
        ),
    ];
    for (what, creds, service, signed_body, error_type) in cases {
        let refused = invoke(&endpoint, &creds, service, signed_body, body).await;
        assert_eq!(refused, (403, Some(error_type.to_owned())), "{what}");
    }
    let other_region = LocalCredentials {
        region: "eu-west-1".into(),
        ..ours
    };
    let refused = invoke(&endpoint, &other_region, "bedrock-agentcore", body, body).await;
    assert_eq!(
        refused,
        (403, Some("InvalidSignatureException".into())),
        "another region"
    );
    assert_eq!(server.invocation_count(), 1, "only the signed call ran");
}
