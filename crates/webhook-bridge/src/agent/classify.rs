//! Sorting an SDK failure (after the SDK's own retries) into an [`AgentFailure`].

use aws_sdk_bedrockagentcore::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockagentcore::operation::RequestId;
use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;

use super::error::{AgentError, AgentFailure};

type InvokeSdkError =
    SdkError<InvokeAgentRuntimeError, aws_sdk_bedrockagentcore::config::http::HttpResponse>;

/// Sorts an SDK failure (after the SDK's own retries) into what the operator can act on.
pub(super) fn classify(err: InvokeSdkError) -> AgentError {
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

/// Errors without a modeled type: AWS's front door refusing the bridge's credentials
/// (`ExpiredTokenException`, `UnrecognizedClientException`, `InvalidSignatureException`, all
/// 403 and absent from the service model) are access denied, gateway-style 5xx an unavailable
/// service, the rest unknown.
fn by_status(status: u16) -> AgentFailure {
    match status {
        401 | 403 => AgentFailure::AccessDenied,
        500 | 502 | 503 | 504 => AgentFailure::Unavailable,
        _ => AgentFailure::Unknown,
    }
}
