//! The synchronous stack: the built `webhook` binary under a local Runtime API, behind the local
//! API Gateway, in front of the local AgentCore; and the pieces the other stacks build from.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use local_agentcore::{Backend, LOCAL_RUNTIME_ARN, LocalAgentCore, RunningAgentCore};
use local_lambda::{
    FunctionProcess, Gateway, GatewayConfig, Outcome, RuntimeApi, responses_from_template,
    routes_from_template,
};
use serde_json::Value;

use super::paths::{debug_binary, webhook_binary, workspace_root};

/// The API Gateway stage every stack serves.
pub const STAGE: &str = "prod";
/// The API key the local API Gateway accepts (in `x-api-key` or as `Authorization: Bearer`).
pub const API_KEY: &str = "e2eTestKey0123456789abcd";

/// The local AgentCore with `backend`, a Runtime API, and the environment a function needs to
/// reach that AgentCore (JSON logs, plus `extra_env`).
pub async fn function_stack(
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

/// The `webhook` binary with `env` under `runtime`, behind the local API Gateway ([`STAGE`],
/// [`API_KEY`]) whose keys come from the built `authorizer` binary, as the template deploys it.
pub(super) async fn webhook_behind_gateway(
    runtime: Arc<RuntimeApi>,
    env: &[(String, String)],
) -> (Functions, Gateway) {
    let function = FunctionProcess::spawn(&webhook_binary(), &runtime.address(), env).unwrap();
    let authorizer_runtime = Arc::new(RuntimeApi::start().await.unwrap());
    let authorizer = FunctionProcess::spawn(
        &debug_binary("authorizer"),
        &authorizer_runtime.address(),
        &[],
    )
    .unwrap();
    let mut config = GatewayConfig::webhook(STAGE, Some(API_KEY.into()));
    // The API as the template defines it: its routes, and its refusals as rendered.
    let template = workspace_root().join("template.yaml");
    config.routes = routes_from_template(&template, "WebhookApi").unwrap();
    config.responses = responses_from_template(&template, "WebhookApi").unwrap();
    let gateway =
        Gateway::start_with_authorizer("127.0.0.1:0", config, runtime, authorizer_runtime)
            .await
            .unwrap();
    (
        Functions {
            _processes: [function, authorizer],
        },
        gateway,
    )
}

/// The webhook function and the key authorizer's: held to keep them running, stopped when
/// dropped.
pub struct Functions {
    _processes: [FunctionProcess; 2],
}

/// The bridge binary behind API Gateway and in front of the local AgentCore.
pub struct Stack {
    /// The local AgentCore the function calls.
    pub agentcore: RunningAgentCore,
    /// The function's Runtime API, to send it raw Lambda events.
    pub runtime: Arc<RuntimeApi>,
    /// The local API Gateway in front of the function.
    pub gateway: Gateway,
    _functions: Functions,
}

impl Stack {
    /// The stack with `backend` behind the local AgentCore.
    pub async fn start(backend: Backend) -> Stack {
        Stack::start_with(backend, &[]).await
    }

    /// The stack with extra environment for the function.
    pub async fn start_with(backend: Backend, extra_env: &[(&str, &str)]) -> Stack {
        let (agentcore, runtime, env) = function_stack(backend, extra_env).await;
        let (function, gateway) = webhook_behind_gateway(runtime.clone(), &env).await;
        Stack {
            agentcore,
            runtime,
            gateway,
            _functions: function,
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

    /// `…/{stage}/webhook/{source}` on the local API Gateway.
    pub fn webhook_url(&self, source: &str) -> String {
        format!("{}/webhook/{source}", self.gateway.url(STAGE))
    }
}

/// A proxy response the function returned, with its body parsed.
pub struct ProxyResponse {
    /// `statusCode`.
    pub status: u16,
    /// The body, parsed as JSON.
    pub json: Value,
    /// The whole proxy response document.
    pub doc: Value,
}
