//! Jobs: asynchronous acknowledgements, replays and the job records `GET /jobs/{job_id}` reads
//! from a real jobs table and queue (moto), in every state the bridge and the worker record,
//! match the document; the document's job enums are the store's and the worker's.

use std::time::SystemTime;

use job_store::{
    IdempotencyKey, JobMode, JobStatus, JobStore, NewJob, WriteBack, WriteBackStatus,
    request_fingerprint,
};
use serde_json::{Value, json};
use webhook_bridge::{
    AgentError, AgentFailure, BridgeError, WRITE_BACK_TARGETS, WriteBackError, error_spec,
};

use super::document::{JOBS, WEBHOOK, check_reply, documented_paths_for};
use super::requests::{MINIMAL_INCIDENT, STORE_SESSION, api_request, get_job, job_id_for, webhook};
use super::schema::{assert_conforms, schema};
use crate::support::jobs::JobsHarness;
use crate::support::signing::github_signature;
use crate::support::{call, event_json, harness};

/// Reads `job_id` through the bridge and checks the record against the document.
async fn read_job(j: &JobsHarness, job_id: &str, what: &str) -> Value {
    let reply = call(&j.bridge, get_job(job_id)).await;
    assert_eq!(reply.status, 200, "{what}: {}", reply.raw);
    check_reply(JOBS, &reply, what);
    assert_eq!(reply.json["job_id"], job_id, "{what}");
    reply.json
}

#[tokio::test]
async fn acknowledgements_and_job_records_match_the_document() {
    // The enums the document gives the job record are the store's and the worker's.
    let statuses = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];
    for s in statuses {
        match s {
            JobStatus::Queued | JobStatus::Running | JobStatus::Succeeded | JobStatus::Failed => {}
        }
    }
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    assert_eq!(schema("JobStatus")["enum"], json!(names));
    let modes = [JobMode::Sync, JobMode::Async];
    for m in modes {
        match m {
            JobMode::Sync | JobMode::Async => {}
        }
    }
    let names: Vec<&str> = modes.iter().map(|m| m.as_str()).collect();
    assert_eq!(schema("Job")["properties"]["mode"]["enum"], json!(names));
    let write_back = &schema("Job")["properties"]["write_back"]["properties"];
    let wb_statuses = [
        WriteBackStatus::Pending,
        WriteBackStatus::Done,
        WriteBackStatus::Failed,
    ];
    for w in wb_statuses {
        match w {
            WriteBackStatus::Pending | WriteBackStatus::Done | WriteBackStatus::Failed => {}
        }
    }
    let names: Vec<&str> = wb_statuses.iter().map(|w| w.as_str()).collect();
    assert_eq!(write_back["status"]["enum"], json!(names));
    let wb_errors = WriteBackError::ALL;
    for e in wb_errors {
        match e {
            WriteBackError::Unauthorized
            | WriteBackError::NotFound
            | WriteBackError::Throttled
            | WriteBackError::Rejected
            | WriteBackError::ServerError
            | WriteBackError::Unreachable
            | WriteBackError::Misconfigured
            | WriteBackError::InvalidTarget => {}
        }
    }
    let codes: Vec<&str> = wb_errors.iter().map(|e| e.code()).collect();
    assert_eq!(schema("WriteBackErrorCode")["enum"], json!(codes));
    assert_eq!(write_back["target"]["enum"], json!(WRITE_BACK_TARGETS));

    let j = JobsHarness::start(&[]).await;

    // Asynchronous deliveries: 202 with the job, its status URL (also `Location`) on the path
    // the document gives `GET /jobs/{job_id}`, and a queued record there.
    for (query, headers, key) in [
        ("?mode=async", vec![], "async-by-query"),
        ("", vec![("Prefer", "respond-async")], "async-by-prefer"),
    ] {
        let mut headers = headers;
        headers.push(("Idempotency-Key", key));
        let req = webhook(&format!("servicenow{query}"), MINIMAL_INCIDENT, &headers);
        let reply = call(&j.bridge, req).await;
        assert_eq!(reply.status, 202, "{key}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, key);
        assert_conforms(schema("Accepted"), &reply.json, key);
        let job_id = job_id_for("servicenow", key);
        assert_eq!(reply.json["job_id"], job_id.as_str());
        assert_eq!(reply.json["job_status"], "queued");
        let status_url = reply.json["status_url"].as_str().unwrap();
        assert_eq!(reply.headers["location"], status_url);
        let path = format!("/{}", status_url.splitn(4, '/').nth(3).unwrap());
        assert_eq!(documented_paths_for(&path), [JOBS], "{status_url}");
        let followed = call(&j.bridge, api_request("GET", &path, None, &[])).await;
        assert_eq!(followed.status, 200, "{status_url}: {}", followed.raw);
        check_reply(JOBS, &followed, status_url);
        let record = read_job(&j, &job_id, key).await;
        assert_eq!(
            (record["status"].as_str(), record["mode"].as_str()),
            (Some("queued"), Some("async"))
        );
        // A retry, synchronous or not, gets the same 202 and is not queued again.
        for retry_query in [query, ""] {
            let req = webhook(
                &format!("servicenow{retry_query}"),
                MINIMAL_INCIDENT,
                &[("Idempotency-Key", key)],
            );
            let retry = call(&j.bridge, req).await;
            assert_eq!(retry.status, 202, "{key} retry: {}", retry.raw);
            check_reply(WEBHOOK, &retry, "a retried asynchronous delivery");
            assert_eq!(retry.json["job_id"], job_id.as_str());
        }
    }

    // Synchronous deliveries are recorded too: succeeded, with the analysis; a retry by the
    // vendor's delivery id is replayed (TicketAnalysis with `replayed`).
    let opened = event_json("github-issue-opened.json");
    let body = opened["body"].as_str().unwrap();
    let headers = [
        ("X-GitHub-Event", "issues"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ];
    let first = call(&j.bridge, webhook("github", body, &headers)).await;
    assert_eq!(first.status, 200, "{}", first.raw);
    let replay = call(&j.bridge, webhook("github", body, &headers)).await;
    assert_eq!(replay.status, 200, "{}", replay.raw);
    check_reply(WEBHOOK, &replay, "a replayed GitHub delivery");
    assert_conforms(schema("TicketAnalysis"), &replay.json, "replay");
    assert_eq!(replay.json["replayed"], true);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    let job_id = job_id_for("github", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    let record = read_job(&j, &job_id, "a synchronous delivery").await;
    assert_eq!(record["status"], "succeeded");
    assert_eq!(record["mode"], "sync");
    assert_eq!(record["analysis"], first.json["analysis"]);

    // What the worker records: running, failed with an error, and the write-back's states.
    let store = JobStore::new(
        j.dynamodb.clone(),
        j.table.clone(),
        std::time::Duration::from_secs(3600),
    );
    let now = SystemTime::now();
    let new = |id: &str| NewJob {
        key: IdempotencyKey::from_delivery_id("github", id).unwrap(),
        mode: JobMode::Async,
        ticket_id: "42".into(),
        session_id: STORE_SESSION.into(),
        fingerprint: request_fingerprint("github", id.as_bytes()),
        delivery_id: None,
        principal: "anyone".into(),
    };
    let running = store
        .claim(new("running"), now)
        .await
        .unwrap()
        .into_record();
    let lease = std::time::Duration::from_secs(900);
    store
        .start_attempt(&running.job_id, lease, now)
        .await
        .unwrap()
        .unwrap();
    let record = read_job(&j, &running.job_id, "a running job").await;
    assert_eq!(record["status"], "running");

    let failed = store.claim(new("failed"), now).await.unwrap().into_record();
    let attempt = store
        .start_attempt(&failed.job_id, lease, now)
        .await
        .unwrap()
        .unwrap()
        .attempts;
    let timeout = error_spec(&BridgeError::Agent(AgentError::new(
        AgentFailure::Timeout,
        "detail",
    )));
    store
        .fail(&failed.job_id, attempt, timeout.code, &timeout.message, now)
        .await
        .unwrap();
    let record = read_job(&j, &failed.job_id, "a failed job").await;
    assert_eq!(record["status"], "failed");
    assert_eq!(record["error"]["code"], "AGENT_TIMEOUT");

    // Each write-back state, as the worker records it: a try claims the post, then reports.
    // Done and failed are final, so each gets a job of its own.
    for (name, tries) in [
        (
            "written-done",
            vec![
                (WriteBackStatus::Pending, Some(WriteBackError::ServerError)),
                (WriteBackStatus::Done, None),
            ],
        ),
        (
            "written-failed",
            vec![(WriteBackStatus::Failed, Some(WriteBackError::Unauthorized))],
        ),
    ] {
        let done = store.claim(new(name), now).await.unwrap().into_record();
        let attempt = store
            .start_attempt(&done.job_id, lease, now)
            .await
            .unwrap()
            .unwrap()
            .attempts;
        store
            .succeed(&done.job_id, attempt, "Triage for 42", now)
            .await
            .unwrap();
        let mut seen: Option<WriteBack> = None;
        for (status, last) in tries {
            let attempts = store
                .claim_write_back(&done.job_id, "github", seen.as_ref(), lease, now)
                .await
                .unwrap()
                .expect("a pending write-back can be claimed");
            let wb = WriteBack {
                target: "github".into(),
                status,
                attempts,
                last_error_code: last.map(|e| e.code().to_owned()),
                // A pending try shows the sinks already posted (as for several alert sinks).
                sinks_posted: match status {
                    WriteBackStatus::Pending => vec![0],
                    _ => Vec::new(),
                },
            };
            store.set_write_back(&done.job_id, &wb, now).await.unwrap();
            let what = format!("write-back {}", status.as_str());
            let record = read_job(&j, &done.job_id, &what).await;
            assert_eq!(record["write_back"]["status"], status.as_str(), "{what}");
            assert_eq!(record["analysis"], "Triage for 42");
            seen = Some(wb);
        }
    }

    // Deliveries caused by the bridge's own integration user are acknowledged and ignored.
    let h = harness(&[("GITHUB_INTEGRATION_USERS", "octocat")]).await;
    let reply = call(
        &h.bridge,
        webhook("github", body, &[("X-GitHub-Event", "issues")]),
    )
    .await;
    assert_eq!(reply.status, 202, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "own update");
    assert_conforms(schema("IgnoredEvent"), &reply.json, "own update");
    assert_eq!(reply.json["code"], "IGNORED_OWN_UPDATE");

    // A signed GitHub body sent again under another delivery id is acknowledged as a replay.
    let j = JobsHarness::start(&[("GITHUB_WEBHOOK_SECRET", "gh-secret")]).await;
    let signature = github_signature(&opened, "gh-secret");
    for (delivery_id, status) in [("d-first", 200), ("d-second", 202)] {
        let headers = [
            ("X-GitHub-Event", "issues"),
            ("X-GitHub-Delivery", delivery_id),
            ("X-Hub-Signature-256", signature.as_str()),
        ];
        let reply = call(&j.bridge, webhook("github", body, &headers)).await;
        assert_eq!(reply.status, status, "{delivery_id}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, delivery_id);
    }
    let reply = call(
        &j.bridge,
        webhook(
            "github",
            body,
            &[
                ("X-GitHub-Event", "issues"),
                ("X-GitHub-Delivery", "d-third"),
                ("X-Hub-Signature-256", signature.as_str()),
            ],
        ),
    )
    .await;
    assert_conforms(schema("IgnoredEvent"), &reply.json, "replay");
    assert_eq!(reply.json["code"], "IGNORED_REPLAY");
}
