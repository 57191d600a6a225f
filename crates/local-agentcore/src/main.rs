//! `local-agentcore`: the AgentCore data-plane emulator as a process, for `make local`.

use anyhow::Context;
use clap::Parser;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, local_credentials};

/// Serves `POST /runtimes/{arn}/invocations` like Bedrock AgentCore (SigV4 checked), backed by
/// a built-in deterministic triage agent or by a real agent's `/invocations` endpoint.
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
    /// Another access key whose SigV4 signatures are accepted, KEY:SECRET (repeatable). The
    /// emulator's own key (AKIDLOCAL) is always accepted; `make local` signs with local:local.
    #[arg(long = "credentials", value_parser = parse_credentials, default_value = "local:local")]
    credentials: Vec<(String, String)>,
}

fn parse_credentials(s: &str) -> Result<(String, String), String> {
    s.split_once(':')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY:SECRET, got {s:?}"))
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
    let server = args
        .credentials
        .iter()
        .fold(LocalAgentCore::new(), |emulator, (key, secret)| {
            emulator.with_credentials(local_credentials(key, secret))
        })
        .with_runtime(&args.runtime_arn, backend.clone())
        .start(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!(endpoint = %server.endpoint_url(), runtime = %args.runtime_arn, ?backend, "local AgentCore ready");
    server.wait().await;
    Ok(())
}
