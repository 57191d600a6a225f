//! Microsoft Teams through a Power Automate workflow ("When a Teams webhook request is
//! received"): `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=1&sig=…` (also
//! under `/powerautomate/automations/direct/`, the newer URLs' prefix). Errors are Azure's
//! `{"error": {"code", "message"}}`; a run that is started answers 202 with no body.

use http::StatusCode;
use serde_json::{Value, json};

use super::{Context, Incoming, Reply, method_not_allowed};
use crate::percent::query_param;

/// Teams refuses messages over 28 KB.
const MAX_MESSAGE: usize = 28 * 1024;

const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";

fn error(status: StatusCode, code: &str, message: String) -> Reply {
    Reply::new(status, json!({"error": {"code": code, "message": message}}))
}

/// `api-version`, then the signature, then the size, then the message's shape.
pub(super) fn invoke(ctx: &Context, req: &Incoming, workflow: &str) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if query_param(req.query, "api-version").is_none_or(|v| v.is_empty()) {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.".into(),
        );
    }
    if query_param(req.query, "sig").as_deref() != Some(ctx.config.teams_sig.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "DirectApiAuthorizationRequired",
            "The request must be authenticated only by Shared Access scheme.".into(),
        );
    }
    if req.raw.len() > MAX_MESSAGE {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!(
                "The request content size '{}' bytes exceeds the maximum size '{MAX_MESSAGE}' bytes allowed for a Teams message.",
                req.raw.len()
            ),
        );
    }
    if !req.body.is_some_and(is_card_message) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The request content is not valid: expected {\"type\": \"message\", \"attachments\": [{\"contentType\": \"application/vnd.microsoft.card.adaptive\", \"content\": {\"type\": \"AdaptiveCard\", ...}}]}.".into(),
        );
    }
    let mut reply = Reply::empty(StatusCode::ACCEPTED);
    reply.headers.push((
        "x-ms-workflow-run-id",
        format!("{workflow}-run-{}", ctx.id()),
    ));
    reply
}

/// `{"type": "message", "attachments": [...]}` with at least one attachment, each an Adaptive
/// Card.
fn is_card_message(body: &Value) -> bool {
    let Some(attachments) = body["attachments"].as_array() else {
        return false;
    };
    body["type"] == "message"
        && !attachments.is_empty()
        && attachments
            .iter()
            .all(|a| a["contentType"] == ADAPTIVE_CARD && a["content"]["type"] == "AdaptiveCard")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Value {
        json!({"contentType": ADAPTIVE_CARD, "content": {"type": "AdaptiveCard", "version": "1.4", "body": []}})
    }

    #[test]
    fn a_message_carries_adaptive_cards() {
        assert!(is_card_message(
            &json!({"type": "message", "attachments": [card()]})
        ));
        let hero = json!({"contentType": "application/vnd.microsoft.card.hero", "content": {}});
        for bad in [
            json!({"type": "message", "attachments": []}),
            json!({"type": "message", "attachments": [card(), hero]}),
            json!({"attachments": [card()]}),
            json!({"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": {}}]}),
            json!({"text": "hi"}),
        ] {
            assert!(!is_card_message(&bad), "{bad}");
        }
    }
}
