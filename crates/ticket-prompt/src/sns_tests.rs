use super::*;
use serde_json::{Value, json};

/// A notification as SNS delivers it (the shape of the example in the SNS developer guide's
/// "HTTP/HTTPS notification JSON format").
fn notification() -> Value {
    json!({"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic", "Subject": "My First Message",
        "Message": "Hello world!", "Timestamp": "2012-05-02T00:54:06.655Z", "SignatureVersion": "1",
        "Signature": "EXAMPLEw6JRN...",
        "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
        "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0"})
}

fn confirmation() -> Value {
    json!({"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a7a1ae",
        "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
        "Message": "You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.",
        "SubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37fb",
        "Timestamp": "2012-04-26T20:45:04.751Z", "SignatureVersion": "2", "Signature": "EXAMPLEpH+",
        "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"})
}

fn parse(v: &Value) -> Result<SnsEnvelope, SnsError> {
    SnsEnvelope::parse(v.to_string().as_bytes())
}

#[test]
fn the_notification_string_to_sign_is_snss_field_order() {
    let n = parse(&notification()).unwrap();
    assert_eq!(n.kind, SnsKind::Notification);
    assert_eq!(n.digest(), Ok(SnsDigest::Sha1));
    assert_eq!(
        n.string_to_sign(),
        "Message\nHello world!\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\nMy First Message\n\
         Timestamp\n2012-05-02T00:54:06.655Z\nTopicArn\narn:aws:sns:us-west-2:123456789012:MyTopic\nType\nNotification\n"
    );
    let mut no_subject = notification();
    no_subject.as_object_mut().unwrap().remove("Subject");
    assert!(
        !parse(&no_subject)
            .unwrap()
            .string_to_sign()
            .contains("Subject")
    );
}

#[test]
fn the_confirmation_string_to_sign_carries_its_url_and_token() {
    let c = parse(&confirmation()).unwrap();
    assert_eq!(c.kind, SnsKind::SubscriptionConfirmation);
    assert_eq!(c.digest(), Ok(SnsDigest::Sha256));
    let s = c.string_to_sign();
    let names: Vec<&str> = s.lines().step_by(2).collect();
    assert_eq!(
        names,
        [
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type"
        ]
    );
    assert_eq!(
        c.subscribe_url().unwrap().host_str(),
        Some("sns.us-west-2.amazonaws.com")
    );
}

#[test]
fn only_sns_hosts_are_followed() {
    for url in [
        "http://sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-west-2.amazonaws.com.evil.example/x.pem",
        "https://evil.example/sns.us-west-2.amazonaws.com/x.pem",
        "https://sns.amazonaws.com/x.pem",
        "https://sns.us-west-2.amazonaws.com:8443/x.pem",
        "https://user@sns.us-west-2.amazonaws.com/x.pem",
        "https://sns.us-west-2.amazonaws.com/x.txt",
        "https://sns.us-west-2.amazonaws.com/x.pem?redirect=1",
        "https://s3.us-west-2.amazonaws.com/x.pem",
        "not a url",
    ] {
        let mut n = notification();
        n["SigningCertURL"] = json!(url);
        assert_eq!(
            parse(&n).unwrap().signing_cert_url(),
            Err(SnsError::ForeignUrl("SigningCertURL")),
            "{url}"
        );
    }
    let mut cn = notification();
    cn["SigningCertURL"] =
        json!("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem");
    assert!(parse(&cn).unwrap().signing_cert_url().is_ok());

    for url in [
        "https://evil.example/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic",
        "https://sns.us-west-2.amazonaws.com/?Action=Subscribe&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic",
        "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:999999999999:Other",
    ] {
        let mut c = confirmation();
        c["SubscribeURL"] = json!(url);
        assert_eq!(
            parse(&c).unwrap().subscribe_url(),
            Err(SnsError::ForeignUrl("SubscribeURL")),
            "{url}"
        );
    }
}

#[test]
fn bad_envelopes_are_refused_before_anything_is_fetched() {
    assert!(SnsEnvelope::parse(b"{}").is_err());
    assert!(SnsEnvelope::parse(b"not json").is_err());
    let mut other = notification();
    other["Type"] = json!("Publish");
    assert_eq!(parse(&other).unwrap_err(), SnsError::Malformed("Type"));
    let mut tokenless = confirmation();
    tokenless.as_object_mut().unwrap().remove("Token");
    assert!(parse(&tokenless).is_err());
    let mut v3 = notification();
    v3["SignatureVersion"] = json!("3");
    assert_eq!(parse(&v3).unwrap().digest(), Err(SnsError::Version));
}
