//! An alert source with several sinks: each gets the analysis once. A sink that fails for now is
//! tried again on the job's next try, and the sinks already posted are not posted twice.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::json;

use super::ticket_sinks::accepted;
use crate::support::call;
use crate::support::jobs::{job_request, run_worker, work};

#[tokio::test]
async fn each_sink_is_posted_once_and_only_the_failed_one_is_retried() {
    let stub = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let url = stub.endpoint_url();
    let sinks = json!([
        {"sink": "slack", "webhook_url": format!("{url}/services/T0LOCAL/B0LOCAL/local-slack-token")},
        {"sink": "teams", "webhook_url": format!(
            "{url}/workflows/w1/triggers/manual/paths/invoke?api-version=1&sig=local-teams-sig")},
        {"sink": "servicenow", "instance_url": url, "username": "bridge",
            "password": "local-servicenow-password"},
    ]);
    let (h, worker, job_id) = accepted("alertmanager-firing.json", "ALERTMANAGER", &sinks).await;

    // Slack takes it, Teams is down for now, ServiceNow's lookup and create go through.
    stub.pass_next(1);
    stub.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let (messages, handed_back) = run_worker(&h, &worker).await;
    assert_eq!(handed_back.len(), 1, "retried for Teams");
    let record = call(&h.bridge, job_request(&job_id)).await.json;
    let wb = &record["write_back"];
    assert_eq!(wb["status"], "pending", "{record}");
    assert_eq!(wb["last_error_code"], "WRITE_BACK_SERVER_ERROR");
    assert_eq!(wb["sinks_posted"], json!([0, 2]), "{record}");

    // The next try posts to Teams only.
    let handed_back = work(&h, &worker, messages).await;
    assert!(handed_back.is_empty(), "{handed_back:?}");
    let record = call(&h.bridge, job_request(&job_id)).await.json;
    assert_eq!(record["write_back"]["status"], "done", "{record}");
    assert_eq!(record["write_back"]["sinks_posted"], json!([0, 1, 2]));
    assert_eq!(stub.requests_for("/services/").len(), 1, "Slack once");
    let teams = stub.requests_for("/workflows/");
    assert_eq!(
        teams.iter().map(|r| r.status).collect::<Vec<_>>(),
        [StatusCode::SERVICE_UNAVAILABLE, StatusCode::ACCEPTED],
        "Teams twice: down, then taken"
    );
    assert_eq!(stub.created("servicenow").len(), 1, "one incident");
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");
}
