//! The two Lambda Runtime API implementations on the same events: AWS's `aws-lambda-rie` (what
//! `sam local` runs) and the project's `local-lambda` (what the other end-to-end tests, `make
//! local` and the benchmarks use) run the same built binary, and must answer alike: the seed's
//! ServiceNow contract (a buffered proxy response) and a streamed answer (prelude, then frames).
//! Also how the binary carries on after the Runtime API refuses an answer.

use std::time::Duration;

use bytes::Bytes;
use local_agentcore::Backend;
use local_lambda::{FunctionProcess, MAX_RESPONSE_BYTES, Outcome};
use serde_json::Value;

use crate::support::{Rie, debug_binary, event, function_stack};

/// A streamed response as Lambda carries it: the prelude, eight NUL bytes, the body.
fn split_stream(raw: &[u8]) -> (Value, String) {
    let at = raw
        .windows(8)
        .position(|w| w == [0u8; 8])
        .expect("the prelude's delimiter");
    (
        serde_json::from_slice(&raw[..at]).expect("a JSON prelude"),
        String::from_utf8(raw[at + 8..].to_vec()).unwrap(),
    )
}

fn frames(body: &str) -> Vec<Value> {
    body.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn text(frames: &[Value]) -> String {
    frames
        .iter()
        .filter_map(|f| f["content"].as_str())
        .collect()
}

#[tokio::test]
async fn the_seed_contract_is_answered_alike_under_aws_rie_and_local_lambda() {
    let (_agentcore, runtime, env) = function_stack(Backend::Builtin, &[]).await;
    let incident = event("servicenow-incident.json");

    let rie = Rie::start(&debug_binary("webhook"), &env).await;
    let from_rie: Value = serde_json::from_slice(&rie.invoke(&incident).await).unwrap();

    let _function =
        FunctionProcess::spawn(&debug_binary("webhook"), &runtime.address(), &env).unwrap();
    let Ok(Outcome::Response(doc)) = runtime
        .invoke(Bytes::from(incident.to_string()), Duration::from_secs(60))
        .await
    else {
        panic!("local-lambda got no buffered response");
    };
    let from_local: Value = serde_json::from_slice(&doc).unwrap();

    for answer in [&from_rie, &from_local] {
        assert_eq!(answer["statusCode"], 200, "{answer}");
        assert_eq!(
            answer["multiValueHeaders"]["content-type"][0],
            "application/json"
        );
    }
    let body = |a: &Value| -> Value { serde_json::from_str(a["body"].as_str().unwrap()).unwrap() };
    let (rie_body, local_body) = (body(&from_rie), body(&from_local));
    for field in ["success", "incident_number", "analysis", "message"] {
        assert_eq!(rie_body[field], local_body[field], "{field}");
    }
    assert!(
        rie_body["analysis"]
            .as_str()
            .unwrap()
            .starts_with("Triage for INC0010001: Email server down")
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&rie_body), keys(&local_body), "the same contract");
}

#[tokio::test]
async fn a_streamed_answer_is_framed_alike_under_aws_rie_and_local_lambda() {
    let (_agentcore, runtime, env) = function_stack(Backend::Builtin, &[]).await;
    let request = event("function-url/stream-invoke.json");

    let rie = Rie::start(&debug_binary("stream"), &env).await;
    let (rie_prelude, rie_body) = split_stream(&rie.invoke(&request).await);

    let _function =
        FunctionProcess::spawn(&debug_binary("stream"), &runtime.address(), &env).unwrap();
    let Ok(Outcome::Streaming(mut streamed)) = runtime
        .invoke(Bytes::from(request.to_string()), Duration::from_secs(60))
        .await
    else {
        panic!("local-lambda got no stream");
    };
    let mut local_body = String::new();
    while let Some(chunk) = streamed.body.recv().await {
        local_body.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
    }

    for prelude in [&rie_prelude, &streamed.prelude] {
        assert_eq!(prelude["statusCode"], 200, "{prelude}");
        assert_eq!(prelude["headers"]["content-type"], "application/x-ndjson");
    }
    let (rie_frames, local_frames) = (frames(&rie_body), frames(&local_body));
    assert_eq!(text(&rie_frames), text(&local_frames), "the same words");
    assert!(text(&rie_frames).ends_with("received: Which deploy broke checkout in the last hour?"));
    for f in [&rie_frames, &local_frames] {
        assert_eq!(f.last().unwrap()["done"], true, "a done frame ends each");
    }
}

/// Lambda refuses a buffered answer over its 6 MB limit with 413 and fails that invocation
/// (`Function.ResponseSizeTooLarge`), but the function may go on: the built binary's Runtime API
/// loop must log the refusal and serve the next invocation, not exit (a cold start per refusal).
#[tokio::test]
async fn after_the_runtime_api_refuses_an_answer_the_function_serves_the_next_invocation() {
    let (_agentcore, runtime, env) = function_stack(Backend::Builtin, &[]).await;
    let incident = Bytes::from(event("servicenow-incident.json").to_string());
    let _function =
        FunctionProcess::spawn(&debug_binary("webhook"), &runtime.address(), &env).unwrap();

    // A limit every answer crosses, so that an ordinary delivery is refused.
    runtime.set_response_limit(100);
    match runtime
        .invoke(incident.clone(), Duration::from_secs(60))
        .await
    {
        Ok(Outcome::Error(refused)) => {
            assert_eq!(refused["errorType"], "Function.ResponseSizeTooLarge")
        }
        other => panic!("expected the oversized answer refused, got {other:?}"),
    }

    runtime.set_response_limit(MAX_RESPONSE_BYTES);
    match runtime.invoke(incident, Duration::from_secs(20)).await {
        Ok(Outcome::Response(doc)) => {
            let answer: Value = serde_json::from_slice(&doc).unwrap();
            assert_eq!(answer["statusCode"], 200, "{answer}");
        }
        other => panic!("the function did not serve on after the refusal: {other:?}"),
    }
}
