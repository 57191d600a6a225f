//! The streaming stack: the `stream` binary behind a local Function URL (IAM auth, response
//! streaming), and reading its streamed answers.

use std::sync::Arc;
use std::time::Duration;

use local_agentcore::{Backend, RunningAgentCore};
use local_lambda::{
    FunctionProcess, FunctionUrl, FunctionUrlConfig, LocalCredentials, RuntimeApi,
    sigv4_post_headers,
};
use serde_json::Value;

use super::paths::stream_binary;
use super::stack::function_stack;

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
    /// The local AgentCore the function calls.
    pub agentcore: RunningAgentCore,
    /// The local Function URL in front of the function.
    pub url: FunctionUrl,
    /// The stream binary's Runtime API, to send it raw Function URL events.
    pub runtime: Arc<RuntimeApi>,
    _function: FunctionProcess,
}

impl StreamStack {
    /// The stack with `backend` behind the local AgentCore and extra environment for the
    /// function.
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
