//! The AWS SDK settings every client of the bridge shares, before credentials, region and
//! endpoint are resolved.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};

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
