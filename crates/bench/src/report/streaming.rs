//! The streaming entry point's table and what its figures mean.

use crate::stats::{median, percentile};
use crate::streaming::Streaming;

/// The streaming rows: p50, p90, p99 and max of each measure.
pub(crate) fn streaming_table(s: &Streaming) -> String {
    let rows: [(&str, &[f64]); 5] = [
        (
            "chunk latency: held last event released (`release_held()`) → its `{\"content\"}` line at the caller",
            &s.chunk_ms,
        ),
        (
            "first `{\"content\"}` line, agent answers at once (request sent → line)",
            &s.first_content_ms,
        ),
        (
            "paced answer (`Fault::Sse`, small SSE frames): first `{\"content\"}` line",
            &s.paced_first_content_ms,
        ),
        (
            "paced answer: whole stream (request sent → `{\"done\"}`)",
            &s.paced_total_ms,
        ),
        (
            "same paced answer, buffered invoke API (REST gateway, `webhook`): whole response",
            &s.buffered_total_ms,
        ),
    ];
    let mut md =
        String::from("| streaming measure | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n");
    for (name, values) in rows {
        md.push_str(&format!(
            "| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms |\n",
            percentile(values, 50.0),
            percentile(values, 90.0),
            percentile(values, 99.0),
            percentile(values, 100.0),
        ));
    }
    md
}

/// What the streaming figures say, and which of them show the local stack rather than the bridge.
pub(crate) fn streaming_notes(s: &Streaming) -> String {
    let mut notes = format!(
        "\nThe chunk latency is the bridge's added per-chunk forwarding latency: the released event goes from the \
         AgentCore emulator through the `stream` binary (SDK event stream, NDJSON framing) to the Runtime API and on \
         through the Function URL to the caller, and arrives {:.3} ms (p50) after its release, so nothing on the way \
         waits for the rest of the answer. Deployed, the hops are network instead of loopback. For an answer the agent \
         writes piece by piece, the first words reach a streaming caller after {:.3} ms (p50) while the buffered invoke \
         API hands over the same answer after {:.3} ms (p50), when the agent has finished ({:.3} ms for the whole \
         stream).\n",
        median(&s.chunk_ms),
        median(&s.paced_first_content_ms),
        median(&s.buffered_total_ms),
        median(&s.paced_total_ms),
    );
    let (first, chunk) = (median(&s.first_content_ms), median(&s.chunk_ms));
    if first >= 30.0 && first > 20.0 * chunk {
        notes.push_str(&format!(
            "\nThe first `{{\"content\"}}` line of an answer the agent sends at once takes {first:.3} ms (p50), while a \
             released chunk takes {chunk:.3} ms: the difference is a delayed-ACK wait (Nagle's algorithm, ~40 ms on \
             Linux) when the first small body write follows the response prelude on a connection without TCP_NODELAY. \
             Later writes find nothing unacknowledged and go out at once.\n"
        ));
    }
    if median(&s.paced_first_content_ms) >= 0.8 * median(&s.paced_total_ms) {
        notes.push_str(
            "\nThe paced answer's first words arrive only about when the agent finishes: its small frames are held by \
             Nagle's algorithm waiting for delayed ACKs on the local path (the local Function URL does not set \
             TCP_NODELAY), so this row shows the local stack, not the bridge's forwarding.\n",
        );
    }
    notes
}
