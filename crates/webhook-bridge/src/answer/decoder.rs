//! The part of reading an answer that buffering and streaming share: every byte counted against
//! the cap as it arrives, SSE events decoded into pieces at once, a JSON document kept until the
//! body ends.

use super::document::{Answer, AnswerError, AnswerFormat, EventPiece};
use super::sse::SseDecoder;

/// Bytes in, answer pieces out.
#[derive(Debug)]
pub struct AnswerDecoder {
    format: AnswerFormat,
    limit: usize,
    read: usize,
    sse: SseDecoder,
    json: Vec<u8>,
}

/// What is left when the body ends.
#[derive(Debug)]
pub enum Rest {
    /// A JSON answer, read whole.
    Document(Answer),
    /// The last events of a stream (an unterminated final event still counts).
    Pieces(Vec<EventPiece>),
}

impl AnswerDecoder {
    /// A decoder for `format` that refuses more than `limit` bytes.
    pub fn new(format: AnswerFormat, limit: usize) -> Self {
        AnswerDecoder {
            format,
            limit,
            read: 0,
            sse: SseDecoder::default(),
            json: Vec::new(),
        }
    }

    /// The pieces `chunk` completes (always none for a JSON answer, which is read whole).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<EventPiece>, AnswerError> {
        self.read += chunk.len();
        if self.read > self.limit {
            return Err(AnswerError::TooLarge { limit: self.limit });
        }
        match self.format {
            AnswerFormat::Json => {
                self.json.extend_from_slice(chunk);
                Ok(Vec::new())
            }
            AnswerFormat::EventStream => self
                .sse
                .push(chunk)
                .iter()
                .map(|data| EventPiece::parse(data))
                .collect(),
        }
    }

    /// Ends the body.
    pub fn finish(self) -> Result<Rest, AnswerError> {
        match self.format {
            AnswerFormat::Json => Ok(Rest::Document(Answer::from_bytes(&self.json))),
            AnswerFormat::EventStream => Ok(Rest::Pieces(
                self.sse
                    .finish()
                    .iter()
                    .map(|data| EventPiece::parse(data))
                    .collect::<Result<_, _>>()?,
            )),
        }
    }
}
