//! Signed deliveries whose signature covers no timestamp (GitHub here; Jira and PagerDuty alike)
//! are keyed by their body: the sender's retry (the same delivery id) is a retry, the same body
//! under another delivery id is a replay, acknowledged with `IGNORED_REPLAY` and never run,
//! queued or written back again. Unsigned deliveries keep their delivery ids.

use http::StatusCode;
use serde_json::Value;

use crate::support::jobs::JobsHarness;
use crate::support::signing::{github_signature, with_headers};
use crate::support::{call, request};

const SECRET: &str = "gh-secret";
const FIRST_ID: &str = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

/// The signed GitHub fixture with this delivery id (`None`: without the header).
fn signed(delivery_id: Option<&str>) -> lambda_http::Request {
    let mut ev = with_headers("github-issue-opened.json", &[]);
    let signature = github_signature(&ev, SECRET);
    ev["headers"]["X-Hub-Signature-256"] = Value::from(signature.clone());
    ev["multiValueHeaders"]["X-Hub-Signature-256"] = Value::from(vec![signature]);
    for headers in ["headers", "multiValueHeaders"] {
        ev[headers]
            .as_object_mut()
            .unwrap()
            .remove("X-GitHub-Delivery");
    }
    if let Some(id) = delivery_id {
        ev["headers"]["X-GitHub-Delivery"] = Value::from(id);
        ev["multiValueHeaders"]["X-GitHub-Delivery"] = Value::from(vec![id]);
    }
    request(&ev)
}

#[tokio::test]
async fn a_signed_body_sent_again_under_another_delivery_id_is_acknowledged_and_not_run() {
    let h = JobsHarness::start(&[("GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let first = call(&h.bridge, signed(Some(FIRST_ID))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    assert_eq!(h.agentcore.invocation_count(), 1);

    // GitHub's own retry or redelivery: the same delivery id, answered from the record.
    let retry = call(&h.bridge, signed(Some(FIRST_ID))).await;
    assert_eq!(retry.json["replayed"], true, "{}", retry.raw);
    assert_eq!(retry.json["analysis"], first.json["analysis"]);

    // The captured body sent again with a fresh delivery id, or none: a replay.
    for id in [Some("0b989ba4-242f-11e5-81e1-c7b6966d2516"), None] {
        let replay = call(&h.bridge, signed(id)).await;
        assert_eq!(
            replay.status,
            StatusCode::ACCEPTED,
            "{id:?}: {}",
            replay.raw
        );
        assert_eq!(replay.json["code"], "IGNORED_REPLAY");
        assert!(replay.json.get("analysis").is_none(), "{}", replay.raw);
    }
    assert_eq!(h.agentcore.invocation_count(), 1, "the agent ran once");
}

#[tokio::test]
async fn a_replayed_signed_body_is_not_queued_again() {
    let h =
        JobsHarness::start(&[("GITHUB_WEBHOOK_SECRET", SECRET), ("GITHUB_MODE", "async")]).await;
    let first = call(&h.bridge, signed(Some(FIRST_ID))).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.raw);
    assert_eq!(first.json["status"], "accepted");
    // The sender's retry of a still-queued job queues it again (harmless: one lease runs it).
    let retry = call(&h.bridge, signed(Some(FIRST_ID))).await;
    assert_eq!(retry.json["job_id"], first.json["job_id"], "{}", retry.raw);
    let queued = local_moto::depth(&h.sqs, &h.queues.url).await;
    assert_eq!(queued, 2);

    let replay = call(
        &h.bridge,
        signed(Some("0b989ba4-242f-11e5-81e1-c7b6966d2516")),
    )
    .await;
    assert_eq!(replay.status, StatusCode::ACCEPTED, "{}", replay.raw);
    assert_eq!(replay.json["code"], "IGNORED_REPLAY");
    assert!(replay.json.get("job_id").is_none(), "{}", replay.raw);
    assert_eq!(
        local_moto::depth(&h.sqs, &h.queues.url).await,
        queued,
        "nothing more queued"
    );
}

#[tokio::test]
async fn unsigned_deliveries_keep_their_delivery_ids() {
    // Without a signing secret nothing proves the body, and the guard does not apply: two
    // delivery ids with one body are two deliveries, as before.
    let h = JobsHarness::start(&[]).await;
    let mut ev = with_headers("github-issue-opened.json", &[]);
    let first = call(&h.bridge, request(&ev)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.raw);
    ev["headers"]["X-GitHub-Delivery"] = Value::from("0b989ba4-242f-11e5-81e1-c7b6966d2516");
    ev["multiValueHeaders"]["X-GitHub-Delivery"] =
        Value::from(vec!["0b989ba4-242f-11e5-81e1-c7b6966d2516"]);
    let second = call(&h.bridge, request(&ev)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.raw);
    assert!(second.json.get("replayed").is_none());
    assert_eq!(h.agentcore.invocation_count(), 2);
}

/// `fixture` signed as `source` signs (`prefix` + hex HMAC-SHA256 of the body, in
/// `signature_header`), under the delivery id `id` in `id_header`.
fn signed_as(
    fixture: &str,
    signature_header: &str,
    prefix: &str,
    id_header: &str,
    id: &str,
) -> lambda_http::Request {
    let mut ev = with_headers(fixture, &[]);
    let body = crate::support::signing::body_of(&ev);
    let mac = hex::encode(crate::support::signing::hmac(SECRET.as_bytes(), &[&body]));
    let signature = format!("{prefix}{mac}");
    for (name, value) in [(signature_header, signature.as_str()), (id_header, id)] {
        ev["headers"][name] = Value::from(value);
        ev["multiValueHeaders"][name] = Value::from(vec![value]);
    }
    request(&ev)
}

#[tokio::test]
async fn jira_and_pagerduty_replays_under_new_delivery_ids_are_not_run() {
    let sources = [
        (
            "JIRA_WEBHOOK_SECRET",
            "jira-issue-created.json",
            "X-Hub-Signature",
            "sha256=",
            "X-Atlassian-Webhook-Identifier",
        ),
        (
            "PAGERDUTY_WEBHOOK_SECRET",
            "pagerduty-incident-triggered.json",
            "X-PagerDuty-Signature",
            "v1=",
            "X-Webhook-Id",
        ),
    ];
    for (secret_var, fixture, signature_header, prefix, id_header) in sources {
        let h = JobsHarness::start(&[(secret_var, SECRET)]).await;
        let send = |id: &str| signed_as(fixture, signature_header, prefix, id_header, id);
        let first = call(&h.bridge, send("delivery-0001")).await;
        assert_eq!(first.status, StatusCode::OK, "{fixture}: {}", first.raw);
        let retry = call(&h.bridge, send("delivery-0001")).await;
        assert_eq!(retry.json["replayed"], true, "{fixture}: {}", retry.raw);
        let replay = call(&h.bridge, send("delivery-0002")).await;
        assert_eq!(
            replay.status,
            StatusCode::ACCEPTED,
            "{fixture}: {}",
            replay.raw
        );
        assert_eq!(replay.json["code"], "IGNORED_REPLAY", "{fixture}");
        assert_eq!(
            h.agentcore.invocation_count(),
            1,
            "{fixture}: the agent ran once"
        );
    }
}
