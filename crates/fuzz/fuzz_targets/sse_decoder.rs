//! Any byte stream, cut anywhere: the SSE decoder and the answer reader never panic, and the
//! events decoded do not depend on where the network split the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The bridge's own answer module, compiled here from its source file: it is pure (serde_json,
// thiserror, bytes), while linking the `webhook-bridge` crate would build the AWS SDK with
// sanitizers (17 min on these machines), too slow for `make test`. Items the target does not
// call (the streaming frames) are unused here.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../webhook-bridge/src/answer/mod.rs"]
mod answer;

use answer::{AnswerFormat, AnswerReader, SseDecoder};

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
