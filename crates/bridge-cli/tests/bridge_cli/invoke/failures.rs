//! Every failure class has its exit code and a message on stderr: inline stream errors and cut
//! streams, the bridge's and API Gateway's refusals, server failures, transport and usage errors.

use axum::http::StatusCode;

use crate::support::{assert_failed, closed_port, invoke_canned, run, stdout};

#[tokio::test]
async fn an_inline_stream_error_exits_4() {
    let out = invoke_canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec![
            "{\"content\":\"partial\"}\n",
            "{\"error\":{\"code\":\"AGENT_ERROR\",\"message\":\"the agent crashed\",\"status\":502}}\n",
        ],
        &["q"],
    )
    .await;
    assert_failed(&out, 4, "error: AGENT_ERROR: the agent crashed");
    assert_eq!(stdout(&out), "partial\n");
}

#[tokio::test]
async fn a_stream_cut_before_done_exits_5() {
    let out = invoke_canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec!["{\"content\":\"half an ans"],
        &["q"],
    )
    .await;
    assert_failed(&out, 5, "stream ended before the agent finished");
}

#[tokio::test]
async fn an_unknown_agent_exits_3_with_the_bridge_error() {
    let out = invoke_canned(
        StatusCode::NOT_FOUND,
        "application/json",
        vec![
            r#"{"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"no agent named 'nope'","status":404},"request_id":"r-9"}"#,
        ],
        &["q", "--agent", "nope"],
    )
    .await;
    assert_failed(
        &out,
        3,
        "error: AGENT_NOT_FOUND (HTTP 404): no agent named 'nope'",
    );
    assert_eq!(stdout(&out), "");
}

#[tokio::test]
async fn a_server_failure_exits_4_with_retry_after() {
    let out = invoke_canned(
        StatusCode::SERVICE_UNAVAILABLE,
        "application/json",
        vec![
            r#"{"success":false,"error":{"code":"AGENT_THROTTLED","message":"busy","status":503,"retry_after":3},"request_id":"r"}"#,
        ],
        &["q"],
    )
    .await;
    assert_failed(&out, 4, "AGENT_THROTTLED (HTTP 503): busy; retry after 3 s");
}

#[tokio::test]
async fn api_gateway_refusal_exits_3_with_its_message() {
    let out = invoke_canned(
        StatusCode::FORBIDDEN,
        "application/json",
        vec![r#"{"message":"Forbidden"}"#],
        &["q"],
    )
    .await;
    assert_failed(&out, 3, "error: Forbidden (HTTP 403)");
}

#[tokio::test]
async fn connection_refused_exits_5() {
    let url = format!("http://127.0.0.1:{}/prod", closed_port());
    let out = run(&["invoke", "q", "--url", &url], &[]).await;
    assert_failed(&out, 5, "could not connect");
}

#[tokio::test]
async fn a_usage_error_exits_2() {
    let out = run(
        &["invoke", "q", "--url", "http://x", "--context", "[1]"],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["invoke", "q"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "no URL");
}

#[tokio::test]
async fn a_non_json_success_exits_5() {
    let out = invoke_canned(StatusCode::OK, "text/html", vec!["<html>hi</html>"], &["q"]).await;
    assert_failed(&out, 5, "malformed response");
}
