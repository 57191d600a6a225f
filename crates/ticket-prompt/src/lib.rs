//! Pure ticket handling for the webhook bridge: vendor payload → typed [`Ticket`] → agent prompt,
//! plus the vendors' other facts: webhook signature recipes and the headers senders use.
//!
//! Nothing here does I/O, async work or knows about Lambda or AWS; randomness (prompt nonces,
//! session suffixes) and the clock are passed in by the caller, so every function is
//! deterministic and testable.
//!
//! Modules are declared leaves first, in groups: each uses only those above it.

// Leaves: the error type, session ids, the senders.
mod error;
mod session;
mod source;

// Bodies as JSON objects; the ticket.
mod json;
mod ticket;

// Vendor facts and text rules: delivery headers, cleaning and caps, signature recipes.
mod headers;
mod sanitize;
pub mod signature;

// SNS envelopes (CloudWatch alarms): the signed string and the URLs that may be followed.
pub mod sns;

// Vendor payloads → tickets.
mod sources;

// What the agent receives: attached files; invoke requests and ticket prompts; Pika's direct
// invocations (an invoke request in another shape).
mod files;

mod invoke;
mod prompt;
mod write_back;

// The analysis as a notification (Slack, Teams) or a comment (GitLab, Linear).
mod chat;
// The analysis as an SNS notification (e-mail and AWS Chatbot).
mod notification;

mod direct_invoke;

pub use chat::{
    GITLAB_NOTE_MAX_CHARS, LINEAR_COMMENT_MAX_CHARS, SLACK_TEXT_MAX_CHARS, TEAMS_CARD_MAX_BYTES,
    gitlab_note, linear_comment, slack_message, teams_message,
};
pub use direct_invoke::DirectInvoke;
pub use error::TicketError;
pub use files::AttachedFile;
pub use headers::{delivery_id_header, event_header};
pub use invoke::InvokeRequest;
pub use notification::{
    CHATBOT_NOTIFICATION_MAX_BYTES, SNS_EMAIL_MAX_BYTES, SNS_SUBJECT_MAX_CHARS, SnsNotification,
    sns_notification,
};
pub use prompt::{agent_payload, render_prompt};
pub use sanitize::FieldLimits;
pub use session::{
    InvalidSessionId, SessionKey, caller_session_id, delivery_session_id, keyed_ticket_session_id,
    ticket_session_id, validate_session_id,
};
pub use source::Source;
pub use sources::{Delivery, default_events, read_delivery};
pub use ticket::{Choice, Ticket, TicketField};
pub use write_back::{
    GITHUB_COMMENT_MAX_CHARS, JIRA_COMMENT_MAX_CHARS, SERVICENOW_NOTE_MAX_CHARS, github_comment,
    jira_comment, servicenow_work_note,
};

/// Parses a webhook body from `source` into a validated, cleaned and capped [`Ticket`],
/// whatever event it reports.
pub fn parse_ticket(
    source: Source,
    body: &[u8],
    limits: &FieldLimits,
) -> Result<Ticket, TicketError> {
    read_delivery(source, body, None)?.ticket(limits)
}
