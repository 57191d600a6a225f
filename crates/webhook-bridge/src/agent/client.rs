//! The AgentCore client: `InvokeAgentRuntime` sent, its answer read chunk by chunk under a size
//! cap, everything inside one deadline; past the deadline the session is stopped so a runaway
//! agent does not keep running (and billing) after the caller was told it timed out.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_bedrockagentcore::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_bedrockagentcore::operation::RequestId;
use aws_smithy_types::Blob;

use super::call::AgentCall;
use super::classify::classify;
use super::error::{AgentError, AgentFailure};
use super::release::SessionRelease;
use super::retry::QuotaExceededIsThrottling;
use crate::answer::{Answer, AnswerFormat, AnswerReader};
use crate::config::{AgentEndpoint, AgentTarget, Config};
use crate::invocation_trace::TraceHeader;

/// How long the best-effort `StopRuntimeSession` after a timeout (or a departed caller) may take.
const STOP_BUDGET: Duration = Duration::from_secs(1);

/// How long releasing a finished session may hold the Lambda: it overlaps the flow's remaining
/// work, so this is only reached when AgentCore is slow to answer.
const RELEASE_BUDGET: Duration = Duration::from_millis(500);

/// A successful answer.
#[derive(Debug, Clone)]
pub struct AgentReply {
    /// The answer, read whole.
    pub answer: Answer,
    /// AgentCore's request id, for logs.
    pub aws_request_id: Option<String>,
}

/// An answer whose headers have arrived and whose body is still coming.
pub struct AgentStream {
    /// JSON or server-sent events.
    pub format: AnswerFormat,
    /// The body, chunk by chunk.
    pub body: aws_smithy_types::byte_stream::ByteStream,
    /// AgentCore's request id, for logs.
    pub aws_request_id: Option<String>,
}

/// Invokes runtime endpoints; built once per cold start.
#[derive(Debug, Clone)]
pub struct AgentClient {
    sdk: aws_sdk_bedrockagentcore::Client,
    /// The function's own endpoint, used to warm the connection.
    default: AgentEndpoint,
    max_answer_bytes: usize,
}

impl AgentClient {
    /// A client for the configured agent, with the quota classifier added to the SDK's retries.
    pub fn new(sdk_config: &SdkConfig, config: &Config) -> Self {
        let conf = aws_sdk_bedrockagentcore::config::Builder::from(sdk_config)
            .retry_classifier(QuotaExceededIsThrottling)
            .interceptor(TraceHeader)
            .build();
        AgentClient {
            sdk: aws_sdk_bedrockagentcore::Client::from_conf(conf),
            default: config.default_endpoint(),
            max_answer_bytes: config.max_answer_bytes,
        }
    }

    /// Runs `call`; the call, its retries and the read of the answer all end by `deadline`.
    pub async fn invoke(
        &self,
        call: &AgentCall,
        deadline: Duration,
    ) -> Result<AgentReply, AgentError> {
        let started = Instant::now();
        let result = tokio::time::timeout(deadline, self.invoke_and_read(call)).await;
        self.by_deadline(call, result, started, "no complete answer")
            .await
    }

    /// Sends `call` and returns once AgentCore has answered with headers: the status is known,
    /// the body streams. Past `deadline`, the session is stopped and the result is a timeout.
    pub async fn open(
        &self,
        call: &AgentCall,
        deadline: Duration,
    ) -> Result<AgentStream, AgentError> {
        let started = Instant::now();
        let result = tokio::time::timeout(deadline, self.send(call)).await;
        self.by_deadline(call, result, started, "no response headers")
            .await
    }

    /// The result of work on `call` that was bounded by a deadline: when the deadline passed,
    /// the session is stopped (best effort, briefly awaited) and the call fails with
    /// [`AgentFailure::Timeout`]. (The work's future is awaited by the callers themselves, so
    /// it is stored once in their state, not again in this one's.)
    async fn by_deadline<T>(
        &self,
        call: &AgentCall,
        result: Result<Result<T, AgentError>, tokio::time::error::Elapsed>,
        started: Instant,
        missing: &str,
    ) -> Result<T, AgentError> {
        match result {
            Ok(result) => result,
            Err(_) => {
                let stopped = self.stop_session(call).await;
                Err(AgentError::new(
                    AgentFailure::Timeout,
                    format!(
                        "{missing} within {:?}; StopRuntimeSession: {stopped}",
                        started.elapsed()
                    ),
                ))
            }
        }
    }

    /// Asks AgentCore to stop the call's session, waiting at most a second. Returns what
    /// happened, for the log; failures are expected (the session may already be gone) and never
    /// surface.
    pub async fn stop_session(&self, call: &AgentCall) -> String {
        self.stop(&call.endpoint, &call.session_id, STOP_BUDGET)
            .await
    }

    /// Starts stopping `call`'s session in the background when the call asked for it
    /// ([`AgentCall::release_session`]) and its `outcome` may have left one running; await the
    /// result with [`SessionRelease::settled`] before the Lambda returns.
    pub fn release_after<T>(
        &self,
        call: &AgentCall,
        outcome: &Result<T, AgentError>,
    ) -> SessionRelease {
        let left_running = match outcome {
            Ok(_) => true,
            Err(e) => e.failure.may_leave_a_session(),
        };
        if !(call.release_session && left_running) {
            return SessionRelease::none();
        }
        let (client, endpoint, session_id) =
            (self.clone(), call.endpoint.clone(), call.session_id.clone());
        SessionRelease::start(
            async move { client.stop(&endpoint, &session_id, RELEASE_BUDGET).await },
        )
    }

    /// Opens the TLS connection to AgentCore (and resolves credentials) at cold start, so the
    /// first delivery does not pay for it: a published measurement of a Rust SDK client at
    /// 128 MB cut the first request from ~900 ms to ~20 ms. It asks AgentCore to stop a session
    /// that does not exist (a harmless no-op answered with `ResourceNotFoundException`), and
    /// gives up after `budget` so a slow network never fails the function's init.
    pub async fn warm_up(&self, budget: Duration) -> String {
        let probe = format!("warmup-{}", uuid::Uuid::new_v4().simple());
        self.stop(&self.default, &probe, budget).await
    }

    async fn send(&self, call: &AgentCall) -> Result<AgentStream, AgentError> {
        let output = self
            .sdk
            .invoke_agent_runtime()
            .agent_runtime_arn(call.endpoint.target.identifier())
            .set_account_id(call.endpoint.target.account_id().map(str::to_owned))
            .qualifier(&call.endpoint.qualifier)
            .runtime_session_id(&call.session_id)
            .set_runtime_user_id(call.user_id.clone())
            .content_type("application/json")
            .accept("application/json, text/event-stream")
            .set_trace_id(call.trace.xray.clone())
            .set_trace_parent(call.trace.traceparent.clone())
            .set_trace_state(call.trace.tracestate.clone())
            .set_baggage(call.trace.baggage.clone())
            .payload(Blob::new(call.payload.clone()))
            .send()
            .await
            .map_err(classify)?;
        Ok(AgentStream {
            format: AnswerFormat::from_content_type(output.content_type()),
            aws_request_id: output.request_id().map(str::to_owned),
            body: output.response,
        })
    }

    async fn invoke_and_read(&self, call: &AgentCall) -> Result<AgentReply, AgentError> {
        let AgentStream {
            format,
            mut body,
            aws_request_id,
        } = self.send(call).await?;
        let with_id = |mut e: AgentError| {
            e.aws_request_id = aws_request_id.clone();
            e
        };
        let mut reader = AnswerReader::new(format, self.max_answer_bytes);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                with_id(AgentError::new(
                    AgentFailure::StreamInterrupted,
                    DisplayErrorContext(&e).to_string(),
                ))
            })?;
            reader.push(&chunk).map_err(|e| with_id(e.into()))?;
        }
        let answer = reader.finish_answer().map_err(|e| with_id(e.into()))?;
        Ok(AgentReply {
            answer,
            aws_request_id,
        })
    }

    /// `StopRuntimeSession` for `session_id` on `endpoint`, bounded by `budget`. A runtime
    /// configured by id is named by its ARN in the client's region: the operation takes no
    /// `accountId`.
    async fn stop(&self, endpoint: &AgentEndpoint, session_id: &str, budget: Duration) -> String {
        let arn = match &endpoint.target {
            AgentTarget::Arn(arn) => arn.clone(),
            id => match self.sdk.config().region() {
                Some(region) => id.arn_in(region.as_ref()),
                None => return "skipped (no region to spell the runtime's ARN in)".into(),
            },
        };
        let req = self
            .sdk
            .stop_runtime_session()
            .agent_runtime_arn(arn)
            .qualifier(&endpoint.qualifier)
            .runtime_session_id(session_id);
        match tokio::time::timeout(budget, req.send()).await {
            Ok(Ok(_)) => "stopped".into(),
            Ok(Err(e)) => format!("not stopped ({})", e.code().unwrap_or("no error code")),
            Err(_) => format!("no answer within {budget:?}"),
        }
    }
}
