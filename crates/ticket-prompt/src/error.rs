//! Why a body was refused: one variant per stable error code, with messages that never quote
//! the body.

use thiserror::Error;

/// Why a webhook body was rejected. Each variant maps to one stable error code in the handler,
/// and its `Display` text is safe to show to the caller (it never echoes ticket content).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TicketError {
    /// The body is not valid JSON (or not UTF-8).
    #[error("request body is not valid JSON: {0}")]
    InvalidJson(String),
    /// The body is JSON but not a JSON object.
    #[error("request body must be a JSON object")]
    NotAnObject,
    /// A required field is absent or empty.
    #[error("missing required field '{field}'{hint}")]
    MissingField {
        /// The field's path in the body (`number`, `issue.fields.summary`).
        field: &'static str,
        /// Extra guidance, e.g. that either of two fields will do.
        hint: &'static str,
    },
    /// A field is present but has the wrong type or an unusable value.
    #[error("invalid field '{field}': {reason}")]
    InvalidField {
        /// The field's path in the body.
        field: String,
        /// What is wrong with it, without quoting the value.
        reason: String,
    },
}

impl TicketError {
    /// An `InvalidField` error for `field`.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        TicketError::InvalidField {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// The name of the offending field, when the error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            TicketError::MissingField { field, .. } => Some(field),
            TicketError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}
