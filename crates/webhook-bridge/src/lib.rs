//! The Lambda side of the bridge: API Gateway events, Function URL requests and SQS job messages
//! in, Bedrock AgentCore `InvokeAgentRuntime` out.
//!
//! # The way of a delivery
//! ```text
//! request (the edge reads the HTTP request once) → route → verify (body cap, signature)
//!   → parse (event filter, own updates) → prompt (session, user, fenced prompt)
//!   → dispatch (the agent now | the jobs table first | the queue) → answer → response
//! queue → worker: lease → agent → record → write-back
//! ```
//! Pure ticket work (payload mappings, validation, sanitising, prompts, session ids, signature
//! recipes) is `ticket_prompt`'s; the jobs table and queue are `job_store`'s. This crate owns the
//! I/O around them. The Lambdas (`src/bin/`) only wire a [`Bridge`] (the request
//! functions), a [`Worker`] (the queue) or [`authorize_api_key`] (the REST API's key
//! authorizer) to the runtime.
//!
//! # The rule
//! Modules are declared below in flow order, leaves first and the application flows last, and
//! a module imports only modules declared above it (inside a folder too): no import cycles, and
//! a newcomer reads the crate top to bottom. `cargo run -p layering` checks it (`make lint`).
//! Steps return values; the flows in `app` assemble the response and the log line.

mod invocation_trace;
mod logging;
mod metrics;

mod runtime_api;

mod api_key;
mod config;
mod deadline;
mod sdk;
mod secrets;

mod integrations;

mod tokens;

mod answer;

mod agent;

mod error;

mod route;

mod request;

mod principal;

mod sns;
mod verify;

mod parse;

mod prompt;

mod jobs;

mod write_back;

mod dispatch;

mod response;

mod app;

pub use agent::{AgentCall, AgentClient, AgentError, AgentFailure, TraceContext};
pub use answer::{AnswerFormat, AnswerReader, Frame, SseDecoder};
pub use api_key::{KEY_HEADER_CONTEXT, authorize as authorize_api_key};
pub use app::{Aws, Bridge, Role, Worker};
pub use config::{Config, ConfigError};
pub use error::BridgeError;
pub use logging::init_logging;
pub use metrics::{DeliveryFigures, Metrics};
pub use response::{ErrorSpec, error_catalogue, error_spec};
pub use route::{Route, route};
pub use runtime_api::{RuntimeApiError, serve};
pub use sdk::sdk_defaults;
pub use write_back::{TARGET_NAMES as WRITE_BACK_TARGETS, WriteBackError};
