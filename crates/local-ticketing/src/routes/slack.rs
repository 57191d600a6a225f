//! Slack incoming webhooks: `POST /services/{team}/{channel}/{token}`
//! (`https://hooks.slack.com/services/T000/B000/XXXX`). Slack answers in plain text: `ok`, or an
//! error string (api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).

use http::StatusCode;
use serde_json::Value;

use super::{Context, Incoming, Reply, method_not_allowed};

/// The token (the URL's last segment) first: a wrong or revoked URL is `404 no_service`
/// whatever the body. Then the message needs a non-empty `text` or `blocks`; an over-long
/// `text` (Slack's limit is 40,000 characters) is truncated by Slack, not refused.
pub(super) fn post(ctx: &Context, req: &Incoming, token: &str) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if token != ctx.config.slack_token {
        return Reply::text(StatusCode::NOT_FOUND, "no_service");
    }
    if !req.body.is_some_and(is_message) {
        return Reply::text(StatusCode::BAD_REQUEST, "invalid_payload");
    }
    Reply::text(StatusCode::OK, "ok")
}

/// A JSON object with a non-empty string `text` or a non-empty `blocks` array.
fn is_message(body: &Value) -> bool {
    let has_text = body
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    let has_blocks = body
        .get("blocks")
        .and_then(Value::as_array)
        .is_some_and(|b| !b.is_empty());
    has_text || has_blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_message_needs_text_or_blocks() {
        assert!(is_message(&json!({"text": "hi"})));
        assert!(is_message(&json!({"blocks": [{"type": "divider"}]})));
        assert!(is_message(
            &json!({"text": "", "blocks": [{"type": "divider"}]})
        ));
        for bad in [
            json!({}),
            json!({"text": ""}),
            json!({"text": 3}),
            json!({"blocks": []}),
            json!("hi"),
        ] {
            assert!(!is_message(&bad), "{bad}");
        }
    }
}
