//! The streaming entry point: every frame the stream can write, and every streamed answer,
//! error frame and refusal before the first byte, matches the document.

use std::collections::BTreeSet;

use local_agentcore::{Fault, ServiceError};
use serde_json::{Value, json};
use webhook_bridge::{AgentError, AgentFailure, BridgeError, Frame, error_spec};

use super::document::{STREAM, concrete_path, content_type, documented_response, operation};
use super::requests::{MINIMAL_QUERY, api_request, call_stream, check_streamed, stream_invoke};
use super::schema::{assert_conforms, schema};
use crate::support::harness;

#[test]
fn every_frame_the_stream_can_write_matches_the_documented_frames() {
    let frame_schema = schema("StreamFrame");
    let media = &operation(STREAM)["responses"]["200"]["content"];
    let mut frames = vec![
        Frame::Content("Triage for INC0010001".into()),
        Frame::Content("a\nb \u{1F600}".into()),
        Frame::Heartbeat,
        Frame::Done {
            session_id: "invoke-default-6883451dfd34407eb73b5ccca223fa24".into(),
            request_id: "0b9f6a52-3c1e-4d6f-9a51-7c2d2b1e9a10".into(),
            usage: None,
        },
        Frame::Done {
            session_id: "invoke-default-6883451dfd34407eb73b5ccca223fa24".into(),
            request_id: "r".into(),
            usage: Some(json!({"input_tokens": 12, "output_tokens": 3})),
        },
    ];
    // An error frame for every failure the bridge can report after the first byte.
    for failure in AgentFailure::ALL {
        let e = error_spec(&BridgeError::Agent(AgentError::new(failure, "detail")));
        frames.push(Frame::Error {
            code: e.code,
            message: e.message,
            status: e.status,
        });
    }
    for f in &frames {
        let v = f.to_json();
        assert_conforms(frame_schema, &v, &format!("{f:?}"));
        for ct in ["application/x-ndjson", "text/event-stream"] {
            assert_conforms(&media[ct]["schema"], &v, &format!("{f:?} as {ct}"));
        }
        let specific = match f {
            Frame::Content(_) => "ContentFrame",
            Frame::Heartbeat => "HeartbeatFrame",
            Frame::Error { .. } => "ErrorFrame",
            Frame::Done { .. } => "DoneFrame",
        };
        assert_conforms(schema(specific), &v, specific);
    }
}

#[tokio::test]
async fn streamed_answers_and_refusals_match_the_document() {
    let h = harness(&[]).await;
    let mut seen = BTreeSet::new();
    for accept in ["application/x-ndjson", "text/event-stream"] {
        // Content, then done; an SSE answer is forwarded event by event.
        h.agentcore.inject(Fault::Sse);
        let s = call_stream(&h.bridge, stream_invoke("default", MINIMAL_QUERY, accept)).await;
        let frames = check_streamed(&s, &format!("SSE answer as {accept}"), &mut seen);
        assert!(frames.len() >= 2 && frames[0].get("content").is_some());
        assert_eq!(frames.last().unwrap()["done"], true);
        assert_eq!(
            frames.last().unwrap()["session_id"].as_str().unwrap(),
            s.headers["x-agent-session-id"]
        );

        // Failures after the first byte are error frames.
        for (fault, code) in [
            (Fault::InBandError, "AGENT_FAILED"),
            (Fault::CutStream, "AGENT_STREAM_INTERRUPTED"),
        ] {
            h.agentcore.inject(fault);
            let s = call_stream(&h.bridge, stream_invoke("default", MINIMAL_QUERY, accept)).await;
            assert_eq!(s.status, 200, "{}", s.raw);
            let frames = check_streamed(&s, &format!("{code} as {accept}"), &mut seen);
            assert_eq!(frames.last().unwrap()["error"]["code"], code, "{}", s.raw);
        }
    }

    // Refusals before the first byte: their own status and the JSON envelope.
    let cases = [
        (
            stream_invoke("nobody", MINIMAL_QUERY, "application/x-ndjson"),
            "AGENT_NOT_FOUND",
            None,
        ),
        (
            stream_invoke("default", "{}", "application/x-ndjson"),
            "MISSING_REQUIRED_FIELD",
            None,
        ),
        (
            stream_invoke(
                "default",
                r#"{"query": "q", "extra": 1}"#,
                "text/event-stream",
            ),
            "INVALID_FIELD",
            None,
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "RATE_LIMIT_EXCEEDED",
            Some(Fault::error(ServiceError::ThrottlingException)),
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "SESSION_BUSY",
            Some(Fault::error(ServiceError::RetryableConflictException)),
        ),
        (
            stream_invoke("default", MINIMAL_QUERY, "application/x-ndjson"),
            "AGENT_ACCESS_DENIED",
            Some(Fault::error(ServiceError::AccessDeniedException)),
        ),
        (
            api_request(
                "GET",
                &concrete_path(STREAM, &[("agent", "default")]),
                None,
                &[],
            ),
            "METHOD_NOT_ALLOWED",
            None,
        ),
    ];
    for (req, code, fault) in cases {
        if let Some(f) = fault {
            h.agentcore.inject(f);
        }
        let s = call_stream(&h.bridge, req).await;
        assert_eq!(
            content_type(&s.headers),
            "application/json",
            "{code}: {}",
            s.raw
        );
        check_streamed(&s, code, &mut seen);
        let body: Value = serde_json::from_str(&s.raw).unwrap();
        assert_eq!(body["error"]["code"], code);
    }

    // The Function URL's own refusal of a bad signature is documented as such.
    let forbidden = documented_response(STREAM, 403, "Function URL 403");
    assert_conforms(
        &forbidden["content"]["application/json"]["schema"],
        &json!({"Message": "Forbidden"}),
        "Function URL 403",
    );
}
