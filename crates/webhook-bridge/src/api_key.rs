//! Where a caller's API key travels on the REST API: `x-api-key`, or `Authorization: Bearer
//! <key>` as run-agent.ai's clients send it. The REST API takes its keys from a Lambda authorizer
//! (`ApiKeySourceType: AUTHORIZER`) that only says which header holds the key; API Gateway still
//! matches the key against the usage plans (a wrong one is its `403 INVALID_API_KEY`) and
//! throttles and meters each key, and the webhook function still learns the integration from
//! `identity.apiKeyId`. Nothing here trusts the key: it is handed on, never checked or logged.

use std::fmt;

use http::HeaderMap;
use serde_json::{Value, json};

/// The authorizer context entry naming the header that carried the key. The function reads it
/// from `requestContext.authorizer` (which callers cannot write) to know that an `Authorization`
/// header held the key, not a user's token.
pub const KEY_HEADER_CONTEXT: &str = "apiKeyHeader";

/// The error message that makes API Gateway answer `401` (its `UNAUTHORIZED` response).
pub const UNAUTHORIZED: &str = "Unauthorized";

/// API Gateway's bounds on an API key's value.
const KEY_LENGTH: std::ops::RangeInclusive<usize> = 20..=128;

/// The header an API key came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader {
    /// `x-api-key`, API Gateway's own header.
    XApiKey,
    /// `Authorization: Bearer <key>`.
    Authorization,
}

impl KeyHeader {
    /// The name written to the authorizer context.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyHeader::XApiKey => "x-api-key",
            KeyHeader::Authorization => "authorization",
        }
    }
}

/// An API key as presented: handed to API Gateway, which alone decides whether it is valid.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedKey {
    /// The key's value.
    pub value: String,
    /// Where it came from.
    pub header: KeyHeader,
}

impl fmt::Debug for PresentedKey {
    // A key is a credential: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedKey")
            .field("header", &self.header)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// The key a request presents: `x-api-key` when sent (an `Authorization` header beside it is then
/// a user's token, left to the function), else a bearer credential shaped like an API key. A
/// JWT (it has dots; keys never do) is a user's token, not a key.
pub fn presented_key(headers: &HeaderMap) -> Option<PresentedKey> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(value) = text("x-api-key") {
        return Some(PresentedKey {
            value: value.to_owned(),
            header: KeyHeader::XApiKey,
        });
    }
    let (scheme, credential) = text("authorization")?.split_once(' ')?;
    let credential = credential.trim();
    let key_shaped = KEY_LENGTH.contains(&credential.len())
        && credential
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'.');
    (scheme.eq_ignore_ascii_case("bearer") && key_shaped).then(|| PresentedKey {
        value: credential.to_owned(),
        header: KeyHeader::Authorization,
    })
}

/// The authorizer's answer for a request to `method_arn`: the presented key as the
/// `usageIdentifierKey`, permission for this one method (the authorizer is not cached, so a
/// wider grant would buy nothing), and the key's header in the context. `Err` is API Gateway's
/// `401`: no key was presented.
pub fn authorize(headers: &HeaderMap, method_arn: &str) -> Result<Value, &'static str> {
    let key = presented_key(headers).ok_or(UNAUTHORIZED)?;
    Ok(json!({
        // Shown in access logs as $context.authorizer.principalId: never the key. The
        // integration is known only once API Gateway has matched the key.
        "principalId": "api-key",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": method_arn,
            }],
        },
        "context": { KEY_HEADER_CONTEXT: key.header.as_str() },
        "usageIdentifierKey": key.value,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AbCdEfGhIjKlMnOpQrStUvWx0123456789";
    const ARN: &str =
        "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/v1/agents/a/invoke";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn a_bearer_key_is_handed_to_api_gateway_as_the_usage_identifier() {
        let answer = authorize(
            &headers(&[("authorization", &format!("Bearer {KEY}"))]),
            ARN,
        )
        .expect("a key was presented");
        assert_eq!(answer["usageIdentifierKey"], KEY);
        assert_eq!(answer["context"][KEY_HEADER_CONTEXT], "authorization");
        assert_eq!(answer["policyDocument"]["Statement"][0]["Resource"], ARN);
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_ne!(
            answer["principalId"], KEY,
            "the key never reaches the access log"
        );
        // The shape API Gateway reads, as AWS's own Rust types define it.
        let typed: lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerResponse =
            serde_json::from_value(answer).expect("an authorizer response");
        assert_eq!(typed.usage_identifier_key.as_deref(), Some(KEY));
    }

    #[test]
    fn x_api_key_wins_and_leaves_authorization_to_the_users_token() {
        let key = presented_key(&headers(&[
            ("x-api-key", KEY),
            (
                "authorization",
                "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
            ),
        ]))
        .unwrap();
        assert_eq!(key.value, KEY);
        assert_eq!(key.header, KeyHeader::XApiKey);
    }

    #[test]
    fn tokens_other_schemes_and_odd_values_are_not_keys() {
        for value in [
            "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==AAAAAAAAAAAA",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request",
            "Bearer short",
            "Bearer ",
            "Bearer",
        ] {
            assert_eq!(
                presented_key(&headers(&[("authorization", value)])),
                None,
                "{value}"
            );
        }
        let long = format!("Bearer {}", "k".repeat(129));
        assert_eq!(presented_key(&headers(&[("authorization", &long)])), None);
    }

    #[test]
    fn no_key_is_api_gateways_401() {
        assert_eq!(authorize(&headers(&[]), ARN), Err(UNAUTHORIZED));
        assert_eq!(
            authorize(&headers(&[("x-api-key", "  ")]), ARN),
            Err(UNAUTHORIZED)
        );
    }

    #[test]
    fn keys_never_print() {
        let key = presented_key(&headers(&[("x-api-key", KEY)])).unwrap();
        assert!(!format!("{key:?}").contains(KEY));
    }
}
