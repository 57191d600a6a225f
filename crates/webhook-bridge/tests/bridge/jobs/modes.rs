//! No job is left stuck: a sender's retry after a failure runs the delivery again, in the mode
//! its source has now, whether the failure was synchronous (the job handed back) or asynchronous
//! (its tries used up), and whether or not the source's mode changed in between.

use http::StatusCode;
use local_agentcore::{Fault, ServiceError};

use crate::support::call;
use crate::support::jobs::{JobsHarness, delivery, job_request, run_worker};

const KEY: [(&str, &str); 1] = [("Idempotency-Key", "change-5150-update-1")];

fn agent_refuses(h: &JobsHarness) {
    h.agentcore
        .inject(Fault::error(ServiceError::ValidationException));
}

#[tokio::test]
async fn a_synchronous_failure_retried_after_the_source_went_async_is_queued_and_run() {
    let h = JobsHarness::start(&[]).await;
    agent_refuses(&h);
    let failed = call(&h.bridge, delivery(&KEY, &[])).await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.raw);

    // Redeployed with ServiceNow asynchronous; the sender retries the same delivery.
    let async_bridge = h.bridge(&[("SERVICENOW_MODE", "async")]).await;
    let accepted = call(&async_bridge, delivery(&KEY, &[])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();

    let worker = h.worker(&[("SERVICENOW_MODE", "async")]).await;
    let (messages, handed_back) = run_worker(&h, &worker).await;
    assert_eq!(messages.len(), 1, "the retry put the job on the queue");
    assert!(handed_back.is_empty());
    let record = call(&async_bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "succeeded", "{}", record.raw);
    assert_eq!(h.agentcore.invocation_count(), 2);
}

#[tokio::test]
async fn an_asynchronous_job_whose_tries_ran_out_runs_again_on_a_retry_in_either_mode() {
    let h = JobsHarness::start(&[("SERVICENOW_MODE", "async")]).await;
    let accepted = call(&h.bridge, delivery(&KEY, &[])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    // One receive allowed: the agent's refusal is final.
    let worker = h.worker(&[("JOB_MAX_RECEIVES", "1")]).await;
    agent_refuses(&h);
    run_worker(&h, &worker).await;
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "failed", "{}", record.raw);

    // The sender retries: queued again and run.
    let again = call(&h.bridge, delivery(&KEY, &[])).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.raw);
    assert_eq!(again.json["job_id"], job_id.as_str());
    let (messages, _) = run_worker(&h, &worker).await;
    assert_eq!(messages.len(), 1);
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "succeeded", "{}", record.raw);

    // The same after the source went synchronous: the retry runs at once.
    let h = JobsHarness::start(&[("SERVICENOW_MODE", "async")]).await;
    call(&h.bridge, delivery(&KEY, &[])).await;
    let worker = h.worker(&[("JOB_MAX_RECEIVES", "1")]).await;
    agent_refuses(&h);
    run_worker(&h, &worker).await;
    let sync_bridge = h.bridge(&[("SERVICENOW_MODE", "sync")]).await;
    let answered = call(&sync_bridge, delivery(&KEY, &[])).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.raw);
    assert!(
        answered.json["analysis"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
}
