//! New tickets for alerts, through the worker to the recording stub's create and lookup APIs:
//! an alert source whose sink is ServiceNow, Jira, GitHub or GitLab gets one ticket per job,
//! carrying the job as its marker and the analysis inert; a create whose answer was lost is found
//! by the retry's lookup and never opened twice.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::{Value, json};

use super::sinks::{HOSTILE, delivery};
use crate::support::jobs::{JobsHarness, job_request, run_worker, work};
use crate::support::{call, request};

/// The four ticket sinks on the stub at `url`: (fixture, its source's prefix, sink, vendor).
fn sinks(url: &str) -> [(&'static str, &'static str, Value, &'static str); 4] {
    [
        (
            "alertmanager-firing.json",
            "ALERTMANAGER",
            json!({"sink": "servicenow", "instance_url": url, "username": "bridge",
                "password": "local-servicenow-password"}),
            "servicenow",
        ),
        (
            "grafana-firing.json",
            "GRAFANA",
            json!({"sink": "jira", "base_url": url, "email": "bridge@example.com",
                "api_token": "local-jira-token", "project_key": "OPS"}),
            "jira",
        ),
        (
            "alertmanager-firing.json",
            "ALERTMANAGER",
            json!({"sink": "github", "api_url": url, "token": "local-github-token",
                "repository": "acme/ops"}),
            "github",
        ),
        (
            "grafana-firing.json",
            "GRAFANA",
            json!({"sink": "gitlab", "api_url": url, "token": "local-gitlab-token",
                "project": "acme/ops"}),
            "gitlab",
        ),
    ]
}

/// Where each vendor's created ticket keeps the job's marker.
fn marker(vendor: &str, ticket: &Value) -> String {
    match vendor {
        "servicenow" => ticket["correlation_id"].as_str().unwrap().to_owned(),
        "jira" => ticket["fields"]["labels"][1].as_str().unwrap().to_owned(),
        "github" => ticket["labels"][1]["name"].as_str().unwrap().to_owned(),
        _ => ticket["labels"][1].as_str().unwrap().to_owned(),
    }
}

/// Delivers `fixture` (its summary hostile) asynchronously: the harness, the worker and the job id.
pub(super) async fn accepted(
    fixture: &str,
    prefix: &str,
    sink: &Value,
) -> (JobsHarness, webhook_bridge::Worker, String) {
    let ev = delivery(
        fixture,
        |b| b["commonAnnotations"]["summary"] = json!(HOSTILE),
        &[],
    );
    let mode = format!("{prefix}_MODE");
    let h = JobsHarness::start(&[(mode.as_str(), "async")]).await;
    let reply = call(&h.bridge, request(&ev)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.raw);
    let job_id = reply.json["job_id"].as_str().unwrap().to_owned();
    let sink_var = format!("{prefix}_WRITE_BACK");
    let worker = h.worker(&[(sink_var.as_str(), &sink.to_string())]).await;
    (h, worker, job_id)
}

#[tokio::test]
async fn each_alert_opens_one_ticket_marked_with_its_job() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    for (fixture, prefix, sink, vendor) in sinks(&stub.endpoint_url()) {
        let (h, worker, job_id) = accepted(fixture, prefix, &sink).await;
        let (_, handed_back) = run_worker(&h, &worker).await;
        assert!(handed_back.is_empty(), "{vendor}: {handed_back:?}");
        let record = call(&h.bridge, job_request(&job_id)).await.json;
        assert_eq!(record["write_back"]["status"], "done", "{vendor}: {record}");
        let created = stub.created(vendor);
        assert_eq!(created.len(), 1, "{vendor}: {created:?}");
        assert_eq!(marker(vendor, &created[0]), job_id, "{vendor}");
        let text = created[0].to_string();
        assert!(
            text.contains("alert group group-"),
            "{vendor}: titled by the alert: {text}"
        );
    }
    // Markdown trackers get the hostile text inert: GitHub's escaped, GitLab's fenced.
    let github = stub.created("github")[0]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!github.contains("[x](https://evil.example)"), "{github}");
    let gitlab = stub.created("gitlab")[0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    let outside: Vec<&str> = gitlab.split("```").step_by(2).collect();
    assert!(
        outside
            .iter()
            .all(|p| !p.lines().any(|l| l.starts_with('/'))),
        "no quick action outside the fence: {gitlab}"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_the_retry_and_not_opened_twice() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    for (fixture, prefix, sink, vendor) in sinks(&stub.endpoint_url()) {
        let (h, worker, job_id) = accepted(fixture, prefix, &sink).await;
        // The lookup is answered; the create happens but its answer never arrives.
        stub.pass_next(1);
        stub.lose_next_answers(1);
        let (messages, handed_back) = run_worker(&h, &worker).await;
        assert_eq!(handed_back.len(), 1, "{vendor}: retried");
        let record = call(&h.bridge, job_request(&job_id)).await.json;
        assert_eq!(
            record["write_back"]["status"], "pending",
            "{vendor}: {record}"
        );
        assert_eq!(stub.created(vendor).len(), 1, "{vendor}");

        // SQS delivers the message again: the lookup finds the ticket, none is opened.
        let handed_back = work(&h, &worker, messages).await;
        assert!(handed_back.is_empty(), "{vendor}: {handed_back:?}");
        let record = call(&h.bridge, job_request(&job_id)).await.json;
        assert_eq!(record["write_back"]["status"], "done", "{vendor}: {record}");
        assert_eq!(
            stub.created(vendor).len(),
            1,
            "{vendor}: never a second ticket"
        );
        assert_eq!(
            h.agentcore.invocation_count(),
            1,
            "{vendor}: the agent ran once"
        );
    }
}
