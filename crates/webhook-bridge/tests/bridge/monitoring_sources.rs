//! Datadog, New Relic, Dynatrace and Splunk through the handler: their fixtures, the events each
//! analyses (and every alert source's resolved or closed state acknowledged), Datadog's
//! re-notifications answered from the first job, and Splunk's query token.

use http::StatusCode;
use serde_json::Value;

use crate::support::jobs::JobsHarness;
use crate::support::{assert_error, call, event, event_json, harness, request};

/// A JSON pointer into a payload and the value to put there.
type Edit = (&'static str, &'static str);

/// The vendor payload inside a fixture.
fn body(file: &str) -> Value {
    serde_json::from_str(event_json(file)["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn each_monitoring_tools_fixture_is_analysed() {
    let h = harness(&[]).await;
    for (i, (file, source, id_field)) in [
        ("datadog-monitor-triggered.json", "datadog", Some("id")),
        ("newrelic-issue-activated.json", "newrelic", Some("id")),
        (
            "dynatrace-problem-open.json",
            "dynatrace",
            Some("ProblemID"),
        ),
        // Splunk's search ids are too long for a ticket key: a hash of it is.
        ("splunk-alert.json", "splunk", None),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = call(&h.bridge, event(file)).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.raw);
        assert_eq!(reply.json["source"], source);
        let id = reply.json["ticket_id"].as_str().unwrap();
        match id_field {
            Some(field) => assert_eq!(id, body(file)[field].as_str().unwrap(), "{file}"),
            None => assert!(id.starts_with("sid-") && id.len() == 20, "{id}"),
        }
        let sent = h.agentcore.invocations()[i].body_json();
        assert_eq!(sent["source"], source);
        assert_eq!(sent["ticket"]["id"], id);
    }
}

#[tokio::test]
async fn resolved_recovered_and_closed_states_are_acknowledged_for_each_alert_source() {
    let h = harness(&[]).await;
    // (fixture, the field set to its vendor's "over" state, the event it reads as).
    let cases: [(&str, Option<Edit>, &str); 7] = [
        ("datadog-monitor-recovered.json", None, "recovered"),
        ("alertmanager-resolved.json", None, "resolved"),
        (
            "grafana-firing.json",
            Some(("/status", "resolved")),
            "resolved",
        ),
        (
            "gitlab-issue-opened.json",
            Some(("/object_attributes/action", "close")),
            "issue.close",
        ),
        (
            "linear-issue-created.json",
            Some(("/action", "update")),
            "issue.update",
        ),
        (
            "newrelic-issue-activated.json",
            Some(("/state", "CLOSED")),
            "closed",
        ),
        (
            "dynatrace-problem-open.json",
            Some(("/State", "RESOLVED")),
            "resolved",
        ),
    ];
    for (file, edit, expected) in cases {
        let mut ev = event_json(file);
        if let Some((pointer, value)) = edit {
            let mut payload = body(file);
            *payload.pointer_mut(pointer).unwrap() = Value::from(value);
            ev["body"] = Value::from(payload.to_string());
        }
        let reply = call(&h.bridge, request(&ev)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{file}: {}", reply.raw);
        assert_eq!(reply.json["event"], expected, "{file}");
        assert_eq!(reply.json["code"], "IGNORED_EVENT", "{file}: {}", reply.raw);
    }
    // Sentry's metric alert resolving (its resource is named by a header).
    let mut ev = event_json("sentry-event-alert.json");
    let mut payload = body("sentry-event-alert.json");
    payload["action"] = Value::from("resolved");
    ev["body"] = Value::from(payload.to_string());
    ev["headers"]["Sentry-Hook-Resource"] = Value::from("metric_alert");
    ev["multiValueHeaders"]["Sentry-Hook-Resource"] = Value::from(vec!["metric_alert"]);
    let reply = call(&h.bridge, request(&ev)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.raw);
    assert_eq!(reply.json["event"], "metric_alert.resolved");
    assert_eq!(h.agentcore.invocation_count(), 0, "no agent call");
}

#[tokio::test]
async fn a_datadog_renotification_is_answered_from_the_first_job() {
    let h = JobsHarness::start(&[]).await;
    assert_eq!(
        body("datadog-monitor-triggered.json")["cycle"],
        body("datadog-monitor-renotify.json")["cycle"],
        "one alert cycle"
    );
    let first = call(&h.bridge, event("datadog-monitor-triggered.json")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    let again = call(&h.bridge, event("datadog-monitor-renotify.json")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.raw);
    assert_eq!(again.json["replayed"], true, "{}", again.raw);
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");
}

#[tokio::test]
async fn splunk_is_let_in_by_its_query_token_only() {
    let token = event_json("splunk-alert.json")["queryStringParameters"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let h = harness(&[("SPLUNK_WEBHOOK_SECRET", token.as_str())]).await;
    let reply = call(&h.bridge, event("splunk-alert.json")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    for query in [
        Value::Null,
        serde_json::json!({"token": "guess"}),
        serde_json::json!({"token": format!("{token}x")}),
    ] {
        let mut ev = event_json("splunk-alert.json");
        ev["multiValueQueryStringParameters"] = match &query {
            Value::Object(q) => serde_json::json!({"token": [q["token"]]}),
            _ => Value::Null,
        };
        ev["queryStringParameters"] = query;
        assert_error(
            &call(&h.bridge, request(&ev)).await,
            401,
            "INVALID_SIGNATURE",
        );
    }
    // A `token` header is not the query parameter.
    let mut ev = event_json("splunk-alert.json");
    ev["queryStringParameters"] = Value::Null;
    ev["multiValueQueryStringParameters"] = Value::Null;
    ev["headers"]["token"] = Value::from(token.clone());
    ev["multiValueHeaders"]["token"] = Value::from(vec![token]);
    assert_error(
        &call(&h.bridge, request(&ev)).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_eq!(h.agentcore.invocation_count(), 1);
}
