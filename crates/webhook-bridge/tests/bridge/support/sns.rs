//! The SNS stand-in: the local ticketing server serving the test signing certificate (see
//! keys/README.md) and answering subscription confirmations, and a bridge pointed at it.

use local_ticketing::{RunningTicketing, TicketingConfig};

use super::{Harness, harness};

/// The topic the `events/cloudwatch-*.json` fixtures were published to.
pub const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:cloudwatch-alarms";

/// The SNS stand-in, and a bridge that accepts alarms from `topics` (comma-separated ARNs).
pub async fn sns_and_bridge(topics: &str) -> (RunningTicketing, Harness) {
    let cert = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/bridge/support/keys/sns-signing-cert.pem"
    ))
    .unwrap();
    let config = TicketingConfig {
        sns_certificate_pem: Some(cert),
        ..TicketingConfig::default()
    };
    let sns = RunningTicketing::start("127.0.0.1:0", config)
        .await
        .unwrap();
    let endpoints = format!("sns={}", sns.endpoint_url());
    let h = harness(&[
        ("CLOUDWATCH_TOPIC_ARNS", topics),
        ("ENDPOINT_URLS", endpoints.as_str()),
    ])
    .await;
    (sns, h)
}
