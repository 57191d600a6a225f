//! The emulator as a server: the builder naming the runtimes it serves, the routes, and the
//! handle of a running instance that tests script and inspect. It serves plain HTTP unless given
//! a [`LocalTls`], then HTTPS (HTTP/1.1) with a certificate from a CA made for the run.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use aws_config::ConfigLoader;
use axum::routing::{get, post};
use axum::{Router, middleware};
use local_lambda::LocalCredentials;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinHandle;

use crate::auth::signed_only;
use crate::control::{list_invocations, push_faults, quota_stats, release_held};
use crate::data_plane::{invoke, stop_session, unknown_operation};
use crate::faults::Fault;
use crate::quotas::{QuotaStats, Quotas};
use crate::recorder::{Invocation, StopRequest};
use crate::runtime_id::{LOCAL_RUNTIME_ARN, RuntimeRef};
use crate::sdk::{LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY, local_sdk};
use crate::state::{Backend, Shared};
use crate::tls::{LocalTls, TlsError};
use crate::tls_listener::TlsListener;

/// Builder for an emulator instance.
#[derive(Debug, Clone)]
pub struct LocalAgentCore {
    runtimes: HashMap<RuntimeRef, Backend>,
    credentials: Vec<LocalCredentials>,
    quotas: Quotas,
    agent_latency: Duration,
    /// Serve HTTPS with this identity; plain HTTP when `None`.
    tls: Option<Arc<LocalTls>>,
}

impl Default for LocalAgentCore {
    fn default() -> Self {
        LocalAgentCore {
            runtimes: HashMap::new(),
            credentials: vec![local_credentials(
                LOCAL_ACCESS_KEY_ID,
                LOCAL_SECRET_ACCESS_KEY,
            )],
            quotas: Quotas::unlimited(),
            agent_latency: Duration::ZERO,
            tls: None,
        }
    }
}

/// A key pair signing for the emulator's region.
pub fn local_credentials(access_key_id: &str, secret_access_key: &str) -> LocalCredentials {
    LocalCredentials {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: secret_access_key.to_owned(),
        region: LOCAL_REGION.to_owned(),
    }
}

impl LocalAgentCore {
    /// An emulator serving no runtime yet (every invocation is `ResourceNotFoundException`),
    /// accepting signatures by [`LOCAL_ACCESS_KEY_ID`] only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts signatures by `credentials` too.
    pub fn with_credentials(mut self, credentials: LocalCredentials) -> Self {
        self.credentials.push(credentials);
        self
    }

    /// Registers a runtime by ARN. Panics on an ARN that does not match the service's pattern:
    /// that is a mistake in the test or command line, not a request to emulate.
    pub fn with_runtime(mut self, arn: &str, backend: Backend) -> Self {
        let r = RuntimeRef::from_arn(arn)
            .unwrap_or_else(|| panic!("not a valid AgentCore runtime ARN: {arn}"));
        self.runtimes.insert(r, backend);
        self
    }

    /// Makes the built-in agent take `latency` for each answer (its session busy meanwhile), as
    /// a real agent would: what a storm's concurrency is sized from.
    pub fn with_agent_latency(mut self, latency: Duration) -> Self {
        self.agent_latency = latency;
        self
    }

    /// Enforces `quotas` (by default none: [`Quotas::unlimited`]). Panics on a time scale that is
    /// not a positive number, a mistake in the test or command line.
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        assert!(
            quotas.time_scale.is_finite() && quotas.time_scale > 0.0,
            "the quotas' time scale must be a positive number, not {}",
            quotas.time_scale
        );
        self.quotas = quotas;
        self
    }

    /// Serves HTTPS with `tls`'s certificate instead of plain HTTP, as AgentCore's endpoint does,
    /// so that a function's figures include the TLS handshake (see [`LocalTls`]).
    pub fn with_tls(mut self, tls: LocalTls) -> Self {
        self.tls = Some(Arc::new(tls));
        self
    }

    /// Binds and serves in the background.
    pub async fn start(self, addr: impl ToSocketAddrs) -> std::io::Result<RunningAgentCore> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let mut state = Shared::new(self.runtimes, self.credentials, &self.quotas);
        state.agent_latency = self.agent_latency;
        let state = Arc::new(state);
        // The data plane answers only SigV4-signed calls, as AWS does; the emulator's own
        // control routes are open.
        let data_plane = Router::new()
            .route("/runtimes/{runtime}/invocations", post(invoke))
            .route("/runtimes/{runtime}/stopruntimesession", post(stop_session))
            .route_layer(middleware::from_fn_with_state(state.clone(), signed_only));
        let app = Router::new()
            .merge(data_plane)
            .route("/ping", get(|| async { r#"{"status":"Healthy"}"# }))
            .route("/_local/faults", post(push_faults))
            .route("/_local/release", post(release_held))
            .route("/_local/invocations", get(list_invocations))
            .route("/_local/quotas", get(quota_stats))
            .fallback(unknown_operation)
            .with_state(state.clone());
        let task = match &self.tls {
            None => spawn_serve(listener, app),
            Some(tls) => spawn_serve(TlsListener::new(listener, tls.server_config()), app),
        };
        Ok(RunningAgentCore {
            addr,
            state,
            task,
            tls: self.tls,
        })
    }
}

/// Serves `app` on `listener` (plain TCP or TLS) in the background.
fn spawn_serve<L>(listener: L, app: Router) -> JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "local AgentCore server stopped");
        }
    })
}

/// A running emulator; stops when dropped.
pub struct RunningAgentCore {
    addr: SocketAddr,
    state: Arc<Shared>,
    task: JoinHandle<()>,
    tls: Option<Arc<LocalTls>>,
}

impl RunningAgentCore {
    /// The address it listens on (with the port picked for `127.0.0.1:0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value for `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`: `http://…`, or `https://…` when
    /// serving TLS.
    pub fn endpoint_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The HTTPS identity it serves with, if any.
    pub fn tls(&self) -> Option<&LocalTls> {
        self.tls.as_deref()
    }

    /// The CA certificate (PEM) a client must trust, when serving HTTPS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls().map(LocalTls::ca_pem)
    }

    /// The file holding [`RunningAgentCore::ca_pem`], when serving HTTPS.
    pub fn ca_file(&self) -> Option<&std::path::Path> {
        self.tls().map(LocalTls::ca_file)
    }

    /// `loader` pointed at this emulator ([`local_sdk`]) and, when it serves HTTPS, with an HTTP
    /// client trusting its CA alone ([`LocalTls::trusting_http_client`]).
    pub fn sdk(&self, loader: ConfigLoader) -> Result<ConfigLoader, TlsError> {
        let loader = local_sdk(loader, &self.endpoint_url());
        Ok(match self.tls() {
            Some(tls) => loader.http_client(tls.trusting_http_client()?),
            None => loader,
        })
    }

    /// The environment a Lambda function needs to call this emulator as its AgentCore: the local
    /// runtime's ARN, this endpoint, a region, dummy credentials (the SDK signs; nobody checks)
    /// and no instance-metadata probing. Both AWS region variables are set, as Lambda does.
    ///
    /// Over HTTPS the function is also told to trust the run's CA, and only it: `SSL_CERT_FILE`
    /// for the SDK's rustls-native-certs, `AWS_CA_BUNDLE` for boto3, and `SSL_CERT_DIR` empty so
    /// that a directory named in the caller's environment adds no other roots (and no time
    /// reading them).
    pub fn function_env(&self) -> Vec<(String, String)> {
        let tls = self.ca_file().map(|ca| {
            let ca = ca.display().to_string();
            [
                ("SSL_CERT_FILE", ca.clone()),
                ("SSL_CERT_DIR", String::new()),
                ("AWS_CA_BUNDLE", ca),
            ]
        });
        [
            ("AGENT_RUNTIME_ARN", LOCAL_RUNTIME_ARN.to_owned()),
            ("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", self.endpoint_url()),
            ("AWS_REGION", LOCAL_REGION.to_owned()),
            ("AWS_DEFAULT_REGION", LOCAL_REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET_ACCESS_KEY.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]
        .into_iter()
        .chain(tls.into_iter().flatten())
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Queues a fault for the next valid invocation.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Lets a `HeldSse` answer send its last event (works before or after it is reached).
    pub fn release_held(&self) {
        self.state.held.notify_one();
    }

    /// Every `InvokeAgentRuntime` request received so far, valid or not, in arrival order.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.state.recorder.all()
    }

    /// How many `InvokeAgentRuntime` requests arrived (valid or not).
    pub fn invocation_count(&self) -> usize {
        self.state.recorder.count()
    }

    /// The `StopRuntimeSession` requests received, in order.
    pub fn stop_requests(&self) -> Vec<StopRequest> {
        self.state.recorder.stops()
    }

    /// What the quotas have done so far: sessions active now and at the peak, invocations
    /// admitted and refused, sessions stopped.
    pub fn quota_stats(&self) -> QuotaStats {
        self.state.quotas().stats(Instant::now())
    }

    /// Serves until the server task ends (for the binary).
    pub async fn wait(mut self) {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async {}));
        let _ = task.await;
    }
}

impl Drop for RunningAgentCore {
    fn drop(&mut self) {
        self.task.abort();
    }
}
