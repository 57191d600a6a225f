//! Idempotent and asynchronous deliveries with the real SDK clients against real protocol
//! servers: DynamoDB and SQS on moto, AgentCore on the local emulator, the ticket systems'
//! write-back APIs on the local recording stub. The worker is driven with SQS events built from
//! messages actually received from the queue.

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use http::StatusCode;
use local_agentcore::{Fault, ServiceError};
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::{Value, json};
use support::jobs::JobsHarness;
use support::{assert_error, call, event_json, request};
use webhook_bridge::Worker;

const SYS_ID: &str = "46d44a5ea9fe198101b9e1ac8f0d0f7d";

/// The ServiceNow incident fixture with extra headers and query parameters.
fn delivery(headers: &[(&str, &str)], query: &[(&str, &str)]) -> lambda_http::Request {
    let mut ev = event_json("servicenow-incident.json");
    for (k, v) in headers {
        ev["headers"][*k] = Value::from(*v);
        ev["multiValueHeaders"][*k] = Value::from(vec![*v]);
    }
    if !query.is_empty() {
        let q: serde_json::Map<String, Value> = query
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        let mq: serde_json::Map<String, Value> = query
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(vec![*v])))
            .collect();
        ev["queryStringParameters"] = Value::Object(q);
        ev["multiValueQueryStringParameters"] = Value::Object(mq);
    }
    request(&ev)
}

fn job_request(job_id: &str) -> lambda_http::Request {
    let mut ev = event_json("servicenow-incident.json");
    ev["httpMethod"] = Value::from("GET");
    ev["path"] = Value::from(format!("/jobs/{job_id}"));
    ev["requestContext"]["path"] = Value::from(format!("/prod/jobs/{job_id}"));
    ev["body"] = Value::Null;
    request(&ev)
}

/// Receives what is on the queue now and hands it to the worker as Lambda would.
async fn run_worker(h: &JobsHarness, worker: &Worker) -> (Vec<SqsMessage>, Vec<String>) {
    let received = h
        .sqs
        .receive_message()
        .queue_url(&h.queues.url)
        .max_number_of_messages(10)
        .visibility_timeout(1)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap();
    let messages: Vec<SqsMessage> = received
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let mut msg = SqsMessage::default();
            msg.message_id = m.message_id;
            msg.receipt_handle = m.receipt_handle;
            msg.body = m.body;
            msg.attributes = m
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.as_str().to_owned(), v))
                .collect::<HashMap<_, _>>();
            msg
        })
        .collect();
    let mut event = SqsEvent::default();
    event.records = messages.clone();
    let response = worker.handle(event, 0).await;
    let failed: Vec<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    for m in &messages {
        if !failed.contains(m.message_id.as_ref().unwrap()) {
            h.sqs
                .delete_message()
                .queue_url(&h.queues.url)
                .receipt_handle(m.receipt_handle.clone().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    (messages, failed)
}

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
    assert_error(&first, 429, "RATE_LIMITED");
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
async fn async_deliveries_are_queued_polled_and_run_once_by_the_worker() {
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let j = &accepted.json;
    assert_eq!(j["success"], true);
    assert_eq!(j["status"], "accepted");
    assert_eq!(j["job_status"], "queued");
    let job_id = j["job_id"].as_str().unwrap().to_owned();
    assert!(job_id.starts_with("job_") && job_id.len() == 36, "{job_id}");
    let status_url = j["status_url"].as_str().unwrap();
    assert_eq!(
        status_url,
        format!("https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/jobs/{job_id}")
    );
    assert_eq!(accepted.headers["location"], status_url);
    assert_eq!(
        h.agentcore.invocation_count(),
        0,
        "202 before any agent call"
    );

    let queued = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(queued.status, StatusCode::OK, "{}", queued.raw);
    assert_eq!(queued.json["status"], "queued");
    assert_eq!(queued.json["mode"], "async");
    assert_eq!(queued.json["ticket_id"], "INC0010001");

    // The sender retries (Prefer header this time): same job, still one job in the table.
    let again = call(&h.bridge, delivery(&[("Prefer", "respond-async")], &[])).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.json["job_id"], job_id.as_str());

    h.agentcore.inject(Fault::delay(Duration::from_millis(600)));
    let worker = h.worker(&[]).await;
    let (states, (messages, failed)) = tokio::join!(
        async {
            // Poll while the worker runs: queued → running → succeeded.
            let mut seen = vec![];
            for _ in 0..60 {
                let r = call(&h.bridge, job_request(&job_id)).await;
                let s = r.json["status"].as_str().unwrap().to_owned();
                if seen.last() != Some(&s) {
                    seen.push(s.clone());
                }
                if s == "succeeded" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            seen
        },
        run_worker(&h, &worker)
    );
    assert!(failed.is_empty(), "{failed:?}");
    assert!(!messages.is_empty());
    assert!(states.contains(&"running".to_owned()), "{states:?}");
    assert_eq!(states.last().unwrap(), "succeeded", "{states:?}");
    assert_eq!(
        h.agentcore.invocation_count(),
        1,
        "duplicate messages ran nothing"
    );

    let done = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(done.json["status"], "succeeded");
    assert!(
        done.json["analysis"]
            .as_str()
            .unwrap()
            .starts_with("Triage for INC0010001"),
        "{}",
        done.raw
    );
    assert_eq!(done.json["attempts"], 1);
    assert!(done.json["created_at"].as_str().unwrap().ends_with('Z'));

    // A sync retry after the job finished gets the same job, not a second agent call.
    let late = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(late.status, StatusCode::ACCEPTED, "{}", late.raw);
    assert_eq!(late.json["job_status"], "succeeded");
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn the_worker_writes_back_once_and_retries_a_failed_write_back() {
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let creds = json!({
        "instance_url": ticketing.endpoint_url(),
        "username": "bridge",
        "password": "local-servicenow-password",
    })
    .to_string();
    // As deployed: only the worker holds the write-back credentials.
    let h = JobsHarness::start(&[("SERVICENOW_MODE", "async")]).await;
    let accepted = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();

    ticketing.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let worker = h.worker(&[("SERVICENOW_WRITE_BACK", &creds)]).await;
    let (_, failed) = run_worker(&h, &worker).await;
    assert_eq!(failed.len(), 1, "the message goes back for the write-back");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "succeeded");
    assert_eq!(record.json["write_back"]["status"], "pending");
    assert_eq!(
        record.json["write_back"]["last_error_code"],
        "WRITE_BACK_SERVER_ERROR"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await; // the visibility timeout
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!(messages.len(), 1);
    assert!(failed.is_empty());
    assert_eq!(
        h.agentcore.invocation_count(),
        1,
        "the write-back retry did not call the agent"
    );

    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(
        record.json["write_back"],
        json!({"target": "servicenow", "status": "done", "attempts": 2, "last_error_code": null})
    );
    let patches: Vec<_> = ticketing
        .requests()
        .into_iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(patches.len(), 1, "exactly one successful write-back");
    let patch = &patches[0];
    assert_eq!(patch.method, "PATCH");
    assert_eq!(patch.path, format!("/api/now/table/incident/{SYS_ID}"));
    assert!(matches!(
        &patch.auth,
        local_ticketing::PresentedAuth::Basic { username, password }
            if username == "bridge" && password == "local-servicenow-password"
    ));
    assert_eq!(patch.header("content-type"), Some("application/json"));
    let body = patch.body.as_ref().unwrap();
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "only work_notes: {body}"
    );
    let note = body["work_notes"].as_str().unwrap();
    assert!(
        note.starts_with(&format!("AI analysis (AgentCore bridge, job {job_id}):")),
        "{note}"
    );
    assert!(note.ends_with(record.json["analysis"].as_str().unwrap()));
}

#[tokio::test]
async fn agent_failures_are_retried_then_recorded() {
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let worker = h.worker(&[]).await;
    for _ in 0..2 {
        h.agentcore
            .inject(Fault::error(ServiceError::ThrottlingException));
    }
    let (_, failed) = run_worker(&h, &worker).await;
    assert_eq!(failed.len(), 1, "throttled: handed back for another try");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "queued");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, failed) = run_worker(&h, &worker).await;
    assert!(failed.is_empty(), "the last receive records the failure");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "failed", "{}", record.raw);
    assert_eq!(record.json["error"]["code"], "RATE_LIMITED");
    assert_eq!(record.json["attempts"], 2);
    assert!(
        !record.raw.contains("Exception"),
        "no internal text: {}",
        record.raw
    );
}

#[tokio::test]
async fn poison_messages_and_the_bridges_own_updates() {
    let h = JobsHarness::start(&[("SERVICENOW_INTEGRATION_USERS", "svc_ai_bridge, other")]).await;
    h.sqs
        .send_message()
        .queue_url(&h.queues.url)
        .message_body("{not a job")
        .send()
        .await
        .unwrap();
    let worker = h.worker(&[]).await;
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!(failed, vec![messages[0].message_id.clone().unwrap()]);

    let mut ev = event_json("servicenow-incident.json");
    let mut body: Value = serde_json::from_str(ev["body"].as_str().unwrap()).unwrap();
    body["sys_updated_by"] = Value::from("SVC_AI_BRIDGE");
    ev["body"] = Value::from(body.to_string());
    let own = call(&h.bridge, request(&ev)).await;
    assert_eq!(own.status, StatusCode::ACCEPTED, "{}", own.raw);
    assert_eq!(own.json["code"], "IGNORED_OWN_UPDATE");
    assert_eq!(h.agentcore.invocation_count(), 0);

    let unknown = call(
        &h.bridge,
        job_request("job_00000000000000000000000000000000"),
    )
    .await;
    assert_error(&unknown, 404, "JOB_NOT_FOUND");
}

#[tokio::test]
async fn a_store_that_is_down_refuses_rather_than_risking_duplicates() {
    let h = JobsHarness::start(&[("JOBS_TABLE", "no-such-table")]).await;
    let reply = call(&h.bridge, delivery(&[], &[])).await;
    assert_error(&reply, 503, "JOBS_UNAVAILABLE");
    assert_eq!(reply.headers["retry-after"], "5");
    assert_eq!(h.agentcore.invocation_count(), 0);
}
