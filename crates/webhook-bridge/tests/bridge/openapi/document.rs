//! The document's operations, their servers and concrete URLs, their documented responses, and
//! the checks of a reply (status, content type, body schema, headers) against them.

use http::HeaderMap;
use serde_json::{Value, json};

use super::schema::{DOC, assert_conforms, pointer, resolve};
use crate::support::Reply;

pub(super) const WEBHOOK: &str = "/webhook/{source}";
pub(super) const INVOKE: &str = "/v1/agents/{agent}/invoke";
pub(super) const STREAM: &str = "/agents/{agent}/invoke";
pub(super) const JOBS: &str = "/jobs/{job_id}";
/// Pika's direct invocation: the Function URL's root.
pub(super) const DIRECT: &str = "/";
/// Every operation, for the loops over them.
pub(super) const OPERATIONS: [&str; 5] = [WEBHOOK, INVOKE, STREAM, JOBS, DIRECT];

/// The methods a path item documents (lower-case).
pub(super) fn methods(path_key: &str) -> Vec<&'static str> {
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
pub(super) fn operation(path_key: &str) -> &'static Value {
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

pub(super) fn is_function_url(path_key: &str) -> bool {
    servers(path_key)
        .iter()
        .all(|s| s["url"].as_str().unwrap().contains(".lambda-url."))
}

/// The first server's path with its variables at their defaults, plus `path_key` with `params`.
pub(super) fn concrete_path(path_key: &str, params: &[(&str, &str)]) -> String {
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
pub(super) fn documented_paths_for(path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    DOC["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|key| {
            let template = full_template(key);
            // The root (Pika's direct invocation on the Function URL) is no path's tail.
            if template.is_empty() {
                return segments.is_empty();
            }
            template.len() <= segments.len()
                && template
                    .iter()
                    .zip(&segments[segments.len() - template.len()..])
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .collect()
}

/// The documented REST operation for `path`, if any.
pub(super) fn rest_path_for(path: &str) -> Option<&'static str> {
    documented_paths_for(path)
        .into_iter()
        .find(|key| !is_function_url(key))
}

pub(super) fn content_type(headers: &HeaderMap) -> String {
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
pub(super) fn documented_response(path_key: &str, status: u16, what: &str) -> &'static Value {
    let responses = &operation(path_key)["responses"];
    let r = responses
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{what}: {path_key} documents no {status} response"));
    resolve(r)
}

/// Asserts the headers against the documented ones: required ones present, values valid, and
/// no bridge header the document does not mention for this status.
pub(super) fn check_headers(response: &'static Value, headers: &HeaderMap, what: &str) {
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
pub(super) fn check_reply(path_key: &str, reply: &Reply, what: &str) -> Option<String> {
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
