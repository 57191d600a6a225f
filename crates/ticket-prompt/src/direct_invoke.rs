//! Pika's direct agent invocation body, verbatim: `{invocationMode?, message, agentId, userId?,
//! sessionId?, features?, files?}` → the agent it names and a checked [`InvokeRequest`].
//!
//! Field names are Pika's camelCase, and the checks are the run-agent body's (`message` is
//! `query`, `userId` is `user_id`, `sessionId` is `session_id`), so one agent sees the same
//! request whichever contract the caller speaks. Unknown fields are refused by name, as there.

use serde_json::Value;

use crate::error::TicketError;
use crate::files::parse_files;
use crate::invoke::{
    InvokeRequest, optional_object, optional_session_id, optional_user_id, required_query,
};
use crate::json::{parse_object, refuse_unknown_fields};

/// Every field the body may carry. `chatAppId` is listed only so that it is refused with its own
/// explanation rather than as unknown.
const FIELDS: [&str; 8] = [
    "invocationMode",
    "message",
    "agentId",
    "userId",
    "sessionId",
    "features",
    "files",
    "chatAppId",
];

/// The one invocation mode served: Pika's chat-app mode needs Pika's chat-app registry, which
/// the bridge does not have.
const DIRECT_MODE: &str = "direct-agent-invoke";

/// The longest `agentId`, in characters. Its charset is checked where it is resolved (the
/// webhook crate's agent directory); this cap only keeps hostile ids out of logs and lookups.
const AGENT_ID_MAX_CHARS: usize = 64;

/// A checked direct agent invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectInvoke {
    /// The agent the caller names (1-64 characters without control characters), still to be
    /// resolved through the agent directory.
    pub agent_id: String,
    /// The request for that agent; `context` and `parameters` are always `None`.
    pub request: InvokeRequest,
}

impl DirectInvoke {
    /// Parses and validates a Pika direct invocation body.
    pub fn parse(body: &[u8]) -> Result<DirectInvoke, TicketError> {
        let mut obj = parse_object(body)?;
        refuse_unknown_fields(&obj, &FIELDS, "")?;
        if obj.contains_key("chatAppId") {
            return Err(TicketError::invalid(
                "chatAppId",
                "chat apps are not served; send invocationMode direct-agent-invoke without chatAppId",
            ));
        }
        // Strict: any value but the served mode (null included) is a caller expecting
        // something else, who is better told than silently served.
        match obj.remove("invocationMode") {
            None => {}
            Some(Value::String(mode)) if mode == DIRECT_MODE => {}
            Some(_) => {
                return Err(TicketError::invalid(
                    "invocationMode",
                    "only direct-agent-invoke is served",
                ));
            }
        }
        let query = required_query(&mut obj, "message")?;
        let agent_id = agent_id(obj.remove("agentId"))?;
        let user_id = optional_user_id(&mut obj, "userId")?;
        let session_id = optional_session_id(&mut obj, "sessionId")?;
        let features = optional_object(&mut obj, "features")?;
        let files = match obj.remove("files") {
            None | Some(Value::Null) => vec![],
            Some(value) => parse_files(&value, "files")?,
        };
        Ok(DirectInvoke {
            agent_id,
            request: InvokeRequest {
                query,
                session_id,
                context: None,
                parameters: None,
                user_id,
                files,
                features,
            },
        })
    }
}

/// The required `agentId`: a non-blank string of at most [`AGENT_ID_MAX_CHARS`] characters
/// without control characters.
fn agent_id(value: Option<Value>) -> Result<String, TicketError> {
    let missing = TicketError::MissingField {
        field: "agentId",
        hint: " (the agent to invoke)",
    };
    match value {
        None | Some(Value::Null) => Err(missing),
        Some(Value::String(id)) if id.trim().is_empty() => Err(missing),
        Some(Value::String(id))
            if id.chars().count() > AGENT_ID_MAX_CHARS || id.chars().any(char::is_control) =>
        {
            Err(TicketError::invalid(
                "agentId",
                format!(
                    "must be at most {AGENT_ID_MAX_CHARS} characters without control characters"
                ),
            ))
        }
        Some(Value::String(id)) => Ok(id),
        Some(_) => Err(TicketError::invalid("agentId", "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::{QUERY_MAX_CHARS, USER_ID_MAX};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    const CSV: &str = "city,temperature_f\nSan Francisco,61\n";

    /// Pika's documented request, with a real base64 CSV.
    fn pika_request() -> Value {
        json!({
            "invocationMode": "direct-agent-invoke",
            "message": "What is the weather in San Francisco?",
            "agentId": "weather-agent-test",
            "userId": "123",
            "sessionId": "existing-session-id",
            "features": {
                "verifyResponse": {"enabled": true},
                "instructionAugmentation": {"enabled": true},
                "tags": {"tagsEnabled": []},
            },
            "files": [{
                "fileName": "data.csv",
                "fileContent": STANDARD.encode(CSV),
                "mimeType": "text/csv",
            }],
        })
    }

    fn parse(v: &Value) -> Result<DirectInvoke, TicketError> {
        DirectInvoke::parse(v.to_string().as_bytes())
    }

    /// Pika's request with `key` set to `value` (or removed, for `None`).
    fn with(key: &str, value: Option<Value>) -> Value {
        let mut body = pika_request();
        let obj = body.as_object_mut().unwrap();
        match value {
            Some(v) => obj.insert(key.into(), v),
            None => obj.remove(key),
        };
        body
    }

    /// The refused field, asserting the error is `InvalidField`.
    fn invalid_field(body: &Value) -> String {
        match parse(body) {
            Err(TicketError::InvalidField { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn pikas_documented_request_parses_into_the_request_and_payload() {
        let d = parse(&pika_request()).unwrap();
        assert_eq!(d.agent_id, "weather-agent-test");
        let r = &d.request;
        assert_eq!(r.query, "What is the weather in San Francisco?");
        assert_eq!(r.user_id.as_deref(), Some("123"));
        assert_eq!(r.session_id.as_deref(), Some("existing-session-id"));
        assert_eq!((&r.context, &r.parameters), (&None, &None));
        assert_eq!(r.files.len(), 1);
        assert_eq!(r.files[0].name, "data.csv");
        assert_eq!(r.files[0].mime_type, "text/csv");
        assert_eq!(r.files[0].content, CSV.as_bytes());
        assert_eq!(
            r.agent_payload(),
            json!({
                "prompt": "What is the weather in San Francisco?",
                "files": [{
                    "name": "data.csv",
                    "mime_type": "text/csv",
                    "size_bytes": CSV.len(),
                    "content_base64": STANDARD.encode(CSV),
                }],
                "features": {
                    "verifyResponse": {"enabled": true},
                    "instructionAugmentation": {"enabled": true},
                    "tags": {"tagsEnabled": []},
                },
            })
        );
    }

    #[test]
    fn only_message_and_agent_id_are_required() {
        let d = parse(&json!({"message": "hi", "agentId": "a"})).unwrap();
        assert_eq!(d.agent_id, "a");
        assert!(d.request.files.is_empty() && d.request.features.is_none());
        assert_eq!(d.request.agent_payload(), json!({"prompt": "hi"}));
        let nulls = json!({"message": "hi", "agentId": "a", "userId": null, "sessionId": null,
                           "features": null, "files": null});
        assert_eq!(parse(&nulls).unwrap(), d);
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        assert_eq!(invalid_field(&with("query", Some(json!("q")))), "query");
        assert_eq!(
            invalid_field(&with("session_id", Some(json!("s")))),
            "session_id"
        );
    }

    #[test]
    fn any_mode_but_direct_agent_invoke_is_refused() {
        for mode in [
            json!("chat-app"),
            json!("DIRECT-AGENT-INVOKE"),
            json!(5),
            Value::Null,
        ] {
            assert_eq!(
                invalid_field(&with("invocationMode", Some(mode))),
                "invocationMode"
            );
        }
        assert!(parse(&with("invocationMode", None)).is_ok());
    }

    #[test]
    fn a_chat_app_id_is_refused_whatever_its_value() {
        for value in [json!("weather-chat"), Value::Null] {
            let err = parse(&with("chatAppId", Some(value))).unwrap_err();
            assert!(
                matches!(err, TicketError::InvalidField { ref field, ref reason }
                    if field == "chatAppId" && reason.contains("not served")),
                "{err:?}"
            );
        }
    }

    #[test]
    fn message_is_required_and_named_message() {
        for value in [None, Some(Value::Null), Some(json!("  \n"))] {
            assert!(
                matches!(
                    parse(&with("message", value.clone())),
                    Err(TicketError::MissingField {
                        field: "message",
                        ..
                    })
                ),
                "{value:?}"
            );
        }
        assert_eq!(
            invalid_field(&with("message", Some(json!(["q"])))),
            "message"
        );
        let long = "x".repeat(QUERY_MAX_CHARS + 1);
        assert_eq!(
            invalid_field(&with("message", Some(json!(long)))),
            "message"
        );
    }

    #[test]
    fn agent_id_is_required_short_and_free_of_control_characters() {
        for value in [None, Some(Value::Null), Some(json!("")), Some(json!(" "))] {
            assert!(
                matches!(
                    parse(&with("agentId", value.clone())),
                    Err(TicketError::MissingField {
                        field: "agentId",
                        ..
                    })
                ),
                "{value:?}"
            );
        }
        let longest = "a".repeat(AGENT_ID_MAX_CHARS);
        assert!(parse(&with("agentId", Some(json!(longest)))).is_ok());
        for bad in [
            json!("a".repeat(AGENT_ID_MAX_CHARS + 1)),
            json!("a\u{7}b"),
            json!(7),
        ] {
            assert_eq!(invalid_field(&with("agentId", Some(bad))), "agentId");
        }
    }

    #[test]
    fn user_and_session_ids_are_checked_under_their_names() {
        for bad in [
            json!(""),
            json!("a\nb"),
            json!("u".repeat(USER_ID_MAX + 1)),
            json!(123),
        ] {
            assert_eq!(invalid_field(&with("userId", Some(bad))), "userId");
        }
        for bad in [json!(""), json!("has spaces"), json!("a/b"), json!(1)] {
            assert_eq!(invalid_field(&with("sessionId", Some(bad))), "sessionId");
        }
    }

    #[test]
    fn features_must_be_an_object() {
        assert_eq!(
            invalid_field(&with("features", Some(json!([])))),
            "features"
        );
        assert_eq!(
            invalid_field(&with("features", Some(json!("on")))),
            "features"
        );
    }

    #[test]
    fn file_refusals_name_the_file_field() {
        let file = |name: &str, mime: &str, content: &[u8]| json!({"fileName": name, "fileContent": STANDARD.encode(content), "mimeType": mime});
        let cases = [
            (
                json!([file("../etc/passwd", "text/plain", b"root")]),
                "files[0].fileName",
            ),
            (
                json!([file("a.txt", "text/plain", b"")]),
                "files[0].fileContent",
            ),
            (json!(vec![file("a.txt", "text/plain", b"a"); 6]), "files"),
            (json!("data.csv"), "files"),
        ];
        for (files, field) in cases {
            assert_eq!(invalid_field(&with("files", Some(files))), field);
        }
        let err = parse(&with(
            "files",
            Some(json!([
                file("a.csv", "text/csv", b"a"),
                file("run.exe", "application/x-msdownload", b"MZ")
            ])),
        ))
        .unwrap_err();
        assert!(
            matches!(err, TicketError::UnsupportedFileType { ref field, .. } if field == "files[1].mimeType"),
            "{err:?}"
        );
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        assert!(matches!(
            DirectInvoke::parse(b"{"),
            Err(TicketError::InvalidJson(_))
        ));
        assert!(matches!(
            DirectInvoke::parse(b"[]"),
            Err(TicketError::NotAnObject)
        ));
    }
}
