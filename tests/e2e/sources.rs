//! Every source end to end: vendor fixtures (ticketing systems, alert groups, Sentry, GitLab,
//! Linear) through the built binary under the local Lambda runtime, a real BedrockAgentCoreApp
//! agent, and a signed GitHub delivery over HTTP.

use hmac::{Hmac, Mac};
use local_agentcore::Backend;
use sha2::Sha256;

use crate::support::{API_KEY, AgentProcess, Stack, event};

#[tokio::test]
async fn each_source_reaches_the_agent_and_ignored_events_do_not() {
    let agent = AgentProcess::start("json").await;
    let stack = Stack::start(Backend::Forward(agent.url.clone())).await;
    for (file, source, expected_id) in [
        ("jira-issue-created.json", "jira", "OPS-17"),
        ("zendesk-ticket-created.json", "zendesk", "35436"),
        ("pagerduty-incident-triggered.json", "pagerduty", "2"),
        ("github-issue-opened.json", "github", "42"),
        ("generic-ticket.json", "generic", "ALERT-7731"),
        ("alertmanager-firing.json", "alertmanager", "group-"),
        ("grafana-firing.json", "grafana", "group-"),
        ("sentry-event-alert.json", "sentry", "1117540176"),
        ("gitlab-issue-opened.json", "gitlab", "23"),
        ("linear-issue-created.json", "linear", "ENG-123"),
        (
            "datadog-monitor-triggered.json",
            "datadog",
            "7302498147398473847",
        ),
        (
            "newrelic-issue-activated.json",
            "newrelic",
            "a3f5c1d2-7b4e-4f08-9c6a-2e8d1b5f0a47",
        ),
        ("dynatrace-problem-open.json", "dynatrace", "P-2611"),
        ("splunk-alert.json", "splunk", "sid-"),
    ] {
        let r = stack.invoke_event(&event(file)).await;
        assert_eq!(r.status, 200, "{file}: {}", r.json);
        assert_eq!(r.json["source"].as_str(), Some(source), "{file}");
        // An alert group's key is `group-` and a hash of its groupKey; a Splunk alert's `sid-`
        // and a hash of its search id.
        let id = r.json["ticket_id"].as_str().unwrap();
        let expected = ["group-", "sid-"]
            .into_iter()
            .find(|prefix| id.starts_with(prefix))
            .unwrap_or(id);
        assert_eq!(expected, expected_id, "{file}");
        let analysis = r.json["analysis"].as_str().unwrap();
        assert!(
            analysis.starts_with(&format!("Python agent analysis of {id}:"))
                && analysis.contains(&format!("[source {source}]")),
            "{analysis}"
        );
    }
    for file in [
        "github-issue-labeled.json",
        "github-ping.json",
        "pagerduty-incident-acknowledged.json",
        "alertmanager-resolved.json",
        "datadog-monitor-recovered.json",
    ] {
        let r = stack.invoke_event(&event(file)).await;
        assert_eq!(
            (r.status, r.json["code"].as_str()),
            (202, Some("IGNORED_EVENT")),
            "{file}"
        );
    }
    assert_eq!(stack.agentcore.invocation_count(), 14);
}

#[tokio::test]
async fn a_signed_github_delivery_over_http() {
    let agent = AgentProcess::start("json").await;
    let stack = Stack::start_with(
        Backend::Forward(agent.url.clone()),
        &[("GITHUB_WEBHOOK_SECRET", "e2e-github-secret")],
    )
    .await;
    let body = event("github-issue-opened.json")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"e2e-github-secret").unwrap();
    mac.update(body.as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let client = reqwest::Client::new();
    let send = |sig: &str| {
        client
            .post(stack.webhook_url("github"))
            .header("x-api-key", API_KEY)
            .header("content-type", "application/json")
            .header("x-github-event", "issues")
            .header("x-hub-signature-256", sig.to_owned())
            .body(body.clone())
            .send()
    };
    let ok = send(&signature).await.unwrap();
    assert_eq!(ok.status(), 200);
    let forged = send("sha256=0000000000000000000000000000000000000000000000000000000000000000")
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let json: serde_json::Value = serde_json::from_slice(&forged.bytes().await.unwrap()).unwrap();
    assert_eq!(json["error"]["code"], "INVALID_SIGNATURE");
    assert_eq!(stack.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn a_cloudwatch_alarm_signed_by_sns_through_the_built_binary() {
    let cert = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/webhook-bridge/tests/bridge/support/keys/sns-signing-cert.pem"
    ))
    .unwrap();
    let sns = local_ticketing::RunningTicketing::start(
        "127.0.0.1:0",
        local_ticketing::TicketingConfig {
            sns_certificate_pem: Some(cert),
            ..local_ticketing::TicketingConfig::default()
        },
    )
    .await
    .unwrap();
    let agent = AgentProcess::start("json").await;
    let endpoints = format!("sns={}", sns.endpoint_url());
    let stack = Stack::start_with(
        Backend::Forward(agent.url.clone()),
        &[
            (
                "CLOUDWATCH_TOPIC_ARNS",
                "arn:aws:sns:us-east-1:123456789012:cloudwatch-alarms",
            ),
            ("ENDPOINT_URLS", endpoints.as_str()),
        ],
    )
    .await;
    let r = stack.invoke_event(&event("cloudwatch-alarm.json")).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["source"], "cloudwatch");
    let r = stack
        .invoke_event(&event("cloudwatch-subscription-confirmation.json"))
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (202, Some("IGNORED_EVENT"))
    );
    assert!(sns.requests().iter().any(|q| {
        q.query
            .as_deref()
            .is_some_and(|q| q.contains("ConfirmSubscription"))
    }));
}
