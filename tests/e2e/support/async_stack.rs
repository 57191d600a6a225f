//! The asynchronous stack: the `webhook` binary with its jobs table and queue on moto, the
//! `worker` binary fed by a local SQS event source mapping, and the local ticketing stub
//! receiving write-backs. ServiceNow deliveries are signed, as write-back requires; Alertmanager's
//! analyses go to three sinks (Slack on the stub, an SNS topic on moto, a new incident).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use local_agentcore::{Backend, RunningAgentCore};
use local_lambda::{FunctionProcess, Gateway, RuntimeApi};
use serde_json::Value;

use super::paths::debug_binary;
use super::stack::{API_KEY, Functions, STAGE, function_stack, webhook_behind_gateway};

/// The ServiceNow signing secret (base64, as ServiceNow's `generateMac` takes it).
const SERVICENOW_SECRET: &str = "ZTJlLXNlcnZpY2Vub3ctc2lnbmluZy1rZXk=";

/// The asynchronous stack: the `webhook` binary behind the local API Gateway with its jobs table
/// and queue on moto, the `worker` binary fed by a local SQS event source mapping, the local
/// AgentCore, and the local ServiceNow/GitHub/Jira stub receiving write-backs.
pub struct AsyncStack {
    /// The local AgentCore (built-in agent) the functions call.
    pub agentcore: RunningAgentCore,
    /// The ServiceNow/GitHub/Jira stub the worker writes back to.
    pub ticketing: local_ticketing::RunningTicketing,
    /// The local API Gateway in front of the `webhook` function.
    pub gateway: Gateway,
    /// The job queue and its dead-letter queue.
    pub queues: local_moto::Queues,
    /// An SQS client for moto.
    pub sqs: aws_sdk_sqs::Client,
    /// The SNS topic that is one of Alertmanager's sinks, and the queue subscribed to it.
    pub alert_topic: (String, String),
    worker_runtime: Arc<RuntimeApi>,
    worker_env: Vec<(String, String)>,
    worker: Option<FunctionProcess>,
    _source: local_lambda::SqsEventSource,
    _webhook: Functions,
}

/// Timing of the local event source mapping (short, so redeliveries happen within a test).
pub struct AsyncTiming {
    /// How long a received message stays invisible.
    pub visibility_timeout: Duration,
    /// The worker's function timeout.
    pub function_timeout: Duration,
    /// `JOB_LEASE_SECONDS`: how long a running job is protected.
    pub lease_seconds: u64,
}

impl AsyncStack {
    /// Starts everything, with one worker instance.
    pub async fn start(timing: AsyncTiming) -> AsyncStack {
        let ticketing = local_ticketing::RunningTicketing::start(
            "127.0.0.1:0",
            local_ticketing::TicketingConfig::default(),
        )
        .await
        .unwrap();
        let moto = local_moto::moto();
        let dynamodb = local_moto::dynamodb_client();
        let sqs = local_moto::sqs_client();
        let table = local_moto::unique("e2e-jobs");
        local_moto::create_table(&dynamodb, &table).await;
        let queues = local_moto::create_queues(&sqs, &local_moto::unique("e2e-jobs")).await;
        let write_back = serde_json::json!({
            "instance_url": ticketing.endpoint_url(),
            "username": "bridge",
            "password": "local-servicenow-password",
        })
        .to_string();
        // Alertmanager's sinks, as an alert source's would be: a Slack channel, an SNS topic and a
        // new ServiceNow incident.
        let alert_topic = local_moto::subscribed_topic(
            &local_moto::sns_client(),
            &sqs,
            &local_moto::unique("e2e-analyses"),
        )
        .await;
        let alert_sinks = serde_json::json!([
            {"sink": "slack", "webhook_url": format!(
                "{}/services/T0LOCAL/B0LOCAL/local-slack-token", ticketing.endpoint_url())},
            {"sink": "sns", "topic_arn": alert_topic.0},
            {"sink": "servicenow", "instance_url": ticketing.endpoint_url(),
                "username": "bridge", "password": "local-servicenow-password"},
        ])
        .to_string();
        let jobs_env = [
            ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint.clone()),
            ("AWS_ENDPOINT_URL_SQS", moto.endpoint.clone()),
            ("JOBS_TABLE", table),
            ("JOBS_QUEUE_URL", queues.url.clone()),
            (
                "JOB_MAX_RECEIVES",
                local_moto::MAX_RECEIVE_COUNT.to_string(),
            ),
            ("JOB_LEASE_SECONDS", timing.lease_seconds.to_string()),
            ("SERVICENOW_MODE", "async".to_owned()),
            ("SERVICENOW_INTEGRATION_USERS", "bridge".to_owned()),
            ("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET.to_owned()),
            ("ALERTMANAGER_MODE", "async".to_owned()),
        ];
        let jobs_env: Vec<(&str, &str)> = jobs_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (agentcore, webhook_runtime, env) = function_stack(Backend::Builtin, &jobs_env).await;
        // As deployed: only the worker holds the write-back credentials.
        let mut worker_env = env.clone();
        worker_env.push(("SERVICENOW_WRITE_BACK".to_owned(), write_back));
        worker_env.push(("ALERTMANAGER_WRITE_BACK".to_owned(), alert_sinks));
        worker_env.push(("AWS_ENDPOINT_URL_SNS".to_owned(), moto.endpoint.clone()));
        let (webhook, gateway) = webhook_behind_gateway(webhook_runtime, &env).await;
        let worker_runtime = Arc::new(RuntimeApi::start().await.unwrap());
        let source = local_lambda::SqsEventSource::start(
            sqs.clone(),
            queues.url.clone(),
            queues.arn.clone(),
            worker_runtime.clone(),
            local_lambda::SqsSourceConfig {
                batch_size: 1,
                receive_wait: Duration::from_secs(1),
                visibility_timeout: timing.visibility_timeout,
                function_timeout: timing.function_timeout,
            },
        )
        .unwrap();
        let mut stack = AsyncStack {
            agentcore,
            ticketing,
            gateway,
            queues,
            sqs,
            alert_topic,
            worker_runtime,
            worker_env,
            worker: None,
            _source: source,
            _webhook: webhook,
        };
        stack.start_worker();
        stack
    }

    /// Starts a worker process (Lambda starting a new instance).
    pub fn start_worker(&mut self) {
        self.worker = Some(
            FunctionProcess::spawn(
                &debug_binary("worker"),
                &self.worker_runtime.address(),
                &self.worker_env,
            )
            .unwrap(),
        );
    }

    /// Kills the worker process mid-job (as a crashed or timed-out Lambda instance).
    pub fn kill_worker(&mut self) {
        self.worker = None;
    }

    /// `POST` a ServiceNow incident through the API Gateway, signed as a ServiceNow flow signs
    /// it (`X-Signature` over `timestamp "." body`).
    pub async fn deliver(&self, body: &Value) -> (u16, Value) {
        let body = body.to_string();
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&BASE64.decode(SERVICENOW_SECRET).unwrap()).unwrap();
        mac.update(format!("{ts}.{body}").as_bytes());
        let signature = BASE64.encode(mac.finalize().into_bytes());
        let headers = [("x-signature", signature), ("x-signature-timestamp", ts)];
        self.post_webhook("servicenow", body, &headers).await
    }

    /// `POST` an Alertmanager notification through the API Gateway (the API key vouches for it).
    pub async fn deliver_alert(&self, body: &str) -> (u16, Value) {
        self.post_webhook("alertmanager", body.to_owned(), &[])
            .await
    }

    /// `POST /webhook/{source}` through the API Gateway with the API key and `headers`.
    async fn post_webhook(
        &self,
        source: &str,
        body: String,
        headers: &[(&str, String)],
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/webhook/{source}", self.gateway.url(STAGE)))
            .header("x-api-key", API_KEY)
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let resp = request.body(body).send().await.unwrap();
        let status = resp.status().as_u16();
        (
            status,
            serde_json::from_str(&resp.text().await.unwrap()).unwrap(),
        )
    }

    /// `GET /jobs/{id}` through the API Gateway.
    pub async fn job(&self, job_id: &str) -> Value {
        let resp = reqwest::Client::new()
            .get(format!("{}/jobs/{job_id}", self.gateway.url(STAGE)))
            .header("x-api-key", API_KEY)
            .send()
            .await
            .unwrap();
        serde_json::from_str(&resp.text().await.unwrap()).unwrap()
    }

    /// Polls the job until `done` says so, for at most `within`.
    pub async fn wait_for_job(
        &self,
        job_id: &str,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            let job = self.job(job_id).await;
            if done(&job) {
                return job;
            }
            assert!(
                started.elapsed() < within,
                "job never reached the state: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
