//! The Lambda SQS event for a batch, field for field as Lambda sends it.

use aws_sdk_sqs::types::Message;
use base64::Engine;
use serde_json::{Map, Value, json};

/// The Lambda SQS event for a batch, field for field as Lambda sends it (see `aws_lambda_events`'
/// `SqsEvent`): system attributes as SQS returned them (the four standard ones, plus FIFO and
/// trace attributes when present), message attributes in Lambda's camelCase form.
/// `md5OfMessageAttributes` appears only when the message has attributes, as SQS returns it.
pub(super) fn sqs_event(messages: &[Message], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect();
            let message_attributes: Map<String, Value> = m
                .message_attributes()
                .into_iter()
                .flatten()
                .map(|(name, v)| (name.clone(), message_attribute(v)))
                .collect();
            let mut record = json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            });
            if let Some(md5) = m.md5_of_message_attributes() {
                record["md5OfMessageAttributes"] = md5.into();
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

fn message_attribute(v: &aws_sdk_sqs::types::MessageAttributeValue) -> Value {
    let b64 = |b: &aws_sdk_sqs::primitives::Blob| {
        Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref()))
    };
    let mut out = json!({
        "stringListValues": v.string_list_values(),
        "binaryListValues": v.binary_list_values().iter().map(b64).collect::<Vec<_>>(),
        "dataType": v.data_type(),
    });
    if let Some(s) = v.string_value() {
        out["stringValue"] = s.into();
    }
    if let Some(b) = v.binary_value() {
        out["binaryValue"] = b64(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_sqs::primitives::Blob;
    use aws_sdk_sqs::types::MessageAttributeValue;

    use super::*;
    use crate::sqs_source::fixtures::{ARN, message};

    #[test]
    fn the_event_has_lambdas_record_shape() {
        let event = sqs_event(&[message("m1")], ARN, "us-west-2");
        assert_eq!(
            event,
            json!({"Records": [{
                "messageId": "m1",
                "receiptHandle": "rh-m1",
                "body": "body m1",
                "attributes": {
                    "ApproximateReceiveCount": "2",
                    "SentTimestamp": "1520621625029",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1520621634884",
                },
                "messageAttributes": {},
                "md5OfBody": "fce0ea8dd236ccb3ed9b37dae260836f",
                "eventSource": "aws:sqs",
                "eventSourceARN": ARN,
                "awsRegion": "us-west-2",
            }]})
        );
    }

    #[test]
    fn message_attributes_use_lambdas_camel_case_and_base64() {
        let string = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("v")
            .build()
            .unwrap();
        let binary = MessageAttributeValue::builder()
            .data_type("Binary")
            .binary_value(Blob::new(b"1100".to_vec()))
            .build()
            .unwrap();
        let m = Message::builder()
            .message_id("m")
            .message_attributes("S", string)
            .message_attributes("B", binary)
            .md5_of_message_attributes("582c92c5c5b6ac403040a4f3ab3115c9")
            .build();
        let record = &sqs_event(&[m], ARN, "us-west-2")["Records"][0];
        assert_eq!(
            record["messageAttributes"],
            json!({
                "S": {"stringValue": "v", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                "B": {"binaryValue": "MTEwMA==", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
            })
        );
        assert_eq!(
            record["md5OfMessageAttributes"],
            "582c92c5c5b6ac403040a4f3ab3115c9"
        );
    }
}
