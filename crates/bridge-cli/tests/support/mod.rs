//! A stand-in bridge (axum on loopback) that records what it received, and a runner for the
//! built `bridge` binary.

#![allow(dead_code)] // Each test file uses a different part.

use std::net::SocketAddr;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Uri};
use tokio::process::{Child, Command};

/// What the stand-in received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    pub fn record(&self, uri: &Uri, headers: &HeaderMap, body: &Bytes) {
        self.0.lock().unwrap().push(Seen {
            path: uri.path().to_owned(),
            headers: headers.clone(),
            body: body.clone(),
        });
    }

    pub fn only(&self) -> Seen {
        let seen = self.0.lock().unwrap();
        assert_eq!(seen.len(), 1, "exactly one request: {seen:?}");
        seen[0].clone()
    }
}

/// Serves `app` on a free loopback port; returns the base URL of the `prod` stage.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/prod")
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The binary with a clean environment: no BRIDGE_* or AWS_* leaks in from the developer's
/// shell, and no profile or instance metadata lookups.
pub fn bridge(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bridge"));
    cmd.args(args)
        .env_clear()
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

pub async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let child: Child = bridge(args, env).spawn().unwrap();
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bridge finished within 60 s")
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
