//! The write-back APIs, and ticket creation with its lookups: status codes, checks in the
//! vendors' order, and their documents (success and error), so a client meets the same answers it
//! will meet in production. ServiceNow, GitHub and Jira comments are here; their creates and
//! lookups, the chat webhooks, the other trackers and SNS have a module each, and the created
//! tickets are kept in [`created`].

mod created;
mod github_issues;
mod gitlab;
mod gitlab_issues;
mod jira_issues;
mod linear;
mod servicenow_table;
mod slack;
mod sns;
mod teams;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use http::StatusCode;
use serde_json::{Value, json};

use crate::auth::{PresentedAuth, TicketingConfig};
use crate::percent::query_param;

/// What an answer carries.
pub(crate) enum Payload {
    /// A JSON document (`application/json; charset=utf-8`).
    Json(Value),
    /// Plain text (`text/plain; charset=utf-8`): Slack's `ok` and error strings.
    Text(&'static str),
    /// Nothing, and no `Content-Type`: Power Automate's 202.
    Empty,
    /// Any other text with its `Content-Type`: SNS's XML and PEM certificates.
    Typed(&'static str, String),
}

/// An answer: status, body and any extra headers.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Payload,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn with(status: StatusCode, body: Payload) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn new(status: StatusCode, body: Value) -> Reply {
        Reply::with(status, Payload::Json(body))
    }

    fn text(status: StatusCode, text: &'static str) -> Reply {
        Reply::with(status, Payload::Text(text))
    }

    fn empty(status: StatusCode) -> Reply {
        Reply::with(status, Payload::Empty)
    }

    fn typed(status: StatusCode, content_type: &'static str, body: String) -> Reply {
        Reply::with(status, Payload::Typed(content_type, body))
    }
}

/// One request, as the routes need it.
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query string without the `?`.
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub auth: &'a PresentedAuth,
    /// `None` when the body is not JSON.
    pub body: Option<&'a Value>,
    /// The body as received (for size limits).
    pub raw: &'a [u8],
}

/// What the routes share: credentials, the server's own URL (for `url`/`self` links), the
/// next comment id, Linear's answers by client-chosen comment id (for idempotent retries) and
/// the tickets created.
pub(crate) struct Context {
    pub config: TicketingConfig,
    pub endpoint: String,
    pub next_id: AtomicU64,
    pub linear_comments: Mutex<HashMap<String, Value>>,
    created: created::Created,
}

impl Context {
    /// Nothing created yet; ids from 1001.
    pub(crate) fn new(config: TicketingConfig, endpoint: String) -> Context {
        Context {
            config,
            endpoint,
            next_id: AtomicU64::new(1001),
            linear_comments: Mutex::default(),
            created: created::Created::default(),
        }
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// What each create of `vendor` stored, in creation order; `None` for a vendor whose
    /// tickets the stub does not create.
    pub(crate) fn created(&self, vendor: &str) -> Option<Vec<Value>> {
        created::VENDORS
            .contains(&vendor)
            .then(|| self.created.find(vendor, None))
    }
}

pub(crate) fn dispatch(ctx: &Context, req: &Incoming) -> Reply {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "now", "table", table] => servicenow_table::table(ctx, req, table),
        ["api", "now", "table", table, sys_id] => servicenow(ctx, req, table, sys_id),
        ["repos", owner, repo, "issues"] => github_issues::issues(ctx, req, owner, repo),
        ["repos", owner, repo, "issues", number, "comments"] => {
            github(ctx, req, owner, repo, number)
        }
        ["rest", "api", "3", "issue"] => jira_issues::create(ctx, req),
        ["rest", "api", "3", "search", "jql"] => jira_issues::search(ctx, req),
        ["rest", "api", "3", "issue", key, "comment"] => jira(ctx, req, key),
        ["services", _team, _channel, token] => slack::post(ctx, req, token),
        ["workflows", id, "triggers", "manual", "paths", "invoke"]
        | [
            "powerautomate",
            "automations",
            "direct",
            "workflows",
            id,
            "triggers",
            "manual",
            "paths",
            "invoke",
        ] => teams::invoke(ctx, req, id),
        ["api", "v4", "projects", project, "issues"] => gitlab_issues::issues(ctx, req, project),
        ["api", "v4", "projects", project, "issues", iid, "notes"] => {
            gitlab::note(ctx, req, project, iid)
        }
        ["graphql"] => linear::graphql(ctx, req),
        [name] if sns::is_certificate(name) => sns::certificate(ctx, req),
        // The Query API lives at the root; `/` without an `Action` stays a 404.
        [""] if query_param(req.query, "Action").is_some() => sns::action(ctx, req),
        _ => Reply::new(StatusCode::NOT_FOUND, json!({"message": "Not Found"})),
    }
}

fn method_not_allowed() -> Reply {
    Reply::new(
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"message": "Method Not Allowed"}),
    )
}

/// ServiceNow's error envelope.
fn servicenow_error(status: StatusCode, message: &str, detail: &str) -> Reply {
    Reply::new(
        status,
        json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
    )
}

/// ServiceNow's 401.
fn servicenow_unauthenticated() -> Reply {
    servicenow_error(
        StatusCode::UNAUTHORIZED,
        "User Not Authenticated",
        "Required to provide Auth information",
    )
}

/// ServiceNow's answer to a body that is not a JSON object.
fn servicenow_unreadable() -> Reply {
    servicenow_error(
        StatusCode::BAD_REQUEST,
        "Exception while reading request",
        "The payload is not valid JSON.",
    )
}

/// `PATCH` (or `PUT`) `/api/now/table/{table}/{sys_id}`: auth, then the record, then the body.
fn servicenow(ctx: &Context, req: &Incoming, table: &str, sys_id: &str) -> Reply {
    if !matches!(req.method, "PATCH" | "PUT") {
        return method_not_allowed();
    }
    if !req.auth.is_basic(&ctx.config.servicenow) {
        return servicenow_unauthenticated();
    }
    if sys_id.len() != 32 || !sys_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return servicenow_error(
            StatusCode::NOT_FOUND,
            "No Record found",
            "Record doesn't exist or ACL restricts the record retrieval",
        );
    }
    let Some(Value::Object(fields)) = req.body else {
        return servicenow_unreadable();
    };
    let mut result = fields.clone();
    result.insert("sys_id".into(), sys_id.into());
    result.insert("sys_class_name".into(), table.into());
    result.insert(
        "sys_updated_by".into(),
        ctx.config.servicenow.username.clone().into(),
    );
    Reply::new(StatusCode::OK, json!({ "result": result }))
}

/// GitHub's first checks, for every route: it refuses requests without a `User-Agent` before
/// anything else (many HTTP clients send none by default), then bad credentials.
fn github_refusal(ctx: &Context, req: &Incoming) -> Option<Reply> {
    if !req.headers.contains_key(http::header::USER_AGENT) {
        return Some(Reply::new(
            StatusCode::FORBIDDEN,
            json!({"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."}),
        ));
    }
    if !req.auth.is_token(&ctx.config.github_token) {
        return Some(Reply::new(
            StatusCode::UNAUTHORIZED,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        ));
    }
    None
}

/// `POST /repos/{owner}/{repo}/issues/{number}/comments`, after [`github_refusal`]'s checks.
fn github(ctx: &Context, req: &Incoming, owner: &str, repo: &str, number: &str) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if let Some(refusal) = github_refusal(ctx, req) {
        return refusal;
    }
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Reply::new(
            StatusCode::NOT_FOUND,
            json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
        );
    }
    let Some(text) = req.body.and_then(|b| b.get("body")).and_then(Value::as_str) else {
        return Reply::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": "Invalid request.\n\n\"body\" wasn't supplied.", "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment", "status": "422"}),
        );
    };
    let id = ctx.id();
    let url = format!("{}/repos/{owner}/{repo}/issues/comments/{id}", ctx.endpoint);
    let mut reply = Reply::new(
        StatusCode::CREATED,
        json!({
            "id": id,
            "body": text,
            "url": url,
            "html_url": format!("https://github.com/{owner}/{repo}/issues/{number}#issuecomment-{id}"),
            "issue_url": format!("{}/repos/{owner}/{repo}/issues/{number}", ctx.endpoint),
        }),
    );
    reply.headers.push(("location", url));
    reply
}

/// Jira's error envelope.
fn jira_error(status: StatusCode, message: &str) -> Reply {
    Reply::new(status, json!({"errorMessages": [message], "errors": {}}))
}

/// Jira's 401.
fn jira_unauthenticated() -> Reply {
    jira_error(
        StatusCode::UNAUTHORIZED,
        "Client must be authenticated to access this resource.",
    )
}

/// An issue key (`OPS-12`) or a numeric issue id.
fn is_issue_key(key: &str) -> bool {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let Some((project, number)) = key.rsplit_once('-') else {
        return false;
    };
    project.starts_with(|c: char| c.is_ascii_uppercase())
        && project
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// `POST /rest/api/3/issue/{key}/comment`: the body must be an Atlassian Document Format
/// document (`{"type": "doc", "version": 1, "content": [...]}`) with some text; a plain string
/// (API v2's form) is refused, as Jira Cloud's v3 does.
fn jira(ctx: &Context, req: &Incoming, key: &str) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if !req.auth.is_basic(&ctx.config.jira) {
        return jira_unauthenticated();
    }
    if !is_issue_key(key) {
        return jira_error(
            StatusCode::NOT_FOUND,
            "Issue does not exist or you do not have permission to see it.",
        );
    }
    let doc = req.body.and_then(|b| b.get("body")).filter(|d| is_adf(d));
    let Some(doc) = doc.filter(|d| !adf_text(d).trim().is_empty()) else {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"errorMessages": ["INVALID_INPUT"], "errors": {"comment": "Comment body is not valid!"}}),
        );
    };
    let id = ctx.id().to_string();
    Reply::new(
        StatusCode::CREATED,
        json!({
            "id": id,
            "self": format!("{}/rest/api/3/issue/{key}/comment/{id}", ctx.endpoint),
            "body": doc,
            "author": {"emailAddress": ctx.config.jira.username},
        }),
    )
}

/// Whether `v` is an ADF document: `type` `doc`, `version` 1, a `content` array.
fn is_adf(v: &Value) -> bool {
    v["type"] == "doc" && v["version"] == 1 && v["content"].is_array()
}

/// The text of an ADF document's text nodes, in order.
fn adf_text(v: &Value) -> String {
    match v {
        Value::Object(node) => {
            let own = node.get("text").and_then(Value::as_str).unwrap_or("");
            let inner: String = node
                .get("content")
                .and_then(Value::as_array)
                .map(|c| c.iter().map(adf_text).collect())
                .unwrap_or_default();
            format!("{own}{inner}")
        }
        _ => String::new(),
    }
}

/// The answer to a request [`crate::RunningTicketing::fail_next`] fails. `Retry-After` keeps
/// clients that honour it (as the bridge should on 429/503) from waiting long.
pub(crate) fn scripted(status: StatusCode) -> Reply {
    let mut reply = Reply::new(
        status,
        json!({"message": format!("{} (scripted by local-ticketing)", status.canonical_reason().unwrap_or("failure"))}),
    );
    if matches!(status.as_u16(), 429 | 503) {
        reply.headers.push(("retry-after", "1".into()));
    }
    reply
}

/// The answer to a request [`crate::RunningTicketing::lose_next_answers`] processed: 503, as a
/// proxy answers when the service's own answer never reached it.
pub(crate) fn answer_lost() -> Reply {
    let mut reply = Reply::new(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"message": "local-ticketing: answer lost"}),
    );
    reply.headers.push(("retry-after", "1".into()));
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys() {
        for ok in ["OPS-12", "A1_B-3", "10042"] {
            assert!(is_issue_key(ok), "{ok}");
        }
        for bad in ["ops-12", "OPS-", "-12", "OPS12", "", "1-OPS-x"] {
            assert!(!is_issue_key(bad), "{bad}");
        }
    }
}
