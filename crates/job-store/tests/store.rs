//! `JobStore` against moto's DynamoDB, through the real SDK client. Time is passed in, so lease
//! and TTL expiry are tested by moving `now`, not by sleeping.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use job_store::{
    Claim, IdempotencyKey, JobMode, JobStatus, JobStore, MAX_ANALYSIS_BYTES,
    MAX_ERROR_MESSAGE_BYTES, NewJob, StoreError, WriteBack, WriteBackStatus,
};

const TTL: Duration = Duration::from_secs(24 * 3600);
const LEASE: Duration = Duration::from_secs(900);

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_800_000_000_000)
}

async fn store() -> JobStore {
    let client = local_moto::dynamodb_client();
    let table = local_moto::unique("jobs");
    local_moto::create_table(&client, &table).await;
    JobStore::new(client, table, TTL)
}

fn new_job(delivery_id: &str) -> NewJob {
    NewJob {
        key: IdempotencyKey::from_delivery_id("github", delivery_id).unwrap(),
        mode: JobMode::Async,
        ticket_id: "42".into(),
        session_id: "github-42-0123456789abcdef0123456789abcdef".into(),
    }
}

/// A job claimed and started at t0: (store, job id, attempt).
async fn running_job() -> (JobStore, String, u32) {
    let store = store().await;
    let job_id = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record()
        .job_id;
    let started = store
        .start_attempt(&job_id, LEASE, t0())
        .await
        .unwrap()
        .unwrap();
    (store, job_id, started.attempts)
}

#[tokio::test]
async fn a_new_key_is_created_and_the_same_key_again_is_existing() {
    let store = store().await;
    let created = match store.claim(new_job("d-1"), t0()).await.unwrap() {
        Claim::Created(r) => r,
        other => panic!("expected Created, got {other:?}"),
    };
    assert_eq!(created.job_id, new_job("d-1").key.job_id());
    assert_eq!(created.status, JobStatus::Queued);
    assert_eq!(created.mode, JobMode::Async);
    assert_eq!(created.source, "github");
    assert_eq!(created.idempotency_key, "d-1");
    assert_eq!(created.ticket_id, "42");
    assert_eq!(created.attempts, 0);
    assert_eq!(created.created_at_ms, 1_800_000_000_000);
    assert_eq!(created.expires_at, 1_800_000_000 + 24 * 3600);
    assert_eq!(created.lease_until_ms, None);

    // The retry carries different details (a sender that re-renders the payload): the stored
    // record wins, unchanged.
    let mut retry = new_job("d-1");
    retry.ticket_id = "other".into();
    retry.mode = JobMode::Sync;
    let later = t0() + Duration::from_secs(5);
    match store.claim(retry, later).await.unwrap() {
        Claim::Existing(existing) => assert_eq!(existing, created),
        other => panic!("expected Existing, got {other:?}"),
    }
    assert_eq!(store.get(&created.job_id).await.unwrap(), Some(created));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_of_one_key_create_exactly_one() {
    let store = store().await;
    // Several rounds, each with 8 simultaneous claims of a fresh key.
    for round in 0..5 {
        let delivery = format!("concurrent-{round}");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let job = new_job(&delivery);
                tokio::spawn(async move { store.claim(job, t0()).await.unwrap() })
            })
            .collect();
        let mut claims = Vec::new();
        for task in tasks {
            claims.push(task.await.unwrap());
        }
        let created: Vec<_> = claims.iter().filter(|c| c.is_created()).collect();
        assert_eq!(created.len(), 1, "round {round}: {claims:#?}");
        let winner = created[0].record();
        for claim in &claims {
            assert_eq!(claim.record(), winner, "round {round}");
        }
    }
}

#[tokio::test]
async fn an_expired_record_is_claimable_again() {
    let store = store().await;
    let first = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record();
    store
        .start_attempt(&first.job_id, LEASE, t0())
        .await
        .unwrap()
        .unwrap();

    // At the expiry second the record is still live (expired means expires_at < now).
    let at_expiry = UNIX_EPOCH + Duration::from_secs(first.expires_at);
    assert!(
        !store
            .claim(new_job("d-1"), at_expiry)
            .await
            .unwrap()
            .is_created()
    );

    // After it: moto, like DynamoDB, has not deleted the item, yet it counts as absent.
    let after = at_expiry + Duration::from_secs(1);
    let stale = store.get(&first.job_id).await.unwrap().unwrap();
    assert!(stale.is_expired(after));
    let again = match store.claim(new_job("d-1"), after).await.unwrap() {
        Claim::Created(r) => r,
        other => panic!("expected Created, got {other:?}"),
    };
    assert_eq!(again.job_id, first.job_id);
    assert_eq!(again.status, JobStatus::Queued);
    assert_eq!(again.attempts, 0);
    assert_eq!(
        again.created_at_ms,
        first.created_at_ms + TTL.as_millis() as u64 + 1000
    );
}

#[tokio::test]
async fn an_expired_record_cannot_be_started() {
    let store = store().await;
    let job = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record();
    let after = t0() + TTL + Duration::from_secs(1);
    assert_eq!(
        store
            .start_attempt(&job.job_id, LEASE, after)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn start_attempt_on_a_queued_job_runs_it_once() {
    let store = store().await;
    let job = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record();
    let now = t0() + Duration::from_secs(2);
    let running = store
        .start_attempt(&job.job_id, LEASE, now)
        .await
        .unwrap()
        .expect("a queued job starts");
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.attempts, 1);
    assert_eq!(running.lease_until_ms, Some(1_800_000_002_000 + 900_000));
    assert_eq!(running.updated_at_ms, 1_800_000_002_000);
    assert_eq!(running.created_at_ms, job.created_at_ms);

    // A redelivered message while the lease is live does nothing.
    let later = now + Duration::from_secs(60);
    assert_eq!(
        store
            .start_attempt(&job.job_id, LEASE, later)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get(&job.job_id).await.unwrap().unwrap(), running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_start_attempts_start_one() {
    let store = store().await;
    let job_id = store
        .claim(new_job("d-1"), t0())
        .await
        .unwrap()
        .into_record()
        .job_id;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (store, job_id) = (store.clone(), job_id.clone());
            tokio::spawn(async move { store.start_attempt(&job_id, LEASE, t0()).await.unwrap() })
        })
        .collect();
    let mut started = 0;
    for task in tasks {
        if let Some(r) = task.await.unwrap() {
            assert_eq!(r.attempts, 1);
            started += 1;
        }
    }
    assert_eq!(started, 1);
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_attempt_is_fenced_off() {
    let (store, job_id, first) = running_job().await;
    assert_eq!(first, 1);

    // Exactly at lease_until the lease is still held; one millisecond later it has passed.
    let lease_end = t0() + LEASE;
    assert_eq!(
        store
            .start_attempt(&job_id, LEASE, lease_end)
            .await
            .unwrap(),
        None
    );
    let takeover = lease_end + Duration::from_millis(1);
    let second = store
        .start_attempt(&job_id, LEASE, takeover)
        .await
        .unwrap()
        .expect("lease passed: taken over");
    assert_eq!(second.status, JobStatus::Running);
    assert_eq!(second.attempts, 2);
    assert_eq!(
        second.lease_until_ms,
        Some(1_800_000_000_000 + 900_000 + 1 + 900_000)
    );

    // The first worker wakes up and finishes: refused, the takeover owns the outcome.
    let late = store
        .succeed(&job_id, first, "stale answer", takeover)
        .await;
    assert!(
        matches!(late, Err(StoreError::Conflict { op: "succeed", .. })),
        "{late:?}"
    );
    let done = store
        .succeed(&job_id, second.attempts, "fresh answer", takeover)
        .await
        .unwrap();
    assert_eq!(done.analysis.as_deref(), Some("fresh answer"));
}

#[tokio::test]
async fn after_succeed_start_attempt_does_nothing_and_get_shows_the_analysis() {
    let (store, job_id, attempt) = running_job().await;
    let now = t0() + Duration::from_secs(30);
    let done = store
        .succeed(&job_id, attempt, "Likely area: Messaging", now)
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.lease_until_ms, None);
    // The answer is kept a full TTL after it exists.
    assert_eq!(done.expires_at, 1_800_000_030 + 24 * 3600);

    // A redelivered message, even long after, does nothing.
    let much_later = now + LEASE * 2;
    assert_eq!(
        store
            .start_attempt(&job_id, LEASE, much_later)
            .await
            .unwrap(),
        None
    );
    let got = store.get(&job_id).await.unwrap().unwrap();
    assert_eq!(got, done);
    assert_eq!(got.analysis.as_deref(), Some("Likely area: Messaging"));
    assert_eq!(got.attempts, 1);

    // And a retried delivery gets the stored answer.
    match store.claim(new_job("d-1"), much_later).await.unwrap() {
        Claim::Existing(r) => assert_eq!(r.analysis.as_deref(), Some("Likely area: Messaging")),
        other => panic!("expected Existing, got {other:?}"),
    }
    // Finishing twice is refused.
    assert!(matches!(
        store
            .fail(&job_id, attempt, "AGENT_ERROR", "x", much_later)
            .await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn fail_records_the_code_and_a_bounded_message() {
    let (store, job_id, attempt) = running_job().await;
    let long = "é".repeat(MAX_ERROR_MESSAGE_BYTES);
    let failed = store
        .fail(&job_id, attempt, "AGENT_TIMEOUT", &long, t0())
        .await
        .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error_code.as_deref(), Some("AGENT_TIMEOUT"));
    let message = failed.error_message.unwrap();
    assert_eq!(message.len(), MAX_ERROR_MESSAGE_BYTES);
    assert!(message.chars().all(|c| c == 'é'));
    assert_eq!(failed.analysis, None);
    assert_eq!(
        store
            .start_attempt(&job_id, LEASE, t0() + LEASE * 2)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn release_requeues_for_an_immediate_retry() {
    let (store, job_id, attempt) = running_job().await;
    let released = store.release(&job_id, attempt, t0()).await.unwrap();
    assert_eq!(released.status, JobStatus::Queued);
    assert_eq!(released.lease_until_ms, None);
    let again = store
        .start_attempt(&job_id, LEASE, t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    // The released attempt can no longer finish.
    assert!(matches!(
        store.succeed(&job_id, attempt, "x", t0()).await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn an_oversize_analysis_is_refused_without_a_write() {
    let (store, job_id, attempt) = running_job().await;
    let big = "a".repeat(MAX_ANALYSIS_BYTES + 1);
    assert!(matches!(
        store.succeed(&job_id, attempt, &big, t0()).await,
        Err(StoreError::TooLarge {
            what: "analysis",
            ..
        })
    ));
    assert_eq!(
        store.get(&job_id).await.unwrap().unwrap().status,
        JobStatus::Running
    );
    // The largest accepted analysis fits in one item.
    let largest = "a".repeat(MAX_ANALYSIS_BYTES);
    let done = store
        .succeed(&job_id, attempt, &largest, t0())
        .await
        .unwrap();
    assert_eq!(done.analysis.map(|a| a.len()), Some(MAX_ANALYSIS_BYTES));
}

#[tokio::test]
async fn write_back_status_is_recorded() {
    let (store, job_id, attempt) = running_job().await;
    store
        .succeed(&job_id, attempt, "answer", t0())
        .await
        .unwrap();
    let mut wb = WriteBack {
        target: "servicenow".into(),
        status: WriteBackStatus::Pending,
        attempts: 0,
        last_error_code: None,
    };
    let r = store.set_write_back(&job_id, &wb, t0()).await.unwrap();
    assert_eq!(r.write_back.as_ref(), Some(&wb));

    wb.status = WriteBackStatus::Failed;
    wb.attempts = 1;
    wb.last_error_code = Some("WRITE_BACK_HTTP_5XX".into());
    let r = store
        .set_write_back(&job_id, &wb, t0() + Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(r.write_back.as_ref(), Some(&wb));
    assert_eq!(r.updated_at_ms, 1_800_000_001_000);
    assert_eq!(r.status, JobStatus::Succeeded);

    wb.status = WriteBackStatus::Done;
    wb.attempts = 2;
    wb.last_error_code = None;
    store.set_write_back(&job_id, &wb, t0()).await.unwrap();
    assert_eq!(
        store.get(&job_id).await.unwrap().unwrap().write_back,
        Some(wb.clone())
    );

    let unknown = IdempotencyKey::from_delivery_id("github", "never")
        .unwrap()
        .job_id();
    assert!(matches!(
        store.set_write_back(&unknown, &wb, t0()).await,
        Err(StoreError::Conflict {
            op: "set_write_back",
            ..
        })
    ));
}

#[tokio::test]
async fn unknown_jobs_are_absent_and_cannot_be_started() {
    let store = store().await;
    let unknown = IdempotencyKey::from_delivery_id("github", "never")
        .unwrap()
        .job_id();
    assert_eq!(store.get(&unknown).await.unwrap(), None);
    assert_eq!(
        store.start_attempt(&unknown, LEASE, t0()).await.unwrap(),
        None
    );
    // The conditional update must not have created an item.
    assert_eq!(store.get(&unknown).await.unwrap(), None);
}

#[tokio::test]
async fn sdk_failures_become_typed_errors() {
    // A table that does not exist: the service's code, nothing else.
    let missing = JobStore::new(
        local_moto::dynamodb_client(),
        local_moto::unique("missing"),
        TTL,
    );
    match missing.get("job_0123456789abcdef0123456789abcdef").await {
        Err(StoreError::Other { op: "get", code }) => assert_eq!(code, "ResourceNotFoundException"),
        other => panic!("expected Other, got {other:?}"),
    }
    let err = missing.claim(new_job("d-1"), t0()).await.unwrap_err();
    assert!(!err.is_retryable());

    // Nothing listening: unavailable, retryable, and the message names no endpoint.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = local_moto::dynamodb_client_at(&format!("http://127.0.0.1:{port}"));
    let down = JobStore::new(client, "jobs".into(), TTL);
    let err = down
        .get("job_0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable { op: "get" }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
}
