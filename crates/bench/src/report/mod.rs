//! The benchmark report: a markdown table against the targets, plus the raw figures as JSON.
//! Every measured function reaches AgentCore over TLS, as a deployed one does, unless its variant
//! says otherwise (`rust_plain_http`).

// Leaves first: a module uses only modules declared above it.
mod summary;

mod buffered;
mod instructions;
mod streaming;

use std::collections::BTreeMap;
use std::path::Path;

use crate::breakdown::Breakdown;
use crate::instructions::Instructions;
use crate::measure::Run;
use crate::streaming::Streaming;
use buffered::buffered_table;
use instructions::instructions_section;
use streaming::{streaming_notes, streaming_table};

/// Everything one `make bench` measured, written as the report's JSON.
#[derive(Default, serde::Serialize)]
pub struct Results {
    /// The cold starts of each function (`noop`, `rust`, `rust_metrics`, `rust_no_warm_up`,
    /// `rust_no_release`, `rust_plain_http`, `rust_jitter_on` when built, `python`).
    pub runs: BTreeMap<String, Vec<Run>>,
    /// Each deployment zip measured: its label (function and architecture) and size in bytes.
    pub zips: Vec<(String, u64)>,
    /// Warm requests per cold start.
    pub requests: usize,
    /// Where a warm request's time goes, if measured.
    pub breakdown: Option<Breakdown>,
    /// The streaming entry point's figures, if measured.
    pub streaming: Option<Streaming>,
    /// Instructions per request of the bridge and the floor, if counted.
    pub instructions: Option<Instructions>,
}

/// Writes `out` with the extensions `.json` (the figures) and `.md` (the report).
pub fn write(results: &Results, out: &Path) -> anyhow::Result<()> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        out.with_extension("json"),
        serde_json::to_string_pretty(results)?,
    )?;

    let runs = results.runs["rust"].len();
    let n = results.requests;
    let mut md = String::new();
    md.push_str(&format!(
        "# Benchmarks\n\nMeasured by `make bench` on {}. Median over {runs} cold starts per function; warm figures \
         are the median over runs of each run's p50/p99 across {n} requests. Both functions run under the same local \
         Lambda Runtime API against the same local AgentCore with an instant built-in agent, served over TLS (HTTPS, \
         HTTP/1.1) with a certificate from a CA made for the run, which the functions trust through `SSL_CERT_FILE` \
         (the bridge) and `AWS_CA_BUNDLE` (boto3). The figures are the bridges' own cost including their TLS \
         connection to AgentCore: the bridge's init includes its warm-up's handshake, the Python baseline's first \
         request its handshake. Shared machine: expect some noise.\n\n",
        machine()
    ));
    md.push_str(&buffered_table(results));
    md.push_str(
        "\nNotes: the TLS handshake here runs on loopback, so these figures are its CPU cost (key exchange, \
         certificate checks, seeding AWS-LC's random generator) and not network round trips, which a deployed \
         function adds (a published measurement at 128 MB put the first call at ~900 ms without the warm-up and \
         ~20 ms with it). The functions trust one certificate, the run's CA; deployed, the bridge loads the system's roots \
         (rustls-native-certs) instead, a little more work at init. `rust_plain_http` is the same bridge against a \
         second, plain-HTTP AgentCore, with the same one-certificate trust store (the SDK loads its roots at start \
         whatever the scheme), so the TLS cost shows beside it; `rust_jitter_on`, when measured, is the \
         bridge built with AWS-LC's CPU-jitter entropy source, which the project's builds turn off \
         (`AWS_LC_SYS_NO_JITTER_ENTROPY=1` in `.cargo/config.toml`); `rust_opt3`, when measured, is the bridge \
         with every crate at opt-level 3, where the release profile builds the dependencies for size \
         (`opt-level = \"s\"`) and keeps 3 for the crypto. The breakdown's in-process AgentCore call and \
         the streaming measurements below use the same HTTPS AgentCore.\n",
    );
    if let Some(s) = &results.streaming {
        md.push_str(&format!(
            "\n## Streaming entry point\n\nThe release `stream` binary under the local Lambda Runtime API, behind a \
             local Function URL (SigV4 `AWS_IAM` auth, `RESPONSE_STREAM` relayed chunk by chunk as the function writes \
             it), in front of the same local AgentCore over TLS; NDJSON answers (`Accept: application/x-ndjson`), \
             one stream at a time, {} streams per row after 10 warm-up streams. The caller, the Function URL, the Runtime API and \
             AgentCore run in the benchmark process; times are taken by the caller.\n\n",
            s.chunk_ms.len()
        ));
        md.push_str(&streaming_table(s));
        md.push_str(&streaming_notes(s));
    }
    if let Some(i) = &results.instructions {
        md.push_str(&instructions_section(i));
    }
    std::fs::write(out.with_extension("md"), md)?;
    Ok(())
}

/// Replaces the README's bench block with the latest figures; `false` when the README or its
/// markers are missing (nothing written).
pub fn update_readme(results: &Results, readme: &Path) -> anyhow::Result<bool> {
    let mut block = buffered_table(results);
    if let Some(s) = &results.streaming {
        block.push_str("\nStreaming entry point (Function URL, `stream` binary):\n\n");
        block.push_str(&streaming_table(s));
    }
    block.push_str("\nFull report: `docs/benchmarks.md`; chart: `docs/benchmarks.png`.\n");
    update_readme_block(readme, "bench", &block)
}

/// Replaces what is between `<!-- {name}:start -->` and `<!-- {name}:end -->` in `readme` with
/// `block`; `false` when the README or its markers are missing (nothing written).
pub fn update_readme_block(readme: &Path, name: &str, block: &str) -> anyhow::Result<bool> {
    let Ok(text) = std::fs::read_to_string(readme) else {
        return Ok(false);
    };
    match replace_block(&text, name, block) {
        Some(updated) => {
            if updated != text {
                std::fs::write(readme, updated)?;
            }
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `text` with everything between the `name` block's markers replaced by `block`.
fn replace_block(text: &str, name: &str, block: &str) -> Option<String> {
    let (open, close) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    Some(format!("{}\n{block}{}", &text[..start], &text[end..]))
}

/// The machine the figures were measured on: cores, CPU model, OS and architecture.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} × {cpu}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_block_is_replaced_and_the_rest_kept() {
        let text = "intro\n<!-- bench:start -->\nold\ntable\n<!-- bench:end -->\n\n## Next\n";
        assert_eq!(
            replace_block(text, "bench", "new\n").unwrap(),
            "intro\n<!-- bench:start -->\nnew\n<!-- bench:end -->\n\n## Next\n"
        );
        assert_eq!(replace_block("no markers", "bench", "new\n"), None);
        assert_eq!(
            replace_block("<!-- bench:end --> <!-- bench:start -->", "bench", "x"),
            None
        );
        assert_eq!(
            replace_block(text, "storm", "x"),
            None,
            "another block's markers"
        );
    }
}
