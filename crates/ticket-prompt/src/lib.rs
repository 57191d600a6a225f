//! Pure ticket handling for the webhook bridge: vendor payload → typed [`Ticket`] → agent prompt.
//!
//! Nothing here does I/O, async work or knows about Lambda or AWS; randomness (prompt nonces,
//! session suffixes) is passed in by the caller so every function is deterministic and testable.

mod error;
mod prompt;
mod sanitize;
pub mod servicenow;
mod session;
mod ticket;

pub use error::TicketError;
pub use prompt::{agent_payload, render_prompt};
pub use sanitize::{Capped, FieldLimits, clean_text};
pub use session::{
    CALLER_SESSION_ID_MAX, InvalidSessionId, SESSION_ID_MAX, SESSION_ID_MIN, delivery_session_id,
    ticket_session_id, validate_session_id,
};
pub use ticket::{Choice, Source, Ticket, TicketField};

/// Parses a webhook body from `source` into a validated, cleaned and capped [`Ticket`].
pub fn parse_ticket(
    source: Source,
    body: &[u8],
    limits: &FieldLimits,
) -> Result<Ticket, TicketError> {
    match source {
        Source::ServiceNow => servicenow::parse(body, limits),
    }
}
