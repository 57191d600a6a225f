//! The worker's last step: the analysis posted to the ticket under a claim in the jobs table, so
//! that of two workers holding duplicate messages only one posts, and a failed post is retried
//! on redelivery without calling the agent again.

use std::time::{Duration, SystemTime};

use job_store::{JobRecord, JobStatus, StoreError, WriteBackStatus};
use ticket_prompt::Source;

use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::write_back::{Posted, Target, TicketWriter, Try};

/// How long one try's claim on posting to the ticket holds: well past the write-back request's
/// own timeout, so a live try is never taken over, and a dead one is after this.
const WRITE_BACK_LEASE: Duration = Duration::from_secs(120);

/// What posting needs from the worker.
pub(super) struct Posting<'a> {
    pub(super) jobs: &'a Jobs,
    pub(super) writer: &'a TicketWriter,
    pub(super) metrics: &'a Metrics,
}

/// Whether the post should be tried again on redelivery (a transient failure).
pub(super) type RetryPost = bool;

impl Posting<'_> {
    /// Posts `record`'s analysis to `target` and records how that went; a store failure is
    /// returned for the worker to hand the message back.
    pub(super) async fn post(
        &self,
        source: Source,
        target: &Target,
        record: &JobRecord,
        last_try: bool,
    ) -> Result<RetryPost, StoreError> {
        let claimed = self
            .jobs
            .store
            .claim_write_back(
                &record.job_id,
                target.name(),
                record.write_back.as_ref(),
                WRITE_BACK_LEASE,
                SystemTime::now(),
            )
            .await?;
        let Some(attempts) = claimed else {
            tracing::info!(
                job_id = record.job_id,
                "write-back claimed by another attempt, or finished"
            );
            return Ok(false);
        };
        let Posted { state, retry } = self
            .writer
            .post(
                source,
                target,
                record.analysis.as_deref().unwrap_or(""),
                Try {
                    job_id: &record.job_id,
                    attempts,
                    last_try,
                    sinks_posted: record
                        .write_back
                        .as_ref()
                        .map_or(&[], |w| w.sinks_posted.as_slice()),
                },
            )
            .await;
        let outcome = match state.status {
            _ if retry => "retrying",
            WriteBackStatus::Done => "done",
            WriteBackStatus::Failed | WriteBackStatus::Pending => "failed",
        };
        Metrics::emit(
            self.metrics
                .write_back(source.as_str(), outcome, &record.job_id),
        );
        match self
            .jobs
            .store
            .set_write_back(&record.job_id, &state, SystemTime::now())
            .await
        {
            // Our claim lapsed and a newer try took over: its report stands.
            Ok(_) | Err(StoreError::Conflict { .. }) => Ok(retry),
            Err(e) => Err(e),
        }
    }
}

/// A succeeded job whose write-back has not been done (or given up on).
pub(super) fn needs_write_back(record: &JobRecord) -> bool {
    record.status == JobStatus::Succeeded
        && record
            .write_back
            .as_ref()
            .is_none_or(|w| w.status == WriteBackStatus::Pending)
}
