//! Sending write-back requests over HTTPS and sorting the answer into a [`WriteBackError`].

use std::time::Duration;

use super::error::WriteBackError;
use super::render::WriteBackRequest;

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
    /// Sends `req`; any 2xx is success.
    pub async fn send(&self, req: &WriteBackRequest) -> Result<(), WriteBackError> {
        let resp = self
            .http
            .request(req.method.clone(), &req.url)
            .header(http::header::AUTHORIZATION, &req.authorization)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(req.body.to_string())
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "write-back request failed");
                WriteBackError::Unreachable
            })?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            Ok(())
        } else {
            tracing::warn!(status, "write-back refused");
            Err(WriteBackError::from_status(status))
        }
    }
}
