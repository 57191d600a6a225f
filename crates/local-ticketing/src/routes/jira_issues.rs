//! Jira Cloud's issue creation, `POST /rest/api/3/issue`, and search, `POST /rest/api/3/search/jql`
//! (the enhanced search, with `nextPageToken` paging). Creation validates every field at once and
//! answers 400 `{"errorMessages": [], "errors": {field: message}}`; search understands `project =`
//! and `labels =` clauses joined by `AND`.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::created::JIRA;
use super::{
    Context, Incoming, Reply, is_adf, jira_error, jira_unauthenticated, method_not_allowed,
};

/// Jira's limit on a summary, in characters.
const MAX_SUMMARY_CHARS: usize = 255;

/// The first issue's id is `10001`.
const FIRST_ID: u64 = 10_000;

/// Search's page size when `maxResults` is not given.
const DEFAULT_MAX_RESULTS: usize = 50;

/// The fields a search returns when `fields` is not given.
const DEFAULT_FIELDS: [&str; 2] = ["summary", "labels"];

const UNSUPPORTED_JQL: &str = "Error in the JQL Query: local-ticketing supports project = and labels = clauses joined by AND.";

/// `POST /rest/api/3/issue`: 201 `{"id", "key", "self"}`; the issue is kept with its fields as
/// sent. Keys are numbered per project (`OPS-1`, `OPS-2`), ids across projects.
pub(super) fn create(ctx: &Context, req: &Incoming) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if !req.auth.is_basic(&ctx.config.jira) {
        return jira_unauthenticated();
    }
    let Some(body) = req.body.filter(|b| b.is_object()) else {
        return unreadable();
    };
    let fields = &body["fields"];
    let errors = invalid_fields(fields);
    if !errors.is_empty() {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"errorMessages": [], "errors": errors}),
        );
    }
    let project = fields["project"]["key"].as_str().unwrap_or_default();
    let issue = ctx.created.open(JIRA, project, |position| {
        let id = (FIRST_ID + position.vendor).to_string();
        json!({
            "id": id,
            "key": format!("{project}-{}", position.scope),
            "self": format!("{}/rest/api/3/issue/{id}", ctx.endpoint),
            "fields": fields,
        })
    });
    Reply::new(
        StatusCode::CREATED,
        json!({"id": issue["id"], "key": issue["key"], "self": issue["self"]}),
    )
}

/// Jira's answer to a body that is not a JSON object.
fn unreadable() -> Reply {
    jira_error(
        StatusCode::BAD_REQUEST,
        "Invalid request payload. Refer to the REST API documentation and try again.",
    )
}

/// Every field error, by field, as Jira reports them together.
fn invalid_fields(fields: &Value) -> Map<String, Value> {
    let mut errors = Map::new();
    let mut refuse = |field: &str, message: String| {
        errors.insert(field.to_owned(), message.into());
    };
    if !fields["project"]["key"]
        .as_str()
        .is_some_and(is_project_key)
    {
        refuse("project", "valid project is required".into());
    }
    let issuetype = fields["issuetype"]["name"].as_str();
    if issuetype.is_none_or(|name| name.trim().is_empty()) {
        refuse("issuetype", "Specify an issue type".into());
    }
    match fields["summary"].as_str().map(str::trim) {
        None | Some("") => refuse("summary", "You must specify a summary of the issue.".into()),
        Some(summary) if summary.chars().count() > MAX_SUMMARY_CHARS => refuse(
            "summary",
            "Summary must be less than 255 characters.".into(),
        ),
        Some(summary) if summary.contains(['\n', '\r']) => refuse(
            "summary",
            "The summary is invalid because it contains newline characters.".into(),
        ),
        Some(_) => {}
    }
    match fields.get("description") {
        None | Some(Value::Null) => {}
        Some(doc) if is_adf(doc) => {}
        Some(_) => refuse(
            "description",
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                .into(),
        ),
    }
    match fields.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Array(labels)) => {
            for label in labels {
                match label.as_str() {
                    Some(l) if l.contains(char::is_whitespace) => {
                        refuse(
                            "labels",
                            format!("The label '{l}' contains spaces which is invalid."),
                        );
                    }
                    Some(_) => {}
                    None => refuse("labels", "data was not a string".into()),
                }
            }
        }
        Some(_) => refuse("labels", "data was not an array".into()),
    }
    errors
}

/// A project key: an uppercase letter, then uppercase letters, digits or `_`.
fn is_project_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// `POST /rest/api/3/search/jql` with `{"jql", "maxResults", "fields", "nextPageToken"}`: 200
/// `{"issues": [{"id", "key", "self", "fields"}], "isLast"}` (and `nextPageToken` when not
/// last), oldest first. `fields` picks what each issue's `fields` holds (`*all` or `*navigable`
/// for everything); without it, `summary` and `labels`.
pub(super) fn search(ctx: &Context, req: &Incoming) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if !req.auth.is_basic(&ctx.config.jira) {
        return jira_unauthenticated();
    }
    let Some(body) = req.body.filter(|b| b.is_object()) else {
        return unreadable();
    };
    let Some(clauses) = body["jql"].as_str().and_then(clauses) else {
        return jira_error(StatusCode::BAD_REQUEST, UNSUPPORTED_JQL);
    };
    let max = body["maxResults"]
        .as_u64()
        .map_or(DEFAULT_MAX_RESULTS, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        });
    let start = body["nextPageToken"]
        .as_str()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let wanted: Vec<&str> = match body["fields"].as_array() {
        Some(fields) => fields.iter().filter_map(Value::as_str).collect(),
        None => DEFAULT_FIELDS.to_vec(),
    };
    let matching: Vec<Value> = ctx
        .created
        .find(JIRA, None)
        .into_iter()
        .filter(|issue| clauses.iter().all(|clause| clause.holds(issue)))
        .collect();
    let issues: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(max)
        .map(|issue| {
            json!({
                "id": issue["id"],
                "key": issue["key"],
                "self": issue["self"],
                "fields": pick(&issue["fields"], &wanted),
            })
        })
        .collect();
    let end = start.saturating_add(max);
    let mut answer = json!({"issues": issues, "isLast": end >= matching.len()});
    if end < matching.len() {
        answer["nextPageToken"] = end.to_string().into();
    }
    Reply::new(StatusCode::OK, answer)
}

/// One supported JQL clause.
#[derive(Debug, PartialEq, Eq)]
enum Clause {
    /// `project = KEY` (keys compared case-insensitively, as JQL does).
    Project(String),
    /// `labels = label`: the issue has that label.
    Label(String),
}

impl Clause {
    fn holds(&self, issue: &Value) -> bool {
        match self {
            Clause::Project(key) => issue["fields"]["project"]["key"]
                .as_str()
                .is_some_and(|k| k.eq_ignore_ascii_case(key)),
            Clause::Label(label) => issue["fields"]["labels"]
                .as_array()
                .is_some_and(|labels| labels.iter().any(|l| l == label.as_str())),
        }
    }
}

/// The clauses of `jql`, joined by ` AND ` (any case); `None` for an empty query or anything
/// else (`OR`, `!=`, `~`, `in`, `ORDER BY`, other fields).
fn clauses(jql: &str) -> Option<Vec<Clause>> {
    let lower = jql.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(" and ") {
        parts.push(&jql[from..from + at]);
        from += at + " and ".len();
    }
    parts.push(&jql[from..]);
    if jql.trim().is_empty() {
        return None;
    }
    parts.into_iter().map(clause).collect()
}

/// `field = value`, the value bare (no spaces or quotes) or in double or single quotes.
fn clause(text: &str) -> Option<Clause> {
    let (field, value) = text.split_once('=')?;
    let value = value.trim();
    let quoted = ['"', '\''].into_iter().find_map(|q| {
        value
            .strip_prefix(q)
            .and_then(|v| v.strip_suffix(q))
            .filter(|inner| !inner.contains(q))
    });
    let bare = || {
        let plain = |c: char| !c.is_whitespace() && !"\"'(),!~=<>".contains(c);
        Some(value).filter(|v| !v.is_empty() && v.chars().all(plain))
    };
    let value = quoted.or_else(bare)?.to_owned();
    match field.trim().to_ascii_lowercase().as_str() {
        "project" => Some(Clause::Project(value)),
        "labels" => Some(Clause::Label(value)),
        _ => None,
    }
}

/// The `wanted` fields of `fields` (all of them for `*all` or `*navigable`); one the issue was
/// created without is `null` (`labels`: `[]`).
fn pick(fields: &Value, wanted: &[&str]) -> Value {
    if wanted.iter().any(|w| matches!(*w, "*all" | "*navigable")) {
        return fields.clone();
    }
    let picked: Map<String, Value> = wanted
        .iter()
        .map(|w| {
            // An issue without labels has an empty list, as every Jira issue has the field.
            let missing = if *w == "labels" {
                json!([])
            } else {
                Value::Null
            };
            ((*w).to_owned(), fields.get(*w).cloned().unwrap_or(missing))
        })
        .collect();
    Value::Object(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_clauses() {
        assert_eq!(
            clauses(r#"project = OPS and labels = "bridge-job-1""#),
            Some(vec![
                Clause::Project("OPS".into()),
                Clause::Label("bridge-job-1".into())
            ])
        );
        assert_eq!(
            clauses("labels='x y' AND Project=ops"),
            Some(vec![
                Clause::Label("x y".into()),
                Clause::Project("ops".into())
            ])
        );
        for bad in [
            "",
            "  ",
            "project = OPS OR labels = x",
            "labels != x",
            "labels ~ x",
            "labels in (a, b)",
            "status = Done",
            "project = OPS ORDER BY created DESC",
            "labels = \"a\"b\"",
            "project = OPS AND ",
        ] {
            assert_eq!(clauses(bad), None, "{bad}");
        }
    }

    #[test]
    fn project_keys() {
        for ok in ["OPS", "A1_B", "X"] {
            assert!(is_project_key(ok), "{ok}");
        }
        for bad in ["", "ops", "1OPS", "_OPS", "OP-S"] {
            assert!(!is_project_key(bad), "{bad}");
        }
    }
}
