//! The transitions a job takes after its first attempt has ended: opened again for a sender's
//! retry, and the write-back of a succeeded analysis, claimed by one try at a time. Beside
//! `store`, whose table and transition helpers they use.

use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::ReturnValue;

use crate::error::StoreError;
use crate::item::{self, attr, n, s};
use crate::job::{
    JobMode, JobRecord, JobStatus, WriteBack, WriteBackStatus, duration_ms, epoch_ms,
};
use crate::store::JobStore;

impl JobStore {
    /// Opens a job again for a sender's retry, so that every stored job either can still run or
    /// has a final answer: a `failed` job (its tries used up), or a `queued` one recorded under
    /// the other mode (the source's mode changed since: a synchronous job handed back after a
    /// failure has no message on the queue), becomes `queued` in `mode` with its error cleared
    /// and a fresh expiry. `None` when the job is neither (another request reopened or started
    /// it meanwhile).
    pub async fn reopen(
        &self,
        job_id: &str,
        mode: JobMode,
        now: SystemTime,
    ) -> Result<Option<JobRecord>, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .update_expression(
                "SET #status = :queued, #mode = :mode, #updated = :now_ms, #exp = :exp \
                 REMOVE #code, #message, #failed_on",
            )
            .expression_attribute_names("#failed_on", attr::FAILED_ON)
            .condition_expression("#status = :failed OR (#status = :queued AND #mode <> :mode)")
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#mode", attr::MODE)
            .expression_attribute_names("#updated", attr::UPDATED_AT)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_names("#code", attr::ERROR_CODE)
            .expression_attribute_names("#message", attr::ERROR_MESSAGE)
            .expression_attribute_values(":queued", s(JobStatus::Queued.as_str()))
            .expression_attribute_values(":failed", s(JobStatus::Failed.as_str()))
            .expression_attribute_values(":mode", s(mode.as_str()))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)))
            .expression_attribute_values(":exp", n(self.expires_at(now)))
            .return_values(ReturnValue::AllNew);
        match self.send_transition("reopen", job_id, update).await {
            Ok(record) => Ok(Some(record)),
            Err(StoreError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Claims the next post of a succeeded job's analysis to its ticket, so that of two workers
    /// holding duplicate messages only one posts. `seen` is the write-back state the caller read:
    /// the claim succeeds only if it is still that (none yet, or `pending` with the same number
    /// of tries and no live claim), and it records try `seen.attempts + 1` with a claim lasting
    /// `lease` (a worker that dies while posting is taken over once it passes). `None`: another
    /// attempt holds it, or it is done.
    pub async fn claim_write_back(
        &self,
        job_id: &str,
        target: &str,
        seen: Option<&WriteBack>,
        lease: Duration,
        now: SystemTime,
    ) -> Result<Option<u32>, StoreError> {
        let tries = seen.map_or(0, |w| w.attempts);
        let claimed = WriteBack {
            target: target.to_owned(),
            status: WriteBackStatus::Pending,
            attempts: tries + 1,
            last_error_code: seen.and_then(|w| w.last_error_code.clone()),
            sinks_posted: seen.map(|w| w.sinks_posted.clone()).unwrap_or_default(),
        };
        let now_ms = epoch_ms(now);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .update_expression("SET #wb = :wb, #updated = :now_ms")
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#wb", attr::WRITE_BACK)
            .expression_attribute_names("#updated", attr::UPDATED_AT)
            .expression_attribute_values(":succeeded", s(JobStatus::Succeeded.as_str()))
            .expression_attribute_values(
                ":wb",
                item::write_back_map(&claimed, Some(now_ms.saturating_add(duration_ms(lease)))),
            )
            .expression_attribute_values(":now_ms", n(now_ms))
            .return_values(ReturnValue::AllNew);
        update = match seen {
            None => {
                update.condition_expression("#status = :succeeded AND attribute_not_exists(#wb)")
            }
            Some(_) => update
                .condition_expression(
                    "#status = :succeeded AND #wb.#wst = :pending AND #wb.#watt = :tries \
                     AND (attribute_not_exists(#wb.#wlease) OR #wb.#wlease < :now_ms)",
                )
                .expression_attribute_names("#wst", attr::WB_STATUS)
                .expression_attribute_names("#watt", attr::WB_ATTEMPTS)
                .expression_attribute_names("#wlease", attr::WB_LEASE_UNTIL)
                .expression_attribute_values(":pending", s(WriteBackStatus::Pending.as_str()))
                .expression_attribute_values(":tries", n(u64::from(tries))),
        };
        match self
            .send_transition("claim_write_back", job_id, update)
            .await
        {
            Ok(_) => Ok(Some(claimed.attempts)),
            Err(StoreError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records how the post claimed as try `write_back.attempts` went, releasing the claim.
    /// `Conflict` when that claim was taken over meanwhile (the newer try's state stands).
    pub async fn set_write_back(
        &self,
        job_id: &str,
        write_back: &WriteBack,
        now: SystemTime,
    ) -> Result<JobRecord, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::JOB_ID, s(job_id))
            .update_expression("SET #wb = :wb, #updated = :now_ms")
            .condition_expression("#wb.#watt = :attempt")
            .expression_attribute_names("#wb", attr::WRITE_BACK)
            .expression_attribute_names("#watt", attr::WB_ATTEMPTS)
            .expression_attribute_names("#updated", attr::UPDATED_AT)
            .expression_attribute_values(":wb", item::write_back_value(write_back))
            .expression_attribute_values(":attempt", n(u64::from(write_back.attempts)))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)))
            .return_values(ReturnValue::AllNew);
        self.send_transition("set_write_back", job_id, update).await
    }
}
