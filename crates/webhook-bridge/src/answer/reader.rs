//! Reading a whole answer into text, chunk by chunk, under the size cap (the webhook, the
//! buffered invoke API and the worker).

use super::decoder::{AnswerDecoder, Rest};
use super::document::{Answer, AnswerError, AnswerFormat};

/// Accumulates an answer chunk by chunk, enforcing the size cap as bytes arrive rather than
/// after an unbounded read.
#[derive(Debug)]
pub struct AnswerReader {
    decoder: AnswerDecoder,
    /// The answer so far, for event streams.
    streamed: Answer,
}

impl AnswerReader {
    /// A reader for `format` that refuses more than `limit` bytes.
    pub fn new(format: AnswerFormat, limit: usize) -> Self {
        AnswerReader {
            decoder: AnswerDecoder::new(format, limit),
            streamed: Answer::default(),
        }
    }

    /// Feeds one chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), AnswerError> {
        for piece in self.decoder.push(chunk)? {
            self.streamed.add(piece);
        }
        Ok(())
    }

    /// The answer's text.
    pub fn finish(self) -> Result<String, AnswerError> {
        self.finish_answer().map(|a| a.text)
    }

    /// The answer with what the agent sent besides its text: for a JSON object, its other
    /// top-level fields (`sources`, `confidence`, …) and `usage`; for a stream, the last
    /// `usage` event.
    pub fn finish_answer(self) -> Result<Answer, AnswerError> {
        let answer = match self.decoder.finish()? {
            Rest::Document(answer) => answer,
            Rest::Pieces(pieces) => {
                let mut answer = self.streamed;
                for piece in pieces {
                    answer.add(piece);
                }
                answer
            }
        };
        if answer.text.trim().is_empty() {
            return Err(AnswerError::Empty);
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        format: AnswerFormat,
        wire: &[u8],
        chunk: usize,
        limit: usize,
    ) -> Result<String, AnswerError> {
        let mut r = AnswerReader::new(format, limit);
        for c in wire.chunks(chunk) {
            r.push(c)?;
        }
        r.finish()
    }

    #[test]
    fn json_answers_read_across_chunks_and_tolerate_non_json() {
        assert_eq!(
            read(AnswerFormat::Json, br#"{"result": "abc"}"#, 3, 100).unwrap(),
            "abc"
        );
        assert_eq!(
            read(AnswerFormat::Json, b"not json at all", 4, 100).unwrap(),
            "not json at all"
        );
    }

    #[test]
    fn sse_strings_concatenate_and_markers_are_skipped() {
        let wire = b"data: \"Hello\"\n\ndata: {\"data\": \",\"}\n\ndata: \" world\"\n\ndata: {\"done\": true}\n\ndata: plain\n\n";
        for chunk in [1, 2, 5, 64] {
            assert_eq!(
                read(AnswerFormat::EventStream, wire, chunk, 1000).unwrap(),
                "Hello, worldplain"
            );
        }
    }

    #[test]
    fn in_band_errors_fail_the_answer() {
        let wire = b"data: \"partial\"\n\ndata: {\"error\": \"kaput\", \"message\": \"An error occurred during streaming\"}\n\n";
        let err = read(AnswerFormat::EventStream, wire, 7, 1000).unwrap_err();
        assert!(
            matches!(err, AnswerError::AgentReported(ref m) if m.contains("kaput")),
            "{err:?}"
        );
    }

    #[test]
    fn cap_is_enforced_while_reading() {
        let wire = vec![b'x'; 50];
        assert_eq!(
            read(AnswerFormat::Json, &wire, 10, 49),
            Err(AnswerError::TooLarge { limit: 49 })
        );
        assert!(read(AnswerFormat::Json, &wire, 10, 50).is_ok());
    }

    #[test]
    fn empty_answers_are_errors() {
        assert_eq!(
            read(AnswerFormat::Json, b"\"\"", 1, 10),
            Err(AnswerError::Empty)
        );
        assert_eq!(
            read(
                AnswerFormat::EventStream,
                b"data: {\"done\": true}\n\n",
                4,
                100
            ),
            Err(AnswerError::Empty)
        );
        assert_eq!(
            read(AnswerFormat::Json, b"", 1, 10),
            Err(AnswerError::Empty)
        );
    }
}
