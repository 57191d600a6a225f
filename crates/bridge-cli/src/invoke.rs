//! `bridge invoke`: ask an agent and print its answer.

use std::io::Write;
use std::time::SystemTime;

use reqwest::Response;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::cli::{InvokeArgs, endpoint_url};
use crate::exit::CliError;
use crate::frame::{Flow, StreamPrinter};
use crate::http::{self, Framing};
use crate::sigv4::Signer;
use crate::stream::Decoder;
use crate::terminal::{inert_json, terminal_safe};

/// Streaming first: the bridge streams when the client accepts NDJSON, and falls back to one
/// JSON document otherwise (or when it cannot stream).
const ACCEPT_VALUE: &str = "application/x-ndjson, application/json";
const JSON: &str = "application/json";
/// Where a user's token travels when SigV4 holds `Authorization`.
const CHAT_AUTH: &str = "x-chat-auth";

/// Sends the question (signed with `--sigv4`, else with the API key) and prints the answer:
/// streamed as it arrives, or the buffered document's answer.
pub async fn run(args: &InvokeArgs) -> Result<(), CliError> {
    let url = endpoint_url(&args.endpoint.url, &["v1", "agents", &args.agent, "invoke"]);
    let body = serde_json::to_vec(&request_body(args)).expect("a JSON value serialises");
    let client = http::client(&args.endpoint)?;
    let bearer = args.token.as_ref().map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        (CONTENT_TYPE.as_str(), JSON),
        (ACCEPT.as_str(), ACCEPT_VALUE),
    ];
    if let Some(bearer) = &bearer {
        // SigV4 owns Authorization on the Function URL; the bridge reads the user's token there
        // from x-chat-auth.
        let name = if args.sigv4 {
            CHAT_AUTH
        } else {
            AUTHORIZATION.as_str()
        };
        headers.push((name, bearer));
    }
    let mut request = client.post(url.clone());
    for (name, value) in &headers {
        request = request.header(*name, *value);
    }
    if args.sigv4 {
        // Signed over exactly the headers set above and the exact body bytes sent below.
        let signer = Signer::from_environment(args.region.clone()).await?;
        let signed = signer.sign("POST", url.as_str(), &headers, &body, SystemTime::now())?;
        for (name, value) in signed {
            request = request.header(name, value);
        }
    } else {
        request = http::with_api_key(request, &args.endpoint);
    }
    let mut response = request
        .body(body)
        .send()
        .await
        .map_err(|e| CliError::transport(url.as_str(), &e))?;
    if !response.status().is_success() {
        return Err(http::status_error(response, url.as_str()).await);
    }
    let decoder = match http::framing(&response) {
        Framing::Ndjson => Decoder::ndjson(),
        Framing::Sse => Decoder::sse(),
        Framing::Json | Framing::Other(_) => {
            return buffered(&mut response, args.json, url.as_str()).await;
        }
    };
    stream(response, decoder, args.endpoint.verbose, url.as_str()).await
}

/// `{"query", "session_id"?, "context"?, "user_id"?}`: absent options are left out rather than
/// sent as null, so the bridge applies its own defaults.
pub fn request_body(args: &InvokeArgs) -> Value {
    let mut body = json!({ "query": args.message });
    if let Some(session) = &args.session {
        body["session_id"] = json!(session);
    }
    if let Some(context) = &args.context {
        body["context"] = Value::Object(context.clone());
    }
    if let Some(user) = &args.user_id {
        body["user_id"] = json!(user);
    }
    body
}

/// Prints a streamed answer as its payloads complete; the end of the body without `done` is an
/// error.
async fn stream(
    mut response: Response,
    mut decoder: Decoder,
    verbose: bool,
    url: &str,
) -> Result<(), CliError> {
    let mut printer = StreamPrinter::new(std::io::stdout(), std::io::stderr(), verbose);
    loop {
        let chunk = match http::next_chunk(&mut response, url).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                let _ = printer.close_line();
                return Err(e);
            }
        };
        for payload in decoder.push(&chunk)? {
            if printer.handle(&payload)? == Flow::Done {
                return Ok(());
            }
        }
    }
    match decoder.finish()? {
        Some(tail) => printer.finish_with(&tail),
        None => printer.finish(),
    }
}

/// `{"result": {"answer", …}, "usage"?, "metadata": {…}}`: the answer on stdout, the ids on
/// stderr (as for a stream), or the whole document with `--json`; all of it inert to a terminal.
async fn buffered(response: &mut Response, whole: bool, url: &str) -> Result<(), CliError> {
    let doc = http::json_body(response, url).await?;
    let mut out = std::io::stdout();
    let text = if whole {
        inert_json(&serde_json::to_string_pretty(&doc).expect("a JSON value serialises"))
    } else {
        terminal_safe(
            doc.pointer("/result/answer")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    CliError::Transport(format!(
                        "malformed response: no result.answer in {}",
                        doc.to_string().chars().take(120).collect::<String>()
                    ))
                })?,
        )
    };
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(CliError::stdout)?;
    if !whole && let Some(meta) = doc.get("metadata") {
        let id = |key: &str| terminal_safe(meta.get(key).and_then(Value::as_str).unwrap_or("-"));
        eprintln!(
            "session: {} request: {}",
            id("session_id"),
            id("request_id")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::{Cli, Command};

    fn try_parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut argv = vec!["bridge", "invoke", "--url", "http://127.0.0.1:1/prod"];
        argv.extend(args);
        Cli::from_matches(Cli::command().try_get_matches_from(argv)?)
    }

    fn parse(args: &[&str]) -> InvokeArgs {
        match try_parse(args).unwrap().command {
            Command::Invoke(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_given_fields_are_sent() {
        assert_eq!(request_body(&parse(&["hi"])), json!({"query": "hi"}));
        let full = parse(&[
            "hi",
            "--session",
            "s-1",
            "--context",
            r#"{"ticket":"INC1"}"#,
            "--user-id",
            "u-9",
        ]);
        assert_eq!(
            request_body(&full),
            json!({"query": "hi", "session_id": "s-1", "context": {"ticket": "INC1"}, "user_id": "u-9"})
        );
        assert_eq!(full.agent, "default");
    }

    #[test]
    fn api_key_and_sigv4_conflict() {
        let err = try_parse(&["hi", "--api-key", "k", "--sigv4"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert_eq!(err.exit_code(), 2);
        assert!(parse(&["hi", "--sigv4", "--region", "eu-west-1"]).sigv4);
        // --region without --sigv4 has nothing to do.
        assert!(try_parse(&["hi", "--region", "eu-west-1"]).is_err());
    }
}
