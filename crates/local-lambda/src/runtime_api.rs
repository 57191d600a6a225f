//! The Lambda Runtime API, as `lambda_runtime` speaks to it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:local-webhook";

/// How an invocation ended (or, for a streamed response, how it began).
#[derive(Debug)]
pub enum Outcome {
    /// The function posted a response (for API Gateway: a proxy response document).
    Response(Bytes),
    /// The function posted an error (a handler error or a caught panic).
    Error(serde_json::Value),
    /// The function is streaming its response (`Lambda-Runtime-Function-Response-Mode:
    /// streaming`); handed over as soon as the head is known, while the body still flows.
    Streaming(StreamedResponse),
}

/// A streamed response: the HTTP integration prelude and the body as the function sends it.
#[derive(Debug)]
pub struct StreamedResponse {
    /// `{"statusCode", "headers", "cookies"}` for HTTP integrations; `Null` for raw streams.
    pub prelude: serde_json::Value,
    /// Body chunks; an `Err` is the function's mid-stream error (from the error trailers).
    pub body: mpsc::Receiver<Result<Bytes, String>>,
}

/// The content type of a streamed response that starts with a JSON prelude.
const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";
/// What separates the prelude from the body.
const PRELUDE_END: &[u8] = &[0; 8];

#[derive(Debug, Error)]
pub enum InvokeError {
    #[error("the function did not finish within {0:?}")]
    Timeout(Duration),
    #[error("the runtime API stopped")]
    Stopped,
}

struct Pending {
    id: String,
    event: Bytes,
    deadline_ms: u64,
}

/// An invocation handed out and not yet answered.
struct Waiting {
    reply: oneshot::Sender<(Outcome, Duration)>,
    /// When the function took it from `/next`.
    delivered: Option<Instant>,
}

struct Shared {
    /// Send the same trace id with every invocation (see [`RuntimeApi::fixed_trace_id`]).
    fixed_trace: std::sync::atomic::AtomicBool,
    queue: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    waiting: Mutex<HashMap<String, Waiting>>,
    init_errors: Mutex<Vec<serde_json::Value>>,
    /// When the first `/next` arrived: the end of the function's init.
    first_poll: Mutex<Option<Instant>>,
    first_poll_seen: tokio::sync::Notify,
}

/// A Runtime API server; stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    sender: mpsc::Sender<Pending>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (sender, receiver) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(HashMap::new()),
            init_errors: Mutex::new(Vec::new()),
            fixed_trace: std::sync::atomic::AtomicBool::new(false),
            first_poll: Mutex::new(None),
            first_poll_seen: tokio::sync::Notify::new(),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        // No Nagle: a response written in pieces must not wait for a delayed ACK (~40-90 ms).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi {
            addr,
            sender,
            shared,
            task,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Queues `event` for the function and waits for its outcome. `timeout` plays the function
    /// timeout: it is also the deadline the function sees in `Lambda-Runtime-Deadline-Ms`.
    pub async fn invoke(&self, event: Bytes, timeout: Duration) -> Result<Outcome, InvokeError> {
        self.invoke_timed(event, timeout)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// As [`RuntimeApi::invoke`], also returning how long the function held the invocation:
    /// from handing it out on `/next` to receiving its response (the handler's own time).
    pub async fn invoke_timed(
        &self,
        event: Bytes,
        timeout: Duration,
    ) -> Result<(Outcome, Duration), InvokeError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(
            id.clone(),
            Waiting {
                reply: tx,
                delivered: None,
            },
        );
        let pending = Pending {
            id: id.clone(),
            event,
            deadline_ms: (now + timeout).as_millis() as u64,
        };
        if self.sender.send(pending).await.is_err() {
            return Err(InvokeError::Stopped);
        }
        let result = tokio::time::timeout(timeout, rx).await;
        self.shared.waiting.lock().unwrap().remove(&id);
        match result {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(_)) => Err(InvokeError::Stopped),
            Err(_) => Err(InvokeError::Timeout(timeout)),
        }
    }

    /// Sends one trace id for every invocation instead of a new one each time. lambda_runtime
    /// copies each trace id into the process environment, and glibc keeps every distinct
    /// environment string it was ever given: unique ids grow a function's memory by ~125 bytes
    /// per invocation (as on Lambda). A fixed id takes that out of a leak check of the
    /// function's own code.
    pub fn fixed_trace_id(&self, fixed: bool) {
        self.shared
            .fixed_trace
            .store(fixed, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits for the function's first `/next` and returns when it came.
    pub async fn first_poll(&self) -> Instant {
        loop {
            let notified = self.shared.first_poll_seen.notified();
            if let Some(at) = *self.shared.first_poll.lock().unwrap() {
                return at;
            }
            notified.await;
        }
    }

    /// Errors the function reported during init (`/runtime/init/error`).
    pub fn init_errors(&self) -> Vec<serde_json::Value> {
        self.shared.init_errors.lock().unwrap().clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
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
    let trace = if shared.fixed_trace.load(std::sync::atomic::Ordering::SeqCst) {
        "Root=1-00000000-000000000000000000000000".to_owned()
    } else {
        format!(
            "Root=1-{:08x}-{}",
            p.deadline_ms / 1000,
            &p.id.replace('-', "")[..24]
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

fn complete(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.waiting.lock().unwrap().remove(id) {
        Some(w) => {
            let held = w.delivered.map(|d| d.elapsed()).unwrap_or_default();
            let _ = w.reply.send((outcome, held));
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> StatusCode {
    let streaming = headers
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"streaming"));
    if !streaming {
        return match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) => complete(&shared, &id, Outcome::Response(body)),
            Err(_) => StatusCode::BAD_REQUEST,
        };
    }
    let with_prelude = headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(HTTP_INTEGRATION.as_bytes()));
    relay_stream(&shared, &id, body, with_prelude).await
}

/// Hands a streamed response to the invoker chunk by chunk, as Lambda forwards it.
async fn relay_stream(
    shared: &Shared,
    id: &str,
    body: axum::body::Body,
    with_prelude: bool,
) -> StatusCode {
    use http_body_util::BodyExt;
    let (tx, rx) = mpsc::channel(64);
    let mut rx = Some(rx);
    let mut head = Vec::new();
    let mut started = !with_prelude;
    if started {
        complete(shared, id, streamed(serde_json::Value::Null, rx.take()));
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
            complete(shared, id, streamed(prelude, rx.take()));
            started = true;
            if !rest.is_empty() && tx.send(Ok(rest)).await.is_err() {
                break;
            }
        }
    }
    if !started {
        // A prelude that never ended: what Lambda reports as a malformed response.
        return complete(
            shared,
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

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let value =
        serde_json::from_slice(&body).unwrap_or_else(|_| String::from_utf8_lossy(&body).into());
    complete(&shared, &id, Outcome::Error(value))
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let value =
        serde_json::from_slice(&body).unwrap_or_else(|_| String::from_utf8_lossy(&body).into());
    tracing::error!(error = %value, "function init error");
    shared.init_errors.lock().unwrap().push(value);
    StatusCode::ACCEPTED
}
