//! Where things are: the workspace, its built binaries, the agent's Python, the `events/`
//! fixtures, and a free loopback port.

use std::net::TcpListener;
use std::path::PathBuf;

use serde_json::Value;

/// The workspace root (this crate's parent folder).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The debug `webhook` binary. `cargo test --workspace` builds it (it is a bin target of the
/// handler crate whose tests run in the same invocation); `make test` builds it explicitly.
pub fn webhook_binary() -> PathBuf {
    debug_binary("webhook")
}

/// The debug `stream` binary (the streaming entry point), built like `webhook`.
pub fn stream_binary() -> PathBuf {
    debug_binary("stream")
}

/// A binary of the workspace in `target/debug`.
pub fn debug_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let bin = target.join("debug").join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --bins` (make test does this)",
        bin.display()
    );
    bin
}

/// The Python with `bedrock-agentcore` installed: `E2E_AGENT_PYTHON`, else `.venv-agent/`.
pub fn agent_python() -> PathBuf {
    let py = std::env::var_os("E2E_AGENT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv-agent/bin/python"));
    assert!(
        py.is_file(),
        "{} is missing: run `make venv` (make test does this) to install bedrock-agentcore",
        py.display()
    );
    py
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Lambda event `events/{name}`.
pub fn event(name: &str) -> Value {
    let path = workspace_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
