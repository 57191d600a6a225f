//! What the streaming entry point writes: the agent's answer, translated chunk by chunk into
//! NDJSON lines (`{"content"}`, `{"heartbeat"}`, `{"error"}`, a final `{"done"}`) or the same
//! objects as server-sent events. No I/O here: [`StreamTranslator`] turns AgentCore's bytes into
//! [`Frame`]s as they arrive, so nothing waits for the end of the answer.

use bytes::Bytes;
use serde_json::{Value, json};

use super::decoder::{AnswerDecoder, Rest};
use super::document::{AnswerError, AnswerFormat, EventPiece};

/// How frames are written on the wire, chosen from the caller's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `application/x-ndjson`: one JSON object per line.
    Ndjson,
    /// `text/event-stream`: each object in one `data:` event.
    Sse,
}

impl Framing {
    /// SSE when the caller accepts `text/event-stream`, NDJSON otherwise.
    pub fn from_accept(accept: Option<&str>) -> Framing {
        let wants_sse = accept.is_some_and(|a| {
            a.split(',').any(|part| {
                part.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/event-stream"))
            })
        });
        if wants_sse {
            Framing::Sse
        } else {
            Framing::Ndjson
        }
    }

    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Framing::Ndjson => "application/x-ndjson",
            Framing::Sse => "text/event-stream",
        }
    }

    /// One frame on the wire.
    pub fn encode(self, frame: &Frame) -> Bytes {
        let object = frame.to_json().to_string();
        match self {
            Framing::Ndjson => Bytes::from(format!("{object}\n")),
            Framing::Sse => Bytes::from(format!("data: {object}\n\n")),
        }
    }
}

/// One message to the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A piece of the answer's text.
    Content(String),
    /// Sent after a stretch of agent silence, so proxies and clients keep the connection.
    Heartbeat,
    /// A failure after the status line was sent: `{code, message, status}`.
    Error {
        /// The stable error code.
        code: &'static str,
        /// Caller-safe text.
        message: String,
        /// The status the error would have had before the stream began.
        status: u16,
    },
    /// The answer is complete.
    Done {
        /// The agent session, for follow-ups.
        session_id: String,
        /// The bridge's request id.
        request_id: String,
        /// The agent's usage report, when it sent one.
        usage: Option<Value>,
    },
}

impl Frame {
    /// The frame as the JSON object written on the wire.
    pub fn to_json(&self) -> Value {
        match self {
            Frame::Content(text) => json!({ "content": text }),
            Frame::Heartbeat => json!({ "heartbeat": true }),
            Frame::Error {
                code,
                message,
                status,
            } => json!({ "error": { "code": code, "message": message, "status": status } }),
            Frame::Done {
                session_id,
                request_id,
                usage,
            } => {
                let mut done =
                    json!({ "done": true, "session_id": session_id, "request_id": request_id });
                if let Some(u) = usage {
                    done["usage"] = u.clone();
                }
                done
            }
        }
    }
}

/// Turns the agent's body into content as it arrives. SSE answers are forwarded event by event;
/// a JSON answer is one document, so its text is forwarded once it is complete.
#[derive(Debug)]
pub struct StreamTranslator {
    decoder: AnswerDecoder,
    usage: Option<Value>,
}

impl StreamTranslator {
    /// A translator for `format` that refuses more than `limit` bytes.
    pub fn new(format: AnswerFormat, limit: usize) -> Self {
        StreamTranslator {
            decoder: AnswerDecoder::new(format, limit),
            usage: None,
        }
    }

    /// The content in `chunk`; the size cap counts every byte read.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, AnswerError> {
        let pieces = self.decoder.push(chunk)?;
        Ok(take(pieces, &mut self.usage))
    }

    /// The rest of the content at the end of the body, and the usage the agent reported.
    pub fn finish(self) -> Result<(Vec<String>, Option<Value>), AnswerError> {
        let StreamTranslator { decoder, mut usage } = self;
        let out = match decoder.finish()? {
            Rest::Document(answer) => {
                if answer.text.trim().is_empty() {
                    return Err(AnswerError::Empty);
                }
                usage = answer.usage;
                vec![answer.text]
            }
            Rest::Pieces(pieces) => take(pieces, &mut usage),
        };
        Ok((out, usage))
    }
}

/// The texts among `pieces`, keeping the last usage report in `usage`.
fn take(pieces: Vec<EventPiece>, usage: &mut Option<Value>) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            EventPiece::Text(t) if !t.is_empty() => out.push(t),
            EventPiece::Usage(u) => *usage = Some(u),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_chooses_the_framing() {
        assert_eq!(Framing::from_accept(None), Framing::Ndjson);
        assert_eq!(
            Framing::from_accept(Some("application/x-ndjson")),
            Framing::Ndjson
        );
        assert_eq!(
            Framing::from_accept(Some("application/json, Text/Event-Stream;q=0.9")),
            Framing::Sse
        );
    }

    #[test]
    fn frames_encode_as_lines_or_events() {
        let f = Frame::Content("a\nb".into());
        assert_eq!(
            Framing::Ndjson.encode(&f),
            Bytes::from("{\"content\":\"a\\nb\"}\n")
        );
        assert_eq!(
            Framing::Sse.encode(&Frame::Heartbeat),
            Bytes::from("data: {\"heartbeat\":true}\n\n")
        );
        let done = Frame::Done {
            session_id: "s".into(),
            request_id: "r".into(),
            usage: Some(json!({"output_tokens": 3})),
        };
        assert_eq!(
            done.to_json(),
            json!({"done": true, "session_id": "s", "request_id": "r", "usage": {"output_tokens": 3}})
        );
        let err = Frame::Error {
            code: "AGENT_FAILED",
            message: "m".into(),
            status: 502,
        };
        assert_eq!(
            err.to_json(),
            json!({"error": {"code": "AGENT_FAILED", "message": "m", "status": 502}})
        );
    }

    #[test]
    fn sse_content_is_forwarded_event_by_event_across_chunk_splits() {
        let wire = b"data: \"Hel\"\n\ndata: {\"usage\": {\"t\": 1}}\n\ndata: \"lo\"\n\ndata: {\"done\": true}\n\n";
        for size in [1, 3, 9, 40] {
            let mut t = StreamTranslator::new(AnswerFormat::EventStream, 1000);
            let mut seen = Vec::new();
            let mut first_seen_at = None;
            for (i, c) in wire.chunks(size).enumerate() {
                let out = t.push(c).unwrap();
                if !out.is_empty() && first_seen_at.is_none() {
                    first_seen_at = Some(i);
                }
                seen.extend(out);
            }
            let (rest, usage) = t.finish().unwrap();
            seen.extend(rest);
            assert_eq!(seen.concat(), "Hello", "chunk size {size}");
            assert_eq!(usage, Some(json!({"t": 1})));
            let chunks = wire.len().div_ceil(size);
            assert!(
                first_seen_at.unwrap() < chunks - 1,
                "the first event is out before the last chunk (size {size})"
            );
        }
    }

    #[test]
    fn a_json_answer_is_forwarded_whole_with_its_usage() {
        let mut t = StreamTranslator::new(AnswerFormat::Json, 1000);
        assert!(t.push(br#"{"result": "done", "usa"#).unwrap().is_empty());
        assert!(t.push(br#"ge": {"x": 2}}"#).unwrap().is_empty());
        let (out, usage) = t.finish().unwrap();
        assert_eq!(out, vec!["done".to_owned()]);
        assert_eq!(usage, Some(json!({"x": 2})));
    }

    #[test]
    fn errors_caps_and_empty_answers_fail() {
        let mut t = StreamTranslator::new(AnswerFormat::EventStream, 1000);
        assert!(matches!(
            t.push(b"data: {\"error\": \"boom\"}\n\n"),
            Err(AnswerError::AgentReported(_))
        ));
        let mut t = StreamTranslator::new(AnswerFormat::EventStream, 10);
        assert_eq!(
            t.push(b"data: \"0123456789\"\n\n"),
            Err(AnswerError::TooLarge { limit: 10 })
        );
        let t = StreamTranslator::new(AnswerFormat::Json, 10);
        assert_eq!(t.finish(), Err(AnswerError::Empty));
    }
}
