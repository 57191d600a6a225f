//! The jobs table: one item per delivery, every state change a conditional write.
//!
//! Table schema: partition key `job_id` (S), no sort key, on-demand capacity, TTL on `expires_at`
//! (epoch seconds). Every transition is guarded by a condition expression, so concurrent Lambdas
//! (duplicate deliveries, redelivered SQS messages, a worker taking over a dead one's job) agree
//! on one outcome without locks.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::error::StoreError;
use crate::item::{self, Item, attr, failed_on, n, s};
use crate::job::{JobRecord, JobStatus, NewJob, duration_ms, epoch_ms, epoch_secs};
use crate::limits::{MAX_ERROR_MESSAGE_BYTES, fit_analysis, truncate};

/// The outcome of `claim`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This call created the record: the caller owns the delivery (invoke or enqueue).
    Created(JobRecord),
    /// A live record for the same key already existed: a retried or concurrent delivery.
    Existing(JobRecord),
}

impl Claim {
    /// The record, created or existing.
    pub fn record(&self) -> &JobRecord {
        match self {
            Claim::Created(r) | Claim::Existing(r) => r,
        }
    }

    /// The record, created or existing, by value.
    pub fn into_record(self) -> JobRecord {
        match self {
            Claim::Created(r) | Claim::Existing(r) => r,
        }
    }

    /// Whether this call created the record (and so owns the delivery).
    pub fn is_created(&self) -> bool {
        matches!(self, Claim::Created(_))
    }
}

/// The jobs table: claims, leases and outcomes, each a conditional write.
#[derive(Debug, Clone)]
pub struct JobStore {
    pub(crate) client: Client,
    pub(crate) table: String,
    ttl: Duration,
}

impl JobStore {
    /// `ttl`: how long a record (and so the dedupe window and the stored answer) lives after it is
    /// created, and again after it finishes. 24 h is the intended default.
    pub fn new(client: Client, table: String, ttl: Duration) -> Self {
        Self { client, table, ttl }
    }

    /// When a record written at `now` expires (epoch seconds).
    pub(crate) fn expires_at(&self, now: SystemTime) -> u64 {
        epoch_secs(now).saturating_add(self.ttl.as_secs())
    }

    /// Creates the record for a delivery unless a live one exists: the dedupe. A live record for
    /// another request under the same key (a different fingerprint) is `StoreError::KeyReused`.
    ///
    /// One conditional PutItem: `attribute_not_exists(job_id) OR expires_at < :now`, because TTL
    /// deletion lags expiry by up to days and an expired record must count as absent. On
    /// ConditionalCheckFailed the existing item comes back in the error
    /// (`ReturnValuesOnConditionCheckFailure=ALL_OLD`), so there is no second round trip; a
    /// consistent GetItem covers an endpoint that does not return it.
    pub async fn claim(&self, new: NewJob, now: SystemTime) -> Result<Claim, StoreError> {
        let now_ms = epoch_ms(now);
        let record = JobRecord {
            job_id: new.key.job_id(),
            status: JobStatus::Queued,
            mode: new.mode,
            source: new.key.source().to_owned(),
            idempotency_key: new.key.value().to_owned(),
            ticket_id: new.ticket_id,
            session_id: new.session_id,
            analysis: None,
            error_code: None,
            error_message: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            attempts: 0,
            lease_until_ms: None,
            expires_at: self.expires_at(now),
            write_back: None,
            fingerprint: Some(new.fingerprint),
            delivery_id: new.delivery_id,
            principal: Some(new.principal),
        };
        // The existing item can vanish between the failed put and the read (TTL deletion): then
        // the put is tried again. Two rounds settle it; the third is a safety margin.
        for _ in 0..3 {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item::to_item(&record)))
                .condition_expression("attribute_not_exists(#id) OR #exp < :now")
                .expression_attribute_names("#id", attr::JOB_ID)
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":now", n(epoch_secs(now)))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(Claim::Created(record)),
                Err(err) => err,
            };
            let old = match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(e)) => e.item().cloned(),
                _ => return Err(StoreError::from_sdk("claim", &err)),
            };
            let existing = match old {
                Some(item) => Some(item::from_item(&item)?),
                None => self.get(&record.job_id).await?,
            };
            if let Some(existing) = existing {
                // The same key for another request: refused before anything is replayed. A
                // record without a fingerprint predates them and is taken as it is.
                if existing
                    .fingerprint
                    .as_deref()
                    .is_some_and(|f| Some(f) != record.fingerprint.as_deref())
                {
                    return Err(StoreError::KeyReused {
                        job_id: existing.job_id,
                    });
                }
                return Ok(Claim::Existing(existing));
            }
        }
        Err(StoreError::Conflict {
            op: "claim",
            job_id: record.job_id,
        })
    }

    /// Marks the job running for this worker, with a lease until `now + lease`.
    ///
    /// Succeeds only if the job is `queued`, or `running` with a lease that has passed (the
    /// previous worker died: take it over), and the record has not expired. Returns `None`
    /// otherwise: another worker holds a live lease, or the job is finished (a redelivered SQS
    /// message after completion does nothing). The returned `attempts` is this worker's fencing
    /// token for `succeed`, `fail` and `release`. Choose `lease` longer than the worker's timeout.
    pub async fn start_attempt(
        &self,
        job_id: &str,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Option<JobRecord>, StoreError> {
        let now_ms = epoch_ms(now);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .update_expression(
                "SET #status = :running, #attempts = #attempts + :one, #lease = :lease, #updated = :now_ms",
            )
            .condition_expression(
                "attribute_exists(#id) AND #exp >= :now_s \
                 AND (#status = :queued OR (#status = :running AND #lease < :now_ms))",
            )
            .expression_attribute_names("#id", attr::JOB_ID)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_names("#lease", attr::LEASE_UNTIL)
            .expression_attribute_names("#updated", attr::UPDATED_AT)
            .expression_attribute_values(":running", s(JobStatus::Running.as_str()))
            .expression_attribute_values(":queued", s(JobStatus::Queued.as_str()))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":lease", n(now_ms.saturating_add(duration_ms(lease))))
            .expression_attribute_values(":now_ms", n(now_ms))
            .expression_attribute_values(":now_s", n(epoch_secs(now)))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Some(attributes("start_attempt", out.attributes())?)),
            Err(err) => match err.as_service_error() {
                Some(e) if e.is_conditional_check_failed_exception() => Ok(None),
                _ => Err(StoreError::from_sdk("start_attempt", &err)),
            },
        }
    }

    /// Records the analysis. `attempt` is the `attempts` value `start_attempt` returned: if the
    /// lease was taken over meanwhile, this fails with `Conflict` and the newer attempt's result
    /// wins, so exactly one outcome (and one write-back) is recorded.
    pub async fn succeed(
        &self,
        job_id: &str,
        attempt: u32,
        analysis: &str,
        now: SystemTime,
    ) -> Result<JobRecord, StoreError> {
        let analysis = fit_analysis(analysis);
        let update = self
            .finish(job_id, attempt, now)
            .update_expression(
                "SET #status = :status, #analysis = :analysis, #updated = :now_ms, #exp = :exp REMOVE #lease",
            )
            .expression_attribute_names("#analysis", attr::ANALYSIS)
            .expression_attribute_values(":status", s(JobStatus::Succeeded.as_str()))
            .expression_attribute_values(":analysis", s(&analysis));
        self.send_transition("succeed", job_id, update).await
    }

    /// Records a failure: `code` is stable (e.g. `AGENT_TIMEOUT`) and `message` short and fit for
    /// the sender (truncated to `MAX_ERROR_MESSAGE_BYTES`). Same fencing as `succeed`.
    pub async fn fail(
        &self,
        job_id: &str,
        attempt: u32,
        code: &str,
        message: &str,
        now: SystemTime,
    ) -> Result<JobRecord, StoreError> {
        let update = self
            .finish(job_id, attempt, now)
            .update_expression(
                "SET #status = :status, #code = :code, #message = :message, #updated = :now_ms, #exp = :exp, #failed_on = :failed_on REMOVE #lease",
            )
            .expression_attribute_names("#failed_on", attr::FAILED_ON)
            .expression_attribute_values(":failed_on", failed_on(now))
            .expression_attribute_names("#code", attr::ERROR_CODE)
            .expression_attribute_names("#message", attr::ERROR_MESSAGE)
            .expression_attribute_values(":status", s(JobStatus::Failed.as_str()))
            .expression_attribute_values(":code", s(code))
            .expression_attribute_values(
                ":message",
                s(truncate(message, MAX_ERROR_MESSAGE_BYTES)),
            );
        self.send_transition("fail", job_id, update).await
    }

    /// Gives the job back (`running` → `queued`) after a retryable failure, so the SQS redelivery
    /// can start it at once instead of waiting for the lease to pass. Same fencing as `succeed`.
    pub async fn release(
        &self,
        job_id: &str,
        attempt: u32,
        now: SystemTime,
    ) -> Result<JobRecord, StoreError> {
        let update = self
            .guarded(job_id, attempt, now)
            .update_expression("SET #status = :status, #updated = :now_ms REMOVE #lease")
            .expression_attribute_values(":status", s(JobStatus::Queued.as_str()));
        self.send_transition("release", job_id, update).await
    }

    /// The record, read consistently (a poll right after a transition sees it). Returns expired
    /// records that TTL has not deleted yet; check `JobRecord::is_expired`.
    pub async fn get(&self, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| StoreError::from_sdk("get", &err))?;
        out.item().map(item::from_item).transpose()
    }

    /// An update conditional on this worker still owning the running job.
    fn guarded(
        &self,
        job_id: &str,
        attempt: u32,
        now: SystemTime,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .condition_expression("#status = :running AND #attempts = :attempt")
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_names("#updated", attr::UPDATED_AT)
            .expression_attribute_names("#lease", attr::LEASE_UNTIL)
            .expression_attribute_values(":running", s(JobStatus::Running.as_str()))
            .expression_attribute_values(":attempt", n(u64::from(attempt)))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)))
            .return_values(ReturnValue::AllNew)
    }

    /// `guarded`, plus a fresh expiry: a finished job's answer stays available for a full TTL.
    fn finish(
        &self,
        job_id: &str,
        attempt: u32,
        now: SystemTime,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.guarded(job_id, attempt, now)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":exp", n(self.expires_at(now)))
    }

    /// Sends a transition; a failed condition is a `Conflict` for `job_id`.
    pub(crate) async fn send_transition(
        &self,
        op: &'static str,
        job_id: &str,
        update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    ) -> Result<JobRecord, StoreError> {
        match update.send().await {
            Ok(out) => attributes(op, out.attributes()),
            Err(err) => match err.as_service_error() {
                Some(e) if e.is_conditional_check_failed_exception() => Err(StoreError::Conflict {
                    op,
                    job_id: job_id.to_owned(),
                }),
                _ => Err(StoreError::from_sdk(op, &err)),
            },
        }
    }
}

/// The ALL_NEW attributes of an update, which DynamoDB always returns when asked.
fn attributes(op: &'static str, attributes: Option<&Item>) -> Result<JobRecord, StoreError> {
    match attributes {
        Some(item) => item::from_item(item),
        None => Err(StoreError::Malformed(format!(
            "{op}: the update returned no attributes"
        ))),
    }
}
