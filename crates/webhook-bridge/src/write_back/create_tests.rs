//! The lookups and creates of new tickets for alerts, field by field, and the places refused
//! before any URL is built.

use serde_json::{Value, json};
use ticket_prompt::Source;

use super::*;

const ABOUT: &str =
    "Alertmanager alert group group-1: <!channel> CPU (https://am.example/#/alerts)";
const JOB: &str = "job_0123abcd";

fn sink(source: Source, json: Value) -> (Box<Credentials>, TicketPlace) {
    match Credentials::parse(source, &json.to_string()).unwrap() {
        Credentials::NewTicket { system, place } => (system, place),
        other => panic!("{other:?}"),
    }
}

#[test]
fn servicenow_incidents_carry_the_job_as_correlation_id() {
    let (system, place) = sink(
        Source::Alertmanager,
        json!({"sink": "servicenow", "instance_url": "https://acme.service-now.com",
            "username": "svc", "password": "pw"}),
    );
    let c = creation(ABOUT, &system, &place, "[code]<img>[/code] restart", JOB).unwrap();
    assert_eq!(c.lookup.method, http::Method::GET);
    assert_eq!(
        c.lookup.url,
        "https://acme.service-now.com/api/now/table/incident?sysparm_query=correlation_id%3Djob_0123abcd&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1"
    );
    assert!(c.lookup.body.is_null());
    assert_eq!(c.found_at, "/result");
    assert_eq!(
        c.create.url,
        "https://acme.service-now.com/api/now/table/incident"
    );
    let body = &c.create.body;
    assert_eq!(body["correlation_id"], JOB);
    assert_eq!(body["short_description"], ABOUT);
    let notes = body["work_notes"].as_str().unwrap();
    assert!(notes.starts_with("AI analysis (AgentCore bridge, job job_0123abcd):"));
    assert!(!notes.to_lowercase().contains("[code]"), "{notes}");
    assert!(c.exists(&json!({"result": [{"sys_id": "x"}]})).unwrap());
    assert!(!c.exists(&json!({"result": []})).unwrap());
    assert_eq!(c.exists(&json!({})), Err(WriteBackError::ServerError));
}

#[test]
fn jira_issues_are_found_by_the_jobs_label() {
    let (system, place) = sink(
        Source::Grafana,
        json!({"sink": "jira", "base_url": "https://acme.atlassian.net", "email": "b@acme.test",
            "api_token": "t", "project_key": "OPS"}),
    );
    let c = creation(ABOUT, &system, &place, "analysis", JOB).unwrap();
    assert_eq!(
        c.lookup.url,
        "https://acme.atlassian.net/rest/api/3/search/jql"
    );
    assert_eq!(
        c.lookup.body["jql"],
        "project = \"OPS\" AND labels = \"job_0123abcd\""
    );
    let fields = &c.create.body["fields"];
    assert_eq!(fields["project"]["key"], "OPS");
    assert_eq!(fields["issuetype"]["name"], "Task");
    assert_eq!(fields["labels"], json!([BRIDGE_LABEL, JOB]));
    assert_eq!(fields["description"]["type"], "doc", "an ADF document");
    assert!(c.exists(&json!({"issues": [{"key": "OPS-1"}]})).unwrap());
}

#[test]
fn github_and_gitlab_issues_are_found_by_the_jobs_label() {
    let (system, place) = sink(
        Source::Sentry,
        json!({"sink": "github", "token": "ghp_x", "repository": "acme/ops"}),
    );
    let c = creation(
        ABOUT,
        &system,
        &place,
        "@org/team see ![x](https://evil.example/p.png)",
        JOB,
    )
    .unwrap();
    assert_eq!(
        c.lookup.url,
        "https://api.github.com/repos/acme/ops/issues?labels=job_0123abcd&state=all&per_page=1"
    );
    assert_eq!(c.create.url, "https://api.github.com/repos/acme/ops/issues");
    assert_eq!(c.create.body["labels"], json!([BRIDGE_LABEL, JOB]));
    let body = c.create.body["body"].as_str().unwrap();
    assert!(!body.contains("![x](https://"), "no remote image: {body}");
    assert!(c.exists(&json!([{"number": 1}])).unwrap());
    assert!(!c.exists(&json!([])).unwrap());

    let (system, place) = sink(
        Source::Datadog,
        json!({"sink": "gitlab", "token": "glpat", "project": "acme/sub/ops"}),
    );
    let c = creation(ABOUT, &system, &place, "/close", JOB).unwrap();
    assert_eq!(
        c.lookup.url,
        "https://gitlab.com/api/v4/projects/acme%2Fsub%2Fops/issues?labels=job_0123abcd&per_page=1"
    );
    assert_eq!(
        c.create.body["labels"],
        format!("{BRIDGE_LABEL},{JOB}").as_str()
    );
    let description = c.create.body["description"].as_str().unwrap();
    let outside: Vec<&str> = description.split("```").step_by(2).collect();
    assert!(
        outside
            .iter()
            .all(|part| !part.lines().any(|l| l.starts_with('/'))),
        "no quick action outside the fence: {description}"
    );
}

#[test]
fn places_not_of_the_vendors_format_are_never_sent() {
    for (source, json) in [
        (
            Source::Sentry,
            json!({"sink": "github", "token": "t", "repository": "acme/../x"}),
        ),
        (
            Source::Sentry,
            json!({"sink": "github", "token": "t", "repository": "acme"}),
        ),
        (
            Source::Splunk,
            json!({"sink": "gitlab", "token": "t", "project": "acme/..%2F"}),
        ),
    ] {
        let (system, place) = sink(source, json);
        assert_eq!(
            creation(ABOUT, &system, &place, "a", JOB),
            Err(WriteBackError::InvalidTarget)
        );
    }
    // A Jira key with a quote would break out of the JQL string: refused when read.
    assert!(
        Credentials::parse(
            Source::Grafana,
            &json!({"sink": "jira", "base_url": "https://a.atlassian.net", "email": "e",
                "api_token": "t", "project_key": "OPS\" OR x = \"y"})
            .to_string()
        )
        .is_err()
    );
    // The sinks are the alert sources': a ticket source writes back to its own ticket.
    assert!(
        Credentials::parse(
            Source::GitHub,
            &json!({"sink": "github", "token": "t", "repository": "acme/ops"}).to_string()
        )
        .is_err()
    );
}
