//! Every failure the bridge can answer with, as callers see it (code, status, `retry_after`):
//! the list the documents that describe the API (the OpenAPI document, docs/errors.md's
//! table) are checked against. The matches below have no wildcard, so a new kind of failure
//! does not compile until it is listed here.

use ticket_prompt::signature::SignatureError;
use ticket_prompt::{InvalidSessionId, TicketError};

use super::failure::{public_message, retry_after, status};
use crate::agent::{AgentError, AgentFailure};
use crate::error::BridgeError;

/// One failure as a caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorSpec {
    /// The stable code.
    pub code: &'static str,
    /// The HTTP status it comes with.
    pub status: u16,
    /// `retry_after` seconds, when the caller should retry.
    pub retry_after: Option<u64>,
    /// The caller-safe message (for the catalogue's entries: one example of it).
    pub message: String,
}

/// `err` as a caller sees it.
pub fn error_spec(err: &BridgeError) -> ErrorSpec {
    ErrorSpec {
        code: err.code(),
        status: status(err).as_u16(),
        retry_after: retry_after(err),
        message: public_message(err),
    }
}

/// Every distinct (code, status, `retry_after`) the bridge can answer with, sorted, with one
/// example message each.
pub fn error_catalogue() -> Vec<ErrorSpec> {
    let mut specs: Vec<ErrorSpec> = every_error().iter().map(error_spec).collect();
    specs.sort();
    specs.dedup_by(|a, b| (a.code, a.status, a.retry_after) == (b.code, b.status, b.retry_after));
    specs
}

/// One value of every variant (and of every agent failure and ticket error kind).
fn every_error() -> Vec<BridgeError> {
    let ticket_errors = [
        TicketError::InvalidJson("syntax error".into()),
        TicketError::NotAnObject,
        TicketError::MissingField {
            field: "number",
            hint: "",
        },
        TicketError::InvalidField {
            field: "sys_id".into(),
            reason: "bad".into(),
        },
        TicketError::UnsupportedFileType {
            field: "files[0].mimeType".into(),
            reason: "bad".into(),
        },
        TicketError::FileTooLarge {
            field: "files".into(),
            limit: "4 MiB".into(),
        },
    ];
    for e in &ticket_errors {
        match e {
            TicketError::InvalidJson(_)
            | TicketError::NotAnObject
            | TicketError::MissingField { .. }
            | TicketError::InvalidField { .. }
            | TicketError::UnsupportedFileType { .. }
            | TicketError::FileTooLarge { .. } => {}
        }
    }
    let mut errors: Vec<BridgeError> = ticket_errors.into_iter().map(BridgeError::from).collect();
    errors.extend([
        BridgeError::NotFound,
        BridgeError::UnsupportedSource("remedy".into()),
        BridgeError::MethodNotAllowed { allow: "POST" },
        BridgeError::RouteNotAllowed,
        BridgeError::PayloadTooLarge { size: 2, limit: 1 },
        BridgeError::Configuration,
        BridgeError::InvalidSessionId(InvalidSessionId),
        BridgeError::Signature(SignatureError::Missing("x-signature")),
        BridgeError::Signature(SignatureError::Malformed("x-signature")),
        BridgeError::Signature(SignatureError::Mismatch),
        BridgeError::Signature(SignatureError::Expired),
        BridgeError::Signature(SignatureError::BodyTimestamp),
        BridgeError::Signature(SignatureError::Unsupported),
        BridgeError::SigningRequired("github"),
        BridgeError::SnsRefused("the topic is not one this deployment accepts"),
        BridgeError::SnsUnavailable,
        BridgeError::UnknownAgent("nobody".into()),
        BridgeError::JobNotFound,
        BridgeError::DuplicateInProgress,
        BridgeError::AsyncNotEnabled,
        BridgeError::InvalidMode("later".into()),
        BridgeError::ModeNotAllowed,
        BridgeError::UserNotAllowed,
        BridgeError::InvalidToken,
        BridgeError::TokenRequired,
        BridgeError::TokenKeysUnavailable,
        BridgeError::InvalidIdempotencyKey("it is empty"),
        BridgeError::IdempotencyKeyReused,
        BridgeError::JobsUnavailable,
    ]);
    errors.extend(
        AgentFailure::ALL.map(|f| BridgeError::Agent(AgentError::new(f, "detail for the logs"))),
    );
    for e in &errors {
        match e {
            BridgeError::Ticket(_)
            | BridgeError::NotFound
            | BridgeError::UnsupportedSource(_)
            | BridgeError::MethodNotAllowed { .. }
            | BridgeError::RouteNotAllowed
            | BridgeError::PayloadTooLarge { .. }
            | BridgeError::Configuration
            | BridgeError::InvalidSessionId(_)
            | BridgeError::Signature(
                SignatureError::Missing(_)
                | SignatureError::Malformed(_)
                | SignatureError::Mismatch
                | SignatureError::Expired
                | SignatureError::BodyTimestamp
                | SignatureError::Unsupported,
            )
            | BridgeError::SigningRequired(_)
            | BridgeError::SnsRefused(_)
            | BridgeError::SnsUnavailable
            | BridgeError::UnknownAgent(_)
            | BridgeError::JobNotFound
            | BridgeError::DuplicateInProgress
            | BridgeError::AsyncNotEnabled
            | BridgeError::InvalidMode(_)
            | BridgeError::ModeNotAllowed
            | BridgeError::UserNotAllowed
            | BridgeError::InvalidToken
            | BridgeError::TokenRequired
            | BridgeError::TokenKeysUnavailable
            | BridgeError::InvalidIdempotencyKey(_)
            | BridgeError::IdempotencyKeyReused
            | BridgeError::JobsUnavailable
            | BridgeError::Agent(_) => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_agent_failure_is_listed() {
        for f in AgentFailure::ALL {
            match f {
                AgentFailure::RequestRejected
                | AgentFailure::AccessDenied
                | AgentFailure::NotFound
                | AgentFailure::SessionBusy
                | AgentFailure::Throttled
                | AgentFailure::RuntimeFailed
                | AgentFailure::Unavailable
                | AgentFailure::StreamInterrupted
                | AgentFailure::AnswerTooLarge
                | AgentFailure::InBandError
                | AgentFailure::EmptyAnswer
                | AgentFailure::Timeout
                | AgentFailure::Unknown => {}
            }
        }
        assert_eq!(
            AgentFailure::ALL.iter().collect::<BTreeSet<_>>().len(),
            AgentFailure::ALL.len()
        );
    }

    #[test]
    fn a_code_has_one_retry_after_and_errors_are_4xx_or_5xx() {
        let catalogue = error_catalogue();
        for spec in &catalogue {
            assert!((400..600).contains(&spec.status), "{spec:?}");
            let retry: BTreeSet<_> = catalogue
                .iter()
                .filter(|s| s.code == spec.code)
                .map(|s| s.retry_after)
                .collect();
            assert_eq!(retry.len(), 1, "{}: retry_after differs", spec.code);
        }
        assert!(catalogue.iter().any(|s| s.code == "RATE_LIMIT_EXCEEDED"
            && s.status == 429
            && s.retry_after == Some(5)));
    }
}
