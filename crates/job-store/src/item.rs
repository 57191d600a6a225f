//! `JobRecord` to and from a DynamoDB item. Attribute names are the table schema: change them only
//! with a migration.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::StoreError;
use crate::job::{JobMode, JobRecord, JobStatus, WriteBack, WriteBackStatus, utc_day};

/// A DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// Attribute names, shared with the expressions in `store.rs`.
pub(crate) mod attr {
    pub const JOB_ID: &str = "job_id";
    pub const STATUS: &str = "status";
    pub const MODE: &str = "mode";
    pub const SOURCE: &str = "source";
    pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
    pub const TICKET_ID: &str = "ticket_id";
    pub const SESSION_ID: &str = "session_id";
    pub const ANALYSIS: &str = "analysis";
    pub const ERROR_CODE: &str = "error_code";
    pub const ERROR_MESSAGE: &str = "error_message";
    pub const CREATED_AT: &str = "created_at";
    pub const UPDATED_AT: &str = "updated_at";
    /// Only on failed jobs: the UTC day of the failure, the sparse failures index's key.
    pub const FAILED_ON: &str = "failed_on";
    pub const ATTEMPTS: &str = "attempts";
    pub const LEASE_UNTIL: &str = "lease_until";
    pub const EXPIRES_AT: &str = "expires_at";
    pub const WRITE_BACK: &str = "write_back";
    pub const FINGERPRINT: &str = "fingerprint";
    pub const DELIVERY_ID: &str = "delivery_id";
    pub const PRINCIPAL: &str = "principal";

    // Inside the `write_back` map.
    pub const WB_TARGET: &str = "target";
    pub const WB_STATUS: &str = "status";
    pub const WB_ATTEMPTS: &str = "attempts";
    pub const WB_LAST_ERROR_CODE: &str = "last_error_code";
    pub const WB_SINKS_POSTED: &str = "sinks_posted";
    /// While one attempt posts to the ticket: until when its claim holds (epoch ms).
    pub const WB_LEASE_UNTIL: &str = "lease_until";
}

/// `failed_on` for a failure recorded at `now` (see [`attr::FAILED_ON`]).
pub(crate) fn failed_on(now: std::time::SystemTime) -> AttributeValue {
    s(&utc_day(now))
}

/// A string attribute.
pub(crate) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// A number attribute.
pub(crate) fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The item for a record; absent options are left out.
pub(crate) fn to_item(r: &JobRecord) -> Item {
    let mut item = Item::new();
    item.insert(attr::JOB_ID.into(), s(&r.job_id));
    item.insert(attr::STATUS.into(), s(r.status.as_str()));
    item.insert(attr::MODE.into(), s(r.mode.as_str()));
    item.insert(attr::SOURCE.into(), s(&r.source));
    item.insert(attr::IDEMPOTENCY_KEY.into(), s(&r.idempotency_key));
    item.insert(attr::TICKET_ID.into(), s(&r.ticket_id));
    item.insert(attr::SESSION_ID.into(), s(&r.session_id));
    if let Some(v) = &r.analysis {
        item.insert(attr::ANALYSIS.into(), s(v));
    }
    if let Some(v) = &r.error_code {
        item.insert(attr::ERROR_CODE.into(), s(v));
    }
    if let Some(v) = &r.error_message {
        item.insert(attr::ERROR_MESSAGE.into(), s(v));
    }
    item.insert(attr::CREATED_AT.into(), n(r.created_at_ms));
    item.insert(attr::UPDATED_AT.into(), n(r.updated_at_ms));
    item.insert(attr::ATTEMPTS.into(), n(u64::from(r.attempts)));
    if let Some(v) = r.lease_until_ms {
        item.insert(attr::LEASE_UNTIL.into(), n(v));
    }
    item.insert(attr::EXPIRES_AT.into(), n(r.expires_at));
    if let Some(wb) = &r.write_back {
        item.insert(attr::WRITE_BACK.into(), write_back_value(wb));
    }
    if let Some(v) = &r.fingerprint {
        item.insert(attr::FINGERPRINT.into(), s(v));
    }
    if let Some(v) = &r.delivery_id {
        item.insert(attr::DELIVERY_ID.into(), s(v));
    }
    if let Some(v) = &r.principal {
        item.insert(attr::PRINCIPAL.into(), s(v));
    }
    item
}

/// The `write_back` map attribute.
pub(crate) fn write_back_value(wb: &WriteBack) -> AttributeValue {
    write_back_map(wb, None)
}

/// The `write_back` map, with the claim of the attempt posting now (`lease_until`, epoch ms).
pub(crate) fn write_back_map(wb: &WriteBack, lease_until_ms: Option<u64>) -> AttributeValue {
    let mut m = Item::new();
    if let Some(until) = lease_until_ms {
        m.insert(attr::WB_LEASE_UNTIL.into(), n(until));
    }
    m.insert(attr::WB_TARGET.into(), s(&wb.target));
    m.insert(attr::WB_STATUS.into(), s(wb.status.as_str()));
    m.insert(attr::WB_ATTEMPTS.into(), n(u64::from(wb.attempts)));
    if let Some(code) = &wb.last_error_code {
        m.insert(attr::WB_LAST_ERROR_CODE.into(), s(code));
    }
    if !wb.sinks_posted.is_empty() {
        let posted = wb.sinks_posted.iter().map(|i| n(u64::from(*i))).collect();
        m.insert(attr::WB_SINKS_POSTED.into(), AttributeValue::L(posted));
    }
    AttributeValue::M(m)
}

/// The record in an item; `Malformed` names the first attribute that does not fit.
pub(crate) fn from_item(item: &Item) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        job_id: req_s(item, attr::JOB_ID)?,
        status: JobStatus::parse(&req_s(item, attr::STATUS)?).ok_or_else(|| bad(attr::STATUS))?,
        mode: JobMode::parse(&req_s(item, attr::MODE)?).ok_or_else(|| bad(attr::MODE))?,
        source: req_s(item, attr::SOURCE)?,
        idempotency_key: req_s(item, attr::IDEMPOTENCY_KEY)?,
        ticket_id: req_s(item, attr::TICKET_ID)?,
        session_id: req_s(item, attr::SESSION_ID)?,
        analysis: opt_s(item, attr::ANALYSIS)?,
        error_code: opt_s(item, attr::ERROR_CODE)?,
        error_message: opt_s(item, attr::ERROR_MESSAGE)?,
        created_at_ms: req_n(item, attr::CREATED_AT)?,
        updated_at_ms: req_n(item, attr::UPDATED_AT)?,
        attempts: u32::try_from(req_n(item, attr::ATTEMPTS)?).map_err(|_| bad(attr::ATTEMPTS))?,
        lease_until_ms: opt_n(item, attr::LEASE_UNTIL)?,
        expires_at: req_n(item, attr::EXPIRES_AT)?,
        write_back: match item.get(attr::WRITE_BACK) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(AttributeValue::M(m)) => Some(WriteBack {
                target: req_s(m, attr::WB_TARGET)?,
                status: WriteBackStatus::parse(&req_s(m, attr::WB_STATUS)?)
                    .ok_or_else(|| bad("write_back.status"))?,
                attempts: u32::try_from(req_n(m, attr::WB_ATTEMPTS)?)
                    .map_err(|_| bad("write_back.attempts"))?,
                last_error_code: opt_s(m, attr::WB_LAST_ERROR_CODE)?,
                sinks_posted: sinks_posted(m)?,
            }),
            Some(_) => return Err(bad(attr::WRITE_BACK)),
        },
        fingerprint: opt_s(item, attr::FINGERPRINT)?,
        delivery_id: opt_s(item, attr::DELIVERY_ID)?,
        principal: opt_s(item, attr::PRINCIPAL)?,
    })
}

/// The `write_back` map's `sinks_posted` list (absent: none).
fn sinks_posted(m: &Item) -> Result<Vec<u32>, StoreError> {
    let bad_list = || bad("write_back.sinks_posted");
    match m.get(attr::WB_SINKS_POSTED) {
        None => Ok(Vec::new()),
        Some(AttributeValue::L(items)) => items
            .iter()
            .map(|item| match item {
                AttributeValue::N(v) => v.parse::<u32>().map_err(|_| bad_list()),
                _ => Err(bad_list()),
            })
            .collect(),
        Some(_) => Err(bad_list()),
    }
}

fn bad(name: &str) -> StoreError {
    StoreError::Malformed(format!(
        "attribute `{name}` is missing or has the wrong type"
    ))
}

fn req_s(item: &Item, name: &str) -> Result<String, StoreError> {
    opt_s(item, name)?.ok_or_else(|| bad(name))
}

fn opt_s(item: &Item, name: &str) -> Result<Option<String>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v.clone())),
        Some(_) => Err(bad(name)),
    }
}

fn req_n(item: &Item, name: &str) -> Result<u64, StoreError> {
    opt_n(item, name)?.ok_or_else(|| bad(name))
}

fn opt_n(item: &Item, name: &str) -> Result<Option<u64>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| bad(name)),
        Some(_) => Err(bad(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> JobRecord {
        JobRecord {
            job_id: "job_0123456789abcdef0123456789abcdef".into(),
            status: JobStatus::Failed,
            mode: JobMode::Async,
            source: "github".into(),
            idempotency_key: "d1".into(),
            ticket_id: "42".into(),
            session_id: "github-42-0123456789abcdef0123456789abcdef".into(),
            analysis: None,
            error_code: Some("AGENT_TIMEOUT".into()),
            error_message: Some("The agent did not answer in time".into()),
            created_at_ms: 1_700_000_000_000,
            updated_at_ms: 1_700_000_001_000,
            attempts: 2,
            lease_until_ms: Some(1_700_000_900_000),
            expires_at: 1_700_086_400,
            write_back: Some(WriteBack {
                target: "github".into(),
                status: WriteBackStatus::Failed,
                attempts: 3,
                last_error_code: Some("WRITE_BACK_HTTP_5XX".into()),
                sinks_posted: vec![0, 2],
            }),
            fingerprint: Some("9f".repeat(32)),
            delivery_id: Some("72d3162e-cc78-11e3-81ab-4c9367dc0958".into()),
            principal: Some("integration:github-acme".into()),
        }
    }

    #[test]
    fn round_trips() {
        let r = record();
        assert_eq!(from_item(&to_item(&r)).unwrap(), r);
        let bare = JobRecord {
            error_code: None,
            error_message: None,
            lease_until_ms: None,
            write_back: None,
            fingerprint: None,
            delivery_id: None,
            principal: None,
            ..r
        };
        assert_eq!(from_item(&to_item(&bare)).unwrap(), bare);
    }

    #[test]
    fn malformed_items_name_the_attribute() {
        let mut item = to_item(&record());
        item.insert(attr::STATUS.into(), s("paused"));
        let err = from_item(&item).unwrap_err();
        assert!(err.to_string().contains("`status`"), "{err}");
        item.remove(attr::STATUS);
        assert!(matches!(from_item(&item), Err(StoreError::Malformed(_))));
        let mut item = to_item(&record());
        item.insert(attr::ATTEMPTS.into(), s("2"));
        assert!(
            from_item(&item)
                .unwrap_err()
                .to_string()
                .contains("`attempts`")
        );
    }
}
