//! Amazon CloudWatch alarms, delivered by an SNS HTTP/S subscription: the body is SNS's envelope
//! (see `crate::sns`, whose signature the bridge checks first) and its `Message` is the alarm as
//! a JSON string: `{"AlarmName", "AlarmDescription", "AWSAccountId", "NewStateValue",
//! "NewStateReason", "StateChangeTime", "Region", "AlarmArn", "OldStateValue", "Trigger": {…}}`.
//!
//! The event is the new state in lower case (`alarm`, `ok`, `insufficient_data`) for a
//! notification, and the envelope's type for the subscription messages
//! (`subscriptionconfirmation`, `unsubscribeconfirmation`). An alarm is keyed by a hash of its
//! ARN (ARNs hold `:`), so its state changes share one per-ticket session.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::fields::{Fields, cap};
use crate::error::TicketError;
use crate::json::parse_object;
use crate::sanitize::{Capped, FieldLimits};
use crate::source::Source;
use crate::ticket::{Choice, Ticket};

/// Dimensions kept as labels.
const DIMENSIONS: usize = 10;

pub(crate) fn event(f: &Fields<'_>) -> String {
    match f.text("Type").ok().flatten().as_deref() {
        Some("Notification") => alarm(f)
            .ok()
            .and_then(|a| Fields::new(&a).text("NewStateValue").ok().flatten())
            .unwrap_or_default()
            .to_ascii_lowercase(),
        Some(other) => other.to_ascii_lowercase(),
        None => String::new(),
    }
}

/// One delivery per alarm state change (SNS retries repeat the same message).
pub(crate) fn identity(f: &Fields<'_>) -> Option<String> {
    let alarm = alarm(f).ok()?;
    let a = Fields::new(&alarm);
    let arn = a.text("AlarmArn").ok().flatten()?;
    let when = a.text("StateChangeTime").ok().flatten().unwrap_or_default();
    Some(format!("cloudwatch\n{arn}\n{when}\n{}", event(f)))
}

/// The alarm inside the envelope's `Message`.
fn alarm(f: &Fields<'_>) -> Result<Map<String, Value>, TicketError> {
    let message = f.text("Message")?.ok_or(TicketError::MissingField {
        field: "Message",
        hint: "",
    })?;
    parse_object(message.as_bytes())
        .map_err(|_| TicketError::invalid("Message", "expected a CloudWatch alarm as JSON"))
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let alarm = alarm(f)?;
    let a = Fields::new(&alarm);
    let arn = a.text("AlarmArn")?.ok_or(TicketError::MissingField {
        field: "Message.AlarmArn",
        hint: "",
    })?;
    let id = format!(
        "alarm-{}",
        &hex::encode(Sha256::digest(arn.as_bytes()))[..16]
    );
    let mut t = Ticket::new(Source::CloudWatch, id);
    let tr = &mut Vec::new();
    let name = a.text("AlarmName")?;
    t.title = name
        .as_deref()
        .and_then(|n| cap("Message.AlarmName", n, limits.title, tr));
    let described: Vec<String> = [a.text("NewStateReason")?, a.text("AlarmDescription")?]
        .into_iter()
        .flatten()
        .collect();
    t.description = cap(
        "Message.NewStateReason",
        &described.join("\n\n"),
        limits.description,
        tr,
    );
    if t.title.is_none() && t.description.is_none() {
        return Err(TicketError::MissingField {
            field: "Message.AlarmName",
            hint: " (or 'Message.NewStateReason')",
        });
    }
    let short = |raw: Option<String>, field: &'static str, tr: &mut Vec<&'static str>| {
        raw.and_then(|r| cap(field, &r, limits.short, tr))
    };
    t.source_id = short(Some(arn.clone()), "Message.AlarmArn", tr);
    t.status = short(a.text("NewStateValue")?, "Message.NewStateValue", tr).map(Choice::label);
    let metric = match (a.text("Trigger.Namespace")?, a.text("Trigger.MetricName")?) {
        (Some(ns), Some(m)) => Some(format!("{ns} {m}")),
        (ns, m) => ns.or(m),
    };
    t.category = short(metric, "Message.Trigger", tr);
    t.group = short(f.text("TopicArn")?, "TopicArn", tr);
    t.requester = short(a.text("AWSAccountId")?, "Message.AWSAccountId", tr);
    t.updated_at = short(a.text("StateChangeTime")?, "Message.StateChangeTime", tr);
    t.url = short(console_url(&arn, name.as_deref()), "Message.AlarmArn", tr);
    t.set_labels(dimensions(&alarm, limits));
    t.truncated_fields = std::mem::take(tr);
    Ok(t)
}

/// The alarm's page in the CloudWatch console, from its ARN's partition and region (the
/// message's `Region` is a display name such as "US East (N. Virginia)").
fn console_url(arn: &str, name: Option<&str>) -> Option<String> {
    let mut parts = arn.split(':');
    let (_, partition, _, region) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok(region) || !ok(partition) {
        return None;
    }
    let host = match partition {
        "aws-cn" => "console.amazonaws.cn",
        "aws-us-gov" => "console.amazonaws-us-gov.com",
        _ => "console.aws.amazon.com",
    };
    let name: String = url::form_urlencoded::byte_serialize(name?.as_bytes()).collect();
    Some(format!(
        "https://{region}.{host}/cloudwatch/home?region={region}#alarmsV2:alarm/{name}"
    ))
}

/// The metric's dimensions as `name=value` labels.
fn dimensions(alarm: &Map<String, Value>, limits: &FieldLimits) -> Vec<String> {
    Fields::new(alarm)
        .value("Trigger.Dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d.get("name")?.as_str()?, d.get("value")?.as_str()?)))
        .map(|(n, v)| Capped::new(&format!("{n}={v}"), limits.short).text)
        .take(DIMENSIONS.min(limits.max_labels))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    /// aws/aws-lambda-go `events/testdata/cloudwatch-alarm-sns-payload-single-metric.json`'s
    /// alarm, inside an SNS notification.
    fn delivery(state: &str) -> String {
        let alarm = json!({"AlarmName": "EXAMPLE", "AlarmDescription": "EXAMPLE", "AWSAccountId": "123456789012",
            "NewStateValue": state, "OldStateValue": "INSUFFICIENT_DATA",
            "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (03/06/15 17:43:00)] was greater than the threshold (0.0).",
            "StateChangeTime": "2015-06-03T17:43:27.123+0000", "Region": "EU (Ireland)",
            "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:EXAMPLE",
            "Trigger": {"MetricName": "NetworkOut", "Namespace": "AWS/EC2", "Statistic": "AVERAGE", "Unit": "Bytes",
                "Dimensions": [{"value": "TestInstance", "name": "InstanceId"}], "Period": 60, "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0}});
        json!({"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:alarms",
            "Subject": "ALARM: \"EXAMPLE\" in EU (Ireland)", "Message": alarm.to_string(),
            "Timestamp": "2015-06-03T17:43:27.197Z", "SignatureVersion": "1", "Signature": "x",
            "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem"}).to_string()
    }

    #[test]
    fn an_alarm_inside_its_sns_notification() {
        let d = read_delivery(Source::CloudWatch, delivery("ALARM").as_bytes(), None).unwrap();
        assert_eq!(d.event, "alarm");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert!(t.id.starts_with("alarm-") && t.id.len() == 22, "{}", t.id);
        assert_eq!(t.title.as_deref(), Some("EXAMPLE"));
        assert!(t.description.unwrap().starts_with("Threshold Crossed"));
        assert_eq!(t.category.as_deref(), Some("AWS/EC2 NetworkOut"));
        assert_eq!(t.labels, ["InstanceId=TestInstance"]);
        assert_eq!(
            t.url.as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/EXAMPLE"
            )
        );
        let ok = read_delivery(Source::CloudWatch, delivery("OK").as_bytes(), None).unwrap();
        assert_eq!(ok.event, "ok");
        assert_ne!(ok.identity(), d.identity());
    }

    #[test]
    fn a_message_that_is_not_an_alarm_names_the_field() {
        let body = json!({"Type": "Notification", "Message": "plain text"}).to_string();
        let err = read_delivery(Source::CloudWatch, body.as_bytes(), None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap_err();
        assert_eq!(err.field(), Some("Message"));
        let confirm = json!({"Type": "SubscriptionConfirmation"}).to_string();
        let d = read_delivery(Source::CloudWatch, confirm.as_bytes(), None).unwrap();
        assert_eq!(d.event, "subscriptionconfirmation");
    }
}
