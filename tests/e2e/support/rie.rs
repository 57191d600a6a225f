//! AWS's own Lambda Runtime Interface Emulator (`aws-lambda-rie`, the program `sam local` runs
//! in its containers, shipped inside SAM CLI) running a built binary on this host.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::process::{Child, Command};

use super::paths::{free_port, workspace_root};

/// SAM CLI's copy of the emulator for this CPU, in the tools venv `make venv` creates.
pub fn rie_binary() -> PathBuf {
    let name = match std::env::consts::ARCH {
        "aarch64" => "aws-lambda-rie-arm64",
        _ => "aws-lambda-rie-x86_64",
    };
    let lib = workspace_root().join(".venv/lib");
    let found = std::fs::read_dir(&lib).ok().and_then(|dirs| {
        dirs.filter_map(Result::ok)
            .map(|d| d.path().join("site-packages/samcli/local/rapid").join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| panic!("{name} is missing under {}: run `make venv`", lib.display()))
}

/// A function binary under `aws-lambda-rie`; stopped when dropped.
pub struct Rie {
    url: String,
    _child: Child,
}

impl Rie {
    /// Starts `binary` under the emulator with `env` (plus the variables Lambda always sets).
    pub async fn start(binary: &Path, env: &[(String, String)]) -> Rie {
        let (invoke_port, runtime_port) = (free_port(), free_port());
        let child = Command::new(rie_binary())
            .arg("--runtime-interface-emulator-address")
            .arg(format!("127.0.0.1:{invoke_port}"))
            .arg("--runtime-api-address")
            .arg(format!("127.0.0.1:{runtime_port}"))
            .arg(binary)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_FUNCTION_NAME", "function")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_TIMEOUT", "60")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start aws-lambda-rie");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", invoke_port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "aws-lambda-rie did not listen"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Rie {
            url: format!(
                "http://127.0.0.1:{invoke_port}/2015-03-31/functions/function/invocations"
            ),
            _child: child,
        }
    }

    /// Sends `event`; the function's response document as the emulator returns it.
    pub async fn invoke(&self, event: &serde_json::Value) -> Bytes {
        let resp = reqwest::Client::new()
            .post(&self.url)
            .body(event.to_string())
            .send()
            .await
            .expect("aws-lambda-rie answered");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.bytes().await.unwrap()
    }
}
