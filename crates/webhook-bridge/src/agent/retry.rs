//! Retry classification the SDK does not do on its own.

use aws_sdk_bedrockagentcore::operation::invoke_agent_runtime::InvokeAgentRuntimeError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};

/// Treats `ServiceQuotaExceededException` (402) like throttling: the quota behind it (active
/// sessions, invocations per second) frees up within seconds, so a backed-off retry usually
/// succeeds. The SDK retries `ThrottlingException` by its code, 5xx and connection errors as
/// transient, and `RetryableConflictException` as modeled; this adds the one it leaves out.
#[derive(Debug, Default)]
pub struct QuotaExceededIsThrottling;

impl ClassifyRetry for QuotaExceededIsThrottling {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let quota_exceeded = ctx
            .output_or_error()
            .and_then(|r| r.err())
            .and_then(|e| e.as_operation_error())
            .and_then(|e| e.downcast_ref::<InvokeAgentRuntimeError>())
            .is_some_and(InvokeAgentRuntimeError::is_service_quota_exceeded_exception);
        if quota_exceeded {
            RetryAction::throttling_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "ServiceQuotaExceededIsThrottling"
    }
}
