//! `bridge ticket`: post a ticket to a webhook route.
//!
//! FILE is either what the vendor would POST, or an API Gateway REST proxy event (the fixtures in
//! events/, or an event captured from CloudWatch): then the request the event describes is
//! replayed, body and headers, so a delivery seen in production can be sent again as it was.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::cli::{TicketArgs, endpoint_url};
use crate::exit::CliError;
use crate::http;
use crate::terminal::{inert_json, terminal_safe};

/// What to send.
#[derive(Debug, PartialEq)]
pub struct Delivery {
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

/// Reads FILE ("-" is stdin).
pub fn read_file(args: &TicketArgs) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let result = if args.file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(&args.file).map(|b| bytes = b)
    };
    result.map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.file.display())))?;
    Ok(bytes)
}

/// A proxy event is replayed; anything else (even text that is not JSON, so the bridge's own
/// validation can be exercised) is sent as the body as is.
pub fn load(bytes: &[u8]) -> Result<Delivery, CliError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(event) if is_proxy_event(&event) => from_event(&event),
        _ => Ok(Delivery {
            body: bytes.to_vec(),
            headers: vec![(CONTENT_TYPE.to_string(), "application/json".into())],
        }),
    }
}

/// API Gateway REST proxy events are the only JSON documents with both of these at the top.
pub fn is_proxy_event(doc: &Value) -> bool {
    doc.get("httpMethod").is_some_and(Value::is_string) && doc.get("body").is_some()
}

/// Headers the event records but this request must not repeat: `host` and `content-length`
/// describe the original connection, `x-api-key` is the original caller's key (ours is
/// `--api-key`), `x-forwarded-*` are added by the gateway, and hop-by-hop headers and
/// `accept-encoding` would ask for framing or compression this client does not decode.
fn forwarded(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !(matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "x-api-key"
            | "connection"
            | "transfer-encoding"
            | "accept-encoding"
    ) || name.starts_with("x-forwarded-"))
}

fn from_event(event: &Value) -> Result<Delivery, CliError> {
    let body = match event.get("body") {
        Some(Value::String(text)) if event["isBase64Encoded"] == Value::Bool(true) => STANDARD
            .decode(text.trim())
            .map_err(|e| CliError::Usage(format!("the event's body is not valid base64: {e}")))?,
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => other.to_string().into_bytes(),
    };
    // multiValueHeaders is complete (repeated headers); `headers` keeps only the last value.
    let mut headers = Vec::new();
    if let Some(Value::Object(multi)) = event.get("multiValueHeaders") {
        for (name, values) in multi {
            for value in values.as_array().into_iter().flatten() {
                if let Some(v) = value.as_str() {
                    headers.push((name.clone(), v.to_owned()));
                }
            }
        }
    } else if let Some(Value::Object(single)) = event.get("headers") {
        for (name, value) in single {
            if let Some(v) = value.as_str() {
                headers.push((name.clone(), v.to_owned()));
            }
        }
    }
    headers.retain(|(name, _)| forwarded(name));
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(CONTENT_TYPE.as_str()))
    {
        headers.push((CONTENT_TYPE.to_string(), "application/json".into()));
    }
    Ok(Delivery { body, headers })
}

fn header_map(
    delivery: &Delivery,
    event: Option<(&'static str, &str)>,
) -> Result<HeaderMap, CliError> {
    let mut map = HeaderMap::new();
    for (name, value) in &delivery.headers {
        let bad = |e: &dyn std::fmt::Display| {
            CliError::Usage(format!("the event's header {name:?} cannot be sent: {e}"))
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(&e))?;
        let value = HeaderValue::from_str(value).map_err(|e| bad(&e))?;
        map.append(name, value);
    }
    if let Some((header, event)) = event {
        let value = HeaderValue::from_str(event)
            .map_err(|e| CliError::Usage(format!("--event {event:?}: {e}")))?;
        map.insert(header, value);
    }
    if !map.contains_key(ACCEPT) {
        map.insert(ACCEPT, HeaderValue::from_static("application/json"));
    }
    Ok(map)
}

pub async fn run(args: &TicketArgs) -> Result<(), CliError> {
    let delivery = load(&read_file(args)?)?;
    let event = args
        .event
        .as_deref()
        .map(|e| (args.source.event_header(), e));
    let headers = header_map(&delivery, event)?;
    let url = endpoint_url(&args.endpoint.url, &["webhook", args.source.as_str()]);
    let client = http::client(&args.endpoint)?;
    let request = client
        .post(url.clone())
        .headers(headers)
        .body(delivery.body);
    let mut response = http::with_api_key(request, &args.endpoint)
        .send()
        .await
        .map_err(|e| CliError::transport(url.as_str(), &e))?;
    if !response.status().is_success() {
        return Err(http::status_error(response, url.as_str()).await);
    }
    let status = response.status();
    let doc = http::json_body(&mut response, url.as_str()).await?;
    let text = render(status, &doc, args.json);
    let mut out = std::io::stdout();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(CliError::stdout)
}

/// 200: the analysis; 202 (an event the bridge acknowledges without analysing): its message;
/// `--json` or any other shape: the document. Either is inert to a terminal.
pub fn render(status: StatusCode, doc: &Value, whole: bool) -> String {
    let field = if status == StatusCode::ACCEPTED {
        "message"
    } else {
        "analysis"
    };
    match doc.get(field).and_then(Value::as_str) {
        Some(text) if !whole => terminal_safe(text),
        _ => inert_json(&serde_json::to_string_pretty(doc).expect("a JSON value serialises")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/");
        std::fs::read(format!("{path}{name}")).unwrap()
    }

    fn header<'a>(d: &'a Delivery, name: &str) -> Option<&'a str> {
        d.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_proxy_event_is_replayed_with_its_body_and_safe_headers() {
        let raw = fixture("servicenow-incident.json");
        let event: Value = serde_json::from_slice(&raw).unwrap();
        assert!(is_proxy_event(&event));
        let d = load(&raw).unwrap();
        assert_eq!(d.body, event["body"].as_str().unwrap().as_bytes());
        let body: Value = serde_json::from_slice(&d.body).unwrap();
        assert_eq!(body["number"], "INC0010001");
        assert_eq!(header(&d, "user-agent"), Some("ServiceNow/1.0"));
        assert_eq!(header(&d, "content-type"), Some("application/json"));
        for dropped in ["host", "x-api-key", "x-forwarded-for", "x-forwarded-proto"] {
            assert_eq!(header(&d, dropped), None, "{dropped} is not forwarded");
        }
    }

    #[test]
    fn a_base64_body_is_decoded() {
        let raw = fixture("servicenow-base64.json");
        let event: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(event["isBase64Encoded"], true);
        let d = load(&raw).unwrap();
        let body: Value = serde_json::from_slice(&d.body).expect("decoded JSON");
        assert!(body.get("number").is_some(), "{body}");

        let inline = json!({"httpMethod": "POST", "body": "aGVsbG8=", "isBase64Encoded": true,
                            "headers": {"X-GitHub-Event": "issues"}});
        let d = load(inline.to_string().as_bytes()).unwrap();
        assert_eq!(d.body, b"hello");
        assert_eq!(header(&d, "x-github-event"), Some("issues"));
        let bad = json!({"httpMethod": "POST", "body": "%%%", "isBase64Encoded": true});
        assert_eq!(
            load(bad.to_string().as_bytes()).unwrap_err().exit_code(),
            crate::exit::USAGE
        );
    }

    #[test]
    fn a_vendor_payload_is_sent_as_is() {
        let payload = br#"{"number":"INC1","httpMethod":"not an event without a body"}"#;
        let d = load(payload).unwrap();
        assert_eq!(d.body, payload);
        assert_eq!(header(&d, "content-type"), Some("application/json"));
        // Not JSON at all: sent unchanged, for the bridge to refuse.
        assert_eq!(load(b"{oops").unwrap().body, b"{oops");
    }

    #[test]
    fn event_flag_overrides_the_recorded_github_event() {
        let d = Delivery {
            body: vec![],
            headers: vec![("X-GitHub-Event".into(), "ping".into())],
        };
        let map = header_map(&d, Some(("x-github-event", "issues"))).unwrap();
        assert_eq!(map.get_all("x-github-event").iter().count(), 1);
        assert_eq!(map["x-github-event"], "issues");
        assert_eq!(map[ACCEPT], "application/json");
    }

    #[test]
    fn the_analysis_reaches_the_terminal_inert() {
        let hostile = json!({"analysis": "\u{1b}]52;c;cm0gLXJm\u{7}Likely \u{9b}1mDNS\r"});
        assert_eq!(render(StatusCode::OK, &hostile, false), "Likely DNS");
        let whole = render(StatusCode::OK, &hostile, true);
        assert!(!whole.contains('\u{9b}'), "{whole}");
        assert_eq!(serde_json::from_str::<Value>(&whole).unwrap(), hostile);
    }

    #[test]
    fn the_answer_text_depends_on_the_status() {
        let analysed = json!({"success": true, "analysis": "Likely DNS", "message": "ok"});
        assert_eq!(render(StatusCode::OK, &analysed, false), "Likely DNS");
        let ignored = json!({"success": true, "code": "IGNORED_EVENT", "message": "event 'ping' is not configured"});
        assert_eq!(
            render(StatusCode::ACCEPTED, &ignored, false),
            "event 'ping' is not configured"
        );
        let whole = render(StatusCode::OK, &analysed, true);
        assert_eq!(serde_json::from_str::<Value>(&whole).unwrap(), analysed);
    }
}
