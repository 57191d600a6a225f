//! What arrived, and the scripted failures and lost answers still to hand out.

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
    /// Answered by the script ([`crate::RunningTicketing::fail_next`] or
    /// [`crate::RunningTicketing::lose_next_answers`]) rather than by the route.
    pub scripted: bool,
    /// For a request [`crate::RunningTicketing::lose_next_answers`] processed: the status the
    /// route answered, which the client never got (it got `status`, 503). `None` otherwise.
    pub lost_answer: Option<StatusCode>,
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

/// What the script holds for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scripted {
    /// Answer with this status; no route sees the request.
    Fail(StatusCode),
    /// Route the request as usual (its side effects happen), then answer 503 instead.
    LoseAnswer,
    /// Route the request as usual: what is scripted behind it waits for the next one.
    Pass,
}

/// The log and the script, shared by the server and its handle.
#[derive(Default)]
pub(crate) struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    /// One entry per request still scripted, in order.
    script: Mutex<VecDeque<Scripted>>,
}

impl Recorder {
    pub(crate) fn push(&self, request: RecordedRequest) {
        self.requests.lock().unwrap().push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// Queues `n` more failures behind anything already scripted.
    pub(crate) fn fail_next(&self, n: usize, status: StatusCode) {
        self.queue(n, Scripted::Fail(status));
    }

    /// Queues `n` more lost answers behind anything already scripted.
    pub(crate) fn lose_next_answers(&self, n: usize) {
        self.queue(n, Scripted::LoseAnswer);
    }

    /// Queues `n` requests answered as usual behind anything already scripted.
    pub(crate) fn pass_next(&self, n: usize) {
        self.queue(n, Scripted::Pass);
    }

    fn queue(&self, n: usize, entry: Scripted) {
        self.script
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(entry, n));
    }

    /// What the script says for the request arriving now, if anything.
    pub(crate) fn take_script(&self) -> Option<Scripted> {
        self.script.lock().unwrap().pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_failures_are_handed_out_in_order_then_stop() {
        let r = Recorder::default();
        let unavailable = Scripted::Fail(StatusCode::SERVICE_UNAVAILABLE);
        r.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
        r.lose_next_answers(1);
        r.fail_next(1, StatusCode::TOO_MANY_REQUESTS);
        r.pass_next(1);
        assert_eq!(r.take_script(), Some(unavailable));
        assert_eq!(r.take_script(), Some(unavailable));
        assert_eq!(r.take_script(), Some(Scripted::LoseAnswer));
        assert_eq!(
            r.take_script(),
            Some(Scripted::Fail(StatusCode::TOO_MANY_REQUESTS))
        );
        assert_eq!(r.take_script(), Some(Scripted::Pass));
        assert_eq!(r.take_script(), None);
    }
}
