//! Signing secrets kept in AWS Secrets Manager or SSM Parameter Store, fetched once at cold start.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_bedrockagentcore::error::DisplayErrorContext;

/// Where a signing secret lives: `<SOURCE>_WEBHOOK_SECRET_REF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A Secrets Manager secret (ARN).
    SecretsManager(String),
    /// An SSM parameter (SecureString), by ARN or by name (`/path/name`).
    Ssm(String),
}

impl SecretRef {
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

/// How long one fetch may take: cold start must not hang on a slow network.
pub const FETCH_BUDGET: Duration = Duration::from_secs(3);

/// Reads secret values; clients are built once.
#[derive(Debug, Clone)]
pub struct SecretStore {
    ssm: aws_sdk_ssm::Client,
    secrets_manager: aws_sdk_secretsmanager::Client,
}

impl SecretStore {
    pub fn new(sdk_config: &SdkConfig) -> Self {
        SecretStore {
            ssm: aws_sdk_ssm::Client::new(sdk_config),
            secrets_manager: aws_sdk_secretsmanager::Client::new(sdk_config),
        }
    }

    /// The secret's value. The error is for logs: it never contains the value.
    pub async fn fetch(&self, r: &SecretRef) -> Result<String, String> {
        let fetch = async {
            match r {
                SecretRef::SecretsManager(id) => self
                    .secrets_manager
                    .get_secret_value()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| DisplayErrorContext(&e).to_string())?
                    .secret_string
                    .ok_or_else(|| "the secret has no string value".to_owned()),
                SecretRef::Ssm(name) => self
                    .ssm
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| DisplayErrorContext(&e).to_string())?
                    .parameter
                    .and_then(|p| p.value)
                    .ok_or_else(|| "the parameter has no value".to_owned()),
            }
        };
        tokio::time::timeout(FETCH_BUDGET, fetch)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {FETCH_BUDGET:?}")))
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
