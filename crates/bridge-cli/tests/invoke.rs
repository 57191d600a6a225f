//! `bridge invoke` against a stand-in bridge that plays the invoke contract.

mod support;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, oneshot};

use support::{Recorder, closed_port, run, serve, stderr, stdout};

const ROUTE: &str = "/prod/v1/agents/{agent}/invoke";

/// A response with this content type whose body is sent in these pieces.
fn canned(status: StatusCode, content_type: &'static str, pieces: Vec<&'static str>) -> Router {
    let recorder = Recorder::default();
    canned_with(recorder, status, content_type, pieces)
}

fn canned_with(
    recorder: Recorder,
    status: StatusCode,
    content_type: &'static str,
    pieces: Vec<&'static str>,
) -> Router {
    Router::new()
        .route(
            ROUTE,
            post(
                move |State(rec): State<Recorder>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let pieces = pieces.clone();
                    async move {
                        rec.record(&uri, &headers, &body);
                        let stream = futures_util::stream::iter(
                            pieces
                                .into_iter()
                                .map(|p| Ok::<_, Infallible>(Bytes::from(p))),
                        );
                        (
                            status,
                            [(header::CONTENT_TYPE, content_type)],
                            Body::from_stream(stream),
                        )
                            .into_response()
                    }
                },
            ),
        )
        .with_state(recorder)
}

#[tokio::test]
async fn a_streamed_answer_is_printed_while_it_is_still_being_written() {
    let recorder = Recorder::default();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release = Arc::new(Mutex::new(Some(release_rx)));
    let app = Router::new()
        .route(
            ROUTE,
            post(
                move |State(rec): State<Recorder>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let release = release.lock().unwrap().take().unwrap();
                    async move {
                        rec.record(&uri, &headers, &body);
                        let (tx, rx) = mpsc::channel::<Bytes>(4);
                        tokio::spawn(async move {
                            // The first line arrives in two pieces, split inside the JSON.
                            tx.send(Bytes::from_static(b"{\"content\":\"Hel"))
                                .await
                                .unwrap();
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            tx.send(Bytes::from_static(b"lo \"}\n{\"heartbeat\":true}\n"))
                                .await
                                .unwrap();
                            // The rest only once the test has seen "Hello " on the CLI's stdout.
                            release.await.unwrap();
                            tx.send(Bytes::from_static(b"{\"content\":\"world\"}\n"))
                                .await
                                .unwrap();
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            tx.send(Bytes::from_static(
                                b"{\"done\":true,\"session_id\":\"s-1\",\"request_id\":\"r-1\"}\n",
                            ))
                            .await
                            .unwrap();
                        });
                        let body = futures_util::stream::unfold(rx, |mut rx| async move {
                            rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
                        });
                        Response::builder()
                            .header(header::CONTENT_TYPE, "application/x-ndjson")
                            .body(Body::from_stream(body))
                            .unwrap()
                    }
                },
            ),
        )
        .with_state(recorder.clone());
    let url = serve(app).await;

    let mut child = support::bridge(
        &["invoke", "What is down?", "--verbose"],
        &[("BRIDGE_URL", &url), ("BRIDGE_API_KEY", "k-123")],
    )
    .spawn()
    .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let mut buf = [0u8; 64];
    while first.len() < "Hello ".len() {
        let n = tokio::time::timeout(Duration::from_secs(30), out.read(&mut buf))
            .await
            .expect("the first piece reached stdout before the stream finished")
            .unwrap();
        assert!(n > 0, "stdout closed early: {first:?}");
        first.extend_from_slice(&buf[..n]);
    }
    assert_eq!(first, b"Hello ");
    release_tx.send(()).unwrap();

    let mut rest = Vec::new();
    out.read_to_end(&mut rest).await.unwrap();
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert_eq!(String::from_utf8(rest).unwrap(), "world\n");
    assert!(err.contains("session: s-1 request: r-1"), "{err}");
    assert!(err.contains("(heartbeat)"), "{err}");

    let seen = recorder.only();
    assert_eq!(seen.path, "/prod/v1/agents/default/invoke");
    assert_eq!(seen.header("x-api-key"), Some("k-123"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(
        seen.header("accept"),
        Some("application/x-ndjson, application/json")
    );
    assert_eq!(seen.json(), json!({"query": "What is down?"}));
}

#[tokio::test]
async fn an_sse_answer_is_printed_and_all_request_fields_are_sent() {
    let recorder = Recorder::default();
    let app = canned_with(
        recorder.clone(),
        StatusCode::OK,
        "text/event-stream",
        vec![
            ": comment\n\ndata: {\"content\":\"Hi \"}\n",
            "\ndata: {\"content\":\"there\"}\n\n",
            "data: {\"done\":true,\"session_id\":\"s-2\",\"request_id\":\"r-2\"}\n\n",
        ],
    );
    let url = serve(app).await;
    let out = run(
        &[
            "invoke",
            "hello",
            "--url",
            &url,
            "--agent",
            "triage",
            "--session",
            "s-1",
            "--context",
            r#"{"ticket":"INC1"}"#,
            "--user-id",
            "u-7",
            "--api-key",
            "flag-key",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Hi there\n");
    let seen = recorder.only();
    assert_eq!(seen.path, "/prod/v1/agents/triage/invoke");
    assert_eq!(seen.header("x-api-key"), Some("flag-key"));
    assert_eq!(
        seen.json(),
        json!({"query": "hello", "session_id": "s-1", "context": {"ticket": "INC1"}, "user_id": "u-7"})
    );
}

#[tokio::test]
async fn an_inline_stream_error_exits_4() {
    let app = canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec![
            "{\"content\":\"partial\"}\n",
            "{\"error\":{\"code\":\"AGENT_ERROR\",\"message\":\"the agent crashed\",\"status\":502}}\n",
        ],
    );
    let out = run(&["invoke", "q", "--url", &serve(app).await], &[]).await;
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(stdout(&out), "partial\n");
    assert!(
        stderr(&out).contains("error: AGENT_ERROR: the agent crashed"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_stream_cut_before_done_exits_5() {
    let app = canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec!["{\"content\":\"half an ans"],
    );
    let out = run(&["invoke", "q", "--url", &serve(app).await], &[]).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("stream ended before the agent finished"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn an_unknown_agent_exits_3_with_the_bridge_error() {
    let app = canned(
        StatusCode::NOT_FOUND,
        "application/json",
        vec![
            r#"{"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"no agent named 'nope'","status":404},"request_id":"r-9"}"#,
        ],
    );
    let out = run(
        &["invoke", "q", "--agent", "nope", "--url", &serve(app).await],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("error: AGENT_NOT_FOUND (HTTP 404): no agent named 'nope'"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_server_failure_exits_4_with_retry_after() {
    let app = canned(
        StatusCode::SERVICE_UNAVAILABLE,
        "application/json",
        vec![
            r#"{"success":false,"error":{"code":"AGENT_THROTTLED","message":"busy","status":503,"retry_after":3},"request_id":"r"}"#,
        ],
    );
    let out = run(&["invoke", "q", "--url", &serve(app).await], &[]).await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("AGENT_THROTTLED (HTTP 503): busy; retry after 3 s"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn api_gateway_refusal_exits_3_with_its_message() {
    let app = canned(
        StatusCode::FORBIDDEN,
        "application/json",
        vec![r#"{"message":"Forbidden"}"#],
    );
    let out = run(&["invoke", "q", "--url", &serve(app).await], &[]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("error: Forbidden (HTTP 403)"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn connection_refused_exits_5() {
    let url = format!("http://127.0.0.1:{}/prod", closed_port());
    let out = run(&["invoke", "q", "--url", &url], &[]).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("could not connect"),
        "{}",
        stderr(&out)
    );
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

const JSON_ANSWER: &str = r#"{"result":{"answer":"Restart the mail relay.","confidence":0.9},"usage":{"input_tokens":12},"metadata":{"execution_time_ms":42,"agent":"default","qualifier":"DEFAULT","request_id":"r-5","session_id":"s-5"}}"#;

#[tokio::test]
async fn a_buffered_json_answer_prints_the_answer_or_the_document() {
    let app = canned(StatusCode::OK, "application/json", vec![JSON_ANSWER]);
    let url = serve(app).await;
    let out = run(&["invoke", "q", "--url", &url], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Restart the mail relay.\n");
    assert!(stderr(&out).contains("session: s-5 request: r-5"));

    let out = run(&["invoke", "q", "--url", &url, "--json"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc, serde_json::from_str::<Value>(JSON_ANSWER).unwrap());
}

#[tokio::test]
async fn a_non_json_success_exits_5() {
    let app = canned(StatusCode::OK, "text/html", vec!["<html>hi</html>"]);
    let out = run(&["invoke", "q", "--url", &serve(app).await], &[]).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("malformed response"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn sigv4_signs_for_lambda_and_sends_no_api_key() {
    let recorder = Recorder::default();
    let app = canned_with(
        recorder.clone(),
        StatusCode::OK,
        "application/json",
        vec![JSON_ANSWER],
    );
    let url = serve(app).await;
    let out = run(
        &[
            "invoke",
            "q",
            "--url",
            &url,
            "--sigv4",
            "--region",
            "eu-west-1",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session-token"),
            // Exported for the API Gateway stage: must not be sent to a SigV4 endpoint.
            ("BRIDGE_API_KEY", "k-123"),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = recorder.only();
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
    let recorder = Recorder::default();
    let app = canned_with(
        recorder.clone(),
        StatusCode::OK,
        "application/json",
        vec![JSON_ANSWER],
    );
    let url = serve(app).await;
    let out = run(
        &["invoke", "q", "--url", &url, "--sigv4"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let auth = recorder.only().header("authorization").unwrap().to_owned();
    assert!(auth.contains("/ap-south-1/lambda/aws4_request"), "{auth}");
}
