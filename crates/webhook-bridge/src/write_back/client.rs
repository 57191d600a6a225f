//! Sending write-back requests over HTTPS and sorting the answer into a [`WriteBackError`].

use std::time::Duration;

use serde_json::Value;

use super::error::WriteBackError;
use super::render::{Success, WriteBackRequest};

/// How long one write-back request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends write-back requests; one client per cold start.
#[derive(Debug, Clone)]
pub struct WriteBackClient {
    http: reqwest::Client,
}

impl Default for WriteBackClient {
    fn default() -> Self {
        WriteBackClient {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                // GitHub refuses requests without one.
                .user_agent(concat!(
                    "agentcore-webhook-bridge/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .unwrap_or_default(),
        }
    }
}

impl WriteBackClient {
    /// Sends `req`; success is a 2xx (and, for Linear, a document that says so).
    pub async fn send(&self, req: &WriteBackRequest) -> Result<(), WriteBackError> {
        let resp = self.answer(req).await?;
        match req.success {
            Success::Status => Ok(()),
            Success::LinearCommentCreated => linear_outcome(&read_json(resp).await?),
        }
    }

    /// Sends `req` (a lookup) and returns the JSON document of its 2xx answer.
    pub async fn fetch(&self, req: &WriteBackRequest) -> Result<Value, WriteBackError> {
        read_json(self.answer(req).await?).await
    }

    /// The 2xx answer to `req`, or the failure it maps to. A `null` body is sent as none (GET).
    async fn answer(&self, req: &WriteBackRequest) -> Result<reqwest::Response, WriteBackError> {
        let mut request = self
            .http
            .request(req.method.clone(), &req.url)
            .header(http::header::ACCEPT, "application/json");
        if !req.body.is_null() {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(req.body.to_string());
        }
        if let Some(authorization) = &req.authorization {
            request = request.header(http::header::AUTHORIZATION, authorization);
        }
        let resp = request.send().await.map_err(|e| {
            // Without the URL: a chat webhook's URL is its credential.
            tracing::warn!(error = %e.without_url(), "write-back request failed");
            WriteBackError::Unreachable
        })?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            tracing::warn!(status, "write-back refused");
            return Err(WriteBackError::from_status(status));
        }
        Ok(resp)
    }
}

/// A 2xx answer's JSON document: unreadable is the system's failure (retried).
async fn read_json(resp: reqwest::Response) -> Result<Value, WriteBackError> {
    let bytes = resp
        .bytes()
        .await
        .map_err(|_| WriteBackError::Unreachable)?;
    serde_json::from_slice(&bytes).map_err(|_| WriteBackError::ServerError)
}

/// A Linear GraphQL answer to `commentCreate`: created, or why not (Linear answers 200 with an
/// `errors` array whose `extensions.code` says what went wrong).
fn linear_outcome(document: &Value) -> Result<(), WriteBackError> {
    if document["data"]["commentCreate"]["success"] == Value::Bool(true)
        && document.get("errors").is_none()
    {
        return Ok(());
    }
    let code = document["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("");
    let kind = document["errors"][0]["extensions"]["type"]
        .as_str()
        .unwrap_or("");
    tracing::warn!(code, kind, "linear refused the comment");
    Err(match (code, kind) {
        ("AUTHENTICATION_ERROR" | "FORBIDDEN", _) | (_, "authentication error") => {
            WriteBackError::Unauthorized
        }
        ("RATELIMITED", _) | (_, "ratelimited") => WriteBackError::Throttled,
        (_, "invalid input") => WriteBackError::NotFound,
        _ => WriteBackError::Rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn linear_answers_are_read_from_the_document() {
        let created =
            json!({"data": {"commentCreate": {"success": true, "comment": {"id": "c1"}}}});
        assert_eq!(linear_outcome(&created), Ok(()));
        let missing = json!({"data": null, "errors": [{"message": "Entity not found: Issue",
            "extensions": {"type": "invalid input", "code": "INVALID_INPUT"}}]});
        assert_eq!(linear_outcome(&missing), Err(WriteBackError::NotFound));
        let auth = json!({"errors": [{"message": "Authentication required, not authenticated",
            "extensions": {"type": "authentication error", "code": "AUTHENTICATION_ERROR"}}]});
        assert_eq!(linear_outcome(&auth), Err(WriteBackError::Unauthorized));
        let limited = json!({"errors": [{"extensions": {"code": "RATELIMITED"}}]});
        assert_eq!(linear_outcome(&limited), Err(WriteBackError::Throttled));
        assert_eq!(linear_outcome(&json!({})), Err(WriteBackError::Rejected));
    }
}
