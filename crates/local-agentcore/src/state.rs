//! What the emulator's request handlers share: the runtimes it serves and what answers for each,
//! the fault queue, the gate of held streams, the recorder and the HTTP client for forwarding.

use std::collections::HashMap;
use std::sync::Arc;

use local_lambda::LocalCredentials;
use tokio::sync::Notify;

use crate::faults::FaultQueue;
use crate::recorder::Recorder;
use crate::runtime_id::RuntimeRef;

/// What answers for a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The built-in deterministic triage agent.
    Builtin,
    /// A real agent container at this base URL (its `POST /invocations` is called).
    Forward(String),
}

/// The state behind every route, and behind the running emulator's handle.
pub(crate) struct Shared {
    pub(crate) runtimes: HashMap<RuntimeRef, Backend>,
    pub(crate) faults: FaultQueue,
    /// Releases the last event of a `HeldSse` answer.
    pub(crate) held: Arc<Notify>,
    pub(crate) recorder: Recorder,
    pub(crate) http: reqwest::Client,
    /// The keys whose SigV4 signatures are accepted.
    pub(crate) credentials: Vec<LocalCredentials>,
}

impl Shared {
    /// A fresh state serving `runtimes` to callers signing with `credentials`: no faults
    /// queued, nothing recorded.
    pub(crate) fn new(
        runtimes: HashMap<RuntimeRef, Backend>,
        credentials: Vec<LocalCredentials>,
    ) -> Shared {
        Shared {
            runtimes,
            faults: FaultQueue::default(),
            held: Arc::new(Notify::new()),
            recorder: Recorder::default(),
            http: reqwest::Client::new(),
            credentials,
        }
    }
}
