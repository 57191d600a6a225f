//! Durable state for asynchronous deliveries and idempotent retries: the jobs table (DynamoDB)
//! and the job queue (SQS). No knowledge of Lambda or HTTP.
//!
//! The flow it supports:
//! 1. The webhook Lambda derives an [`IdempotencyKey`] from the delivery and [`JobStore::claim`]s
//!    it. [`Claim::Created`]: this delivery is new; [`Claim::Existing`]: a retry, answered from the
//!    stored record (the analysis in sync mode, the same job id in async mode);
//!    [`StoreError::KeyReused`]: the key names a job of another request (its
//!    [`request_fingerprint`] differs), and nothing is answered from it.
//! 2. Async mode: [`JobQueue::enqueue`] a [`JobMessage`] and answer 202 with the job id.
//! 3. The worker parses each message ([`JobMessage::from_sqs_body`]), [`JobStore::start_attempt`]s
//!    the job (a lease, so a redelivery while it runs or after it finished does nothing), invokes
//!    the agent and records [`JobStore::succeed`] or [`JobStore::fail`].
//!
//! Modules are declared leaves first, in groups: each uses only those above it.

// Leaves: typed errors, idempotency keys, what a record holds.
mod error;
mod key;
mod limits;

// The job record.
mod job;

// Its two encodings: the table item and the queue message.
mod item;
mod message;

// The services: the job queue and the jobs table (neither uses the other).
mod queue;
mod store;

mod follow_ups;
mod listing;

pub use error::{MessageError, QueueError, StoreError};
pub use job::{JobMode, JobRecord, JobStatus, NewJob, WriteBack, WriteBackStatus};
pub use key::{IdempotencyKey, KeyError, is_job_id, request_fingerprint};
pub use limits::{MAX_ANALYSIS_BYTES, MAX_ERROR_MESSAGE_BYTES};
pub use listing::FAILURES_INDEX;
pub use message::JobMessage;
pub use queue::{JobQueue, MAX_DELAY, MAX_MESSAGE_BYTES};
pub use store::{Claim, JobStore};
