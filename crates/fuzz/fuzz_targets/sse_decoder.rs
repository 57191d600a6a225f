//! Any byte stream, cut anywhere: the SSE decoder and the answer reader never panic, and the
//! events decoded do not depend on where the network split the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_bridge::{AnswerFormat, AnswerReader, SseDecoder};

fuzz_target!(|input: (&[u8], u8)| {
    let (bytes, cut) = input;
    let whole = {
        let mut d = SseDecoder::default();
        let mut events = d.push(bytes);
        events.extend(d.finish());
        events
    };
    let split = {
        let mut d = SseDecoder::default();
        let at = (cut as usize).min(bytes.len());
        let mut events = d.push(&bytes[..at]);
        events.extend(d.push(&bytes[at..]));
        events.extend(d.finish());
        events
    };
    assert_eq!(whole, split);
    let mut reader = AnswerReader::new(AnswerFormat::EventStream, 1 << 20);
    if reader.push(bytes).is_ok() {
        let _ = reader.finish();
    }
});
