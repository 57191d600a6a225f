//! Linear's `commentCreate` mutation: GraphQL `errors` arrays, with HTTP 400 (authentication,
//! validation) or 200 (the mutation refused its input).

use http::StatusCode;
use local_ticketing::PresentedAuth;
use serde_json::{Value, json};

use crate::support::{JSON, send, server};

const KEY: (&str, &str) = ("authorization", "lin_api_local");
const MUTATION: &str = "mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id url } } }";
const CLIENT_ID: &str = "6f9619ff-8b86-4d01-b42d-00c04fc964ff";

fn request(input: Value) -> String {
    json!({"query": MUTATION, "variables": {"input": input}}).to_string()
}

#[tokio::test]
async fn linear_comment_create_with_a_personal_key_and_is_recorded() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    let input = json!({"issueId": "ENG-123", "body": "Analysis"});
    let a = send("POST", url, &[KEY], request(input.clone())).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), JSON);
    let doc = a.json();
    assert_eq!(doc["data"]["commentCreate"]["success"], true);
    let comment = &doc["data"]["commentCreate"]["comment"];
    let id = comment["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID");
    assert_eq!(
        comment["url"],
        format!("{}/issue/ENG-123#comment-{id}", s.endpoint_url())
    );
    assert!(doc.get("errors").is_none());

    let [r] = s.requests_for("/graphql").try_into().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.auth,
        PresentedAuth::Other {
            value: "lin_api_local".into()
        }
    );
    assert_eq!(r.body.as_ref().unwrap()["variables"]["input"], input);
    assert_eq!(r.body.as_ref().unwrap()["query"], MUTATION);
    assert_eq!(r.status, 200);
    assert!(!r.scripted);
}

#[tokio::test]
async fn linear_accepts_bearer_tokens_and_uuid_issue_ids() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    let issue = "9f1c7e2a-4b3d-4c5e-8f6a-0b1c2d3e4f5a";
    let a = send(
        "POST",
        url,
        &[("authorization", "Bearer lin_api_local")],
        request(json!({"issueId": issue, "body": "x"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let comment = &a.json()["data"]["commentCreate"]["comment"];
    assert!(comment["url"].as_str().unwrap().contains(issue));
}

#[tokio::test]
async fn linear_repeats_with_the_same_client_id_get_the_first_answer() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    let input = json!({"id": CLIENT_ID, "issueId": "ENG-7", "body": "Analysis"});
    let first = send("POST", url.clone(), &[KEY], request(input.clone())).await;
    let again = send("POST", url.clone(), &[KEY], request(input)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(first.json(), again.json());
    assert_eq!(
        first.json()["data"]["commentCreate"]["comment"]["id"],
        CLIENT_ID
    );

    // Without a client id, each create is a new comment.
    let other = request(json!({"issueId": "ENG-7", "body": "Analysis"}));
    let a = send("POST", url.clone(), &[KEY], other.clone()).await;
    let b = send("POST", url, &[KEY], other).await;
    let id =
        |x: &crate::support::Answer| x.json()["data"]["commentCreate"]["comment"]["id"].clone();
    assert_ne!(id(&a), id(&b));
    assert_eq!(s.requests_for("/graphql").len(), 4);
}

#[tokio::test]
async fn linear_refuses_missing_or_wrong_credentials_with_400() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    let body = request(json!({"issueId": "ENG-1", "body": "x"}));
    for headers in [
        vec![],
        vec![("authorization", "lin_api_wrong")],
        vec![("authorization", "Bearer lin_api_wrong")],
    ] {
        let a = send("POST", url.clone(), &headers, body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{headers:?}");
        assert_eq!(
            a.json(),
            json!({"errors": [{
                "message": "Authentication required, not authenticated",
                "extensions": {
                    "type": "authentication error",
                    "code": "AUTHENTICATION_ERROR",
                    "statusCode": 401,
                    "userPresentableMessage": "You need to authenticate to access this operation.",
                },
            }]})
        );
    }
}

#[tokio::test]
async fn linear_refuses_invalid_requests_with_400() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    for body in [
        "not json".to_owned(),
        json!({}).to_string(),
        json!({"query": "query { viewer { id } }"}).to_string(),
        json!({"query": MUTATION}).to_string(),
        request(json!({"issueId": "ENG-1"})),
        request(json!({"issueId": "ENG-1", "body": ""})),
        request(json!({"body": "x"})),
    ] {
        let a = send("POST", url.clone(), &[KEY], body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        let error = &a.json()["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
        assert!(error["message"].is_string());
    }
}

#[tokio::test]
async fn linear_answers_200_with_errors_for_unknown_issues_and_bad_ids() {
    let s = server().await;
    let url = format!("{}/graphql", s.endpoint_url());
    for issue in ["eng-1", "ENG-0", "123", "not-a-uuid-at-all"] {
        let body = request(json!({"issueId": issue, "body": "x"}));
        let a = send("POST", url.clone(), &[KEY], body).await;
        assert_eq!(a.status, StatusCode::OK, "{issue}");
        let doc = a.json();
        assert_eq!(doc["data"], json!(null));
        let error = &doc["errors"][0];
        assert_eq!(error["message"], "Entity not found: Issue");
        assert_eq!(error["path"], json!(["commentCreate"]));
        assert_eq!(error["extensions"]["type"], "invalid input");
        assert_eq!(error["extensions"]["code"], "INVALID_INPUT");
        assert_eq!(error["extensions"]["statusCode"], 400);
    }

    let body = request(json!({"id": "comment-1", "issueId": "ENG-1", "body": "x"}));
    let a = send("POST", url, &[KEY], body).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["errors"][0]["extensions"]["code"], "INVALID_INPUT");
    assert_eq!(a.json()["data"], json!(null));
}

#[tokio::test]
async fn linear_honours_scripted_failures() {
    let s = server().await;
    s.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let url = format!("{}/graphql", s.endpoint_url());
    let body = request(json!({"issueId": "ENG-1", "body": "x"}));
    let a = send("POST", url.clone(), &[KEY], body.clone()).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    let a = send("POST", url, &[KEY], body).await;
    assert_eq!(a.status, StatusCode::OK);
    let scripted: Vec<_> = s.requests().iter().map(|r| r.scripted).collect();
    assert_eq!(scripted, [true, false]);
}
