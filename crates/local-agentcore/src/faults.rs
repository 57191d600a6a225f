//! Faults a test can queue; each one is consumed by the next valid invocation.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;

use crate::service_error::ServiceError;

/// One injected behaviour. Over HTTP (`POST /_local/faults`) they are written as JSON, e.g.
/// `{"kind": "error", "error": "ThrottlingException"}` or `{"kind": "silent_gap", "ms": 7000}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with a modeled service error.
    Error {
        /// The error class (its status, type header and default message).
        error: ServiceError,
    },
    /// Answer with a service error whose type is only in the body's `__type`.
    ErrorInBody {
        /// The error class.
        error: ServiceError,
    },
    /// Answer with a bare status and a non-JSON body, as a broken proxy would.
    RawStatus {
        /// The HTTP status (an invalid one becomes 502).
        status: u16,
        /// The body, sent as `text/html`.
        body: String,
    },
    /// Wait before sending the response headers.
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Built-in agent answers as an SSE stream, events split across network chunks.
    Sse,
    /// SSE answer with a silence of `ms` between the first event and the rest.
    SilentGap {
        /// Milliseconds of silence.
        ms: u64,
    },
    /// Send part of the answer, then drop the connection.
    CutStream,
    /// SSE answer whose second event is an in-band `{"error": …}`.
    InBandError,
    /// A JSON answer of about `bytes` bytes (agents that serialise too much exist).
    Oversized {
        /// The answer's approximate size.
        bytes: usize,
    },
    /// A JSON answer with exactly this document (an agent that reports sources, usage, …).
    Answer {
        /// The document sent as the answer.
        body: serde_json::Value,
    },
    /// SSE answer whose last event is held back until the test releases it
    /// ([`crate::RunningAgentCore::release_held`] or `POST /_local/release`): proves a reader
    /// forwards what it has without waiting for the end.
    HeldSse,
}

impl Fault {
    /// [`Fault::Error`] with `error`.
    pub fn error(error: ServiceError) -> Fault {
        Fault::Error { error }
    }

    /// [`Fault::Delay`] of `d` (whole milliseconds).
    pub fn delay(d: Duration) -> Fault {
        Fault::Delay {
            ms: d.as_millis() as u64,
        }
    }

    /// [`Fault::SilentGap`] of `d` (whole milliseconds).
    pub fn silent_gap(d: Duration) -> Fault {
        Fault::SilentGap {
            ms: d.as_millis() as u64,
        }
    }
}

/// The faults still to hand out, in the order they were queued.
#[derive(Default)]
pub(crate) struct FaultQueue(Mutex<VecDeque<Fault>>);

impl FaultQueue {
    pub(crate) fn push(&self, fault: Fault) {
        self.0.lock().unwrap().push_back(fault);
    }

    pub(crate) fn next(&self) -> Option<Fault> {
        self.0.lock().unwrap().pop_front()
    }
}
