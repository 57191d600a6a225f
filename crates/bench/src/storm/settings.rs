//! What a storm run is: how many deliveries over how long, what share are duplicates and poison,
//! AgentCore's quotas (time-scaled) and how the stack is sized.

use std::time::Duration;

/// One storm's settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StormSettings {
    /// Deliveries sent through the API (duplicates included).
    pub deliveries: usize,
    /// Over how long they are sent, evenly paced.
    pub over: Duration,
    /// Share of deliveries that repeat an earlier one (a sender's retry), 0–1.
    pub duplicate_share: f64,
    /// Poison messages put straight on the queue, as a share of deliveries (0–1): nothing the
    /// webhook accepts is poison, so they are what a broken producer would leave there.
    pub poison_share: f64,
    /// AgentCore's `InvokeAgentRuntime` quota per endpoint, per (scaled) second.
    pub tps: u32,
    /// AgentCore's active-session quota for the account.
    pub max_active_sessions: usize,
    /// The session idle timeout before scaling (AWS's default is 900 s).
    pub idle_timeout: Duration,
    /// Divides every AgentCore duration: 4 makes the quota 4× the calls per real second and
    /// the idle timeout a quarter as long.
    pub time_scale: f64,
    /// How long the agent takes to answer (real time).
    pub agent_latency: Duration,
    /// Webhook function instances.
    pub webhook_instances: usize,
    /// Worker concurrency (instances, each with its own poller: the mapping's
    /// `MaximumConcurrency`).
    pub worker_concurrency: usize,
    /// Receives before SQS moves a message to the dead-letter queue (`JobMaxReceives`).
    pub max_receives: u32,
    /// The worker's timeout, and the mapping's visibility timeout.
    pub worker_timeout: Duration,
    /// `RELEASE_SESSIONS` for both functions.
    pub release_sessions: String,
}

impl StormSettings {
    /// Agent calls per real second the quota allows.
    pub fn quota_per_second(&self) -> f64 {
        f64::from(self.tps) * self.time_scale
    }

    /// The fastest possible drain of `jobs` distinct jobs: one agent call each at the quota.
    pub fn floor(&self, jobs: usize) -> Duration {
        Duration::from_secs_f64(jobs as f64 / self.quota_per_second())
    }

    /// How many of the deliveries repeat an earlier one.
    pub fn duplicates(&self) -> usize {
        (self.deliveries as f64 * self.duplicate_share).round() as usize
    }

    /// How many poison messages are put on the queue.
    pub fn poison(&self) -> usize {
        (self.deliveries as f64 * self.poison_share).round() as usize
    }
}
