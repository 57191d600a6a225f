//! Turning an unsuccessful HTTP answer into one line for stderr.
//!
//! Three shapes reach the client: the bridge's own envelope (a stable code worth showing as is),
//! API Gateway's bare `{"message": …}` for refusals it makes itself (a missing API key never
//! reaches the bridge), and whatever a proxy or load balancer returns.

use reqwest::StatusCode;
use serde_json::Value;

use crate::exit::CliError;

/// How much of an unrecognised body is shown: enough to recognise an HTML error page.
const SNIPPET_CHARS: usize = 200;

/// The error for a non-2xx answer with this body.
pub fn status_error(status: StatusCode, body: &[u8]) -> CliError {
    CliError::for_status(status, describe(status, body))
}

/// `CODE (HTTP 404): message[; retry after N s]` for the bridge's envelope,
/// `Forbidden (HTTP 403)` for API Gateway, `HTTP 502 Bad Gateway: <snippet>` otherwise.
pub fn describe(status: StatusCode, body: &[u8]) -> String {
    let code = status.as_u16();
    let doc: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(err) = doc.as_ref().and_then(|d| d.get("error"))
        && let Some(name) = err.get("code").and_then(Value::as_str)
    {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("");
        let mut line = format!("{name} (HTTP {code}): {message}");
        if let Some(secs) = err.get("retry_after").and_then(Value::as_u64) {
            line.push_str(&format!("; retry after {secs} s"));
        }
        return line;
    }
    if let Some(message) = doc
        .as_ref()
        .and_then(|d| d.get("message").or_else(|| d.get("Message")))
        .and_then(Value::as_str)
    {
        return format!("{message} (HTTP {code})");
    }
    let text = String::from_utf8_lossy(body);
    let snippet: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(SNIPPET_CHARS)
        .collect();
    if snippet.is_empty() {
        format!("HTTP {status} (empty body)")
    } else {
        format!("HTTP {status}: {snippet}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit;

    /// The error for `status` and `body` reads `line` and exits with `code`.
    fn assert_error(status: StatusCode, body: &[u8], line: &str, code: u8) {
        let err = status_error(status, body);
        assert_eq!(err.to_string(), line);
        assert_eq!(err.exit_code(), code);
    }

    #[test]
    fn the_bridge_envelope_shows_code_status_and_message() {
        let body = br#"{"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"no agent named 'x'","status":404},"request_id":"r1"}"#;
        assert_error(
            StatusCode::NOT_FOUND,
            body,
            "AGENT_NOT_FOUND (HTTP 404): no agent named 'x'",
            exit::REFUSED,
        );
    }

    #[test]
    fn retry_after_is_shown_when_present() {
        let body = br#"{"success":false,"error":{"code":"AGENT_THROTTLED","message":"slow down","status":503,"retry_after":7},"request_id":"r"}"#;
        assert_error(
            StatusCode::SERVICE_UNAVAILABLE,
            body,
            "AGENT_THROTTLED (HTTP 503): slow down; retry after 7 s",
            exit::FAILED,
        );
    }

    #[test]
    fn api_gateway_refusals_show_their_message() {
        assert_error(
            StatusCode::FORBIDDEN,
            br#"{"message":"Forbidden"}"#,
            "Forbidden (HTTP 403)",
            exit::REFUSED,
        );
    }

    #[test]
    fn anything_else_shows_a_short_single_line_snippet() {
        let page = format!(
            "<html>\n<body>Bad   gateway</body>{}</html>",
            "x".repeat(500)
        );
        let line = describe(StatusCode::BAD_GATEWAY, page.as_bytes());
        assert!(line.starts_with("HTTP 502 Bad Gateway: <html> <body>Bad gateway</body>xx"));
        assert!(!line.contains('\n'));
        assert!(line.len() < 260, "{line}");
        assert_eq!(
            describe(StatusCode::INTERNAL_SERVER_ERROR, b""),
            "HTTP 500 Internal Server Error (empty body)"
        );
    }
}
