//! The `Authorization` header, decoded, and the credentials each stubbed system accepts
//! ([`TicketingConfig`]: what the routes check a request against).

use base64::Engine;
use serde::Serialize;

/// A username and password (ServiceNow) or an account email and API token (Jira), as sent in
/// HTTP Basic auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The Basic auth user (ServiceNow's integration user, Jira's account email).
    pub username: String,
    /// The Basic auth password (Jira: the API token).
    pub password: String,
}

impl BasicCredentials {
    /// A pair from anything string-like.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        BasicCredentials {
            username: username.into(),
            password: password.into(),
        }
    }
}

/// The credentials each stubbed system accepts, and what the SNS stub serves.
#[derive(Debug, Clone)]
pub struct TicketingConfig {
    /// ServiceNow Basic auth (an integration user).
    pub servicenow: BasicCredentials,
    /// GitHub token, accepted as `Bearer <token>` or `token <token>`.
    pub github_token: String,
    /// Jira Cloud Basic auth: account email and API token.
    pub jira: BasicCredentials,
    /// The secret last segment of the Slack incoming-webhook URL
    /// (`/services/{team}/{channel}/{token}`).
    pub slack_token: String,
    /// The `sig` query parameter of the Power Automate (Teams Workflows) trigger URL.
    pub teams_sig: String,
    /// GitLab token, accepted as `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>`.
    pub gitlab_token: String,
    /// Linear API key, accepted bare (`Authorization: <key>`, as personal keys are sent) or as
    /// `Bearer <key>` (OAuth tokens).
    pub linear_api_key: String,
    /// The PEM served for any `/SimpleNotificationService-*.pem`; `None` answers 404
    /// (`NoSuchKey`), as for a certificate AWS does not have.
    pub sns_certificate_pem: Option<String>,
    /// The `Token` a `ConfirmSubscription` request must carry (the one the subscription
    /// confirmation message's `SubscribeURL` names).
    pub sns_subscription_token: String,
}

impl Default for TicketingConfig {
    /// Fixed local-development credentials, matching the `local-ticketing` binary's defaults.
    fn default() -> Self {
        TicketingConfig {
            servicenow: BasicCredentials::new("bridge", "local-servicenow-password"),
            github_token: "local-github-token".into(),
            jira: BasicCredentials::new("bridge@example.com", "local-jira-token"),
            slack_token: "local-slack-token".into(),
            teams_sig: "local-teams-sig".into(),
            gitlab_token: "local-gitlab-token".into(),
            linear_api_key: "lin_api_local".into(),
            sns_certificate_pem: None,
            sns_subscription_token: "local-sns-token".into(),
        }
    }
}

/// What a request presented in `Authorization`, recorded so tests can check which scheme a
/// client used (GitHub accepts both `Bearer` and `token`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum PresentedAuth {
    /// No `Authorization` header.
    None,
    /// `Basic base64(username:password)`, decoded.
    Basic {
        /// The part before the first colon.
        username: String,
        /// The rest (it may contain colons).
        password: String,
    },
    /// `Bearer <token>`.
    Bearer {
        /// The token as sent.
        token: String,
    },
    /// GitHub's older `token <token>` scheme.
    Token {
        /// The token as sent.
        token: String,
    },
    /// Anything else, verbatim: a bare key (Linear's personal API keys), Basic that is not
    /// valid base64 `user:password`, other schemes.
    Other {
        /// The whole header value.
        value: String,
    },
}

impl PresentedAuth {
    /// Decodes an `Authorization` header value; scheme names are case-insensitive (RFC 9110).
    pub fn parse(header: Option<&str>) -> PresentedAuth {
        let Some(value) = header else {
            return PresentedAuth::None;
        };
        let other = || PresentedAuth::Other {
            value: value.to_owned(),
        };
        let Some((scheme, rest)) = value.trim().split_once(' ') else {
            return other();
        };
        let rest = rest.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|pair| {
                    pair.split_once(':').map(|(u, p)| PresentedAuth::Basic {
                        username: u.to_owned(),
                        password: p.to_owned(),
                    })
                })
                .unwrap_or_else(other),
            "bearer" => PresentedAuth::Bearer {
                token: rest.to_owned(),
            },
            "token" => PresentedAuth::Token {
                token: rest.to_owned(),
            },
            _ => other(),
        }
    }

    /// Whether this is Basic auth with exactly `expected`.
    pub fn is_basic(&self, expected: &BasicCredentials) -> bool {
        matches!(self, PresentedAuth::Basic { username, password }
            if *username == expected.username && *password == expected.password)
    }

    /// Whether this is `Bearer` or `token` auth with exactly `expected`.
    pub fn is_token(&self, expected: &str) -> bool {
        matches!(self, PresentedAuth::Bearer { token } | PresentedAuth::Token { token }
            if token == expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_scheme() {
        // "admin:pa:ss" — a password may itself contain a colon.
        assert_eq!(
            PresentedAuth::parse(Some("Basic YWRtaW46cGE6c3M=")),
            PresentedAuth::Basic {
                username: "admin".into(),
                password: "pa:ss".into()
            }
        );
        assert!(PresentedAuth::parse(Some("bearer t1")).is_token("t1"));
        assert!(PresentedAuth::parse(Some("token t1")).is_token("t1"));
        assert!(!PresentedAuth::parse(Some("Bearer t2")).is_token("t1"));
        assert_eq!(PresentedAuth::parse(None), PresentedAuth::None);
        assert!(matches!(
            PresentedAuth::parse(Some("Basic !!!")),
            PresentedAuth::Other { .. }
        ));
        assert!(matches!(
            PresentedAuth::parse(Some("Digest x")),
            PresentedAuth::Other { .. }
        ));
    }

    #[test]
    fn basic_must_match_both_parts() {
        let expected = BasicCredentials::new("admin", "secret");
        assert!(PresentedAuth::parse(Some("Basic YWRtaW46c2VjcmV0")).is_basic(&expected));
        assert!(!PresentedAuth::parse(Some("Basic YWRtaW46d3Jvbmc=")).is_basic(&expected));
        assert!(!PresentedAuth::parse(Some("Bearer secret")).is_basic(&expected));
    }
}
