#!/usr/bin/env python3
"""Rebuilds the CloudWatch-through-SNS fixtures in events/: REST proxy events whose body is an SNS
envelope signed, as SNS signs, with the test key in crates/webhook-bridge/tests/bridge/support/keys
(openssl does the RSA signing, so the bridge's own verifier is checked against another signer).

The alarm is aws/aws-lambda-go's events/testdata/cloudwatch-alarm-sns-payload-single-metric.json
message with a real region, account and name; the envelopes follow the SNS developer guide's
"HTTP/HTTPS notification JSON format" and "subscription confirmation JSON format"."""
import base64, json, pathlib, subprocess, uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
KEY = ROOT / "crates/webhook-bridge/tests/bridge/support/keys/sns-signing-key.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:cloudwatch-alarms"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
TEMPLATE = json.loads((ROOT / "events/pagerduty-incident-triggered.json").read_text())


def sign(envelope, names, digest):
    text = "".join(f"{n}\n{envelope[n]}\n" for n in names if n in envelope)
    sig = subprocess.run(["openssl", "dgst", f"-{digest}", "-sign", str(KEY)], input=text.encode(),
                         capture_output=True, check=True).stdout
    envelope["Signature"] = base64.b64encode(sig).decode()
    return envelope


def proxy_event(envelope, message_type, request_id):
    ev = json.loads(json.dumps(TEMPLATE))
    ev["path"] = "/webhook/cloudwatch"
    ev["pathParameters"] = {"source": "cloudwatch"}
    ev["requestContext"]["path"] = "/prod/webhook/cloudwatch"
    ev["requestContext"]["requestId"] = request_id
    ev["requestContext"]["identity"]["userAgent"] = "Amazon Simple Notification Service Agent"
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Host": TEMPLATE["headers"]["Host"],
        "User-Agent": "Amazon Simple Notification Service Agent",
        "X-Amzn-Trace-Id": "Root=1-6740a1b2-5c3d4e5f60718293a4b5c6d7",
        "X-Forwarded-For": "54.240.197.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": envelope["MessageId"],
        "x-amz-sns-topic-arn": TOPIC,
    }
    if message_type == "Notification":
        headers["x-amz-sns-subscription-arn"] = TOPIC + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
    ev["headers"] = headers
    ev["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    ev["body"] = json.dumps(envelope)
    ev["isBase64Encoded"] = False
    return ev


alarm = {
    "AlarmName": "checkout-api-5xx", "AlarmDescription": "5xx responses from the checkout API above 5 per minute",
    "AWSAccountId": "123456789012", "AlarmConfigurationUpdatedTimestamp": "2026-11-02T10:00:00.000+0000",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [42.0 (22/11/26 09:11:00)] was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).",
    "StateChangeTime": "2026-11-22T09:12:00.123+0000", "Region": "US East (N. Virginia)",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-5xx", "OldStateValue": "OK",
    "OKActions": [], "AlarmActions": [TOPIC], "InsufficientDataActions": [],
    "Trigger": {"MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "StatisticType": "Statistic",
                "Statistic": "SUM", "Unit": None,
                "Dimensions": [{"value": "checkout-api", "name": "ApiName"}, {"value": "prod", "name": "Stage"}],
                "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0, "TreatMissingData": "missing",
                "EvaluateLowSampleCountPercentile": ""},
}
notification = sign({
    "Type": "Notification", "MessageId": "5b9a2d5e-3f1c-5d5e-9c47-0a7d3a3b2f11", "TopicArn": TOPIC,
    "Subject": 'ALARM: "checkout-api-5xx" in US East (N. Virginia)', "Message": json.dumps(alarm),
    "Timestamp": "2026-11-22T09:12:00.171Z", "SignatureVersion": "1", "SigningCertURL": CERT_URL,
    "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + TOPIC + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
}, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"], "sha1")
token = "local-sns-token"
confirmation = sign({
    "Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "Token": token,
    "TopicArn": TOPIC,
    "Message": f"You have chosen to subscribe to the topic {TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
    "SubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token={token}",
    "Timestamp": "2026-11-22T09:00:04.751Z", "SignatureVersion": "2", "SigningCertURL": CERT_URL,
}, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"], "sha256")

for name, env, kind, rid in [
    ("cloudwatch-alarm.json", notification, "Notification", "3f1d6c0e-8a4b-4c1d-9e2f-5a6b7c8d9e01"),
    ("cloudwatch-subscription-confirmation.json", confirmation, "SubscriptionConfirmation",
     "3f1d6c0e-8a4b-4c1d-9e2f-5a6b7c8d9e02"),
]:
    (ROOT / "events" / name).write_text(json.dumps(proxy_event(env, kind, rid), indent=2) + "\n")
    print("wrote events/" + name)
