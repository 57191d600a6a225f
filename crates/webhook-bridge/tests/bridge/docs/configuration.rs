//! `docs/configuration.md` against `Config::from_lookup`: the variables it reads (recorded
//! through the lookup, so nothing is listed by hand), the defaults it applies (a documented
//! default set explicitly must give the same `Config` as leaving the variable unset) and the
//! ranges and values it accepts (the bounds in, one past them out, naming the variable).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use webhook_bridge::{Config, ConfigError};

use super::table::{code_spans, page, rows};

/// What `<SOURCE>` stands for in the page.
const SOURCES: [&str; 16] = [
    "SERVICENOW",
    "JIRA",
    "ZENDESK",
    "PAGERDUTY",
    "GITHUB",
    "ALERTMANAGER",
    "GRAFANA",
    "SENTRY",
    "GITLAB",
    "LINEAR",
    "DATADOG",
    "NEWRELIC",
    "DYNATRACE",
    "SPLUNK",
    "CLOUDWATCH",
    "GENERIC",
];

/// Documented variables that `Config` does not read, and who does.
const READ_ELSEWHERE: &[(&str, &str)] = &[
    (
        "AWS_LAMBDA_LOG_LEVEL",
        "the functions' log set-up (`init_logging`)",
    ),
    ("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", "the AWS SDK"),
];

/// One row of the page: its variables (`<SOURCE>` expanded), default and range cells.
struct Row {
    variables: Vec<String>,
    /// The row names a family (`<SOURCE>_MODE`) rather than one variable.
    per_source: bool,
    default: String,
    range: String,
}

fn documented() -> Vec<Row> {
    rows(&page("configuration.md"), "variable")
        .into_iter()
        .map(|cells| {
            let spans = code_spans(&cells[0]);
            assert!(!spans.is_empty(), "a row without a variable: {cells:?}");
            let per_source = spans.iter().any(|s| s.contains("<SOURCE>"));
            let variables = spans
                .iter()
                .flat_map(|s| match s.contains("<SOURCE>") {
                    true => SOURCES.map(|src| s.replace("<SOURCE>", src)).to_vec(),
                    false => vec![s.clone()],
                })
                .collect();
            Row {
                variables,
                per_source,
                default: cells[2].clone(),
                range: cells[3].clone(),
            }
        })
        .collect()
}

/// A deployment that reads every optional part: jobs, both kinds of tokens, `ticket` sessions.
fn base() -> BTreeMap<String, String> {
    [
        (
            "AGENT_RUNTIME_ARN",
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234",
        ),
        ("JOBS_TABLE", "bridge-jobs"),
        (
            "JOBS_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/123456789012/bridge-jobs",
        ),
        ("OIDC_ISSUER", "https://issuer.example.com"),
        ("OIDC_AUDIENCE", "bridge"),
        ("CHAT_AUTH_SECRET", "a-chat-auth-secret-of-32-characters!"),
        ("SESSION_POLICY", "ticket"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn load(vars: &BTreeMap<String, String>) -> Result<Config, ConfigError> {
    Config::from_lookup(|k| vars.get(k).cloned())
}

/// Every name `Config::from_lookup` asks for with `vars`.
fn reads(vars: &BTreeMap<String, String>) -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    load_recording(vars, &asked);
    asked.into_inner()
}

fn load_recording(vars: &BTreeMap<String, String>, asked: &RefCell<BTreeSet<String>>) {
    Config::from_lookup(|k| {
        asked.borrow_mut().insert(k.to_owned());
        vars.get(k).cloned()
    })
    .expect("the base configuration loads");
}

/// `base()` without `name`, then with `name` set to `value`.
fn with(name: &str, value: Option<&str>) -> BTreeMap<String, String> {
    let mut vars = base();
    vars.remove(name);
    if let Some(v) = value {
        vars.insert(name.to_owned(), v.to_owned());
    }
    vars
}

#[test]
fn the_configuration_page_lists_exactly_the_variables_the_code_reads() {
    let mut read = reads(&base());
    let mut by_id = base();
    by_id.remove("AGENT_RUNTIME_ARN");
    by_id.insert("AGENT_RUNTIME_ID".into(), "my_agent-AbCdEf1234".into());
    by_id.insert("AGENT_ACCOUNT_ID".into(), "123456789012".into());
    read.extend(reads(&by_id));
    let rows = documented();
    let listed: BTreeSet<&String> = rows.iter().flat_map(|r| &r.variables).collect();
    let undocumented: Vec<&String> = read.iter().filter(|v| !listed.contains(v)).collect();
    assert!(
        undocumented.is_empty(),
        "read by the configuration, missing from docs/configuration.md: {undocumented:?}"
    );
    let elsewhere: BTreeMap<&str, &str> = READ_ELSEWHERE.iter().copied().collect();
    for row in &rows {
        let read_here = row.variables.iter().filter(|v| read.contains(*v)).count();
        let outside = row
            .variables
            .iter()
            .all(|v| elsewhere.contains_key(v.as_str()));
        match (row.per_source, outside) {
            (_, true) => {}
            // A family is documented once; the code reads it for the sources it applies to.
            (true, false) => assert!(
                read_here > 0,
                "docs/configuration.md lists {:?}, which the code reads for no source",
                row.variables
            ),
            (false, false) => assert_eq!(
                read_here,
                row.variables.len(),
                "docs/configuration.md lists {:?}, which the code does not read",
                row.variables
            ),
        }
    }
}

#[test]
fn documented_defaults_give_the_same_configuration_as_unset_variables() {
    let mut checked = 0;
    for row in documented() {
        let spans = code_spans(&row.default);
        // Only a default that is one literal value (`25`, `delivery`), not a description.
        if spans.len() != 1 || row.default != format!("`{}`", spans[0]) || spans[0].contains('<') {
            continue;
        }
        for name in row.variables.iter().filter(|v| !is_read_elsewhere(v)) {
            let unset = load(&with(name, None)).unwrap();
            let set = load(&with(name, Some(&spans[0])))
                .unwrap_or_else(|e| panic!("{name}={}: {e}", spans[0]));
            assert_eq!(
                set, unset,
                "{name}: the documented default {} is not what the code applies",
                spans[0]
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} defaults checked");
}

#[test]
fn documented_ranges_and_values_are_what_the_code_accepts() {
    let mut checked = 0;
    for row in documented() {
        let numeric_default = code_spans(&row.default)
            .first()
            .is_some_and(|d| d.parse::<u64>().is_ok());
        let bounds = numeric_range(&row.range);
        assert!(
            !numeric_default || bounds.is_some(),
            "{:?} has a numeric default, so its range must be documented as `min–max`, got {:?}",
            row.variables,
            row.range
        );
        let values = value_list(&row.range);
        for name in row.variables.iter().filter(|v| !is_read_elsewhere(v)) {
            if let Some((min, max)) = bounds {
                accepted(name, &min.to_string());
                accepted(name, &max.to_string());
                if min > 0 {
                    refused(name, &(min - 1).to_string());
                }
                refused(name, &(max + 1).to_string());
                checked += 1;
            }
            if let Some(values) = &values {
                for value in values {
                    accepted(name, value);
                }
                refused(name, "not-one-of-the-values");
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 25,
        "only {checked} ranges and value lists checked"
    );
}

fn is_read_elsewhere(name: &str) -> bool {
    READ_ELSEWHERE.iter().any(|(v, _)| *v == name)
}

/// `1–900` or `1,024–6,291,456`.
fn numeric_range(cell: &str) -> Option<(u64, u64)> {
    let (min, max) = cell.split_once('–')?;
    let number = |s: &str| s.trim().replace(',', "").parse::<u64>().ok();
    Some((number(min)?, number(max)?))
}

/// `` `sync`, `async` ``: a list of literal values and nothing else.
fn value_list(cell: &str) -> Option<Vec<String>> {
    let spans = code_spans(cell);
    let literal = spans.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>();
    (!spans.is_empty() && literal.join(", ") == cell && spans.iter().all(|s| !s.contains('<')))
        .then_some(spans)
}

fn accepted(name: &str, value: &str) {
    if let Err(e) = load(&with(name, Some(value))) {
        panic!("{name}={value} is documented as accepted, but: {e}");
    }
}

fn refused(name: &str, value: &str) {
    match load(&with(name, Some(value))) {
        Ok(_) => panic!("{name}={value} is outside the documented range, yet accepted"),
        Err(e) => assert_eq!(e.variable, name, "{name}={value} refused as {e}"),
    }
}
