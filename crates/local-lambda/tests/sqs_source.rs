//! `SqsEventSource` against moto's SQS through the real SDK client, invoking a scripted fake
//! function over the real Runtime API (HTTP, as `lambda_runtime` would poll it): deletes after
//! success, partial batch failures ending in the dead-letter queue, whole-batch retries after a
//! function error or a timeout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use local_lambda::{RuntimeApi, SqsEventSource, SqsSourceConfig};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// What the fake function does with one event.
#[derive(Clone)]
enum Reply {
    /// Posts this document to `…/response`.
    Respond(Value),
    /// Posts this error to `…/error` (a handler error).
    Fail(Value),
    /// Answers `{}` only after this long (past the function timeout).
    Stall(Duration),
}

type Script = dyn Fn(&Value) -> Reply + Send + Sync;

/// A script that answers the first event with `first` and every later one with `later`.
fn first_then(first: Reply, later: Reply) -> Box<Script> {
    let calls = Mutex::new(0);
    Box::new(move |_| {
        let mut calls = calls.lock().unwrap();
        *calls += 1;
        if *calls == 1 {
            first.clone()
        } else {
            later.clone()
        }
    })
}

/// A function that polls the Runtime API over HTTP and answers as `script` says; records every
/// event it was given.
struct FakeFunction {
    events: Arc<Mutex<Vec<Value>>>,
    task: JoinHandle<()>,
}

impl FakeFunction {
    fn start(runtime: &RuntimeApi, script: Box<Script>) -> FakeFunction {
        let base = format!("http://{}/2018-06-01/runtime/invocation", runtime.address());
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let task = tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let Ok(next) = http.get(format!("{base}/next")).send().await else {
                    return;
                };
                let id = next.headers()["lambda-runtime-aws-request-id"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let event: Value = serde_json::from_slice(&next.bytes().await.unwrap()).unwrap();
                seen.lock().unwrap().push(event.clone());
                let (path, body) = match script(&event) {
                    Reply::Respond(doc) => ("response", doc),
                    Reply::Fail(error) => ("error", error),
                    Reply::Stall(pause) => {
                        tokio::time::sleep(pause).await;
                        ("response", json!({}))
                    }
                };
                let _ = http
                    .post(format!("{base}/{id}/{path}"))
                    .body(body.to_string())
                    .send()
                    .await;
            }
        });
        FakeFunction { events, task }
    }

    fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// `(body, ApproximateReceiveCount)` of every record the function was given, in order.
    fn deliveries(&self) -> Vec<(String, String)> {
        self.events()
            .iter()
            .flat_map(|e| e["Records"].as_array().unwrap().clone())
            .map(|r| {
                (
                    r["body"].as_str().unwrap().to_owned(),
                    r["attributes"]["ApproximateReceiveCount"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for FakeFunction {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A 1 s visibility timeout and function timeout keep redelivery tests short.
fn config() -> SqsSourceConfig {
    SqsSourceConfig {
        batch_size: 10,
        receive_wait: Duration::from_secs(1),
        visibility_timeout: Duration::from_secs(1),
        function_timeout: Duration::from_secs(1),
    }
}

struct Setup {
    client: aws_sdk_sqs::Client,
    queues: local_moto::Queues,
    runtime: Arc<RuntimeApi>,
}

/// Queues with `bodies` already sent (so the first receive gets them as one batch) and a
/// Runtime API.
async fn setup(bodies: &[&str]) -> Setup {
    let client = local_moto::sqs_client();
    let queues = local_moto::create_queues(&client, &local_moto::unique("sqs-source")).await;
    for body in bodies {
        client
            .send_message()
            .queue_url(&queues.url)
            .message_body(*body)
            .send()
            .await
            .expect("send");
    }
    let runtime = Arc::new(RuntimeApi::start().await.expect("runtime api"));
    Setup {
        client,
        queues,
        runtime,
    }
}

impl Setup {
    fn source(&self) -> SqsEventSource {
        SqsEventSource::start(
            self.client.clone(),
            self.queues.url.clone(),
            self.queues.arn.clone(),
            self.runtime.clone(),
            config(),
        )
        .expect("valid configuration")
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn body_of(record: &Value) -> &str {
    record["body"].as_str().unwrap()
}

#[tokio::test]
async fn processed_messages_are_deleted_and_the_event_is_lambdas() {
    let s = setup(&["one", "two", "three"]).await;
    let function = FakeFunction::start(
        &s.runtime,
        Box::new(|_| Reply::Respond(json!({"batchItemFailures": []}))),
    );
    let source = s.source();
    wait_until("three deletes", || source.deleted() == 3).await;
    assert_eq!(local_moto::depth(&s.client, &s.queues.url).await, 0);
    assert_eq!(source.failed_items(), 0);

    let records: Vec<Value> = function
        .events()
        .iter()
        .flat_map(|e| e["Records"].as_array().unwrap().clone())
        .collect();
    let mut bodies: Vec<&str> = records.iter().map(body_of).collect();
    bodies.sort();
    assert_eq!(bodies, ["one", "three", "two"]);
    for r in &records {
        assert_eq!(r["eventSource"], "aws:sqs");
        assert_eq!(r["eventSourceARN"], s.queues.arn.as_str());
        assert_eq!(r["awsRegion"], local_moto::REGION);
        assert_eq!(r["messageAttributes"], json!({}));
        assert_eq!(r["attributes"]["ApproximateReceiveCount"], "1");
        for key in [
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
        ] {
            assert!(r["attributes"][key].is_string(), "{key} in {r}");
        }
        for key in ["messageId", "receiptHandle", "md5OfBody"] {
            assert!(
                r[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} in {r}"
            );
        }
    }
    source.stop().await;
}

#[tokio::test]
async fn reported_failures_come_back_and_end_in_the_dead_letter_queue() {
    let s = setup(&["fine", "poison"]).await;
    let function = FakeFunction::start(
        &s.runtime,
        Box::new(|event| {
            let failures: Vec<Value> = event["Records"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| body_of(r) == "poison")
                .map(|r| json!({"itemIdentifier": r["messageId"]}))
                .collect();
            Reply::Respond(json!({"batchItemFailures": failures}))
        }),
    );
    let source = s.source();
    let mut dead = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while dead.is_empty() {
        assert!(Instant::now() < deadline, "poison never reached the DLQ");
        tokio::time::sleep(Duration::from_millis(200)).await;
        dead = s
            .client
            .receive_message()
            .queue_url(&s.queues.dlq_url)
            .send()
            .await
            .expect("receive from the DLQ")
            .messages
            .unwrap_or_default();
    }
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body(), Some("poison"));
    source.stop().await;

    let poison: Vec<String> = function
        .deliveries()
        .into_iter()
        .filter(|(body, _)| body == "poison")
        .map(|(_, count)| count)
        .collect();
    assert_eq!(
        poison,
        ["1", "2"],
        "delivered maxReceiveCount times, then moved"
    );
    assert_eq!(deliveries_of(&function, "fine"), 1);
    assert_eq!(local_moto::depth(&s.client, &s.queues.url).await, 0);
}

#[tokio::test]
async fn a_function_error_leaves_the_whole_batch_for_redelivery() {
    let s = setup(&["a", "b"]).await;
    let function = FakeFunction::start(
        &s.runtime,
        first_then(
            Reply::Fail(json!({"errorType": "Handler", "errorMessage": "boom"})),
            Reply::Respond(json!({"batchItemFailures": null})),
        ),
    );
    let source = s.source();
    wait_until("both messages deleted", || source.deleted() == 2).await;
    assert_eq!(
        source.failed_items(),
        2,
        "the failed batch, counted once each"
    );
    assert!(source.invocations() >= 2);
    let mut deliveries = function.deliveries();
    deliveries.sort();
    assert_eq!(
        deliveries,
        [
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
            ("b".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ]
    );
    assert_eq!(local_moto::depth(&s.client, &s.queues.url).await, 0);
    source.stop().await;
}

#[tokio::test]
async fn a_timed_out_invocation_leaves_the_batch_for_redelivery() {
    let s = setup(&["slow"]).await;
    let function = FakeFunction::start(
        &s.runtime,
        first_then(
            Reply::Stall(Duration::from_millis(1500)),
            Reply::Respond(json!({})),
        ),
    );
    let source = s.source();
    wait_until("the retried message deleted", || source.deleted() == 1).await;
    assert_eq!(source.failed_items(), 1);
    let counts: Vec<String> = function.deliveries().into_iter().map(|(_, c)| c).collect();
    assert_eq!(counts, ["1", "2"]);
    source.stop().await;
}

fn deliveries_of(function: &FakeFunction, body: &str) -> usize {
    function
        .deliveries()
        .iter()
        .filter(|(b, _)| b == body)
        .count()
}
