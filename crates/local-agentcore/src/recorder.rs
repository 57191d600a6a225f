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
    pub qualifier: Option<String>,
    pub account_id: Option<String>,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The session id the request carried (or the one the emulator assigned).
    pub session_id: String,
}

impl Invocation {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Default)]
pub(crate) struct Recorder(Mutex<Vec<Invocation>>);

impl Recorder {
    pub(crate) fn record(&self, inv: Invocation) {
        self.0.lock().unwrap().push(inv);
    }

    pub(crate) fn all(&self) -> Vec<Invocation> {
        self.0.lock().unwrap().clone()
    }

    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}
