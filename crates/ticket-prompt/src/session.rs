//! Runtime session ids for `InvokeAgentRuntime`.
//!
//! AgentCore accepts 33–256 characters on the request, but echoes the id in a response header
//! whose model allows only 1–100 characters of `[a-zA-Z0-9][a-zA-Z0-9-_]*`; ids made here stay
//! inside both, so nothing the bridge sends can be refused or mangled on the way back.

pub const SESSION_ID_MIN: usize = 33;
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
    fn short_inputs_are_padded_to_the_minimum() {
        let id = delivery_session_id("sn", "1", "2");
        assert_eq!(id.len(), SESSION_ID_MIN);
        assert!(id.starts_with("sn-1-2"));
    }
}
