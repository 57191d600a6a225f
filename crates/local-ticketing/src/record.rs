//! What arrived, and the scripted failures still to hand out.

use std::collections::VecDeque;
use std::sync::Mutex;

use http::StatusCode;
use serde_json::Value;

use crate::auth::PresentedAuth;

/// One request as the server saw it, and what it answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `PATCH`.
    pub method: String,
    /// The path without the query string, as sent (percent-escapes kept).
    pub path: String,
    /// `path` with percent-escapes decoded (GitLab's `projects/acme%2Fops` reads
    /// `projects/acme/ops`).
    pub decoded_path: String,
    /// The query string without the `?`, if the request had one.
    pub query: Option<String>,
    /// Header names lower-cased, in arrival order (repeated headers appear repeatedly).
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `None` when it was empty or not JSON (see `raw_body`).
    pub body: Option<Value>,
    /// The body as text (invalid UTF-8 replaced), whatever it was.
    pub raw_body: String,
    /// The `Authorization` header, decoded.
    pub auth: PresentedAuth,
    /// The status the server answered with.
    pub status: StatusCode,
    /// Answered by [`crate::RunningTicketing::fail_next`] rather than by the route.
    pub scripted: bool,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The log and the script, shared by the server and its handle.
#[derive(Default)]
pub(crate) struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    /// One status per request still to fail, in order.
    script: Mutex<VecDeque<StatusCode>>,
}

impl Recorder {
    pub(crate) fn push(&self, request: RecordedRequest) {
        self.requests.lock().unwrap().push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Queues `n` more failures behind any already scripted.
    pub(crate) fn fail_next(&self, n: usize, status: StatusCode) {
        self.script
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(status, n));
    }

    /// The scripted status for the request arriving now, if any.
    pub(crate) fn take_failure(&self) -> Option<StatusCode> {
        self.script.lock().unwrap().pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_failures_are_handed_out_in_order_then_stop() {
        let r = Recorder::default();
        r.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
        r.fail_next(1, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.take_failure(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(r.take_failure(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(r.take_failure(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(r.take_failure(), None);
    }
}
