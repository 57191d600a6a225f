//! The agent's answer on the way back: server-sent events decoded as bytes arrive, a JSON or
//! SSE answer read into text under a size cap, and the frames the streaming entry point writes.

mod sse;
mod usage;

mod document;

mod decoder;

mod frames;
mod reader;

pub use document::{Answer, AnswerError, AnswerFormat};
pub use frames::{Frame, Framing, StreamTranslator};
pub use reader::AnswerReader;
pub use sse::SseDecoder;
