//! The alerting and developer-tool sources through the handler: Alertmanager and Grafana alert
//! groups, Sentry alerts, GitLab and Linear issues. Their fixtures, the events each analyses,
//! their signature recipes, and the alert groups' repeats answered without a second agent call.

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use serde_json::Value;

use crate::support::jobs::JobsHarness;
use crate::support::signing::{body_of, hmac, with_headers};
use crate::support::{assert_error, call, event, event_json, event_with_body, harness, request};

const LINEAR_SECRET: &str = "linear-signing-secret";

/// The Linear fixture with `webhookTimestamp` set to `stamp_ms`, signed with `secret` as Linear
/// signs (hex HMAC-SHA256 of the raw body).
fn linear_signed(secret: &str, stamp_ms: u64) -> Value {
    let mut ev = event_json("linear-issue-created.json");
    let mut body: Value = serde_json::from_str(ev["body"].as_str().unwrap()).unwrap();
    body["webhookTimestamp"] = Value::from(stamp_ms);
    let body = body.to_string();
    let sig = hex::encode(hmac(secret.as_bytes(), &[body.as_bytes()]));
    ev["body"] = Value::from(body);
    ev["headers"]["Linear-Signature"] = Value::from(sig.clone());
    ev["multiValueHeaders"]["Linear-Signature"] = Value::from(vec![sig]);
    ev
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn each_new_sources_fixture_is_analysed_as_one_ticket() {
    let h = harness(&[]).await;
    for (i, (file, source, id)) in [
        ("alertmanager-firing.json", "alertmanager", None),
        ("grafana-firing.json", "grafana", None),
        ("sentry-event-alert.json", "sentry", Some("1117540176")),
        ("gitlab-issue-opened.json", "gitlab", Some("23")),
        ("linear-issue-created.json", "linear", Some("ENG-123")),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = call(&h.bridge, event(file)).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.raw);
        assert_eq!(reply.json["source"], source, "{file}");
        let ticket_id = reply.json["ticket_id"].as_str().unwrap();
        match id {
            Some(id) => assert_eq!(ticket_id, id, "{file}"),
            // An alert group's key is a hash of its groupKey.
            None => assert!(
                ticket_id.starts_with("group-") && ticket_id.len() == 22,
                "{ticket_id}"
            ),
        }
        let sent = h.agentcore.invocations()[i].body_json();
        assert_eq!(sent["source"], source);
        assert_eq!(sent["ticket"]["id"], ticket_id);
        let title = sent["ticket"]["title"].as_str().unwrap();
        assert!(
            reply.json["analysis"].as_str().unwrap().contains(title),
            "{file}: the agent saw the ticket's title"
        );
    }
    // Both alerts of the Alertmanager group reach the prompt, each with its own labels.
    let group = h.agentcore.invocations()[0].body_json();
    let prompt = group["prompt"].as_str().unwrap();
    assert!(
        prompt.contains("Alert 1 (firing") && prompt.contains("Alert 2 (firing"),
        "{prompt}"
    );
    assert!(prompt.contains("Analyse the Alertmanager alert group below"));
}

#[tokio::test]
async fn resolved_groups_are_acknowledged_unless_configured() {
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("alertmanager-resolved.json")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.raw);
    assert_eq!(reply.json["code"], "IGNORED_EVENT");
    assert_eq!(reply.json["event"], "resolved");
    assert_eq!(h.agentcore.invocation_count(), 0);

    let h = harness(&[("ALERTMANAGER_EVENTS", "firing,resolved")]).await;
    let reply = call(&h.bridge, event("alertmanager-resolved.json")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_group_without_alerts_or_key_is_a_clear_400_and_no_agent_call() {
    let h = harness(&[]).await;
    let mut body: Value = serde_json::from_str(
        event_json("alertmanager-firing.json")["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    body["alerts"] = Value::from("not a list");
    let reply = call(
        &h.bridge,
        event_with_body("alertmanager-firing.json", &body.to_string()),
    )
    .await;
    assert_error(&reply, 400, "INVALID_FIELD");
    body.as_object_mut().unwrap().remove("groupKey");
    let reply = call(
        &h.bridge,
        event_with_body("alertmanager-firing.json", &body.to_string()),
    )
    .await;
    assert_error(&reply, 400, "MISSING_REQUIRED_FIELD");
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn repeat_notifications_of_a_firing_group_run_the_agent_once() {
    let h = JobsHarness::start(&[]).await;
    let first = call(&h.bridge, event("alertmanager-firing.json")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    // repeat_interval elapsed: another body (its notification_reason), the same group and alerts.
    assert_ne!(
        body_of(&event_json("alertmanager-firing.json")),
        body_of(&event_json("alertmanager-repeat.json"))
    );
    let repeat = call(&h.bridge, event("alertmanager-repeat.json")).await;
    assert_eq!(repeat.status, StatusCode::OK, "{}", repeat.raw);
    assert_eq!(repeat.json["replayed"], true, "{}", repeat.raw);
    assert_eq!(repeat.json["analysis"], first.json["analysis"]);
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");

    // A change in the group (one alert resolved) is a new delivery.
    let mut body: Value = serde_json::from_str(
        event_json("alertmanager-firing.json")["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    body["alerts"][1]["status"] = Value::from("resolved");
    let changed = call(
        &h.bridge,
        event_with_body("alertmanager-firing.json", &body.to_string()),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.raw);
    assert!(changed.json.get("replayed").is_none(), "{}", changed.raw);
    assert_eq!(h.agentcore.invocation_count(), 2);

    // Grafana's repeat of the same firing group, its message rendered anew.
    let first = call(&h.bridge, event("grafana-firing.json")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    let mut body: Value =
        serde_json::from_slice(&body_of(&event_json("grafana-firing.json"))).unwrap();
    body["message"] = Value::from("**Firing** (repeat_interval elapsed)");
    let repeat = call(
        &h.bridge,
        event_with_body("grafana-firing.json", &body.to_string()),
    )
    .await;
    assert_eq!(repeat.json["replayed"], true, "{}", repeat.raw);
    assert_eq!(
        h.agentcore.invocation_count(),
        3,
        "Grafana's group ran once"
    );
}

#[tokio::test]
async fn grafana_sentry_and_linear_signatures_pass_and_forgeries_fail() {
    let h = harness(&[
        ("GRAFANA_WEBHOOK_SECRET", "grafana-secret"),
        ("SENTRY_WEBHOOK_SECRET", "sentry-client-secret"),
        ("LINEAR_WEBHOOK_SECRET", LINEAR_SECRET),
    ])
    .await;
    // Grafana: hex HMAC of `timestamp:body`, the timestamp in its own header.
    let grafana = event_json("grafana-firing.json");
    let grafana_signed = |ts: u64, secret: &[u8]| {
        let ts = ts.to_string();
        let sig = hex::encode(hmac(secret, &[ts.as_bytes(), b":", &body_of(&grafana)]));
        with_headers(
            "grafana-firing.json",
            &[
                ("X-Grafana-Alerting-Signature", sig),
                ("X-Grafana-Alerting-Signature-Timestamp", ts),
            ],
        )
    };
    let reply = call(
        &h.bridge,
        request(&grafana_signed(now_secs(), b"grafana-secret")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    let stale = grafana_signed(now_secs() - 600, b"grafana-secret");
    assert_error(
        &call(&h.bridge, request(&stale)).await,
        401,
        "SIGNATURE_EXPIRED",
    );
    let forged = grafana_signed(now_secs(), b"guess");
    assert_error(
        &call(&h.bridge, request(&forged)).await,
        401,
        "INVALID_SIGNATURE",
    );

    // Sentry: hex HMAC of the raw body.
    let sentry = event_json("sentry-event-alert.json");
    let sig = hex::encode(hmac(b"sentry-client-secret", &[&body_of(&sentry)]));
    let ev = with_headers("sentry-event-alert.json", &[("Sentry-Hook-Signature", sig)]);
    let reply = call(&h.bridge, request(&ev)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_error(
        &call(&h.bridge, event("sentry-event-alert.json")).await,
        401,
        "INVALID_SIGNATURE",
    );

    // Linear: hex HMAC of the raw body, whose webhookTimestamp must be within a minute.
    let reply = call(
        &h.bridge,
        request(&linear_signed(LINEAR_SECRET, now_secs() * 1000)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    let old = linear_signed(LINEAR_SECRET, (now_secs() - 120) * 1000);
    assert_error(
        &call(&h.bridge, request(&old)).await,
        401,
        "SIGNATURE_EXPIRED",
    );

    assert_eq!(
        h.agentcore.invocation_count(),
        3,
        "only verified deliveries reached the agent"
    );
}

#[tokio::test]
async fn gitlab_and_alertmanager_tokens_are_compared_with_the_secret() {
    let h = harness(&[
        ("GITLAB_WEBHOOK_SECRET", "gitlab-secret-token"),
        ("ALERTMANAGER_WEBHOOK_SECRET", "alertmanager-bearer"),
    ])
    .await;
    let gitlab = |token: &str| {
        request(&with_headers(
            "gitlab-issue-opened.json",
            &[("X-Gitlab-Token", token.to_owned())],
        ))
    };
    assert_eq!(
        call(&h.bridge, gitlab("gitlab-secret-token")).await.status,
        StatusCode::OK
    );
    assert_error(
        &call(&h.bridge, gitlab("gitlab-secret-toke")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_error(
        &call(&h.bridge, event("gitlab-issue-opened.json")).await,
        401,
        "INVALID_SIGNATURE",
    );

    let alertmanager = |value: &str| {
        request(&with_headers(
            "alertmanager-firing.json",
            &[("Authorization", value.to_owned())],
        ))
    };
    assert_eq!(
        call(&h.bridge, alertmanager("Bearer alertmanager-bearer"))
            .await
            .status,
        StatusCode::OK
    );
    assert_error(
        &call(&h.bridge, alertmanager("Bearer alertmanager-bearer2")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_error(
        &call(&h.bridge, alertmanager("Basic YWxlcnQ6bWFuYWdlcg==")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_eq!(h.agentcore.invocation_count(), 2);
}

#[tokio::test]
async fn a_linear_retry_stamped_anew_is_answered_from_the_first_job() {
    let h = JobsHarness::start(&[("LINEAR_WEBHOOK_SECRET", LINEAR_SECRET)]).await;
    // Linear signs a fresh webhookTimestamp into each attempt; its Linear-Delivery stays.
    let attempt = |stamp_ms: u64| request(&linear_signed(LINEAR_SECRET, stamp_ms));
    let first = call(&h.bridge, attempt(now_secs() * 1000 - 30_000)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    let retry = call(&h.bridge, attempt(now_secs() * 1000)).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.raw);
    assert_eq!(retry.json["replayed"], true, "{}", retry.raw);
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");
}
