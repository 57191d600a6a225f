//! The emulator's own `/_local/*` routes, for scripts and humans: queue faults, release a held
//! stream, list what was received, show what the quotas did.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;

use crate::faults::Fault;
use crate::respond::{JSON, typed};
use crate::state::Shared;

/// `POST /_local/release`: see [`crate::RunningAgentCore::release_held`].
pub(crate) async fn release_held(State(state): State<Arc<Shared>>) -> Response {
    state.held.notify_one();
    (StatusCode::OK, "{}").into_response()
}

/// `POST /_local/faults`: one fault or an array of faults, queued in order.
pub(crate) async fn push_faults(State(state): State<Arc<Shared>>, body: Bytes) -> Response {
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
pub(crate) async fn list_invocations(State(state): State<Arc<Shared>>) -> Response {
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
    typed(
        StatusCode::OK,
        serde_json::Value::from(list).to_string(),
        JSON,
    )
}

/// `GET /_local/quotas`: see [`crate::RunningAgentCore::quota_stats`].
pub(crate) async fn quota_stats(State(state): State<Arc<Shared>>) -> Response {
    let stats = state.quotas().stats(Instant::now());
    match serde_json::to_string(&stats) {
        Ok(body) => typed(StatusCode::OK, body, JSON),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
