//! The Lambda Runtime API, as `lambda_runtime` speaks to it: invokers queue events and await
//! their outcomes; the function long-polls `/next` and posts responses, streams and errors.

mod outcome;

mod state;

mod stream_relay;

mod routes;

mod server;

pub use outcome::{InvokeError, Outcome, StreamedResponse};
pub use server::RuntimeApi;
pub use state::MAX_RESPONSE_BYTES;
