//! The AgentCore client: one `InvokeAgentRuntime` call per delivery, its answer read chunk by
//! chunk under a size cap, everything inside one deadline.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_bedrockagentcore::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentcore::operation::RequestId;
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;
use aws_smithy_types::Blob;
use thiserror::Error;

use crate::agents::AgentEndpoint;
use crate::answer::{Answer, AnswerError, AnswerFormat, AnswerReader};
use crate::config::{AgentTarget, Config, RetryMode};
use crate::retry::QuotaExceededIsThrottling;

/// The SDK settings the bridge needs, before credentials, region and endpoint are resolved.
///
/// Stalled-stream protection is off because it cuts a response body that is silent for about
/// 5 s, and agents routinely think for longer than that between chunks; the bridge's own
/// deadline bounds every call instead. Retries follow the configured mode and attempts.
pub fn sdk_defaults(config: &Config) -> ConfigLoader {
    let retry = match config.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(config.max_attempts)
    .with_initial_backoff(config.retry_initial_backoff);
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .build(),
        )
}

/// What went wrong calling the agent, by what the operator should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentFailure {
    /// AgentCore refused the request as invalid (`ValidationException`).
    RequestRejected,
    /// The function's role may not invoke the runtime (`AccessDeniedException`).
    AccessDenied,
    /// The runtime or endpoint does not exist (`ResourceNotFoundException`).
    NotFound,
    /// The session is busy with another request (`RetryableConflictException`).
    SessionBusy,
    /// Throttled or over quota, after the SDK's retries.
    Throttled,
    /// The agent container failed (`RuntimeClientError`, 424).
    RuntimeFailed,
    /// AgentCore itself failed or could not be reached, after retries.
    Unavailable,
    /// The answer's body broke off before its end.
    StreamInterrupted,
    /// The answer was larger than `MAX_ANSWER_BYTES`.
    AnswerTooLarge,
    /// The agent reported an error inside its stream.
    InBandError,
    /// The agent answered with no text.
    EmptyAnswer,
    /// The deadline passed.
    Timeout,
    /// Anything else (an unknown error type, an unreadable error body).
    Unknown,
}

/// A failed agent call. `detail` may contain SDK and agent text and goes to logs only.
#[derive(Debug, Clone, Error)]
#[error("{failure:?} ({error_type:?}): {detail}")]
pub struct AgentError {
    pub failure: AgentFailure,
    /// AgentCore's error type (`ThrottlingException`, …), when it sent one.
    pub error_type: Option<String>,
    /// AgentCore's request id, for support cases and log correlation.
    pub aws_request_id: Option<String>,
    pub detail: String,
}

impl AgentError {
    pub fn new(failure: AgentFailure, detail: impl Into<String>) -> Self {
        AgentError {
            failure,
            error_type: None,
            aws_request_id: None,
            detail: detail.into(),
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct AgentReply {
    pub answer: Answer,
    pub aws_request_id: Option<String>,
}

/// An answer whose headers have arrived and whose body is still coming.
pub struct AgentStream {
    pub format: AnswerFormat,
    pub body: aws_smithy_types::byte_stream::ByteStream,
    pub aws_request_id: Option<String>,
}

/// Trace context passed on to AgentCore (and from there to the agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceContext {
    /// `X-Amzn-Trace-Id`: the Lambda invocation's X-Ray trace.
    pub xray: Option<String>,
    /// W3C `traceparent`, `tracestate` and `baggage` from the inbound request.
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
    pub baggage: Option<String>,
}

/// One agent call.
#[derive(Debug, Clone)]
pub struct AgentCall {
    /// The runtime endpoint to invoke.
    pub endpoint: AgentEndpoint,
    pub session_id: String,
    /// The JSON document sent as the request body.
    pub payload: Vec<u8>,
    /// `runtimeUserId`, when configured and present.
    pub user_id: Option<String>,
    pub trace: TraceContext,
}

/// How long the best-effort `StopRuntimeSession` after a timeout may take.
const STOP_BUDGET: Duration = Duration::from_secs(1);

/// Invokes runtime endpoints; built once per cold start.
#[derive(Debug, Clone)]
pub struct AgentClient {
    sdk: aws_sdk_bedrockagentcore::Client,
    /// The function's own endpoint, used to warm the connection.
    default: AgentEndpoint,
    max_answer_bytes: usize,
}

impl AgentClient {
    pub fn new(sdk_config: &SdkConfig, config: &Config) -> Self {
        let conf = aws_sdk_bedrockagentcore::config::Builder::from(sdk_config)
            .retry_classifier(QuotaExceededIsThrottling)
            .build();
        AgentClient {
            sdk: aws_sdk_bedrockagentcore::Client::from_conf(conf),
            default: config.default_endpoint(),
            max_answer_bytes: config.max_answer_bytes,
        }
    }

    /// Runs `call`; the call, its retries and the read of the answer all end by `deadline`. On
    /// expiry the session is stopped (best effort, briefly awaited) so a runaway agent does not
    /// keep running, and billing, after the caller has been told it timed out.
    pub async fn invoke(
        &self,
        call: &AgentCall,
        deadline: Duration,
    ) -> Result<AgentReply, AgentError> {
        let started = Instant::now();
        match tokio::time::timeout(deadline, self.invoke_and_read(call)).await {
            Ok(result) => result,
            Err(_) => {
                let stopped = self.stop_session(call, STOP_BUDGET).await;
                Err(AgentError::new(
                    AgentFailure::Timeout,
                    format!(
                        "no complete answer within {:?}; StopRuntimeSession: {stopped}",
                        started.elapsed()
                    ),
                ))
            }
        }
    }

    /// Asks AgentCore to stop the call's session, waiting at most `budget`. Returns what
    /// happened, for the log; failures are expected (the session may already be gone) and never
    /// surface.
    pub async fn stop_session(&self, call: &AgentCall, budget: Duration) -> String {
        stop(&self.sdk, &call.endpoint, &call.session_id, budget).await
    }

    /// Opens the TLS connection to AgentCore (and resolves credentials) at cold start, so the
    /// first delivery does not pay for it: a published measurement of a Rust SDK client at
    /// 128 MB cut the first request from ~900 ms to ~20 ms. It asks AgentCore to stop a session
    /// that does not exist (a harmless no-op answered with `ResourceNotFoundException`), and
    /// gives up after `budget` so a slow network never fails the function's init.
    pub async fn warm_up(&self, budget: Duration) -> String {
        let probe = format!("warmup-{}", uuid::Uuid::new_v4().simple());
        stop(&self.sdk, &self.default, &probe, budget).await
    }

    /// Sends `call` and returns once AgentCore has answered with headers: the status is known,
    /// the body streams. Not bounded by a deadline: callers wrap it in theirs.
    pub async fn open(&self, call: &AgentCall) -> Result<AgentStream, AgentError> {
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
        } = self.open(call).await?;
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
            reader.push(&chunk).map_err(|e| with_id(answer_error(e)))?;
        }
        let answer = reader
            .finish_answer()
            .map_err(|e| with_id(answer_error(e)))?;
        Ok(AgentReply {
            answer,
            aws_request_id,
        })
    }
}

/// `StopRuntimeSession` for `session_id` on `endpoint`, bounded by `budget`.
async fn stop(
    sdk: &aws_sdk_bedrockagentcore::Client,
    endpoint: &AgentEndpoint,
    session_id: &str,
    budget: Duration,
) -> String {
    let AgentTarget::Arn(arn) = &endpoint.target else {
        // StopRuntimeSession has no accountId parameter: it needs the runtime's ARN.
        return "skipped (runtime configured by id, StopRuntimeSession needs the ARN)".into();
    };
    let req = sdk
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

/// An answer-reading failure as an agent failure.
pub fn answer_error(e: AnswerError) -> AgentError {
    let failure = match e {
        AnswerError::TooLarge { .. } => AgentFailure::AnswerTooLarge,
        AnswerError::AgentReported(_) => AgentFailure::InBandError,
        AnswerError::Empty => AgentFailure::EmptyAnswer,
    };
    AgentError::new(failure, e.to_string())
}

type InvokeSdkError =
    SdkError<InvokeAgentRuntimeError, aws_sdk_bedrockagentcore::config::http::HttpResponse>;

/// Sorts an SDK failure (after the SDK's own retries) into what the operator can act on.
fn classify(err: InvokeSdkError) -> AgentError {
    let detail = DisplayErrorContext(&err).to_string();
    let (failure, error_type, aws_request_id) = match &err {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let failure = match e {
                InvokeAgentRuntimeError::ValidationException(_) => AgentFailure::RequestRejected,
                InvokeAgentRuntimeError::AccessDeniedException(_) => AgentFailure::AccessDenied,
                InvokeAgentRuntimeError::ResourceNotFoundException(_) => AgentFailure::NotFound,
                InvokeAgentRuntimeError::RetryableConflictException(_) => AgentFailure::SessionBusy,
                InvokeAgentRuntimeError::ThrottlingException(_)
                | InvokeAgentRuntimeError::ServiceQuotaExceededException(_) => {
                    AgentFailure::Throttled
                }
                InvokeAgentRuntimeError::RuntimeClientError(_) => AgentFailure::RuntimeFailed,
                InvokeAgentRuntimeError::InternalServerException(_) => AgentFailure::Unavailable,
                _ => by_status(ctx.raw().status().as_u16()),
            };
            (
                failure,
                e.code().map(str::to_owned),
                e.request_id().map(str::to_owned),
            )
        }
        SdkError::ResponseError(ctx) => (by_status(ctx.raw().status().as_u16()), None, None),
        SdkError::TimeoutError(_) => (AgentFailure::Timeout, None, None),
        SdkError::DispatchFailure(_) => (AgentFailure::Unavailable, None, None),
        _ => (AgentFailure::Unknown, None, None),
    };
    AgentError {
        failure,
        error_type,
        aws_request_id,
        detail,
    }
}

/// Errors without a modeled type: gateway-style 5xx are an unavailable service, the rest unknown.
fn by_status(status: u16) -> AgentFailure {
    match status {
        500 | 502 | 503 | 504 => AgentFailure::Unavailable,
        _ => AgentFailure::Unknown,
    }
}
