//! `local-agentcore`: the AgentCore data-plane emulator as a process, for `make local`.

use anyhow::Context;
use clap::Parser;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore};

/// Serves `POST /runtimes/{arn}/invocations` like Bedrock AgentCore, backed by a built-in
/// deterministic triage agent or by a real agent's `/invocations` endpoint.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "LOCAL_AGENTCORE_ADDR", default_value = "127.0.0.1:9100")]
    addr: String,
    /// Runtime ARN to serve.
    #[arg(long, env = "AGENT_RUNTIME_ARN", default_value = LOCAL_RUNTIME_ARN)]
    runtime_arn: String,
    /// Forward to a real agent at this base URL (e.g. http://127.0.0.1:8080, a
    /// BedrockAgentCoreApp) instead of the built-in agent.
    #[arg(long, env = "LOCAL_AGENTCORE_FORWARD")]
    forward: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    if local_agentcore::RuntimeRef::from_arn(&args.runtime_arn).is_none() {
        anyhow::bail!(
            "--runtime-arn is not a valid AgentCore runtime ARN: {}",
            args.runtime_arn
        );
    }
    let backend = match args.forward {
        Some(url) => Backend::Forward(url),
        None => Backend::Builtin,
    };
    let server = LocalAgentCore::new()
        .with_runtime(&args.runtime_arn, backend.clone())
        .start(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!(endpoint = %server.endpoint_url(), runtime = %args.runtime_arn, ?backend, "local AgentCore ready");
    server.wait().await;
    Ok(())
}
