//! Answers reach stdout: streamed (NDJSON, SSE) as they are written, or buffered JSON; the ids go
//! to stderr, and every request field given on the command line is sent.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, oneshot};

use crate::support::{
    INVOKE_ROUTE, JSON_ANSWER, Recorder, canned, canned_with, run, serve, stderr, stdout,
};

#[tokio::test]
async fn a_streamed_answer_is_printed_while_it_is_still_being_written() {
    let recorder = Recorder::default();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release = Arc::new(Mutex::new(Some(release_rx)));
    let app = Router::new()
        .route(
            INVOKE_ROUTE,
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

    let mut child = crate::support::bridge(
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
