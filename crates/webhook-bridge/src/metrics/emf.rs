//! One CloudWatch Embedded Metric Format document: root members (dimension values, metric
//! values, properties) and the metric directives that point at them. Rendered as one JSON line.
//!
//! Written here rather than with the `metrics` facade and `metrics_cloudwatch_embedded`: that
//! pairing installs a process-wide recorder, aggregates between flushes and flushes from its own
//! Lambda runtime wrapper, while each document here is a fixed handful of figures known at the
//! moment the request's log line is written.

use serde_json::{Map, Value, json};

/// The CloudWatch units the bridge reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// A metric: its name (a root member), unit and value.
pub(crate) type Metric = (&'static str, Unit, u64);

/// A document being assembled. Members are named by the bridge (never by a caller), so a
/// dimension value is the only caller-influenced text, and the callers pass codes and source
/// names, not free text.
#[derive(Debug, Default)]
pub(crate) struct Document {
    root: Map<String, Value>,
    directives: Vec<Value>,
}

impl Document {
    /// A dimension value or a property (a root member CloudWatch keeps in the log event).
    pub(crate) fn member(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.root.insert(name.to_owned(), value.into());
        self
    }

    /// A directive: each metric is published once per dimension set.
    pub(crate) fn directive(mut self, dimensions: &[&[&'static str]], metrics: &[Metric]) -> Self {
        for (name, _, value) in metrics {
            self.root.insert((*name).to_owned(), json!(value));
        }
        self.directives.push(json!({
            "Dimensions": dimensions,
            "Metrics": metrics
                .iter()
                .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
                .collect::<Vec<_>>(),
        }));
        self
    }

    /// The JSON line, under `namespace`, stamped `timestamp_ms` (epoch milliseconds).
    pub(crate) fn render(self, namespace: &str, timestamp_ms: u64) -> String {
        let mut root = self.root;
        let directives = self
            .directives
            .into_iter()
            .map(|mut d| {
                d["Namespace"] = json!(namespace);
                d
            })
            .collect::<Vec<_>>();
        root.insert(
            "_aws".to_owned(),
            json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives}),
        );
        Value::Object(root).to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The EMF specification's JSON schema (draft-07), as AWS publishes it.
    const SCHEMA: &str = include_str!("../../tests/bridge/emf-schema.json");

    /// Checks `line` against the schema and the rules the schema cannot express: every
    /// referenced member present at the root, metric values numeric, dimension values strings
    /// of at most 1,024 characters, at most 100 metrics and 30 dimensions per set.
    pub(crate) fn assert_valid_emf(line: &str) -> Value {
        let doc: Value = serde_json::from_str(line).expect("one JSON object per line");
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = jsonschema::draft7::new(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{line}");
        for directive in doc["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            let metrics = directive["Metrics"].as_array().unwrap();
            assert!(metrics.len() <= 100, "{line}");
            for metric in metrics {
                let name = metric["Name"].as_str().unwrap();
                assert!(
                    doc[name].is_number(),
                    "metric {name} has a numeric value: {line}"
                );
            }
            for set in directive["Dimensions"].as_array().unwrap() {
                assert!(set.as_array().unwrap().len() <= 30, "{line}");
                for dim in set.as_array().unwrap() {
                    let value = doc[dim.as_str().unwrap()].as_str();
                    assert!(
                        value.is_some_and(|v| !v.is_empty() && v.chars().count() <= 1024),
                        "dimension {dim} has a string value: {line}"
                    );
                }
            }
        }
        doc
    }

    #[test]
    fn a_document_is_one_line_that_the_emf_schema_accepts() {
        let line = Document::default()
            .member("Function", "webhook")
            .member("Outcome", "OK")
            .member("request_id", "r-1")
            .directive(
                &[&["Function", "Outcome"], &["Function"]],
                &[
                    ("Deliveries", Unit::Count, 1),
                    ("Latency", Unit::Milliseconds, 12),
                ],
            )
            .render("AgentCoreBridge", 1_700_000_000_000);
        assert!(!line.contains('\n'));
        let doc = assert_valid_emf(&line);
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000_u64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "AgentCoreBridge");
        assert_eq!(
            directive["Dimensions"],
            json!([["Function", "Outcome"], ["Function"]])
        );
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "Deliveries", "Unit": "Count"}, {"Name": "Latency", "Unit": "Milliseconds"}])
        );
        assert_eq!(
            (doc["Deliveries"].clone(), doc["Latency"].clone()),
            (json!(1), json!(12))
        );
        assert_eq!(doc["request_id"], "r-1");
    }

    #[test]
    #[should_panic(expected = "has a string value")]
    fn the_check_refuses_a_dimension_without_its_member() {
        let line = Document::default()
            .directive(&[&["Function"]], &[("Deliveries", Unit::Count, 1)])
            .render("N", 1);
        assert_valid_emf(&line);
    }

    #[test]
    #[should_panic(expected = "Timestamp")]
    fn the_schema_refuses_a_document_without_a_timestamp() {
        let mut doc: Value = serde_json::from_str(
            &Document::default()
                .member("Function", "f")
                .directive(&[&["Function"]], &[("Deliveries", Unit::Count, 1)])
                .render("N", 1),
        )
        .unwrap();
        doc["_aws"].as_object_mut().unwrap().remove("Timestamp");
        assert_valid_emf(&doc.to_string());
    }
}
