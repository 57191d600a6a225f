//! The bad-input corpus (`tests/corpus/bad/`, made by `tests/corpus/generate.py`): real API
//! Gateway events that must each get a 4xx JSON error with the expected code, with no panic, no
//! 5xx and no agent call.

use crate::support;

use serde_json::Value;
use support::{Harness, assert_error, call, harness, request};

fn corpus() -> Vec<(String, Value, u16, String)> {
    let dir = format!("{}/../../tests/corpus/bad", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let status = case["expect"]["status"].as_u64().unwrap() as u16;
            let code = case["expect"]["code"].as_str().unwrap().to_owned();
            (name, case["event"].clone(), status, code)
        })
        .collect()
}

#[tokio::test]
async fn every_bad_request_gets_its_4xx_code_and_never_reaches_the_agent() {
    let cases = corpus();
    assert!(cases.len() >= 200, "the corpus has {} cases", cases.len());
    // Signature cases run against a bridge with signing secrets; the others against one that
    // takes caller session ids, so both kinds of header are checked.
    let signing: Harness = harness(&[
        ("GITHUB_WEBHOOK_SECRET", "corpus-gh"),
        ("JIRA_WEBHOOK_SECRET", "corpus-jira"),
        ("PAGERDUTY_WEBHOOK_SECRET", "corpus-pd"),
        ("ZENDESK_WEBHOOK_SECRET", "corpus-zd"),
        ("GENERIC_WEBHOOK_SECRET", "Y29ycHVzLWdlbmVyaWM="),
        ("GRAFANA_WEBHOOK_SECRET", "corpus-grafana"),
        ("SENTRY_WEBHOOK_SECRET", "corpus-sentry"),
        ("LINEAR_WEBHOOK_SECRET", "corpus-linear"),
        ("GITLAB_WEBHOOK_SECRET", "corpus-gitlab"),
        ("ALERTMANAGER_WEBHOOK_SECRET", "corpus-am-bearer"),
        ("SPLUNK_WEBHOOK_SECRET", "corpus-splunk"),
    ])
    .await;
    let plain: Harness = harness(&[("SESSION_POLICY", "caller")]).await;

    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    for (name, event, status, code) in &cases {
        let h = if code == "INVALID_SIGNATURE" {
            &signing
        } else {
            &plain
        };
        let reply = call(&h.bridge, request(event)).await;
        assert!(
            reply.status.is_client_error(),
            "{name}: {} {}",
            reply.status,
            reply.raw
        );
        assert_eq!(
            reply.json["error"]["code"],
            code.as_str(),
            "{name}: {}",
            reply.raw
        );
        assert_error(&reply, *status, code);
        *by_code.entry(code.clone()).or_default() += 1;
    }
    assert_eq!(
        signing.agentcore.invocation_count() + plain.agentcore.invocation_count(),
        0
    );
    assert!(
        by_code.len() >= 8,
        "the corpus covers many codes: {by_code:?}"
    );
}
