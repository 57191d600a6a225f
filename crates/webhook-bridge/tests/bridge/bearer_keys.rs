//! run-agent.ai's `Authorization: Bearer <API key>` on a deployment that also takes users'
//! bearer tokens: the key authorizer's context (which callers cannot write) says the header held
//! the API key, so the function does not verify it as a token; without that context the same
//! header is a token claim, verified and refused. A JWT beside an `x-api-key` stays a token.

use serde_json::{Value, json};

use crate::support::issuer::{LocalIssuer, Signer, sign};
use crate::support::{assert_error, call, env_of, event_json, harness, request};

const USER_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
const KID: &str = "issuer-key-1";

/// The stored event: run-agent.ai's request with the key as a Bearer credential, as API Gateway
/// delivers it after the key authorizer.
fn bearer_key_event() -> Value {
    event_json("invoke-api-bearer-key.json")
}

#[tokio::test]
async fn a_bearer_api_key_vouched_for_by_the_key_authorizer_is_not_taken_for_a_token() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;

    let reply = call(&h.bridge, request(&bearer_key_event())).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert!(reply.json["result"]["answer"].is_string(), "{}", reply.raw);
    let calls = h.agentcore.invocations();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].header(USER_HEADER), None, "no user was proven");
}

#[tokio::test]
async fn without_the_key_authorizers_word_a_bearer_value_is_a_token_and_is_refused() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let mut ev = bearer_key_event();
    // A request API Gateway admitted with x-api-key, carrying the same Authorization header.
    ev["requestContext"]["authorizer"]["apiKeyHeader"] = json!("x-api-key");
    let reply = call(&h.bridge, request(&ev)).await;
    assert_error(&reply, 401, "INVALID_TOKEN");
    ev["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let reply = call(&h.bridge, request(&ev)).await;
    assert_error(&reply, 401, "INVALID_TOKEN");
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn a_users_token_beside_an_x_api_key_is_still_verified() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let token = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    let mut ev = bearer_key_event();
    ev["requestContext"]["authorizer"]["apiKeyHeader"] = json!("x-api-key");
    let bearer = format!("Bearer {token}");
    ev["headers"]["Authorization"] = json!(bearer);
    ev["multiValueHeaders"]["Authorization"] = json!([bearer]);
    let reply = call(&h.bridge, request(&ev)).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(
        h.agentcore.invocations()[0].header(USER_HEADER),
        Some("alice")
    );
}
