//! Lambda's SQS event source mapping, emulated: long-poll a queue, hand each batch to the function
//! as the real SQS event, and delete what the function processed, following Lambda's
//! `FunctionResponseTypes: [ReportBatchItemFailures]` rules.
//!
//! The queue is a real one (moto's server mode on loopback in the tests), driven through the real
//! `aws-sdk-sqs` client, so visibility timeouts, receive counts and the dead-letter redrive are the
//! queue's own behaviour, not this module's.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use base64::Engine;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::runtime_api::{InvokeError, Outcome, RuntimeApi};

/// How the mapping polls and invokes (the event source mapping's and the function's settings).
#[derive(Debug, Clone)]
pub struct SqsSourceConfig {
    /// Messages per invocation, 1–10 (`BatchSize`; more needs a batching window, not emulated).
    pub batch_size: i32,
    /// The long-poll wait of each `ReceiveMessage`, whole seconds up to 20.
    pub receive_wait: Duration,
    /// The visibility timeout asked for on `ReceiveMessage`: how long a failed batch stays
    /// invisible before it is received again. Whole seconds.
    pub visibility_timeout: Duration,
    /// The function timeout; an invocation that runs longer fails the whole batch.
    pub function_timeout: Duration,
}

impl Default for SqsSourceConfig {
    /// Lambda's defaults: batch size 10, SQS's 30 s visibility timeout, a 30 s function timeout;
    /// a 1 s long poll so tests and `stop()` do not wait on an idle queue.
    fn default() -> Self {
        SqsSourceConfig {
            batch_size: 10,
            receive_wait: Duration::from_secs(1),
            visibility_timeout: Duration::from_secs(30),
            function_timeout: Duration::from_secs(30),
        }
    }
}

/// A configuration Lambda would refuse in `CreateEventSourceMapping`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SqsSourceError {
    #[error("batch size {0} is outside 1..=10")]
    BatchSize(i32),
    #[error("receive wait {0:?} is over SQS's 20 s maximum")]
    ReceiveWait(Duration),
    /// Lambda's own check: a shorter visibility timeout would let a message reappear (and run
    /// twice) while the first invocation is still working on it.
    #[error("visibility timeout {visibility:?} is shorter than the function timeout {function:?}")]
    VisibilityTimeout {
        visibility: Duration,
        function: Duration,
    },
    #[error("{0:?} is not an SQS queue ARN (arn:aws:sqs:region:account:name)")]
    QueueArn(String),
}

/// What the poller has done so far, for tests and logs.
#[derive(Debug, Default)]
struct Counters {
    invocations: AtomicU64,
    deleted: AtomicU64,
    failed_items: AtomicU64,
}

/// A running event source mapping; its poller stops when this is dropped (an invocation in
/// progress is abandoned, its messages reappear after the visibility timeout).
pub struct SqsEventSource {
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Everything the poller needs.
struct Poller {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    region: String,
    runtime: Arc<RuntimeApi>,
    config: SqsSourceConfig,
    counters: Arc<Counters>,
}

impl SqsEventSource {
    /// Starts polling `queue_url` (whose ARN, `queue_arn`, goes into each record's
    /// `eventSourceARN` and region) and invoking the function behind `runtime`.
    pub fn start(
        client: aws_sdk_sqs::Client,
        queue_url: String,
        queue_arn: String,
        runtime: Arc<RuntimeApi>,
        config: SqsSourceConfig,
    ) -> Result<SqsEventSource, SqsSourceError> {
        validate(&config)?;
        let region =
            region_of(&queue_arn).ok_or_else(|| SqsSourceError::QueueArn(queue_arn.clone()))?;
        let counters = Arc::new(Counters::default());
        let (stop, stopped) = watch::channel(false);
        let poller = Poller {
            client,
            queue_url,
            queue_arn,
            region,
            runtime,
            config,
            counters: counters.clone(),
        };
        let task = tokio::spawn(poller.run(stopped));
        Ok(SqsEventSource {
            counters,
            stop,
            task: Some(task),
        })
    }

    /// Invocations made (each one batch).
    pub fn invocations(&self) -> u64 {
        self.counters.invocations.load(Ordering::SeqCst)
    }

    /// Messages deleted after the function processed them.
    pub fn deleted(&self) -> u64 {
        self.counters.deleted.load(Ordering::SeqCst)
    }

    /// Messages left on the queue after an invocation (reported item failures, and every
    /// message of a batch that failed as a whole).
    pub fn failed_items(&self) -> u64 {
        self.counters.failed_items.load(Ordering::SeqCst)
    }

    /// Stops polling after the batch in progress, if any, has been invoked and settled (at most
    /// the function timeout).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SqsEventSource {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn validate(config: &SqsSourceConfig) -> Result<(), SqsSourceError> {
    if !(1..=10).contains(&config.batch_size) {
        return Err(SqsSourceError::BatchSize(config.batch_size));
    }
    if config.receive_wait > Duration::from_secs(20) {
        return Err(SqsSourceError::ReceiveWait(config.receive_wait));
    }
    if config.visibility_timeout < config.function_timeout {
        return Err(SqsSourceError::VisibilityTimeout {
            visibility: config.visibility_timeout,
            function: config.function_timeout,
        });
    }
    Ok(())
}

/// `arn:aws:sqs:{region}:{account}:{name}` → region.
fn region_of(queue_arn: &str) -> Option<String> {
    let parts: Vec<&str> = queue_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "sqs", region, _, name] if !region.is_empty() && !name.is_empty() => {
            Some((*region).to_owned())
        }
        _ => None,
    }
}

impl Poller {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        loop {
            let received = tokio::select! {
                _ = stopped.changed() => return,
                received = self.receive() => received,
            };
            match received {
                Ok(messages) if messages.is_empty() => {}
                Ok(messages) => self.process(&messages).await,
                Err(e) => {
                    // Lambda's poller backs off and retries; so do we.
                    tracing::warn!(queue = %self.queue_url, error = %e, "ReceiveMessage failed");
                    tokio::select! {
                        _ = stopped.changed() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
            if *stopped.borrow() {
                return;
            }
        }
    }

    async fn receive(&self) -> Result<Vec<Message>, aws_sdk_sqs::Error> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.config.batch_size)
            .wait_time_seconds(self.config.receive_wait.as_secs() as i32)
            .visibility_timeout(self.config.visibility_timeout.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await?;
        Ok(output.messages.unwrap_or_default())
    }

    /// One invocation for one batch, then the deletes its result calls for.
    async fn process(&self, messages: &[Message]) {
        let event = sqs_event(messages, &self.queue_arn, &self.region);
        self.counters.invocations.fetch_add(1, Ordering::SeqCst);
        let result = self
            .runtime
            .invoke(Bytes::from(event.to_string()), self.config.function_timeout)
            .await;
        let failed = match response_body(result).await {
            Ok(body) => failed_items(&body, messages),
            Err(reason) => {
                tracing::warn!(queue = %self.queue_url, %reason, batch = messages.len(), "invocation failed; the whole batch will be retried");
                Failed::All
            }
        };
        let delete = to_delete(messages, &failed);
        let kept = messages.len() - delete.len();
        self.counters
            .failed_items
            .fetch_add(kept as u64, Ordering::SeqCst);
        self.delete(delete).await;
    }

    async fn delete(&self, receipts: Vec<String>) {
        // DeleteMessageBatch takes at most 10 entries; a batch never holds more.
        for chunk in receipts.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .ok()
                })
                .collect();
            match self
                .client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(out) => {
                    self.counters
                        .deleted
                        .fetch_add(out.successful().len() as u64, Ordering::SeqCst);
                    for f in out.failed() {
                        tracing::warn!(queue = %self.queue_url, code = f.code(), "DeleteMessageBatch entry failed");
                    }
                }
                Err(e) => {
                    tracing::warn!(queue = %self.queue_url, error = %e, "DeleteMessageBatch failed")
                }
            }
        }
    }
}

/// The function's response document, or why the invocation failed as a whole.
async fn response_body(result: Result<Outcome, InvokeError>) -> Result<Bytes, String> {
    match result {
        Ok(Outcome::Response(body)) => Ok(body),
        Ok(Outcome::Error(error)) => Err(format!("function error: {error}")),
        // An event source mapping invokes synchronously: a streamed response is buffered.
        Ok(Outcome::Streaming(mut streamed)) => {
            let mut body = Vec::new();
            while let Some(chunk) = streamed.body.recv().await {
                body.extend_from_slice(&chunk.map_err(|e| format!("function error: {e}"))?);
            }
            Ok(body.into())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The Lambda SQS event for a batch, field for field as Lambda sends it (see `aws_lambda_events`'
/// `SqsEvent`): system attributes as SQS returned them (the four standard ones, plus FIFO and
/// trace attributes when present), message attributes in Lambda's camelCase form.
/// `md5OfMessageAttributes` appears only when the message has attributes, as SQS returns it.
fn sqs_event(messages: &[Message], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect();
            let message_attributes: Map<String, Value> = m
                .message_attributes()
                .into_iter()
                .flatten()
                .map(|(name, v)| (name.clone(), message_attribute(v)))
                .collect();
            let mut record = json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            });
            if let Some(md5) = m.md5_of_message_attributes() {
                record["md5OfMessageAttributes"] = md5.into();
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

fn message_attribute(v: &aws_sdk_sqs::types::MessageAttributeValue) -> Value {
    let b64 = |b: &aws_sdk_sqs::primitives::Blob| {
        Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
    };
    let mut out = json!({
        "stringListValues": v.string_list_values(),
        "binaryListValues": v.binary_list_values().iter().map(b64).collect::<Vec<_>>(),
        "dataType": v.data_type(),
    });
    if let Some(s) = v.string_value() {
        out["stringValue"] = s.into();
    }
    if let Some(b) = v.binary_value() {
        out["binaryValue"] = b64(b);
    }
    out
}

/// Which messages of a batch the function did not process.
#[derive(Debug, PartialEq, Eq)]
enum Failed {
    All,
    Some(HashSet<String>),
}

/// Lambda's partial batch response rules: an empty or null `batchItemFailures` (or no response
/// document at all) is full success; invalid JSON, or an `itemIdentifier` that is null, empty, not
/// a string or not a message of this batch, fails the whole batch.
fn failed_items(response: &[u8], batch: &[Message]) -> Failed {
    if response.iter().all(u8::is_ascii_whitespace) {
        return Failed::Some(HashSet::new());
    }
    let Ok(doc) = serde_json::from_slice::<Value>(response) else {
        return Failed::All;
    };
    let failures = match doc.get("batchItemFailures") {
        None | Some(Value::Null) => return Failed::Some(HashSet::new()),
        Some(Value::Array(failures)) => failures,
        Some(_) => return Failed::All,
    };
    let ids: HashSet<&str> = batch.iter().filter_map(Message::message_id).collect();
    let mut failed = HashSet::new();
    for failure in failures {
        match failure.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if ids.contains(id) => {
                failed.insert(id.to_owned());
            }
            _ => return Failed::All,
        }
    }
    Failed::Some(failed)
}

/// The receipt handles to delete: every message not reported as failed.
fn to_delete(batch: &[Message], failed: &Failed) -> Vec<String> {
    let Failed::Some(failed) = failed else {
        return Vec::new();
    };
    batch
        .iter()
        .filter(|m| m.message_id().is_some_and(|id| !failed.contains(id)))
        .filter_map(|m| m.receipt_handle().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::MessageAttributeValue;

    const ARN: &str = "arn:aws:sqs:us-west-2:123456789012:jobs";

    fn message(id: &str) -> Message {
        Message::builder()
            .message_id(id)
            .receipt_handle(format!("rh-{id}"))
            .body(format!("body {id}"))
            .md5_of_body("fce0ea8dd236ccb3ed9b37dae260836f")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "2")
            .attributes(MessageSystemAttributeName::SentTimestamp, "1520621625029")
            .attributes(MessageSystemAttributeName::SenderId, "AIDAEXAMPLE")
            .attributes(
                MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
                "1520621634884",
            )
            .build()
    }

    fn batch() -> Vec<Message> {
        ["a", "b", "c"].into_iter().map(message).collect()
    }

    fn decide(response: &str) -> Vec<String> {
        let batch = batch();
        to_delete(&batch, &failed_items(response.as_bytes(), &batch))
    }

    #[test]
    fn the_event_has_lambdas_record_shape() {
        let event = sqs_event(&[message("m1")], ARN, "us-west-2");
        assert_eq!(
            event,
            json!({"Records": [{
                "messageId": "m1",
                "receiptHandle": "rh-m1",
                "body": "body m1",
                "attributes": {
                    "ApproximateReceiveCount": "2",
                    "SentTimestamp": "1520621625029",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1520621634884",
                },
                "messageAttributes": {},
                "md5OfBody": "fce0ea8dd236ccb3ed9b37dae260836f",
                "eventSource": "aws:sqs",
                "eventSourceARN": ARN,
                "awsRegion": "us-west-2",
            }]})
        );
    }

    #[test]
    fn message_attributes_use_lambdas_camel_case_and_base64() {
        let string = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("v")
            .build()
            .unwrap();
        let binary = MessageAttributeValue::builder()
            .data_type("Binary")
            .binary_value(Blob::new(b"1100".to_vec()))
            .build()
            .unwrap();
        let m = Message::builder()
            .message_id("m")
            .message_attributes("S", string)
            .message_attributes("B", binary)
            .md5_of_message_attributes("582c92c5c5b6ac403040a4f3ab3115c9")
            .build();
        let record = &sqs_event(&[m], ARN, "us-west-2")["Records"][0];
        assert_eq!(
            record["messageAttributes"],
            json!({
                "S": {"stringValue": "v", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                "B": {"binaryValue": "MTEwMA==", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
            })
        );
        assert_eq!(
            record["md5OfMessageAttributes"],
            "582c92c5c5b6ac403040a4f3ab3115c9"
        );
    }

    #[test]
    fn reported_failures_keep_only_those_messages() {
        assert_eq!(
            decide(r#"{"batchItemFailures":[{"itemIdentifier":"b"}]}"#),
            ["rh-a", "rh-c"]
        );
    }

    #[test]
    fn empty_null_or_missing_failures_delete_everything() {
        for response in [
            r#"{"batchItemFailures":[]}"#,
            r#"{"batchItemFailures":null}"#,
            "{}",
            "null",
            "",
        ] {
            assert_eq!(decide(response), ["rh-a", "rh-b", "rh-c"], "{response:?}");
        }
    }

    #[test]
    fn bad_identifiers_or_invalid_json_fail_the_whole_batch() {
        for response in [
            r#"{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"itemId":"a"}]}"#,
            r#"{"batchItemFailures":"a"}"#,
            "not json",
        ] {
            assert!(decide(response).is_empty(), "{response:?}");
        }
    }

    #[tokio::test]
    async fn function_errors_and_timeouts_fail_the_whole_batch() {
        let error = response_body(Ok(Outcome::Error(json!({"errorType": "x"})))).await;
        assert!(error.is_err());
        let timeout = response_body(Err(InvokeError::Timeout(Duration::from_secs(1)))).await;
        assert!(timeout.is_err());
    }

    #[test]
    fn lambdas_configuration_checks() {
        let ok = SqsSourceConfig::default();
        assert_eq!(validate(&ok), Ok(()));
        let big = SqsSourceConfig {
            batch_size: 11,
            ..ok.clone()
        };
        assert_eq!(validate(&big), Err(SqsSourceError::BatchSize(11)));
        let short = SqsSourceConfig {
            visibility_timeout: Duration::from_secs(5),
            ..ok
        };
        assert!(matches!(
            validate(&short),
            Err(SqsSourceError::VisibilityTimeout { .. })
        ));
        assert_eq!(region_of(ARN).as_deref(), Some("us-west-2"));
        assert_eq!(region_of("https://sqs/queue"), None);
    }
}
