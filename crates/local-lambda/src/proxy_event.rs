//! API Gateway REST (v1) proxy events, shaped like the ones Lambda receives.

use base64::Engine;
use http::HeaderMap;
use serde_json::{Map, Value, json};

/// What the gateway knows about one request after routing.
pub(crate) struct ProxyRequest<'a> {
    pub(crate) method: &'a str,
    /// The resource path without the stage, e.g. `/webhook/servicenow`.
    pub(crate) path: &'a str,
    /// The matched resource template, e.g. `/webhook/{source}`.
    pub(crate) resource: &'a str,
    pub(crate) path_parameters: &'a [(String, String)],
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) stage: &'a str,
    pub(crate) request_id: &'a str,
    pub(crate) api_key: Option<&'a str>,
    /// What a Lambda authorizer granted: `requestContext.authorizer`.
    pub(crate) authorizer: Option<&'a Map<String, Value>>,
}

/// The REST proxy event for one routed request.
pub(crate) fn proxy_event(r: &ProxyRequest<'_>) -> Value {
    let (headers, multi_headers) = single_and_multi(r.headers.iter().map(|(name, value)| {
        (
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        )
    }));
    let (query, multi_query) = match r.query.filter(|q| !q.is_empty()) {
        None => (Value::Null, Value::Null),
        Some(q) => {
            let pairs = q.split('&').filter(|p| !p.is_empty()).map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k.to_owned(), v.to_owned())
            });
            let (single, multi) = single_and_multi(pairs);
            (Value::Object(single), Value::Object(multi))
        }
    };
    let path_parameters: Map<String, Value> = r
        .path_parameters
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    // Without binary media types API Gateway passes text bodies through; bytes that are not
    // UTF-8 are sent base64-encoded, as with a matching binary media type.
    let (body, is_base64) = match std::str::from_utf8(r.body) {
        _ if r.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::from(text), false),
        Err(_) => (
            Value::from(base64::engine::general_purpose::STANDARD.encode(r.body)),
            true,
        ),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut event = json!({
        "resource": r.resource,
        "path": r.path,
        "httpMethod": r.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": if path_parameters.is_empty() { Value::Null } else { Value::Object(path_parameters) },
        "stageVariables": null,
        "requestContext": {
            "resourceId": "local01",
            "resourcePath": r.resource,
            "httpMethod": r.method,
            "path": format!("/{}{}", r.stage, r.path),
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": r.stage,
            "requestTimeEpoch": now.as_millis() as u64,
            "requestId": r.request_id,
            "identity": {
                "sourceIp": "127.0.0.1",
                "userAgent": r.headers.get("user-agent").and_then(|v| v.to_str().ok()),
                "apiKey": r.api_key,
                "apiKeyId": r.api_key.map(|_| "localkeyid"),
            },
            "domainName": "localhost",
            "apiId": "local",
        },
        "body": body,
        "isBase64Encoded": is_base64,
    });
    if let Some(granted) = r.authorizer {
        event["requestContext"]["authorizer"] = Value::Object(granted.clone());
    }
    event
}

/// API Gateway's two views of repeated keys: the last value, and every value in order.
fn single_and_multi(
    pairs: impl Iterator<Item = (String, String)>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::from(v.clone()));
        if let Value::Array(values) = multi.entry(k).or_insert_with(|| Value::Array(vec![])) {
            values.push(Value::from(v));
        }
    }
    (single, multi)
}
