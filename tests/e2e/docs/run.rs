//! Running the examples: JSON blocks parsed, shell blocks run against the real local stack with
//! the stack's addresses and keys in place of `make local`'s, and their answers compared.

use std::time::Duration;

use local_agentcore::Backend;
use serde_json::Value;
use tokio::process::Command;

use super::blocks::{Block, all_blocks, targets_the_local_stack};
use crate::support::{API_KEY, STAGE, Stack, StreamStack, url_credentials, workspace_root};

#[test]
fn every_json_example_in_the_docs_is_json() {
    let mut checked = 0;
    for block in all_blocks().iter().filter(|b| b.lang == "json") {
        let whole = serde_json::from_str::<Value>(&block.text).is_ok();
        // Log excerpts: one JSON document per line.
        let lines = block
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| serde_json::from_str::<Value>(l).is_ok());
        assert!(
            whole || lines,
            "{}: a json block that is not JSON:\n{}",
            block.where_,
            block.text
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} JSON blocks found");
}

#[tokio::test]
async fn the_docs_shell_examples_run_against_the_local_stack() {
    let api = Stack::start(Backend::Builtin).await;
    let stream = StreamStack::start_with(Backend::Builtin, &[]).await;
    let credentials = url_credentials();
    let replacements = [
        (
            "http://127.0.0.1:3000/prod".to_owned(),
            api.gateway.url(STAGE),
        ),
        ("http://127.0.0.1:3001".to_owned(), stream.url.url()),
        ("localdevkey0123456789abcdef".to_owned(), API_KEY.to_owned()),
        (
            "AWS_ACCESS_KEY_ID=local".to_owned(),
            format!("AWS_ACCESS_KEY_ID={}", credentials.access_key_id),
        ),
        (
            "AWS_SECRET_ACCESS_KEY=local".to_owned(),
            format!("AWS_SECRET_ACCESS_KEY={}", credentials.secret_access_key),
        ),
        // An HTTP error must fail the example, not print an error envelope and exit 0.
        ("curl ".to_owned(), "curl --fail-with-body ".to_owned()),
    ];
    let runnable: Vec<Block> = all_blocks()
        .into_iter()
        .filter(targets_the_local_stack)
        .collect();
    assert!(
        runnable.len() >= 5,
        "only {} runnable examples found",
        runnable.len()
    );
    for block in &runnable {
        let script = replacements
            .iter()
            .fold(block.text.clone(), |s, (from, to)| s.replace(from, to));
        let stdout = run_bash(&block.where_, &script).await;
        if let Some(expected) = block.followed_by.as_ref().filter(|b| b.lang == "json") {
            let expected: Value = serde_json::from_str(&expected.text).unwrap();
            let last = stdout
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            let actual: Value = serde_json::from_str(last).unwrap_or_else(|e| {
                panic!("{}: the answer is not JSON ({e}): {stdout}", block.where_)
            });
            assert_shape(&block.where_, "", &expected, &actual);
        }
    }
}

/// Runs `script` with bash (errors, unset variables and failed pipes stop it) from the
/// workspace root, without the developer's AWS settings, and returns its stdout.
async fn run_bash(where_: &str, script: &str) -> String {
    let mut cmd = Command::new("bash");
    cmd.args(["-euo", "pipefail", "-c", script])
        .current_dir(workspace_root())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .kill_on_drop(true);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("AWS_") || name.starts_with("BRIDGE_") {
            cmd.env_remove(name.as_ref());
        }
    }
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{where_}: the example ran for 120 s"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{where_}: the example failed ({}):\n{script}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `actual` has every field `expected` shows, with its value; a string with `…` stands for
/// any string starting with the text before the `…`.
fn assert_shape(where_: &str, path: &str, expected: &Value, actual: &Value) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let field = format!("{path}.{key}");
                let got = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{where_}: the answer lacks {field}: {actual}"));
                assert_shape(where_, &field, value, got);
            }
        }
        (Value::String(e), Value::String(a)) if e.contains('…') => {
            let prefix = e.split('…').next().unwrap();
            assert!(
                a.starts_with(prefix),
                "{where_}: {path} is {a:?}, the docs show {e:?}"
            );
        }
        _ => assert_eq!(expected, actual, "{where_}: {path}"),
    }
}
