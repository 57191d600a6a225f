//! How each failure is shown to a caller: its HTTP status, a message that says what happened
//! without ARNs, SDK text or agent internals, `Retry-After` for what is worth retrying, and the
//! error envelope `{"success": false, "error": {code, message, status[, retry_after]},
//! "request_id"}`.

use http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::json;
use ticket_prompt::TicketError;

use super::envelope::json_response;
use crate::agent::AgentFailure;
use crate::error::BridgeError;

/// Seconds a caller should wait before retrying a throttled or busy request.
const RATE_LIMIT_RETRY_AFTER: u64 = 5;
const SESSION_BUSY_RETRY_AFTER: u64 = 2;
/// A duplicate arrived while the first delivery runs: by then the answer is usually stored.
const DUPLICATE_RETRY_AFTER: u64 = 10;

/// The HTTP status of `err`.
pub fn status(err: &BridgeError) -> StatusCode {
    match err {
        BridgeError::Ticket(TicketError::UnsupportedFileType { .. }) => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        BridgeError::Ticket(TicketError::FileTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        BridgeError::Ticket(_)
        | BridgeError::InvalidSessionId(_)
        | BridgeError::AsyncNotEnabled
        | BridgeError::InvalidMode(_)
        | BridgeError::InvalidIdempotencyKey(_) => StatusCode::BAD_REQUEST,
        BridgeError::JobNotFound => StatusCode::NOT_FOUND,
        BridgeError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        BridgeError::DuplicateInProgress => StatusCode::CONFLICT,
        BridgeError::JobsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        BridgeError::Signature(_)
        | BridgeError::SigningRequired(_)
        | BridgeError::SnsRefused(_)
        | BridgeError::InvalidToken
        | BridgeError::TokenRequired => StatusCode::UNAUTHORIZED,
        BridgeError::TokenKeysUnavailable | BridgeError::SnsUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        BridgeError::NotFound
        | BridgeError::UnsupportedSource(_)
        | BridgeError::UnknownAgent(_) => StatusCode::NOT_FOUND,
        BridgeError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        BridgeError::RouteNotAllowed
        | BridgeError::ModeNotAllowed
        | BridgeError::UserNotAllowed => StatusCode::FORBIDDEN,
        BridgeError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        BridgeError::Configuration => StatusCode::INTERNAL_SERVER_ERROR,
        BridgeError::Agent(e) => match e.failure {
            AgentFailure::SessionBusy => StatusCode::CONFLICT,
            AgentFailure::Throttled => StatusCode::TOO_MANY_REQUESTS,
            AgentFailure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AgentFailure::Timeout => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        },
    }
}

/// Text for the caller: says what happened without ARNs, SDK text or agent internals. Values
/// the caller sent are echoed only after filtering to a safe alphabet and length.
pub fn public_message(err: &BridgeError) -> String {
    match err {
        BridgeError::Ticket(e) => e.to_string(),
        BridgeError::InvalidSessionId(e) => format!("invalid X-Agent-Session-Id header: {e}"),
        BridgeError::Signature(e) => format!("webhook signature rejected: {e}"),
        BridgeError::SnsRefused(why) => format!("SNS message refused: {why}"),
        BridgeError::SnsUnavailable => {
            "SNS could not be reached to check the message or confirm the subscription; SNS retries".into()
        }
        BridgeError::SigningRequired(source) => format!(
            "this endpoint accepts only signed deliveries, and no signing secret is configured for {source}"
        ),
        BridgeError::NotFound => {
            "no such endpoint; POST tickets to /webhook/{source}, queries to /v1/agents/{agent}/invoke".into()
        }
        BridgeError::JobNotFound => {
            "no such job; job ids come from 202 answers and expire".into()
        }
        BridgeError::DuplicateInProgress => {
            "this delivery is already being analysed; retry later for its answer".into()
        }
        BridgeError::AsyncNotEnabled => {
            "asynchronous mode is not enabled on this deployment (no job queue); deliver synchronously".into()
        }
        BridgeError::InvalidMode(m) => {
            format!("invalid mode '{}'; use sync or async", shown(m, 20, |_| false))
        }
        BridgeError::UserNotAllowed => {
            "this caller may not name the end user; the deployment lists the integrations that may (IntegrationsAssertingUsers), and a ticket's requester counts only on a signed delivery".into()
        }
        BridgeError::InvalidToken => {
            "the bearer token is not valid (signature, issuer, audience, expiry or key); get a new one from your identity provider".into()
        }
        BridgeError::TokenRequired => {
            "this deployment requires a bearer token: Authorization: Bearer <jwt>, or x-chat-auth: Bearer <jwt> on the streaming URL".into()
        }
        BridgeError::TokenKeysUnavailable => {
            "the identity provider's signing keys are unavailable; retry later".into()
        }
        BridgeError::ModeNotAllowed => {
            "this integration's deliveries are answered in its configured mode; it may not choose another".into()
        }
        BridgeError::InvalidIdempotencyKey(why) => format!("invalid idempotency key: {why}"),
        BridgeError::IdempotencyKeyReused => {
            "this idempotency key (or delivery id) was already used for a different request; send a new key with a new request".into()
        }
        BridgeError::JobsUnavailable => "the job store is unavailable; retry later".into(),
        BridgeError::UnknownAgent(name) => format!(
            "no agent named '{}'; the default agent is 'default'",
            shown(name, 64, |c| matches!(c, '_' | '-'))
        ),
        BridgeError::UnsupportedSource(s) => {
            let known: Vec<&str> = ticket_prompt::Source::ALL
                .iter()
                .map(|s| s.as_str())
                .collect();
            format!(
                "unsupported source '{}'; supported: {}",
                shown(s, 40, |_| false),
                known.join(", ")
            )
        }
        BridgeError::MethodNotAllowed { allow } => format!("method not allowed; use {allow}"),
        BridgeError::RouteNotAllowed => {
            "this API key's integration may not call this route; each integration posts one source's webhook, or calls the invoke API".into()
        }
        BridgeError::PayloadTooLarge { size, limit } => {
            format!("request body of {size} bytes exceeds the limit of {limit} bytes")
        }
        BridgeError::Configuration => {
            "the bridge is misconfigured; the operator should check the function's logs".into()
        }
        BridgeError::Agent(e) => match e.failure {
            AgentFailure::RequestRejected => "the agent service rejected the request",
            AgentFailure::AccessDenied => "the bridge is not allowed to invoke the agent",
            AgentFailure::NotFound => "the configured agent runtime or endpoint does not exist",
            AgentFailure::SessionBusy => "the agent session is busy; retry later",
            AgentFailure::Throttled => "the agent is receiving too many requests; retry later",
            AgentFailure::RuntimeFailed => "the agent failed while handling the request",
            AgentFailure::InBandError => "the agent reported an error while answering",
            AgentFailure::Unavailable => "the agent service is unavailable; retry later",
            AgentFailure::StreamInterrupted => "the agent's answer was interrupted",
            AgentFailure::AnswerTooLarge => "the agent's answer exceeds the configured size limit",
            AgentFailure::EmptyAnswer => "the agent returned an empty answer",
            AgentFailure::Unknown => "the agent call failed",
            AgentFailure::Timeout => "the agent did not answer in time",
        }
        .into(),
    }
}

/// A caller's value, kept to ASCII letters, digits and what `also` allows, at most `max` chars.
fn shown(value: &str, max: usize, also: fn(char) -> bool) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || also(*c))
        .take(max)
        .collect()
}

/// `Retry-After` seconds, for the failures a caller should retry later.
pub fn retry_after(err: &BridgeError) -> Option<u64> {
    match err {
        BridgeError::Agent(e) => match e.failure {
            AgentFailure::Throttled => Some(RATE_LIMIT_RETRY_AFTER),
            AgentFailure::SessionBusy => Some(SESSION_BUSY_RETRY_AFTER),
            _ => None,
        },
        BridgeError::DuplicateInProgress => Some(DUPLICATE_RETRY_AFTER),
        BridgeError::JobsUnavailable
        | BridgeError::TokenKeysUnavailable
        | BridgeError::SnsUnavailable => Some(RATE_LIMIT_RETRY_AFTER),
        _ => None,
    }
}

/// The error envelope, with `Retry-After` and (for 405s) `Allow`.
pub fn error(err: &BridgeError, request_id: &str) -> Response<Body> {
    let status = status(err);
    let mut detail = json!({
        "code": err.code(),
        "message": public_message(err),
        "status": status.as_u16(),
    });
    let retry_after = retry_after(err);
    if let Some(secs) = retry_after {
        detail["retry_after"] = json!(secs);
    }
    let mut resp = json_response(
        status,
        &json!({ "success": false, "error": detail, "request_id": request_id }),
        request_id,
    );
    let headers = resp.headers_mut();
    if let Some(secs) = retry_after {
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    match err {
        BridgeError::MethodNotAllowed { allow } => {
            headers.insert(http::header::ALLOW, HeaderValue::from_static(allow));
        }
        // RFC 6750 §3: how to authenticate, and (for a bad token) that the token was the problem.
        BridgeError::TokenRequired => {
            headers.insert(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer"),
            );
        }
        BridgeError::InvalidToken => {
            headers.insert(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        _ => {}
    }
    resp
}
