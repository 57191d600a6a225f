//! Asynchronous deliveries and the worker: queued, polled and run once, written back (and the
//! write-back retried without a second agent call), agent failures retried then recorded,
//! poison messages and the bridge's own updates.

use std::time::Duration;

use http::StatusCode;
use local_agentcore::{Fault, ServiceError};
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::{Value, json};

use crate::support::jobs::{
    JobsHarness, SYS_ID, delivery, job_request, receive, run_worker, signed_delivery, work,
};
use crate::support::signing::SERVICENOW_SECRET;
use crate::support::{assert_error, call, event_json, request};

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

    // The agent's answer is held until the test has seen the job running: the states are
    // observed, not raced against a delay.
    h.agentcore.inject(Fault::HeldSse);
    let worker = h.worker(&[]).await;
    let status = || async { call(&h.bridge, job_request(&job_id)).await.json["status"].clone() };
    let (states, (messages, failed)) = tokio::join!(
        async {
            let mut seen: Vec<String> = vec![];
            let mut note = |s: &Value| {
                let s = s.as_str().unwrap().to_owned();
                if seen.last() != Some(&s) {
                    seen.push(s);
                }
            };
            // Poll while the worker runs: queued → running, then the answer is released.
            for _ in 0..500 {
                let s = status().await;
                note(&s);
                if s == "running" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            h.agentcore.release_held();
            // → succeeded once the worker has read the whole answer.
            for _ in 0..500 {
                let s = status().await;
                note(&s);
                if s == "succeeded" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
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
    // As deployed: only the worker holds the write-back credentials, and the source is signed
    // (only signed deliveries are written back).
    let h = JobsHarness::start(&[
        ("SERVICENOW_MODE", "async"),
        ("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET),
    ])
    .await;
    let accepted = call(&h.bridge, signed_delivery(&[])).await;
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
            .inject(Fault::error(ServiceError::InternalServerException));
    }
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!(failed.len(), 1, "unavailable: handed back for another try");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "queued");
    // The visibility timeout runs out (rather than waiting for it): the message is back.
    h.sqs
        .change_message_visibility()
        .queue_url(&h.queues.url)
        .receipt_handle(messages[0].receipt_handle.clone().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let (_, failed) = run_worker(&h, &worker).await;
    assert!(failed.is_empty(), "the last receive records the failure");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "failed", "{}", record.raw);
    assert_eq!(record.json["error"]["code"], "AGENT_UNAVAILABLE");
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
async fn an_unsigned_delivery_is_analysed_and_never_written_back() {
    // Without a signature nothing proves which ticket a delivery is about: an API-key holder
    // could name any sys_id and have the integration user write agent text into it.
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let creds = json!({
        "instance_url": ticketing.endpoint_url(),
        "username": "bridge",
        "password": "local-servicenow-password",
    })
    .to_string();
    let h = JobsHarness::start(&[("SERVICENOW_MODE", "async")]).await;
    let accepted = call(&h.bridge, delivery(&[], &[])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let worker = h.worker(&[("SERVICENOW_WRITE_BACK", &creds)]).await;
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!((messages.len(), failed.len()), (1, 0));
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "succeeded", "{}", record.raw);
    assert!(record.json.get("write_back").is_none(), "{}", record.raw);
    assert!(ticketing.requests().is_empty(), "nothing was written");
}

#[tokio::test]
async fn the_worker_fails_a_refused_agent_call_at_once_and_hands_a_timed_out_one_back() {
    // Access denied will not change on a retry: the job fails now, the message is not retried.
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    h.agentcore
        .inject(Fault::error(ServiceError::AccessDeniedException));
    let worker = h.worker(&[]).await;
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!(messages.len(), 1);
    assert!(failed.is_empty(), "not handed back: {failed:?}");
    let job = call(&h.bridge, job_request(&job_id)).await.json;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "AGENT_ACCESS_DENIED", "{job}");
    assert_eq!(h.agentcore.invocation_count(), 1);

    // A timeout may pass: the message goes back to the queue for another try.
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    h.agentcore.inject(Fault::delay(Duration::from_secs(3)));
    let worker = h.worker(&[("AGENT_TIMEOUT_SECONDS", "1")]).await;
    let (messages, failed) = run_worker(&h, &worker).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(failed.len(), 1, "handed back to the queue");
    let job = call(&h.bridge, job_request(&job_id)).await.json;
    assert_eq!(job["status"], "queued", "waiting for its next try: {job}");
    assert_eq!(job["attempts"], 1, "{job}");
}

#[tokio::test]
async fn the_example_sqs_event_is_a_job_message_the_worker_reads() {
    let event: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_value(event_json("sqs-job.json")).expect("a real SQS event");
    let record = &event.records[0];
    let job = job_store::JobMessage::from_sqs_body(record.body.as_deref().unwrap())
        .expect("its body is a job message");
    assert_eq!(
        (job.source.as_str(), job.ticket_id.as_str()),
        ("servicenow", "INC0010001")
    );

    // A job its table does not hold (as with `sam local invoke -e events/sqs-job.json` on a fresh
    // table): acknowledged, and the agent is not called.
    let h = JobsHarness::start(&[]).await;
    let response = h.worker(&[]).await.handle(event, 0).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn a_jobs_agent_call_continues_the_trace_of_the_delivery_that_queued_it() {
    let h = JobsHarness::start(&[]).await;
    let accepted = call(&h.bridge, delivery(&[], &[("mode", "async")])).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    // SQS hands the worker the sender's X-Ray trace as the AWSTraceHeader system attribute.
    let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let mut messages = receive(&h).await;
    messages[0]
        .attributes
        .insert("AWSTraceHeader".into(), xray.into());
    let worker = h.worker(&[]).await;
    assert!(work(&h, &worker, messages).await.is_empty());
    let invocation = h.agentcore.invocations().pop().unwrap();
    assert_eq!(invocation.header("x-amzn-trace-id"), Some(xray));
    assert_eq!(
        invocation.header("traceparent"),
        Some("00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"),
        "the W3C form of the same trace, for AgentCore's OpenTelemetry"
    );
}
