//! What each invocation looked like on the wire, for assertions.

use std::sync::Mutex;

use bytes::Bytes;

/// One `InvokeAgentRuntime` request as the emulator received it.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The request path as sent (still percent-encoded).
    pub raw_path: String,
    /// The path's runtime segment after percent-decoding.
    pub runtime: String,
    /// `?qualifier`, if given.
    pub qualifier: Option<String>,
    /// `?accountId`, if given (needed when the runtime is named by id, not ARN).
    pub account_id: Option<String>,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The payload as received.
    pub body: Bytes,
    /// The session id the request carried (or the one the emulator assigned).
    pub session_id: String,
}

impl Invocation {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The payload parsed as JSON; `Null` when it is not JSON.
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One `StopRuntimeSession` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    /// The path's runtime segment after percent-decoding.
    pub runtime: String,
    /// `?qualifier`, if given.
    pub qualifier: Option<String>,
    /// The session id header (empty when missing).
    pub session_id: String,
    /// Whether the session was known (had been invoked) and so was stopped.
    pub stopped: bool,
}

/// Every invocation and stop request received, shared by the routes and the handle.
#[derive(Default)]
pub(crate) struct Recorder {
    invocations: Mutex<Vec<Invocation>>,
    stops: Mutex<Vec<StopRequest>>,
}

impl Recorder {
    pub(crate) fn record(&self, inv: Invocation) {
        self.invocations.lock().unwrap().push(inv);
    }

    pub(crate) fn all(&self) -> Vec<Invocation> {
        self.invocations.lock().unwrap().clone()
    }

    pub(crate) fn count(&self) -> usize {
        self.invocations.lock().unwrap().len()
    }

    /// Whether any invocation used `session_id` (the service knows only sessions it ran).
    pub(crate) fn knows_session(&self, session_id: &str) -> bool {
        self.invocations
            .lock()
            .unwrap()
            .iter()
            .any(|i| i.session_id == session_id)
    }

    pub(crate) fn record_stop(&self, stop: StopRequest) {
        self.stops.lock().unwrap().push(stop);
    }

    pub(crate) fn stops(&self) -> Vec<StopRequest> {
        self.stops.lock().unwrap().clone()
    }
}
