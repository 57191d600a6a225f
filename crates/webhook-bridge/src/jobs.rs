//! Deliveries with a memory: every delivery is recorded under an idempotency key before the agent
//! is called, so a sender's retry never runs the agent twice. Synchronous deliveries answer a
//! retry with the stored analysis (or 409 while the first is still running); asynchronous ones
//! are queued for the worker and answered 202 with the job id at once.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use job_store::{
    Claim, IdempotencyKey, JobMessage, JobMode, JobQueue, JobRecord, JobStatus, JobStore, KeyError,
    NewJob, StoreError, request_fingerprint,
};
use ticket_prompt::Source;

use crate::config::JobsConfig;
use crate::error::BridgeError;
use crate::invocation_trace::traced_client;
use crate::request::HeaderText;

/// Time kept on a synchronous delivery's lease beyond its agent deadline, so a duplicate that
/// arrives while the first is answering still sees it running.
const SYNC_LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The jobs table and, when asynchronous mode is on, the queue.
pub struct Jobs {
    /// The table.
    pub store: JobStore,
    /// The queue, when asynchronous mode is on.
    pub queue: Option<JobQueue>,
    /// Their settings.
    pub config: JobsConfig,
}

impl Jobs {
    /// Clients for the configured table and queue.
    pub fn new(sdk: &SdkConfig, config: &JobsConfig) -> Jobs {
        Jobs {
            store: JobStore::new(
                traced_client!(aws_sdk_dynamodb, sdk),
                config.table.clone(),
                config.ttl,
            ),
            queue: config
                .queue_url
                .as_ref()
                .map(|url| JobQueue::new(traced_client!(aws_sdk_sqs, sdk), url.clone())),
            config: config.clone(),
        }
    }
}

/// What the jobs table knows a delivery by: its idempotency key, and its request's fingerprint
/// (the same key with another body is refused, never answered from the first one's job).
pub struct JobKey {
    /// The sender's delivery id, `Idempotency-Key`, or a hash of source and body.
    pub key: IdempotencyKey,
    /// SHA-256 of source and raw body.
    pub fingerprint: String,
    /// With the replay guard: the job is keyed by the body, and this is the delivery id it came
    /// with, so the sender's retry (same id) is told from the same body sent again (another id).
    pub delivery_id: Option<String>,
    /// Whether the replay guard applies.
    replay_guard: bool,
}

/// The delivery's key, in `principal`'s own space: the sender's delivery id or
/// `Idempotency-Key` (`named`), else a hash of source and body; and its fingerprint. `body` is
/// what identifies the delivery: its raw bytes, or for an alert group the group's identity
/// (resends of an unchanged group are one delivery).
///
/// `replay_guard` is for signed deliveries whose signature covers no timestamp (GitHub, Jira,
/// PagerDuty): a captured body stays valid forever, so such a delivery is keyed by its body, and
/// the same body under another delivery id is a replay (acknowledged, never run again).
pub fn job_key(
    named: &HeaderText,
    source: Source,
    body: &[u8],
    replay_guard: bool,
    principal: &str,
) -> Result<JobKey, BridgeError> {
    let (key, delivery_id) = match named {
        HeaderText::Text(id) if replay_guard => (
            IdempotencyKey::from_delivery_id(source.as_str(), id)
                .and_then(|_| IdempotencyKey::from_body(source.as_str(), body)),
            Some(id.clone()),
        ),
        HeaderText::Text(id) => (IdempotencyKey::from_delivery_id(source.as_str(), id), None),
        // Present but not text: refused rather than replaced by a body hash.
        HeaderText::Unusable => (Err(KeyError::DeliveryIdNotPrintable), None),
        HeaderText::Absent => (IdempotencyKey::from_body(source.as_str(), body), None),
    };
    let key = key.map_err(|e| {
        BridgeError::InvalidIdempotencyKey(match e {
            KeyError::EmptyDeliveryId => "it is empty",
            KeyError::DeliveryIdTooLong => "it is longer than 256 characters",
            _ => "it must be printable ASCII",
        })
    })?;
    Ok(JobKey {
        // Each caller's keys are its own: another integration of the same source presenting
        // this key (or body) is another delivery, never answered from this one's job.
        key: key.of_caller(principal),
        fingerprint: request_fingerprint(source.as_str(), body),
        delivery_id,
        replay_guard,
    })
}

impl JobKey {
    /// The record to claim for this delivery, and how to tell its replays.
    pub fn into_new_job(
        self,
        mode: JobMode,
        ticket_id: String,
        session_id: String,
        principal: String,
    ) -> (NewJob, ReplayCheck) {
        let check = ReplayCheck {
            guard: self.replay_guard,
            delivery_id: self.delivery_id.clone(),
        };
        let new = NewJob {
            key: self.key,
            mode,
            ticket_id,
            session_id,
            fingerprint: self.fingerprint,
            delivery_id: self.delivery_id,
            principal,
        };
        (new, check)
    }
}

/// Tells the sender's retry of a delivery from the same signed body delivered again.
pub struct ReplayCheck {
    guard: bool,
    delivery_id: Option<String>,
}

impl ReplayCheck {
    /// Whether `existing`, found under the delivery's key, came with another delivery id.
    fn replays(&self, existing: &JobRecord) -> bool {
        self.guard && existing.delivery_id != self.delivery_id
    }
}

/// What became of a delivery that goes through the jobs table.
pub enum Recorded {
    /// New (or handed back after a failure): this request runs the agent under `attempt`.
    Run {
        /// The job, as this attempt started it.
        job: JobRecord,
        /// The attempt's fencing token for recording the outcome.
        attempt: u32,
    },
    /// Answered before: the stored analysis.
    Replay(JobRecord),
    /// Queued or handled asynchronously: answer 202 with this job.
    Accepted(JobRecord),
    /// A signed body received before under another delivery id: acknowledge, never run again.
    Replayed,
}

/// Records a synchronous delivery and decides whether this request may run the agent.
pub async fn claim_sync(
    jobs: &Jobs,
    new: NewJob,
    check: &ReplayCheck,
    agent_deadline: Duration,
) -> Result<Recorded, BridgeError> {
    let now = SystemTime::now();
    let claim = jobs.store.claim(new, now).await.map_err(refused)?;
    if let Claim::Existing(job) = &claim
        && check.replays(job)
    {
        return Ok(Recorded::Replayed);
    }
    let job = reopened(jobs, claim.into_record(), JobMode::Sync, now).await?;
    match (job.mode, job.status) {
        (JobMode::Async, _) => Ok(Recorded::Accepted(job)),
        (JobMode::Sync, JobStatus::Succeeded) => Ok(Recorded::Replay(job)),
        // Queued: new, or handed back after a failure. Running: a duplicate, unless the first
        // attempt's lease ran out (its Lambda died), in which case this one takes over.
        (JobMode::Sync, JobStatus::Queued | JobStatus::Running | JobStatus::Failed) => {
            let lease = agent_deadline + SYNC_LEASE_MARGIN;
            match jobs
                .store
                .start_attempt(&job.job_id, lease, now)
                .await
                .map_err(unavailable)?
            {
                Some(job) => Ok(Recorded::Run {
                    attempt: job.attempts,
                    job,
                }),
                None => Err(BridgeError::DuplicateInProgress),
            }
        }
    }
}

/// Records the synchronous outcome: the analysis for replays, or the job handed back so the
/// sender's retry runs the agent again. Failures here are logged, never shown to the caller,
/// who already has the answer.
pub async fn finish_sync(jobs: &Jobs, job_id: &str, attempt: u32, analysis: Result<&str, ()>) {
    let now = SystemTime::now();
    let result = match analysis {
        Ok(text) => jobs
            .store
            .succeed(job_id, attempt, text, now)
            .await
            .map(drop),
        Err(()) => jobs.store.release(job_id, attempt, now).await.map(drop),
    };
    if let Err(e) = result {
        tracing::warn!(job_id, error = %e, "could not record the delivery's outcome");
    }
}

/// Records an asynchronous delivery and queues it for the worker (again, if a retry finds it
/// still queued: the first send may have failed, and the worker runs a job once however many
/// messages carry it).
pub async fn accept_async(
    jobs: &Jobs,
    new: NewJob,
    check: &ReplayCheck,
    message: impl FnOnce(&JobRecord) -> JobMessage,
) -> Result<Recorded, BridgeError> {
    let queue = jobs.queue.as_ref().ok_or(BridgeError::AsyncNotEnabled)?;
    let claim = jobs
        .store
        .claim(new, SystemTime::now())
        .await
        .map_err(refused)?;
    if let Claim::Existing(job) = &claim
        && check.replays(job)
    {
        return Ok(Recorded::Replayed);
    }
    let created = matches!(claim, Claim::Created(_));
    let job = reopened(jobs, claim.into_record(), JobMode::Async, SystemTime::now()).await?;
    if created || (job.mode == JobMode::Async && job.status == JobStatus::Queued) {
        queue.enqueue(&message(&job)).await.map_err(|e| {
            tracing::warn!(job_id = job.job_id, error = %e, "could not queue the job");
            BridgeError::JobsUnavailable
        })?;
    }
    Ok(Recorded::Accepted(job))
}

/// `job`, opened again in `mode` when a retry finds it failed, or finds a synchronous job handed
/// back (`queued`, with nothing on the queue) while the source is now asynchronous: a retry after
/// a failure runs again, and no job sits `queued` with nothing to run it. (An asynchronous job
/// still queued has its message on the queue: a synchronous retry gets its 202, as before.)
async fn reopened(
    jobs: &Jobs,
    job: JobRecord,
    mode: JobMode,
    now: SystemTime,
) -> Result<JobRecord, BridgeError> {
    let stale = job.status == JobStatus::Failed
        || (job.status == JobStatus::Queued && job.mode == JobMode::Sync && mode == JobMode::Async);
    if !stale {
        return Ok(job);
    }
    let reopened = jobs
        .store
        .reopen(&job.job_id, mode, now)
        .await
        .map_err(unavailable)?;
    // None: another request reopened or started it meanwhile; what it did stands.
    Ok(reopened.unwrap_or(job))
}

/// `GET /jobs/{id}` for `principal`: another caller's job answers exactly like an unknown one,
/// so job ids reveal nothing across callers. `None` (no integrations named) reads any job.
pub async fn read(
    jobs: &Jobs,
    job_id: &str,
    principal: Option<&str>,
) -> Result<JobRecord, BridgeError> {
    if !job_store::is_job_id(job_id) {
        return Err(BridgeError::JobNotFound);
    }
    match jobs.store.get(job_id).await.map_err(unavailable)? {
        Some(job)
            if !job.is_expired(SystemTime::now())
                && principal.is_none_or(|p| job.principal.as_deref() == Some(p)) =>
        {
            Ok(job)
        }
        _ => Err(BridgeError::JobNotFound),
    }
}

/// Where the job can be read, under this API's base as the caller addressed it.
pub fn status_url(api_base: &str, job_id: &str) -> String {
    format!("{api_base}/jobs/{job_id}")
}

/// A claim's refusal: the key reused for another request (422), or the store failing.
fn refused(e: StoreError) -> BridgeError {
    match e {
        StoreError::KeyReused { job_id } => {
            tracing::warn!(
                job_id,
                "idempotency key reused with a different body: refused, nothing replayed"
            );
            BridgeError::IdempotencyKeyReused
        }
        e => unavailable(e),
    }
}

fn unavailable(e: StoreError) -> BridgeError {
    tracing::warn!(error = %e, "job store request failed");
    BridgeError::JobsUnavailable
}

/// Why a throttled job could not be put back on the queue.
#[derive(Debug, thiserror::Error)]
pub enum PutBackError {
    /// Its lease could not be released.
    #[error("releasing the job: {0}")]
    Store(#[from] StoreError),
    /// The delayed message could not be sent.
    #[error("sending the delayed message: {0}")]
    Queue(#[from] job_store::QueueError),
}

/// Backpressure for a job AgentCore throttled (or refused over a quota): it waits on the queue as
/// a new message, delayed by [`JobsConfig::throttle_backoff`], instead of using up its receives
/// (those guard against poison messages, and a storm is not one). The lease is released first, so
/// the delayed message finds the job free. Returns the delay; an error means the job was not put
/// back (the caller hands the message back).
pub async fn put_back(
    jobs: &Jobs,
    queue: &JobQueue,
    job: &JobMessage,
    attempt: u32,
) -> Result<Duration, PutBackError> {
    jobs.store
        .release(&job.job_id, attempt, SystemTime::now())
        .await?;
    let delay = jobs.config.throttle_backoff(job.deferrals, jitter());
    let later = JobMessage {
        deferrals: job.deferrals + 1,
        ..job.clone()
    };
    queue.enqueue_after(&later, delay).await?;
    Ok(delay)
}

/// A number in 0..1 that differs between put-backs, to spread their delays (a v4 UUID's random
/// bits: the crate is already here for ids, and this needs no better randomness).
fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 75) as f64 / (1u64 << 53) as f64
}
