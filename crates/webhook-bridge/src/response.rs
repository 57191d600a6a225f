//! JSON response envelopes.

use http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use ticket_prompt::Source;

use crate::answer::Answer;
use crate::error::BridgeError;
use job_store::JobRecord;

/// Header carrying the agent session id, so callers can correlate without parsing the body.
pub const SESSION_HEADER: &str = "x-agent-session-id";

/// An analysis: the ServiceNow reference contract (plus `session_id` and `request_id`) for
/// ServiceNow, `{success, source, ticket_id, analysis, session_id, request_id}` for the others.
/// How an analysis relates to the jobs table.
pub struct Recorded<'a> {
    /// Answered from the record: the agent was not called again.
    pub replayed: bool,
    /// The delivery's job, when the jobs table is on.
    pub job_id: Option<&'a str>,
}

pub fn analysed(
    source: Source,
    ticket_id: &str,
    analysis: &str,
    session_id: &str,
    recorded: &Recorded<'_>,
    request_id: &str,
) -> Response<Body> {
    let replayed = recorded.replayed;
    let body = match source {
        Source::ServiceNow => json!({
            "success": true,
            "incident_number": ticket_id,
            "analysis": analysis,
            "session_id": session_id,
            "message": "Incident analyzed successfully",
            "request_id": request_id,
        }),
        _ => json!({
            "success": true,
            "source": source.as_str(),
            "ticket_id": ticket_id,
            "analysis": analysis,
            "session_id": session_id,
            "request_id": request_id,
        }),
    };
    let mut body = body;
    if let Some(job_id) = recorded.job_id {
        body["job_id"] = Value::from(job_id);
    }
    if replayed {
        // A retry answered from the jobs table: the agent was not called again.
        body["replayed"] = Value::Bool(true);
    }
    let mut resp = json_response(StatusCode::OK, &body, request_id);
    if let Ok(v) = HeaderValue::from_str(session_id) {
        resp.headers_mut().insert(SESSION_HEADER, v);
    }
    if replayed {
        resp.headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    resp
}

/// Marks an answer replayed from the jobs table (the agent was not called again).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// 202 for a delivery queued for the worker, or a retry of one already recorded:
/// `{success, status: "accepted", job_id, job_status, status_url, request_id}` and `Location`.
pub fn accepted(
    source: Source,
    job: &JobRecord,
    status_url: &str,
    request_id: &str,
) -> Response<Body> {
    let mut resp = json_response(
        StatusCode::ACCEPTED,
        &json!({
            "success": true,
            "status": "accepted",
            "source": source.as_str(),
            "ticket_id": job.ticket_id,
            "job_id": job.job_id,
            "job_status": job.status.as_str(),
            "status_url": status_url,
            "session_id": job.session_id,
            "request_id": request_id,
        }),
        request_id,
    );
    if let Ok(v) = HeaderValue::from_str(status_url) {
        resp.headers_mut().insert(http::header::LOCATION, v);
    }
    resp
}

/// `GET /jobs/{id}`: the job record, with times in RFC 3339 and no internal fields.
pub fn job(job: &JobRecord, request_id: &str) -> Response<Body> {
    let time = |ms: u64| {
        aws_smithy_types::DateTime::from_millis(ms as i64)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_default()
    };
    let mut body = json!({
        "success": true,
        "job_id": job.job_id,
        "status": job.status.as_str(),
        "mode": job.mode.as_str(),
        "source": job.source,
        "ticket_id": job.ticket_id,
        "session_id": job.session_id,
        "attempts": job.attempts,
        "created_at": time(job.created_at_ms),
        "updated_at": time(job.updated_at_ms),
        "request_id": request_id,
    });
    if let Some(analysis) = &job.analysis {
        body["analysis"] = Value::from(analysis.as_str());
    }
    if let Some(code) = &job.error_code {
        body["error"] = json!({
            "code": code,
            "message": job.error_message.as_deref().unwrap_or(""),
        });
    }
    if let Some(wb) = &job.write_back {
        body["write_back"] = json!({
            "target": wb.target,
            "status": wb.status.as_str(),
            "attempts": wb.attempts,
            "last_error_code": wb.last_error_code,
        });
    }
    json_response(StatusCode::OK, &body, request_id)
}

/// What the invoke API reports about a call besides the answer.
pub struct InvokeMetadata<'a> {
    pub execution_time: std::time::Duration,
    pub agent: &'a str,
    pub qualifier: &'a str,
    pub request_id: &'a str,
    pub session_id: &'a str,
}

/// The invoke API's answer: `{result: {answer, …agent extras}, usage?, metadata}`.
pub fn invoked(answer: &Answer, meta: &InvokeMetadata<'_>) -> Response<Body> {
    let mut result = answer.extras.clone();
    result.insert("answer".into(), Value::String(answer.text.clone()));
    let mut body = json!({
        "result": result,
        "metadata": {
            "execution_time_ms": meta.execution_time.as_millis() as u64,
            "agent": meta.agent,
            "qualifier": meta.qualifier,
            "request_id": meta.request_id,
            "session_id": meta.session_id,
        },
    });
    if let Some(usage) = &answer.usage {
        body["usage"] = usage.clone();
    }
    let mut resp = json_response(StatusCode::OK, &body, meta.request_id);
    if let Ok(v) = HeaderValue::from_str(meta.session_id) {
        resp.headers_mut().insert(SESSION_HEADER, v);
    }
    resp
}

/// 202 for a delivery whose event the source is not configured to analyse: acknowledged (so the
/// sender does not retry), never sent to the agent.
pub fn ignored(source: Source, event: &str, own_update: bool, request_id: &str) -> Response<Body> {
    let shown: String = event
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(100)
        .collect();
    let (code, message) = if own_update {
        (
            "IGNORED_OWN_UPDATE",
            format!(
                "event '{shown}' was caused by the bridge's own integration user; acknowledged and ignored"
            ),
        )
    } else {
        (
            "IGNORED_EVENT",
            format!("event '{shown}' is not configured for analysis; acknowledged and ignored"),
        )
    };
    json_response(
        StatusCode::ACCEPTED,
        &json!({
            "success": true,
            "code": code,
            "source": source.as_str(),
            "event": shown,
            "message": message,
            "request_id": request_id,
        }),
        request_id,
    )
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
