//! The end-to-end stacks: real `BedrockAgentCoreApp` agents (Python), the local AgentCore, the
//! built binaries under the local Lambda Runtime API behind the local API Gateway or Function
//! URL, moto and the ticketing stub. Everything listens on loopback and stops when dropped.

mod paths;

mod agent;
mod rie;
mod stack;

mod async_stack;
mod stream_stack;

pub use agent::AgentProcess;
pub use async_stack::{AsyncStack, AsyncTiming};
pub use paths::{debug_binary, event, webhook_binary, workspace_root};
pub use rie::Rie;
pub use stack::{API_KEY, STAGE, Stack, function_stack};
pub use stream_stack::{StreamStack, read_until, url_credentials};
