//! A local Lambda Function URL in front of the Runtime API: `AuthType: AWS_IAM` (SigV4 for
//! service `lambda`, checked like Lambda does), Function URL (payload 2.0) events in, and
//! `InvokeMode: RESPONSE_STREAM` out: the status and headers come from the function's prelude,
//! the body is relayed chunk by chunk as the function writes it.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

use crate::runtime_api::{Outcome, RuntimeApi, StreamedResponse};
use crate::serve::{Background, Writes};
use crate::sigv4::{self, LocalCredentials};

/// Function URLs take requests of up to 6 MB.
const MAX_REQUEST: usize = 6 * 1024 * 1024;
const ACCOUNT_ID: &str = "123456789012";
const URL_ID: &str = "localfunctionurl0000000000000000";

/// How the Function URL is configured: its auth type and the function timeout.
#[derive(Debug, Clone)]
pub struct FunctionUrlConfig {
    /// `Some`: `AuthType: AWS_IAM`, requests must be signed with these credentials.
    /// `None`: `AuthType: NONE`.
    pub iam: Option<LocalCredentials>,
    /// The function timeout (Function URLs allow up to 15 minutes).
    pub timeout: Duration,
}

/// A running Function URL; stops when dropped.
pub struct FunctionUrl {
    server: Background,
}

struct Shared {
    config: FunctionUrlConfig,
    runtime: Arc<RuntimeApi>,
}

impl FunctionUrl {
    /// Listens on `addr` (`127.0.0.1:0` picks a free port) and invokes the function behind
    /// `runtime` for each request that passes the auth check.
    pub async fn start(
        addr: &str,
        config: FunctionUrlConfig,
        runtime: Arc<RuntimeApi>,
    ) -> std::io::Result<FunctionUrl> {
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::new(Shared { config, runtime }));
        // Each streamed line must leave at once, not wait for a delayed ACK.
        let server = Background::start(addr, app, Writes::Immediate).await?;
        Ok(FunctionUrl { server })
    }

    /// Like `https://{url-id}.lambda-url.{region}.on.aws`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Serves until the server task ends (for the binary).
    pub async fn wait(self) {
        self.server.wait().await;
    }
}

fn url_error(status: StatusCode, message: &str) -> Response {
    let mut resp = (status, json!({ "Message": message }).to_string()).into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST).await else {
        return url_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request must be smaller than 6291456 bytes",
        );
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    if let Some(creds) = &shared.config.iam {
        let url = format!("http://{host}{path_and_query}");
        let checked = sigv4::verify(
            creds,
            parts.method.as_str(),
            &url,
            &parts.headers,
            &body,
            SystemTime::now(),
        );
        if let Err(e) = checked {
            tracing::info!(error = %e, "Function URL refused an unsigned or badly signed request");
            return url_error(StatusCode::FORBIDDEN, "Forbidden");
        }
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    let event = url_event(&parts, &body, &request_id, shared.config.iam.as_ref());
    let outcome = shared
        .runtime
        .invoke(Bytes::from(event.to_string()), shared.config.timeout)
        .await;
    let mut resp = match outcome {
        Ok(Outcome::Streaming(stream)) => streamed_response(stream),
        Ok(Outcome::Response(doc)) => buffered_response(&doc),
        Ok(Outcome::Error(e)) => {
            tracing::warn!(error = %e, "function error");
            url_error(StatusCode::BAD_GATEWAY, "Internal Server Error")
        }
        Err(e) => {
            tracing::warn!(error = %e, "function timeout");
            url_error(StatusCode::BAD_GATEWAY, "Internal Server Error")
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// The Function URL event (payload format 2.0).
fn url_event(
    parts: &http::request::Parts,
    body: &[u8],
    request_id: &str,
    iam: Option<&LocalCredentials>,
) -> Value {
    let mut headers = Map::new();
    for name in parts.headers.keys() {
        let joined: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        headers.insert(name.as_str().to_owned(), Value::from(joined.join(",")));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let mut context = json!({
        "accountId": ACCOUNT_ID,
        "apiId": URL_ID,
        "domainName": format!("{URL_ID}.lambda-url.us-east-1.on.aws"),
        "domainPrefix": URL_ID,
        "http": {
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": headers.get("user-agent").cloned().unwrap_or(Value::from("")),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": "22/Nov/2026:00:00:00 +0000",
        "timeEpoch": now.as_millis() as u64,
    });
    if let Some(creds) = iam {
        context["authorizer"] = json!({
            "iam": {
                "accessKey": creds.access_key_id,
                "accountId": ACCOUNT_ID,
                "callerId": "AIDALOCALCALLER00000",
                "userArn": format!("arn:aws:iam::{ACCOUNT_ID}:user/local"),
                "userId": "AIDALOCALCALLER00000",
            }
        });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": parts.uri.query().unwrap_or(""),
        "headers": headers,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    });
    if let Some(q) = parts.uri.query() {
        let params: Map<String, Value> = q
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .map(|(k, v)| (k.to_owned(), Value::from(v)))
            .collect();
        event["queryStringParameters"] = Value::Object(params);
    }
    event
}

/// Status and headers from the prelude; the body relayed as it arrives. A mid-stream function
/// error ends the body abruptly, as Lambda does.
fn streamed_response(stream: StreamedResponse) -> Response {
    let StreamedResponse { prelude, body } = stream;
    let status = prelude["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let chunks = futures_util::stream::unfold(body, |mut rx| async move {
        let item = rx
            .recv()
            .await?
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::BrokenPipe, e));
        Some((item, rx))
    });
    let mut resp = Response::new(Body::from_stream(chunks));
    *resp.status_mut() = status;
    copy_headers(&prelude["headers"], resp.headers_mut());
    resp
}

/// A buffered Function URL response (`{statusCode, headers, body, isBase64Encoded}`).
fn buffered_response(doc: &[u8]) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(doc) else {
        return url_error(StatusCode::BAD_GATEWAY, "Internal Server Error");
    };
    let status = v["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let body = match (v["body"].as_str(), v["isBase64Encoded"].as_bool()) {
        (Some(b), Some(true)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map(Bytes::from)
            .unwrap_or_default(),
        (Some(b), _) => Bytes::from(b.to_owned()),
        (None, _) => Bytes::new(),
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    copy_headers(&v["headers"], resp.headers_mut());
    resp
}

fn copy_headers(from: &Value, to: &mut HeaderMap) {
    for (k, v) in from.as_object().into_iter().flatten() {
        let values: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for value in values {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                to.append(name, value);
            }
        }
    }
}
