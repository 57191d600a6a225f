//! The function's side of the Runtime API: `/invocation/next`, `…/response`, `…/error` and
//! `/init/error`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};

use super::outcome::Outcome;
use super::state::Shared;
use super::stream_relay::{HTTP_INTEGRATION, relay_stream};

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:local-webhook";

/// `GET /2018-06-01/runtime/invocation/next`: waits for an event and hands it out with the
/// headers `lambda_runtime` reads (request id, deadline, function ARN, trace id).
pub(super) async fn next(State(shared): State<Arc<Shared>>) -> Response {
    {
        let mut first = shared.first_poll.lock().unwrap();
        if first.is_none() {
            *first = Some(Instant::now());
            shared.first_poll_seen.notify_waiters();
        }
    }
    let pending = shared.queue.lock().await.recv().await;
    let Some(p) = pending else {
        return StatusCode::GONE.into_response();
    };
    if let Some(w) = shared.waiting.lock().unwrap().get_mut(&p.id) {
        w.delivered = Some(Instant::now());
    }
    let mut resp = (StatusCode::OK, p.event).into_response();
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let trace = if shared.fixed_trace() {
        "Root=1-00000000-000000000000000000000000".to_owned()
    } else {
        // As Lambda sends it with active tracing: the trace, the function's segment as the
        // parent, sampled.
        let hex = p.id.replace('-', "");
        format!(
            "Root=1-{:08x}-{};Parent={};Sampled=1",
            p.deadline_ms / 1000,
            &hex[..24],
            &hex[hex.len() - 16..]
        )
    };
    for (name, value) in [
        ("lambda-runtime-aws-request-id", p.id),
        ("lambda-runtime-deadline-ms", p.deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            FUNCTION_ARN.to_owned(),
        ),
        ("lambda-runtime-trace-id", trace),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    resp
}

/// `POST …/{id}/response`: a buffered response (refused over the limit, as Lambda does), or the
/// start of a streamed one.
pub(super) async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let streaming = headers
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"streaming"));
    if !streaming {
        let limit = shared.response_limit.load(Ordering::SeqCst);
        return match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) if body.len() > limit => too_large(&shared, &id, limit),
            Ok(body) => shared
                .complete(&id, Outcome::Response(body))
                .into_response(),
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        };
    }
    let with_prelude = headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(HTTP_INTEGRATION.as_bytes()));
    relay_stream(&shared, &id, body, with_prelude)
        .await
        .into_response()
}

/// A buffered response over the limit, as Lambda treats it: the function is refused with 413
/// (and may serve its next invocation), the invoker gets `Function.ResponseSizeTooLarge`.
fn too_large(shared: &Shared, id: &str, limit: usize) -> Response {
    shared.complete(
        id,
        Outcome::Error(serde_json::json!({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": format!("Response payload size exceeded maximum allowed payload size ({limit} bytes)."),
        })),
    );
    let refusal = serde_json::json!({
        "errorType": "RequestEntityTooLarge",
        "errorMessage": format!("Exceeded maximum allowed payload size ({limit} bytes)."),
    });
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(http::header::CONTENT_TYPE, "application/json")],
        refusal.to_string(),
    )
        .into_response()
}

/// `POST …/{id}/error`: a handler error or a caught panic.
pub(super) async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    shared.complete(&id, Outcome::Error(json_or_text(&body)))
}

/// `POST /2018-06-01/runtime/init/error`: the function failed before its first `/next`.
pub(super) async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let value = json_or_text(&body);
    tracing::error!(error = %value, "function init error");
    shared.init_errors.lock().unwrap().push(value);
    StatusCode::ACCEPTED
}

/// An error document as JSON, or as a JSON string when it is not JSON.
fn json_or_text(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|_| String::from_utf8_lossy(body).into())
}
