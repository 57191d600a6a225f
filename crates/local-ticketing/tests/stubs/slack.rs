//! Slack incoming webhooks: `ok`, `no_service`, `invalid_payload`, all in plain text.

use http::StatusCode;
use local_ticketing::PresentedAuth;
use serde_json::json;

use crate::support::{TEXT, send, server};

const HOOK: &str = "/services/T000/B000/local-slack-token";

#[tokio::test]
async fn slack_post_answers_ok_in_plain_text_and_is_recorded() {
    let s = server().await;
    let message = json!({"text": "Analysis: restart the mail relay"});
    let a = send(
        "POST",
        format!("{}{HOOK}", s.endpoint_url()),
        &[],
        message.to_string(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), TEXT);
    assert_eq!(a.text, "ok");

    let [r] = s.requests_for("/services/").try_into().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, HOOK);
    assert_eq!(r.query, None);
    assert_eq!(r.body, Some(message.clone()));
    assert_eq!(r.raw_body, message.to_string());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.auth, PresentedAuth::None);
    assert_eq!(r.status, 200);
    assert!(!r.scripted);
}

#[tokio::test]
async fn slack_accepts_blocks_without_text_and_over_long_text() {
    let s = server().await;
    let url = format!("{}{HOOK}", s.endpoint_url());
    let blocks =
        json!({"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Analysis*"}}]});
    let a = send("POST", url.clone(), &[], blocks.to_string()).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::OK, "ok"));

    // Slack truncates text past 40,000 characters rather than refusing it.
    let long = "x".repeat(40_001);
    let a = send("POST", url, &[], json!({"text": long}).to_string()).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::OK, "ok"));
    let recorded = s.requests();
    assert_eq!(recorded[1].body.as_ref().unwrap()["text"], long);
}

#[tokio::test]
async fn slack_refuses_a_wrong_token_then_bad_payloads() {
    let s = server().await;
    let base = s.endpoint_url();

    // The URL is checked first: a revoked hook is `no_service` whatever was sent.
    for body in [json!({"text": "x"}).to_string(), "not json".into()] {
        let a = send(
            "POST",
            format!("{base}/services/T000/B000/revoked"),
            &[],
            body,
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(a.content_type(), TEXT);
        assert_eq!(a.text, "no_service");
    }

    let url = format!("{base}{HOOK}");
    for body in [
        "text=hello".to_owned(),
        json!({}).to_string(),
        json!({"text": ""}).to_string(),
        json!({"text": 42}).to_string(),
        json!({"blocks": []}).to_string(),
    ] {
        let a = send("POST", url.clone(), &[], body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(a.content_type(), TEXT);
        assert_eq!(a.text, "invalid_payload");
    }

    let recorded = s.requests();
    let statuses: Vec<_> = recorded.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [404, 404, 400, 400, 400, 400, 400]);
    assert_eq!(recorded[1].body, None, "not JSON");
    assert_eq!(recorded[1].raw_body, "not json");
    assert_eq!(recorded[2].raw_body, "text=hello");
}

#[tokio::test]
async fn slack_honours_scripted_failures() {
    let s = server().await;
    s.fail_next(1, StatusCode::TOO_MANY_REQUESTS);
    let url = format!("{}{HOOK}", s.endpoint_url());
    let body = json!({"text": "x"}).to_string();
    let a = send("POST", url.clone(), &[], body.clone()).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.headers["retry-after"], "1");
    let a = send("POST", url, &[], body).await;
    assert_eq!((a.status, a.text.as_str()), (StatusCode::OK, "ok"));

    let recorded: Vec<_> = s
        .requests()
        .iter()
        .map(|r| (r.status.as_u16(), r.scripted))
        .collect();
    assert_eq!(recorded, [(429, true), (200, false)]);
}
