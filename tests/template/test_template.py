"""Checks on template.yaml after SAM's own transform (offline), so they see the CloudFormation
that would really be deployed: every route needs an API key, and the function may invoke the
configured runtime only. Run by `make test` with the tools venv (aws-sam-cli ships samtranslator).
"""

import functools
import json
import os
import re
import unittest
from pathlib import Path

from samcli.lib.cfn_language_extensions.api import create_default_intrinsic_resolver
from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
from samcli.lib.cfn_language_extensions.processors.foreach import ForEachProcessor
from samcli.lib.cfn_language_extensions.processors.parsing import TemplateParsingProcessor
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
SIGNING_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/signing-AbCdEf"


class _NoNetworkPolicyLoader:
    """The transform resolves managed policy names through IAM; the two this template's
    function uses are answered locally."""

    def load(self):
        return {
            "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        }


def load_template():
    return yaml_parse((ROOT / "template.yaml").read_text())


def expand_for_each(template, parameters):
    """AWS::LanguageExtensions' Fn::ForEach, expanded by SAM CLI's own implementation of it (its
    other steps also resolve intrinsics locally, which CloudFormation leaves to deploy time)."""
    context = TemplateProcessingContext(fragment=template, parameter_values=parameters)
    TemplateParsingProcessor().process_template(context)
    ForEachProcessor(create_default_intrinsic_resolver(context)).process_template(context)
    expanded = context.fragment
    expanded["Transform"] = [t for t in expanded["Transform"] if t != "AWS::LanguageExtensions"]
    return expanded


def transformed(**parameters):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parameters = {"AgentRuntimeArn": SAMPLE_ARN, **parameters}
    template = expand_for_each(load_template(), parameters)
    # `sam package` replaces the local CodeUri with an S3 location before the transform.
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/webhook.zip"
    return transform(template, parameters, _NoNetworkPolicyLoader())


def plain(value):
    """A Fn::Sub with nothing left to substitute, as CloudFormation reads it: the string."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str) \
            and "${" not in value["Fn::Sub"]:
        return value["Fn::Sub"]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def resources_of(cfn, type_name):
    return {k: r for k, r in cfn["Resources"].items() if r["Type"] == type_name}


def as_list(value):
    return value if isinstance(value, list) else [value]


@functools.cache
def parameter_defaults():
    return {name: p.get("Default", "") for name, p in load_template()["Parameters"].items()}


def evaluate(expr, params, conditions=None):
    """The condition and rule functions this template uses, over parameter values (a parameter
    not given has its default)."""
    if isinstance(expr, (str, int)):
        return str(expr)
    (fn, arg), = expr.items()
    if fn == "Ref":
        default = parameter_defaults().get(arg, "")
        return str(params.get(arg, default))
    if fn == "Condition":
        return evaluate(conditions[arg], params, conditions)
    if fn == "Fn::Equals":
        return evaluate(arg[0], params, conditions) == evaluate(arg[1], params, conditions)
    if fn == "Fn::Not":
        return not evaluate(arg[0], params, conditions)
    if fn == "Fn::Or":
        return any(evaluate(a, params, conditions) for a in arg)
    if fn == "Fn::And":
        return all(evaluate(a, params, conditions) for a in arg)
    if fn == "Fn::Join":
        separator, items = arg
        values = evaluate(items, params, conditions)
        return separator.join(values if isinstance(values, list) else [v for v in values.split(",") if v])
    raise AssertionError(f"unexpected function {fn}")


def rule_holds(rule, params):
    if not evaluate(rule["RuleCondition"], params):
        return True
    return all(evaluate(a["Assert"], params) for a in rule["Assertions"])


def granted(cfn, role_id, params):
    """The statements role_id holds when deployed with params (a parameter not given has its
    default): its inline policies and the stack's managed policies it attaches, with every
    condition (the role's, an attachment's Fn::If, the policy's, a statement's Fn::If) evaluated.
    A role absent under params holds nothing."""
    conditions, resources = cfn["Conditions"], cfn["Resources"]
    holds = lambda name: evaluate({"Condition": name}, params, conditions)
    role = resources[role_id]
    if "Condition" in role and not holds(role["Condition"]):
        return []
    documents = [p["PolicyDocument"] for p in role["Properties"].get("Policies", [])]
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Fn::If" in arn:
            condition, when_true, when_false = arn["Fn::If"]
            arn = when_true if holds(condition) else when_false
        if not (isinstance(arn, dict) and arn.get("Ref") in resources):
            continue  # an AWS managed policy, or AWS::NoValue
        policy = resources[arn["Ref"]]
        # Attaching a policy that does not exist under params would fail the deployment.
        assert "Condition" not in policy or holds(policy["Condition"]), (role_id, arn["Ref"], params)
        documents.append(policy["Properties"]["PolicyDocument"])
    statements = []
    for document in documents:
        for stmt in document["Statement"]:
            if "Fn::If" in stmt:
                condition, when_true, when_false = stmt["Fn::If"]
                stmt = when_true if holds(condition) else when_false
                if stmt == {"Ref": "AWS::NoValue"}:
                    continue
            statements.append(stmt)
    return statements


def readable_refs(cfn, role_id, params):
    """The parameters (*SecretRef) and resources whose secret or parameter role_id may read."""
    reads = {"secretsmanager:GetSecretValue", "ssm:GetParameter"}
    return {r["Ref"] for s in granted(cfn, role_id, params) if reads & set(as_list(s["Action"]))
            for r in as_list(s["Resource"]) if isinstance(r, dict) and "Ref" in r}


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sam = load_template()
        cls.cfn = transformed()

    def api_paths(self, logical_id):
        return self.cfn["Resources"][logical_id]["Properties"]["Body"]["paths"]

    def test_every_route_of_the_main_api_requires_an_api_key(self):
        paths = self.api_paths("WebhookApi")
        self.assertIn("/webhook/{source}", paths)
        routes = 0
        for path, methods in paths.items():
            for method, spec in methods.items():
                routes += 1
                self.assertIn({"api_key": []}, spec.get("security", []), f"{method.upper()} {path}")
        self.assertGreater(routes, 0)

    def test_api_keys_come_from_the_key_authorizer_on_every_method_uncached(self):
        api = self.cfn["Resources"]["WebhookApi"]["Properties"]
        self.assertEqual(api["ApiKeySourceType"], "AUTHORIZER")
        schemes = api["Body"]["securityDefinitions"]
        authorizer = schemes["ApiKeyAuthorizer"]["x-amazon-apigateway-authorizer"]
        self.assertEqual(authorizer["type"], "request")
        # Not cached: with a cache, a request without the cached identity source would be a 401
        # before the authorizer ran, so one of the two key headers could never be used.
        self.assertEqual(authorizer["authorizerResultTtlInSeconds"], 0)
        self.assertNotIn("identitySource", authorizer)
        uri = json.dumps(authorizer["authorizerUri"])
        self.assertIn('{"Fn::GetAtt": ["ApiKeyAuthorizerFunction", "Arn"]}', uri)
        for path, methods in api["Body"]["paths"].items():
            for method, spec in methods.items():
                self.assertIn({"ApiKeyAuthorizer": []}, spec.get("security", []), f"{method.upper()} {path}")
                self.assertIn({"api_key": []}, spec.get("security", []), f"{method.upper()} {path}: the key is still required")
        self.assertEqual(self.sam["Resources"]["ApiKeyAuthorizerFunction"]["Metadata"],
                         {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "authorizer"}})
        # API Gateway may call it (SAM's permission), and it may call nothing in AWS.
        permissions = [r["Properties"] for r in resources_of(self.cfn, "AWS::Lambda::Permission").values()
                       if r["Properties"]["FunctionName"] == {"Fn::GetAtt": ["ApiKeyAuthorizerFunction", "Arn"]}]
        self.assertEqual([p["Principal"] for p in permissions], ["apigateway.amazonaws.com"])
        role = self.cfn["Resources"]["ApiKeyAuthorizerFunctionRole"]["Properties"]
        self.assertEqual(role.get("Policies", []), [])
        for arn in role["ManagedPolicyArns"]:
            self.assertRegex(json.dumps(arn), r"AWSLambdaBasicExecutionRole|AWSXrayWriteOnlyAccess")
        responses = api["Body"]["x-amazon-apigateway-gateway-responses"]
        self.assertEqual(responses["UNAUTHORIZED"]["statusCode"], "401")
        self.assertIn('"API_KEY_REQUIRED"', responses["UNAUTHORIZED"]["responseTemplates"]["application/json"])

    def test_key_less_routes_exist_only_for_signing_senders(self):
        # A signing sender's route exists with its secret; SNS's (CloudWatch) with a listed topic.
        enabled_by = lambda s: "HasCloudWatchTopics" if s in self.SNS_SOURCES else f"Has{s}Secret"
        self.assertEqual(
            self.cfn["Conditions"]["HasKeylessSource"],
            {"Fn::Or": [{"Condition": enabled_by(s)} for s in self.KEYLESS_SOURCES]},
        )
        conditions = self.cfn["Conditions"]
        for source in self.SIGNED_SOURCES:
            keyless = evaluate({"Condition": "HasKeylessSource"}, {f"{source}SigningSecretRef": SIGNING_ARN}, conditions)
            self.assertEqual(keyless, source in self.KEYLESS_SOURCES, source)
        keyless = lambda **p: evaluate({"Condition": "HasKeylessSource"}, p, conditions)
        self.assertFalse(keyless(), "no secret, no topic: no key-less API")
        self.assertTrue(keyless(CloudWatchTopicArns=self.TOPIC_ARN), "a listed SNS topic alone")
        self.assertTrue(keyless(CloudWatchTopicArns=f"{self.TOPIC_ARN},{self.TOPIC_ARN}-2"))
        conditional = {k for k, r in self.cfn["Resources"].items() if r.get("Condition") == "HasKeylessSource"}
        for logical_id in ["SignedWebhookApi", "SignedWebhookFunction", "SignedWebhookFunctionRole"]:
            self.assertIn(logical_id, conditional)
        paths = self.api_paths("SignedWebhookApi")
        self.assertEqual(sorted(paths), sorted(f"/webhook/{s.lower()}" for s in self.KEYLESS_SOURCES),
                         "no other source is reachable without a key")
        signed_fn = self.cfn["Resources"]["SignedWebhookFunction"]["Properties"]
        self.assertEqual(signed_fn["Environment"]["Variables"]["REQUIRE_SIGNATURES"], "true")
        for logical_id, resource in self.cfn["Resources"].items():
            if resource["Type"] == "AWS::Lambda::Permission" and "SignedWebhook" in logical_id:
                self.assertEqual(resource.get("Condition"), "HasKeylessSource", logical_id)

    def test_unsigned_sources_have_no_signing_secret(self):
        self.assertEqual(sorted(self.SIGNED_SOURCES + self.UNSIGNED_SOURCES), sorted(self.SOURCES))
        # Their deliveries carry no shared-secret signature (the API key in custom headers, or
        # SNS's own RSA signature): a signing secret would be a configuration error, so the
        # template offers none, grants none and sets none.
        env = self.cfn["Resources"]["WebhookFunction"]["Properties"]["Environment"]["Variables"]
        for source in self.UNSIGNED_SOURCES:
            self.assertNotIn(f"{source}SigningSecretRef", self.sam["Parameters"], source)
            self.assertNotIn(f"Has{source}Secret", self.cfn["Conditions"], source)
            self.assertNotIn(f"{source.upper()}_WEBHOOK_SECRET_REF", env, source)
            self.assertNotIn(f"{source.upper()}_WEBHOOK_SECRET", env, source)
            if source not in self.SNS_SOURCES:
                self.assertNotIn(source, self.KEYLESS_SOURCES, "they send x-api-key: keyed API only")
        # SNS sends no key: CloudWatch is key-less, vouched for by SNS's signature and the topic
        # allow-list, which both webhook functions read.
        signed_env = self.cfn["Resources"]["SignedWebhookFunction"]["Properties"]["Environment"]["Variables"]
        for source in self.SNS_SOURCES:
            self.assertIn(source, self.KEYLESS_SOURCES, source)
            param = self.sam["Parameters"]["CloudWatchTopicArns"]
            self.assertEqual((param["Type"], param["Default"]), ("CommaDelimitedList", ""))
            for variables in (env, signed_env):
                self.assertEqual(variables["CLOUDWATCH_TOPIC_ARNS"], {"Fn::Join": [",", {"Ref": "CloudWatchTopicArns"}]})
        pattern = re.compile(self.sam["Parameters"]["CloudWatchTopicArns"]["AllowedPattern"])
        for ok in ["", self.TOPIC_ARN, "arn:aws-cn:sns:cn-north-1:123456789012:ops_alarms"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["*", "alarms", "arn:aws:sns:us-east-1:123456789012:*", "arn:aws:sns:us-east-1:1234:alarms",
                    "arn:aws:sqs:us-east-1:123456789012:alarms", "arn:aws:sns:us-east-1:123456789012:"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)
        for source in self.SIGNED_SOURCES:
            self.assertIn(f"{source}SigningSecretRef", self.sam["Parameters"], source)
            self.assertEqual(env[f"{source.upper()}_WEBHOOK_SECRET_REF"], {"Ref": f"{source}SigningSecretRef"}, source)

    def test_every_source_has_its_mode_events_and_integration_users(self):
        env = self.cfn["Resources"]["WebhookFunction"]["Properties"]["Environment"]["Variables"]
        worker_env = self.cfn["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
        for source in self.SOURCES:
            for suffix, variable in [("Mode", "MODE"), ("Events", "EVENTS"), ("IntegrationUsers", "INTEGRATION_USERS")]:
                self.assertIn(f"{source}{suffix}", self.sam["Parameters"], source)
                self.assertEqual(env[f"{source.upper()}_{variable}"], {"Ref": f"{source}{suffix}"}, source)
                # Globals: the worker reads the same settings.
                self.assertEqual(worker_env[f"{source.upper()}_{variable}"], {"Ref": f"{source}{suffix}"}, source)
            self.assertEqual(self.sam["Parameters"][f"{source}Mode"]["AllowedValues"], ["sync", "async"], source)

    def test_the_template_stays_within_cloudformation_limits(self):
        # At most 200 parameters; Fn::And and Fn::Or take 2 to 10 conditions each.
        self.assertLessEqual(len(self.sam["Parameters"]), 200)

        def check(expr, where):
            if isinstance(expr, list):
                for item in expr:
                    check(item, where)
            elif isinstance(expr, dict):
                for fn, arg in expr.items():
                    if fn in ("Fn::And", "Fn::Or"):
                        self.assertTrue(2 <= len(arg) <= 10, f"{where}: {fn} with {len(arg)} conditions")
                    check(arg, where)

        for name, expr in self.cfn["Conditions"].items():
            check(expr, name)
        for name, rule in self.cfn.get("Rules", {}).items():
            check(rule, name)

    def test_each_integration_has_its_own_key_usage_plan_and_directory_entry(self):
        cfn = transformed(Integrations="ServiceNowProd,GitHubAcme,OpsCli")
        names = ["ServiceNowProd", "GitHubAcme", "OpsCli"]
        keys = resources_of(cfn, "AWS::ApiGateway::ApiKey")
        plans = resources_of(cfn, "AWS::ApiGateway::UsagePlan")
        plan_keys = resources_of(cfn, "AWS::ApiGateway::UsagePlanKey")
        entries = resources_of(cfn, "AWS::SSM::Parameter")
        self.assertEqual(sorted(keys), sorted(f"Integration{n}ApiKey" for n in names))
        self.assertEqual(len(plans), 3, "one usage plan per integration, no shared plan")
        stage = self.sam["Resources"]["WebhookApi"]["Properties"]
        for name in names:
            plan = plans[f"Integration{name}UsagePlan"]["Properties"]
            self.assertEqual(plan["Throttle"], {"RateLimit": {"Ref": "ThrottleRateLimit"}, "BurstLimit": {"Ref": "ThrottleBurstLimit"}})
            self.assertEqual(plan["Quota"], {"Limit": {"Ref": "QuotaLimit"}, "Period": {"Ref": "QuotaPeriod"}})
            # SAM resolves WebhookApi.Stage to the stage it creates.
            self.assertEqual(plan["ApiStages"], [{"ApiId": {"Ref": "WebhookApi"}, "Stage": {"Ref": "WebhookApiStage"}}])
            self.assertEqual(plain(plan_keys[f"Integration{name}UsagePlanKey"]["Properties"]), {
                "KeyId": {"Fn::GetAtt": [f"Integration{name}ApiKey", "APIKeyId"]},
                "UsagePlanId": {"Fn::GetAtt": [f"Integration{name}UsagePlan", "Id"]},
                "KeyType": "API_KEY",
            }, "each key in its own plan only")
            entry = plain(entries[f"Integration{name}Parameter"]["Properties"])
            self.assertEqual(entry["Name"], {"Fn::Sub": "/${AWS::StackName}/integrations/" + name})
            self.assertEqual(entry["Type"], "String", "a key id, not the key: no secret is stored")
            self.assertEqual(entry["Value"], {"Fn::GetAtt": [f"Integration{name}ApiKey", "APIKeyId"]})
        self.assertNotIn("WebhookApiApiKey", cfn["Resources"], "no key shared by every caller")
        self.assertNotIn("UsagePlan", stage.get("Auth", {}))

    def test_the_webhook_function_reads_exactly_the_integration_directory(self):
        env = self.cfn["Resources"]["WebhookFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(env["INTEGRATIONS_PARAMETER_PATH"], {"Fn::Sub": "/${AWS::StackName}/integrations"})
        self.assertEqual(env["INTEGRATIONS_CHOOSING_MODE"], {"Fn::Join": [",", {"Ref": "IntegrationsChoosingMode"}]})
        self.assertEqual(env["INTEGRATIONS_ASSERTING_USERS"], {"Fn::Join": [",", {"Ref": "IntegrationsAssertingUsers"}]})
        reads = [s for c, s in self.all_statements() if "ssm:GetParametersByPath" in as_list(s["Action"])]
        self.assertEqual([s["Resource"] for s in reads], [
            {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/integrations"}
        ])
        role = self.cfn["Resources"]["WebhookFunctionRole"]["Properties"]
        self.assertIn({"Ref": "IntegrationDirectoryPolicy"}, role["ManagedPolicyArns"])
        for other in ["SignedWebhookFunctionRole", "StreamFunctionRole", "WorkerFunctionRole"]:
            self.assertNotIn({"Ref": "IntegrationDirectoryPolicy"}, self.cfn["Resources"][other]["Properties"]["ManagedPolicyArns"], other)
        # The default stack: a ServiceNow integration and an invoke caller.
        self.assertEqual(sorted(resources_of(self.cfn, "AWS::ApiGateway::ApiKey")), ["IntegrationInvokeApiKey", "IntegrationServiceNowApiKey"])

    def all_statements(self):
        """(condition, statement) for every statement of the roles and managed policies; a
        statement inside Fn::If carries its condition's name, any other statement of a
        conditional managed policy the policy's condition."""
        found = []
        documents = [(None, p["PolicyDocument"]) for r in resources_of(self.cfn, "AWS::IAM::Role").values()
                     for p in r["Properties"].get("Policies", [])]
        documents += [(m.get("Condition"), m["Properties"]["PolicyDocument"])
                      for m in resources_of(self.cfn, "AWS::IAM::ManagedPolicy").values()]
        for policy_condition, document in documents:
            for stmt in document["Statement"]:
                if "Fn::If" in stmt:
                    condition, when_true, when_false = stmt["Fn::If"]
                    self.assertEqual(when_false, {"Ref": "AWS::NoValue"})
                    found.append((condition, when_true))
                else:
                    found.append((policy_condition, stmt))
        return found

    def agentcore_statements(self):
        return [(c, s) for c, s in self.all_statements() if any("bedrock-agentcore" in a for a in as_list(s["Action"]))]

    FUNCTION_ROLES = ["WebhookFunctionRole", "SignedWebhookFunctionRole", "StreamFunctionRole", "WorkerFunctionRole"]
    SOURCES = ["ServiceNow", "Jira", "Zendesk", "PagerDuty", "GitHub", "Alertmanager", "Grafana", "Sentry",
               "GitLab", "Linear", "Datadog", "NewRelic", "Dynatrace", "Splunk", "CloudWatch", "Generic"]
    # Delivered by SNS, which signs with AWS's key (no shared secret) and sends no API key.
    SNS_SOURCES = ["CloudWatch"]
    # Datadog, New Relic and Dynatrace sign nothing (the API key in their custom headers
    # authenticates them), nor does CloudWatch with a secret (SNS signs): no signing secret, no
    # read grant, no variable.
    UNSIGNED_SOURCES = ["Datadog", "NewRelic", "Dynatrace"] + SNS_SOURCES
    SIGNED_SOURCES = ["ServiceNow", "Jira", "Zendesk", "PagerDuty", "GitHub", "Alertmanager", "Grafana",
                      "Sentry", "GitLab", "Linear", "Splunk", "Generic"]
    # The senders that cannot send x-api-key: the key-less API serves exactly these.
    KEYLESS_SOURCES = ["GitHub", "Jira", "Sentry", "Linear", "Splunk", "CloudWatch"]
    TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alarms"
    # Ticket write-back needs the source's signing secret; alert sources post to a chat channel
    # fixed by configuration, signed or not.
    TICKET_WRITE_BACK_SOURCES = ["ServiceNow", "GitHub", "Jira", "GitLab", "Linear"]
    CHAT_WRITE_BACK_SOURCES = ["Alertmanager", "Grafana", "Sentry", "Datadog", "NewRelic", "Dynatrace", "Splunk",
                               "CloudWatch"]
    WRITE_BACK_SOURCES = TICKET_WRITE_BACK_SOURCES + CHAT_WRITE_BACK_SOURCES
    KMS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def every_secret(self, **extra):
        """Parameters referencing every signing, write-back and chat-auth secret."""
        params = {f"{s}SigningSecretRef": SIGNING_ARN for s in self.SIGNED_SOURCES}
        params.update({f"{s}WriteBackSecretRef": SIGNING_ARN for s in self.WRITE_BACK_SOURCES})
        params["ChatAuthSecretRef"] = SIGNING_ARN
        params.update(extra)
        return params

    def test_every_function_shares_the_agent_policy_which_holds_no_secrets(self):
        for role_id in self.FUNCTION_ROLES:
            role = self.cfn["Resources"][role_id]["Properties"]
            self.assertIn({"Ref": "AgentInvokePolicy"}, role["ManagedPolicyArns"], role_id)
        self.assertNotIn("BridgePolicy", self.cfn["Resources"], "no policy shared with every secret in it")
        agent = self.cfn["Resources"]["AgentInvokePolicy"]
        self.assertNotIn("Condition", agent)
        for stmt in agent["Properties"]["PolicyDocument"]["Statement"]:
            stmt = stmt["Fn::If"][1] if "Fn::If" in stmt else stmt
            actions = as_list(stmt["Action"])
            self.assertFalse([a for a in actions if a.startswith(("secretsmanager:", "kms:"))], stmt["Sid"])
            if stmt["Sid"] != "ReadTheNamedAgentsParameter":
                self.assertTrue(all(a.startswith("bedrock-agentcore:") for a in actions), stmt["Sid"])
        for role_id in ["WebhookFunctionRole", "SignedWebhookFunctionRole", "StreamFunctionRole"]:
            role = self.cfn["Resources"][role_id]["Properties"]
            self.assertEqual(role.get("Policies", []), [], f"{role_id}: no other inline grants")
        for role_id in ["WebhookFunctionRole", "SignedWebhookFunctionRole"]:
            role = self.cfn["Resources"][role_id]["Properties"]
            self.assertIn({"Ref": "JobsClientPolicy"}, role["ManagedPolicyArns"], role_id)
        self.assertNotIn({"Ref": "JobsClientPolicy"}, self.cfn["Resources"]["StreamFunctionRole"]["Properties"]["ManagedPolicyArns"])

    def test_the_worker_and_stream_roles_cannot_read_signing_secrets(self):
        signing = {f"{s}SigningSecretRef" for s in self.SIGNED_SOURCES}
        write_back = {f"{s}WriteBackSecretRef" for s in self.WRITE_BACK_SOURCES}
        everything = self.every_secret()
        readable = {role: readable_refs(self.cfn, role, everything) for role in self.FUNCTION_ROLES}
        # Only the functions that verify signatures read the signing secrets; only those serving
        # the invoke API the chat-auth secret; only the worker the write-back credentials.
        self.assertEqual(readable["WebhookFunctionRole"], signing | {"ChatAuthSecretRef", "SessionSecret"})
        self.assertEqual(readable["SignedWebhookFunctionRole"], signing | {"SessionSecret"})
        self.assertEqual(readable["StreamFunctionRole"], {"ChatAuthSecretRef", "SessionSecret"})
        self.assertEqual(readable["WorkerFunctionRole"], write_back)
        # One signing secret: still only the webhook functions.
        one = {"GitHubSigningSecretRef": SIGNING_ARN}
        for role in ["StreamFunctionRole", "WorkerFunctionRole"]:
            self.assertFalse(readable_refs(self.cfn, role, one) & signing, role)
        for role in ["WebhookFunctionRole", "SignedWebhookFunctionRole"]:
            self.assertIn("GitHubSigningSecretRef", readable_refs(self.cfn, role, one), role)
        # Nothing referenced: no role reads a referenced secret, and no secret policy is deployed.
        for role in self.FUNCTION_ROLES:
            self.assertFalse({r for r in readable_refs(self.cfn, role, {}) if r.endswith("SecretRef")}, role)
        conditions = self.cfn["Conditions"]
        for policy in ["SigningSecretsPolicy", "ChatAuthSecretPolicy"]:
            condition = self.cfn["Resources"][policy]["Condition"]
            self.assertFalse(evaluate({"Condition": condition}, {}, conditions), policy)
        for source in self.SIGNED_SOURCES:
            self.assertTrue(evaluate({"Condition": "HasSigningSecret"}, {f"{source}SigningSecretRef": SIGNING_ARN}, conditions), source)
        # The key-less function exists only with a GitHub, Jira, Sentry, Linear or Splunk secret
        # or a CloudWatch topic; with a topic alone it exists without any signing secret (and
        # without the signing policy, which then does not exist).
        self.assertEqual(readable_refs(self.cfn, "SignedWebhookFunctionRole", {"ServiceNowSigningSecretRef": SIGNING_ARN}), set())
        topic = {"CloudWatchTopicArns": self.TOPIC_ARN}
        self.assertEqual(readable_refs(self.cfn, "SignedWebhookFunctionRole", topic), {"SessionSecret"})
        self.assertFalse(evaluate({"Condition": "HasSigningSecret"}, topic, conditions))
        self.assertEqual(readable_refs(self.cfn, "SignedWebhookFunctionRole", {**topic, "ZendeskSigningSecretRef": SIGNING_ARN}),
                         {"ZendeskSigningSecretRef", "SessionSecret"})

    def test_each_signing_secret_is_readable_only_when_referenced(self):
        reads = [(c, s) for c, s in self.all_statements()
                 if "secretsmanager:GetSecretValue" in as_list(s["Action"]) and (c or "").endswith("Secret")]
        # The only secret read without a condition is the stack's own session secret.
        unconditional = [s["Resource"] for c, s in self.all_statements()
                         if c is None and "secretsmanager:GetSecretValue" in as_list(s["Action"])]
        self.assertEqual(unconditional, [{"Ref": "SessionSecret"}])
        sources = self.SIGNED_SOURCES
        self.assertEqual(sorted(c for c, _ in reads),
                         sorted([f"Has{x}Secret" for x in sources] + ["HasChatAuthSecret"]))
        for condition, stmt in reads:
            name = condition[len("Has"):-len("Secret")]
            ref = "ChatAuthSecretRef" if name == "ChatAuth" else f"{name}SigningSecretRef"
            self.assertEqual(stmt["Resource"], {"Ref": ref})
            self.assertEqual(sorted(as_list(stmt["Action"])), ["secretsmanager:GetSecretValue", "ssm:GetParameter"])
        # Each in the policy of the functions that read it: signing secrets for the webhook
        # functions, the chat-auth secret for the invoke API's.
        def sids(policy):
            document = self.cfn["Resources"][policy]["Properties"]["PolicyDocument"]
            return {(s["Fn::If"][1] if "Fn::If" in s else s)["Sid"] for s in document["Statement"]}
        self.assertEqual(sids("SigningSecretsPolicy"),
                         {f"Read{x}SigningSecret" for x in sources} | {"DecryptTheSecretsKey"})
        self.assertEqual(sids("ChatAuthSecretPolicy"), {"ReadChatAuthSecret", "DecryptTheSecretsKey"})
        self.assertEqual(self.cfn["Resources"]["SigningSecretsPolicy"]["Condition"], "HasSigningSecret")
        self.assertEqual(self.cfn["Resources"]["ChatAuthSecretPolicy"]["Condition"], "HasChatAuthSecret")
        pattern = re.compile(self.sam["Parameters"]["GitHubSigningSecretRef"]["AllowedPattern"])
        for ok in ["", "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/gh-AbCdEf",
                   "arn:aws:ssm:eu-west-1:123456789012:parameter/bridge/gh"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        # ARNs only, so the grant names exactly what is read: no wildcards, names or values.
        for bad in ["*", "my-secret-value", "/bridge/gh", "arn:aws:s3:::bucket/key",
                    "arn:aws:secretsmanager:*:123456789012:secret:x"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_secret_references_are_full_arns(self):
        params = self.sam["Parameters"]
        refs = sorted(n for n in params if n.endswith("SecretRef"))
        self.assertEqual(len(refs), len(self.SIGNED_SOURCES) + len(self.WRITE_BACK_SOURCES) + 1, refs)  # signing, write-back, chat-auth
        # One rule for all, so none is left with the old partial-ARN pattern.
        self.assertEqual({params[n]["AllowedPattern"] for n in refs}, {params["GitHubSigningSecretRef"]["AllowedPattern"]})
        for name in refs:
            self.assertEqual(params[name]["Default"], "", name)
            self.assertIn("ConstraintDescription", params[name], name)
        pattern = re.compile(params["GitHubSigningSecretRef"]["AllowedPattern"])
        for ok in ["", SIGNING_ARN,
                   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/bridge_jira+x=y.z@w-Z9y8X7",
                   "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:bridge-a1B2c3",
                   "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:bridge/gh-AbCdEf",
                   "arn:aws:ssm:eu-west-1:123456789012:parameter/bridge/gh",
                   "arn:aws:ssm:eu-west-1:123456789012:parameter/bridge/servicenow/signing"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
        for bad in [
            secret + "bridge/gh",            # partial ARN: IAM never matches it
            secret + "bridge/signing",       # partial, suffix-like but 7 characters
            secret + "bridge/gh-AbCdE",      # suffix too short
            secret + "bridge/gh-??????",     # wildcard suffix
            secret + "bridge/*",
            secret + "*",
            secret + "bridge/gh-AbCdEf*",
            secret + "-AbCdEf",              # no name
            secret,
            "arn:aws:secretsmanager:us-east-1:123456789012:bridge/gh-AbCdEf",
            "arn:aws:secretsmanager:*:123456789012:secret:gh-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:*:secret:gh-AbCdEf",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/",
            "arn:aws:ssm:eu-west-1:123456789012:bridge/gh",
            "*", "bridge/gh-AbCdEf", "/bridge/gh", "arn:aws:s3:::bucket/key",
        ]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_the_secrets_key_is_decryptable_only_by_the_secret_readers(self):
        params = self.sam["Parameters"]["SecretsKmsKeyArn"]
        self.assertEqual(params["Default"], "")
        pattern = re.compile(params["AllowedPattern"])
        for ok in ["", self.KMS_KEY_ARN,
                   "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
                   "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["*", "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/bridge",
                    "arn:aws:kms:us-east-1:123456789012:alias/bridge",
                    "arn:aws:kms:us-east-1:123456789012:alias/*",
                    "arn:aws:kms:us-east-1:123456789012:key/*",
                    "arn:aws:kms:us-east-1:123456789012:*",
                    "arn:aws:kms:*:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890a?",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/gh-AbCdEf"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

        def decrypters(**p):
            """role -> its kms:Decrypt statements, for the roles that have any."""
            found = {}
            for role in self.FUNCTION_ROLES:
                stmts = [s for s in granted(self.cfn, role, p) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
                if stmts:
                    found[role] = stmts
            return found

        key = {"SecretsKmsKeyArn": self.KMS_KEY_ARN}
        self.assertEqual(decrypters(), {}, "no key, no Decrypt")
        self.assertEqual(decrypters(**self.every_secret()), {}, "secrets under AWS managed keys need no grant")
        self.assertEqual(decrypters(**key), {}, "a key but nothing to read with it")
        every = decrypters(**self.every_secret(**key))
        self.assertEqual(sorted(every), sorted(self.FUNCTION_ROLES))
        for role, stmts in every.items():
            for stmt in stmts:
                self.assertEqual(as_list(stmt["Action"]), ["kms:Decrypt"], role)
                self.assertEqual(stmt["Resource"], {"Ref": "SecretsKmsKeyArn"}, f"{role}: exactly the key")
                self.assertEqual(stmt["Condition"], {"StringEquals": {"kms:ViaService": [
                    {"Fn::Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}"},
                    {"Fn::Sub": "ssm.${AWS::Region}.${AWS::URLSuffix}"},
                ]}}, f"{role}: only through the services that hold the secrets")
        # Each role decrypts exactly when it reads a referenced secret.
        self.assertEqual(sorted(decrypters(ChatAuthSecretRef=SIGNING_ARN, **key)),
                         ["StreamFunctionRole", "WebhookFunctionRole"])
        self.assertEqual(sorted(decrypters(ZendeskSigningSecretRef=SIGNING_ARN, **key)), ["WebhookFunctionRole"])
        self.assertEqual(sorted(decrypters(GitHubSigningSecretRef=SIGNING_ARN, GitHubWriteBackSecretRef=SIGNING_ARN, **key)),
                         ["SignedWebhookFunctionRole", "WebhookFunctionRole", "WorkerFunctionRole"])
        self.assertIn("DecryptTheSecretsKey", {s["Sid"] for s in every["WorkerFunctionRole"]})

    def test_named_agent_arns_are_runtime_arns_without_wildcards(self):
        params = self.sam["Parameters"]
        named = params["NamedAgentRuntimeArns"]
        self.assertEqual(named["Type"], "CommaDelimitedList")
        self.assertEqual(named["AllowedPattern"], "^$|" + params["AgentRuntimeArn"]["AllowedPattern"])
        pattern = re.compile(named["AllowedPattern"])

        def accepted(value):
            # CloudFormation checks a CommaDelimitedList's AllowedPattern on each member.
            return all(pattern.fullmatch(member.strip()) for member in value.split(","))

        other = SAMPLE_ARN.replace("my_agent-AbCdEf1234", "research-XyZ0123456")
        for ok in [named["Default"], SAMPLE_ARN, f"{SAMPLE_ARN},{other}", f"{SAMPLE_ARN}, {other}"]:
            self.assertTrue(accepted(ok), ok)
        for bad in ["*", "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*",
                    f"{SAMPLE_ARN},arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*",
                    "arn:aws:bedrock-agentcore:us-east-1:123456789012:*",
                    "arn:aws:bedrock-agentcore:*:123456789012:runtime/my_agent-AbCdEf1234",
                    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-*",
                    f"{SAMPLE_ARN}/runtime-endpoint/*",
                    "arn:aws:bedrock:us-east-1:123456789012:agent/ABCDEFGHIJ",
                    "my_agent-AbCdEf1234"]:
            self.assertFalse(accepted(bad), bad)
        conditions = self.cfn["Conditions"]
        self.assertFalse(evaluate({"Condition": "HasNamedAgentArns"}, {}, conditions), "the default grants nothing")

    def test_the_log_level_never_logs_raw_events(self):
        level = self.sam["Parameters"]["LogLevel"]
        # At TRACE the Lambda runtime logs each raw event: API keys, signatures, tokens, tickets.
        self.assertNotIn("TRACE", level["AllowedValues"])
        self.assertEqual(level["Default"], "INFO")
        functions = resources_of(self.cfn, "AWS::Lambda::Function")
        self.assertEqual(len(functions), 5)
        for name, fn in functions.items():
            logging = fn["Properties"]["LoggingConfig"]
            self.assertEqual(logging["ApplicationLogLevel"], {"Ref": "LogLevel"}, name)
            self.assertEqual(logging["SystemLogLevel"], "WARN", name)
            self.assertNotIn("AWS_LAMBDA_LOG_LEVEL", fn["Properties"].get("Environment", {}).get("Variables", {}), name)
            self.assertNotIn("RUST_LOG", fn["Properties"].get("Environment", {}).get("Variables", {}), name)

    def test_dead_letters_are_kept_as_long_as_the_job_records(self):
        params = self.sam["Parameters"]
        retention = params["DeadLetterRetentionSeconds"]
        dlq = self.cfn["Resources"]["JobsDeadLetterQueue"]["Properties"]
        self.assertEqual(dlq["MessageRetentionPeriod"], {"Ref": "DeadLetterRetentionSeconds"})
        self.assertEqual(retention["Type"], "Number")
        self.assertEqual(retention["Default"], params["JobTtlSeconds"]["Default"], "tickets linger no longer than jobs")
        # SQS's own bounds: 60 s to 14 days.
        self.assertEqual((retention["MinValue"], retention["MaxValue"]), (60, 1209600))

    def test_condition_functions_and_parameters_stay_within_cloudformation_limits(self):
        # CloudFormation: Fn::Or and Fn::And take 2 to 10 conditions; at most 200 parameters.
        def walk(value, where):
            if isinstance(value, dict):
                for fn, arg in value.items():
                    if fn in ("Fn::Or", "Fn::And"):
                        self.assertTrue(2 <= len(arg) <= 10, f"{where}: {fn} of {len(arg)}")
                    walk(arg, where)
            elif isinstance(value, list):
                for item in value:
                    walk(item, where)
        for section in ("Conditions", "Rules"):
            for name, value in self.sam[section].items():
                walk(value, f"{section}.{name}")
        self.assertLessEqual(len(self.sam["Parameters"]), 200)

    def test_every_parameter_is_in_one_console_group(self):
        groups = self.sam["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
        grouped = [name for group in groups for name in group["Parameters"]]
        self.assertEqual(sorted(grouped), sorted(set(grouped)), "a parameter in two groups")
        self.assertEqual(sorted(grouped), sorted(self.sam["Parameters"]))

    def test_the_request_functions_key_sessions_with_a_generated_secret(self):
        secret = self.cfn["Resources"]["SessionSecret"]
        self.assertEqual(secret["Type"], "AWS::SecretsManager::Secret")
        self.assertGreaterEqual(secret["Properties"]["GenerateSecretString"]["PasswordLength"], 32)
        policy = self.cfn["Resources"]["SessionSecretPolicy"]["Properties"]["PolicyDocument"]
        self.assertEqual(policy["Statement"], [{
            "Sid": "ReadTheSessionSecret", "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "SessionSecret"}}])
        functions = resources_of(self.cfn, "AWS::Lambda::Function")
        readers = {"WebhookFunction", "StreamFunction", "SignedWebhookFunction"}
        for name, fn in functions.items():
            env = fn["Properties"].get("Environment", {}).get("Variables", {})
            role = self.cfn["Resources"][fn["Properties"]["Role"]["Fn::GetAtt"][0]]
            attached = role["Properties"].get("ManagedPolicyArns", [])
            if name in readers:
                self.assertEqual(env.get("SESSION_SECRET_REF"), {"Ref": "SessionSecret"}, name)
                self.assertIn({"Ref": "SessionSecretPolicy"}, attached, name)
            else:
                # The worker needs no sessions of its own: it neither reads nor is granted it.
                self.assertNotIn("SESSION_SECRET_REF", env, name)
                self.assertNotIn({"Ref": "SessionSecretPolicy"}, attached, name)

    def test_write_back_is_refused_for_a_source_without_a_signing_secret(self):
        def deployable(params):
            return all(rule_holds(rule, params) for rule in self.cfn["Rules"].values())

        arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/x-AbCdEf"
        for source in self.TICKET_WRITE_BACK_SOURCES:
            write_back, signing = f"{source}WriteBackSecretRef", f"{source}SigningSecretRef"
            self.assertIn(f"{source}WriteBackNeedsSigning", self.cfn["Rules"])
            self.assertFalse(deployable({write_back: arn}), source)
            self.assertTrue(deployable({write_back: arn, signing: arn}), source)
            self.assertTrue(deployable({signing: arn}), source)
        # A chat sink is fixed by configuration (no delivery chooses it): signed or not.
        for source in self.CHAT_WRITE_BACK_SOURCES:
            write_back, signing = f"{source}WriteBackSecretRef", f"{source}SigningSecretRef"
            self.assertNotIn(f"{source}WriteBackNeedsSigning", self.cfn["Rules"])
            self.assertTrue(deployable({write_back: arn}), source)
            self.assertTrue(deployable({write_back: arn, signing: arn}), source)
        self.assertTrue(deployable({}))

    def test_agent_permissions_name_exactly_the_runtime(self):
        runtime_only = [{"Ref": "AgentRuntimeArn"}, {"Fn::Sub": "${AgentRuntimeArn}/runtime-endpoint/*"}]
        statements = self.agentcore_statements()
        by_condition = {cond: s for cond, s in statements}
        self.assertEqual(sorted(map(str, by_condition)), ["HasNamedAgentArns", "NamesUsers", "None"])
        always = by_condition[None]
        self.assertEqual(
            as_list(always["Action"]),
            ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"],
        )
        self.assertEqual(always["Resource"], runtime_only)
        # All in the one policy every function attaches (all four call the agent).
        agent_sids = {(s["Fn::If"][1] if "Fn::If" in s else s)["Sid"] for s in
                      self.cfn["Resources"]["AgentInvokePolicy"]["Properties"]["PolicyDocument"]["Statement"]}
        self.assertEqual({s["Sid"] for _, s in statements} - agent_sids, set())
        for role_id in self.FUNCTION_ROLES:
            self.assertIn({"Ref": "AgentInvokePolicy"}, self.cfn["Resources"][role_id]["Properties"]["ManagedPolicyArns"], role_id)
        for _, stmt in statements:
            for resource in as_list(stmt["Resource"]):
                text = str(resource)
                self.assertNotEqual(text, "*")
                self.assertFalse(re.search(r"runtime/\*", text), f"wildcard runtime resource: {text}")

    def test_named_agents_are_granted_exactly_their_runtimes(self):
        stmt = dict(self.agentcore_statements())["HasNamedAgentArns"]
        self.assertEqual(
            as_list(stmt["Action"]),
            ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"],
        )
        # Evaluate the Split/Sub/Join expression for two ARNs, as CloudFormation would.
        arns = [SAMPLE_ARN, SAMPLE_ARN.replace("my_agent-AbCdEf1234", "research-XyZ0123456")]
        sep, (template, values) = stmt["Resource"]["Fn::Split"][0], stmt["Resource"]["Fn::Split"][1]["Fn::Sub"]
        text = template
        for name, expr in values.items():
            joiner, ref = expr["Fn::Join"]
            self.assertEqual(ref, {"Ref": "NamedAgentRuntimeArns"})
            text = text.replace("${%s}" % name, joiner.join(arns))
        self.assertEqual(
            text.split(sep),
            arns + [a + "/runtime-endpoint/*" for a in arns],
        )
        self.assertEqual(
            self.cfn["Conditions"]["HasNamedAgentArns"],
            {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "NamedAgentRuntimeArns"}]}, ""]}]},
        )
        reads = [(c, s) for c, s in self.all_statements() if c == "HasNamedAgentsParameter"]
        self.assertEqual(len(reads), 1)
        self.assertEqual(as_list(reads[0][1]["Action"]), ["ssm:GetParameter"])
        self.assertIn("parameter${NamedAgentsParameter}", reads[0][1]["Resource"]["Fn::Sub"])

    def test_streaming_function_url_is_iam_authenticated_and_streams(self):
        url = resources_of(self.cfn, "AWS::Lambda::Url")
        self.assertEqual(list(url), ["StreamFunctionUrl"])
        props = url["StreamFunctionUrl"]["Properties"]
        self.assertEqual(props["AuthType"], "AWS_IAM")
        self.assertEqual(props["InvokeMode"], "RESPONSE_STREAM")
        self.assertEqual(props["TargetFunctionArn"], {"Ref": "StreamFunction"})
        for perm in resources_of(self.cfn, "AWS::Lambda::Permission").values():
            self.assertNotEqual(perm["Properties"].get("FunctionUrlAuthType"), "NONE", "no public URL")
        fn = self.cfn["Resources"]["StreamFunction"]["Properties"]
        self.assertEqual(fn["Timeout"], 900)
        self.assertGreater(900, self.sam["Parameters"]["StreamAgentTimeoutSeconds"]["MaxValue"] + 10,
                           "the stream ends with an inline AGENT_TIMEOUT before Lambda kills it")
        env = fn["Environment"]["Variables"]
        self.assertEqual(env["AGENT_TIMEOUT_SECONDS"], {"Ref": "StreamAgentTimeoutSeconds"})
        self.assertEqual(env["STREAM_HEARTBEAT_SECONDS"], {"Ref": "StreamHeartbeatSeconds"})
        self.assertEqual(
            self.sam["Resources"]["StreamFunction"]["Metadata"],
            {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "stream"}},
        )
        self.assertEqual(self.sam["Outputs"]["StreamFunctionUrl"]["Value"], {"Fn::GetAtt": ["StreamFunctionUrl", "FunctionUrl"]})

    def test_jobs_table_and_queues(self):
        table = self.cfn["Resources"]["JobsTable"]["Properties"]
        self.assertEqual(table["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(table["KeySchema"], [{"AttributeName": "job_id", "KeyType": "HASH"}])
        self.assertEqual(table["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        queue = self.cfn["Resources"]["JobsQueue"]["Properties"]
        self.assertEqual(queue["RedrivePolicy"]["deadLetterTargetArn"], {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]})
        self.assertEqual(queue["RedrivePolicy"]["maxReceiveCount"], {"Ref": "JobMaxReceives"})
        self.assertGreater(queue["VisibilityTimeout"], self.sam["Parameters"]["WorkerTimeoutSeconds"]["MaxValue"],
                           "Lambda requires the visibility timeout to exceed the worker's timeout")
        for q in ["JobsQueue", "JobsDeadLetterQueue"]:
            self.assertTrue(self.cfn["Resources"][q]["Properties"]["SqsManagedSseEnabled"])

    def test_worker_consumes_the_queue_with_partial_batch_failures(self):
        mappings = resources_of(self.cfn, "AWS::Lambda::EventSourceMapping")
        self.assertEqual(len(mappings), 1)
        m = next(iter(mappings.values()))["Properties"]
        self.assertEqual(m["EventSourceArn"], {"Fn::GetAtt": ["JobsQueue", "Arn"]})
        self.assertEqual(m["FunctionName"], {"Ref": "WorkerFunction"})
        self.assertEqual(m["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(m["BatchSize"], 1)
        self.assertEqual(m["ScalingConfig"], {"MaximumConcurrency": {"Ref": "WorkerMaxConcurrency"}})
        fn = self.cfn["Resources"]["WorkerFunction"]["Properties"]
        self.assertEqual(fn["Timeout"], {"Ref": "WorkerTimeoutSeconds"})
        env = fn["Environment"]["Variables"]
        self.assertEqual(env["JOB_LEASE_SECONDS"], {"Ref": "WorkerTimeoutSeconds"})
        self.assertEqual(env["AGENT_TIMEOUT_SECONDS"], {"Ref": "WorkerAgentTimeoutSeconds"})
        self.assertLess(self.sam["Parameters"]["WorkerAgentTimeoutSeconds"]["Default"],
                        self.sam["Parameters"]["WorkerTimeoutSeconds"]["Default"])
        self.assertEqual(
            self.sam["Resources"]["WorkerFunction"]["Metadata"],
            {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "worker"}},
        )

    def test_job_permissions_are_least_privilege(self):
        client = self.cfn["Resources"]["JobsClientPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        self.assertEqual({s["Sid"]: (sorted(as_list(s["Action"])), s["Resource"]) for s in client}, {
            "RecordDeliveries": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                                 {"Fn::GetAtt": ["JobsTable", "Arn"]}),
            "QueueJobs": (["sqs:SendMessage"], {"Fn::GetAtt": ["JobsQueue", "Arn"]}),
        })
        worker_policies = self.cfn["Resources"]["WorkerFunctionRole"]["Properties"]["Policies"]
        statements = [s for p in worker_policies for s in p["PolicyDocument"]["Statement"]]
        plain = [s for s in statements if "Fn::If" not in s]
        actions = sorted(a for s in plain for a in as_list(s["Action"]))
        self.assertIn("dynamodb:UpdateItem", actions)
        self.assertNotIn("dynamodb:PutItem", actions, "the worker never creates jobs")
        self.assertFalse([a for a in actions if a.endswith("*")], actions)
        # The worker sends only to its own queue: a throttled job is put back there, delayed.
        senders = [s for s in plain if "sqs:SendMessage" in as_list(s["Action"])]
        self.assertEqual([(s["Sid"], as_list(s["Action"]), s["Resource"]) for s in senders],
                         [("PutThrottledJobsBack", ["sqs:SendMessage"], {"Fn::GetAtt": ["JobsQueue", "Arn"]})])
        conditional = {s["Fn::If"][0]: s["Fn::If"][1] for s in statements if "Fn::If" in s}
        env = self.cfn["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
        webhook_env = self.cfn["Resources"]["WebhookFunction"]["Properties"]["Environment"]["Variables"]
        for name in self.WRITE_BACK_SOURCES:
            stmt = conditional[f"Has{name}WriteBack"]
            self.assertEqual(stmt["Sid"], f"Read{name}WriteBackSecret")
            self.assertEqual(stmt["Resource"], {"Ref": f"{name}WriteBackSecretRef"})
            self.assertEqual(sorted(as_list(stmt["Action"])), ["secretsmanager:GetSecretValue", "ssm:GetParameter"])
            variable = f"{name.upper()}_WRITE_BACK_REF"
            self.assertEqual(env[variable], {"Ref": f"{name}WriteBackSecretRef"})
            self.assertNotIn(variable, webhook_env, "only the worker can read write-back credentials")
        # Any one write-back secret lets the worker decrypt with the secrets key.
        key = {"SecretsKmsKeyArn": self.KMS_KEY_ARN}
        for name in self.WRITE_BACK_SOURCES:
            params = {f"{name}WriteBackSecretRef": SIGNING_ARN, **key}
            self.assertTrue(evaluate({"Condition": "DecryptsWriteBackSecrets"}, params, self.cfn["Conditions"]), name)
        self.assertFalse(evaluate({"Condition": "DecryptsWriteBackSecrets"}, key, self.cfn["Conditions"]))

    SINK_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:ai-analyses"

    def sns_grants(self, role, params):
        """role's statements with an SNS action, and those with a KMS action other than the
        secrets key's Decrypt, under params."""
        statements = granted(self.cfn, role, params)
        sns = [s for s in statements if any(a.startswith("sns:") for a in as_list(s["Action"]))]
        keys = [s for s in statements if any(a.startswith("kms:") for a in as_list(s["Action"]))
                and s["Resource"] != {"Ref": "SecretsKmsKeyArn"}]
        return sns, keys

    def test_only_the_worker_may_publish_and_only_to_the_sink_topics(self):
        # The sns sink: no secret to read, but a grant. The worker alone publishes, to exactly
        # the topics listed in SinkTopicArns, and only when some are listed.
        param = self.sam["Parameters"]["SinkTopicArns"]
        self.assertEqual((param["Type"], param["Default"]), ("CommaDelimitedList", ""))
        pattern = re.compile(param["AllowedPattern"])
        for ok in ["", self.SINK_TOPIC_ARN, "arn:aws:sns:eu-west-1:123456789012:analyses.fifo",
                   "arn:aws-cn:sns:cn-north-1:123456789012:ops_analyses", "arn:aws:sns:us-east-1:123456789012:" + "a" * 256]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["*", "ai-analyses", "arn:aws:sns:us-east-1:123456789012:*", "arn:aws:sns:us-east-1:123456789012:ai-*",
                    "arn:aws:sns:*:123456789012:ai-analyses", "arn:aws:sns:us-east-1:*:ai-analyses",
                    "arn:aws:sns:us-east-1:1234:ai-analyses", "arn:aws:sqs:us-east-1:123456789012:ai-analyses",
                    "arn:aws:sns:us-east-1:123456789012:", "arn:aws:sns:us-east-1:123456789012:.fifo",
                    "arn:aws:sns:us-east-1:123456789012:ai.analyses", "arn:aws:sns:us-east-1:123456789012:" + "a" * 257]:
            self.assertIsNone(pattern.fullmatch(bad), bad)
        self.assertEqual(self.cfn["Conditions"]["HasSinkTopics"],
                         {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SinkTopicArns"}]}, ""]}]})
        # One statement in the whole stack may publish: the worker's, conditional on the list.
        publishers = [(c, s) for c, s in self.all_statements() if any(a.startswith("sns:") for a in as_list(s["Action"]))]
        self.assertEqual(len(publishers), 1, publishers)
        condition, stmt = publishers[0]
        self.assertEqual(condition, "HasSinkTopics")
        self.assertEqual((stmt["Sid"], stmt["Effect"], as_list(stmt["Action"]), stmt["Resource"]),
                         ("PublishToSinkTopics", "Allow", ["sns:Publish"], {"Ref": "SinkTopicArns"}))
        worker = [s for p in self.cfn["Resources"]["WorkerFunctionRole"]["Properties"]["Policies"]
                  for s in p["PolicyDocument"]["Statement"]]
        self.assertIn({"Fn::If": ["HasSinkTopics", stmt, {"Ref": "AWS::NoValue"}]}, worker)
        # Under parameters: nothing by default; with topics (and every other option on), the
        # worker and only the worker.
        topics = f"{self.SINK_TOPIC_ARN},{self.SINK_TOPIC_ARN}.fifo"
        everything = self.every_secret(SinkTopicArns=topics, CloudWatchTopicArns=self.TOPIC_ARN,
                                       SecretsKmsKeyArn=self.KMS_KEY_ARN)
        for role in self.FUNCTION_ROLES:
            self.assertEqual(self.sns_grants(role, {})[0], [], f"{role}: no topic, no publish")
            sns, _ = self.sns_grants(role, everything)
            self.assertEqual(sns, [stmt] if role == "WorkerFunctionRole" else [], role)
        # CloudWatch's topics are the ones the bridge hears from, never ones it may publish to.
        self.assertEqual(self.sns_grants("WorkerFunctionRole", {"CloudWatchTopicArns": self.TOPIC_ARN})[0], [])
        # The worker reads nothing more for it: the topic ARN is in the write-back secret.
        self.assertEqual(readable_refs(self.cfn, "WorkerFunctionRole", {"SinkTopicArns": topics}), set())
        groups = self.sam["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
        group = next(g for g in groups if "CloudWatchWriteBackSecretRef" in g["Parameters"])
        for name in ["SinkTopicArns", "SinkTopicKmsKeyArns"]:
            self.assertIn(name, group["Parameters"], f"{name}: with the write-back parameters")

    def test_the_sink_topics_keys_are_usable_by_the_worker_through_sns_only(self):
        param = self.sam["Parameters"]["SinkTopicKmsKeyArns"]
        self.assertEqual((param["Type"], param["Default"]), ("CommaDelimitedList", ""))
        # Key ARNs as for the secrets key: no alias, no wildcard.
        self.assertEqual(param["AllowedPattern"], self.sam["Parameters"]["SecretsKmsKeyArn"]["AllowedPattern"])
        topics, keys = {"SinkTopicArns": self.SINK_TOPIC_ARN}, {"SinkTopicKmsKeyArns": self.KMS_KEY_ARN}
        for role in self.FUNCTION_ROLES:
            for params in [{}, topics, keys]:
                self.assertEqual(self.sns_grants(role, params)[1], [], f"{role}, {params}: no key grant")
        for role in self.FUNCTION_ROLES:
            _, used = self.sns_grants(role, {**topics, **keys, **self.every_secret()})
            if role != "WorkerFunctionRole":
                self.assertEqual(used, [], role)
                continue
            self.assertEqual(len(used), 1, used)
            stmt = used[0]
            self.assertEqual(stmt["Sid"], "UseTheSinkTopicsKeys")
            self.assertEqual(sorted(as_list(stmt["Action"])), ["kms:Decrypt", "kms:GenerateDataKey"])
            self.assertEqual(stmt["Resource"], {"Ref": "SinkTopicKmsKeyArns"}, "exactly the listed keys")
            self.assertEqual(stmt["Condition"], {"StringEquals": {
                "kms:ViaService": {"Fn::Sub": "sns.${AWS::Region}.${AWS::URLSuffix}"}}}, "through SNS only")

    def test_failed_jobs_and_worker_errors_are_alarmed(self):
        alarms = resources_of(self.cfn, "AWS::CloudWatch::Alarm")
        dlq = alarms["JobsDeadLetterAlarm"]["Properties"]
        self.assertEqual(dlq["Dimensions"], [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}])
        self.assertEqual((dlq["Threshold"], dlq["ComparisonOperator"]), (0, "GreaterThanThreshold"))
        worker = alarms["WorkerErrorsAlarm"]["Properties"]
        self.assertEqual(worker["Dimensions"], [{"Name": "FunctionName", "Value": {"Ref": "WorkerFunction"}}])
        for alarm in alarms.values():
            self.assertEqual(alarm["Properties"]["AlarmActions"]["Fn::If"][0], "HasAlarmTopic")
        self.assertIn("/jobs/{job_id}", self.sam["Outputs"]["JobStatusUrl"]["Value"]["Fn::Sub"])
        self.assertIn("get", self.api_paths("WebhookApi")["/jobs/{job_id}"])

    def test_the_invoke_api_is_a_keyed_route_of_the_main_api(self):
        paths = self.api_paths("WebhookApi")
        self.assertIn("post", paths["/v1/agents/{agent}/invoke"])
        self.assertNotIn("/v1/agents/{agent}/invoke", self.api_paths("SignedWebhookApi"))
        self.assertIn("InvokeUrl", self.sam["Outputs"])

    def test_invoke_for_user_only_when_a_user_id_is_sent_or_tokens_prove_users(self):
        conditional = [(c, s) for c, s in self.agentcore_statements() if c == "NamesUsers"]
        self.assertEqual(len(conditional), 1)
        _, stmt = conditional[0]
        self.assertEqual(as_list(stmt["Action"]), ["bedrock-agentcore:InvokeAgentRuntimeForUser"])
        conditions = self.cfn["Conditions"]
        names_users = lambda **p: evaluate(conditions["NamesUsers"], p, conditions)
        issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf"
        secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bridge/chat-AbCdEf"
        self.assertFalse(names_users())
        self.assertTrue(names_users(RuntimeUserIdSource="header:X-Caller-Email"))
        self.assertTrue(names_users(OidcIssuer=issuer))
        self.assertTrue(names_users(ChatAuthSecretRef=secret))
        self.assertEqual(self.sam["Parameters"]["RuntimeUserIdSource"]["Default"], "")
        pattern = re.compile(self.sam["Parameters"]["RuntimeUserIdSource"]["AllowedPattern"])
        for ok in ["", "header:X-Caller-Email", "ticket:requester"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["header:", "cookie:x", "ticket:title"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_token_settings_reach_every_function_and_are_checked_before_deploy(self):
        issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf"
        rules = self.cfn["Rules"]
        deployable = lambda **p: all(rule_holds(r, p) for r in rules.values())
        self.assertFalse(deployable(OidcIssuer=issuer), "an issuer without an audience")
        self.assertTrue(deployable(OidcIssuer=issuer, OidcAudience="app-client-id"))
        self.assertFalse(deployable(UserTokens="required"), "required tokens, no verifier")
        self.assertTrue(deployable(UserTokens="required", OidcIssuer=issuer, OidcAudience="a"))
        # Keys are fetched over HTTPS only.
        pattern = re.compile(self.sam["Parameters"]["OidcIssuer"]["AllowedPattern"])
        self.assertTrue(pattern.fullmatch(issuer))
        self.assertIsNone(pattern.fullmatch("http://idp.example.com"))
        env = self.cfn["Resources"]["StreamFunction"]["Properties"]["Environment"]["Variables"]
        for variable, parameter in [("OIDC_ISSUER", "OidcIssuer"), ("OIDC_AUDIENCE", "OidcAudience"),
                                    ("CHAT_AUTH_SECRET_REF", "ChatAuthSecretRef"),
                                    ("USER_TOKENS", "UserTokens"), ("USER_CLAIM", "UserClaim")]:
            self.assertEqual(env[variable], {"Ref": parameter}, variable)

    def test_both_apis_write_json_access_logs_naming_the_key_never_its_value(self):
        stages = resources_of(self.cfn, "AWS::ApiGateway::Stage")
        keyless = transformed(GitHubSigningSecretRef=SIGNING_ARN)
        stages.update(resources_of(keyless, "AWS::ApiGateway::Stage"))
        self.assertEqual(len(stages), 2, sorted(stages))
        for name, stage in stages.items():
            setting = stage["Properties"]["AccessLogSetting"]
            self.assertEqual(setting["DestinationArn"], {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]})
            probe = re.sub(r"\$context\.[A-Za-z.]+", "x", setting["Format"])
            fields = json.loads(probe)
            for field in ["requestId", "extendedRequestId", "ip", "status", "apiKeyId", "waf", "error"]:
                self.assertIn(field, fields, name)
            self.assertNotRegex(setting["Format"], r"\$context\.identity\.apiKey(?!Id)", name)
            if stage["Properties"]["RestApiId"] == {"Ref": "WebhookApi"}:
                # The keyed API names the caller's key id (its integration, by the directory).
                self.assertEqual(fields["apiKeyId"], "x", name)
        group = self.cfn["Resources"]["ApiAccessLogGroup"]["Properties"]
        self.assertEqual(group["RetentionInDays"], {"Ref": "LogRetentionDays"})

    def test_the_access_logs_never_record_query_strings(self):
        # Splunk's token travels in the URL (?token=): the access logs name the path only.
        stages = resources_of(transformed(SplunkSigningSecretRef=SIGNING_ARN), "AWS::ApiGateway::Stage")
        self.assertEqual(len(stages), 2, sorted(stages))
        for name, stage in stages.items():
            log_format = stage["Properties"]["AccessLogSetting"]["Format"]
            variables = set(re.findall(r"\$context\.[A-Za-z.]+", log_format))
            self.assertIn("$context.path", variables, name)
            self.assertFalse([v for v in variables if "query" in v.lower() or v.startswith("$context.requestOverride")], name)
            self.assertNotIn("$input", log_format, name)
            self.assertNotIn("token", log_format.lower(), name)

    def test_the_account_logging_role_outlives_the_stack_and_can_be_left_alone(self):
        for name in ["ApiGatewayLoggingRoleResource", "ApiGatewayAccountSettings"]:
            resource = self.cfn["Resources"][name]
            self.assertEqual(resource["Condition"], "CreatesLoggingRole", name)
            self.assertEqual(resource["DeletionPolicy"], "Retain", name)
        conditions = self.cfn["Conditions"]
        self.assertTrue(evaluate(conditions["CreatesLoggingRole"], {"ApiGatewayLoggingRole": "stack"}, conditions))
        self.assertFalse(evaluate(conditions["CreatesLoggingRole"], {"ApiGatewayLoggingRole": "existing"}, conditions))
        self.assertEqual(self.sam["Parameters"]["ApiGatewayLoggingRole"]["Default"], "stack")
        # The stages log to a group that names the setting, so they are made after it exists.
        tags = self.cfn["Resources"]["ApiAccessLogGroup"]["Properties"]["Tags"]
        self.assertIn({"Fn::If": ["CreatesLoggingRole", {"Ref": "ApiGatewayAccountSettings"}, "existing"]},
                      [t["Value"] for t in tags])

    def test_waf_shields_only_the_key_less_api_and_only_when_asked(self):
        conditions = self.cfn["Conditions"]
        shields = lambda **p: evaluate(conditions["ShieldsKeylessApi"], p, conditions)
        self.assertFalse(shields(GitHubSigningSecretRef=SIGNING_ARN), "no web ACL by default")
        self.assertFalse(shields(KeylessIpRateLimit="100"), "no key-less API, nothing to shield")
        self.assertTrue(shields(GitHubSigningSecretRef=SIGNING_ARN, KeylessIpRateLimit="100"))
        self.assertTrue(shields(JiraSigningSecretRef=SIGNING_ARN, KeylessAllowedCidrs="1.2.3.0/24"))
        cfn = transformed(GitHubSigningSecretRef=SIGNING_ARN, KeylessIpRateLimit="100",
                          KeylessAllowedCidrs="192.30.252.0/22")
        resources = cfn["Resources"]
        association = resources["KeylessWebAclAssociation"]["Properties"]
        self.assertIn("/restapis/${SignedWebhookApi}/stages/", association["ResourceArn"]["Fn::Sub"])
        acl = resources["KeylessWebAcl"]["Properties"]
        rules = {}
        for rule in acl["Rules"]:
            (function, (_, when, _)), = rule.items()
            self.assertEqual(function, "Fn::If")
            rules[when["Name"]] = when
        rate = rules["per-ip-rate"]["Statement"]["RateBasedStatement"]
        self.assertEqual(rate, {"Limit": {"Ref": "KeylessIpRateLimit"}, "EvaluationWindowSec": 60,
                                "AggregateKeyType": "IP"})
        allow = rules["source-ip-allow-list"]["Statement"]["NotStatement"]["Statement"]
        self.assertEqual(allow, {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["KeylessAllowedIps", "Arn"]}}})
        # Blocked callers get the bridge's envelope, with the code and status the rule answers.
        for rule_name, body_key, status in [("per-ip-rate", "rate-limited", 429),
                                            ("source-ip-allow-list", "ip-not-allowed", 403)]:
            response = rules[rule_name]["Action"]["Block"]["CustomResponse"]
            self.assertEqual((response["ResponseCode"], response["CustomResponseBodyKey"]), (status, body_key))
            body = json.loads(acl["CustomResponseBodies"][body_key]["Content"])
            self.assertEqual((body["success"], body["error"]["status"]), (False, status))
        # The keyed API is never behind this ACL.
        self.assertNotIn("WebhookApi}", association["ResourceArn"]["Fn::Sub"].replace("SignedWebhookApi}", ""))

    def test_runtime_arn_parameter_pattern(self):
        pattern = re.compile(self.sam["Parameters"]["AgentRuntimeArn"]["AllowedPattern"])
        self.assertTrue(pattern.fullmatch(SAMPLE_ARN))
        for bad in [
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*",
            "arn:aws:bedrock:us-east-1:123456789012:agent/ABCDEFGHIJ",
            "my_agent-AbCdEf1234",
            "",
        ]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

    def test_function_shape(self):
        functions = resources_of(self.cfn, "AWS::Lambda::Function")
        self.assertEqual(sorted(functions), ["ApiKeyAuthorizerFunction", "SignedWebhookFunction", "StreamFunction", "WebhookFunction", "WorkerFunction"])
        fn = functions["WebhookFunction"]["Properties"]
        self.assertEqual(fn["Runtime"], "provided.al2023")
        self.assertEqual(fn["Architectures"], [{"Ref": "Architecture"}])
        self.assertEqual(self.sam["Parameters"]["Architecture"]["Default"], "arm64", "Graviton when deployed")
        self.assertEqual(fn["Environment"]["Variables"]["ENDPOINT_URLS"], "", "AWS's own endpoints when deployed")
        self.assertEqual(fn["Handler"], "bootstrap")
        self.assertEqual(fn["TracingConfig"], {"Mode": "Active"})
        self.assertEqual(fn["LoggingConfig"]["LogFormat"], "JSON")
        self.assertEqual(fn["Environment"]["Variables"]["AGENT_RUNTIME_ARN"], {"Ref": "AgentRuntimeArn"})
        params = self.sam["Parameters"]
        self.assertGreater(
            params["FunctionTimeoutSeconds"]["Default"], params["AgentTimeoutSeconds"]["Default"],
            "the function must outlive the bridge's own agent deadline",
        )
        for fn_id in ["WebhookFunction", "SignedWebhookFunction"]:
            # Identical build metadata: sam build builds the binary once for both.
            self.assertEqual(
                self.sam["Resources"][fn_id]["Metadata"],
                {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "webhook"}},
            )
        self.assertEqual(
            functions["SignedWebhookFunction"]["Properties"]["Environment"]["Variables"]["GITHUB_WEBHOOK_SECRET_REF"],
            {"Ref": "GitHubSigningSecretRef"},
        )

    def test_logs_are_retained_not_forever(self):
        groups = resources_of(self.cfn, "AWS::Logs::LogGroup")
        # Four functions and the access log (the key-less function has its own when deployed).
        self.assertEqual(len(groups), 5 + 1)
        for group in groups.values():
            self.assertEqual(group["Properties"]["RetentionInDays"], {"Ref": "LogRetentionDays"})

    def test_outputs_tell_the_user_what_to_call(self):
        outputs = self.cfn["Outputs"]
        for name in ["WebhookUrl", "ApiBaseUrl", "InvokeUrl", "IntegrationServiceNowApiKeyId", "IntegrationInvokeApiKeyId"]:
            self.assertIn(name, outputs)
        self.assertEqual(plain(outputs["IntegrationInvokeApiKeyId"]["Value"]), {"Fn::GetAtt": ["IntegrationInvokeApiKey", "APIKeyId"]})
        self.assertFalse([k for k in outputs if "Value" in k and "Key" in k], "no output prints a key's value")

if __name__ == "__main__":
    unittest.main()
