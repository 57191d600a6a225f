//! A local API Gateway REST API in front of the Runtime API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use crate::authorizer::{authorize, authorizer_event, method_arn};
use crate::gateway_responses::GatewayResponses;
use crate::proxy_event::{ProxyRequest, proxy_event};
use crate::runtime_api::{Outcome, RuntimeApi};
use crate::serve::{Background, Writes};

/// API Gateway's own payload limit.
const MAX_REQUEST: usize = 10 * 1024 * 1024;

/// One method on one resource template (`{name}` matches one path segment).
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// The HTTP method, e.g. `POST` (matched case-insensitively).
    pub method: String,
    /// The resource template, e.g. `/webhook/{source}`.
    pub resource: String,
    /// Whether a request must carry the API key in `x-api-key`.
    pub api_key_required: bool,
}

/// The REST API as deployed: its stage, key and routes, and the integration timeout.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The stage name, the first path segment of every URL.
    pub stage: String,
    /// The one valid API key; `None` means keys are not checked.
    pub api_key: Option<String>,
    /// The methods and resources served; anything else is API Gateway's 403.
    pub routes: Vec<RouteSpec>,
    /// The integration timeout (29 s by default in API Gateway).
    pub integration_timeout: Duration,
    /// How API Gateway's own refusals look (the template's `GatewayResponses`); empty gives
    /// API Gateway's defaults.
    pub responses: GatewayResponses,
}

impl GatewayConfig {
    /// The bridge's API as `template.yaml` defines it.
    pub fn webhook(stage: &str, api_key: Option<String>) -> GatewayConfig {
        GatewayConfig {
            stage: stage.to_owned(),
            api_key,
            routes: [
                ("POST", "/webhook/{source}"),
                ("POST", "/v1/agents/{agent}/invoke"),
                ("GET", "/jobs/{job_id}"),
            ]
            .into_iter()
            .map(|(method, resource)| RouteSpec {
                method: method.into(),
                resource: resource.into(),
                api_key_required: true,
            })
            .collect(),
            integration_timeout: Duration::from_secs(29),
            responses: GatewayResponses::default(),
        }
    }
}

/// A running gateway; stops when dropped.
pub struct Gateway {
    server: Background,
}

struct Shared {
    config: GatewayConfig,
    runtime: Arc<RuntimeApi>,
    /// The key authorizer's function (`ApiKeySourceType: AUTHORIZER`); `None` reads `x-api-key`.
    authorizer: Option<Arc<RuntimeApi>>,
}

impl Gateway {
    /// Listens on `addr` (`127.0.0.1:0` picks a free port) and turns each request into a proxy
    /// event for the function behind `runtime`.
    pub async fn start(
        addr: &str,
        config: GatewayConfig,
        runtime: Arc<RuntimeApi>,
    ) -> std::io::Result<Gateway> {
        Gateway::serve(addr, config, runtime, None).await
    }

    /// Like [`Gateway::start`], with the API key taken from the Lambda authorizer behind
    /// `authorizer` (`ApiKeySourceType: AUTHORIZER`, a REQUEST authorizer on every method, not
    /// cached) instead of `x-api-key`.
    pub async fn start_with_authorizer(
        addr: &str,
        config: GatewayConfig,
        runtime: Arc<RuntimeApi>,
        authorizer: Arc<RuntimeApi>,
    ) -> std::io::Result<Gateway> {
        Gateway::serve(addr, config, runtime, Some(authorizer)).await
    }

    async fn serve(
        addr: &str,
        config: GatewayConfig,
        runtime: Arc<RuntimeApi>,
        authorizer: Option<Arc<RuntimeApi>>,
    ) -> std::io::Result<Gateway> {
        let app = Router::new().fallback(handle).with_state(Arc::new(Shared {
            config,
            runtime,
            authorizer,
        }));
        let server = Background::start(addr, app, Writes::Batched).await?;
        Ok(Gateway { server })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The invoke URL, like `https://{api}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn url(&self, stage: &str) -> String {
        format!("http://{}/{stage}", self.addr())
    }

    /// Serves until the server task ends (for the binary).
    pub async fn wait(self) {
        self.server.wait().await;
    }
}

/// API Gateway's own refusal of type `kind` (its default `status` and `message`), rendered as
/// the API's `GatewayResponses` say; `x-amzn-errortype` as API Gateway sends it.
fn gateway_error(
    responses: &GatewayResponses,
    request_id: &str,
    kind: &str,
    (status, message, error_type): (StatusCode, &str, &str),
) -> Response {
    let (status, headers, body) = responses.render(kind, status.as_u16(), message, request_id);
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            resp.headers_mut().insert(n, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(error_type) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

fn match_template(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let t: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => params.push((name.to_owned(), (*ps).to_owned())),
            None if ts == ps => {}
            None => return None,
        }
    }
    Some(params)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let config = &shared.config;
    let request_id = uuid::Uuid::new_v4().to_string();
    let refuse = |kind: &str, default: (StatusCode, &str, &str)| {
        gateway_error(&config.responses, &request_id, kind, default)
    };
    let (parts, body) = req.into_parts();
    let stage_prefix = format!("/{}", config.stage);
    let Some(path) = parts
        .uri
        .path()
        .strip_prefix(&stage_prefix)
        .filter(|p| p.starts_with('/') || p.is_empty())
    else {
        // No API is deployed under another stage: API Gateway's plain 403, no gateway response.
        return gateway_error(
            &GatewayResponses::default(),
            &request_id,
            "",
            (StatusCode::FORBIDDEN, "Forbidden", "ForbiddenException"),
        );
    };
    let path = if path.is_empty() { "/" } else { path };
    let matched = config.routes.iter().find_map(|r| {
        (r.method.eq_ignore_ascii_case(parts.method.as_str()))
            .then(|| match_template(&r.resource, path).map(|params| (r, params)))
            .flatten()
    });
    let Some((route, params)) = matched else {
        return refuse(
            "MISSING_AUTHENTICATION_TOKEN",
            (
                StatusCode::FORBIDDEN,
                "Missing Authentication Token",
                "MissingAuthenticationTokenException",
            ),
        );
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST).await else {
        return refuse(
            "REQUEST_TOO_LARGE",
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request Too Long",
                "RequestTooLongException",
            ),
        );
    };
    let mut request = ProxyRequest {
        method: parts.method.as_str(),
        path,
        resource: &route.resource,
        path_parameters: &params,
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
        stage: &config.stage,
        request_id: &request_id,
        api_key: None,
        authorizer: None,
    };
    let granted = match &shared.authorizer {
        None => None,
        Some(authorizer) => {
            let arn = method_arn(&config.stage, parts.method.as_str(), path);
            let event = authorizer_event(&proxy_event(&request), &arn);
            match authorize(authorizer, &event, &arn).await {
                Ok(granted) => Some(granted),
                Err(refusal) => {
                    let (kind, default) = refusal.response();
                    return refuse(kind, default);
                }
            }
        }
    };
    // The key comes from the authorizer's usageIdentifierKey, else x-api-key; either way it is
    // matched against the usage plans' keys.
    let api_key = match &granted {
        Some(g) => g.key.as_deref(),
        None => parts.headers.get("x-api-key").and_then(|v| v.to_str().ok()),
    };
    if route.api_key_required
        && let Some(expected) = &config.api_key
        && api_key != Some(expected.as_str())
    {
        return refuse(
            "INVALID_API_KEY",
            (StatusCode::FORBIDDEN, "Forbidden", "ForbiddenException"),
        );
    }
    request.api_key = api_key;
    request.authorizer = granted.as_ref().map(|g| &g.context);
    let event = proxy_event(&request);
    let outcome = shared
        .runtime
        .invoke(Bytes::from(event.to_string()), config.integration_timeout)
        .await;
    let failed = (
        StatusCode::BAD_GATEWAY,
        "Internal server error",
        "InternalServerErrorException",
    );
    let mut resp = match outcome {
        Ok(Outcome::Response(doc)) => proxy_response(&doc).unwrap_or_else(|()| {
            tracing::warn!("malformed Lambda proxy response");
            refuse("DEFAULT_5XX", failed)
        }),
        Ok(Outcome::Streaming(_)) => {
            // A REST proxy integration without responseTransferMode STREAM cannot relay it.
            tracing::warn!("streamed response on a buffered REST integration");
            refuse("DEFAULT_5XX", failed)
        }
        Ok(Outcome::Error(e)) => {
            tracing::warn!(error = %e, "function error");
            refuse("DEFAULT_5XX", failed)
        }
        Err(e) => {
            tracing::warn!(error = %e, "integration timeout");
            refuse(
                "INTEGRATION_TIMEOUT",
                (
                    StatusCode::GATEWAY_TIMEOUT,
                    "Endpoint request timed out",
                    "",
                ),
            )
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// A Lambda proxy response document → HTTP; `Err` for a malformed one (API Gateway's 502).
fn proxy_response(doc: &[u8]) -> Result<Response, ()> {
    let malformed = || Err(());
    let Ok(v) = serde_json::from_slice::<Value>(doc) else {
        return malformed();
    };
    let Some(status) = v["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
    else {
        return malformed();
    };
    let body = match (
        v["body"].as_str(),
        v["isBase64Encoded"].as_bool().unwrap_or(false),
    ) {
        (None, _) => Bytes::new(),
        (Some(b), false) => Bytes::from(b.to_owned()),
        (Some(b), true) => match base64::engine::general_purpose::STANDARD.decode(b) {
            Ok(bytes) => Bytes::from(bytes),
            Err(_) => return malformed(),
        },
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    if let Some(map) = v["multiValueHeaders"].as_object() {
        for (k, vals) in map {
            for val in vals
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let (Ok(n), Ok(hv)) =
                    (HeaderName::try_from(k.as_str()), HeaderValue::from_str(val))
                {
                    headers.append(n, hv);
                }
            }
        }
    }
    if let Some(map) = v["headers"].as_object() {
        for (k, val) in map {
            if let (Ok(n), Some(Ok(hv))) = (
                HeaderName::try_from(k.as_str()),
                val.as_str().map(HeaderValue::from_str),
            ) && !headers.contains_key(&n)
            {
                headers.insert(n, hv);
            }
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        assert_eq!(
            match_template("/webhook/{source}", "/webhook/servicenow"),
            Some(vec![("source".into(), "servicenow".into())])
        );
        assert_eq!(match_template("/webhook/{source}", "/webhook"), None);
        assert_eq!(match_template("/webhook/{source}", "/webhook/a/b"), None);
        assert_eq!(match_template("/webhook/{source}", "/hooks/a"), None);
    }

    #[test]
    fn proxy_responses_are_converted_or_rejected() {
        let ok = proxy_response(br#"{"statusCode":201,"headers":{"x-a":"1"},"multiValueHeaders":{"x-b":["2","3"]},"body":"hi","isBase64Encoded":false}"#).unwrap();
        assert_eq!(ok.status(), 201);
        assert_eq!(ok.headers()["x-a"], "1");
        assert_eq!(ok.headers().get_all("x-b").iter().count(), 2);
        assert!(proxy_response(b"not json").is_err());
        assert!(proxy_response(br#"{"body":"x"}"#).is_err());
        assert!(
            proxy_response(br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#).is_err()
        );
    }
}
