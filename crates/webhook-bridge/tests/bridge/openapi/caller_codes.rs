//! Requests that produce the codes of callers: a key whose integration may not call the route,
//! a key of no integration, a mode the integration may not choose, and an end user it may not
//! name. Each reply is checked
//! against the document and its code recorded.

use std::collections::BTreeSet;

use super::codes::observe;
use super::document::{INVOKE, JOBS, WEBHOOK};
use super::requests::{MINIMAL_INCIDENT, MINIMAL_QUERY, api_request, get_job, invoke, webhook};
use crate::support::harness;
use crate::support::issuer::{AUDIENCE, Signer, now, sign};

/// The API key id every fixture event carries (`requestContext.identity.apiKeyId`).
const FIXTURE_KEY_ID: &str = "k3y1d2x9q0";

/// A ServiceNow integration's key on other routes and modes; a key no integration owns.
pub(super) async fn callers(unknown_job: &str, seen: &mut BTreeSet<String>) {
    let keys = format!(r#"{{"servicenow-prod": "{FIXTURE_KEY_ID}"}}"#);
    let h = harness(&[("INTEGRATION_KEYS", keys.as_str())]).await;
    for (key, req) in [
        (WEBHOOK, webhook("pagerduty", MINIMAL_INCIDENT, &[])),
        (INVOKE, invoke("default", MINIMAL_QUERY)),
    ] {
        observe(&h.bridge, key, req, "ROUTE_NOT_ALLOWED", seen).await;
    }
    let req = webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]);
    observe(&h.bridge, WEBHOOK, req, "MODE_NOT_ALLOWED", seen).await;

    // User ids switched on, and integrations not trusted to name users: refused, not dropped.
    let keys = format!(r#"{{"servicenow-prod": "{FIXTURE_KEY_ID}"}}"#);
    let h = harness(&[
        ("INTEGRATION_KEYS", keys.as_str()),
        ("AGENT_USER_ID_SOURCE", "header:x-end-user"),
    ])
    .await;
    let req = webhook(
        "servicenow",
        MINIMAL_INCIDENT,
        &[("x-end-user", "alice@example.com")],
    );
    observe(&h.bridge, WEBHOOK, req, "USER_NOT_ALLOWED", seen).await;
    let keys = format!(r#"{{"ops-cli": "{FIXTURE_KEY_ID}"}}"#);
    let h = harness(&[
        ("INTEGRATION_KEYS", keys.as_str()),
        ("AGENT_USER_ID_SOURCE", "header:x-end-user"),
    ])
    .await;
    let body = r#"{"query": "Who am I?", "user_id": "alice@example.com"}"#;
    observe(
        &h.bridge,
        INVOKE,
        invoke("default", body),
        "USER_NOT_ALLOWED",
        seen,
    )
    .await;

    // The fixtures' key belongs to no integration of this deployment: every route is refused.
    let h = harness(&[("INTEGRATION_KEYS", r#"{"ops-cli": "0th3rk3y00"}"#)]).await;
    let req = get_job(unknown_job);
    observe(&h.bridge, JOBS, req, "ROUTE_NOT_ALLOWED", seen).await;
    let req = webhook("servicenow", MINIMAL_INCIDENT, &[]);
    observe(&h.bridge, WEBHOOK, req, "ROUTE_NOT_ALLOWED", seen).await;
}

/// A deployment that requires users' tokens, asked without one and with a broken one; and an
/// OIDC issuer whose keys cannot be fetched.
pub(super) async fn tokens(seen: &mut BTreeSet<String>) {
    let secret = "a-chat-front-end-shared-secret-of-48-characters!!";
    let h = harness(&[("CHAT_AUTH_SECRET", secret), ("USER_TOKENS", "required")]).await;
    let req = invoke("default", MINIMAL_QUERY);
    observe(&h.bridge, INVOKE, req, "TOKEN_REQUIRED", seen).await;
    let auth = [("authorization", "Bearer not.a.token")];
    let req = api_request(
        "POST",
        "/v1/agents/default/invoke",
        Some(MINIMAL_QUERY),
        &auth,
    );
    observe(&h.bridge, INVOKE, req, "INVALID_TOKEN", seen).await;

    // Nothing listens on the issuer's port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let h = harness(&[("OIDC_ISSUER", url.as_str()), ("OIDC_AUDIENCE", AUDIENCE)]).await;
    let claims = serde_json::json!({"iss": url, "aud": AUDIENCE, "sub": "u", "exp": now() + 300});
    let bearer = format!("Bearer {}", sign(&claims, Some("k1"), Signer::Issuer));
    let auth = [("authorization", bearer.as_str())];
    let req = api_request(
        "POST",
        "/v1/agents/default/invoke",
        Some(MINIMAL_QUERY),
        &auth,
    );
    observe(&h.bridge, INVOKE, req, "TOKEN_KEYS_UNAVAILABLE", seen).await;
}
