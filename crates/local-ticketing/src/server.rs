//! The HTTP server: record every request, answer scripted failures first, route the rest (and
//! drop the route's answer for a request whose answer the script says to lose).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use serde_json::Value;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::auth::{PresentedAuth, TicketingConfig};
use crate::percent::percent_decode;
use crate::record::{RecordedRequest, Recorder, Scripted};
use crate::routes::{self, Context, Incoming, Payload, Reply};

/// Larger bodies get 413 before any route sees them. Write-back notes are a few KiB, but GitLab's
/// own limit (1,000,000 characters, up to 4 bytes each) must be reachable.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum TicketingError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

struct Shared {
    context: Context,
    recorder: Recorder,
}

/// A running server; stops when dropped.
pub struct RunningTicketing {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl RunningTicketing {
    /// Listens on `addr` (`127.0.0.1:0` picks a free port).
    pub async fn start(
        addr: &str,
        config: TicketingConfig,
    ) -> Result<RunningTicketing, TicketingError> {
        let bind_error = |source| TicketingError::Bind {
            addr: addr.to_owned(),
            source,
        };
        let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared {
            context: Context::new(config, format!("http://{local}")),
            recorder: Recorder::default(),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RunningTicketing {
            addr: local,
            shared,
            task: Some(task),
        })
    }

    /// The address it listens on (with the port picked for `127.0.0.1:0`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL for every system: the ServiceNow instance URL, the GitHub API URL, the Jira
    /// site URL, the Slack and Power Automate webhook hosts, the GitLab instance URL (the API
    /// under `/api/v4`), Linear's API host (`/graphql`) and the SNS regional endpoint
    /// (`sns.{region}.amazonaws.com`).
    pub fn endpoint_url(&self) -> String {
        self.shared.context.endpoint.clone()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    /// The requests whose path starts with `path_prefix` (e.g. `/api/now/table/incident/`).
    pub fn requests_for(&self, path_prefix: &str) -> Vec<RecordedRequest> {
        let mut requests = self.requests();
        requests.retain(|r| r.path.starts_with(path_prefix));
        requests
    }

    /// Answers the next `n` requests (any route, before auth is checked) with `status`, as an
    /// outage or rate limit would; queued behind failures (and lost answers) already scripted.
    pub fn fail_next(&self, n: usize, status: StatusCode) {
        self.shared.recorder.fail_next(n, status);
    }

    /// Processes the next `n` requests (any route) as usual, so their side effects happen (a
    /// ticket is created and kept for lookups and [`RunningTicketing::created`]), but answers each
    /// with 503 `{"message":"local-ticketing: answer lost"}` (and `Retry-After: 1`) instead of
    /// the route's answer: a create that happened whose answer never arrived, as after a timeout
    /// or a dropped connection. Queued behind anything already scripted by
    /// [`RunningTicketing::fail_next`] or this. The recorded request has `scripted` set and the
    /// route's own status in [`RecordedRequest::lost_answer`].
    pub fn lose_next_answers(&self, n: usize) {
        self.shared.recorder.lose_next_answers(n);
    }

    /// Lets the next `n` requests through to their routes as usual, holding back what is scripted
    /// after them: `pass_next(1)` then `lose_next_answers(1)` loses the answer of the second
    /// request (a create after its lookup), not the first.
    pub fn pass_next(&self, n: usize) {
        self.shared.recorder.pass_next(n);
    }

    /// What each create stored, in creation order, for `vendor`:
    /// - `"servicenow"`: the incident record as answered under `result` (the fields as sent, plus
    ///   `sys_id`, `number`, `sys_class_name`);
    /// - `"jira"`: `{"id", "key", "self", "fields"}`, `fields` as sent;
    /// - `"github"`: the issue document as answered;
    /// - `"gitlab"`: the issue document as answered.
    ///
    /// Creates whose answer was lost ([`RunningTicketing::lose_next_answers`]) are included;
    /// refused ones are not.
    ///
    /// # Panics
    ///
    /// When `vendor` is none of those four (so a misspelt name cannot pass as "nothing created").
    pub fn created(&self, vendor: &str) -> Vec<Value> {
        self.shared.context.created(vendor).unwrap_or_else(|| {
            panic!("local-ticketing creates no {vendor:?} tickets: ask for servicenow, jira, github or gitlab")
        })
    }

    /// Serves until the server task ends (for the binary).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningTicketing {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let raw = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(raw) => raw,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response(),
    };
    let body: Option<Value> = serde_json::from_slice(&raw).ok();
    let auth = PresentedAuth::parse(
        parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let scripted = shared.recorder.take_script();
    let route = || {
        routes::dispatch(
            &shared.context,
            &Incoming {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query(),
                headers: &parts.headers,
                auth: &auth,
                body: body.as_ref(),
                raw: &raw,
            },
        )
    };
    let (reply, lost_answer) = match scripted {
        Some(Scripted::Fail(status)) => (routes::scripted(status), None),
        Some(Scripted::LoseAnswer) => (routes::answer_lost(), Some(route().status)),
        Some(Scripted::Pass) | None => (route(), None),
    };
    tracing::info!(
        method = %parts.method,
        path = parts.uri.path(),
        status = reply.status.as_u16(),
        lost = lost_answer.map(|s| s.as_u16()),
        "ticketing request"
    );
    shared.recorder.push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        decoded_path: percent_decode(parts.uri.path()),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        raw_body: String::from_utf8_lossy(&raw).into_owned(),
        auth,
        status: reply.status,
        scripted: scripted.is_some_and(|s| s != Scripted::Pass),
        lost_answer,
    });
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let (body, content_type) = match reply.body {
        Payload::Json(doc) => (
            Body::from(doc.to_string()),
            Some("application/json; charset=utf-8"),
        ),
        Payload::Text(text) => (Body::from(text), Some("text/plain; charset=utf-8")),
        Payload::Empty => (Body::empty(), None),
        Payload::Typed(content_type, text) => (Body::from(text), Some(content_type)),
    };
    let mut response = (reply.status, body).into_response();
    let headers = response.headers_mut();
    if let Some(content_type) = content_type {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
