//! A real DynamoDB + SQS wire-protocol server on loopback (moto's server mode, from
//! `.venv-moto/`, made by `make venv`), driven through the real AWS SDK clients. One server per
//! test binary, started on first use; every test creates its own uniquely named table and queues,
//! so tests run in parallel on it. Used by the job-store, local-lambda, handler and end-to-end
//! tests; never deployed.
//!
//! The server runs under a small `sh` watchdog that kills it when its stdin reaches end of file.
//! The test process holds the write end, so the server dies with the test binary however that
//! ends (a static is never dropped, and a panic or abort skips destructors anyway).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

pub const REGION: &str = "us-east-1";

pub struct Moto {
    pub endpoint: String,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog kill the server; then reap the watchdog.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The shared server, started on first use.
pub fn moto() -> &'static Moto {
    MOTO.get_or_init(start)
}

fn moto_server_path() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join(".venv-moto/bin/moto_server");
    assert!(
        path.exists(),
        "{} is missing: the job-store tests need moto's server mode; run `make venv` \
         (or `make .venv-moto/.installed`) at the workspace root",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

fn start() -> Moto {
    let server = moto_server_path();
    let port = free_port();
    // Under target/, so `cargo clean` removes it; kept after the run for diagnosis.
    let log = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!("moto-{port}.log"));
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(
            r#""$1" -H 127.0.0.1 -p "$2" >"$3" 2>&1 & pid=$!; read -r _; kill "$pid"; wait "$pid""#,
        )
        .arg("sh")
        .arg(&server)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn the moto_server watchdog");
    let stdin = child.stdin.take();
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = Moto {
        endpoint,
        child,
        stdin,
    };
    let deadline = started + Duration::from_secs(30);
    while !answers(port) {
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on port {port} within 30 s; see {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    eprintln!(
        "moto_server on {} answered after {} ms",
        moto.endpoint,
        started.elapsed().as_millis()
    );
    moto
}

/// True once the server answers an HTTP request (its own API), not merely accepts connections.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

/// A name no other test in this run (or a concurrent run of another binary) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn credentials() -> aws_sdk_dynamodb::config::Credentials {
    aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "moto")
}

pub fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&moto().endpoint)
}

pub fn sqs_client() -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .endpoint_url(&moto().endpoint)
        .credentials_provider(credentials())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// The jobs table as the template will define it: `job_id` (S) partition key, on-demand, TTL on
/// `expires_at`.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("job_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("job_id")
                .key_type(KeyType::Hash)
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

pub const MAX_RECEIVE_COUNT: u32 = 2;

pub struct Queues {
    pub url: String,
    pub arn: String,
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

/// A queue and its dead-letter queue (RedrivePolicy maxReceiveCount = [`MAX_RECEIVE_COUNT`]).
pub async fn create_queues(client: &aws_sdk_sqs::Client, name: &str) -> Queues {
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
        "maxReceiveCount": MAX_RECEIVE_COUNT.to_string(),
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
