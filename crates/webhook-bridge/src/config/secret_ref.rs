//! Where a secret lives: a Secrets Manager secret or an SSM parameter, named by a `*_REF`
//! variable. The value itself is fetched at run time (`secrets`), never configured.

/// A secret's location: `<SOURCE>_WEBHOOK_SECRET_REF`, `<SOURCE>_WRITE_BACK_REF`,
/// `AGENTS_PARAMETER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A Secrets Manager secret (ARN).
    SecretsManager(String),
    /// An SSM parameter (SecureString), by ARN or by name (`/path/name`).
    Ssm(String),
}

impl SecretRef {
    /// Reads a reference; anything but a Secrets Manager ARN, an SSM ARN or an SSM parameter
    /// name is refused (a plain value here is most likely a secret pasted by mistake).
    pub fn parse(raw: &str) -> Result<SecretRef, &'static str> {
        let is_arn_of =
            |service: &str| raw.starts_with("arn:aws") && raw.split(':').nth(2) == Some(service);
        if is_arn_of("secretsmanager") {
            Ok(SecretRef::SecretsManager(raw.to_owned()))
        } else if is_arn_of("ssm") || raw.starts_with('/') {
            Ok(SecretRef::Ssm(raw.to_owned()))
        } else {
            Err(
                "must be a Secrets Manager secret ARN, an SSM parameter ARN, or an SSM parameter name starting with /",
            )
        }
    }
}

/// How long a fetched secret is used before it is read again, and how much longer the last good
/// value may be served while reads fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretFreshness {
    /// `SECRET_TTL_SECONDS`: default 300 (a revoked or rotated secret is dropped within this).
    pub ttl: std::time::Duration,
    /// `SECRET_MAX_STALE_SECONDS`: default 900; 0 fails closed as soon as a refresh fails.
    pub max_stale: std::time::Duration,
}

impl Default for SecretFreshness {
    fn default() -> Self {
        SecretFreshness {
            ttl: std::time::Duration::from_secs(300),
            max_stale: std::time::Duration::from_secs(900),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_by_kind() {
        assert_eq!(
            SecretRef::parse(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/github-AbCdEf"
            ),
            Ok(SecretRef::SecretsManager(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/github-AbCdEf".into()
            ))
        );
        assert!(matches!(
            SecretRef::parse("arn:aws:ssm:us-east-1:123456789012:parameter/bridge/jira"),
            Ok(SecretRef::Ssm(_))
        ));
        assert!(matches!(
            SecretRef::parse("/bridge/jira"),
            Ok(SecretRef::Ssm(_))
        ));
        assert!(SecretRef::parse("plain-secret-value").is_err());
        assert!(SecretRef::parse("arn:aws:s3:::bucket").is_err());
    }
}
