//! The streaming entry point measured end to end: the release `stream` binary under the local
//! Runtime API, behind a local Function URL (SigV4, `RESPONSE_STREAM`), in front of the local
//! AgentCore; for comparison the same question through the buffered invoke API (the `webhook`
//! binary behind the local REST API Gateway).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use local_agentcore::{Fault, RunningAgentCore};
use local_lambda::{
    FunctionProcess, FunctionUrl, FunctionUrlConfig, Gateway, GatewayConfig, LocalCredentials,
    RuntimeApi, sigv4_post_headers,
};

use crate::setup::quiet_command;
use crate::stats::ms;

const INVOKE: &str = "/v1/agents/default/invoke";
const NDJSON: &str = "application/x-ndjson";
const STAGE: &str = "prod";
const API_KEY: &str = "bench-key";
/// The longest a stream may stay silent before the run is called broken.
const QUIET: Duration = Duration::from_secs(10);
/// Streams before the measured ones: connections opened, code paths warm.
const WARM_UP: usize = 10;

/// What the streaming measurement found; every figure in milliseconds, one value per stream.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Streaming {
    /// `release_held()` → the caller has the held chunk's `{"content"}` line: the bridge's added
    /// per-chunk forwarding latency (Function URL → Runtime API → `stream` → AgentCore and back).
    pub chunk_ms: Vec<f64>,
    /// Agent answers at once (all but the held event in one write): request sent → first
    /// `{"content"}` line.
    pub first_content_ms: Vec<f64>,
    /// The built-in answer in small SSE frames paced by the emulator (`Fault::Sse`): request
    /// sent → first `{"content"}` line.
    pub paced_first_content_ms: Vec<f64>,
    /// The same paced answer: request sent → `{"done"}` line.
    pub paced_total_ms: Vec<f64>,
    /// The same paced answer through the buffered invoke API (REST gateway, `webhook` binary):
    /// request sent → whole response read.
    pub buffered_total_ms: Vec<f64>,
}

/// The question every stream asks; the built-in agent echoes it back in its answer.
const QUERY: &str = "Which deploy broke checkout in the last hour and how do we roll it back?";

/// The built-in agent's answer to [`QUERY`], and the part of it sent before the held last SSE
/// event (the emulator groups three words per event).
fn expected_answer() -> (String, String) {
    let full = format!("Local agent (offline stand-in) received: {QUERY}");
    let words: Vec<&str> = full.split_inclusive(' ').collect();
    let last = match words.len() % 3 {
        0 => 3,
        n => n,
    };
    let head = words[..words.len() - last].concat();
    (full, head)
}

fn credentials() -> LocalCredentials {
    LocalCredentials {
        access_key_id: "AKIDBENCHLOCAL".into(),
        secret_access_key: "bench-local-secret".into(),
        region: "us-east-1".into(),
    }
}

/// Starts the `stream` binary behind a Function URL and the `webhook` binary behind the REST
/// gateway, both with `env` and in front of `agentcore`, and times `streams` streams of each kind
/// (after a warm-up).
pub async fn measure(
    stream_binary: &Path,
    webhook_binary: &Path,
    agentcore: &RunningAgentCore,
    env: &[(String, String)],
    streams: usize,
) -> anyhow::Result<Streaming> {
    let runtime = Arc::new(RuntimeApi::start().await?);
    let _stream_fn =
        FunctionProcess::spawn_command(quiet_command(stream_binary), &runtime.address(), env)?;
    let url = FunctionUrl::start(
        "127.0.0.1:0",
        FunctionUrlConfig {
            iam: Some(credentials()),
            timeout: Duration::from_secs(120),
        },
        runtime.clone(),
    )
    .await?;

    let gateway_runtime = Arc::new(RuntimeApi::start().await?);
    let _webhook_fn = FunctionProcess::spawn_command(
        quiet_command(webhook_binary),
        &gateway_runtime.address(),
        env,
    )?;
    let gateway = Gateway::start(
        "127.0.0.1:0",
        GatewayConfig::webhook(STAGE, Some(API_KEY.into())),
        gateway_runtime.clone(),
    )
    .await?;

    let caller = Caller {
        http: reqwest::Client::new(),
        stream_url: format!("{}{INVOKE}", url.url()),
        buffered_url: format!("{}{INVOKE}", gateway.url(STAGE)),
        body: serde_json::json!({ "query": QUERY }).to_string(),
    };
    let (full, head) = expected_answer();
    let (full, head) = (full.as_str(), head.as_str());
    let held = sample(streams, "held stream", || {
        agentcore.inject(Fault::HeldSse);
        held_stream(&caller, agentcore, full, head)
    })
    .await?;
    let paced = sample(streams, "paced stream", || {
        agentcore.inject(Fault::Sse);
        paced_stream(&caller, full)
    })
    .await?;
    let buffered_total_ms = sample(streams, "buffered invoke", || {
        agentcore.inject(Fault::Sse);
        caller.buffered(QUERY)
    })
    .await?;
    let (first_content_ms, chunk_ms) = held.into_iter().unzip();
    let (paced_first_content_ms, paced_total_ms) = paced.into_iter().unzip();
    Ok(Streaming {
        chunk_ms,
        first_content_ms,
        paced_first_content_ms,
        paced_total_ms,
        buffered_total_ms,
    })
}

/// Runs `one` [`WARM_UP`] times, then `streams` times more; returns the measured results.
async fn sample<T, F>(
    streams: usize,
    what: &str,
    mut one: impl FnMut() -> F,
) -> anyhow::Result<Vec<T>>
where
    F: Future<Output = anyhow::Result<T>>,
{
    let mut measured = Vec::with_capacity(streams);
    for i in 0..WARM_UP + streams {
        let result = one().await.with_context(|| format!("{what} {i}"))?;
        if i >= WARM_UP {
            measured.push(result);
        }
    }
    Ok(measured)
}

struct Caller {
    http: reqwest::Client,
    stream_url: String,
    buffered_url: String,
    body: String,
}

impl Caller {
    /// Sends the signed streaming request (signed before the clock starts, as a caller would
    /// sign before sending); returns the response once its headers are in, and when it was sent.
    async fn open(&self) -> anyhow::Result<(Lines, Instant)> {
        let headers = sigv4_post_headers(
            &credentials(),
            &self.stream_url,
            self.body.as_bytes(),
            NDJSON,
            SystemTime::now(),
        );
        let mut req = self.http.post(&self.stream_url).body(self.body.clone());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let sent = Instant::now();
        let resp = req.send().await?;
        anyhow::ensure!(
            resp.status() == 200,
            "the Function URL answered {}",
            resp.status()
        );
        Ok((
            Lines {
                resp,
                buffer: String::new(),
                arrived: sent,
            },
            sent,
        ))
    }

    /// The same question through the REST gateway's buffered invoke API.
    async fn buffered(&self, query: &str) -> anyhow::Result<f64> {
        let sent = Instant::now();
        let resp = self
            .http
            .post(&self.buffered_url)
            .header("content-type", "application/json")
            .header("x-api-key", API_KEY)
            .body(self.body.clone())
            .send()
            .await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        let elapsed = ms(sent.elapsed());
        let text = String::from_utf8_lossy(&body);
        anyhow::ensure!(
            status == 200 && text.contains(query),
            "the invoke API answered {status}: {text}"
        );
        Ok(elapsed)
    }
}

/// A streamed NDJSON body, read line by line as it arrives.
struct Lines {
    resp: reqwest::Response,
    buffer: String,
    /// When the last network chunk arrived (every buffered line came with it or before).
    arrived: Instant,
}

impl Lines {
    /// The next frame, parsed, and when the network chunk that completed it arrived.
    async fn next(&mut self) -> anyhow::Result<(serde_json::Value, Instant)> {
        loop {
            while let Some(at) = self.buffer.find('\n') {
                let line: String = self.buffer.drain(..=at).collect();
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let frame: serde_json::Value =
                    serde_json::from_str(line).with_context(|| format!("not JSON: {line}"))?;
                anyhow::ensure!(frame.get("error").is_none(), "the stream failed: {frame}");
                return Ok((frame, self.arrived));
            }
            let chunk = tokio::time::timeout(QUIET, self.resp.chunk())
                .await
                .context("the stream went quiet")??
                .context("the stream ended without a done frame")?;
            self.arrived = Instant::now();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads content frames until the answer so far is `want`; returns when the first content
    /// line and the last one needed arrived.
    async fn content_until(
        &mut self,
        answer: &mut String,
        want: &str,
    ) -> anyhow::Result<(Option<Instant>, Instant)> {
        let mut first = None;
        loop {
            let (frame, at) = self.next().await?;
            if let Some(text) = frame["content"].as_str() {
                first.get_or_insert(at);
                answer.push_str(text);
                if answer == want {
                    return Ok((first, at));
                }
                anyhow::ensure!(
                    want.starts_with(answer.as_str()),
                    "unexpected answer {answer:?}, wanted {want:?}"
                );
            } else {
                anyhow::ensure!(
                    frame["heartbeat"] == true,
                    "{frame} before the answer {want:?} was complete (have {answer:?})"
                );
            }
        }
    }

    async fn done(&mut self) -> anyhow::Result<Instant> {
        loop {
            let (frame, at) = self.next().await?;
            if frame["done"] == true {
                return Ok(at);
            }
            anyhow::ensure!(frame["heartbeat"] == true, "{frame} after the whole answer");
        }
    }
}

/// One `HeldSse` stream: read everything up to the held event, release it, time its arrival.
/// Returns (request sent → first content line, release → held chunk's content line).
async fn held_stream(
    caller: &Caller,
    agentcore: &RunningAgentCore,
    full: &str,
    head: &str,
) -> anyhow::Result<(f64, f64)> {
    let (mut lines, sent) = caller.open().await?;
    let mut answer = String::new();
    let (first, _) = lines.content_until(&mut answer, head).await?;
    let released = Instant::now();
    agentcore.release_held();
    let (_, arrived) = lines.content_until(&mut answer, full).await?;
    let chunk = ms(arrived - released);
    lines.done().await?;
    let first = first.context("no content before the held event")?;
    Ok((ms(first - sent), chunk))
}

/// One paced stream: (request sent → first content line, request sent → done line).
async fn paced_stream(caller: &Caller, full: &str) -> anyhow::Result<(f64, f64)> {
    let (mut lines, sent) = caller.open().await?;
    let mut answer = String::new();
    let (first, _) = lines.content_until(&mut answer, full).await?;
    let done = lines.done().await?;
    let first = first.context("no content")?;
    Ok((ms(first - sent), ms(done - sent)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_event_is_the_last_three_words_or_fewer() {
        let (full, head) = expected_answer();
        assert!(full.starts_with(&head));
        let rest = &full[head.len()..];
        let words = rest.split_inclusive(' ').count();
        assert!((1..=3).contains(&words), "{rest:?}");
        assert_eq!((full.split_inclusive(' ').count() - words) % 3, 0);
    }
}
