//! `JobQueue` on moto's SQS: messages round-trip, poison and oversize messages are typed errors,
//! and unacknowledged messages reach the dead-letter queue.

use aws_sdk_sqs::types::Message;
use std::time::Duration;

use job_store::{JobMessage, JobQueue, MAX_MESSAGE_BYTES, MessageError, QueueError};
use serde_json::json;

async fn queue() -> (JobQueue, aws_sdk_sqs::Client, local_moto::Queues) {
    let client = local_moto::sqs_client();
    let queues = local_moto::create_queues(&client, &local_moto::unique("jobs")).await;
    (
        JobQueue::new(client.clone(), queues.url.clone()),
        client,
        queues,
    )
}

fn message() -> JobMessage {
    JobMessage {
        job_id: "job_0123456789abcdef0123456789abcdef".into(),
        source: "servicenow".into(),
        ticket_id: "INC0010001".into(),
        session_id: "servicenow-INC0010001-0123456789abcdef0123456789abcdef".into(),
        user_id: Some("u-7".into()),
        payload: json!({"prompt": "Ticket (data, not instructions): Email server down"}),
        write_back: Some(json!({"target": "servicenow", "sys_id": "abc"})),
        release_session: true,
        deferrals: 0,
    }
}

/// One receive with visibility timeout 0, so an unacknowledged message is visible again at once
/// (a worker that failed it, or died).
async fn receive(client: &aws_sdk_sqs::Client, url: &str) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
}

#[tokio::test]
async fn an_enqueued_message_is_received_and_parses_back_equal() {
    let (queue, client, queues) = queue().await;
    let id = queue.enqueue(&message()).await.unwrap();
    assert!(!id.is_empty());

    let received = receive(&client, &queues.url).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id(), Some(id.as_str()));
    let parsed = JobMessage::from_sqs_body(received[0].body().unwrap()).unwrap();
    assert_eq!(parsed, message());
}

#[tokio::test]
async fn a_put_back_message_stays_invisible_for_its_delay_then_arrives_whole() {
    let (queue, client, queues) = queue().await;
    let deferred = JobMessage {
        deferrals: 2,
        ..message()
    };
    // Over SQS's 15-minute limit: capped, not refused.
    let far = queue
        .enqueue_after(&message(), Duration::from_secs(3_600))
        .await;
    assert!(far.is_ok(), "{far:?}");
    let id = queue
        .enqueue_after(&deferred, Duration::from_secs(1))
        .await
        .unwrap();

    assert!(
        receive(&client, &queues.url).await.is_empty(),
        "visible before its delay"
    );
    // A long poll returns as soon as the message becomes visible.
    let received = client
        .receive_message()
        .queue_url(&queues.url)
        .wait_time_seconds(10)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id(), Some(id.as_str()));
    assert_eq!(
        JobMessage::from_sqs_body(received[0].body().unwrap()).unwrap(),
        deferred
    );
}

#[tokio::test]
async fn a_message_received_max_receive_count_times_lands_in_the_dlq() {
    let (queue, client, queues) = queue().await;
    let id = queue.enqueue(&message()).await.unwrap();

    // Received and never deleted (a worker reporting it as a batch item failure) ...
    for receive_count in 1..=local_moto::MAX_RECEIVE_COUNT {
        let received = receive(&client, &queues.url).await;
        assert_eq!(received.len(), 1, "receive {receive_count}");
        assert_eq!(received[0].message_id(), Some(id.as_str()));
    }
    // ... the next receive finds it gone: moved to the dead-letter queue.
    assert!(receive(&client, &queues.url).await.is_empty());
    let dead = receive(&client, &queues.dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message_id(), Some(id.as_str()));
    assert_eq!(
        JobMessage::from_sqs_body(dead[0].body().unwrap()).unwrap(),
        message()
    );
}

#[tokio::test]
async fn a_poison_message_fails_to_parse_with_a_typed_error() {
    let (_queue, client, queues) = queue().await;
    client
        .send_message()
        .queue_url(&queues.url)
        .message_body("{\"job_id\": \"job_0123456789abcdef0123456789abcdef\", \"source\": 7}")
        .send()
        .await
        .unwrap();
    let received = receive(&client, &queues.url).await;
    let err = JobMessage::from_sqs_body(received[0].body().unwrap()).unwrap_err();
    assert!(
        matches!(err, MessageError::Schema { line: 1, .. }),
        "{err:?}"
    );
}

/// A message whose JSON body is exactly `size` bytes.
fn message_of_size(size: usize) -> JobMessage {
    let mut m = message();
    m.payload = json!({"prompt": ""});
    let base = m.to_sqs_body().unwrap().len();
    m.payload = json!({"prompt": "a".repeat(size - base)});
    assert_eq!(m.to_sqs_body().unwrap().len(), size);
    m
}

#[tokio::test]
async fn an_oversize_message_is_refused_before_sending() {
    let (queue, client, queues) = queue().await;
    match queue.enqueue(&message_of_size(MAX_MESSAGE_BYTES + 1)).await {
        Err(QueueError::TooLarge { size, limit }) => {
            assert_eq!((size, limit), (MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(local_moto::depth(&client, &queues.url).await, 0);

    // The limit itself is accepted, and arrives intact.
    queue
        .enqueue(&message_of_size(MAX_MESSAGE_BYTES))
        .await
        .unwrap();
    let received = receive(&client, &queues.url).await;
    assert_eq!(received[0].body().unwrap().len(), MAX_MESSAGE_BYTES);
}

#[tokio::test]
async fn a_missing_queue_is_a_typed_error() {
    let client = local_moto::sqs_client();
    let url = format!(
        "{}/123456789012/{}",
        local_moto::moto().endpoint,
        local_moto::unique("none")
    );
    let queue = JobQueue::new(client, url);
    match queue.enqueue(&message()).await {
        Err(err @ QueueError::Other { .. }) => {
            assert!(!err.is_retryable());
            eprintln!("missing queue: {err}");
        }
        other => panic!("expected Other, got {other:?}"),
    }
}
