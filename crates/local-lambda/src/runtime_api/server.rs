//! The invoker's side of the Runtime API: the server and the handle that queues events for the
//! function and waits for their outcomes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::outcome::{InvokeError, Outcome};
use super::routes::{error, init_error, next, response};
use super::state::{Pending, Shared, Waiting};
use crate::serve::{Background, Writes};

/// A Runtime API server; stops when dropped.
pub struct RuntimeApi {
    server: Background,
    sender: mpsc::Sender<Pending>,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    /// Starts a Runtime API on a free loopback port, with no function polling it yet.
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let (sender, receiver) = mpsc::channel(1024);
        let shared = Arc::new(Shared::new(receiver));
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        // A response written in pieces must not wait for a delayed ACK (~40-90 ms).
        let server = Background::start("127.0.0.1:0", app, Writes::Immediate).await?;
        Ok(RuntimeApi {
            server,
            sender,
            shared,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.addr().to_string()
    }

    /// Queues `event` for the function and waits for its outcome. `timeout` plays the function
    /// timeout: it is also the deadline the function sees in `Lambda-Runtime-Deadline-Ms`.
    pub async fn invoke(&self, event: Bytes, timeout: Duration) -> Result<Outcome, InvokeError> {
        self.invoke_timed(event, timeout)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// As [`RuntimeApi::invoke`], also returning how long the function held the invocation:
    /// from handing it out on `/next` to receiving its response (the handler's own time).
    pub async fn invoke_timed(
        &self,
        event: Bytes,
        timeout: Duration,
    ) -> Result<(Outcome, Duration), InvokeError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(
            id.clone(),
            Waiting {
                reply: tx,
                delivered: None,
            },
        );
        let pending = Pending {
            id: id.clone(),
            event,
            deadline_ms: (now + timeout).as_millis() as u64,
        };
        if self.sender.send(pending).await.is_err() {
            return Err(InvokeError::Stopped);
        }
        let result = tokio::time::timeout(timeout, rx).await;
        self.shared.waiting.lock().unwrap().remove(&id);
        match result {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(_)) => Err(InvokeError::Stopped),
            Err(_) => Err(InvokeError::Timeout(timeout)),
        }
    }

    /// Sends one trace id for every invocation instead of a new one each time. lambda_runtime
    /// copies each trace id into the process environment, and glibc keeps every distinct
    /// environment string it was ever given: unique ids grow a function's memory by ~125 bytes
    /// per invocation (as on Lambda). A fixed id takes that out of a leak check of the
    /// function's own code.
    pub fn fixed_trace_id(&self, fixed: bool) {
        self.shared.fixed_trace.store(fixed, Ordering::SeqCst);
    }

    /// The largest buffered response the function may post, in bytes: Lambda's 6,291,556 until
    /// set. A larger one is refused with 413 and the invoker gets `Function.ResponseSizeTooLarge`,
    /// as on Lambda; a test lowers the limit to cross it with an ordinary answer.
    pub fn set_response_limit(&self, bytes: usize) {
        self.shared.response_limit.store(bytes, Ordering::SeqCst);
    }

    /// Waits for the function's first `/next` and returns when it came.
    pub async fn first_poll(&self) -> Instant {
        loop {
            let notified = self.shared.first_poll_seen.notified();
            if let Some(at) = *self.shared.first_poll.lock().unwrap() {
                return at;
            }
            notified.await;
        }
    }

    /// Errors the function reported during init (`/runtime/init/error`).
    pub fn init_errors(&self) -> Vec<serde_json::Value> {
        self.shared.init_errors.lock().unwrap().clone()
    }
}
