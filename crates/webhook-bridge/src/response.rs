//! JSON response envelopes.

use http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use crate::error::BridgeError;

/// Header carrying the agent session id, so callers can correlate without parsing the body.
pub const SESSION_HEADER: &str = "x-agent-session-id";

/// The ServiceNow reference contract plus `session_id` and `request_id`.
pub fn servicenow_success(
    incident_number: &str,
    analysis: &str,
    session_id: &str,
    request_id: &str,
) -> Response<Body> {
    let mut resp = json_response(
        StatusCode::OK,
        &json!({
            "success": true,
            "incident_number": incident_number,
            "analysis": analysis,
            "session_id": session_id,
            "message": "Incident analyzed successfully",
            "request_id": request_id,
        }),
        request_id,
    );
    if let Ok(v) = HeaderValue::from_str(session_id) {
        resp.headers_mut().insert(SESSION_HEADER, v);
    }
    resp
}

/// `{"success": false, "error": {"code", "message", "status"[, "retry_after"]}, "request_id"}`.
pub fn error(err: &BridgeError, request_id: &str) -> Response<Body> {
    let status = err.status();
    let mut detail = json!({
        "code": err.code(),
        "message": err.public_message(),
        "status": status.as_u16(),
    });
    if let Some(secs) = err.retry_after() {
        detail["retry_after"] = json!(secs);
    }
    let mut resp = json_response(
        status,
        &json!({ "success": false, "error": detail, "request_id": request_id }),
        request_id,
    );
    let headers = resp.headers_mut();
    if let Some(secs) = err.retry_after() {
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(allow) = err.allow() {
        headers.insert(http::header::ALLOW, HeaderValue::from_static(allow));
    }
    resp
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response<Body> {
    let mut resp = Response::new(Body::Text(body.to_string()));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
    resp
}
