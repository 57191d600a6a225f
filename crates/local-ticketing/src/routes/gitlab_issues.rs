//! GitLab issues of a project, `/api/v4/projects/{id}/issues` (`{id}` numeric or a URL-encoded
//! path): `POST` opens one (201), `GET` lists the project's issues having all the `labels` asked
//! for, newest first, `per_page` at a time. Checks in GitLab's order: the token, the parameters
//! (Grape's `{"error": …}`), the project. A project is known by the id it was addressed with: an
//! issue opened under `42` is not listed under `acme%2Fops`.

use std::time::SystemTime;

use http::StatusCode;
use serde_json::{Value, json};

use super::created::{GITLAB, Listing};
use super::gitlab::{authenticated, is_project, timestamp};
use super::{Context, Incoming, Reply};
use crate::percent::{form_param, percent_decode};

/// The page size when `per_page` is not given, and the largest GitLab allows.
const DEFAULT_PER_PAGE: usize = 20;

pub(super) fn issues(ctx: &Context, req: &Incoming, project: &str) -> Reply {
    if !matches!(req.method, "POST" | "GET") {
        return Reply::new(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": "405 Not Allowed"}),
        );
    }
    if !authenticated(ctx, req) {
        return Reply::new(
            StatusCode::UNAUTHORIZED,
            json!({"message": "401 Unauthorized"}),
        );
    }
    let project = percent_decode(project);
    if req.method == "POST" {
        create(ctx, req, &project)
    } else {
        list(ctx, req, &project)
    }
}

fn bad_parameter(message: &str) -> Reply {
    Reply::new(StatusCode::BAD_REQUEST, json!({"error": message}))
}

fn project_not_found() -> Reply {
    Reply::new(
        StatusCode::NOT_FOUND,
        json!({"message": "404 Project Not Found"}),
    )
}

/// `{"title", "description", "labels"}`, `labels` a comma-separated string (or an array).
fn create(ctx: &Context, req: &Incoming, project: &str) -> Reply {
    let body = req.body.unwrap_or(&Value::Null);
    let Some(title) = body["title"].as_str().filter(|t| !t.trim().is_empty()) else {
        return bad_parameter("title is missing");
    };
    let Some(labels) = labels(&body["labels"]) else {
        return bad_parameter("labels is invalid");
    };
    if !is_project(project) {
        return project_not_found();
    }
    let description = body["description"].as_str();
    let issue = ctx.created.open(GITLAB, project, |position| {
        let iid = position.scope;
        let now = timestamp(SystemTime::now());
        json!({
            "id": ctx.id(),
            "iid": iid,
            "project_id": project_id(project),
            "title": title,
            "description": description,
            "labels": labels,
            "state": "opened",
            "created_at": now,
            "updated_at": now,
            "closed_at": null,
            "web_url": web_url(&ctx.endpoint, project, iid),
        })
    });
    Reply::new(StatusCode::CREATED, issue)
}

/// A create's labels: none when absent, `"a, b"` split at commas, or an array of strings;
/// trimmed, blanks and repeats dropped. `None` for anything else.
fn labels(labels: &Value) -> Option<Vec<String>> {
    let names: Vec<&str> = match labels {
        Value::Null => Vec::new(),
        Value::String(list) => list.split(',').collect(),
        Value::Array(items) => items.iter().map(Value::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    let mut kept: Vec<String> = Vec::new();
    for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
        if !kept.iter().any(|k| k == name) {
            kept.push(name.to_owned());
        }
    }
    Some(kept)
}

/// A numeric id as it is; a path gets a stable number of its own (the stub keeps no projects).
fn project_id(project: &str) -> u64 {
    project.parse().unwrap_or_else(|_| {
        // FNV-1a, folded into six digits.
        let hash = project.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        100_000 + hash % 900_000
    })
}

/// `{endpoint}/{namespace/project}/-/issues/{iid}`; a numeric id stands in for the path.
fn web_url(endpoint: &str, project: &str, iid: u64) -> String {
    if project.contains('/') {
        format!("{endpoint}/{project}/-/issues/{iid}")
    } else {
        format!("{endpoint}/projects/{project}/-/issues/{iid}")
    }
}

/// `GET ?labels=a,b&state=opened|closed|all&per_page=n&page=p&sort=desc|asc`.
fn list(ctx: &Context, req: &Incoming, project: &str) -> Reply {
    let param = |name| form_param(req.query, name);
    let state = param("state").unwrap_or_else(|| "all".into());
    if !matches!(state.as_str(), "opened" | "closed" | "all") {
        return bad_parameter("state does not have a valid value");
    }
    let sort = param("sort").unwrap_or_else(|| "desc".into());
    if !matches!(sort.as_str(), "asc" | "desc") {
        return bad_parameter("sort does not have a valid value");
    }
    if !is_project(project) {
        return project_not_found();
    }
    let listing = Listing::from_query(req.query, DEFAULT_PER_PAGE);
    let mut found: Vec<Value> = ctx
        .created
        .find(GITLAB, Some(project))
        .into_iter()
        // Every issue created here is open.
        .filter(|_| state != "closed")
        .filter(|issue| {
            listing.labels.iter().all(|label| {
                issue["labels"]
                    .as_array()
                    .is_some_and(|labels| labels.iter().any(|l| l == label.as_str()))
            })
        })
        .collect();
    if sort == "desc" {
        found.reverse();
    }
    Reply::new(StatusCode::OK, listing.page(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_a_comma_list_or_an_array() {
        let some = |l: &[&str]| Some(l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(labels(&json!("a, b,,a")), some(&["a", "b"]));
        assert_eq!(labels(&json!(["x", " y "])), some(&["x", "y"]));
        assert_eq!(labels(&Value::Null), some(&[]));
        assert_eq!(labels(&json!([1])), None);
        assert_eq!(labels(&json!(true)), None);
    }

    #[test]
    fn project_ids_and_urls() {
        assert_eq!(project_id("42"), 42);
        let id = project_id("acme/ops");
        assert!((100_000..1_000_000).contains(&id));
        assert_eq!(id, project_id("acme/ops"));
        assert_ne!(id, project_id("acme/infra"));
        assert_eq!(
            web_url("http://h", "acme/ops", 3),
            "http://h/acme/ops/-/issues/3"
        );
        assert_eq!(
            web_url("http://h", "42", 3),
            "http://h/projects/42/-/issues/3"
        );
    }
}
