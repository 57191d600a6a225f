//! One agent call, as the bridge describes it before sending.

use super::trace::TraceContext;
use crate::config::AgentEndpoint;

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
