//! A streamed function response (`Lambda-Runtime-Function-Response-Mode: streaming`) relayed to
//! its invoker chunk by chunk, as Lambda forwards it: the prelude of an HTTP integration split
//! off, error trailers turned into a failed chunk.

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

use super::outcome::{Outcome, StreamedResponse};
use super::state::Shared;

/// The content type of a streamed response that starts with a JSON prelude.
pub(super) const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
/// What separates the prelude from the body.
const PRELUDE_END: &[u8] = &[0; 8];

/// Hands a streamed response to the invoker chunk by chunk, as Lambda forwards it.
pub(super) async fn relay_stream(
    shared: &Shared,
    id: &str,
    body: axum::body::Body,
    with_prelude: bool,
) -> StatusCode {
    let (tx, rx) = mpsc::channel(64);
    let mut rx = Some(rx);
    let mut head = Vec::new();
    let mut started = !with_prelude;
    if started {
        shared.complete(id, streamed(serde_json::Value::Null, rx.take()));
    }
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            let _ = tx
                .send(Err("the function's response stream broke off".into()))
                .await;
            break;
        };
        if let Some(trailers) = frame.trailers_ref() {
            if let Some(kind) = trailers.get("lambda-runtime-function-error-type") {
                let detail = trailers
                    .get("lambda-runtime-function-error-body")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .unwrap_or_default();
                let _ = tx
                    .send(Err(format!(
                        "{}: {detail}",
                        String::from_utf8_lossy(kind.as_bytes())
                    )))
                    .await;
            }
            continue;
        }
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if started {
            if tx.send(Ok(data)).await.is_err() {
                break; // the invoker went away; drain nothing more
            }
            continue;
        }
        head.extend_from_slice(&data);
        if let Some(at) = head
            .windows(PRELUDE_END.len())
            .position(|w| w == PRELUDE_END)
        {
            let prelude = serde_json::from_slice(&head[..at]).unwrap_or(serde_json::Value::Null);
            let rest = Bytes::copy_from_slice(&head[at + PRELUDE_END.len()..]);
            shared.complete(id, streamed(prelude, rx.take()));
            started = true;
            if !rest.is_empty() && tx.send(Ok(rest)).await.is_err() {
                break;
            }
        }
    }
    if !started {
        // A prelude that never ended: what Lambda reports as a malformed response.
        return shared.complete(
            id,
            Outcome::Error(serde_json::json!({"errorType": "Runtime.InvalidResponse"})),
        );
    }
    StatusCode::ACCEPTED
}

fn streamed(
    prelude: serde_json::Value,
    body: Option<mpsc::Receiver<Result<Bytes, String>>>,
) -> Outcome {
    Outcome::Streaming(StreamedResponse {
        prelude,
        body: body.expect("a stream is handed over once"),
    })
}
