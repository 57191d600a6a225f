//! An answer of 2 MB, far over what a job record holds (350 KiB): the synchronous caller gets it
//! whole, the job still ends `succeeded` with the analysis stored cut and marked, and the worker
//! writes a ticket within the ticket system's own limit. Never a job left `running`.

use axum::Router;
use axum::routing::post;
use http::StatusCode;
use job_store::MAX_ANALYSIS_BYTES;
use local_agentcore::Backend;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::json;

use crate::support::call;
use crate::support::jobs::{JobsHarness, delivery, job_request, run_worker, signed_delivery};
use crate::support::signing::SERVICENOW_SECRET;

const ANSWER_BYTES: usize = 2 * 1024 * 1024;

/// An agent container whose every answer is 2 MB of text.
async fn verbose_agent() -> String {
    let app = Router::new().route(
        "/invocations",
        post(|| async {
            let text = "All checks passed. ".repeat(ANSWER_BYTES / 19);
            (
                [("content-type", "application/json")],
                json!({"result": text}).to_string(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_synchronous_2_mb_answer_is_returned_whole_and_stored_cut() {
    let agent = verbose_agent().await;
    let h =
        JobsHarness::start_with(&[("MAX_ANSWER_BYTES", "4194304")], Backend::Forward(agent)).await;
    let key = [("Idempotency-Key", "big-answer-1")];
    let answered = call(&h.bridge, delivery(&key, &[])).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", &answered.raw[..200]);
    let analysis = answered.json["analysis"].as_str().unwrap();
    assert!(analysis.len() > 2_000_000, "the caller gets it whole");

    // The sender's retry is answered from the record: finished, cut, marked. Not run again.
    let retry = call(&h.bridge, delivery(&key, &[])).await;
    assert_eq!(retry.json["replayed"], true, "{}", &retry.raw[..200]);
    let stored = retry.json["analysis"].as_str().unwrap();
    assert!(stored.len() <= MAX_ANALYSIS_BYTES);
    assert!(stored.ends_with("more than a job record holds]"));
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn an_asynchronous_2_mb_answer_finishes_the_job_and_writes_a_note_that_fits() {
    let agent = verbose_agent().await;
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let env = [
        ("MAX_ANSWER_BYTES", "4194304"),
        ("SERVICENOW_MODE", "async"),
        ("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET),
    ];
    let h = JobsHarness::start_with(&env, Backend::Forward(agent)).await;
    let accepted = call(&h.bridge, signed_delivery(&[])).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let creds = json!({"instance_url": ticketing.endpoint_url(), "username": "bridge",
        "password": "local-servicenow-password"})
    .to_string();
    let worker = h.worker(&[("SERVICENOW_WRITE_BACK", &creds)]).await;
    let (_, handed_back) = run_worker(&h, &worker).await;
    assert!(handed_back.is_empty());

    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(record.json["status"], "succeeded");
    assert_eq!(record.json["write_back"]["status"], "done");
    let posted = ticketing.requests();
    let note = posted[0].body.as_ref().unwrap()["work_notes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(note.chars().count() <= ticket_prompt::SERVICENOW_NOTE_MAX_CHARS);
    assert!(note.ends_with(&format!("[truncated; full analysis: GET /jobs/{job_id}]")));
}
