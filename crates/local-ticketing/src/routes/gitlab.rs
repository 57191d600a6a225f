//! GitLab issue notes: `POST /api/v4/projects/{id}/issues/{issue_iid}/notes`, `{id}` a numeric
//! project id or a URL-encoded path (`acme%2Fops`). Checks in GitLab's order: the token, the
//! parameters (Grape's `{"error": …}`), the project and issue, the note's own validation
//! (`{"message": {…}}`). Creating and listing issues: `gitlab_issues`.

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use serde_json::{Value, json};

use super::{Context, Incoming, Reply};
use crate::auth::PresentedAuth;
use crate::percent::percent_decode;

/// GitLab's limit on a note's length, in characters.
const MAX_NOTE_CHARS: usize = 1_000_000;

/// The stub's issues have global ids this far above their `iid`s.
const ISSUE_ID_OFFSET: u64 = 500_000;

pub(super) fn note(ctx: &Context, req: &Incoming, project: &str, iid: &str) -> Reply {
    if req.method != "POST" {
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
    let digits = !iid.is_empty() && iid.bytes().all(|b| b.is_ascii_digit());
    let Some(iid) = iid.parse::<u64>().ok().filter(|_| digits) else {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"error": "noteable_id is invalid"}),
        );
    };
    let text = req.body.and_then(|b| b.get("body")).and_then(Value::as_str);
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Reply::new(StatusCode::BAD_REQUEST, json!({"error": "body is missing"}));
    };
    if !is_project(&percent_decode(project)) {
        return Reply::new(
            StatusCode::NOT_FOUND,
            json!({"message": "404 Project Not Found"}),
        );
    }
    if iid == 0 {
        return Reply::new(
            StatusCode::NOT_FOUND,
            json!({"message": "404 Issue Not Found"}),
        );
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Reply::new(
            StatusCode::BAD_REQUEST,
            json!({"message": {"body": [format!("is too long (maximum is {MAX_NOTE_CHARS} characters)")]}}),
        );
    }
    let flag = |name: &str| req.body.and_then(|b| b[name].as_bool()).unwrap_or(false);
    let internal = flag("internal") || flag("confidential");
    let now = timestamp(SystemTime::now());
    Reply::new(
        StatusCode::CREATED,
        json!({
            "id": ctx.id(),
            "type": null,
            "body": text,
            "attachment": null,
            "author": {
                "id": 1,
                "username": "bridge-bot",
                "name": "Bridge Bot",
                "state": "active",
                "locked": false,
                "avatar_url": null,
                "web_url": format!("{}/bridge-bot", ctx.endpoint),
            },
            "created_at": now,
            "updated_at": now,
            "system": false,
            "noteable_id": ISSUE_ID_OFFSET + iid,
            "noteable_type": "Issue",
            "noteable_iid": iid,
            "resolvable": false,
            "confidential": internal,
            "internal": internal,
            "imported": false,
            "imported_from": "none",
            "commands_changes": {},
        }),
    )
}

/// `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>` (an OAuth or personal token).
pub(super) fn authenticated(ctx: &Context, req: &Incoming) -> bool {
    let expected = ctx.config.gitlab_token.as_str();
    let private = req
        .headers
        .get("private-token")
        .and_then(|v| v.to_str().ok());
    private == Some(expected)
        || matches!(req.auth, PresentedAuth::Bearer { token } if token == expected)
}

/// A numeric id, or a `namespace/…/project` path (decoded).
pub(super) fn is_project(id: &str) -> bool {
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let path = id.contains('/') && id.split('/').all(|part| !part.is_empty());
    numeric || path
}

/// `2024-05-01T12:34:56.789Z`, as GitLab writes times.
pub(super) fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn projects_are_ids_or_paths() {
        for ok in ["42", "acme/ops", "acme/infra/ops"] {
            assert!(is_project(ok), "{ok}");
        }
        for bad in ["", "acme", "acme/", "/ops", "acme//ops"] {
            assert!(!is_project(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789);
        assert_eq!(timestamp(leap), "2024-02-29T12:34:56.789Z");
        let new_year = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(timestamp(new_year), "2024-12-31T23:59:59.000Z");
    }
}
