//! The streaming entry point (a Lambda Function URL in `RESPONSE_STREAM` mode): the invoke API
//! (`POST /v1/agents/{agent}/invoke`) and Pika's direct invocation (`POST /`, the agent named in
//! the body), with the agent's output forwarded as it arrives.
//!
//! Everything that can be refused is checked, and the agent's response headers awaited, before
//! the first byte: until then a failure gets its proper status and the JSON error envelope. After
//! that the status is fixed at 200, so failures travel inline as an `{"error"}` frame, and only
//! a final `{"done"}` frame marks a complete answer.

use std::time::{Duration, Instant};

use bytes::Bytes;
use lambda_http::lambda_runtime::streaming::{Body as StreamBody, Sender, channel};
use lambda_http::{Request, Response};
use serde_json::Value;

use super::invoke;
use super::state::Bridge;
use crate::agent::{AgentCall, AgentClient, AgentError, AgentFailure, AgentStream};
use crate::answer::{Frame, Framing, StreamTranslator};
use crate::deadline::{Margin, agent_deadline};
use crate::error::BridgeError;
use crate::metrics::{DeliveryFigures, Metrics};
use crate::parse;
use crate::request::{self, Inbound};
use crate::response;
use crate::route::Route;

/// An agent answer on its way to the caller.
struct Forwarding {
    agent: AgentClient,
    call: AgentCall,
    agent_name: String,
    /// [`crate::principal::Principal::id`] of the caller, for the log line.
    principal: String,
    stream: AgentStream,
    framing: Framing,
    heartbeat: Duration,
    until: Instant,
    max_answer_bytes: usize,
    request_id: String,
    started: Instant,
    metrics: Metrics,
    cold_start: bool,
}

/// Why forwarding ended early.
enum Cut {
    /// The agent failed, broke off, or ran out of time.
    Agent(AgentError),
    /// The caller went away; nobody is left to tell.
    CallerGone,
}

/// What the end-of-stream log line reports.
#[derive(Default)]
struct StreamStats {
    frames: usize,
    heartbeats: usize,
    first_content: Option<Duration>,
}

impl Bridge {
    /// Handles one request on the streaming entry point; never fails, every outcome is a response.
    pub async fn handle_stream(&self, req: Request) -> Response<StreamBody> {
        let started = Instant::now();
        let (inbound, route) = request::read(req, self.user_id_header());
        match self.open_stream(&inbound, route, started).await {
            Ok(forwarding) => {
                let head = response::stream_head(
                    forwarding.framing.content_type(),
                    &forwarding.request_id,
                    &forwarding.call.session_id,
                );
                let (tx, body) = channel();
                tokio::spawn(forward(tx, forwarding));
                let mut resp = Response::new(body);
                *resp.headers_mut() = head;
                resp
            }
            Err(e) => {
                let resp = response::error(&e, &inbound.request_id);
                let latency = started.elapsed();
                tracing::info!(
                    request_id = inbound.request_id,
                    path = inbound.path,
                    status = resp.status().as_u16(),
                    code = e.code(),
                    latency_ms = latency.as_millis() as u64,
                    "stream refused"
                );
                if let Ok(s) = self.services() {
                    let failure = e.agent_failure();
                    Metrics::emit(s.config.metrics.delivery(&DeliveryFigures {
                        route: "invoke",
                        code: e.code(),
                        latency,
                        agent_latency: None,
                        agent_error: failure.is_some(),
                        throttled: failure == Some(AgentFailure::Throttled),
                        cold_start: s.cold_start(),
                        request_id: &inbound.request_id,
                    }));
                }
                let (parts, body) = resp.into_parts();
                Response::from_parts(parts, StreamBody::from(body.to_vec()))
            }
        }
    }

    /// Checks the request and opens the agent's answer: the part decided before the first byte.
    async fn open_stream(
        &self,
        inbound: &Inbound,
        route: Result<Route, BridgeError>,
        started: Instant,
    ) -> Result<Forwarding, BridgeError> {
        let route = match route {
            Ok(route) if route.is_invoke() => route,
            Err(e @ BridgeError::MethodNotAllowed { .. }) => return Err(e),
            // Tickets go to the webhook API; this entry point streams the invoke API only.
            _ => return Err(BridgeError::NotFound),
        };
        let s = self.services()?;
        let principal = s.identify(&inbound.caller, &route).await?;
        let body = inbound.body_within(s.config.max_body_bytes)?;
        // The invoke API names the agent in its path, a direct invocation in its body.
        let (agent, request) = match route {
            Route::Invoke(agent) => (agent, parse::query(body)?),
            _ => parse::direct(body)?,
        };
        let prepared = invoke::prepare(s, inbound, &agent, &principal, &request).await?;
        let budget = agent_deadline(
            s.config.agent_timeout,
            inbound.lambda_deadline_ms,
            Margin::Answer,
        );
        let until = Instant::now() + budget;
        let stream = s.agent.open(&prepared.call, budget).await.map_err(|e| {
            e.log();
            BridgeError::Agent(e)
        })?;
        Ok(Forwarding {
            agent: s.agent.clone(),
            call: prepared.call,
            agent_name: prepared.agent,
            principal: principal.id(),
            stream,
            framing: Framing::from_accept(inbound.accept.as_deref()),
            heartbeat: s.config.stream_heartbeat,
            until,
            max_answer_bytes: s.config.max_answer_bytes,
            request_id: inbound.request_id.clone(),
            started,
            metrics: s.config.metrics.clone(),
            cold_start: s.cold_start(),
        })
    }
}

/// Pumps the agent's answer to the caller, then writes `done` or an inline error, stops the
/// agent session if the answer was cut short, and logs one line.
async fn forward(mut tx: Sender, mut f: Forwarding) {
    let mut stats = StreamStats::default();
    let outcome = pump(&mut tx, &mut f, &mut stats).await;
    let code = match &outcome {
        Ok(usage) => {
            let done = Frame::Done {
                session_id: f.call.session_id.clone(),
                request_id: f.request_id.clone(),
                usage: usage.clone(),
            };
            let _ = tx.send_data(f.framing.encode(&done)).await;
            "OK"
        }
        Err(Cut::Agent(e)) => {
            e.log();
            let err = BridgeError::Agent(e.clone());
            let frame = Frame::Error {
                code: err.code(),
                message: response::public_message(&err),
                status: response::status(&err).as_u16(),
            };
            let _ = tx.send_data(f.framing.encode(&frame)).await;
            err.code()
        }
        Err(Cut::CallerGone) => "CALLER_DISCONNECTED",
    };
    // A timed-out agent, or one whose caller left, would otherwise keep running (and billing);
    // a finished session that will not be continued would hold an active session until it
    // idles out. Either is stopped after the last frame, before the stream ends (the caller
    // has its answer; the Lambda is not frozen until the stream is closed).
    let released = match &outcome {
        Err(Cut::CallerGone) => Some(f.agent.stop_session(&f.call).await),
        Err(Cut::Agent(e)) if e.failure == AgentFailure::Timeout => {
            Some(f.agent.stop_session(&f.call).await)
        }
        Err(Cut::Agent(e)) => {
            let failed: Result<(), AgentError> = Err(e.clone());
            f.agent.release_after(&f.call, &failed).settled().await
        }
        Ok(_) => f.agent.release_after(&f.call, &Ok(())).settled().await,
    };
    tracing::info!(
        request_id = f.request_id,
        agent = f.agent_name,
        principal = f.principal,
        session_id = f.call.session_id,
        code,
        frames = stats.frames,
        heartbeats = stats.heartbeats,
        first_content_ms = stats.first_content.map(|d| d.as_millis() as u64),
        latency_ms = f.started.elapsed().as_millis() as u64,
        aws_request_id = f.stream.aws_request_id.as_deref().unwrap_or(""),
        session_released = released.as_deref().unwrap_or(""),
        "stream handled"
    );
    let failure = match &outcome {
        Err(Cut::Agent(e)) => Some(e.failure),
        _ => None,
    };
    Metrics::emit(f.metrics.delivery(&DeliveryFigures {
        route: "invoke",
        code,
        latency: f.started.elapsed(),
        agent_latency: None,
        agent_error: failure.is_some(),
        throttled: failure == Some(AgentFailure::Throttled),
        cold_start: f.cold_start,
        request_id: &f.request_id,
    }));
}

async fn pump(
    tx: &mut Sender,
    f: &mut Forwarding,
    stats: &mut StreamStats,
) -> Result<Option<Value>, Cut> {
    let mut translator = StreamTranslator::new(f.stream.format, f.max_answer_bytes);
    loop {
        let left = f.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Cut::Agent(AgentError::new(
                AgentFailure::Timeout,
                "the answer did not end before the deadline",
            )));
        }
        match tokio::time::timeout(f.heartbeat.min(left), f.stream.body.next()).await {
            Err(_) if f.until <= Instant::now() => continue,
            Err(_) => {
                send(tx, f.framing, &Frame::Heartbeat).await?;
                stats.heartbeats += 1;
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(Cut::Agent(AgentError::new(
                    AgentFailure::StreamInterrupted,
                    aws_sdk_bedrockagentcore::error::DisplayErrorContext(&e).to_string(),
                )));
            }
            Ok(Some(Ok(chunk))) => {
                let texts = translator.push(&chunk).map_err(|e| Cut::Agent(e.into()))?;
                send_content(tx, f, stats, texts).await?;
            }
        }
    }
    let (rest, usage) = translator.finish().map_err(|e| Cut::Agent(e.into()))?;
    send_content(tx, f, stats, rest).await?;
    Ok(usage)
}

async fn send_content(
    tx: &mut Sender,
    f: &Forwarding,
    stats: &mut StreamStats,
    texts: Vec<String>,
) -> Result<(), Cut> {
    for text in texts {
        send(tx, f.framing, &Frame::Content(text)).await?;
        stats.frames += 1;
        stats
            .first_content
            .get_or_insert_with(|| f.started.elapsed());
    }
    Ok(())
}

async fn send(tx: &mut Sender, framing: Framing, frame: &Frame) -> Result<(), Cut> {
    let bytes: Bytes = framing.encode(frame);
    tx.send_data(bytes).await.map_err(|_| Cut::CallerGone)
}
