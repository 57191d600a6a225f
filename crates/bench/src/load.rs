//! `bridge-load`: many concurrent deliveries through several instances of the real binary under
//! one local Runtime API, counting every non-200 answer and watching memory for leaks.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bridge_bench::measure::rss_kib;
use bridge_bench::memory_cgroup::MemoryCgroup;
use bridge_bench::setup;
use bytes::Bytes;
use clap::Parser;
use local_lambda::{FunctionProcess, Outcome, RuntimeApi};

#[derive(Parser)]
#[command(about = "Load and leak check for the webhook bridge")]
struct Args {
    /// The webhook binary to run.
    #[arg(long, default_value = "target/release/webhook")]
    binary: PathBuf,
    /// The Lambda event every request sends.
    #[arg(long, default_value = "events/servicenow-incident.json")]
    event: PathBuf,
    /// Deliveries after the warm-up.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// Deliveries in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Function instances serving them (Lambda runs one request per instance at a time).
    #[arg(long, default_value_t = 4)]
    instances: usize,
    /// Largest RSS growth tolerated, in percent, from after warm-up to the end.
    #[arg(long, default_value_t = 10.0)]
    max_rss_growth: f64,
    /// Send one trace id for every request instead of a new one each time as Lambda does (the
    /// bridge's loop no longer puts it in the environment, where glibc kept every value).
    #[arg(long)]
    fixed_trace_id: bool,
    /// Run each instance in a memory cgroup of this many MiB (Lambda's memory size): an instance
    /// killed for going over fails the run. Skipped, saying why, where the machine has no
    /// writable memory cgroup.
    #[arg(long)]
    memory_limit_mib: Option<u64>,
    /// Append the figures to this Markdown file as a section (make bench: docs/benchmarks.md).
    #[arg(long)]
    report: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let event = setup::read_event(&args.event)?;
    let agentcore = setup::builtin_agentcore().await?;
    let runtime = Arc::new(RuntimeApi::start().await?);
    runtime.fixed_trace_id(args.fixed_trace_id);
    let env = setup::function_env(&agentcore);
    // Declared first, dropped last: a cgroup is removed once its instance has stopped.
    let mut cgroups = Vec::new();
    let mut functions = Vec::new();
    for i in 0..args.instances {
        let cmd = match args.memory_limit_mib {
            Some(mib) => match MemoryCgroup::create(
                &format!("bridge-load-{}-{i}", std::process::id()),
                mib * 1024 * 1024,
            ) {
                Ok(cgroup) => {
                    let mut cmd = cgroup.wrap(&args.binary);
                    cmd.stdout(Stdio::null()).stderr(Stdio::null());
                    cgroups.push(cgroup);
                    cmd
                }
                Err(e) => {
                    println!("memory limit skipped: {e:#}");
                    setup::quiet_command(&args.binary)
                }
            },
            None => setup::quiet_command(&args.binary),
        };
        functions.push(FunctionProcess::spawn_command(
            cmd,
            &runtime.address(),
            &env,
        )?);
    }
    let pids: Vec<u32> = functions.iter().filter_map(FunctionProcess::pid).collect();
    let total_rss =
        |pids: &[u32]| -> anyhow::Result<u64> { pids.iter().map(|p| rss_kib(*p)).sum() };

    // Warm every instance before the memory baseline.
    let warm = args.concurrency.max(args.instances) * 4;
    let (_, errors) = drive(&runtime, &event, warm, args.concurrency).await;
    anyhow::ensure!(errors == 0, "{errors} errors during warm-up");
    let rss_before = total_rss(&pids)?;

    let started = Instant::now();
    let (ok, errors) = drive(&runtime, &event, args.requests, args.concurrency).await;
    let elapsed = started.elapsed();
    let rss_after = total_rss(&pids)?;
    let growth = (rss_after as f64 - rss_before as f64) * 100.0 / rss_before as f64;
    println!(
        "{ok} ok, {errors} errors in {:.1} s ({:.0} req/s) over {} instances; RSS {:.1} → {:.1} MiB ({growth:+.1} %)",
        elapsed.as_secs_f64(),
        args.requests as f64 / elapsed.as_secs_f64(),
        args.instances,
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
    );
    println!("{ok} passed, {errors} failed");
    let limit = memory_limit_line(&cgroups, args.memory_limit_mib)?;
    if let Some(line) = &limit {
        println!("{line}");
    }
    if let Some(path) = &args.report {
        let trace = if args.fixed_trace_id {
            "one trace id for all requests"
        } else {
            "a new Lambda-style trace id per request"
        };
        let section = format!(
            "\n## Memory under load\n\n`bridge-load`: {} requests after warm-up, {} at a time, over {} instance(s) of `{}`, {trace}.\n\n\
             - RSS after warm-up {:.1} MiB, after the requests {:.1} MiB: {growth:+.1} % (target < 5 %: {})\n{}",
            args.requests,
            args.concurrency,
            args.instances,
            args.binary.display(),
            rss_before as f64 / 1024.0,
            rss_after as f64 / 1024.0,
            if growth < 5.0 { "met" } else { "**missed**" },
            limit.map(|l| format!("- {l}\n")).unwrap_or_default(),
        );
        let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
        std::io::Write::write_all(&mut file, section.as_bytes())?;
    }
    anyhow::ensure!(errors == 0, "{errors} requests failed");
    anyhow::ensure!(
        growth <= args.max_rss_growth,
        "RSS grew {growth:.1} % (limit {} %)",
        args.max_rss_growth
    );
    Ok(())
}

/// The memory-limit result: each instance's peak against the limit, and no instance killed.
fn memory_limit_line(
    cgroups: &[MemoryCgroup],
    limit_mib: Option<u64>,
) -> anyhow::Result<Option<String>> {
    let (Some(first), Some(limit)) = (cgroups.first(), limit_mib) else {
        return Ok(None);
    };
    let mut peak = 0;
    let mut kills = 0;
    for cgroup in cgroups {
        peak = peak.max(cgroup.peak_bytes()?);
        kills += cgroup.oom_kills()?;
    }
    anyhow::ensure!(
        kills == 0,
        "{kills} instance(s) killed over the {limit} MiB limit"
    );
    Ok(Some(format!(
        "inside a {limit} MiB limit each ({}): every request answered, no instance killed; at most {:.1} MiB charged to a cgroup (what the instance allocated and first read there; the binary's pages already in the page cache are charged elsewhere and are in the RSS above)",
        first.describe(),
        peak as f64 / (1024.0 * 1024.0)
    )))
}

/// Sends `n` deliveries, `concurrency` at a time; returns (successes, failures).
async fn drive(
    runtime: &Arc<RuntimeApi>,
    event: &Bytes,
    n: usize,
    concurrency: usize,
) -> (usize, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (runtime, event, next, ok, failed) = (
                runtime.clone(),
                event.clone(),
                next.clone(),
                ok.clone(),
                failed.clone(),
            );
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::SeqCst) < n {
                    let success = match runtime.invoke(event.clone(), Duration::from_secs(30)).await
                    {
                        Ok(Outcome::Response(doc)) => {
                            serde_json::from_slice::<serde_json::Value>(&doc)
                                .is_ok_and(|v| v["statusCode"] == 200)
                        }
                        _ => false,
                    };
                    let counter = if success { &ok } else { &failed };
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst))
}
