//! What the agent is sent: the session (by policy), the optional runtime user, the fenced prompt
//! and its payload; for a ticket, and for a direct query.

use serde_json::Value;
use ticket_prompt::{
    InvokeRequest, SessionKey, Source, Ticket, TicketError, agent_payload, caller_session_id,
    delivery_session_id, keyed_ticket_session_id, render_prompt, validate_session_id,
};

use crate::agent::AgentCall;
use crate::config::{AgentEndpoint, ReleaseSessions, SessionPolicy, UserIdSource};
use crate::error::BridgeError;
use crate::principal::Principal;
use crate::request::{HeaderText, Inbound};

/// AgentCore's limit on `runtimeUserId`.
const USER_ID_MAX: usize = 1024;

/// A ticket's agent call, and the payload document it sends (an async job carries the document).
pub struct TicketCall {
    /// The call, ready to send.
    pub call: AgentCall,
    /// The JSON document in `call.payload`.
    pub payload: Value,
}

/// Who may name the end user (`runtimeUserId`, which AgentCore Identity trusts to hand the
/// agent that user's tokens): only a caller the deployment trusts to, or, for the ticket's
/// requester, a delivery whose signature proves the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserTrust {
    /// The caller may name users (`INTEGRATIONS_ASSERTING_USERS`, or no integrations named).
    pub caller_may_assert: bool,
    /// The delivery is signed by its source.
    pub signed: bool,
}

/// How a request's agent session is chosen: the policy, the deployment's session secret, and the
/// principal whose namespace a caller-named session lives in.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    /// `SESSION_POLICY`.
    pub policy: &'a SessionPolicy,
    /// `RELEASE_SESSIONS`: whether the session is stopped once its answer is in.
    pub release: ReleaseSessions,
    /// The session secret, when configured.
    pub key: SessionKey<'a>,
    /// [`crate::principal::Principal::id`] of the caller.
    pub principal: &'a str,
}

/// The call that analyses `ticket` from `source` on `endpoint`.
pub fn for_ticket(
    sessions: Sessions<'_>,
    user_ids: Option<&UserIdSource>,
    trust: UserTrust,
    endpoint: AgentEndpoint,
    source: Source,
    ticket: &Ticket,
    inbound: &Inbound,
) -> Result<TicketCall, BridgeError> {
    let (session_id, continued) =
        session_for_ticket(sessions, &inbound.caller_session, source, ticket)?;
    let user_id = match user_ids {
        None => None,
        Some(UserIdSource::Header(_)) => match inbound.user_id_header.as_deref() {
            // The header is not covered by any signature: only a trusted caller may send it.
            Some(_) if !trust.caller_may_assert => return Err(BridgeError::UserNotAllowed),
            header => header.and_then(encode_user_id),
        },
        Some(UserIdSource::TicketRequester) => match ticket.requester.as_deref() {
            Some(_) if !(trust.signed || trust.caller_may_assert) => {
                return Err(BridgeError::UserNotAllowed);
            }
            requester => requester.and_then(encode_user_id),
        },
    };
    let prompt = render_prompt(ticket, &uuid::Uuid::new_v4().simple().to_string());
    tracing::debug!(%prompt, "prompt rendered");
    let payload = agent_payload(ticket, &prompt);
    Ok(TicketCall {
        call: AgentCall {
            endpoint,
            session_id,
            payload: serde_json::to_vec(&payload).unwrap_or_default(),
            user_id,
            trace: inbound.trace.clone(),
            release_session: sessions.release.releases(continued),
        },
        payload,
    })
}

/// The `runtimeUserId` of a direct query, checked before anything else is looked up: a verified
/// token's user (the body may repeat it, never name another), else the body's `user_id` from a
/// caller trusted to name users.
pub fn query_user(
    user_ids: Option<&UserIdSource>,
    principal: &Principal,
    request: &InvokeRequest,
) -> Result<Option<String>, BridgeError> {
    if let Some(verified) = principal.verified_user() {
        let verified = encode_user_id(verified).ok_or(BridgeError::InvalidToken)?;
        return match request.user_id.as_deref().map(encode_user_id) {
            Some(asked) if asked.as_deref() != Some(verified.as_str()) => {
                Err(BridgeError::UserNotAllowed)
            }
            _ => Ok(Some(verified)),
        };
    }
    match request.user_id.as_deref() {
        None => Ok(None),
        // A user id needs the InvokeAgentRuntimeForUser permission, which the template grants
        // only when user ids are switched on: refuse it rather than drop it silently.
        Some(_) if user_ids.is_none() => Err(invalid_user_id(
            "this deployment does not pass user ids to agents (AGENT_USER_ID_SOURCE is not set)",
        )),
        Some(_) if !principal.asserts_users() => Err(BridgeError::UserNotAllowed),
        Some(raw) => encode_user_id(raw).map(Some).ok_or_else(|| {
            invalid_user_id("is blank, or too long once non-ASCII characters are percent-encoded")
        }),
    }
}

/// The call for a direct query to the agent called `agent` at `endpoint`, as `user_id`. The
/// caller's session (or a fresh one) lives in the caller's namespace.
pub fn for_query(
    sessions: Sessions<'_>,
    endpoint: AgentEndpoint,
    agent: &str,
    request: &InvokeRequest,
    user_id: Option<String>,
    inbound: &Inbound,
) -> AgentCall {
    // A caller that names its session means to continue it; a fresh one is this query's alone.
    let continued = request.session_id.is_some();
    let given = request.session_id.clone().unwrap_or_else(|| {
        delivery_session_id("invoke", agent, &uuid::Uuid::new_v4().simple().to_string())
    });
    let session_id = caller_session_id(sessions.key, sessions.principal, &given);
    AgentCall {
        endpoint,
        session_id,
        payload: serde_json::to_vec(&request.agent_payload()).unwrap_or_default(),
        user_id,
        trace: inbound.trace.clone(),
        release_session: sessions.release.releases(continued),
    }
}

fn invalid_user_id(reason: &str) -> BridgeError {
    TicketError::InvalidField {
        field: "user_id".into(),
        reason: reason.into(),
    }
    .into()
}

/// The session for a delivery under the policy: fresh; the ticket's (keyed with the session
/// secret, so nobody computes it from the ticket number, and the delivering principal's own);
/// or the caller's, in its namespace. With it, whether a later delivery may continue it (a fresh
/// session is this delivery's alone).
fn session_for_ticket(
    sessions: Sessions<'_>,
    caller_session: &HeaderText,
    source: Source,
    ticket: &Ticket,
) -> Result<(String, bool), BridgeError> {
    let fresh = || {
        delivery_session_id(
            source.as_str(),
            &ticket.id,
            &uuid::Uuid::new_v4().simple().to_string(),
        )
    };
    match sessions.policy {
        SessionPolicy::PerDelivery => Ok((fresh(), false)),
        SessionPolicy::PerTicket { namespace } => Ok((
            keyed_ticket_session_id(
                sessions.key,
                sessions.principal,
                source.as_str(),
                namespace,
                &ticket.session_key(),
            ),
            true,
        )),
        SessionPolicy::CallerSupplied => {
            let continued = !matches!(caller_session, HeaderText::Absent);
            let given = match caller_session {
                HeaderText::Absent => fresh(),
                // Present but not readable as text (non-ASCII bytes): refused, never ignored.
                HeaderText::Unusable => {
                    return Err(BridgeError::InvalidSessionId(
                        ticket_prompt::InvalidSessionId,
                    ));
                }
                HeaderText::Text(id) => {
                    validate_session_id(id).map_err(BridgeError::InvalidSessionId)?;
                    id.clone()
                }
            };
            Ok((
                caller_session_id(sessions.key, sessions.principal, &given),
                continued,
            ))
        }
    }
}

/// `raw` as a `runtimeUserId`: trimmed, with characters outside printable ASCII percent-encoded;
/// `None` when nothing is left or the result is over AgentCore's limit.
fn encode_user_id(raw: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_trimmed_percent_encoded_and_capped() {
        assert_eq!(
            encode_user_id("  alice@example.com "),
            Some("alice@example.com".into())
        );
        assert_eq!(encode_user_id("José"), Some("Jos%C3%A9".into()));
        assert_eq!(encode_user_id("a\u{7}b"), Some("a%07b".into()));
        assert_eq!(encode_user_id("   "), None);
        assert_eq!(
            encode_user_id(&"x".repeat(USER_ID_MAX)).map(|u| u.len()),
            Some(USER_ID_MAX)
        );
        assert_eq!(
            encode_user_id(&"é".repeat(200)),
            None,
            "1,200 bytes once encoded"
        );
    }
}
