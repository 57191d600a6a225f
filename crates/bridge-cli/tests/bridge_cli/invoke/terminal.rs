//! Hostile agent text (escape sequences, C0 and C1 controls) reaches the terminal inert: streamed
//! or buffered, on stdout and in the ids and errors on stderr; `--json` keeps its document.

use std::process::Output;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{assert_failed, canned, invoke_canned, run, serve, stderr, stdout};

/// Neither stream holds anything a terminal acts on: no control character but newline and tab.
fn assert_inert(o: &Output) {
    for (name, text) in [("stdout", stdout(o)), ("stderr", stderr(o))] {
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| c.is_control() && c != '\n' && c != '\t')
            .collect();
        assert!(bad.is_empty(), "{name} holds {bad:?}: {text:?}");
    }
}

#[tokio::test]
async fn a_hostile_streamed_answer_arrives_inert_on_stdout() {
    let out = invoke_canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec![
            // Colour, then an OSC 8 hyperlink whose line is cut between two chunks.
            "{\"content\":\"Checking \\u001b[1;31mDNS\\u001b[0m: \"}\n{\"content\":\"see \\u001b]8;;https://evil.exa",
            "mple/\\u0007the runbook\\u001b]8;;\\u0007.\\r\\n\"}\n",
            // 8-bit CSI (clear screen), a clipboard write (OSC 52), backspaces over the text.
            "{\"content\":\"\\u009b2J\\u001b]52;c;cm0gLXJmIH4=\\u0007Done\\u0008\\u0008\\u0008\\u0008\"}\n",
            // An escape sequence split between two streamed pieces.
            "{\"content\":\"\\u001b\"}\n{\"content\":\"[2Kok\\t\\u00e9\\u2014\\ud83d\\ude00\\u0007\"}\n",
            "{\"done\":true,\"session_id\":\"s\\u001b]0;owned\\u0007-1\",\"request_id\":\"r\\u009b2J-1\"}\n",
        ],
        &["q"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Checking DNS: see the runbook.\nDoneok\t\u{e9}\u{2014}\u{1F600}\n"
    );
    assert!(
        stderr(&out).contains("session: s-1 request: r-1"),
        "{}",
        stderr(&out)
    );
    assert_inert(&out);
}

#[tokio::test]
async fn an_inline_error_reaches_stderr_inert() {
    let out = invoke_canned(
        StatusCode::OK,
        "application/x-ndjson",
        vec![
            "{\"content\":\"partial\\u001b[8m\"}\n",
            "{\"error\":{\"code\":\"AGENT_ERROR\",\"message\":\"\\u001b]52;c;cm0gLXJm\\u0007crashed\\u001b[2J\",\"status\":502}}\n",
        ],
        &["q"],
    )
    .await;
    assert_failed(&out, 4, "error: AGENT_ERROR: crashed\n");
    assert_eq!(stdout(&out), "partial\n");
    assert_inert(&out);
}

/// A buffered answer with a hyperlink, an 8-bit CSI (alternate screen) and DEL in its text, and
/// escape sequences in its ids.
const HOSTILE_JSON: &str = "{\"result\":{\"answer\":\"\\u001b]8;;https://evil.example/\\u0007Restart\\u001b]8;;\\u0007 the relay\u{9b}?1049h.\u{7f}\\r\"},\"metadata\":{\"request_id\":\"r\\u001b[2J-5\",\"session_id\":\"s-5\"}}";

#[tokio::test]
async fn a_hostile_buffered_answer_arrives_inert_and_json_keeps_its_document() {
    let url = serve(canned(
        StatusCode::OK,
        "application/json",
        vec![HOSTILE_JSON],
    ))
    .await;
    let out = run(&["invoke", "q", "--url", &url], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Restart the relay.\n");
    assert!(
        stderr(&out).contains("session: s-5 request: r-5"),
        "{}",
        stderr(&out)
    );
    assert_inert(&out);

    let out = run(&["invoke", "q", "--url", &url, "--json"], &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_inert(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc, serde_json::from_str::<Value>(HOSTILE_JSON).unwrap());
}
