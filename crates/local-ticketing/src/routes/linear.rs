//! Linear's GraphQL API, `POST /graphql`, as far as the `commentCreate` mutation. GraphQL errors
//! come as an `errors` array: authentication and validation failures with HTTP 400, failures
//! while running the mutation (an unknown issue) with HTTP 200 and `"data": null`.

use http::StatusCode;
use serde_json::{Value, json};

use super::{Context, Incoming, Reply, method_not_allowed};
use crate::auth::PresentedAuth;

pub(super) fn graphql(ctx: &Context, req: &Incoming) -> Reply {
    if req.method != "POST" {
        return method_not_allowed();
    }
    if !authenticated(ctx, req.auth) {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{
                "message": "Authentication required, not authenticated",
                "extensions": {
                    "type": "authentication error",
                    "code": "AUTHENTICATION_ERROR",
                    "statusCode": 401,
                    "userPresentableMessage": "You need to authenticate to access this operation.",
                },
            }]}),
        );
    }
    let Some(query) = req.body.and_then(|b| b["query"].as_str()) else {
        return validation_failed("Must provide query string.");
    };
    if !query.contains("commentCreate") {
        return validation_failed("local-ticketing serves only the commentCreate mutation.");
    }
    let input = &req.body.map_or(&Value::Null, |b| &b["variables"]["input"]);
    if !input.is_object() {
        return validation_failed(
            "Variable \"$input\" of required type \"CommentCreateInput!\" was not provided.",
        );
    }
    let field = |name: &str| input[name].as_str().filter(|s| !s.is_empty());
    let (Some(issue), Some(body)) = (field("issueId"), field("body")) else {
        return validation_failed(
            "Variable \"$input\" got invalid value; fields \"issueId\" and \"body\" must be non-empty strings.",
        );
    };
    let client_id = match input.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if is_uuid(id) => Some(id.clone()),
        Some(_) => return invalid_input("Argument Validation Error", "id must be a UUID"),
    };
    if let Some(earlier) = client_id
        .as_ref()
        .and_then(|id| ctx.linear_comments.lock().unwrap().get(id).cloned())
    {
        return Reply::new(StatusCode::OK, earlier);
    }
    if !is_uuid(issue) && !is_identifier(issue) {
        return invalid_input(
            "Entity not found: Issue",
            "Could not find referenced Issue.",
        );
    }
    let id = client_id
        .clone()
        .unwrap_or_else(|| format!("00000000-0000-4000-8000-{:012x}", ctx.id()));
    let answer = json!({"data": {"commentCreate": {
        "success": true,
        "comment": {
            "id": id,
            "url": format!("{}/issue/{issue}#comment-{id}", ctx.endpoint),
            "body": body,
        },
    }}});
    if let Some(id) = client_id {
        ctx.linear_comments
            .lock()
            .unwrap()
            .insert(id, answer.clone());
    }
    Reply::new(StatusCode::OK, answer)
}

/// A personal API key is sent bare (`Authorization: lin_api_…`), an OAuth token as `Bearer`.
fn authenticated(ctx: &Context, auth: &PresentedAuth) -> bool {
    let expected = ctx.config.linear_api_key.as_str();
    match auth {
        PresentedAuth::Other { value } => value.trim() == expected,
        PresentedAuth::Bearer { token } => token == expected,
        _ => false,
    }
}

/// A request the schema refuses before anything runs: HTTP 400.
fn validation_failed(message: &str) -> Reply {
    Reply::new(
        StatusCode::BAD_REQUEST,
        json!({"errors": [{"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}),
    )
}

/// The mutation ran and refused its input: HTTP 200, `"data": null`.
fn invalid_input(message: &str, presentable: &str) -> Reply {
    Reply::new(
        StatusCode::OK,
        json!({"data": null, "errors": [{
            "message": message,
            "path": ["commentCreate"],
            "extensions": {
                "type": "invalid input",
                "code": "INVALID_INPUT",
                "statusCode": 400,
                "userPresentableMessage": presentable,
            },
        }]}),
    )
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A team key and a number: `ENG-123` (`^[A-Z][A-Z0-9]*-[1-9][0-9]*$`).
fn is_identifier(s: &str) -> bool {
    let Some((team, number)) = s.split_once('-') else {
        return false;
    };
    team.starts_with(|c: char| c.is_ascii_uppercase())
        && team
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && number.starts_with(|c: char| matches!(c, '1'..='9'))
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_references() {
        for ok in ["ENG-123", "E2E-1", "A-10"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in [
            "eng-1", "ENG-0", "ENG-01", "ENG-", "-1", "ENG1", "EN_G-1", "ENG-1-2",
        ] {
            assert!(!is_identifier(bad), "{bad}");
        }
        assert!(is_uuid("9f1c7e2a-4b3d-4c5e-8f6a-0b1c2d3e4f5A"));
        for bad in [
            "9f1c7e2a4b3d4c5e8f6a0b1c2d3e4f5a",
            "9f1c7e2a-4b3d-4c5e-8f6a-0b1c2d3e4f5g",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
