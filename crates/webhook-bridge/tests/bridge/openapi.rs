//! `docs/openapi.yaml` against the implementation: every documented operation is served and
//! every route the router serves is documented; the error-code enum is exactly what the bridge
//! (and API Gateway's responses in `template.yaml`) can produce, with each reachable code
//! produced by a real request; the document's request examples and the `events/` fixtures are
//! accepted; and every response and streaming frame the bridge produces validates against the
//! schema the document gives for its status. The jobs table and queue are real ones: moto's
//! DynamoDB and SQS on loopback (`local-moto`), reached through the real SDK clients.
//!
//! The schema checker below implements the JSON Schema keywords the document uses (and panics
//! on any other, so a new keyword cannot be silently ignored).

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use http::{HeaderMap, Method};
use job_store::{IdempotencyKey, JobMode, JobStatus, JobStore, NewJob, WriteBack, WriteBackStatus};
use lambda_http::Request;
use local_agentcore::{Fault, ServiceError};
use regex_lite::Regex;
use serde_json::{Value, json};
use sha2::Sha256;
use support::jobs::JobsHarness;
use support::{Harness, Reply, call, event_json, harness, request};
use ticket_prompt::Source;
use webhook_bridge::{
    AgentError, AgentFailure, Bridge, BridgeError, ConfigError, Frame, Route, WRITE_BACK_SOURCES,
    WriteBackError, error_catalogue, error_spec, route,
};

const WEBHOOK: &str = "/webhook/{source}";
const INVOKE: &str = "/v1/agents/{agent}/invoke";
const STREAM: &str = "/agents/{agent}/invoke";
const JOBS: &str = "/jobs/{job_id}";
/// Every operation, for the loops over them.
const OPERATIONS: [&str; 4] = [WEBHOOK, INVOKE, STREAM, JOBS];

/// Codes in the document that the bridge never produces, and why they are there.
const NOT_PRODUCED_BY_THE_BRIDGE: &[(&str, &str)] = &[
    (
        "INVALID_API_KEY",
        "API Gateway response INVALID_API_KEY (template.yaml)",
    ),
    (
        "QUOTA_EXCEEDED",
        "API Gateway response QUOTA_EXCEEDED (template.yaml)",
    ),
    (
        "GATEWAY_ERROR",
        "API Gateway response DEFAULT_5XX (template.yaml)",
    ),
];

static DOC: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).expect("docs/openapi.yaml is valid YAML")
});

// ---------------------------------------------------------------------------------------------
// A JSON Schema checker for the keywords the document uses.

fn pointer(reference: &str) -> &'static Value {
    let p = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local $refs are used: {reference}"));
    DOC.pointer(p)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// Follows `$ref`s (Reference Objects outside schemas).
fn resolve(v: &'static Value) -> &'static Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(pointer(r)),
        None => v,
    }
}

/// Keywords that annotate and never fail a value.
const ANNOTATIONS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "default",
    "format",
    "x-source",
];

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

fn schema_errors(schema: &Value, value: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    check(schema, value, "$", &mut errs);
    errs
}

fn conforms(schema: &Value, value: &Value) -> bool {
    schema_errors(schema, value).is_empty()
}

fn check(schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let s = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return errs.push(format!("{at}: nothing is allowed here")),
        Value::Object(s) => s,
        other => panic!("{at}: not a schema: {other}"),
    };
    for (keyword, arg) in s {
        match keyword.as_str() {
            "$ref" => check(pointer(arg.as_str().unwrap()), v, at, errs),
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    other => panic!("{at}: bad type {other}"),
                };
                if !types.iter().any(|t| is_type(v, t)) {
                    errs.push(format!("{at}: expected {types:?}, got {v}"));
                }
            }
            "const" => {
                if v != arg {
                    errs.push(format!("{at}: expected {arg}, got {v}"));
                }
            }
            "enum" => {
                if !arg.as_array().unwrap().contains(v) {
                    errs.push(format!("{at}: {v} is not one of {arg}"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in arg.as_array().unwrap() {
                        let name = name.as_str().unwrap();
                        if !o.contains_key(name) {
                            errs.push(format!("{at}: missing required property {name}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in arg.as_object().unwrap() {
                        if let Some(x) = o.get(name) {
                            check(sub, x, &format!("{at}.{name}"), errs);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let declared = s.get("properties").and_then(Value::as_object);
                    for (name, x) in o {
                        if declared.is_some_and(|d| d.contains_key(name)) {
                            continue;
                        }
                        match arg {
                            Value::Bool(false) => {
                                errs.push(format!("{at}: property {name} is not allowed"))
                            }
                            sub => check(sub, x, &format!("{at}.{name}"), errs),
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        check(arg, x, &format!("{at}[{i}]"), errs);
                    }
                }
            }
            "allOf" => {
                for sub in arg.as_array().unwrap() {
                    check(sub, v, at, errs);
                }
            }
            "anyOf" => {
                let branches = arg.as_array().unwrap();
                if !branches.iter().any(|sub| conforms(sub, v)) {
                    let why: Vec<Vec<String>> =
                        branches.iter().map(|sub| schema_errors(sub, v)).collect();
                    errs.push(format!("{at}: matches no anyOf branch: {why:?}"));
                }
            }
            "oneOf" => {
                let branches = arg.as_array().unwrap();
                let matching = branches.iter().filter(|sub| conforms(sub, v)).count();
                if matching != 1 {
                    let why: Vec<Vec<String>> =
                        branches.iter().map(|sub| schema_errors(sub, v)).collect();
                    errs.push(format!(
                        "{at}: matches {matching} oneOf branches, not 1: {why:?}"
                    ));
                }
            }
            "minimum" | "maximum" => {
                if let (Some(n), Some(bound)) = (v.as_f64(), arg.as_f64()) {
                    let ok = if keyword == "minimum" {
                        n >= bound
                    } else {
                        n <= bound
                    };
                    if !ok {
                        errs.push(format!("{at}: {n} is outside {keyword} {bound}"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let Some(text) = v.as_str() {
                    let len = text.chars().count() as u64;
                    let bound = arg.as_u64().unwrap();
                    let ok = if keyword == "minLength" {
                        len >= bound
                    } else {
                        len <= bound
                    };
                    if !ok {
                        errs.push(format!("{at}: length {len} is outside {keyword} {bound}"));
                    }
                }
            }
            "pattern" => {
                if let Some(text) = v.as_str() {
                    let re = Regex::new(arg.as_str().unwrap()).expect("a valid pattern");
                    if !re.is_match(text) {
                        errs.push(format!("{at}: {text:?} does not match {arg}"));
                    }
                }
            }
            k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => {}
            other => panic!("{at}: the checker does not support the keyword {other:?}"),
        }
    }
}

fn assert_conforms(schema: &Value, value: &Value, what: &str) {
    let errs = schema_errors(schema, value);
    assert!(
        errs.is_empty(),
        "{what} does not match the document: {errs:#?}\n{value}"
    );
}

fn schema(name: &str) -> &'static Value {
    let s = &DOC["components"]["schemas"][name];
    assert!(!s.is_null(), "no schema {name}");
    s
}

// ---------------------------------------------------------------------------------------------
// The document's operations, their responses and their concrete URLs.

/// The methods a path item documents (lower-case).
fn methods(path_key: &str) -> Vec<&'static str> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let item = DOC["paths"][path_key].as_object().expect("a path item");
    item.keys()
        .map(String::as_str)
        .filter(|k| METHODS.contains(k))
        .collect()
}

/// The operation of a path (each path has exactly one method).
fn operation(path_key: &str) -> &'static Value {
    let methods = methods(path_key);
    assert_eq!(methods.len(), 1, "{path_key}: one operation per path");
    &DOC["paths"][path_key][methods[0]]
}

/// The servers that apply to a path: its own, else the document's.
fn servers(path_key: &str) -> &'static Vec<Value> {
    DOC["paths"][path_key]["servers"]
        .as_array()
        .or(DOC["servers"].as_array())
        .expect("servers")
}

fn is_function_url(path_key: &str) -> bool {
    servers(path_key)
        .iter()
        .all(|s| s["url"].as_str().unwrap().contains(".lambda-url."))
}

/// The first server's path with its variables at their defaults, plus `path_key` with `params`.
fn concrete_path(path_key: &str, params: &[(&str, &str)]) -> String {
    let server = &servers(path_key)[0];
    let url = server["url"].as_str().unwrap();
    let mut base = url
        .splitn(4, '/')
        .nth(3)
        .map_or(String::new(), |p| format!("/{p}"));
    if let Some(vars) = server["variables"].as_object() {
        for (name, var) in vars {
            base = base.replace(&format!("{{{name}}}"), var["default"].as_str().unwrap());
        }
    }
    let mut path = format!("{base}{path_key}");
    for (name, value) in params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(!path.contains('{'), "unfilled parameter in {path}");
    path
}

/// The full path (server path without variables, plus the key) as a template, for matching.
fn full_template(path_key: &str) -> Vec<String> {
    let url = servers(path_key)[0]["url"].as_str().unwrap();
    let base = url.splitn(4, '/').nth(3).unwrap_or("");
    base.split('/')
        .chain(path_key.split('/'))
        .filter(|s| !(s.is_empty() || s.starts_with('{') && base.contains(s)))
        .map(str::to_owned)
        .collect()
}

/// The documented paths whose full template the tail of `path` matches, as the router matches
/// tails (the buffered and the streamed invoke API share one URL path).
fn documented_paths_for(path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    DOC["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|key| {
            let template = full_template(key);
            template.len() <= segments.len()
                && template
                    .iter()
                    .zip(&segments[segments.len() - template.len()..])
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .collect()
}

/// The documented REST operation for `path`, if any.
fn rest_path_for(path: &str) -> Option<&'static str> {
    documented_paths_for(path)
        .into_iter()
        .find(|key| !is_function_url(key))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

/// The documented response of `path_key` for `status`.
fn documented_response(path_key: &str, status: u16, what: &str) -> &'static Value {
    let responses = &operation(path_key)["responses"];
    let r = responses
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{what}: {path_key} documents no {status} response"));
    resolve(r)
}

/// Asserts the headers against the documented ones: required ones present, values valid, and
/// no bridge header the document does not mention for this status.
fn check_headers(response: &'static Value, headers: &HeaderMap, what: &str) {
    let documented = response["headers"].as_object();
    for (name, h) in documented.into_iter().flatten() {
        let h = resolve(h);
        match headers.get(name.as_str()) {
            None => assert!(
                h["required"] != true,
                "{what}: required header {name} is missing"
            ),
            Some(value) => {
                let text = value.to_str().unwrap();
                let header_schema = match h["schema"]["$ref"].as_str() {
                    Some(r) => pointer(r),
                    None => &h["schema"],
                };
                let v = if header_schema["type"] == "integer" {
                    json!(text.parse::<i64>().expect("an integer header"))
                } else {
                    json!(text)
                };
                assert_conforms(&h["schema"], &v, &format!("{what}: header {name}"));
            }
        }
    }
    for name in [
        "x-request-id",
        "x-agent-session-id",
        "retry-after",
        "allow",
        "cache-control",
        "idempotent-replayed",
        "location",
    ] {
        if headers.contains_key(name) {
            assert!(
                documented.is_some_and(|d| d.keys().any(|k| k.eq_ignore_ascii_case(name))),
                "{what}: header {name} is sent but not documented for this status"
            );
        }
    }
}

/// Asserts a JSON response against the document and returns its error code, if any.
fn check_reply(path_key: &str, reply: &Reply, what: &str) -> Option<String> {
    let status = reply.status.as_u16();
    let response = documented_response(path_key, status, what);
    let ct = content_type(&reply.headers);
    let media = &response["content"][ct.as_str()];
    assert!(
        media.is_object(),
        "{what}: {status} is not documented as {ct}"
    );
    assert_conforms(&media["schema"], &reply.json, &format!("{what} ({status})"));
    check_headers(response, &reply.headers, what);
    // `Retry-After` and `error.retry_after` come together and agree.
    let header = reply
        .headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(
        header,
        reply.json["error"]["retry_after"].as_u64(),
        "{what}: Retry-After vs error.retry_after"
    );
    reply.json["error"]["code"].as_str().map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// An API Gateway REST event for `method path` (with an optional `?query`) with `body` and
/// extra `headers`.
fn api_request(method: &str, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Request {
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

fn webhook(source: &str, body: &str, headers: &[(&str, &str)]) -> Request {
    let path = concrete_path(WEBHOOK, &[("source", source)]);
    api_request("POST", &path, Some(body), headers)
}

fn invoke(agent: &str, body: &str) -> Request {
    let path = concrete_path(INVOKE, &[("agent", agent)]);
    api_request("POST", &path, Some(body), &[])
}

/// `GET /jobs/{job_id}` on the REST API.
fn get_job(job_id: &str) -> Request {
    api_request(
        "GET",
        &concrete_path(JOBS, &[("job_id", job_id)]),
        None,
        &[],
    )
}

/// The job id of a delivery with this delivery id or `Idempotency-Key`.
fn job_id_for(source: &str, delivery_id: &str) -> String {
    IdempotencyKey::from_delivery_id(source, delivery_id)
        .unwrap()
        .job_id()
}

/// A well-formed session id for records written straight to the store.
const STORE_SESSION: &str = "github-acme_app_42-0f6c1d2e3b4a59687766554433221100";

fn stream_invoke(agent: &str, body: &str, accept: &str) -> Request {
    let path = concrete_path(STREAM, &[("agent", agent)]);
    api_request("POST", &path, Some(body), &[("accept", accept)])
}

const MINIMAL_INCIDENT: &str =
    r#"{"number": "INC0010003", "short_description": "Printer on 3rd floor jams"}"#;
const MINIMAL_QUERY: &str = r#"{"query": "Why is checkout slow?"}"#;

struct Streamed {
    status: u16,
    headers: HeaderMap,
    raw: String,
}

async fn call_stream(bridge: &Bridge, req: Request) -> Streamed {
    let (parts, mut body) = bridge.handle_stream(req).await.into_parts();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.expect("a body chunk"));
    }
    Streamed {
        status: parts.status.as_u16(),
        headers: parts.headers,
        raw: String::from_utf8(bytes).unwrap(),
    }
}

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
fn check_streamed(s: &Streamed, what: &str, seen: &mut BTreeSet<String>) -> Vec<Value> {
    let response = documented_response(STREAM, s.status, what);
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

// ---------------------------------------------------------------------------------------------
// What the implementation and the template can produce.

/// Every code the bridge can answer with (its own catalogue of failures).
fn implementation_codes() -> BTreeSet<String> {
    error_catalogue()
        .iter()
        .map(|e| e.code.to_owned())
        .collect()
}

/// `(code, status)` of every API Gateway response in template.yaml.
fn gateway_responses() -> Vec<(String, u16)> {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
            .unwrap();
    let re = Regex::new(r#""code": "([A-Z_]+)", "message": "[^"]*", "status": (\d+)"#).unwrap();
    let found: Vec<(String, u16)> = re
        .captures_iter(&template)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap()))
        .collect();
    assert!(
        found.len() >= 7,
        "gateway responses in template.yaml: {found:?}"
    );
    found
}

fn documented_codes() -> BTreeSet<String> {
    schema("ErrorCode")["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

/// An error envelope with `code` and `status`, to ask which documented responses allow it.
fn envelope(code: &str, status: u16) -> Value {
    json!({"success": false, "error": {"code": code, "message": "m", "status": status}, "request_id": "r"})
}

/// The `retry_after` the bridge sends with `code` (the gateway's `RATE_LIMITED` sends the same).
fn retry_after_of(code: &str) -> Option<u64> {
    let all: BTreeSet<Option<u64>> = error_catalogue()
        .iter()
        .filter(|e| e.code == code)
        .map(|e| e.retry_after)
        .collect();
    assert!(
        all.len() <= 1,
        "{code}: retry_after differs between variants"
    );
    all.into_iter().next().flatten()
}

/// Whether `path_key` documents `(code, status)` as a JSON error response.
fn documents_error(path_key: &str, code: &str, status: u16) -> bool {
    let Some(r) = operation(path_key)["responses"].get(status.to_string()) else {
        return false;
    };
    let media = &resolve(r)["content"]["application/json"];
    let mut value = envelope(code, status);
    if let Some(secs) = retry_after_of(code) {
        value["error"]["retry_after"] = json!(secs);
    }
    media.is_object() && conforms(&media["schema"], &value)
}

// ---------------------------------------------------------------------------------------------
// The document on its own.

/// Every `$ref` in `v` resolves.
fn walk_refs(v: &'static Value, at: &str) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref") {
                pointer(r.as_str().unwrap());
            }
            for (k, x) in o {
                walk_refs(x, &format!("{at}/{k}"));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk_refs(x, at)),
        _ => {}
    }
}

#[test]
fn the_document_is_a_consistent_openapi_3_1_document() {
    assert!(DOC["openapi"].as_str().unwrap().starts_with("3.1."));
    assert!(DOC["info"]["title"].is_string() && DOC["info"]["version"].is_string());
    walk_refs(&DOC, "#");

    let mut ids = BTreeSet::new();
    for (key, item) in DOC["paths"].as_object().unwrap() {
        let template_params: BTreeSet<&str> = Regex::new(r"\{([^}]+)\}")
            .unwrap()
            .captures_iter(key)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        for method in methods(key) {
            let op = &item[method];
            assert!(
                ids.insert(op["operationId"].as_str().unwrap()),
                "duplicate operationId"
            );
            let path_params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(resolve)
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                path_params, template_params,
                "{method} {key}: path parameters"
            );
            for (status, r) in op["responses"].as_object().unwrap() {
                let r = resolve(r);
                assert!(r["description"].is_string(), "{key} {status}: description");
                for media in r["content"].as_object().into_iter().flatten().map(|m| m.1) {
                    assert!(media["schema"].is_object(), "{key} {status}: schema");
                }
            }
        }
    }

    // The source enum is the implementation's, and each source has exactly one body schema.
    let sources: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(schema("Source")["enum"], json!(sources));
    let by_source: Vec<&str> = DOC["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|s| s["x-source"].as_str())
        .collect();
    let mut sorted = by_source.clone();
    sorted.sort();
    let mut expected = sources.clone();
    expected.sort();
    assert_eq!(sorted, expected, "one body schema per source");
    let body_refs: Vec<&str> = schema("WebhookBody")["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            pointer(r["$ref"].as_str().unwrap())["x-source"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        body_refs, sources,
        "WebhookBody lists every source's schema, in order"
    );

    // Every error code a response narrows to is in ErrorCode, and every ErrorCode is carried by
    // some documented response (NOT_FOUND answers paths that are not in the document).
    let codes = documented_codes();
    let mut carried = BTreeSet::from(["NOT_FOUND".to_owned()]);
    for key in OPERATIONS {
        for (status, _) in operation(key)["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            for code in &codes {
                if documents_error(key, code, status) {
                    carried.insert(code.clone());
                }
            }
        }
    }
    assert_eq!(carried, codes, "every code is documented under some status");

    // The Agent parameter accepts the default agent's name.
    let agent = resolve(&DOC["components"]["parameters"]["Agent"]);
    assert_conforms(&agent["schema"], &json!("default"), "agent name");
}

#[test]
fn every_example_in_the_document_matches_its_schema() {
    let mut checked = 0;
    for key in OPERATIONS {
        let op = operation(key);
        // GET /jobs/{job_id} has no body.
        let body = resolve(&op["requestBody"]);
        assert_eq!(body.is_null(), key == JOBS, "{key}: request body");
        let mut medias: Vec<(String, &Value)> = body["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(ct, m)| (format!("{key} request {ct}"), m))
            .collect();
        for (status, r) in op["responses"].as_object().unwrap() {
            for (ct, m) in resolve(r)["content"].as_object().into_iter().flatten() {
                medias.push((format!("{key} {status} {ct}"), m));
            }
        }
        for (what, media) in medias {
            // (name, value, Example Object when there is one)
            let mut examples: Vec<(String, &Value, &Value)> = Vec::new();
            if let Some(e) = media.get("example") {
                examples.push(("example".into(), e, &Value::Null));
            }
            for (name, e) in media["examples"].as_object().into_iter().flatten() {
                examples.push((name.clone(), &e["value"], e));
            }
            for (name, value, e) in examples {
                let values: Vec<Value> = match value {
                    // Streamed examples are frames, one per line or per event.
                    Value::String(text) => text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| {
                            serde_json::from_str(l.strip_prefix("data: ").unwrap_or(l)).unwrap()
                        })
                        .collect(),
                    other => vec![other.clone()],
                };
                for v in values {
                    assert_conforms(&media["schema"], &v, &format!("{what} example {name}"));
                    if let Some(source) = e["x-source"].as_str() {
                        let own = DOC["components"]["schemas"]
                            .as_object()
                            .unwrap()
                            .values()
                            .find(|s| s["x-source"] == source)
                            .unwrap();
                        assert_conforms(own, &v, &format!("{what} example {name} ({source})"));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "{checked} examples checked");
}

#[test]
fn the_schema_checker_rejects_what_the_document_forbids() {
    let envelope_schema = schema("ErrorEnvelope");
    assert!(conforms(envelope_schema, &envelope("AGENT_FAILED", 502)));
    assert!(!conforms(envelope_schema, &envelope("NO_SUCH_CODE", 502)));
    let mut extra = envelope("AGENT_FAILED", 502);
    extra["stack"] = json!("…");
    assert!(!conforms(envelope_schema, &extra));
    assert!(
        !documents_error(WEBHOOK, "AGENT_FAILED", 400),
        "per-status codes"
    );
    assert!(!documents_error(WEBHOOK, "RATE_LIMITED", 502));
    let frame = schema("StreamFrame");
    assert!(conforms(frame, &json!({"content": "x"})));
    assert!(!conforms(frame, &json!({"content": "x", "done": true})));
    assert!(!conforms(frame, &json!({"heartbeat": false})));
    assert!(!conforms(
        frame,
        &json!({"done": true, "session_id": "short", "request_id": "r"})
    ));
    let incident = schema("ServiceNowIncident");
    assert!(
        !conforms(incident, &json!({"number": "INC1"})),
        "needs some text"
    );
    assert!(!conforms(
        incident,
        &json!({"number": "a/b", "description": "x"})
    ));
    assert!(!conforms(
        incident,
        &json!({"number": "INC1", "description": true})
    ));
    assert!(conforms(
        incident,
        &json!({"number": 17, "description": {"display_value": "x"}})
    ));
    let job = json!({"success": true, "job_id": "job_0123456789abcdef0123456789abcdef",
        "status": "queued", "mode": "async", "source": "github", "ticket_id": "42",
        "session_id": STORE_SESSION, "attempts": 0, "created_at": "2026-11-22T09:12:00.123Z",
        "updated_at": "2026-11-22T09:12:00Z", "request_id": "r"});
    assert_conforms(schema("Job"), &job, "a queued job");
    for (field, bad) in [
        ("job_id", json!("job_0123")),
        ("status", json!("done")),
        ("created_at", json!("2026-11-22 09:12:00")),
        ("internal", json!(1)),
        (
            "write_back",
            json!({"target": "github", "status": "done", "attempts": 1}),
        ),
        ("error", json!({"code": "NO_SUCH_CODE", "message": "m"})),
    ] {
        let mut j = job.clone();
        j[field] = bad;
        assert!(!conforms(schema("Job"), &j), "{field}: {j}");
    }
    // An acceptance is never an ignored event and the other way round.
    let accepted = json!({"success": true, "status": "accepted", "source": "github",
        "ticket_id": "42", "job_id": "job_0123456789abcdef0123456789abcdef",
        "job_status": "queued", "status_url": "/prod/jobs/job_0123456789abcdef0123456789abcdef",
        "session_id": STORE_SESSION, "request_id": "r"});
    let ack = &resolve(&operation(WEBHOOK)["responses"]["202"])["content"]["application/json"];
    assert_conforms(&ack["schema"], &accepted, "accepted");
    let mut both = accepted.clone();
    both["code"] = json!("IGNORED_EVENT");
    assert!(!conforms(&ack["schema"], &both));
    let delivery_id = schema("DeliveryId");
    for ok in ["d", " a b ", &"x".repeat(256)] {
        assert!(conforms(delivery_id, &json!(ok)), "{ok:?}");
    }
    for bad in ["", "  ", "a\tb", "é", &"x".repeat(257)] {
        assert!(!conforms(delivery_id, &json!(bad)), "{bad:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The document against the router and the handlers.

#[tokio::test]
async fn every_documented_operation_is_served_and_every_route_is_documented() {
    // Each Route maps to the documented path that describes it; a new variant does not compile
    // until it is mapped here.
    let probes = [
        "/",
        "/webhook",
        "/webhook/servicenow",
        "/prod/webhook/jira",
        "/Prod/webhook/generic/",
        "/webhook/remedy",
        "/webhook/servicenow/extra",
        "/webhooks/servicenow",
        "/v1/agents/default/invoke",
        "/prod/v1/agents/triage/invoke/",
        "/v1/agents/invoke",
        "/v1/agents/a/b/invoke",
        "/v2/agents/a/invoke",
        "/agents/default/invoke",
        "/jobs/0123",
        "/v1/jobs/0123",
        "/prod/jobs/job_0123456789abcdef0123456789abcdef/",
        "/jobs",
        "/jobs/a/b",
        "/prod/jobs/job_0123/extra",
        "/health",
        "/invoke",
    ];
    let probe_methods = [
        Method::POST,
        Method::GET,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for path in probes {
        for method in &probe_methods {
            let r = route(method, path);
            let documented = documented_paths_for(path);
            let expected = match &r {
                Ok(Route::Webhook(_)) | Err(BridgeError::UnsupportedSource(_)) => Some(WEBHOOK),
                Ok(Route::Invoke(_)) => Some(INVOKE),
                Ok(Route::Job(_)) => Some(JOBS),
                Err(BridgeError::MethodNotAllowed { allow }) => {
                    let key = documented.first().copied();
                    let allowed = key.map(methods).unwrap_or_default();
                    assert!(
                        allowed.contains(&allow.to_ascii_lowercase().as_str()),
                        "{method} {path}: Allow: {allow}, documented {allowed:?}"
                    );
                    key
                }
                Err(BridgeError::NotFound) => None,
                Err(other) => panic!("{method} {path}: the router answered {other:?}"),
            };
            if matches!(r, Err(BridgeError::NotFound)) {
                assert!(
                    documented.is_empty(),
                    "{method} {path} is documented ({documented:?}) but not served"
                );
            } else {
                let expected = expected.unwrap_or_else(|| {
                    panic!("{method} {path} is served ({r:?}) but not documented")
                });
                assert!(
                    documented.contains(&expected),
                    "{method} {path}: router {r:?}, document {documented:?}"
                );
            }
        }
    }

    // Each documented operation answers (with its own example) on its own entry point, and
    // every other method is a documented 405.
    let h = harness(&[]).await;
    let mut seen = BTreeSet::new();
    for key in DOC["paths"].as_object().unwrap().keys() {
        if key == JOBS {
            assert_eq!(
                methods(key),
                ["get"],
                "{key}: requests for each method below"
            );
            // A delivery recorded in a real jobs table, then read back.
            let j = JobsHarness::start(&[]).await;
            let delivery = webhook(
                "servicenow",
                MINIMAL_INCIDENT,
                &[("Idempotency-Key", "served-1")],
            );
            let reply = call(&j.bridge, delivery).await;
            assert_eq!(reply.status, 200, "{}", reply.raw);
            let full = concrete_path(key, &[("job_id", &job_id_for("servicenow", "served-1"))]);
            let reply = call(&j.bridge, api_request("GET", &full, None, &[])).await;
            assert_eq!(reply.status, 200, "GET {full}: {}", reply.raw);
            check_reply(key, &reply, &format!("GET {full}"));
            assert_eq!(reply.json["status"], "succeeded", "{}", reply.raw);
            for method in ["POST", "PUT", "DELETE", "PATCH"] {
                let reply = call(&j.bridge, api_request(method, &full, Some("{}"), &[])).await;
                assert_eq!(reply.status, 405, "{method} {full}");
                check_reply(key, &reply, &format!("{method} {full}"));
                assert_eq!(reply.headers["allow"], "GET");
            }
            continue;
        }
        assert_eq!(
            methods(key),
            ["post"],
            "{key}: a request for each method is below"
        );
        let full = concrete_path(key, &[("source", "servicenow"), ("agent", "default")]);
        let body = if key == WEBHOOK {
            MINIMAL_INCIDENT
        } else {
            MINIMAL_QUERY
        };
        if is_function_url(key) {
            let s = call_stream(&h.bridge, api_request("POST", &full, Some(body), &[])).await;
            assert_eq!(s.status, 200, "POST {full} on the Function URL: {}", s.raw);
            check_streamed(&s, &format!("POST {full}"), &mut seen);
            let s = call_stream(&h.bridge, api_request("GET", &full, None, &[])).await;
            assert_eq!(s.status, 405);
            check_streamed(&s, &format!("GET {full}"), &mut seen);
        } else {
            let reply = call(&h.bridge, api_request("POST", &full, Some(body), &[])).await;
            assert_eq!(reply.status, 200, "POST {full}: {}", reply.raw);
            check_reply(key, &reply, &format!("POST {full}"));
            for method in ["GET", "PUT", "DELETE", "PATCH"] {
                let reply = call(&h.bridge, api_request(method, &full, None, &[])).await;
                assert_eq!(reply.status, 405, "{method} {full}");
                check_reply(key, &reply, &format!("{method} {full}"));
            }
        }
    }

    // The streaming entry point serves only the invoke API; webhook paths are NOT_FOUND there.
    let s = call_stream(
        &h.bridge,
        api_request("POST", "/webhook/servicenow", Some(MINIMAL_INCIDENT), &[]),
    )
    .await;
    assert_eq!(s.status, 404, "{}", s.raw);
    let body: Value = serde_json::from_str(&s.raw).unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_conforms(schema("ErrorEnvelope"), &body, "Function URL webhook path");
}

#[tokio::test]
async fn request_examples_and_fixtures_are_accepted_and_answered_as_documented() {
    let h = harness(&[]).await;

    // The document's webhook examples, each on its source's path.
    let examples =
        resolve(&operation(WEBHOOK)["requestBody"])["content"]["application/json"]["examples"]
            .as_object()
            .unwrap();
    let mut sources_seen = BTreeSet::new();
    for (name, e) in examples {
        let source = e["x-source"]
            .as_str()
            .expect("webhook examples name their source");
        sources_seen.insert(source);
        let headers: Vec<(String, String)> = e["x-headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = call(
            &h.bridge,
            webhook(source, &e["value"].to_string(), &headers),
        )
        .await;
        assert_eq!(reply.status, 200, "example {name}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, &format!("example {name}"));
        let expected = if source == "servicenow" {
            "ServiceNowAnalysis"
        } else {
            "TicketAnalysis"
        };
        assert_conforms(schema(expected), &reply.json, &format!("example {name}"));
    }
    let all: BTreeSet<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(sources_seen, all, "an example for every source");

    // The invoke examples, buffered and streamed (NDJSON and SSE).
    let invoke_examples = resolve(&DOC["components"]["requestBodies"]["Invoke"])["content"]
        ["application/json"]["examples"]
        .as_object()
        .unwrap();
    let mut seen = BTreeSet::new();
    for (name, e) in invoke_examples {
        let body = e["value"].to_string();
        let reply = call(&h.bridge, invoke("default", &body)).await;
        assert_eq!(reply.status, 200, "invoke example {name}: {}", reply.raw);
        check_reply(INVOKE, &reply, &format!("invoke example {name}"));
        for accept in ["application/x-ndjson", "text/event-stream"] {
            let s = call_stream(&h.bridge, stream_invoke("default", &body, accept)).await;
            assert_eq!(s.status, 200, "streamed example {name}: {}", s.raw);
            assert_eq!(content_type(&s.headers), accept);
            let frames = check_streamed(
                &s,
                &format!("streamed example {name} ({accept})"),
                &mut seen,
            );
            assert_eq!(frames.last().unwrap()["done"], true);
        }
    }
    assert!(seen.is_empty(), "no errors: {seen:?}");

    // Every fixture in events/: the response validates for its status; bodies of analysed
    // deliveries validate against their source's schema.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 15);
    for name in names {
        let ev = event_json(&name);
        let path = ev["path"].as_str().unwrap();
        let key = rest_path_for(path).unwrap_or_else(|| panic!("{name}: {path} undocumented"));
        let reply = call(&h.bridge, request(&ev)).await;
        check_reply(key, &reply, &name);
        if reply.status == 200 && key == WEBHOOK {
            let source = reply.json["source"].as_str().unwrap_or("servicenow");
            let own = DOC["components"]["schemas"]
                .as_object()
                .unwrap()
                .values()
                .find(|s| s["x-source"] == source)
                .unwrap();
            let raw = ev["body"].as_str().unwrap();
            let raw = if ev["isBase64Encoded"] == true {
                String::from_utf8(BASE64.decode(raw).unwrap()).unwrap()
            } else {
                raw.to_owned()
            };
            let body: Value = serde_json::from_str(&raw).unwrap();
            assert_conforms(own, &body, &format!("{name} request body"));
        }
    }
}

#[tokio::test]
async fn bodies_the_schema_refuses_are_refused_by_the_bridge() {
    let h = harness(&[]).await;
    let invoke_schema = schema("InvokeRequest");
    let bad_queries = [
        json!({}),
        json!({"query": ""}),
        json!({"query": "   "}),
        json!({"query": 7}),
        json!({"query": "q", "sessionId": "x"}),
        json!({"query": "q", "session_id": "too-short"}),
        json!({"query": "q", "context": "text"}),
        json!({"query": "q", "parameters": {"temperature": 2.5}}),
        json!({"query": "q", "parameters": {"top_p": -0.1}}),
        json!({"query": "q", "parameters": {"max_tokens": 0}}),
        json!({"query": "q", "parameters": {"max_tokens": 1_000_001}}),
        json!({"query": "q", "parameters": {"max_tokens": 1.5}}),
        json!({"query": "q", "parameters": [1]}),
        json!({"query": "q", "user_id": ""}),
    ];
    for body in bad_queries {
        assert!(!conforms(invoke_schema, &body), "the schema refuses {body}");
        let reply = call(&h.bridge, invoke("default", &body.to_string())).await;
        assert_eq!(
            reply.status, 400,
            "the bridge refuses {body}: {}",
            reply.raw
        );
        check_reply(INVOKE, &reply, &body.to_string());
    }
    let good = json!({"query": "q", "session_id": null, "context": {"a": 1},
        "parameters": {"temperature": 2, "top_p": 0, "max_tokens": 1000000, "seed": 7}});
    assert_conforms(invoke_schema, &good, "edge-of-range request");
    let reply = call(&h.bridge, invoke("default", &good.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);

    let incident = schema("ServiceNowIncident");
    let bad_incidents = [
        json!({"short_description": "no number"}),
        json!({"number": "INC1"}),
        json!({"number": "INC 1", "short_description": "x"}),
        json!({"number": "INC1", "short_description": ["x"]}),
        json!({"number": "INC1", "short_description": "x", "priority": true}),
        json!({"number": "INC1", "short_description": "x", "sys_id": "not-hex"}),
        json!({"number": "INC1", "short_description": "x", "caller_id": {"link": "https://x"}}),
    ];
    for body in bad_incidents {
        assert!(!conforms(incident, &body), "the schema refuses {body}");
        let reply = call(&h.bridge, webhook("servicenow", &body.to_string(), &[])).await;
        assert_eq!(
            reply.status, 400,
            "the bridge refuses {body}: {}",
            reply.raw
        );
        check_reply(WEBHOOK, &reply, &body.to_string());
    }
}

// ---------------------------------------------------------------------------------------------
// Error codes, both ways.

fn servicenow_signature(secret_b64: &str, ts: &str, body: &str) -> String {
    let key = BASE64.decode(secret_b64).unwrap();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(ts.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    BASE64.encode(m.finalize().into_bytes())
}

/// Sends `req` on a REST operation, checks the reply against the document, records its code.
async fn observe(
    bridge: &Bridge,
    key: &str,
    req: Request,
    expect: &str,
    seen: &mut BTreeSet<String>,
) {
    let reply = call(bridge, req).await;
    let code = check_reply(key, &reply, expect);
    assert_eq!(code.as_deref(), Some(expect), "{}", reply.raw);
    seen.insert(expect.to_owned());
}

/// Queues `fault`, then sends a minimal request on the webhook and the invoke API.
async fn fault_maps_to(h: &Harness, fault: Fault, expect: &str, seen: &mut BTreeSet<String>) {
    h.agentcore.inject(fault.clone());
    observe(
        &h.bridge,
        WEBHOOK,
        webhook("servicenow", MINIMAL_INCIDENT, &[]),
        expect,
        seen,
    )
    .await;
    h.agentcore.inject(fault);
    observe(
        &h.bridge,
        INVOKE,
        invoke("default", MINIMAL_QUERY),
        expect,
        seen,
    )
    .await;
}

#[tokio::test]
async fn the_error_code_enum_is_exactly_what_the_implementation_produces() {
    let implementation = implementation_codes();
    let gateway = gateway_responses();
    let reasons: BTreeMap<&str, &str> = NOT_PRODUCED_BY_THE_BRIDGE.iter().copied().collect();

    // The document lists the bridge's codes and the gateway's, nothing else.
    let mut expected = implementation.clone();
    expected.extend(gateway.iter().map(|(c, _)| c.clone()));
    assert_eq!(
        documented_codes(),
        expected,
        "ErrorCode enum vs implementation + template"
    );
    for (code, reason) in &reasons {
        assert!(
            !implementation.contains(*code),
            "{code} is produced by the bridge after all"
        );
        assert!(
            gateway.iter().any(|(c, _)| c == code),
            "{code}: {reason}, but template.yaml has no such response"
        );
    }

    // Each error's status is one the document gives that code on some operation (NOT_FOUND:
    // paths outside the document, so any envelope).
    for e in error_catalogue() {
        let (code, status) = (e.code, e.status);
        if code == "NOT_FOUND" {
            assert_conforms(schema("ErrorEnvelope"), &envelope(code, status), code);
            continue;
        }
        assert!(
            OPERATIONS.iter().any(|k| documents_error(k, code, status)),
            "{code} ({status}) is not documented under {status} on any operation"
        );
    }
    // The gateway's responses are documented on the REST operations under their status.
    for (code, status) in &gateway {
        if code == "NOT_FOUND" {
            continue;
        }
        for key in [WEBHOOK, INVOKE, JOBS] {
            assert!(
                documents_error(key, code, *status),
                "{key}: gateway {code} ({status})"
            );
        }
    }

    // A real request for every code the bridge produces.
    let mut seen = BTreeSet::new();
    let h = harness(&[]).await;
    let b = &h.bridge;
    for (req, code) in [
        (
            webhook("servicenow", r#"{"number": "INC1", "#, &[]),
            "INVALID_JSON",
        ),
        (webhook("servicenow", "[]", &[]), "INVALID_JSON"),
        (
            webhook("servicenow", r#"{"short_description": "x"}"#, &[]),
            "MISSING_REQUIRED_FIELD",
        ),
        (
            webhook(
                "servicenow",
                r#"{"number": "a/b", "description": "x"}"#,
                &[],
            ),
            "INVALID_FIELD",
        ),
        (
            webhook("remedy", MINIMAL_INCIDENT, &[]),
            "UNSUPPORTED_SOURCE",
        ),
        (
            api_request(
                "GET",
                &concrete_path(WEBHOOK, &[("source", "jira")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        observe(b, WEBHOOK, req, code, &mut seen).await;
    }
    for (req, code) in [
        (invoke("default", "not json"), "INVALID_JSON"),
        (invoke("default", "{}"), "MISSING_REQUIRED_FIELD"),
        (
            invoke("default", r#"{"query": "q", "temperature": 1}"#),
            "INVALID_FIELD",
        ),
        (
            invoke("default", r#"{"query": "q", "user_id": "alice"}"#),
            "INVALID_FIELD",
        ),
        (invoke("nobody", MINIMAL_QUERY), "AGENT_NOT_FOUND"),
        (
            api_request(
                "PUT",
                &concrete_path(INVOKE, &[("agent", "default")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        observe(b, INVOKE, req, code, &mut seen).await;
    }
    let reply = call(b, api_request("POST", "/prod/v2/nothing", Some("{}"), &[])).await;
    assert_eq!(reply.json["error"]["code"], "NOT_FOUND");
    assert_conforms(schema("ErrorEnvelope"), &reply.json, "an undocumented path");
    seen.insert("NOT_FOUND".into());

    for (fault, code) in [
        (
            Fault::error(ServiceError::ValidationException),
            "AGENT_REQUEST_REJECTED",
        ),
        (
            Fault::error(ServiceError::AccessDeniedException),
            "AGENT_ACCESS_DENIED",
        ),
        (
            Fault::error(ServiceError::ResourceNotFoundException),
            "AGENT_NOT_FOUND",
        ),
        (
            Fault::error(ServiceError::RetryableConflictException),
            "SESSION_BUSY",
        ),
        (
            Fault::error(ServiceError::ThrottlingException),
            "RATE_LIMITED",
        ),
        (
            Fault::error(ServiceError::ServiceQuotaExceededException),
            "RATE_LIMITED",
        ),
        (
            Fault::error(ServiceError::RuntimeClientError),
            "AGENT_FAILED",
        ),
        (
            Fault::error(ServiceError::InternalServerException),
            "AGENT_UNAVAILABLE",
        ),
        (Fault::InBandError, "AGENT_FAILED"),
        (Fault::CutStream, "AGENT_STREAM_INTERRUPTED"),
        (
            Fault::RawStatus {
                status: 418,
                body: "<html>teapot</html>".into(),
            },
            "AGENT_ERROR",
        ),
        (Fault::Answer { body: json!("") }, "AGENT_ERROR"),
    ] {
        fault_maps_to(&h, fault, code, &mut seen).await;
    }

    // Limits: body size, answer size, deadline.
    let h = harness(&[
        ("MAX_BODY_BYTES", "2048"),
        ("MAX_ANSWER_BYTES", "1024"),
        ("AGENT_TIMEOUT_SECONDS", "1"),
    ])
    .await;
    let big = json!({"number": "INC1", "description": "x".repeat(3000)}).to_string();
    observe(
        &h.bridge,
        WEBHOOK,
        webhook("servicenow", &big, &[]),
        "PAYLOAD_TOO_LARGE",
        &mut seen,
    )
    .await;
    let big = json!({"query": "x".repeat(3000)}).to_string();
    observe(
        &h.bridge,
        INVOKE,
        invoke("default", &big),
        "PAYLOAD_TOO_LARGE",
        &mut seen,
    )
    .await;
    fault_maps_to(
        &h,
        Fault::Oversized { bytes: 4096 },
        "AGENT_ANSWER_TOO_LARGE",
        &mut seen,
    )
    .await;
    fault_maps_to(
        &h,
        Fault::delay(std::time::Duration::from_secs(3)),
        "AGENT_TIMEOUT",
        &mut seen,
    )
    .await;

    // Caller-managed sessions.
    let h = harness(&[("SESSION_POLICY", "caller")]).await;
    let req = webhook(
        "servicenow",
        MINIMAL_INCIDENT,
        &[("X-Agent-Session-Id", "too-short")],
    );
    observe(&h.bridge, WEBHOOK, req, "INVALID_SESSION_ID", &mut seen).await;
    let session = "caller-session-0123456789abcdef0123456789";
    let req = webhook(
        "servicenow",
        MINIMAL_INCIDENT,
        &[("X-Agent-Session-Id", session)],
    );
    let reply = call(&h.bridge, req).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "caller session");
    assert_eq!(reply.headers["x-agent-session-id"], session);

    // Signatures.
    let secret = BASE64.encode("servicenow-signing-secret");
    let h = harness(&[
        ("SERVICENOW_WEBHOOK_SECRET", secret.as_str()),
        ("GITHUB_WEBHOOK_SECRET", "gh-secret"),
    ])
    .await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (ts, expect) in [
        (now.to_string(), None),
        ((now - 3600).to_string(), Some("SIGNATURE_EXPIRED")),
    ] {
        let sig = servicenow_signature(&secret, &ts, MINIMAL_INCIDENT);
        let headers = [
            ("X-Signature", sig.as_str()),
            ("X-Signature-Timestamp", ts.as_str()),
        ];
        let req = webhook("servicenow", MINIMAL_INCIDENT, &headers);
        match expect {
            None => {
                let reply = call(&h.bridge, req).await;
                assert_eq!(reply.status, 200, "a signed delivery: {}", reply.raw);
                check_reply(WEBHOOK, &reply, "signed delivery");
            }
            Some(code) => observe(&h.bridge, WEBHOOK, req, code, &mut seen).await,
        }
    }
    let opened = event_json("github-issue-opened.json");
    let body = opened["body"].as_str().unwrap();
    let req = webhook("github", body, &[("X-GitHub-Event", "issues")]);
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", &mut seen).await;
    let req = webhook(
        "github",
        body,
        &[
            ("X-GitHub-Event", "issues"),
            ("X-Hub-Signature-256", "sha256=00"),
        ],
    );
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", &mut seen).await;

    let h = harness(&[("REQUIRE_SIGNATURES", "true")]).await;
    let jira = event_json("jira-issue-created.json");
    let req = webhook("jira", jira["body"].as_str().unwrap(), &[]);
    observe(&h.bridge, WEBHOOK, req, "INVALID_SIGNATURE", &mut seen).await;

    // Modes without a job queue, and jobs without a jobs table.
    let h = harness(&[]).await;
    for (req, code) in [
        (
            webhook("servicenow?mode=later", MINIMAL_INCIDENT, &[]),
            "INVALID_MODE",
        ),
        (
            webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]),
            "ASYNC_NOT_ENABLED",
        ),
        (
            webhook(
                "servicenow",
                MINIMAL_INCIDENT,
                &[("Prefer", "return=minimal, respond-async")],
            ),
            "ASYNC_NOT_ENABLED",
        ),
    ] {
        observe(&h.bridge, WEBHOOK, req, code, &mut seen).await;
    }
    let unknown = job_id_for("servicenow", "never-delivered");
    observe(
        &h.bridge,
        JOBS,
        get_job(&unknown),
        "JOB_NOT_FOUND",
        &mut seen,
    )
    .await;
    // The mode parameter's schema and the bridge agree.
    let mode = &resolve(&DOC["components"]["parameters"]["Mode"])["schema"];
    for value in ["later", "ASYNC", ""] {
        assert!(!conforms(mode, &json!(value)), "{value:?}");
        let req = webhook(&format!("servicenow?mode={value}"), MINIMAL_INCIDENT, &[]);
        observe(&h.bridge, WEBHOOK, req, "INVALID_MODE", &mut seen).await;
    }
    let req = webhook("servicenow?mode=sync", MINIMAL_INCIDENT, &[]);
    let reply = call(&h.bridge, req).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "?mode=sync");

    // A jobs table with no queue: deliveries are recorded, the asynchronous mode is refused.
    let j = JobsHarness::start(&[("JOBS_QUEUE_URL", "")]).await;
    let req = webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "ASYNC_NOT_ENABLED", &mut seen).await;

    // A real jobs table and queue (moto).
    let j = JobsHarness::start(&[]).await;
    observe(
        &j.bridge,
        JOBS,
        get_job(&unknown),
        "JOB_NOT_FOUND",
        &mut seen,
    )
    .await;
    observe(
        &j.bridge,
        JOBS,
        get_job("job_0123"),
        "JOB_NOT_FOUND",
        &mut seen,
    )
    .await;
    // Keys the document's DeliveryId refuses are refused, keys it accepts are used.
    let delivery_id = schema("DeliveryId");
    let long = "k".repeat(257);
    for (source, header, value) in [
        ("servicenow", "Idempotency-Key", ""),
        ("servicenow", "Idempotency-Key", " \t "),
        ("servicenow", "Idempotency-Key", "a\tb"),
        ("servicenow", "Idempotency-Key", long.as_str()),
        ("github", "X-GitHub-Delivery", ""),
    ] {
        assert!(!conforms(delivery_id, &json!(value)), "{value:?}");
        let body = if source == "github" {
            event_json("github-issue-opened.json")["body"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            MINIMAL_INCIDENT.to_owned()
        };
        let req = webhook(source, &body, &[(header, value)]);
        observe(
            &j.bridge,
            WEBHOOK,
            req,
            "INVALID_IDEMPOTENCY_KEY",
            &mut seen,
        )
        .await;
    }
    let longest = "k".repeat(256);
    for value in [" padded key ", longest.as_str()] {
        assert!(conforms(delivery_id, &json!(value)), "{value:?}");
        let req = webhook(
            "servicenow",
            MINIMAL_INCIDENT,
            &[("Idempotency-Key", value)],
        );
        let reply = call(&j.bridge, req).await;
        assert_eq!(reply.status, 200, "{value:?}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, "an accepted Idempotency-Key");
    }
    // Two concurrent deliveries of one body while the agent takes its time: the second is a
    // duplicate in progress; once the first is answered, a retry gets the stored analysis.
    let body = r#"{"number": "INC0010077", "short_description": "Duplicate deliveries"}"#;
    j.agentcore
        .inject(Fault::delay(std::time::Duration::from_millis(2500)));
    let (first, ()) = tokio::join!(call(&j.bridge, webhook("servicenow", body, &[])), async {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        observe(
            &j.bridge,
            WEBHOOK,
            webhook("servicenow", body, &[]),
            "DUPLICATE_IN_PROGRESS",
            &mut seen,
        )
        .await;
    });
    assert_eq!(first.status, 200, "{}", first.raw);
    check_reply(WEBHOOK, &first, "the first of two deliveries");
    assert!(first.json.get("replayed").is_none());
    let replay = call(&j.bridge, webhook("servicenow", body, &[])).await;
    assert_eq!(replay.status, 200, "{}", replay.raw);
    check_reply(WEBHOOK, &replay, "a replay");
    assert_eq!(replay.json["replayed"], true);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.json["analysis"], first.json["analysis"]);

    // The store is unavailable: a table that does not exist.
    let missing = local_moto::unique("missing");
    let j = JobsHarness::start(&[("JOBS_TABLE", missing.as_str())]).await;
    let req = webhook("servicenow", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "JOBS_UNAVAILABLE", &mut seen).await;
    let req = webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "JOBS_UNAVAILABLE", &mut seen).await;
    observe(
        &j.bridge,
        JOBS,
        get_job(&unknown),
        "JOBS_UNAVAILABLE",
        &mut seen,
    )
    .await;

    // A misconfigured function.
    let bridge = Bridge::misconfigured(ConfigError {
        variable: "AGENT_RUNTIME_ARN",
        problem: "is not set".into(),
    });
    observe(
        &bridge,
        WEBHOOK,
        webhook("github", body, &[]),
        "CONFIGURATION_ERROR",
        &mut seen,
    )
    .await;
    observe(
        &bridge,
        INVOKE,
        invoke("default", MINIMAL_QUERY),
        "CONFIGURATION_ERROR",
        &mut seen,
    )
    .await;
    observe(
        &bridge,
        JOBS,
        get_job(&unknown),
        "CONFIGURATION_ERROR",
        &mut seen,
    )
    .await;

    // Every code the bridge can produce was produced; the rest are the gateway's, with reasons.
    assert_eq!(
        seen, implementation,
        "codes produced by requests vs the implementation"
    );
    let unproduced: BTreeSet<String> = documented_codes().difference(&seen).cloned().collect();
    let with_reason: BTreeSet<String> = reasons.keys().map(|c| c.to_string()).collect();
    assert_eq!(
        unproduced, with_reason,
        "documented codes no request produced"
    );
}

// ---------------------------------------------------------------------------------------------
// Streaming.

#[test]
fn every_frame_the_stream_can_write_matches_the_documented_frames() {
    let frame_schema = schema("StreamFrame");
    let media = &operation(STREAM)["responses"]["200"]["content"];
    let mut frames = vec![
        Frame::Content("Triage for INC0010001".into()),
        Frame::Content("a\nb \u{1F600}".into()),
        Frame::Heartbeat,
        Frame::Done {
            session_id: "invoke-default-6883451dfd34407eb73b5ccca223fa24".into(),
            request_id: "0b9f6a52-3c1e-4d6f-9a51-7c2d2b1e9a10".into(),
            usage: None,
        },
        Frame::Done {
            session_id: "invoke-default-6883451dfd34407eb73b5ccca223fa24".into(),
            request_id: "r".into(),
            usage: Some(json!({"input_tokens": 12, "output_tokens": 3})),
        },
    ];
    // An error frame for every failure the bridge can report after the first byte.
    for failure in AgentFailure::ALL {
        let e = error_spec(&BridgeError::Agent(AgentError::new(failure, "detail")));
        frames.push(Frame::Error {
            code: e.code,
            message: e.message,
            status: e.status,
        });
    }
    for f in &frames {
        let v = f.to_json();
        assert_conforms(frame_schema, &v, &format!("{f:?}"));
        for ct in ["application/x-ndjson", "text/event-stream"] {
            assert_conforms(&media[ct]["schema"], &v, &format!("{f:?} as {ct}"));
        }
        let specific = match f {
            Frame::Content(_) => "ContentFrame",
            Frame::Heartbeat => "HeartbeatFrame",
            Frame::Error { .. } => "ErrorFrame",
            Frame::Done { .. } => "DoneFrame",
        };
        assert_conforms(schema(specific), &v, specific);
    }
}

#[tokio::test]
async fn streamed_answers_and_refusals_match_the_document() {
    let h = harness(&[]).await;
    let mut seen = BTreeSet::new();
    for accept in ["application/x-ndjson", "text/event-stream"] {
        // Content, then done; an SSE answer is forwarded event by event.
        h.agentcore.inject(Fault::Sse);
        let s = call_stream(&h.bridge, stream_invoke("default", MINIMAL_QUERY, accept)).await;
        let frames = check_streamed(&s, &format!("SSE answer as {accept}"), &mut seen);
        assert!(frames.len() >= 2 && frames[0].get("content").is_some());
        assert_eq!(frames.last().unwrap()["done"], true);
        assert_eq!(
            frames.last().unwrap()["session_id"].as_str().unwrap(),
            s.headers["x-agent-session-id"]
        );

        // Failures after the first byte are error frames.
        for (fault, code) in [
            (Fault::InBandError, "AGENT_FAILED"),
            (Fault::CutStream, "AGENT_STREAM_INTERRUPTED"),
        ] {
            h.agentcore.inject(fault);
            let s = call_stream(&h.bridge, stream_invoke("default", MINIMAL_QUERY, accept)).await;
            assert_eq!(s.status, 200, "{}", s.raw);
            let frames = check_streamed(&s, &format!("{code} as {accept}"), &mut seen);
            assert_eq!(frames.last().unwrap()["error"]["code"], code, "{}", s.raw);
        }
    }

    // Refusals before the first byte: their own status and the JSON envelope.
    let cases = [
        (
            stream_invoke("nobody", MINIMAL_QUERY, "application/x-ndjson"),
            "AGENT_NOT_FOUND",
            None,
        ),
        (
            stream_invoke("default", "{}", "application/x-ndjson"),
            "MISSING_REQUIRED_FIELD",
            None,
        ),
        (
            stream_invoke(
                "default",
                r#"{"query": "q", "extra": 1}"#,
                "text/event-stream",
            ),
            "INVALID_FIELD",
            None,
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "RATE_LIMITED",
            Some(Fault::error(ServiceError::ThrottlingException)),
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "SESSION_BUSY",
            Some(Fault::error(ServiceError::RetryableConflictException)),
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "AGENT_ACCESS_DENIED",
            Some(Fault::error(ServiceError::AccessDeniedException)),
        ),
        (
            api_request(
                "GET",
                &concrete_path(STREAM, &[("agent", "default")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
            None,
        ),
    ];
    for (req, code, fault) in cases {
        if let Some(f) = fault {
            h.agentcore.inject(f);
        }
        let s = call_stream(&h.bridge, req).await;
        assert_eq!(
            content_type(&s.headers),
            "application/json",
            "{code}: {}",
            s.raw
        );
        check_streamed(&s, code, &mut seen);
        let body: Value = serde_json::from_str(&s.raw).unwrap();
        assert_eq!(body["error"]["code"], code);
    }

    // The Function URL's own refusal of a bad signature is documented as such.
    let forbidden = documented_response(STREAM, 403, "Function URL 403");
    assert_conforms(
        &forbidden["content"]["application/json"]["schema"],
        &json!({"Message": "Forbidden"}),
        "Function URL 403",
    );
}

// ---------------------------------------------------------------------------------------------
// Jobs: acknowledgements, replays and job records.

/// Reads `job_id` through the bridge and checks the record against the document.
async fn read_job(j: &JobsHarness, job_id: &str, what: &str) -> Value {
    let reply = call(&j.bridge, get_job(job_id)).await;
    assert_eq!(reply.status, 200, "{what}: {}", reply.raw);
    check_reply(JOBS, &reply, what);
    assert_eq!(reply.json["job_id"], job_id, "{what}");
    reply.json
}

#[tokio::test]
async fn acknowledgements_and_job_records_match_the_document() {
    // The enums the document gives the job record are the store's and the worker's.
    let statuses = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];
    for s in statuses {
        match s {
            JobStatus::Queued | JobStatus::Running | JobStatus::Succeeded | JobStatus::Failed => {}
        }
    }
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    assert_eq!(schema("JobStatus")["enum"], json!(names));
    let modes = [JobMode::Sync, JobMode::Async];
    for m in modes {
        match m {
            JobMode::Sync | JobMode::Async => {}
        }
    }
    let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
    assert_eq!(schema("Job")["properties"]["mode"]["enum"], json!(names));
    let write_back = &schema("Job")["properties"]["write_back"]["properties"];
    let wb_statuses = [
        WriteBackStatus::Pending,
        WriteBackStatus::Done,
        WriteBackStatus::Failed,
    ];
    for w in wb_statuses {
        match w {
            WriteBackStatus::Pending | WriteBackStatus::Done | WriteBackStatus::Failed => {}
        }
    }
    let names: Vec<&str> = wb_statuses.iter().map(|w| w.as_str()).collect();
    assert_eq!(write_back["status"]["enum"], json!(names));
    let wb_errors = [
        WriteBackError::Unauthorized,
        WriteBackError::NotFound,
        WriteBackError::Rejected,
        WriteBackError::ServerError,
        WriteBackError::Unreachable,
        WriteBackError::Misconfigured,
    ];
    for e in wb_errors {
        match e {
            WriteBackError::Unauthorized
            | WriteBackError::NotFound
            | WriteBackError::Rejected
            | WriteBackError::ServerError
            | WriteBackError::Unreachable
            | WriteBackError::Misconfigured => {}
        }
    }
    let codes: Vec<&str> = wb_errors.iter().map(|e| e.code()).collect();
    assert_eq!(schema("WriteBackErrorCode")["enum"], json!(codes));
    let targets: Vec<&str> = WRITE_BACK_SOURCES
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(write_back["target"]["enum"], json!(targets));

    let j = JobsHarness::start(&[]).await;

    // Asynchronous deliveries: 202 with the job, its status URL (also `Location`) on the path
    // the document gives `GET /jobs/{job_id}`, and a queued record there.
    for (query, headers, key) in [
        ("?mode=async", vec![], "async-by-query"),
        ("", vec![("Prefer", "respond-async")], "async-by-prefer"),
    ] {
        let mut headers = headers;
        headers.push(("Idempotency-Key", key));
        let req = webhook(&format!("servicenow{query}"), MINIMAL_INCIDENT, &headers);
        let reply = call(&j.bridge, req).await;
        assert_eq!(reply.status, 202, "{key}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, key);
        assert_conforms(schema("Accepted"), &reply.json, key);
        let job_id = job_id_for("servicenow", key);
        assert_eq!(reply.json["job_id"], job_id.as_str());
        assert_eq!(reply.json["job_status"], "queued");
        let status_url = reply.json["status_url"].as_str().unwrap();
        assert_eq!(reply.headers["location"], status_url);
        let path = format!("/{}", status_url.splitn(4, '/').nth(3).unwrap());
        assert_eq!(documented_paths_for(&path), [JOBS], "{status_url}");
        let followed = call(&j.bridge, api_request("GET", &path, None, &[])).await;
        assert_eq!(followed.status, 200, "{status_url}: {}", followed.raw);
        check_reply(JOBS, &followed, status_url);
        let record = read_job(&j, &job_id, key).await;
        assert_eq!(
            (record["status"].as_str(), record["mode"].as_str()),
            (Some("queued"), Some("async"))
        );
        // A retry, synchronous or not, gets the same 202 and is not queued again.
        for retry_query in [query, ""] {
            let req = webhook(
                &format!("servicenow{retry_query}"),
                MINIMAL_INCIDENT,
                &[("Idempotency-Key", key)],
            );
            let retry = call(&j.bridge, req).await;
            assert_eq!(retry.status, 202, "{key} retry: {}", retry.raw);
            check_reply(WEBHOOK, &retry, "a retried asynchronous delivery");
            assert_eq!(retry.json["job_id"], job_id.as_str());
        }
    }

    // Synchronous deliveries are recorded too: succeeded, with the analysis; a retry by the
    // vendor's delivery id is replayed (TicketAnalysis with `replayed`).
    let opened = event_json("github-issue-opened.json");
    let body = opened["body"].as_str().unwrap();
    let headers = [
        ("X-GitHub-Event", "issues"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ];
    let first = call(&j.bridge, webhook("github", body, &headers)).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    let replay = call(&j.bridge, webhook("github", body, &headers)).await;
    assert_eq!(replay.status, 200, "{}", replay.raw);
    check_reply(WEBHOOK, &replay, "a replayed GitHub delivery");
    assert_conforms(schema("TicketAnalysis"), &replay.json, "replay");
    assert_eq!(replay.json["replayed"], true);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    let job_id = job_id_for("github", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    let record = read_job(&j, &job_id, "a synchronous delivery").await;
    assert_eq!(record["status"], "succeeded");
    assert_eq!(record["mode"], "sync");
    assert_eq!(record["analysis"], first.json["analysis"]);

    // What the worker records: running, failed with an error, and the write-back's states.
    let store = JobStore::new(
        j.dynamodb.clone(),
        j.table.clone(),
        std::time::Duration::from_secs(3600),
    );
    let now = SystemTime::now();
    let new = |id: &str| NewJob {
        key: IdempotencyKey::from_delivery_id("github", id).unwrap(),
        mode: JobMode::Async,
        ticket_id: "42".into(),
        session_id: STORE_SESSION.into(),
    };
    let running = store
        .claim(new("running"), now)
        .await
        .unwrap()
        .into_record();
    let lease = std::time::Duration::from_secs(900);
    store
        .start_attempt(&running.job_id, lease, now)
        .await
        .unwrap()
        .unwrap();
    let record = read_job(&j, &running.job_id, "a running job").await;
    assert_eq!(record["status"], "running");

    let failed = store.claim(new("failed"), now).await.unwrap().into_record();
    let attempt = store
        .start_attempt(&failed.job_id, lease, now)
        .await
        .unwrap()
        .unwrap()
        .attempts;
    let timeout = error_spec(&BridgeError::Agent(AgentError::new(
        AgentFailure::Timeout,
        "detail",
    )));
    store
        .fail(&failed.job_id, attempt, timeout.code, &timeout.message, now)
        .await
        .unwrap();
    let record = read_job(&j, &failed.job_id, "a failed job").await;
    assert_eq!(record["status"], "failed");
    assert_eq!(record["error"]["code"], "AGENT_TIMEOUT");

    let done = store
        .claim(new("written"), now)
        .await
        .unwrap()
        .into_record();
    let attempt = store
        .start_attempt(&done.job_id, lease, now)
        .await
        .unwrap()
        .unwrap()
        .attempts;
    store
        .succeed(&done.job_id, attempt, "Triage for 42", now)
        .await
        .unwrap();
    for (status, attempts, last) in [
        (WriteBackStatus::Pending, 0, None),
        (
            WriteBackStatus::Failed,
            2,
            Some(WriteBackError::ServerError),
        ),
        (WriteBackStatus::Done, 3, Some(WriteBackError::Unreachable)),
    ] {
        let wb = WriteBack {
            target: "github".into(),
            status,
            attempts,
            last_error_code: last.map(|e| e.code().to_owned()),
        };
        store.set_write_back(&done.job_id, &wb, now).await.unwrap();
        let what = format!("write-back {}", status.as_str());
        let record = read_job(&j, &done.job_id, &what).await;
        assert_eq!(record["write_back"]["status"], status.as_str(), "{what}");
        assert_eq!(record["analysis"], "Triage for 42");
    }

    // Deliveries caused by the bridge's own integration user are acknowledged and ignored.
    let h = harness(&[("GITHUB_INTEGRATION_USERS", "octocat")]).await;
    let reply = call(
        &h.bridge,
        webhook("github", body, &[("X-GitHub-Event", "issues")]),
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "own update");
    assert_conforms(schema("IgnoredEvent"), &reply.json, "own update");
    assert_eq!(reply.json["code"], "IGNORED_OWN_UPDATE");
}
