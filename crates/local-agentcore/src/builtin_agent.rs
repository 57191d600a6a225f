//! A deterministic triage agent, so `make local` and the tests need no model and no network.
//! It reads the bridge's payload (`{"prompt", "ticket", "source"}`) and writes a structured
//! analysis from the ticket's fields; the same input always gives the same text.

use serde_json::Value;

struct Area {
    name: &'static str,
    keywords: &'static [&'static str],
    steps: &'static [&'static str],
}

const AREAS: &[Area] = &[
    Area {
        name: "Messaging (email)",
        keywords: &["email", "e-mail", "mail", "smtp", "exchange", "outlook"],
        steps: &[
            "Check the mail transport queues and the SMTP relay health.",
            "Confirm whether the failure affects all users or one mailbox database.",
            "Review recent certificate, DNS (MX/SPF) or connector changes.",
        ],
    },
    Area {
        name: "Network",
        keywords: &[
            "vpn", "network", "dns", "latency", "packet", "firewall", "wifi", "router",
        ],
        steps: &[
            "Check link and device status on the affected segment.",
            "Compare DNS resolution and routing from an affected and an unaffected host.",
            "Review firewall and VPN concentrator changes from the last 24 hours.",
        ],
    },
    Area {
        name: "Storage / database",
        keywords: &[
            "disk", "database", "db", "sql", "storage", "volume", "backup",
        ],
        steps: &[
            "Check free space and I/O latency on the affected volumes.",
            "Look for long-running queries, locks or failed jobs.",
            "Confirm the latest successful backup before making changes.",
        ],
    },
    Area {
        name: "Identity and access",
        keywords: &[
            "password", "login", "log in", "sso", "account", "locked", "mfa", "access",
        ],
        steps: &[
            "Check the account's lock-out and MFA status in the directory.",
            "Review sign-in logs for the failures' error codes.",
            "Verify group membership against the access the user needs.",
        ],
    },
];

const GENERAL_STEPS: &[&str] = &[
    "Reproduce the problem and record the exact error message.",
    "Check monitoring and recent changes for the affected service.",
    "Contact the caller for scope: who is affected and since when.",
];

/// Whether the payload is a plain query (the invoke API) rather than a ticket: the built-in agent
/// streams those, as a chat agent would.
pub(crate) fn is_query(payload: &[u8]) -> bool {
    serde_json::from_slice::<Value>(payload)
        .map(|v| v.get("ticket").is_none() && v.get("prompt").is_some())
        .unwrap_or(false)
}

/// The analysis text for one invocation payload.
pub(crate) fn analyse(payload: &[u8]) -> String {
    let value: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let ticket = &value["ticket"];
    let field = |k: &str| ticket.get(k).and_then(Value::as_str).unwrap_or("");
    let id = field("id");
    let title = field("title");
    let description = field("description");
    let priority = field("priority");

    if id.is_empty() {
        let prompt = value
            .get("prompt")
            .and_then(Value::as_str)
            .or_else(|| value.as_str())
            .unwrap_or("(no prompt)");
        let first_line = prompt
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        return format!("Local agent (offline stand-in) received: {first_line}");
    }

    let haystack = format!("{title} {description} {}", field("category")).to_lowercase();
    let area = AREAS
        .iter()
        .find(|a| a.keywords.iter().any(|k| haystack.contains(k)));
    let (area_name, steps) = area.map_or(("General IT", GENERAL_STEPS), |a| (a.name, a.steps));

    let summary = if title.is_empty() {
        description.lines().next().unwrap_or("").to_owned()
    } else {
        title.to_owned()
    };
    let priority_note = match priority.chars().next() {
        Some('1') => "Critical: confirm the business impact is service-wide before paging on-call.",
        Some('2') => "High: appropriate if several users are affected.",
        Some(_) => "Looks consistent with the described impact.",
        None => "No priority was given; set one from impact and urgency.",
    };
    let numbered: String = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}\n", i + 1))
        .collect();
    format!(
        "Triage for {id}: {summary}\n\nLikely area: {area_name}\n\nRecommended next steps:\n{numbered}\nPriority: {}. {priority_note}",
        if priority.is_empty() {
            "not set"
        } else {
            priority
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_keywords_and_is_deterministic() {
        let payload = br#"{"prompt":"p","ticket":{"id":"INC0010001","title":"Email server down","priority":"1 - Critical"}}"#;
        let a = analyse(payload);
        assert_eq!(a, analyse(payload));
        assert!(
            a.starts_with("Triage for INC0010001: Email server down"),
            "{a}"
        );
        assert!(a.contains("Likely area: Messaging (email)"));
        assert!(a.contains("Priority: 1 - Critical. Critical"));
    }

    #[test]
    fn falls_back_to_general_and_to_the_prompt() {
        let a =
            analyse(br#"{"ticket":{"id":"INC2","description":"Coffee machine broken\nagain"}}"#);
        assert!(a.contains("Triage for INC2: Coffee machine broken"));
        assert!(a.contains("General IT"));
        assert!(analyse(br#"{"prompt":"hello there"}"#).contains("hello there"));
        assert!(analyse(b"not json").ends_with("received: (no prompt)"));
    }

    #[test]
    fn plain_queries_are_told_from_tickets() {
        assert!(is_query(br#"{"prompt":"hi","context":{}}"#));
        assert!(!is_query(br#"{"prompt":"p","ticket":{"id":"INC1"}}"#));
        assert!(!is_query(b"not json"));
    }
}
