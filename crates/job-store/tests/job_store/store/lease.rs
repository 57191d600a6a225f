//! `start_attempt` and `release`: one worker at a time holds a job, a dead worker's lease is
//! taken over once it passes, and the attempt number fences off the old worker.

use std::time::Duration;

use job_store::{JobStatus, StoreError};

use crate::support::{LEASE, TTL, queued_job, running_job, start, store, t0, unknown_job_id};

#[tokio::test]
async fn an_expired_record_cannot_be_started() {
    let (store, job) = queued_job().await;
    let after = t0() + TTL + Duration::from_secs(1);
    assert_eq!(start(&store, &job.job_id, after).await, None);
}

#[tokio::test]
async fn start_attempt_on_a_queued_job_runs_it_once() {
    let (store, job) = queued_job().await;
    let now = t0() + Duration::from_secs(2);
    let running = start(&store, &job.job_id, now)
        .await
        .expect("a queued job starts");
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.attempts, 1);
    assert_eq!(running.lease_until_ms, Some(1_800_000_002_000 + 900_000));
    assert_eq!(running.updated_at_ms, 1_800_000_002_000);
    assert_eq!(running.created_at_ms, job.created_at_ms);

    // A redelivered message while the lease is live does nothing.
    let later = now + Duration::from_secs(60);
    assert_eq!(start(&store, &job.job_id, later).await, None);
    assert_eq!(store.get(&job.job_id).await.unwrap().unwrap(), running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_start_attempts_start_one() {
    let (store, job) = queued_job().await;
    let job_id = job.job_id;
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (store, job_id) = (store.clone(), job_id.clone());
            tokio::spawn(async move { start(&store, &job_id, t0()).await })
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
    assert_eq!(start(&store, &job_id, lease_end).await, None);
    let takeover = lease_end + Duration::from_millis(1);
    let second = start(&store, &job_id, takeover)
        .await
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
async fn release_requeues_for_an_immediate_retry() {
    let (store, job_id, attempt) = running_job().await;
    let released = store.release(&job_id, attempt, t0()).await.unwrap();
    assert_eq!(released.status, JobStatus::Queued);
    assert_eq!(released.lease_until_ms, None);
    let again = start(&store, &job_id, t0()).await.unwrap();
    assert_eq!(again.attempts, 2);
    // The released attempt can no longer finish.
    assert!(matches!(
        store.succeed(&job_id, attempt, "x", t0()).await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn unknown_jobs_are_absent_and_cannot_be_started() {
    let store = store().await;
    let unknown = unknown_job_id();
    assert_eq!(store.get(&unknown).await.unwrap(), None);
    assert_eq!(start(&store, &unknown, t0()).await, None);
    // The conditional update must not have created an item.
    assert_eq!(store.get(&unknown).await.unwrap(), None);
}
