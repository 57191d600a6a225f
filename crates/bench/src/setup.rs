//! What every measurement starts from: the Lambda event it sends, a local AgentCore with the
//! instant built-in agent, and the environment and quiet process of a measured function.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;

use anyhow::Context;
use bytes::Bytes;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore};
use tokio::process::Command;

/// The Lambda event file at `path`, as sent to the function.
pub fn read_event(path: &Path) -> anyhow::Result<Bytes> {
    let event = std::fs::read(path).with_context(|| path.display().to_string())?;
    Ok(Bytes::from(event))
}

/// A local AgentCore on a free port whose runtime is the built-in agent, so the figures are the
/// bridge's own cost and not an agent's.
pub async fn builtin_agentcore() -> anyhow::Result<RunningAgentCore> {
    let agentcore = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .start("127.0.0.1:0")
        .await?;
    Ok(agentcore)
}

/// The environment of a measured function: `agentcore`'s, with logging down to warnings.
pub fn function_env(agentcore: &RunningAgentCore) -> Vec<(String, String)> {
    let mut env = agentcore.function_env();
    env.push(("AWS_LAMBDA_LOG_LEVEL".to_owned(), "WARN".to_owned()));
    env
}

/// `program` with its output discarded: a measured function's logs would only cost time.
pub fn quiet_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}
