//! Listing jobs for an operator: failed ones through the sparse failures index (and only while
//! they are failed), other statuses by a scan, newest first, within the window asked for.

use std::time::Duration;

use job_store::{JobMode, JobStatus};

use crate::support::{LEASE, new_job, store, t0};

#[tokio::test]
async fn failed_jobs_are_listed_from_the_failures_index_until_reopened() {
    let store = store().await;
    let hour = Duration::from_secs(3600);
    // Three jobs fail: 20 hours ago (t0 is 08:00 UTC: the day before), an hour ago and now; a
    // fourth succeeds; a fifth waits.
    let mut failed = vec![];
    for (delivery, at) in [
        ("d-old", t0() - 20 * hour),
        ("d-1", t0() - hour),
        ("d-2", t0()),
    ] {
        let job = store
            .claim(new_job(delivery), at)
            .await
            .unwrap()
            .into_record();
        let run = store
            .start_attempt(&job.job_id, LEASE, at)
            .await
            .unwrap()
            .unwrap();
        store
            .fail(&job.job_id, run.attempts, "AGENT_TIMEOUT", "timed out", at)
            .await
            .unwrap();
        failed.push(job.job_id);
    }
    let ok = store
        .claim(new_job("d-ok"), t0())
        .await
        .unwrap()
        .into_record();
    let run = store
        .start_attempt(&ok.job_id, LEASE, t0())
        .await
        .unwrap()
        .unwrap();
    store
        .succeed(&ok.job_id, run.attempts, "fine", t0())
        .await
        .unwrap();
    let waiting = store
        .claim(new_job("d-wait"), t0())
        .await
        .unwrap()
        .into_record();

    // The last 2 hours: the two recent failures, newest first, with their codes.
    let recent = store
        .list(JobStatus::Failed, t0() - 2 * hour, t0())
        .await
        .unwrap();
    let ids: Vec<&str> = recent.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, [failed[2].as_str(), failed[1].as_str()]);
    assert!(
        recent
            .iter()
            .all(|r| r.error_code.as_deref() == Some("AGENT_TIMEOUT"))
    );
    let day = store
        .list(JobStatus::Failed, t0() - 24 * hour, t0())
        .await
        .unwrap();
    assert_eq!(day.len(), 3, "a window across midnight queries both days");

    // Reopened (a sender's retry), a job leaves the index.
    store
        .reopen(&failed[2], JobMode::Async, t0())
        .await
        .unwrap()
        .unwrap();
    let after = store
        .list(JobStatus::Failed, t0() - 2 * hour, t0())
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].job_id, failed[1]);

    // Other statuses come from a scan.
    let succeeded = store
        .list(JobStatus::Succeeded, t0() - hour, t0())
        .await
        .unwrap();
    assert_eq!(succeeded.len(), 1);
    assert_eq!(succeeded[0].job_id, ok.job_id);
    let queued = store
        .list(JobStatus::Queued, t0() - hour, t0())
        .await
        .unwrap();
    let queued: Vec<&str> = queued.iter().map(|r| r.job_id.as_str()).collect();
    assert!(queued.contains(&waiting.job_id.as_str()) && queued.contains(&failed[2].as_str()));
}
