//! Amazon SNS's subscriber endpoints: the signing certificate (or S3's `NoSuchKey`) and
//! `ConfirmSubscription`, answered in SNS's XML.

use http::StatusCode;
use local_ticketing::{RunningTicketing, TicketingConfig};

use crate::support::{JSON, send, server};

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBlocal\n-----END CERTIFICATE-----\n";
const CERT_PATH: &str = "/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem";
const TOPIC_ARN: &str = "arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms";
/// `TOPIC_ARN` as a `SubscribeURL` carries it.
const TOPIC_ARN_ENCODED: &str = "arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Acloudwatch-alarms";
const XML: Option<&str> = Some("text/xml");

async fn get(url: String) -> crate::support::Answer {
    send("GET", url, &[], String::new()).await
}

/// The text between `<tag>` and `</tag>` (panics if absent).
fn element<'a>(xml: &'a str, tag: &str) -> &'a str {
    let start = xml.find(&format!("<{tag}>")).expect(tag) + tag.len() + 2;
    let end = xml.find(&format!("</{tag}>")).expect(tag);
    &xml[start..end]
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.split('-').map(str::len).eq([8, 4, 4, 4, 12])
}

#[tokio::test]
async fn sns_certificate_is_served_whatever_its_id_and_recorded() {
    let config = TicketingConfig {
        sns_certificate_pem: Some(PEM.into()),
        ..TicketingConfig::default()
    };
    let s = RunningTicketing::start("127.0.0.1:0", config)
        .await
        .expect("start");
    for path in [CERT_PATH, "/SimpleNotificationService-other.pem"] {
        let a = get(format!("{}{path}", s.endpoint_url())).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.content_type(), Some("application/x-x509-ca-cert"));
        assert_eq!(a.text, PEM);
    }

    let recorded = s.requests_for("/SimpleNotificationService-");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].path, CERT_PATH);
    assert_eq!(recorded[0].query, None);
    assert_eq!(recorded[0].status, 200);
    assert!(!recorded[0].scripted);
}

#[tokio::test]
async fn sns_certificate_without_one_is_no_such_key_and_only_get_is_allowed() {
    let s = server().await;
    let url = format!("{}{CERT_PATH}", s.endpoint_url());
    let a = get(url.clone()).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.content_type(), Some("application/xml"));
    assert_eq!(
        a.text,
        "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
    );

    for method in ["POST", "PUT", "DELETE"] {
        let a = send(method, url.clone(), &[], String::new()).await;
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }

    // Not a certificate name: an unknown path, as before.
    let a = get(format!(
        "{}/SimpleNotificationService-x.crt",
        s.endpoint_url()
    ))
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.content_type(), JSON);

    let statuses: Vec<_> = s.requests().iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [404, 405, 405, 405, 404]);
}

#[tokio::test]
async fn sns_confirm_subscription_answers_a_subscription_arn_and_is_recorded() {
    let s = server().await;
    let query =
        format!("Action=ConfirmSubscription&TopicArn={TOPIC_ARN_ENCODED}&Token=local-sns-token");
    let a = get(format!("{}/?{query}", s.endpoint_url())).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type(), XML);
    assert!(a.text.starts_with(
        "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ConfirmSubscriptionResult><SubscriptionArn>"
    ));
    let subscription = element(&a.text, "SubscriptionArn");
    let id = subscription
        .strip_prefix(&format!("{TOPIC_ARN}:"))
        .expect("the SubscriptionArn starts with the TopicArn");
    assert!(is_uuid(id), "{id}");
    assert!(is_uuid(element(&a.text, "RequestId")));

    // Each confirmation is a new subscription.
    let again = get(format!("{}/?{query}", s.endpoint_url())).await;
    assert_ne!(element(&again.text, "SubscriptionArn"), subscription);

    let [r, _] = s.requests().try_into().unwrap();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/");
    assert_eq!(r.query.as_deref(), Some(query.as_str()));
    assert_eq!(r.status, 200);
    assert!(!r.scripted);
}

#[tokio::test]
async fn sns_refuses_missing_parameters_a_wrong_token_and_other_actions() {
    let s = server().await;
    let base = s.endpoint_url();
    let cases = [
        (
            format!("Action=ConfirmSubscription&TopicArn={TOPIC_ARN_ENCODED}"),
            "InvalidParameter",
            "Invalid parameter: Token",
        ),
        (
            format!("Action=ConfirmSubscription&TopicArn={TOPIC_ARN_ENCODED}&Token="),
            "InvalidParameter",
            "Invalid parameter: Token",
        ),
        (
            "Action=ConfirmSubscription&Token=local-sns-token".into(),
            "InvalidParameter",
            "Invalid parameter: TopicArn",
        ),
        (
            format!("Action=ConfirmSubscription&TopicArn={TOPIC_ARN_ENCODED}&Token=stale"),
            "InvalidParameter",
            "Invalid token",
        ),
        (
            format!("Action=Unsubscribe&TopicArn={TOPIC_ARN_ENCODED}&Token=local-sns-token"),
            "InvalidAction",
            "Could not find operation Unsubscribe for version 2010-03-31",
        ),
    ];
    for (query, code, message) in &cases {
        let a = get(format!("{base}/?{query}")).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(a.content_type(), XML);
        assert!(
            a.text.starts_with(
                "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
            ),
            "{}",
            a.text
        );
        assert_eq!(element(&a.text, "Code"), *code, "{query}");
        assert_eq!(element(&a.text, "Message"), *message, "{query}");
        assert!(is_uuid(element(&a.text, "RequestId")));
    }

    // The root without an `Action` is still an unknown path.
    for url in [format!("{base}/"), format!("{base}/?Token=local-sns-token")] {
        let a = get(url).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(a.content_type(), JSON);
    }

    let recorded = s.requests();
    let statuses: Vec<_> = recorded.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [400, 400, 400, 400, 400, 404, 404]);
    assert_eq!(recorded[3].query.as_deref(), Some(cases[3].0.as_str()));
}

#[tokio::test]
async fn sns_honours_scripted_failures() {
    let s = server().await;
    s.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let url = format!(
        "{}/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN_ENCODED}&Token=local-sns-token",
        s.endpoint_url()
    );
    let a = get(url.clone()).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers["retry-after"], "1");
    assert_eq!(get(url).await.status, StatusCode::OK);

    let recorded: Vec<_> = s
        .requests()
        .iter()
        .map(|r| (r.status.as_u16(), r.scripted))
        .collect();
    assert_eq!(recorded, [(503, true), (200, false)]);
}
