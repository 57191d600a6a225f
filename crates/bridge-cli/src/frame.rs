//! The objects a streamed answer is made of, and printing them as they arrive.
//!
//! stdout carries only the agent's text, so `bridge invoke … > answer.txt` or a pipe gets the
//! answer and nothing else; everything about the answer (ids, heartbeats, errors) goes to stderr.
//! Both get the server's text through the `terminal` filter.

use std::io::Write;

use serde_json::Value;

use crate::exit::CliError;
use crate::terminal::{TerminalText, terminal_safe};

/// One streamed object.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// `{"content": "text"}`: the next piece of the answer.
    Content(String),
    /// `{"heartbeat": true}`: keeps idle connections (and proxies) from timing out.
    Heartbeat,
    /// `{"error": {"code", "message", "status"}}`: the agent failed mid-answer.
    Error { code: String, message: String },
    /// `{"done": true, "session_id", "request_id"}`: the answer is complete.
    Done {
        session_id: Option<String>,
        request_id: Option<String>,
    },
    /// Anything else: ignored, so newer servers can add object kinds.
    Unknown,
}

impl Frame {
    pub fn parse(payload: &str) -> Result<Frame, CliError> {
        let doc: Value = serde_json::from_str(payload).map_err(|e| {
            CliError::Transport(format!(
                "malformed response: a streamed line is not JSON ({e}): {}",
                payload.chars().take(120).collect::<String>()
            ))
        })?;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        if let Some(content) = doc.get("content").and_then(Value::as_str) {
            return Ok(Frame::Content(content.to_owned()));
        }
        if let Some(err) = doc.get("error") {
            return Ok(Frame::Error {
                code: text(err, "code").unwrap_or_else(|| "STREAM_ERROR".into()),
                message: text(err, "message").unwrap_or_else(|| err.to_string()),
            });
        }
        if doc.get("done").and_then(Value::as_bool) == Some(true) {
            return Ok(Frame::Done {
                session_id: text(&doc, "session_id"),
                request_id: text(&doc, "request_id"),
            });
        }
        if doc.get("heartbeat").and_then(Value::as_bool) == Some(true) {
            return Ok(Frame::Heartbeat);
        }
        Ok(Frame::Unknown)
    }
}

/// Whether to keep reading.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    Done,
}

/// Writes content to `out` as it arrives and everything else to `err`.
pub struct StreamPrinter<O, E> {
    out: O,
    err: E,
    verbose: bool,
    /// The answer's text filter, which remembers an escape sequence cut between two pieces.
    text: TerminalText,
    /// Whether stdout holds an unterminated answer, so a failure can end the line first.
    open_line: bool,
    done: bool,
}

impl<O: Write, E: Write> StreamPrinter<O, E> {
    pub fn new(out: O, err: E, verbose: bool) -> Self {
        StreamPrinter {
            out,
            err,
            verbose,
            text: TerminalText::default(),
            open_line: false,
            done: false,
        }
    }

    pub fn handle(&mut self, payload: &str) -> Result<Flow, CliError> {
        match Frame::parse(payload)? {
            Frame::Content(text) => {
                let text = self.text.filter(&text);
                if !text.is_empty() {
                    // Flushed per piece: the point of streaming is seeing the answer being written.
                    self.out.write_all(text.as_bytes()).map_err(stdout)?;
                    self.out.flush().map_err(stdout)?;
                    self.open_line = true;
                }
            }
            Frame::Heartbeat => {
                if self.verbose {
                    let _ = writeln!(self.err, "(heartbeat)");
                }
            }
            Frame::Unknown => {
                if self.verbose {
                    let _ = writeln!(self.err, "(ignored: {})", terminal_safe(payload));
                }
            }
            Frame::Error { code, message } => {
                // The failure is what matters, even if stdout is gone too.
                let _ = self.close_line();
                return Err(CliError::Failed(format!("{code}: {message}")));
            }
            Frame::Done {
                session_id,
                request_id,
            } => {
                writeln!(self.out).map_err(stdout)?;
                self.out.flush().map_err(stdout)?;
                self.open_line = false;
                self.done = true;
                let id = |v: Option<String>| v.map_or_else(|| "-".into(), |v| terminal_safe(&v));
                let _ = writeln!(
                    self.err,
                    "session: {} request: {}",
                    id(session_id),
                    id(request_id)
                );
                return Ok(Flow::Done);
            }
        }
        Ok(Flow::Continue)
    }

    /// The unterminated remainder at the end of the body. Not a whole JSON object means the
    /// connection was cut mid-line, which is reported as the cut, not as a parse error.
    pub fn finish_with(&mut self, tail: &str) -> Result<(), CliError> {
        if Frame::parse(tail).is_ok() && self.handle(tail)? == Flow::Done {
            return Ok(());
        }
        self.finish()
    }

    /// The body ended: without `done` the answer may be cut short, which must not look like
    /// success to a script.
    pub fn finish(&mut self) -> Result<(), CliError> {
        if self.done {
            return Ok(());
        }
        let _ = self.close_line();
        Err(CliError::Transport(
            "stream ended before the agent finished".into(),
        ))
    }

    /// Ends a partly written answer with a newline, so a failure message does not follow it on
    /// the same terminal line.
    pub fn close_line(&mut self) -> Result<(), CliError> {
        if self.open_line {
            writeln!(self.out).map_err(stdout)?;
            self.out.flush().map_err(stdout)?;
            self.open_line = false;
        }
        Ok(())
    }
}

fn stdout(e: std::io::Error) -> CliError {
    CliError::stdout(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit;

    fn run(payloads: &[&str]) -> (String, String, Result<(), CliError>) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let result = {
            let mut p = StreamPrinter::new(&mut out, &mut err, true);
            let mut result = Ok(());
            let mut done = false;
            for payload in payloads {
                match p.handle(payload) {
                    Ok(Flow::Done) => {
                        done = true;
                        break;
                    }
                    Ok(Flow::Continue) => {}
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            if result.is_ok() && !done {
                result = p.finish();
            }
            result
        };
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            result,
        )
    }

    #[test]
    fn content_goes_to_stdout_and_ids_to_stderr() {
        let (out, err, result) = run(&[
            r#"{"content":"Hello, "}"#,
            r#"{"heartbeat":true}"#,
            r#"{"content":"world"}"#,
            r#"{"done":true,"session_id":"s-1","request_id":"r-1"}"#,
        ]);
        result.unwrap();
        assert_eq!(out, "Hello, world\n");
        assert_eq!(err, "(heartbeat)\nsession: s-1 request: r-1\n");
    }

    /// Runs `payloads`, which must fail with `message` and exit `code`; returns stdout.
    fn failing(payloads: &[&str], message: &str, code: u8) -> String {
        let (out, _, result) = run(payloads);
        let err = result.unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(err.exit_code(), code);
        out
    }

    #[test]
    fn an_inline_error_is_an_agent_failure() {
        let out = failing(
            &[
                r#"{"content":"partial"}"#,
                r#"{"error":{"code":"AGENT_ERROR","message":"the agent crashed","status":502}}"#,
            ],
            "AGENT_ERROR: the agent crashed",
            exit::FAILED,
        );
        assert_eq!(out, "partial\n");
    }

    #[test]
    fn a_stream_without_done_is_an_error() {
        let out = failing(
            &[r#"{"content":"cut"}"#],
            "stream ended before the agent finished",
            exit::TRANSPORT,
        );
        assert_eq!(out, "cut\n");
    }

    #[test]
    fn a_line_cut_by_the_end_of_the_body_is_a_cut_stream() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut p = StreamPrinter::new(&mut out, &mut err, false);
        p.handle(r#"{"content":"a"}"#).unwrap();
        let e = p.finish_with(r#"{"content":"half an ans"#).unwrap_err();
        assert_eq!(e.to_string(), "stream ended before the agent finished");
        let mut p = StreamPrinter::new(&mut out, &mut err, false);
        p.finish_with(r#"{"done":true}"#).unwrap();
    }

    #[test]
    fn agent_text_and_ids_reach_the_terminal_inert() {
        let (out, err, result) = run(&[
            r#"{"content":"\u001b[31mred\u001b]8;;https://e"}"#,
            r#"{"content":"vil/\u0007link\u001b]8;;\u0007 ok\r\n"}"#,
            r#"{"done":true,"session_id":"s\u001b]0;x\u0007-1","request_id":"r\u009b2J-1"}"#,
        ]);
        result.unwrap();
        assert_eq!(out, "redlink ok\n\n");
        assert_eq!(err, "session: s-1 request: r-1\n");
    }

    #[test]
    fn a_piece_that_is_only_escapes_leaves_no_line_to_close() {
        let out = failing(
            &[r#"{"content":"\u001b[2J\u0008\r"}"#],
            "stream ended before the agent finished",
            exit::TRANSPORT,
        );
        assert_eq!(out, "");
    }

    #[test]
    fn a_non_json_line_is_malformed() {
        let (_, _, result) = run(&["<html>"]);
        assert_eq!(result.unwrap_err().exit_code(), exit::TRANSPORT);
    }

    #[test]
    fn unknown_objects_are_ignored() {
        assert_eq!(
            Frame::parse(r#"{"usage":{"tokens":3}}"#).unwrap(),
            Frame::Unknown
        );
        assert_eq!(Frame::parse(r#"{"done":false}"#).unwrap(), Frame::Unknown);
    }
}
