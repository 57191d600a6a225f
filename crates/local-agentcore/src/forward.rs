//! Forwarding to a real agent container's `POST /invocations`, as the service does.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::TryStreamExt;
use http::{HeaderValue, StatusCode};

use crate::service_error::ServiceError;

pub(crate) const SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";

/// Sends the payload to `{base_url}/invocations` and streams the agent's body back unchanged,
/// chunk for chunk, with the agent's `Content-Type`. An agent error status becomes the service's
/// 424 `RuntimeClientError`; its body is not passed through (the service does not either).
pub(crate) async fn forward(
    client: &reqwest::Client,
    base_url: &str,
    session_id: &str,
    content_type: Option<&str>,
    accept: Option<&str>,
    payload: Bytes,
) -> Response {
    let url = format!("{}/invocations", base_url.trim_end_matches('/'));
    let mut req = client
        .post(&url)
        .header(SESSION_HEADER, session_id)
        .header("content-type", content_type.unwrap_or("application/json"))
        .body(payload);
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, %url, "agent unreachable");
            return ServiceError::RuntimeClientError.with_message(
                "Runtime initialization time exceeded. Please check your CloudWatch logs for more information.",
            );
        }
    };
    let status = resp.status();
    if !status.is_success() {
        return ServiceError::RuntimeClientError.with_message(&format!(
            "Received error ({}) from runtime. Please check your CloudWatch logs for more information.",
            status.as_u16()
        ));
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/json"));
    let stream = resp.bytes_stream().map_err(std::io::Error::other);
    let mut out = Response::new(Body::from_stream(stream));
    *out.status_mut() = StatusCode::OK;
    out.headers_mut()
        .insert(http::header::CONTENT_TYPE, content_type);
    out
}
