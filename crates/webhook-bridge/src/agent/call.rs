//! One agent call, as the bridge describes it before sending.

use crate::config::AgentEndpoint;

/// Trace context passed on to AgentCore (and from there to the agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    /// `X-Amzn-Trace-Id`: the Lambda invocation's X-Ray trace.
    pub xray: Option<String>,
    /// W3C `traceparent` from the inbound request.
    pub traceparent: Option<String>,
    /// W3C `tracestate`.
    pub tracestate: Option<String>,
    /// W3C `baggage`.
    pub baggage: Option<String>,
}

/// One agent call.
#[derive(Debug, Clone)]
pub struct AgentCall {
    /// The runtime endpoint to invoke.
    pub endpoint: AgentEndpoint,
    /// `runtimeSessionId` (33–256 characters).
    pub session_id: String,
    /// The JSON document sent as the request body.
    pub payload: Vec<u8>,
    /// `runtimeUserId`, when configured and present.
    pub user_id: Option<String>,
    /// Trace headers passed on.
    pub trace: TraceContext,
    /// Stop the session once the answer is in: no later call will continue it, and left alone
    /// it would hold one of the account's active sessions until it idles out.
    pub release_session: bool,
}
