//! `succeed`, `fail` and `set_write_back`: what a finished job records, and that it stays final.

use std::time::Duration;

use job_store::{
    JobMode, JobStatus, MAX_ANALYSIS_BYTES, MAX_ERROR_MESSAGE_BYTES, StoreError, WriteBack,
    WriteBackStatus,
};

use crate::support::{LEASE, existing, new_job, running_job, start, t0, unknown_job_id};

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
    assert_eq!(start(&store, &job_id, much_later).await, None);
    let got = store.get(&job_id).await.unwrap().unwrap();
    assert_eq!(got, done);
    assert_eq!(got.analysis.as_deref(), Some("Likely area: Messaging"));
    assert_eq!(got.attempts, 1);

    // And a retried delivery gets the stored answer.
    let replayed = existing(store.claim(new_job("d-1"), much_later).await.unwrap());
    assert_eq!(replayed.analysis.as_deref(), Some("Likely area: Messaging"));
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
    assert_eq!(start(&store, &job_id, t0() + LEASE * 2).await, None);
}

#[tokio::test]
async fn an_oversize_analysis_is_stored_cut_with_a_note_and_the_job_ends() {
    let (store, job_id, attempt) = running_job().await;
    // Larger than a DynamoDB item: stored cut, and the job is finished, not left running.
    let big = "a".repeat(MAX_ANALYSIS_BYTES * 2);
    let done = store.succeed(&job_id, attempt, &big, t0()).await.unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    let stored = done.analysis.unwrap();
    assert!(stored.len() <= MAX_ANALYSIS_BYTES);
    assert!(
        stored.ends_with("more than a job record holds]"),
        "{}",
        &stored[stored.len() - 80..]
    );
    assert_eq!(
        store
            .get(&job_id)
            .await
            .unwrap()
            .unwrap()
            .analysis
            .as_deref(),
        Some(stored.as_str())
    );
    // The largest analysis that fits is stored whole.
    let (store, job_id, attempt) = running_job().await;
    let largest = "a".repeat(MAX_ANALYSIS_BYTES);
    let done = store
        .succeed(&job_id, attempt, &largest, t0())
        .await
        .unwrap();
    assert_eq!(done.analysis, Some(largest));
}

#[tokio::test]
async fn write_back_status_is_recorded_under_each_tries_claim() {
    let (store, job_id, attempt) = running_job().await;
    store
        .succeed(&job_id, attempt, "answer", t0())
        .await
        .unwrap();
    let lease = Duration::from_secs(60);
    let first = store
        .claim_write_back(&job_id, "servicenow", None, lease, t0())
        .await
        .unwrap();
    assert_eq!(first, Some(1));
    let mut wb = WriteBack {
        target: "servicenow".into(),
        status: WriteBackStatus::Pending,
        attempts: 1,
        last_error_code: Some("WRITE_BACK_SERVER_ERROR".into()),
        // Of several sinks, the second was posted: the retry must know.
        sinks_posted: vec![1],
    };
    let r = store
        .set_write_back(&job_id, &wb, t0() + Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(r.write_back.as_ref(), Some(&wb));
    assert_eq!(r.updated_at_ms, 1_800_000_001_000);
    assert_eq!(r.status, JobStatus::Succeeded);

    // The retry claims try 2 (the last error kept until it reports), then records it done.
    let second = store
        .claim_write_back(&job_id, "servicenow", Some(&wb), lease, t0())
        .await
        .unwrap();
    assert_eq!(second, Some(2));
    assert_eq!(
        store
            .get(&job_id)
            .await
            .unwrap()
            .unwrap()
            .write_back
            .unwrap()
            .sinks_posted,
        vec![1],
        "the claim keeps the sinks already posted"
    );
    wb.status = WriteBackStatus::Done;
    wb.sinks_posted = vec![0, 1];
    wb.attempts = 2;
    wb.last_error_code = None;
    store.set_write_back(&job_id, &wb, t0()).await.unwrap();
    assert_eq!(
        store.get(&job_id).await.unwrap().unwrap().write_back,
        Some(wb.clone())
    );
    // Done is final: nothing claims it again.
    assert_eq!(
        store
            .claim_write_back(&job_id, "servicenow", Some(&wb), lease, t0())
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store.set_write_back(&unknown_job_id(), &wb, t0()).await,
        Err(StoreError::Conflict {
            op: "set_write_back",
            ..
        })
    ));
}

#[tokio::test]
async fn two_workers_claiming_one_write_back_get_one_claim_until_it_lapses() {
    let (store, job_id, attempt) = running_job().await;
    store
        .succeed(&job_id, attempt, "answer", t0())
        .await
        .unwrap();
    let lease = Duration::from_secs(60);
    // Both read "no write-back yet" and race: one claim wins.
    let (a, b) = tokio::join!(
        store.claim_write_back(&job_id, "github", None, lease, t0()),
        store.claim_write_back(&job_id, "github", None, lease, t0()),
    );
    let mut won: Vec<u32> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(won, vec![1], "exactly one worker may post");

    // The winner dies without reporting. Within its lease nobody takes over; after it, one does.
    let seen = store.get(&job_id).await.unwrap().unwrap().write_back;
    assert_eq!(seen.as_ref().map(|w| w.attempts), Some(1));
    let early = store
        .claim_write_back(
            &job_id,
            "github",
            seen.as_ref(),
            lease,
            t0() + Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(early, None);
    let later = t0() + Duration::from_secs(61);
    won = store
        .claim_write_back(&job_id, "github", seen.as_ref(), lease, later)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(won, vec![2]);
    // The dead worker's late report is fenced off: the newer claim stands.
    let stale = WriteBack {
        target: "github".into(),
        status: WriteBackStatus::Done,
        attempts: 1,
        last_error_code: None,
        sinks_posted: Vec::new(),
    };
    assert!(matches!(
        store.set_write_back(&job_id, &stale, later).await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_failed_or_mode_switched_job_is_reopened_for_a_retry_and_nothing_else_is() {
    // Failed: queued again in the retry's mode, its error cleared, startable.
    let (store, job_id, attempt) = running_job().await;
    store
        .fail(
            &job_id,
            attempt,
            "AGENT_TIMEOUT",
            "the agent did not answer",
            t0(),
        )
        .await
        .unwrap();
    let reopened = store
        .reopen(&job_id, JobMode::Sync, t0())
        .await
        .unwrap()
        .expect("a failed job reopens");
    assert_eq!(
        (reopened.status, reopened.mode),
        (JobStatus::Queued, JobMode::Sync)
    );
    assert_eq!((reopened.error_code, reopened.error_message), (None, None));
    assert!(
        start(&store, &job_id, t0()).await.is_some(),
        "the retry can run it"
    );

    // Queued under the other mode (a synchronous job handed back, then the source went async).
    let (store, job) = crate::support::queued_job().await;
    assert_eq!(
        store
            .reopen(&job.job_id, JobMode::Async, t0())
            .await
            .unwrap(),
        None,
        "same mode: nothing to do"
    );
    let switched = store
        .reopen(&job.job_id, JobMode::Sync, t0())
        .await
        .unwrap()
        .expect("a queued job of the other mode reopens");
    assert_eq!(switched.mode, JobMode::Sync);

    // Running or succeeded jobs are never reopened.
    let (store, job_id, attempt) = running_job().await;
    assert_eq!(
        store.reopen(&job_id, JobMode::Sync, t0()).await.unwrap(),
        None
    );
    store
        .succeed(&job_id, attempt, "answer", t0())
        .await
        .unwrap();
    assert_eq!(
        store.reopen(&job_id, JobMode::Sync, t0()).await.unwrap(),
        None
    );
}
