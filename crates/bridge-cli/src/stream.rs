//! Splitting a streamed body into JSON payloads, whatever the chunk boundaries.
//!
//! The network delivers bytes in arbitrary pieces: a line (or a multi-byte UTF-8 character) can
//! be split across chunks, and one chunk can hold several lines. The decoders buffer the
//! unfinished tail and hand out only complete payloads, so text reaches the terminal as soon as
//! its line is complete and never garbled.

use crate::exit::CliError;

/// How the response body is framed, chosen from its Content-Type.
#[derive(Debug)]
pub enum Decoder {
    /// `application/x-ndjson`: one JSON object per line.
    Ndjson(LineBuffer),
    /// `text/event-stream`: JSON objects in `data:` fields, events ended by a blank line.
    Sse(SseDecoder),
}

impl Decoder {
    pub fn ndjson() -> Decoder {
        Decoder::Ndjson(LineBuffer::default())
    }

    pub fn sse() -> Decoder {
        Decoder::Sse(SseDecoder::default())
    }

    /// The payloads completed by this chunk.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, CliError> {
        match self {
            Decoder::Ndjson(lines) => Ok(lines
                .push(chunk)?
                .into_iter()
                .filter(|l| !l.trim().is_empty())
                .collect()),
            Decoder::Sse(sse) => sse.push(chunk),
        }
    }

    /// The payload left when the body ends without a final newline (or blank line).
    pub fn finish(&mut self) -> Result<Option<String>, CliError> {
        match self {
            Decoder::Ndjson(lines) => Ok(lines.finish()?.filter(|l| !l.trim().is_empty())),
            Decoder::Sse(sse) => sse.finish(),
        }
    }
}

/// Complete lines out of arbitrary chunks; `\n` or `\r\n` endings.
#[derive(Debug, Default)]
pub struct LineBuffer {
    pending: Vec<u8>,
}

impl LineBuffer {
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, CliError> {
        self.pending.extend_from_slice(chunk);
        let mut lines = Vec::new();
        // Lines are cut as bytes and decoded whole: a character split across chunks is only
        // decoded once both halves have arrived.
        while let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
            let rest = self.pending.split_off(pos + 1);
            let mut line = std::mem::replace(&mut self.pending, rest);
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push(utf8(line)?);
        }
        Ok(lines)
    }

    pub fn finish(&mut self) -> Result<Option<String>, CliError> {
        if self.pending.is_empty() {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.pending);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        utf8(line).map(Some)
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, CliError> {
    String::from_utf8(bytes)
        .map_err(|_| CliError::Transport("malformed response: the stream is not UTF-8".into()))
}

/// Server-sent events: the `data:` lines of each event joined by `\n`; comments (`:`) and the
/// other fields (`event`, `id`, `retry`) carry nothing this client needs.
#[derive(Debug, Default)]
pub struct SseDecoder {
    lines: LineBuffer,
    data: Option<String>,
}

impl SseDecoder {
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, CliError> {
        let mut events = Vec::new();
        for line in self.lines.push(chunk)? {
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
        }
        Ok(events)
    }

    /// A last event without its closing blank line is still delivered: a server that closes
    /// right after `data: {"done":true}` has said everything it meant to.
    pub fn finish(&mut self) -> Result<Option<String>, CliError> {
        if let Some(line) = self.lines.finish()? {
            self.line(&line);
        }
        Ok(self.data.take())
    }

    fn line(&mut self, line: &str) -> Option<String> {
        if line.is_empty() {
            return self.data.take();
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if field == "data" {
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `body` cut at every possible pair of positions and checks the payloads never change.
    fn every_split(mut decoder: impl FnMut() -> Decoder, body: &[u8], expected: &[&str]) {
        for i in 0..=body.len() {
            for j in i..=body.len() {
                let mut d = decoder();
                let mut got = Vec::new();
                for part in [&body[..i], &body[i..j], &body[j..]] {
                    got.extend(d.push(part).unwrap());
                }
                got.extend(d.finish().unwrap());
                assert_eq!(got, expected, "split at {i} and {j}");
            }
        }
    }

    #[test]
    fn ndjson_lines_survive_any_chunking() {
        let body = "{\"content\":\"Hé\"}\n\r\n{\"heartbeat\":true}\r\n{\"done\":true}\n";
        every_split(
            Decoder::ndjson,
            body.as_bytes(),
            &[
                "{\"content\":\"Hé\"}",
                "{\"heartbeat\":true}",
                "{\"done\":true}",
            ],
        );
    }

    #[test]
    fn ndjson_last_line_without_newline_is_kept() {
        every_split(
            Decoder::ndjson,
            b"{\"content\":\"a\"}\n{\"done\":true}",
            &["{\"content\":\"a\"}", "{\"done\":true}"],
        );
    }

    #[test]
    fn a_line_is_only_released_once_complete() {
        let mut d = Decoder::ndjson();
        assert!(d.push(b"{\"content\":\"Hel").unwrap().is_empty());
        assert_eq!(
            d.push(b"lo\"}\n{\"con").unwrap(),
            ["{\"content\":\"Hello\"}"]
        );
        assert_eq!(d.finish().unwrap().as_deref(), Some("{\"con"));
    }

    #[test]
    fn sse_events_survive_any_chunking() {
        let body = ": keep-alive\n\nevent: message\ndata: {\"content\":\"é\"}\n\n\
                    data:{\"a\":\ndata: 1}\r\n\r\nid: 3\ndata: {\"done\":true}\n\n";
        every_split(
            Decoder::sse,
            body.as_bytes(),
            &["{\"content\":\"é\"}", "{\"a\":\n1}", "{\"done\":true}"],
        );
    }

    #[test]
    fn sse_last_event_without_blank_line_is_delivered() {
        every_split(
            Decoder::sse,
            b"data: {\"content\":\"x\"}\n\ndata: {\"done\":true}\n",
            &["{\"content\":\"x\"}", "{\"done\":true}"],
        );
    }

    #[test]
    fn invalid_utf8_is_a_transport_error() {
        let mut d = Decoder::ndjson();
        let err = d.push(b"\xff\xfe\n").unwrap_err();
        assert_eq!(err.exit_code(), crate::exit::TRANSPORT);
    }
}
