//! The worker Lambda: consumes the job queue, runs each job's agent call with the long deadline,
//! records the outcome in the jobs table and writes the analysis back to the ticket.
//!
//! Every step is safe to repeat, because SQS delivers at least once and a worker can die at any
//! point: a job runs only under a lease (`start_attempt`), a finished job is never run again, and
//! a write-back that failed is retried on redelivery without calling the agent again. Messages
//! that fail are reported as batch item failures; after `JOB_MAX_RECEIVES` receives the worker
//! records the failure instead, and SQS moves a message that still fails (a poison message) to
//! the dead-letter queue.

use std::time::{Duration, Instant, SystemTime};

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use job_store::{JobMessage, JobRecord, StoreError, WriteBack, WriteBackStatus};
use ticket_prompt::Source;

use crate::agent::{AgentCall, AgentClient, AgentFailure, TraceContext};
use crate::config::{Config, ConfigError};
use crate::error::BridgeError;
use crate::handler::{effective_deadline, log_agent_failure};
use crate::jobs::Jobs;
use crate::secrets::SecretStore;
use crate::write_back::{Target, WriteBackClient, WriteBackError, request};
use crate::write_back_credentials::WriteBackCredentials;

/// Kept back from the Lambda deadline to record the outcome after the agent call: a tenth of the
/// time left, at least 1.5 s and at most 10 s.
const MARGIN_MIN: Duration = Duration::from_millis(1500);
const MARGIN_MAX: Duration = Duration::from_secs(10);

/// The worker and what it holds across invocations.
pub struct Worker {
    ready: Result<Parts, ConfigError>,
}

struct Parts {
    config: Config,
    agent: AgentClient,
    jobs: Jobs,
    credentials: WriteBackCredentials,
    http: WriteBackClient,
}

/// A message to hand back to SQS (redelivered after the visibility timeout).
struct Retry;

impl Worker {
    pub fn new(config: Config, sdk_config: &SdkConfig) -> Worker {
        Worker::from_parts(config, sdk_config, sdk_config, SecretStore::new(sdk_config))
    }

    /// As [`Worker::new`], with the jobs table and queue reached through `jobs_sdk` and the secret
    /// store given separately (tests put each on its own local server).
    pub fn from_parts(
        config: Config,
        sdk_config: &SdkConfig,
        jobs_sdk: &SdkConfig,
        secrets: SecretStore,
    ) -> Worker {
        let Some(jobs_config) = &config.jobs else {
            return Worker::misconfigured(ConfigError {
                variable: "JOBS_TABLE",
                problem: "is required by the worker".into(),
            });
        };
        let jobs = Jobs::new(jobs_sdk, jobs_config);
        Worker {
            ready: Ok(Parts {
                agent: AgentClient::new(sdk_config, &config),
                credentials: WriteBackCredentials::new(&config.sources, secrets),
                http: WriteBackClient::default(),
                jobs,
                config,
            }),
        }
    }

    /// A worker that hands every message back (so they reach the dead-letter queue, not the
    /// bin) and logs why.
    pub fn misconfigured(err: ConfigError) -> Worker {
        Worker { ready: Err(err) }
    }

    pub async fn from_env() -> Worker {
        match Config::from_env() {
            Ok(config) => {
                let sdk_config = crate::agent::sdk_defaults(&config).load().await;
                Worker::new(config, &sdk_config)
            }
            Err(err) => Worker::misconfigured(err),
        }
    }

    /// One batch. `deadline_ms` is the Lambda deadline (epoch ms; 0 when unknown).
    pub async fn handle(&self, event: SqsEvent, deadline_ms: u64) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let outcome = match &self.ready {
                Ok(parts) => parts.process(&message, deadline_ms).await,
                Err(err) => {
                    tracing::error!(variable = err.variable, problem = %err.problem, "worker misconfigured; message handed back");
                    Err(Retry)
                }
            };
            if outcome.is_err() {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
        response
    }
}

impl Parts {
    async fn process(&self, message: &SqsMessage, deadline_ms: u64) -> Result<(), Retry> {
        let started = Instant::now();
        let receives: u32 = message
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let last_try = receives >= self.jobs.config.max_receives;
        let body = message.body.as_deref().unwrap_or("");
        let job = match JobMessage::from_sqs_body(body) {
            Ok(job) => job,
            Err(e) => {
                // Nothing to record it against: SQS moves it to the dead-letter queue.
                tracing::error!(error = %e, receives, "poison message: not a job");
                return Err(Retry);
            }
        };
        let Some(source) = Source::from_segment(&job.source) else {
            tracing::error!(job_id = job.job_id, "poison message: unknown source");
            return Err(Retry);
        };
        let lease = self.jobs.config.lease;
        let started_job = self
            .jobs
            .store
            .start_attempt(&job.job_id, lease, SystemTime::now())
            .await
            .map_err(|e| store_failed(&job.job_id, &e))?;
        let Some(record) = started_job else {
            // Running elsewhere, or finished: only a pending write-back may be left to do.
            let record = self
                .jobs
                .store
                .get(&job.job_id)
                .await
                .map_err(|e| store_failed(&job.job_id, &e))?;
            return match record {
                Some(r) if self.credentials.configured(source) && needs_write_back(&job, &r) => {
                    self.write_back(source, &job, &r, last_try).await
                }
                _ => {
                    tracing::info!(
                        job_id = job.job_id,
                        receives,
                        "duplicate message: job already taken"
                    );
                    Ok(())
                }
            };
        };
        let attempt = record.attempts;
        let call = AgentCall {
            endpoint: self.config.default_endpoint(),
            session_id: job.session_id.clone(),
            payload: serde_json::to_vec(&job.payload).unwrap_or_default(),
            user_id: job.user_id.clone(),
            trace: TraceContext::default(),
        };
        let deadline = agent_deadline(self.config.agent_timeout, deadline_ms);
        let result = self.agent.invoke(&call, deadline).await;
        let now = SystemTime::now();
        let outcome = match result {
            Ok(reply) => {
                match self
                    .jobs
                    .store
                    .succeed(&job.job_id, attempt, &reply.answer.text, now)
                    .await
                {
                    Ok(record)
                        if job.write_back.is_some() && self.credentials.configured(source) =>
                    {
                        self.write_back(source, &job, &record, last_try).await
                    }
                    Ok(_) => Ok(()),
                    Err(StoreError::TooLarge { .. }) => {
                        let err = BridgeError::Agent(crate::agent::AgentError::new(
                            AgentFailure::AnswerTooLarge,
                            "the analysis is larger than a job record holds",
                        ));
                        self.record_failure(&job.job_id, attempt, &err).await
                    }
                    // Another attempt took the job over meanwhile: its outcome wins.
                    Err(StoreError::Conflict { .. }) => Ok(()),
                    Err(e) => Err(store_failed(&job.job_id, &e)),
                }
            }
            Err(e) => {
                log_agent_failure(&e);
                let retryable = matches!(
                    e.failure,
                    AgentFailure::Throttled
                        | AgentFailure::Unavailable
                        | AgentFailure::SessionBusy
                        | AgentFailure::StreamInterrupted
                        | AgentFailure::RuntimeFailed
                        | AgentFailure::Timeout
                );
                let err = BridgeError::Agent(e);
                if retryable && !last_try {
                    let _ = self.jobs.store.release(&job.job_id, attempt, now).await;
                    Err(Retry)
                } else {
                    self.record_failure(&job.job_id, attempt, &err).await
                }
            }
        };
        tracing::info!(
            job_id = job.job_id,
            source = source.as_str(),
            ticket = job.ticket_id,
            attempt,
            receives,
            handed_back = outcome.is_err(),
            latency_ms = started.elapsed().as_millis() as u64,
            "job handled"
        );
        outcome
    }

    async fn record_failure(
        &self,
        job_id: &str,
        attempt: u32,
        err: &BridgeError,
    ) -> Result<(), Retry> {
        self.jobs
            .store
            .fail(
                job_id,
                attempt,
                err.code(),
                &err.public_message(),
                SystemTime::now(),
            )
            .await
            .map(drop)
            .or_else(|e| match e {
                StoreError::Conflict { .. } => Ok(()),
                e => Err(store_failed(job_id, &e)),
            })
    }

    /// Posts the analysis to the ticket and records how that went. Transient failures hand the
    /// message back (the agent is not called again: the job is already succeeded).
    async fn write_back(
        &self,
        source: Source,
        job: &JobMessage,
        record: &JobRecord,
        last_try: bool,
    ) -> Result<(), Retry> {
        let Some(target) = job
            .write_back
            .clone()
            .and_then(|v| serde_json::from_value::<Target>(v).ok())
        else {
            return Ok(());
        };
        let attempts = record.write_back.as_ref().map_or(0, |w| w.attempts) + 1;
        let mut state = WriteBack {
            target: target.name().to_owned(),
            status: WriteBackStatus::Pending,
            attempts,
            last_error_code: None,
        };
        let result = match self.credentials.get(source).await {
            Err(e) => Err(e),
            Ok(creds) => match request(
                &target,
                creds,
                record.analysis.as_deref().unwrap_or(""),
                &record.job_id,
            ) {
                None => Err(WriteBackError::Misconfigured),
                Some(req) => self.http.send(&req).await,
            },
        };
        let retry = match result {
            Ok(()) => {
                state.status = WriteBackStatus::Done;
                false
            }
            Err(e) => {
                let transient =
                    matches!(e, WriteBackError::ServerError | WriteBackError::Unreachable);
                state.last_error_code = Some(e.code().to_owned());
                state.status = if transient && !last_try {
                    WriteBackStatus::Pending
                } else {
                    WriteBackStatus::Failed
                };
                transient && !last_try
            }
        };
        tracing::info!(
            job_id = record.job_id,
            target = state.target,
            status = state.status.as_str(),
            attempts,
            error = state.last_error_code.as_deref().unwrap_or(""),
            "write-back"
        );
        if let Err(e) = self
            .jobs
            .store
            .set_write_back(&record.job_id, &state, SystemTime::now())
            .await
        {
            return Err(store_failed(&record.job_id, &e));
        }
        if retry { Err(Retry) } else { Ok(()) }
    }
}

/// A succeeded job whose write-back has not been done (or given up on).
fn needs_write_back(job: &JobMessage, record: &JobRecord) -> bool {
    job.write_back.is_some()
        && record.status == job_store::JobStatus::Succeeded
        && record
            .write_back
            .as_ref()
            .is_none_or(|w| w.status == WriteBackStatus::Pending)
}

/// The configured agent timeout, capped by what the invocation has left less the margin.
fn agent_deadline(configured: Duration, deadline_ms: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let left = Duration::from_millis(deadline_ms).saturating_sub(now);
    let margin = (left / 10).clamp(MARGIN_MIN, MARGIN_MAX);
    effective_deadline(configured, deadline_ms, now, margin)
}

fn store_failed(job_id: &str, e: &StoreError) -> Retry {
    tracing::warn!(job_id, error = %e, "job store failed; message handed back");
    Retry
}
