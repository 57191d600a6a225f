//! The HTTP front of the emulator.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinHandle;

use crate::faults::FaultQueue;
use crate::forward::{SESSION_HEADER, forward};
use crate::recorder::Recorder;
use crate::runtime_id::valid_qualifier;
use crate::streaming::{Step, scripted_body, sse_events, sse_frames};
use crate::{Fault, Invocation, RuntimeRef, ServiceError, StopRequest, builtin_agent};

/// The service's payload limit (100,000,000 bytes).
const MAX_PAYLOAD: usize = 100_000_000;
/// Frame size and pacing of built-in SSE answers: small enough that events straddle frames.
const SSE_FRAME: usize = 7;
const SSE_PACE: Duration = Duration::from_millis(2);

/// What answers for a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The built-in deterministic triage agent.
    Builtin,
    /// A real agent container at this base URL (its `POST /invocations` is called).
    Forward(String),
}

/// Builder for an emulator instance.
#[derive(Debug, Default, Clone)]
pub struct LocalAgentCore {
    runtimes: HashMap<RuntimeRef, Backend>,
}

impl LocalAgentCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a runtime by ARN. Panics on an ARN that does not match the service's pattern:
    /// that is a mistake in the test or command line, not a request to emulate.
    pub fn with_runtime(mut self, arn: &str, backend: Backend) -> Self {
        let r = RuntimeRef::from_arn(arn)
            .unwrap_or_else(|| panic!("not a valid AgentCore runtime ARN: {arn}"));
        self.runtimes.insert(r, backend);
        self
    }

    /// Binds and serves in the background.
    pub async fn start(self, addr: impl ToSocketAddrs) -> std::io::Result<RunningAgentCore> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Shared {
            runtimes: self.runtimes,
            faults: FaultQueue::default(),
            held: Arc::new(tokio::sync::Notify::new()),
            recorder: Recorder::default(),
            http: reqwest::Client::new(),
        });
        let app = Router::new()
            .route("/runtimes/{runtime}/invocations", post(invoke))
            .route("/runtimes/{runtime}/stopruntimesession", post(stop_session))
            .route("/ping", get(|| async { r#"{"status":"Healthy"}"# }))
            .route("/_local/faults", post(push_faults))
            .route("/_local/release", post(release_held))
            .route("/_local/invocations", get(list_invocations))
            .fallback(unknown_operation)
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "local AgentCore server stopped");
            }
        });
        Ok(RunningAgentCore { addr, state, task })
    }
}

/// A running emulator; stops when dropped.
pub struct RunningAgentCore {
    addr: SocketAddr,
    state: Arc<Shared>,
    task: JoinHandle<()>,
}

impl RunningAgentCore {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value for `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The environment a Lambda function needs to call this emulator as its AgentCore: the local
    /// runtime's ARN, this endpoint, a region, dummy credentials (the SDK signs; nobody checks)
    /// and no instance-metadata probing. Both AWS region variables are set, as Lambda does.
    pub fn function_env(&self) -> Vec<(String, String)> {
        [
            ("AGENT_RUNTIME_ARN", crate::LOCAL_RUNTIME_ARN.to_owned()),
            ("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", self.endpoint_url()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "AKIDLOCAL".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local-secret".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Queues a fault for the next valid invocation.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Lets a `HeldSse` answer send its last event (works before or after it is reached).
    pub fn release_held(&self) {
        self.state.held.notify_one();
    }

    pub fn invocations(&self) -> Vec<Invocation> {
        self.state.recorder.all()
    }

    pub fn invocation_count(&self) -> usize {
        self.state.recorder.count()
    }

    /// The `StopRuntimeSession` requests received, in order.
    pub fn stop_requests(&self) -> Vec<StopRequest> {
        self.state.recorder.stops()
    }

    /// Serves until the server task ends (for the binary).
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}

impl Drop for RunningAgentCore {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    runtimes: HashMap<RuntimeRef, Backend>,
    faults: FaultQueue,
    /// Releases the last event of a `HeldSse` answer.
    held: Arc<tokio::sync::Notify>,
    recorder: Recorder,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct InvokeQuery {
    qualifier: Option<String>,
    #[serde(rename = "accountId")]
    account_id: Option<String>,
}

async fn invoke(
    State(state): State<Arc<Shared>>,
    Path(runtime): Path<String>,
    Query(query): Query<InvokeQuery>,
    req: Request,
) -> Response {
    let session_id =
        header(req.headers(), SESSION_HEADER).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let resp = answer(&state, runtime, query, req, &session_id).await;
    stamp(resp, &session_id)
}

/// Adds what every AgentCore data-plane answer carries: a request id and the session id.
fn stamp(mut resp: Response, session_id: &str) -> Response {
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Ok(v) = HeaderValue::from_str(session_id) {
        headers.insert(SESSION_HEADER, v);
    }
    resp
}

/// Records the request, validates it in the order the service does, then produces the answer.
async fn answer(
    state: &Shared,
    runtime: String,
    query: InvokeQuery,
    req: Request,
    session_id: &str,
) -> Response {
    let raw_path = req.uri().path().to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = header(req.headers(), "content-type");
    let accept = header(req.headers(), "accept");
    let Ok(body) = axum::body::to_bytes(req.into_body(), MAX_PAYLOAD).await else {
        return ServiceError::ValidationException
            .with_message("Payload exceeds the maximum size of 100000000 bytes");
    };
    state.recorder.record(Invocation {
        raw_path,
        runtime: runtime.clone(),
        qualifier: query.qualifier.clone(),
        account_id: query.account_id.clone(),
        headers,
        body: body.clone(),
        session_id: session_id.to_owned(),
    });

    let runtime_ref = match RuntimeRef::resolve(&runtime, query.account_id.as_deref()) {
        Ok(r) => r,
        Err(msg) => return ServiceError::ValidationException.with_message(&msg),
    };
    if let Some(q) = &query.qualifier
        && !valid_qualifier(q)
    {
        return ServiceError::ValidationException.with_message(
            "Value at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}",
        );
    }
    if !(33..=256).contains(&session_id.chars().count()) {
        return ServiceError::ValidationException.with_message(
            "Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256",
        );
    }
    let Some(backend) = state.runtimes.get(&runtime_ref).cloned() else {
        return ServiceError::ResourceNotFoundException.with_message(&format!(
            "No agent runtime found with id {}",
            runtime_ref.runtime_id
        ));
    };
    let qualifier = query.qualifier.as_deref().unwrap_or("DEFAULT");
    if qualifier != "DEFAULT" {
        return ServiceError::ResourceNotFoundException.with_message(&format!(
            "No endpoint named {qualifier} for this agent runtime"
        ));
    }

    let mut fault = state.faults.next();
    if let Some(Fault::Delay { ms }) = fault {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        fault = None;
    }
    match (fault, backend) {
        (Some(f), _) => faulty_answer(f, &body, &state.held),
        // Plain queries from a caller that accepts event streams are streamed, as a chat agent
        // would; tickets, and callers that want JSON only (e.g. boto3 by default), get JSON.
        (None, Backend::Builtin)
            if builtin_agent::is_query(&body)
                && accept
                    .as_deref()
                    .is_some_and(|a| a.contains("text/event-stream")) =>
        {
            sse_answer(paced(sse_frames(&builtin_agent::analyse(&body), SSE_FRAME)))
        }
        (None, Backend::Builtin) => json_answer(&builtin_agent::analyse(&body)),
        (None, Backend::Forward(url)) => {
            forward(
                &state.http,
                &url,
                session_id,
                content_type.as_deref(),
                accept.as_deref(),
                body,
            )
            .await
        }
    }
}

/// `StopRuntimeSession`: 200 for a session the emulator has run, else `ResourceNotFoundException`.
async fn stop_session(
    State(state): State<Arc<Shared>>,
    Path(runtime): Path<String>,
    Query(query): Query<InvokeQuery>,
    headers: HeaderMap,
) -> Response {
    let session_id = header(&headers, SESSION_HEADER).unwrap_or_default();
    let known_runtime = RuntimeRef::resolve(&runtime, query.account_id.as_deref())
        .is_ok_and(|r| state.runtimes.contains_key(&r));
    let stopped = known_runtime && state.recorder.knows_session(&session_id);
    state.recorder.record_stop(StopRequest {
        runtime,
        qualifier: query.qualifier,
        session_id: session_id.clone(),
        stopped,
    });
    let resp = if !(33..=256).contains(&session_id.chars().count()) {
        ServiceError::ValidationException.with_message(
            "Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256",
        )
    } else if stopped {
        let mut ok = (StatusCode::OK, "{}").into_response();
        ok.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        ok
    } else {
        ServiceError::ResourceNotFoundException.with_message("Session not found")
    };
    stamp(resp, &session_id)
}

fn json_answer(text: &str) -> Response {
    let body = serde_json::json!({ "result": text }).to_string();
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn sse_answer(steps: Vec<Step>) -> Response {
    let mut resp = Response::new(scripted_body(steps));
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    resp
}

fn paced(frames: Vec<Bytes>) -> Vec<Step> {
    frames
        .into_iter()
        .flat_map(|f| [Step::Send(f), Step::Pause(SSE_PACE)])
        .collect()
}

fn faulty_answer(fault: Fault, payload: &[u8], held: &Arc<tokio::sync::Notify>) -> Response {
    let text = builtin_agent::analyse(payload);
    match fault {
        Fault::Error { error } => error.response(),
        Fault::RawStatus { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut resp = (status, body).into_response();
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            resp
        }
        Fault::Sse | Fault::Delay { .. } => sse_answer(paced(sse_frames(&text, SSE_FRAME))),
        Fault::SilentGap { ms } => {
            let events = sse_events(&text);
            let (first, rest) = events.split_at(events.find("\n\n").map_or(0, |i| i + 2));
            sse_answer(vec![
                Step::Send(Bytes::from(first.to_owned())),
                Step::Pause(Duration::from_millis(ms)),
                Step::Send(Bytes::from(rest.to_owned())),
            ])
        }
        Fault::CutStream => {
            let full = serde_json::json!({ "result": text }).to_string();
            let half = Bytes::from(full.as_bytes()[..full.len() / 2].to_vec());
            let mut resp = Response::new(scripted_body(vec![
                Step::Send(half),
                Step::Pause(Duration::from_millis(20)),
                Step::Fail,
            ]));
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Fault::Oversized { bytes } => {
            let padding = "x".repeat(bytes.saturating_sub(text.len()));
            json_answer(&format!("{text}\n{padding}"))
        }
        Fault::Answer { body } => {
            let mut resp = (StatusCode::OK, body.to_string()).into_response();
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Fault::HeldSse => {
            let events = sse_events(&text);
            let cut = events[..events.len() - 2].rfind("\n\n").map_or(0, |i| i + 2);
            let (head, last) = events.split_at(cut);
            sse_answer(vec![
                Step::Send(Bytes::from(head.to_owned())),
                Step::Wait(held.clone()),
                Step::Send(Bytes::from(last.to_owned())),
            ])
        }
        Fault::InBandError => sse_answer(vec![
            Step::Send(Bytes::from_static(b"data: \"Starting analysis\"\n\n")),
            Step::Send(Bytes::from_static(
                b"data: {\"error\": \"kaput\", \"error_type\": \"RuntimeError\", \"message\": \"An error occurred during streaming\"}\n\n",
            )),
        ]),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /_local/release`: see [`RunningAgentCore::release_held`].
async fn release_held(State(state): State<Arc<Shared>>) -> Response {
    state.held.notify_one();
    (StatusCode::OK, "{}").into_response()
}

/// `POST /_local/faults`: one fault or an array of faults, queued in order.
async fn push_faults(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults = serde_json::from_slice::<Vec<Fault>>(&body)
        .or_else(|_| serde_json::from_slice::<Fault>(&body).map(|f| vec![f]));
    match faults {
        Ok(faults) => {
            let n = faults.len();
            faults.into_iter().for_each(|f| state.faults.push(f));
            (StatusCode::OK, format!("{{\"queued\":{n}}}")).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("{{\"message\":{}}}", serde_json::Value::from(e.to_string())),
        )
            .into_response(),
    }
}

/// `GET /_local/invocations`: what was received, for scripts and humans.
async fn list_invocations(State(state): State<Arc<Shared>>) -> Response {
    let list: Vec<_> = state
        .recorder
        .all()
        .iter()
        .map(|i| {
            serde_json::json!({
                "runtime": i.runtime, "qualifier": i.qualifier, "session_id": i.session_id,
                "payload": i.body_json(),
            })
        })
        .collect();
    let mut resp = Body::from(serde_json::Value::from(list).to_string()).into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn unknown_operation() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, r#"{"message":"Unknown operation"}"#).into_response();
    resp.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("UnknownOperationException"),
    );
    resp
}
