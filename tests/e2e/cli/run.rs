//! Running the `bridge` binary from a test: isolated from the developer's shell, without
//! blocking the runtime that serves the stacks, and reading what it printed.

use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::support::{debug_binary, url_credentials, workspace_root};

/// What the built-in agent answers to a query (streamed word by word by the `stream` binary).
pub(super) fn builtin_answer(query: &str) -> String {
    format!("Local agent (offline stand-in) received: {query}")
}

/// A caller-chosen session id: AgentCore wants 33 to 256 characters of `[A-Za-z0-9_-]`.
pub(super) const SESSION: &str = "cli-e2e-session-0123456789abcdefghijk";

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

/// Waits for `bridge` to finish without blocking the runtime that serves the stacks in this
/// process.
async fn finish(child: Child) -> Output {
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bridge finished within 60 s")
        .unwrap()
}

/// Runs `bridge` with `args` and no AWS settings.
async fn bridge(args: &[&str]) -> Output {
    finish(spawn_bridge(args, &[])).await
}

/// `bridge ticket FILE --source SOURCE --url URL`, with `--api-key KEY` when given.
pub(super) async fn ticket(file: &str, source: &str, url: &str, api_key: Option<&str>) -> Output {
    let mut args = vec!["ticket", file, "--source", source, "--url", url];
    if let Some(key) = api_key {
        args.extend(["--api-key", key]);
    }
    bridge(&args).await
}

/// `bridge invoke QUERY [EXTRA…] --url URL`, with `--api-key KEY` when given.
pub(super) async fn invoke(
    query: &str,
    extra: &[&str],
    url: &str,
    api_key: Option<&str>,
) -> Output {
    let mut args = vec!["invoke", query];
    args.extend(extra);
    args.extend(["--url", url]);
    if let Some(key) = api_key {
        args.extend(["--api-key", key]);
    }
    bridge(&args).await
}

/// `bridge invoke QUERY --sigv4 [EXTRA…] --url URL` started with the Function URL's key id and
/// region, and `secret` (the right one or not).
fn spawn_signed(query: &str, extra: &[&str], url: &str, secret: &str) -> Child {
    let mut args = vec!["invoke", query, "--sigv4"];
    args.extend(extra);
    args.extend(["--url", url]);
    let creds = url_credentials();
    let env = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret),
        ("AWS_REGION", creds.region.as_str()),
    ];
    spawn_bridge(&args, &env)
}

/// Runs `bridge invoke QUERY --sigv4 [EXTRA…] --url URL`, signing with `secret`.
pub(super) async fn invoke_signed(query: &str, extra: &[&str], url: &str, secret: &str) -> Output {
    finish(spawn_signed(query, extra, url, secret)).await
}

/// Starts `bridge invoke QUERY --sigv4 --url URL`, correctly signed, for a test that reads its
/// output as it comes.
pub(super) fn start_signed(query: &str, url: &str) -> Child {
    spawn_signed(query, &[], url, &url_credentials().secret_access_key)
}

/// Asserts that `bridge` refused the request: exit code 3, `message` on stderr, nothing on
/// stdout.
#[track_caller]
pub(super) fn assert_refused(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(message), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
}

/// Output bytes as text.
pub(super) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `session: ID request: ID` on stderr.
pub(super) fn stderr_session(out: &Output) -> String {
    let stderr = text(&out.stderr);
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("session: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `session:` line on stderr: {stderr}"))
        .to_owned()
}
