//! What the function's answer to a batch means for its messages: Lambda's
//! `ReportBatchItemFailures` rules, and which messages to delete.

use std::collections::HashSet;

use aws_sdk_sqs::types::Message;
use bytes::Bytes;
use serde_json::Value;

use crate::runtime_api::{InvokeError, Outcome};

/// The function's response document, or why the invocation failed as a whole.
pub(super) async fn response_body(result: Result<Outcome, InvokeError>) -> Result<Bytes, String> {
    match result {
        Ok(Outcome::Response(body)) => Ok(body),
        Ok(Outcome::Error(error)) => Err(format!("function error: {error}")),
        // An event source mapping invokes synchronously: a streamed response is buffered.
        Ok(Outcome::Streaming(mut streamed)) => {
            let mut body = Vec::new();
            while let Some(chunk) = streamed.body.recv().await {
                body.extend_from_slice(&chunk.map_err(|e| format!("function error: {e}"))?);
            }
            Ok(body.into())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Which messages of a batch the function did not process.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Failed {
    All,
    Some(HashSet<String>),
}

/// Lambda's partial batch response rules: an empty or null `batchItemFailures` (or no response
/// document at all) is full success; invalid JSON, or an `itemIdentifier` that is null, empty, not
/// a string or not a message of this batch, fails the whole batch.
pub(super) fn failed_items(response: &[u8], batch: &[Message]) -> Failed {
    if response.iter().all(u8::is_ascii_whitespace) {
        return Failed::Some(HashSet::new());
    }
    let Ok(doc) = serde_json::from_slice::<Value>(response) else {
        return Failed::All;
    };
    let failures = match doc.get("batchItemFailures") {
        None | Some(Value::Null) => return Failed::Some(HashSet::new()),
        Some(Value::Array(failures)) => failures,
        Some(_) => return Failed::All,
    };
    let ids: HashSet<&str> = batch.iter().filter_map(Message::message_id).collect();
    let mut failed = HashSet::new();
    for failure in failures {
        match failure.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if ids.contains(id) => {
                failed.insert(id.to_owned());
            }
            _ => return Failed::All,
        }
    }
    Failed::Some(failed)
}

/// The receipt handles to delete: every message not reported as failed.
pub(super) fn to_delete(batch: &[Message], failed: &Failed) -> Vec<String> {
    let Failed::Some(failed) = failed else {
        return Vec::new();
    };
    batch
        .iter()
        .filter(|m| m.message_id().is_some_and(|id| !failed.contains(id)))
        .filter_map(|m| m.receipt_handle().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use serde_json::json;

    use crate::sqs_source::fixtures::message;

    fn batch() -> Vec<Message> {
        ["a", "b", "c"].into_iter().map(message).collect()
    }

    fn decide(response: &str) -> Vec<String> {
        let batch = batch();
        to_delete(&batch, &failed_items(response.as_bytes(), &batch))
    }

    #[test]
    fn reported_failures_keep_only_those_messages() {
        assert_eq!(
            decide(r#"{"batchItemFailures":[{"itemIdentifier":"b"}]}"#),
            ["rh-a", "rh-c"]
        );
    }

    #[test]
    fn empty_null_or_missing_failures_delete_everything() {
        for response in [
            r#"{"batchItemFailures":[]}"#,
            r#"{"batchItemFailures":null}"#,
            "{}",
            "null",
            "",
        ] {
            assert_eq!(decide(response), ["rh-a", "rh-b", "rh-c"], "{response:?}");
        }
    }

    #[test]
    fn bad_identifiers_or_invalid_json_fail_the_whole_batch() {
        for response in [
            r#"{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":""}]}"#,
            r#"{"batchItemFailures":[{"itemIdentifier":null}]}"#,
            r#"{"batchItemFailures":[{"itemId":"a"}]}"#,
            r#"{"batchItemFailures":"a"}"#,
            "not json",
        ] {
            assert!(decide(response).is_empty(), "{response:?}");
        }
    }

    #[tokio::test]
    async fn function_errors_and_timeouts_fail_the_whole_batch() {
        let error = response_body(Ok(Outcome::Error(json!({"errorType": "x"})))).await;
        assert!(error.is_err());
        let timeout = response_body(Err(InvokeError::Timeout(Duration::from_secs(1)))).await;
        assert!(timeout.is_err());
    }
}
