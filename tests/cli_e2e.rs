//! End to end: the built `bridge` binary against the real local stacks.
//!
//! - `bridge ticket` and `bridge invoke` through the local API Gateway (API key required) to the
//!   real `webhook` binary and the local AgentCore's built-in agent (buffered JSON answers);
//! - `bridge invoke --sigv4` through a local Lambda Function URL (`AuthType: AWS_IAM`, response
//!   streaming) to the real `stream` binary (NDJSON frames printed as they arrive).

use std::process::{Output, Stdio};
use std::time::Duration;

use e2e_tests::{
    API_KEY, STAGE, Stack, StreamStack, debug_binary, url_credentials, workspace_root,
};
use local_agentcore::{Backend, Fault};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// What the built-in agent answers to a query (streamed word by word by the `stream` binary).
fn builtin_answer(query: &str) -> String {
    format!("Local agent (offline stand-in) received: {query}")
}

/// A caller-chosen session id: AgentCore wants 33 to 256 characters of `[A-Za-z0-9_-]`.
const SESSION: &str = "cli-e2e-session-0123456789abcdefghijk";

/// `bridge` with piped output, without BRIDGE_* or AWS_* settings leaking in from the
/// developer's shell: AWS credentials, region and profile files come only from `env`.
fn spawn_bridge(args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(debug_binary("bridge"));
    cmd.args(args)
        .current_dir(workspace_root())
        .env_remove("BRIDGE_URL")
        .env_remove("BRIDGE_API_KEY");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(name);
        }
    }
    // No profile, credentials file or instance metadata can supply what `env` does not.
    cmd.env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start bridge")
}

/// Runs `bridge` to completion without blocking the runtime that serves the stacks in this
/// process.
async fn bridge_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let child = spawn_bridge(args, env);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bridge finished within 60 s")
        .unwrap()
}

async fn bridge(args: &[&str]) -> Output {
    bridge_env(args, &[]).await
}

/// The environment `--sigv4` signs with: the Function URL's credentials, or a wrong secret.
fn sigv4_env(secret: &str) -> Vec<(&'static str, String)> {
    let creds = url_credentials();
    vec![
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
        ("AWS_REGION", creds.region),
    ]
}

async fn bridge_signed(args: &[&str], secret: &str) -> Output {
    let env = sigv4_env(secret);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    bridge_env(args, &env).await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `session: ID request: ID` on stderr.
fn stderr_session(out: &Output) -> String {
    let stderr = text(&out.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("session: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `session:` line on stderr: {stderr}"))
        .to_owned()
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

#[tokio::test]
async fn bridge_invoke_through_api_gateway() {
    let stack = Stack::start(Backend::Builtin).await;
    let url = stack.gateway.url(STAGE);
    let query = "Is the VPN concentrator in Frankfurt down?";

    // The buffered answer: its text on stdout, the ids on stderr.
    let out = bridge(&["invoke", query, "--url", &url, "--api-key", API_KEY]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(!answer.trim().is_empty(), "an answer on stdout");
    assert!(
        answer.ends_with('\n') && !answer.starts_with('{'),
        "{answer}"
    );
    assert_eq!(stack.agentcore.invocation_count(), 1);
    let session = stderr_session(&out);
    assert_eq!(session, stack.agentcore.invocations()[0].session_id);

    // --json: the whole document, the same answer inside.
    let out = bridge(&[
        "invoke",
        query,
        "--json",
        "--url",
        &url,
        "--api-key",
        API_KEY,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("--json prints JSON ({e}): {}", text(&out.stdout)));
    assert_eq!(
        doc["result"]["answer"].as_str(),
        Some(answer.trim_end()),
        "{doc}"
    );
    let meta = &doc["metadata"];
    assert_eq!(meta["agent"], "default", "{doc}");
    assert_eq!(
        meta["session_id"].as_str(),
        Some(stack.agentcore.invocations()[1].session_id.as_str()),
        "{doc}"
    );
    assert!(meta["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(meta["execution_time_ms"].is_u64(), "{doc}");

    // An agent the bridge does not know: refused by the bridge, nothing reaches AgentCore.
    let out = bridge(&[
        "invoke",
        query,
        "--agent",
        "nope",
        "--url",
        &url,
        "--api-key",
        API_KEY,
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("AGENT_NOT_FOUND (HTTP 404)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");

    // No key: API Gateway refuses before the function runs.
    let out = bridge(&["invoke", query, "--url", &url]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Forbidden (HTTP 403)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");
    assert_eq!(stack.agentcore.invocation_count(), 2, "refusals never ran");

    // A caller-chosen session is used and echoed.
    let out = bridge(&[
        "invoke",
        query,
        "--session",
        SESSION,
        "--url",
        &url,
        "--api-key",
        API_KEY,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(stderr_session(&out), SESSION);
    assert_eq!(stack.agentcore.invocations()[2].session_id, SESSION);
}

#[tokio::test]
async fn bridge_invoke_sigv4_streams_from_the_function_url() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    let url = stack.url.url();
    let secret = url_credentials().secret_access_key;
    let query = "Which deploy broke checkout?";

    let out = bridge_signed(&["invoke", query, "--sigv4", "--url", &url], &secret).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", builtin_answer(query)));
    assert_eq!(stack.agentcore.invocation_count(), 1);
    assert_eq!(
        stderr_session(&out),
        stack.agentcore.invocations()[0].session_id
    );

    // A caller-chosen session travels to AgentCore and back in the final frame.
    let out = bridge_signed(
        &[
            "invoke",
            query,
            "--sigv4",
            "--session",
            SESSION,
            "--url",
            &url,
        ],
        &secret,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", builtin_answer(query)));
    assert_eq!(stderr_session(&out), SESSION);
    assert_eq!(stack.agentcore.invocations()[1].session_id, SESSION);

    // The agent fails after the first byte: the inline error is an agent failure (exit 4).
    stack.agentcore.inject(Fault::InBandError);
    let out = bridge_signed(&["invoke", query, "--sigv4", "--url", &url], &secret).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("error: AGENT_FAILED: "),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "Starting analysis\n",
        "what arrived before the failure, line closed"
    );

    // Wrong secret: the Function URL's own 403, before the function runs.
    let before = stack.agentcore.invocation_count();
    let out = bridge_signed(
        &["invoke", query, "--sigv4", "--url", &url],
        "not-the-secret",
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Forbidden (HTTP 403)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");
    assert_eq!(stack.agentcore.invocation_count(), before);

    // Unsigned (no --sigv4): refused the same way.
    let out = bridge(&["invoke", query, "--url", &url]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(stack.agentcore.invocation_count(), before);
}

#[tokio::test]
async fn bridge_invoke_prints_words_before_the_agent_has_finished() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    // The agent sends all but its last event, then waits until this test releases it.
    stack.agentcore.inject(Fault::HeldSse);
    let url = stack.url.url();
    let query = "How do we roll back the checkout deploy from an hour ago?";
    let env = sigv4_env(&url_credentials().secret_access_key);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = spawn_bridge(&["invoke", query, "--sigv4", "--url", &url], &env);
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr_task = tokio::spawn(async move {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).await.map(|_| s)
    });

    // Read what the CLI has printed so far, while the agent still holds its last word.
    let mut printed = Vec::new();
    let mut buf = [0u8; 4096];
    while !text(&printed).contains("received:") {
        let n = tokio::time::timeout(Duration::from_secs(20), stdout.read(&mut buf))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "nothing more on stdout for 20 s; so far: {:?}",
                    text(&printed)
                )
            })
            .unwrap();
        assert!(n > 0, "stdout closed early: {:?}", text(&printed));
        printed.extend_from_slice(&buf[..n]);
    }
    let head = text(&printed);
    let full = builtin_answer(query);
    assert!(full.starts_with(&head), "{head:?} is a prefix of {full:?}");
    assert!(
        head.len() < full.len(),
        "the last word is still held: {head:?}"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "bridge waits for the rest"
    );

    stack.agentcore.release_held();
    stdout.read_to_end(&mut printed).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("bridge exits once the agent has finished")
        .unwrap();
    let stderr = text(&stderr_task.await.unwrap().unwrap());
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(text(&printed), format!("{full}\n"));
    assert!(stderr.contains("session: "), "{stderr}");
}

#[tokio::test]
async fn a_reader_that_stops_early_is_not_an_error() {
    // `bridge invoke … | head -c 20`: the reader closes the pipe while the answer streams in.
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    stack.agentcore.inject(Fault::HeldSse);
    let url = stack.url.url();
    let env = sigv4_env(&url_credentials().secret_access_key);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = spawn_bridge(&["invoke", "a question", "--sigv4", "--url", &url], &env);
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 5];
    tokio::time::timeout(Duration::from_secs(20), stdout.read_exact(&mut buf))
        .await
        .expect("the first words within 20 s")
        .unwrap();
    assert_eq!(&buf, b"Local");
    drop(stdout);
    stack.agentcore.release_held();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("bridge exits")
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("error"),
        "{}",
        text(&out.stderr)
    );
}
