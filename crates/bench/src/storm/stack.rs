//! The stack a storm runs through, started on loopback: moto (DynamoDB, SQS), the AgentCore
//! emulator with its quotas, the webhook behind the local API Gateway, and the worker behind
//! local SQS event source mappings, each function as real processes of the built binaries.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, Quotas, RunningAgentCore};
use local_lambda::{
    FunctionProcess, Gateway, GatewayConfig, RuntimeApi, SqsEventSource, SqsSourceConfig,
};

use super::settings::StormSettings;
use crate::setup;

/// The API key every delivery presents.
pub const STORM_API_KEY: &str = "stormKey0123456789abcdef";

/// Where the function binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The webhook function.
    pub webhook: PathBuf,
    /// The worker function.
    pub worker: PathBuf,
}

/// Everything running for one storm; stopped when dropped.
pub struct StormStack {
    /// The AgentCore emulator (its quota figures are the run's).
    pub agentcore: RunningAgentCore,
    /// The API's base URL, stage included.
    pub api: String,
    /// SQS on moto.
    pub sqs: aws_sdk_sqs::Client,
    /// DynamoDB on moto.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// The jobs table.
    pub table: String,
    /// The job queue and its dead-letter queue.
    pub queues: local_moto::Queues,
    /// Webhook instances.
    pub webhooks: Vec<FunctionProcess>,
    /// Worker instances.
    pub workers: Vec<FunctionProcess>,
    _gateway: Gateway,
    _sources: Vec<SqsEventSource>,
    _sqs_moto: local_moto::Moto,
}

impl StormStack {
    /// Starts the stack `settings` describe.
    pub async fn start(settings: &StormSettings, bins: &Binaries) -> anyhow::Result<StormStack> {
        // DynamoDB and SQS on two moto servers: each serves on one core, and one alone would be
        // what limits the storm, not AgentCore's quota.
        let moto = local_moto::moto();
        let sqs_moto = local_moto::Moto::start();
        let sqs = local_moto::sqs_client_at(&sqs_moto.endpoint);
        let dynamodb = local_moto::dynamodb_client();
        let table = local_moto::unique("storm");
        local_moto::create_table(&dynamodb, &table).await;
        let queues = local_moto::create_queues_with(
            &sqs,
            &local_moto::unique("storm"),
            settings.max_receives,
        )
        .await;
        let agentcore = LocalAgentCore::new()
            .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
            .with_quotas(Quotas {
                invocations_per_second: Some(settings.tps),
                max_active_sessions: Some(settings.max_active_sessions),
                idle_timeout: settings.idle_timeout,
                time_scale: settings.time_scale,
                ..Quotas::aws_defaults()
            })
            .with_agent_latency(settings.agent_latency)
            .start("127.0.0.1:0")
            .await?;

        let mut env = setup::function_env(&agentcore);
        env.extend(
            [
                ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint.as_str()),
                ("AWS_ENDPOINT_URL_SQS", sqs_moto.endpoint.as_str()),
                ("JOBS_TABLE", table.as_str()),
                ("JOBS_QUEUE_URL", queues.url.as_str()),
                ("SERVICENOW_MODE", "async"),
                ("RELEASE_SESSIONS", settings.release_sessions.as_str()),
                ("AGENT_WARM_UP", "false"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let webhook_runtime = Arc::new(RuntimeApi::start().await?);
        let webhooks = spawn(
            &bins.webhook,
            &webhook_runtime,
            &env,
            settings.webhook_instances,
        )?;
        let gateway = Gateway::start(
            "127.0.0.1:0",
            GatewayConfig::webhook("prod", Some(STORM_API_KEY.to_owned())),
            webhook_runtime,
        )
        .await?;

        let timeout = settings.worker_timeout.as_secs().max(2);
        env.extend(
            [
                ("JOB_MAX_RECEIVES", settings.max_receives.to_string()),
                ("JOB_LEASE_SECONDS", timeout.to_string()),
                ("AGENT_TIMEOUT_SECONDS", (timeout - 1).to_string()),
                ("JOB_THROTTLE_DELAY_SECONDS", "1".to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        let worker_runtime = Arc::new(RuntimeApi::start().await?);
        let workers = spawn(
            &bins.worker,
            &worker_runtime,
            &env,
            settings.worker_concurrency,
        )?;
        // Lambda scales the mapping's pollers up to MaximumConcurrency: one per instance here.
        let sources = (0..settings.worker_concurrency)
            .map(|_| {
                SqsEventSource::start(
                    sqs.clone(),
                    queues.url.clone(),
                    queues.arn.clone(),
                    worker_runtime.clone(),
                    SqsSourceConfig {
                        batch_size: 1,
                        receive_wait: Duration::from_secs(1),
                        visibility_timeout: Duration::from_secs(timeout),
                        function_timeout: Duration::from_secs(timeout),
                    },
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StormStack {
            agentcore,
            api: gateway.url("prod"),
            sqs,
            dynamodb,
            table,
            queues,
            webhooks,
            workers,
            _gateway: gateway,
            _sources: sources,
            _sqs_moto: sqs_moto,
        })
    }
}

fn spawn(
    binary: &std::path::Path,
    runtime: &RuntimeApi,
    env: &[(String, String)],
    instances: usize,
) -> anyhow::Result<Vec<FunctionProcess>> {
    (0..instances)
        .map(|_| {
            let cmd = setup::quiet_command(binary);
            Ok(FunctionProcess::spawn_command(
                cmd,
                &runtime.address(),
                env,
            )?)
        })
        .collect()
}
