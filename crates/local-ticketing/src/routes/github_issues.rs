//! GitHub issues of a repository, `/repos/{owner}/{repo}/issues`: `POST` opens one (201 with a
//! `Location`), `GET` lists the repository's issues having all the `labels` asked for, newest
//! first, `per_page` at a time. After [`super::github_refusal`]'s checks; refusals are 422s.
//! Every repository exists; owner and name are compared case-insensitively, as GitHub does.

use http::StatusCode;
use serde_json::{Value, json};

use super::created::{GITHUB, Listing};
use super::{Context, Incoming, Reply, github_refusal, method_not_allowed};
use crate::percent::form_param;

const CREATE_DOCS: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
const LIST_DOCS: &str = "https://docs.github.com/rest/issues/issues#list-repository-issues";

/// The page size when `per_page` is not given, and the largest GitHub allows.
const DEFAULT_PER_PAGE: usize = 30;

pub(super) fn issues(ctx: &Context, req: &Incoming, owner: &str, repo: &str) -> Reply {
    if !matches!(req.method, "POST" | "GET") {
        return method_not_allowed();
    }
    if let Some(refusal) = github_refusal(ctx, req) {
        return refusal;
    }
    let scope = format!("{owner}/{repo}").to_ascii_lowercase();
    if req.method == "POST" {
        create(ctx, req, owner, repo, &scope)
    } else {
        list(ctx, req, &scope)
    }
}

/// A 422 with GitHub's `message`.
fn invalid(message: String, documentation_url: &str) -> Reply {
    Reply::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"message": message, "documentation_url": documentation_url, "status": "422"}),
    )
}

/// `{"title", "body", "labels"}`: `title` a string (or a number, which GitHub takes as text),
/// `labels` names or `{"name"}` objects.
fn create(ctx: &Context, req: &Incoming, owner: &str, repo: &str, scope: &str) -> Reply {
    let body = req.body.unwrap_or(&Value::Null);
    let title = match body.get("title") {
        None | Some(Value::Null) => {
            return invalid(
                "Invalid request.\n\n\"title\" wasn't supplied.".into(),
                CREATE_DOCS,
            );
        }
        Some(Value::String(title)) => title.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return invalid(
                format!(
                    "Invalid request.\n\nFor 'properties/title', {other} is not a string or integer."
                ),
                CREATE_DOCS,
            );
        }
    };
    if title.trim().is_empty() {
        return Reply::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                "documentation_url": CREATE_DOCS,
                "status": "422",
            }),
        );
    }
    let labels = match labels(body.get("labels")) {
        Ok(labels) => labels,
        Err(message) => return invalid(message, CREATE_DOCS),
    };
    let text = body.get("body").filter(|b| b.is_string()).cloned();
    let issue = ctx.created.open(GITHUB, scope, |position| {
        let number = position.scope;
        let repository_url = format!("{}/repos/{owner}/{repo}", ctx.endpoint);
        json!({
            "id": ctx.id(),
            "number": number,
            "title": title,
            "body": text,
            "labels": labels.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
            "state": "open",
            "comments": 0,
            "url": format!("{repository_url}/issues/{number}"),
            "html_url": format!("https://github.com/{owner}/{repo}/issues/{number}"),
            "repository_url": repository_url,
        })
    });
    let location = issue["url"].as_str().unwrap_or_default().to_owned();
    let mut reply = Reply::new(StatusCode::CREATED, issue);
    reply.headers.push(("location", location));
    reply
}

/// The label names of a create's `labels` (absent or `null`: none).
fn labels(labels: Option<&Value>) -> Result<Vec<String>, String> {
    let items = match labels {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "Invalid request.\n\nFor 'properties/labels', {other} is not an array."
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .or_else(|| item["name"].as_str())
                .map(str::to_owned)
                .ok_or_else(|| format!("Invalid request.\n\nFor 'items', {item} is not a string."))
        })
        .collect()
}

/// `GET ?labels=a,b&state=open|closed|all&per_page=n&page=p&direction=desc|asc`.
fn list(ctx: &Context, req: &Incoming, scope: &str) -> Reply {
    let param = |name| form_param(req.query, name);
    let state = param("state").unwrap_or_else(|| "open".into());
    if !matches!(state.as_str(), "open" | "closed" | "all") {
        return Reply::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation Failed",
                "errors": [{"value": state, "resource": "Issue", "field": "state", "code": "invalid"}],
                "documentation_url": LIST_DOCS,
                "status": "422",
            }),
        );
    }
    let listing = Listing::from_query(req.query, DEFAULT_PER_PAGE);
    let mut found: Vec<Value> = ctx
        .created
        .find(GITHUB, Some(scope))
        .into_iter()
        // Every issue created here is open.
        .filter(|_| state != "closed")
        .filter(|issue| listing.labels.iter().all(|label| has_label(issue, label)))
        .collect();
    if param("direction").as_deref() != Some("asc") {
        found.reverse();
    }
    Reply::new(StatusCode::OK, listing.page(found))
}

fn has_label(issue: &Value, label: &str) -> bool {
    issue["labels"]
        .as_array()
        .is_some_and(|labels| labels.iter().any(|l| l["name"] == label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_names_or_objects() {
        assert_eq!(labels(None), Ok(vec![]));
        assert_eq!(
            labels(Some(&json!(["a", {"name": "b"}]))),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert!(
            labels(Some(&json!("a,b")))
                .unwrap_err()
                .contains("not an array")
        );
        assert!(
            labels(Some(&json!([1])))
                .unwrap_err()
                .contains("not a string")
        );
    }
}
