//! What the emulator's request handlers share: the runtimes it serves and what answers for each,
//! the fault queue, the gate of held streams, the recorder, the quotas' book and the HTTP client
//! for forwarding.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use local_lambda::LocalCredentials;
use tokio::sync::Notify;

use crate::faults::FaultQueue;
use crate::quotas::{QuotaBook, Quotas};
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
    quotas: Mutex<QuotaBook>,
    pub(crate) http: reqwest::Client,
    /// The keys whose SigV4 signatures are accepted.
    pub(crate) credentials: Vec<LocalCredentials>,
    /// How long the built-in agent takes to answer (zero unless set: it then answers at once).
    pub(crate) agent_latency: Duration,
}

impl Shared {
    /// A fresh state serving `runtimes` to callers signing with `credentials` under `quotas`: no
    /// faults queued, nothing recorded, no session active.
    pub(crate) fn new(
        runtimes: HashMap<RuntimeRef, Backend>,
        credentials: Vec<LocalCredentials>,
        quotas: &Quotas,
    ) -> Shared {
        Shared {
            runtimes,
            faults: FaultQueue::default(),
            held: Arc::new(Notify::new()),
            recorder: Recorder::default(),
            quotas: Mutex::new(QuotaBook::new(quotas)),
            http: reqwest::Client::new(),
            credentials,
            agent_latency: Duration::ZERO,
        }
    }

    /// The quotas' book. Poisoning is ignored: the book is consistent between its methods, none
    /// of which panics midway, and it is also reached from a `Drop`, which must not panic.
    pub(crate) fn quotas(&self) -> MutexGuard<'_, QuotaBook> {
        self.quotas.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
