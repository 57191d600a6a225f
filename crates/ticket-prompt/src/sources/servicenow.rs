//! ServiceNow incidents, as a Business Rule or Flow sends them: every value a string, either the
//! raw database value (`"2"`) or the display value (`"2 - High"`). Reference fields may also come
//! in Table API form (`{"value": "…", "display_value": "…", "link": "…"}`); numbers are accepted
//! for choice fields because hand-written scripts send them.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::{Capped, FieldLimits};
use crate::source::Source;
use crate::ticket::{Choice, Ticket};

const PRIORITY_LABELS: &[(u32, &str)] = &[
    (1, "1 - Critical"),
    (2, "2 - High"),
    (3, "3 - Moderate"),
    (4, "4 - Low"),
    (5, "5 - Planning"),
];
const IMPACT_URGENCY_LABELS: &[(u32, &str)] = &[(1, "1 - High"), (2, "2 - Medium"), (3, "3 - Low")];
const STATE_LABELS: &[(u32, &str)] = &[
    (1, "New"),
    (2, "In Progress"),
    (3, "On Hold"),
    (6, "Resolved"),
    (7, "Closed"),
    (8, "Canceled"),
];

/// ServiceNow Business Rules send no event name: every delivery is an incident to analyse.
pub(crate) fn event(_f: &Fields<'_>) -> String {
    "incident".into()
}

/// Text fields by mapping; the choice fields get ServiceNow's own code-and-label parsing below.
const SERVICENOW: Mapping = Mapping {
    description: Description::Text("description"),
    text_hint: " (or 'description'): the incident needs some text to analyse",
    category: Some("category"),
    group: Some("assignment_group"),
    requester: Some("caller_id"),
    updated_at: Some("sys_updated_on"),
    ..Mapping::new(Source::ServiceNow, "number", "short_description")
};

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let sys_id = f.text("sys_id")?;
    if let Some(id) = &sys_id {
        validate_sys_id(id)?;
    }
    let mut t = SERVICENOW.ticket(f, limits)?;
    t.source_id = sys_id;
    t.priority = choice(f, "priority", PRIORITY_LABELS, limits)?;
    t.urgency = choice(f, "urgency", IMPACT_URGENCY_LABELS, limits)?;
    t.impact = choice(f, "impact", IMPACT_URGENCY_LABELS, limits)?;
    t.status = choice(f, "state", STATE_LABELS, limits)?;
    Ok(t)
}

fn choice(
    f: &Fields<'_>,
    name: &'static str,
    labels: &[(u32, &str)],
    limits: &FieldLimits,
) -> Result<Option<Choice>, TicketError> {
    Ok(f.text(name)?
        .map(|raw| parse_choice(&Capped::new(&raw, limits.short).text, labels))
        .filter(|c| !c.label.is_empty()))
}

/// `"2"` → code 2 with the standard label; `"2 - High"` → code 2 with the sender's label;
/// `"High"` (a custom or display-only value) → no code, label kept.
fn parse_choice(raw: &str, labels: &[(u32, &str)]) -> Choice {
    let digits: String = raw.chars().take_while(char::is_ascii_digit).collect();
    let code = digits.parse::<u32>().ok();
    let bare_code = !digits.is_empty() && digits.len() == raw.len();
    let label = match code {
        Some(c) if bare_code => labels
            .iter()
            .find(|(k, _)| *k == c)
            .map_or_else(|| raw.to_owned(), |(_, l)| (*l).to_owned()),
        _ => raw.to_owned(),
    };
    Choice { code, label }
}

/// sys_ids are 32 hex digits; anything else would later be unsafe in a Table API URL path.
fn validate_sys_id(sys_id: &str) -> Result<(), TicketError> {
    if sys_id.len() != 32 || !sys_id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(TicketError::invalid(
            "sys_id",
            "must be 32 hexadecimal digits",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(body: &[u8], limits: &FieldLimits) -> Result<Ticket, TicketError> {
        crate::read_delivery(Source::ServiceNow, body, None)?.ticket(limits)
    }

    fn parse_json(v: Value) -> Result<Ticket, TicketError> {
        parse(v.to_string().as_bytes(), &FieldLimits::default())
    }

    #[test]
    fn parses_the_reference_incident_with_raw_values() {
        let t = parse_json(json!({
            "number": "INC0010001",
            "short_description": "Email server down",
            "description": "Users cannot send email since 09:00.",
            "urgency": "1", "impact": "2", "priority": "2",
            "category": "network", "assignment_group": "Network Ops",
            "caller_id": "Abel Tuter", "state": "1",
            "sys_id": "46d44a5ea9fe198101b9e1ac8f0d0f7d",
            "sys_updated_on": "2026-11-22 09:12:00"
        }))
        .unwrap();
        assert_eq!(t.source, Source::ServiceNow);
        assert_eq!(t.id, "INC0010001");
        assert_eq!(t.title.as_deref(), Some("Email server down"));
        assert_eq!(
            t.priority,
            Some(Choice {
                code: Some(2),
                label: "2 - High".into()
            })
        );
        assert_eq!(t.urgency.as_ref().unwrap().label, "1 - High");
        assert_eq!(t.impact.as_ref().unwrap().label, "2 - Medium");
        assert_eq!(t.status.as_ref().unwrap().label, "New");
        assert_eq!(t.group.as_deref(), Some("Network Ops"));
        assert_eq!(t.requester.as_deref(), Some("Abel Tuter"));
        assert_eq!(
            t.source_id.as_deref(),
            Some("46d44a5ea9fe198101b9e1ac8f0d0f7d")
        );
        assert_eq!(t.updated_at.as_deref(), Some("2026-11-22 09:12:00"));
        assert!(t.truncated_fields.is_empty());
    }

    #[test]
    fn accepts_display_values_and_keeps_their_labels() {
        let t = parse_json(json!({
            "number": "INC0010002", "short_description": "VPN flaps",
            "priority": "1 - Critical", "urgency": "3 - Low", "state": "In Progress"
        }))
        .unwrap();
        assert_eq!(
            t.priority,
            Some(Choice {
                code: Some(1),
                label: "1 - Critical".into()
            })
        );
        assert_eq!(
            t.urgency,
            Some(Choice {
                code: Some(3),
                label: "3 - Low".into()
            })
        );
        assert_eq!(
            t.status,
            Some(Choice {
                code: None,
                label: "In Progress".into()
            })
        );
    }

    #[test]
    fn unknown_codes_stay_opaque_rather_than_rejected() {
        // Instances customise choice lists; a code we do not know is still the sender's truth.
        let t =
            parse_json(json!({"number": "INC1", "short_description": "x", "state": "18"})).unwrap();
        assert_eq!(
            t.status,
            Some(Choice {
                code: Some(18),
                label: "18".into()
            })
        );
    }

    #[test]
    fn accepts_numbers_and_table_api_reference_objects() {
        let t = parse_json(json!({
            "number": "INC0010003", "description": "Disk full on db01",
            "priority": 3,
            "assignment_group": {"link": "https://x/api", "value": "8a5055c9c61122780043563ef53438e3", "display_value": "Database"},
            "caller_id": {"value": "5137153cc611227c000bbd1bd8cd2005"}
        }))
        .unwrap();
        assert_eq!(t.priority.unwrap().label, "3 - Moderate");
        assert_eq!(t.group.as_deref(), Some("Database"));
        assert_eq!(
            t.requester.as_deref(),
            Some("5137153cc611227c000bbd1bd8cd2005")
        );
        assert_eq!(t.title, None);
        assert_eq!(t.description.as_deref(), Some("Disk full on db01"));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let t = parse_json(
            json!({"number": "INC1", "short_description": "x", "u_custom": [1, 2], "opened_by": {"a": 1}}),
        );
        assert!(t.is_ok());
    }

    #[test]
    fn number_is_required() {
        for body in [
            json!({"short_description": "x"}),
            json!({"number": "", "short_description": "x"}),
            json!({"number": null, "short_description": "x"}),
        ] {
            let err = parse_json(body).unwrap_err();
            assert_eq!(err.field(), Some("number"));
            assert!(matches!(err, TicketError::MissingField { .. }));
        }
    }

    #[test]
    fn some_text_is_required() {
        let err = parse_json(
            json!({"number": "INC1", "short_description": "  ", "description": "\u{200B}"}),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            TicketError::MissingField {
                field: "short_description",
                ..
            }
        ));
        assert!(err.to_string().contains("description"), "{err}");
    }

    #[test]
    fn wrong_types_name_the_field() {
        let cases = [
            (
                json!({"number": ["INC1"], "short_description": "x"}),
                "number",
            ),
            (
                json!({"number": "INC1", "short_description": true}),
                "short_description",
            ),
            (
                json!({"number": "INC1", "short_description": "x", "priority": {"link": "y"}}),
                "priority",
            ),
        ];
        for (body, field) in cases {
            let err = parse_json(body).unwrap_err();
            assert!(matches!(err, TicketError::InvalidField { .. }), "{err:?}");
            assert_eq!(err.field(), Some(field));
        }
    }

    #[test]
    fn malformed_numbers_and_sys_ids_are_rejected() {
        for n in ["INC 1", "INC1/../x", "INC<1>", &"9".repeat(65)] {
            let err = parse_json(json!({"number": n, "short_description": "x"})).unwrap_err();
            assert_eq!(err.field(), Some("number"), "{n}");
        }
        let err =
            parse_json(json!({"number": "INC1", "short_description": "x", "sys_id": "../../etc"}))
                .unwrap_err();
        assert_eq!(err.field(), Some("sys_id"));
    }

    #[test]
    fn invalid_json_and_non_objects_are_told_apart() {
        let limits = FieldLimits::default();
        assert!(matches!(
            parse(b"{\"number\": ", &limits),
            Err(TicketError::InvalidJson(_))
        ));
        assert!(matches!(
            parse(b"\xff\xfe{}", &limits),
            Err(TicketError::InvalidJson(_))
        ));
        assert!(matches!(
            parse(b"", &limits),
            Err(TicketError::InvalidJson(_))
        ));
        assert_eq!(parse(b"[1,2]", &limits), Err(TicketError::NotAnObject));
        assert_eq!(parse(b"\"INC1\"", &limits), Err(TicketError::NotAnObject));
    }

    #[test]
    fn json_errors_do_not_echo_the_body() {
        let err = parse(b"{\"number\": SECRET-TOKEN-123}", &FieldLimits::default()).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    #[test]
    fn fields_are_cleaned_and_capped_with_a_note() {
        let limits = FieldLimits {
            title: 10,
            description: 20,
            short: 5,
            ..FieldLimits::default()
        };
        let body = json!({
            "number": "INC1",
            "short_description": "Printer\u{202E} on fire again",
            "description": "a\u{0}".repeat(50),
            "category": "hardware"
        });
        let t = parse(body.to_string().as_bytes(), &limits).unwrap();
        assert_eq!(
            t.title.as_deref(),
            Some("Printer on [truncated: first 10 of 21 characters shown]")
        );
        assert!(
            t.description
                .as_deref()
                .unwrap()
                .starts_with(&"a".repeat(20))
        );
        assert_eq!(
            t.category.as_deref(),
            Some("hardw [truncated: first 5 of 8 characters shown]")
        );
        assert_eq!(
            t.truncated_fields,
            vec!["short_description", "description", "category"]
        );
    }

    #[test]
    fn choice_parsing() {
        assert_eq!(
            parse_choice("5", PRIORITY_LABELS),
            Choice {
                code: Some(5),
                label: "5 - Planning".into()
            }
        );
        assert_eq!(
            parse_choice("4 - Low", PRIORITY_LABELS),
            Choice {
                code: Some(4),
                label: "4 - Low".into()
            }
        );
        assert_eq!(
            parse_choice("P1", PRIORITY_LABELS),
            Choice {
                code: None,
                label: "P1".into()
            }
        );
        assert_eq!(
            parse_choice("99999999999", PRIORITY_LABELS).code,
            None,
            "overflow is not a code"
        );
    }
}
