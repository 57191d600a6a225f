//! Pure ticket handling for the webhook bridge: vendor payload → typed [`Ticket`] → agent prompt,
//! plus the vendors' webhook signature recipes.
//!
//! Nothing here does I/O, async work or knows about Lambda or AWS; randomness (prompt nonces,
//! session suffixes) and the clock are passed in by the caller, so every function is
//! deterministic and testable.

mod error;
mod invoke;
mod prompt;
mod sanitize;
mod session;
pub mod signature;
mod sources;
mod ticket;

pub use error::TicketError;
pub use invoke::{InvokeRequest, QUERY_MAX_CHARS};
pub use prompt::{agent_payload, render_prompt};
pub use sanitize::{Capped, FieldLimits, clean_text};
pub use session::{
    CALLER_SESSION_ID_MAX, InvalidSessionId, SESSION_ID_MAX, SESSION_ID_MIN, delivery_session_id,
    ticket_session_id, validate_session_id,
};
pub use sources::{Delivery, default_events, read_delivery};
pub use ticket::{Choice, Source, Ticket, TicketField};

/// Parses a webhook body from `source` into a validated, cleaned and capped [`Ticket`],
/// whatever event it reports.
pub fn parse_ticket(
    source: Source,
    body: &[u8],
    limits: &FieldLimits,
) -> Result<Ticket, TicketError> {
    read_delivery(source, body, None)?.ticket(limits)
}
