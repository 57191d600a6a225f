//! Runtime session ids for `InvokeAgentRuntime`.
//!
//! AgentCore accepts 33–256 characters on the request, but echoes the id in a response header
//! whose model allows only 1–100 characters of `[a-zA-Z0-9][a-zA-Z0-9-_]*`; ids made here stay
//! inside both, so nothing the bridge sends can be refused or mangled on the way back.

/// The shortest session id AgentCore accepts.
pub const SESSION_ID_MIN: usize = 33;
/// The longest session id made here: the most AgentCore's response header model allows.
pub const SESSION_ID_MAX: usize = 100;

/// A session id unique to one delivery: `{source}-{ticket}-{suffix}`. The source and ticket make
/// it readable in AgentCore and CloudWatch; the caller's random `suffix` (a UUID without dashes)
/// makes every delivery a fresh agent session, so retries and concurrent updates of one ticket
/// never share (and corrupt) one session's state.
pub fn delivery_session_id(source: &str, ticket_id: &str, suffix: &str) -> String {
    let source = safe_part(source, 16);
    let ticket = safe_part(ticket_id, 40);
    let suffix = safe_part(suffix, 40);
    let mut id = [source.as_str(), ticket.as_str(), suffix.as_str()]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("-");
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        id.insert(0, 's');
    }
    while id.len() < SESSION_ID_MIN {
        id.push('0');
    }
    id.truncate(SESSION_ID_MAX);
    id
}

/// A session id shared by every delivery about one ticket, so follow-ups (updates, new comments)
/// continue the agent's memory of that ticket: `{source}-{ticket}-{fingerprint}`, where the
/// fingerprint is 32 hex digits of SHA-256 over the namespace, source and ticket. The namespace
/// (one per sending instance, e.g. `acme-prod`) keeps equal ticket numbers from two instances
/// apart; the hash keeps the id stable across releases and platforms.
pub fn ticket_session_id(source: &str, namespace: &str, ticket_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(namespace.as_bytes())
        .chain_update([0])
        .chain_update(source.as_bytes())
        .chain_update([0])
        .chain_update(ticket_id.as_bytes())
        .finalize();
    let fingerprint: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    delivery_session_id(source, ticket_id, &fingerprint)
}

/// The session secret keying caller namespaces and ticket sessions: without it (local runs) the
/// ids are plain SHA-256 and can be computed by anyone who knows the inputs.
pub type SessionKey<'a> = Option<&'a [u8]>;

/// MAC of the NUL-separated `parts`: HMAC-SHA256 under `key`, or domain-separated SHA-256.
fn session_mac(key: SessionKey<'_>, parts: &[&str]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let joined = parts.join("\0");
    match key {
        Some(key) => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(joined.as_bytes());
            mac.finalize().into_bytes().into()
        }
        None => Sha256::new()
            .chain_update(b"agentcore-bridge-session\0")
            .chain_update(joined.as_bytes())
            .finalize()
            .into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A ticket's session keyed with the deployment's session secret and bound to the `principal`
/// that delivers it: like [`ticket_session_id`], but nobody without the secret can compute it
/// from the ticket's public number and join it, and two integrations of one source (two
/// instances numbering their tickets alike) never share one. With no key (local runs) it is
/// exactly [`ticket_session_id`].
pub fn keyed_ticket_session_id(
    key: SessionKey<'_>,
    principal: &str,
    source: &str,
    namespace: &str,
    ticket_id: &str,
) -> String {
    match key {
        None => ticket_session_id(source, namespace, ticket_id),
        Some(_) => {
            let mac = session_mac(key, &["ticket", principal, namespace, source, ticket_id]);
            delivery_session_id(source, ticket_id, &hex(&mac[..16]))
        }
    }
}

/// The agent session a caller means by `given`, inside that caller's own namespace:
/// `s-{namespace}-{session}`, where the namespace is 16 hex digits of the MAC of `principal` and
/// the session 48 of the MAC of `principal` and `given`. The same principal and name always give
/// the same session; two principals never share one. A name already in the caller's namespace
/// (one an answer returned) is the session itself, so answers can be sent back as they are.
pub fn caller_session_id(key: SessionKey<'_>, principal: &str, given: &str) -> String {
    let prefix = format!(
        "s-{}-",
        hex(&session_mac(key, &["namespace", principal])[..8])
    );
    let session = given.strip_prefix(prefix.as_str());
    if session.is_some_and(|s| s.len() == 48 && s.bytes().all(|b| b.is_ascii_hexdigit())) {
        return given.to_owned();
    }
    let mac = session_mac(key, &["session", principal, given]);
    format!("{prefix}{}", hex(&mac[..24]))
}

/// Why a caller-supplied session id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session id must be 1-{CALLER_SESSION_ID_MAX} characters of A-Z, a-z, 0-9, '_' or '-'")]
pub struct InvalidSessionId;

/// The longest session id a caller may supply (AgentCore's input limit).
pub const CALLER_SESSION_ID_MAX: usize = 256;

/// Checks a caller-supplied session id: 1–256 characters (any conversation id a client keeps,
/// such as run-agent.ai's `user-123-session`), in a charset that is safe in headers and logs.
/// It never reaches AgentCore as given: [`caller_session_id`] maps it into the caller's
/// namespace, an id AgentCore accepts.
pub fn validate_session_id(id: &str) -> Result<(), InvalidSessionId> {
    let ok_len = (1..=CALLER_SESSION_ID_MAX).contains(&id.len());
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(InvalidSessionId)
    }
}

/// Keeps `[A-Za-z0-9_-]`, maps anything else to `_`, and cuts to `max` characters.
fn safe_part(raw: &str, max: usize) -> String {
    raw.chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_valid(id: &str) {
        assert!(
            (SESSION_ID_MIN..=SESSION_ID_MAX).contains(&id.len()),
            "{id} ({})",
            id.len()
        );
        assert!(id.starts_with(|c: char| c.is_ascii_alphanumeric()), "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{id}"
        );
    }

    #[test]
    fn readable_and_unique_per_suffix() {
        let a = delivery_session_id(
            "servicenow",
            "INC0010001",
            "0f8e2c6a4b1d4e7f9a3c5b7d9e1f2a3b",
        );
        assert_eq!(a, "servicenow-INC0010001-0f8e2c6a4b1d4e7f9a3c5b7d9e1f2a3b");
        assert_valid(&a);
        let b = delivery_session_id(
            "servicenow",
            "INC0010001",
            "1f8e2c6a4b1d4e7f9a3c5b7d9e1f2a3b",
        );
        assert_ne!(a, b);
    }

    #[test]
    fn always_within_bounds_and_charset() {
        let long = "x".repeat(500);
        let cases = [
            ("", "", ""),
            ("servicenow", "1", "a"),
            ("-", "-", "-"),
            ("servicenow", "INC 1/2:ü", "abc"),
            (long.as_str(), long.as_str(), long.as_str()),
            (
                "servicenow",
                "éééééééééééééééééééééééééééééééééééééééééé",
                "日本",
            ),
        ];
        for (s, t, x) in cases {
            assert_valid(&delivery_session_id(s, t, x));
        }
    }

    #[test]
    fn ticket_sessions_are_stable_per_ticket_and_namespace() {
        let a = ticket_session_id("servicenow", "acme-prod", "INC0010001");
        assert_eq!(
            a,
            ticket_session_id("servicenow", "acme-prod", "INC0010001")
        );
        assert_ne!(
            a,
            ticket_session_id("servicenow", "acme-test", "INC0010001")
        );
        assert_ne!(
            a,
            ticket_session_id("servicenow", "acme-prod", "INC0010002")
        );
        assert!(a.starts_with("servicenow-INC0010001-"), "{a}");
        assert_valid(&a);
        // Pinned: a different value here would orphan every stored agent session on upgrade.
        assert_eq!(
            ticket_session_id("servicenow", "default", "INC0010001"),
            "servicenow-INC0010001-08ae7395428a16d2afea8b771e65d7ec"
        );
    }

    #[test]
    fn caller_sessions_live_in_their_principals_namespace() {
        let key: &[u8] = b"deployment-session-secret";
        let a = caller_session_id(Some(key), "integration:ops-cli", "my-chat");
        assert_valid(&a);
        assert!(a.starts_with("s-") && a.len() == 67, "{a}");
        assert_eq!(
            a,
            caller_session_id(Some(key), "integration:ops-cli", "my-chat")
        );
        // Another principal naming the same session gets another one.
        let b = caller_session_id(Some(key), "integration:servicenow-prod", "my-chat");
        assert_ne!(a, b);
        // An answer's id sent back is the same session; sent by someone else it is not.
        assert_eq!(caller_session_id(Some(key), "integration:ops-cli", &a), a);
        assert_ne!(
            caller_session_id(Some(key), "integration:servicenow-prod", &a),
            a
        );
        // Without the secret the ids differ (and are computable: local runs only).
        assert_ne!(caller_session_id(None, "integration:ops-cli", "my-chat"), a);
    }

    #[test]
    fn keyed_ticket_sessions_need_the_secret_and_belong_to_their_principal() {
        let plain = ticket_session_id("servicenow", "default", "INC0010001");
        let keyed = |key: SessionKey<'_>, principal: &str| {
            keyed_ticket_session_id(key, principal, "servicenow", "default", "INC0010001")
        };
        assert_eq!(keyed(None, "integration:ServiceNow"), plain);
        let prod = keyed(Some(b"secret"), "integration:ServiceNowProd");
        assert_valid(&prod);
        assert_ne!(prod, plain, "not computable from public data");
        assert_eq!(prod, keyed(Some(b"secret"), "integration:ServiceNowProd"));
        assert_ne!(
            prod,
            keyed(Some(b"secret"), "integration:ServiceNowDev"),
            "another instance's INC0010001 is another session"
        );
        assert!(prod.starts_with("servicenow-INC0010001-"));
    }

    #[test]
    fn caller_session_ids_are_validated() {
        assert!(validate_session_id(&"a".repeat(33)).is_ok());
        assert!(validate_session_id(&"a-_9".repeat(64)).is_ok());
        // Any id a client keeps (run-agent.ai's example), however short: it is mapped anyway.
        assert!(validate_session_id("user-123-session").is_ok());
        assert!(validate_session_id("a").is_ok());
        assert!(validate_session_id("").is_err());
        assert!(validate_session_id(&"a".repeat(257)).is_err());
        assert!(validate_session_id(&format!("{}/x", "a".repeat(40))).is_err());
        assert!(validate_session_id(&format!("{} x", "a".repeat(40))).is_err());
    }

    #[test]
    fn short_inputs_are_padded_to_the_minimum() {
        let id = delivery_session_id("sn", "1", "2");
        assert_eq!(id.len(), SESSION_ID_MIN);
        assert!(id.starts_with("sn-1-2"));
    }
}
