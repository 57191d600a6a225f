"""Checks on template.yaml after SAM's own transform (offline), so they see the CloudFormation
that would really be deployed: every route needs an API key, and the function may invoke the
configured runtime only. Run by `make test` with the tools venv (aws-sam-cli ships samtranslator).
"""

import os
import re
import unittest
from pathlib import Path

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"


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


def transformed():
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = load_template()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # `sam package` replaces the local CodeUri with an S3 location before the transform.
            resource["Properties"]["CodeUri"] = "s3://bucket/webhook.zip"
    return transform(template, {"AgentRuntimeArn": SAMPLE_ARN}, _NoNetworkPolicyLoader())


def resources_of(cfn, type_name):
    return {k: r for k, r in cfn["Resources"].items() if r["Type"] == type_name}


def as_list(value):
    return value if isinstance(value, list) else [value]


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sam = load_template()
        cls.cfn = transformed()

    def test_every_route_requires_an_api_key(self):
        apis = resources_of(self.cfn, "AWS::ApiGateway::RestApi")
        self.assertEqual(len(apis), 1)
        paths = next(iter(apis.values()))["Properties"]["Body"]["paths"]
        self.assertIn("/webhook/{source}", paths)
        routes = 0
        for path, methods in paths.items():
            for method, spec in methods.items():
                routes += 1
                self.assertIn({"api_key": []}, spec.get("security", []), f"{method.upper()} {path}")
        self.assertGreater(routes, 0)

    def test_usage_plan_ties_the_key_to_the_stage(self):
        plans = resources_of(self.cfn, "AWS::ApiGateway::UsagePlan")
        self.assertEqual(len(plans), 1)
        plan = next(iter(plans.values()))["Properties"]
        # SAM resolves the parameters into the plan during the transform (deploy-time values).
        params = self.sam["Parameters"]
        self.assertEqual(plan["Throttle"]["RateLimit"], params["ThrottleRateLimit"]["Default"])
        self.assertEqual(plan["Throttle"]["BurstLimit"], params["ThrottleBurstLimit"]["Default"])
        self.assertEqual(plan["Quota"]["Limit"], params["QuotaLimit"]["Default"])
        self.assertTrue(plan["ApiStages"])
        self.assertEqual(len(resources_of(self.cfn, "AWS::ApiGateway::ApiKey")), 1)
        self.assertEqual(len(resources_of(self.cfn, "AWS::ApiGateway::UsagePlanKey")), 1)

    def agentcore_statements(self):
        """(condition, statement) for every statement naming a bedrock-agentcore action; a
        statement inside Fn::If carries its condition's name."""
        found = []
        for role in resources_of(self.cfn, "AWS::IAM::Role").values():
            for policy in role["Properties"].get("Policies", []):
                for stmt in policy["PolicyDocument"]["Statement"]:
                    if "Fn::If" in stmt:
                        condition, when_true, when_false = stmt["Fn::If"]
                        self.assertEqual(when_false, {"Ref": "AWS::NoValue"})
                        candidates = [(condition, when_true)]
                    else:
                        candidates = [(None, stmt)]
                    for cond, s in candidates:
                        if any("bedrock-agentcore" in a for a in as_list(s["Action"])):
                            found.append((cond, s))
        return found

    def test_agent_permissions_name_exactly_the_runtime(self):
        runtime_only = [{"Ref": "AgentRuntimeArn"}, {"Fn::Sub": "${AgentRuntimeArn}/runtime-endpoint/*"}]
        statements = self.agentcore_statements()
        by_condition = {cond: s for cond, s in statements}
        self.assertEqual(len(statements), 2, statements)
        always = by_condition[None]
        self.assertEqual(
            as_list(always["Action"]),
            ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"],
        )
        self.assertEqual(always["Resource"], runtime_only)
        for _, stmt in statements:
            for resource in as_list(stmt["Resource"]):
                text = str(resource)
                self.assertNotEqual(text, "*")
                self.assertFalse(re.search(r"runtime/\*", text), f"wildcard runtime resource: {text}")

    def test_invoke_for_user_only_when_a_user_id_is_sent(self):
        conditional = [(c, s) for c, s in self.agentcore_statements() if c is not None]
        self.assertEqual(len(conditional), 1)
        condition, stmt = conditional[0]
        self.assertEqual(as_list(stmt["Action"]), ["bedrock-agentcore:InvokeAgentRuntimeForUser"])
        self.assertEqual(condition, "SendsRuntimeUserId")
        self.assertEqual(
            self.cfn["Conditions"]["SendsRuntimeUserId"],
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "RuntimeUserIdSource"}, ""]}]},
        )
        self.assertEqual(self.sam["Parameters"]["RuntimeUserIdSource"]["Default"], "")
        pattern = re.compile(self.sam["Parameters"]["RuntimeUserIdSource"]["AllowedPattern"])
        for ok in ["", "header:X-Caller-Email", "ticket:requester"]:
            self.assertTrue(pattern.fullmatch(ok), ok)
        for bad in ["header:", "cookie:x", "ticket:title"]:
            self.assertIsNone(pattern.fullmatch(bad), bad)

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
        self.assertEqual(len(functions), 1)
        fn = next(iter(functions.values()))["Properties"]
        self.assertEqual(fn["Runtime"], "provided.al2023")
        self.assertEqual(fn["Architectures"], ["arm64"])
        self.assertEqual(fn["Handler"], "bootstrap")
        self.assertEqual(fn["TracingConfig"], {"Mode": "Active"})
        self.assertEqual(fn["LoggingConfig"]["LogFormat"], "JSON")
        self.assertEqual(fn["Environment"]["Variables"]["AGENT_RUNTIME_ARN"], {"Ref": "AgentRuntimeArn"})
        params = self.sam["Parameters"]
        self.assertGreater(
            params["FunctionTimeoutSeconds"]["Default"], params["AgentTimeoutSeconds"]["Default"],
            "the function must outlive the bridge's own agent deadline",
        )
        sam_fn = self.sam["Resources"]["WebhookFunction"]
        self.assertEqual(sam_fn["Metadata"], {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "webhook"}})

    def test_logs_are_retained_not_forever(self):
        groups = resources_of(self.cfn, "AWS::Logs::LogGroup")
        self.assertEqual(len(groups), 1)
        self.assertEqual(next(iter(groups.values()))["Properties"]["RetentionInDays"], {"Ref": "LogRetentionDays"})

    def test_outputs_tell_the_user_what_to_call(self):
        outputs = self.sam["Outputs"]
        for name in ["WebhookUrl", "ApiKeyId", "ApiKeyValueCommand"]:
            self.assertIn(name, outputs)
        command = outputs["ApiKeyValueCommand"]["Value"]["Fn::Sub"]
        self.assertIn("get-api-key --api-key ${WebhookApiApiKey} --include-value", command)


if __name__ == "__main__":
    unittest.main()
