//! A local, wire-faithful emulator of the Bedrock AgentCore data plane (`InvokeAgentRuntime`).
//!
//! It answers `POST /runtimes/{arn-or-id}/invocations` the way the service does: the ARN is one
//! percent-encoded path segment, `?qualifier` and `?accountId` are honoured, the session id
//! header must be 33–256 characters, errors carry `X-Amzn-ErrorType` and a JSON `message`, and
//! every answer has `x-amzn-RequestId` and echoes the session id. Behind each runtime sits either
//! a built-in deterministic triage agent or a real agent's `POST /invocations` (for example a
//! `BedrockAgentCoreApp`), whose body is streamed through unchanged. Faults can be injected for
//! tests, and AgentCore's quotas (invocations per second, active sessions with their idle timeout
//! and lifetime) enforced. It serves plain HTTP, or HTTPS with a certificate from a CA made for
//! the run ([`LocalTls`]), as the real endpoint does. Test and local use only: the production
//! Lambda never links this crate.

// Leaves first, the server last: a module uses only modules declared above it (rustfmt keeps
// each blank-line group in alphabetical order; a group's modules do not use each other).
mod sdk;
mod tls;

mod builtin_agent;
mod quotas;
mod recorder;
mod respond;
mod runtime_id;
mod streaming;

mod service_error;

mod faults;
mod forward;

mod answers;
mod state;

mod auth;
mod control;
mod data_plane;
mod tls_listener;

mod server;

pub use faults::Fault;
pub use quotas::{QuotaStats, Quotas};
pub use recorder::{Invocation, StopRequest};
pub use runtime_id::{LOCAL_RUNTIME_ARN, RuntimeRef};
pub use sdk::{LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY, local_sdk};
pub use server::{LocalAgentCore, RunningAgentCore, local_credentials};
pub use service_error::ServiceError;
pub use state::Backend;
pub use tls::{LocalTls, TlsError};
