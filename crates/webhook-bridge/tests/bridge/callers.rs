//! Integrations as principals: each API key's integration calls only its own routes, answers in
//! its own mode unless the deployment lets it choose, and reads only its own jobs; the API
//! without keys admits only signed webhooks. The caller is what API Gateway vouches for
//! (`requestContext.identity.apiKeyId`), never a header.

use http::StatusCode;
use serde_json::Value;

use crate::support::jobs::JobsHarness;
use crate::support::signing::{
    SERVICENOW_SECRET, github_signature, servicenow_headers, with_headers,
};
use crate::support::{assert_error, call, event_json, harness, request};

const SERVICENOW_KEY: &str = "k3y1d2x9q0";
const PAGERDUTY_KEY: &str = "pdk3y00001";
const CLI_KEY: &str = "cl1k3y0001";
const KEYS: &str =
    r#"{"servicenow-prod": "k3y1d2x9q0", "pagerduty-ops": "pdk3y00001", "ops-cli": "cl1k3y0001"}"#;

/// The fixture as API Gateway delivers it for the key with `key_id` (`None`: no key, as on the
/// API without keys).
fn as_key(name: &str, key_id: Option<&str>) -> Value {
    let mut ev = event_json(name);
    ev["requestContext"]["identity"]["apiKeyId"] = key_id.map_or(Value::Null, Value::from);
    ev
}

#[tokio::test]
async fn each_integration_calls_only_its_own_routes() {
    let h = harness(&[("INTEGRATION_KEYS", KEYS)]).await;
    let own = call(
        &h.bridge,
        request(&as_key("servicenow-incident.json", Some(SERVICENOW_KEY))),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.raw);
    let own = call(
        &h.bridge,
        request(&as_key(
            "pagerduty-incident-triggered.json",
            Some(PAGERDUTY_KEY),
        )),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.raw);
    let own = call(
        &h.bridge,
        request(&as_key("invoke-api.json", Some(CLI_KEY))),
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.raw);
    assert_eq!(h.agentcore.invocation_count(), 3);

    // The PagerDuty admin's key on ServiceNow's webhook or the invoke API; the CLI's key on a
    // webhook; a key no integration owns. Refused before anything is read, never analysed.
    for (fixture, key) in [
        ("servicenow-incident.json", Some(PAGERDUTY_KEY)),
        ("invoke-api.json", Some(PAGERDUTY_KEY)),
        ("servicenow-incident.json", Some(CLI_KEY)),
        ("invoke-api.json", Some("n0tak3y000")),
        ("servicenow-incident.json", None),
    ] {
        let reply = call(&h.bridge, request(&as_key(fixture, key))).await;
        assert_error(&reply, 403, "ROUTE_NOT_ALLOWED");
    }
    assert_eq!(h.agentcore.invocation_count(), 3, "no refused request ran");
}

#[tokio::test]
async fn a_job_is_read_only_by_the_integration_that_delivered_it() {
    let keys = r#"{"servicenow-prod": "k3y1d2x9q0", "servicenow-test": "t3stk3y001"}"#;
    let h = JobsHarness::start(&[("INTEGRATION_KEYS", keys)]).await;
    let delivered = call(
        &h.bridge,
        request(&as_key("servicenow-incident.json", Some(SERVICENOW_KEY))),
    )
    .await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.raw);
    let job_id = delivered.json["job_id"].as_str().unwrap().to_owned();
    let read = |key: &'static str, id: String| {
        let mut ev = as_key("servicenow-incident.json", Some(key));
        ev["httpMethod"] = Value::from("GET");
        ev["path"] = Value::from(format!("/jobs/{id}"));
        ev["requestContext"]["path"] = Value::from(format!("/prod/jobs/{id}"));
        ev["body"] = Value::Null;
        request(&ev)
    };
    let own = call(&h.bridge, read(SERVICENOW_KEY, job_id.clone())).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.raw);
    assert_eq!(own.json["analysis"], delivered.json["analysis"]);

    // Another integration gets exactly what an unknown job gets: nothing to tell them apart.
    let other = call(&h.bridge, read("t3stk3y001", job_id.clone())).await;
    assert_error(&other, 404, "JOB_NOT_FOUND");
    let unknown_id = format!("job_{}", "0".repeat(32));
    let unknown = call(&h.bridge, read("t3stk3y001", unknown_id)).await;
    assert_eq!(other.json["error"], unknown.json["error"]);
    assert!(!other.raw.contains("INC0010001"));
}

#[tokio::test]
async fn an_integration_answers_in_its_mode_unless_it_may_choose() {
    let keys = r#"{"servicenow-prod": "k3y1d2x9q0", "servicenow-batch": "b4tchk3y01"}"#;
    let h = JobsHarness::start(&[
        ("INTEGRATION_KEYS", keys),
        ("INTEGRATIONS_CHOOSING_MODE", "servicenow-batch"),
    ])
    .await;
    let with = |key: &str, query: Option<&str>, prefer: bool| {
        let mut ev = as_key("servicenow-incident.json", Some(key));
        if let Some(mode) = query {
            ev["queryStringParameters"] = serde_json::json!({"mode": mode});
            ev["multiValueQueryStringParameters"] = serde_json::json!({"mode": [mode]});
        }
        if prefer {
            ev["headers"]["Prefer"] = Value::from("respond-async");
            ev["multiValueHeaders"]["Prefer"] = Value::from(vec!["respond-async"]);
        }
        request(&ev)
    };
    // ServiceNow's source mode is sync: this integration may not ask for async.
    let refused = call(&h.bridge, with(SERVICENOW_KEY, Some("async"), false)).await;
    assert_error(&refused, 403, "MODE_NOT_ALLOWED");
    assert_eq!(local_moto::depth(&h.sqs, &h.queues.url).await, 0);
    assert_eq!(h.agentcore.invocation_count(), 0);
    // Its configured mode, asked for explicitly, is fine; a preference is not honoured.
    let prefer = call(&h.bridge, with(SERVICENOW_KEY, None, true)).await;
    assert_eq!(prefer.status, StatusCode::OK, "{}", prefer.raw);
    let sync = call(&h.bridge, with(SERVICENOW_KEY, Some("sync"), false)).await;
    assert_eq!(sync.status, StatusCode::OK, "{}", sync.raw);

    // The batch integration may choose.
    let chosen = call(&h.bridge, with("b4tchk3y01", Some("async"), false)).await;
    assert_eq!(chosen.status, StatusCode::ACCEPTED, "{}", chosen.raw);
}

#[tokio::test]
async fn the_api_without_keys_admits_only_signed_webhooks() {
    let h = harness(&[
        ("INTEGRATION_KEYS", KEYS),
        ("REQUIRE_SIGNATURES", "true"),
        ("GITHUB_WEBHOOK_SECRET", "gh-secret"),
    ])
    .await;
    let mut ev = with_headers("github-issue-opened.json", &[]);
    let signature = github_signature(&ev, "gh-secret");
    ev["headers"]["X-Hub-Signature-256"] = Value::from(signature.clone());
    ev["multiValueHeaders"]["X-Hub-Signature-256"] = Value::from(vec![signature]);
    ev["requestContext"]["identity"]["apiKeyId"] = Value::Null;
    let signed = call(&h.bridge, request(&ev)).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.raw);

    // Without a key, nothing but a signed webhook: not the invoke API.
    let reply = call(&h.bridge, request(&as_key("invoke-api.json", None))).await;
    assert_error(&reply, 403, "ROUTE_NOT_ALLOWED");
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_signed_sender_without_a_key_is_bound_to_its_source_not_anyone() {
    // As the template deploys the function behind the API without keys: no directory at all.
    let h = harness(&[
        ("REQUIRE_SIGNATURES", "true"),
        ("GITHUB_WEBHOOK_SECRET", "gh-secret"),
        ("AGENT_USER_ID_SOURCE", "header:x-end-user"),
    ])
    .await;
    let signed = |extra: &dyn Fn(&mut Value)| {
        let mut ev = with_headers("github-issue-opened.json", &[]);
        ev["requestContext"]["identity"]["apiKeyId"] = Value::Null;
        extra(&mut ev);
        let signature = github_signature(&ev, "gh-secret");
        ev["headers"]["X-Hub-Signature-256"] = Value::from(signature.clone());
        ev["multiValueHeaders"]["X-Hub-Signature-256"] = Value::from(vec![signature]);
        request(&ev)
    };
    // The signature covers the body, not the headers or the query: whoever replays or relays a
    // signed delivery may not add an end user or pick the mode.
    let reply = call(
        &h.bridge,
        signed(&|ev| {
            ev["headers"]["x-end-user"] = Value::from("alice@example.com");
            ev["multiValueHeaders"]["x-end-user"] = Value::from(vec!["alice@example.com"]);
        }),
    )
    .await;
    assert_error(&reply, 403, "USER_NOT_ALLOWED");
    let reply = call(
        &h.bridge,
        signed(&|ev| {
            ev["queryStringParameters"] = serde_json::json!({"mode": "async"});
            ev["multiValueQueryStringParameters"] = serde_json::json!({"mode": ["async"]});
        }),
    )
    .await;
    assert_error(&reply, 403, "MODE_NOT_ALLOWED");
    assert_eq!(h.agentcore.invocation_count(), 0);
    let plain = call(&h.bridge, signed(&|_| {})).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.raw);
}

/// The header AgentCore reads `runtimeUserId` from.
const USER_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-user-id";

#[tokio::test]
async fn only_trusted_callers_name_end_users() {
    let keys =
        r#"{"servicenow-prod": "k3y1d2x9q0", "ops-cli": "cl1k3y0001", "ops-sso": "ss0k3y0001"}"#;
    let h = harness(&[
        ("INTEGRATION_KEYS", keys),
        ("INTEGRATIONS_ASSERTING_USERS", "ops-sso"),
        ("AGENT_USER_ID_SOURCE", "header:x-end-user"),
    ])
    .await;
    let with_user = |fixture: &str, key: &str| {
        let mut ev = as_key(fixture, Some(key));
        ev["headers"]["x-end-user"] = Value::from("alice@example.com");
        ev["multiValueHeaders"]["x-end-user"] = Value::from(vec!["alice@example.com"]);
        request(&ev)
    };
    // A key holder naming whoever it likes would get AgentCore Identity to act as them.
    let reply = call(
        &h.bridge,
        with_user("servicenow-incident.json", SERVICENOW_KEY),
    )
    .await;
    assert_error(&reply, 403, "USER_NOT_ALLOWED");
    let mut ev = as_key("invoke-api.json", Some(CLI_KEY));
    ev["body"] = Value::from(r#"{"query": "Who am I?", "user_id": "alice@example.com"}"#);
    assert_error(
        &call(&h.bridge, request(&ev)).await,
        403,
        "USER_NOT_ALLOWED",
    );
    assert_eq!(h.agentcore.invocation_count(), 0);

    // Without a user, the same integration is served, and no user reaches AgentCore.
    let plain = call(
        &h.bridge,
        request(&as_key("servicenow-incident.json", Some(SERVICENOW_KEY))),
    )
    .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.raw);
    assert_eq!(h.agentcore.invocations()[0].header(USER_HEADER), None);

    // The trusted integration names the user.
    ev["requestContext"]["identity"]["apiKeyId"] = Value::from("ss0k3y0001");
    let trusted = call(&h.bridge, request(&ev)).await;
    assert_eq!(trusted.status, StatusCode::OK, "{}", trusted.raw);
    let calls = h.agentcore.invocations();
    assert_eq!(
        calls.last().unwrap().header(USER_HEADER),
        Some("alice@example.com")
    );
}

#[tokio::test]
async fn a_ticket_requester_names_the_user_only_on_a_signed_delivery() {
    let keys = r#"{"servicenow-prod": "k3y1d2x9q0"}"#;
    let unsigned = harness(&[
        ("INTEGRATION_KEYS", keys),
        ("AGENT_USER_ID_SOURCE", "ticket:requester"),
    ])
    .await;
    let ev = as_key("servicenow-incident.json", Some(SERVICENOW_KEY));
    assert_error(
        &call(&unsigned.bridge, request(&ev)).await,
        403,
        "USER_NOT_ALLOWED",
    );
    assert_eq!(unsigned.agentcore.invocation_count(), 0);

    let signed = harness(&[
        ("INTEGRATION_KEYS", keys),
        ("AGENT_USER_ID_SOURCE", "ticket:requester"),
        ("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET),
    ])
    .await;
    let mut ev = as_key("servicenow-incident.json", Some(SERVICENOW_KEY));
    for (name, value) in servicenow_headers(ev["body"].as_str().unwrap().as_bytes()) {
        ev["headers"][name] = Value::from(value.clone());
        ev["multiValueHeaders"][name] = Value::from(vec![value]);
    }
    let reply = call(&signed.bridge, request(&ev)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    let calls = signed.agentcore.invocations();
    assert_eq!(
        calls[0].header(USER_HEADER),
        Some("Abel Tuter"),
        "the incident's caller_id"
    );
}

#[tokio::test]
async fn one_caller_cannot_join_another_callers_session() {
    let keys = r#"{"ops-cli": "cl1k3y0001", "ops-sso": "ss0k3y0001"}"#;
    let h = harness(&[
        ("INTEGRATION_KEYS", keys),
        ("SESSION_SECRET", "a-deployment-session-secret"),
    ])
    .await;
    let ask = |key: &str, session: &str| {
        let mut ev = as_key("invoke-api.json", Some(key));
        ev["body"] = Value::from(
            serde_json::json!({"query": "What did I ask before?", "session_id": session})
                .to_string(),
        );
        request(&ev)
    };
    let name = "team-chat-0123456789abcdef0123456789";
    let cli = call(&h.bridge, ask(CLI_KEY, name)).await;
    let cli_session = cli.json["metadata"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The other caller, naming the same session, or sending the first one's id, is elsewhere.
    let sso = call(&h.bridge, ask("ss0k3y0001", name)).await;
    let stolen = call(&h.bridge, ask("ss0k3y0001", &cli_session)).await;
    let sessions: Vec<String> = h
        .agentcore
        .invocations()
        .iter()
        .map(|c| c.session_id.clone())
        .collect();
    assert_eq!(sessions[0], cli_session);
    assert_ne!(sessions[1], cli_session, "{}", sso.raw);
    assert_ne!(sessions[2], cli_session, "{}", stolen.raw);
    // The owner continues its session with either form.
    call(&h.bridge, ask(CLI_KEY, &cli_session)).await;
    assert_eq!(h.agentcore.invocations()[3].session_id, cli_session);
}

#[tokio::test]
async fn ticket_sessions_cannot_be_computed_from_the_ticket_number() {
    let h = harness(&[
        ("SESSION_POLICY", "ticket"),
        ("SESSION_SECRET", "a-deployment-session-secret"),
    ])
    .await;
    let first = call(&h.bridge, request(&event_json("servicenow-incident.json"))).await;
    let again = call(&h.bridge, request(&event_json("servicenow-incident.json"))).await;
    let session = first.json["session_id"].as_str().unwrap();
    assert_eq!(again.json["session_id"], session, "one session per ticket");
    let public = ticket_prompt::ticket_session_id("servicenow", "default", "INC0010001");
    assert_ne!(session, public, "not the public-data session");
}
