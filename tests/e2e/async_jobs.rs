//! Asynchronous mode end to end, with the built binaries and real protocol servers: the `webhook`
//! binary behind the local API Gateway, DynamoDB and SQS on moto, the `worker` binary fed by the
//! local SQS event source mapping, the local AgentCore, and the local ServiceNow stub (and an alert's
//! sinks: Slack on the stub, SNS on moto, a new incident).

use std::time::Duration;

use local_agentcore::Fault;
use serde_json::{Value, json};

use crate::support::{AsyncStack, AsyncTiming};

const SYS_ID: &str = "46d44a5ea9fe198101b9e1ac8f0d0f7d";

fn incident(number: &str) -> Value {
    json!({
        "number": number,
        "short_description": "Email server down for the Sales floor",
        "priority": "1",
        "sys_id": SYS_ID,
        "sys_updated_on": "2026-11-22 09:12:00",
    })
}

fn quick() -> AsyncTiming {
    AsyncTiming {
        visibility_timeout: Duration::from_secs(3),
        function_timeout: Duration::from_secs(3),
        lease_seconds: 3,
    }
}

fn successful_patches(stack: &AsyncStack) -> Vec<local_ticketing::RecordedRequest> {
    stack
        .ticketing
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.status.is_success())
        .collect()
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_make_one_job_one_agent_call_one_write_back() {
    let stack = AsyncStack::start(quick()).await;
    let body = incident("INC0020001");
    let replies = futures_util::future::join_all((0..5).map(|_| stack.deliver(&body))).await;
    let job_id = replies[0].1["job_id"].as_str().unwrap().to_owned();
    for (status, reply) in &replies {
        assert_eq!(*status, 202, "{reply}");
        assert_eq!(
            reply["job_id"],
            job_id.as_str(),
            "every retry names the same job"
        );
        assert_eq!(reply["status"], "accepted");
    }
    let done = stack
        .wait_for_job(&job_id, Duration::from_secs(30), |j| {
            j["write_back"]["status"] == "done"
        })
        .await;
    assert_eq!(done["status"], "succeeded");
    assert!(
        done["analysis"]
            .as_str()
            .unwrap()
            .starts_with("Triage for INC0020001")
    );
    // Count once every message (duplicates too) has been processed and deleted.
    let started = std::time::Instant::now();
    while local_moto::depth(&stack.sqs, &stack.queues.url).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the job queue never drained"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stack.agentcore.invocation_count(), 1, "one agent call");
    let patches = successful_patches(&stack);
    assert_eq!(patches.len(), 1, "one write-back");
    assert_eq!(patches[0].path, format!("/api/now/table/incident/{SYS_ID}"));
    let note = patches[0].body.as_ref().unwrap()["work_notes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(note.contains(&job_id) && note.ends_with(done["analysis"].as_str().unwrap()));
    assert_eq!(
        local_moto::depth(&stack.sqs, &stack.queues.dlq_url).await,
        0
    );
}

#[tokio::test]
async fn a_worker_that_dies_mid_job_is_replaced_and_the_ticket_written_once() {
    let mut stack = AsyncStack::start(AsyncTiming {
        visibility_timeout: Duration::from_secs(5),
        function_timeout: Duration::from_secs(5),
        lease_seconds: 4,
    })
    .await;
    // The first attempt's agent call takes long enough for the worker to be killed during it.
    stack.agentcore.inject(Fault::delay(Duration::from_secs(3)));
    let (status, reply) = stack.deliver(&incident("INC0020002")).await;
    assert_eq!(status, 202, "{reply}");
    let job_id = reply["job_id"].as_str().unwrap().to_owned();

    let running = stack
        .wait_for_job(&job_id, Duration::from_secs(20), |j| {
            j["status"] == "running"
        })
        .await;
    assert_eq!(running["attempts"], 1);
    stack.kill_worker();
    stack.start_worker();

    let done = stack
        .wait_for_job(&job_id, Duration::from_secs(40), |j| {
            j["write_back"]["status"] == "done"
        })
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["attempts"], 2,
        "the redelivered message took the job over: {done}"
    );
    assert_eq!(
        successful_patches(&stack).len(),
        1,
        "the ticket was written once"
    );
    assert_eq!(
        local_moto::depth(&stack.sqs, &stack.queues.dlq_url).await,
        0
    );
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_queue() {
    let stack = AsyncStack::start(quick()).await;
    stack
        .sqs
        .send_message()
        .queue_url(&stack.queues.url)
        .message_body(r#"{"job_id": "not-a-job"}"#)
        .send()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while local_moto::depth(&stack.sqs, &stack.queues.dlq_url).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the poison message never reached the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(stack.agentcore.invocation_count(), 0);
    assert!(successful_patches(&stack).is_empty());
}

#[tokio::test]
async fn an_alert_reaches_each_of_its_sinks_through_the_built_worker() {
    let stack = AsyncStack::start(quick()).await;
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../events/alertmanager-firing.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let (status, accepted) = stack.deliver_alert(fixture["body"].as_str().unwrap()).await;
    assert_eq!(status, 202, "{accepted}");
    let job_id = accepted["job_id"].as_str().unwrap().to_owned();
    let done = stack
        .wait_for_job(&job_id, Duration::from_secs(30), |j| {
            j["write_back"]["status"] == "done"
        })
        .await;
    assert_eq!(
        done["write_back"]["sinks_posted"],
        json!([0, 1, 2]),
        "{done}"
    );

    // Slack, on the stub.
    let slack = stack.ticketing.requests();
    let slack: Vec<_> = slack
        .iter()
        .filter(|r| r.path.starts_with("/services/"))
        .collect();
    assert_eq!(slack.len(), 1);
    assert!(
        slack[0].body.as_ref().unwrap()["text"]
            .as_str()
            .unwrap()
            .contains(&job_id)
    );
    // The SNS topic, as its subscriber receives it.
    let received = stack
        .sqs
        .receive_message()
        .queue_url(&stack.alert_topic.1)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 1);
    let envelope: Value = serde_json::from_str(received[0].body.as_deref().unwrap()).unwrap();
    let notification: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
    assert_eq!(notification["id"], job_id.as_str());
    // A new incident, marked with the job.
    let created = stack.ticketing.created("servicenow");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["correlation_id"], job_id.as_str());
    assert_eq!(stack.agentcore.invocation_count(), 1);
}
