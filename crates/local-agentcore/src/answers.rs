//! The built-in agent's answers and the injected faults' answers, as HTTP responses: JSON
//! documents, paced SSE streams, broken streams and raw errors.

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use tokio::sync::Notify;

use crate::builtin_agent;
use crate::faults::Fault;
use crate::respond::{JSON, typed};
use crate::streaming::{Step, scripted_body, sse_events, sse_frames};

/// Frame size and pacing of built-in SSE answers: small enough that events straddle frames.
const SSE_FRAME: usize = 7;
const SSE_PACE: Duration = Duration::from_millis(2);

/// The built-in agent's answer to `payload`. Plain queries from a caller that accepts event
/// streams are streamed, as a chat agent would; tickets, and callers that want JSON only (e.g.
/// boto3 by default), get JSON.
pub(crate) fn builtin(payload: &[u8], accept: Option<&str>) -> Response {
    let text = builtin_agent::analyse(payload);
    let wants_events = accept.is_some_and(|a| a.contains("text/event-stream"));
    if builtin_agent::is_query(payload) && wants_events {
        paced_sse(&text)
    } else {
        json_answer(&text)
    }
}

/// The answer `fault` calls for, around the built-in agent's analysis of `payload`. `held` is
/// what a [`Fault::HeldSse`] answer waits on before its last event.
pub(crate) fn faulty(fault: Fault, payload: &[u8], held: &Arc<Notify>) -> Response {
    let text = builtin_agent::analyse(payload);
    match fault {
        Fault::Error { error } => error.response(),
        Fault::ErrorInBody { error } => error.in_body(),
        Fault::RawStatus { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            typed(status, body, "text/html")
        }
        Fault::Sse | Fault::Delay { .. } => paced_sse(&text),
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
            let steps = vec![
                Step::Send(half),
                Step::Pause(Duration::from_millis(20)),
                Step::Fail,
            ];
            typed(StatusCode::OK, scripted_body(steps), JSON)
        }
        Fault::Oversized { bytes } => {
            let padding = "x".repeat(bytes.saturating_sub(text.len()));
            json_answer(&format!("{text}\n{padding}"))
        }
        Fault::Answer { body } => typed(StatusCode::OK, body.to_string(), JSON),
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

/// `{"result": text}`, as a `BedrockAgentCoreApp` returns a plain string.
fn json_answer(text: &str) -> Response {
    let body = serde_json::json!({ "result": text }).to_string();
    typed(StatusCode::OK, body, JSON)
}

/// `text` as SSE events in small frames with a short pause after each.
fn paced_sse(text: &str) -> Response {
    let steps = sse_frames(text, SSE_FRAME)
        .into_iter()
        .flat_map(|f| [Step::Send(f), Step::Pause(SSE_PACE)])
        .collect();
    sse_answer(steps)
}

fn sse_answer(steps: Vec<Step>) -> Response {
    typed(
        StatusCode::OK,
        scripted_body(steps),
        "text/event-stream; charset=utf-8",
    )
}
