//! `local-agentcore`: the AgentCore data-plane emulator as a process, for `make local`.

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use local_agentcore::{
    Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, LocalTls, Quotas, local_credentials,
};

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
    /// Enforce AWS's default quotas (25 calls per second per endpoint, 1,000 active sessions);
    /// the flags below override them. Without it and them, nothing is limited.
    #[arg(long, env = "LOCAL_AGENTCORE_AWS_QUOTAS")]
    aws_quotas: bool,
    /// InvokeAgentRuntime calls per second per endpoint; past it, 429 ThrottlingException.
    #[arg(long, env = "LOCAL_AGENTCORE_TPS", value_name = "N")]
    tps: Option<u32>,
    /// Active sessions per account; a new session past it gets 402
    /// ServiceQuotaExceededException.
    #[arg(long, env = "LOCAL_AGENTCORE_MAX_ACTIVE_SESSIONS", value_name = "N")]
    max_active_sessions: Option<usize>,
    /// Seconds a session stays active after its last answer ended.
    #[arg(
        long,
        env = "LOCAL_AGENTCORE_IDLE_TIMEOUT_SECS",
        value_name = "S",
        default_value_t = 900
    )]
    idle_timeout_secs: u64,
    /// Seconds a session stays active at most, from its first invocation.
    #[arg(
        long,
        env = "LOCAL_AGENTCORE_MAX_SESSION_LIFETIME_SECS",
        value_name = "S",
        default_value_t = 28_800
    )]
    max_session_lifetime_secs: u64,
    /// Divides every quota duration, the one-second rate window included (100: a 9 s idle
    /// timeout, 25 calls per 10 ms).
    #[arg(
        long,
        env = "LOCAL_AGENTCORE_TIME_SCALE",
        value_name = "F",
        default_value_t = 1.0,
        value_parser = parse_time_scale
    )]
    time_scale: f64,
    /// How long the built-in agent takes per answer, in ms (real time, not scaled).
    #[arg(
        long,
        env = "LOCAL_AGENTCORE_AGENT_LATENCY_MS",
        value_name = "MS",
        default_value_t = 0
    )]
    agent_latency_ms: u64,
    /// Serve HTTPS (HTTP/1.1) instead of plain HTTP, with a certificate for 127.0.0.1 and
    /// localhost from a CA made at start, whose PEM is written to PATH: give it to a function as
    /// SSL_CERT_FILE (the bridge) or AWS_CA_BUNDLE (boto3).
    #[arg(long, env = "LOCAL_AGENTCORE_TLS_CA_FILE", value_name = "PATH")]
    tls_ca_file: Option<std::path::PathBuf>,
}

impl Args {
    /// The quotas the flags ask for: AWS's with `--aws-quotas`, else none, then each flag given.
    fn quotas(&self) -> Quotas {
        let base = if self.aws_quotas {
            Quotas::aws_defaults()
        } else {
            Quotas::unlimited()
        };
        Quotas {
            invocations_per_second: self.tps.or(base.invocations_per_second),
            max_active_sessions: self.max_active_sessions.or(base.max_active_sessions),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_session_lifetime: Duration::from_secs(self.max_session_lifetime_secs),
            time_scale: self.time_scale,
        }
    }
}

fn parse_time_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("expected a positive number, got {s:?}")),
    }
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
    let quotas = args.quotas();
    let backend = match args.forward {
        Some(url) => Backend::Forward(url),
        None => Backend::Builtin,
    };
    let mut emulator = args
        .credentials
        .iter()
        .fold(LocalAgentCore::new(), |emulator, (key, secret)| {
            emulator.with_credentials(local_credentials(key, secret))
        })
        .with_runtime(&args.runtime_arn, backend.clone())
        .with_quotas(quotas.clone())
        .with_agent_latency(Duration::from_millis(args.agent_latency_ms));
    if let Some(path) = &args.tls_ca_file {
        emulator = emulator.with_tls(LocalTls::generate_with_ca_file(path)?);
    }
    let server = emulator
        .start(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    tracing::info!(endpoint = %server.endpoint_url(), ca_file = ?server.ca_file(), runtime = %args.runtime_arn, ?backend, ?quotas, "local AgentCore ready");
    server.wait().await;
    Ok(())
}
