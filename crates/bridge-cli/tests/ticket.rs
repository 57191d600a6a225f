//! `bridge ticket` against a stand-in webhook route.

mod support;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};

use support::{Recorder, run, serve, stderr, stdout};

fn fixture(name: &str) -> String {
    format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"))
}

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

#[tokio::test]
async fn a_proxy_event_is_replayed_and_the_analysis_printed() {
    let recorder = Recorder::default();
    let answer = json!({"success": true, "incident_number": "INC0010001", "analysis": "Check the mail relay.", "request_id": "r"});
    let url = serve(webhook(recorder.clone(), StatusCode::OK, answer.clone())).await;
    let file = fixture("servicenow-incident.json");
    let out = run(
        &[
            "ticket",
            &file,
            "--source",
            "servicenow",
            "--url",
            &url,
            "--api-key",
            "mine",
        ],
        &[],
    )
    .await;
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

    let out = run(
        &[
            "ticket",
            &file,
            "--source",
            "servicenow",
            "--url",
            &url,
            "--json",
        ],
        &[],
    )
    .await;
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
    let out = run(
        &[
            "ticket",
            file.to_str().unwrap(),
            "--source",
            "github",
            "--event",
            "ping",
            "--url",
            &url,
        ],
        &[],
    )
    .await;
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
    let out = run(
        &[
            "ticket",
            &fixture("servicenow-malformed.json"),
            "--source",
            "servicenow",
            "--url",
            &url,
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("error: INVALID_JSON (HTTP 400): the body is not valid JSON"),
        "{}",
        stderr(&out)
    );

    let out = run(
        &[
            "ticket",
            "/nonexistent/ticket.json",
            "--source",
            "generic",
            "--url",
            &url,
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read /nonexistent/ticket.json"));

    let out = run(
        &["ticket", "x.json", "--source", "freshdesk", "--url", &url],
        &[],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown source is a usage error"
    );
}
