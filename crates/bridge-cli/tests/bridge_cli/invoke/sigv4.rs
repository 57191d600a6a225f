//! `--sigv4`: requests signed for the `lambda` service with credentials and region from the
//! environment, and no API key sent; and `--token`, the user's bearer token beside either.

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::support::{JSON_ANSWER, Recorder, Seen, canned_with, run, serve, stderr};

/// `bridge invoke q --url … ARGS…` with `env` against a stand-in that answers JSON; it must
/// succeed. Returns the one request the stand-in received.
async fn signed(args: &[&str], env: &[(&str, &str)]) -> Seen {
    let recorder = Recorder::default();
    let app = canned_with(
        recorder.clone(),
        StatusCode::OK,
        "application/json",
        vec![JSON_ANSWER],
    );
    let url = serve(app).await;
    let mut argv = vec!["invoke", "q", "--url", url.as_str()];
    argv.extend(args);
    let out = run(&argv, env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    recorder.only()
}

#[tokio::test]
async fn sigv4_signs_for_lambda_and_sends_no_api_key() {
    let seen = signed(
        &["--sigv4", "--region", "eu-west-1"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session-token"),
            // Exported for the API Gateway stage: must not be sent to a SigV4 endpoint.
            ("BRIDGE_API_KEY", "k-123"),
        ],
    )
    .await;
    assert_eq!(seen.header("x-api-key"), None);
    let auth = seen.header("authorization").expect("signed");
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"),
        "{auth}"
    );
    assert!(auth.contains("/eu-west-1/lambda/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
        "{auth}"
    );
    assert!(seen.header("x-amz-date").is_some());
    assert_eq!(seen.header("x-amz-security-token"), Some("session-token"));
    assert_eq!(
        seen.header("x-amz-content-sha256"),
        Some(hex::encode(Sha256::digest(&seen.body)).as_str())
    );
}

#[tokio::test]
async fn sigv4_region_comes_from_the_environment() {
    let seen = signed(
        &["--sigv4"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ],
    )
    .await;
    let auth = seen.header("authorization").unwrap().to_owned();
    assert!(auth.contains("/ap-south-1/lambda/aws4_request"), "{auth}");
}

#[tokio::test]
async fn a_users_token_travels_in_x_chat_auth_and_is_signed_with_sigv4() {
    let seen = signed(
        &[
            "--sigv4",
            "--region",
            "eu-west-1",
            "--token",
            "header.payload.sig",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ],
    )
    .await;
    assert_eq!(
        seen.header("x-chat-auth"),
        Some("Bearer header.payload.sig")
    );
    let auth = seen.header("authorization").expect("signed");
    assert!(
        auth.contains(";x-chat-auth"),
        "the token is covered by the signature: {auth}"
    );
}

#[tokio::test]
async fn a_users_token_goes_beside_the_api_key_as_a_bearer_token() {
    let seen = signed(
        &["--api-key", "k-123"],
        &[("BRIDGE_TOKEN", "header.payload.sig")],
    )
    .await;
    assert_eq!(seen.header("x-api-key"), Some("k-123"));
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer header.payload.sig")
    );
    assert_eq!(seen.header("x-chat-auth"), None);
}
