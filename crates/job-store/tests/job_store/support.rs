//! Fixtures on moto's DynamoDB: a fresh jobs table per test, a fixed clock, and jobs already in
//! the state a test starts from.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use job_store::{Claim, IdempotencyKey, JobMode, JobRecord, JobStore, NewJob, request_fingerprint};

/// How long records live in the test tables.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// The lease every test takes.
pub const LEASE: Duration = Duration::from_secs(900);

/// The tests' "now": time is passed in, so expiry is tested by moving it, not by sleeping.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_800_000_000_000)
}

/// A store on a table of its own.
pub async fn store() -> JobStore {
    store_and_table().await.0
}

/// A store on a table of its own, and the table's name (for tests that write items directly).
pub async fn store_and_table() -> (JobStore, String) {
    let client = local_moto::dynamodb_client();
    let table = local_moto::unique("jobs");
    local_moto::create_table(&client, &table).await;
    (JobStore::new(client, table.clone(), TTL), table)
}

/// The body every `new_job` delivery carries.
pub const BODY: &[u8] = br#"{"action": "opened", "issue": {"number": 42}}"#;

/// An async GitHub delivery of ticket 42 with this delivery id.
pub fn new_job(delivery_id: &str) -> NewJob {
    NewJob {
        key: IdempotencyKey::from_delivery_id("github", delivery_id).unwrap(),
        mode: JobMode::Async,
        ticket_id: "42".into(),
        session_id: "github-42-0123456789abcdef0123456789abcdef".into(),
        fingerprint: request_fingerprint("github", BODY),
        delivery_id: None,
        principal: "integration:github-acme".into(),
    }
}

/// A job claimed at t0 for delivery `d-1`: (store, record).
pub async fn queued_job() -> (JobStore, JobRecord) {
    let store = store().await;
    let job = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record();
    (store, job)
}

/// A job claimed and started at t0: (store, job id, attempt).
pub async fn running_job() -> (JobStore, String, u32) {
    let (store, job) = queued_job().await;
    let started = start(&store, &job.job_id, t0()).await.unwrap();
    (store, job.job_id, started.attempts)
}

/// `start_attempt` with the tests' lease: the running record, or `None` when refused.
pub async fn start(store: &JobStore, job_id: &str, now: SystemTime) -> Option<JobRecord> {
    store.start_attempt(job_id, LEASE, now).await.unwrap()
}

/// The record of a claim that must have created it.
pub fn created(claim: Claim) -> JobRecord {
    match claim {
        Claim::Created(r) => r,
        other => panic!("expected Created, got {other:?}"),
    }
}

/// The record of a claim that must have found it.
pub fn existing(claim: Claim) -> JobRecord {
    match claim {
        Claim::Existing(r) => r,
        other => panic!("expected Existing, got {other:?}"),
    }
}

/// A well-formed job id no test claims.
pub fn unknown_job_id() -> String {
    IdempotencyKey::from_delivery_id("github", "never")
        .unwrap()
        .job_id()
}
