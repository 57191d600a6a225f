//! Instructions per warm request, counted by callgrind: repeatable for the same binary and input
//! whatever else the machine is doing, so the bridge's own cost can be compared with the floor's
//! (the Lambda runtime and an echo handler) on a noisy machine where times cannot.
//!
//! Each function runs twice under `valgrind --tool=callgrind` with the same init and a different
//! number of warm requests; the difference, divided by the difference in requests, is the cost of
//! one request with init and exit taken out. The same difference per function names the top
//! costs. The binaries are the release build with symbols (`--profile callgrind`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use bytes::Bytes;

use crate::measure::{self, FunctionSpec};

/// Requests of the shorter and the longer run.
const SHORT: usize = 50;
const LONG: usize = 250;

/// One function's count per warm request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Counted {
    /// Instructions per request.
    pub per_request: f64,
    /// The functions costing most per request (their own instructions, not their callees'),
    /// largest first.
    pub top: Vec<(String, f64)>,
}

/// The bridge and the floor, counted alike.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Instructions {
    /// The webhook binary.
    pub bridge: Counted,
    /// The no-op function.
    pub floor: Counted,
}

/// Counts `bridge` and `floor` (binaries with symbols) serving `event` with `env`, writing
/// callgrind's files under `work_dir`.
pub async fn measure(
    bridge: &Path,
    floor: &Path,
    env: &[(String, String)],
    event: &Bytes,
    work_dir: &Path,
) -> anyhow::Result<Instructions> {
    std::fs::create_dir_all(work_dir)?;
    Ok(Instructions {
        bridge: count(bridge, "bridge", env, event, work_dir).await?,
        floor: count(floor, "floor", env, event, work_dir).await?,
    })
}

async fn count(
    binary: &Path,
    name: &str,
    env: &[(String, String)],
    event: &Bytes,
    work_dir: &Path,
) -> anyhow::Result<Counted> {
    let out = |requests: usize| work_dir.join(format!("{name}-{requests}.out"));
    let short = profile(binary, &out(SHORT), env, event, SHORT).await?;
    let long = profile(binary, &out(LONG), env, event, LONG).await?;
    let requests = (LONG - SHORT) as f64;
    let mut top: Vec<(String, f64)> = long
        .functions
        .iter()
        .map(|(function, ir)| {
            let before = short.functions.get(function).copied().unwrap_or(0);
            (function.clone(), (*ir as f64 - before as f64) / requests)
        })
        .filter(|(_, per_request)| *per_request > 0.0)
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(12);
    Ok(Counted {
        per_request: (long.total as f64 - short.total as f64) / requests,
        top,
    })
}

/// One callgrind profile: the whole run's instructions and each function's own.
struct Profile {
    total: u64,
    functions: HashMap<String, u64>,
}

async fn profile(
    binary: &Path,
    out: &Path,
    env: &[(String, String)],
    event: &Bytes,
    requests: usize,
) -> anyhow::Result<Profile> {
    let spec = FunctionSpec {
        program: "valgrind".to_owned(),
        args: vec![
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
            binary.display().to_string(),
        ],
        cwd: None,
        env: env.to_vec(),
    };
    measure::run_and_stop(&spec, event, requests)
        .await
        .with_context(|| format!("{} under callgrind", binary.display()))?;
    let annotated = tokio::process::Command::new("callgrind_annotate")
        // No source listings: their `=> callee` lines carry inclusive costs.
        .args(["--threshold=100", "--auto=no"])
        .arg(out)
        .output()
        .await
        .context("callgrind_annotate (valgrind's package)")?;
    anyhow::ensure!(annotated.status.success(), "callgrind_annotate failed");
    parse_annotation(&String::from_utf8_lossy(&annotated.stdout))
}

/// callgrind_annotate's report: the `PROGRAM TOTALS` line, then one line per function,
/// `1,234 (12.3%)  file:function [object]`.
fn parse_annotation(text: &str) -> anyhow::Result<Profile> {
    let number = |s: &str| s.replace(',', "").parse::<u64>().ok();
    let mut total = None;
    let mut functions = HashMap::new();
    for line in text.lines().map(str::trim) {
        let Some((count, rest)) = line.split_once(' ') else {
            continue;
        };
        let Some(count) = number(count) else {
            continue;
        };
        if rest.contains("PROGRAM TOTALS") {
            total = Some(count);
            continue;
        }
        // Past the percentage, the `file:function [object]` part; a `=> callee (Nx)` line is a
        // call's inclusive cost, not a function's own.
        let rest = rest.trim_start();
        if rest.contains("=>") {
            continue;
        }
        let rest = rest
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .map_or(rest, |(_, r)| r)
            .trim();
        let function = rest.split(" [").next().unwrap_or(rest);
        let function = function.split_once(':').map_or(function, |(_, f)| f);
        *functions.entry(function.to_owned()).or_insert(0) += count;
    }
    Ok(Profile {
        total: total.context("no PROGRAM TOTALS in callgrind_annotate's report")?,
        functions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_give_the_total_and_each_functions_own_count() {
        let text = "\
--------------------------------------------------------------------------------
Ir                 
--------------------------------------------------------------------------------
12,345,678 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                  file:function
--------------------------------------------------------------------------------
1,000,000 ( 8.10%)  ./malloc/malloc.c:_int_malloc [/usr/lib/x86_64-linux-gnu/libc.so.6]
  500,000 ( 4.05%)  ???:serde_json::de::from_slice [/work/target/callgrind/webhook]
   26,355 ( 0.01%)  => ./string/memmove.S:__memcpy_avx_unaligned_erms (502x)
";
        let profile = parse_annotation(text).unwrap();
        assert_eq!(profile.total, 12_345_678);
        assert_eq!(profile.functions["_int_malloc"], 1_000_000);
        assert_eq!(profile.functions["serde_json::de::from_slice"], 500_000);
        assert!(
            !profile
                .functions
                .contains_key("__memcpy_avx_unaligned_erms")
        );
    }
}
