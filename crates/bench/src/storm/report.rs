//! A storm's figures, the checks `make storm` holds them to, and their Markdown.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::settings::StormSettings;

/// What one storm run measured.
#[derive(Debug, Serialize)]
pub struct StormFigures {
    /// What was run.
    pub settings: StormSettings,
    /// Deliveries answered 202.
    pub accepted: usize,
    /// Other answers, by status.
    pub refused: Vec<(u16, usize)>,
    /// Distinct jobs among the accepted deliveries.
    pub jobs: usize,
    /// Deliveries that repeated an earlier one.
    pub duplicates_sent: usize,
    /// Jobs analysed (succeeded in the jobs table).
    pub analysed: usize,
    /// Jobs recorded as failed.
    pub failed: usize,
    /// Accepted jobs neither analysed nor failed when the run ended (a cut-off run leaves some
    /// waiting on the queue).
    pub unfinished: usize,
    /// Messages still on the job queue when the run ended.
    pub queued_at_end: u64,
    /// Accepted jobs missing from the table, or unfinished with no message left to run them.
    pub lost: usize,
    /// Agent calls AgentCore admitted (each job should need exactly one).
    pub agent_calls: u64,
    /// Poison messages put on the queue.
    pub poison_sent: usize,
    /// Messages in the dead-letter queue at the end.
    pub dead_lettered: u64,
    /// Most sessions active at once on the emulator.
    pub peak_active_sessions: usize,
    /// 429 `ThrottlingException` answers.
    pub throttled: u64,
    /// 402 `ServiceQuotaExceededException` answers.
    pub quota_exceeded: u64,
    /// Sessions stopped with `StopRuntimeSession`.
    pub sessions_stopped: u64,
    /// From the first delivery to the last job finished; `None` when it did not drain.
    pub drain_s: Option<f64>,
    /// From the first delivery to the end of the run (the drain, or the cut-off).
    pub ran_s: f64,
    /// Distinct jobs ÷ the quota: the fastest any bridge could drain them.
    pub floor_s: f64,
    /// Peak memory of the largest webhook instance, MiB.
    pub webhook_peak_mib: f64,
    /// Peak memory of the largest worker instance, MiB.
    pub worker_peak_mib: f64,
}

impl StormFigures {
    /// Drain time over the floor.
    pub fn drain_ratio(&self) -> Option<f64> {
        self.drain_s.map(|d| d / self.floor_s)
    }

    /// What is wrong with the run, if anything: something lost, a job run twice, dead letters
    /// other than the poison, no drain, or (with `max_ratio`) a drain slower than that.
    pub fn problems(&self, max_ratio: Option<f64>) -> Vec<String> {
        let mut problems = vec![];
        if self.lost > 0 {
            problems.push(format!("{} accepted jobs lost", self.lost));
        }
        if self.accepted + self.refused.iter().map(|(_, n)| n).sum::<usize>()
            != self.settings.deliveries
        {
            problems.push("some deliveries got no answer".into());
        }
        if !self.refused.is_empty() {
            problems.push(format!("deliveries refused: {:?}", self.refused));
        }
        if self.agent_calls != self.jobs as u64 {
            problems.push(format!(
                "{} agent calls for {} jobs (duplicates must run once)",
                self.agent_calls, self.jobs
            ));
        }
        if self.dead_lettered != self.poison_sent as u64 {
            problems.push(format!(
                "{} dead-lettered for {} poison messages",
                self.dead_lettered, self.poison_sent
            ));
        }
        match (self.drain_ratio(), max_ratio) {
            (None, _) => problems.push("the queue did not drain".into()),
            (Some(r), Some(max)) if r > max => problems.push(format!(
                "drained in {r:.2}× the quota floor (target {max}×)"
            )),
            _ => {}
        }
        problems
    }
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}

/// One row of the table: its name, and its cell for a run.
type Row<'a> = (&'a str, &'a dyn Fn(&StormFigures) -> String);

/// The Markdown table of `runs`, one column each, named by `titles`.
pub fn markdown(runs: &[(&str, &StormFigures)]) -> String {
    let mut md = String::from("| | ");
    md += &runs.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(" | ");
    md += " |\n|---|";
    md += &"---:|".repeat(runs.len());
    md.push('\n');
    let rows: [Row; 17] = [
        ("deliveries sent (duplicates)", &|f| {
            format!("{} ({})", f.settings.deliveries, f.duplicates_sent)
        }),
        ("over", &|f| secs(f.settings.over)),
        ("accepted (202)", &|f| f.accepted.to_string()),
        ("distinct jobs", &|f| f.jobs.to_string()),
        ("analysed", &|f| f.analysed.to_string()),
        ("agent calls admitted", &|f| f.agent_calls.to_string()),
        ("unfinished at the end (messages still queued)", &|f| {
            format!("{} ({})", f.unfinished, f.queued_at_end)
        }),
        ("lost", &|f| f.lost.to_string()),
        ("poison put on the queue / dead-lettered", &|f| {
            format!("{} / {}", f.poison_sent, f.dead_lettered)
        }),
        ("peak active sessions", &|f| {
            f.peak_active_sessions.to_string()
        }),
        ("429 throttled / 402 over quota", &|f| {
            format!("{} / {}", f.throttled, f.quota_exceeded)
        }),
        ("sessions stopped", &|f| f.sessions_stopped.to_string()),
        ("quota (calls/s, scaled)", &|f| {
            format!("{:.0}", f.settings.quota_per_second())
        }),
        ("floor: jobs ÷ quota", &|f| format!("{:.1} s", f.floor_s)),
        ("time to drain", &|f| {
            f.drain_s
                .map_or(format!("cut off after {:.0} s", f.ran_s), |d| {
                    format!("{d:.1} s ({:.2}× floor)", d / f.floor_s)
                })
        }),
        ("webhook peak memory", &|f| {
            format!("{:.1} MiB", f.webhook_peak_mib)
        }),
        ("worker peak memory", &|f| {
            format!("{:.1} MiB", f.worker_peak_mib)
        }),
    ];
    for (name, value) in rows {
        let _ = write!(md, "| {name} |");
        for (_, f) in runs {
            let _ = write!(md, " {} |", value(f));
        }
        md.push('\n');
    }
    md
}

/// How to read the second column, when there is one.
const COMPARISON: &str = "\n## The second column\n\n\
With `RELEASE_SESSIONS=never` every delivery's session holds a slot for the idle timeout, so \
past the account's session quota every new session is refused (402) and the storm drains at \
the idle timeout's pace: hours at AWS's figures. Run whole, it would take this machine's whole \
time (every refused call costs the jobs table a put-back), so that run is the same storm shrunk \
five times, the session quota with it, cut off after a minute: the quota is reached, the rest \
waits on the queue (delayed put-backs, none lost, none dead-lettered but poison still being \
retried), which is what the default release avoids.\n";

/// `docs/storm.md`: what was run, how, on what, and the figures.
pub fn document(settings: &StormSettings, table: &str, machine: &str) -> String {
    let s = settings;
    format!(
        "# Incident storm (`make storm`)\n\n\
         What happens to a storm of tickets: every delivery accounted for, against AgentCore's \
         quotas.\n\n\
         ## Method\n\n\
         One machine ({machine}), everything on loopback: the local API Gateway (API key) → \
         {webhooks} instances of the release `webhook` binary (ServiceNow source in `async` mode) → \
         the jobs table and queue on moto's server → {workers} local SQS event source pollers \
         (batch size 1, the mapping's `MaximumConcurrency`) → {workers} instances of the release \
         `worker` binary → the AgentCore emulator enforcing its quotas: {tps} calls per second \
         per endpoint and {sessions} active sessions, idle timeout {idle:.0} s, every duration \
         divided by {scale} (so {rate:.0} calls per real second and a {idle_scaled:.0} s idle \
         timeout); its built-in agent takes {latency} ms per answer. {n} deliveries are sent \
         evenly over {over} s, {dup:.0} % of them repeating the delivery before (a sender's \
         retry: same body, same job), and {poison} poison messages ({poison_pct:.0} %) are put \
         straight on the queue (nothing the webhook accepts is poison). The queue's \
         `maxReceiveCount` is {receives}, the worker's timeout {timeout} s.\n\n\
         Counted: answers to the senders; jobs by status in the table (a job accepted and \
         neither analysed nor failed at the end is lost); agent calls the emulator admitted (one \
         per job when duplicates run once); the dead-letter queue's depth; the emulator's peak \
         of active sessions and its 429/402 answers; the drain time, from the first delivery to \
         the last job finished, against the floor of distinct jobs ÷ the quota; each function's \
         peak resident memory (`VmHWM`, what Lambda reports as Max Memory Used).\n\n\
         ## Figures\n\n{table}\n{COMPARISON}",
        webhooks = s.webhook_instances,
        workers = s.worker_concurrency,
        tps = s.tps,
        sessions = s.max_active_sessions,
        idle = s.idle_timeout.as_secs_f64(),
        scale = s.time_scale,
        rate = s.quota_per_second(),
        idle_scaled = s.idle_timeout.as_secs_f64() / s.time_scale,
        latency = s.agent_latency.as_millis(),
        n = s.deliveries,
        over = s.over.as_secs(),
        dup = s.duplicate_share * 100.0,
        poison = s.poison(),
        poison_pct = s.poison_share * 100.0,
        receives = s.max_receives,
        timeout = s.worker_timeout.as_secs(),
    )
}
