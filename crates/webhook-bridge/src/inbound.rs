//! What a delivery contributes to the agent call besides its body: the session id (by policy),
//! the optional runtime user id, and the trace context.

use lambda_http::{Request, RequestExt};
use ticket_prompt::{Source, Ticket, delivery_session_id, ticket_session_id, validate_session_id};

use crate::agent::TraceContext;
use crate::config::{SessionPolicy, UserIdSource};
use crate::error::BridgeError;

/// The header a caller uses to choose the session under `SESSION_POLICY=caller`.
pub const CALLER_SESSION_HEADER: &str = "x-agent-session-id";

/// AgentCore's limits on the trace headers (`traceparent` 128, `tracestate` 512, `baggage` 8192).
const TRACE_LIMITS: [(&str, usize); 3] =
    [("traceparent", 128), ("tracestate", 512), ("baggage", 8192)];
/// AgentCore's limit on `runtimeUserId`.
const USER_ID_MAX: usize = 1024;

/// The session for this delivery under `policy`.
pub fn session_id(
    policy: &SessionPolicy,
    req: &Request,
    source: Source,
    ticket: &Ticket,
) -> Result<String, BridgeError> {
    let fresh = || {
        delivery_session_id(
            source.as_str(),
            &ticket.id,
            &uuid::Uuid::new_v4().simple().to_string(),
        )
    };
    match policy {
        SessionPolicy::PerDelivery => Ok(fresh()),
        SessionPolicy::PerTicket { namespace } => Ok(ticket_session_id(
            source.as_str(),
            namespace,
            &ticket.session_key(),
        )),
        SessionPolicy::CallerSupplied => match header(req, CALLER_SESSION_HEADER) {
            // Present but not readable as text (non-ASCII bytes): refused, never ignored.
            None if req.headers().contains_key(CALLER_SESSION_HEADER) => Err(
                BridgeError::InvalidSessionId(ticket_prompt::InvalidSessionId),
            ),
            None => Ok(fresh()),
            Some(id) => {
                validate_session_id(id).map_err(BridgeError::InvalidSessionId)?;
                Ok(id.to_owned())
            }
        },
    }
}

/// The `runtimeUserId` from the configured source, if it yields one. Characters outside
/// printable ASCII are percent-encoded so any name survives as a header value.
pub fn user_id(source: Option<&UserIdSource>, req: &Request, ticket: &Ticket) -> Option<String> {
    // Header bytes are read as UTF-8 (not just ASCII) so a name like "José" is kept, not dropped.
    let from_header;
    let raw = match source? {
        UserIdSource::Header(name) => {
            from_header =
                String::from_utf8_lossy(req.headers().get(name.as_str())?.as_bytes()).into_owned();
            from_header.as_str()
        }
        UserIdSource::TicketRequester => ticket.requester.as_deref()?,
    };
    encode_user_id(raw)
}

/// `raw` as a `runtimeUserId`: trimmed, with characters outside printable ASCII percent-encoded;
/// `None` when nothing is left or the result is over AgentCore's limit.
pub fn encode_user_id(raw: &str) -> Option<String> {
    let encoded: String = raw
        .trim()
        .chars()
        .flat_map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                vec![c.to_string()]
            } else {
                c.to_string().bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect();
    (!encoded.is_empty() && encoded.len() <= USER_ID_MAX).then_some(encoded)
}

/// X-Ray from the Lambda invocation; W3C headers from the caller, dropped when over AgentCore's
/// limits (a refused header would fail the whole call).
pub fn trace_context(req: &Request) -> TraceContext {
    let w3c = |name: &str| {
        let max = TRACE_LIMITS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, m)| *m);
        header(req, name)
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
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
