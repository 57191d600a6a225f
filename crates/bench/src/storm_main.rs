//! `bridge-storm`: an incident storm through the asynchronous path as deployed (local API Gateway
//! → webhook → SQS on moto → event source mapping → worker → the AgentCore emulator with its
//! quotas, time-scaled), and what became of every delivery. `make storm` runs it at full size and
//! writes `docs/storm.md` and `.json`; `make test` runs a short one.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use bridge_bench::report::{machine, update_readme_block};
use bridge_bench::storm::load;
use bridge_bench::storm::report::{StormFigures, document, markdown};
use bridge_bench::storm::settings::StormSettings;
use bridge_bench::storm::stack::{Binaries, STORM_API_KEY, StormStack};
use bridge_bench::storm::tally;

/// How much smaller the comparison storm (sessions left to idle out) is.
const COMPARISON_SHRINK: usize = 5;
/// When the comparison storm is cut off, from its first delivery.
const COMPARISON_CUTOFF: Duration = Duration::from_secs(60);

#[derive(Parser)]
#[command(about = "Send an incident storm through the bridge and account for every delivery")]
struct Args {
    /// Deliveries sent through the API, duplicates included.
    #[arg(long, default_value_t = 5_000)]
    deliveries: usize,
    /// Seconds over which they are sent.
    #[arg(long, default_value_t = 60)]
    over_secs: u64,
    /// Share of deliveries repeating an earlier one (0–1).
    #[arg(long, default_value_t = 0.2)]
    duplicates: f64,
    /// Poison messages put on the queue, as a share of deliveries (0–1).
    #[arg(long, default_value_t = 0.05)]
    poison: f64,
    /// AgentCore's invocations per second per endpoint (AWS's default: 25).
    #[arg(long, default_value_t = 25)]
    tps: u32,
    /// AgentCore's active sessions per account (AWS's default: 1,000 in us-east-1).
    #[arg(long, default_value_t = 1_000)]
    max_active_sessions: usize,
    /// The session idle timeout, before scaling (AWS's default: 900 s).
    #[arg(long, default_value_t = 900)]
    idle_timeout_secs: u64,
    /// Divides AgentCore's durations (its rate window, the idle timeout); 1 is AWS's figures.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// How long the agent takes per answer, ms.
    #[arg(long, default_value_t = 200)]
    agent_latency_ms: u64,
    /// Webhook instances.
    #[arg(long, default_value_t = 4)]
    webhook_instances: usize,
    /// Worker concurrency (the mapping's MaximumConcurrency).
    #[arg(long, default_value_t = 16)]
    worker_concurrency: usize,
    /// Receives before a message is dead-lettered (JobMaxReceives).
    #[arg(long, default_value_t = 3)]
    max_receives: u32,
    /// The worker's timeout (and the mapping's visibility timeout), s.
    #[arg(long, default_value_t = 6)]
    worker_timeout_secs: u64,
    /// Also run the same storm with sessions left to idle out (RELEASE_SESSIONS=never).
    #[arg(long)]
    compare_unreleased: bool,
    /// Fail unless the drain took at most this many times the quota floor.
    #[arg(long)]
    max_drain_ratio: Option<f64>,
    /// The webhook binary.
    #[arg(long, default_value = "target/release/webhook")]
    webhook: PathBuf,
    /// The worker binary.
    #[arg(long, default_value = "target/release/worker")]
    worker: PathBuf,
    /// Where to write the report (.md and .json); nothing is written when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// A README whose storm block (between its markers) gets the figures.
    #[arg(long)]
    readme: Option<PathBuf>,
}

impl Args {
    fn settings(&self, release_sessions: &str) -> StormSettings {
        StormSettings {
            deliveries: self.deliveries,
            over: Duration::from_secs(self.over_secs),
            duplicate_share: self.duplicates,
            poison_share: self.poison,
            tps: self.tps,
            max_active_sessions: self.max_active_sessions,
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            time_scale: self.time_scale,
            agent_latency: Duration::from_millis(self.agent_latency_ms),
            webhook_instances: self.webhook_instances,
            worker_concurrency: self.worker_concurrency,
            max_receives: self.max_receives,
            worker_timeout: Duration::from_secs(self.worker_timeout_secs),
            release_sessions: release_sessions.to_owned(),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for bin in [&args.webhook, &args.worker] {
        anyhow::ensure!(
            bin.is_file(),
            "{} is missing: build it first",
            bin.display()
        );
    }
    let bins = Binaries {
        webhook: args.webhook.clone(),
        worker: args.worker.clone(),
    };
    let released = storm(args.settings("unused"), &bins, None).await?;
    eprintln!("{}", markdown(&[("sessions released", &released)]));
    // Left to idle out, sessions run into the account's quota and the storm drains at the idle
    // timeout's pace (hours at AWS's figures), while every refused call costs the jobs table a
    // put-back: on this machine that would take the run's whole time. So the comparison is the
    // same storm shrunk by COMPARISON_SHRINK, the account's session quota with it, cut off after
    // a minute: what was done by then, what waits on the queue, what was refused.
    let unreleased = match args.compare_unreleased {
        true => {
            let mut settings = args.settings("never");
            settings.deliveries /= COMPARISON_SHRINK;
            settings.over /= COMPARISON_SHRINK as u32;
            settings.max_active_sessions /= COMPARISON_SHRINK;
            Some(storm(settings, &bins, Some(COMPARISON_CUTOFF)).await?)
        }
        false => None,
    };
    let mut runs = vec![("sessions released (default)", &released)];
    if let Some(u) = &unreleased {
        runs.push((
            "left to idle out (a fifth of the storm and of the session quota)",
            u,
        ));
    }
    let table = markdown(&runs);
    println!("{table}");
    if let Some(out) = &args.out {
        let doc = document(&released.settings, &table, &machine());
        std::fs::write(out.with_extension("md"), doc).with_context(|| out.display().to_string())?;
        let json = serde_json::json!({"released": released, "unreleased": unreleased});
        std::fs::write(
            out.with_extension("json"),
            serde_json::to_string_pretty(&json)?,
        )?;
    }
    if let Some(readme) = &args.readme {
        let block = format!("{table}\nMethod and settings: `docs/storm.md`, `docs/storm.json`.\n");
        update_readme_block(readme, "storm", &block)?;
    }
    let problems = released.problems(args.max_drain_ratio);
    for p in &problems {
        eprintln!("storm: {p}");
    }
    anyhow::ensure!(problems.is_empty(), "the storm was not absorbed");
    println!("storm: 0 lost, duplicates run once, only poison dead-lettered");
    Ok(())
}

/// One storm from a fresh stack, waited on until it drains or, given a `cutoff`, until then.
async fn storm(
    settings: StormSettings,
    bins: &Binaries,
    cutoff: Option<Duration>,
) -> anyhow::Result<StormFigures> {
    eprintln!(
        "storm: {} deliveries over {:?}, quota {:.0} calls/s, RELEASE_SESSIONS={}",
        settings.deliveries,
        settings.over,
        settings.quota_per_second(),
        settings.release_sessions
    );
    let stack = StormStack::start(&settings, bins).await?;
    let sent = load::send(
        &settings,
        &stack.api,
        STORM_API_KEY,
        &stack.sqs,
        &stack.queues.url,
    )
    .await;
    let floor = settings.floor(sent.job_ids.len());
    // Long enough for a healthy drain several times over; a stuck one is reported, not awaited.
    let limit = cutoff.unwrap_or(settings.over + floor.mul_f64(3.0) + Duration::from_secs(30));
    let (drain, outcomes) = tally::drain(&stack, &sent, limit).await;
    let ran = sent.started.map_or(Duration::ZERO, |s| s.elapsed());
    let poison_wait = settings.worker_timeout * (settings.max_receives + 2);
    let dead = tally::dead_lettered(&stack, sent.poison_sent as u64, poison_wait).await;
    let queued_at_end = local_moto::depth(&stack.sqs, &stack.queues.url).await;
    let stats = stack.agentcore.quota_stats();
    let mut refused: Vec<_> = sent.refused.iter().map(|(s, n)| (*s, *n)).collect();
    refused.sort();
    let finished = outcomes.count("succeeded") + outcomes.count("failed");
    let unfinished = sent.job_ids.len() - finished - outcomes.missing;
    // Poison messages still on the queue do not run a job.
    let runnable = queued_at_end.saturating_sub((sent.poison_sent as u64).saturating_sub(dead));
    let lost = outcomes.missing + unfinished.saturating_sub(runnable as usize);
    Ok(StormFigures {
        accepted: sent.accepted,
        refused,
        jobs: sent.job_ids.len(),
        duplicates_sent: sent.duplicates_sent,
        analysed: outcomes.count("succeeded"),
        failed: outcomes.count("failed"),
        unfinished,
        queued_at_end,
        lost,
        agent_calls: stats.admitted,
        poison_sent: sent.poison_sent,
        dead_lettered: dead,
        peak_active_sessions: stats.peak_active_sessions,
        throttled: stats.throttled,
        quota_exceeded: stats.quota_exceeded,
        sessions_stopped: stats.stopped,
        drain_s: drain.map(|d| d.as_secs_f64()),
        ran_s: ran.as_secs_f64(),
        floor_s: floor.as_secs_f64(),
        webhook_peak_mib: tally::peak_memory_mib(&stack.webhooks),
        worker_peak_mib: tally::peak_memory_mib(&stack.workers),
        settings,
    })
}
