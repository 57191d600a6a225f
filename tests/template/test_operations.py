"""The template's operations side: the functions write their metrics under the namespace the
alarms and the dashboard read, every alarm notifies the alarm topic and has a runbook entry in
docs/operations.md, the custom-metric alarms exist only while metrics are on, and the dashboard body is
valid JSON whose widgets name only metrics the bridge writes (a metric renamed in the code fails
here)."""

import json
import re
import unittest
from pathlib import Path

from test_template import evaluate, resources_of, transformed

ROOT = Path(__file__).resolve().parents[2]
METRICS_SOURCE = ROOT / "crates/webhook-bridge/src/metrics/mod.rs"


def emitted_metric_names():
    """The metric names the bridge writes: `("Name", Unit::…` in the metrics module."""
    names = set(re.findall(r'\(\s*"([A-Za-z]+)",\s*Unit::', METRICS_SOURCE.read_text()))
    assert names, "no metric names found in the metrics module"
    return names


def substituted(sub):
    """A `Fn::Sub` [template, variables] with every `${…}` replaced by a placeholder."""
    text, variables = (sub, {}) if isinstance(sub, str) else sub
    return re.sub(r"\$\{([^}!]+)\}", lambda m: f"<{m.group(1)}>", text), variables


def alarm_metrics(alarm):
    """(namespace, metric name) of each metric an alarm reads."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"])]
    return [(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
            for m in props["Metrics"] if "MetricStat" in m]


class OperationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cfn = transformed()
        cls.alarms = resources_of(cls.cfn, "AWS::CloudWatch::Alarm")
        cls.readme = (ROOT / "docs" / "operations.md").read_text()

    def test_every_function_writes_metrics_under_the_namespace_parameter(self):
        for name in ["WebhookFunction", "WorkerFunction", "StreamFunction"]:
            env = self.cfn["Resources"][name]["Properties"]["Environment"]["Variables"]
            self.assertEqual(env["METRICS_NAMESPACE"], {"Ref": "MetricsNamespace"}, name)

    def test_the_alarms_cover_what_pages_and_each_has_a_runbook_entry(self):
        self.assertLessEqual(
            {"ApiServerErrorsAlarm", "AgentErrorsAlarm", "AgentThrottlingAlarm",
             "LatencyNearTimeoutAlarm", "OldJobsAlarm", "JobsDeadLetterAlarm", "WorkerErrorsAlarm"},
            set(self.alarms))
        for name, alarm in self.alarms.items():
            props = alarm["Properties"]
            self.assertEqual(props["AlarmActions"]["Fn::If"][:2],
                             ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}]], name)
            self.assertEqual(props["TreatMissingData"], "notBreaching", name)
            runbook = name.removesuffix("Alarm")
            self.assertIn(f"#### {runbook}\n", self.readme, f"the operations page's runbook covers {name}")

    def test_alarms_on_custom_metrics_read_metrics_the_bridge_writes_and_only_while_it_does(self):
        names = emitted_metric_names()
        custom = {}
        for name, alarm in self.alarms.items():
            for namespace, metric in alarm_metrics(alarm):
                if namespace == {"Ref": "MetricsNamespace"}:
                    self.assertIn(metric, names, f"{name} reads a metric the bridge writes")
                    custom[name] = alarm
        self.assertEqual(set(custom), {"AgentErrorsAlarm", "AgentThrottlingAlarm", "LatencyNearTimeoutAlarm"})
        for name, alarm in custom.items():
            self.assertEqual(alarm.get("Condition"), "HasMetrics", name)
        conditions = self.cfn["Conditions"]
        self.assertFalse(evaluate(conditions["HasMetrics"], {"MetricsNamespace": ""}, conditions))
        self.assertTrue(evaluate(conditions["HasMetrics"], {}, conditions), "on by default")

    def test_the_latency_alarm_compares_p99_with_the_function_timeout(self):
        metrics = self.alarms["LatencyNearTimeoutAlarm"]["Properties"]["Metrics"]
        expression = next(m["Expression"] for m in metrics if "Expression" in m)
        self.assertEqual(expression, {"Fn::Sub": "100 * p99 / (${FunctionTimeoutSeconds} * 1000)"})
        stat = next(m["MetricStat"] for m in metrics if "MetricStat" in m)
        self.assertEqual((stat["Stat"], stat["Metric"]["MetricName"]), ("p99", "Latency"))

    def test_the_api_alarm_and_dashboard_find_the_api_by_its_name(self):
        api = self.cfn["Resources"]["WebhookApi"]["Properties"]
        self.assertEqual(api["Name"], {"Fn::Sub": "${AWS::StackName}-webhooks"})
        metric = self.alarms["ApiServerErrorsAlarm"]["Properties"]["Metrics"][1]["MetricStat"]["Metric"]
        self.assertIn({"Name": "ApiName", "Value": {"Fn::Sub": "${AWS::StackName}-webhooks"}},
                      metric["Dimensions"])

    def test_the_dashboard_is_json_and_shows_the_operations_widgets(self):
        board = resources_of(self.cfn, "AWS::CloudWatch::Dashboard")["OperationsDashboard"]
        text, variables = substituted(board["Properties"]["DashboardBody"]["Fn::Sub"])
        self.assertEqual(set(variables), {"JobsQueueName", "DeadLetterQueueName"})
        body = json.loads(text)
        titles = [w["properties"]["title"] for w in body["widgets"]]
        for expected in ["Deliveries by source and outcome", "Latency and agent latency (ms)",
                         "Agent errors by code", "Throttling (refused deliveries, deferred jobs)",
                         "Write-backs by outcome", "Jobs: completed, failed, handed back; in flight",
                         "Job queue age and dead letters", "API Gateway: requests, 4xx, 5xx",
                         "Functions: errors", "Functions: duration p99 (ms)", "Functions: concurrency"]:
            self.assertIn(expected, titles)
        names = emitted_metric_names()
        for widget in body["widgets"]:
            namespace = None
            for row in widget["properties"]["metrics"]:
                if isinstance(row[0], dict):
                    used = re.findall(r'MetricName="([A-Za-z]+)"', row[0]["expression"])
                    namespace = None
                elif row[0] == "...":  # the row above, another dimension value
                    continue
                else:
                    # "." repeats the row above's namespace.
                    namespace = namespace if row[0] == "." else row[0]
                    used = [row[1]] if namespace == "<MetricsNamespace>" else []
                for metric in used:
                    self.assertIn(metric, names, f"{widget['properties']['title']}: {metric}")

    def test_the_jobs_table_has_the_sparse_failures_index_the_store_queries(self):
        table = self.cfn["Resources"]["JobsTable"]["Properties"]
        [index] = table["GlobalSecondaryIndexes"]
        store = (ROOT / "crates/job-store/src/item.rs").read_text()
        listing = (ROOT / "crates/job-store/src/listing.rs").read_text()
        day = re.search(r'FAILED_ON: &str = "([a-z_]+)"', store).group(1)
        updated = re.search(r'UPDATED_AT: &str = "([a-z_]+)"', store).group(1)
        name = re.search(r'FAILURES_INDEX: &str = "([a-z_]+)"', listing).group(1)
        self.assertEqual(index["IndexName"], name)
        self.assertEqual(index["KeySchema"], [{"AttributeName": day, "KeyType": "HASH"},
                                              {"AttributeName": updated, "KeyType": "RANGE"}])
        self.assertEqual(index["Projection"], {"ProjectionType": "ALL"})
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        self.assertEqual((types[day], types[updated]), ("S", "N"))


if __name__ == "__main__":
    unittest.main()
