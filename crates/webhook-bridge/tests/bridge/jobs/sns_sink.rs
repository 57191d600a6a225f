//! An SNS topic as an alert source's sink, on moto's SNS: the worker publishes the analysis with
//! `MessageStructure: json`, and a queue subscribed to the topic (as AWS Chatbot or any HTTPS
//! subscriber would be) receives the Chatbot custom notification, with the hostile alert text
//! inert; a topic that does not exist is a recorded refusal, the analysis kept.

use serde_json::{Value, json};

use super::sinks::{HOSTILE, deliver_and_work, delivery};
use crate::support::event_json;

#[tokio::test]
async fn alert_analyses_are_published_to_the_topic_as_a_chatbot_notification() {
    let sqs = local_moto::sqs_client();
    let (topic, queue) = local_moto::subscribed_topic(
        &local_moto::sns_client(),
        &sqs,
        &local_moto::unique("analyses"),
    )
    .await;

    let sink = json!({"sink": "sns", "topic_arn": topic});
    let ev = delivery(
        "alertmanager-firing.json",
        |b| b["commonAnnotations"]["summary"] = json!(HOSTILE),
        &[],
    );
    let record = deliver_and_work(
        &ev,
        &[("ALERTMANAGER_MODE", "async")],
        &[("ALERTMANAGER_WRITE_BACK", &sink.to_string())],
    )
    .await;
    assert_eq!(record["write_back"]["target"], "chat", "{record}");
    assert_eq!(record["write_back"]["status"], "done", "{record}");

    let received = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 1, "one publish: {received:?}");
    let envelope: Value = serde_json::from_str(received[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(envelope["TopicArn"], topic.as_str());
    let subject = envelope["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("AI analysis: Alertmanager alert group group-"),
        "{subject}"
    );
    assert_eq!(
        envelope["MessageAttributes"]["job_id"]["Value"], record["job_id"],
        "{envelope}"
    );
    // Not the e-mail text: the protocol-specific `default` message.
    let notification: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
    assert_eq!(notification["version"], "1.0", "{notification}");
    assert_eq!(notification["source"], "custom");
    assert_eq!(notification["id"], record["job_id"]);
    let description = notification["content"]["description"].as_str().unwrap();
    assert!(
        description.contains("&lt;!channel&gt; CPU"),
        "{description}"
    );
    assert!(
        !description.contains('<') && !description.contains('>'),
        "no Slack control sequences: {description}"
    );
}

#[tokio::test]
async fn a_topic_that_does_not_exist_is_a_recorded_refusal() {
    let missing = format!(
        "arn:aws:sns:{}:123456789012:{}",
        local_moto::REGION,
        local_moto::unique("never-created")
    );
    let sink = json!({"sink": "sns", "topic_arn": missing});
    let record = deliver_and_work(
        &event_json("sentry-event-alert.json"),
        &[("SENTRY_MODE", "async")],
        &[("SENTRY_WRITE_BACK", &sink.to_string())],
    )
    .await;
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(record["write_back"]["status"], "failed", "{record}");
    assert_eq!(
        record["write_back"]["last_error_code"],
        "WRITE_BACK_NOT_FOUND"
    );
}
