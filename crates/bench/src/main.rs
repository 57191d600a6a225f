//! `bridge-bench`: measures the release webhook binary and the Python baseline on the same local
//! Lambda Runtime API, against the same local AgentCore with an instant built-in agent served over
//! HTTPS (as AgentCore is, so init and the first request include the TLS handshake), and writes
//! `docs/benchmarks.md` (and `.json` for the chart). One variant runs against a second,
//! plain-HTTP AgentCore so the TLS cost shows, and one (when built) is the bridge with AWS-LC's
//! CPU-jitter entropy on. Then the streaming entry point: the release `stream` binary behind a
//! local Function URL, its per-chunk forwarding latency and time to first content, beside the
//! buffered invoke API through the REST gateway. The performance page's figures between
//! `<!-- bench:start -->` and `<!-- bench:end -->` are refreshed too.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;

use bridge_bench::measure::{self, FunctionSpec};
use bridge_bench::{report, setup, stats};

#[derive(Parser)]
#[command(about = "Benchmark the webhook bridge against a Python baseline")]
struct Args {
    /// The release webhook binary.
    #[arg(long, default_value = "target/release/webhook")]
    rust_binary: PathBuf,
    /// The release streaming binary (Function URL, RESPONSE_STREAM).
    #[arg(long, default_value = "target/release/stream")]
    stream_binary: PathBuf,
    /// The floor: the Lambda runtime and an echo handler, built like the webhook.
    #[arg(long, default_value = "target/release/bench-noop")]
    noop_binary: PathBuf,
    /// The webhook built with AWS-LC's CPU-jitter entropy on (`AWS_LC_SYS_NO_JITTER_ENTROPY=0`),
    /// measured as `rust_jitter_on` beside the default build; left out when not given.
    #[arg(long)]
    jitter_on_binary: Option<PathBuf>,
    /// The webhook built with every crate at opt-level 3 instead of the size profile, measured
    /// as `rust_opt3` beside the default build; left out when not given.
    #[arg(long)]
    opt3_binary: Option<PathBuf>,
    /// Streams per streaming measurement.
    #[arg(long, default_value_t = 200)]
    streams: usize,
    /// A Python with awslambdaric and boto3.
    #[arg(long, default_value = ".venv-bench/bin/python")]
    python: PathBuf,
    /// Directory of the baseline's handler.py.
    #[arg(long, default_value = "crates/bench/baseline")]
    baseline_dir: PathBuf,
    /// The Lambda event every request sends.
    #[arg(long, default_value = "events/servicenow-incident.json")]
    event: PathBuf,
    /// Cold starts per function (figures are medians over them).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Warm requests after each cold start.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// A deployment zip to report, as `label=path` (e.g. `webhook arm64=target/webhook-arm64.zip`);
    /// repeatable.
    #[arg(long = "zip")]
    zips: Vec<String>,
    /// The webhook built with symbols (`--profile callgrind`): counts its instructions per
    /// request with callgrind when given (with `--callgrind-floor`).
    #[arg(long)]
    callgrind_bridge: Option<PathBuf>,
    /// The no-op floor built with symbols, counted beside `--callgrind-bridge`.
    #[arg(long)]
    callgrind_floor: Option<PathBuf>,
    /// Where to write the report (.md and .json).
    #[arg(long, default_value = "docs/benchmarks")]
    out: PathBuf,
    /// The page whose bench block (between its markers) gets the new figures; skipped when
    /// the file or its markers are missing.
    #[arg(long, default_value = "docs/performance.md")]
    readme: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.rust_binary.is_file(),
        "{} is missing: cargo build --release --bin webhook",
        args.rust_binary.display()
    );
    anyhow::ensure!(
        args.stream_binary.is_file(),
        "{} is missing: cargo build --release --bin stream",
        args.stream_binary.display()
    );
    anyhow::ensure!(
        args.noop_binary.is_file(),
        "{} is missing: cargo build --release --bin bench-noop",
        args.noop_binary.display()
    );
    anyhow::ensure!(
        args.python.is_file(),
        "{} is missing: make bench creates .venv-bench",
        args.python.display()
    );
    for variant in [&args.jitter_on_binary, &args.opt3_binary]
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            variant.is_file(),
            "{} is missing: make bench builds it",
            variant.display()
        );
    }
    let event = setup::read_event(&args.event)?;
    // Every function measured reaches AgentCore over TLS, as deployed; one variant reaches a
    // plain-HTTP twin instead, so that the TLS cost is a difference within one run.
    let agentcore = setup::builtin_agentcore_https().await?;
    let plain_agentcore = setup::builtin_agentcore().await?;
    let common = setup::function_env(&agentcore);
    let plain = setup::plain_function_env(&plain_agentcore, &agentcore);
    let binary = |program: &Path, env: &[(String, String)], extra: &[(&str, &str)]| FunctionSpec {
        program: program.display().to_string(),
        args: vec![],
        cwd: None,
        env: env
            .iter()
            .cloned()
            .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
    };
    // The same binary with one setting changed (the warm-up off, EMF metrics on, sessions not
    // released), to measure what each costs side by side.
    let rust = |extra: &[(&str, &str)]| binary(&args.rust_binary, &common, extra);
    let python = FunctionSpec {
        // Absolute but not canonical: a venv's python is a symlink whose target lacks the venv.
        program: std::path::absolute(&args.python)?.display().to_string(),
        args: vec!["-m".into(), "awslambdaric".into(), "handler.handler".into()],
        cwd: Some(args.baseline_dir.display().to_string()),
        env: common.clone(),
    };

    let noop = binary(&args.noop_binary, &common, &[]);

    let mut results = report::Results::default();
    let mut variants = vec![
        ("noop", noop),
        ("rust", rust(&[])),
        (
            "rust_metrics",
            rust(&[("METRICS_NAMESPACE", "AgentCoreBridge")]),
        ),
        ("rust_no_warm_up", rust(&[("AGENT_WARM_UP", "false")])),
        ("rust_no_release", rust(&[("RELEASE_SESSIONS", "never")])),
        ("rust_plain_http", binary(&args.rust_binary, &plain, &[])),
    ];
    if let Some(jitter) = &args.jitter_on_binary {
        variants.push(("rust_jitter_on", binary(jitter, &common, &[])));
    }
    if let Some(opt3) = &args.opt3_binary {
        variants.push(("rust_opt3", binary(opt3, &common, &[])));
    }
    variants.push(("python", python));
    // Round-robin: each round starts every variant once, so a drift in the machine's speed over
    // the run (it is shared) falls on all of them alike instead of on whichever ran last.
    for i in 0..args.runs {
        for (name, spec) in &variants {
            let run = measure::run(spec, &event, args.requests)
                .await
                .with_context(|| format!("{name} run {i}"))?;
            eprintln!(
                "{name} run {i}: init {:.1} ms, first {:.2} ms, warm p50 {:.3} ms",
                run.init_ms,
                run.first_request_ms,
                stats::median(&run.warm_ms)
            );
            results
                .runs
                .entry((*name).to_owned())
                .or_default()
                .push(run);
        }
    }
    let body = serde_json::from_slice::<serde_json::Value>(&event)?["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    results.breakdown =
        Some(bridge_bench::breakdown::measure(body.as_bytes(), &agentcore, args.requests).await?);
    let streaming = bridge_bench::streaming::measure(
        &args.stream_binary,
        &args.rust_binary,
        &agentcore,
        &common,
        args.streams,
    )
    .await
    .context("streaming")?;
    eprintln!(
        "streaming: chunk p50 {:.3} ms, first content p50 {:.3} ms",
        stats::median(&streaming.chunk_ms),
        stats::median(&streaming.first_content_ms)
    );
    results.streaming = Some(streaming);
    for zip in &args.zips {
        let (label, path) = zip
            .split_once('=')
            .with_context(|| format!("--zip {zip}: expected label=path"))?;
        let bytes = std::fs::metadata(path)
            .with_context(|| path.to_owned())?
            .len();
        results.zips.push((label.to_owned(), bytes));
    }
    if let (Some(bridge), Some(floor)) = (&args.callgrind_bridge, &args.callgrind_floor) {
        let counted = bridge_bench::instructions::measure(
            bridge,
            floor,
            &common,
            &event,
            &std::path::Path::new("target").join("callgrind-runs"),
        )
        .await
        .context("instruction counts")?;
        eprintln!(
            "instructions per request: bridge {:.0}, floor {:.0}",
            counted.bridge.per_request, counted.floor.per_request
        );
        results.instructions = Some(counted);
    }
    results.requests = args.requests;
    report::write(&results, &args.out)?;
    if report::update_readme(&results, &args.readme)? {
        eprintln!("updated the bench block in {}", args.readme.display());
    }
    println!(
        "{}",
        std::fs::read_to_string(args.out.with_extension("md"))?
    );
    Ok(())
}
