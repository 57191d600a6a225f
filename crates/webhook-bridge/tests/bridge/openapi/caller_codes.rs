//! Requests that produce the codes of callers: a key whose integration may not call the route,
//! a key of no integration, a mode the integration may not choose, and an end user it may not
//! name. Each reply is checked
//! against the document and its code recorded.

use std::collections::BTreeSet;

use super::codes::observe;
use super::document::{INVOKE, JOBS, WEBHOOK};
use super::requests::{MINIMAL_INCIDENT, MINIMAL_QUERY, get_job, invoke, webhook};
use crate::support::harness;

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
