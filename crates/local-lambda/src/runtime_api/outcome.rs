//! What an invoker gets back: the function's response, error or stream, or why there was none.

use std::time::Duration;

use bytes::Bytes;
use thiserror::Error;
use tokio::sync::mpsc;

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

/// Why an invocation has no outcome.
#[derive(Debug, Error)]
pub enum InvokeError {
    /// The function timeout passed before the function answered.
    #[error("the function did not finish within {0:?}")]
    Timeout(Duration),
    /// The Runtime API shut down with the invocation pending.
    #[error("the runtime API stopped")]
    Stopped,
}
