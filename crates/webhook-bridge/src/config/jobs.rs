//! The jobs table and queue (`JOBS_TABLE`, `JOBS_QUEUE_URL` and their tuning): idempotent
//! deliveries and, with a queue, asynchronous mode.

use std::time::Duration;

use super::vars::{ConfigError, Vars};

/// The jobs table and queue (see docs/async-and-jobs.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsConfig {
    /// `JOBS_TABLE`: the DynamoDB table holding one record per delivery.
    pub table: String,
    /// `JOBS_QUEUE_URL`: the SQS queue the worker consumes; without it only `sync` mode exists.
    pub queue_url: Option<String>,
    /// `JOB_TTL_SECONDS`: how long a delivery is remembered (retries within it are answered from
    /// the record); default 24 h.
    pub ttl: Duration,
    /// `JOB_LEASE_SECONDS`: how long a running job is considered alive before another attempt
    /// may take it over (set it to the worker's timeout); default 900 s.
    pub lease: Duration,
    /// `JOB_MAX_RECEIVES`: the queue's maxReceiveCount; the worker's last try records a failure
    /// instead of handing the job back; default 3.
    pub max_receives: u32,
    /// `JOB_THROTTLE_DELAY_SECONDS`: how long a job AgentCore throttled (or refused over quota)
    /// waits before its first retry; each further put-back doubles it, up to SQS's 15 minutes.
    /// Default 2 s.
    pub throttle_delay: Duration,
    /// `JOB_MAX_DEFERRALS`: put-backs for throttling before the job is recorded as failed;
    /// default 10 (with the default delay, about 40 minutes of waiting in all).
    pub max_deferrals: u32,
}

impl JobsConfig {
    /// The wait before a throttled job's next try, after `deferrals` earlier put-backs: the
    /// configured delay doubled per put-back, capped at SQS's longest delay, with up to a
    /// quarter added at random (`jitter` in 0..1) so a burst put back together does not come
    /// back together.
    pub fn throttle_backoff(&self, deferrals: u32, jitter: f64) -> Duration {
        let doubled = self
            .throttle_delay
            .saturating_mul(2u32.saturating_pow(deferrals.min(20)));
        let spread = doubled.mul_f64(1.0 + jitter.clamp(0.0, 1.0) / 4.0);
        spread.min(job_store::MAX_DELAY)
    }
}

/// `None` when neither the table nor the queue is set.
pub(super) fn load(vars: &Vars) -> Result<Option<JobsConfig>, ConfigError> {
    match (vars.get("JOBS_TABLE"), vars.get("JOBS_QUEUE_URL")) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(ConfigError::new(
            "JOBS_TABLE",
            "is required with JOBS_QUEUE_URL (the queue's jobs are recorded there)",
        )),
        (Some(table), queue_url) => Ok(Some(JobsConfig {
            table,
            queue_url,
            ttl: Duration::from_secs(vars.number("JOB_TTL_SECONDS", 86_400, 60, 2_592_000)?),
            lease: Duration::from_secs(vars.number("JOB_LEASE_SECONDS", 900, 1, 43_200)?),
            max_receives: vars.number("JOB_MAX_RECEIVES", 3, 1, 1_000)? as u32,
            throttle_delay: Duration::from_secs(vars.number(
                "JOB_THROTTLE_DELAY_SECONDS",
                2,
                1,
                900,
            )?),
            max_deferrals: vars.number("JOB_MAX_DEFERRALS", 10, 0, 100)? as u32,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(delay_secs: u64) -> JobsConfig {
        JobsConfig {
            table: "jobs".into(),
            queue_url: None,
            ttl: Duration::from_secs(60),
            lease: Duration::from_secs(60),
            max_receives: 3,
            throttle_delay: Duration::from_secs(delay_secs),
            max_deferrals: 10,
        }
    }

    #[test]
    fn throttle_backoff_doubles_per_put_back_spreads_by_a_quarter_and_stops_at_sqs_limit() {
        let c = config(2);
        assert_eq!(c.throttle_backoff(0, 0.0), Duration::from_secs(2));
        assert_eq!(c.throttle_backoff(3, 0.0), Duration::from_secs(16));
        assert_eq!(c.throttle_backoff(3, 1.0), Duration::from_secs(20));
        assert_eq!(c.throttle_backoff(9, 0.0), job_store::MAX_DELAY);
        assert_eq!(c.throttle_backoff(u32::MAX, 0.5), job_store::MAX_DELAY);
    }
}
