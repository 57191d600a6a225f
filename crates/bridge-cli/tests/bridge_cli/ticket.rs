//! `bridge ticket` against a stand-in webhook route: proxy events replayed, raw payloads sent,
//! refusals and unusable input told apart by exit code.

use std::process::Output;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};

use crate::support::{Recorder, assert_failed, run, serve, stderr, stdout};

fn fixture(name: &str) -> String {
    format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A webhook route that records each request and answers `status` with `answer`.
fn webhook(recorder: Recorder, status: StatusCode, answer: Value) -> Router {
    Router::new()
        .route(
            "/prod/webhook/{source}",
            post(
                move |State(rec): State<Recorder>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let answer = answer.clone();
                    async move {
                        rec.record(&uri, &headers, &body);
                        (
                            status,
                            [(header::CONTENT_TYPE, "application/json")],
                            answer.to_string(),
                        )
                            .into_response()
                    }
                },
            ),
        )
        .with_state(recorder)
}

/// `bridge ticket FILE --source SOURCE --url URL ARGS…` with a clean environment.
async fn ticket(file: &str, source: &str, url: &str, args: &[&str]) -> Output {
    let mut argv = vec!["ticket", file, "--source", source, "--url", url];
    argv.extend(args);
    run(&argv, &[]).await
}

#[tokio::test]
async fn a_proxy_event_is_replayed_and_the_analysis_printed() {
    let recorder = Recorder::default();
    let answer = json!({"success": true, "incident_number": "INC0010001", "analysis": "Check the mail relay.", "request_id": "r"});
    let url = serve(webhook(recorder.clone(), StatusCode::OK, answer.clone())).await;
    let file = fixture("servicenow-incident.json");
    let out = ticket(&file, "servicenow", &url, &["--api-key", "mine"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Check the mail relay.\n");

    let event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let seen = recorder.only();
    assert_eq!(seen.path, "/prod/webhook/servicenow");
    assert_eq!(seen.body, event["body"].as_str().unwrap().as_bytes());
    assert_eq!(
        seen.header("x-api-key"),
        Some("mine"),
        "our key, not the event's"
    );
    assert_eq!(seen.header("user-agent"), Some("ServiceNow/1.0"));
    assert_eq!(seen.header("x-forwarded-for"), None);

    let out = ticket(&file, "servicenow", &url, &["--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        answer
    );
}

#[tokio::test]
async fn a_raw_payload_with_an_event_header_gets_the_acknowledgement() {
    let recorder = Recorder::default();
    let answer = json!({"success": true, "code": "IGNORED_EVENT", "event": "ping", "message": "event 'ping' is not configured for analysis; acknowledged and ignored"});
    let url = serve(webhook(recorder.clone(), StatusCode::ACCEPTED, answer)).await;
    let dir = std::env::temp_dir().join(format!("bridge-cli-ticket-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ping.json");
    std::fs::write(&file, br#"{"zen":"Keep it simple."}"#).unwrap();
    let out = ticket(file.to_str().unwrap(), "github", &url, &["--event", "ping"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "event 'ping' is not configured for analysis; acknowledged and ignored\n"
    );
    let seen = recorder.only();
    assert_eq!(seen.path, "/prod/webhook/github");
    assert_eq!(seen.header("x-github-event"), Some("ping"));
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.body.as_ref(), br#"{"zen":"Keep it simple."}"#);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_refused_ticket_exits_3_and_a_missing_file_exits_2() {
    let answer = json!({"success": false, "error": {"code": "INVALID_JSON", "message": "the body is not valid JSON", "status": 400}, "request_id": "r"});
    let url = serve(webhook(
        Recorder::default(),
        StatusCode::BAD_REQUEST,
        answer,
    ))
    .await;
    let malformed = fixture("servicenow-malformed.json");
    let out = ticket(&malformed, "servicenow", &url, &[]).await;
    assert_failed(
        &out,
        3,
        "error: INVALID_JSON (HTTP 400): the body is not valid JSON",
    );

    let out = ticket("/nonexistent/ticket.json", "generic", &url, &[]).await;
    assert_failed(&out, 2, "cannot read /nonexistent/ticket.json");

    let out = ticket("x.json", "freshdesk", &url, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown source is a usage error"
    );
}
