//! Rejected input: a clear JSON error with a stable code, never a 5xx, never an agent call.

use crate::support;

use support::{assert_error, call, event, event_with_body, harness};
use webhook_bridge::{Bridge, ConfigError};

#[tokio::test]
async fn malformed_bodies_are_rejected_before_the_agent() {
    let h = harness(&[("MAX_BODY_BYTES", "2048")]).await;
    let big = format!(
        r#"{{"number":"INC1","short_description":"{}"}}"#,
        "x".repeat(3000)
    );
    let cases: Vec<(lambda_http::Request, u16, &str)> = vec![
        (event("servicenow-malformed.json"), 400, "INVALID_JSON"),
        (
            event_with_body("servicenow-minimal.json", ""),
            400,
            "INVALID_JSON",
        ),
        (
            event_with_body("servicenow-minimal.json", "[1,2,3]"),
            400,
            "INVALID_JSON",
        ),
        (
            event_with_body("servicenow-minimal.json", "null"),
            400,
            "INVALID_JSON",
        ),
        (
            event("servicenow-missing-number.json"),
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            event_with_body("servicenow-minimal.json", r#"{"number":"INC1"}"#),
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            event_with_body(
                "servicenow-minimal.json",
                r#"{"number":"INC1","short_description":["a"]}"#,
            ),
            400,
            "INVALID_FIELD",
        ),
        (
            event_with_body(
                "servicenow-minimal.json",
                r#"{"number":"INC 1; DROP","short_description":"a"}"#,
            ),
            400,
            "INVALID_FIELD",
        ),
        (
            event_with_body(
                "servicenow-minimal.json",
                r#"{"number":"INC1","short_description":"a","sys_id":"x/../y"}"#,
            ),
            400,
            "INVALID_FIELD",
        ),
        (
            event_with_body("servicenow-minimal.json", &big),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (event("unsupported-source.json"), 404, "UNSUPPORTED_SOURCE"),
        (event("wrong-method.json"), 405, "METHOD_NOT_ALLOWED"),
    ];
    for (req, status, code) in cases {
        assert_error(&call(&h.bridge, req).await, status, code);
    }
    assert_eq!(
        h.agentcore.invocation_count(),
        0,
        "no rejected input may reach the agent"
    );
}

#[tokio::test]
async fn missing_field_errors_name_the_field() {
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("servicenow-missing-number.json")).await;
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'number'"),
        "{}",
        reply.raw
    );
}

#[tokio::test]
async fn invalid_utf8_in_a_base64_body_is_invalid_json() {
    let h = harness(&[]).await;
    let mut ev = support::event_json("servicenow-base64.json");
    ev["body"] = serde_json::Value::from("/+7/AA=="); // 0xff 0xee 0xff 0x00
    assert_error(
        &call(&h.bridge, support::request(&ev)).await,
        400,
        "INVALID_JSON",
    );
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn unknown_paths_and_method_errors() {
    let h = harness(&[]).await;
    let mut ev = support::event_json("servicenow-minimal.json");
    ev["path"] = "/webhooks/servicenow".into();
    ev["resource"] = "/{proxy+}".into();
    assert_error(
        &call(&h.bridge, support::request(&ev)).await,
        404,
        "NOT_FOUND",
    );
    let reply = call(&h.bridge, event("wrong-method.json")).await;
    assert_eq!(reply.headers["allow"], "POST");
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn base64_bodies_stage_prefixes_and_header_case_are_accepted() {
    let h = harness(&[]).await;
    for name in ["servicenow-base64.json", "servicenow-display-values.json"] {
        let reply = call(&h.bridge, event(name)).await;
        assert_eq!(reply.status, 200, "{name}: {}", reply.raw);
    }
    let payloads: Vec<_> = h
        .agentcore
        .invocations()
        .iter()
        .map(|i| i.body_json())
        .collect();
    assert_eq!(payloads[0]["ticket"]["id"], "INC0010001");
    assert_eq!(payloads[1]["ticket"]["priority"], "3 - Moderate");
    assert_eq!(payloads[1]["ticket"]["status"], "In Progress");
    assert!(payloads[1]["ticket"].get("u_custom_field").is_none());
}

#[tokio::test]
async fn misconfiguration_answers_500_without_calling_anything() {
    let bridge = Bridge::misconfigured(ConfigError {
        variable: "AGENT_RUNTIME_ARN",
        problem: "is not set".into(),
    });
    for name in ["servicenow-incident.json", "servicenow-minimal.json"] {
        let reply = call(&bridge, event(name)).await;
        assert_error(&reply, 500, "CONFIGURATION_ERROR");
        assert!(
            !reply.raw.contains("AGENT_RUNTIME_ARN"),
            "variable names stay in the logs"
        );
    }
}
