//! What a verified token says about its user, and the checks `jsonwebtoken`'s `Validation`
//! leaves to us: an audience that may sit in `aud` (ID tokens) or in `client_id` (Cognito access
//! tokens), and the configured user claim.

use serde_json::{Map, Value};

/// The user a token proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    /// Who vouches: the OIDC issuer, or `chat-auth` for the shared secret (whatever `iss` such a
    /// token claims, so it can never pose as the OIDC issuer's users).
    pub issuer: String,
    /// The user claim's value: the `runtimeUserId` AgentCore is given.
    pub user: String,
}

/// The longest user claim accepted (AgentCore's `runtimeUserId` is at most 128 characters once
/// encoded; the encoder caps it again).
const USER_CLAIM_MAX: usize = 256;

/// Whether the token names one of `accepted` in `aud` (a string or a list) or `client_id`.
pub(super) fn audience_matches(claims: &Map<String, Value>, accepted: &[String]) -> bool {
    let named = |v: &Value| v.as_str().is_some_and(|s| accepted.iter().any(|a| a == s));
    let in_aud = match claims.get("aud") {
        Some(Value::Array(items)) => items.iter().any(named),
        Some(one) => named(one),
        None => false,
    };
    in_aud || claims.get("client_id").is_some_and(named)
}

/// The user named by `claim`, when it is a non-blank string of sane length.
pub(super) fn user_of(claims: &Map<String, Value>, claim: &str) -> Option<String> {
    let value = claims.get(claim)?.as_str()?.trim();
    (!value.is_empty() && value.len() <= USER_CLAIM_MAX).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn the_audience_is_found_in_aud_or_client_id() {
        let accepted = ["app-1".to_owned()];
        assert!(audience_matches(
            &claims(json!({"aud": "app-1"})),
            &accepted
        ));
        assert!(audience_matches(
            &claims(json!({"aud": ["x", "app-1"]})),
            &accepted
        ));
        assert!(audience_matches(
            &claims(json!({"client_id": "app-1"})),
            &accepted
        ));
        assert!(!audience_matches(
            &claims(json!({"aud": "app-2"})),
            &accepted
        ));
        assert!(!audience_matches(&claims(json!({"aud": 1})), &accepted));
        assert!(!audience_matches(&claims(json!({})), &accepted));
    }

    #[test]
    fn the_user_claim_must_be_a_short_non_blank_string() {
        let c =
            claims(json!({"sub": " alice ", "email": 3, "blank": " ", "long": "x".repeat(300)}));
        assert_eq!(user_of(&c, "sub"), Some("alice".into()));
        assert_eq!(user_of(&c, "email"), None);
        assert_eq!(user_of(&c, "blank"), None);
        assert_eq!(user_of(&c, "long"), None);
        assert_eq!(user_of(&c, "missing"), None);
    }
}
