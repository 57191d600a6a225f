//! ServiceNow's Table API on the table itself, `/api/now/table/{table}`, for `incident`: `POST`
//! opens a record (201, `{"result": record}`), `GET` finds records by `sysparm_query`
//! (`field=value` conditions joined by `^`, all of which must hold), trimmed to `sysparm_fields`
//! and capped at `sysparm_limit`. Checks in ServiceNow's order: method, auth, table, body or
//! query.

use http::StatusCode;
use serde_json::{Map, Value, json};

use super::created::SERVICENOW;
use super::{
    Context, Incoming, Reply, method_not_allowed, servicenow_error, servicenow_unauthenticated,
    servicenow_unreadable,
};
use crate::percent::form_param;

/// The one table served.
const INCIDENT: &str = "incident";

/// The first incident is `INC0010001`, as on a fresh instance.
const FIRST_NUMBER: u64 = 10_000;

pub(super) fn table(ctx: &Context, req: &Incoming, table: &str) -> Reply {
    if !matches!(req.method, "POST" | "GET") {
        return method_not_allowed();
    }
    if !req.auth.is_basic(&ctx.config.servicenow) {
        return servicenow_unauthenticated();
    }
    if table != INCIDENT {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"error": {"message": format!("Invalid table {table}"), "detail": null}, "status": "failure"}),
        );
    }
    if req.method == "POST" {
        create(ctx, req)
    } else {
        query(ctx, req)
    }
}

/// The record as sent, with the server's `sys_id` (32 lowercase hex digits), `number` and
/// `sys_class_name` (those three cannot be chosen by the client).
fn create(ctx: &Context, req: &Incoming) -> Reply {
    let Some(Value::Object(fields)) = req.body else {
        return servicenow_unreadable();
    };
    let record = ctx.created.open(SERVICENOW, INCIDENT, |position| {
        let mut record = fields.clone();
        let sys_id = uuid::Uuid::new_v4().simple().to_string();
        record.insert("sys_id".into(), sys_id.into());
        record.insert(
            "number".into(),
            format!("INC{:07}", FIRST_NUMBER + position.scope).into(),
        );
        record.insert("sys_class_name".into(), INCIDENT.into());
        Value::Object(record)
    });
    let location = format!(
        "{}/api/now/table/{INCIDENT}/{}",
        ctx.endpoint,
        record["sys_id"].as_str().unwrap_or_default()
    );
    let mut reply = Reply::new(StatusCode::CREATED, json!({ "result": record }));
    reply.headers.push(("location", location));
    reply
}

/// `GET ?sysparm_query=…&sysparm_fields=…&sysparm_limit=…`: the matching records, oldest first.
fn query(ctx: &Context, req: &Incoming) -> Reply {
    let query = form_param(req.query, "sysparm_query").unwrap_or_default();
    let Some(conditions) = conditions(&query) else {
        return servicenow_error(
            StatusCode::BAD_REQUEST,
            "Unsupported query",
            "local-ticketing supports field=value conditions joined by ^",
        );
    };
    // ServiceNow ignores a limit it cannot read.
    let limit = form_param(req.query, "sysparm_limit")
        .and_then(|l| l.trim().parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let fields = form_param(req.query, "sysparm_fields").filter(|f| !f.trim().is_empty());
    let fields: Option<Vec<&str>> = fields.as_deref().map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect()
    });
    let result: Vec<Value> = ctx
        .created
        .find(SERVICENOW, Some(INCIDENT))
        .into_iter()
        .filter(|record| {
            conditions
                .iter()
                .all(|(field, value)| text(&record[*field]) == *value)
        })
        .take(limit)
        .map(|record| match &fields {
            Some(fields) => select(&record, fields),
            None => record,
        })
        .collect();
    Reply::new(StatusCode::OK, json!({ "result": result }))
}

/// `field=value` conditions joined by `^` (empty parts skipped); `None` for anything else: other
/// operators (`!=`, `LIKE`, `IN`, `>`…), `^OR`, `^NQ`, `ORDERBY…`. Field names are lowercase
/// (`correlation_id`, `u_custom`, dot-walked `caller_id.name`).
fn conditions(query: &str) -> Option<Vec<(&str, &str)>> {
    query
        .split('^')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (field, value) = part.split_once('=')?;
            let name = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.".contains(&b);
            (!field.is_empty() && field.bytes().all(name)).then_some((field, value))
        })
        .collect()
}

/// A field's value as a query compares it: strings as they are, a missing field or `null` as
/// the empty string, anything else as its JSON text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Only `fields` of `record` (those it has).
fn select(record: &Value, fields: &[&str]) -> Value {
    let selected: Map<String, Value> = fields
        .iter()
        .filter_map(|f| record.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    Value::Object(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_equality_conditions() {
        assert_eq!(
            conditions("correlation_id=job-1^active=true^"),
            Some(vec![("correlation_id", "job-1"), ("active", "true")])
        );
        assert_eq!(
            conditions("short_description=a=b"),
            Some(vec![("short_description", "a=b")])
        );
        assert_eq!(
            conditions("caller_id.name="),
            Some(vec![("caller_id.name", "")])
        );
        assert_eq!(conditions(""), Some(vec![]));
        for bad in [
            "priority!=1",
            "short_descriptionLIKEdisk",
            "a=1^ORb=2",
            "a=1^NQb=2",
            "a=1^ORDERBYDESCsys_created_on",
            "priorityIN1,2",
            "=x",
        ] {
            assert_eq!(conditions(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_compare_as_text() {
        assert_eq!(text(&json!("x")), "x");
        assert_eq!(text(&json!(3)), "3");
        assert_eq!(text(&json!(true)), "true");
        assert_eq!(text(&Value::Null), "");
    }
}
