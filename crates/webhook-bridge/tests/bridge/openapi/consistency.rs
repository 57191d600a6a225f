//! The document on its own: a consistent OpenAPI 3.1 document whose enums are the
//! implementation's, whose examples match their schemas, and whose schemas refuse what the API
//! forbids.

use std::collections::BTreeSet;

use regex_lite::Regex;
use serde_json::{Value, json};
use ticket_prompt::Source;

use super::codes::{documented_codes, documents_error, envelope};
use super::document::{JOBS, OPERATIONS, WEBHOOK, methods, operation};
use super::requests::STORE_SESSION;
use super::schema::{
    DOC, assert_conforms, conforms, pointer, resolve, schema, schema_errors, source_schema,
};

/// Every `$ref` in `v` resolves.
fn walk_refs(v: &'static Value, at: &str) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref") {
                pointer(r.as_str().unwrap());
            }
            for (k, x) in o {
                walk_refs(x, &format!("{at}/{k}"));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk_refs(x, at)),
        _ => {}
    }
}

#[test]
fn the_document_is_a_consistent_openapi_3_1_document() {
    assert!(DOC["openapi"].as_str().unwrap().starts_with("3.1."));
    assert!(DOC["info"]["title"].is_string() && DOC["info"]["version"].is_string());
    walk_refs(&DOC, "#");

    let mut ids = BTreeSet::new();
    for (key, item) in DOC["paths"].as_object().unwrap() {
        let template_params: BTreeSet<&str> = Regex::new(r"\{([^}]+)\}")
            .unwrap()
            .captures_iter(key)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        for method in methods(key) {
            let op = &item[method];
            assert!(
                ids.insert(op["operationId"].as_str().unwrap()),
                "duplicate operationId"
            );
            let path_params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(resolve)
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                path_params, template_params,
                "{method} {key}: path parameters"
            );
            for (status, r) in op["responses"].as_object().unwrap() {
                let r = resolve(r);
                assert!(r["description"].is_string(), "{key} {status}: description");
                for media in r["content"].as_object().into_iter().flatten().map(|m| m.1) {
                    assert!(media["schema"].is_object(), "{key} {status}: schema");
                }
            }
        }
    }

    // The source enum is the implementation's, and each source has exactly one body schema.
    let sources: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(schema("Source")["enum"], json!(sources));
    let by_source: Vec<&str> = DOC["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|s| s["x-source"].as_str())
        .collect();
    let mut sorted = by_source.clone();
    sorted.sort();
    let mut expected = sources.clone();
    expected.sort();
    assert_eq!(sorted, expected, "one body schema per source");
    let body_refs: Vec<&str> = schema("WebhookBody")["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            pointer(r["$ref"].as_str().unwrap())["x-source"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        body_refs, sources,
        "WebhookBody lists every source's schema, in order"
    );

    // Every error code a response narrows to is in ErrorCode, and every ErrorCode is carried by
    // some documented response (NOT_FOUND answers paths that are not in the document).
    let codes = documented_codes();
    let mut carried = BTreeSet::from(["NOT_FOUND".to_owned()]);
    for key in OPERATIONS {
        for (status, _) in operation(key)["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            for code in &codes {
                if documents_error(key, code, status) {
                    carried.insert(code.clone());
                }
            }
        }
    }
    assert_eq!(carried, codes, "every code is documented under some status");

    // The Agent parameter accepts the default agent's name.
    let agent = resolve(&DOC["components"]["parameters"]["Agent"]);
    assert_conforms(&agent["schema"], &json!("default"), "agent name");
}

#[test]
fn every_example_in_the_document_matches_its_schema() {
    let mut checked = 0;
    for key in OPERATIONS {
        let op = operation(key);
        // GET /jobs/{job_id} has no body.
        let body = resolve(&op["requestBody"]);
        assert_eq!(body.is_null(), key == JOBS, "{key}: request body");
        let mut medias: Vec<(String, &Value)> = body["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(ct, m)| (format!("{key} request {ct}"), m))
            .collect();
        for (status, r) in op["responses"].as_object().unwrap() {
            for (ct, m) in resolve(r)["content"].as_object().into_iter().flatten() {
                medias.push((format!("{key} {status} {ct}"), m));
            }
        }
        for (what, media) in medias {
            // (name, value, Example Object when there is one)
            let mut examples: Vec<(String, &Value, &Value)> = Vec::new();
            if let Some(e) = media.get("example") {
                examples.push(("example".into(), e, &Value::Null));
            }
            for (name, e) in media["examples"].as_object().into_iter().flatten() {
                examples.push((name.clone(), &e["value"], e));
            }
            for (name, value, e) in examples {
                let values: Vec<Value> = match value {
                    // Streamed examples are frames, one per line or per event.
                    Value::String(text) => text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| {
                            serde_json::from_str(l.strip_prefix("data: ").unwrap_or(l)).unwrap()
                        })
                        .collect(),
                    other => vec![other.clone()],
                };
                for v in values {
                    assert_conforms(&media["schema"], &v, &format!("{what} example {name}"));
                    if let Some(source) = e["x-source"].as_str() {
                        let own = source_schema(source);
                        assert_conforms(own, &v, &format!("{what} example {name} ({source})"));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "{checked} examples checked");
}

/// The validator runs the document's schemas as the API means them: they refuse values the API
/// forbids (codes, extra properties, per-status codes, frames, bodies, job records, delivery ids)
/// and follow `$ref`s across the document.
#[test]
fn the_documents_schemas_reject_what_the_api_forbids() {
    let envelope_schema = schema("ErrorEnvelope");
    assert!(conforms(envelope_schema, &envelope("AGENT_FAILED", 502)));
    assert!(!conforms(envelope_schema, &envelope("NO_SUCH_CODE", 502)));
    let mut extra = envelope("AGENT_FAILED", 502);
    extra["stack"] = json!("…");
    assert!(!conforms(envelope_schema, &extra));
    assert!(
        !documents_error(WEBHOOK, "AGENT_FAILED", 400),
        "per-status codes"
    );
    assert!(!documents_error(WEBHOOK, "RATE_LIMIT_EXCEEDED", 502));
    let frame = schema("StreamFrame");
    assert!(conforms(frame, &json!({"content": "x"})));
    assert!(!conforms(frame, &json!({"content": "x", "done": true})));
    assert!(!conforms(frame, &json!({"heartbeat": false})));
    assert!(!conforms(
        frame,
        &json!({"done": true, "session_id": "short", "request_id": "r"})
    ));
    let incident = schema("ServiceNowIncident");
    assert!(
        !conforms(incident, &json!({"number": "INC1"})),
        "needs some text"
    );
    assert!(!conforms(
        incident,
        &json!({"number": "a/b", "description": "x"})
    ));
    assert!(!conforms(
        incident,
        &json!({"number": "INC1", "description": true})
    ));
    assert!(conforms(
        incident,
        &json!({"number": 17, "description": {"display_value": "x"}})
    ));
    let job = json!({"success": true, "job_id": "job_0123456789abcdef0123456789abcdef",
        "status": "queued", "mode": "async", "source": "github", "ticket_id": "42",
        "session_id": STORE_SESSION, "attempts": 0, "created_at": "2026-11-22T09:12:00.123Z",
        "updated_at": "2026-11-22T09:12:00Z", "request_id": "r"});
    assert_conforms(schema("Job"), &job, "a queued job");
    // `$ref`s resolve across the document: `Job.status` is nothing but a `$ref` to `JobStatus`
    // (and `ErrorEnvelope.error.code` a `$ref` to `ErrorDetail`, then to `ErrorCode`), so the
    // only thing refusing these values is the referenced schema.
    let status_ref = json!({"$ref": "#/components/schemas/JobStatus"});
    assert_eq!(schema("Job")["properties"]["status"], status_ref);
    assert!(!conforms(schema("JobStatus"), &json!("done")));
    let mut done = job.clone();
    done["status"] = json!("done");
    assert!(!conforms(schema("Job"), &done), "Job.status behind $ref");
    done["status"] = json!("succeeded");
    assert_conforms(schema("Job"), &done, "a succeeded job");
    let error_ref = json!({"$ref": "#/components/schemas/ErrorDetail"});
    assert_eq!(envelope_schema["properties"]["error"], error_ref);
    let code_ref = json!({"$ref": "#/components/schemas/ErrorCode"});
    assert_eq!(schema("ErrorDetail")["properties"]["code"], code_ref);
    let errs = schema_errors(envelope_schema, &envelope("NO_SUCH_CODE", 502));
    assert!(
        errs.len() == 1 && errs[0].starts_with("/error/code: "),
        "one failure, at the code two $refs down: {errs:?}"
    );
    for (field, bad) in [
        ("job_id", json!("job_0123")),
        ("status", json!("done")),
        ("created_at", json!("2026-11-22 09:12:00")),
        ("internal", json!(1)),
        (
            "write_back",
            json!({"target": "github", "status": "done", "attempts": 1}),
        ),
        ("error", json!({"code": "NO_SUCH_CODE", "message": "m"})),
    ] {
        let mut j = job.clone();
        j[field] = bad;
        assert!(!conforms(schema("Job"), &j), "{field}: {j}");
    }
    // An acceptance is never an ignored event and the other way round.
    let accepted = json!({"success": true, "status": "accepted", "source": "github",
        "ticket_id": "42", "job_id": "job_0123456789abcdef0123456789abcdef",
        "job_status": "queued", "status_url": "/prod/jobs/job_0123456789abcdef0123456789abcdef",
        "session_id": STORE_SESSION, "request_id": "r"});
    let ack = &resolve(&operation(WEBHOOK)["responses"]["202"])["content"]["application/json"];
    assert_conforms(&ack["schema"], &accepted, "accepted");
    let mut both = accepted.clone();
    both["code"] = json!("IGNORED_EVENT");
    assert!(!conforms(&ack["schema"], &both));
    let delivery_id = schema("DeliveryId");
    for ok in ["d", " a b ", &"x".repeat(256)] {
        assert!(conforms(delivery_id, &json!(ok)), "{ok:?}");
    }
    for bad in ["", "  ", "a\tb", "é", &"x".repeat(257)] {
        assert!(!conforms(delivery_id, &json!(bad)), "{bad:?}");
    }
}
