//! What the invoker's side and the function's routes share: the queue of events not yet handed
//! out, the invocations waiting for an answer, init errors and the first poll.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use tokio::sync::{Notify, mpsc, oneshot};

use super::outcome::Outcome;

/// Lambda's limit on a buffered response, in bytes (6 MB as Lambda counts it).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// An event queued for the function.
pub(super) struct Pending {
    pub(super) id: String,
    pub(super) event: Bytes,
    pub(super) deadline_ms: u64,
}

/// An invocation handed out and not yet answered.
pub(super) struct Waiting {
    pub(super) reply: oneshot::Sender<(Outcome, Duration)>,
    /// When the function took it from `/next`.
    pub(super) delivered: Option<Instant>,
}

/// The Runtime API's state, behind both the routes and the [`super::RuntimeApi`] handle.
pub(super) struct Shared {
    /// Send the same trace id with every invocation (see
    /// [`super::RuntimeApi::fixed_trace_id`]).
    pub(super) fixed_trace: AtomicBool,
    /// The largest buffered response accepted (see [`super::RuntimeApi::set_response_limit`]).
    pub(super) response_limit: AtomicUsize,
    pub(super) queue: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    pub(super) waiting: Mutex<HashMap<String, Waiting>>,
    pub(super) init_errors: Mutex<Vec<serde_json::Value>>,
    /// When the first `/next` arrived: the end of the function's init.
    pub(super) first_poll: Mutex<Option<Instant>>,
    pub(super) first_poll_seen: Notify,
}

impl Shared {
    /// A fresh state taking its events from `queue`.
    pub(super) fn new(queue: mpsc::Receiver<Pending>) -> Shared {
        Shared {
            queue: tokio::sync::Mutex::new(queue),
            waiting: Mutex::new(HashMap::new()),
            init_errors: Mutex::new(Vec::new()),
            fixed_trace: AtomicBool::new(false),
            response_limit: AtomicUsize::new(MAX_RESPONSE_BYTES),
            first_poll: Mutex::new(None),
            first_poll_seen: Notify::new(),
        }
    }

    /// Whether every invocation gets the same trace id.
    pub(super) fn fixed_trace(&self) -> bool {
        self.fixed_trace.load(Ordering::SeqCst)
    }

    /// Hands `outcome` to whoever waits for invocation `id`; 400 for an id nobody waits for.
    pub(super) fn complete(&self, id: &str, outcome: Outcome) -> StatusCode {
        match self.waiting.lock().unwrap().remove(id) {
            Some(w) => {
                let held = w.delivered.map(|d| d.elapsed()).unwrap_or_default();
                let _ = w.reply.send((outcome, held));
                StatusCode::ACCEPTED
            }
            None => StatusCode::BAD_REQUEST,
        }
    }
}
