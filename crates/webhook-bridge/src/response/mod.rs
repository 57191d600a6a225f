//! What the caller is told: one JSON envelope for every answer and every failure (status,
//! stable code, caller-safe message, `Retry-After`, `X-Request-Id`), and the streaming head.

mod envelope;

mod failure;

mod outcomes;

mod catalogue;

pub use catalogue::{ErrorSpec, error_catalogue, error_spec};
pub use envelope::stream_head;
pub use failure::{error, public_message, status};
pub use outcomes::{Outcome, render};
