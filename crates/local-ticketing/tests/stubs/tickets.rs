//! ServiceNow, GitHub and Jira over real HTTP: success documents, auth failures, the vendors'
//! other refusals, scripted outages, and what gets recorded.

use http::StatusCode;
use local_ticketing::{PresentedAuth, RunningTicketing, TicketingConfig};
use serde_json::{Value, json};

const SYS_ID: &str = "46d44b5fa9fe1981011b02fb2bcd2b35";

async fn server() -> RunningTicketing {
    RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .expect("start")
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
}

/// Sends `body` as JSON with `authorization` (if any) and a `User-Agent`.
async fn send(method: &str, url: String, authorization: Option<&str>, body: Value) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .header("content-type", "application/json")
        .header("user-agent", "webhook-bridge-test")
        .body(body.to_string());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).expect("a JSON answer"),
    }
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn servicenow_auth() -> String {
    basic("bridge", "local-servicenow-password")
}

fn jira_auth() -> String {
    basic("bridge@example.com", "local-jira-token")
}

#[tokio::test]
async fn servicenow_patch_returns_the_record_and_is_recorded() {
    let s = server().await;
    let url = format!("{}/api/now/table/incident/{SYS_ID}", s.endpoint_url());
    let notes = json!({"work_notes": "Triage: restart the mail relay"});
    let a = send("PATCH", url, Some(&servicenow_auth()), notes.clone()).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["result"]["sys_id"], SYS_ID);
    assert_eq!(a.body["result"]["work_notes"], notes["work_notes"]);

    let [r] = s
        .requests_for("/api/now/table/incident/")
        .try_into()
        .unwrap();
    assert_eq!(r.method, "PATCH");
    assert_eq!(r.path, format!("/api/now/table/incident/{SYS_ID}"));
    assert_eq!(r.body, Some(notes));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.auth,
        PresentedAuth::Basic {
            username: "bridge".into(),
            password: "local-servicenow-password".into()
        }
    );
    assert_eq!(r.status, 200);
    assert!(!r.scripted);
}

#[tokio::test]
async fn servicenow_refuses_bad_auth_unknown_records_and_bad_bodies() {
    let s = server().await;
    let base = format!("{}/api/now/table/incident", s.endpoint_url());
    let body = json!({"work_notes": "x"});

    let a = send(
        "PATCH",
        format!("{base}/{SYS_ID}"),
        Some(&basic("bridge", "nope")),
        body.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.body,
        json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
    );
    let a = send("PATCH", format!("{base}/{SYS_ID}"), None, body.clone()).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    let a = send(
        "PATCH",
        format!("{base}/INC0010001"),
        Some(&servicenow_auth()),
        body,
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["status"], "failure");

    let a = send(
        "PATCH",
        format!("{base}/{SYS_ID}"),
        Some(&servicenow_auth()),
        json!("notes"),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let statuses: Vec<_> = s.requests().iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [401, 401, 404, 400]);
    assert_eq!(s.requests()[1].auth, PresentedAuth::None);
}

#[tokio::test]
async fn github_comment_with_bearer_or_token_auth() {
    let s = server().await;
    let url = format!("{}/repos/acme/ops/issues/42/comments", s.endpoint_url());
    for auth in ["Bearer local-github-token", "token local-github-token"] {
        let a = send("POST", url.clone(), Some(auth), json!({"body": "Analysis"})).await;
        assert_eq!(a.status, StatusCode::CREATED, "{auth}");
        assert_eq!(a.body["body"], "Analysis");
        let id = a.body["id"].as_u64().expect("numeric id");
        assert_eq!(
            a.body["html_url"],
            format!("https://github.com/acme/ops/issues/42#issuecomment-{id}")
        );
        assert_eq!(a.headers["location"], a.body["url"].as_str().unwrap());
    }
    let recorded = s.requests_for("/repos/acme/ops/issues/42/");
    assert!(matches!(recorded[0].auth, PresentedAuth::Bearer { .. }));
    assert!(matches!(recorded[1].auth, PresentedAuth::Token { .. }));
    assert_eq!(recorded[1].body, Some(json!({"body": "Analysis"})));
}

#[tokio::test]
async fn github_refuses_bad_credentials_missing_user_agent_and_bad_requests() {
    let s = server().await;
    let url = format!("{}/repos/acme/ops/issues/42/comments", s.endpoint_url());
    let a = send(
        "POST",
        url.clone(),
        Some("Bearer wrong"),
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.body["message"], "Bad credentials");

    let a = send(
        "POST",
        url.clone(),
        Some("Bearer local-github-token"),
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);

    let issue = format!("{}/repos/acme/ops/issues/abc/comments", s.endpoint_url());
    let a = send(
        "POST",
        issue,
        Some("Bearer local-github-token"),
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // reqwest sends no User-Agent unless told to; GitHub answers 403.
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", "Bearer local-github-token")
        .body(json!({"body": "x"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn jira_comment_and_its_refusals() {
    let s = server().await;
    let url = format!("{}/rest/api/3/issue/OPS-7/comment", s.endpoint_url());
    let doc = json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Analysis"}]}]});
    let a = send(
        "POST",
        url.clone(),
        Some(&jira_auth()),
        json!({"body": doc}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.body["body"], doc);
    assert!(a.body["id"].is_string(), "Jira ids are strings");

    let a = send(
        "POST",
        url.clone(),
        Some(&basic("bridge@example.com", "wrong")),
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body["errorMessages"].is_array());

    // API v2's plain-text body, and a document without text, are refused.
    let a = send(
        "POST",
        url.clone(),
        Some(&jira_auth()),
        json!({"body": "Analysis"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let empty = json!({"type": "doc", "version": 1, "content": []});
    let a = send("POST", url, Some(&jira_auth()), json!({"body": empty})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let bad_key = format!("{}/rest/api/3/issue/not-a-key/comment", s.endpoint_url());
    let a = send("POST", bad_key, Some(&jira_auth()), json!({"body": doc})).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    assert_eq!(s.requests_for("/rest/api/3/issue/OPS-7/").len(), 4);
}

#[tokio::test]
async fn scripted_failures_come_first_then_the_routes_answer_again() {
    let s = server().await;
    s.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
    let url = format!("{}/api/now/table/incident/{SYS_ID}", s.endpoint_url());
    let body = json!({"work_notes": "x"});
    for _ in 0..2 {
        let a = send("PATCH", url.clone(), Some(&servicenow_auth()), body.clone()).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(a.headers["retry-after"], "1");
    }
    let a = send("PATCH", url, Some(&servicenow_auth()), body).await;
    assert_eq!(a.status, StatusCode::OK);

    let recorded = s.requests();
    let scripted: Vec<_> = recorded
        .iter()
        .map(|r| (r.status.as_u16(), r.scripted))
        .collect();
    assert_eq!(scripted, [(503, true), (503, true), (200, false)]);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused_and_recorded() {
    let s = server().await;
    let a = send(
        "POST",
        format!("{}/api/now/v2/x", s.endpoint_url()),
        None,
        json!({}),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let url = format!("{}/api/now/table/incident/{SYS_ID}", s.endpoint_url());
    let a = send("DELETE", url, Some(&servicenow_auth()), json!({})).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(s.requests().len(), 2);
}
