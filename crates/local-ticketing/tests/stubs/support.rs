//! A server with the default credentials, and a client that keeps answers whatever their type.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::Value;

pub async fn server() -> RunningTicketing {
    RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .expect("start")
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).expect("a JSON answer")
    }

    /// The `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap())
    }
}

/// Sends `body` as it is, with `headers` and a JSON `Content-Type`.
pub async fn send(method: &str, url: String, headers: &[(&str, &str)], body: String) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

pub const JSON: Option<&str> = Some("application/json; charset=utf-8");
pub const TEXT: Option<&str> = Some("text/plain; charset=utf-8");

/// An `Authorization` value for HTTP Basic auth.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}
