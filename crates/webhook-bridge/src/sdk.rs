//! The AWS SDK settings every client of the bridge shares, before credentials, region and
//! endpoint are resolved.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

use crate::config::{Config, RetryMode};

/// Stalled-stream protection is off because it cuts a response body that is silent for about
/// 5 s, and agents routinely think for longer than that between chunks; the bridge's own
/// deadline bounds every call instead. Retries follow the configured mode and attempts.
pub fn sdk_defaults(config: &Config) -> ConfigLoader {
    let retry = match config.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(config.max_attempts)
    .with_initial_backoff(config.retry_initial_backoff);
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .build(),
        )
}

/// The SDK settings per group of services: the same for all, as in AWS, unless `ENDPOINT_URLS`
/// sends a group to a local server.
pub struct SdkConfigs {
    /// AgentCore's data plane.
    pub agentcore: SdkConfig,
    /// DynamoDB and SQS, and SNS publishes.
    pub jobs: SdkConfig,
    /// Secrets Manager and SSM.
    pub secrets: SdkConfig,
}

/// Loads the settings once and applies `ENDPOINT_URLS`.
pub async fn load_sdk_configs(config: &Config) -> SdkConfigs {
    let sdk = sdk_defaults(config).load().await;
    let at = |url: &Option<String>| match url {
        Some(url) => sdk.to_builder().endpoint_url(url).build(),
        None => sdk.clone(),
    };
    let urls = &config.endpoint_urls;
    SdkConfigs {
        agentcore: at(&urls.agentcore),
        jobs: at(&urls.jobs),
        secrets: at(&urls.secrets),
    }
}
