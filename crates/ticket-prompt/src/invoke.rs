//! The direct invoke API's request body: `{query, session_id?, context?, parameters?, user_id?}`
//! → a validated [`InvokeRequest`] → the agent's payload.
//!
//! Unlike a ticket, the query is the caller's own prompt (an API-key holder talking to its agent),
//! so it is passed on as written, not fenced as untrusted data. Unknown fields are refused rather
//! than dropped: a caller who misspells `session_id` must not silently get a fresh session.

use serde_json::{Map, Value, json};

use crate::error::TicketError;
use crate::json::parse_object;
use crate::session::validate_session_id;

/// The longest `query` accepted, in characters (far above any prompt; the body cap is the
/// practical limit).
const QUERY_MAX_CHARS: usize = 200_000;
/// AgentCore's limit on `runtimeUserId`.
const USER_ID_MAX: usize = 1024;

/// Every field a request may carry.
const FIELDS: [&str; 5] = ["query", "session_id", "context", "parameters", "user_id"];

/// A checked invoke request.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeRequest {
    /// The caller's message for the agent, passed on as written (never empty or blank).
    pub query: String,
    /// The caller's session, to continue a conversation; validated like `X-Agent-Session-Id`.
    pub session_id: Option<String>,
    /// Free-form JSON object handed to the agent as is.
    pub context: Option<Map<String, Value>>,
    /// Model parameters; the well-known ones are range-checked, others passed through.
    pub parameters: Option<Map<String, Value>>,
    /// The end user the agent acts for (AgentCore's `runtimeUserId`): 1-1024 bytes, no control
    /// characters.
    pub user_id: Option<String>,
}

impl InvokeRequest {
    /// Parses and validates a request body.
    pub fn parse(body: &[u8]) -> Result<InvokeRequest, TicketError> {
        let mut obj = parse_object(body)?;
        if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(TicketError::invalid(
                &shown(unknown),
                format!("unknown field; expected one of {}", FIELDS.join(", ")),
            ));
        }
        let query = match obj.remove("query") {
            None | Some(Value::Null) => return Err(missing_query()),
            Some(Value::String(q)) if q.trim().is_empty() => return Err(missing_query()),
            Some(Value::String(q)) if q.chars().count() > QUERY_MAX_CHARS => {
                return Err(TicketError::invalid(
                    "query",
                    format!("longer than {QUERY_MAX_CHARS} characters"),
                ));
            }
            Some(Value::String(q)) => q,
            Some(_) => return Err(TicketError::invalid("query", "must be a string")),
        };
        let session_id = optional_string(&mut obj, "session_id")?;
        if let Some(id) = &session_id {
            validate_session_id(id)
                .map_err(|e| TicketError::invalid("session_id", e.to_string()))?;
        }
        let user_id = optional_string(&mut obj, "user_id")?;
        if let Some(id) = &user_id
            && (id.is_empty() || id.len() > USER_ID_MAX || id.chars().any(char::is_control))
        {
            return Err(TicketError::invalid(
                "user_id",
                format!("must be 1-{USER_ID_MAX} bytes without control characters"),
            ));
        }
        let context = optional_object(&mut obj, "context")?;
        let parameters = optional_object(&mut obj, "parameters")?;
        if let Some(p) = &parameters {
            check_parameters(p)?;
        }
        Ok(InvokeRequest {
            query,
            session_id,
            context,
            parameters,
            user_id,
        })
    }

    /// The JSON document the agent receives: `{"prompt", "context"?, "parameters"?}`.
    pub fn agent_payload(&self) -> Value {
        let mut payload = json!({ "prompt": self.query });
        if let Some(c) = &self.context {
            payload["context"] = Value::Object(c.clone());
        }
        if let Some(p) = &self.parameters {
            payload["parameters"] = Value::Object(p.clone());
        }
        payload
    }
}

fn missing_query() -> TicketError {
    TicketError::MissingField {
        field: "query",
        hint: " (the message for the agent)",
    }
}

fn optional_string(
    obj: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<String>, TicketError> {
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TicketError::invalid(field, "must be a string")),
    }
}

fn optional_object(
    obj: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<Map<String, Value>>, TicketError> {
    match obj.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(TicketError::invalid(field, "must be a JSON object")),
    }
}

/// Range checks for the parameters most agents understand; a typo'd value fails here with a
/// clear message instead of deep inside the model call.
fn check_parameters(p: &Map<String, Value>) -> Result<(), TicketError> {
    let number_in = |key: &str, min: f64, max: f64| -> Result<(), TicketError> {
        match p.get(key) {
            None | Some(Value::Null) => Ok(()),
            Some(v) => match v.as_f64() {
                Some(n) if (min..=max).contains(&n) => Ok(()),
                _ => Err(TicketError::invalid(
                    &format!("parameters.{key}"),
                    format!("must be a number from {min} to {max}"),
                )),
            },
        }
    };
    number_in("temperature", 0.0, 2.0)?;
    number_in("top_p", 0.0, 1.0)?;
    match p.get("max_tokens") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=1_000_000).contains(&n) => Ok(()),
            _ => Err(TicketError::invalid(
                "parameters.max_tokens",
                "must be a whole number from 1 to 1000000",
            )),
        },
    }
}

/// A field name fit to echo back: printable ASCII, at most 40 characters.
fn shown(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<InvokeRequest, TicketError> {
        InvokeRequest::parse(v.to_string().as_bytes())
    }

    const SESSION: &str = "cli-session-0123456789abcdef0123456789";

    #[test]
    fn a_full_request_round_trips_into_the_agent_payload() {
        let r = parse(json!({
            "query": "Why is checkout slow?",
            "session_id": SESSION,
            "context": {"service": "checkout"},
            "parameters": {"temperature": 0.2, "max_tokens": 512, "style": "terse"},
            "user_id": "alice@example.com",
        }))
        .unwrap();
        assert_eq!(r.query, "Why is checkout slow?");
        assert_eq!(r.session_id.as_deref(), Some(SESSION));
        assert_eq!(r.user_id.as_deref(), Some("alice@example.com"));
        assert_eq!(
            r.agent_payload(),
            json!({
                "prompt": "Why is checkout slow?",
                "context": {"service": "checkout"},
                "parameters": {"temperature": 0.2, "max_tokens": 512, "style": "terse"},
            })
        );
    }

    #[test]
    fn a_minimal_request_sends_only_the_prompt() {
        let r = parse(json!({"query": "hi", "session_id": null})).unwrap();
        assert_eq!(r.agent_payload(), json!({"prompt": "hi"}));
        assert_eq!(r.session_id, None);
    }

    #[test]
    fn query_is_required_and_must_be_text() {
        for body in [json!({}), json!({"query": "  "}), json!({"query": null})] {
            assert!(
                matches!(
                    parse(body.clone()),
                    Err(TicketError::MissingField { field: "query", .. })
                ),
                "{body}"
            );
        }
        assert!(matches!(
            parse(json!({"query": 5})),
            Err(TicketError::InvalidField { ref field, .. }) if field == "query"
        ));
        let long = "x".repeat(QUERY_MAX_CHARS + 1);
        assert!(matches!(
            parse(json!({"query": long})),
            Err(TicketError::InvalidField { ref field, .. }) if field == "query"
        ));
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        assert!(matches!(
            InvokeRequest::parse(b"{not json"),
            Err(TicketError::InvalidJson(_))
        ));
        assert!(matches!(
            InvokeRequest::parse(b"[\"query\"]"),
            Err(TicketError::NotAnObject)
        ));
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let err = parse(json!({"query": "q", "sessionId": SESSION})).unwrap_err();
        assert!(
            matches!(err, TicketError::InvalidField { ref field, .. } if field == "sessionId"),
            "{err:?}"
        );
    }

    #[test]
    fn field_types_and_ranges_are_checked() {
        let bad = [
            (
                json!({"query": "q", "session_id": "has spaces"}),
                "session_id",
            ),
            (json!({"query": "q", "session_id": ""}), "session_id"),
            (json!({"query": "q", "session_id": 7}), "session_id"),
            (json!({"query": "q", "context": "text"}), "context"),
            (json!({"query": "q", "parameters": [1]}), "parameters"),
            (
                json!({"query": "q", "parameters": {"temperature": 3}}),
                "parameters.temperature",
            ),
            (
                json!({"query": "q", "parameters": {"temperature": "hot"}}),
                "parameters.temperature",
            ),
            (
                json!({"query": "q", "parameters": {"top_p": -0.1}}),
                "parameters.top_p",
            ),
            (
                json!({"query": "q", "parameters": {"max_tokens": 0}}),
                "parameters.max_tokens",
            ),
            (
                json!({"query": "q", "parameters": {"max_tokens": 1.5}}),
                "parameters.max_tokens",
            ),
            (json!({"query": "q", "user_id": ""}), "user_id"),
            (json!({"query": "q", "user_id": "a\u{7}b"}), "user_id"),
            (
                json!({"query": "q", "user_id": "u".repeat(USER_ID_MAX + 1)}),
                "user_id",
            ),
        ];
        for (body, field) in bad {
            match parse(body.clone()) {
                Err(TicketError::InvalidField { field: f, .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
    }
}
