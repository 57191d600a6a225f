//! Test messages as SQS returns them, shared by the event and batch-response tests.

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};

/// The queue the test messages come from.
pub(super) const ARN: &str = "arn:aws:sqs:us-west-2:123456789012:jobs";

/// A received message `id` with receipt handle `rh-{id}` and the standard system attributes.
pub(super) fn message(id: &str) -> Message {
    Message::builder()
        .message_id(id)
        .receipt_handle(format!("rh-{id}"))
        .body(format!("body {id}"))
        .md5_of_body("fce0ea8dd236ccb3ed9b37dae260836f")
        .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "2")
        .attributes(MessageSystemAttributeName::SentTimestamp, "1520621625029")
        .attributes(MessageSystemAttributeName::SenderId, "AIDAEXAMPLE")
        .attributes(
            MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
            "1520621634884",
        )
        .build()
}
