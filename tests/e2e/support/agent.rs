//! A real `BedrockAgentCoreApp` agent (`tests/agent/app.py`) as a process.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::paths::{agent_python, free_port, workspace_root};

/// A `BedrockAgentCoreApp` process serving `POST /invocations` and `GET /ping`.
pub struct AgentProcess {
    /// Its base URL, for `Backend::Forward`.
    pub url: String,
    _child: Child,
}

impl AgentProcess {
    /// Starts the agent in `mode` (`json` or `sse`) and waits until it answers `/ping`.
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
