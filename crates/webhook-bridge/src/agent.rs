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

use crate::answer::{AnswerError, AnswerFormat, AnswerReader};
use crate::config::Config;

/// The SDK settings the bridge needs, before credentials, region and endpoint are resolved.
///
/// Stalled-stream protection is off because it cuts a response body that is silent for about
/// 5 s, and agents routinely think for longer than that between chunks; the bridge's own
/// deadline bounds every call instead. Retries use the standard mode with the configured
/// number of attempts (throttling, 5xx and connection errors are retried by the SDK).
pub fn sdk_defaults(config: &Config) -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts))
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
    fn new(failure: AgentFailure, detail: impl Into<String>) -> Self {
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
    pub text: String,
    pub aws_request_id: Option<String>,
}

/// Invokes one configured runtime endpoint.
#[derive(Debug, Clone)]
pub struct AgentClient {
    sdk: aws_sdk_bedrockagentcore::Client,
    runtime_arn: String,
    qualifier: String,
    max_answer_bytes: usize,
}

impl AgentClient {
    pub fn new(sdk_config: &SdkConfig, config: &Config) -> Self {
        AgentClient {
            sdk: aws_sdk_bedrockagentcore::Client::new(sdk_config),
            runtime_arn: config.agent_runtime_arn.clone(),
            qualifier: config.qualifier.clone(),
            max_answer_bytes: config.max_answer_bytes,
        }
    }

    /// Sends `payload` (JSON) in session `session_id`; the call, its retries and the read of the
    /// answer all end by `deadline`.
    pub async fn invoke(
        &self,
        session_id: &str,
        payload: Vec<u8>,
        deadline: Duration,
    ) -> Result<AgentReply, AgentError> {
        let started = Instant::now();
        match tokio::time::timeout(deadline, self.invoke_and_read(session_id, payload)).await {
            Ok(result) => result,
            Err(_) => Err(AgentError::new(
                AgentFailure::Timeout,
                format!("no complete answer within {:?}", started.elapsed()),
            )),
        }
    }

    async fn invoke_and_read(
        &self,
        session_id: &str,
        payload: Vec<u8>,
    ) -> Result<AgentReply, AgentError> {
        let output = self
            .sdk
            .invoke_agent_runtime()
            .agent_runtime_arn(&self.runtime_arn)
            .qualifier(&self.qualifier)
            .runtime_session_id(session_id)
            .content_type("application/json")
            .accept("application/json, text/event-stream")
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(classify)?;

        let aws_request_id = output.request_id().map(str::to_owned);
        let with_id = |mut e: AgentError| {
            e.aws_request_id = aws_request_id.clone();
            e
        };
        let mut reader = AnswerReader::new(
            AnswerFormat::from_content_type(output.content_type()),
            self.max_answer_bytes,
        );
        let mut body = output.response;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                with_id(AgentError::new(
                    AgentFailure::StreamInterrupted,
                    DisplayErrorContext(&e).to_string(),
                ))
            })?;
            reader.push(&chunk).map_err(|e| with_id(answer_error(e)))?;
        }
        let text = reader.finish().map_err(|e| with_id(answer_error(e)))?;
        Ok(AgentReply {
            text,
            aws_request_id,
        })
    }
}

fn answer_error(e: AnswerError) -> AgentError {
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
