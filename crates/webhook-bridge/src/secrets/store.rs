//! Reading one secret's value from Secrets Manager or SSM Parameter Store, or the parameters under
//! an SSM path; each read bounded in time.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_bedrockagentcore::error::DisplayErrorContext;

use crate::config::{SecretFreshness, SecretRef};
use crate::invocation_trace::traced_client;

/// How long one fetch may take: cold start must not hang on a slow network.
const FETCH_BUDGET: Duration = Duration::from_secs(3);

/// Reads secret values; clients are built once.
#[derive(Debug, Clone)]
pub struct SecretStore {
    ssm: aws_sdk_ssm::Client,
    secrets_manager: aws_sdk_secretsmanager::Client,
    freshness: SecretFreshness,
}

impl SecretStore {
    /// Clients for both stores, from the SDK settings.
    pub fn new(sdk_config: &SdkConfig) -> Self {
        SecretStore {
            ssm: traced_client!(aws_sdk_ssm, sdk_config),
            secrets_manager: traced_client!(aws_sdk_secretsmanager, sdk_config),
            freshness: SecretFreshness::default(),
        }
    }

    /// The same clients, with `freshness` for the values read through them.
    pub fn with_freshness(self, freshness: SecretFreshness) -> Self {
        SecretStore { freshness, ..self }
    }

    /// How long values read through this store stay fresh, and may be served stale.
    pub fn freshness(&self) -> SecretFreshness {
        self.freshness
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

    /// The String parameters directly under the SSM `path` (no trailing `/`), as `(last name
    /// segment, value)`, every page read. The error is for logs.
    pub async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, String> {
        let prefix = format!("{path}/");
        let fetch = async {
            let mut pages = self
                .ssm
                .get_parameters_by_path()
                .path(path)
                .recursive(false)
                .into_paginator()
                .send();
            let mut found = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| DisplayErrorContext(&e).to_string())?;
                for parameter in page.parameters.unwrap_or_default() {
                    let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                        continue;
                    };
                    if let Some(leaf) = name.strip_prefix(&prefix) {
                        found.push((leaf.to_owned(), value));
                    }
                }
            }
            Ok(found)
        };
        tokio::time::timeout(FETCH_BUDGET, fetch)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {FETCH_BUDGET:?}")))
    }
}
