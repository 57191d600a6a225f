//! What every measurement starts from: the Lambda event it sends, a local AgentCore with the
//! instant built-in agent (over HTTPS as deployed, or plain HTTP), and the environment and quiet
//! process of a measured function.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;

use anyhow::Context;
use bytes::Bytes;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, LocalTls, RunningAgentCore};
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

/// As [`builtin_agentcore`], served over HTTPS with a certificate from a CA made for the run, as
/// AgentCore's endpoint is: a function's init then includes its warm-up's TLS handshake, and its
/// first request a real TLS connection. [`function_env`] tells the function to trust the CA.
pub async fn builtin_agentcore_https() -> anyhow::Result<RunningAgentCore> {
    let agentcore = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
        .with_tls(LocalTls::generate()?)
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

/// The environment of a function measured against `plain` (a plain-HTTP AgentCore) beside others
/// measured against `https`: `plain`'s, with the same trust settings as theirs (`https`'s CA, no
/// directory of roots). The SDK loads its trusted roots at start whatever the scheme, and loading
/// the machine's whole store takes milliseconds of init, so without this the difference would be
/// that and not the handshake.
pub fn plain_function_env(
    plain: &RunningAgentCore,
    https: &RunningAgentCore,
) -> Vec<(String, String)> {
    const TRUST: [&str; 3] = ["SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE"];
    let mut env = function_env(plain);
    env.extend(
        https
            .function_env()
            .into_iter()
            .filter(|(k, _)| TRUST.contains(&k.as_str())),
    );
    env
}

/// `program` with its output discarded: a measured function's logs would only cost time.
pub fn quiet_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}
