//! What an agent's answer means: its text, the other fields it sent, and its usage.
//!
//! `application/json`: a JSON string is the text; an object's first text field (`result`,
//! `response`, `analysis`, `output`, `message`, or Strands' `{"role", "content": [{"text"}]}`
//! under one of them) is the text; anything else is returned as compact JSON.
//! `text/event-stream`: each event's data is JSON-decoded; strings (and Strands' `{"data": …}`
//! deltas) are concatenated in order, `{"error": …}` is the agent reporting a failure, other
//! objects (progress or `{"done": true}` markers) carry no text. Data that is not JSON is text.

use serde_json::{Map, Value};
use thiserror::Error;

use super::usage::normalised;

const TEXT_KEYS: [&str; 5] = ["result", "response", "analysis", "output", "message"];

/// How AgentCore delivered the answer, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFormat {
    /// One JSON document (or plain text).
    Json,
    /// Server-sent events, read as they arrive.
    EventStream,
}

impl AnswerFormat {
    /// By media type, ignoring parameters (`text/event-stream; charset=utf-8`) and case.
    pub fn from_content_type(content_type: &str) -> AnswerFormat {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("text/event-stream") {
            AnswerFormat::EventStream
        } else {
            AnswerFormat::Json
        }
    }
}

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnswerError {
    /// More bytes than `MAX_ANSWER_BYTES` arrived; reading stopped there.
    #[error("the agent's answer exceeds {limit} bytes")]
    TooLarge {
        /// The configured cap.
        limit: usize,
    },
    /// An in-band `{"error": …}` event. The text is the agent's and goes to logs only.
    #[error("the agent reported an error while streaming: {0}")]
    AgentReported(String),
    /// Nothing but white space.
    #[error("the agent returned an empty answer")]
    Empty,
}

/// A complete answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The analysis or reply text.
    pub text: String,
    /// The agent's other fields, passed on to invoke API callers.
    pub extras: Map<String, Value>,
    /// Token counts (as `prompt_tokens`, `completion_tokens`, `total_tokens`) or cost, when the
    /// agent reports them.
    pub usage: Option<Value>,
}

impl Answer {
    fn text(text: String) -> Answer {
        Answer {
            text,
            ..Answer::default()
        }
    }

    /// A complete JSON answer; a body that is not JSON is taken as text.
    pub fn from_bytes(body: &[u8]) -> Answer {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => Answer::from_json(v),
            Err(_) => Answer::text(String::from_utf8_lossy(body).into_owned()),
        }
    }

    fn from_json(value: Value) -> Answer {
        let Value::Object(mut obj) = value else {
            return Answer::text(text_of(&value));
        };
        let usage = obj.remove("usage").filter(Value::is_object).map(normalised);
        let text_key = TEXT_KEYS
            .iter()
            .find(|k| obj.get(**k).and_then(nested_text).is_some());
        match text_key {
            Some(key) => Answer {
                text: obj
                    .remove(*key)
                    .as_ref()
                    .and_then(nested_text)
                    .unwrap_or_default(),
                extras: obj,
                usage,
            },
            None => Answer {
                text: compact(&Value::Object(obj)),
                extras: Map::new(),
                usage,
            },
        }
    }

    /// Appends what one event contributed.
    pub(crate) fn add(&mut self, piece: EventPiece) {
        match piece {
            EventPiece::Text(t) => self.text.push_str(&t),
            EventPiece::Usage(u) => self.usage = Some(u),
            EventPiece::Nothing => {}
        }
    }
}

/// What one server-sent event contributes to an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPiece {
    /// Text to append.
    Text(String),
    /// The agent's token counts or cost.
    Usage(Value),
    /// Progress or end markers (`{"done": true}`), and anything else without text.
    Nothing,
}

impl EventPiece {
    /// Reads one event's data (see the module docs); `{"error": …}` is the agent reporting
    /// failure.
    pub fn parse(data: &str) -> Result<EventPiece, AnswerError> {
        event_piece(data)
    }
}

fn event_piece(data: &str) -> Result<EventPiece, AnswerError> {
    match serde_json::from_str::<Value>(data) {
        Ok(Value::String(s)) => Ok(EventPiece::Text(s)),
        Ok(Value::Object(obj)) => {
            if let Some(err) = obj.get("error") {
                let detail = obj.get("message").and_then(Value::as_str).unwrap_or("");
                return Err(AnswerError::AgentReported(
                    format!("{} {detail}", compact(err)).trim().to_owned(),
                ));
            }
            if let Some(Value::String(s)) = obj.get("data") {
                return Ok(EventPiece::Text(s.clone()));
            }
            match obj.get("usage") {
                Some(u) if u.is_object() => Ok(EventPiece::Usage(normalised(u.clone()))),
                _ => Ok(EventPiece::Nothing),
            }
        }
        Ok(_) => Ok(EventPiece::Nothing),
        Err(_) => Ok(EventPiece::Text(data.to_owned())),
    }
}

/// The text a JSON answer carries (see the module docs).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(obj) => TEXT_KEYS
            .iter()
            .find_map(|k| obj.get(*k).and_then(nested_text))
            .unwrap_or_else(|| compact(value)),
        _ => compact(value),
    }
}

/// A string, or Strands' message shape `{"role": …, "content": [{"text": …}, …]}`.
fn nested_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(obj) => {
            let parts: Vec<&str> = obj
                .get("content")?
                .as_array()?
                .iter()
                .filter_map(|c| c.get("text").and_then(Value::as_str))
                .collect();
            (!parts.is_empty()).then(|| parts.concat())
        }
        _ => None,
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_type_detection_ignores_parameters_and_case() {
        assert_eq!(
            AnswerFormat::from_content_type("text/event-stream; charset=utf-8"),
            AnswerFormat::EventStream
        );
        assert_eq!(
            AnswerFormat::from_content_type("Text/Event-Stream"),
            AnswerFormat::EventStream
        );
        assert_eq!(
            AnswerFormat::from_content_type("application/json"),
            AnswerFormat::Json
        );
        assert_eq!(AnswerFormat::from_content_type(""), AnswerFormat::Json);
    }

    #[test]
    fn json_text_shapes() {
        assert_eq!(text_of(&json!("plain")), "plain");
        for key in TEXT_KEYS {
            assert_eq!(text_of(&json!({ key: "t", "other": 1 })), "t", "{key}");
        }
        let strands = json!({"result": {"role": "assistant", "content": [{"text": "Hello "}, {"text": "world"}]}});
        assert_eq!(text_of(&strands), "Hello world");
        assert_eq!(
            text_of(&json!({"summary": "x", "score": 2})),
            r#"{"score":2,"summary":"x"}"#
        );
        assert_eq!(text_of(&json!([1, 2])), "[1,2]");
        assert_eq!(
            text_of(&json!({"result": 5})),
            r#"{"result":5}"#,
            "non-text result falls back to JSON"
        );
    }
}
