//! The parts every response shares: JSON with its content type, `X-Request-Id`, and the agent
//! session header; and the same head for a streamed answer.

use http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;

use crate::request::SESSION_HEADER;

/// A JSON response with `X-Request-Id`.
pub(super) fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response<Body> {
    let mut resp = Response::new(Body::Text(body.to_string()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    set_ids(headers, request_id, None);
    resp
}

/// `X-Request-Id`, and the agent session when there is one (values that are not valid header
/// text are left out rather than failing the response).
pub(super) fn set_ids(headers: &mut HeaderMap, request_id: &str, session_id: Option<&str>) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
    if let Some(v) = session_id.and_then(|s| HeaderValue::from_str(s).ok()) {
        headers.insert(SESSION_HEADER, v);
    }
}

/// The headers of a streamed answer: its framing's content type, no caching, and the ids.
pub fn stream_head(content_type: &'static str, request_id: &str, session_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    set_ids(&mut headers, request_id, Some(session_id));
    headers
}
