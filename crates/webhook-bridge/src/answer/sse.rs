//! Incremental `text/event-stream` decoding: bytes in as they arrive, complete events' data out.
//! Network chunks do not respect event, line or UTF-8 boundaries, so bytes are buffered until a
//! line ends, and an event is emitted at the blank line that closes it.

/// Decodes one event stream; feed it chunks in order.
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    data: Vec<String>,
}

impl SseDecoder {
    /// Feeds a chunk; returns the `data` of every event it completed, in order. Multi-line data
    /// is joined with `\n` as the SSE specification says; comments and other fields are skipped.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut events = Vec::new();
        for &b in chunk {
            if b == b'\n' {
                let line = std::mem::take(&mut self.line);
                if let Some(event) = self.take_line(&line) {
                    events.push(event);
                }
            } else {
                self.line.push(b);
            }
        }
        events
    }

    /// Ends the stream: an unterminated last event still counts.
    pub fn finish(mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        let from_line = self.take_line(&line);
        from_line.or_else(|| self.dispatch())
    }

    fn take_line(&mut self, raw: &[u8]) -> Option<String> {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            return self.dispatch();
        }
        let line = String::from_utf8_lossy(raw);
        // "data" alone or "data:…"; other fields that merely start with "data" are not data.
        if let Some(value) = line.strip_prefix("data")
            && (value.is_empty() || value.starts_with(':'))
        {
            let value = value.strip_prefix(':').unwrap_or(value);
            self.data
                .push(value.strip_prefix(' ').unwrap_or(value).to_owned());
        }
        None
    }

    fn dispatch(&mut self) -> Option<String> {
        if self.data.is_empty() {
            return None;
        }
        Some(std::mem::take(&mut self.data).join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_chunks(wire: &[u8], chunk: usize) -> Vec<String> {
        let mut d = SseDecoder::default();
        let mut out: Vec<String> = wire.chunks(chunk).flat_map(|c| d.push(c)).collect();
        out.extend(d.finish());
        out
    }

    #[test]
    fn events_survive_any_chunking() {
        let wire = "data: \"Hello\"\n\ndata: \" wörld\"\n\n: comment\nevent: x\nid: 7\ndata: {\"done\": true}\n\n".as_bytes();
        let want = vec!["\"Hello\"", "\" wörld\"", "{\"done\": true}"];
        for chunk in 1..=wire.len() {
            assert_eq!(decode_in_chunks(wire, chunk), want, "chunk size {chunk}");
        }
    }

    #[test]
    fn crlf_multiline_and_no_space() {
        let wire = b"data:a\r\ndata: b\r\n\r\ndata\n\n";
        assert_eq!(decode_in_chunks(wire, 3), vec!["a\nb", ""]);
    }

    #[test]
    fn final_event_without_blank_line_is_kept() {
        assert_eq!(decode_in_chunks(b"data: 1\n\ndata: 2", 4), vec!["1", "2"]);
        assert_eq!(decode_in_chunks(b"data: 1\n\ndata: 2\n", 4), vec!["1", "2"]);
    }

    #[test]
    fn lines_that_only_look_like_data_are_ignored() {
        assert_eq!(
            decode_in_chunks(b"database: x\n\n", 5),
            Vec::<String>::new()
        );
    }
}
