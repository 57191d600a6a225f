//! Callers on the streaming Function URL are the AWS principals Lambda's SigV4 check vouches for
//! (`requestContext.authorizer.iam.userArn`): they name no end users and get sessions of their
//! own. And on every entry point the caller comes from the request context only: headers that
//! imitate it count for nothing.

use serde_json::json;

use crate::support::{assert_error, call, call_stream, event_json, harness, request};

/// The Function URL fixture as `user_arn` signed it, with `body`.
fn stream_from(user_arn: &str, body: serde_json::Value) -> lambda_http::Request {
    let mut ev = event_json("function-url/stream-invoke.json");
    ev["requestContext"]["authorizer"]["iam"]["userArn"] = json!(user_arn);
    ev["body"] = json!(body.to_string());
    request(&ev)
}

const PLATFORM: &str = "arn:aws:iam::123456789012:user/platform-engineer";
const OTHER: &str = "arn:aws:iam::123456789012:user/someone-else";

#[tokio::test]
async fn aws_principals_may_not_name_users() {
    let h = harness(&[("AGENT_USER_ID_SOURCE", "header:x-end-user")]).await;
    let s = call_stream(
        &h.bridge,
        stream_from(PLATFORM, json!({"query": "q", "user_id": "alice"})),
    )
    .await;
    assert_eq!(s.status, 403, "{}", s.raw);
    assert!(s.raw.contains("USER_NOT_ALLOWED"), "{}", s.raw);
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn two_aws_principals_naming_one_session_get_two() {
    let h = harness(&[("SESSION_SECRET", "a-deployment-session-secret")]).await;
    let body = json!({"query": "q", "session_id": "shared-room-00000000000000000000001"});
    let mut sessions = Vec::new();
    for arn in [PLATFORM, PLATFORM, OTHER] {
        let s = call_stream(&h.bridge, stream_from(arn, body.clone())).await;
        assert_eq!(s.status, 200, "{}", s.raw);
        sessions.push(s.headers["x-agent-session-id"].clone());
    }
    assert_eq!(sessions[0], sessions[1], "one principal keeps its session");
    assert_ne!(sessions[0], sessions[2], "another principal never joins it");
}

#[tokio::test]
async fn headers_imitating_the_caller_count_for_nothing() {
    let h = harness(&[(
        "INTEGRATION_KEYS",
        r#"{"ServiceNowProd": "k3y1d2x9q0", "PagerDutyOps": "pdk3y00001"}"#,
    )])
    .await;
    // PagerDuty's key, with headers claiming ServiceNow's key id and an AWS principal.
    let mut ev = event_json("servicenow-incident.json");
    ev["requestContext"]["identity"]["apiKeyId"] = json!("pdk3y00001");
    for (name, value) in [
        ("x-api-key-id", "k3y1d2x9q0"),
        ("x-amzn-apigateway-api-key-id", "k3y1d2x9q0"),
        ("x-amz-user-arn", PLATFORM),
    ] {
        ev["headers"][name] = json!(value);
        ev["multiValueHeaders"][name] = json!([value]);
    }
    assert_error(
        &call(&h.bridge, request(&ev)).await,
        403,
        "ROUTE_NOT_ALLOWED",
    );
    // No key at all in the context: the same headers do not make one.
    ev["requestContext"]["identity"]["apiKeyId"] = json!(null);
    assert_error(
        &call(&h.bridge, request(&ev)).await,
        403,
        "ROUTE_NOT_ALLOWED",
    );
    assert_eq!(h.agentcore.invocation_count(), 0);
}
