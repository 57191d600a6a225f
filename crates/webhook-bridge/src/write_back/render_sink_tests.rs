//! GitLab notes, Linear comments and chat messages: where each goes, with what, and the parts a
//! hostile analysis or ticket cannot change.

use serde_json::{Value, json};
use ticket_prompt::{FieldLimits, Source, Ticket, parse_ticket};

use super::*;

fn ticket(source: Source, body: Value) -> Ticket {
    parse_ticket(source, body.to_string().as_bytes(), &FieldLimits::default()).unwrap()
}

#[test]
fn gitlab_notes_go_to_the_project_by_its_encoded_path() {
    let t = ticket(
        Source::GitLab,
        json!({"object_kind": "issue", "project": {"path_with_namespace": "acme/web/checkout"},
            "object_attributes": {"iid": 23, "title": "500s", "action": "open"}}),
    );
    let creds = Credentials::parse(Source::GitLab, r#"{"token": "glpat-x"}"#).unwrap();
    let req = request(&Target::for_ticket(&t).unwrap(), &creds, "/close", "job_1").unwrap();
    assert_eq!(
        req.url,
        "https://gitlab.com/api/v4/projects/acme%2Fweb%2Fcheckout/issues/23/notes"
    );
    assert_eq!(req.authorization.as_deref(), Some("Bearer glpat-x"));
    let body = req.body["body"].as_str().unwrap();
    assert!(body.contains("```text\n/close\n```"), "{body}");
}

#[test]
fn linear_comments_are_a_mutation_with_a_stable_client_id() {
    let t = ticket(
        Source::Linear,
        json!({"action": "create", "type": "Issue", "data": {"identifier": "ENG-123", "title": "t"}}),
    );
    let creds = Credentials::parse(Source::Linear, r#"{"api_key": "lin_api_x"}"#).unwrap();
    let target = Target::for_ticket(&t).unwrap();
    let req = request(&target, &creds, "a", "job_1").unwrap();
    assert_eq!(req.url, "https://api.linear.app/graphql");
    assert_eq!(req.authorization.as_deref(), Some("lin_api_x"), "no scheme");
    assert_eq!(req.success, Success::LinearCommentCreated);
    let input = &req.body["variables"]["input"];
    assert_eq!(input["issueId"], "ENG-123");
    assert!(
        req.body["query"]
            .as_str()
            .unwrap()
            .contains("commentCreate")
    );
    let again = request(&target, &creds, "a", "job_1").unwrap();
    assert_eq!(
        again.body["variables"]["input"]["id"], input["id"],
        "a retry is the same comment"
    );
    let other = request(&target, &creds, "a", "job_2").unwrap();
    assert_ne!(other.body["variables"]["input"]["id"], input["id"]);
    let id = input["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
}

#[test]
fn alerts_go_to_the_configured_chat_webhook_without_authorization() {
    let group = ticket(
        Source::Alertmanager,
        json!({"groupKey": "{}:{}", "status": "firing", "receiver": "r",
            "commonLabels": {"alertname": "HighCPU"}, "commonAnnotations": {"summary": "<!channel> CPU"},
            "alerts": [{"status": "firing", "generatorURL": "http://prometheus:9090/graph"}]}),
    );
    let target = Target::for_ticket(&group).unwrap();
    let Target::Chat { about } = &target else {
        panic!("{target:?}")
    };
    assert!(
        about.starts_with("Alertmanager alert group group-"),
        "{about}"
    );
    assert!(
        about.ends_with(": <!channel> CPU (http://prometheus:9090/graph)"),
        "{about}"
    );
    let slack = Credentials::parse(
        Source::Alertmanager,
        r#"{"sink": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/x"}"#,
    )
    .unwrap();
    let req = request(&target, &slack, "Restart <@U123>", "job_1").unwrap();
    assert_eq!(req.url, "https://hooks.slack.com/services/T0/B0/x");
    assert_eq!(req.authorization, None);
    let text = req.body["text"].as_str().unwrap();
    assert!(text.contains("&lt;!channel&gt; CPU") && text.contains("Restart &lt;@U123&gt;"));

    let teams = Credentials::parse(
        Source::Sentry,
        r#"{"sink": "teams", "webhook_url": "https://prod-1.westus.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=s"}"#,
    )
    .unwrap();
    let req = request(&target, &teams, "a", "job_1").unwrap();
    assert_eq!(
        req.body["attachments"][0]["content"]["type"],
        "AdaptiveCard"
    );
}

#[test]
fn sink_settings_are_checked_and_never_printed() {
    for (json, problem) in [
        (
            r#"{"webhook_url": "https://hooks.slack.com/x"}"#,
            "missing 'sink'",
        ),
        (
            r#"{"sink": "email", "webhook_url": "https://x"}"#,
            "'sink' must be slack, teams, sns or one of servicenow, jira, github, gitlab",
        ),
        (r#"{"sink": "slack"}"#, "missing 'webhook_url'"),
    ] {
        assert_eq!(
            Credentials::parse(Source::Grafana, json).unwrap_err(),
            problem
        );
    }
    let plain =
        r#"{"sink": "slack", "webhook_url": "http://hooks.slack.com/services/T0/B0/secret"}"#;
    assert!(
        !Credentials::parse(Source::Grafana, plain)
            .unwrap_err()
            .contains("secret")
    );
    let ok = r#"{"sink": "slack", "webhook_url": "https://hooks.slack.com/services/T0/B0/secret"}"#;
    let creds = Credentials::parse(Source::Grafana, ok).unwrap();
    assert!(!format!("{creds:?}").contains("secret"));
    assert!(
        Credentials::parse(Source::Zendesk, ok).is_err(),
        "no sink for ticketing sources"
    );
    assert!(
        Credentials::parse(Source::GitLab, ok).is_err(),
        "GitLab takes a token"
    );
}
