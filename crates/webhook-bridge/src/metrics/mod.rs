//! CloudWatch metrics in the Embedded Metric Format: one JSON document per delivery, job and
//! write-back, written to the function's log stream as a line of its own, from which CloudWatch
//! Logs extracts the metrics. No API call, no latency on the request path, and no
//! `cloudwatch:PutMetricData` grant. `METRICS_NAMESPACE` names the namespace; empty turns
//! them off.
//!
//! Dimensions are kept few (each combination is a billed custom metric): every figure by
//! `Function`, deliveries and jobs also by source/route and outcome code, agent errors by code.

mod emf;

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use emf::{Document, Unit};

/// Where the documents go and under which names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    /// `METRICS_NAMESPACE`; `None` writes nothing.
    namespace: Option<String>,
    /// The `Function` dimension: the Lambda function's name.
    function: String,
}

/// One request on the webhook or streaming function, as its log line reports it.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryFigures<'a> {
    /// The source's name for a webhook, `invoke` or `jobs` for the other routes, `none` when
    /// the request matched no route.
    pub route: &'a str,
    /// The outcome code (`OK`, `ACCEPTED`, `IGNORED_EVENT`, an error code).
    pub code: &'a str,
    /// Request in to response out.
    pub latency: Duration,
    /// The agent call's time, when there was one.
    pub agent_latency: Option<Duration>,
    /// The agent (or its quotas) failed the request.
    pub agent_error: bool,
    /// AgentCore refused the call with its rate limit.
    pub throttled: bool,
    /// The first request this instance served.
    pub cold_start: bool,
    /// For joining the document to the request's log line.
    pub request_id: &'a str,
}

/// How one job message ended on the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd<'a> {
    /// The analysis is recorded.
    Completed,
    /// The job is recorded as failed with this code.
    Failed(&'a str),
    /// Throttled: put back on the queue for later.
    Deferred,
    /// Handed back to SQS for a retry (a transient failure, or the store was unavailable).
    HandedBack,
}

impl Metrics {
    /// Metrics under `namespace` (none when empty) for the function `function`.
    pub fn new(namespace: Option<String>, function: String) -> Metrics {
        Metrics {
            namespace: namespace.filter(|n| !n.trim().is_empty()),
            function,
        }
    }

    /// Writes nothing (for the function named `function`).
    pub fn off_for(function: &str) -> Metrics {
        Metrics::new(None, function.to_owned())
    }

    /// The delivery's document: `Deliveries` by route and outcome, `Latency` and `AgentLatency`
    /// by route (each also by function alone, for alarms); `AgentErrors`, `Throttled`,
    /// `Replayed`, `Ignored` and `ColdStart` as 0 or 1, so their sums count and their averages
    /// are rates; agent errors also by code.
    pub fn delivery(&self, d: &DeliveryFigures<'_>) -> Option<String> {
        let namespace = self.namespace.as_deref()?;
        let mut timed = vec![("Latency", Unit::Milliseconds, millis(d.latency))];
        if let Some(agent) = d.agent_latency {
            timed.push(("AgentLatency", Unit::Milliseconds, millis(agent)));
        }
        let mut doc = Document::default()
            .member("Function", self.function.as_str())
            .member("Route", d.route)
            .member("Outcome", d.code)
            .member("request_id", d.request_id)
            .directive(
                &[&["Function", "Route", "Outcome"], &["Function"]],
                &[("Deliveries", Unit::Count, 1)],
            )
            .directive(&[&["Function", "Route"], &["Function"]], &timed)
            .directive(
                &[&["Function"]],
                &[
                    ("AgentErrors", Unit::Count, u64::from(d.agent_error)),
                    ("Throttled", Unit::Count, u64::from(d.throttled)),
                    ("Replayed", Unit::Count, u64::from(is_replay(d.code))),
                    ("Ignored", Unit::Count, u64::from(is_ignored(d.code))),
                    ("ColdStart", Unit::Count, u64::from(d.cold_start)),
                ],
            );
        if d.agent_error {
            doc = doc.directive(
                &[&["Function", "Outcome"]],
                &[("AgentErrors", Unit::Count, 1)],
            );
        }
        Some(doc.render(namespace, now_ms()))
    }

    /// The job's document: `JobsCompleted`, `JobsFailed`, `JobsDeferred` and `JobsHandedBack`
    /// (0 or 1) by source and outcome code and by function, and `QueueAge` (enqueue to start)
    /// when the job ran.
    pub(crate) fn job(
        &self,
        source: &str,
        end: JobEnd<'_>,
        queue_age: Option<Duration>,
        job_id: &str,
    ) -> Option<String> {
        let namespace = self.namespace.as_deref()?;
        let code = match end {
            JobEnd::Completed => "OK",
            JobEnd::Failed(code) => code,
            JobEnd::Deferred => "DEFERRED",
            JobEnd::HandedBack => "HANDED_BACK",
        };
        let mut figures = vec![
            (
                "JobsCompleted",
                Unit::Count,
                u64::from(end == JobEnd::Completed),
            ),
            (
                "JobsFailed",
                Unit::Count,
                u64::from(matches!(end, JobEnd::Failed(_))),
            ),
            (
                "JobsDeferred",
                Unit::Count,
                u64::from(end == JobEnd::Deferred),
            ),
            (
                "JobsHandedBack",
                Unit::Count,
                u64::from(end == JobEnd::HandedBack),
            ),
        ];
        if let Some(age) = queue_age {
            figures.push(("QueueAge", Unit::Milliseconds, millis(age)));
        }
        let doc = Document::default()
            .member("Function", self.function.as_str())
            .member("Source", source)
            .member("Outcome", code)
            .member("job_id", job_id)
            .directive(
                &[&["Function", "Source", "Outcome"], &["Function"]],
                &figures,
            );
        Some(doc.render(namespace, now_ms()))
    }

    /// A write-back's document: `WriteBacks` by its outcome (`done`, `failed`, `retrying`).
    pub(crate) fn write_back(&self, source: &str, outcome: &str, job_id: &str) -> Option<String> {
        let namespace = self.namespace.as_deref()?;
        let doc = Document::default()
            .member("Function", self.function.as_str())
            .member("Source", source)
            .member("WriteBack", outcome)
            .member("job_id", job_id)
            .directive(
                &[
                    &["Function", "WriteBack"],
                    &["Function", "Source", "WriteBack"],
                ],
                &[("WriteBacks", Unit::Count, 1)],
            );
        Some(doc.render(namespace, now_ms()))
    }

    /// Writes `line` (when there is one) to stdout, which Lambda sends to the log stream, in
    /// one write so that it is never interleaved with a log line.
    pub(crate) fn emit(line: Option<String>) {
        if let Some(mut line) = line {
            line.push('\n');
            let _ = std::io::stdout().lock().write_all(line.as_bytes());
        }
    }
}

fn is_replay(code: &str) -> bool {
    matches!(code, "REPLAYED" | "IGNORED_REPLAY")
}

fn is_ignored(code: &str) -> bool {
    code.starts_with("IGNORED_")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Now, in epoch milliseconds (the documents' timestamp, the jobs' queue age).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

#[cfg(test)]
mod tests {
    use super::emf::tests::assert_valid_emf;
    use super::*;

    fn on() -> Metrics {
        Metrics::new(
            Some("AgentCoreBridge".into()),
            "stack-WebhookFunction-1".into(),
        )
    }

    fn analysed() -> DeliveryFigures<'static> {
        DeliveryFigures {
            route: "servicenow",
            code: "OK",
            latency: Duration::from_millis(840),
            agent_latency: Some(Duration::from_millis(812)),
            agent_error: false,
            throttled: false,
            cold_start: true,
            request_id: "req-1",
        }
    }

    #[test]
    fn an_analysed_delivery_reports_its_counts_and_latencies_by_route_and_outcome() {
        let doc = assert_valid_emf(&on().delivery(&analysed()).unwrap());
        assert_eq!(doc["Function"], "stack-WebhookFunction-1");
        assert_eq!(
            (doc["Route"].as_str(), doc["Outcome"].as_str()),
            (Some("servicenow"), Some("OK"))
        );
        assert_eq!(
            (doc["Deliveries"].as_u64(), doc["Latency"].as_u64()),
            (Some(1), Some(840))
        );
        assert_eq!(doc["AgentLatency"], 812);
        assert_eq!(
            (doc["ColdStart"].as_u64(), doc["AgentErrors"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(doc["request_id"], "req-1");
        let directives = doc["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 3, "no agent error, no by-code directive");
        assert_eq!(
            directives[1]["Dimensions"],
            serde_json::json!([["Function", "Route"], ["Function"]])
        );
    }

    #[test]
    fn a_throttled_delivery_counts_an_agent_error_by_its_code() {
        let figures = DeliveryFigures {
            code: "RATE_LIMIT_EXCEEDED",
            agent_error: true,
            throttled: true,
            cold_start: false,
            ..analysed()
        };
        let doc = assert_valid_emf(&on().delivery(&figures).unwrap());
        assert_eq!(
            (doc["AgentErrors"].as_u64(), doc["Throttled"].as_u64()),
            (Some(1), Some(1))
        );
        let by_code = &doc["_aws"]["CloudWatchMetrics"][3];
        assert_eq!(
            by_code["Dimensions"],
            serde_json::json!([["Function", "Outcome"]])
        );
        assert_eq!(doc["Outcome"], "RATE_LIMIT_EXCEEDED");
    }

    #[test]
    fn ignored_and_replayed_deliveries_are_counted_as_such() {
        for (code, replayed, ignored) in [
            ("IGNORED_EVENT", 0, 1),
            ("IGNORED_REPLAY", 1, 1),
            ("REPLAYED", 1, 0),
            ("ACCEPTED", 0, 0),
        ] {
            let figures = DeliveryFigures {
                code,
                agent_latency: None,
                ..analysed()
            };
            let doc = assert_valid_emf(&on().delivery(&figures).unwrap());
            assert_eq!(
                (doc["Replayed"].as_u64(), doc["Ignored"].as_u64()),
                (Some(replayed), Some(ignored)),
                "{code}"
            );
            assert!(
                doc.get("AgentLatency").is_none(),
                "no agent call, no agent latency"
            );
        }
    }

    #[test]
    fn jobs_and_write_backs_report_their_outcomes() {
        let done = assert_valid_emf(
            &on()
                .job(
                    "jira",
                    JobEnd::Completed,
                    Some(Duration::from_secs(3)),
                    "job_1",
                )
                .unwrap(),
        );
        assert_eq!(
            (done["JobsCompleted"].as_u64(), done["JobsFailed"].as_u64()),
            (Some(1), Some(0))
        );
        assert_eq!(
            (done["QueueAge"].as_u64(), done["Outcome"].as_str()),
            (Some(3000), Some("OK"))
        );
        let failed = assert_valid_emf(
            &on()
                .job("jira", JobEnd::Failed("AGENT_FAILED"), None, "job_2")
                .unwrap(),
        );
        assert_eq!(
            (failed["JobsFailed"].as_u64(), failed["Outcome"].as_str()),
            (Some(1), Some("AGENT_FAILED"))
        );
        assert!(failed.get("QueueAge").is_none());
        let wb = assert_valid_emf(&on().write_back("jira", "done", "job_1").unwrap());
        assert_eq!(
            (wb["WriteBacks"].as_u64(), wb["WriteBack"].as_str()),
            (Some(1), Some("done"))
        );
    }

    #[test]
    fn an_empty_namespace_writes_nothing() {
        let off = Metrics::new(Some("  ".into()), "f".into());
        assert_eq!(off.namespace, None);
        assert!(off.delivery(&analysed()).is_none());
        assert!(off.job("jira", JobEnd::Completed, None, "j").is_none());
        assert!(off.write_back("jira", "done", "j").is_none());
    }
}
