"""The manual's deployment pages against template.yaml, so a parameter, output or variable that
changes in the template fails here until the page follows. Run by `make test` with the tools venv,
like test_template.py. Each test names the drift it catches:

- docs/deploying.md's Parameters table: a parameter added, removed or renamed in the template, or a
  Default changed, without its row following; a row for a parameter that no longer exists; a
  parameter newly wired into a function's environment without a link to the configuration page.
- docs/deploying.md's Outputs table: an output added, removed or renamed (the Fn::ForEach outputs
  as their `Integration<Name>ApiKeyId` family) on one side only.
- docs/deploying.md's Serverless Application Repository section: a resource that needs another
  capability (IAM, named IAM, resource policy, nested application) than the ones it passes.
- docs/configuration.md's "template parameter" column: a parameter it names that the template no
  longer has, or that no longer sets that row's variable (some function's or Globals'
  Environment.Variables entry whose expression mentions it; `<Source>X` and `<SOURCE>_X` expanded
  source by source).
- docs/configuration.md's "variable" column: a variable the template sets (Globals and every
  function, Fn::ForEach expanded with the defaults) that the page does not document.
- docs/configuration.md's AWS_LAMBDA_LOG_LEVEL values against LogLevel's AllowedValues.
- The AWS::ServerlessRepo::Application metadata: a key missing, a value SAR would refuse (its
  published patterns and lengths), a file it names gone, a license other than the workspace's, and
  a SemanticVersion that differs from Cargo.toml's [workspace.package] version or from the newest
  release in docs/CHANGELOG.md.
"""

import json
import re
import tomllib
import unittest

from test_template import ROOT, SAMPLE_ARN, SIGNING_ARN, expand_for_each, load_template, transformed

DOCS = ROOT / "docs"

# The sources' spellings: `<Source>` in parameter names, `<SOURCE>` in variable names.
SOURCES = {
    "ServiceNow": "SERVICENOW",
    "Jira": "JIRA",
    "Zendesk": "ZENDESK",
    "PagerDuty": "PAGERDUTY",
    "GitHub": "GITHUB",
    "Alertmanager": "ALERTMANAGER",
    "Grafana": "GRAFANA",
    "Sentry": "SENTRY",
    "GitLab": "GITLAB",
    "Linear": "LINEAR",
    "Datadog": "DATADOG",
    "NewRelic": "NEWRELIC",
    "Dynatrace": "DYNATRACE",
    "Splunk": "SPLUNK",
    "CloudWatch": "CLOUDWATCH",
    "Generic": "GENERIC",
}

# Variables Lambda sets itself from a function property rather than from Environment.Variables.
SET_BY_LAMBDA_FROM = {"AWS_LAMBDA_LOG_LEVEL": ("LoggingConfig", "ApplicationLogLevel")}

# The AWS Serverless Application Repository's rules for the metadata (AWS SAM developer guide,
# "AWS SAM template Metadata section properties"; the CreateApplication API).
SAR_REQUIRED = ["Name", "Description", "Author", "SpdxLicenseId", "LicenseUrl", "ReadmeUrl", "Labels",
                "HomePageUrl", "SemanticVersion", "SourceCodeUrl"]
SAR_NAME = re.compile(r"^[a-zA-Z0-9-]{1,140}$")
SAR_AUTHOR = re.compile(r"^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$")
SAR_LABEL = re.compile(r"^[a-zA-Z0-9+\-_:/@]{1,127}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")

# Capabilities a Serverless Application Repository deployment must acknowledge, by resource type
# (SAR developer guide, "Application Capabilities").
IAM_TYPES = {"AWS::IAM::Group", "AWS::IAM::InstanceProfile", "AWS::IAM::Policy", "AWS::IAM::Role",
             "AWS::IAM::ManagedPolicy", "AWS::IAM::User"}
IAM_NAME_PROPERTIES = {"GroupName", "InstanceProfileName", "PolicyName", "RoleName", "ManagedPolicyName",
                       "UserName"}
RESOURCE_POLICY_TYPES = {"AWS::Lambda::LayerVersionPermission", "AWS::Lambda::Permission",
                         "AWS::Events::EventBusPolicy", "AWS::IAM::Policy",
                         "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::S3::BucketPolicy",
                         "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"}
NESTED_APPLICATION_TYPES = {"AWS::Serverless::Application", "AWS::CloudFormation::Stack"}


# ---- reading the pages -------------------------------------------------------------------------

def page(name):
    return (DOCS / name).read_text()


def cells(line):
    """A table row's cells, split on the `|`s outside backticks (as the Rust docs tests do)."""
    if not line.startswith("|"):
        return []
    out, cell, in_code = [], "", False
    for c in line.strip().strip("|"):
        if c == "`":
            in_code = not in_code
        if c == "|" and not in_code:
            out.append(cell.strip())
            cell = ""
        else:
            cell += c
    out.append(cell.strip())
    return out


def table(text, first_header):
    """The body rows of the first table in text whose header row starts with first_header."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if cells(line)[:1] == [first_header]:
            rows = []
            for body in lines[i + 2:]:  # past the |---| line
                if not body.startswith("|"):
                    break
                rows.append(cells(body))
            assert rows, f"the table headed {first_header!r} is empty"
            return rows
    raise AssertionError(f"no table headed {first_header!r}")


def code_spans(cell):
    return cell.split("`")[1::2]


def section(text, heading):
    """The text under the `## heading` line, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def expand_variable(name):
    """`<SOURCE>_X` as one variable per source, in SOURCES order; any other name as itself."""
    if "<SOURCE>" in name:
        return [name.replace("<SOURCE>", upper) for upper in SOURCES.values()]
    return [name]


def documented_variables():
    return {v for row in table(page("configuration.md"), "variable")
            for span in code_spans(row[0]) for v in expand_variable(span)}


def newest_changelog_version():
    """The topmost `## [x.y.z]` heading of docs/CHANGELOG.md (Keep a Changelog: newest first);
    `## [Unreleased]` is not a release."""
    versions = re.findall(r"^## \[([^\]]+)\]", page("CHANGELOG.md"), re.M)
    releases = [v for v in versions if SEMVER.match(v)]
    assert releases, "docs/CHANGELOG.md has no ## [x.y.z] heading"
    return releases[0], releases


def version_key(version):
    return tuple(int(part) for part in SEMVER.match(version).groups()[:3])


# ---- reading the template ----------------------------------------------------------------------

def mentions(expression, parameter):
    """Whether the JSON form of a template expression names parameter (Ref, Sub, Join, If, ...),
    as a whole name: AgentTimeoutSeconds is not mentioned by StreamAgentTimeoutSeconds."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(parameter)}(?![A-Za-z0-9])",
                     json.dumps(expression)) is not None


def environments(template):
    """(where, variables) of Globals and of every AWS::Serverless::Function."""
    found = [("Globals", template["Globals"]["Function"].get("Environment", {}).get("Variables", {}))]
    for name, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            found.append((name, resource["Properties"].get("Environment", {}).get("Variables", {})))
    return found


def setting_expressions(template, variable):
    """Every expression the template sets variable from: its Environment.Variables entries, or
    the function property Lambda passes as that variable."""
    found = [env[variable] for _, env in environments(template) if variable in env]
    if variable in SET_BY_LAMBDA_FROM:
        section_name, key = SET_BY_LAMBDA_FROM[variable]
        for scope in [template["Globals"]["Function"]] + [
                r["Properties"] for r in template["Resources"].values()
                if r.get("Type") == "AWS::Serverless::Function"]:
            if key in scope.get(section_name, {}):
                found.append(scope[section_name][key])
    return found


def family(name):
    """A Fn::ForEach output's name with its loop variable as `<Name>`."""
    return re.sub(r"\$\{([^}]+)\}", r"<\1>", name)


class DocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sam = load_template()
        cls.parameters = cls.sam["Parameters"]
        # Fn::ForEach expanded as a default deployment would have it (AgentRuntimeArn has none).
        cls.expanded = expand_for_each(load_template(), {"AgentRuntimeArn": SAMPLE_ARN})
        cls.deploying = page("deploying.md")
        cls.configuration = page("configuration.md")

    def sets_a_variable(self, parameter):
        return any(mentions(expr, parameter) for var in self.every_variable_set() | set(SET_BY_LAMBDA_FROM)
                   for expr in setting_expressions(self.expanded, var))

    def every_variable_set(self):
        return {v for _, env in environments(self.expanded) for v in env}

    # ---- docs/deploying.md --------------------------------------------------------------------

    def parameter_rows(self):
        rows = {}
        for row in table(section(self.deploying, "Parameters"), "parameter"):
            names = code_spans(row[0])
            self.assertEqual(len(names), 1, f"one parameter per row: {row}")
            self.assertNotIn(names[0], rows, f"{names[0]} has two rows")
            rows[names[0]] = row
        return rows

    def test_deploying_lists_every_parameter_with_its_template_default(self):
        rows = self.parameter_rows()
        self.assertEqual(sorted(set(self.parameters) - set(rows)), [], "parameters without a row")
        self.assertEqual(sorted(set(rows) - set(self.parameters)), [], "rows naming no parameter")
        for name, row in rows.items():
            default_cell = row[1]
            if "Default" not in self.parameters[name]:
                self.assertEqual(default_cell, "(none)", name)
                continue
            spans = code_spans(default_cell)
            self.assertEqual(len(spans), 1, f"{name}: the default as one code span, got {default_cell!r}")
            documented = "" if spans[0] == '""' else spans[0]
            self.assertEqual(documented, str(self.parameters[name]["Default"]), name)

    def test_deploying_links_each_parameter_that_sets_a_variable_to_the_configuration_page(self):
        for name, row in self.parameter_rows().items():
            if self.sets_a_variable(name):
                self.assertIn("(configuration.md", row[2], f"{name} sets a variable: link configuration.md")

    def test_deploying_lists_every_output_and_only_those(self):
        template_outputs = set()
        for key, output in self.sam["Outputs"].items():
            if key.startswith("Fn::ForEach::"):
                template_outputs |= {family(name) for name in output[2]}
            else:
                template_outputs.add(key)
        rows = table(section(self.deploying, "Outputs"), "output")
        documented = [code_spans(row[0]) for row in rows]
        self.assertTrue(all(len(spans) == 1 for spans in documented), "one output per row")
        documented = {spans[0] for spans in documented}
        self.assertEqual(sorted(template_outputs - documented), [], "outputs without a row")
        self.assertEqual(sorted(documented - template_outputs), [], "rows naming no output")
        for row in rows:
            self.assertTrue(row[1].strip(), f"{row[0]}: say what it is")

    def test_deploying_from_the_repository_passes_exactly_the_capabilities_the_stack_needs(self):
        # Every optional part on, so every resource the stack can create is counted.
        cfn = transformed(GitHubSigningSecretRef=SIGNING_ARN, JiraSigningSecretRef=SIGNING_ARN,
                          ChatAuthSecretRef=SIGNING_ARN, KeylessIpRateLimit=100,
                          KeylessAllowedCidrs="10.0.0.0/8", NamedAgentRuntimeArns=SAMPLE_ARN)
        needed = set()
        for resource in cfn["Resources"].values():
            kind, properties = resource["Type"], resource.get("Properties", {})
            if kind in IAM_TYPES:
                needed.add("CAPABILITY_NAMED_IAM" if IAM_NAME_PROPERTIES & set(properties) else "CAPABILITY_IAM")
            if kind in RESOURCE_POLICY_TYPES:
                needed.add("CAPABILITY_RESOURCE_POLICY")
            if kind in NESTED_APPLICATION_TYPES:
                needed.add("CAPABILITY_AUTO_EXPAND")
        text = section(self.deploying, "From the Serverless Application Repository")
        commands = re.findall(r"--capabilities ([A-Z_ ]+)", text)
        self.assertTrue(commands, "no --capabilities in the section")
        for listed in commands:
            self.assertEqual(sorted(listed.split()), sorted(needed))

    # ---- docs/configuration.md ----------------------------------------------------------------

    def test_configuration_parameters_exist_and_set_their_rows_variables(self):
        checked = 0
        for row in table(self.configuration, "variable"):
            variable_spans, parameter_cell = code_spans(row[0]), row[1]
            for span in code_spans(parameter_cell):
                if "<Source>" in span:
                    pairs = [(span.replace("<Source>", source), [v.replace("<SOURCE>", upper)
                              for v in variable_spans]) for source, upper in SOURCES.items()]
                    pairs = [(p, vs) for p, vs in pairs if p in self.parameters]
                    self.assertTrue(pairs, f"{span}: no parameter of that shape in the template")
                else:
                    self.assertIn(span, self.parameters, f"{row[0]}: no parameter {span}")
                    pairs = [(span, [v for s in variable_spans for v in expand_variable(s)])]
                # A cell wholly in parentheses says the stack derives the value (the integration
                # directory's path, from `Integrations`): the parameter must exist, nothing more.
                if parameter_cell.startswith("(") and parameter_cell.endswith(")"):
                    continue
                for parameter, variables in pairs:
                    expressions = [e for v in variables for e in setting_expressions(self.expanded, v)]
                    self.assertTrue(any(mentions(e, parameter) for e in expressions),
                                    f"{parameter} sets none of {variables} in the template")
                    checked += 1
        self.assertGreater(checked, 30, "the table's parameter column was not read")

    def test_configuration_documents_every_variable_the_template_sets(self):
        undocumented = sorted(self.every_variable_set() - documented_variables())
        self.assertEqual(undocumented, [], "set by the template, missing from docs/configuration.md")

    def test_configuration_log_levels_are_the_log_level_parameters_allowed_values(self):
        rows = [r for r in table(self.configuration, "variable") if "AWS_LAMBDA_LOG_LEVEL" in code_spans(r[0])]
        self.assertEqual(len(rows), 1, "one AWS_LAMBDA_LOG_LEVEL row")
        self.assertEqual(code_spans(rows[0][1]), ["LogLevel"])
        self.assertEqual(sorted(code_spans(rows[0][3])), sorted(self.parameters["LogLevel"]["AllowedValues"]))

    # ---- the Serverless Application Repository metadata --------------------------------------

    def test_sar_metadata_has_every_key_with_values_sar_accepts(self):
        app = self.sam["Metadata"]["AWS::ServerlessRepo::Application"]
        self.assertEqual([k for k in SAR_REQUIRED if k not in app], [], "missing keys")
        for key, value in app.items():
            # SAR takes no intrinsic functions here: every value is plain text (or a list of it).
            self.assertTrue(isinstance(value, str) or (isinstance(value, list) and all(
                isinstance(v, str) for v in value)), f"{key}: {value!r}")
        self.assertRegex(app["Name"], SAR_NAME)
        self.assertTrue(1 <= len(app["Description"]) <= 256, "Description: 1-256 characters")
        self.assertTrue(len(app["Author"]) <= 127 and SAR_AUTHOR.match(app["Author"]), app["Author"])
        self.assertTrue(1 <= len(app["Labels"]) <= 10, "1-10 labels")
        for label in app["Labels"]:
            self.assertRegex(label, SAR_LABEL)
        for key in ["HomePageUrl", "SourceCodeUrl"]:
            self.assertTrue(app[key].startswith("https://"), key)

    def test_sar_license_and_readme_files_exist_and_match_the_workspace_license(self):
        app = self.sam["Metadata"]["AWS::ServerlessRepo::Application"]
        for key in ["LicenseUrl", "ReadmeUrl"]:
            # `sam package` uploads them from paths relative to the template.
            self.assertTrue((ROOT / app[key]).is_file(), f"{key}: no file {app[key]}")
        cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
        self.assertEqual(app["SpdxLicenseId"], cargo["workspace"]["package"]["license"])
        self.assertIn("Apache License", (ROOT / app["LicenseUrl"]).read_text()[:200])

    def test_sar_version_matches_cargo_and_the_newest_changelog_release(self):
        version = self.sam["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
        self.assertRegex(version, SEMVER)
        cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
        self.assertEqual(version, cargo["workspace"]["package"]["version"],
                         "template SemanticVersion vs Cargo.toml [workspace.package] version")
        newest, releases = newest_changelog_version()
        self.assertEqual(version, newest, "template SemanticVersion vs docs/CHANGELOG.md's newest release")
        self.assertEqual(newest, max(releases, key=version_key), "the newest release is not at the top")


if __name__ == "__main__":
    unittest.main()
