//! Amazon SNS, the two endpoints an HTTP/S subscriber calls (the bridge rewrites
//! `https://sns.{region}.amazonaws.com/...` to this server, keeping path and query):
//!
//! - the signing certificate, `GET /SimpleNotificationService-{id}.pem` (a message's
//!   `SigningCertURL`); a missing object is S3's `NoSuchKey` document;
//! - subscription confirmation, `GET /?Action=ConfirmSubscription&TopicArn=…&Token=…` (a
//!   `SubscriptionConfirmation` message's `SubscribeURL`), answered in the Query API's XML.

use http::StatusCode;

use super::{Context, Incoming, Reply, method_not_allowed};
use crate::percent::query_param;

const CERTIFICATE_PREFIX: &str = "SimpleNotificationService-";
const CERTIFICATE_SUFFIX: &str = ".pem";

/// The type `sns.{region}.amazonaws.com` serves its signing certificates with.
const PEM: &str = "application/x-x509-ca-cert";
/// SNS's Query API documents, success and error.
const SNS_XML: &str = "text/xml";
/// S3's error documents (the certificates are S3 objects).
const S3_XML: &str = "application/xml";

const SNS_NAMESPACE: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// Whether a root-level file name is a signing certificate's (`SimpleNotificationService-*.pem`,
/// something between prefix and suffix).
pub(super) fn is_certificate(name: &str) -> bool {
    name.len() > CERTIFICATE_PREFIX.len() + CERTIFICATE_SUFFIX.len()
        && name.starts_with(CERTIFICATE_PREFIX)
        && name.ends_with(CERTIFICATE_SUFFIX)
}

/// `GET /SimpleNotificationService-{id}.pem`: the configured PEM whatever the id, or S3's 404.
pub(super) fn certificate(ctx: &Context, req: &Incoming) -> Reply {
    if req.method != "GET" {
        return method_not_allowed();
    }
    match &ctx.config.sns_certificate_pem {
        Some(pem) => Reply::typed(StatusCode::OK, PEM, pem.clone()),
        None => Reply::typed(
            StatusCode::NOT_FOUND,
            S3_XML,
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
                .into(),
        ),
    }
}

/// SNS's Query API error document.
fn error(code: &str, message: &str) -> Reply {
    Reply::typed(
        StatusCode::BAD_REQUEST,
        SNS_XML,
        format!(
            "<ErrorResponse xmlns=\"{SNS_NAMESPACE}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            xml_escape(message),
            uuid::Uuid::new_v4()
        ),
    )
}

/// `GET /?Action=…`: only `ConfirmSubscription`. `TopicArn` (present and shaped
/// `arn:{partition}:sns:{region}:{account}:{name}`), then `Token` (present, then equal to
/// [`crate::TicketingConfig::sns_subscription_token`]).
pub(super) fn action(ctx: &Context, req: &Incoming) -> Reply {
    if req.method != "GET" {
        return method_not_allowed();
    }
    let action = query_param(req.query, "Action").unwrap_or_default();
    if action != "ConfirmSubscription" {
        return error(
            "InvalidAction",
            &format!("Could not find operation {action} for version 2010-03-31"),
        );
    }
    let Some(topic_arn) = query_param(req.query, "TopicArn").filter(|a| is_topic_arn(a)) else {
        return error("InvalidParameter", "Invalid parameter: TopicArn");
    };
    let Some(token) = query_param(req.query, "Token").filter(|t| !t.is_empty()) else {
        return error("InvalidParameter", "Invalid parameter: Token");
    };
    if token != ctx.config.sns_subscription_token {
        return error("InvalidParameter", "Invalid token");
    }
    Reply::typed(
        StatusCode::OK,
        SNS_XML,
        format!(
            "<ConfirmSubscriptionResponse xmlns=\"{SNS_NAMESPACE}\"><ConfirmSubscriptionResult><SubscriptionArn>{}:{}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>",
            xml_escape(&topic_arn),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4()
        ),
    )
}

/// `arn:{partition}:sns:{region}:{account}:{name}`, every part non-empty.
fn is_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    matches!(parts.as_slice(), ["arn", _, "sns", _, _, _]) && parts.iter().all(|p| !p.is_empty())
}

/// `text` with XML's special characters escaped.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_names() {
        assert!(is_certificate(
            "SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
        ));
        assert!(is_certificate("SimpleNotificationService-x.pem"));
        for bad in [
            "SimpleNotificationService-.pem",
            "SimpleNotificationService-x.crt",
            "Other-x.pem",
            "",
        ] {
            assert!(!is_certificate(bad), "{bad}");
        }
    }

    #[test]
    fn topic_arns() {
        assert!(is_topic_arn("arn:aws:sns:eu-west-1:123456789012:alarms"));
        assert!(is_topic_arn(
            "arn:aws-cn:sns:cn-north-1:123456789012:a.fifo"
        ));
        for bad in [
            "",
            "alarms",
            "arn:aws:sqs:eu-west-1:123456789012:alarms",
            "arn:aws:sns:eu-west-1:123456789012",
            "arn:aws:sns::123456789012:alarms",
            "arn:aws:sns:eu-west-1:123456789012:alarms:extra",
        ] {
            assert!(!is_topic_arn(bad), "{bad}");
        }
    }

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
