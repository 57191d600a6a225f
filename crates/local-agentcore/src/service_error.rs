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
    /// 403 from AWS's front door, not in the service model: the caller's temporary credentials
    /// have expired.
    ExpiredTokenException,
    /// 403 from AWS's front door, not in the service model: the access key is unknown.
    UnrecognizedClientException,
    /// 403 from AWS's front door, not in the service model: the signature does not match.
    InvalidSignatureException,
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
            ServiceError::ExpiredTokenException
            | ServiceError::UnrecognizedClientException
            | ServiceError::InvalidSignatureException => StatusCode::FORBIDDEN,
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
            ServiceError::ExpiredTokenException => "ExpiredTokenException",
            ServiceError::UnrecognizedClientException => "UnrecognizedClientException",
            ServiceError::InvalidSignatureException => "InvalidSignatureException",
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
            ServiceError::ExpiredTokenException => {
                "The security token included in the request is expired"
            }
            ServiceError::UnrecognizedClientException => {
                "The security token included in the request is invalid."
            }
            ServiceError::InvalidSignatureException => {
                "The request signature we calculated does not match the signature you provided."
            }
        }
    }

    /// The error with the service's usual message for it.
    pub fn response(self) -> Response {
        self.with_message(self.default_message())
    }

    /// The error with its type only in the body (`{"__type", "message"}`, no
    /// `X-Amzn-ErrorType`), as some AWS front ends send it; the SDK reads either.
    pub fn in_body(self) -> Response {
        let body = serde_json::json!({
            "__type": format!("com.amazon.coral.service#{}", self.name()),
            "message": self.default_message(),
        })
        .to_string();
        typed(self.status(), body, JSON)
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
