//! The job record and the values its fields take.
//!
//! Times are epoch milliseconds (`*_ms`), except `expires_at`, which is epoch seconds because that
//! is what DynamoDB TTL reads. Numbers rather than RFC 3339 strings because the store compares them
//! in condition expressions (`lease_until < :now`, `expires_at < :now`); the HTTP layer can format
//! them for people.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::key::IdempotencyKey;

/// Where a job is in its life. `queued` and `running` are in progress; the other two are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Claimed and waiting for a worker (or, in sync mode, for the webhook's own agent call).
    Queued,
    /// A worker holds the lease and is running it.
    Running,
    /// The analysis is recorded.
    Succeeded,
    /// A failure is recorded, with its code and message.
    Failed,
}

impl JobStatus {
    /// The stored and shown name (`queued`, `running`, `succeeded`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
        }
    }

    /// The status named by `as_str`, as stored in the table.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            _ => return None,
        })
    }
}

/// How the delivery was answered: with the analysis (`sync`) or with 202 and a job id (`async`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobMode {
    /// The delivery waited for the analysis; a retry is answered with the stored one.
    Sync,
    /// The delivery was answered 202 with the job id; a worker runs the job from the queue.
    Async,
}

impl JobMode {
    /// The stored and shown name (`sync`, `async`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobMode::Sync => "sync",
            JobMode::Async => "async",
        }
    }

    /// The mode named by `as_str`, as stored in the table.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "sync" => Some(JobMode::Sync),
            "async" => Some(JobMode::Async),
            _ => None,
        }
    }
}

/// Where posting the analysis back to the ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteBackStatus {
    /// Not posted yet (or being retried).
    Pending,
    /// Posted.
    Done,
    /// Given up; `last_error_code` says why.
    Failed,
}

impl WriteBackStatus {
    /// The stored and shown name (`pending`, `done`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            WriteBackStatus::Pending => "pending",
            WriteBackStatus::Done => "done",
            WriteBackStatus::Failed => "failed",
        }
    }

    /// The status named by `as_str`, as stored in the table.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(WriteBackStatus::Pending),
            "done" => Some(WriteBackStatus::Done),
            "failed" => Some(WriteBackStatus::Failed),
            _ => None,
        }
    }
}

/// The state of posting the analysis back to the ticket, kept in the job record so it is visible
/// to `GET /jobs/{id}` and survives the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteBack {
    /// Which integration, e.g. `servicenow` or `github`; never a URL with credentials.
    pub target: String,
    /// Where the posting stands.
    pub status: WriteBackStatus,
    /// Posts tried so far.
    pub attempts: u32,
    /// A stable code such as `WRITE_BACK_HTTP_5XX`, not the remote system's message.
    pub last_error_code: Option<String>,
    /// For a source with several sinks: the positions (from 0) of those posted so far, so a
    /// retry posts only to the others. Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sinks_posted: Vec<u32>,
}

/// What `claim` needs to create a record. The job id and source come from the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The delivery's identity; the job id is derived from it.
    pub key: IdempotencyKey,
    /// How the delivery is answered.
    pub mode: JobMode,
    /// The ticket's key, for people looking the job up.
    pub ticket_id: String,
    /// The agent session the job runs in.
    pub session_id: String,
    /// The request's [`crate::request_fingerprint`]: a later claim under the same key must match.
    pub fingerprint: String,
    /// The sender's delivery id, kept when the job is keyed by something else (a signed body), so
    /// the caller can tell a retry of that delivery from the same body delivered again.
    pub delivery_id: Option<String>,
    /// Who delivered it (an integration, a signed sender, …): only they may read the job.
    pub principal: String,
}

/// One job item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// `job_` + 32 hex digits, derived from the idempotency key.
    pub job_id: String,
    /// Where the job is in its life.
    pub status: JobStatus,
    /// How the delivery was answered.
    pub mode: JobMode,
    /// The source the delivery came to (a route segment).
    pub source: String,
    /// The delivery id or body hash the job id was derived from: lets support find the job for a
    /// delivery in the sender's log.
    pub idempotency_key: String,
    /// The ticket's key.
    pub ticket_id: String,
    /// The agent session the job runs in.
    pub session_id: String,
    /// Set when `status` is `succeeded`.
    pub analysis: Option<String>,
    /// Set when `status` is `failed`: a stable code such as `AGENT_TIMEOUT`.
    pub error_code: Option<String>,
    /// Set when `status` is `failed`: a short message fit for the sender, not internal detail.
    pub error_message: Option<String>,
    /// When the record was claimed (epoch milliseconds).
    pub created_at_ms: u64,
    /// The latest transition (epoch milliseconds).
    pub updated_at_ms: u64,
    /// How many times a worker started the job (`start_attempt`); the latest doubles as the fencing
    /// token for `succeed`, `fail` and `release`.
    pub attempts: u32,
    /// While `running`: the attempt is considered alive until then; after it another worker may
    /// take the job over (the Lambda died mid-job).
    pub lease_until_ms: Option<u64>,
    /// Epoch seconds; DynamoDB TTL deletes the item some time after this.
    pub expires_at: u64,
    /// The write-back's state, once the worker has recorded one.
    pub write_back: Option<WriteBack>,
    /// The fingerprint of the request that created the job (absent on records written before
    /// fingerprints were kept; those expire with their TTL).
    pub fingerprint: Option<String>,
    /// The delivery id of the delivery that created the job, when it was kept (see `NewJob`).
    pub delivery_id: Option<String>,
    /// Who delivered it (absent on records written before principals were kept).
    pub principal: Option<String>,
}

impl JobRecord {
    /// DynamoDB TTL deletes lazily (typically within days), so a reader must treat an expired item
    /// as absent itself. The store does so for `claim`; callers of `get` should too.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_at < epoch_secs(now)
    }
}

/// Epoch milliseconds, as the table stores times.
pub(crate) fn epoch_ms(t: SystemTime) -> u64 {
    // A clock before 1970 is a broken clock; 0 keeps every comparison well defined.
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Epoch seconds, as DynamoDB TTL reads `expires_at`.
pub(crate) fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_strings() {
        for s in [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
        ] {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for m in [JobMode::Sync, JobMode::Async] {
            assert_eq!(JobMode::parse(m.as_str()), Some(m));
        }
        for w in [
            WriteBackStatus::Pending,
            WriteBackStatus::Done,
            WriteBackStatus::Failed,
        ] {
            assert_eq!(WriteBackStatus::parse(w.as_str()), Some(w));
        }
        assert_eq!(JobStatus::parse("QUEUED"), None);
    }

    #[test]
    fn epoch_conversions() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(epoch_ms(t), 1_700_000_000_123);
        assert_eq!(epoch_secs(t), 1_700_000_000);
        assert_eq!(epoch_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}

/// The UTC calendar day of `t` as `YYYY-MM-DD`: the failures index's partition key. (Civil date
/// from days since 1970, H. Hinnant's algorithm: a date crate for one conversion is not worth it.)
pub(crate) fn utc_day(t: SystemTime) -> String {
    let days = i64::try_from(epoch_ms(t) / 86_400_000).unwrap_or(0);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod day_tests {
    use super::*;

    #[test]
    fn utc_days_are_calendar_dates() {
        for (secs, day) in [
            (0, "1970-01-01"),
            (951_782_400, "2000-02-29"),
            (1_796_083_199, "2026-11-30"),
            (1_796_083_200, "2026-12-01"),
            (4_107_542_400, "2100-03-01"),
        ] {
            assert_eq!(
                utc_day(UNIX_EPOCH + Duration::from_secs(secs)),
                day,
                "{secs}"
            );
        }
    }
}
