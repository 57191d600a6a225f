//! `bridge-load`: many concurrent deliveries through several instances of the real binary under
//! one local Runtime API, counting every non-200 answer and watching memory for leaks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bridge_bench::measure::rss_kib;
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
    /// Send one trace id for every request: takes lambda_runtime's environment-variable growth
    /// (a new `_X_AMZN_TRACE_ID` per invocation, never freed by glibc) out of the measurement, so
    /// it checks the bridge's own code.
    #[arg(long)]
    fixed_trace_id: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let event = setup::read_event(&args.event)?;
    let agentcore = setup::builtin_agentcore().await?;
    let runtime = Arc::new(RuntimeApi::start().await?);
    runtime.fixed_trace_id(args.fixed_trace_id);
    let env = setup::function_env(&agentcore);
    let mut functions = Vec::new();
    for _ in 0..args.instances {
        let cmd = setup::quiet_command(&args.binary);
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
    anyhow::ensure!(errors == 0, "{errors} requests failed");
    anyhow::ensure!(
        growth <= args.max_rss_growth,
        "RSS grew {growth:.1} % (limit {} %)",
        args.max_rss_growth
    );
    Ok(())
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
