//! A REQUEST Lambda authorizer in front of the local API Gateway, with `ApiKeySourceType:
//! AUTHORIZER` as the template deploys it: the authorizer function gets API Gateway's REQUEST
//! event (no caching: `ReauthorizeEvery: 0`), and its answer decides. An `Unauthorized` error is
//! API Gateway's `401`, any other failure its `500`, a policy that does not allow the method its
//! `403`; otherwise the `usageIdentifierKey` is the request's API key (matched against the usage
//! plans like an `x-api-key`) and `principalId` plus `context` reach the function as
//! `requestContext.authorizer`.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value};

use crate::runtime_api::{Outcome, RuntimeApi};

/// How long API Gateway waits for an authorizer (its fixed limit).
const AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);
/// The account in the local ARNs.
const ACCOUNT: &str = "123456789012";

/// What an authorizer granted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Authorized {
    /// `usageIdentifierKey`: the API key API Gateway matches against the usage plans.
    pub(crate) key: Option<String>,
    /// `requestContext.authorizer` for the function: `principalId` and each `context` entry.
    pub(crate) context: Map<String, Value>,
}

/// Why API Gateway refused the request at the authorizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The authorizer failed with `Unauthorized`: `401`.
    Unauthorized,
    /// Its policy does not allow this method: `403`.
    Denied,
    /// It failed otherwise, timed out or answered something unreadable: `500`.
    Failed,
}

impl Refusal {
    /// API Gateway's response type for the refusal, and its own status, message and error type.
    pub(crate) fn response(self) -> (&'static str, (StatusCode, &'static str, &'static str)) {
        match self {
            Refusal::Unauthorized => (
                "UNAUTHORIZED",
                (
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized",
                    "UnauthorizedException",
                ),
            ),
            Refusal::Denied => (
                "ACCESS_DENIED",
                (
                    StatusCode::FORBIDDEN,
                    "User is not authorized to access this resource",
                    "AccessDeniedException",
                ),
            ),
            Refusal::Failed => (
                "AUTHORIZER_FAILURE",
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal server error",
                    "AuthorizerFailureException",
                ),
            ),
        }
    }
}

/// The ARN of one method call, as API Gateway passes it (`methodArn`).
pub(crate) fn method_arn(stage: &str, method: &str, path: &str) -> String {
    format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:local/{stage}/{method}{path}")
}

/// The REQUEST authorizer event: the proxy event's request parts (no body), its type and
/// `methodArn`.
pub(crate) fn authorizer_event(proxy_event: &Value, method_arn: &str) -> Value {
    let mut event = proxy_event.clone();
    if let Some(fields) = event.as_object_mut() {
        fields.remove("body");
        fields.remove("isBase64Encoded");
        fields.insert("type".into(), "REQUEST".into());
        fields.insert("methodArn".into(), method_arn.into());
    }
    event
}

/// Runs the authorizer function behind `runtime` on `event` and reads its answer for
/// `method_arn`.
pub(crate) async fn authorize(
    runtime: &RuntimeApi,
    event: &Value,
    method_arn: &str,
) -> Result<Authorized, Refusal> {
    let outcome = runtime
        .invoke(Bytes::from(event.to_string()), AUTHORIZER_TIMEOUT)
        .await;
    let doc = match outcome {
        Ok(Outcome::Response(doc)) => doc,
        Ok(Outcome::Error(e)) if e["errorMessage"] == "Unauthorized" => {
            return Err(Refusal::Unauthorized);
        }
        other => {
            tracing::warn!(outcome = ?other.map(|_| ()), "authorizer failed");
            return Err(Refusal::Failed);
        }
    };
    let answer: Value = serde_json::from_slice(&doc).map_err(|_| Refusal::Failed)?;
    if !allows(&answer["policyDocument"], method_arn) {
        return Err(Refusal::Denied);
    }
    let mut context = Map::new();
    if let Some(principal) = answer["principalId"].as_str() {
        context.insert("principalId".into(), principal.into());
    }
    // API Gateway passes context values as strings, numbers or booleans only.
    if let Some(entries) = answer["context"].as_object() {
        for (k, v) in entries {
            if v.is_string() || v.is_number() || v.is_boolean() {
                context.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Authorized {
        key: answer["usageIdentifierKey"].as_str().map(str::to_owned),
        context,
    })
}

/// Whether `policy` allows `execute-api:Invoke` on `method_arn`: some `Allow` statement names it
/// and no `Deny` does (an explicit deny wins, as in IAM).
fn allows(policy: &Value, method_arn: &str) -> bool {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => return false,
    };
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        }
    };
    let applies = |s: &Value| {
        strings(&s["Action"])
            .iter()
            .any(|a| glob(a, "execute-api:Invoke"))
            && strings(&s["Resource"]).iter().any(|r| glob(r, method_arn))
    };
    let with = |effect: &str| {
        statements
            .iter()
            .any(|s| s["Effect"] == effect && applies(s))
    };
    with("Allow") && !with("Deny")
}

/// IAM-style matching: `*` is any run of characters, `?` any one character.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str =
        "arn:aws:execute-api:us-east-1:123456789012:local/prod/POST/v1/agents/a/invoke";

    #[test]
    fn a_policy_allows_only_what_it_names_and_a_deny_wins() {
        let allow = |resource: &str| {
            json!({"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]})
        };
        assert!(allows(&allow(ARN), ARN));
        assert!(allows(
            &allow("arn:aws:execute-api:us-east-1:123456789012:local/prod/*/*"),
            ARN
        ));
        assert!(!allows(
            &allow("arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/*"),
            ARN
        ));
        let deny = json!({"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": ["execute-api:*"], "Effect": "Deny", "Resource": [ARN]}]});
        assert!(!allows(&deny, ARN));
        assert!(!allows(&json!({}), ARN));
    }

    #[test]
    fn the_request_event_has_no_body_and_names_the_method() {
        let proxy = json!({"httpMethod": "POST", "headers": {"a": "b"}, "body": "secret",
                           "isBase64Encoded": false});
        let event = authorizer_event(&proxy, ARN);
        assert_eq!(event["type"], "REQUEST");
        assert_eq!(event["methodArn"], ARN);
        assert_eq!(event["headers"]["a"], "b");
        assert!(event.get("body").is_none());
    }
}
