//! Write-back credentials: where a source's ticket-system credentials are
//! (`<SOURCE>_WRITE_BACK` inline for local runs, `<SOURCE>_WRITE_BACK_REF` in AWS) and the JSON
//! they are written in. Checked when read, so a bad setting names its variable at cold start.

use serde_json::Value;
use ticket_prompt::Source;

use super::secret_ref::SecretRef;
use super::transport::{SECURE_URL_RULE, is_secure_or_local};

/// The sources whose tickets the bridge can write back to.
pub const WRITE_BACK_SOURCES: [Source; 3] = [Source::ServiceNow, Source::GitHub, Source::Jira];

/// Where a source's write-back credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteBackSetting {
    /// `<SOURCE>_WRITE_BACK`: the credentials JSON itself (local runs).
    Inline(Credentials),
    /// `<SOURCE>_WRITE_BACK_REF`: a secret holding it, fetched on first use.
    Ref {
        /// The variable, for error messages.
        variable: &'static str,
        /// The secret.
        secret: SecretRef,
    },
}

/// Ticket-system credentials, as JSON in the configuration or secret:
/// ServiceNow `{"instance_url", "username", "password"}`, GitHub `{"token", "api_url"?}`,
/// Jira `{"base_url", "email", "api_token"}`. `Debug` shows where and as whom, never the password
/// or token (a configuration dump or a panic message must not leak them).
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Basic auth against the instance's Table API.
    ServiceNow {
        /// `https://<instance>.service-now.com`, without a trailing slash.
        instance_url: String,
        /// The integration user.
        username: String,
        /// Its password.
        password: String,
    },
    /// A token for the REST API.
    GitHub {
        /// `https://api.github.com` unless GitHub Enterprise.
        api_url: String,
        /// A personal access or app installation token.
        token: String,
    },
    /// Basic auth with an account e-mail and API token.
    Jira {
        /// `https://<site>.atlassian.net`, without a trailing slash.
        base_url: String,
        /// The integration account's e-mail.
        email: String,
        /// Its API token.
        api_token: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const HIDDEN: &str = "<redacted>";
        match self {
            Credentials::ServiceNow {
                instance_url,
                username,
                ..
            } => f
                .debug_struct("ServiceNow")
                .field("instance_url", instance_url)
                .field("username", username)
                .field("password", &HIDDEN)
                .finish(),
            Credentials::GitHub { api_url, .. } => f
                .debug_struct("GitHub")
                .field("api_url", api_url)
                .field("token", &HIDDEN)
                .finish(),
            Credentials::Jira {
                base_url, email, ..
            } => f
                .debug_struct("Jira")
                .field("base_url", base_url)
                .field("email", email)
                .field("api_token", &HIDDEN)
                .finish(),
        }
    }
}

impl Credentials {
    /// Parses `json` for `source`. The error names missing fields, never values.
    pub fn parse(source: Source, json: &str) -> Result<Credentials, String> {
        let v: Value = serde_json::from_str(json)
            .map_err(|_| "must be a JSON object with the ticket system's credentials".to_owned())?;
        let field = |name: &str| -> Result<String, String> {
            v.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("missing '{name}'"))
        };
        let base = |name: &str, default: Option<&str>| -> Result<String, String> {
            let url = match (field(name), default) {
                (Ok(u), _) => u,
                (Err(_), Some(d)) => d.to_owned(),
                (Err(e), None) => return Err(e),
            };
            // Basic credentials and tokens travel with every request: never in clear text,
            // except to a local stand-in.
            if !is_secure_or_local(&url) {
                return Err(format!("'{name}' {SECURE_URL_RULE}"));
            }
            Ok(url.trim_end_matches('/').to_owned())
        };
        match source {
            Source::ServiceNow => Ok(Credentials::ServiceNow {
                instance_url: base("instance_url", None)?,
                username: field("username")?,
                password: field("password")?,
            }),
            Source::GitHub => Ok(Credentials::GitHub {
                api_url: base("api_url", Some("https://api.github.com"))?,
                token: field("token")?,
            }),
            Source::Jira => Ok(Credentials::Jira {
                base_url: base("base_url", None)?,
                email: field("email")?,
                api_token: field("api_token")?,
            }),
            _ => Err("write-back is supported for servicenow, github and jira".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password_or_token() {
        for (source, json, secret) in [
            (
                Source::ServiceNow,
                r#"{"instance_url": "https://acme.service-now.com", "username": "bridge", "password": "pw-s3cr3t"}"#,
                "pw-s3cr3t",
            ),
            (Source::GitHub, r#"{"token": "ghp_t0k3n"}"#, "ghp_t0k3n"),
            (
                Source::Jira,
                r#"{"base_url": "https://acme.atlassian.net", "email": "b@acme.test", "api_token": "at-s3cr3t"}"#,
                "at-s3cr3t",
            ),
        ] {
            let shown = format!("{:?}", Credentials::parse(source, json).unwrap());
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        assert_eq!(
            Credentials::parse(
                Source::ServiceNow,
                r#"{"instance_url": "https://acme.service-now.com/", "username": "u", "password": "p"}"#
            ),
            Ok(Credentials::ServiceNow {
                instance_url: "https://acme.service-now.com".into(),
                username: "u".into(),
                password: "p".into()
            })
        );
    }
}
