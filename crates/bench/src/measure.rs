//! One cold start and its warm requests, for one function.

use std::time::{Duration, Instant};

use bytes::Bytes;
use local_lambda::{FunctionProcess, Outcome, RuntimeApi};

use crate::setup::quiet_command;
use crate::stats::ms;

/// How to start a function.
#[derive(Clone)]
pub struct FunctionSpec {
    /// The executable (the bootstrap binary, or a Python with the runtime interface client).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// The directory to start it in, if not this one.
    pub cwd: Option<String>,
    /// Environment on top of Lambda's (see [`FunctionProcess::spawn_command`]).
    pub env: Vec<(String, String)>,
}

/// What one cold start measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    /// Process start to the first `/next`: the function's init.
    pub init_ms: f64,
    /// Resident memory after init, before any request.
    pub idle_rss_kib: u64,
    /// The first request, on a connection the function may or may not have opened already.
    pub first_request_ms: f64,
    /// Handler time of each warm request (Runtime API `/next` → `/response`).
    pub warm_ms: Vec<f64>,
    /// Resident memory after the last warm request.
    pub rss_after_kib: u64,
}

/// One cold start of `spec` under its own Runtime API, then `requests` warm requests of `event`
/// (every one must answer 200).
pub async fn run(spec: &FunctionSpec, event: &Bytes, requests: usize) -> anyhow::Result<Run> {
    let runtime = RuntimeApi::start().await?;
    let (run, _function) = serve(&runtime, spec, event, requests).await?;
    Ok(run)
}

/// As [`run`], then the function is asked to stop (SIGTERM, as Lambda's shutdown does) and
/// awaited, so a wrapper such as valgrind writes its report; dropping would kill it.
pub async fn run_and_stop(
    spec: &FunctionSpec,
    event: &Bytes,
    requests: usize,
) -> anyhow::Result<Run> {
    let runtime = RuntimeApi::start().await?;
    let (run, mut function) = serve(&runtime, spec, event, requests).await?;
    if let Some(pid) = function.pid() {
        tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await?;
        tokio::time::timeout(Duration::from_secs(60), function.wait())
            .await
            .map_err(|_| anyhow::anyhow!("the function did not stop within 60 s of SIGTERM"))??;
    }
    Ok(run)
}

async fn serve(
    runtime: &RuntimeApi,
    spec: &FunctionSpec,
    event: &Bytes,
    requests: usize,
) -> anyhow::Result<(Run, FunctionProcess)> {
    let mut cmd = quiet_command(&spec.program);
    cmd.args(&spec.args);
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    let started = Instant::now();
    let function = FunctionProcess::spawn_command(cmd, &runtime.address(), &spec.env)?;
    let first_poll = tokio::time::timeout(Duration::from_secs(30), runtime.first_poll())
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "no /next within 30 s; init errors: {:?}",
                runtime.init_errors()
            )
        })?;
    let init_ms = ms(first_poll - started);
    let pid = function
        .pid()
        .ok_or_else(|| anyhow::anyhow!("the function exited during init"))?;
    let idle_rss_kib = rss_kib(pid)?;

    let timeout = Duration::from_secs(30);
    let (outcome, first) = runtime.invoke_timed(event.clone(), timeout).await?;
    check(&outcome)?;
    let mut warm_ms = Vec::with_capacity(requests);
    for _ in 0..requests {
        let (outcome, held) = runtime.invoke_timed(event.clone(), timeout).await?;
        check(&outcome)?;
        warm_ms.push(ms(held));
    }
    let rss_after_kib = rss_kib(pid)?;
    let run = Run {
        init_ms,
        idle_rss_kib,
        first_request_ms: ms(first),
        warm_ms,
        rss_after_kib,
    };
    Ok((run, function))
}

/// Every measured request must be a real success, or the figures mean nothing.
fn check(outcome: &Outcome) -> anyhow::Result<()> {
    match outcome {
        Outcome::Response(doc) => {
            let v: serde_json::Value = serde_json::from_slice(doc)?;
            anyhow::ensure!(v["statusCode"] == 200, "the function answered {}", v);
            Ok(())
        }
        Outcome::Error(e) => anyhow::bail!("the function failed: {e}"),
        Outcome::Streaming(_) => anyhow::bail!("the webhook function streamed its response"),
    }
}

/// Resident set size from /proc (Linux).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_kib(pid, "VmRSS:")
}

/// Peak resident memory of process `pid` so far, in KiB (`VmHWM`): what Lambda reports as
/// "Max Memory Used".
pub fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no {field} for pid {pid}"))
}
