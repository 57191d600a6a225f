//! The direct invoke API, `POST /v1/agents/{agent}/invoke`: the checks and the call the
//! buffered route and the streaming entry point share, and the buffered answer.

use ticket_prompt::InvokeRequest;

use super::state::Services;
use super::trail::Trail;
use crate::agent::AgentCall;
use crate::deadline::{Margin, agent_deadline};
use crate::dispatch;
use crate::error::BridgeError;
use crate::parse;
use crate::principal::Principal;
use crate::prompt::{self, Sessions};
use crate::request::Inbound;
use crate::response::Outcome;

/// A checked invoke request, ready to send.
pub(super) struct PreparedInvoke {
    /// The agent's name as the caller gave it.
    pub(super) agent: String,
    /// The endpoint's qualifier, reported in the answer.
    pub(super) qualifier: String,
    pub(super) call: AgentCall,
}

/// Checks the parsed `request` (user id), resolves the agent and builds the call. Nothing here
/// calls the agent, so every refusal costs nothing.
pub(super) async fn prepare(
    s: &Services,
    inbound: &Inbound,
    agent: &str,
    principal: &Principal,
    request: &InvokeRequest,
) -> Result<PreparedInvoke, BridgeError> {
    let user_id = prompt::query_user(s.config.user_id_source.as_ref(), principal, request)?;
    let endpoint = s.agents.resolve(agent).await?;
    let qualifier = endpoint.qualifier.clone();
    let owner = principal.id();
    let key = s.session_key().await?;
    let sessions = Sessions {
        policy: &s.config.session_policy,
        release: s.config.release_sessions,
        key: key.as_deref().map(Vec::as_slice),
        principal: &owner,
    };
    let call = prompt::for_query(sessions, endpoint, agent, request, user_id, inbound);
    Ok(PreparedInvoke {
        agent: agent.to_owned(),
        qualifier,
        call,
    })
}

/// The buffered invoke API: the whole answer in one JSON document.
pub(super) async fn invoke(
    s: &Services,
    inbound: &Inbound,
    agent: String,
    principal: &Principal,
    trail: Trail,
) -> (Result<Outcome, BridgeError>, Trail) {
    let mut trail = Trail {
        agent: Some(agent.clone()),
        ..trail
    };
    let result = async {
        let request = parse::query(inbound.body_within(s.config.max_body_bytes)?)?;
        let prepared = prepare(s, inbound, &agent, principal, &request).await?;
        trail.session_id = Some(prepared.call.session_id.clone());
        let deadline = agent_deadline(
            s.config.agent_timeout,
            inbound.lambda_deadline_ms,
            Margin::Answer,
        );
        let (reply, trace) = dispatch::call_agent(&s.agent, &prepared.call, deadline).await;
        trail.agent_call = Some(trace);
        Ok(Outcome::Invoked {
            agent: prepared.agent,
            qualifier: prepared.qualifier,
            answer: reply?.answer,
            session_id: prepared.call.session_id,
        })
    }
    .await;
    (result, trail)
}
