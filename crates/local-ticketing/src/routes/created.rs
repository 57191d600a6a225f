//! The tickets the create routes opened: numbered within their vendor and their scope (a
//! ServiceNow table, a Jira project, a GitHub repository, a GitLab project), found again by the
//! lookup routes, and read by tests through [`crate::RunningTicketing::created`].

use std::sync::Mutex;

use serde_json::Value;

use crate::percent::form_param;

pub(super) const SERVICENOW: &str = "servicenow";
pub(super) const JIRA: &str = "jira";
pub(super) const GITHUB: &str = "github";
pub(super) const GITLAB: &str = "gitlab";

/// The vendors whose tickets are kept.
pub(super) const VENDORS: [&str; 4] = [SERVICENOW, JIRA, GITHUB, GITLAB];

/// Where a new ticket falls, counting from 1: among its vendor's tickets and among its scope's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    pub vendor: u64,
    pub scope: u64,
}

struct Ticket {
    vendor: &'static str,
    scope: String,
    doc: Value,
}

/// Every ticket opened, in creation order.
#[derive(Default)]
pub(super) struct Created {
    tickets: Mutex<Vec<Ticket>>,
}

impl Created {
    /// Keeps the document `build` makes for the next ticket of `vendor` in `scope` (under one
    /// lock, so concurrent creates get distinct positions) and returns it.
    pub(super) fn open(
        &self,
        vendor: &'static str,
        scope: &str,
        build: impl FnOnce(Position) -> Value,
    ) -> Value {
        let mut tickets = self.tickets.lock().unwrap();
        let count = |in_scope: bool| {
            let earlier = tickets
                .iter()
                .filter(|t| t.vendor == vendor && (!in_scope || t.scope == scope))
                .count();
            u64::try_from(earlier).unwrap_or(u64::MAX - 1) + 1
        };
        let position = Position {
            vendor: count(false),
            scope: count(true),
        };
        let doc = build(position);
        tickets.push(Ticket {
            vendor,
            scope: scope.to_owned(),
            doc: doc.clone(),
        });
        doc
    }

    /// The documents of `vendor`'s tickets (in `scope` only, if given), in creation order.
    pub(super) fn find(&self, vendor: &str, scope: Option<&str>) -> Vec<Value> {
        self.tickets
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.vendor == vendor && scope.is_none_or(|s| t.scope == s))
            .map(|t| t.doc.clone())
            .collect()
    }
}

/// A list request's label filter and page, as GitHub and GitLab read them (`labels=a,b`,
/// `per_page` up to 100, `page` from 1).
pub(super) struct Listing {
    /// Every label an issue must carry.
    pub labels: Vec<String>,
    per_page: usize,
    page: usize,
}

impl Listing {
    /// From the query string; `default_per_page` is the vendor's.
    pub(super) fn from_query(query: Option<&str>, default_per_page: usize) -> Listing {
        let number = |name| form_param(query, name).and_then(|n| n.parse::<usize>().ok());
        Listing {
            labels: form_param(query, "labels")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            per_page: number("per_page")
                .filter(|n| *n > 0)
                .unwrap_or(default_per_page)
                .min(100),
            page: number("page").unwrap_or(1).max(1),
        }
    }

    /// The requested page of `found`.
    pub(super) fn page(&self, found: Vec<Value>) -> Value {
        Value::Array(
            found
                .into_iter()
                .skip((self.page - 1).saturating_mul(self.per_page))
                .take(self.per_page)
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_count_within_vendor_and_scope() {
        let created = Created::default();
        let mut opened = Vec::new();
        for (vendor, scope) in [(JIRA, "OPS"), (JIRA, "DEV"), (GITHUB, "a/b"), (JIRA, "OPS")] {
            created.open(vendor, scope, |p| {
                opened.push(p);
                json!({"scope": scope, "n": p.scope})
            });
        }
        let at = |vendor, scope| Position { vendor, scope };
        assert_eq!(opened, [at(1, 1), at(2, 1), at(1, 1), at(3, 2)]);
        assert_eq!(
            created.find(JIRA, Some("OPS")),
            [
                json!({"scope": "OPS", "n": 1}),
                json!({"scope": "OPS", "n": 2})
            ]
        );
        assert_eq!(created.find(JIRA, None).len(), 3);
        assert!(created.find(GITLAB, None).is_empty());
    }
}
