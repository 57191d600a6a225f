//! After the storm: waiting for the queue to drain, then counting what became of every job from
//! the jobs table, the dead-letter queue, the emulator's quota figures and the functions' peak
//! memory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;

use super::load::Sent;
use super::stack::StormStack;
use crate::measure::peak_rss_kib;

/// How often the drain is checked (a measurement's sampling, not a synchronisation).
const SAMPLE: Duration = Duration::from_millis(250);

/// The jobs table's view of the accepted jobs.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcomes {
    /// Jobs by status (`succeeded`, `failed`, `queued`, `running`).
    pub by_status: HashMap<String, usize>,
    /// Accepted jobs the table does not hold at all.
    pub missing: usize,
}

impl Outcomes {
    /// Jobs with `status`.
    pub fn count(&self, status: &str) -> usize {
        self.by_status.get(status).copied().unwrap_or(0)
    }
}

/// Waits until every accepted job is finished (succeeded or failed) or `limit` passes; how long
/// that took from the first delivery, and the peak of active sessions sampled meanwhile.
pub async fn drain(
    stack: &StormStack,
    sent: &Sent,
    limit: Duration,
) -> (Option<Duration>, Outcomes) {
    let started = sent.started.unwrap_or_else(Instant::now);
    let jobs = sent.job_ids.len() as u64;
    loop {
        let stats = stack.agentcore.quota_stats();
        if stats.admitted >= jobs {
            let outcomes = outcomes(stack, sent).await;
            if outcomes.count("succeeded") + outcomes.count("failed") == sent.job_ids.len() {
                return (Some(started.elapsed()), outcomes);
            }
        }
        if started.elapsed() > limit {
            return (None, outcomes(stack, sent).await);
        }
        tokio::time::sleep(SAMPLE).await;
    }
}

/// Reads every accepted job's status from the table.
pub async fn outcomes(stack: &StormStack, sent: &Sent) -> Outcomes {
    let mut statuses: HashMap<String, String> = HashMap::new();
    let mut start: Option<HashMap<String, AttributeValue>> = None;
    loop {
        let page = stack
            .dynamodb
            .scan()
            .table_name(&stack.table)
            .set_exclusive_start_key(start.take())
            .send()
            .await;
        let Ok(page) = page else { break };
        for item in page.items() {
            let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
            if let (Some(id), Some(status)) = (text("job_id"), text("status")) {
                statuses.insert(id, status);
            }
        }
        match page.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => break,
        }
    }
    let mut outcomes = Outcomes::default();
    for job in &sent.job_ids {
        match statuses.get(job) {
            Some(status) => *outcomes.by_status.entry(status.clone()).or_default() += 1,
            None => outcomes.missing += 1,
        }
    }
    outcomes
}

/// Messages in the dead-letter queue once it has them all, waiting up to `limit` for `expected`.
pub async fn dead_lettered(stack: &StormStack, expected: u64, limit: Duration) -> u64 {
    let until = Instant::now() + limit;
    loop {
        let depth = local_moto::depth(&stack.sqs, &stack.queues.dlq_url).await;
        if depth >= expected || Instant::now() > until {
            return depth;
        }
        tokio::time::sleep(SAMPLE).await;
    }
}

/// The largest peak resident memory among `functions`, in MiB.
pub fn peak_memory_mib(functions: &[local_lambda::FunctionProcess]) -> f64 {
    functions
        .iter()
        .filter_map(|f| f.pid())
        .filter_map(|pid| peak_rss_kib(pid).ok())
        .max()
        .unwrap_or(0) as f64
        / 1024.0
}
