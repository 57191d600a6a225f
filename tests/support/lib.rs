//! The end-to-end stack: a real `BedrockAgentCoreApp` agent (Python), the local AgentCore
//! forwarding to it, and the built `webhook` binary running under the local Lambda Runtime API
//! and API Gateway. Everything listens on loopback and stops when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore};
use local_lambda::{
    FunctionProcess, FunctionUrl, FunctionUrlConfig, Gateway, GatewayConfig, LocalCredentials,
    Outcome, RuntimeApi, sigv4_post_headers,
};
use serde_json::Value;
use tokio::process::{Child, Command};

pub const STAGE: &str = "prod";
pub const API_KEY: &str = "e2e-test-key";

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The debug `webhook` binary. `cargo test --workspace` builds it (it is a bin target of the
/// handler crate whose tests run in the same invocation); `make test` builds it explicitly.
pub fn webhook_binary() -> PathBuf {
    debug_binary("webhook")
}

/// The debug `stream` binary (the streaming entry point), built like `webhook`.
pub fn stream_binary() -> PathBuf {
    debug_binary("stream")
}

/// A binary of the workspace in `target/debug`.
pub fn debug_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let bin = target.join("debug").join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --bins` (make test does this)",
        bin.display()
    );
    bin
}

/// The Python with `bedrock-agentcore` installed: `E2E_AGENT_PYTHON`, else `.venv-agent/`.
pub fn agent_python() -> PathBuf {
    let py = std::env::var_os("E2E_AGENT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv-agent/bin/python"));
    assert!(
        py.is_file(),
        "{} is missing: run `make venv` (make test does this) to install bedrock-agentcore",
        py.display()
    );
    py
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `BedrockAgentCoreApp` process serving `POST /invocations` and `GET /ping`.
pub struct AgentProcess {
    pub url: String,
    _child: Child,
}

impl AgentProcess {
    pub async fn start(mode: &str) -> AgentProcess {
        let port = free_port();
        let child = Command::new(agent_python())
            .arg(workspace_root().join("tests/agent/app.py"))
            .env("AGENT_MODE", mode)
            .env("AGENT_PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the Python agent");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{url}/ping")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the Python agent did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        AgentProcess { url, _child: child }
    }
}

/// The local AgentCore with `backend`, a Runtime API, and the environment a function needs to
/// reach that AgentCore (JSON logs, plus `extra_env`).
async fn function_stack(
    backend: Backend,
    extra_env: &[(&str, &str)],
) -> (RunningAgentCore, Arc<RuntimeApi>, Vec<(String, String)>) {
    let agentcore = LocalAgentCore::new()
        .with_runtime(LOCAL_RUNTIME_ARN, backend)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let runtime = Arc::new(RuntimeApi::start().await.unwrap());
    let env = agentcore
        .function_env()
        .into_iter()
        .chain([("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned())])
        .chain(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .collect();
    (agentcore, runtime, env)
}

/// The bridge binary behind API Gateway and in front of the local AgentCore.
pub struct Stack {
    pub agentcore: RunningAgentCore,
    pub runtime: Arc<RuntimeApi>,
    pub gateway: Gateway,
    _function: FunctionProcess,
}

impl Stack {
    pub async fn start(backend: Backend) -> Stack {
        Stack::start_with(backend, &[]).await
    }

    /// The stack with extra environment for the function.
    pub async fn start_with(backend: Backend, extra_env: &[(&str, &str)]) -> Stack {
        let (agentcore, runtime, env) = function_stack(backend, extra_env).await;
        let function = FunctionProcess::spawn(&webhook_binary(), &runtime.address(), &env).unwrap();
        let gateway = Gateway::start(
            "127.0.0.1:0",
            GatewayConfig::webhook(STAGE, Some(API_KEY.into())),
            runtime.clone(),
        )
        .await
        .unwrap();
        Stack {
            agentcore,
            runtime,
            gateway,
            _function: function,
        }
    }

    /// Sends a raw Lambda event (as `sam local invoke -e` would) and returns the proxy response.
    pub async fn invoke_event(&self, event: &Value) -> ProxyResponse {
        let outcome = self
            .runtime
            .invoke(Bytes::from(event.to_string()), Duration::from_secs(60))
            .await
            .expect("the function answered");
        let Outcome::Response(doc) = outcome else {
            panic!("the function reported an error: {outcome:?}");
        };
        let doc: Value = serde_json::from_slice(&doc).expect("a proxy response document");
        let body = doc["body"].as_str().unwrap_or_default();
        ProxyResponse {
            status: doc["statusCode"].as_u64().unwrap() as u16,
            json: serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}")),
            doc,
        }
    }

    pub fn webhook_url(&self, source: &str) -> String {
        format!("{}/webhook/{source}", self.gateway.url(STAGE))
    }
}

/// The asynchronous stack: the `webhook` binary behind the local API Gateway with its jobs table
/// and queue on moto, the `worker` binary fed by a local SQS event source mapping, the local
/// AgentCore, and the local ServiceNow/GitHub/Jira stub receiving write-backs.
pub struct AsyncStack {
    pub agentcore: RunningAgentCore,
    pub ticketing: local_ticketing::RunningTicketing,
    pub gateway: Gateway,
    pub queues: local_moto::Queues,
    pub sqs: aws_sdk_sqs::Client,
    worker_runtime: Arc<RuntimeApi>,
    worker_env: Vec<(String, String)>,
    worker: Option<FunctionProcess>,
    _source: local_lambda::SqsEventSource,
    _webhook: FunctionProcess,
}

/// Timing of the local event source mapping (short, so redeliveries happen within a test).
pub struct AsyncTiming {
    pub visibility_timeout: Duration,
    pub function_timeout: Duration,
    /// `JOB_LEASE_SECONDS`: how long a running job is protected.
    pub lease_seconds: u64,
}

impl AsyncStack {
    pub async fn start(timing: AsyncTiming) -> AsyncStack {
        let agentcore = LocalAgentCore::new()
            .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
            .start("127.0.0.1:0")
            .await
            .unwrap();
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
        let env: Vec<(String, String)> = agentcore
            .function_env()
            .into_iter()
            .chain(
                [
                    ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
                    ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint.clone()),
                    ("AWS_ENDPOINT_URL_SQS", moto.endpoint.clone()),
                    ("JOBS_TABLE", table.clone()),
                    ("JOBS_QUEUE_URL", queues.url.clone()),
                    (
                        "JOB_MAX_RECEIVES",
                        local_moto::MAX_RECEIVE_COUNT.to_string(),
                    ),
                    ("JOB_LEASE_SECONDS", timing.lease_seconds.to_string()),
                    ("SERVICENOW_MODE", "async".to_owned()),
                    ("SERVICENOW_INTEGRATION_USERS", "bridge".to_owned()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v)),
            )
            .collect();
        // As deployed: only the worker holds the write-back credentials.
        let mut worker_env = env.clone();
        worker_env.push(("SERVICENOW_WRITE_BACK".to_owned(), write_back));
        let webhook_runtime = Arc::new(RuntimeApi::start().await.unwrap());
        let webhook =
            FunctionProcess::spawn(&webhook_binary(), &webhook_runtime.address(), &env).unwrap();
        let gateway = Gateway::start(
            "127.0.0.1:0",
            GatewayConfig::webhook(STAGE, Some(API_KEY.into())),
            webhook_runtime,
        )
        .await
        .unwrap();
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

    /// `POST` a ServiceNow incident through the API Gateway.
    pub async fn deliver(&self, body: &Value) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/webhook/servicenow", self.gateway.url(STAGE)))
            .header("x-api-key", API_KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
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

/// The credentials the local Function URL accepts (`AuthType: AWS_IAM`).
pub fn url_credentials() -> LocalCredentials {
    LocalCredentials {
        access_key_id: "AKIDE2ELOCAL".into(),
        secret_access_key: "e2e-local-secret".into(),
        region: "us-east-1".into(),
    }
}

/// The `stream` binary behind a local Function URL (IAM auth, response streaming), in front of
/// the local AgentCore.
pub struct StreamStack {
    pub agentcore: RunningAgentCore,
    pub url: FunctionUrl,
    /// The stream binary's Runtime API, to send it raw Function URL events.
    pub runtime: Arc<RuntimeApi>,
    _function: FunctionProcess,
}

impl StreamStack {
    pub async fn start_with(backend: Backend, extra_env: &[(&str, &str)]) -> StreamStack {
        let (agentcore, runtime, env) = function_stack(backend, extra_env).await;
        let function = FunctionProcess::spawn(&stream_binary(), &runtime.address(), &env).unwrap();
        let config = FunctionUrlConfig {
            iam: Some(url_credentials()),
            timeout: Duration::from_secs(120),
        };
        let url = FunctionUrl::start("127.0.0.1:0", config, runtime.clone())
            .await
            .unwrap();
        StreamStack {
            agentcore,
            url,
            runtime,
            _function: function,
        }
    }

    /// A SigV4-signed `POST {url}{path}` with a JSON body, as `bridge invoke --sigv4` sends it.
    pub async fn post_signed(&self, path: &str, body: &Value, accept: &str) -> reqwest::Response {
        let url = format!("{}{path}", self.url.url());
        let body = body.to_string();
        let headers = sigv4_post_headers(
            &url_credentials(),
            &url,
            body.as_bytes(),
            accept,
            std::time::SystemTime::now(),
        );
        let mut req = reqwest::Client::new().post(&url).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.expect("the Function URL answered")
    }
}

/// Reads a streamed body up to and including the first line that satisfies `until`.
pub async fn read_until(
    resp: &mut reqwest::Response,
    buffer: &mut String,
    until: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        while let Some(at) = buffer.find('\n') {
            let line: String = buffer.drain(..=at).collect();
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                continue;
            }
            let stop = until(&line);
            lines.push(line);
            if stop {
                return lines;
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), resp.chunk())
            .await
            .expect("the stream went quiet for 20 s")
            .expect("the stream broke");
        match chunk {
            Some(bytes) => buffer.push_str(&String::from_utf8_lossy(&bytes)),
            None => return lines,
        }
    }
}

pub struct ProxyResponse {
    pub status: u16,
    pub json: Value,
    pub doc: Value,
}

pub fn event(name: &str) -> Value {
    let path = workspace_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
