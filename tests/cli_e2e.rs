//! End to end: the built `bridge` binary posting tickets through the local API Gateway (API key
//! required) to the real webhook binary and the local AgentCore's built-in agent.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use e2e_tests::{API_KEY, STAGE, Stack, workspace_root};
use local_agentcore::Backend;
use tokio::process::Command;

/// The debug `bridge` binary, found like `webhook_binary()`: `cargo build --bins` (make test)
/// builds it before the tests run.
fn bridge_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let bin = target.join("debug").join("bridge");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --bin bridge` (make test builds every binary)",
        bin.display()
    );
    bin
}

/// Runs `bridge` without blocking the runtime that serves the gateway in this process, and
/// without BRIDGE_* settings leaking in from the developer's shell.
async fn bridge(args: &[&str]) -> Output {
    let child = Command::new(bridge_binary())
        .args(args)
        .current_dir(workspace_root())
        .env_remove("BRIDGE_URL")
        .env_remove("BRIDGE_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start bridge");
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bridge finished within 60 s")
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn bridge_ticket_through_api_gateway() {
    let stack = Stack::start(Backend::Builtin).await;
    let url = stack.gateway.url(STAGE);

    // A stored API Gateway event: its body is replayed with our key.
    let out = bridge(&[
        "ticket",
        "events/servicenow-incident.json",
        "--source",
        "servicenow",
        "--url",
        &url,
        "--api-key",
        API_KEY,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let analysis = text(&out.stdout);
    assert!(
        analysis.starts_with("Triage for INC0010001: Email server down"),
        "{analysis}"
    );
    assert_eq!(stack.agentcore.invocation_count(), 1);

    // No key: API Gateway refuses before the function runs.
    let out = bridge(&[
        "ticket",
        "events/servicenow-incident.json",
        "--source",
        "servicenow",
        "--url",
        &url,
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Forbidden"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");

    // Bodies the bridge refuses, with its error codes.
    for (file, code) in [
        (
            "events/servicenow-malformed.json",
            "INVALID_JSON (HTTP 400)",
        ),
        (
            "events/servicenow-missing-number.json",
            "MISSING_REQUIRED_FIELD (HTTP 400)",
        ),
    ] {
        let out = bridge(&[
            "ticket",
            file,
            "--source",
            "servicenow",
            "--url",
            &url,
            "--api-key",
            API_KEY,
        ])
        .await;
        assert_eq!(out.status.code(), Some(3), "{file}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(code),
            "{file}: {}",
            text(&out.stderr)
        );
    }

    // A GitHub ping (event named in X-GitHub-Event) is acknowledged, never analysed.
    let out = bridge(&[
        "ticket",
        "events/github-ping.json",
        "--source",
        "github",
        "--url",
        &url,
        "--api-key",
        API_KEY,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("acknowledged and ignored"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        stack.agentcore.invocation_count(),
        1,
        "only one ticket was analysed"
    );
}
