"""Writes the bad-input corpus: API Gateway REST proxy events that must each be refused with a
4xx JSON error carrying a code, without an agent call. Run from the repository root:

    python3 tests/corpus/generate.py

The files are committed; this script documents how they were made and makes more.
Each file: {"event": <proxy event>, "expect": {"status": N, "code": "CODE"}}.
"""

import base64
import json
import pathlib

OUT = pathlib.Path(__file__).parent / "bad"
SOURCES = ["servicenow", "jira", "zendesk", "pagerduty", "github", "alertmanager", "grafana", "sentry", "gitlab", "linear",
           "datadog", "newrelic", "dynatrace", "generic"]
# Splunk is keyed by a query token and has its own cases below.


def event(body, *, source="servicenow", method="POST", path=None, headers=None, b64=False, stage="prod", query=None):
    path = path or f"/webhook/{source}"
    h = {"Content-Type": "application/json", "Host": "api.example.com", "x-api-key": "corpus-key"}
    h.update(headers or {})
    if isinstance(body, bytes):
        body_text, b64 = base64.b64encode(body).decode(), True
    elif b64:
        body_text = base64.b64encode(body.encode()).decode()
    else:
        body_text = body
    return {
        "resource": "/webhook/{source}", "path": path, "httpMethod": method, "headers": h,
        "multiValueHeaders": {k: [v] for k, v in h.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"source": path.rsplit("/", 1)[-1]}, "stageVariables": None,
        "requestContext": {"resourcePath": "/webhook/{source}", "httpMethod": method, "path": f"/{stage}{path}",
                           "accountId": "123456789012", "stage": stage, "requestId": "corpus-request",
                           "identity": {"sourceIp": "203.0.113.9", "apiKeyId": "corpuskey"}, "apiId": "corpus"},
        "body": body_text, "isBase64Encoded": b64,
    }


cases = []


def add(name, ev, status, code):
    cases.append((name, ev, status, code))


# Malformed JSON, for every source.
malformed = {
    "truncated": '{"number": "INC1", "short_description": "x',
    "trailing-comma": '{"number": "INC1",}',
    "single-quotes": "{'number': 'INC1'}",
    "nan": '{"number": NaN}',
    "comment": '{"number": "INC1" /* c */}',
    "bare-word": "hello",
    "empty": "",
    "whitespace": "   \n\t ",
    "unclosed-array": "[1, 2",
    "double-object": '{"a": 1}{"b": 2}',
    "lone-surrogate": '{"number": "\\ud800"}x',
    "bad-escape": '{"number": "\\q"}',
    "deep-nesting": "[" * 5000 + "]" * 5000,
    "deep-object": '{"a":' * 3000 + "1" + "}" * 3000,
    "control-in-string": '{"number": "INC\x01\x02"',
    "bom-prefixed-garbage": "\ufeff{nope}",
}
for source in SOURCES:
    for name, body in malformed.items():
        add(f"{source}-malformed-{name}", event(body, source=source), 400, "INVALID_JSON")
    for name, body in {"array": "[1,2,3]", "string": '"text"', "number": "42", "null": "null", "true": "true"}.items():
        add(f"{source}-not-an-object-{name}", event(body, source=source), 400, "INVALID_JSON")
    add(f"{source}-invalid-utf8", event(b'{"number": "\xff\xfe\xfd"}', source=source), 400, "INVALID_JSON")
    add(f"{source}-latin1", event('{"number": "Caf\xe9"}'.encode("latin-1"), source=source), 400, "INVALID_JSON")

# Missing required fields and wrong types, per source (field paths as each vendor nests them).
required = {
    "servicenow": ({"short_description": "x"}, {"number": "INC1"}, lambda v: {"number": v, "short_description": "x"}),
    "jira": ({"webhookEvent": "jira:issue_created", "issue": {"fields": {"summary": "x"}}},
             {"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-1", "fields": {}}},
             lambda v: {"webhookEvent": "jira:issue_created", "issue": {"key": v, "fields": {"summary": "x"}}}),
    "zendesk": ({"type": "zen:event-type:ticket.created", "detail": {"subject": "x"}},
                {"type": "zen:event-type:ticket.created", "detail": {"id": "1"}},
                lambda v: {"type": "zen:event-type:ticket.created", "detail": {"id": v, "subject": "x"}}),
    "pagerduty": ({"event": {"event_type": "incident.triggered", "data": {"title": "x"}}},
                  {"event": {"event_type": "incident.triggered", "data": {"number": 1}}},
                  lambda v: {"event": {"event_type": "incident.triggered", "data": {"number": v, "title": "x"}}}),
    "github": ({"action": "opened", "issue": {"title": "x"}},
               {"action": "opened", "issue": {"number": 1}},
               lambda v: {"action": "opened", "issue": {"number": v, "title": "x"}}),
    "sentry": ({"action": "triggered", "data": {"event": {"title": "x"}}},
               {"action": "triggered", "data": {"event": {"issue_id": "1"}}},
               lambda v: {"action": "triggered", "data": {"event": {"issue_id": v, "title": "x"}}}),
    "gitlab": ({"object_kind": "issue", "object_attributes": {"action": "open", "title": "x"}},
               {"object_kind": "issue", "object_attributes": {"action": "open", "iid": 1}},
               lambda v: {"object_kind": "issue", "object_attributes": {"action": "open", "iid": v, "title": "x"}}),
    "linear": ({"action": "create", "type": "Issue", "data": {"title": "x"}},
               {"action": "create", "type": "Issue", "data": {"identifier": "ENG-1"}},
               lambda v: {"action": "create", "type": "Issue", "data": {"identifier": v, "title": "x"}}),
    "datadog": ({"title": "x", "transition": "Triggered"}, {"id": "1", "transition": "Triggered"},
                lambda v: {"id": v, "title": "x", "transition": "Triggered"}),
    "newrelic": ({"title": "x", "state": "ACTIVATED"}, {"id": "1", "state": "ACTIVATED"},
                 lambda v: {"id": v, "title": "x", "state": "ACTIVATED"}),
    "dynatrace": ({"ProblemTitle": "x", "State": "OPEN"}, {"ProblemID": "P-1", "State": "OPEN"},
                  lambda v: {"ProblemID": v, "ProblemTitle": "x", "State": "OPEN"}),
    "generic": ({"title": "x"}, {"id": "1"}, lambda v: {"id": v, "title": "x"}),
}
for source, (no_id, no_text, with_id) in required.items():
    headers = {"X-GitHub-Event": "issues"} if source == "github" else \
        {"Sentry-Hook-Resource": "event_alert"} if source == "sentry" else {}
    add(f"{source}-missing-id", event(json.dumps(no_id), source=source, headers=headers), 400, "MISSING_REQUIRED_FIELD")
    add(f"{source}-missing-text", event(json.dumps(no_text), source=source, headers=headers), 400, "MISSING_REQUIRED_FIELD")
    add(f"{source}-blank-id", event(json.dumps(with_id("   ")), source=source, headers=headers), 400, "MISSING_REQUIRED_FIELD")
    for name, bad in {
        "id-array": ["INC1"], "id-bool": True, "id-object": {"no": "display"}, "id-spaces": "INC 1",
        "id-slash": "INC1/../../etc", "id-angle": "<script>", "id-quote": "INC1\"x", "id-newline": "INC1\nx",
        "id-too-long": "X" * 65, "id-unicode": "ＩＮＣ１", "id-semicolon": "1;DROP TABLE", "id-percent": "INC%2F1",
    }.items():
        add(f"{source}-{name}", event(json.dumps(with_id(bad)), source=source, headers=headers), 400,
            "INVALID_FIELD")

# Field types and values (ServiceNow).
for name, body in {
    "title-array": {"number": "INC1", "short_description": ["x"]},
    "title-bool": {"number": "INC1", "short_description": False},
    "description-object": {"number": "INC1", "description": {"link": "x"}},
    "priority-array": {"number": "INC1", "short_description": "x", "priority": [1]},
    "sys-id-short": {"number": "INC1", "short_description": "x", "sys_id": "abc"},
    "sys-id-traversal": {"number": "INC1", "short_description": "x", "sys_id": "../../../../etc/passwd/aaaaaaa"},
    "sys-id-not-hex": {"number": "INC1", "short_description": "x", "sys_id": "g" * 32},
    "caller-bool": {"number": "INC1", "short_description": "x", "caller_id": True},
    "group-array": {"number": "INC1", "short_description": "x", "assignment_group": ["a"]},
    "state-bool": {"number": "INC1", "short_description": "x", "state": True},
}.items():
    add(f"servicenow-{name}", event(json.dumps(body)), 400, "INVALID_FIELD")
add("jira-description-not-adf", event(json.dumps({"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-1", "fields": {
    "summary": "x", "description": {"type": "paragraph"}}}}), source="jira"), 400, "INVALID_FIELD")
add("generic-labels-number", event(json.dumps({"id": "1", "title": "x", "labels": 5}), source="generic"), 400, "INVALID_FIELD")
add("github-labels-object", event(json.dumps({"action": "opened", "issue": {"number": 1, "title": "x", "labels": {"a": 1}}}),
                                  source="github", headers={"X-GitHub-Event": "issues"}), 400, "INVALID_FIELD")

# Alert groups (Alertmanager's and Grafana's bodies): the group key and a list of alerts.
for source in ["alertmanager", "grafana"]:
    group = {"groupKey": "{}:{alertname=\"x\"}", "status": "firing", "commonLabels": {"alertname": "x"}}
    for name, body in {
        "missing-group-key": ({**group, "groupKey": None, "alerts": []}, "MISSING_REQUIRED_FIELD"),
        "group-key-array": ({**group, "groupKey": ["a"], "alerts": []}, "INVALID_FIELD"),
        "alerts-missing": (group, "INVALID_FIELD"),
        "alerts-object": ({**group, "alerts": {"status": "firing"}}, "INVALID_FIELD"),
        "alerts-string": ({**group, "alerts": "firing"}, "INVALID_FIELD"),
        "nothing-to-name-it": ({"groupKey": "{}:{}", "status": "firing", "alerts": [{"status": "firing"}]},
                               "MISSING_REQUIRED_FIELD"),
        "summary-array": ({**group, "alerts": [], "commonAnnotations": {"summary": ["x"]}}, "INVALID_FIELD"),
    }.items():
        add(f"{source}-{name}", event(json.dumps(body[0]), source=source), 400, body[1])

# Splunk's alert action (the runner signs it with a query token, so each case carries the token).
def splunk(body, token="corpus-splunk"):
    return event(json.dumps(body) if not isinstance(body, str) else body, source="splunk",
                 query=None if token is None else {"token": token})
for name, (body, code) in {
    "missing-sid": ({"search_name": "x", "result": {"a": "1"}}, "MISSING_REQUIRED_FIELD"),
    "sid-object": ({"sid": {"no": "display"}, "search_name": "x"}, "INVALID_FIELD"),
    "nothing-to-name-it": ({"sid": "s1"}, "MISSING_REQUIRED_FIELD"),
    "result-array": ({"sid": "s1", "search_name": "x", "result": [1]}, "INVALID_FIELD"),
    "search-name-bool": ({"sid": "s1", "search_name": True}, "INVALID_FIELD"),
}.items():
    add(f"splunk-{name}", splunk(body), 400, code)
add("splunk-malformed", splunk("{nope"), 400, "INVALID_JSON")

# Size.
big = json.dumps({"number": "INC1", "short_description": "x", "description": "A" * 263_000})
for source in SOURCES:
    add(f"{source}-body-too-large", event(big, source=source), 413, "PAYLOAD_TOO_LARGE")
add("servicenow-body-too-large-base64", event(big, b64=True), 413, "PAYLOAD_TOO_LARGE")

# Methods and paths.
ok_body = json.dumps({"number": "INC1", "short_description": "x"})
for method in ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]:
    for source in ["servicenow", "github"]:
        add(f"{source}-method-{method.lower()}", event(ok_body, source=source, method=method), 405, "METHOD_NOT_ALLOWED")
for name, path in {
    "root": "/", "webhook-only": "/webhook", "plural": "/webhooks/servicenow", "extra-segment": "/webhook/servicenow/extra",
    "double-slash-extra": "/webhook/servicenow/x/y", "v1-no-agent": "/v1/agents/invoke",
    "v1-extra": "/v1/agents/x/y/invoke", "v2": "/v2/agents/default/invoke",
    "dotfile": "/.env", "admin": "/admin", "encoded-slash": "/webhook%2Fservicenow",
}.items():
    add(f"path-{name}", event(ok_body, path=path), 404, "NOT_FOUND")
for name, source in {
    "remedy": "remedy", "uppercase": "ServiceNow", "traversal": "..", "script": "<script>", "unicode": "sérvicenow",
    "long": "x" * 300, "space": "service now", "dot": "servicenow.json", "empty-like": "%20", "sql": "x'OR'1'='1",
}.items():
    add(f"source-unknown-{name}", event(ok_body, path=f"/webhook/{source}"), 404, "UNSUPPORTED_SOURCE")

# Jobs and modes (the runner has no jobs table or queue).
for method in ["POST", "PUT", "DELETE"]:
    add(f"jobs-method-{method.lower()}", event(ok_body, path="/jobs/job_0123456789abcdef0123456789abcdef", method=method),
        405, "METHOD_NOT_ALLOWED")
for name, job in {"unknown": "job_0123456789abcdef0123456789abcdef", "malformed": "not-a-job-id", "dots": "..", "long": "j" * 300}.items():
    add(f"jobs-get-{name}", event("", path=f"/jobs/{job}", method="GET"), 404, "JOB_NOT_FOUND")
for name, mode in {"bogus": "later", "empty": "", "upper": "ASYNC"}.items():
    add(f"mode-{name}", event(ok_body, query={"mode": mode}), 400, "INVALID_MODE")
add("mode-async-without-queue", event(ok_body, query={"mode": "async"}), 400, "ASYNC_NOT_ENABLED")
add("prefer-async-without-queue", event(ok_body, headers={"Prefer": "respond-async"}), 400, "ASYNC_NOT_ENABLED")

# The invoke API (POST /v1/agents/{agent}/invoke): bad requests never reach the agent.
INVOKE = "/v1/agents/default/invoke"
SESSION = "cli-session-0123456789abcdef0123456789"
for name, (body, status, code) in {
    "ticket-body": (ok_body, 400, "INVALID_FIELD"),
    "no-query": (json.dumps({"session_id": SESSION}), 400, "MISSING_REQUIRED_FIELD"),
    "blank-query": (json.dumps({"query": "   "}), 400, "MISSING_REQUIRED_FIELD"),
    "null-query": (json.dumps({"query": None}), 400, "MISSING_REQUIRED_FIELD"),
    "number-query": (json.dumps({"query": 42}), 400, "INVALID_FIELD"),
    "empty-session": (json.dumps({"query": "q", "session_id": ""}), 400, "INVALID_FIELD"),
    "session-charset": (json.dumps({"query": "q", "session_id": "s" * 40 + "/../x"}), 400, "INVALID_FIELD"),
    "context-string": (json.dumps({"query": "q", "context": "ctx"}), 400, "INVALID_FIELD"),
    "parameters-list": (json.dumps({"query": "q", "parameters": [1]}), 400, "INVALID_FIELD"),
    "temperature-high": (json.dumps({"query": "q", "parameters": {"temperature": 9}}), 400, "INVALID_FIELD"),
    "max-tokens-zero": (json.dumps({"query": "q", "parameters": {"max_tokens": 0}}), 400, "INVALID_FIELD"),
    "user-id-not-enabled": (json.dumps({"query": "q", "user_id": "alice"}), 400, "INVALID_FIELD"),
    "misspelt-field": (json.dumps({"query": "q", "sessionId": SESSION}), 400, "INVALID_FIELD"),
    "invalid-json": ("{query", 400, "INVALID_JSON"),
    "array": (json.dumps(["query"]), 400, "INVALID_JSON"),
    "empty": ("", 400, "INVALID_JSON"),
    "too-large": (json.dumps({"query": "q" * 263_000}), 413, "PAYLOAD_TOO_LARGE"),
}.items():
    add(f"invoke-{name}", event(body, path=INVOKE), status, code)
for name, agent in {"unknown": "nope", "uppercase": "Default", "traversal": "..", "long": "a" * 80}.items():
    add(f"invoke-agent-{name}", event(json.dumps({"query": "q"}), path=f"/v1/agents/{agent}/invoke"), 404, "AGENT_NOT_FOUND")
for method in ["GET", "PUT", "DELETE"]:
    add(f"invoke-method-{method.lower()}", event(json.dumps({"query": "q"}), path=INVOKE, method=method), 405, "METHOD_NOT_ALLOWED")

# Signatures (the runner configures signing secrets for github, jira, pagerduty, zendesk, grafana,
# sentry, linear, gitlab, alertmanager and generic; see corpus.rs).
gh_body = json.dumps({"action": "opened", "issue": {"number": 1, "title": "x"}})
for name, sig in {
    "missing": None, "empty": "", "no-prefix": "abc123", "sha1": "sha1=" + "0" * 40, "wrong": "sha256=" + "0" * 64,
    "not-hex": "sha256=zz", "truncated": "sha256=abcd", "uppercase-prefix": "SHA256=" + "0" * 64,
    "two-values": "sha256=" + "0" * 64 + ",sha256=" + "1" * 64,
}.items():
    headers = {"X-GitHub-Event": "issues"}
    if sig is not None:
        headers["X-Hub-Signature-256"] = sig
    add(f"github-signature-{name}", event(gh_body, source="github", headers=headers), 401, "INVALID_SIGNATURE")
for name, sig in {"missing": None, "v0": "v0=" + "0" * 64, "wrong": "v1=" + "0" * 64, "garbage": ",,,"}.items():
    headers = {} if sig is None else {"X-PagerDuty-Signature": sig}
    add(f"pagerduty-signature-{name}", event(json.dumps({"event": {"event_type": "incident.triggered"}}), source="pagerduty",
                                             headers=headers), 401, "INVALID_SIGNATURE")
add("jira-signature-wrong", event(json.dumps({"webhookEvent": "jira:issue_created"}), source="jira",
                                  headers={"X-Hub-Signature": "sha256=" + "0" * 64}), 401, "INVALID_SIGNATURE")
zd_body = json.dumps({"type": "zen:event-type:ticket.created"})
for name, headers in {
    "missing-timestamp": {"X-Zendesk-Webhook-Signature": "AAAA"},
    "bad-timestamp": {"X-Zendesk-Webhook-Signature": "AAAA", "X-Zendesk-Webhook-Signature-Timestamp": "yesterday"},
    "not-base64": {"X-Zendesk-Webhook-Signature": "!!!", "X-Zendesk-Webhook-Signature-Timestamp": "2026-01-01T00:00:00Z"},
    "wrong": {"X-Zendesk-Webhook-Signature": "AAAA", "X-Zendesk-Webhook-Signature-Timestamp": "2026-01-01T00:00:00Z"},
}.items():
    add(f"zendesk-signature-{name}", event(zd_body, source="zendesk", headers=headers), 401, "INVALID_SIGNATURE")
for name, headers in {
    "missing": {}, "ts-not-number": {"X-Signature": "AAAA", "X-Signature-Timestamp": "now"},
    "wrong": {"X-Signature": "AAAA", "X-Signature-Timestamp": "1795338720000"},
}.items():
    add(f"generic-signature-{name}", event(json.dumps({"id": "1", "title": "x"}), source="generic", headers=headers), 401,
        "INVALID_SIGNATURE")

am_body = json.dumps({"groupKey": "{}:{}", "status": "firing", "alerts": []})
for name, headers in {
    "grafana-missing": ("grafana", {}),
    "grafana-missing-timestamp": ("grafana", {"X-Grafana-Alerting-Signature": "0" * 64}),
    "grafana-timestamp-not-number": ("grafana", {"X-Grafana-Alerting-Signature": "0" * 64,
                                                 "X-Grafana-Alerting-Signature-Timestamp": "now"}),
    "grafana-not-hex": ("grafana", {"X-Grafana-Alerting-Signature": "zz",
                                    "X-Grafana-Alerting-Signature-Timestamp": "1795338720"}),
    "grafana-wrong": ("grafana", {"X-Grafana-Alerting-Signature": "0" * 64,
                                  "X-Grafana-Alerting-Signature-Timestamp": "1795338720"}),
    "sentry-missing": ("sentry", {"Sentry-Hook-Resource": "event_alert"}),
    "sentry-wrong": ("sentry", {"Sentry-Hook-Signature": "0" * 64}),
    "sentry-prefixed": ("sentry", {"Sentry-Hook-Signature": "sha256=" + "0" * 64}),
    "linear-missing": ("linear", {}),
    "linear-wrong": ("linear", {"Linear-Signature": "0" * 64}),
    "gitlab-missing": ("gitlab", {"X-Gitlab-Event": "Issue Hook"}),
    "gitlab-wrong": ("gitlab", {"X-Gitlab-Token": "guess"}),
    "gitlab-empty": ("gitlab", {"X-Gitlab-Token": ""}),
    "alertmanager-missing": ("alertmanager", {}),
    "alertmanager-basic": ("alertmanager", {"Authorization": "Basic YTpi"}),
    "alertmanager-wrong": ("alertmanager", {"Authorization": "Bearer guess"}),
    "alertmanager-no-scheme": ("alertmanager", {"Authorization": "corpus-am-bearer"}),
    "splunk-token-in-a-header": ("splunk", {"token": "corpus-splunk"}),
}.items():
    add(f"{name}-signature", event(am_body, source=headers[0], headers=headers[1]), 401, "INVALID_SIGNATURE")

# CloudWatch through SNS: refused before any certificate is fetched (the runner lists no topic).
sns_envelope = {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                "Message": "{}", "Timestamp": "2026-11-22T09:12:00.000Z", "SignatureVersion": "1", "Signature": "AAAA",
                "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"}
for name, body in {
    "not-an-envelope": {"AlarmName": "x"},
    "unknown-type": {**sns_envelope, "Type": "Publish"},
    "foreign-certificate": {**sns_envelope, "SigningCertURL": "https://attacker.example/x.pem"},
    "unlisted-topic": sns_envelope,
    "malformed": "{nope",
}.items():
    add(f"cloudwatch-{name}", event(body if isinstance(body, str) else json.dumps(body), source="cloudwatch"), 401,
        "INVALID_SIGNATURE")

for name, token in {"missing": None, "wrong": "guess", "blank": "  ", "prefix": "corpus-splun"}.items():
    add(f"splunk-signature-{name}", splunk({"sid": "s1", "search_name": "x"}, token), 401, "INVALID_SIGNATURE")

# Header oddities (the runner uses SESSION_POLICY=caller).
for name, sid in {"blank": "   ", "spaces": "a" * 20 + " " + "b" * 20, "slash": "a" * 40 + "/x", "long": "a" * 300,
                  "unicode": "é" * 40, "quote": "a" * 40 + '"'}.items():
    add(f"session-header-{name}", event(ok_body, headers={"X-Agent-Session-Id": sid}), 400, "INVALID_SESSION_ID")

OUT.mkdir(parents=True, exist_ok=True)
for old in OUT.glob("*.json"):
    old.unlink()
for i, (name, ev, status, code) in enumerate(cases):
    (OUT / f"{i:03d}-{name}.json").write_text(json.dumps({"event": ev, "expect": {"status": status, "code": code}}) + "\n")
print(f"{len(cases)} cases written to {OUT}")
