//! Requests that produce the codes of delivery modes, jobs and configuration: modes without a
//! job queue, jobs without a jobs table, a real jobs table and queue (unknown jobs, refused and
//! accepted delivery ids, a key reused with another body, a duplicate in progress and its
//! replay), an unavailable store, and a
//! misconfigured function on every operation. Each function checks every reply against the
//! document and records the codes it saw.

use std::collections::BTreeSet;

use local_agentcore::Fault;
use serde_json::json;
use webhook_bridge::{Bridge, ConfigError};

use super::codes::observe;
use super::document::{INVOKE, JOBS, WEBHOOK, check_reply};
use super::requests::{MINIMAL_INCIDENT, MINIMAL_QUERY, get_job, invoke, webhook};
use super::schema::{DOC, conforms, resolve, schema};
use crate::support::jobs::JobsHarness;
use crate::support::{call, event_json, harness};

/// The body of the two concurrent deliveries (also sent to the misconfigured function).
const DUPLICATED: &str = r#"{"number": "INC0010077", "short_description": "Duplicate deliveries"}"#;

/// Modes without a job queue, and jobs without a jobs table; the `mode` parameter's schema and
/// the bridge agree. `unknown` is a job id never delivered.
pub(super) async fn modes_without_a_queue(unknown: &str, seen: &mut BTreeSet<String>) {
    let h = harness(&[]).await;
    for (req, code) in [
        (
            webhook("servicenow?mode=later", MINIMAL_INCIDENT, &[]),
            "INVALID_MODE",
        ),
        (
            webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]),
            "ASYNC_NOT_ENABLED",
        ),
        (
            webhook(
                "servicenow",
                MINIMAL_INCIDENT,
                &[("Prefer", "return=minimal, respond-async")],
            ),
            "ASYNC_NOT_ENABLED",
        ),
    ] {
        observe(&h.bridge, WEBHOOK, req, code, seen).await;
    }
    observe(&h.bridge, JOBS, get_job(unknown), "JOB_NOT_FOUND", seen).await;
    // The mode parameter's schema and the bridge agree.
    let mode = &resolve(&DOC["components"]["parameters"]["Mode"])["schema"];
    for value in ["later", "ASYNC", ""] {
        assert!(!conforms(mode, &json!(value)), "{value:?}");
        let req = webhook(&format!("servicenow?mode={value}"), MINIMAL_INCIDENT, &[]);
        observe(&h.bridge, WEBHOOK, req, "INVALID_MODE", seen).await;
    }
    let req = webhook("servicenow?mode=sync", MINIMAL_INCIDENT, &[]);
    let reply = call(&h.bridge, req).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    check_reply(WEBHOOK, &reply, "?mode=sync");
}

/// A jobs table with no queue, then a real jobs table and queue (moto): unknown jobs, delivery
/// ids the document refuses and accepts, and two concurrent deliveries of one body.
pub(super) async fn jobs_table_and_queue(unknown: &str, seen: &mut BTreeSet<String>) {
    // A jobs table with no queue: deliveries are recorded, the asynchronous mode is refused.
    let j = JobsHarness::start(&[("JOBS_QUEUE_URL", "")]).await;
    let req = webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "ASYNC_NOT_ENABLED", seen).await;

    // A real jobs table and queue (moto).
    let j = JobsHarness::start(&[]).await;
    observe(&j.bridge, JOBS, get_job(unknown), "JOB_NOT_FOUND", seen).await;
    observe(&j.bridge, JOBS, get_job("job_0123"), "JOB_NOT_FOUND", seen).await;
    // Keys the document's DeliveryId refuses are refused, keys it accepts are used.
    let delivery_id = schema("DeliveryId");
    let long = "k".repeat(257);
    for (source, header, value) in [
        ("servicenow", "Idempotency-Key", ""),
        ("servicenow", "Idempotency-Key", " \t "),
        ("servicenow", "Idempotency-Key", "a\tb"),
        ("servicenow", "Idempotency-Key", long.as_str()),
        ("github", "X-GitHub-Delivery", ""),
    ] {
        assert!(!conforms(delivery_id, &json!(value)), "{value:?}");
        let body = if source == "github" {
            event_json("github-issue-opened.json")["body"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            MINIMAL_INCIDENT.to_owned()
        };
        let req = webhook(source, &body, &[(header, value)]);
        observe(&j.bridge, WEBHOOK, req, "INVALID_IDEMPOTENCY_KEY", seen).await;
    }
    let longest = "k".repeat(256);
    for value in [" padded key ", longest.as_str()] {
        assert!(conforms(delivery_id, &json!(value)), "{value:?}");
        let req = webhook(
            "servicenow",
            MINIMAL_INCIDENT,
            &[("Idempotency-Key", value)],
        );
        let reply = call(&j.bridge, req).await;
        assert_eq!(reply.status, 200, "{value:?}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, "an accepted Idempotency-Key");
    }
    // The last of those keys again, with another body: refused, nothing answered from its job.
    let req = webhook("servicenow", DUPLICATED, &[("Idempotency-Key", &longest)]);
    observe(&j.bridge, WEBHOOK, req, "IDEMPOTENCY_KEY_REUSED", seen).await;
    // Two concurrent deliveries of one body while the agent takes its time: the second is a
    // duplicate in progress; once the first is answered, a retry gets the stored analysis.
    let body = DUPLICATED;
    j.agentcore
        .inject(Fault::delay(std::time::Duration::from_millis(2500)));
    let before = j.agentcore.invocation_count();
    let (first, ()) = tokio::join!(call(&j.bridge, webhook("servicenow", body, &[])), async {
        // Once the first delivery has reached the agent, its job is running.
        while j.agentcore.invocation_count() == before {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        observe(
            &j.bridge,
            WEBHOOK,
            webhook("servicenow", body, &[]),
            "DUPLICATE_IN_PROGRESS",
            seen,
        )
        .await;
    });
    assert_eq!(first.status, 200, "{}", first.raw);
    check_reply(WEBHOOK, &first, "the first of two deliveries");
    assert!(first.json.get("replayed").is_none());
    let replay = call(&j.bridge, webhook("servicenow", body, &[])).await;
    assert_eq!(replay.status, 200, "{}", replay.raw);
    check_reply(WEBHOOK, &replay, "a replay");
    assert_eq!(replay.json["replayed"], true);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(replay.json["analysis"], first.json["analysis"]);
}

/// The store is unavailable: a table that does not exist.
pub(super) async fn store_unavailable(unknown: &str, seen: &mut BTreeSet<String>) {
    let missing = local_moto::unique("missing");
    let j = JobsHarness::start(&[("JOBS_TABLE", missing.as_str())]).await;
    let req = webhook("servicenow", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "JOBS_UNAVAILABLE", seen).await;
    let req = webhook("servicenow?mode=async", MINIMAL_INCIDENT, &[]);
    observe(&j.bridge, WEBHOOK, req, "JOBS_UNAVAILABLE", seen).await;
    observe(&j.bridge, JOBS, get_job(unknown), "JOBS_UNAVAILABLE", seen).await;
}

/// A misconfigured function, on the webhook, the invoke API and `GET /jobs/{job_id}`.
pub(super) async fn misconfigured(unknown: &str, seen: &mut BTreeSet<String>) {
    let bridge = Bridge::misconfigured(ConfigError {
        variable: "AGENT_RUNTIME_ARN",
        problem: "is not set".into(),
    });
    observe(
        &bridge,
        WEBHOOK,
        webhook("github", DUPLICATED, &[]),
        "CONFIGURATION_ERROR",
        seen,
    )
    .await;
    observe(
        &bridge,
        INVOKE,
        invoke("default", MINIMAL_QUERY),
        "CONFIGURATION_ERROR",
        seen,
    )
    .await;
    observe(&bridge, JOBS, get_job(unknown), "CONFIGURATION_ERROR", seen).await;
}
