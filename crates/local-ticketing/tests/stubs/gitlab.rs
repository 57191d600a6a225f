//! GitLab issue notes: a 201 note document, GitLab's 401/400/404/405 documents otherwise.

use http::StatusCode;
use local_ticketing::PresentedAuth;
use serde_json::json;

use crate::support::{JSON, send, server};

const PRIVATE: (&str, &str) = ("private-token", "local-gitlab-token");
const BEARER: (&str, &str) = ("authorization", "Bearer local-gitlab-token");

#[tokio::test]
async fn gitlab_note_by_numeric_id_with_a_private_token() {
    let s = server().await;
    let url = format!("{}/api/v4/projects/42/issues/7/notes", s.endpoint_url());
    let a = send(
        "POST",
        url,
        &[PRIVATE],
        json!({"body": "Analysis"}).to_string(),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.content_type(), JSON);
    let note = a.json();
    assert!(note["id"].is_u64());
    assert_eq!(note["type"], json!(null));
    assert_eq!(note["body"], "Analysis");
    assert_eq!(note["author"]["username"], "bridge-bot");
    assert!(note["author"]["id"].is_u64());
    assert!(note["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(note["system"], false);
    assert!(note["noteable_id"].is_u64());
    assert_eq!(note["noteable_type"], "Issue");
    assert_eq!(note["noteable_iid"], 7);
    assert_eq!(note["internal"], false);
    assert_eq!(note["confidential"], false);

    let [r] = s.requests_for("/api/v4/").try_into().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("private-token"), Some("local-gitlab-token"));
    assert_eq!(r.auth, PresentedAuth::None);
    assert_eq!(r.body, Some(json!({"body": "Analysis"})));
    assert_eq!(r.status, 201);
    assert!(!r.scripted);
}

#[tokio::test]
async fn gitlab_note_by_encoded_path_with_a_bearer_token() {
    let s = server().await;
    let url = format!(
        "{}/api/v4/projects/acme%2Finfra%2Fops/issues/12/notes",
        s.endpoint_url()
    );
    let body = json!({"body": "Internal analysis", "internal": true});
    let a = send("POST", url, &[BEARER], body.to_string()).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.json()["internal"], true);
    assert_eq!(a.json()["noteable_iid"], 12);

    let [r] = s.requests_for("/api/v4/").try_into().unwrap();
    assert_eq!(
        r.path,
        "/api/v4/projects/acme%2Finfra%2Fops/issues/12/notes"
    );
    assert_eq!(
        r.decoded_path,
        "/api/v4/projects/acme/infra/ops/issues/12/notes"
    );
    assert_eq!(
        r.auth,
        PresentedAuth::Bearer {
            token: "local-gitlab-token".into()
        }
    );
}

#[tokio::test]
async fn gitlab_refuses_bad_tokens_parameters_and_unknown_projects() {
    let s = server().await;
    let base = format!("{}/api/v4/projects", s.endpoint_url());
    let url = format!("{base}/42/issues/7/notes");
    let good = json!({"body": "x"}).to_string();

    for headers in [
        vec![],
        vec![("private-token", "wrong")],
        vec![("authorization", "Bearer wrong")],
        // GitHub's `token` scheme is not GitLab's.
        vec![("authorization", "token local-gitlab-token")],
    ] {
        let a = send("POST", url.clone(), &headers, good.clone()).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(a.json(), json!({"message": "401 Unauthorized"}));
    }

    for body in [
        json!({}).to_string(),
        json!({"body": ""}).to_string(),
        json!({"note": "x"}).to_string(),
        "not json".into(),
    ] {
        let a = send("POST", url.clone(), &[PRIVATE], body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(a.json(), json!({"error": "body is missing"}));
    }

    let a = send(
        "POST",
        format!("{base}/42/issues/abc/notes"),
        &[PRIVATE],
        good.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json(), json!({"error": "noteable_id is invalid"}));
    let a = send(
        "POST",
        format!("{base}/42/issues/0/notes"),
        &[PRIVATE],
        good.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), json!({"message": "404 Issue Not Found"}));
    let a = send(
        "POST",
        format!("{base}/acme/issues/7/notes"),
        &[PRIVATE],
        good.clone(),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), json!({"message": "404 Project Not Found"}));

    let a = send("PUT", url, &[PRIVATE], good).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.json(), json!({"error": "405 Not Allowed"}));

    assert_eq!(s.requests_for("/api/v4/projects/").len(), 12);
}

#[tokio::test]
async fn gitlab_limits_notes_to_a_million_characters() {
    let s = server().await;
    let url = format!("{}/api/v4/projects/42/issues/7/notes", s.endpoint_url());
    // Characters, not bytes: a million two-byte characters fit.
    let at_limit = "é".repeat(1_000_000);
    let a = send(
        "POST",
        url.clone(),
        &[PRIVATE],
        json!({"body": at_limit}).to_string(),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);

    let over = "x".repeat(1_000_001);
    let a = send("POST", url, &[PRIVATE], json!({"body": over}).to_string()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        json!({"message": {"body": ["is too long (maximum is 1000000 characters)"]}})
    );
    let recorded = s.requests();
    assert_eq!(
        recorded[1].raw_body.len(),
        over.len() + r#"{"body":""}"#.len()
    );
}

#[tokio::test]
async fn gitlab_honours_scripted_failures() {
    let s = server().await;
    s.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let url = format!("{}/api/v4/projects/42/issues/7/notes", s.endpoint_url());
    let body = json!({"body": "x"}).to_string();
    let a = send("POST", url.clone(), &[PRIVATE], body.clone()).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    let a = send("POST", url, &[PRIVATE], body).await;
    assert_eq!(a.status, StatusCode::CREATED);
    let scripted: Vec<_> = s.requests().iter().map(|r| r.scripted).collect();
    assert_eq!(scripted, [true, false]);
}
