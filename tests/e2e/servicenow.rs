//! End to end: the built webhook binary under a Lambda runtime, fed the `events/` fixtures and
//! real HTTP through the local API Gateway, with a real BedrockAgentCoreApp agent behind the
//! local AgentCore.

use local_agentcore::Backend;
use serde_json::{Value, json};

use crate::support::{API_KEY, AgentProcess, STAGE, Stack, event};

#[tokio::test]
async fn events_through_the_lambda_runtime_with_a_json_agent() {
    let agent = AgentProcess::start("json").await;
    let stack = Stack::start(Backend::Forward(agent.url.clone())).await;

    // Every fixture, as `sam local invoke -e events/<file>` would send it.
    let expectations = [
        ("servicenow-incident.json", 200, None),
        ("servicenow-display-values.json", 200, None),
        ("servicenow-minimal.json", 200, None),
        ("servicenow-base64.json", 200, None),
        ("servicenow-malformed.json", 400, Some("INVALID_JSON")),
        (
            "servicenow-missing-number.json",
            400,
            Some("MISSING_REQUIRED_FIELD"),
        ),
        ("unsupported-source.json", 404, Some("UNSUPPORTED_SOURCE")),
        ("wrong-method.json", 405, Some("METHOD_NOT_ALLOWED")),
    ];
    for (name, status, code) in expectations {
        let r = stack.invoke_event(&event(name)).await;
        assert_eq!(r.status, status, "{name}: {}", r.json);
        assert_eq!(r.json["error"]["code"].as_str(), code, "{name}");
        // The response id is the Lambda request id, and it is echoed in a header (REST proxy
        // responses carry headers as multiValueHeaders).
        assert_eq!(
            r.doc["multiValueHeaders"]["x-request-id"][0], r.json["request_id"],
            "{name}"
        );
        assert_eq!(
            r.doc["multiValueHeaders"]["content-type"][0], "application/json",
            "{name}"
        );
    }
    assert_eq!(
        stack.agentcore.invocation_count(),
        4,
        "only the valid events reached the agent"
    );

    let r = stack.invoke_event(&event("servicenow-incident.json")).await;
    let session = r.json["session_id"].as_str().unwrap();
    // The Lambda invocation's X-Ray trace (the local Runtime API derives it from the request id)
    // reaches AgentCore as X-Amzn-Trace-Id.
    let request_id = r.json["request_id"].as_str().unwrap().replace('-', "");
    let last = stack.agentcore.invocations().pop().unwrap();
    let trace = last.header("x-amzn-trace-id").unwrap_or_default();
    assert!(
        trace.starts_with("Root=1-") && trace.contains(&request_id[..24]),
        "{trace}"
    );
    // ... and in its W3C form, for AgentCore's OpenTelemetry: same trace id, Lambda's segment
    // as the parent span.
    let root = trace[7..].split(';').next().unwrap().replace('-', "");
    let parent = &request_id[request_id.len() - 16..];
    assert_eq!(
        last.header("traceparent"),
        Some(format!("00-{root}-{parent}-01").as_str())
    );
    assert_eq!(r.json["incident_number"], "INC0010001");
    assert_eq!(
        r.json["analysis"],
        format!(
            "Python agent analysis of INC0010001: Email server down for the Sales floor \
             [priority 2 - High] [source servicenow] [session {session}] [prompt fenced: True]"
        ),
        "the agent saw the ticket, the session header and the fenced prompt"
    );
}

#[tokio::test]
async fn http_through_the_local_api_gateway_needs_the_api_key() {
    let agent = AgentProcess::start("json").await;
    let stack = Stack::start(Backend::Forward(agent.url.clone())).await;
    let client = reqwest::Client::new();
    let incident = json!({"number": "INC0020001", "short_description": "Disk full on db01", "priority": "1 - Critical"});

    let ok = client
        .post(stack.webhook_url("servicenow"))
        .header("x-api-key", API_KEY)
        .header("content-type", "application/json")
        .body(incident.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("x-request-id"));
    let body: serde_json::Value = serde_json::from_slice(&ok.bytes().await.unwrap()).unwrap();
    assert_eq!(body["success"], true);
    assert!(
        body["analysis"]
            .as_str()
            .unwrap()
            .contains("INC0020001: Disk full on db01 [priority 1 - Critical]")
    );

    let keyless = client
        .post(stack.webhook_url("servicenow"))
        .body(incident.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        keyless.status(),
        401,
        "the key authorizer refuses a missing key before the function runs"
    );
    let wrong_key = client
        .post(stack.webhook_url("servicenow"))
        .header("x-api-key", "NotTheKey0123456789abcdef")
        .body(incident.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_key.status(),
        403,
        "API Gateway refuses a key outside the usage plans before the function runs"
    );
    // What users see: the template's gateway responses, in the bridge's envelope.
    let code = |text: String| -> (String, String) {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        (
            v["error"]["code"].as_str().unwrap_or_default().to_owned(),
            v["request_id"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(
        keyless.headers()["www-authenticate"],
        "Bearer",
        "RFC 6750's challenge"
    );
    let (keyless_code, keyless_id) = code(keyless.text().await.unwrap());
    assert_eq!(keyless_code, "API_KEY_REQUIRED");
    assert!(!keyless_id.is_empty(), "$context.requestId is filled in");
    assert_eq!(code(wrong_key.text().await.unwrap()).0, "INVALID_API_KEY");
    let unknown = client
        .post(format!("{}/nothing/here", stack.gateway.url(STAGE)))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(code(unknown.text().await.unwrap()).0, "NOT_FOUND");
    assert_eq!(stack.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_misconfigured_function_answers_500_and_keeps_running() {
    use std::time::Duration;

    use bytes::Bytes;
    use local_lambda::{FunctionProcess, Outcome, RuntimeApi};

    let runtime = RuntimeApi::start().await.unwrap();
    // No AGENT_RUNTIME_ARN (and an invalid qualifier): the binary must still start and serve.
    let env = vec![
        ("AGENT_RUNTIME_ARN".to_owned(), String::new()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
    ];
    let mut function =
        FunctionProcess::spawn(&crate::support::webhook_binary(), &runtime.address(), &env)
            .unwrap();
    for _ in 0..2 {
        let outcome = runtime
            .invoke(
                Bytes::from(event("servicenow-minimal.json").to_string()),
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        let Outcome::Response(doc) = outcome else {
            panic!("{outcome:?}")
        };
        let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        assert_eq!(doc["statusCode"], 500);
        let body: serde_json::Value = serde_json::from_str(doc["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "CONFIGURATION_ERROR");
    }
    assert!(
        function.try_exit_status().unwrap().is_none(),
        "the process is still serving"
    );
    assert!(
        runtime.init_errors().is_empty(),
        "a bad configuration is not an init crash"
    );
}
