//! What became of a request that was not refused, and its answer: an analysis (the ServiceNow
//! reference contract for ServiceNow), an acknowledgement, an accepted job, a job's record, an
//! invoke API answer.

use std::time::Duration;

use http::{HeaderValue, StatusCode};
use job_store::JobRecord;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use ticket_prompt::Source;

use super::envelope::{json_response, set_ids};
use super::failure::error;
use crate::answer::Answer;
use crate::error::BridgeError;
use crate::parse::Unanalysed;

/// Marks an answer replayed from the jobs table (the agent was not called again).
const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What became of a request that was not refused.
pub enum Outcome {
    /// A ticket's analysis.
    Analysed {
        /// Where the ticket came from.
        source: Source,
        /// Its number or key.
        ticket_id: String,
        /// The analysis.
        text: String,
        /// The agent session.
        session_id: String,
        /// Answered from the jobs table: a retry of a delivery analysed before.
        replayed: bool,
        /// The delivery's job, when the jobs table is on (readable at `GET /jobs/{id}`).
        job_id: Option<String>,
    },
    /// An event the source is not configured to analyse, or one the bridge's own write-back
    /// caused.
    Ignored {
        /// Where it came from.
        source: Source,
        /// The event name.
        event: String,
        /// Why it is not analysed.
        reason: Unanalysed,
    },
    /// Queued for the worker (or a retry of a delivery already recorded): 202 with the job.
    Accepted {
        /// Where it came from.
        source: Source,
        /// The job.
        job: JobRecord,
        /// Where to poll it.
        status_url: String,
    },
    /// `GET /jobs/{id}`.
    Job(JobRecord),
    /// An answer from the invoke API.
    Invoked {
        /// The agent's name as the caller gave it.
        agent: String,
        /// The endpoint it ran on.
        qualifier: String,
        /// The answer.
        answer: Answer,
        /// The agent session.
        session_id: String,
    },
}

impl Outcome {
    /// The code the log line reports.
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Analysed { replayed: true, .. } => "REPLAYED",
            Outcome::Ignored { reason, .. } => ignored_code(*reason),
            Outcome::Accepted { .. } => "ACCEPTED",
            Outcome::Analysed { .. } | Outcome::Job(_) | Outcome::Invoked { .. } => "OK",
        }
    }
}

/// The response for `result`; `elapsed` is reported by the invoke API as its execution time.
pub fn render(
    result: &Result<Outcome, BridgeError>,
    request_id: &str,
    elapsed: Duration,
) -> Response<Body> {
    match result {
        Ok(Outcome::Analysed {
            source,
            ticket_id,
            text,
            session_id,
            replayed,
            job_id,
        }) => analysed(
            *source,
            ticket_id,
            text,
            session_id,
            *replayed,
            job_id.as_deref(),
            request_id,
        ),
        Ok(Outcome::Ignored {
            source,
            event,
            reason,
        }) => ignored(*source, event, *reason, request_id),
        Ok(Outcome::Accepted {
            source,
            job,
            status_url,
        }) => accepted(*source, job, status_url, request_id),
        Ok(Outcome::Job(job)) => job_record(job, request_id),
        Ok(Outcome::Invoked {
            agent,
            qualifier,
            answer,
            session_id,
        }) => invoked(answer, agent, qualifier, session_id, elapsed, request_id),
        Err(e) => error(e, request_id),
    }
}

/// An analysis: the ServiceNow reference contract (plus `session_id` and `request_id`) for
/// ServiceNow, `{success, source, ticket_id, analysis, session_id, request_id}` for the others;
/// `job_id` with the jobs table on, `replayed` (and `Idempotent-Replayed`) for a replay.
fn analysed(
    source: Source,
    ticket_id: &str,
    analysis: &str,
    session_id: &str,
    replayed: bool,
    job_id: Option<&str>,
    request_id: &str,
) -> Response<Body> {
    let mut body = match source {
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
    if let Some(job_id) = job_id {
        body["job_id"] = Value::from(job_id);
    }
    if replayed {
        body["replayed"] = Value::Bool(true);
    }
    let mut resp = json_response(StatusCode::OK, &body, request_id);
    set_ids(resp.headers_mut(), request_id, Some(session_id));
    if replayed {
        resp.headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    resp
}

/// 202 for a delivery queued for the worker, or a retry of one already recorded:
/// `{success, status: "accepted", job_id, job_status, status_url, request_id}` and `Location`.
fn accepted(source: Source, job: &JobRecord, status_url: &str, request_id: &str) -> Response<Body> {
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
fn job_record(job: &JobRecord, request_id: &str) -> Response<Body> {
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
        if !wb.sinks_posted.is_empty() {
            body["write_back"]["sinks_posted"] = json!(wb.sinks_posted);
        }
    }
    json_response(StatusCode::OK, &body, request_id)
}

/// The invoke API's answer: `{result: {answer, …agent extras}, usage?, metadata}`.
fn invoked(
    answer: &Answer,
    agent: &str,
    qualifier: &str,
    session_id: &str,
    execution_time: Duration,
    request_id: &str,
) -> Response<Body> {
    let mut result = answer.extras.clone();
    result.insert("answer".into(), Value::String(answer.text.clone()));
    let mut body = json!({
        "result": result,
        "metadata": {
            // run-agent.ai's names (seconds; the endpoint as the agent's version) beside ours.
            "execution_time": (execution_time.as_millis() as f64) / 1000.0,
            "execution_time_ms": execution_time.as_millis() as u64,
            "agent": agent,
            "agent_version": qualifier,
            "qualifier": qualifier,
            "request_id": request_id,
            "session_id": session_id,
        },
    });
    if let Some(usage) = &answer.usage {
        body["usage"] = usage.clone();
    }
    let mut resp = json_response(StatusCode::OK, &body, request_id);
    set_ids(resp.headers_mut(), request_id, Some(session_id));
    resp
}

/// The code of an acknowledgement.
fn ignored_code(reason: Unanalysed) -> &'static str {
    match reason {
        Unanalysed::Event => "IGNORED_EVENT",
        Unanalysed::OwnUpdate => "IGNORED_OWN_UPDATE",
        Unanalysed::Replay => "IGNORED_REPLAY",
    }
}

/// 202 for a delivery that is not analysed (an event the source does not act on, the bridge's
/// own update, a replayed signed body): acknowledged, so the sender does not retry.
fn ignored(source: Source, event: &str, reason: Unanalysed, request_id: &str) -> Response<Body> {
    let shown: String = event
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(100)
        .collect();
    let message = match reason {
        Unanalysed::Event => {
            format!("event '{shown}' is not configured for analysis; acknowledged and ignored")
        }
        Unanalysed::OwnUpdate => format!(
            "event '{shown}' was caused by the bridge's own integration user; acknowledged and ignored"
        ),
        Unanalysed::Replay => format!(
            "this signed '{shown}' delivery was received before under another delivery id; acknowledged and not analysed again"
        ),
    };
    json_response(
        StatusCode::ACCEPTED,
        &json!({
            "success": true,
            "code": ignored_code(reason),
            "source": source.as_str(),
            "event": shown,
            "message": message,
            "request_id": request_id,
        }),
        request_id,
    )
}
