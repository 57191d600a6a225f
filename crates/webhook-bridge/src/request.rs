//! The edge: what the flow needs from an HTTP request, read once into typed values. Nothing
//! after this module sees `lambda_http::Request`; each step takes the values it uses.

use http::HeaderMap;
use lambda_http::{Body, Request, RequestExt};
use ticket_prompt::{Source, delivery_id_header, event_header, signature};

use crate::agent::TraceContext;
use crate::api_key::{KEY_HEADER_CONTEXT, KeyHeader};
use crate::error::BridgeError;
use crate::route::{Route, route};
use crate::tokens::{PresentedToken, TokenHeader};

/// The agent session: chosen by a caller under `SESSION_POLICY=caller`, and named on answers.
pub const SESSION_HEADER: &str = "x-agent-session-id";
/// A user's bearer token where `Authorization` is taken (by SigV4 on the Function URL).
const CHAT_AUTH_HEADER: &str = "x-chat-auth";
/// The caller's own idempotency key, for senders without delivery ids (ServiceNow flows, scripts).
const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// AgentCore's limits on the trace headers (`traceparent` 128, `tracestate` 512, `baggage` 8192):
/// a longer one would fail the whole call, so it is dropped.
const TRACE_LIMITS: [(&str, usize); 3] =
    [("traceparent", 128), ("tracestate", 512), ("baggage", 8192)];

/// A header as the flow sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HeaderText {
    /// Not sent.
    #[default]
    Absent,
    /// Sent, trimmed, not blank.
    Text(String),
    /// Sent, but blank or not readable as text: refused where it matters, never ignored.
    Unusable,
}

/// What a webhook delivery carries in its headers for the steps after routing.
#[derive(Debug, Clone, Default)]
pub struct DeliveryHeaders {
    /// The source's signature header.
    pub signature: Option<String>,
    /// The source's signed-timestamp header, where its scheme signs one.
    pub timestamp: Option<String>,
    /// The event kind some senders name in a header (GitHub's `X-GitHub-Event`, Sentry's
    /// `Sentry-Hook-Resource`).
    pub event_hint: Option<String>,
    /// The sender's delivery id, else `Idempotency-Key`: the same on every retry.
    pub idempotency_key: HeaderText,
}

/// How the caller asked to be answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModeAsked {
    /// `?mode=`, as given.
    pub query: Option<String>,
    /// `Prefer: respond-async`.
    pub prefer_async: bool,
}

/// Who the front door says is calling. API Gateway checked the API key and Lambda checked the
/// SigV4 signature; the bridge only reads what they vouch for, never a header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// `requestContext.identity.apiKeyId`: the id of the API key API Gateway admitted.
    pub api_key_id: Option<String>,
    /// `requestContext.authorizer.iam.userArn`: the AWS principal of a SigV4-signed Function URL
    /// request.
    pub aws_principal: Option<String>,
    /// A bearer token (`x-chat-auth`, else `Authorization: Bearer`): unlike the two above, only a
    /// claim until the tokens step verifies it.
    pub token: Option<PresentedToken>,
}

/// One request, read.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The Lambda request id under Lambda, else API Gateway's, else a fresh one.
    pub request_id: String,
    /// The path as the caller sent it (with any stage prefix).
    pub path: String,
    /// The raw body bytes (signatures are over these, before any parsing).
    pub body: Vec<u8>,
    /// The Lambda invocation's deadline (epoch ms; 0 outside Lambda).
    pub lambda_deadline_ms: u64,
    /// X-Ray from the invocation, W3C headers from the caller.
    pub trace: TraceContext,
    /// `Accept`.
    pub accept: Option<String>,
    /// `X-Agent-Session-Id`.
    pub caller_session: HeaderText,
    /// The header named by `AGENT_USER_ID_SOURCE=header:<name>`, read as UTF-8 (lossy, so a
    /// name like "José" is kept).
    pub user_id_header: Option<String>,
    /// `?mode=` and `Prefer`.
    pub mode: ModeAsked,
    /// This API's base URL as the caller addressed it (scheme, host, stage or base path), where
    /// `/jobs/{id}` is served.
    pub api_base: String,
    /// Webhook headers (empty for other routes).
    pub delivery: DeliveryHeaders,
    /// Who is calling, as the front door vouches.
    pub caller: Caller,
}

impl Inbound {
    /// The body, unless it is over `limit` bytes.
    pub fn body_within(&self, limit: usize) -> Result<&[u8], BridgeError> {
        if self.body.len() > limit {
            return Err(BridgeError::PayloadTooLarge {
                size: self.body.len(),
                limit,
            });
        }
        Ok(&self.body)
    }
}

/// Reads `req` once: the route it asks for, and everything the steps will need.
/// `user_id_header` is the header `AGENT_USER_ID_SOURCE` names, if any.
pub fn read(req: Request, user_id_header: Option<&str>) -> (Inbound, Result<Route, BridgeError>) {
    let path = match req.raw_http_path() {
        "" => req.uri().path().to_owned(),
        p => p.to_owned(),
    };
    let route = route(req.method(), &path);
    let headers = req.headers();
    let delivery = match &route {
        // Splunk's alert action sends no headers: its token is in the URL's query.
        Ok(Route::Webhook(Source::Splunk)) => DeliveryHeaders {
            signature: req
                .query_string_parameters_ref()
                .and_then(|q| q.first(signature::SPLUNK_TOKEN_PARAMETER))
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            ..delivery_headers(headers, Source::Splunk)
        },
        Ok(Route::Webhook(source)) => delivery_headers(headers, *source),
        _ => DeliveryHeaders::default(),
    };
    let mode = ModeAsked {
        query: req
            .query_string_parameters_ref()
            .and_then(|q| q.first("mode"))
            .map(str::to_owned),
        prefer_async: headers.get_all("prefer").iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
            })
        }),
    };
    let inbound = Inbound {
        request_id: request_id(&req),
        api_base: api_base(&req, &path),
        lambda_deadline_ms: req.lambda_context_ref().map_or(0, |ctx| ctx.deadline),
        trace: trace_context(&req),
        accept: text(headers, "accept").map(str::to_owned),
        caller_session: header_text(headers, SESSION_HEADER),
        user_id_header: user_id_header.and_then(|name| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        }),
        mode,
        delivery,
        caller: Caller {
            token: bearer_token(headers, key_in_authorization(&req)),
            ..caller(&req)
        },
        path,
        body: match req.into_body() {
            Body::Empty => Vec::new(),
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
            other => other.as_ref().to_vec(),
        },
    };
    (inbound, route)
}

fn delivery_headers(headers: &HeaderMap, source: Source) -> DeliveryHeaders {
    let names = signature::headers(source);
    let owned = |name: &str| text(headers, name).map(str::to_owned);
    // The sender's delivery id wins over a caller's key; a present but unusable one is refused
    // rather than replaced by a hash of the body.
    let key_header = delivery_id_header(source)
        .into_iter()
        .chain([IDEMPOTENCY_KEY_HEADER])
        .find(|h| headers.contains_key(*h));
    DeliveryHeaders {
        signature: owned(names.signature),
        timestamp: names.timestamp.and_then(owned),
        event_hint: event_header(source).and_then(owned),
        idempotency_key: key_header.map_or(HeaderText::Absent, |h| header_text(headers, h)),
    }
}

/// A header's trimmed text; `None` when absent, blank or not text.
fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn header_text(headers: &HeaderMap, name: &str) -> HeaderText {
    match text(headers, name) {
        Some(t) => HeaderText::Text(t.to_owned()),
        None if headers.contains_key(name) => HeaderText::Unusable,
        None => HeaderText::Absent,
    }
}

/// The API key's id (REST API) or the SigV4 principal (Function URL), from the request context.
fn caller(req: &Request) -> Caller {
    let present = |v: &Option<String>| v.as_deref().filter(|v| !v.is_empty()).map(str::to_owned);
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) => Caller {
            api_key_id: present(&ctx.identity.api_key_id),
            ..Caller::default()
        },
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => Caller {
            api_key_id: None,
            aws_principal: ctx
                .authorizer
                .as_ref()
                .and_then(|a| a.iam.as_ref())
                .and_then(|iam| present(&iam.user_arn)),
            ..Caller::default()
        },
        _ => Caller::default(),
    }
}

/// Whether the REST API's key authorizer found the API key in `Authorization` (run-agent.ai's
/// `Bearer <key>`): the header then held the key API Gateway matched, not a user's token. Read
/// from `requestContext.authorizer`, which only the authorizer writes.
fn key_in_authorization(req: &Request) -> bool {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) => ctx
            .authorizer
            .fields
            .get(KEY_HEADER_CONTEXT)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|h| h == KeyHeader::Authorization.as_str()),
        _ => false,
    }
}

/// The bearer token a caller presents: `x-chat-auth` (whatever its form: a malformed one is
/// refused, not ignored), else `Authorization` when its scheme is `Bearer` (SigV4's and other
/// schemes there are not tokens) and it did not carry the API key.
fn bearer_token(headers: &HeaderMap, key_in_authorization: bool) -> Option<PresentedToken> {
    let bearer = |value: &str| {
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    };
    if headers.contains_key(CHAT_AUTH_HEADER) {
        let token = text(headers, CHAT_AUTH_HEADER).and_then(bearer);
        return Some(PresentedToken {
            token: token.unwrap_or_default(),
            header: TokenHeader::ChatAuth,
        });
    }
    if key_in_authorization {
        return None;
    }
    let token = text(headers, http::header::AUTHORIZATION.as_str()).and_then(bearer)?;
    Some(PresentedToken {
        token,
        header: TokenHeader::Authorization,
    })
}

/// The Lambda request id when running under Lambda, else API Gateway's, else a fresh one.
fn request_id(req: &Request) -> String {
    if let Some(ctx) = req.lambda_context_ref()
        && !ctx.request_id.is_empty()
    {
        return ctx.request_id.clone();
    }
    if let Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) = req.request_context_ref()
        && let Some(id) = ctx.request_id.as_deref().filter(|id| !id.is_empty())
    {
        return id.to_owned();
    }
    uuid::Uuid::new_v4().to_string()
}

/// X-Ray from the Lambda invocation; W3C headers from the caller, dropped when over AgentCore's
/// limits.
fn trace_context(req: &Request) -> TraceContext {
    let w3c = |name: &str| {
        let max = TRACE_LIMITS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, m)| *m);
        text(req.headers(), name)
            .filter(|v| v.len() <= max)
            .map(str::to_owned)
    };
    TraceContext {
        xray: req
            .lambda_context_ref()
            .and_then(|c| c.xray_trace_id.clone()),
        traceparent: w3c("traceparent"),
        tracestate: w3c("tracestate"),
        baggage: w3c("baggage"),
    }
    .joined()
}

/// This API's base: the path before `/webhook/…` as the caller addressed it (API Gateway's
/// `requestContext.path` keeps the stage or a custom domain's base path), behind the caller's
/// scheme and host when known.
fn api_base(req: &Request, path: &str) -> String {
    let called = match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) => {
            ctx.path.as_deref().unwrap_or(path)
        }
        _ => path,
    };
    let base = called.split("/webhook/").next().unwrap_or("");
    match text(req.headers(), "host") {
        Some(host) => {
            let scheme = text(req.headers(), "x-forwarded-proto").unwrap_or("https");
            format!("{scheme}://{host}{base}")
        }
        None => base.to_owned(),
    }
}
