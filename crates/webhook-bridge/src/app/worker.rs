//! The worker: consumes the job queue, runs each job's agent call with the long deadline,
//! records the outcome in the jobs table and writes the analysis back to the ticket.
//!
//! Every step is safe to repeat, because SQS delivers at least once and a worker can die at any
//! point: a job runs only under a lease (`start_attempt`), a finished job is never run again, and
//! a write-back that failed is retried on redelivery without calling the agent again. Messages
//! that fail are reported as batch item failures; after `JOB_MAX_RECEIVES` receives the worker
//! records the failure instead, and SQS moves a message that still fails (a poison message) to
//! the dead-letter queue.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use job_store::{JobMessage, JobQueue, JobRecord, StoreError};
use ticket_prompt::Source;

use super::posting::{Posting, needs_write_back};
use super::state::{Aws, Bridge, Services, load_env};
use crate::agent::{AgentCall, AgentError, AgentFailure, AgentReply, TraceContext};
use crate::config::{Config, ConfigError};
use crate::deadline::{Margin, agent_deadline};
use crate::error::BridgeError;
use crate::jobs::{self, Jobs};
use crate::metrics::{self, JobEnd, Metrics};
use crate::response;
use crate::write_back::{SnsPublisher, Target, TicketWriter, WriteBackCredentials};

/// A message to hand back to SQS (redelivered after the visibility timeout).
struct Retry;

/// One message's job, decoded.
struct Received {
    job: JobMessage,
    source: Source,
    receives: u32,
    /// The queue's last delivery of it: a failure is recorded instead of handed back.
    last_try: bool,
    /// `AWSTraceHeader`: the X-Ray trace of the delivery that queued it (SQS carries it), so the
    /// job's agent call continues that trace.
    trace: Option<String>,
}

/// The worker Lambda's state: what every Lambda shares, plus the write-back client and the
/// ticket systems' credentials (fetched on first use).
pub struct Worker {
    bridge: Bridge,
    writer: Option<TicketWriter>,
}

/// One batch's view of the worker, present only when it can run jobs.
struct Run<'a> {
    s: &'a Services,
    jobs: &'a Jobs,
    writer: Option<&'a TicketWriter>,
}

impl Worker {
    /// A worker that runs jobs with `config`; its AWS clients use `aws`.
    pub fn new(config: Config, aws: Aws<'_>) -> Worker {
        let bridge = Bridge::new(config, aws);
        let writer = bridge.loaded().ok().map(|s| {
            TicketWriter::new(
                WriteBackCredentials::new(&s.config.sources, s.secrets.clone()),
                SnsPublisher::new(aws.jobs),
            )
        });
        Worker { bridge, writer }
    }

    /// A worker whose configuration is unusable: it hands every message back (so they reach the
    /// dead-letter queue, not the bin) and logs why.
    pub fn misconfigured(err: ConfigError) -> Worker {
        Worker {
            bridge: Bridge::misconfigured(err),
            writer: None,
        }
    }

    /// Reads the environment and builds the clients once (write-back credentials are fetched
    /// on first use).
    pub async fn from_env() -> Worker {
        load_env(Worker::new, Worker::misconfigured).await
    }

    /// One batch of job messages. `deadline_ms` is the Lambda deadline (epoch ms; 0 when
    /// unknown). Messages that are to be retried come back as batch item failures.
    pub async fn handle(&self, event: SqsEvent, deadline_ms: u64) -> SqsBatchResponse {
        let run = self.run();
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            let outcome = match &run {
                Ok(run) => run.process(&message, deadline_ms).await,
                Err(()) => Err(Retry),
            };
            if outcome.is_err() {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    /// The batch's view, or `Err` (logged) when the worker cannot run jobs: every message is
    /// then handed back.
    fn run(&self) -> Result<Run<'_>, ()> {
        let (variable, problem) = match self.bridge.loaded() {
            Ok(s) => match &s.jobs {
                Some(jobs) => {
                    return Ok(Run {
                        s,
                        jobs,
                        writer: self.writer.as_ref(),
                    });
                }
                None => ("JOBS_TABLE", "is required by the worker".to_owned()),
            },
            Err(err) => (err.variable, err.problem.clone()),
        };
        tracing::error!(
            variable,
            problem,
            "worker misconfigured; messages handed back"
        );
        Err(())
    }
}

impl Run<'_> {
    async fn process(&self, message: &SqsMessage, deadline_ms: u64) -> Result<(), Retry> {
        let started = Instant::now();
        let received = self.receive(message)?;
        let Received { job, source, .. } = &received;
        let leased = self
            .jobs
            .store
            .start_attempt(&job.job_id, self.jobs.config.lease, SystemTime::now())
            .await
            .map_err(|e| store_failed(&job.job_id, &e))?;
        let Some(record) = leased else {
            return self.already_taken(&received).await;
        };
        let attempt = record.attempts;
        let principal = record.principal.clone().unwrap_or_default();
        let queued_ms = metrics::now_ms().saturating_sub(record.created_at_ms);
        let call = AgentCall {
            endpoint: self.s.config.default_endpoint(),
            session_id: job.session_id.clone(),
            payload: serde_json::to_vec(&job.payload).unwrap_or_default(),
            user_id: job.user_id.clone(),
            trace: TraceContext::from_xray(received.trace.clone()),
            release_session: job.release_session,
        };
        let deadline = agent_deadline(self.s.config.agent_timeout, deadline_ms, Margin::Record);
        let result = self.s.agent.invoke(&call, deadline).await;
        // The session's stop runs while the outcome is recorded and written back.
        let release = self.s.agent.release_after(&call, &result);
        let outcome = match result {
            Ok(reply) => self.succeeded(&received, attempt, reply).await,
            Err(e) => self.failed(&received, attempt, e).await,
        };
        let released = release.settled().await;
        let end = *outcome.as_ref().unwrap_or(&JobEnd::HandedBack);
        tracing::info!(
            job_id = job.job_id,
            source = source.as_str(),
            ticket = job.ticket_id,
            principal,
            attempt,
            receives = received.receives,
            deferrals = job.deferrals,
            handed_back = outcome.is_err(),
            session_released = released.as_deref().unwrap_or(""),
            latency_ms = started.elapsed().as_millis() as u64,
            "job handled"
        );
        let queue_age = Some(Duration::from_millis(queued_ms));
        let metrics = &self.s.config.metrics;
        Metrics::emit(metrics.job(source.as_str(), end, queue_age, &job.job_id));
        outcome.map(drop)
    }

    /// Decodes the message; one that is not a job is handed back until SQS moves it to the
    /// dead-letter queue (there is nothing to record it against).
    fn receive(&self, message: &SqsMessage) -> Result<Received, Retry> {
        let receives: u32 = message
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let body = message.body.as_deref().unwrap_or("");
        let job = JobMessage::from_sqs_body(body).map_err(|e| {
            tracing::error!(error = %e, receives, "poison message: not a job");
            Retry
        })?;
        let Some(source) = Source::from_segment(&job.source) else {
            tracing::error!(job_id = job.job_id, "poison message: unknown source");
            return Err(Retry);
        };
        Ok(Received {
            job,
            source,
            receives,
            last_try: receives >= self.jobs.config.max_receives,
            trace: message.attributes.get("AWSTraceHeader").cloned(),
        })
    }

    /// The job runs elsewhere, or is finished: only a pending write-back may be left to do.
    async fn already_taken(&self, received: &Received) -> Result<(), Retry> {
        let job = &received.job;
        let record = self
            .jobs
            .store
            .get(&job.job_id)
            .await
            .map_err(|e| store_failed(&job.job_id, &e))?;
        match record {
            Some(r) if needs_write_back(&r) => self.write_back(received, &r).await,
            _ => {
                tracing::info!(
                    job_id = job.job_id,
                    receives = received.receives,
                    "duplicate message: job already taken"
                );
                Ok(())
            }
        }
    }

    /// Records the analysis, then writes it back where this worker can.
    async fn succeeded(
        &self,
        received: &Received,
        attempt: u32,
        reply: AgentReply,
    ) -> Result<JobEnd<'static>, Retry> {
        let job_id = &received.job.job_id;
        let stored = self
            .jobs
            .store
            .succeed(job_id, attempt, &reply.answer.text, SystemTime::now())
            .await;
        match stored {
            Ok(record) => self.write_back(received, &record).await,
            // Another attempt took the job over meanwhile: its outcome wins.
            Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(store_failed(job_id, &e)),
        }
        .map(|()| JobEnd::Completed)
    }

    /// Throttling puts the job back on the queue for later; another transient failure with
    /// receives left hands it back; anything else is final.
    async fn failed(
        &self,
        received: &Received,
        attempt: u32,
        e: AgentError,
    ) -> Result<JobEnd<'static>, Retry> {
        e.log();
        let job_id = &received.job.job_id;
        if e.failure == AgentFailure::Throttled
            && received.job.deferrals < self.jobs.config.max_deferrals
            && let Some(queue) = &self.jobs.queue
        {
            return self
                .defer(queue, received, attempt)
                .await
                .map(|()| JobEnd::Deferred);
        }
        if e.failure.is_transient() && !received.last_try {
            let _ = self
                .jobs
                .store
                .release(job_id, attempt, SystemTime::now())
                .await;
            return Err(Retry);
        }
        let err = BridgeError::Agent(e);
        self.record_failure(job_id, attempt, &err).await?;
        Ok(JobEnd::Failed(err.code()))
    }

    /// Backpressure: the job waits on the queue (see [`jobs::put_back`]); if that fails, the
    /// message is handed back as any transient failure is.
    async fn defer(
        &self,
        queue: &JobQueue,
        received: &Received,
        attempt: u32,
    ) -> Result<(), Retry> {
        let job = &received.job;
        match jobs::put_back(self.jobs, queue, job, attempt).await {
            Ok(delay) => {
                tracing::info!(
                    job_id = job.job_id,
                    deferrals = job.deferrals + 1,
                    delay_s = delay.as_secs(),
                    "agent throttled; job put back on the queue"
                );
                Ok(())
            }
            Err(e) => {
                tracing::warn!(job_id = job.job_id, error = %e, "could not put the job back; message handed back");
                Err(Retry)
            }
        }
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
                &response::public_message(err),
                SystemTime::now(),
            )
            .await
            .map(drop)
            .or_else(|e| match e {
                StoreError::Conflict { .. } => Ok(()),
                e => Err(store_failed(job_id, &e)),
            })
    }

    /// Posts the analysis to the ticket, when the job names one and this worker holds
    /// credentials for its source. Transient failures hand the message back (the agent is not
    /// called again: the job is already succeeded).
    async fn write_back(&self, received: &Received, record: &JobRecord) -> Result<(), Retry> {
        let target = received.job.write_back.clone();
        let (Some(writer), Some(target)) = (
            self.writer.filter(|w| w.writes_to(received.source)),
            target.and_then(|v| serde_json::from_value::<Target>(v).ok()),
        ) else {
            return Ok(());
        };
        let posting = Posting {
            jobs: self.jobs,
            writer,
            metrics: &self.s.config.metrics,
        };
        match posting
            .post(received.source, &target, record, received.last_try)
            .await
        {
            Ok(false) => Ok(()),
            Ok(true) => Err(Retry),
            Err(e) => Err(store_failed(&record.job_id, &e)),
        }
    }
}

fn store_failed(job_id: &str, e: &StoreError) -> Retry {
    tracing::warn!(job_id, error = %e, "job store failed; message handed back");
    Retry
}
