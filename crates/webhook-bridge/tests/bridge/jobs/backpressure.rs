//! A storm seen from the worker: a job AgentCore throttles (or refuses over its quota) waits on
//! the queue as a new, delayed message instead of using up the receives that catch poison
//! messages, then runs; its finished session is stopped, not left to idle out.

use http::StatusCode;
use job_store::JobMessage;
use local_agentcore::{Fault, ServiceError};

use crate::support::call;
use crate::support::jobs::{JobsHarness, delivery, job_request, run_worker};

/// Waits (a long poll, returning as soon as one is visible) for the queue to hold a message,
/// and leaves it visible; its body.
async fn next_visible_body(h: &JobsHarness) -> String {
    let received = h
        .sqs
        .receive_message()
        .queue_url(&h.queues.url)
        .wait_time_seconds(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 1, "one message within 10 s");
    received[0].body().unwrap().to_owned()
}

#[tokio::test]
async fn a_throttled_job_is_put_back_delayed_without_using_its_receives_then_runs() {
    let h = JobsHarness::start(&[("JOB_THROTTLE_DELAY_SECONDS", "1")]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let worker = h.worker(&[]).await;

    // Over the invocation rate, then over the active-session quota: both wait, neither fails.
    for error in [
        ServiceError::ThrottlingException,
        ServiceError::ServiceQuotaExceededException,
    ] {
        h.agentcore.inject(Fault::error(error));
        let (messages, failed) = run_worker(&h, &worker).await;
        assert_eq!(messages.len(), 1, "{error:?}");
        assert!(
            failed.is_empty(),
            "{error:?}: acknowledged, not handed back"
        );
        let record = call(&h.bridge, job_request(&job_id)).await;
        assert_eq!(record.json["status"], "queued", "{error:?}: {}", record.raw);

        let body = next_visible_body(&h).await;
        let put_back = JobMessage::from_sqs_body(&body).unwrap();
        assert_eq!(put_back.job_id, job_id);
        assert!(put_back.deferrals >= 1, "{body}");
    }

    let (messages, failed) = run_worker(&h, &worker).await;
    assert!(failed.is_empty(), "{failed:?}");
    let receives = &messages[0].attributes["ApproximateReceiveCount"];
    assert_eq!(
        receives, "2",
        "the put-back is a new message: only this test's peek and this run received it"
    );
    let done = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(done.json["status"], "succeeded", "{}", done.raw);
    assert_eq!(done.json["attempts"], 3);
    assert_eq!(h.agentcore.invocation_count(), 3);
}

#[tokio::test]
async fn a_job_throttled_past_its_put_backs_falls_back_to_its_receives() {
    let h = JobsHarness::start(&[("JOB_MAX_DEFERRALS", "0")]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let worker = h.worker(&[]).await;
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    let (_, failed) = run_worker(&h, &worker).await;
    assert_eq!(failed.len(), 1, "no put-backs left: handed back");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "queued", "{}", record.raw);
}

#[tokio::test]
async fn the_worker_stops_a_delivery_session_once_its_job_is_recorded() {
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let (_, failed) = run_worker(&h, &h.worker(&[]).await).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        call(&h.bridge, job_request(&job_id)).await.json["status"],
        "succeeded"
    );
    let session = h.agentcore.invocations()[0].session_id.clone();
    let stops = h.agentcore.stop_requests();
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].session_id, session);
    assert!(stops[0].stopped);

    // A ticket's session is continued by the next delivery: kept.
    let kept = JobsHarness::start(&[("SESSION_POLICY", "ticket")]).await;
    call(&kept.bridge, delivery(&[], &[("mode", "async")])).await;
    let (_, failed) = run_worker(&kept, &kept.worker(&[]).await).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(kept.agentcore.invocation_count(), 1);
    assert!(kept.agentcore.stop_requests().is_empty());
}
