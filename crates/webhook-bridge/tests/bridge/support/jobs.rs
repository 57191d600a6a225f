//! The bridge with its jobs table and queue on moto (DynamoDB + SQS on loopback, see the
//! `local-moto` crate), AgentCore on the local emulator, and the worker built the same way.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore};
use serde_json::Value;
use webhook_bridge::{Aws, Bridge, Config, Worker};

use super::{event_json, request};

pub struct JobsHarness {
    pub agentcore: RunningAgentCore,
    pub bridge: Bridge,
    pub table: String,
    pub queues: local_moto::Queues,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    env: Vec<(String, String)>,
}

impl JobsHarness {
    /// A fresh table and queue pair; `env` adds to (and overrides) the jobs settings.
    pub async fn start(env: &[(&str, &str)]) -> JobsHarness {
        JobsHarness::start_with(env, Backend::Builtin).await
    }

    /// As `start`, with the runtime served by `backend` (a real agent behind `Forward`).
    pub async fn start_with(env: &[(&str, &str)], backend: Backend) -> JobsHarness {
        let agentcore = LocalAgentCore::new()
            .with_runtime(LOCAL_RUNTIME_ARN, backend)
            .start("127.0.0.1:0")
            .await
            .expect("start local AgentCore");
        let dynamodb = local_moto::dynamodb_client();
        let sqs = local_moto::sqs_client();
        let table = local_moto::unique("jobs");
        local_moto::create_table(&dynamodb, &table).await;
        let queues = local_moto::create_queues(&sqs, &local_moto::unique("jobs")).await;
        let mut all: Vec<(String, String)> = vec![
            ("JOBS_TABLE".into(), table.clone()),
            ("JOBS_QUEUE_URL".into(), queues.url.clone()),
            (
                "JOB_MAX_RECEIVES".into(),
                local_moto::MAX_RECEIVE_COUNT.to_string(),
            ),
        ];
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let bridge = {
            let (config, agent_sdk, jobs_sdk) = sdks(&agentcore.endpoint_url(), &all).await;
            Bridge::new(config, aws(&agent_sdk, &jobs_sdk))
        };
        JobsHarness {
            agentcore,
            bridge,
            table,
            queues,
            dynamodb,
            sqs,
            env: all,
        }
    }

    /// Another request function on the same table and queue, configured with `env` on top
    /// (a redeploy that changed a setting, say a source's mode).
    pub async fn bridge(&self, env: &[(&str, &str)]) -> Bridge {
        let mut all = self.env.clone();
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (config, agent_sdk, jobs_sdk) = sdks(&self.agentcore.endpoint_url(), &all).await;
        Bridge::new(config, aws(&agent_sdk, &jobs_sdk))
    }

    /// A worker with the same configuration plus `env`.
    pub async fn worker(&self, env: &[(&str, &str)]) -> Worker {
        let mut all = self.env.clone();
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (config, agent_sdk, jobs_sdk) = sdks(&self.agentcore.endpoint_url(), &all).await;
        Worker::new(config, aws(&agent_sdk, &jobs_sdk))
    }
}

async fn sdks(
    agentcore: &str,
    env: &[(String, String)],
) -> (Config, aws_config::SdkConfig, aws_config::SdkConfig) {
    let config = super::test_config(env);
    let agent_sdk = super::sdk_at(&config, agentcore).await;
    let jobs_sdk = super::sdk_at(&config, &local_moto::moto().endpoint).await;
    (config, agent_sdk, jobs_sdk)
}

/// AgentCore on its emulator; the jobs table, queue and secret stores on moto.
fn aws<'a>(agent_sdk: &'a aws_config::SdkConfig, jobs_sdk: &'a aws_config::SdkConfig) -> Aws<'a> {
    Aws {
        agentcore: agent_sdk,
        jobs: jobs_sdk,
        secrets: jobs_sdk,
    }
}

/// The incident fixture's sys_id.
pub const SYS_ID: &str = "46d44a5ea9fe198101b9e1ac8f0d0f7d";

/// The ServiceNow incident fixture with extra headers and query parameters.
pub fn delivery(headers: &[(&str, &str)], query: &[(&str, &str)]) -> lambda_http::Request {
    delivery_of(&event_json("servicenow-incident.json"), headers, query)
}

/// The ServiceNow incident fixture signed with [`super::signing::SERVICENOW_SECRET`] (for a
/// harness with `SERVICENOW_WEBHOOK_SECRET` set to it), with `query` parameters.
pub fn signed_delivery(query: &[(&str, &str)]) -> lambda_http::Request {
    let ev = event_json("servicenow-incident.json");
    let signed = super::signing::servicenow_headers(ev["body"].as_str().unwrap().as_bytes());
    let headers: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    delivery_of(&ev, &headers, query)
}

fn delivery_of(
    ev: &Value,
    headers: &[(&str, &str)],
    query: &[(&str, &str)],
) -> lambda_http::Request {
    let mut ev = ev.clone();
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

/// `GET /jobs/{job_id}` through the stage, as API Gateway sends it.
pub fn job_request(job_id: &str) -> lambda_http::Request {
    let mut ev = event_json("servicenow-incident.json");
    ev["httpMethod"] = Value::from("GET");
    ev["path"] = Value::from(format!("/jobs/{job_id}"));
    ev["requestContext"]["path"] = Value::from(format!("/prod/jobs/{job_id}"));
    ev["body"] = Value::Null;
    request(&ev)
}

/// Receives what the queue has now (up to 10 messages, hidden for 1 s), as Lambda's event
/// source would.
pub async fn receive(h: &JobsHarness) -> Vec<SqsMessage> {
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
    received
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
        .collect()
}

/// Hands `messages` to `worker` as one SQS event and deletes those it did not report failed;
/// the ids it reported.
pub async fn work(h: &JobsHarness, worker: &Worker, messages: Vec<SqsMessage>) -> Vec<String> {
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
    failed
}

/// One poll of the queue handled by `worker`: the messages, and the ids it reported failed.
pub async fn run_worker(h: &JobsHarness, worker: &Worker) -> (Vec<SqsMessage>, Vec<String>) {
    let messages = receive(h).await;
    let failed = work(h, worker, messages.clone()).await;
    (messages, failed)
}
