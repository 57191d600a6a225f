//! Request bodies, the document against the handlers: its request examples and the `events/`
//! fixtures are accepted and answered as documented, and bodies its schemas refuse are refused
//! by the bridge.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use ticket_prompt::Source;

use super::document::{INVOKE, WEBHOOK, check_reply, content_type, operation, rest_path_for};
use super::requests::{call_stream, check_streamed, invoke, stream_invoke, webhook};
use super::schema::{DOC, assert_conforms, conforms, resolve, schema, source_schema};
use crate::support::sns::{TOPIC, sns_and_bridge};
use crate::support::{call, event_json, harness, request};

#[tokio::test]
async fn request_examples_and_fixtures_are_accepted_and_answered_as_documented() {
    let h = harness(&[]).await;
    // CloudWatch alarms are verified by SNS's signature: a bridge that trusts the stand-in.
    let (_sns, cloudwatch) = sns_and_bridge(TOPIC).await;
    let bridge_for = |source: &str| match source {
        "cloudwatch" => &cloudwatch.bridge,
        _ => &h.bridge,
    };

    // The document's webhook examples, each on its source's path.
    let examples =
        resolve(&operation(WEBHOOK)["requestBody"])["content"]["application/json"]["examples"]
            .as_object()
            .unwrap();
    let mut sources_seen = BTreeSet::new();
    for (name, e) in examples {
        let source = e["x-source"]
            .as_str()
            .expect("webhook examples name their source");
        sources_seen.insert(source);
        let headers: Vec<(String, String)> = e["x-headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = call(
            bridge_for(source),
            webhook(source, &e["value"].to_string(), &headers),
        )
        .await;
        assert_eq!(reply.status, 200, "example {name}: {}", reply.raw);
        check_reply(WEBHOOK, &reply, &format!("example {name}"));
        let expected = if source == "servicenow" {
            "ServiceNowAnalysis"
        } else {
            "TicketAnalysis"
        };
        assert_conforms(schema(expected), &reply.json, &format!("example {name}"));
    }
    let all: BTreeSet<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(sources_seen, all, "an example for every source");

    // The invoke examples, buffered and streamed (NDJSON and SSE).
    let invoke_examples = resolve(&DOC["components"]["requestBodies"]["Invoke"])["content"]
        ["application/json"]["examples"]
        .as_object()
        .unwrap();
    let mut seen = BTreeSet::new();
    for (name, e) in invoke_examples {
        let body = e["value"].to_string();
        let reply = call(&h.bridge, invoke("default", &body)).await;
        assert_eq!(reply.status, 200, "invoke example {name}: {}", reply.raw);
        check_reply(INVOKE, &reply, &format!("invoke example {name}"));
        for accept in ["application/x-ndjson", "text/event-stream"] {
            let s = call_stream(&h.bridge, stream_invoke("default", &body, accept)).await;
            assert_eq!(s.status, 200, "streamed example {name}: {}", s.raw);
            assert_eq!(content_type(&s.headers), accept);
            let frames = check_streamed(
                &s,
                &format!("streamed example {name} ({accept})"),
                &mut seen,
            );
            assert_eq!(frames.last().unwrap()["done"], true);
        }
    }
    assert!(seen.is_empty(), "no errors: {seen:?}");

    // Every fixture in events/: the response validates for its status; bodies of analysed
    // deliveries validate against their source's schema.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 15);
    for name in names {
        let ev = event_json(&name);
        // Not an event: sam local's --env-vars example.
        if ev.get("httpMethod").is_none() {
            continue;
        }
        let path = ev["path"].as_str().unwrap();
        let key = rest_path_for(path).unwrap_or_else(|| panic!("{name}: {path} undocumented"));
        let bridge = bridge_for(path.trim_start_matches("/webhook/"));
        let reply = call(bridge, request(&ev)).await;
        check_reply(key, &reply, &name);
        if reply.status == 200 && key == WEBHOOK {
            let source = reply.json["source"].as_str().unwrap_or("servicenow");
            let own = source_schema(source);
            let raw = ev["body"].as_str().unwrap();
            let raw = if ev["isBase64Encoded"] == true {
                String::from_utf8(BASE64.decode(raw).unwrap()).unwrap()
            } else {
                raw.to_owned()
            };
            let body: Value = serde_json::from_str(&raw).unwrap();
            assert_conforms(own, &body, &format!("{name} request body"));
        }
    }
}

#[tokio::test]
async fn bodies_the_schema_refuses_are_refused_by_the_bridge() {
    let h = harness(&[]).await;
    let invoke_schema = schema("InvokeRequest");
    let bad_queries = [
        json!({}),
        json!({"query": ""}),
        json!({"query": "   "}),
        json!({"query": 7}),
        json!({"query": "q", "sessionId": "x"}),
        json!({"query": "q", "session_id": "has spaces"}),
        json!({"query": "q", "context": "text"}),
        json!({"query": "q", "parameters": {"temperature": 2.5}}),
        json!({"query": "q", "parameters": {"top_p": -0.1}}),
        json!({"query": "q", "parameters": {"max_tokens": 0}}),
        json!({"query": "q", "parameters": {"max_tokens": 1_000_001}}),
        json!({"query": "q", "parameters": {"max_tokens": 1.5}}),
        json!({"query": "q", "parameters": [1]}),
        json!({"query": "q", "user_id": ""}),
    ];
    for body in bad_queries {
        assert!(!conforms(invoke_schema, &body), "the schema refuses {body}");
        let reply = call(&h.bridge, invoke("default", &body.to_string())).await;
        assert_eq!(
            reply.status, 400,
            "the bridge refuses {body}: {}",
            reply.raw
        );
        check_reply(INVOKE, &reply, &body.to_string());
    }
    let good = json!({"query": "q", "session_id": null, "context": {"a": 1},
        "parameters": {"temperature": 2, "top_p": 0, "max_tokens": 1000000, "seed": 7}});
    assert_conforms(invoke_schema, &good, "edge-of-range request");
    let reply = call(&h.bridge, invoke("default", &good.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);

    let incident = schema("ServiceNowIncident");
    let bad_incidents = [
        json!({"short_description": "no number"}),
        json!({"number": "INC1"}),
        json!({"number": "INC 1", "short_description": "x"}),
        json!({"number": "INC1", "short_description": ["x"]}),
        json!({"number": "INC1", "short_description": "x", "priority": true}),
        json!({"number": "INC1", "short_description": "x", "sys_id": "not-hex"}),
        json!({"number": "INC1", "short_description": "x", "caller_id": {"link": "https://x"}}),
    ];
    for body in bad_incidents {
        assert!(!conforms(incident, &body), "the schema refuses {body}");
        let reply = call(&h.bridge, webhook("servicenow", &body.to_string(), &[])).await;
        assert_eq!(
            reply.status, 400,
            "the bridge refuses {body}: {}",
            reply.raw
        );
        check_reply(WEBHOOK, &reply, &body.to_string());
    }
}
