//! Response bodies produced piece by piece, with pauses and failures where a test wants them.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

/// One step of a streamed body.
pub(crate) enum Step {
    Send(Bytes),
    Pause(Duration),
    /// End the body with an error: hyper then drops the connection mid-body.
    Fail,
    /// Wait until the test releases the stream.
    Wait(Arc<Notify>),
}

/// A body that plays `steps` in order on its own task.
pub(crate) fn scripted_body(steps: Vec<Step>) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        for step in steps {
            let item = match step {
                Step::Send(b) => Ok(b),
                Step::Pause(d) => {
                    tokio::time::sleep(d).await;
                    continue;
                }
                Step::Wait(gate) => {
                    gate.notified().await;
                    continue;
                }
                Step::Fail => Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected: stream cut",
                )),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Body::from_stream(stream)
}

/// Splits `text` into SSE events of a few words each (`data: <JSON string>`), then cuts the
/// byte stream into small frames that ignore event and UTF-8 boundaries, as a network would.
pub(crate) fn sse_frames(text: &str, frame_len: usize) -> Vec<Bytes> {
    let wire = sse_events(text);
    wire.as_bytes()
        .chunks(frame_len.max(1))
        .map(Bytes::copy_from_slice)
        .collect()
}

pub(crate) fn sse_events(text: &str) -> String {
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    words
        .chunks(3)
        .map(|chunk| format!("data: {}\n\n", serde_json::Value::from(chunk.concat())))
        .collect()
}
