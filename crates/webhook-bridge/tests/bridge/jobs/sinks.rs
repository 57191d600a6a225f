//! Where the analysis goes for the alerting and developer-tool sources, through the worker to
//! the recording stubs: alert groups and Sentry alerts to the Slack or Teams channel configured
//! as their sink (whoever sent them: the channel is the configuration's), GitLab and Linear
//! issues as a comment (signed deliveries only). Hostile text arrives as text everywhere.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::{Value, json};

use crate::support::jobs::{JobsHarness, job_request, run_worker};
use crate::support::signing::{body_of, hmac};
use crate::support::{call, event_json, request};

/// Alert text an attacker controls (an annotation, an issue title): the built-in agent repeats
/// the title in its analysis.
pub(super) const HOSTILE: &str =
    "<!channel> CPU <https://evil.example|runbook> [x](https://evil.example)\n/close";

/// `fixture` with its body edited by `edit` and the extra `headers`.
pub(super) fn delivery(
    fixture: &str,
    edit: impl Fn(&mut Value),
    headers: &[(&str, String)],
) -> Value {
    let mut ev = event_json(fixture);
    let mut body: Value = serde_json::from_slice(&body_of(&ev)).unwrap();
    edit(&mut body);
    ev["body"] = json!(body.to_string());
    for (name, value) in headers {
        ev["headers"][*name] = json!(value);
        ev["multiValueHeaders"][*name] = json!([value]);
    }
    ev
}

/// Delivers `ev` asynchronously under `env`, runs the worker with `worker_env`: the job record.
pub(super) async fn deliver_and_work(
    ev: &Value,
    env: &[(&str, &str)],
    worker_env: &[(&str, &str)],
) -> Value {
    let h = JobsHarness::start(env).await;
    let accepted = call(&h.bridge, request(ev)).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.raw);
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let worker = h.worker(worker_env).await;
    let (_, handed_back) = run_worker(&h, &worker).await;
    assert!(handed_back.is_empty(), "{handed_back:?}");
    call(&h.bridge, job_request(&job_id)).await.json
}

#[tokio::test]
async fn alert_groups_go_to_their_slack_or_teams_channel_as_text() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let url = stub.endpoint_url();
    let slack = json!({"sink": "slack", "webhook_url": format!("{url}/services/T0LOCAL/B0LOCAL/local-slack-token")});
    let hostile_summary = |b: &mut Value| b["commonAnnotations"]["summary"] = json!(HOSTILE);
    // An unsigned delivery (the API key vouched for it): the channel is fixed by configuration.
    let ev = delivery("alertmanager-firing.json", hostile_summary, &[]);
    let record = deliver_and_work(
        &ev,
        &[("ALERTMANAGER_MODE", "async")],
        &[("ALERTMANAGER_WRITE_BACK", &slack.to_string())],
    )
    .await;
    assert_eq!(record["write_back"]["target"], "chat", "{record}");
    assert_eq!(record["write_back"]["status"], "done", "{record}");
    let posted = stub.requests_for("/services/");
    assert_eq!(posted.len(), 1, "{posted:?}");
    let text = posted[0].body.as_ref().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("Alertmanager alert group group-"), "{text}");
    assert!(
        !text.contains('<') && !text.contains('>'),
        "no Slack control sequences: {text}"
    );
    assert!(text.contains("&lt;!channel&gt; CPU"), "{text}");

    let teams = json!({"sink": "teams", "webhook_url": format!(
        "{url}/workflows/w1/triggers/manual/paths/invoke?api-version=1&sig=local-teams-sig")});
    let ev = delivery(
        "grafana-firing.json",
        |b| b["commonAnnotations"]["summary"] = json!(HOSTILE),
        &[],
    );
    let record = deliver_and_work(
        &ev,
        &[("GRAFANA_MODE", "async")],
        &[("GRAFANA_WRITE_BACK", &teams.to_string())],
    )
    .await;
    assert_eq!(record["write_back"]["status"], "done", "{record}");
    let posted = stub.requests_for("/workflows/");
    assert_eq!(posted.len(), 1, "{posted:?}");
    let card = &posted[0].body.as_ref().unwrap()["attachments"][0]["content"];
    let blocks = card["body"].as_array().unwrap();
    assert!(
        blocks.iter().all(|b| b["type"] == "RichTextBlock"),
        "{card}"
    );
    assert!(
        card.to_string().contains("[x](https://evil.example)"),
        "kept as plain text"
    );
}

#[tokio::test]
async fn a_refused_sink_is_recorded_and_the_analysis_kept() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    // A revoked Slack URL: Slack answers 404 no_service.
    let revoked = json!({"sink": "slack", "webhook_url": format!("{}/services/T0/B0/revoked", stub.endpoint_url())});
    let record = deliver_and_work(
        &event_json("sentry-event-alert.json"),
        &[("SENTRY_MODE", "async")],
        &[("SENTRY_WRITE_BACK", &revoked.to_string())],
    )
    .await;
    assert_eq!(record["status"], "succeeded", "{record}");
    assert_eq!(record["write_back"]["status"], "failed", "{record}");
    assert_eq!(
        record["write_back"]["last_error_code"],
        "WRITE_BACK_NOT_FOUND"
    );
}

#[tokio::test]
async fn signed_gitlab_and_linear_issues_get_a_fenced_comment() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let url = stub.endpoint_url();
    let ev = delivery(
        "gitlab-issue-opened.json",
        |b| b["object_attributes"]["title"] = json!(HOSTILE),
        &[("X-Gitlab-Token", "gl-secret".to_owned())],
    );
    let gitlab = json!({"api_url": url, "token": "local-gitlab-token"});
    let record = deliver_and_work(
        &ev,
        &[
            ("GITLAB_MODE", "async"),
            ("GITLAB_WEBHOOK_SECRET", "gl-secret"),
        ],
        &[("GITLAB_WRITE_BACK", &gitlab.to_string())],
    )
    .await;
    assert_eq!(record["write_back"]["status"], "done", "{record}");
    let posted = stub.requests_for("/api/v4/projects/");
    assert_eq!(posted.len(), 1, "{posted:?}");
    let project = event_json("gitlab-issue-opened.json");
    let path: Value = serde_json::from_slice(&body_of(&project)).unwrap();
    let encoded = path["project"]["path_with_namespace"]
        .as_str()
        .unwrap()
        .replace('/', "%2F");
    assert!(
        posted[0].path.contains(&encoded) || posted[0].path.contains(&encoded.replace("%2F", "/")),
        "{}",
        posted[0].path
    );
    let note = posted[0].body.as_ref().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let fenced = note.split("```").nth(1).unwrap_or_default();
    assert!(
        fenced.contains("\n/close"),
        "the quick action is inside the fence: {note}"
    );

    // Linear: the body's timestamp must be fresh for the signature check.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let mut ev = delivery(
        "linear-issue-created.json",
        |b| {
            b["data"]["title"] = json!(HOSTILE);
            b["webhookTimestamp"] = json!(now_ms);
        },
        &[],
    );
    let sig = hex::encode(hmac(b"lin-secret", &[&body_of(&ev)]));
    ev["headers"]["Linear-Signature"] = json!(sig);
    ev["multiValueHeaders"]["Linear-Signature"] = json!([sig]);
    let linear = json!({"api_url": url, "api_key": "lin_api_local"});
    let record = deliver_and_work(
        &ev,
        &[
            ("LINEAR_MODE", "async"),
            ("LINEAR_WEBHOOK_SECRET", "lin-secret"),
        ],
        &[("LINEAR_WRITE_BACK", &linear.to_string())],
    )
    .await;
    assert_eq!(record["write_back"]["status"], "done", "{record}");
    let posted = stub.requests_for("/graphql");
    assert_eq!(posted.len(), 1, "{posted:?}");
    let input = &posted[0].body.as_ref().unwrap()["variables"]["input"];
    assert_eq!(input["issueId"], "ENG-123");
    assert!(
        input["body"].as_str().unwrap().contains("```text\n"),
        "{input}"
    );
}

#[tokio::test]
async fn an_unsigned_gitlab_delivery_is_analysed_but_never_written_back() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let gitlab = json!({"api_url": stub.endpoint_url(), "token": "local-gitlab-token"});
    let record = deliver_and_work(
        &event_json("gitlab-issue-opened.json"),
        &[("GITLAB_MODE", "async")],
        &[("GITLAB_WRITE_BACK", &gitlab.to_string())],
    )
    .await;
    assert_eq!(record["status"], "succeeded", "{record}");
    assert!(
        record.get("write_back").is_none_or(Value::is_null),
        "{record}"
    );
    assert!(stub.requests().is_empty());
}
