//! The jobs table and queue (`JOBS_TABLE`, `JOBS_QUEUE_URL` and their tuning): idempotent
//! deliveries and, with a queue, asynchronous mode.

use std::time::Duration;

use super::vars::{ConfigError, Vars};

/// The jobs table and queue (see the README's asynchronous mode section).
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
        })),
    }
}
