//! The Lambda side of the bridge: a thin adapter between API Gateway proxy events and
//! Bedrock AgentCore's `InvokeAgentRuntime`.
//!
//! Pure ticket logic (parsing, validation, prompts, session ids) lives in `ticket-prompt`; this
//! crate owns I/O: routing, configuration, the AgentCore client, answer decoding and the mapping
//! of every outcome to an HTTP response.

pub mod agent;
pub mod agents;
pub mod answer;
pub mod config;
pub mod error;
pub mod handler;
pub mod inbound;
pub mod invoke;
pub mod jobs;
pub mod response;
mod retry;
pub mod routing;
pub mod secrets;
pub mod signing;
pub mod source_config;
pub mod sse;
pub mod stream;
pub mod stream_frames;
mod webhook;
pub mod worker;
pub mod write_back;
mod write_back_credentials;

pub use config::{Config, ConfigError};
pub use handler::{Bridge, Serves};
