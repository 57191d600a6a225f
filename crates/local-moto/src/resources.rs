//! What the tests create on the server: unique names, the jobs table, a queue with its
//! dead-letter queue, and a queue's depth.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// A name no other test in this run (or a concurrent run of another binary) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The jobs table as the template defines it: `job_id` (S) partition key, on-demand, TTL on
/// `expires_at`, and the sparse `failures` index (`failed_on` S, `updated_at` N).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let attribute = |name: &str, kind: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(kind)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("job_id", ScalarAttributeType::S))
        .attribute_definitions(attribute("failed_on", ScalarAttributeType::S))
        .attribute_definitions(attribute("updated_at", ScalarAttributeType::N))
        .key_schema(key("job_id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("failures")
                .key_schema(key("failed_on", KeyType::Hash))
                .key_schema(key("updated_at", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires_at")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("enable TTL");
}

/// Receives before a message moves to the dead-letter queue (the redrive policy's
/// `maxReceiveCount`).
pub const MAX_RECEIVE_COUNT: u32 = 2;

/// A queue and its dead-letter queue, as [`create_queues`] made them.
pub struct Queues {
    /// The queue's URL.
    pub url: String,
    /// The queue's ARN (for an event source mapping).
    pub arn: String,
    /// The dead-letter queue's URL.
    pub dlq_url: String,
}

/// A queue's ARN.
pub async fn arn_of(client: &aws_sdk_sqs::Client, url: &str) -> String {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("queue arn")
}

/// A topic named `name` with a queue subscribed to it (as AWS Chatbot or any subscriber would
/// be): the topic's ARN and the queue's URL, where each publish arrives as SNS's JSON envelope.
pub async fn subscribed_topic(
    sns: &aws_sdk_sns::Client,
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> (String, String) {
    let topic = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("create topic")
        .topic_arn
        .expect("topic arn");
    let queue = sqs
        .create_queue()
        .queue_name(format!("{name}-subscriber"))
        .send()
        .await
        .expect("create subscriber queue")
        .queue_url
        .expect("queue url");
    let queue_arn = arn_of(sqs, &queue).await;
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .expect("subscribe");
    (topic, queue)
}

/// A queue and its dead-letter queue (RedrivePolicy maxReceiveCount = [`MAX_RECEIVE_COUNT`]).
pub async fn create_queues(client: &aws_sdk_sqs::Client, name: &str) -> Queues {
    create_queues_with(client, name, MAX_RECEIVE_COUNT).await
}

/// A queue and its dead-letter queue, a message moving there after `max_receives` receives.
pub async fn create_queues_with(
    client: &aws_sdk_sqs::Client,
    name: &str,
    max_receives: u32,
) -> Queues {
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("create DLQ")
        .queue_url
        .expect("DLQ url");
    let policy = serde_json::json!({
        "deadLetterTargetArn": arn_of(client, &dlq_url).await,
        "maxReceiveCount": max_receives.to_string(),
    });
    let url = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, policy.to_string())
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url");
    let arn = arn_of(client, &url).await;
    Queues { url, arn, dlq_url }
}

/// Messages in the queue, visible or in flight.
pub async fn depth(client: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let attributes = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue depth")
        .attributes
        .unwrap_or_default();
    attributes
        .values()
        .map(|v| v.parse::<u64>().expect("a count"))
        .sum()
}
