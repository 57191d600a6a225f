//! The direct invoke API's request body: `{query, session_id?, context?, parameters?, user_id?}`
//! → a validated [`InvokeRequest`] → the agent's payload.
//!
//! Unlike a ticket, the query is the caller's own prompt (an API-key holder talking to its agent),
//! so it is passed on as written, not fenced as untrusted data. Unknown fields are refused rather
//! than dropped: a caller who misspells `session_id` must not silently get a fresh session.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use crate::error::TicketError;
use crate::files::AttachedFile;
use crate::json::{parse_object, refuse_unknown_fields};
use crate::session::validate_session_id;

/// The longest `query` accepted, in characters (far above any prompt; the body cap is the
/// practical limit).
pub(crate) const QUERY_MAX_CHARS: usize = 200_000;
/// AgentCore's limit on `runtimeUserId`.
pub(crate) const USER_ID_MAX: usize = 1024;

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
    /// Checked attachments (direct agent invocations only; empty when none).
    pub files: Vec<AttachedFile>,
    /// Feature switches handed to the agent as is (direct agent invocations only).
    pub features: Option<Map<String, Value>>,
}

impl InvokeRequest {
    /// Parses and validates a request body.
    pub fn parse(body: &[u8]) -> Result<InvokeRequest, TicketError> {
        let mut obj = parse_object(body)?;
        refuse_unknown_fields(&obj, &FIELDS, "")?;
        let query = required_query(&mut obj, "query")?;
        let session_id = optional_session_id(&mut obj, "session_id")?;
        let user_id = optional_user_id(&mut obj, "user_id")?;
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
            files: vec![],
            features: None,
        })
    }

    /// The JSON document the agent receives: `{"prompt", "context"?, "parameters"?, "files"?,
    /// "features"?}`, each optional part only when present. Files travel as
    /// `{"name", "mime_type", "size_bytes", "content_base64"}` with padded standard base64, so
    /// agents decode one canonical form whatever the caller sent.
    pub fn agent_payload(&self) -> Value {
        let mut payload = json!({ "prompt": self.query });
        if let Some(c) = &self.context {
            payload["context"] = Value::Object(c.clone());
        }
        if let Some(p) = &self.parameters {
            payload["parameters"] = Value::Object(p.clone());
        }
        if !self.files.is_empty() {
            let files = self.files.iter().map(|f| {
                json!({
                    "name": f.name,
                    "mime_type": f.mime_type,
                    "size_bytes": f.content.len(),
                    "content_base64": BASE64.encode(&f.content),
                })
            });
            payload["files"] = Value::Array(files.collect());
        }
        if let Some(f) = &self.features {
            payload["features"] = Value::Object(f.clone());
        }
        payload
    }
}

/// The caller's message under `field`: a string, not blank, at most [`QUERY_MAX_CHARS`]
/// characters. A blank message is reported missing: the agent would have nothing to answer.
pub(crate) fn required_query(
    obj: &mut Map<String, Value>,
    field: &'static str,
) -> Result<String, TicketError> {
    let missing = || TicketError::MissingField {
        field,
        hint: " (the message for the agent)",
    };
    match obj.remove(field) {
        None | Some(Value::Null) => Err(missing()),
        Some(Value::String(q)) if q.trim().is_empty() => Err(missing()),
        Some(Value::String(q)) if q.chars().count() > QUERY_MAX_CHARS => Err(TicketError::invalid(
            field,
            format!("longer than {QUERY_MAX_CHARS} characters"),
        )),
        Some(Value::String(q)) => Ok(q),
        Some(_) => Err(TicketError::invalid(field, "must be a string")),
    }
}

/// The caller's session id under `field`, if any, checked by [`validate_session_id`].
pub(crate) fn optional_session_id(
    obj: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<String>, TicketError> {
    let session_id = optional_string(obj, field)?;
    if let Some(id) = &session_id {
        validate_session_id(id).map_err(|e| TicketError::invalid(field, e.to_string()))?;
    }
    Ok(session_id)
}

/// The end user's id under `field`, if any: 1-[`USER_ID_MAX`] bytes without control characters,
/// as AgentCore's `runtimeUserId` requires.
pub(crate) fn optional_user_id(
    obj: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<String>, TicketError> {
    let user_id = optional_string(obj, field)?;
    if let Some(id) = &user_id
        && (id.is_empty() || id.len() > USER_ID_MAX || id.chars().any(char::is_control))
    {
        return Err(TicketError::invalid(
            field,
            format!("must be 1-{USER_ID_MAX} bytes without control characters"),
        ));
    }
    Ok(user_id)
}

/// The string under `field`, if present and not null.
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

/// The JSON object under `field`, if present and not null.
pub(crate) fn optional_object(
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

    fn attached(name: &str, mime: &str, content: &[u8]) -> AttachedFile {
        AttachedFile {
            name: name.into(),
            mime_type: mime.into(),
            content: content.to_vec(),
        }
    }

    #[test]
    fn the_run_agent_body_still_refuses_files_and_features() {
        for body in [
            json!({"query": "q", "files": []}),
            json!({"query": "q", "features": {}}),
        ] {
            assert!(
                matches!(parse(body.clone()), Err(TicketError::InvalidField { .. })),
                "{body}"
            );
        }
        let r = parse(json!({"query": "q"})).unwrap();
        assert!(r.files.is_empty() && r.features.is_none());
    }

    #[test]
    fn files_and_features_reach_the_agent_payload_only_when_present() {
        let mut r = parse(json!({"query": "q"})).unwrap();
        assert_eq!(r.agent_payload(), json!({"prompt": "q"}));
        r.files = vec![
            attached("data.csv", "text/csv", b"a,b\n1,2\n"),
            attached("x.png", "image/png", &[0x89, b'P', b'N', b'G']),
        ];
        r.features = Some(
            json!({"verifyResponse": {"enabled": true}})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(
            r.agent_payload(),
            json!({
                "prompt": "q",
                "files": [
                    {"name": "data.csv", "mime_type": "text/csv", "size_bytes": 8,
                     "content_base64": "YSxiCjEsMgo="},
                    {"name": "x.png", "mime_type": "image/png", "size_bytes": 4,
                     "content_base64": "iVBORw=="},
                ],
                "features": {"verifyResponse": {"enabled": true}},
            })
        );
    }

    #[test]
    fn an_empty_features_object_is_still_passed_on() {
        let mut r = parse(json!({"query": "q"})).unwrap();
        r.features = Some(Map::new());
        assert_eq!(r.agent_payload(), json!({"prompt": "q", "features": {}}));
    }
}
