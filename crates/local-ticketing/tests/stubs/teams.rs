//! Teams through a Power Automate workflow: 202 with no body, Azure's JSON errors otherwise.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::{JSON, send, server};

const INVOKE: &str = "/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke";
const QUERY: &str = "api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=local-teams-sig";

/// A Teams message with one Adaptive Card whose text is `text`.
fn card(text: &str) -> Value {
    json!({"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": null,
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": text, "wrap": true}],
        },
    }]})
}

fn error_code(a: &crate::support::Answer) -> String {
    a.json()["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn teams_invoke_answers_202_without_a_body_and_is_recorded() {
    let s = server().await;
    let message = card("Analysis: restart the mail relay");
    let url = format!("{}{INVOKE}?{QUERY}", s.endpoint_url());
    let a = send("POST", url, &[], message.to_string()).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.text, "");
    assert_eq!(a.content_type(), None);
    assert!(a.headers.contains_key("x-ms-workflow-run-id"));

    let [r] = s.requests_for("/workflows/").try_into().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, INVOKE);
    assert_eq!(r.query.as_deref(), Some(QUERY));
    assert_eq!(r.body, Some(message));
    assert_eq!(r.status, 202);
    assert!(!r.scripted);
}

#[tokio::test]
async fn teams_accepts_the_newer_url_form_and_exactly_28_kb() {
    let s = server().await;
    let url = format!(
        "{}/powerautomate/automations/direct{INVOKE}?{QUERY}",
        s.endpoint_url()
    );
    let padding = 28_672 - card("").to_string().len();
    let body = card(&"x".repeat(padding)).to_string();
    assert_eq!(body.len(), 28_672);
    let a = send("POST", url, &[], body).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn teams_refuses_bad_signatures_sizes_and_shapes() {
    let s = server().await;
    let base = format!("{}{INVOKE}", s.endpoint_url());
    let good = card("x").to_string();

    let a = send(
        "POST",
        format!("{base}?api-version=1&sig=wrong"),
        &[],
        good.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.content_type(), JSON);
    assert_eq!(error_code(&a), "DirectApiAuthorizationRequired");
    assert!(a.json()["error"]["message"].is_string());
    let a = send("POST", format!("{base}?api-version=1"), &[], good.clone()).await;
    assert_eq!(error_code(&a), "DirectApiAuthorizationRequired");

    let a = send("POST", format!("{base}?sig=local-teams-sig"), &[], good).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&a), "MissingApiVersionParameter");

    let url = format!("{base}?{QUERY}");
    let big = card(&"x".repeat(28_672)).to_string();
    let a = send("POST", url.clone(), &[], big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.content_type(), JSON);
    assert_eq!(error_code(&a), "RequestEntityTooLarge");

    let mut hero = card("x");
    hero["attachments"][0]["contentType"] = "application/vnd.microsoft.card.hero".into();
    let mut no_card = card("x");
    no_card["attachments"][0]["content"]["type"] = "Message".into();
    for body in [
        "not json".to_owned(),
        json!({"text": "x"}).to_string(),
        json!({"type": "message", "attachments": []}).to_string(),
        hero.to_string(),
        no_card.to_string(),
    ] {
        let a = send("POST", url.clone(), &[], body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&a), "InvalidRequestContent");
    }

    let statuses: Vec<_> = s.requests().iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [401, 401, 400, 413, 400, 400, 400, 400, 400]);
}

#[tokio::test]
async fn teams_honours_scripted_failures() {
    let s = server().await;
    s.fail_next(1, StatusCode::BAD_GATEWAY);
    let url = format!("{}{INVOKE}?{QUERY}", s.endpoint_url());
    let a = send("POST", url.clone(), &[], card("x").to_string()).await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY);
    let a = send("POST", url, &[], card("x").to_string()).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let scripted: Vec<_> = s.requests().iter().map(|r| r.scripted).collect();
    assert_eq!(scripted, [true, false]);
}
