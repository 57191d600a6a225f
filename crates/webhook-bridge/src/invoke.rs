//! The direct invoke API, `POST /v1/agents/{agent}/invoke`: what the buffered route and the
//! streaming entry point share, from the request to a ready [`AgentCall`].

use lambda_http::Request;
use ticket_prompt::{InvokeRequest, TicketError, delivery_session_id};

use crate::agent::AgentCall;
use crate::agents::{AgentDirectory, AgentEndpoint};
use crate::config::Config;
use crate::error::BridgeError;
use crate::inbound;

/// A checked invoke request, ready to send.
pub struct PreparedInvoke {
    /// The agent's name as the caller gave it.
    pub agent: String,
    pub endpoint: AgentEndpoint,
    pub call: AgentCall,
}

/// Validates the request (size, body, user id), resolves the agent and builds the call. Nothing
/// here calls the agent, so every refusal costs nothing.
pub async fn prepare(
    config: &Config,
    agents: &AgentDirectory,
    req: &Request,
    agent: &str,
) -> Result<PreparedInvoke, BridgeError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > config.max_body_bytes {
        return Err(BridgeError::PayloadTooLarge {
            size: body.len(),
            limit: config.max_body_bytes,
        });
    }
    let request = InvokeRequest::parse(body)?;
    // A user id needs the InvokeAgentRuntimeForUser permission, which the template grants only
    // when user ids are switched on: refuse it rather than drop it silently.
    if request.user_id.is_some() && config.user_id_source.is_none() {
        return Err(TicketError::InvalidField {
            field: "user_id".into(),
            reason:
                "this deployment does not pass user ids to agents (AGENT_USER_ID_SOURCE is not set)"
                    .into(),
        }
        .into());
    }
    let user_id = match request.user_id.as_deref() {
        None => None,
        Some(raw) => {
            Some(
                inbound::encode_user_id(raw).ok_or_else(|| TicketError::InvalidField {
                    field: "user_id".into(),
                    reason: "is blank, or too long once non-ASCII characters are percent-encoded"
                        .into(),
                })?,
            )
        }
    };
    let endpoint = agents.resolve(agent).await?;
    let session_id = request.session_id.clone().unwrap_or_else(|| {
        delivery_session_id("invoke", agent, &uuid::Uuid::new_v4().simple().to_string())
    });
    let call = AgentCall {
        endpoint: endpoint.clone(),
        session_id,
        payload: serde_json::to_vec(&request.agent_payload()).unwrap_or_default(),
        user_id,
        trace: inbound::trace_context(req),
    };
    Ok(PreparedInvoke {
        agent: agent.to_owned(),
        endpoint,
        call,
    })
}
