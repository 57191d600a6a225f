//! AgentCore's modeled errors in their exact wire form.

use axum::response::Response;
use http::{HeaderValue, StatusCode};
use serde::Deserialize;

use crate::respond::{JSON, typed};

/// The error classes `InvokeAgentRuntime` can answer with (service model 2024-02-28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ServiceError {
    /// 400: the request breaks a constraint of the API (ARN, qualifier, session id, size).
    ValidationException,
    /// 403: the caller may not invoke the runtime.
    AccessDeniedException,
    /// 404: no such runtime, endpoint or session.
    ResourceNotFoundException,
    /// 409: the session is busy with another request; retrying may succeed.
    RetryableConflictException,
    /// 402: an account quota is used up.
    ServiceQuotaExceededException,
    /// 429: too many requests; the SDK retries these.
    ThrottlingException,
    /// 424: the agent container failed or could not be reached.
    RuntimeClientError,
    /// 500: the service failed.
    InternalServerException,
}

impl ServiceError {
    /// The HTTP status the service answers this error with.
    pub fn status(self) -> StatusCode {
        match self {
            ServiceError::ValidationException => StatusCode::BAD_REQUEST,
            ServiceError::AccessDeniedException => StatusCode::FORBIDDEN,
            ServiceError::ResourceNotFoundException => StatusCode::NOT_FOUND,
            ServiceError::RetryableConflictException => StatusCode::CONFLICT,
            ServiceError::ServiceQuotaExceededException => StatusCode::PAYMENT_REQUIRED,
            ServiceError::ThrottlingException => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::RuntimeClientError => StatusCode::FAILED_DEPENDENCY,
            ServiceError::InternalServerException => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error type's name, as it appears in `X-Amzn-ErrorType` (and in JSON fault specs).
    pub fn name(self) -> &'static str {
        match self {
            ServiceError::ValidationException => "ValidationException",
            ServiceError::AccessDeniedException => "AccessDeniedException",
            ServiceError::ResourceNotFoundException => "ResourceNotFoundException",
            ServiceError::RetryableConflictException => "RetryableConflictException",
            ServiceError::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            ServiceError::ThrottlingException => "ThrottlingException",
            ServiceError::RuntimeClientError => "RuntimeClientError",
            ServiceError::InternalServerException => "InternalServerException",
        }
    }

    fn default_message(self) -> &'static str {
        match self {
            ServiceError::ValidationException => {
                "The input fails to satisfy the constraints specified by the service."
            }
            ServiceError::AccessDeniedException => {
                "User is not authorized to perform: bedrock-agentcore:InvokeAgentRuntime"
            }
            ServiceError::ResourceNotFoundException => "The specified resource could not be found.",
            ServiceError::RetryableConflictException => {
                "The session is processing another request. Retry the request."
            }
            ServiceError::ServiceQuotaExceededException => "Service quota exceeded.",
            ServiceError::ThrottlingException => "Rate exceeded",
            ServiceError::RuntimeClientError => {
                "Received error (500) from runtime. Please check your CloudWatch logs for more information."
            }
            ServiceError::InternalServerException => {
                "An internal error occurred. Retry your request."
            }
        }
    }

    /// The error with the service's usual message for it.
    pub fn response(self) -> Response {
        self.with_message(self.default_message())
    }

    /// The error with a specific message, as `{"message": …}` plus `X-Amzn-ErrorType`.
    pub fn with_message(self, message: &str) -> Response {
        let body = serde_json::json!({ "message": message }).to_string();
        let mut resp = typed(self.status(), body, JSON);
        let error_type = format!(
            "{}:http://internal.amazon.com/coral/com.amazon.bedrock.agentcore/",
            self.name()
        );
        if let Ok(v) = HeaderValue::from_str(&error_type) {
            resp.headers_mut().insert("x-amzn-errortype", v);
        }
        resp
    }
}
