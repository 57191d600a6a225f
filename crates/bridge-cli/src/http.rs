//! The HTTP client and the response plumbing both commands share.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

use crate::cli::Endpoint;
use crate::envelope;
use crate::exit::CliError;

/// A refused connection or an unroutable host should fail fast even when `--timeout` is long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bodies are read whole only for JSON documents and error envelopes; this bounds the memory a
/// misbehaving server can make the client use.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// `--timeout` is an idle limit (reqwest's read timeout), not a total one: a streamed answer may
/// take minutes as long as something, if only a heartbeat, keeps arriving.
pub fn client(endpoint: &Endpoint) -> Result<Client, CliError> {
    let idle = Duration::from_secs(endpoint.timeout);
    Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(idle))
        .read_timeout(idle)
        .user_agent(concat!("bridge-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CliError::Transport(format!("cannot create the HTTP client: {e}")))
}

/// Adds `x-api-key` when a key was given.
pub fn with_api_key(request: RequestBuilder, endpoint: &Endpoint) -> RequestBuilder {
    match &endpoint.api_key {
        Some(key) => request.header("x-api-key", key),
        None => request,
    }
}

/// How a response body is framed.
#[derive(Debug, PartialEq)]
pub enum Framing {
    Ndjson,
    Sse,
    Json,
    Other(String),
}

pub fn framing(response: &Response) -> Framing {
    let header = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = header
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-ndjson" | "application/ndjson" => Framing::Ndjson,
        "text/event-stream" => Framing::Sse,
        "application/json" => Framing::Json,
        e if e.ends_with("+json") => Framing::Json,
        _ => Framing::Other(header.to_owned()),
    }
}

/// The next chunk of the body, `None` at its end.
pub async fn next_chunk(response: &mut Response, url: &str) -> Result<Option<Vec<u8>>, CliError> {
    response
        .chunk()
        .await
        .map(|c| c.map(|b| b.to_vec()))
        .map_err(|e| CliError::transport(url, &e))
}

/// The whole body, up to `MAX_BODY` bytes.
pub async fn read_body(response: &mut Response, url: &str) -> Result<Vec<u8>, CliError> {
    let mut body = Vec::new();
    while let Some(chunk) = next_chunk(response, url).await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err(CliError::Transport(format!(
                "malformed response: the body exceeds {MAX_BODY} bytes"
            )));
        }
    }
    Ok(body)
}

/// An unsuccessful status: the body explains it (best effort; a body that cannot be read still
/// leaves the status to report).
pub async fn status_error(mut response: Response, url: &str) -> CliError {
    let status = response.status();
    let body = read_body(&mut response, url).await.unwrap_or_default();
    envelope::status_error(status, &body)
}

/// A successful answer's JSON document.
pub async fn json_body(response: &mut Response, url: &str) -> Result<Value, CliError> {
    let body = read_body(response, url).await?;
    serde_json::from_slice(&body).map_err(|e| {
        CliError::Transport(format!(
            "malformed response: HTTP {} with a body that is not JSON ({e}): {}",
            response.status(),
            String::from_utf8_lossy(&body)
                .chars()
                .take(120)
                .collect::<String>()
        ))
    })
}
