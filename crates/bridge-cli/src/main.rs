//! `bridge`: the binary. Everything it does lives in the library's `run`.

use std::process::ExitCode;

/// One request at a time: a single-threaded runtime starts faster and is all a CLI needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    bridge_cli::run().await
}
