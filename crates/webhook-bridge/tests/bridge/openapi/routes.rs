//! The document against the router: every documented operation is served on its entry point
//! (and answers other methods with a documented 405), and every route the router serves is
//! documented.

use std::collections::BTreeSet;

use http::Method;
use serde_json::Value;
use webhook_bridge::{BridgeError, Route, route};

use super::document::{
    DIRECT, INVOKE, JOBS, WEBHOOK, check_reply, concrete_path, documented_paths_for,
    is_function_url, methods,
};
use super::requests::{
    MINIMAL_DIRECT, MINIMAL_INCIDENT, MINIMAL_QUERY, api_request, call_stream, check_streamed_on,
    job_id_for, webhook,
};
use super::schema::{DOC, assert_conforms, schema};
use crate::support::jobs::JobsHarness;
use crate::support::{call, harness};

#[tokio::test]
async fn every_documented_operation_is_served_and_every_route_is_documented() {
    // Each Route maps to the documented path that describes it; a new variant does not compile
    // until it is mapped here.
    let probes = [
        "/",
        "/webhook",
        "/webhook/servicenow",
        "/prod/webhook/jira",
        "/Prod/webhook/generic/",
        "/webhook/remedy",
        "/webhook/servicenow/extra",
        "/webhooks/servicenow",
        "/v1/agents/default/invoke",
        "/prod/v1/agents/triage/invoke/",
        "/v1/agents/invoke",
        "/v1/agents/a/b/invoke",
        "/v2/agents/a/invoke",
        "/agents/default/invoke",
        "/jobs/0123",
        "/v1/jobs/0123",
        "/prod/jobs/job_0123456789abcdef0123456789abcdef/",
        "/jobs",
        "/jobs/a/b",
        "/prod/jobs/job_0123/extra",
        "/health",
        "/invoke",
    ];
    let probe_methods = [
        Method::POST,
        Method::GET,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for path in probes {
        for method in &probe_methods {
            let r = route(method, path);
            let documented = documented_paths_for(path);
            let expected = match &r {
                Ok(Route::Webhook(_)) | Err(BridgeError::UnsupportedSource(_)) => Some(WEBHOOK),
                Ok(Route::Invoke(_)) => Some(INVOKE),
                Ok(Route::DirectInvoke) => Some(DIRECT),
                Ok(Route::Job(_)) => Some(JOBS),
                Err(BridgeError::MethodNotAllowed { allow }) => {
                    let key = documented.first().copied();
                    let allowed = key.map(methods).unwrap_or_default();
                    assert!(
                        allowed.contains(&allow.to_ascii_lowercase().as_str()),
                        "{method} {path}: Allow: {allow}, documented {allowed:?}"
                    );
                    key
                }
                Err(BridgeError::NotFound) => None,
                Err(other) => panic!("{method} {path}: the router answered {other:?}"),
            };
            if matches!(r, Err(BridgeError::NotFound)) {
                assert!(
                    documented.is_empty(),
                    "{method} {path} is documented ({documented:?}) but not served"
                );
            } else {
                let expected = expected.unwrap_or_else(|| {
                    panic!("{method} {path} is served ({r:?}) but not documented")
                });
                assert!(
                    documented.contains(&expected),
                    "{method} {path}: router {r:?}, document {documented:?}"
                );
            }
        }
    }

    // Each documented operation answers (with its own example) on its own entry point, and
    // every other method is a documented 405.
    let h = harness(&[]).await;
    let mut seen = BTreeSet::new();
    for key in DOC["paths"].as_object().unwrap().keys() {
        if key == JOBS {
            assert_eq!(
                methods(key),
                ["get"],
                "{key}: requests for each method below"
            );
            // A delivery recorded in a real jobs table, then read back.
            let j = JobsHarness::start(&[]).await;
            let delivery = webhook(
                "servicenow",
                MINIMAL_INCIDENT,
                &[("Idempotency-Key", "served-1")],
            );
            let reply = call(&j.bridge, delivery).await;
            assert_eq!(reply.status, 200, "{}", reply.raw);
            let full = concrete_path(key, &[("job_id", &job_id_for("servicenow", "served-1"))]);
            let reply = call(&j.bridge, api_request("GET", &full, None, &[])).await;
            assert_eq!(reply.status, 200, "GET {full}: {}", reply.raw);
            check_reply(key, &reply, &format!("GET {full}"));
            assert_eq!(reply.json["status"], "succeeded", "{}", reply.raw);
            for method in ["POST", "PUT", "DELETE", "PATCH"] {
                let reply = call(&j.bridge, api_request(method, &full, Some("{}"), &[])).await;
                assert_eq!(reply.status, 405, "{method} {full}");
                check_reply(key, &reply, &format!("{method} {full}"));
                assert_eq!(reply.headers["allow"], "GET");
            }
            continue;
        }
        assert_eq!(
            methods(key),
            ["post"],
            "{key}: a request for each method is below"
        );
        let full = concrete_path(key, &[("source", "servicenow"), ("agent", "default")]);
        let body = match key.as_str() {
            WEBHOOK => MINIMAL_INCIDENT,
            DIRECT => MINIMAL_DIRECT,
            _ => MINIMAL_QUERY,
        };
        if is_function_url(key) {
            let s = call_stream(&h.bridge, api_request("POST", &full, Some(body), &[])).await;
            assert_eq!(s.status, 200, "POST {full} on the Function URL: {}", s.raw);
            check_streamed_on(key, &s, &format!("POST {full}"), &mut seen);
            let s = call_stream(&h.bridge, api_request("GET", &full, None, &[])).await;
            assert_eq!(s.status, 405);
            check_streamed_on(key, &s, &format!("GET {full}"), &mut seen);
        } else {
            let reply = call(&h.bridge, api_request("POST", &full, Some(body), &[])).await;
            assert_eq!(reply.status, 200, "POST {full}: {}", reply.raw);
            check_reply(key, &reply, &format!("POST {full}"));
            for method in ["GET", "PUT", "DELETE", "PATCH"] {
                let reply = call(&h.bridge, api_request(method, &full, None, &[])).await;
                assert_eq!(reply.status, 405, "{method} {full}");
                check_reply(key, &reply, &format!("{method} {full}"));
            }
        }
    }

    // The streaming entry point serves only the invoke API; webhook paths are NOT_FOUND there.
    let s = call_stream(
        &h.bridge,
        api_request("POST", "/webhook/servicenow", Some(MINIMAL_INCIDENT), &[]),
    )
    .await;
    assert_eq!(s.status, 404, "{}", s.raw);
    let body: Value = serde_json::from_str(&s.raw).unwrap();
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_conforms(schema("ErrorEnvelope"), &body, "Function URL webhook path");
}
