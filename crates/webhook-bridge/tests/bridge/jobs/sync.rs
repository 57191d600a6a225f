//! Synchronous deliveries through the jobs table: retries answered from the record, duplicates
//! in flight refused, failures handed back, vendor delivery ids, a store that is down.

use std::time::Duration;

use http::StatusCode;
use local_agentcore::{Fault, ServiceError};
use serde_json::Value;

use crate::support::jobs::{JobsHarness, delivery};
use crate::support::{assert_error, call, event_json, request};

#[tokio::test]
async fn a_retried_sync_delivery_is_answered_from_the_record() {
    let h = JobsHarness::start(&[]).await;
    let first = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    assert!(first.json.get("replayed").is_none());

    let retry = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.raw);
    assert_eq!(retry.json["replayed"], true);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.json["analysis"], first.json["analysis"]);
    assert_eq!(retry.json["session_id"], first.json["session_id"]);
    assert_eq!(retry.json["incident_number"], "INC0010001");
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");
}

#[tokio::test]
async fn concurrent_duplicates_run_the_agent_once() {
    let h = JobsHarness::start(&[]).await;
    h.agentcore.inject(Fault::delay(Duration::from_millis(800)));
    let key = [("Idempotency-Key", "change-4711-update-3")];
    let replies =
        futures_util::future::join_all((0..6).map(|_| call(&h.bridge, delivery(&key, &[])))).await;
    let ok: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    let busy: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .collect();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        replies.iter().map(|r| &r.raw).collect::<Vec<_>>()
    );
    assert_eq!(busy.len(), 5);
    for r in busy {
        assert_error(r, 409, "DUPLICATE_IN_PROGRESS");
        assert_eq!(r.headers["retry-after"], "10");
    }
    assert_eq!(h.agentcore.invocation_count(), 1);
    let later = call(&h.bridge, delivery(&key, &[])).await;
    assert_eq!(later.json["replayed"], true, "{}", later.raw);
    assert_eq!(later.json["analysis"], ok[0].json["analysis"]);
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_failed_sync_delivery_may_be_retried() {
    let h = JobsHarness::start(&[]).await;
    h.agentcore
        .inject(Fault::error(ServiceError::ThrottlingException));
    let first = call(&h.bridge, delivery(&[], &[])).await;
    assert_error(&first, 429, "RATE_LIMIT_EXCEEDED");
    let retry = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.raw);
    assert!(
        retry.json.get("replayed").is_none(),
        "the agent answered this time"
    );
    assert_eq!(h.agentcore.invocation_count(), 2);
}

#[tokio::test]
async fn vendor_delivery_ids_identify_retries() {
    let h = JobsHarness::start(&[]).await;
    let mut ev = event_json("github-issue-opened.json");
    ev["headers"]["X-GitHub-Delivery"] = Value::from("72d3162e-cc78-11e3-81ab-4c9367dc0958");
    let first = call(&h.bridge, request(&ev)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    // GitHub's redelivery of the same delivery id is the same delivery, whatever the body.
    let retry = call(&h.bridge, request(&ev)).await;
    assert_eq!(retry.json["replayed"], true, "{}", retry.raw);
    ev["headers"]["X-GitHub-Delivery"] = Value::from("a-different-delivery");
    let other = call(&h.bridge, request(&ev)).await;
    assert!(other.json.get("replayed").is_none(), "{}", other.raw);
    assert_eq!(h.agentcore.invocation_count(), 2);

    let bad = call(&h.bridge, delivery(&[("Idempotency-Key", "")], &[])).await;
    assert_error(&bad, 400, "INVALID_IDEMPOTENCY_KEY");
    assert_eq!(h.agentcore.invocation_count(), 2);
}

#[tokio::test]
async fn a_store_that_is_down_refuses_rather_than_risking_duplicates() {
    let h = JobsHarness::start(&[("JOBS_TABLE", "no-such-table")]).await;
    let reply = call(&h.bridge, delivery(&[], &[])).await;
    assert_error(&reply, 503, "JOBS_UNAVAILABLE");
    assert_eq!(reply.headers["retry-after"], "5");
    assert_eq!(h.agentcore.invocation_count(), 0);
}
