//! A local, wire-faithful emulator of the Bedrock AgentCore data plane (`InvokeAgentRuntime`).
//!
//! It answers `POST /runtimes/{arn-or-id}/invocations` the way the service does: the ARN is one
//! percent-encoded path segment, `?qualifier` and `?accountId` are honoured, the session id
//! header must be 33–256 characters, errors carry `X-Amzn-ErrorType` and a JSON `message`, and
//! every answer has `x-amzn-RequestId` and echoes the session id. Behind each runtime sits either
//! a built-in deterministic triage agent or a real agent's `POST /invocations` (for example a
//! `BedrockAgentCoreApp`), whose body is streamed through unchanged. Faults can be injected for
//! tests. Test and local use only: the production Lambda never links this crate.

mod builtin_agent;
mod faults;
mod forward;
mod recorder;
mod runtime_id;
mod server;
mod service_error;
mod streaming;

pub use faults::Fault;
pub use recorder::{Invocation, StopRequest};
pub use runtime_id::{LOCAL_RUNTIME_ARN, RuntimeRef};
pub use server::{Backend, LocalAgentCore, RunningAgentCore};
pub use service_error::ServiceError;
