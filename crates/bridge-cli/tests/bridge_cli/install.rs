//! What an installed `bridge` offers before any command: its version (the workspace's, shared
//! with the template and the changelog) and shell completion scripts that know every command.

use crate::support::{run, stderr, stdout};

#[tokio::test]
async fn version_prints_the_workspace_version() {
    let out = run(&["--version"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("bridge {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn completion_scripts_name_every_command_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_bridge()"),
        ("zsh", "#compdef bridge"),
        ("fish", "complete -c bridge"),
    ] {
        let out = run(&["completions", shell], &[]).await;
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell} script lacks {marker:?}");
        for command in ["invoke", "ticket", "jobs", "redrive", "completions"] {
            assert!(script.contains(command), "{shell} script lacks {command}");
        }
    }
}

#[tokio::test]
async fn an_unknown_shell_is_a_usage_error() {
    let out = run(&["completions", "cmd.exe"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
