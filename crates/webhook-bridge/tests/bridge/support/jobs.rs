//! The bridge with its jobs table and queue on moto (DynamoDB + SQS on loopback, see the
//! `local-moto` crate), AgentCore on the local emulator, and the worker built the same way.

use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore};
use webhook_bridge::{Aws, Bridge, Config, Worker};

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
        let agentcore = LocalAgentCore::new()
            .with_runtime(LOCAL_RUNTIME_ARN, Backend::Builtin)
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
