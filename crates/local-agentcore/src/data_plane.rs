//! The data-plane operations, checked in the order the service checks them:
//! `InvokeAgentRuntime` (`POST /runtimes/{runtime}/invocations`), `StopRuntimeSession` and the
//! service's answer to any other path. An admitted invocation holds its session busy until its
//! answer's body has been sent or abandoned; only then does the session's idle time start.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, HttpBody};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use serde::Deserialize;

use crate::answers;
use crate::faults::Fault;
use crate::forward::{SESSION_HEADER, forward};
use crate::quotas::{Lease, Refusal, SessionKey};
use crate::recorder::{Invocation, StopRequest};
use crate::respond::{JSON, typed};
use crate::runtime_id::{RuntimeRef, valid_qualifier};
use crate::service_error::ServiceError;
use crate::state::{Backend, Shared};

/// The service's payload limit (100,000,000 bytes).
const MAX_PAYLOAD: usize = 100_000_000;

/// The 402's message when the account's active sessions are all taken (worded like AWS's
/// messages; the service's exact text is not documented).
const SESSIONS_EXHAUSTED: &str = "Maximum number of active sessions reached for this account";

/// What addresses a data-plane request: the path's runtime segment (percent-decoded),
/// `?qualifier`, `?accountId` and the session header.
pub(crate) struct RuntimeCall {
    runtime: String,
    qualifier: Option<String>,
    account_id: Option<String>,
    session_id: Option<String>,
}

#[derive(Deserialize)]
struct CallQuery {
    qualifier: Option<String>,
    #[serde(rename = "accountId")]
    account_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RuntimeCall {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(runtime) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(query) = Query::<CallQuery>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(RuntimeCall {
            runtime,
            qualifier: query.qualifier,
            account_id: query.account_id,
            session_id: header(&parts.headers, SESSION_HEADER),
        })
    }
}

impl RuntimeCall {
    /// The runtime the call names, or the service's validation message.
    fn runtime_ref(&self) -> Result<RuntimeRef, String> {
        RuntimeRef::resolve(&self.runtime, self.account_id.as_deref())
    }
}

/// `InvokeAgentRuntime`. A request without a session id gets a new one, as the SDK would.
pub(crate) async fn invoke(
    State(state): State<Arc<Shared>>,
    call: RuntimeCall,
    req: Request,
) -> Response {
    let session_id = call
        .session_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let resp = answer(&state, &call, req, &session_id).await;
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
    state: &Arc<Shared>,
    call: &RuntimeCall,
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
        runtime: call.runtime.clone(),
        qualifier: call.qualifier.clone(),
        account_id: call.account_id.clone(),
        headers,
        body: body.clone(),
        session_id: session_id.to_owned(),
    });

    let runtime_ref = match call.runtime_ref() {
        Ok(r) => r,
        Err(msg) => return ServiceError::ValidationException.with_message(&msg),
    };
    if let Some(q) = &call.qualifier
        && !valid_qualifier(q)
    {
        return ServiceError::ValidationException.with_message(
            "Value at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}",
        );
    }
    if let Some(invalid) = invalid_session_id(session_id) {
        return invalid;
    }
    let Some(backend) = state.runtimes.get(&runtime_ref).cloned() else {
        return ServiceError::ResourceNotFoundException.with_message(&format!(
            "No agent runtime found with id {}",
            runtime_ref.runtime_id
        ));
    };
    let qualifier = call.qualifier.as_deref().unwrap_or("DEFAULT");
    if qualifier != "DEFAULT" {
        return ServiceError::ResourceNotFoundException.with_message(&format!(
            "No endpoint named {qualifier} for this agent runtime"
        ));
    }
    let key = session_key(&runtime_ref, session_id);
    let admitted = state.quotas().admit(&key, qualifier, Instant::now());
    let busy = match admitted {
        Ok(lease) => Busy {
            state: state.clone(),
            lease: Some(lease),
        },
        Err(Refusal::Throttled) => return ServiceError::ThrottlingException.response(),
        Err(Refusal::NoFreeSession) => {
            return ServiceError::ServiceQuotaExceededException.with_message(SESSIONS_EXHAUSTED);
        }
    };

    let mut fault = state.faults.next();
    if let Some(Fault::Delay { ms }) = fault {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        fault = None;
    }
    let resp = match (fault, backend) {
        (Some(f), _) => answers::faulty(f, &body, &state.held),
        (None, Backend::Builtin) => {
            tokio::time::sleep(state.agent_latency).await;
            answers::builtin(&body, accept.as_deref())
        }
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
    };
    busy_until_sent(resp, busy)
}

fn session_key(runtime: &RuntimeRef, session_id: &str) -> SessionKey {
    SessionKey {
        account: runtime.account.clone(),
        runtime_id: runtime.runtime_id.clone(),
        session_id: session_id.to_owned(),
    }
}

/// An admitted invocation's session, busy while this lives. It is dropped with the answer's body,
/// which hyper drops once it has taken the body's end (before writing it out) or when the client
/// goes away; or with the handler, when the client leaves before the answer starts.
struct Busy {
    state: Arc<Shared>,
    lease: Option<Lease>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            self.state.quotas().finish(lease, Instant::now());
        }
    }
}

/// `resp` with `busy` riding along in its body, so the session idles only once the body ends.
fn busy_until_sent(resp: Response, busy: Busy) -> Response {
    let (mut parts, body) = resp.into_parts();
    // The wrapper does not pass on the body's exact length, so hyper would send a whole answer
    // chunked; the service sends those with `Content-Length`, as before the wrapper.
    if let Some(len) = body.size_hint().exact()
        && !parts.headers.contains_key(http::header::CONTENT_LENGTH)
    {
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    let body = body.map_frame(move |frame| {
        let _held = &busy;
        frame
    });
    Response::from_parts(parts, Body::new(body))
}

/// `StopRuntimeSession`: 200 for a session the emulator has run, else `ResourceNotFoundException`.
/// An active session ends and frees its slot in the account's quota; its id, invoked again, opens
/// a new session.
pub(crate) async fn stop_session(State(state): State<Arc<Shared>>, call: RuntimeCall) -> Response {
    let session_id = call.session_id.clone().unwrap_or_default();
    let runtime = call
        .runtime_ref()
        .ok()
        .filter(|r| state.runtimes.contains_key(r));
    let ended = runtime.as_ref().is_some_and(|r| {
        state
            .quotas()
            .stop(&session_key(r, &session_id), Instant::now())
    });
    // A session the emulator ran that is no longer active answers 200, as before quotas.
    let stopped = ended || (runtime.is_some() && state.recorder.knows_session(&session_id));
    state.recorder.record_stop(StopRequest {
        runtime: call.runtime,
        qualifier: call.qualifier,
        session_id: session_id.clone(),
        stopped,
    });
    let resp = if let Some(invalid) = invalid_session_id(&session_id) {
        invalid
    } else if stopped {
        typed(StatusCode::OK, "{}", JSON)
    } else {
        ServiceError::ResourceNotFoundException.with_message("Session not found")
    };
    stamp(resp, &session_id)
}

/// The service's answer to a session id outside 33–256 characters.
fn invalid_session_id(session_id: &str) -> Option<Response> {
    let length = session_id.chars().count();
    (!(33..=256).contains(&length)).then(|| {
        ServiceError::ValidationException.with_message(
            "Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length between 33 and 256",
        )
    })
}

/// Any path the service does not know.
pub(crate) async fn unknown_operation() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, r#"{"message":"Unknown operation"}"#).into_response();
    resp.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("UnknownOperationException"),
    );
    resp
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
