//! The function binary as a child process with Lambda's environment.

use std::path::Path;
use std::process::Stdio;

use tokio::process::{Child, Command};

/// A running function; killed when dropped.
pub struct FunctionProcess {
    child: Child,
}

impl FunctionProcess {
    /// Starts `binary` against the Runtime API at `runtime_api` (`host:port`). The child inherits
    /// this process's environment, then gets Lambda's variables, then `env` (which wins).
    pub fn spawn(
        binary: &Path,
        runtime_api: &str,
        env: &[(String, String)],
    ) -> std::io::Result<Self> {
        FunctionProcess::spawn_command(Command::new(binary), runtime_api, env)
    }

    /// As [`FunctionProcess::spawn`] for any command (e.g. `python -m awslambdaric app.handler`).
    pub fn spawn_command(
        mut cmd: Command,
        runtime_api: &str,
        env: &[(String, String)],
    ) -> std::io::Result<Self> {
        cmd.env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "local-webhook")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local-webhook")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        Ok(FunctionProcess {
            child: cmd.spawn()?,
        })
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Whether the process has exited (and its status if so).
    pub fn try_exit_status(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the process to exit.
    pub async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.child.wait().await
    }
}
