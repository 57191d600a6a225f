//! AgentCore's data plane: one call described ([`AgentCall`]), sent and read under one deadline
//! with the session stopped when time runs out, failures sorted into what an operator can act
//! on, and the directory of named agents the invoke API may call.

mod trace;

mod call;
mod error;
mod release;

mod classify;
mod retry;

mod client;
mod directory;

pub use call::AgentCall;
pub use client::{AgentClient, AgentReply, AgentStream};
pub use directory::{AgentDirectory, DirectoryError};
pub use error::{AgentError, AgentFailure};
pub use release::SessionRelease;
pub use trace::TraceContext;
