//! Write-back through the worker to the ticketing stubs: an analysis steered by hostile ticket
//! text arrives inert in ServiceNow, GitHub and Jira; each refusal ends the write-back with its
//! code, and transient failures are retried except on the job's last try.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};
use serde_json::{Value, json};

use crate::support::jobs::{JobsHarness, job_request, receive, run_worker, work};
use crate::support::signing::{SERVICENOW_SECRET, body_of, hmac, servicenow_headers};
use crate::support::{call, event_json, request};

/// Ticket text an attacker wrote: the built-in agent repeats the title in its analysis.
const HOSTILE: &str = "Outage [code]<img src=x onerror=alert(1)>[/code] cc @acme/security \
    ![x](https://evil.example/x.png) !http://evil.example/y.png!";
const HEX_SECRET: &str = "hex-signing-secret";

/// One source's signed delivery of a ticket titled `title`, and the settings that make it
/// asynchronous and written back.
struct Case {
    source: &'static str,
    env: Vec<(&'static str, String)>,
    worker_env: (&'static str, String),
    delivery: lambda_http::Request,
}

fn with_body(mut ev: Value, body: &Value, headers: &[(&str, String)]) -> lambda_http::Request {
    ev["body"] = json!(body.to_string());
    ev["isBase64Encoded"] = json!(false);
    for (name, value) in headers {
        ev["headers"][*name] = json!(value);
        ev["multiValueHeaders"][*name] = json!([value]);
    }
    request(&ev)
}

fn hex_signed(
    fixture: &str,
    edit: impl Fn(&mut Value),
    header: &str,
    prefix: &str,
) -> lambda_http::Request {
    let ev = event_json(fixture);
    let mut body: Value = serde_json::from_slice(&body_of(&ev)).unwrap();
    edit(&mut body);
    let mac = hex::encode(hmac(HEX_SECRET.as_bytes(), &[body.to_string().as_bytes()]));
    with_body(ev, &body, &[(header, format!("{prefix}{mac}"))])
}

fn cases(ticketing: &str, title: &str) -> Vec<Case> {
    let servicenow = {
        let ev = event_json("servicenow-incident.json");
        let mut body: Value = serde_json::from_slice(&body_of(&ev)).unwrap();
        body["short_description"] = json!(title);
        let signed = servicenow_headers(body.to_string().as_bytes());
        with_body(ev, &body, &signed)
    };
    vec![
        Case {
            source: "servicenow",
            env: vec![
                ("SERVICENOW_MODE", "async".into()),
                ("SERVICENOW_WEBHOOK_SECRET", SERVICENOW_SECRET.into()),
            ],
            worker_env: (
                "SERVICENOW_WRITE_BACK",
                json!({"instance_url": ticketing, "username": "bridge", "password": "local-servicenow-password"}).to_string(),
            ),
            delivery: servicenow,
        },
        Case {
            source: "github",
            env: vec![
                ("GITHUB_MODE", "async".into()),
                ("GITHUB_WEBHOOK_SECRET", HEX_SECRET.into()),
            ],
            worker_env: (
                "GITHUB_WRITE_BACK",
                json!({"api_url": ticketing, "token": "local-github-token"}).to_string(),
            ),
            delivery: hex_signed(
                "github-issue-opened.json",
                |b| b["issue"]["title"] = json!(title),
                "X-Hub-Signature-256",
                "sha256=",
            ),
        },
        Case {
            source: "jira",
            env: vec![
                ("JIRA_MODE", "async".into()),
                ("JIRA_WEBHOOK_SECRET", HEX_SECRET.into()),
            ],
            worker_env: (
                "JIRA_WRITE_BACK",
                json!({"base_url": ticketing, "email": "bridge@example.com", "api_token": "local-jira-token"}).to_string(),
            ),
            delivery: hex_signed(
                "jira-issue-created.json",
                |b| b["issue"]["fields"]["summary"] = json!(title),
                "X-Hub-Signature",
                "sha256=",
            ),
        },
    ]
}

/// Delivers `case`, runs the worker once with `worker_extra` settings; the job record after it.
async fn deliver_and_work(case: Case, worker_extra: &[(&str, &str)]) -> (Value, usize) {
    let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let h = JobsHarness::start(&env).await;
    let accepted = call(&h.bridge, case.delivery).await;
    assert_eq!(
        accepted.status,
        StatusCode::ACCEPTED,
        "{}: {}",
        case.source,
        accepted.raw
    );
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let mut worker_env = vec![(case.worker_env.0, case.worker_env.1.as_str())];
    worker_env.extend_from_slice(worker_extra);
    let worker = h.worker(&worker_env).await;
    let (_, handed_back) = run_worker(&h, &worker).await;
    let record = call(&h.bridge, job_request(&job_id)).await;
    (record.json, handed_back.len())
}

#[tokio::test]
async fn hostile_analyses_arrive_inert_in_every_ticket_system() {
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    for case in cases(&ticketing.endpoint_url(), HOSTILE) {
        let source = case.source;
        let (record, handed_back) = deliver_and_work(case, &[]).await;
        assert_eq!(handed_back, 0, "{source}: {record}");
        assert_eq!(record["write_back"]["status"], "done", "{source}: {record}");
        assert!(
            record["analysis"].as_str().unwrap().contains("[code]<img"),
            "{source}: the agent was steered"
        );
    }
    let posted: Vec<_> = ticketing.requests();
    assert_eq!(posted.len(), 3, "{posted:?}");
    let body_of = |prefix: &str| {
        posted
            .iter()
            .find(|r| r.path.starts_with(prefix))
            .and_then(|r| r.body.clone())
            .unwrap_or_else(|| panic!("nothing posted to {prefix}"))
    };

    let note = body_of("/api/now/table/incident/")["work_notes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!note.to_ascii_lowercase().contains("[code]"), "{note}");
    assert!(
        note.contains("(code)<img src=x onerror=alert(1)>(/code)"),
        "{note}"
    );

    let comment = body_of("/repos/")["body"].as_str().unwrap().to_owned();
    assert!(!comment.contains('<'), "{comment}");
    assert!(comment.contains("`@acme/security`"), "{comment}");
    assert!(
        comment.contains("\\!\\[x\\](https://evil.example/x.png)"),
        "{comment}"
    );

    let doc = body_of("/rest/api/3/issue/")["body"].clone();
    assert_eq!(doc["type"], "doc");
    let text = doc.to_string();
    assert!(
        text.contains("!http://evil.example/y.png!"),
        "shown as text: {text}"
    );
    assert!(
        !text.contains("\"marks\"") && !text.contains("\"mediaSingle\""),
        "{text}"
    );
}

#[tokio::test]
async fn refusals_end_the_write_back_with_their_code_and_transient_ones_retry_until_the_last_try() {
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let url = ticketing.endpoint_url();
    for (status, code, transient) in [
        (StatusCode::UNAUTHORIZED, "WRITE_BACK_UNAUTHORIZED", false),
        (StatusCode::FORBIDDEN, "WRITE_BACK_UNAUTHORIZED", false),
        (StatusCode::NOT_FOUND, "WRITE_BACK_NOT_FOUND", false),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "WRITE_BACK_REJECTED",
            false,
        ),
        (StatusCode::TOO_MANY_REQUESTS, "WRITE_BACK_THROTTLED", true),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "WRITE_BACK_SERVER_ERROR",
            true,
        ),
    ] {
        // A try with tries left: permanent refusals end it, transient ones hand the message back.
        let github = cases(&url, "Checkout down").remove(1);
        ticketing.fail_next(1, status);
        let (record, handed_back) = deliver_and_work(github, &[]).await;
        let wb = &record["write_back"];
        assert_eq!(wb["last_error_code"], code, "{status}: {record}");
        match transient {
            true => assert_eq!(
                (wb["status"].as_str(), handed_back),
                (Some("pending"), 1),
                "{status}"
            ),
            false => assert_eq!(
                (wb["status"].as_str(), handed_back),
                (Some("failed"), 0),
                "{status}"
            ),
        }
        assert_eq!(
            record["status"], "succeeded",
            "the analysis itself is kept: {status}"
        );

        // The job's last try: a transient failure is final too, never left pending.
        if transient {
            let github = cases(&url, "Checkout down").remove(1);
            ticketing.fail_next(1, status);
            let (record, handed_back) =
                deliver_and_work(github, &[("JOB_MAX_RECEIVES", "1")]).await;
            let wb = &record["write_back"];
            assert_eq!(
                (wb["status"].as_str(), handed_back),
                (Some("failed"), 0),
                "{status}: {record}"
            );
            assert_eq!(wb["last_error_code"], code);
        }
    }
}

#[tokio::test]
async fn two_workers_with_duplicate_messages_write_the_ticket_once() {
    let ticketing = RunningTicketing::start("127.0.0.1:0", TicketingConfig::default())
        .await
        .unwrap();
    let case = cases(&ticketing.endpoint_url(), "Checkout down").remove(1);
    let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let h = JobsHarness::start(&env).await;
    let accepted = call(&h.bridge, case.delivery).await;
    let job_id = accepted.json["job_id"].as_str().unwrap().to_owned();
    let creds = [(case.worker_env.0, case.worker_env.1.as_str())];
    let (a, b) = (h.worker(&creds).await, h.worker(&creds).await);

    // The first try analyses, and its write-back fails: the job is succeeded, the post pending.
    ticketing.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let (first, _) = run_worker(&h, &a).await;
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(
        record.json["write_back"]["status"], "pending",
        "{}",
        record.raw
    );

    // SQS delivers the job twice (at-least-once), to two workers at the same moment.
    for _ in 0..2 {
        h.sqs
            .send_message()
            .queue_url(&h.queues.url)
            .message_body(first[0].body.clone().unwrap())
            .send()
            .await
            .unwrap();
    }
    let mut copies = receive(&h).await;
    assert!(copies.len() >= 2, "{copies:?}");
    let rest = copies.split_off(1);
    let (failed_a, failed_b) = tokio::join!(work(&h, &a, copies), work(&h, &b, rest));
    assert!(
        failed_a.is_empty() && failed_b.is_empty(),
        "{failed_a:?} {failed_b:?}"
    );

    let posted = ticketing
        .requests()
        .into_iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(posted, 1, "the ticket is written once");
    let record = call(&h.bridge, job_request(&job_id)).await;
    assert_eq!(
        record.json["write_back"]["status"], "done",
        "{}",
        record.raw
    );
    assert_eq!(record.json["write_back"]["attempts"], 2);
    assert_eq!(h.agentcore.invocation_count(), 1);
}
