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
    /// An attached file's type is not served, or its bytes are not what its type says.
    #[error("unsupported file '{field}': {reason}")]
    UnsupportedFileType {
        /// The offending field, e.g. `files[0].mimeType`.
        field: String,
        /// Which types are served, or what the content is not, without quoting the value.
        reason: String,
    },
    /// Attached content exceeds a size cap.
    #[error("'{field}' is too large: {limit}")]
    FileTooLarge {
        /// The capped field, e.g. `files`.
        field: String,
        /// The limit that was exceeded.
        limit: String,
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
            TicketError::InvalidField { field, .. }
            | TicketError::UnsupportedFileType { field, .. }
            | TicketError::FileTooLarge { field, .. } => Some(field),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_name_their_field_and_limit() {
        let unsupported = TicketError::UnsupportedFileType {
            field: "files[0].mimeType".into(),
            reason: "not served".into(),
        };
        assert_eq!(unsupported.field(), Some("files[0].mimeType"));
        assert_eq!(
            unsupported.to_string(),
            "unsupported file 'files[0].mimeType': not served"
        );
        let too_large = TicketError::FileTooLarge {
            field: "files".into(),
            limit: "at most 4 MiB".into(),
        };
        assert_eq!(too_large.field(), Some("files"));
        assert_eq!(too_large.to_string(), "'files' is too large: at most 4 MiB");
    }
}
