//! Requests as the document describes them: API Gateway events for its operations, the minimal
//! bodies, job ids, and the streaming entry point's responses read whole and checked frame by
//! frame.

use std::collections::BTreeSet;

use job_store::IdempotencyKey;
use lambda_http::Request;
use serde_json::{Value, json};

use super::document::{
    INVOKE, JOBS, STREAM, WEBHOOK, check_headers, concrete_path, content_type, documented_response,
};
use super::schema::assert_conforms;
pub(super) use crate::support::{Streamed, call_stream};
use crate::support::{event_json, request};

/// An API Gateway REST event for `method path` (with an optional `?query`) with `body` and
/// extra `headers`.
pub(super) fn api_request(
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Request {
    let mut ev = event_json("servicenow-minimal.json");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    ev["httpMethod"] = json!(method);
    ev["requestContext"]["httpMethod"] = json!(method);
    ev["path"] = json!(path);
    ev["requestContext"]["path"] = json!(path);
    let mut single = serde_json::Map::new();
    let mut multi = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        single.insert(k.into(), json!(v));
        multi.insert(k.into(), json!([v]));
    }
    if !single.is_empty() {
        ev["queryStringParameters"] = Value::Object(single);
        ev["multiValueQueryStringParameters"] = Value::Object(multi);
    }
    ev["pathParameters"] = Value::Null;
    ev["body"] = body.map_or(Value::Null, Value::from);
    ev["isBase64Encoded"] = json!(false);
    for (k, v) in headers {
        ev["headers"][*k] = json!(v);
        ev["multiValueHeaders"][*k] = json!([v]);
    }
    request(&ev)
}

/// `POST` on the webhook path of `source` (which may carry a `?query`).
pub(super) fn webhook(source: &str, body: &str, headers: &[(&str, &str)]) -> Request {
    let path = concrete_path(WEBHOOK, &[("source", source)]);
    api_request("POST", &path, Some(body), headers)
}

/// `POST` on the buffered invoke API of `agent`.
pub(super) fn invoke(agent: &str, body: &str) -> Request {
    let path = concrete_path(INVOKE, &[("agent", agent)]);
    api_request("POST", &path, Some(body), &[])
}

/// `GET /jobs/{job_id}` on the REST API.
pub(super) fn get_job(job_id: &str) -> Request {
    api_request(
        "GET",
        &concrete_path(JOBS, &[("job_id", job_id)]),
        None,
        &[],
    )
}

/// The job id of a delivery with this delivery id or `Idempotency-Key`, from a caller of a
/// deployment that names no integrations (`anyone`: keys are each caller's own).
pub(super) fn job_id_for(source: &str, delivery_id: &str) -> String {
    IdempotencyKey::from_delivery_id(source, delivery_id)
        .unwrap()
        .of_caller("anyone")
        .job_id()
}

/// A well-formed session id for records written straight to the store.
pub(super) const STORE_SESSION: &str = "github-acme_app_42-0f6c1d2e3b4a59687766554433221100";

/// `POST` on the streaming entry point of `agent`, asking for `accept`.
pub(super) fn stream_invoke(agent: &str, body: &str, accept: &str) -> Request {
    let path = concrete_path(STREAM, &[("agent", agent)]);
    api_request("POST", &path, Some(body), &[("accept", accept)])
}

/// The smallest bodies the webhook and the invoke API answer.
pub(super) const MINIMAL_INCIDENT: &str =
    r#"{"number": "INC0010003", "short_description": "Printer on 3rd floor jams"}"#;
pub(super) const MINIMAL_QUERY: &str = r#"{"query": "Why is checkout slow?"}"#;
/// A Pika direct invocation with only what it needs.
pub(super) const MINIMAL_DIRECT: &str =
    r#"{"agentId": "default", "message": "Why is checkout slow?"}"#;

/// The frames of a streamed body, NDJSON or SSE as its content type says.
fn frames(s: &Streamed) -> Vec<Value> {
    let parse = |t: &str| serde_json::from_str::<Value>(t).unwrap_or_else(|e| panic!("{e}: {t}"));
    match content_type(&s.headers).as_str() {
        "application/x-ndjson" => s.raw.lines().filter(|l| !l.is_empty()).map(parse).collect(),
        "text/event-stream" => s
            .raw
            .split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| parse(e.strip_prefix("data: ").expect("a data event")))
            .collect(),
        other => panic!("not a stream content type: {other}"),
    }
}

/// Asserts a streaming-entry-point response against the document; returns the frames of a 200
/// and records every error code seen (before the first byte or in an error frame).
pub(super) fn check_streamed(s: &Streamed, what: &str, seen: &mut BTreeSet<String>) -> Vec<Value> {
    check_streamed_on(STREAM, s, what, seen)
}

/// [`check_streamed`] for the streaming operation documented at `path_key`.
pub(super) fn check_streamed_on(
    path_key: &str,
    s: &Streamed,
    what: &str,
    seen: &mut BTreeSet<String>,
) -> Vec<Value> {
    let response = documented_response(path_key, s.status, what);
    check_headers(response, &s.headers, what);
    let ct = content_type(&s.headers);
    let media = &response["content"][ct.as_str()];
    assert!(
        media.is_object(),
        "{what}: {} is not documented as {ct}",
        s.status
    );
    if s.status != 200 {
        let body: Value = serde_json::from_str(&s.raw).unwrap();
        assert_conforms(&media["schema"], &body, what);
        seen.insert(body["error"]["code"].as_str().unwrap().to_owned());
        return Vec::new();
    }
    let frames = frames(s);
    assert!(!frames.is_empty(), "{what}: no frames");
    for (i, f) in frames.iter().enumerate() {
        assert_conforms(&media["schema"], f, &format!("{what}: frame {i}"));
        let last = i + 1 == frames.len();
        if f.get("done").is_some() || f.get("error").is_some() {
            assert!(last, "{what}: done and error frames end the stream");
        }
        if let Some(code) = f["error"]["code"].as_str() {
            seen.insert(code.to_owned());
        }
    }
    frames
}
