//! Reading write-back settings: sinks, lists of sinks, and what is never printed.

use super::*;

#[test]
fn debug_output_never_shows_a_password_or_token() {
    for (source, json, secret) in [
        (
            Source::ServiceNow,
            r#"{"instance_url": "https://acme.service-now.com", "username": "bridge", "password": "pw-s3cr3t"}"#,
            "pw-s3cr3t",
        ),
        (Source::GitHub, r#"{"token": "ghp_t0k3n"}"#, "ghp_t0k3n"),
        (
            Source::Jira,
            r#"{"base_url": "https://acme.atlassian.net", "email": "b@acme.test", "api_token": "at-s3cr3t"}"#,
            "at-s3cr3t",
        ),
    ] {
        let shown = format!("{:?}", Credentials::parse(source, json).unwrap());
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}

#[test]
fn alert_sources_may_list_up_to_four_sinks() {
    let slack = r#"{"sink": "slack", "webhook_url": "https://hooks.slack.com/services/T/B/x"}"#;
    let sns = r#"{"sink": "sns", "topic_arn": "arn:aws:sns:us-east-1:123456789012:a"}"#;
    let two = Credentials::parse(Source::Grafana, &format!("[{slack}, {sns}]")).unwrap();
    assert!(
        matches!(&two, Credentials::Sinks(s) if s.len() == 2),
        "{two:?}"
    );
    assert!(!format!("{two:?}").contains("hooks.slack.com"), "redacted");
    for (json, problem) in [
        ("[]".to_owned(), "a list of sinks holds 1 to 4 sink objects"),
        (
            format!("[{slack}, {slack}, {slack}, {slack}, {slack}]"),
            "a list of sinks holds 1 to 4 sink objects",
        ),
        (
            format!("[{slack}, [{slack}]]"),
            "sink 1: must be a sink object",
        ),
        (
            r#"[{"sink": "email"}]"#.to_owned(),
            "sink 0: 'sink' must be slack, teams, sns or one of servicenow, jira, github, gitlab",
        ),
    ] {
        assert_eq!(
            Credentials::parse(Source::Grafana, &json).unwrap_err(),
            problem
        );
    }
    assert_eq!(
        Credentials::parse(Source::Jira, &format!("[{slack}]")).unwrap_err(),
        "a list of sinks is for the alert sources"
    );
}

#[test]
fn sns_sinks_take_a_topic_arn_and_nothing_else() {
    let sink = |arn: &str| {
        Credentials::parse(
            Source::CloudWatch,
            &format!(r#"{{"sink": "sns", "topic_arn": "{arn}"}}"#),
        )
    };
    for good in [
        "arn:aws:sns:us-east-1:123456789012:alert-analyses",
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b",
        "arn:aws:sns:eu-west-1:123456789012:analyses.fifo",
    ] {
        assert_eq!(
            sink(good),
            Ok(Credentials::Sns {
                topic_arn: good.into()
            })
        );
    }
    for bad in [
        "arn:aws:sqs:us-east-1:123456789012:q",
        "arn:aws:sns:us-east-1:1234:t",
        "arn:aws:sns:us-east-1:123456789012:",
        "arn:aws:sns:us-east-1:123456789012:t:sub",
        "arn:aws:sns:us-east-1:123456789012:t/../x",
        "https://sns.us-east-1.amazonaws.com/",
    ] {
        assert!(sink(bad).is_err(), "{bad}");
    }
    assert!(Credentials::parse(Source::GitHub, r#"{"sink": "sns", "topic_arn": "x"}"#).is_err());
}

#[test]
fn base_urls_lose_their_trailing_slash() {
    assert_eq!(
        Credentials::parse(
            Source::ServiceNow,
            r#"{"instance_url": "https://acme.service-now.com/", "username": "u", "password": "p"}"#
        ),
        Ok(Credentials::ServiceNow {
            instance_url: "https://acme.service-now.com".into(),
            username: "u".into(),
            password: "p".into()
        })
    );
}
