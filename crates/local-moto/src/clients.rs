//! SDK clients for the shared server: test credentials, the test region.

use crate::server::moto;

/// The region every client and resource uses.
pub const REGION: &str = "us-east-1";

fn credentials() -> aws_sdk_dynamodb::config::Credentials {
    aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "moto")
}

/// A DynamoDB client for the moto server at `endpoint`.
pub fn dynamodb_client_at(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A DynamoDB client for the shared server.
pub fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    dynamodb_client_at(&moto().endpoint)
}

/// An SQS client for the shared server.
pub fn sqs_client() -> aws_sdk_sqs::Client {
    sqs_client_at(&moto().endpoint)
}

/// An SQS client for the moto server at `endpoint`.
pub fn sqs_client_at(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// An SNS client for the shared server.
pub fn sns_client() -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new(REGION))
        .endpoint_url(&moto().endpoint)
        .credentials_provider(credentials())
        .build();
    aws_sdk_sns::Client::from_conf(config)
}
