//! Stand-in bridges (axum on loopback) that record what they received, and a runner for the
//! built `bridge` binary with checks of its outcome.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::post;
use tokio::process::{Child, Command};

/// The invoke route of the `prod` stage.
pub const INVOKE_ROUTE: &str = "/prod/v1/agents/{agent}/invoke";

/// A buffered answer as the bridge sends it when it does not stream.
pub const JSON_ANSWER: &str = r#"{"result":{"answer":"Restart the mail relay.","confidence":0.9},"usage":{"input_tokens":12},"metadata":{"execution_time_ms":42,"agent":"default","qualifier":"DEFAULT","request_id":"r-5","session_id":"s-5"}}"#;

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

/// The requests a stand-in received, shared with the test.
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

/// An invoke route answering with this status and content type, the body sent in these pieces.
pub fn canned(status: StatusCode, content_type: &'static str, pieces: Vec<&'static str>) -> Router {
    canned_with(Recorder::default(), status, content_type, pieces)
}

/// `canned`, recording the requests in `recorder`.
pub fn canned_with(
    recorder: Recorder,
    status: StatusCode,
    content_type: &'static str,
    pieces: Vec<&'static str>,
) -> Router {
    Router::new()
        .route(
            INVOKE_ROUTE,
            post(
                move |State(rec): State<Recorder>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let pieces = pieces.clone();
                    async move {
                        rec.record(&uri, &headers, &body);
                        let stream = futures_util::stream::iter(
                            pieces
                                .into_iter()
                                .map(|p| Ok::<_, Infallible>(Bytes::from(p))),
                        );
                        (
                            status,
                            [(header::CONTENT_TYPE, content_type)],
                            Body::from_stream(stream),
                        )
                            .into_response()
                    }
                },
            ),
        )
        .with_state(recorder)
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

/// Runs the binary to its end (at most 60 s).
pub async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let child: Child = bridge(args, env).spawn().unwrap();
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("bridge finished within 60 s")
        .unwrap()
}

/// `bridge invoke ARGS… --url URL` against a `canned` invoke route, served on a free port, with
/// a clean environment.
pub async fn invoke_canned(
    status: StatusCode,
    content_type: &'static str,
    pieces: Vec<&'static str>,
    args: &[&str],
) -> Output {
    let url = serve(canned(status, content_type, pieces)).await;
    let mut argv = vec!["invoke"];
    argv.extend(args);
    argv.extend(["--url", url.as_str()]);
    run(&argv, &[]).await
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The run exited with `code` and told the user `message` on stderr.
pub fn assert_failed(o: &Output, code: i32, message: &str) {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
    assert!(stderr(o).contains(message), "{}", stderr(o));
}
