//! `bridge invoke --sigv4` through a local Lambda Function URL (`AuthType: AWS_IAM`, response
//! streaming) to the real `stream` binary: NDJSON frames printed as they arrive.

use std::time::Duration;

use local_agentcore::{Backend, Fault};
use tokio::io::AsyncReadExt;

use super::run::{
    SESSION, assert_refused, builtin_answer, invoke, invoke_signed, start_signed, stderr_session,
    text,
};
use crate::support::{StreamStack, url_credentials};

#[tokio::test]
async fn bridge_invoke_sigv4_streams_from_the_function_url() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    let url = stack.url.url();
    let secret = url_credentials().secret_access_key;
    let query = "Which deploy broke checkout?";

    let out = invoke_signed(query, &[], &url, &secret).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", builtin_answer(query)));
    assert_eq!(stack.agentcore.invocation_count(), 1);
    assert_eq!(
        stderr_session(&out),
        stack.agentcore.invocations()[0].session_id
    );

    // A caller-chosen session, in the caller's namespace, travels to AgentCore and back in the
    // final frame.
    let out = invoke_signed(query, &["--session", SESSION], &url, &secret).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", builtin_answer(query)));
    let session = stderr_session(&out);
    assert!(session.starts_with("s-") && session != SESSION, "{session}");
    assert_eq!(stack.agentcore.invocations()[1].session_id, session);

    // The agent fails after the first byte: the inline error is an agent failure (exit 4).
    stack.agentcore.inject(Fault::InBandError);
    let out = invoke_signed(query, &[], &url, &secret).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("error: AGENT_FAILED: "),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "Starting analysis\n",
        "what arrived before the failure, line closed"
    );

    // Wrong secret: the Function URL's own 403, before the function runs.
    let before = stack.agentcore.invocation_count();
    let out = invoke_signed(query, &[], &url, "not-the-secret").await;
    assert_refused(&out, "Forbidden (HTTP 403)");
    assert_eq!(stack.agentcore.invocation_count(), before);

    // Unsigned (no --sigv4): refused the same way.
    let out = invoke(query, &[], &url, None).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(stack.agentcore.invocation_count(), before);
}

#[tokio::test]
async fn bridge_invoke_prints_words_before_the_agent_has_finished() {
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    // The agent sends all but its last event, then waits until this test releases it.
    stack.agentcore.inject(Fault::HeldSse);
    let url = stack.url.url();
    let query = "How do we roll back the checkout deploy from an hour ago?";
    let mut child = start_signed(query, &url);
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr_task = tokio::spawn(async move {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).await.map(|_| s)
    });

    // Read what the CLI has printed so far, while the agent still holds its last word.
    let mut printed = Vec::new();
    let mut buf = [0u8; 4096];
    while !text(&printed).contains("received:") {
        let n = tokio::time::timeout(Duration::from_secs(20), stdout.read(&mut buf))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "nothing more on stdout for 20 s; so far: {:?}",
                    text(&printed)
                )
            })
            .unwrap();
        assert!(n > 0, "stdout closed early: {:?}", text(&printed));
        printed.extend_from_slice(&buf[..n]);
    }
    let head = text(&printed);
    let full = builtin_answer(query);
    assert!(full.starts_with(&head), "{head:?} is a prefix of {full:?}");
    assert!(
        head.len() < full.len(),
        "the last word is still held: {head:?}"
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "bridge waits for the rest"
    );

    stack.agentcore.release_held();
    stdout.read_to_end(&mut printed).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("bridge exits once the agent has finished")
        .unwrap();
    let stderr = text(&stderr_task.await.unwrap().unwrap());
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(text(&printed), format!("{full}\n"));
    assert!(stderr.contains("session: "), "{stderr}");
}

#[tokio::test]
async fn a_reader_that_stops_early_is_not_an_error() {
    // `bridge invoke … | head -c 20`: the reader closes the pipe while the answer streams in.
    let stack = StreamStack::start_with(Backend::Builtin, &[]).await;
    stack.agentcore.inject(Fault::HeldSse);
    let url = stack.url.url();
    let mut child = start_signed("a question", &url);
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 5];
    tokio::time::timeout(Duration::from_secs(20), stdout.read_exact(&mut buf))
        .await
        .expect("the first words within 20 s")
        .unwrap();
    assert_eq!(&buf, b"Local");
    drop(stdout);
    stack.agentcore.release_held();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("bridge exits")
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("error"),
        "{}",
        text(&out.stderr)
    );
}
