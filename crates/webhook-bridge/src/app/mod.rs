//! The application: the state the three Lambdas share, the log record each request leaves, and
//! the flows that run the steps in order (webhook delivery, invoke API, streaming, worker).

mod state;
mod trail;

mod invoke;
mod posting;
mod webhook;

mod serve;
mod stream;
mod worker;

pub use state::{Aws, Bridge, Role};
pub use worker::Worker;
